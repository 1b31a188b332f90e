"""Medications, their regimens, and every dose taken or skipped."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog
from rpltrack.domain import doses as dose_rules
from rpltrack.domain.errors import DuplicateEntry, HasDependents, ValidationError
from rpltrack.domain.models import (
    Adherence,
    DoseLog,
    DoseSlot,
    DoseStatus,
    DoseView,
    Medication,
    MedicationState,
    Regimen,
    TimingKind,
)
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import record, replace
from rpltrack.store import rows
from rpltrack.store.timeline import TimelineStore

# typing costs ~10 ms to import on a slow laptop; the CLI's fast commands never need it at run time.
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
_DOSE_FIELDS = ("status", "taken_at", "amount", "site", "note", "reason")
_FIELD_WORDS = {"taken_at": "at", "amount": "amount", "site": "site"}

# A corrected time taken stays within a day of the dose it is logged for (a later one is another dose).
MOST_OFF_SLOT = timedelta(hours=24)


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
        from rpltrack.domain.schedule import resolve_wall_time

        anchor, _ = resolve_wall_time(day, timing.interval_anchor_at.astimezone(zone).time(), zone)
        timing = replace(timing, interval_anchor_at=anchor)
    return replace(regimen, effective_on=day, timing=timing)


def medication_edit_words(before: Medication, after: Medication) -> list[str]:
    """What changed from `before` to `after`, in words ("renamed to baby aspirin", "75 mg 08:00 daily from
    2026-11-25"); a dose change (a regimen `before` does not have) comes last."""
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


def dose_words(med: Medication, log: DoseLog) -> str:
    """'the aspirin dose of 2026-11-23 08:00', or 'the as-needed paracetamol dose taken 2026-11-23 14:10'."""
    zone = ZoneInfo(log.zone)
    if log.slot_at is not None:
        return f"the {med.name} dose of {log.slot_at.astimezone(zone):%Y-%m-%d %H:%M}"
    assert log.taken_at is not None
    return f"the as-needed {med.name} dose taken {log.taken_at.astimezone(zone):%Y-%m-%d %H:%M}"


def dose_edit_words(log: DoseLog, updated: DoseLog) -> list[str]:
    zone = ZoneInfo(log.zone)
    parts: list[str] = []
    if updated.status is not log.status:
        parts.append(f"{updated.status.value} (was {log.status.value})")
    if updated.taken_at is not None and updated.taken_at != log.taken_at:
        was = f" (was {log.taken_at.astimezone(zone):%Y-%m-%d %H:%M})" if log.taken_at else ""
        parts.append(f"taken at {updated.taken_at.astimezone(zone):%Y-%m-%d %H:%M}{was}")
    if updated.amount is not None and updated.amount != log.amount:
        parts.append(f"amount {updated.amount}" + (f" (was {log.amount})" if log.amount else ""))
    if updated.site != log.site and updated.status is DoseStatus.TAKEN:
        parts.append(f"site {updated.site}" if updated.site else "site cleared")
    if updated.note != log.note:
        parts.append("note changed" if updated.note else "note cleared")
    if updated.reason != log.reason:
        parts.append(f"reason: {updated.reason}" if updated.reason else "reason cleared")
    return parts or ["logged-later mark worked out again"]


@record(frozen=True)
class LogResult:
    """What a take/skip did: the log row (new or the one already there) and whether it was created."""

    log: DoseLog
    medication: Medication
    created: bool
    slot: DoseSlot | None


class MedicationStore(TimelineStore):
    """Medications and their regimens; doses taken or skipped."""

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
            raise ValidationError(
                f"there is no medication with id {med_id}: rpltrack med list --all shows each one's id",
                field="id",
            )
        return self._placed([rows.medication_of(row, tuple(self._regimens([med_id]).get(med_id, ())))])[0]

    def find_medication(self, name: str, now: datetime | None = None, *, command: str = "") -> Medication:
        """Her medication called `name`: by its id (digits, e.g. "7" or "#7"), its name, its generic or a
        brand of it. With `now`, what she takes now is searched first, then what is planned or waiting, then
        her whole history. `command` ("rpltrack take") words how to pick one when a name matches several."""
        wanted = " ".join(name.split()).casefold()
        if not wanted:
            raise ValidationError("give the medication's name or id, e.g. rpltrack take aspirin")
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
                f"there is no medication with id {by_id.group(1)}: rpltrack med list --all shows each "
                "one's id",
                field="id",
            )
        names = ", ".join(sorted({m.name for m in everything}, key=str.casefold)) or "none yet"
        raise ValidationError(
            f"no medication called {name[:80]!r} in your journal (yours: {names}); "
            f"add it with: rpltrack med add {name[:80]} --dose ... --times ..."
        )

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
                raise ValidationError(
                    "a schedule tied to a cycle event or a gestational age needs a cycle: start one first "
                    "(rpltrack cycle add)",
                    field="start",
                )
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

    def logs_between(self, start: datetime, end: datetime, med_id: int | None = None) -> list[DoseLog]:
        """Logs whose slot or (for as-needed doses) taken time is in [start, end)."""
        lo, hi = rows.utc_text(start), rows.utc_text(end)
        sql = (
            "SELECT * FROM doses WHERE ((slot_utc >= ? AND slot_utc < ?) OR "
            "(slot_utc IS NULL AND taken_utc >= ? AND taken_utc < ?))"
        )
        params: list[Any] = [lo, hi, lo, hi]
        if med_id is not None:
            sql += " AND medication_id = ?"
            params.append(med_id)
        return [
            rows.dose_of(r)
            for r in self._conn.execute(sql + " ORDER BY coalesce(slot_utc, taken_utc)", params)
        ]

    def day(self, day: date, zone: ZoneInfo, now: datetime) -> list[DoseView]:
        """Every dose of local `day` with its state at `now`."""
        return self.days(day, day, zone, now)[day]

    def days(self, first: date, last: date, zone: ZoneInfo, now: datetime) -> dict[date, list[DoseView]]:
        """Every dose of each local day from `first` to `last` (inclusive) with its state at `now`, from one
        read of the medications and the logs of the span."""
        from rpltrack.domain.schedule import day_bounds

        start, _ = day_bounds(first, zone)
        _, end = day_bounds(last, zone)
        # A day before, in UTC terms, covers any zone offset between the medication's zone and hers.
        meds = self.medications(in_force_on=first - timedelta(days=1))
        logs = self.logs_between(start, end)
        grace = self.grace()
        span = range((last - first).days + 1)
        return {
            day: dose_rules.day_views(meds, logs, day, zone, now, grace)
            for day in (first + timedelta(days=n) for n in span)
        }

    def last_site(self, med_id: int) -> str | None:
        row = self._conn.execute(
            "SELECT site FROM doses WHERE medication_id = ? AND site IS NOT NULL "
            "ORDER BY coalesce(taken_utc, slot_utc) DESC, id DESC LIMIT 1",
            (med_id,),
        ).fetchone()
        return None if row is None else str(row["site"])

    def _log_at_slot(self, med_id: int, slot_at: datetime) -> DoseLog | None:
        row = self._conn.execute(
            "SELECT * FROM doses WHERE medication_id = ? AND slot_utc = ?", (med_id, rows.utc_text(slot_at))
        ).fetchone()
        return None if row is None else rows.dose_of(row)

    def record_dose(
        self,
        med: Medication,
        status: DoseStatus,
        now: datetime,
        zone: ZoneInfo,
        *,
        at: datetime | None = None,
        slot_at: datetime | None = None,
        amount: Quantity | None = None,
        site: str | None = None,
        reason: str = "",
        note: str = "",
    ) -> LogResult:
        """Log `med` taken or skipped. `slot_at` names the scheduled slot (TUI); otherwise the slot is chosen
        from `at` (or now) under the write lock. A slot already logged is left as it is (created=False)."""
        self._writable()
        assert med.id is not None
        when = (at or now).astimezone(UTC)
        dose_rules.check_dose_time(when, now)
        if amount is not None:
            amount = self.check_amount(med, amount)
        if site is not None and len(site) > 60:
            raise ValidationError("the injection site can be at most 60 characters", field="site")
        with self._w.txn():
            slot: DoseSlot | None = None
            if slot_at is not None:
                slot_at = slot_at.astimezone(UTC)
                from rpltrack.domain.schedule import expand

                matching = [
                    s for s in expand(med, slot_at, slot_at + timedelta(seconds=1)) if s.slot_at == slot_at
                ]
                if not matching:
                    raise ValidationError(f"{med.name} has no dose scheduled at {slot_at:%Y-%m-%d %H:%M} UTC")
                slot = matching[0]
            elif not med.prn:
                window = self.logs_between(when - timedelta(hours=36), when + timedelta(hours=36), med.id)
                logged = {log.slot_at for log in window if log.slot_at is not None}
                slot = dose_rules.pick_slot(med, logged, when, now, explicit=at is not None)
                if slot is None:
                    raise ValidationError(self._no_open_slot(med, when, now, zone), field="at")
            if slot is not None:
                existing = self._log_at_slot(med.id, slot.slot_at)
                if existing is not None:
                    return LogResult(existing, med, False, slot)
            if status is DoseStatus.SKIPPED and slot is None:
                raise ValidationError(f"{med.name} is taken as needed; there is no scheduled dose to skip")
            log = DoseLog(
                medication_id=med.id,
                status=status,
                logged_at=now.astimezone(UTC),
                zone=zone.key,
                slot_at=slot.slot_at if slot else None,
                taken_at=when if status is DoseStatus.TAKEN else None,
                amount=(amount or (slot.amount if slot else med.current.amount))
                if status is DoseStatus.TAKEN
                else None,
                site=site if status is DoseStatus.TAKEN else None,
                reason=reason,
                note=note,
                logged_later=status is DoseStatus.TAKEN and dose_rules.is_logged_later(when, now),
            )
            verb = "took" if status is DoseStatus.TAKEN else "skipped"
            slot_text = f" ({slot.local_at:%Y-%m-%d %H:%M} dose)" if slot else " (as needed)"
            change = self._w.open_change(status.value, f"{verb} {med.name}{slot_text}", now)
            values = rows.dose_values(log)
            cur = self._conn.execute(
                f"INSERT INTO doses ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)}) "
                "ON CONFLICT (medication_id, slot_utc) DO NOTHING",
                tuple(values.values()),
            )
            if cur.rowcount == 0:  # pragma: no cover - the write lock makes the check above decisive
                assert slot is not None
                existing = self._log_at_slot(med.id, slot.slot_at)
                assert existing is not None
                return LogResult(existing, med, False, slot)
            row_id = int(cur.lastrowid or 0)
            self._w.audit(change, "doses", row_id, None, self._w.row("doses", row_id))
        stored = self._conn.execute("SELECT * FROM doses WHERE id = ?", (row_id,)).fetchone()
        return LogResult(rows.dose_of(stored), med, True, slot)

    def _no_open_slot(self, med: Medication, when: datetime, now: datetime, zone: ZoneInfo) -> str:
        from rpltrack.domain.schedule import expand

        upcoming = expand(med, now, now + timedelta(days=8))
        nxt = f"; the next is {upcoming[0].local_at.astimezone(zone):%a %d %b %H:%M}" if upcoming else ""
        recent = [
            log
            for log in self.logs_between(when - timedelta(hours=12), when + timedelta(hours=12), med.id)
            if log.slot_at is not None
        ]
        if recent:
            last = max(recent, key=lambda log: log.slot_at or when)
            assert last.slot_at is not None
            nxt = (
                f" (the {last.slot_at.astimezone(zone):%H:%M} dose is already logged as {last.status.value})"
                + nxt
            )
        return (
            f"no open {med.name} dose near {when.astimezone(zone):%Y-%m-%d %H:%M}{nxt}. "
            'Use --at "YYYY-MM-DD HH:MM" to log a dose at another time, or rpltrack undo to take '
            "back the last entry"
        )

    def check_amount(self, med: Medication, amount: Quantity) -> Quantity:
        drug = catalog.by_key(med.generic) if med.generic else None
        if drug is not None:
            return drug.check_dose(amount)
        scheduled = med.current.amount
        if amount.family != scheduled.family:
            raise ValidationError(
                f"{med.name} is scheduled in {scheduled.unit}; {amount} is a different kind of unit",
                field="amount",
            )
        return amount

    def adherence(self, now: datetime, days: int) -> tuple[dict[int, Adherence], Adherence]:
        """Per medication and overall: doses taken of doses due in the last `days` days."""
        grace = self.grace()
        start = now - timedelta(days=days)
        meds = [m for m in self.medications(in_force_on=start.date() - timedelta(days=1)) if not m.prn]
        logs_by_med: dict[int, list[DoseLog]] = {}
        for log in self.logs_between(start - timedelta(days=1), now):
            logs_by_med.setdefault(log.medication_id, []).append(log)
        per: dict[int, Adherence] = {}
        for med in meds:
            assert med.id is not None
            per[med.id] = dose_rules.adherence(med, logs_by_med.get(med.id, []), now, days, grace)
        return per, dose_rules.combine(per.values(), days)

    def dose_log(self, start: datetime, end: datetime) -> list[tuple[DoseLog, Medication]]:
        meds = {m.id: m for m in self.medications()}
        return [(log, meds[log.medication_id]) for log in self.logs_between(start, end)]

    def bulk_insert_doses(self, logs: Sequence[DoseLog], now: datetime) -> int:
        """Insert many logs in one transaction through sqlite-utils (demo journals); one change record."""
        import sqlite_utils

        self._writable()
        with self._w.txn():
            change = self._w.open_change("import", f"added {len(logs)} dose entries", now)
            first_new = int(self._conn.execute("SELECT coalesce(max(id), 0) + 1 FROM doses").fetchone()[0])
            db = sqlite_utils.Database(self._conn)
            db.table("doses").insert_all((rows.dose_values(log) for log in logs), batch_size=2000)
            # One audit row per inserted dose, so `undo` can take the whole import back.
            self._conn.execute(
                "INSERT INTO audit (change_id, tbl, row_id, before, after) "
                "SELECT ?, 'doses', id, NULL, json_object('id', id, 'medication_id', medication_id, "
                "'slot_utc', slot_utc, 'status', status) FROM doses WHERE id >= ?",
                (change, first_new),
            )
        return len(logs)

    def iter_all_doses(self) -> Iterator[DoseLog]:
        for row in self._conn.execute("SELECT * FROM doses ORDER BY id"):
            yield rows.dose_of(row)

    def dose(self, dose_id: int) -> DoseLog:
        """One logged dose by its id (as `rpltrack log` shows it)."""
        row = self._conn.execute("SELECT * FROM doses WHERE id = ?", (dose_id,)).fetchone()
        if row is None:
            raise ValidationError(
                f"there is no logged dose with id {dose_id}: rpltrack log shows each one's id", field="id"
            )
        return rows.dose_of(row)

    def edit_dose(self, dose_id: int, now: datetime, **fields: Any) -> DoseLog:
        """Correct a logged dose: only the fields given change, as one change `undo` takes back. Fields:
        status (taken or skipped), taken_at, amount (None: the scheduled dose), site (None or "" clears it),
        note, reason. A skipped dose made taken is taken at its slot's time unless taken_at says otherwise,
        with the scheduled amount; a taken dose made skipped loses its time, amount and site. The same checks
        as a new log apply (not in the future, the amount's unit, the site's length); "logged later" is worked
        out again. An unknown id is a ValidationError (field "id")."""
        self._writable()
        unknown = sorted(set(fields) - set(_DOSE_FIELDS))
        if unknown:
            raise ValidationError(f"a logged dose has no {', '.join(unknown)} to change", field=unknown[0])
        log = self.dose(dose_id)
        med = self.medication(log.medication_id)
        status = DoseStatus(fields.get("status", log.status))
        if status not in (DoseStatus.TAKEN, DoseStatus.SKIPPED):
            raise ValidationError("a logged dose is either taken or skipped", field="status")
        changes: dict[str, Any] = {"status": status}
        for key in ("note", "reason"):
            if key in fields:
                changes[key] = " ".join(str(fields[key] or "").split())
        if status is DoseStatus.SKIPPED:
            if log.slot_at is None:
                raise ValidationError(
                    f"this {med.name} dose was taken as needed; only a scheduled dose can be skipped "
                    "(delete it instead if it was not taken)",
                    field="status",
                )
            for key, word in (("taken_at", "time taken"), ("amount", "amount"), ("site", "site")):
                if fields.get(key) not in (None, ""):
                    raise ValidationError(
                        f"a skipped dose has no {word}: make it taken to give one", field=_FIELD_WORDS[key]
                    )
            changes.update(taken_at=None, amount=None, site=None, logged_later=False)
        else:
            became_taken = log.status is DoseStatus.SKIPPED
            taken_at = fields.get("taken_at") or log.taken_at or log.slot_at
            assert taken_at is not None
            taken_at = taken_at.astimezone(UTC)
            if "taken_at" in fields or became_taken:
                dose_rules.check_dose_time(taken_at, now)
            if log.slot_at is not None and abs(taken_at - log.slot_at) > MOST_OFF_SLOT:
                zone = ZoneInfo(log.zone)
                raise ValidationError(
                    f"{taken_at.astimezone(zone):%Y-%m-%d %H:%M} is more than a day from the "
                    f"{log.slot_at.astimezone(zone):%Y-%m-%d %H:%M} dose this entry is for: to log another "
                    "dose, delete this entry and log that one with rpltrack take --at",
                    field="at",
                )
            amount = fields.get("amount", log.amount)
            if amount is None:
                amount = self._scheduled_amount(med, log)
            elif "amount" in fields:
                amount = self.check_amount(med, amount)
            site = fields.get("site", log.site)
            site = (" ".join(site.split()) or None) if site is not None else None
            if site is not None and len(site) > 60:
                raise ValidationError("the injection site can be at most 60 characters", field="site")
            changes.update(
                taken_at=taken_at,
                amount=amount,
                site=site,
                logged_later=dose_rules.is_logged_later(taken_at, now if became_taken else log.logged_at),
            )
            if became_taken and "reason" not in fields:
                changes["reason"] = ""  # the reason it was skipped no longer holds
        updated = replace(log, **changes)  # validates
        old_values, new_values = rows.dose_values(log), rows.dose_values(updated)
        changed = {k: v for k, v in new_values.items() if old_values[k] != v}
        if not changed:
            return log
        summary = f"changed {dose_words(med, log)}: " + "; ".join(dose_edit_words(log, updated))
        with self._w.txn():
            change = self._w.open_change("dose edit", summary, now)
            self._w.update(change, "doses", dose_id, changed)
        return self.dose(dose_id)

    def _scheduled_amount(self, med: Medication, log: DoseLog) -> Quantity:
        if log.slot_at is None:
            return med.current.amount
        regimen = med.regimen_on(log.slot_at.astimezone(ZoneInfo(med.zone)).date())
        return (regimen or med.current).amount

    def dependents_of_dose(self, dose_id: int) -> list[str]:
        """Nothing depends on a logged dose: [] (the id must exist)."""
        self.dose(dose_id)
        return []

    def delete_dose(self, dose_id: int, now: datetime, *, with_dependents: bool = False) -> DoseLog:
        """Remove one logged dose (its slot is open again) and return it; `undo` brings it back."""
        self._writable()
        log = self.dose(dose_id)
        med = self.medication(log.medication_id)
        state = f"{log.status.value} {log.amount}" if log.amount else log.status.value
        with self._w.txn():
            change = self._w.open_change("dose delete", f"deleted {dose_words(med, log)} ({state})", now)
            self._w.delete(change, "doses", dose_id)
        return log
