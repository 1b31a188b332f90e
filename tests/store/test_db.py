"""The journal file and its connections: owner-only modes, refusals, pragmas, BEGIN IMMEDIATE, schema
CHECKs."""

from __future__ import annotations

import ast
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rpltrack import paths
from rpltrack.domain.models import DoseStatus
from rpltrack.store import db as store_db
from rpltrack.store.db import JournalError, connect, errors, prepare_file
from rpltrack.store.journal import Journal
from rpltrack.store.migrations import HEAD, migrate

from . import _support as s

SRC = Path(__file__).resolve().parents[2] / "src" / "rpltrack"
EXPECTED_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,
    "foreign_keys": 1,
    "secure_delete": 1,
    "trusted_schema": 0,
}


def pragmas_of(journal: Journal) -> dict[str, Any]:
    found = {name: journal.pragma(name) for name in (*EXPECTED_PRAGMAS, "busy_timeout")}
    found["journal_mode"] = str(found["journal_mode"]).lower()
    return found


def assert_pragmas(found: dict[str, Any]) -> None:
    busy = found.pop("busy_timeout")
    assert found == EXPECTED_PRAGMAS
    assert busy >= 5000


# -- F1, F2: files ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("umask_022")
def test_f1_db_file_0600_dir_0700(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """First run with umask 022 in a fresh XDG_DATA_HOME: the data dir is 0700 and journal.db, its -wal and
    -shm (while a connection is open) and backups are 0600, nothing else is created."""
    from rpltrack.cli.main import main

    db = paths.default_db_path()
    assert str(db).startswith(str(tmp_path))
    assert not db.parent.exists()
    assert main(["med", "add", "test drug", "--dose", "1 tablet", "--prn"]) == 0
    assert main(["take", "test drug"]) == 0
    assert "Saved" in capsys.readouterr().out

    assert s.mode(db.parent) == 0o700
    assert s.mode(db) == 0o600
    with Journal.open(db) as journal:
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists()
        assert shm.exists()
        assert s.mode(wal) == 0o600
        assert s.mode(shm) == 0o600
        backup = journal.backup(db.parent / "backups" / "manual.db")
        assert s.mode(backup) == 0o600
        assert s.mode(backup.parent) == 0o700
    created = sorted(p.relative_to(db.parent).as_posix() for p in db.parent.rglob("*"))
    assert created == ["backups", "backups/manual.db", "journal.db"]
    for path in db.parent.rglob("*"):
        assert s.mode(path) & 0o077 == 0, path


@pytest.mark.usefixtures("umask_022")
def test_f2_existing_loose_permissions(db_path: Path) -> None:
    """Our own journal.db, -wal and -shm left 0644 are tightened to 0600 on open, and the change is
    reported."""
    with Journal.open(db_path, now=s.NOW) as journal:
        journal.add_medication(s.daily(), s.NOW)
    holder = s.raw(db_path)  # keeps -wal and -shm on disk
    try:
        holder.execute("SELECT count(*) FROM doses").fetchone()
        loose = [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")]
        for path in loose:
            assert path.exists()
            os.chmod(path, 0o644)
        with Journal.open(db_path, now=s.NOW) as journal:
            for path in loose:
                assert s.mode(path) == 0o600, path
            reported = " ".join(journal.notes)
            for path in loose:
                assert f"tightened the permissions of {path.name} " in reported
            assert [m.name for m in journal.medications()] == ["aspirin"]
    finally:
        holder.close()


def test_f2_symlink_refused(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A journal path that is a symbolic link (to a real journal, or dangling) is refused with an explanation;
    the link's target is not touched and no -wal/-shm appear."""
    from rpltrack.cli.main import main

    real = tmp_path / "elsewhere" / "real.db"
    with Journal.open(real, now=s.NOW) as journal:
        journal.add_medication(s.daily(), s.NOW)
    digest = s.sha256(real)
    db_path.parent.mkdir(mode=0o700, exist_ok=True)
    db_path.symlink_to(real)
    with pytest.raises(JournalError, match="symbolic link"):
        Journal.open(db_path, now=s.NOW)
    assert main(["--db", str(db_path), "take", "aspirin"]) == 1
    assert "symbolic link" in capsys.readouterr().err
    assert s.sha256(real) == digest
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.db"]
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["journal.db"]

    dangling = tmp_path / "dangling.db"
    dangling.symlink_to(tmp_path / "nowhere.db")
    with pytest.raises(JournalError, match="symbolic link"):
        Journal.open(dangling, now=s.NOW)
    assert not (tmp_path / "nowhere.db").exists()


def test_f2_foreign_owner_refused(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A journal owned by another user is refused, unchanged."""
    with Journal.open(db_path, now=s.NOW) as journal:
        journal.add_medication(s.daily(), s.NOW)
    digest = s.sha256(db_path)
    real_uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real_uid + 1)
    with pytest.raises(JournalError, match="belongs to another user"):
        Journal.open(db_path, now=s.NOW)
    assert s.sha256(db_path) == digest
    assert not Path(f"{db_path}-wal").exists()


def test_f2_not_a_regular_file_refused(db_path: Path) -> None:
    """A directory where the journal should be is refused, not replaced."""
    db_path.mkdir(parents=True)
    with pytest.raises(JournalError, match="not a journal file"):
        Journal.open(db_path, now=s.NOW)
    assert db_path.is_dir()


def test_foreign_file_is_not_an_rpltrack_journal(db_path: Path) -> None:
    """A file that is not SQLite at all is reported as such and left byte-for-byte as it was."""
    db_path.parent.mkdir(mode=0o700, exist_ok=True)
    db_path.write_bytes(b"this is a text file, not a journal\n" * 200)
    os.chmod(db_path, 0o600)
    digest = s.sha256(db_path)
    with pytest.raises(JournalError, match="not an rpltrack journal or is damaged"):
        Journal.open(db_path, now=s.NOW)
    assert s.sha256(db_path) == digest


# -- A5: pragmas on every connection ----------------------------------------------------------------------


@pytest.fixture
def pragma_spy(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Records the pragmas of every Journal connection just before it is closed (whoever opened it)."""
    seen: list[dict[str, Any]] = []
    original = Journal.close

    def close(self: Journal) -> None:
        seen.append({"readonly": self.readonly, **pragmas_of(self)})
        original(self)

    monkeypatch.setattr(Journal, "close", close)
    return seen


def test_a5_pragmas_on_every_connection(
    db_path: Path, pragma_spy: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """WAL, synchronous=FULL, foreign_keys, busy_timeout >= 5000, secure_delete and trusted_schema=OFF on
    every way in: Journal.open, the migration connection, the CLI commands (writing and reading), the
    connection factory's read-only mode and a newer-schema (read-only) journal opened by the CLI."""
    from rpltrack.cli.main import main

    # The migration connection: the factory's connection, checked after migrate() ran on it.
    prepare_file(db_path)
    conn = connect(db_path)
    migrate(conn, db_path, s.NOW)
    migrated = Journal(conn, db_path, readonly=False)
    assert_pragmas(pragmas_of(migrated))
    migrated.close()
    pragma_spy.clear()

    with Journal.open(db_path, now=s.NOW) as journal:
        assert_pragmas(pragmas_of(journal))
    commands = [
        ["med", "add", "test drug", "--dose", "1 tablet", "--prn", "--notes", "n"],
        ["take", "test drug"],
        ["today"],
        ["log"],
        ["med", "list"],
        ["adherence"],
        ["settings", "set", "reminders.grace", "90m"],
        ["settings", "list"],
        ["undo"],
    ]
    for argv in commands:
        assert main(["--db", str(db_path), *argv]) == 0, argv
    capsys.readouterr()
    assert len(pragma_spy) == 1 + len(commands)
    for found in pragma_spy:
        assert found.pop("readonly") is False
        assert_pragmas(found)

    readonly = connect(db_path, readonly=True)
    try:
        ro = Journal(readonly, db_path, readonly=True)
        assert_pragmas(pragmas_of(ro))
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            readonly.execute("DELETE FROM settings")
    finally:
        readonly.close()

    conn = s.raw(db_path)
    conn.execute(f"PRAGMA user_version = {HEAD + 1}")
    conn.close()
    pragma_spy.clear()
    assert main(["--db", str(db_path), "today"]) == 0
    assert len(pragma_spy) == 1
    found = pragma_spy[0]
    assert found.pop("readonly") is True
    assert_pragmas(found)


# -- A3: every write begins immediate -----------------------------------------------------------------------

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA\s+user_version\s*=)", re.I)


def write_transactions(statements: list[str]) -> tuple[list[list[str]], list[str]]:
    """Split a trace into transactions; return (transactions that write, offending statements).

    An offender is a write outside any transaction (autocommit), or the BEGIN of a writing transaction that is
    not BEGIN IMMEDIATE."""
    writing: list[list[str]] = []
    offenders: list[str] = []
    current: list[str] | None = None
    for sql in statements:
        head = " ".join(sql.split()).upper()
        if current is None and (head.startswith("BEGIN") or head.startswith("SAVEPOINT")):
            current = [sql]
        elif current is not None and (
            head.startswith(("COMMIT", "END")) or head in ("ROLLBACK", "ROLLBACK;")
        ):
            if any(_WRITE.match(x) for x in current[1:]):
                writing.append(current)
                if " ".join(current[0].split()).upper() != "BEGIN IMMEDIATE":
                    offenders.append(current[0])
            current = None
        elif current is not None:
            current.append(sql)
        elif _WRITE.match(sql):
            offenders.append(sql)
    assert current is None, f"a transaction was left open: {current}"
    return writing, offenders


def test_a3_checker_catches_deferred_and_autocommit_writes(tmp_path: Path) -> None:
    """Control for the trace checker: a deferred BEGIN that writes and an autocommit INSERT are both
    flagged."""
    conn = sqlite3.connect(str(tmp_path / "x.db"), isolation_level=None)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    conn.execute("CREATE TABLE t (a)")
    conn.execute("BEGIN")
    conn.execute("SELECT * FROM t").fetchall()
    conn.execute("INSERT INTO t VALUES (1)")
    conn.execute("COMMIT")
    conn.close()
    writing, offenders = write_transactions(statements)
    assert len(writing) == 1
    assert offenders == ["CREATE TABLE t (a)", "BEGIN"]


def test_a3_every_write_begins_immediate(db_path: Path) -> None:
    """Trace every statement of a scripted session (migration, add medication, take, skip, edit, stop,
    settings, undo, a bulk import through sqlite-utils): every transaction that writes starts with BEGIN
    IMMEDIATE and no write runs in autocommit."""
    statements: list[str] = []
    prepare_file(db_path)
    conn = connect(db_path)
    conn.set_trace_callback(statements.append)
    migrate(conn, db_path, s.NOW)
    journal = Journal(conn, db_path, readonly=False)
    try:
        aspirin = journal.add_medication(s.daily(), s.NOW)
        hourly = journal.add_medication(s.hourly(), s.NOW)
        prn = journal.add_medication(s.as_needed(), s.NOW)
        assert aspirin.id is not None
        journal.record_dose(aspirin, DoseStatus.TAKEN, s.NOW, s.LONDON)
        journal.record_dose(
            aspirin, DoseStatus.TAKEN, s.NOW, s.LONDON, slot_at=s.NOW.replace(hour=8, minute=0)
        )
        journal.record_dose(hourly, DoseStatus.SKIPPED, s.NOW, s.LONDON, slot_at=s.hourly_slot(3), reason="r")
        journal.record_dose(prn, DoseStatus.TAKEN, s.NOW, s.LONDON, note="headache")
        journal.change_regimen(aspirin.id, s.daily(dose="75 mg", start=s.NOW.date()).regimens[0], s.NOW)
        journal.update_medication(aspirin.id, s.NOW, notes="with food")
        journal.stop_medication(aspirin.id, s.NOW, s.NOW)
        journal.set_setting("reminders.grace", "1h", s.NOW)
        for _ in range(3):
            journal.undo(s.NOW)
        from rpltrack.domain.models import DoseLog

        logs = [
            DoseLog(
                medication_id=prn.id or 0,
                status=DoseStatus.TAKEN,
                logged_at=s.NOW,
                zone="Europe/London",
                taken_at=s.NOW - timedelta(hours=h),
            )
            for h in range(5)
        ]
        journal.bulk_insert_doses(logs, s.NOW)
        journal.day(s.NOW.date(), s.LONDON, s.NOW)
    finally:
        journal.close()
    writing, offenders = write_transactions(statements)
    assert offenders == []
    # one per migration step, 3 medications, 3 new doses (the repeated 08:00 take writes nothing), edit,
    # notes, stop, setting, 3 undos, the import
    assert len(writing) == HEAD + 3 + 3 + 1 + 1 + 1 + 1 + 3 + 1
    assert any("CREATE TABLE doses" in " ".join(sql for sql in t) for t in writing)


def _enclosing_functions(tree: ast.AST) -> dict[ast.AST, str]:
    owner: dict[ast.AST, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else name
            owner[child] = inner
            visit(child, inner)

    visit(tree, "<module>")
    return owner


def test_a3_no_transaction_outside_write_txn() -> None:
    """AST scan of src/rpltrack: no db.atomic(), db.begin(), executescript(), no raw "BEGIN" string outside
    store/db.py's write_txn, and sqlite3.connect only in the connection factory (and the backup target)."""
    allowed_connect = {
        ("store/db.py", "raw_connection"),  # the one seam: sqlite3 or SQLCipher (#17)
        ("store/schema_check.py", "expected_shape"),  # an in-memory database, never a file
        ("store/absent.py", "empty_journal"),  # likewise
    }
    offenders: list[str] = []
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        rel = path.relative_to(SRC).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        owner = _enclosing_functions(tree)
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attr = node.func.attr
                if attr in ("atomic", "begin", "executescript"):
                    offenders.append(f"{where} calls .{attr}()")
                is_sqlite3 = isinstance(node.func.value, ast.Name) and node.func.value.id == "sqlite3"
                if attr == "connect" and is_sqlite3 and (rel, owner.get(node)) not in allowed_connect:
                    offenders.append(f"{where} opens its own sqlite3 connection")
            is_begin = (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.strip().upper().startswith("BEGIN")
            )
            if is_begin and (rel, owner.get(node)) != ("store/db.py", "write_txn"):
                offenders.append(f"{where} has a raw BEGIN")
    assert offenders == []


# -- B1, C11: the schema rejects impossible values -----------------------------------------------------------

T = "2026-11-23T08:40:00Z"
VALID: dict[str, dict[str, Any]] = {
    "doses": {
        "medication_id": 1,
        "slot_utc": None,
        "status": "taken",
        "taken_utc": T,
        "logged_utc": T,
        "tz": "Europe/London",
        "amount": 81.0,
        "unit": "mg",
        "site": None,
        "reason": "",
        "note": "",
        "logged_later": 0,
    },
    "regimens": {
        "medication_id": 1,
        "effective_on": "2026-12-01",
        "amount": 81.0,
        "unit": "mg",
        "kind": "times",
        "times": "08:00",
        "every_days": 1,
        "weekdays": "",
        "interval_hours": 0,
        "interval_anchor_utc": None,
        "created_utc": T,
    },
    "medications": {
        "name": "x",
        "generic": None,
        "route": "oral",
        "zone": "Europe/London",
        "end_on": None,
        "stopped_utc": None,
        "supply": None,
        "notes": "",
        "created_utc": T,
    },
    "settings": {"key": "reminders.grace", "value": "1h", "updated_utc": T},
    "changes": {"at_utc": T, "action": "x", "summary": "x"},
}
IMPOSSIBLE: list[tuple[str, str, Any]] = [
    ("doses", "amount", -1),
    ("doses", "amount", 0),
    ("doses", "amount", "abc"),
    ("doses", "amount", float("inf")),
    ("doses", "amount", float("nan")),
    ("doses", "amount", 5_000_000),
    ("doses", "unit", "tsp"),
    ("doses", "unit", "MG"),
    ("doses", "status", "due"),
    ("doses", "status", "missed"),
    ("doses", "status", "TAKEN"),
    ("doses", "taken_utc", "2026-03-08 02:30"),
    ("doses", "taken_utc", "2026-03-08T02:30:00"),
    ("doses", "taken_utc", "2026-03-08T02:30:00+01:00"),
    ("doses", "taken_utc", "2026-03-08T02:30Z"),
    ("doses", "taken_utc", 1772937000),
    ("doses", "logged_utc", "2026-03-08 02:30"),
    ("doses", "slot_utc", "2026-03-08 02:30"),
    ("doses", "medication_id", 999),
    ("doses", "logged_later", 2),
    ("regimens", "amount", -1),
    ("regimens", "amount", 0),
    ("regimens", "amount", "abc"),
    ("regimens", "unit", "tsp"),
    ("regimens", "effective_on", "2026/12/01"),
    ("regimens", "created_utc", "2026-03-08 02:30"),
    ("regimens", "medication_id", 999),
    ("medications", "created_utc", "2026-03-08 02:30"),
    ("medications", "stopped_utc", "2026-03-08T02:30:00-05:00"),
    ("medications", "supply", -1),
    ("medications", "name", "   "),
    ("settings", "updated_utc", "2026-03-08 02:30"),
    ("changes", "at_utc", "2026-03-08 02:30"),
]


def _insert(conn: sqlite3.Connection, table: str, values: dict[str, Any]) -> None:
    columns = ", ".join(values)
    conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' for _ in values)})", tuple(values.values())
    )


@pytest.fixture
def schema_conn(journal: Journal) -> Iterator[sqlite3.Connection]:
    """The app's own connection factory on a journal holding medication 1 (foreign keys on)."""
    journal.add_medication(s.daily(), s.NOW)
    conn = connect(journal.path, key=journal.journal_key)
    yield conn
    conn.close()


def test_b1_valid_rows_are_accepted(schema_conn: sqlite3.Connection) -> None:
    """Control: the base rows the B1 cases start from are accepted, so each rejection is its field's doing."""
    for table, values in VALID.items():
        schema_conn.execute("BEGIN IMMEDIATE")
        _insert(schema_conn, table, values)
        schema_conn.execute("ROLLBACK")


@pytest.mark.parametrize(
    ("table", "column", "value"), IMPOSSIBLE, ids=[f"{t}.{c}={v!r}" for t, c, v in IMPOSSIBLE]
)
def test_b1_schema_rejects_impossible_via_raw_sql(
    schema_conn: sqlite3.Connection, table: str, column: str, value: Any
) -> None:
    """Raw SQL bypassing every Python check: an impossible value raises IntegrityError and changes no
    counts."""
    tables = tuple(VALID)
    before = s.counts(schema_conn, tables)
    with pytest.raises(errors("IntegrityError")):  # sqlite3's, or SQLCipher's for the locked journal
        _insert(schema_conn, table, {**VALID[table], column: value})
    assert s.counts(schema_conn, tables) == before
    assert not schema_conn.in_transaction


def test_c11_timestamps_are_utc_in_db(db_path: Path) -> None:
    """After a session of every kind of write, every timestamp the app wrote (columns *_utc and the audit's
    before/after copies) reads YYYY-MM-DDTHH:MM:SSZ."""
    with Journal.open(db_path, now=s.NOW) as journal:
        aspirin = journal.add_medication(s.daily(), s.NOW)
        hourly = journal.add_medication(s.hourly(), s.NOW)
        assert aspirin.id is not None
        journal.record_dose(aspirin, DoseStatus.TAKEN, s.NOW, s.LONDON, at=s.NOW - timedelta(minutes=20))
        journal.record_dose(hourly, DoseStatus.SKIPPED, s.NOW, s.LONDON, slot_at=s.hourly_slot(2))
        journal.record_dose(hourly, DoseStatus.TAKEN, s.NOW, s.LONDON, slot_at=s.hourly_slot(3))
        journal.change_regimen(aspirin.id, s.daily(dose="75 mg", start=s.NOW.date()).regimens[0], s.NOW)
        journal.stop_medication(aspirin.id, s.NOW, s.NOW)
        journal.set_setting("reminders.grace", "1h", s.NOW)
        journal.undo(s.NOW)
    conn = s.raw(db_path)
    try:
        checked = 0
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            for column in columns:
                if not column.endswith("_utc"):
                    continue
                for (value,) in conn.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"):
                    assert s.UTC_TEXT.match(value), (table, column, value)
                    checked += 1
        for before, after in conn.execute("SELECT before, after FROM audit"):
            for copy in (before, after):
                for key, value in (json.loads(copy) if copy else {}).items():
                    if key.endswith("_utc") and value is not None:
                        assert s.UTC_TEXT.match(value), (key, value)
                        checked += 1
        assert checked > 30
    finally:
        conn.close()


def test_write_txn_refuses_to_nest(journal: Journal) -> None:
    """write_txn inside write_txn is a programming error, caught before anything is written."""
    conn = journal._conn
    with store_db.write_txn(conn):
        nested = store_db.write_txn(conn)
        with pytest.raises(RuntimeError, match="does not nest"):
            nested.__enter__()
    assert not conn.in_transaction
