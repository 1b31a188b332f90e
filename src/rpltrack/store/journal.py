"""Journal: the typed API every front end uses. One transaction per user action; domain objects out.

Each kind of record has its own module (timeline, medications, labs, appointments, protocols,
portability, sessions); all of them write through the one audited writer (writer.py). This module opens and
closes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rpltrack.store.backups import backup_to
from rpltrack.store.base import JournalReadOnly
from rpltrack.store.db import JournalError, connect, on_read_only_disk, prepare_file, tighten_modes
from rpltrack.store.doses import LogResult
from rpltrack.store.labs import FLAG_DOSE_WINDOW
from rpltrack.store.migrations import HEAD, NewerSchema, migrate, user_version
from rpltrack.store.portability import DAILY_BACKUPS, damage_in, damaged_reason
from rpltrack.store.search import SearchStore
from rpltrack.store.sessions import SessionStore
from rpltrack.store.writer import TABLES_WITH_AUDIT, ChangeRecord

__all__ = [
    "DAILY_BACKUPS",
    "FLAG_DOSE_WINDOW",
    "TABLES_WITH_AUDIT",
    "ChangeRecord",
    "Journal",
    "JournalReadOnly",
    "LogResult",
]


def _damage(path: Path) -> list[str]:
    """What SQLite's integrity and foreign-key checks find wrong with the file (read-only), or []."""
    try:
        probe = connect(path, readonly=True)
    except JournalError as exc:
        return [str(exc)]
    try:
        return damage_in(probe)
    finally:
        probe.close()


class Journal(SearchStore, SessionStore):
    """The journal file. Open with Journal.open(path); close when done (or use `with`)."""

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
            if on_read_only_disk(path):
                return cls._read_only_disk(path, found, notes)
            if check:
                damage = _damage(path)
                if damage:
                    ro = connect(path, readonly=True)
                    return cls(
                        ro, path, readonly=True, notes=notes, readonly_reason=damaged_reason(path, damage)
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

    @classmethod
    def _read_only_disk(cls, path: Path, version: int, notes: list[str]) -> Journal:
        """A journal on a read-only file system: read, exported and backed up elsewhere, never written."""
        if version < HEAD:
            raise JournalError(
                f"{path} is on a read-only disk and was made by an older rpltrack (schema v{version}); this "
                "version must upgrade it before reading it. Copy it somewhere writable (or make the disk "
                "writable) and open that. Nothing was changed."
            )
        reason = (
            f"{path} is on a read-only disk, so rpltrack can show, export and back it up elsewhere but "
            "cannot save anything to it. Nothing was saved."
        )
        return cls(connect(path, readonly=True), path, readonly=True, notes=notes, readonly_reason=reason)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backup(self, dest: Path) -> Path:
        return backup_to(self._conn, dest)
