"""A journal that does not exist yet, read as an empty one: the current schema in memory, read-only, so a read
command on a missing journal answers "nothing yet" and leaves nothing behind on disk."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from rpltrack.store.journal import Journal
from rpltrack.store.migrations import migrate


def empty_journal(path: Path, now: datetime) -> Journal:
    """An empty journal standing in for the missing file at `path`: migrated to the current schema in
    memory, then opened read-only (a write through it is refused; nothing is ever written to `path`)."""
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=True)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA trusted_schema = OFF")
        migrate(conn, path, now)
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    reason = (
        f"there is no journal at {path} yet, so nothing could be saved there; a command that adds something "
        "creates it"
    )
    return Journal(conn, path, readonly=True, readonly_reason=reason)
