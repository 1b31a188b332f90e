"""Medications and their regimens: adding, finding, correcting, stopping and removing them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog
from rpltrack.domain.errors import DuplicateEntry, HasDependents, ValidationError
from rpltrack.domain.models import (
    Medication,
    MedicationState,
    Regimen,
    TimingKind,
)
from rpltrack.domain.records import replace
from rpltrack.domain.schedule import resolve_wall_time
from rpltrack.store import rows
from rpltrack.store.timeline import TimelineStore

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _name_matches(meds: Sequence[Medication], wanted: str) -> list[Medication]:
    """By exact name; else by the generic a brand or spelling means; else by a name that starts so."""
    exact = [m for m in meds if m.name.casefold() == wanted]
    if exact:
        return exact
    drug = catalog.lookup(wanted)
    keys = {drug.key} if drug else set(catalog.family_members(wanted))
    by_generic = [m for m in meds if m.generic in keys]
    return by_generic or [m for m in meds if m.name.casefold().startswith(wanted)]


_ID_RE = re.compile(r"^#?\s*(\d{1,18})$")

# What edit_medication and edit_dose change (model field names).
_MEDICATION_FIELDS = (
    "name",
    "notes",
    "route",
    "supply",
    "start_on",
    "start_anchor",
    "end_on",
    "end_anchor",
    "cycle_id",
    "stopped_at",
    "regimen",
)


def _state(med: Medication, now: datetime) -> MedicationState:
    return med.state(now, now.astimezone(ZoneInfo(med.zone)).date())


def _regimen_words(regimen: Regimen) -> str:
    """'81 mg 08:00 daily'."""
    return f"{regimen.amount} {regimen.timing.describe()}"


def _count_words(n: int, word: str) -> list[str]:
    return [f"{n} {word}{'s' if n != 1 else ''}"] if n else []


def _ambiguous(name: str, matches: Sequence[Medication], now: datetime | None, command: str) -> str:
    """Which medications a name matches, and exactly what to type to pick one by its id."""
    listed = "; ".join(
        f"id {m.id}: {m.name}, {_regimen_words(m.current)}" + (f", {_state(m, now).value}" if now else "")
        for m in matches
    )
    ids = [str(m.id) for m in matches]
    how = " or ".join(f"{command} {i}" for i in ids) if command else " or ".join(ids)
    return (
        f"{name[:80]!r} matches more than one medication ({listed}). Give its id instead of the name: {how}"
    )


def _generic_for(med: Medication, name: str) -> dict[str, Any]:
    """A new name that is another catalog drug brings its generic (its doses checked against that drug's
    units); a nickname or her own name keeps the generic it had."""
    drug = catalog.lookup(name) if name and name != med.name else None
    if drug is None or drug.key == med.generic:
        return {}
    for regimen in med.regimens:
        drug.check_dose(regimen.amount)
    return {"generic": drug.key}


def _check_route(med: Medication) -> None:
    if not med.route.strip():
        raise ValidationError("give the route, e.g. oral, vaginal or subcutaneous", field="route")
    drug = catalog.by_key(med.generic) if med.generic else None
    if drug is not None and med.route not in drug.routes:
        raise ValidationError(
            f"{drug.name} is taken {' or '.join(drug.routes)}, not {med.route}", field="route"
        )


def _moved(regimen: Regimen, day: date, zone: ZoneInfo) -> Regimen:
    """The first regimen from another first day (an every-N-hours schedule keeps its time of day)."""
    timing = regimen.timing
    if timing.kind is TimingKind.INTERVAL and timing.interval_anchor_at is not None:
        anchor, _ = resolve_wall_time(day, timing.interval_anchor_at.astimezone(zone).time(), zone)
        timing = replace(timing, interval_anchor_at=anchor)
    return replace(regimen, effective_on=day, timing=timing)


def medication_edit_words(before: Medication, after: Medication) -> list[str]:
    """What changed from `before` to `after`, in words ("renamed to baby aspirin", "75 mg 08:00 daily from
    2026-11-25"); a dose change (a regimen `before` does not have) comes last."""
    # quick path: `today` would import domain.anchors, six, dateutil, calendar (+4.2 ms)
    from rpltrack.domain.anchors import describe_anchor

    stamp = before.created_at or datetime(2000, 1, 1, tzinfo=UTC)
    old, new = rows.medication_values(before, stamp), rows.medication_values(after, stamp)
    changed = {k for k in new if old[k] != new[k]}
    parts: list[str] = []
    if "name" in changed:
        parts.append(f"renamed to {after.name}")
    if "route" in changed:
        parts.append(f"route {after.route}")
    if "notes" in changed:
        parts.append("notes changed" if after.notes else "notes cleared")
    if "supply" in changed or ("supply_utc" in changed and after.supply is not None):
        parts.append(f"{after.supply} on hand" if after.supply is not None else "supply cleared")
    if "start_anchor" in changed or after.regimens[0].effective_on != before.regimens[0].effective_on:
        anchor = after.start_anchor
        parts.append(f"starts at {describe_anchor(anchor)}" if anchor else f"starts {after.start_on}")
    if "end_on" in changed or "end_anchor" in changed:
        if after.end_anchor:
            words = describe_anchor(after.end_anchor)
            parts.append(words if words.startswith("for ") else f"until {words}")
        else:
            parts.append(f"until {after.end_on}" if after.end_on else "no end date")
    if "stopped_utc" in changed:
        stopped = after.stopped_at
        zone = ZoneInfo(after.zone)
        parts.append(f"stopped from {stopped.astimezone(zone):%Y-%m-%d %H:%M}" if stopped else "restarted")
    if "cycle_id" in changed and after.cycle_id is not None:
        parts.append(f"tied to cycle {after.cycle_id}")
    return parts + [f"{_regimen_words(r)} from {r.effective_on}" for r in _new_regimens(before, after)]


def _new_regimens(before: Medication, after: Medication) -> list[Regimen]:
    """The dose changes `after` has that `before` did not (a first regimen only moved to another day is
    not one; a regimen replaced on its own day may come back under the same id)."""
    known = {r.id: r for r in before.regimens}
    found = []
    for regimen in after.regimens:
        old = known.get(regimen.id) if regimen.id is not None else None
        if old is None or (
            old.effective_on == regimen.effective_on
            and (old.amount, old.timing) != (regimen.amount, regimen.timing)
        ):
            found.append(regimen)
    return found


def _edit_summary(before: Medication, after: Medication) -> str:
    """What an edit did, in words for `rpltrack changes`."""
    parts = medication_edit_words(before, after)
    if len(parts) == 1 and _new_regimens(before, after):  # only the dose changed
        return f"changed {before.name} to {parts[0]}"
    return f"edited {before.name}: " + "; ".join(parts or ["no visible change"])


class MedicationStore(TimelineStore):
    """Medications and their regimens."""

    def _regimens(self, med_ids: Sequence[int] | None = None) -> dict[int, list[Regimen]]:
        found: dict[int, list[Regimen]] = {}
        sql = "SELECT * FROM regimens"
        params: tuple[Any, ...] = ()
        if med_ids is not None:
            sql += f" WHERE medication_id IN ({', '.join('?' for _ in med_ids)})"
            params = tuple(med_ids)
        for row in self._conn.execute(sql + " ORDER BY medication_id, effective_on", params):
            found.setdefault(row["medication_id"], []).append(rows.regimen_of(row))
        return found

    def medications(self, *, in_force_on: date | None = None) -> list[Medication]:
        """Every medication, stopped ones included, by name; with `in_force_on`, only those that can have a
        dose on or after that day (years of ended courses are left out of the daily views)."""
        sql, params = "SELECT * FROM medications", {}
        if in_force_on is not None:
            sql += (
                " WHERE (stopped_utc IS NULL OR stopped_utc >= :from_utc)"
                " AND (end_on IS NULL OR end_on >= :day"
                " OR start_anchor IS NOT NULL OR end_anchor IS NOT NULL)"
            )
            params = {"day": in_force_on.isoformat(), "from_utc": f"{in_force_on.isoformat()}T00:00:00Z"}
        found = self._conn.execute(sql + " ORDER BY name COLLATE NOCASE, id", params).fetchall()
        regimens = self._regimens([row["id"] for row in found] if in_force_on is not None else None)
        meds = [rows.medication_of(row, tuple(regimens.get(row["id"], ()))) for row in found]
        return self._placed(meds)

    def _placed(self, meds: list[Medication]) -> list[Medication]:
        """Anchored schedules placed on the dates their cycle's events give them now."""
        if not any(m.anchored for m in meds):
            return meds
        # quick path: `today` would import domain.anchors, six, dateutil, calendar (+4.2 ms)
        from rpltrack.domain.anchors import place

        cycles = {c.id: c for c in self.cycles() if c.id is not None}
        positive = {p.cycle_id: p.started_on for p in self.pregnancies() if p.cycle_id and p.started_on}
        return [
            replace(m, anchor_dates=place(m, cycles.get(m.cycle_id or 0), positive.get(m.cycle_id or 0)))
            if m.anchored
            else m
            for m in meds
        ]

    def medication(self, med_id: int) -> Medication:
        row = self._conn.execute("SELECT * FROM medications WHERE id = ?", (med_id,)).fetchone()
        if row is None:
            raise ValidationError(code="medication.unknown_id", field="id", values={"id": med_id})
        return self._placed([rows.medication_of(row, tuple(self._regimens([med_id]).get(med_id, ())))])[0]

    def find_medication(self, name: str, now: datetime | None = None, *, command: str = "") -> Medication:
        """Her medication called `name`: by its id (digits, e.g. "7" or "#7"), its name, its generic or a
        brand of it. With `now`, what she takes now is searched first, then what is planned or waiting, then
        her whole history. `command` ("rpltrack take") words how to pick one when a name matches several."""
        wanted = " ".join(name.split()).casefold()
        if not wanted:
            raise ValidationError(code="medication.name_needed")
        by_id = _ID_RE.match(wanted)
        if by_id is not None:
            found = self._conn.execute(
                "SELECT id FROM medications WHERE id = ?", (int(by_id.group(1)),)
            ).fetchone()
            if found is not None:
                return self.medication(int(found["id"]))
        tiers: list[list[Medication] | None] = []
        if now is not None:
            in_force = self.medications(in_force_on=now.date() - timedelta(days=1))
            tiers.append([m for m in in_force if _state(m, now) is MedicationState.ACTIVE])
            waiting = (MedicationState.NOT_STARTED, MedicationState.WAITING)
            tiers.append([m for m in in_force if _state(m, now) in waiting])
        tiers.append(None)  # her whole history, read only if the quicker tiers do not answer
        everything: list[Medication] = []
        for tier in tiers:
            if tier is None:
                everything = self.medications()
            meds = everything if tier is None else tier
            matches = _name_matches(meds, wanted)
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise ValidationError(_ambiguous(name, matches, now, command), field="name")
        if by_id is not None:
            raise ValidationError(
                code="medication.unknown_id", field="id", values={"id": int(by_id.group(1))}
            )
        names = ", ".join(sorted({m.name for m in everything}, key=str.casefold)) or "none yet"
        raise ValidationError(code="medication.unknown_name", values={"name": name[:80], "names": names})

    def current_namesakes(self, name: str, now: datetime) -> list[Medication]:
        """Her medications called `name` (case and spacing aside) that she takes now or has yet to start."""
        wanted = " ".join(name.split()).casefold()
        current = (MedicationState.ACTIVE, MedicationState.NOT_STARTED)
        return [
            m
            for m in self.medications(in_force_on=now.date() - timedelta(days=1))
            if " ".join(m.name.split()).casefold() == wanted and _state(m, now) in current
        ]

    def add_medication(self, med: Medication, now: datetime, again: bool = False) -> Medication:
        """Save a new medication and its regimens in one change. A medication of the same name that she
        takes now or has yet to start is a DuplicateEntry (nothing written) unless `again`."""
        self._writable()
        if not again:
            for existing in self.current_namesakes(med.name, now):
                assert existing.id is not None
                raise DuplicateEntry(
                    f"{existing.name} is already in your journal (id {existing.id}: "
                    f"{_regimen_words(existing.current)}, {_state(existing, now).value})",
                    existing_id=existing.id,
                    field="name",
                )
        summary = f"added {med.name} {_regimen_words(med.current)}"
        with self._w.txn():
            change = self._w.open_change("med add", summary, now)
            med_id = self._w.insert(change, "medications", rows.medication_values(med, now))
            for regimen in med.regimens:
                self._w.insert(change, "regimens", rows.regimen_values(med_id, regimen, now))
        return self.medication(med_id)

    def change_regimen(self, med_id: int, regimen: Regimen, now: datetime) -> Medication:
        """A dose or timing change from `regimen.effective_on`; every other regimen stays (earlier ones as
        history, later planned steps such as the rest of a taper still apply). A regimen on the same date is
        replaced by the new one."""
        return self.edit_medication(med_id, now, regimen=regimen)

    def update_medication(self, med_id: int, now: datetime, **fields: Any) -> Medication:
        """Change name, notes, supply, end_on or stopped_at (see edit_medication)."""
        return self.edit_medication(med_id, now, **fields)

    def edit_medication(self, medication_id: int, now: datetime, **fields: Any) -> Medication:
        """Change only the fields given, as one change `undo` takes back whole; no change when nothing
        differs. Fields: name, notes, route, supply (int or None; recounted from now), start_on (the first
        day: moves the first regimen, drops a start anchor), start_anchor (an event such as "transfer-5d",
        with cycle_id), end_on (last day or None), end_anchor ("36w0d", "transfer+14d", "for:10d" or None),
        cycle_id, stopped_at (or None to restart), and regimen (a Regimen: a dose or timing change from its
        effective date; a regimen on the same date is replaced, the others stay as history or planned steps).
        Validated through the Medication model; an unknown id is a ValidationError (field "id")."""
        return self._edit(medication_id, now, fields)

    def _edit(
        self,
        medication_id: int,
        now: datetime,
        fields: dict[str, Any],
        *,
        action: str = "med edit",
        summary: str = "",
    ) -> Medication:
        self._writable()
        unknown = sorted(set(fields) - set(_MEDICATION_FIELDS))
        if unknown:
            raise ValidationError(f"a medication has no {', '.join(unknown)} to change", field=unknown[0])
        med = self.medication(medication_id)
        changes = dict(fields)
        regimen: Regimen | None = changes.pop("regimen", None)
        start_on: date | None = changes.pop("start_on", None)
        if "name" in changes:
            changes["name"] = " ".join(str(changes["name"]).split())
            changes.update(_generic_for(med, changes["name"]))
        # The limit of a new medication (medspec); longer stored notes still read.
        if len(changes.get("notes") or "") > 2000:
            raise ValidationError("notes can be at most 2000 characters", field="notes")
        if "supply" in changes and changes["supply"] != med.supply:
            changes.setdefault("supply_at", now)  # a recount: refill-due counts doses taken from here
        regimens = list(med.regimens)
        if start_on is not None and start_on != med.regimens[0].effective_on:
            regimens[0] = _moved(regimens[0], start_on, ZoneInfo(med.zone))
            if len(regimens) > 1 and start_on >= regimens[1].effective_on:
                raise ValidationError(
                    f"{med.name} cannot start on {start_on}: its dose changes on {regimens[1].effective_on}; "
                    "start it before that day",
                    field="start",
                )
        if start_on is not None:
            changes.setdefault("start_anchor", None)
        if "route" in changes:
            changes["route"] = " ".join(str(changes["route"]).split())
        anchors_after = [changes.get(k, getattr(med, k)) for k in ("start_anchor", "end_anchor")]
        if med.cycle_id is not None and "cycle_id" not in changes and not any(anchors_after):
            changes["cycle_id"] = None  # nothing ties it to a cycle any more
        if regimen is not None:
            first_day = start_on or med.start_on
            if regimen.effective_on < first_day:
                raise ValidationError(
                    f"a change cannot take effect on {regimen.effective_on}, before {med.name} starts "
                    f"({first_day})",
                    field="from",
                )
            kept = [r for r in regimens if r.effective_on != regimen.effective_on]
            regimens = sorted((*kept, regimen), key=lambda r: r.effective_on)
        updated = self._placed([replace(med, regimens=tuple(regimens), **changes)])[0]  # validates
        if "route" in changes or "generic" in changes:
            _check_route(updated)
        span_fields = ("start_anchor", "end_anchor", "end_on", "cycle_id")
        if updated.anchored and (start_on is not None or any(k in changes for k in span_fields)):
            needs_cycle = updated.start_anchor is not None or not (updated.end_anchor or "").startswith(
                "for:"
            )
            if needs_cycle and updated.cycle_id is None:
                raise ValidationError(code="medication.anchor_needs_cycle", field="start")
            if not updated.waiting and updated.last_day is not None and updated.last_day < updated.start_on:
                raise ValidationError(
                    f"this schedule would end ({updated.last_day}) before it starts ({updated.start_on})",
                    field="until",
                )
        old_values, new_values = rows.medication_values(med, now), rows.medication_values(updated, now)
        changed = {k: v for k, v in new_values.items() if k != "created_utc" and old_values[k] != v}
        old_regimens = {r.id: r for r in med.regimens}
        new_ids = {r.id for r in regimens if r.id is not None}
        removed = [r for r in med.regimens if r.id not in new_ids]
        moved = [r for r in regimens if r.id is not None and r != old_regimens[r.id]]
        added = [r for r in regimens if r.id is None]
        if not changed and not removed and not moved and not added:
            return med
        summary = summary or _edit_summary(med, updated)
        with self._w.txn():
            change = self._w.open_change(action, summary, now)
            if changed:
                self._w.update(change, "medications", medication_id, changed)
            for old in removed:
                assert old.id is not None
                self._w.delete(change, "regimens", old.id)
            for new in moved:
                assert new.id is not None
                values = rows.regimen_values(medication_id, new, now)
                values.pop("created_utc")
                self._w.update(change, "regimens", new.id, values)
            for new in added:
                self._w.insert(change, "regimens", rows.regimen_values(medication_id, new, now))
        return self.medication(medication_id)

    def dependents_of_medication(self, medication_id: int) -> list[str]:
        """What a delete would leave behind, in words: ["14 logged doses"], or [] when none."""
        self.medication(medication_id)
        return _count_words(self._doses_of(medication_id), "logged dose")

    def _doses_of(self, medication_id: int) -> int:
        row = self._conn.execute(
            "SELECT count(*) FROM doses WHERE medication_id = ?", (medication_id,)
        ).fetchone()
        return int(row[0])

    def delete_medication(
        self, medication_id: int, now: datetime, *, with_dependents: bool = False
    ) -> Medication:
        """Remove a medication with its regimens, and return it. Logged doses are her record and are never
        deleted: a medication with any is stopped from `now` instead and stays in the journal (returned
        stopped), which only `with_dependents=True` goes ahead with (HasDependents names them otherwise).
        One change either way, so `undo` takes it back."""
        self._writable()
        med = self.medication(medication_id)
        logged = self._doses_of(medication_id)
        if logged:
            doses = _count_words(logged, "logged dose")
            if med.stopped_at is not None and med.stopped_at <= now:
                raise ValidationError(
                    f"{med.name} (id {medication_id}) is already stopped and keeps its {doses[0]} as "
                    "history: logged doses are never deleted with their medication. Nothing was changed.",
                    field="id",
                )
            if not with_dependents:
                raise HasDependents(
                    f"{med.name} (id {medication_id}) has {doses[0]}; logged doses are never deleted. Stop "
                    "it from now instead, keeping its history?",
                    dependents=doses,
                )
            return self._edit(
                medication_id,
                now,
                {"stopped_at": now.astimezone(UTC)},
                action="med stop",
                summary=f"stopped {med.name} instead of deleting it (its {doses[0]} are kept)",
            )
        summary = f"deleted {med.name} ({_regimen_words(med.current)})"
        with self._w.txn():
            change = self._w.open_change("med delete", summary, now)
            for regimen in med.regimens:
                assert regimen.id is not None
                self._w.delete(change, "regimens", regimen.id)
            self._w.delete(change, "medications", medication_id)
        return med

    def on_hand(self, med: Medication) -> int | None:
        """Doses on hand now: the supply she counted, less the doses taken since she counted it."""
        if med.supply is None:
            return None
        if med.supply_at is None:
            return med.supply
        row = self._conn.execute(
            "SELECT count(*) FROM doses WHERE medication_id = ? AND status = 'taken' AND taken_utc >= ?",
            (med.id, rows.utc_text(med.supply_at)),
        ).fetchone()
        return max(0, med.supply - int(row[0]))

    def stop_medication(self, med_id: int, at: datetime, now: datetime) -> Medication:
        med = self.medication(med_id)
        if med.stopped_at is not None:
            raise ValidationError(
                f"{med.name} is already stopped (since {med.stopped_at:%Y-%m-%d %H:%M} UTC)"
            )
        summary = f"stopped {med.name} from {at.astimezone(ZoneInfo(med.zone)):%Y-%m-%d %H:%M}"
        return self._edit(med_id, now, {"stopped_at": at.astimezone(UTC)}, action="med stop", summary=summary)
