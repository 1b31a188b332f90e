"""Medications, their regimens, and every dose taken or skipped."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog
from rpltrack.domain import doses as dose_rules
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import (
    Adherence,
    DoseLog,
    DoseSlot,
    DoseStatus,
    DoseView,
    Medication,
    MedicationState,
    Regimen,
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
            raise ValidationError(f"there is no medication with id {med_id}")
        return self._placed([rows.medication_of(row, tuple(self._regimens([med_id]).get(med_id, ())))])[0]

    def find_medication(self, name: str, now: datetime | None = None) -> Medication:
        """Her medication called `name`: by its name, its generic or a brand of it. With `now`, what she takes
        now is searched first, then what is planned or waiting, then her whole history."""
        wanted = " ".join(name.split()).casefold()
        if not wanted:
            raise ValidationError("give the medication's name, e.g. rpltrack take aspirin")
        tiers: list[list[Medication] | None] = []
        if now is not None:
            in_force = self.medications(in_force_on=now.date() - timedelta(days=1))

            def state(m: Medication) -> MedicationState:
                return m.state(now, now.astimezone(ZoneInfo(m.zone)).date())

            tiers.append([m for m in in_force if state(m) is MedicationState.ACTIVE])
            waiting = (MedicationState.NOT_STARTED, MedicationState.WAITING)
            tiers.append([m for m in in_force if state(m) in waiting])
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
                names = ", ".join(f"{m.name} (id {m.id})" for m in matches)
                raise ValidationError(
                    f"{name!r} matches more than one medication: {names}; use the full name"
                )
        names = ", ".join(sorted({m.name for m in everything}, key=str.casefold)) or "none yet"
        raise ValidationError(
            f"no medication called {name!r} in your journal (yours: {names}); "
            f"add it with: rpltrack med add {name} --dose ... --times ..."
        )

    def add_medication(self, med: Medication, now: datetime) -> Medication:
        self._writable()
        summary = f"added {med.name} {med.current.amount} {med.current.timing.describe()}"
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
        self._writable()
        med = self.medication(med_id)
        if regimen.effective_on < med.start_on:
            raise ValidationError(
                f"a change cannot take effect on {regimen.effective_on}, before {med.name} starts "
                f"({med.start_on})",
                field="from",
            )
        kept = tuple(r for r in med.regimens if r.effective_on != regimen.effective_on)
        replace(med, regimens=tuple(sorted((*kept, regimen), key=lambda r: r.effective_on)))  # validates
        summary = (
            f"changed {med.name} to {regimen.amount} {regimen.timing.describe()} from {regimen.effective_on}"
        )
        with self._w.txn():
            change = self._w.open_change("med edit", summary, now)
            for old in med.regimens:
                if old.effective_on == regimen.effective_on and old.id is not None:
                    self._w.delete(change, "regimens", old.id)
            self._w.insert(change, "regimens", rows.regimen_values(med_id, regimen, now))
        return self.medication(med_id)

    def update_medication(self, med_id: int, now: datetime, **fields: Any) -> Medication:
        """Change name, notes, supply, end_on or stopped_at (validated through the model)."""
        self._writable()
        if (
            len(fields.get("notes") or "") > 2000
        ):  # as for a new medication (medspec); stored notes still read
            raise ValidationError("notes can be at most 2000 characters", field="notes")
        med = self.medication(med_id)
        if "supply" in fields and fields["supply"] != med.supply:
            fields.setdefault("supply_at", now)  # a recount: refill-due counts doses taken from here
        updated = replace(med, **fields)
        values = rows.medication_values(updated, now)
        values.pop("created_utc")
        changed = {k: v for k, v in values.items() if rows.medication_values(med, now)[k] != v}
        if not changed:
            return med
        summary = f"edited {med.name}: " + ", ".join(sorted(changed))
        with self._w.txn():
            change = self._w.open_change("med edit", summary, now)
            self._w.update(change, "medications", med_id, changed)
        return self.medication(med_id)

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
        return self.update_medication(med_id, now, stopped_at=at.astimezone(UTC))

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
