"""Cycles, their events and transfers: recording, correcting and removing them, each as one audited change
that undo takes back whole; and reading the timeline the cycles are dated against."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import Enum

from rpltrack.domain.errors import HasDependents, NeedsConfirmation, ValidationError
from rpltrack.domain.records import replace
from rpltrack.store import rows
from rpltrack.store.base import JournalBase, timeline_conv

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

    from rpltrack.domain.betas import BetaDraw
    from rpltrack.domain.cycles import Cycle, CycleEvent, Transfer
    from rpltrack.domain.pregnancies import Pregnancy

_CYCLE_FIELDS = ("kind", "cd1", "clinic", "notes", "ended_on", "outcome")
_EVENT_FIELDS = ("kind", "on", "note")
_TRANSFER_FIELDS = ("on", "embryo_day", "embryo_count", "grade", "pgt")
# Tables whose rows point at a cycle without belonging to it: a deleted cycle leaves them unlinked.
_LINKED_TO_CYCLE = ("betas", "pregnancies", "medications", "protocol_uses")


def _known(fields: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"cannot edit {', '.join(unknown)} of a {what}; editable: {', '.join(allowed)}")


def _counted(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _shown(value: object) -> str:
    """A value as it reads in a change's summary (her text cut at 80 characters)."""
    # quick path: `take` would import domain.cycles, domain.dating (+1.5 ms)
    from rpltrack.domain.cycles import clip

    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        # quick path: `take` would import domain.dating (+0.5 ms)
        from rpltrack.domain.dating import day_words

        return day_words(value)
    return clip(str(value))


def _said(label: str, before: object, after: object) -> str:
    """'lab from Quest to Labcorp', 'clinic set to CCRM', 'notes cleared'."""
    if before is None or before == "":
        return f"{label} set to {_shown(after)}"
    if after is None or after == "":
        return f"{label} cleared (was {_shown(before)})"
    return f"{label} from {_shown(before)} to {_shown(after)}"


def _summary(what: str, parts: list[str]) -> str:
    """'changed the beta drawn 2026-12-03 08:00: value from 30100 to 301; lab set to Quest'."""
    return f"changed {what}: {'; '.join(parts)}"


def _anchored_to(row: sqlite3.Row, event: str) -> bool:
    """Whether a medication's stored start or end is placed by the cycle's `event` (a gestational-age end
    counts from the transfer; a length counts from the start)."""
    # quick path: `today` would import domain.anchors, six, dateutil, calendar (+4.2 ms)
    from rpltrack.domain.anchors import looks_like_ga, parse_event_anchor

    start = row["start_anchor"]
    if start is not None and parse_event_anchor(start).event == event:
        return True
    end = row["end_anchor"]
    if end is None:
        return False
    if end.startswith("for:"):
        return start is not None and parse_event_anchor(start).event == event
    if looks_like_ga(end):
        return event == "transfer"
    return parse_event_anchor(end, "until").event == event


class CycleStore(JournalBase):
    """Cycles, their events and transfers; the reads of betas and pregnancies they are dated with."""

    # -- reading ------------------------------------------------------------------------------------

    def cycles(self) -> list[Cycle]:
        """Every cycle, newest CD1 first, with its events and transfers in date order."""
        return self._load_cycles()

    def _load_cycles(self, where: str = "", params: tuple[Any, ...] = ()) -> list[Cycle]:
        timeline = timeline_conv()
        found = self._conn.execute(
            f"SELECT * FROM cycles {where} ORDER BY cd1 DESC, id DESC", params
        ).fetchall()
        ids = tuple(r["id"] for r in found)
        marks = ", ".join("?" for _ in ids)
        events: dict[int, list[CycleEvent]] = {}
        transfers: dict[int, list[Transfer]] = {}
        if ids:
            for row in self._conn.execute(
                f"SELECT * FROM cycle_events WHERE cycle_id IN ({marks}) ORDER BY on_date, id", ids
            ):
                events.setdefault(row["cycle_id"], []).append(timeline.event_of(row))
            for row in self._conn.execute(
                f"SELECT * FROM transfers WHERE cycle_id IN ({marks}) ORDER BY on_date, id", ids
            ):
                transfers.setdefault(row["cycle_id"], []).append(timeline.transfer_of(row))
        return [
            timeline.cycle_of(row, tuple(events.get(row["id"], ())), tuple(transfers.get(row["id"], ())))
            for row in found
        ]

    def cycle(self, cycle_id: int) -> Cycle:
        found = self._load_cycles("WHERE id = ?", (cycle_id,))
        if found:
            return found[0]
        raise ValidationError(code="cycle.unknown_id", field="cycle", values={"id": cycle_id})

    def _cycle_by_id(self, cycle_id: int) -> Cycle:
        """cycle(), with an unknown id reported against the id (edit and delete take it as the argument)."""
        try:
            return self.cycle(cycle_id)
        except ValidationError as exc:
            raise exc.with_field("id") from None

    def cycle_on(self, day: date) -> Cycle | None:
        """The latest cycle that covers `day` (started on or before it and not ended before it)."""
        return next((c for c in self.cycles() if c.active_on(day)), None)

    def event(self, event_id: int) -> CycleEvent:
        """One cycle event by id (its cycle in `cycle_id`)."""
        row = self._conn.execute("SELECT * FROM cycle_events WHERE id = ?", (event_id,)).fetchone()
        if row is None:
            raise ValidationError(code="event.unknown_id", field="id", values={"id": event_id})
        found: CycleEvent = timeline_conv().event_of(row)
        return found

    def transfer(self, transfer_id: int) -> Transfer:
        """One transfer by id (its cycle in `cycle_id`)."""
        row = self._conn.execute("SELECT * FROM transfers WHERE id = ?", (transfer_id,)).fetchone()
        if row is None:
            raise ValidationError(code="transfer.unknown_id", field="id", values={"id": transfer_id})
        found: Transfer = timeline_conv().transfer_of(row)
        return found

    def beta(self, beta_id: int) -> BetaDraw:
        """One beta result by id."""
        row = self._conn.execute("SELECT * FROM betas WHERE id = ?", (beta_id,)).fetchone()
        if row is None:
            raise ValidationError(code="beta.unknown_id", field="id", values={"id": beta_id})
        found: BetaDraw = timeline_conv().beta_of(row)
        return found

    def pregnancy(self, pregnancy_id: int) -> Pregnancy:
        """One pregnancy or loss by id."""
        row = self._conn.execute("SELECT * FROM pregnancies WHERE id = ?", (pregnancy_id,)).fetchone()
        if row is None:
            raise ValidationError(code="pregnancy.unknown_id", field="id", values={"id": pregnancy_id})
        found: Pregnancy = timeline_conv().pregnancy_of(row)
        return found

    def cycle_of_transfer(self, transfer_id: int) -> Cycle:
        return self.cycle(int(self.transfer(transfer_id).cycle_id or 0))

    def cycle_of_event(self, event_id: int) -> Cycle:
        return self.cycle(int(self.event(event_id).cycle_id or 0))

    # -- cycles -------------------------------------------------------------------------------------

    def _new_cycle_question(self, cycle: Cycle) -> tuple[str, list[Cycle]]:
        """What to ask before a new cycle starts ('' when nothing), and the open cycles it would end."""
        # quick path: `take` would import domain.dating (+0.5 ms)
        from rpltrack.domain.dating import cycle_day

        # quick path: `take` would import domain.pregnancies, domain.dating (+1.5 ms)
        from rpltrack.domain.pregnancies import Outcome

        questions: list[str] = []
        ongoing = [p for p in self.pregnancies() if p.outcome is Outcome.ONGOING]
        if ongoing:
            since = f" (positive test on {ongoing[0].started_on})" if ongoing[0].started_on else ""
            questions.append(
                f"A pregnancy{since} is recorded as ongoing. A new cycle does not end it, and it keeps its "
                "own dating; if it has ended, record how it ended first."
            )
        stale = [c for c in self.cycles() if c.id != cycle.id and c.stale_on(cycle.cd1)]
        the_day = cycle.cd1 - timedelta(days=1)
        for old in stale:
            questions.append(
                f"Cycle {old.id} ({old.describe()}) was never ended and would be on day "
                f"{cycle_day(old.cd1, the_day)} by then: it will be ended on {the_day}, the day before the "
                "new CD1."
            )
        if not questions:
            return "", []
        kind = cycle.kind.value
        return " ".join([*questions, f"Start the {kind} cycle from {cycle.cd1}?"]), stale

    def add_cycle(self, cycle: Cycle, now: datetime, *, sure: bool = False) -> Cycle:
        """Start a cycle. While a pregnancy is ongoing, or when an earlier cycle was left open past day 60,
        asks first (NeedsConfirmation); with `sure` the stale cycles are ended the day before the new CD1
        in the same change. The ongoing pregnancy is never touched."""
        self._writable()
        previous = self.cycle_on(cycle.cd1)
        if previous is not None and previous.cd1 == cycle.cd1 and previous.kind is cycle.kind:
            raise ValidationError(
                f"a {cycle.kind.value} cycle from {cycle.cd1} is already recorded (cycle {previous.id})",
                field="cd1",
            )
        question, stale = self._new_cycle_question(cycle)
        if question and not sure:
            raise NeedsConfirmation(question, field="cd1")
        summary = f"started a {cycle.kind.value} cycle on {cycle.cd1}"
        if stale:
            summary += f" and ended {', '.join(f'cycle {c.id}' for c in stale)} the day before"
        with self._w.txn():
            change = self._w.open_change("cycle add", summary, now)
            for old in stale:
                assert old.id is not None
                ended = (cycle.cd1 - timedelta(days=1)).isoformat()
                self._w.update(change, "cycles", old.id, {"ended_on": ended})
            cycle_id = self._w.insert(change, "cycles", timeline_conv().cycle_values(cycle, now))
        return self.cycle(cycle_id)

    def end_cycle(self, cycle_id: int, on: date, outcome: str, now: datetime) -> Cycle:
        self._writable()
        cycle = self.cycle(cycle_id)
        replace(cycle, ended_on=on)  # validates the date against CD1
        with self._w.txn():
            change = self._w.open_change("cycle end", f"ended cycle {cycle_id} on {on}", now)
            self._w.update(change, "cycles", cycle_id, {"ended_on": on.isoformat(), "outcome": outcome})
        return self.cycle(cycle_id)

    def edit_cycle(self, cycle_id: int, now: datetime, **fields: Any) -> Cycle:
        """Correct a cycle's kind, CD1, clinic, notes, end date or outcome (ended_on=None reopens it). Its
        events and transfers must still fit; schedules anchored to CD1 follow."""
        # quick path: `take` would import domain.cycles, domain.dating (+1.5 ms)
        from rpltrack.domain.cycles import parse_cycle_kind

        _known(fields, _CYCLE_FIELDS, "cycle")
        self._writable()
        cycle = self._cycle_by_id(cycle_id)
        if isinstance(fields.get("kind"), str):
            fields["kind"] = parse_cycle_kind(fields["kind"])
        for text in ("clinic", "notes", "outcome"):
            if text in fields:
                fields[text] = (fields[text] or "").strip()
        changed = replace(cycle, **fields)
        changed.check_timeline()
        if changed == cycle:
            return cycle
        if changed.cd1 != cycle.cd1 or changed.kind is not cycle.kind:
            twin = next(
                (
                    c
                    for c in self.cycles()
                    if c.id != cycle_id and c.cd1 == changed.cd1 and c.kind is changed.kind
                ),
                None,
            )
            if twin is not None:
                raise ValidationError(
                    f"a {changed.kind.value} cycle from {changed.cd1} is already recorded (cycle {twin.id})",
                    field="cd1",
                )
        labels = {"kind": "kind", "cd1": "CD1", "clinic": "clinic", "notes": "notes", "ended_on": "end"}
        labels["outcome"] = "outcome"
        parts = []
        for name in _CYCLE_FIELDS:
            before, after = getattr(cycle, name), getattr(changed, name)
            if before != after:
                parts.append("notes changed" if name == "notes" else _said(labels[name], before, after))
        values = timeline_conv().cycle_values(changed, now)
        values.pop("created_utc")
        summary = _summary(f"cycle {cycle_id} ({cycle.describe()})", parts)
        with self._w.txn():
            change = self._w.open_change("cycle edit", summary, now)
            self._w.update(change, "cycles", cycle_id, values)
        return self.cycle(cycle_id)

    def _linked_medications(self, cycle_id: int) -> list[sqlite3.Row]:
        return self._conn.execute(
            "SELECT id, name, start_anchor, end_anchor FROM medications WHERE cycle_id = ? ORDER BY id",
            (cycle_id,),
        ).fetchall()

    def dependents_of_cycle(self, cycle_id: int) -> list[str]:
        """What a delete of the cycle takes with it (events, transfers) or leaves unlinked (betas,
        pregnancies, medications, protocols applied to it), in words; [] when nothing."""
        cycle = self._cycle_by_id(cycle_id)

        def linked(table: str) -> int:
            found = self._conn.execute(f"SELECT count(*) FROM {table} WHERE cycle_id = ?", (cycle_id,))
            return int(found.fetchone()[0])

        words: list[str] = []
        if cycle.transfers:
            words.append(_counted(len(cycle.transfers), "transfer"))
        if cycle.events:
            words.append(_counted(len(cycle.events), "event"))
        if betas := linked("betas"):
            words.append(_counted(betas, "beta result"))
        if pregnancies := linked("pregnancies"):
            words.append(_counted(pregnancies, "pregnancy or loss", "pregnancies or losses"))
        meds = self._linked_medications(cycle_id)
        anchored = sum(1 for m in meds if m["start_anchor"] is not None or m["end_anchor"] is not None)
        if anchored:
            words.append(_counted(anchored, "medication") + " scheduled from its events")
        if len(meds) > anchored:
            words.append(_counted(len(meds) - anchored, "medication") + " tied to it")
        if uses := linked("protocol_uses"):
            words.append(_counted(uses, "protocol") + " applied to it")
        return words

    def delete_cycle(self, cycle_id: int, now: datetime, *, with_dependents: bool = False) -> Cycle:
        """Remove a cycle with its events and transfers; beta results, pregnancies, medications and protocol
        uses that point at it stay, unlinked. One change: undo restores every row and link exactly.
        Refused (HasDependents) when anything depends on it, unless `with_dependents`."""
        self._writable()
        cycle = self._cycle_by_id(cycle_id)
        dependents = self.dependents_of_cycle(cycle_id)
        if dependents and not with_dependents:
            raise HasDependents(
                f"cycle {cycle_id} ({cycle.describe()}) has {', '.join(dependents)}: deleting it deletes its "
                "events and transfers, and leaves the rest without a cycle",
                dependents=dependents,
                field="id",
            )
        summary = f"deleted cycle {cycle_id} ({cycle.describe()})"
        if dependents:
            summary += f", which had {', '.join(dependents)}"
        with self._w.txn():
            change = self._w.open_change("cycle delete", summary, now)
            for table in _LINKED_TO_CYCLE:
                linked = self._conn.execute(
                    f"SELECT id FROM {table} WHERE cycle_id = ? ORDER BY id", (cycle_id,)
                ).fetchall()
                for row in linked:
                    self._w.update(change, table, int(row["id"]), {"cycle_id": None})
            for table in ("cycle_events", "transfers"):
                owned = self._conn.execute(
                    f"SELECT id FROM {table} WHERE cycle_id = ? ORDER BY id", (cycle_id,)
                ).fetchall()
                for row in owned:
                    self._w.delete(change, table, int(row["id"]))
            self._w.delete(change, "cycles", cycle_id)
        return cycle

    # -- events -------------------------------------------------------------------------------------

    def add_event(self, cycle_id: int, event: CycleEvent, now: datetime) -> Cycle:
        self._writable()
        cycle = self.cycle(cycle_id)
        cycle.check_event(event)
        values = {
            "cycle_id": cycle_id,
            "kind": event.kind.value,
            "on_date": event.on.isoformat(),
            "note": event.note,
            "created_utc": rows.utc_text(now),
        }
        with self._w.txn():
            change = self._w.open_change("event add", f"added {event.describe()}", now)
            self._w.insert(change, "cycle_events", values)
        return self.cycle(cycle_id)

    def edit_event(self, event_id: int, now: datetime, **fields: Any) -> CycleEvent:
        """Correct an event's kind, date or note; schedules anchored to it follow."""
        # quick path: `take` would import domain.cycles, domain.dating (+1.5 ms)
        from rpltrack.domain.cycles import parse_event_kind

        _known(fields, _EVENT_FIELDS, "cycle event")
        self._writable()
        event = self.event(event_id)
        if isinstance(fields.get("kind"), str):
            fields["kind"] = parse_event_kind(fields["kind"])
        if "note" in fields:
            fields["note"] = (fields["note"] or "").strip()
        changed = replace(event, **fields)
        if changed == event:
            return event
        cycle = self.cycle(int(event.cycle_id or 0))
        others = replace(cycle, events=tuple(e for e in cycle.events if e.id != event_id))
        others.check_event(changed)
        parts = []
        if changed.kind is not event.kind:
            parts.append(_said("kind", event.kind, changed.kind))
        if changed.on != event.on:
            parts.append(_said("date", event.on, changed.on))
        if changed.note != event.note:
            parts.append(_said("note", event.note, changed.note))
        summary = _summary(f"the {event.kind.value} of {event.on} in cycle {cycle.id}", parts)
        values = {"kind": changed.kind.value, "on_date": changed.on.isoformat(), "note": changed.note}
        with self._w.txn():
            change = self._w.open_change("event edit", summary, now)
            self._w.update(change, "cycle_events", event_id, values)
        return self.event(event_id)

    def move_event(self, event_id: int, on: date, now: datetime) -> Cycle:
        """Correct an event's date; schedules anchored to it follow."""
        event = self.edit_event(event_id, now, on=on)
        return self.cycle(int(event.cycle_id or 0))

    def _anchored_medications(self, cycle_id: int, event: str) -> list[sqlite3.Row]:
        return [m for m in self._linked_medications(cycle_id) if _anchored_to(m, event)]

    def dependents_of_event(self, event_id: int) -> list[str]:
        """Medications of the event's cycle whose start or end is placed by an event of its kind."""
        event = self.event(event_id)
        meds = self._anchored_medications(int(event.cycle_id or 0), event.kind.value)
        if not meds:
            return []
        return [_counted(len(meds), "medication") + f" scheduled from the {event.kind.value}"]

    def delete_event(self, event_id: int, now: datetime, *, with_dependents: bool = False) -> CycleEvent:
        """Remove one cycle event. Refused (HasDependents) when medications are scheduled from an event of
        its kind in its cycle, unless `with_dependents` (they then wait for, or follow, another one)."""
        self._writable()
        event = self.event(event_id)
        dependents = self.dependents_of_event(event_id)
        if dependents and not with_dependents:
            raise HasDependents(
                f"{', '.join(dependents)}: without the {event.describe()}, their start or end waits for "
                f"another {event.kind.value} date",
                dependents=dependents,
                field="id",
            )
        summary = f"deleted the {event.describe()} from cycle {event.cycle_id}"
        with self._w.txn():
            change = self._w.open_change("event delete", summary, now)
            self._w.delete(change, "cycle_events", event_id)
        return event

    # -- transfers ----------------------------------------------------------------------------------

    def add_transfer(self, cycle_id: int, transfer: Transfer, now: datetime) -> Cycle:
        self._writable()
        cycle = self.cycle(cycle_id)
        cycle.check_transfer(transfer)
        values = {
            "cycle_id": cycle_id,
            "on_date": transfer.on.isoformat(),
            "embryo_day": transfer.embryo_day,
            "embryo_count": transfer.embryo_count,
            "grade": transfer.grade,
            "pgt": transfer.pgt,
            "created_utc": rows.utc_text(now),
        }
        with self._w.txn():
            change = self._w.open_change("transfer add", f"added {transfer.describe()}", now)
            self._w.insert(change, "transfers", values)
        return self.cycle(cycle_id)

    def edit_transfer(
        self, transfer_id: int, now: datetime | date, *earlier_form: Any, **fields: Any
    ) -> Transfer:
        """Correct a transfer's date, embryo day, number of embryos, grade or PGT; anchored schedules and
        dating follow. The earlier form edit_transfer(id, on, embryo_day, now) still works."""
        if earlier_form:
            embryo_day, at = earlier_form
            fields = {"on": now, "embryo_day": embryo_day, **fields}
            now = at
        assert isinstance(now, datetime)
        _known(fields, _TRANSFER_FIELDS, "transfer")
        self._writable()
        transfer = self.transfer(transfer_id)
        for text in ("grade", "pgt"):
            if text in fields:
                fields[text] = (fields[text] or "").strip()
        changed = replace(transfer, **fields)
        if changed == transfer:
            return transfer
        cycle = self.cycle(int(transfer.cycle_id or 0))
        replace(cycle, transfers=tuple(t for t in cycle.transfers if t.id != transfer_id)).check_transfer(
            changed
        )
        labels = {"on": "date", "embryo_day": "embryo day", "embryo_count": "embryos", "grade": "grade"}
        labels["pgt"] = "PGT"
        parts = [
            _said(labels[name], getattr(transfer, name), getattr(changed, name))
            for name in _TRANSFER_FIELDS
            if getattr(transfer, name) != getattr(changed, name)
        ]
        summary = _summary(f"the transfer of {transfer.on} in cycle {cycle.id}", parts)
        values = {
            "on_date": changed.on.isoformat(),
            "embryo_day": changed.embryo_day,
            "embryo_count": changed.embryo_count,
            "grade": changed.grade,
            "pgt": changed.pgt,
        }
        with self._w.txn():
            change = self._w.open_change("transfer edit", summary, now)
            self._w.update(change, "transfers", transfer_id, values)
        return self.transfer(transfer_id)

    def dependents_of_transfer(self, transfer_id: int) -> list[str]:
        """Medications of the transfer's cycle scheduled from the transfer (or to a gestational age)."""
        transfer = self.transfer(transfer_id)
        meds = self._anchored_medications(int(transfer.cycle_id or 0), "transfer")
        if not meds:
            return []
        return [_counted(len(meds), "medication") + " scheduled from the transfer"]

    def delete_transfer(self, transfer_id: int, now: datetime, *, with_dependents: bool = False) -> Transfer:
        """Remove one transfer. Refused (HasDependents) when medications are scheduled from it, unless
        `with_dependents` (they then wait for, or follow, another transfer)."""
        self._writable()
        transfer = self.transfer(transfer_id)
        dependents = self.dependents_of_transfer(transfer_id)
        if dependents and not with_dependents:
            raise HasDependents(
                f"{', '.join(dependents)}: without the {transfer.describe()}, their start or end waits "
                "for another transfer date",
                dependents=dependents,
                field="id",
            )
        summary = f"deleted the {transfer.describe()} from cycle {transfer.cycle_id}"
        with self._w.txn():
            change = self._w.open_change("transfer delete", summary, now)
            self._w.delete(change, "transfers", transfer_id)
        return transfer

    # -- betas --------------------------------------------------------------------------------------

    def pregnancies(self) -> list[Pregnancy]:
        """Every pregnancy and past loss, oldest first."""
        found = [
            timeline_conv().pregnancy_of(r)
            for r in self._conn.execute("SELECT * FROM pregnancies ORDER BY id")
        ]
        return sorted(found, key=lambda p: (p.sort_on, p.id or 0))
