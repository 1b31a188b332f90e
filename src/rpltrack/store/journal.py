"""Journal: the typed API every front end uses. One transaction per user action; domain objects out.

Each kind of record has its own module (timeline, medications, labs, appointments, protocols,
portability, sessions); all of them write through the one audited writer (writer.py). This module opens and
closes."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from rpltrack.store.backups import backup_to
from rpltrack.store.base import JournalReadOnly
from rpltrack.store.crypto import key_for, remember_in_process
from rpltrack.store.db import (
    JournalError,
    connect,
    guard_shared,
    is_encrypted,
    on_read_only_disk,
    prepare_file,
    tighten_modes,
)
from rpltrack.store.doses import LogResult
from rpltrack.store.files import remove_killed_partials
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


# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from rpltrack.store.crypto import JournalKey


def _damage(path: Path, key: JournalKey | None) -> list[str]:
    """What SQLite's integrity and foreign-key checks find wrong with the file (read-only), or []."""
    try:
        probe = connect(path, readonly=True, key=key)
    except JournalError as exc:
        return [str(exc)]
    try:
        return damage_in(probe)
    finally:
        probe.close()


class Journal(SearchStore, SessionStore):
    """The journal file. Open with Journal.open(path); close when done (or use `with`)."""

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        now: datetime | None = None,
        check: bool = False,
        passphrase: str | Callable[[], str] | None = None,
        key: JournalKey | None = None,
        prompts_allowed: bool = True,
    ) -> Journal:
        """Open (creating if needed) and migrate the journal at `path`. A newer schema opens read-only.

        With `check` (the app's start), SQLite's integrity and foreign-key checks run first (about 15 ms on
        ten years of data); a damaged file is opened read-only, never written or "repaired", and the reason
        names the backups to restore from (RELIABILITY A8).

        A locked journal (store.crypto) opens with `key`, else the key kept in this process or the OS
        keyring, else the key of `passphrase` (a string, or a function called only when it is needed: the
        CLI's getpass, the app's dialog). Without any it raises crypto.KeyMissing; a wrong one raises
        crypto.WrongKey; without SQLCipher, crypto.EncryptionUnavailable. Nothing is changed by any of them.
        `prompts_allowed=False` (the reminder timer) never lets the keyring ask to be unlocked."""
        path = Path(path)
        # Modes are tightened only once the file is known to be a journal (another program's file is left
        # exactly as it was).
        notes = prepare_file(path, tighten=False)
        guard = guard_shared(path)
        try:
            if key is None and is_encrypted(path):
                key = key_for(path, passphrase, prompts_allowed=prompts_allowed)
            journal = cls._open_keyed(path, now, check, notes, key)
        except BaseException:
            if guard is not None:
                os.close(guard)
            raise
        journal._guard = guard
        journal._key = key
        if not journal.readonly:
            remove_killed_partials(path)  # a conversion killed before its swap left its new file beside
        if key is not None:
            remember_in_process(key)
            if not journal.readonly:
                journal.notes += journal.lock_leftover_backups()
        return journal

    @classmethod
    def _open_keyed(
        cls, path: Path, now: datetime | None, check: bool, notes: list[str], key: JournalKey | None
    ) -> Journal:
        if path.stat().st_size > 0:
            # Look before touching: a newer journal is opened read-only, and another program's database
            # is refused, before a read-write connection could switch it to WAL or add tables.
            probe = connect(path, readonly=True, key=key)
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
                ro = connect(path, readonly=True, key=key)
                return cls(ro, path, readonly=True, notes=notes, readonly_reason=str(NewerSchema(found)))
            if foreign:
                raise JournalError(
                    f"{path} is an SQLite database of another program, not an rpltrack journal; "
                    "rpltrack will not change it. Nothing was changed."
                )
            if on_read_only_disk(path):
                return cls._read_only_disk(path, found, notes, key)
            if check:
                damage = _damage(path, key)
                if damage:
                    ro = connect(path, readonly=True, key=key)
                    return cls(
                        ro, path, readonly=True, notes=notes, readonly_reason=damaged_reason(path, damage)
                    )
        notes += tighten_modes(path)
        conn = connect(path, key=key)
        try:
            stamp = now or datetime.fromtimestamp(path.stat().st_mtime, UTC)
            backup = migrate(conn, path, stamp)
        except NewerSchema as exc:
            conn.close()
            ro = connect(path, readonly=True, key=key)
            return cls(ro, path, readonly=True, notes=notes, readonly_reason=str(exc))
        except BaseException:
            conn.close()
            raise
        if backup is not None:
            notes.append(f"saved a backup before upgrading the journal: {backup}")
        return cls(conn, path, readonly=False, notes=notes, backup=backup)

    @classmethod
    def _read_only_disk(cls, path: Path, version: int, notes: list[str], key: JournalKey | None) -> Journal:
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
        return cls(
            connect(path, readonly=True, key=key), path, readonly=True, notes=notes, readonly_reason=reason
        )

    def close(self) -> None:
        self._conn.close()
        guard, self._guard = self._guard, None
        if guard is not None:
            os.close(guard)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backup(self, dest: Path) -> Path:
        return backup_to(self._conn, dest)
