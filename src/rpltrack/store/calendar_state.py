"""What the last calendar export held, and the journal's own calendar id.

A calendar updates an imported event by its UID, so the export needs three things it cannot compute from
the journal's entries: a random id that makes its UIDs unique to this journal (two journals imported into
one calendar never overwrite each other), the SEQUENCE each event was last sent with, and which events it
sent, so that one that no longer exists can be sent again as cancelled. This is bookkeeping, not her
record: it is not in the change log (undo never touches it) nor in the CSV export; backups carry it with
the file. A journal restored from a CSV gets a new id, and so a calendar of its own.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from datetime import UTC, date, datetime

from rpltrack.store.db import write_txn

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from rpltrack.export.ics import Remembered

CALENDAR_STATEMENTS: tuple[str, ...] = (
    """CREATE TABLE journal_meta (
        key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 60),
        value TEXT NOT NULL CHECK (length(value) <= 200)
    ) STRICT""",
    """CREATE TABLE calendar_events (
        uid TEXT PRIMARY KEY CHECK (length(uid) BETWEEN 1 AND 300),
        kind TEXT NOT NULL CHECK (kind IN ('appt', 'retest', 'dose')),
        digest TEXT NOT NULL CHECK (length(digest) BETWEEN 1 AND 64),
        sequence INTEGER NOT NULL CHECK (sequence >= 0),
        last_on TEXT NOT NULL CHECK (last_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
        ical TEXT NOT NULL CHECK (length(ical) BETWEEN 1 AND 200000),
        cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
        exported_utc TEXT NOT NULL
    ) STRICT""",
)

CALENDAR_ID = "calendar_id"


def add_calendar_tables(conn: sqlite3.Connection) -> None:
    """The migration: the journal's calendar id and what its last calendar export held."""
    for statement in CALENDAR_STATEMENTS:
        conn.execute(statement)


class CalendarState:
    """The calendar bookkeeping of one journal connection."""

    def __init__(self, conn: sqlite3.Connection, *, writable: bool) -> None:
        self._conn = conn
        self._writable = writable

    def calendar_id(self) -> str:
        """This journal's calendar id (16 random hex digits), made on first use; "" for a journal that
        cannot be written (its export uses the UIDs of exports made before there were ids)."""
        row = self._conn.execute("SELECT value FROM journal_meta WHERE key = ?", (CALENDAR_ID,)).fetchone()
        if row is not None:
            return str(row[0])
        if not self._writable:
            return ""
        # As secrets.token_hex(8), without importing secrets (hashlib, random: ~7 ms on every command).
        made = os.urandom(8).hex()
        with write_txn(self._conn):
            self._conn.execute(
                "INSERT OR IGNORE INTO journal_meta (key, value) VALUES (?, ?)", (CALENDAR_ID, made)
            )
        row = self._conn.execute("SELECT value FROM journal_meta WHERE key = ?", (CALENDAR_ID,)).fetchone()
        return str(row[0])

    def remembered(self) -> dict[str, Remembered]:
        """What the last export held, by UID."""
        # quick path: `today` would import export.ics, domain.appointments (+7.9 ms)
        from rpltrack.export.ics import Remembered

        return {
            r["uid"]: Remembered(
                uid=r["uid"],
                kind=r["kind"],
                digest=r["digest"],
                sequence=r["sequence"],
                last_on=date.fromisoformat(r["last_on"]),
                ical=r["ical"],
                cancelled=bool(r["cancelled"]),
            )
            for r in self._conn.execute("SELECT * FROM calendar_events ORDER BY uid")
        }

    def remember(self, events: Iterable[Remembered], now: datetime) -> None:
        """Replace what is remembered with `events` (the export just written), in one transaction. A
        journal that cannot be written keeps nothing: its next export starts afresh."""
        if not self._writable:
            return
        stamp = _utc(now)
        with write_txn(self._conn):
            self._conn.execute("DELETE FROM calendar_events")
            self._conn.executemany(
                "INSERT INTO calendar_events (uid, kind, digest, sequence, last_on, ical, cancelled, "
                "exported_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.uid,
                        e.kind,
                        e.digest,
                        e.sequence,
                        e.last_on.isoformat(),
                        e.ical,
                        int(e.cancelled),
                        stamp,
                    )
                    for e in events
                ],
            )


def _utc(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
