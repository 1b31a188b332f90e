"""Backups, restore, the integrity check and CSV import into an empty journal."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import ValidationError
from rpltrack.store import rows
from rpltrack.store.backups import backup_dir, backup_numbered, backup_to, labelled_backups
from rpltrack.store.base import appointment_conv, lab_conv, timeline_conv
from rpltrack.store.crypto import (
    UNFINISHED,
    EncryptionUnavailable,
    KeyMissing,
    WrongKey,
    key_for,
    salt_of,
    stored_key,
)
from rpltrack.store.db import JournalError, connect, errors, is_encrypted
from rpltrack.store.files import open_private
from rpltrack.store.migrations import HEAD, migrate, user_version
from rpltrack.store.protocols import ProtocolStore
from rpltrack.store.writer import TABLES_WITH_AUDIT

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from rpltrack.export.csv_import import CsvImport
    from rpltrack.store.crypto import JournalKey


def damage_in(conn: sqlite3.Connection) -> list[str]:
    """What SQLite's integrity and foreign-key checks find wrong with the journal, in its words; [] when
    healthy. A file too damaged to be checked at all gives the error SQLite raised."""
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check") if str(r[0]) != "ok"]
        problems += [
            f"{r[0]} row {r[1]} points at a missing {r[2]} row"
            for r in conn.execute("PRAGMA foreign_key_check")
        ]
    except errors("DatabaseError") as exc:
        problems = [str(exc)]
    return problems


def backups_of(path: Path) -> list[Path]:
    """The backups beside the journal at `path`, newest first."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.db"), key=lambda p: p.stat().st_mtime, reverse=True)


def damaged_reason(path: Path, damage: Sequence[str]) -> str:
    """What to tell her about a damaged journal: what is wrong, and the backups to restore from."""
    backups = backups_of(path)
    listed = "; ".join(str(b) for b in backups[:3]) if backups else f"none found in {backup_dir(path)}"
    return (
        f"The journal looks damaged ({damage[0]}), so rpltrack opened it read-only and will not change it. "
        f"Restore from a backup with `rpltrack restore FILE` (newest backups: {listed})."
    )


# Daily backups kept in backups/ (the pre-upgrade backups are kept apart and never rotated away).
DAILY_BACKUPS = 7


class PortabilityStore(ProtocolStore):
    """Backups, restore, check and import."""

    _key: JournalKey | None = None  # the key a locked journal was opened with (store.crypto)
    _guard: int | None = None  # the shared lock held on the file while open (db.guard_shared)

    @property
    def encrypted(self) -> bool:
        """Whether the journal is locked at rest (SQLCipher): its backups are locked with the same key."""
        return self._key is not None

    @property
    def journal_key(self) -> JournalKey | None:
        """The key the journal was opened with (None when plain): for unlocking it, in this process only."""
        return self._key

    def lock_leftover_backups(self) -> list[str]:
        """Backups left plain (or in an older key) beside a locked journal by a lock, unlock or passphrase
        change killed before it rewrote them all (its marker in backups/ names this journal) are locked with
        its key; returns what to tell her. Costs one failed open when there is nothing to do."""
        key = self._key
        if key is None:
            return []

        marker = backup_dir(self.path) / UNFINISHED
        try:
            unfinished = marker.read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            return []  # the usual case: one failed open
        if unfinished != key.journal_id:
            return []

        # quick path: `today` would import store.locking, hashlib (+3.6 ms)
        from rpltrack.store.locking import FIRST_CHANGE, OTHER_JOURNAL, Conversion, convert_backups

        found = self._conn.execute(FIRST_CHANGE).fetchone()
        done = Conversion()
        convert_backups(
            self.path,
            None,
            key,
            done,
            other_keys=lambda salt: stored_key(salt, prompts_allowed=False, slow=False),
            first=tuple(found) if found is not None else None,
        )
        settled = [
            left for left in done.backups_left if OTHER_JOURNAL in left or "another passphrase" in left
        ]
        if len(settled) == len(done.backups_left):
            marker.unlink(missing_ok=True)
        notes = (
            [f"locked {len(done.backups_rewritten)} backups with the journal's key (a lock had not finished)"]
            if done.backups_rewritten
            else []
        )
        # A backup locked with another passphrase is private already, and another journal's is not ours.
        return notes + [
            f"a backup is still plain: {left}" for left in done.backups_left if left not in settled
        ]

    def make_backup(self, now: datetime, dest: Path | None = None, *, even_damaged: bool = False) -> Path:
        """A consistent copy of the journal (SQLite's backup API), owner-only: at `dest`, or in backups/. A
        damaged journal is not copied unless `even_damaged` (a bad copy must not push a good one out)."""
        damage = self.check()
        if damage and not even_damaged:
            raise ValidationError(code="backup.damaged", field="file", values={"damage": damage[0]})
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
        if any(p.name.startswith(f"{self.path.stem}-{day}T") for p in labelled_backups(self.path, "daily")):
            return None
        if self.check():
            return None  # a damaged journal is never rotated in over a good backup
        failures: tuple[type[Exception], ...] = (OSError, *errors())
        try:
            made = backup_numbered(self._conn, self.path, "daily", now)
        except failures as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise JournalError(
                f"today's backup could not be written in {folder} ({reason}); your journal is unchanged. "
                "Free some space and it is made on the next start."
            ) from exc
        for old in labelled_backups(self.path, "daily")[:-DAILY_BACKUPS]:  # this journal's only
            old.unlink(missing_ok=True)
        return made

    def check(self) -> list[str]:
        """Problems SQLite finds in the file (integrity, foreign keys); an empty list when it is healthy."""
        return damage_in(self._conn)

    def restore(
        self, source: Path, now: datetime, *, passphrase: str | Callable[[], str] | None = None
    ) -> Path:
        """Replace the journal's contents with the backup at `source`, through SQLite's backup API into this
        live file (other processes then see the restored state). A backup of the current state is made
        first and its path returned. Refused, with the journal unchanged: a file that is not an rpltrack
        journal, a newer one, a damaged one, one whose schema is not exactly what rpltrack makes for its
        version (extra triggers or views, other columns), or one whose rows point at missing rows.

        Either kind of backup is taken, plain or locked, into either kind of journal: a locked backup opens
        with the journal's key, a key kept for it, or `passphrase` (asked for only then); what is restored
        takes the journal's kind (a plain backup restored into a locked journal is locked)."""
        self._writable()
        source = Path(source)
        if not source.is_file():
            raise ValidationError(f"there is no backup file at {source}", field="file")
        source_key = self._backup_key(source, passphrase)
        try:
            src = connect(source, readonly=True, key=source_key)
        except JournalError as exc:
            if isinstance(exc, WrongKey):
                raise ValidationError(
                    f"that passphrase does not open the locked backup {source}; it was not restored",
                    field="file",
                ) from None
            raise ValidationError(f"{source} is not an rpltrack journal", field="file") from None
        try:
            self._check_backup(src, source)
            safety = backup_numbered(self._conn, self.path, "before-restore", now)
            if source_key == self._key:
                self._copy_in(src)
            else:
                src.close()
                self._copy_in_converted(source, source_key)
        finally:
            src.close()
        self._conn.execute("PRAGMA journal_mode = wal")
        migrate(self._conn, self.path, now)
        return safety

    def _backup_key(self, source: Path, passphrase: str | Callable[[], str] | None) -> JournalKey | None:
        """The key a locked backup opens with (None for a plain one), or ValidationError saying how to give
        it."""
        if not is_encrypted(source):
            return None

        if self._key is not None and salt_of(source) == self._key.salt:
            return self._key
        try:
            return key_for(source, passphrase)
        except EncryptionUnavailable as exc:
            raise ValidationError(f"{source} is a locked backup and {exc}", field="file") from None
        except KeyMissing:
            raise ValidationError(code="backup.unknown_key", field="file", values={"path": source}) from None

    def _copy_in_converted(self, source: Path, source_key: JournalKey | None) -> None:
        """Copy a backup of the other kind (or another key) over the live journal: rewritten first in the
        journal's own kind and key into a private (0700) folder beside the journal (sqlcipher_export, every
        row checked), then copied in through the backup API; the folder is removed afterwards."""
        # heavy: shutil
        import shutil

        # heavy: tempfile
        import tempfile

        # quick path: `today` would import store.locking, hashlib (+3.6 ms)
        from rpltrack.store.locking import NotConverted, export_copy

        folder = Path(tempfile.mkdtemp(prefix=".restore-", dir=self.path.parent))
        try:
            rewritten = folder / "backup.db"
            os.close(open_private(rewritten))
            try:
                export_copy(source, source_key, rewritten, self._key)
            except NotConverted as exc:
                raise ValidationError(
                    f"{source} could not be read whole ({exc}); it was not restored", field="file"
                ) from None
            same_kind = connect(rewritten, readonly=True, key=self._key)
            try:
                self._copy_in(same_kind)
            finally:
                same_kind.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _check_backup(self, src: sqlite3.Connection, source: Path) -> None:
        """Refuse (ValidationError, naming what is wrong) a file that must not replace the journal."""
        # quick path: `today` would import store.schema_check (+2.7 ms)
        from rpltrack.store.schema_check import schema_differences

        try:
            version = user_version(src)
            tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            healthy = [r[0] for r in src.execute("PRAGMA integrity_check")] == ["ok"]
            differences = schema_differences(src, version) if 1 <= version <= HEAD else []
            orphans = src.execute("PRAGMA foreign_key_check").fetchall() if healthy else []
        except errors("DatabaseError") as exc:
            raise ValidationError(f"{source} is not an rpltrack journal ({exc})", field="file") from None
        if version > HEAD:
            raise ValidationError(
                f"{source} was made by a newer rpltrack (schema v{version}); update rpltrack to restore it",
                field="file",
            )
        if version < 1 or not {"medications", "doses", "changes"} <= tables:
            raise ValidationError(f"{source} is not an rpltrack journal", field="file")
        if not healthy:
            raise ValidationError(f"{source} is damaged (SQLite's integrity check failed)", field="file")
        if differences:
            listed = "; ".join(differences[:5]) + ("; …" if len(differences) > 5 else "")
            raise ValidationError(
                f"{source} is not a journal as rpltrack writes it ({listed}); it was not restored, because "
                "anything added to a journal could change or remove records later",
                field="file",
            )
        if orphans:
            table, row_id, parent = orphans[0][0], orphans[0][1], orphans[0][2]
            raise ValidationError(
                f"{source} has entries that point at missing ones ({len(orphans)}, e.g. {table} row {row_id} "
                f"points at a missing {parent} row); it was not restored",
                field="file",
            )

    def _copy_in(self, src: sqlite3.Connection) -> None:
        """Copy `src` over the live journal. The backup API cannot change the page size of a journal in WAL
        mode, so a backup with another page size is first rewritten with the journal's (VACUUM INTO a
        private file beside the journal, removed afterwards)."""
        page_size = int(self._conn.execute("PRAGMA page_size").fetchone()[0])
        if int(src.execute("PRAGMA page_size").fetchone()[0]) == page_size:
            src.backup(self._conn)
            return
        # heavy: shutil
        import shutil

        # heavy: tempfile
        import tempfile

        # A private (0700) folder beside the journal: the copy is hers alone from its first byte.
        folder = Path(tempfile.mkdtemp(prefix=".restore-", dir=self.path.parent))
        try:
            rewritten = folder / "backup.db"
            src.execute(f"PRAGMA page_size = {page_size}")
            src.execute("VACUUM INTO ?", (str(rewritten),))
            same_size = connect(rewritten, readonly=True, key=self._key)
            try:
                same_size.backup(self._conn)
            finally:
                same_size.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

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
        timeline, labs, appointments = timeline_conv(), lab_conv(), appointment_conv()
        created = rows.utc_text(now)
        with self._w.txn():
            if self._holds_records():
                raise ValidationError(code="import.not_empty", field="dir", values={"path": self.path})
            total = sum(records.counts().values())
            change = self._w.open_change("import", f"imported {total} records from a CSV export", now)
            for cycle in records.cycles:
                self._w.insert(change, "cycles", {"id": cycle.id, **timeline.cycle_values(cycle, now)})
                for event in cycle.events:
                    values = {
                        "id": event.id,
                        "cycle_id": cycle.id,
                        "kind": event.kind.value,
                        "on_date": event.on.isoformat(),
                        "note": event.note,
                        "created_utc": created,
                    }
                    self._w.insert(change, "cycle_events", values)
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
                    self._w.insert(change, "transfers", values)
            for med in records.medications:
                assert med.id is not None
                self._w.insert(change, "medications", {"id": med.id, **rows.medication_values(med, now)})
                for regimen in med.regimens:
                    self._w.insert(change, "regimens", rows.regimen_values(med.id, regimen, now))
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
                self._w.insert(change, "betas", {"id": draw.id, **values})
            for pregnancy in records.pregnancies:
                self._w.insert(
                    change, "pregnancies", {"id": pregnancy.id, **timeline.pregnancy_values(pregnancy, now)}
                )
            for result in records.labs:
                self._w.insert(change, "labs", {"id": result.id, **labs.lab_values(result, now)})
            for appt in records.appointments:
                assert appt.id is not None
                self._w.insert(
                    change, "appointments", {"id": appt.id, **appointments.appointment_values(appt, now)}
                )
                for question in appt.questions:
                    values = appointments.question_values(appt.id, question, now)
                    self._w.insert(change, "appointment_questions", {"id": question.id, **values})
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
                self._w.insert(change, "flag_marks", values)
            self._import_more(change, records, now)
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
                self._w.audit(change, "settings", int(rid), dict(before) if before else None, after)
        return records.counts()

    def _import_more(self, change: int, records: CsvImport, now: datetime) -> None:
        """Records of an import kept by the stores built on this one (sessions), inside its change."""
