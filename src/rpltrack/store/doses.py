"""Every dose taken or skipped: logging it, the day views, adherence, and correcting or removing a log."""

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
)
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import record, replace
from rpltrack.domain.schedule import day_bounds, expand
from rpltrack.store import rows
from rpltrack.store.medications import _ID_RE, MedicationStore, _name_matches

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


_DOSE_FIELDS = ("status", "taken_at", "amount", "site", "note", "reason")


_FIELD_WORDS = {"taken_at": "at", "amount": "amount", "site": "site"}


# A corrected time taken stays within a day of the dose it is logged for (a later one is another dose).
MOST_OFF_SLOT = timedelta(hours=24)


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


# The states History and `rpltrack log` filter by: logged taken or skipped, missed (never logged, past its
# grace period), or logged later (taken, but logged well after).
HISTORY_STATES = ("taken", "skipped", "missed", "late")
# The kinds of dose entry: a scheduled dose, or one taken as needed.
HISTORY_KINDS = ("scheduled", "as-needed")


@record(frozen=True)
class HistoryFilter:
    """Which doses a history page shows: a span of instants, medications (ids; empty: all), states and
    kinds (empty: all)."""

    start: datetime
    end: datetime
    medication_ids: tuple[int, ...] = ()
    states: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


@record(frozen=True)
class HistoryEntry:
    """A dose in the history: a log (taken or skipped), or a scheduled dose missed (log None)."""

    at: datetime  # UTC: the slot, or for an as-needed dose the time taken
    medication: Medication
    log: DoseLog | None = None
    view: DoseView | None = None  # a missed dose


@record(frozen=True)
class HistoryPage:
    """A page of history, newest first; `before` is where the next (older) page starts, None at the end."""

    entries: tuple[HistoryEntry, ...]
    before: datetime | None


# Missed doses are worked out over spans of this many days at a time, going back.
_MISSED_CHUNK = timedelta(days=45)


class DoseStore(MedicationStore):
    """Doses taken or skipped, and what the day views and adherence read of them."""

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
                    raise self._no_open_slot(med, when, now, zone)
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

    def _no_open_slot(
        self, med: Medication, when: datetime, now: datetime, zone: ZoneInfo
    ) -> ValidationError:
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
        return ValidationError(
            code="dose.no_open_slot",
            field="at",
            values={"medication": med.name, "when": f"{when.astimezone(zone):%Y-%m-%d %H:%M}", "next": nxt},
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

    def medication_ids_named(self, name: str) -> tuple[int, ...]:
        """Every course of her medication called `name` (by id, name, generic or brand): History and
        `rpltrack log --med` show a medication's doses across all its courses. Unknown: a ValidationError."""
        wanted = " ".join(name.split()).casefold()
        if wanted and _ID_RE.match(wanted) is None:
            found = _name_matches(self.medications(), wanted)
            if found:
                return tuple(m.id for m in found if m.id is not None)
        med = self.find_medication(name)  # an id, or the error that names her medications
        assert med.id is not None
        return (med.id,)

    def history_page(
        self,
        wanted: HistoryFilter,
        zone: ZoneInfo,
        now: datetime,
        *,
        before: datetime | None = None,
        limit: int = 50,
    ) -> HistoryPage:
        """One page of dose history, newest first: at most `limit` entries older than `before` (default: the
        filter's end), more only to keep doses of the same instant together. Logged doses are read with
        LIMIT; missed doses are worked out only over the span
        the page covers, so a page of a 10-year journal costs what a page of a new one does."""
        hi = min(wanted.end, before) if before is not None else wanted.end
        hi_utc, lo_utc = hi.astimezone(UTC), wanted.start.astimezone(UTC)
        if hi_utc <= lo_utc:
            return HistoryPage((), None)
        meds = {m.id: m for m in self.medications()}
        logged = self._logged_page(wanted, lo_utc, hi_utc, limit + 1, meds)
        want_missed = (not wanted.states or "missed" in wanted.states) and "as-needed" not in wanted.kinds
        entries = list(logged)
        floor = lo_utc
        if want_missed:
            if len(logged) > limit:
                floor = logged[limit].at
                entries += self._missed_entries(wanted, floor, hi_utc, zone, now, meds)
            else:
                chunk_hi = hi_utc
                while chunk_hi > lo_utc:
                    chunk_lo = max(lo_utc, chunk_hi - _MISSED_CHUNK)
                    entries += self._missed_entries(wanted, chunk_lo, chunk_hi, zone, now, meds)
                    floor = chunk_lo
                    if sum(1 for e in entries if e.at >= chunk_lo) > limit:
                        break
                    chunk_hi = chunk_lo
        entries = [e for e in entries if e.at >= floor]
        entries.sort(key=lambda e: (e.at, e.medication.name.casefold()), reverse=True)
        if len(entries) <= limit:
            more = floor > lo_utc or len(logged) > limit
            kept = entries
        else:
            cut = entries[limit - 1].at
            kept = [e for e in entries if e.at >= cut]
            more = True
        if not kept:
            return HistoryPage((), None)
        return HistoryPage(tuple(kept), kept[-1].at if more else None)

    def _logged_page(
        self,
        wanted: HistoryFilter,
        lo: datetime,
        hi: datetime,
        limit: int,
        meds: dict[int | None, Medication],
    ) -> list[HistoryEntry]:
        states = [s for s in wanted.states if s != "missed"]
        if wanted.states and not states:
            return []
        at = "coalesce(slot_utc, taken_utc)"
        sql = f"SELECT * FROM doses WHERE {at} >= ? AND {at} < ?"
        params: list[Any] = [rows.utc_text(lo), rows.utc_text(hi)]
        if wanted.medication_ids:
            sql += f" AND medication_id IN ({', '.join('?' for _ in wanted.medication_ids)})"
            params += list(wanted.medication_ids)
        if states:
            ors = []
            if "taken" in states:
                ors.append("status = 'taken'")
            if "skipped" in states:
                ors.append("status = 'skipped'")
            if "late" in states:
                ors.append("logged_later = 1")
            sql += f" AND ({' OR '.join(ors)})"
        if wanted.kinds and len(set(wanted.kinds)) == 1:
            sql += " AND slot_utc IS NOT NULL" if wanted.kinds[0] == "scheduled" else " AND slot_utc IS NULL"
        sql += f" ORDER BY {at} DESC, id DESC LIMIT ?"
        params.append(limit)
        found = []
        for row in self._conn.execute(sql, params):
            log = rows.dose_of(row)
            when = (log.slot_at or log.taken_at or log.logged_at).astimezone(UTC)
            found.append(HistoryEntry(when, meds[log.medication_id], log))
        return found

    def _missed_entries(
        self,
        wanted: HistoryFilter,
        lo: datetime,
        hi: datetime,
        zone: ZoneInfo,
        now: datetime,
        meds: dict[int | None, Medication],
    ) -> list[HistoryEntry]:
        """Scheduled doses in [lo, hi) that Today would call missed at `now` (never logged, past their grace
        period, not from before the medication was entered), of the filter's medications."""
        hi = min(hi, now.astimezone(UTC))
        if hi <= lo:
            return []
        grace = self.grace()
        chosen = [
            m
            for m in meds.values()
            if not m.prn
            and (not wanted.medication_ids or m.id in wanted.medication_ids)
            and (m.schedule_end_on is None or m.schedule_end_on >= lo.date() - timedelta(days=1))
            and m.start_on <= hi.date() + timedelta(days=1)
        ]
        if not chosen:
            return []
        logged = {
            (log.medication_id, log.slot_at.astimezone(UTC))
            for log in self.logs_between(lo, hi)
            if log.slot_at is not None
        }
        found = []
        for med in chosen:
            for slot in expand(med, lo, hi):
                if (slot.medication_id, slot.slot_at) in logged:
                    continue
                status, _ = dose_rules.slot_state(slot, None, now, grace)
                if status is DoseStatus.MISSED and not dose_rules.entered_after(med, slot, grace):
                    view = DoseView(med, DoseStatus.MISSED, slot)
                    found.append(HistoryEntry(slot.slot_at.astimezone(UTC), med, view=view))
        return found

    def dose_log(self, start: datetime, end: datetime) -> list[tuple[DoseLog, Medication]]:
        meds = {m.id: m for m in self.medications()}
        return [(log, meds[log.medication_id]) for log in self.logs_between(start, end)]

    def bulk_insert_doses(self, logs: Sequence[DoseLog], now: datetime) -> int:
        """Insert many logs in one transaction through sqlite-utils (demo journals); one change record."""
        # heavy: sqlite_utils
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
            raise ValidationError(code="dose.unknown_id", field="id", values={"id": dose_id})
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
                    code="dose.far_from_slot",
                    field="at",
                    values={
                        "at": f"{taken_at.astimezone(zone):%Y-%m-%d %H:%M}",
                        "slot": f"{log.slot_at.astimezone(zone):%Y-%m-%d %H:%M}",
                    },
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
