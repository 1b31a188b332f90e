"""Versioned schema migrations (PRAGMA user_version): one transaction each, a backup first, newer refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rpltrack.domain.quantities import UNIT_FAMILY
from rpltrack.store.backups import backup_numbered
from rpltrack.store.calendar_state import add_calendar_tables
from rpltrack.store.db import write_txn

UTC_GLOB = "'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'"
DATE_GLOB = "'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'"
_UNITS = ", ".join(f"'{u}'" for u in UNIT_FAMILY)


def _utc(col: str, nullable: bool = False) -> str:
    check = f"{col} GLOB {UTC_GLOB}"
    return f"CHECK ({col} IS NULL OR {check})" if nullable else f"CHECK ({check})"


def _date(col: str, nullable: bool = False) -> str:
    check = f"{col} GLOB {DATE_GLOB}"
    return f"CHECK ({col} IS NULL OR {check})" if nullable else f"CHECK ({check})"


V1_STATEMENTS: tuple[str, ...] = (
    f"""CREATE TABLE medications (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(trim(name)) > 0 AND length(name) <= 120),
        generic TEXT,
        route TEXT NOT NULL,
        zone TEXT NOT NULL CHECK (length(zone) > 0),
        end_on TEXT {_date("end_on", True)},
        stopped_utc TEXT {_utc("stopped_utc", True)},
        supply INTEGER CHECK (supply IS NULL OR supply >= 0),
        notes TEXT NOT NULL DEFAULT '',
        created_utc TEXT NOT NULL {_utc("created_utc")},
        cycle_id INTEGER REFERENCES cycles(id),
        start_anchor TEXT,
        end_anchor TEXT
    ) STRICT""",
    f"""CREATE TABLE regimens (
        id INTEGER PRIMARY KEY,
        medication_id INTEGER NOT NULL REFERENCES medications(id),
        effective_on TEXT NOT NULL {_date("effective_on")},
        amount REAL NOT NULL CHECK (amount > 0 AND amount <= 1000000),
        unit TEXT NOT NULL CHECK (unit IN ({_UNITS})),
        kind TEXT NOT NULL CHECK (kind IN ('times', 'interval', 'prn')),
        times TEXT NOT NULL DEFAULT '',
        every_days INTEGER NOT NULL DEFAULT 1 CHECK (every_days BETWEEN 1 AND 366),
        weekdays TEXT NOT NULL DEFAULT '',
        interval_hours INTEGER NOT NULL DEFAULT 0 CHECK (interval_hours BETWEEN 0 AND 168),
        interval_anchor_utc TEXT {_utc("interval_anchor_utc", True)},
        created_utc TEXT NOT NULL {_utc("created_utc")},
        UNIQUE (medication_id, effective_on),
        CHECK (kind != 'interval' OR (interval_hours > 0 AND interval_anchor_utc IS NOT NULL)),
        CHECK (kind != 'times' OR length(times) >= 5)
    ) STRICT""",
    f"""CREATE TABLE doses (
        id INTEGER PRIMARY KEY,
        medication_id INTEGER NOT NULL REFERENCES medications(id),
        slot_utc TEXT {_utc("slot_utc", True)},
        status TEXT NOT NULL CHECK (status IN ('taken', 'skipped')),
        taken_utc TEXT {_utc("taken_utc", True)},
        logged_utc TEXT NOT NULL {_utc("logged_utc")},
        tz TEXT NOT NULL,
        amount REAL CHECK (amount IS NULL OR (amount > 0 AND amount <= 1000000)),
        unit TEXT CHECK (unit IS NULL OR unit IN ({_UNITS})),
        site TEXT,
        reason TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        logged_later INTEGER NOT NULL DEFAULT 0 CHECK (logged_later IN (0, 1)),
        UNIQUE (medication_id, slot_utc),
        CHECK (status = 'skipped' OR taken_utc IS NOT NULL),
        CHECK (status = 'taken' OR slot_utc IS NOT NULL),
        CHECK ((amount IS NULL) = (unit IS NULL))
    ) STRICT""",
    "CREATE INDEX doses_slot ON doses (slot_utc)",
    "CREATE INDEX doses_taken ON doses (taken_utc)",
    "CREATE INDEX regimens_medication ON regimens (medication_id)",
    f"""CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        at_utc TEXT NOT NULL {_utc("at_utc")},
        action TEXT NOT NULL,
        summary TEXT NOT NULL,
        undoes INTEGER REFERENCES changes(id),
        undone_by INTEGER REFERENCES changes(id)
    ) STRICT""",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        change_id INTEGER NOT NULL REFERENCES changes(id),
        tbl TEXT NOT NULL,
        row_id INTEGER NOT NULL,
        before TEXT,
        after TEXT,
        CHECK (before IS NOT NULL OR after IS NOT NULL)
    ) STRICT""",
    "CREATE INDEX audit_change ON audit (change_id)",
    f"""CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_utc TEXT NOT NULL {_utc("updated_utc")}
    ) STRICT""",
)


TIMELINE_STATEMENTS: tuple[str, ...] = (
    f"""CREATE TABLE cycles (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('natural', 'fet', 'ivf', 'iui', 'ti', 'other')),
        cd1 TEXT NOT NULL {_date("cd1")},
        clinic TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        ended_on TEXT {_date("ended_on", True)},
        outcome TEXT NOT NULL DEFAULT '',
        created_utc TEXT NOT NULL {_utc("created_utc")},
        CHECK (ended_on IS NULL OR ended_on >= cd1)
    ) STRICT""",
    f"""CREATE TABLE cycle_events (
        id INTEGER PRIMARY KEY,
        cycle_id INTEGER NOT NULL REFERENCES cycles(id),
        kind TEXT NOT NULL CHECK (kind IN ('stims', 'trigger', 'retrieval', 'transfer', 'beta',
                                          'positive-beta', 'ultrasound', 'other')),
        on_date TEXT NOT NULL {_date("on_date")},
        note TEXT NOT NULL DEFAULT '',
        created_utc TEXT NOT NULL {_utc("created_utc")}
    ) STRICT""",
    f"""CREATE TABLE transfers (
        id INTEGER PRIMARY KEY,
        cycle_id INTEGER NOT NULL REFERENCES cycles(id),
        on_date TEXT NOT NULL {_date("on_date")},
        embryo_day INTEGER NOT NULL CHECK (embryo_day IN (3, 5, 6, 7)),
        embryo_count INTEGER NOT NULL DEFAULT 1 CHECK (embryo_count BETWEEN 1 AND 5),
        grade TEXT NOT NULL DEFAULT '',
        pgt TEXT NOT NULL DEFAULT '',
        created_utc TEXT NOT NULL {_utc("created_utc")}
    ) STRICT""",
    f"""CREATE TABLE betas (
        id INTEGER PRIMARY KEY,
        drawn_utc TEXT NOT NULL {_utc("drawn_utc")},
        tz TEXT NOT NULL,
        cycle_id INTEGER REFERENCES cycles(id),
        op TEXT NOT NULL CHECK (op IN ('=', '<', '<=', '>', '>=')),
        value REAL NOT NULL CHECK (value >= 0 AND value <= 100000000),
        raw TEXT NOT NULL DEFAULT '',
        lab TEXT NOT NULL DEFAULT '',
        confirmed_unusual INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_unusual IN (0, 1)),
        created_utc TEXT NOT NULL {_utc("created_utc")}
    ) STRICT""",
    f"""CREATE TABLE pregnancies (
        id INTEGER PRIMARY KEY,
        cycle_id INTEGER REFERENCES cycles(id),
        started_on TEXT {_date("started_on", True)},
        how_found TEXT CHECK (how_found IS NULL OR how_found IN ('hcg', 'urine', 'ultrasound', 'histology')),
        outcome TEXT NOT NULL CHECK (outcome IN ('ongoing', 'biochemical', 'pul', 'miscarriage', 'ectopic',
                                                 'molar', 'stillbirth', 'live-birth', 'termination')),
        ended_on TEXT {_date("ended_on", True)},
        ga_days INTEGER CHECK (ga_days IS NULL OR ga_days BETWEEN 0 AND 314),
        confirmed TEXT CHECK (confirmed IS NULL OR confirmed IN ('hcg', 'urine', 'ultrasound', 'histology')),
        approximate INTEGER NOT NULL DEFAULT 0 CHECK (approximate IN (0, 1)),
        notes TEXT NOT NULL DEFAULT '',
        created_utc TEXT NOT NULL {_utc("created_utc")},
        CHECK (started_on IS NOT NULL OR ended_on IS NOT NULL),
        CHECK ((outcome = 'ongoing') = (ended_on IS NULL)),
        CHECK (started_on IS NULL OR ended_on IS NULL OR ended_on >= started_on)
    ) STRICT""",
    "CREATE INDEX cycle_events_cycle ON cycle_events (cycle_id)",
    "CREATE INDEX transfers_cycle ON transfers (cycle_id)",
    "CREATE INDEX betas_drawn ON betas (drawn_utc)",
)


def _v1(conn: sqlite3.Connection) -> None:
    """The first schema: medications, regimens, doses, the audit trail, settings, and the treatment
    timeline (cycles, events, transfers, betas, pregnancies)."""
    for statement in (*TIMELINE_STATEMENTS, *V1_STATEMENTS):
        conn.execute(statement)


_LAB_NUMBER = "'[0-9]*'"

V2_STATEMENTS: tuple[str, ...] = (
    f"ALTER TABLE medications ADD COLUMN supply_utc TEXT {_utc('supply_utc', True)}",
    f"""CREATE TABLE labs (
        id INTEGER PRIMARY KEY,
        test TEXT NOT NULL CHECK (length(trim(test)) > 0 AND length(test) <= 80),
        on_date TEXT NOT NULL {_date("on_date")},
        op TEXT NOT NULL CHECK (op IN ('=', '<', '<=', '>', '>=')),
        value TEXT CHECK (value IS NULL OR (value GLOB {_LAB_NUMBER} AND value NOT GLOB '*[^0-9.]*')),
        unit TEXT CHECK (unit IS NULL OR length(unit) BETWEEN 1 AND 40),
        text TEXT NOT NULL DEFAULT '' CHECK (length(text) <= 200),
        raw TEXT NOT NULL DEFAULT '' CHECK (length(raw) <= 300),
        range_low TEXT CHECK (range_low IS NULL OR range_low NOT GLOB '*[^0-9.]*'),
        range_high TEXT CHECK (range_high IS NULL OR range_high NOT GLOB '*[^0-9.]*'),
        range_raw TEXT NOT NULL DEFAULT '',
        on_anticoagulant INTEGER NOT NULL DEFAULT 0 CHECK (on_anticoagulant IN (0, 1)),
        confirmed_unusual INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_unusual IN (0, 1)),
        lab TEXT NOT NULL DEFAULT '' CHECK (length(lab) <= 120),
        note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
        created_utc TEXT NOT NULL {_utc("created_utc")},
        CHECK (value IS NOT NULL OR op = '='),
        CHECK (value IS NULL OR text = '')
    ) STRICT""",
    "CREATE INDEX labs_test ON labs (test, on_date)",
    f"""CREATE TABLE flag_marks (
        id INTEGER PRIMARY KEY,
        flag_key TEXT NOT NULL UNIQUE CHECK (length(flag_key) BETWEEN 3 AND 300),
        rule TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('acknowledged', 'raised')),
        title TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
        appointment_id INTEGER,
        at_utc TEXT NOT NULL {_utc("at_utc")}
    ) STRICT""",
)


def _v2(conn: sqlite3.Connection) -> None:
    """Lab results, her marks on flags (acknowledged / raised at an appointment), and when each
    medication's supply on hand was counted."""
    for statement in V2_STATEMENTS:
        conn.execute(statement)
    conn.execute("UPDATE medications SET supply_utc = created_utc WHERE supply IS NOT NULL")


V3_STATEMENTS: tuple[str, ...] = (
    f"""CREATE TABLE appointments (
        id INTEGER PRIMARY KEY,
        at_utc TEXT NOT NULL {_utc("at_utc")},
        tz TEXT NOT NULL CHECK (length(tz) > 0),
        kind TEXT NOT NULL CHECK (kind IN ('re', 'ob', 'hematology', 'endocrinology', 'nurse', 'lab',
                                          'ultrasound', 'other')),
        with_name TEXT NOT NULL DEFAULT '' CHECK (length(with_name) <= 200),
        where_text TEXT NOT NULL DEFAULT '' CHECK (length(where_text) <= 200),
        purpose TEXT NOT NULL DEFAULT '' CHECK (length(purpose) <= 200),
        notes TEXT NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
        decided TEXT NOT NULL DEFAULT '' CHECK (length(decided) <= 2000),
        done_utc TEXT {_utc("done_utc", True)},
        cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
        created_utc TEXT NOT NULL {_utc("created_utc")}
    ) STRICT""",
    "CREATE INDEX appointments_at ON appointments (at_utc)",
    f"""CREATE TABLE appointment_questions (
        id INTEGER PRIMARY KEY,
        appointment_id INTEGER NOT NULL REFERENCES appointments(id),
        text TEXT NOT NULL CHECK (length(trim(text)) > 0 AND length(text) <= 2000),
        flag_key TEXT,
        asked INTEGER NOT NULL DEFAULT 0 CHECK (asked IN (0, 1)),
        answer TEXT NOT NULL DEFAULT '' CHECK (length(answer) <= 2000),
        created_utc TEXT NOT NULL {_utc("created_utc")}
    ) STRICT""",
    "CREATE INDEX appointment_questions_appointment ON appointment_questions (appointment_id)",
    # The reminder ledger: one row per thing to remind of (a dose slot, an appointment's day-before and
    # minutes-before, a retest or refill due), claimed and marked under BEGIN IMMEDIATE so that two
    # processes never send it twice. `subject` is a stable key such as 'dose:3:2026-11-23T08:00:00Z'.
    # `claimed_utc` marks a delivery in flight (another process leaves it alone for a short lease); 'travel'
    # rows record the time-zone question, a 'check' row when the flag rules are next read for reminders.
    f"""CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('dose', 'overdue', 'appointment', 'retest', 'refill', 'test',
                                          'travel', 'check')),
        subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
        due_utc TEXT NOT NULL {_utc("due_utc")},
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'missed', 'snoozed', 'done')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        sent_utc TEXT {_utc("sent_utc", True)},
        claimed_utc TEXT {_utc("claimed_utc", True)},
        snooze_until_utc TEXT {_utc("snooze_until_utc", True)},
        backend TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        updated_utc TEXT NOT NULL {_utc("updated_utc")},
        UNIQUE (kind, subject)
    ) STRICT""",
    "CREATE INDEX reminders_due ON reminders (state, due_utc)",
)


def _v3(conn: sqlite3.Connection) -> None:
    """Appointments with their questions, and the reminder ledger."""
    for statement in V3_STATEMENTS:
        conn.execute(statement)


V4_STATEMENTS: tuple[str, ...] = (
    # Her protocol templates (imported or saved from her own regimen), kept as the TOML text she gave so
    # that an export gives her file back, comments included.
    f"""CREATE TABLE protocols (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 60 AND name = lower(name)),
        toml TEXT NOT NULL CHECK (length(toml) BETWEEN 1 AND 100000),
        saved_utc TEXT NOT NULL {_utc("saved_utc")}
    ) STRICT""",
    # Each time a template was applied (to a cycle, or to none): applying one twice to a cycle is refused.
    f"""CREATE TABLE protocol_uses (
        id INTEGER PRIMARY KEY,
        protocol TEXT NOT NULL CHECK (length(protocol) BETWEEN 1 AND 60),
        cycle_id INTEGER REFERENCES cycles(id),
        medications INTEGER NOT NULL CHECK (medications >= 1),
        applied_utc TEXT NOT NULL {_utc("applied_utc")}
    ) STRICT""",
    "CREATE INDEX protocol_uses_protocol ON protocol_uses (protocol, cycle_id)",
)


def _v4(conn: sqlite3.Connection) -> None:
    """Protocol templates she imported or saved, and when templates were applied."""
    for statement in V4_STATEMENTS:
        conn.execute(statement)


_SESSION_KINDS = "'lit', 'ivig', 'intralipid', 'other'"
_HHMM = "'[0-2][0-9]:[0-5][0-9]'"


def _session_columns() -> str:
    """What a treatment session and a course share: what it is, its time of day and zone, where, a note."""
    return f"""kind TEXT NOT NULL CHECK (kind IN ({_SESSION_KINDS})),
        name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 80),
        at_time TEXT CHECK (at_time IS NULL OR at_time GLOB {_HHMM}),
        tz TEXT NOT NULL DEFAULT '' CHECK (at_time IS NULL OR length(tz) > 0),
        where_text TEXT NOT NULL DEFAULT '' CHECK (length(where_text) <= 200),
        note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 3000),
        created_utc TEXT NOT NULL {_utc("created_utc")},
        CHECK ((kind = 'other') = (length(trim(name)) > 0))"""


V5_STATEMENTS: tuple[str, ...] = (
    # Treatment sessions she had: lymphocyte immunotherapy, IVIG, intralipid infusions, or her own words.
    f"""CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        on_date TEXT NOT NULL {_date("on_date")},
        {_session_columns()}
    ) STRICT""",
    "CREATE INDEX sessions_on ON sessions (on_date)",
    # Courses of sessions planned every N days, weeks or months, for a count or until a day.
    f"""CREATE TABLE session_courses (
        id INTEGER PRIMARY KEY,
        start_on TEXT NOT NULL {_date("start_on")},
        every_n INTEGER NOT NULL CHECK (every_n BETWEEN 1 AND 366),
        every_unit TEXT NOT NULL CHECK (every_unit IN ('days', 'weeks', 'months')),
        count INTEGER CHECK (count IS NULL OR count BETWEEN 1 AND 52),
        until_on TEXT {_date("until_on", True)},
        stopped_on TEXT {_date("stopped_on", True)},
        {_session_columns()},
        CHECK ((count IS NULL) != (until_on IS NULL)),
        CHECK (until_on IS NULL OR until_on >= start_on),
        CHECK (stopped_on IS NULL OR stopped_on >= start_on)
    ) STRICT""",
)

# The lab catalog's key under which lymphocyte immunotherapy sessions were once kept as labs.
LIT_LAB = "lit"


def lit_lab_as_session(lab: dict[str, object]) -> dict[str, object]:
    """A LIT session once kept as a lab row, as a sessions row with the same id: the day, the lab's name as
    the place, the note, the time it was entered; anything else the lab entry held (a value, a range, the
    anticoagulant box, what was typed) is kept in words after the note, so nothing is lost."""
    extras: list[str] = []
    raw = str(lab.get("raw") or "").strip()
    if lab.get("value") is not None:
        op = "" if lab.get("op") in (None, "=") else str(lab["op"])
        unit = f" {lab['unit']}" if lab.get("unit") else ""
        extras.append(f"result {op}{lab['value']}{unit}")
    elif str(lab.get("text") or ""):
        extras.append(f"result {lab['text']}")
    if raw and raw.casefold() not in ("done", "session") and not extras:
        extras.append(f"entered as {raw!r}")
    if str(lab.get("range_raw") or ""):
        extras.append(f"range {lab['range_raw']}")
    if lab.get("on_anticoagulant"):
        extras.append("on an anticoagulant")
    note = str(lab.get("note") or "")
    if extras:
        moved = f"(From the lab entry: {'; '.join(extras)}.)"
        note = f"{note}\n{moved}" if note else moved
    return {
        "id": lab["id"],
        "on_date": lab["on_date"],
        "kind": "lit",
        "name": "",
        "at_time": None,
        "tz": "",
        "where_text": str(lab.get("lab") or "")[:200],
        "note": note[:3000],
        "created_utc": lab["created_utc"],
    }


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> list[dict[str, object]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _v5(conn: sqlite3.Connection) -> None:
    """Treatment sessions and planned courses of them. LIT sessions once kept as labs move to sessions with
    their ids (flag marks on them keep their keys), and the change log's rows of those labs follow them, so
    undo and redo of earlier changes act on the sessions."""
    # quick path: `today` would import json (+1.5 ms)
    import json

    for statement in V5_STATEMENTS:
        conn.execute(statement)
    labs = _rows(conn, "SELECT * FROM labs WHERE test = ? ORDER BY id", (LIT_LAB,))
    for lab in labs:
        values = lit_lab_as_session(lab)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        conn.execute(f"INSERT INTO sessions ({columns}) VALUES ({marks})", tuple(values.values()))
        conn.execute("DELETE FROM labs WHERE id = ?", (lab["id"],))
    # Audit rows whose every side is a LIT lab (an entry where the test itself changed stays a lab's).
    for entry in _rows(conn, "SELECT id, before, after FROM audit WHERE tbl = 'labs' ORDER BY id"):
        sides = [json.loads(str(side)) if side else None for side in (entry["before"], entry["after"])]
        if not all(side is None or side.get("test") == LIT_LAB for side in sides):
            continue
        before, after = (json.dumps(lit_lab_as_session(side)) if side else None for side in sides)
        conn.execute(
            "UPDATE audit SET tbl = 'sessions', before = ?, after = ? WHERE id = ?",
            (before, after, entry["id"]),
        )


Migration = Callable[[sqlite3.Connection], None]


def _v6(conn: sqlite3.Connection) -> None:
    """The journal's calendar id and what its last calendar export held (store.calendar_state)."""
    add_calendar_tables(conn)


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3, _v4, _v5, _v6)
HEAD = len(MIGRATIONS)


class NewerSchema(Exception):
    def __init__(self, found: int) -> None:
        super().__init__(
            f"this journal was made by a newer rpltrack (schema v{found}; this version knows up to v{HEAD}). "
            "It is opened read-only and will not be changed: update rpltrack to write to it."
        )
        self.found = found


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    conn: sqlite3.Connection, db_path: Path, now: datetime, *, migrations: tuple[Migration, ...] = MIGRATIONS
) -> Path | None:
    """Bring the journal to the newest schema. Returns the pre-migration backup, if one was made.

    Raises NewerSchema (nothing touched) when the file is newer than this code knows.
    """
    head = len(migrations)
    found = user_version(conn)
    if found > head:
        raise NewerSchema(found)
    if found == head:
        return None
    backup: Path | None = None
    if found > 0:
        backup = backup_numbered(conn, db_path, f"v{found}", now)
    for version in range(found, head):
        with write_txn(conn):
            # Re-read inside the write lock: another process may have migrated meanwhile.
            current = user_version(conn)
            if current > version:
                continue
            migrations[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
    return backup
