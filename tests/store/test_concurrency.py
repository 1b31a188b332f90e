"""Two real processes on one journal (spawn start method: no inherited connections)."""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from rpltrack.domain.models import DoseStatus
from rpltrack.store.journal import Journal

from . import _support as s

SPAWN = multiprocessing.get_context("spawn")


def run_workers(target: Any, per_worker_args: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Start one spawn process per args tuple, released together by a barrier; return their reports."""
    start, queue = SPAWN.Barrier(len(per_worker_args)), SPAWN.Queue()
    procs = [
        SPAWN.Process(target=target, args=(args[0], start, *args[1:], queue)) for args in per_worker_args
    ]
    for proc in procs:
        proc.start()
    reports = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return reports


@pytest.fixture
def shared_db(db_path: Path) -> Path:
    with Journal.open(db_path, now=s.NOW) as journal:
        journal.add_medication(s.hourly(), s.NOW)
        journal.add_medication(s.as_needed(), s.NOW)
    return db_path


def dose_rows(path: Path) -> list[tuple[int, str | None, str]]:
    conn = s.raw(path)
    try:
        return [(r[0], r[1], r[2]) for r in conn.execute("SELECT id, slot_utc, note FROM doses ORDER BY id")]
    finally:
        conn.close()


def test_e8_double_tap_is_idempotent_across_processes(shared_db: Path) -> None:
    """Two processes (notification action and TUI) confirm the same 300 scheduled slots at the same time:
    exactly one row per slot, every call answered (created or "already logged") with the same row, and no
    "database is locked" or other error reaches either caller."""
    slots = list(range(300))
    reports = run_workers(s.take_slots_worker, [(str(shared_db), slots), (str(shared_db), slots)])
    assert [r["errors"] for r in reports] == [[], []]
    for report in reports:
        assert len(report["created"]) + len(report["existing"]) == 300
    created = [set(r["created"]) for r in reports]
    assert not created[0] & created[1]
    rows = dose_rows(shared_db)
    assert len(rows) == 300
    assert {r[0] for r in rows} == created[0] | created[1]
    assert {r[1] for r in rows} == {s.hourly_slot(i).strftime("%Y-%m-%dT%H:%M:%SZ") for i in slots}
    assert set(reports[0]["existing"]) <= created[1]
    assert set(reports[1]["existing"]) <= created[0]
    s.assert_healthy(shared_db)


def test_a2_two_process_writers_no_locked_escapes(shared_db: Path) -> None:
    """Two processes each log 500 distinct scheduled doses (each write reads first, under the write lock) and
    500 as-needed doses: all 2,000 are on disk with the ids their callers were given, none lost to "database
    is locked"."""
    even, odd = list(range(0, 1000, 2)), list(range(1, 1000, 2))
    slot_reports = run_workers(s.take_slots_worker, [(str(shared_db), even), (str(shared_db), odd)])
    assert [r["errors"] for r in slot_reports] == [[], []]
    assert [len(r["created"]) for r in slot_reports] == [500, 500]
    prn_reports = run_workers(
        s.log_as_needed_worker, [(str(shared_db), 500, "a"), (str(shared_db), 500, "b")]
    )
    assert [r["errors"] for r in prn_reports] == [[], []]
    rows = dose_rows(shared_db)
    assert len(rows) == 2000
    on_disk = {r[0]: r[2] for r in rows}
    for report in slot_reports:
        assert set(report["created"]) <= on_disk.keys()
    for report in prn_reports:
        assert len(report["acked"]) == 500
        for dose_id, note in report["acked"].items():
            assert on_disk[dose_id] == note
    s.assert_healthy(shared_db)


def test_a4_idle_reader_does_not_block_or_go_stale(shared_db: Path) -> None:
    """A journal that has just read (day, medications, adherence) holds no transaction; another process writes
    300 doses meanwhile without an error, and the reader's next read sees all of them."""
    with Journal.open(shared_db, now=s.NOW) as journal:
        assert [v for v in journal.day(s.NOW.date(), s.LONDON, s.NOW) if v.log is not None] == []
        journal.medications()
        journal.adherence(s.NOW, 7)
        assert not journal.in_transaction
        (report,) = run_workers(s.log_as_needed_worker, [(str(shared_db), 300, "bg")])
        assert report["errors"] == []
        assert not journal.in_transaction
        logged = [v.log.id for v in journal.day(s.NOW.date(), s.LONDON, s.NOW) if v.log is not None]
        assert len(logged) == 300
        assert set(logged) == set(report["acked"])


def backup_findings(path: Path) -> dict[str, Any]:
    conn = s.raw(path)
    try:
        ids = [r[0] for r in conn.execute("SELECT id FROM doses ORDER BY id")]
        orphans = conn.execute(
            "SELECT count(*) FROM doses d WHERE NOT EXISTS "
            "(SELECT 1 FROM audit a WHERE a.tbl = 'doses' AND a.row_id = d.id)"
        ).fetchone()[0]
        dangling = conn.execute(
            "SELECT count(*) FROM audit a WHERE a.tbl = 'doses' AND NOT EXISTS "
            "(SELECT 1 FROM doses d WHERE d.id = a.row_id)"
        ).fetchone()[0]
        notes = [r[0] for r in conn.execute("SELECT note FROM doses ORDER BY id")]
    finally:
        conn.close()
    check, fk = s.integrity(path)
    return {"ids": ids, "orphans": orphans, "dangling": dangling, "notes": notes, "check": check, "fk": fk}


def test_b9_live_backup_is_consistent(shared_db: Path, tmp_path: Path) -> None:
    """Backups taken with Journal.backup while another process logs doses: each is healthy, 0600, has no gap
    in the dose ids and no dose without its audit row (one transaction, all or nothing). Control: a plain
    file copy of journal.db misses a committed dose that the backup API has."""
    start, queue = SPAWN.Barrier(2), SPAWN.Queue()
    writer = SPAWN.Process(target=s.log_as_needed_worker, args=(str(shared_db), start, 1500, "w", queue))
    writer.start()
    backups: list[Path] = []
    with Journal.open(shared_db, now=s.NOW) as journal:
        start.wait()
        for i in range(20):
            backups.append(journal.backup(tmp_path / "backups" / f"live-{i:02}.db"))
        report = queue.get(timeout=120)
        writer.join(timeout=60)
        assert writer.exitcode == 0
        assert report["errors"] == []

        for backup in backups:
            found = backup_findings(backup)
            assert s.mode(backup) == 0o600
            assert found["check"] == "ok"
            assert found["fk"] == []
            assert found["ids"] == list(range(1, len(found["ids"]) + 1))
            assert found["orphans"] == 0
            assert found["dangling"] == 0
            assert found["notes"] == [f"w-{i}" for i in range(len(found["notes"]))]

        # Control: with the WAL holding the newest commit, a file copy loses it; the backup API does not.
        assert journal.pragma("wal_checkpoint(TRUNCATE)") == 0
        med = journal.find_medication("as needed test drug")
        journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON, note="after the checkpoint")
        copied = tmp_path / "copy.db"
        shutil.copy(shared_db, copied)
        proper = journal.backup(tmp_path / "backups" / "final.db")
    copy_conn = sqlite3.connect(str(copied))
    try:
        copy_notes = [r[0] for r in copy_conn.execute("SELECT note FROM doses")]
    finally:
        copy_conn.close()
    assert "after the checkpoint" not in copy_notes
    final = backup_findings(proper)
    assert final["notes"][-1] == "after the checkpoint"
    assert len(final["ids"]) == 1501
