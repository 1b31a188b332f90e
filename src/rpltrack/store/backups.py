"""Backups of the live journal: a consistent copy through SQLite's backup API, written so that a backup
is either absent or whole, and never replaces a file already there (store.files writes it)."""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from rpltrack.store.db import key_of, raw_connection
from rpltrack.store.files import open_private, partial_for, remove_killed_partials


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """A consistent copy of the live journal via SQLite's backup API, 0600 from the first byte, written under
    a temporary name of this process (.<name>.<pid>.partial) and linked into place, so `dest` is either
    absent or a whole copy and an existing file is never replaced. Copies left by a killed run are removed.
    The copy of a locked journal is locked with the same key (and salt: the same passphrase opens it)."""
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if dest.exists() or dest.is_symlink():
        raise FileExistsError(dest)
    remove_killed_partials(dest)
    partial = partial_for(dest)
    partial.unlink(missing_ok=True)  # this process's own, from an attempt that failed before its cleanup
    os.close(open_private(partial))
    try:
        target = raw_connection(partial, key_of(conn))
        try:
            conn.backup(target)
        finally:
            target.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        try:
            os.link(partial, dest)  # fails if dest appeared meanwhile: never replace a file
        except FileExistsError:
            raise
        except OSError:
            os.replace(partial, dest)  # a file system without hard links
    finally:
        partial.unlink(missing_ok=True)
    return dest


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def backup_numbered(conn: sqlite3.Connection, db_path: Path, label: str, now: datetime) -> Path:
    """A backup in the journal's backups/ folder named <journal's name>-<UTC time>-<label>.db
    (journal-20261207T080000Z-daily.db for journal.db). A retry after a failed step, or a second process in
    the same second, must not collide with one already there: the next name is numbered instead."""
    stamp = now.astimezone(UTC).strftime(STAMP_FORMAT)
    for n in range(1, 1000):
        name = f"{db_path.stem}-{stamp}-{label}.db" if n == 1 else f"{db_path.stem}-{stamp}-{label}-{n}.db"
        try:
            return backup_to(conn, backup_dir(db_path) / name)
        except FileExistsError:
            continue
    raise FileExistsError(backup_dir(db_path) / f"{db_path.stem}-{stamp}-{label}.db")


STAMP_FORMAT = "%Y%m%dT%H%M%SZ"


def labelled_backups(db_path: Path, label: str) -> list[Path]:
    """This journal's backups with `label` (e.g. its dailies), oldest first. Another journal kept in the same
    folder has backups/ too: its backups start with its own name, and a name that only begins like this
    one's (journal-2.db beside journal.db) is told apart by the time stamp that must follow."""
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return []
    mine = re.compile(rf"{re.escape(db_path.stem)}-[0-9]{{8}}T[0-9]{{6}}Z-{re.escape(label)}(-[0-9]+)?\.db")
    return sorted(p for p in folder.iterdir() if mine.fullmatch(p.name))
