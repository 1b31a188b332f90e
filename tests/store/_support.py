"""Shared helpers for the store tests: medications, checksums, file checks and spawn-safe worker functions.

Worker functions live here (not in the test modules) so `multiprocessing`'s spawn start method can import them
by name in a fresh interpreter.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import traceback
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rpltrack.domain.models import DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity
from rpltrack.store.migrations import MIGRATIONS, Migration

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)
HOURLY_ANCHOR = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)
CLINICAL_TABLES = ("medications", "regimens", "doses", "settings")
UTC_TEXT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


# -- medications -----------------------------------------------------------------------------------------


def daily(
    name: str = "aspirin",
    dose: str = "81 mg",
    at: str = "08:00",
    start: date = date(2026, 11, 1),
    notes: str = "",
) -> Medication:
    value, unit = dose.split()
    timing = Timing(TimingKind.TIMES, times=(time.fromisoformat(at),))
    return Medication(
        name=name,
        generic=None,
        route="oral",
        zone=LONDON.key,
        regimens=(Regimen(start, Quantity(Decimal(value), unit), timing),),
        notes=notes,
    )


def hourly(name: str = "hourly test drug") -> Medication:
    """A slot every hour from HOURLY_ANCHOR (2026-10-01 00:00Z): plenty of distinct slots in the past."""
    timing = Timing(TimingKind.INTERVAL, interval_hours=1, interval_anchor_at=HOURLY_ANCHOR)
    return Medication(
        name=name,
        generic=None,
        route="oral",
        zone=LONDON.key,
        regimens=(Regimen(date(2026, 10, 1), Quantity(Decimal(1), "tablet"), timing),),
    )


def as_needed(name: str = "as needed test drug") -> Medication:
    timing = Timing(TimingKind.PRN)
    return Medication(
        name=name,
        generic=None,
        route="oral",
        zone=LONDON.key,
        regimens=(Regimen(date(2026, 10, 1), Quantity(Decimal(500), "mg"), timing),),
    )


def hourly_slot(index: int) -> datetime:
    return HOURLY_ANCHOR + timedelta(hours=index)


# -- checks on files -------------------------------------------------------------------------------------


def open_file(path: Path) -> sqlite3.Connection:
    """A bare connection to a journal file through the store's one seam (store.db.raw_connection): sqlite3
    for a plain file, SQLCipher with the key this process keeps for a locked one. Rows are tuples."""
    from rpltrack.store.crypto import salt_of, stored_key
    from rpltrack.store.db import is_encrypted, raw_connection

    key = stored_key(salt_of(path)) if is_encrypted(path) else None
    conn = raw_connection(path, key)
    conn.row_factory = None
    return conn


def raw(path: Path) -> sqlite3.Connection:
    """A read-write connection for checking a file from the outside (as the harness notes say: read-write,
    so WAL recovery can run); a locked journal opens with the key this process keeps for it."""
    conn = open_file(path)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def integrity(path: Path) -> tuple[str, list[Any]]:
    conn = raw(path)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchall()
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    return "\n".join(str(r[0]) for r in check), fk


def assert_healthy(path: Path) -> None:
    check, fk = integrity(path)
    assert check == "ok"
    assert fk == []


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def table_checksums(path: Path, tables: Iterable[str] = CLINICAL_TABLES) -> dict[str, str]:
    """A checksum per table of every row with its rowid, in rowid order: equal means the same logical state
    with the same ids."""
    conn = raw(path)
    try:
        out = {}
        for table in tables:
            rows = conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
            out[table] = hashlib.sha256(json.dumps([list(r) for r in rows]).encode()).hexdigest()
        return out
    finally:
        conn.close()


def counts(conn: sqlite3.Connection, tables: Iterable[str]) -> dict[str, int]:
    return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}


# -- spawn workers (each returns its findings through a queue; nothing is asserted in the child) ------------


def take_slots_worker(db: str, start: Any, slots: list[int], queue: Any, stride_offset: int = 0) -> None:
    """Take the hourly test drug at each slot index via Journal.record_dose(slot_at=...)."""
    from rpltrack.store.journal import Journal

    created: list[int] = []
    existing: list[int] = []
    errors: list[str] = []
    try:
        with Journal.open(Path(db), now=NOW) as journal:
            med = journal.find_medication("hourly test drug")
            start.wait()
            for index in slots:
                try:
                    result = journal.record_dose(
                        med, DoseStatus.TAKEN, NOW, LONDON, slot_at=hourly_slot(index)
                    )
                except Exception:
                    errors.append(traceback.format_exc())
                    continue
                assert result.log.id is not None
                (created if result.created else existing).append(result.log.id)
    except Exception:
        errors.append(traceback.format_exc())
    queue.put({"created": created, "existing": existing, "errors": errors})


def log_as_needed_worker(db: str, start: Any, count: int, tag: str, queue: Any) -> None:
    """Log `count` as-needed doses with notes '<tag>-<i>'; report the ids acknowledged."""
    from rpltrack.store.journal import Journal

    acked: dict[int, str] = {}
    errors: list[str] = []
    try:
        with Journal.open(Path(db), now=NOW) as journal:
            med = journal.find_medication("as needed test drug")
            start.wait()
            for i in range(count):
                note = f"{tag}-{i}"
                try:
                    result = journal.record_dose(med, DoseStatus.TAKEN, NOW, LONDON, note=note)
                except Exception:
                    errors.append(traceback.format_exc())
                    continue
                assert result.log.id is not None
                acked[result.log.id] = note
    except Exception:
        errors.append(traceback.format_exc())
    queue.put({"acked": acked, "errors": errors})


def migrate_worker(db: str, start: Any, queue: Any) -> None:
    """Open an old journal and migrate it with the two-step test migrations, as a second process would."""
    from rpltrack.store.db import connect
    from rpltrack.store.migrations import migrate, user_version

    errors: list[str] = []
    version = -1
    try:
        conn = connect(Path(db))
        try:
            start.wait()
            migrate(conn, Path(db), NOW, migrations=TWO_STEP)
            version = user_version(conn)
        finally:
            conn.close()
    except Exception:
        errors.append(traceback.format_exc())
    queue.put({"version": version, "errors": errors})


# -- test migrations ----------------------------------------------------------------------------------------


def v2_add_labs(conn: sqlite3.Connection) -> None:
    """A realistic second migration: a new table and a new column with a default."""
    conn.execute(
        "CREATE TABLE labs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "value REAL NOT NULL CHECK (value >= 0)) STRICT"
    )
    conn.execute("ALTER TABLE doses ADD COLUMN confirmed_unusual INTEGER NOT NULL DEFAULT 0")


V1_ONLY: tuple[Migration, ...] = MIGRATIONS[:1]
TWO_STEP: tuple[Migration, ...] = (MIGRATIONS[0], v2_add_labs)
