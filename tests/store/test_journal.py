"""The Journal API's promises: exact undo, idempotent taps, ack only after commit, no idle transaction, no
leaks."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rpltrack.domain.models import DoseLog, DoseStatus, Regimen
from rpltrack.domain.quantities import Quantity
from rpltrack.store import journal as journal_module
from rpltrack.store.db import NotSaved
from rpltrack.store.db import connect as real_connect
from rpltrack.store.journal import Journal

from . import _support as s

# -- E9: undo is exact ---------------------------------------------------------------------------------------


def history(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    conn = s.raw(path)
    try:
        changes = conn.execute("SELECT id, at_utc, action, summary FROM changes ORDER BY id").fetchall()
        audit = conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
        return changes, audit
    finally:
        conn.close()


def undone_flags(path: Path) -> dict[int, tuple[Any, Any]]:
    conn = s.raw(path)
    try:
        return {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, undoes, undone_by FROM changes")}
    finally:
        conn.close()


def base_journal(path: Path) -> tuple[int, int]:
    with Journal.open(path, now=s.NOW) as journal:
        aspirin = journal.add_medication(s.daily(notes="with food"), s.NOW)
        hourly = journal.add_medication(s.hourly(), s.NOW)
        journal.record_dose(aspirin, DoseStatus.TAKEN, s.NOW, s.LONDON, site="left abdomen", note="ok")
        journal.record_dose(hourly, DoseStatus.TAKEN, s.NOW, s.LONDON, slot_at=s.hourly_slot(0))
        assert aspirin.id is not None
        assert hourly.id is not None
        return aspirin.id, hourly.id


def regimen(start: date, dose: str) -> Regimen:
    value, unit = dose.split()
    return Regimen(start, Quantity(Decimal(value), unit), s.daily().current.timing)


Action = Callable[[Journal], object]


def actions(aspirin: int, hourly: int) -> dict[str, Action]:
    def take(j: Journal) -> object:
        return j.record_dose(
            j.medication(hourly),
            DoseStatus.TAKEN,
            s.NOW,
            s.LONDON,
            slot_at=s.hourly_slot(5),
            note="late",
            amount=Quantity(Decimal(2), "tablet"),
        )

    return {
        "log a dose": take,
        "skip a dose": lambda j: j.record_dose(
            j.medication(hourly),
            DoseStatus.SKIPPED,
            s.NOW,
            s.LONDON,
            slot_at=s.hourly_slot(6),
            reason="nausea",
        ),
        "log as needed": lambda j: j.record_dose(
            j.medication(aspirin), DoseStatus.TAKEN, s.NOW, s.LONDON, at=s.NOW - timedelta(hours=30)
        ),
        "edit dose from a later date": lambda j: j.change_regimen(
            aspirin, regimen(date(2026, 11, 20), "75 mg"), s.NOW
        ),
        "edit dose replacing the plan": lambda j: j.change_regimen(
            aspirin, regimen(date(2026, 11, 1), "100 mg"), s.NOW
        ),
        "edit notes and supply": lambda j: j.update_medication(aspirin, s.NOW, notes="", supply=30),
        "stop": lambda j: j.stop_medication(aspirin, s.NOW, s.NOW),
        "add medication": lambda j: j.add_medication(s.daily("folic acid", "0.4 mg"), s.NOW),
        "first setting": lambda j: j.set_setting("reminders.grace", "3h", s.NOW),
    }


def test_e9_undo_is_exact(db_path: Path) -> None:
    """Each kind of change, then undo, with the journal closed and reopened in between: the clinical tables
    (medications, regimens, doses, settings) return to a byte-identical state with the same ids, and the
    changes/audit tables keep every event, the undone ones marked as such."""
    aspirin, hourly = base_journal(db_path)
    for name, act in actions(aspirin, hourly).items():
        before = s.table_checksums(db_path)
        changes_before, audit_before = history(db_path)
        with Journal.open(db_path, now=s.NOW) as journal:
            act(journal)
        assert s.table_checksums(db_path) != before, name
        with Journal.open(db_path, now=s.NOW) as journal:
            undone = journal.undo(s.NOW)
        assert undone is not None, name
        assert undone.undone
        assert s.table_checksums(db_path) == before, name
        changes, audit = history(db_path)
        assert changes[: len(changes_before)] == changes_before, name
        assert audit[: len(audit_before)] == audit_before, name
        assert [c[2] for c in changes[len(changes_before) :]] != [], name
        assert changes[-1][2] == "undo"
        flags = undone_flags(db_path)
        assert flags[undone.id] == (None, changes[-1][0])
        assert flags[changes[-1][0]] == (undone.id, None)


def test_e9_undo_walks_back_several_changes(db_path: Path) -> None:
    """Several changes to the same medication undone one by one (newest first, reopening each time) end in the
    exact starting state; a setting changed twice is restored to its first value, not deleted."""
    aspirin, hourly = base_journal(db_path)
    with Journal.open(db_path, now=s.NOW) as journal:
        journal.set_setting("reminders.grace", "90m", s.NOW)
    start = s.table_checksums(db_path)
    steps = actions(aspirin, hourly)
    sequence = [
        "edit dose from a later date",
        "log a dose",
        "edit notes and supply",
        "stop",
        "edit dose replacing the plan",
        "add medication",
        "skip a dose",
    ]
    for name in sequence:
        with Journal.open(db_path, now=s.NOW) as journal:
            steps[name](journal)
    with Journal.open(db_path, now=s.NOW) as journal:
        journal.set_setting("reminders.grace", "4h", s.NOW)
        assert journal.settings()["reminders.grace"] == "4h"
    for _ in range(len(sequence) + 1):
        with Journal.open(db_path, now=s.NOW) as journal:
            assert journal.undo(s.NOW) is not None
    assert s.table_checksums(db_path) == start
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.settings()["reminders.grace"] == "1h30m"
        assert [m.name for m in journal.medications()] == ["aspirin", "hourly test drug"]
    s.assert_healthy(db_path)


def test_e9_undo_of_an_import_is_exact(db_path: Path) -> None:
    """A bulk import (demo data) undone removes exactly the imported doses; undoing further still works."""
    aspirin, _ = base_journal(db_path)
    start = s.table_checksums(db_path)
    logs = [
        DoseLog(
            medication_id=aspirin,
            status=DoseStatus.TAKEN,
            logged_at=s.NOW,
            zone="Europe/London",
            taken_at=s.NOW - timedelta(days=d + 2),
            slot_at=(s.NOW - timedelta(days=d + 2)).replace(hour=8, minute=0),
        )
        for d in range(10)
    ]
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.bulk_insert_doses(logs, s.NOW) == 10
        assert journal.count("doses") == 12
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.undo(s.NOW) is not None
    assert s.table_checksums(db_path) == start
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.undo(s.NOW) is not None  # the hourly dose of base_journal
    s.assert_healthy(db_path)


def test_undo_with_nothing_to_undo(journal: Journal) -> None:
    """An empty journal: undo says so and writes nothing."""
    assert journal.undo(s.NOW) is None
    assert journal.count("changes") == 0
    assert not journal.in_transaction


# -- E8 (in one process): double taps ------------------------------------------------------------------------


def test_e8_double_tap_is_idempotent(journal: Journal) -> None:
    """The same slot confirmed twice (TUI double tap), and `take` repeated for a once-daily dose: one row for
    the slot, the repeat reports the existing log and writes nothing."""
    med = journal.add_medication(s.daily(), s.NOW)
    slot = s.NOW.replace(hour=8, minute=0)
    first = journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON, slot_at=slot)
    changes = journal.count("changes")
    second = journal.record_dose(med, DoseStatus.TAKEN, s.NOW + timedelta(seconds=1), s.LONDON, slot_at=slot)
    assert first.created
    assert not second.created
    assert second.log == first.log
    skipped = journal.record_dose(med, DoseStatus.SKIPPED, s.NOW, s.LONDON, slot_at=slot)
    assert not skipped.created
    assert skipped.log.status is DoseStatus.TAKEN
    # `take` repeated without naming the slot finds the logged 08:00 dose and leaves it as it is.
    again = journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON)
    assert not again.created
    assert again.log == first.log
    assert journal.count("changes") == changes
    with Journal.open(journal.path, now=s.NOW) as reopened:
        assert [log.id for log in reopened.iter_all_doses()] == [first.log.id]


# -- A6: ack only after commit -------------------------------------------------------------------------------


class FailingCommit:
    """The real connection, except that COMMIT fails the way a full or broken disk makes it fail."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._real = conn
        self.failed = 0

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.strip().upper() == "COMMIT":
            self.failed += 1
            raise sqlite3.OperationalError("disk I/O error")
        return self._real.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_a6_ack_only_after_commit(journal: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
    """A COMMIT that fails raises NotSaved (never a result), leaves no transaction open and no row on disk;
    the next attempt succeeds and is on disk."""
    med = journal.add_medication(s.as_needed(), s.NOW)
    real = journal._conn
    failing = FailingCommit(real)
    monkeypatch.setattr(journal, "_conn", failing)
    for write in (
        lambda: journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON, note="first try"),
        lambda: journal.set_setting("reminders.grace", "1h", s.NOW),
        lambda: journal.add_medication(s.daily(), s.NOW),
        lambda: journal.undo(s.NOW),
    ):
        with pytest.raises(NotSaved, match="NOT saved: disk I/O error — your entry is kept"):
            write()
        assert not real.in_transaction
    assert failing.failed == 4
    with Journal.open(journal.path, now=s.NOW) as other:
        assert other.count("doses") == 0
        assert other.count("changes") == 1
        assert other.settings()["reminders.grace"] == "2h"
    monkeypatch.setattr(journal, "_conn", real)
    result = journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON, note="second try")
    assert result.created
    with Journal.open(journal.path, now=s.NOW) as other:
        assert [log.note for log in other.iter_all_doses()] == ["second try"]


def test_a6_cli_says_not_saved(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI with a failing COMMIT exits 1 with "NOT saved", writes nothing, and the retry succeeds."""
    from rpltrack.cli.main import main

    assert main(["--db", str(db_path), "med", "add", "test drug", "--dose", "1 tablet", "--prn"]) == 0
    monkeypatch.setattr(journal_module, "connect", lambda path, **kw: FailingCommit(real_connect(path, **kw)))
    capsys.readouterr()
    assert main(["--db", str(db_path), "take", "test drug"]) == 1
    out = capsys.readouterr()
    assert "NOT saved" in out.err
    assert "Saved" not in out.out
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.count("doses") == 0
    monkeypatch.undo()
    assert main(["--db", str(db_path), "take", "test drug"]) == 0
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.count("doses") == 1


def test_a6_begin_failure_is_not_saved(journal: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
    """A journal that cannot be opened for writing (BEGIN IMMEDIATE fails with an I/O error) says NOT
    saved."""
    med = journal.add_medication(s.as_needed(), s.NOW)
    real = journal._conn

    class FailingBegin(FailingCommit):
        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
            if sql.startswith("BEGIN"):
                raise sqlite3.OperationalError("disk I/O error")
            return self._real.execute(sql, *args)

    monkeypatch.setattr(journal, "_conn", FailingBegin(real))
    with pytest.raises(NotSaved, match="NOT saved"):
        journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON)
    assert not real.in_transaction
    assert int(real.execute("SELECT count(*) FROM doses").fetchone()[0]) == 0


# -- A4-lite: reads leave no transaction open ----------------------------------------------------------------


def test_a4_reads_leave_no_transaction_open(demo_journal: Journal) -> None:
    """After every kind of read on a year of demo data, no transaction is open and a second connection can
    write and fully checkpoint the WAL (no snapshot is pinned); the next read sees the new dose."""
    journal = demo_journal
    reads: list[Callable[[], object]] = [
        lambda: journal.day(s.NOW.date(), s.LONDON, s.NOW),
        journal.medications,
        journal.settings,
        lambda: journal.adherence(s.NOW, 30),
        lambda: journal.changes(10),
        lambda: journal.dose_log(s.NOW - timedelta(days=7), s.NOW),
        lambda: journal.find_medication("folic acid", s.NOW),
        lambda: list(journal.iter_all_doses()),
        lambda: journal.schema_version,
    ]
    other = real_connect(journal.path, key=journal.journal_key)
    try:
        for read in reads:
            before = len(journal.day(s.NOW.date(), s.LONDON, s.NOW))
            read()
            assert not journal.in_transaction
            other.execute("BEGIN IMMEDIATE")
            other.execute(
                "INSERT INTO doses (medication_id, status, taken_utc, logged_utc, tz) "
                "SELECT id, 'taken', '2026-11-23T07:00:00Z', '2026-11-23T07:00:00Z', 'Europe/London' "
                "FROM medications WHERE name = 'folic acid' AND stopped_utc IS NULL LIMIT 1"
            )
            other.execute("COMMIT")
            busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert busy == 0
            assert len(journal.day(s.NOW.date(), s.LONDON, s.NOW)) == before + 1
    finally:
        other.close()


# -- F4-lite: no health data outside the journal -------------------------------------------------------------

NOTE_SENTINEL = "QZXV-medication-note-sentinel"
DOSE_SENTINEL = "QZXV-dose-note-sentinel"


def test_f4_no_health_data_leaks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Sentinels in a medication's notes and a dose's note appear in no file but journal.db (and its -wal),
    and in no output of commands that don't show notes (in-process and as a real subprocess)."""
    from rpltrack.cli.main import main
    from rpltrack.paths import default_db_path

    quiet = [
        ["med", "add", "test drug", "--dose", "1 tablet", "--prn", "--notes", NOTE_SENTINEL],
        ["take", "test drug", "--note", DOSE_SENTINEL],
        ["today"],
        ["log"],
        ["adherence"],
        ["settings", "list"],
        ["undo"],
        ["take", "test drug", "--note", DOSE_SENTINEL],
    ]
    for argv in quiet:
        assert main(argv) == 0, argv
        out = capsys.readouterr()
        for sentinel in (NOTE_SENTINEL, DOSE_SENTINEL):
            assert sentinel not in out.out + out.err, argv
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rpltrack",
            "take",
            "test drug",
            "--at",
            "2026-01-01 08:00",
            "--note",
            DOSE_SENTINEL,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Saved" in proc.stdout
    assert DOSE_SENTINEL not in proc.stdout + proc.stderr

    db = default_db_path()
    assert NOTE_SENTINEL.encode() in db.read_bytes()  # control: the search below would find them
    assert DOSE_SENTINEL.encode() in db.read_bytes()
    allowed = {db, Path(f"{db}-wal")}
    for path in tmp_path.rglob("*"):
        if path.is_file() and path not in allowed:
            data = path.read_bytes()
            for sentinel in (NOTE_SENTINEL, DOSE_SENTINEL):
                assert sentinel.encode() not in data, path
                assert sentinel.encode("utf-16-le") not in data, path
    assert not Path(f"{db}-wal").exists()  # closed: everything is in journal.db
