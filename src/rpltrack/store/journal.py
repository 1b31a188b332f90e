"""Journal: the typed API every front end uses. One transaction per user action; domain objects out."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
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
from rpltrack.domain.settings import SETTINGS, grace_from, setting_for
from rpltrack.store import rows
from rpltrack.store.db import JournalError, connect, prepare_file, tighten_modes, write_txn
from rpltrack.store.migrations import (
    HEAD,
    NewerSchema,
    backup_dir,
    backup_numbered,
    backup_to,
    migrate,
    user_version,
)

# typing costs ~10 ms to import on a slow laptop; the CLI's fast commands never need it at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

    from rpltrack.domain.appointments import Appointment, Question
    from rpltrack.domain.betas import BetaDraw
    from rpltrack.domain.cycles import Cycle, CycleEvent, Transfer
    from rpltrack.domain.dating import Dating
    from rpltrack.domain.labs import LabResult
    from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
    from rpltrack.domain.protocols import ProtocolUse, SavedProtocol, Template
    from rpltrack.export.csv_import import CsvImport
    from rpltrack.flags.model import Flag, FlagMark, JournalSnapshot, MarkState


def _name_matches(meds: Sequence[Medication], wanted: str) -> list[Medication]:
    """By exact name; else by the generic a brand or spelling means; else by a name that starts so."""
    exact = [m for m in meds if m.name.casefold() == wanted]
    if exact:
        return exact
    drug = catalog.lookup(wanted)
    keys = {drug.key} if drug else set(catalog.family_members(wanted))
    by_generic = [m for m in meds if m.generic in keys]
    return by_generic or [m for m in meds if m.name.casefold().startswith(wanted)]


def _damage(path: Path) -> list[str]:
    """What SQLite's integrity and foreign-key checks find wrong with the file (read-only), or []."""
    try:
        probe = connect(path, readonly=True)
    except JournalError as exc:
        return [str(exc)]
    try:
        problems = [str(r[0]) for r in probe.execute("PRAGMA integrity_check") if str(r[0]) != "ok"]
        problems += [
            f"{r[0]} row {r[1]} points at a missing {r[2]} row"
            for r in probe.execute("PRAGMA foreign_key_check")
        ]
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    finally:
        probe.close()
    return problems


def _damaged_reason(path: Path, damage: Sequence[str]) -> str:
    """The read-only banner for a damaged journal: what is wrong, and the backups to restore from."""
    folder = backup_dir(path)
    backups = (
        sorted(folder.glob("*.db"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
    )
    listed = "; ".join(str(b) for b in backups[:3]) if backups else f"none found in {folder}"
    return (
        f"The journal looks damaged ({damage[0]}), so rpltrack opened it read-only and will not change it. "
        f"Restore from a backup with `rpltrack restore FILE` (newest backups: {listed})."
    )


def _appointments() -> ModuleType:
    """Appointment row conversions, imported on first use (see appointment_rows)."""
    from rpltrack.store import appointment_rows

    return appointment_rows


def _labs() -> ModuleType:
    """Lab and flag-mark row conversions, imported on first use (see lab_rows)."""
    from rpltrack.store import lab_rows

    return lab_rows


# Daily backups kept in backups/ (the pre-upgrade backups are kept apart and never rotated away).
DAILY_BACKUPS = 7

# The missed-dose flag rules look back this far; the snapshot carries the dose logs of this window only.
FLAG_DOSE_WINDOW = timedelta(days=15)


def _timeline() -> ModuleType:
    """The timeline's row conversions, imported on first use (see timeline_rows)."""
    from rpltrack.store import timeline_rows

    return timeline_rows


TABLES_WITH_AUDIT = (
    "medications",
    "regimens",
    "doses",
    "settings",
    "cycles",
    "cycle_events",
    "transfers",
    "betas",
    "pregnancies",
    "labs",
    "flag_marks",
    "appointments",
    "appointment_questions",
    "protocols",
    "protocol_uses",
)


def _dumps(row: dict[str, Any]) -> str:
    import json  # only writes need it; keeps read-only commands' start-up short

    return json.dumps(row)


class JournalReadOnly(JournalError):
    """A write was asked of a journal opened read-only (newer schema or damaged file)."""


@record(frozen=True)
class LogResult:
    """What a take/skip did: the log row (new or the one already there) and whether it was created."""

    log: DoseLog
    medication: Medication
    created: bool
    slot: DoseSlot | None


@record(frozen=True)
class ChangeRecord:
    id: int
    at: datetime
    action: str
    summary: str
    undone: bool


class Journal:
    """The journal file. Open with Journal.open(path); close when done (or use `with`)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        readonly: bool,
        notes: Sequence[str] = (),
        backup: Path | None = None,
        readonly_reason: str = "",
    ) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly
        self.readonly_reason = readonly_reason
        self.notes = list(notes)
        self.migration_backup = backup

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, now: datetime | None = None, check: bool = False) -> Journal:
        """Open (creating if needed) and migrate the journal at `path`. A newer schema opens read-only.

        With `check` (the app's start), SQLite's integrity and foreign-key checks run first (about 15 ms on
        ten years of data); a damaged file is opened read-only, never written or "repaired", and the reason
        names the backups to restore from (RELIABILITY A8)."""
        path = Path(path)
        # Modes are tightened only once the file is known to be a journal (another program's file is left
        # exactly as it was).
        notes = prepare_file(path, tighten=False)
        if path.stat().st_size > 0:
            # Look before touching: a newer journal is opened read-only, and another program's database
            # is refused, before a read-write connection could switch it to WAL or add tables.
            probe = connect(path, readonly=True)
            try:
                found = user_version(probe)
                foreign = (
                    found == 0
                    and probe.execute(
                        "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                    ).fetchone()[0]
                )
            finally:
                probe.close()
            if found > HEAD:
                ro = connect(path, readonly=True)
                return cls(ro, path, readonly=True, notes=notes, readonly_reason=str(NewerSchema(found)))
            if foreign:
                raise JournalError(
                    f"{path} is an SQLite database of another program, not an rpltrack journal; "
                    "rpltrack will not change it. Nothing was changed."
                )
            if check:
                damage = _damage(path)
                if damage:
                    ro = connect(path, readonly=True)
                    return cls(
                        ro, path, readonly=True, notes=notes, readonly_reason=_damaged_reason(path, damage)
                    )
        notes += tighten_modes(path)
        conn = connect(path)
        try:
            stamp = now or datetime.fromtimestamp(path.stat().st_mtime, UTC)
            backup = migrate(conn, path, stamp)
        except NewerSchema as exc:
            conn.close()
            ro = connect(path, readonly=True)
            return cls(ro, path, readonly=True, notes=notes, readonly_reason=str(exc))
        except BaseException:
            conn.close()
            raise
        if backup is not None:
            notes.append(f"saved a backup before upgrading the journal: {backup}")
        return cls(conn, path, readonly=False, notes=notes, backup=backup)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return user_version(self._conn)

    def pragma(self, name: str) -> Any:
        return self._conn.execute(f"PRAGMA {name}").fetchone()[0]

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def backup(self, dest: Path) -> Path:
        return backup_to(self._conn, dest)

    # -- writing helpers ---------------------------------------------------------------------------

    def _writable(self) -> None:
        if self.readonly:
            raise JournalReadOnly(self.readonly_reason or "the journal is open read-only; nothing was saved")

    def _begin_change(self, action: str, summary: str, now: datetime) -> int:
        cur = self._conn.execute(
            "INSERT INTO changes (at_utc, action, summary) VALUES (?, ?, ?)",
            (rows.utc_text(now), action, summary),
        )
        return int(cur.lastrowid or 0)

    def _row(self, table: str, row_id: int) -> dict[str, Any] | None:
        assert table in TABLES_WITH_AUDIT
        key = "key" if table == "settings" else "id"
        row = self._conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (row_id,)).fetchone()
        return dict(row) if row else None

    def _audit(
        self,
        change_id: int,
        table: str,
        row_id: int,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self._conn.execute(
            "INSERT INTO audit (change_id, tbl, row_id, before, after) VALUES (?, ?, ?, ?, ?)",
            (
                change_id,
                table,
                row_id,
                _dumps(before) if before else None,
                _dumps(after) if after else None,
            ),
        )

    def _insert(self, change_id: int, table: str, values: dict[str, Any]) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = self._conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
        row_id = int(cur.lastrowid or 0)
        self._audit(change_id, table, row_id, None, self._row(table, row_id))
        return row_id

    def _update(self, change_id: int, table: str, row_id: int, values: dict[str, Any]) -> None:
        before = self._row(table, row_id)
        sets = ", ".join(f"{c} = ?" for c in values)
        self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), row_id))
        self._audit(change_id, table, row_id, before, self._row(table, row_id))

    # -- settings ----------------------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        """Every setting's value in force: hers where she set one, else the default ("" = the guideline
        default applies). Clinic retests she added (retest.after.*) are included."""
        values = {key: s.default for key, s in SETTINGS.items()}
        values.update(self.stored_settings())
        return values

    def stored_settings(self) -> dict[str, str]:
        """Only the settings she (or her clinic) set: what overrides a default."""
        return {
            row["key"]: row["value"]
            for row in self._conn.execute("SELECT key, value FROM settings WHERE value != ''")
        }

    def set_setting(self, key: str, value: str, now: datetime) -> str:
        """Set `key` (validated; returns the canonical spelling). An empty value resets it to the default."""
        setting = setting_for(key)
        if setting is None:
            raise ValidationError(
                f"unknown setting {key!r}: known settings are {', '.join(sorted(SETTINGS))}, "
                "and retest.after.<medication> for a clinic retest after a course"
            )
        canonical = setting.parse(value) if value.strip() else ""
        if not canonical and setting.default and key in SETTINGS:
            canonical = setting.default
        self._writable()
        with write_txn(self._conn):
            summary = f"set {key} to {canonical}" if canonical else f"reset {key} to its default"
            change = self._begin_change("setting", summary, now)
            before = self._conn.execute("SELECT * FROM settings WHERE key = ?", (key,)).fetchone()
            self._conn.execute(
                "INSERT INTO settings (key, value, updated_utc) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_utc = excluded.updated_utc",
                (key, canonical, rows.utc_text(now)),
            )
            after = self._conn.execute(
                "SELECT rowid AS rid, * FROM settings WHERE key = ?", (key,)
            ).fetchone()
            after_d = dict(after)
            rid = after_d.pop("rid")
            self._audit(change, "settings", int(rid), dict(before) if before else None, after_d)
        return canonical

    def grace(self) -> timedelta:
        return grace_from(self.settings())

    # -- medications -------------------------------------------------------------------------------

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
        with write_txn(self._conn):
            change = self._begin_change("med add", summary, now)
            med_id = self._insert(change, "medications", rows.medication_values(med, now))
            for regimen in med.regimens:
                self._insert(change, "regimens", rows.regimen_values(med_id, regimen, now))
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
        with write_txn(self._conn):
            change = self._begin_change("med edit", summary, now)
            for old in med.regimens:
                if old.effective_on == regimen.effective_on and old.id is not None:
                    self._delete(change, "regimens", old.id)
            self._insert(change, "regimens", rows.regimen_values(med_id, regimen, now))
        return self.medication(med_id)

    def _delete(self, change_id: int, table: str, row_id: int) -> None:
        before = self._row(table, row_id)
        self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
        self._audit(change_id, table, row_id, before, None)

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
        with write_txn(self._conn):
            change = self._begin_change("med edit", summary, now)
            self._update(change, "medications", med_id, changed)
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

    # -- doses -------------------------------------------------------------------------------------

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
        with write_txn(self._conn):
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
            change = self._begin_change(status.value, f"{verb} {med.name}{slot_text}", now)
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
            self._audit(change, "doses", row_id, None, self._row("doses", row_id))
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

    def count(self, table: str) -> int:
        if table not in (*TABLES_WITH_AUDIT, "changes", "audit"):
            raise ValueError(table)
        return int(self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    # -- undo and history --------------------------------------------------------------------------

    def changes(self, limit: int = 50) -> list[ChangeRecord]:
        return [
            ChangeRecord(
                r["id"], rows.utc_parse(r["at_utc"]), r["action"], r["summary"], r["undone_by"] is not None
            )
            for r in self._conn.execute("SELECT * FROM changes ORDER BY id DESC LIMIT ?", (limit,))
        ]

    def undo(self, now: datetime) -> ChangeRecord | None:
        """Revert the most recent change not yet undone, row for row, ids kept; the audit keeps both."""
        self._writable()
        with write_txn(self._conn):
            target = self._conn.execute(
                "SELECT * FROM changes WHERE undone_by IS NULL AND action != 'undo' ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if target is None:
                return None
            change = self._begin_change("undo", f"undid: {target['summary']}", now)
            entries = self._conn.execute(
                "SELECT * FROM audit WHERE change_id = ? ORDER BY id DESC", (target["id"],)
            ).fetchall()
            for entry in entries:
                self._revert(change, entry)
            self._conn.execute("UPDATE changes SET undone_by = ? WHERE id = ?", (change, target["id"]))
            self._conn.execute("UPDATE changes SET undoes = ? WHERE id = ?", (target["id"], change))
        return ChangeRecord(
            target["id"], rows.utc_parse(target["at_utc"]), target["action"], target["summary"], True
        )

    def _revert(self, change_id: int, entry: sqlite3.Row) -> None:
        table = entry["tbl"]
        if table not in TABLES_WITH_AUDIT:
            raise JournalError(f"cannot undo a change to {table}")
        import json

        before = json.loads(entry["before"]) if entry["before"] else None
        after = json.loads(entry["after"]) if entry["after"] else None
        key = "key" if table == "settings" else "id"
        key_value = (before or after or {})[key]
        current = self._conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (key_value,)).fetchone()
        current_d = dict(current) if current else None
        if before is None:
            self._conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (key_value,))
        elif current is None:
            cols = ", ".join(before)
            self._conn.execute(
                f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in before)})",
                tuple(before.values()),
            )
        else:
            sets = ", ".join(f"{c} = ?" for c in before)
            self._conn.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", (*before.values(), key_value))
        self._audit(change_id, table, int(entry["row_id"]), current_d, before)

    # -- bulk (demo, benchmarks) -------------------------------------------------------------------

    def bulk_insert_doses(self, logs: Sequence[DoseLog], now: datetime) -> int:
        """Insert many logs in one transaction through sqlite-utils (demo journals); one change record."""
        import sqlite_utils

        self._writable()
        with write_txn(self._conn):
            change = self._begin_change("import", f"added {len(logs)} dose entries", now)
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

    # -- cycles, transfers, betas, pregnancies -------------------------------------------------------

    def cycles(self) -> list[Cycle]:
        """Every cycle, newest CD1 first, with its events and transfers in date order."""
        return self._load_cycles()

    def _load_cycles(self, where: str = "", params: tuple[Any, ...] = ()) -> list[Cycle]:
        timeline = _timeline()
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
        raise ValidationError(f"there is no cycle with id {cycle_id}: see rpltrack cycle list", field="cycle")

    def cycle_on(self, day: date) -> Cycle | None:
        """The latest cycle that covers `day` (started on or before it and not ended before it)."""
        return next((c for c in self.cycles() if c.active_on(day)), None)

    def add_cycle(self, cycle: Cycle, now: datetime) -> Cycle:
        self._writable()
        previous = self.cycle_on(cycle.cd1)
        if previous is not None and previous.cd1 == cycle.cd1 and previous.kind is cycle.kind:
            raise ValidationError(
                f"a {cycle.kind.value} cycle from {cycle.cd1} is already recorded (cycle {previous.id})",
                field="cd1",
            )
        with write_txn(self._conn):
            change = self._begin_change(
                "cycle add", f"started a {cycle.kind.value} cycle on {cycle.cd1}", now
            )
            cycle_id = self._insert(change, "cycles", _timeline().cycle_values(cycle, now))
        return self.cycle(cycle_id)

    def end_cycle(self, cycle_id: int, on: date, outcome: str, now: datetime) -> Cycle:
        self._writable()
        cycle = self.cycle(cycle_id)
        replace(cycle, ended_on=on)  # validates the date against CD1
        with write_txn(self._conn):
            change = self._begin_change("cycle end", f"ended cycle {cycle_id} on {on}", now)
            self._update(change, "cycles", cycle_id, {"ended_on": on.isoformat(), "outcome": outcome})
        return self.cycle(cycle_id)

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
        with write_txn(self._conn):
            change = self._begin_change("event add", f"{event.kind.value} on {event.on}", now)
            self._insert(change, "cycle_events", values)
        return self.cycle(cycle_id)

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
        with write_txn(self._conn):
            change = self._begin_change(
                "transfer add", f"day-{transfer.embryo_day} transfer on {transfer.on}", now
            )
            self._insert(change, "transfers", values)
        return self.cycle(cycle_id)

    def betas(self) -> list[BetaDraw]:
        """Every beta result, oldest first."""
        return [
            _timeline().beta_of(r) for r in self._conn.execute("SELECT * FROM betas ORDER BY drawn_utc, id")
        ]

    def add_beta(self, draw: BetaDraw, now: datetime, *, confirmed_unusual: bool = False) -> BetaDraw:
        self._writable()
        zone = draw.drawn_at.tzinfo
        zone_name = zone.key if isinstance(zone, ZoneInfo) else "UTC"
        if draw.cycle_id is None:
            cycle = self.cycle_on(draw.drawn_at.date())
            draw = replace(draw, cycle_id=cycle.id if cycle else None)
        else:
            self.cycle(draw.cycle_id)
        with write_txn(self._conn):
            change = self._begin_change(
                "beta add", f"beta {draw.value} drawn {rows.utc_text(draw.drawn_at)}", now
            )
            beta_id = self._insert(
                change, "betas", _timeline().beta_values(draw, zone_name, confirmed_unusual, now)
            )
        row = self._conn.execute("SELECT * FROM betas WHERE id = ?", (beta_id,)).fetchone()
        stored: BetaDraw = _timeline().beta_of(row)
        return stored

    def pregnancies(self) -> list[Pregnancy]:
        """Every pregnancy and past loss, oldest first."""
        found = [
            _timeline().pregnancy_of(r) for r in self._conn.execute("SELECT * FROM pregnancies ORDER BY id")
        ]
        return sorted(found, key=lambda p: (p.sort_on, p.id or 0))

    def add_pregnancy(self, pregnancy: Pregnancy, now: datetime) -> Pregnancy:
        self._writable()
        if pregnancy.cycle_id is not None:
            self.cycle(pregnancy.cycle_id)
        if pregnancy.outcome.value == "ongoing" and any(
            p.outcome.value == "ongoing" for p in self.pregnancies()
        ):
            raise ValidationError(
                "a pregnancy is already recorded as ongoing: record how it ended first "
                "(rpltrack pregnancy end)",
                field="date",
            )
        summary = f"recorded a pregnancy ({pregnancy.describe()})"
        with write_txn(self._conn):
            change = self._begin_change("pregnancy add", summary, now)
            preg_id = self._insert(change, "pregnancies", _timeline().pregnancy_values(pregnancy, now))
        row = self._conn.execute("SELECT * FROM pregnancies WHERE id = ?", (preg_id,)).fetchone()
        saved: Pregnancy = _timeline().pregnancy_of(row)
        return saved

    def end_pregnancy(
        self,
        pregnancy_id: int | None,
        outcome: Outcome,
        on: date,
        ga_days: int | None,
        confirmed: Confirmation | None,
        now: datetime,
    ) -> Pregnancy:
        """Record how a pregnancy ended (the ongoing one unless an id is given)."""
        self._writable()
        candidates = [
            p
            for p in self.pregnancies()
            if (p.id == pregnancy_id if pregnancy_id is not None else p.outcome.value == "ongoing")
        ]
        if not candidates:
            raise ValidationError(
                "no ongoing pregnancy is recorded: add one with rpltrack pregnancy add, "
                "or record a past loss with rpltrack loss add",
                field="id",
            )
        current = candidates[0]
        assert current.id is not None
        if ga_days is None and current.cycle_id is not None:
            dating = self.cycle(current.cycle_id).dating_on(on, pregnant=True)
            ga_days = dating.ga_days
        ended = replace(current, outcome=outcome, ended_on=on, ga_at_end_days=ga_days, confirmed=confirmed)
        values = _timeline().pregnancy_values(ended, now)
        values.pop("created_utc")
        with write_txn(self._conn):
            change = self._begin_change("pregnancy end", f"recorded {ended.describe()}", now)
            self._update(change, "pregnancies", current.id, values)
        row = self._conn.execute("SELECT * FROM pregnancies WHERE id = ?", (current.id,)).fetchone()
        saved: Pregnancy = _timeline().pregnancy_of(row)
        return saved

    # -- labs ----------------------------------------------------------------------------------------

    def labs(self, test: str | None = None) -> list[LabResult]:
        """Lab results, oldest first (by day, then entry); only those of `test` (a catalog key or her own
        test name) when given."""
        sql, params = "SELECT * FROM labs", tuple[str, ...]()
        if test is not None:
            sql, params = "SELECT * FROM labs WHERE test = ?", (test,)
        return [_labs().lab_of(r) for r in self._conn.execute(sql + " ORDER BY on_date, id", params)]

    def lab(self, lab_id: int) -> LabResult:
        row = self._conn.execute("SELECT * FROM labs WHERE id = ?", (lab_id,)).fetchone()
        if row is None:
            raise ValidationError(f"there is no lab result with id {lab_id}: see rpltrack labs", field="id")
        found: LabResult = _labs().lab_of(row)
        return found

    def add_lab(self, result: LabResult, now: datetime) -> LabResult:
        """Store a result as entered. An unusual value (a typo guard of the lab catalog) is refused unless
        it is marked confirmed: she has checked the number and unit."""
        from rpltrack.domain.labcatalog import is_unusual, resolve

        self._writable()
        if is_unusual(resolve(result.test), result.value) and not result.confirmed_unusual:
            raise ValidationError(
                f"{result.value} is unusual for this test: check the number and unit on the report, then "
                "confirm to keep it",
                field="value",
            )
        with write_txn(self._conn):
            change = self._begin_change("lab add", f"{result.test} {result.value} on {result.on}", now)
            lab_id = self._insert(change, "labs", _labs().lab_values(result, now))
        return self.lab(lab_id)

    # -- appointments --------------------------------------------------------------------------------

    def appointments(self) -> list[Appointment]:
        """Every appointment with its questions, in time order (cancelled ones included, marked)."""
        conv = _appointments()
        questions: dict[int, list[Question]] = {}
        for row in self._conn.execute("SELECT * FROM appointment_questions ORDER BY id"):
            questions.setdefault(int(row["appointment_id"]), []).append(conv.question_of(row))
        return [
            conv.appointment_of(r, tuple(questions.get(int(r["id"]), ())))
            for r in self._conn.execute("SELECT * FROM appointments ORDER BY at_utc, id")
        ]

    def appointment(self, appointment_id: int) -> Appointment:
        for appt in self.appointments():
            if appt.id == appointment_id:
                return appt
        raise ValidationError(
            f"there is no appointment with id {appointment_id}: see rpltrack appt list", field="appt"
        )

    def add_appointment(self, appt: Appointment, now: datetime) -> Appointment:
        self._writable()
        conv = _appointments()
        with write_txn(self._conn):
            change = self._begin_change("appt add", f"{appt.title} at {rows.utc_text(appt.at)}", now)
            appt_id = self._insert(change, "appointments", conv.appointment_values(appt, now))
            for question in appt.questions:
                self._insert(change, "appointment_questions", conv.question_values(appt_id, question, now))
        return self.appointment(appt_id)

    def edit_appointment(self, appointment_id: int, now: datetime, **fields: Any) -> Appointment:
        """Change when, with whom, where, why, notes, what was decided, or cancel (validated by the model)."""
        self._writable()
        current = self.appointment(appointment_id)
        updated = replace(current, **fields)
        conv = _appointments()
        old, new = conv.appointment_values(current, now), conv.appointment_values(updated, now)
        changed = {k: v for k, v in new.items() if old[k] != v and k != "created_utc"}
        if not changed:
            return current
        with write_txn(self._conn):
            change = self._begin_change(
                "appt edit", f"edited {current.title}: {', '.join(sorted(changed))}", now
            )
            self._update(change, "appointments", appointment_id, changed)
        return self.appointment(appointment_id)

    def add_questions(self, appointment_id: int, questions: Sequence[Question], now: datetime) -> Appointment:
        """Add questions to an appointment; a flag already asked about there is not added twice."""
        self._writable()
        current = self.appointment(appointment_id)
        have = {q.flag_key for q in current.questions if q.flag_key} | {q.text for q in current.questions}
        new = [q for q in questions if (q.flag_key or q.text) not in have]
        if new:
            conv = _appointments()
            with write_txn(self._conn):
                change = self._begin_change("appt ask", f"{len(new)} question(s) for {current.title}", now)
                for question in new:
                    self._insert(
                        change, "appointment_questions", conv.question_values(appointment_id, question, now)
                    )
        return self.appointment(appointment_id)

    def answer_question(self, question_id: int, now: datetime, *, asked: bool, answer: str = "") -> None:
        self._writable()
        row = self._conn.execute(
            "SELECT * FROM appointment_questions WHERE id = ?", (question_id,)
        ).fetchone()
        if row is None:
            raise ValidationError(f"there is no question with id {question_id}", field="question")
        Question(row["text"], asked=asked, answer=answer)  # validates
        with write_txn(self._conn):
            change = self._begin_change("appt answer", f"question {question_id}", now)
            self._update(
                change, "appointment_questions", question_id, {"asked": int(asked), "answer": answer}
            )

    def appointment_done(
        self,
        appointment_id: int,
        now: datetime,
        *,
        decided: str = "",
        asked_ids: Sequence[int] | None = None,
        raised: Sequence[Flag] = (),
    ) -> Appointment:
        """Record the visit: what was decided, which questions were asked (default: all), and mark the flags
        behind the asked questions (`raised`, those still showing) raised at this appointment; one change."""
        self._writable()
        current = self.appointment(appointment_id)
        if current.cancelled:
            raise ValidationError(f"{current.title} was cancelled: nothing to record", field="appt")
        if current.at.date() > now.astimezone(current.at.tzinfo).date():
            raise ValidationError(
                f"{current.title} is on {current.at:%d %b %Y}: record the visit on or after that day",
                field="appt",
            )
        replace(current, decided=decided)  # validates the text
        asked = {q.id for q in current.questions} if asked_ids is None else set(asked_ids)
        unknown = asked - {q.id for q in current.questions}
        if unknown:
            raise ValidationError(
                f"question {min(q for q in unknown if q is not None)} is not one of this appointment's",
                field="question",
            )
        asked_flags = {q.flag_key for q in current.questions if q.id in asked and q.flag_key}
        with write_txn(self._conn):
            change = self._begin_change("appt done", f"visit recorded: {current.title}", now)
            self._update(
                change,
                "appointments",
                appointment_id,
                {"done_utc": rows.utc_text(now), "decided": decided},
            )
            for q in current.questions:
                if q.id is not None and (q.id in asked) != q.asked:
                    self._update(change, "appointment_questions", q.id, {"asked": int(q.id in asked)})
            for flag in raised:
                if flag.key not in asked_flags:
                    continue
                values = {
                    "flag_key": flag.key,
                    "rule": flag.rule,
                    "state": "raised",
                    "title": flag.title,
                    "note": decided[:2000],
                    "appointment_id": appointment_id,
                    "at_utc": rows.utc_text(now),
                }
                old = self._conn.execute(
                    "SELECT id FROM flag_marks WHERE flag_key = ?", (flag.key,)
                ).fetchone()
                if old is None:
                    self._insert(change, "flag_marks", values)
                else:
                    self._update(change, "flag_marks", int(old["id"]), values)
        return self.appointment(appointment_id)

    # -- flags ---------------------------------------------------------------------------------------

    def snapshot(self, now: datetime, zone: ZoneInfo) -> JournalSnapshot:
        """What the flag rules read, as of `now`: everything clinical, and the dose logs of the short
        window the missed-dose rules look back over."""
        from rpltrack.flags.model import JournalSnapshot

        since = now - FLAG_DOSE_WINDOW
        today = now.astimezone(zone).date()
        counts = {
            int(r["medication_id"]): int(r["n"])
            for r in self._conn.execute(
                "SELECT d.medication_id, count(*) AS n FROM doses d JOIN medications m "
                "ON m.id = d.medication_id WHERE d.status = 'taken' AND m.supply_utc IS NOT NULL "
                "AND d.taken_utc >= m.supply_utc GROUP BY d.medication_id"
            )
        }
        return JournalSnapshot(
            now=now,
            zone=zone,
            labs=tuple(r for r in self.labs() if r.on <= today),
            betas=tuple(b for b in self.betas() if b.drawn_at <= now),
            pregnancies=tuple(self.pregnancies()),
            cycles=tuple(self.cycles()),
            medications=tuple(self.medications()),
            doses=tuple(self.logs_between(since, now + timedelta(days=1))),
            doses_since=since,
            settings=self.stored_settings(),
            grace=self.grace(),
            taken_since_supply=counts,
        )

    def flag_marks(self) -> dict[str, FlagMark]:
        """Her marks on flags, by flag key."""
        return {
            m.key: m for m in map(_labs().mark_of, self._conn.execute("SELECT * FROM flag_marks ORDER BY id"))
        }

    def mark_flag(
        self,
        flag: Flag,
        state: MarkState,
        now: datetime,
        *,
        note: str = "",
        appointment_id: int | None = None,
    ) -> FlagMark:
        """Acknowledge a flag, or mark it raised at an appointment (replacing an earlier mark on it)."""
        if len(note) > 2000:
            raise ValidationError("a note can be at most 2000 characters", field="note")
        self._writable()
        values = {
            "flag_key": flag.key,
            "rule": flag.rule,
            "state": state.value,
            "title": flag.title,
            "note": note,
            "appointment_id": appointment_id,
            "at_utc": rows.utc_text(now),
        }
        with write_txn(self._conn):
            change = self._begin_change(f"flag {state.value}", f"{state.value}: {flag.title}", now)
            old = self._conn.execute("SELECT id FROM flag_marks WHERE flag_key = ?", (flag.key,)).fetchone()
            if old is None:
                self._insert(change, "flag_marks", values)
            else:
                self._update(change, "flag_marks", int(old["id"]), values)
        return self.flag_marks()[flag.key]

    def unmark_flag(self, key: str, now: datetime) -> None:
        """Take a mark back: the flag is active again."""
        self._writable()
        row = self._conn.execute("SELECT id, title FROM flag_marks WHERE flag_key = ?", (key,)).fetchone()
        if row is None:
            raise ValidationError(f"the flag {key} has no mark to take back", field="id")
        with write_txn(self._conn):
            change = self._begin_change("flag unmark", f"active again: {row['title']}", now)
            self._delete(change, "flag_marks", int(row["id"]))

    def dating_on(self, day: date) -> Dating | None:
        """Where she is on `day`: cycle day, days past transfer, GA while a pregnancy is ongoing."""
        row = self._conn.execute(
            "SELECT id FROM cycles WHERE cd1 <= :day AND (ended_on IS NULL OR ended_on >= :day) "
            "ORDER BY cd1 DESC, id DESC LIMIT 1",
            {"day": day.isoformat()},
        ).fetchone()
        if row is None:
            return None
        pregnant = self._conn.execute("SELECT EXISTS (SELECT 1 FROM pregnancies WHERE outcome = 'ongoing')")
        cycle: Cycle = self._load_cycles("WHERE id = ?", (row["id"],))[0]
        return cycle.dating_on(day, pregnant=bool(pregnant.fetchone()[0]))

    def _cycle_of(self, table: str, row_id: int) -> Cycle:
        row = self._conn.execute(f"SELECT cycle_id FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            what = "event" if table == "cycle_events" else "transfer"
            raise ValidationError(f"there is no {what} with id {row_id}: see rpltrack cycle list", field="id")
        return self.cycle(int(row["cycle_id"]))

    def move_event(self, event_id: int, on: date, now: datetime) -> Cycle:
        """Correct an event's date; schedules anchored to it follow."""
        self._writable()
        cycle = self._cycle_of("cycle_events", event_id)
        assert cycle.id is not None
        (event,) = (e for e in cycle.events if e.id == event_id)
        others = replace(cycle, events=tuple(e for e in cycle.events if e.id != event_id))
        others.check_event(replace(event, on=on))
        with write_txn(self._conn):
            change = self._begin_change(
                "event edit", f"moved {event.kind.value} from {event.on} to {on}", now
            )
            self._update(change, "cycle_events", event_id, {"on_date": on.isoformat()})
        return self.cycle(cycle.id)

    def edit_transfer(self, transfer_id: int, on: date, embryo_day: int, now: datetime) -> Cycle:
        """Correct a transfer's date or embryo day; anchored schedules and dating follow."""
        self._writable()
        cycle = self._cycle_of("transfers", transfer_id)
        assert cycle.id is not None
        (transfer,) = (t for t in cycle.transfers if t.id == transfer_id)
        changed = replace(transfer, on=on, embryo_day=embryo_day)
        replace(cycle, transfers=tuple(t for t in cycle.transfers if t.id != transfer_id)).check_transfer(
            changed
        )
        summary = f"changed the transfer of {transfer.on} to {on}, day {embryo_day}"
        with write_txn(self._conn):
            change = self._begin_change("transfer edit", summary, now)
            self._update(
                change, "transfers", transfer_id, {"on_date": on.isoformat(), "embryo_day": embryo_day}
            )
        return self.cycle(cycle.id)

    def cycle_of_transfer(self, transfer_id: int) -> Cycle:
        return self._cycle_of("transfers", transfer_id)

    # -- backup, restore, check ----------------------------------------------------------------------

    def make_backup(self, now: datetime, dest: Path | None = None) -> Path:
        """A consistent copy of the journal (SQLite's backup API), owner-only: at `dest`, or in backups/."""
        if dest is None:
            return backup_numbered(self._conn, self.path, "manual", now)
        try:
            return backup_to(self._conn, dest)
        except FileExistsError:
            raise ValidationError(f"{dest} already exists: choose another file name", field="file") from None

    def daily_backup(self, now: datetime) -> Path | None:
        """Once a day, on the first open that asks (the app, the reminder timer): a backup in backups/, the
        newest DAILY_BACKUPS kept. None when one was made today already, the journal is read-only, or it
        holds nothing yet. Raises JournalError when the backup cannot be written (a full disk): no partial
        file is left."""
        if self.readonly or not self._conn.execute("SELECT EXISTS (SELECT 1 FROM changes)").fetchone()[0]:
            return None
        folder = backup_dir(self.path)
        day = now.astimezone(UTC).strftime("%Y%m%d")
        dailies = sorted(folder.glob("journal-*-daily*.db")) if folder.is_dir() else []
        if any(p.name.startswith(f"journal-{day}T") for p in dailies):
            return None
        try:
            made = backup_numbered(self._conn, self.path, "daily", now)
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise JournalError(
                f"today's backup could not be written in {folder} ({reason}); your journal is unchanged. "
                "Free some space and it is made on the next start."
            ) from exc
        for old in sorted(folder.glob("journal-*-daily*.db"))[:-DAILY_BACKUPS]:
            old.unlink(missing_ok=True)
        return made

    def check(self) -> list[str]:
        """Problems SQLite finds in the file (integrity, foreign keys); an empty list when it is healthy."""
        problems = [str(r[0]) for r in self._conn.execute("PRAGMA integrity_check") if str(r[0]) != "ok"]
        problems += [
            f"{r[0]} row {r[1]} points at a missing {r[2]} row"
            for r in self._conn.execute("PRAGMA foreign_key_check")
        ]
        return problems

    def restore(self, source: Path, now: datetime) -> Path:
        """Replace the journal's contents with the backup at `source`, through SQLite's backup API into this
        live file (other processes then see the restored state). A backup of the current state is made
        first and its path returned. A file that is not a healthy rpltrack journal, or is newer, is
        refused."""
        self._writable()
        source = Path(source)
        if not source.is_file():
            raise ValidationError(f"there is no backup file at {source}", field="file")
        try:
            src = connect(source, readonly=True)
        except JournalError:
            raise ValidationError(f"{source} is not an rpltrack journal", field="file") from None
        try:
            try:
                version = user_version(src)
                tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                healthy = [r[0] for r in src.execute("PRAGMA integrity_check")] == ["ok"]
            except sqlite3.DatabaseError as exc:
                raise ValidationError(f"{source} is not an rpltrack journal ({exc})", field="file") from None
            if version > HEAD:
                raise ValidationError(
                    f"{source} was made by a newer rpltrack (schema v{version}); update rpltrack to "
                    "restore it",
                    field="file",
                )
            if version < 1 or not {"medications", "doses", "changes"} <= tables:
                raise ValidationError(f"{source} is not an rpltrack journal", field="file")
            if not healthy:
                raise ValidationError(f"{source} is damaged (SQLite's integrity check failed)", field="file")
            safety = backup_numbered(self._conn, self.path, "before-restore", now)
            src.backup(self._conn)
        finally:
            src.close()
        self._conn.execute("PRAGMA journal_mode = wal")
        migrate(self._conn, self.path, now)
        return safety

    # -- CSV export and import (rpltrack export csv / import csv, #5) --------------------------------------

    def flag_mark_titles(self) -> dict[str, str]:
        """Each mark's flag title as stored when it was marked, by flag key: the export lists marks whose
        flag no longer shows under that title."""
        return {
            str(r["flag_key"]): str(r["title"])
            for r in self._conn.execute("SELECT flag_key, title FROM flag_marks")
        }

    def _holds_records(self) -> bool:
        tables = [t for t in TABLES_WITH_AUDIT if t != "settings"]
        if any(self._conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0] for t in tables):
            return True
        return bool(
            self._conn.execute("SELECT EXISTS (SELECT 1 FROM settings WHERE value != '')").fetchone()[0]
        )

    def import_records(self, records: CsvImport, now: datetime) -> dict[str, int]:
        """Write the records of a CSV export into this journal with their ids: one transaction (all or
        nothing) and one change, so `undo` takes the whole import back. Only an empty journal takes an
        import (ids are kept, and flag keys and marks refer to them); any other is refused, unchanged."""
        self._writable()
        timeline, labs, appointments = _timeline(), _labs(), _appointments()
        created = rows.utc_text(now)
        with write_txn(self._conn):
            if self._holds_records():
                raise ValidationError(
                    f"the journal at {self.path} already has records; an import goes into an empty journal "
                    "(for example: rpltrack --db new-journal.db import csv DIR). Nothing was imported.",
                    field="dir",
                )
            total = sum(records.counts().values())
            change = self._begin_change("import", f"imported {total} records from a CSV export", now)
            for cycle in records.cycles:
                self._insert(change, "cycles", {"id": cycle.id, **timeline.cycle_values(cycle, now)})
                for event in cycle.events:
                    values = {
                        "id": event.id,
                        "cycle_id": cycle.id,
                        "kind": event.kind.value,
                        "on_date": event.on.isoformat(),
                        "note": event.note,
                        "created_utc": created,
                    }
                    self._insert(change, "cycle_events", values)
                for transfer in cycle.transfers:
                    values = {
                        "id": transfer.id,
                        "cycle_id": cycle.id,
                        "on_date": transfer.on.isoformat(),
                        "embryo_day": transfer.embryo_day,
                        "embryo_count": transfer.embryo_count,
                        "grade": transfer.grade,
                        "pgt": transfer.pgt,
                        "created_utc": created,
                    }
                    self._insert(change, "transfers", values)
            for med in records.medications:
                assert med.id is not None
                self._insert(change, "medications", {"id": med.id, **rows.medication_values(med, now)})
                for regimen in med.regimens:
                    self._insert(change, "regimens", rows.regimen_values(med.id, regimen, now))
            if records.doses:
                dose_rows = [{"id": log.id, **rows.dose_values(log)} for log in records.doses]
                columns = list(dose_rows[0])
                self._conn.executemany(
                    f"INSERT INTO doses ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                    [tuple(r.values()) for r in dose_rows],
                )
                # One audit row per dose (as bulk_insert_doses writes them), so `undo` takes them back too.
                self._conn.execute(
                    "INSERT INTO audit (change_id, tbl, row_id, before, after) "
                    "SELECT ?, 'doses', id, NULL, json_object('id', id, 'medication_id', medication_id, "
                    "'slot_utc', slot_utc, 'status', status) FROM doses ORDER BY id",
                    (change,),
                )
            for draw in records.betas:
                zone = draw.drawn_at.tzinfo
                zone_name = zone.key if isinstance(zone, ZoneInfo) else "UTC"
                values = timeline.beta_values(draw, zone_name, draw.unusual, now)
                self._insert(change, "betas", {"id": draw.id, **values})
            for pregnancy in records.pregnancies:
                self._insert(
                    change, "pregnancies", {"id": pregnancy.id, **timeline.pregnancy_values(pregnancy, now)}
                )
            for result in records.labs:
                self._insert(change, "labs", {"id": result.id, **labs.lab_values(result, now)})
            for appt in records.appointments:
                assert appt.id is not None
                self._insert(
                    change, "appointments", {"id": appt.id, **appointments.appointment_values(appt, now)}
                )
                for question in appt.questions:
                    values = appointments.question_values(appt.id, question, now)
                    self._insert(change, "appointment_questions", {"id": question.id, **values})
            for mark in records.marks:
                values = {
                    "id": mark.id,
                    "flag_key": mark.key,
                    "rule": mark.rule,
                    "state": mark.state,
                    "title": mark.title,
                    "note": mark.note,
                    "appointment_id": mark.appointment_id,
                    "at_utc": rows.utc_text(mark.at),
                }
                self._insert(change, "flag_marks", values)
            for key, value in records.settings.items():
                before = self._conn.execute("SELECT * FROM settings WHERE key = ?", (key,)).fetchone()
                self._conn.execute(
                    "INSERT INTO settings (key, value, updated_utc) VALUES (?, ?, ?) ON CONFLICT (key) "
                    "DO UPDATE SET value = excluded.value, updated_utc = excluded.updated_utc",
                    (key, value, created),
                )
                after = dict(
                    self._conn.execute(
                        "SELECT rowid AS rid, * FROM settings WHERE key = ?", (key,)
                    ).fetchone()
                )
                rid = after.pop("rid")
                self._audit(change, "settings", int(rid), dict(before) if before else None, after)
        return records.counts()

    # -- protocol templates (rpltrack protocol, #8) ------------------------------------------------------

    def protocols(self) -> list[SavedProtocol]:
        """Her own templates (imported, or saved from her regimen), by name."""
        from rpltrack.domain.protocols import SavedProtocol

        return [
            SavedProtocol(r["name"], r["toml"], rows.utc_parse(r["saved_utc"]), r["id"])
            for r in self._conn.execute("SELECT * FROM protocols ORDER BY name")
        ]

    def protocol(self, name: str) -> SavedProtocol | None:
        """Her template called `name` (any case), or None."""
        wanted = name.strip().lower()
        return next((p for p in self.protocols() if p.name == wanted), None)

    def save_protocol(
        self, name: str, toml_text: str, now: datetime, *, replace: bool = False
    ) -> SavedProtocol:
        """Keep a template she imported or saved: the text is read in full first (nothing is stored from a
        file that does not read) and must carry `name`. A built-in's name is refused; one of hers is
        replaced only with `replace`. One change, so `undo` takes it back."""
        from rpltrack.domain import protocols

        self._writable()
        template = protocols.parse_template(toml_text, source=name)
        wanted = protocols.check_name(name)
        if template.name != wanted:
            raise ValidationError(f"the template in this text is called {template.name}, not {wanted}")
        if protocols.builtin_template(wanted) is not None:
            raise ValidationError(
                f"{wanted} is the name of a built-in template: save yours under another name", field="name"
            )
        existing = self.protocol(wanted)
        if existing is not None and not replace:
            raise ValidationError(
                f"you already have a template called {wanted} (saved {existing.saved_at:%Y-%m-%d}): choose "
                "another name or replace it",
                field="name",
            )
        values = {"name": wanted, "toml": toml_text, "saved_utc": rows.utc_text(now)}
        with write_txn(self._conn):
            verb = "replaced" if existing else "saved"
            change = self._begin_change("protocol save", f"{verb} the template {wanted}", now)
            if existing is not None and existing.id is not None:
                self._update(change, "protocols", existing.id, values)
            else:
                self._insert(change, "protocols", values)
        saved = self.protocol(wanted)
        assert saved is not None
        return saved

    def delete_protocol(self, name: str, now: datetime) -> SavedProtocol:
        """Remove one of her templates (the medications it added stay); `undo` brings it back."""
        self._writable()
        existing = self.protocol(name)
        if existing is None or existing.id is None:
            raise ValidationError(f"you have no template called {name.strip()!r}", field="name")
        with write_txn(self._conn):
            change = self._begin_change("protocol delete", f"deleted the template {existing.name}", now)
            self._delete(change, "protocols", existing.id)
        return existing

    def protocol_templates(self) -> list[Template]:
        """Every template she can apply: the built-in examples and hers, by name (hers win a shared name;
        one of hers that no longer reads is left out here and named by protocol_template)."""
        from rpltrack.domain.protocols import builtin_templates

        found = {t.name: t for t in builtin_templates()}
        for saved in self.protocols():
            try:
                found[saved.name] = saved.template()
            except ValidationError:
                continue
        return sorted(found.values(), key=lambda t: (not t.builtin, t.name))

    def protocol_template(self, name: str) -> Template:
        """The template called `name`: hers first, then the built-in examples."""
        from rpltrack.domain.protocols import builtin_template

        saved = self.protocol(name)
        if saved is not None:
            return saved.template()
        builtin = builtin_template(name)
        if builtin is not None:
            return builtin
        names = ", ".join(t.name for t in self.protocol_templates())
        raise ValidationError(
            f"there is no template called {name.strip()!r} (there are: {names})", field="name"
        )

    def protocol_uses(self, name: str | None = None) -> list[ProtocolUse]:
        """When templates were applied (all, or those called `name`), oldest first."""
        from rpltrack.domain.protocols import ProtocolUse

        sql = "SELECT * FROM protocol_uses"
        params: tuple[str, ...] = ()
        if name is not None:
            sql, params = sql + " WHERE protocol = ?", (name.strip().lower(),)
        return [
            ProtocolUse(
                r["protocol"], r["cycle_id"], r["medications"], rows.utc_parse(r["applied_utc"]), r["id"]
            )
            for r in self._conn.execute(sql + " ORDER BY id", params)
        ]

    def add_medications(
        self, meds: Sequence[Medication], now: datetime, *, protocol: str | None = None
    ) -> list[Medication]:
        """Save several medications as one change (all or nothing; one `undo` takes every one back). With
        `protocol`, the template they came from is recorded as applied to their cycle."""
        self._writable()
        if not meds:
            raise ValidationError("there are no medications to add", field="name")
        names = ", ".join(m.name for m in meds)
        summary = f"applied {protocol}: added {names}" if protocol else f"added {names}"
        cycle_ids = {m.cycle_id for m in meds if m.cycle_id is not None}
        ids: list[int] = []
        with write_txn(self._conn):
            change = self._begin_change("protocol apply" if protocol else "med add", summary, now)
            for med in meds:
                med_id = self._insert(change, "medications", rows.medication_values(med, now))
                for regimen in med.regimens:
                    self._insert(change, "regimens", rows.regimen_values(med_id, regimen, now))
                ids.append(med_id)
            if protocol is not None:
                use = {
                    "protocol": protocol,
                    "cycle_id": next(iter(cycle_ids)) if len(cycle_ids) == 1 else None,
                    "medications": len(meds),
                    "applied_utc": rows.utc_text(now),
                }
                self._insert(change, "protocol_uses", use)
        return [self.medication(med_id) for med_id in ids]

    def plan_protocol(
        self,
        template: Template,
        cycle_id: int | None,
        zone: ZoneInfo,
        now: datetime,
        *,
        doses: dict[str, str] | None = None,
        without: Sequence[str] = (),
        start_on: date | None = None,
        again: bool = False,
    ) -> list[Medication]:
        """What applying `template` to cycle `cycle_id` would add (placed on the cycle's recorded events),
        without saving. Refused: a template already applied to that cycle, or a medication she already
        takes or has planned (the same name or generic), unless `again`; missing doses (MissingDoses)."""
        from rpltrack.domain import protocols

        cycle = self.cycle(cycle_id) if cycle_id is not None else None
        meds = protocols.plan(template, cycle, zone, now, doses=doses, without=without, start_on=start_on)
        if not again and cycle is not None and cycle.id is not None:
            for use in self.protocol_uses(template.name):
                if use.cycle_id == cycle.id:
                    raise protocols.AlreadyApplied(
                        template.name, cycle.id, use.applied_at.astimezone(zone).date()
                    )
        if not again:
            doubled = []
            for med in meds:
                for mine in self._current_medications(now, cycle):
                    same_drug = med.generic is not None and mine.generic == med.generic
                    if same_drug or mine.name.casefold() == med.name.casefold():
                        doubled.append(med.name)
                        break
            if doubled:
                raise protocols.DuplicateMedications(doubled)
        return self._placed(meds)

    def _current_medications(self, now: datetime, cycle: Cycle | None) -> list[Medication]:
        """What she takes or has planned now: active or not started, or waiting for an event of `cycle`."""
        current = []
        for med in self.medications(in_force_on=now.date() - timedelta(days=1)):
            state = med.state(now, now.astimezone(ZoneInfo(med.zone)).date())
            waiting_here = state is MedicationState.WAITING and cycle is not None and med.cycle_id == cycle.id
            if state in (MedicationState.ACTIVE, MedicationState.NOT_STARTED) or waiting_here:
                current.append(med)
        return current

    def apply_protocol(
        self,
        template: Template,
        cycle_id: int | None,
        zone: ZoneInfo,
        now: datetime,
        *,
        doses: dict[str, str] | None = None,
        without: Sequence[str] = (),
        start_on: date | None = None,
        again: bool = False,
    ) -> list[Medication]:
        """Add the template's medications anchored to cycle `cycle_id` in one change (see plan_protocol):
        doses wait for events not yet recorded and follow an event when its date is corrected."""
        meds = self.plan_protocol(
            template, cycle_id, zone, now, doses=doses, without=without, start_on=start_on, again=again
        )
        return self.add_medications(meds, now, protocol=template.name)
