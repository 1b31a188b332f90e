"""Backups, restores and the health check (RELIABILITY B9, B10, A8's check), on real files."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rpltrack.cli.main import main
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseStatus
from rpltrack.store.journal import Journal
from rpltrack.store.migrations import HEAD
from tests.store import _support as s

LATER = s.NOW + timedelta(minutes=5)


def logged(path: Path) -> int:
    with Journal.open(path, now=s.NOW) as journal:
        return journal.count("doses")


def test_b10_restore_into_the_live_journal_reaches_other_connections(tmp_path: Path) -> None:
    """A restore goes through the backup API into the live file: a second connection (the app, a reminder
    process) reads the restored state and can write after it; the state before is kept as a backup."""
    path = tmp_path / "journal.db"
    with Journal.open(path, now=s.NOW) as journal:
        med = journal.add_medication(s.hourly(), s.NOW)
        journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON, slot_at=s.hourly_slot(0))
        saved = journal.make_backup(s.NOW, tmp_path / "one-dose.db")
        journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON, slot_at=s.hourly_slot(1))
    other = Journal.open(path, now=s.NOW)
    try:
        assert other.count("doses") == 2
        with Journal.open(path, now=s.NOW) as journal:
            safety = journal.restore(saved, LATER)
            assert journal.pragma("journal_mode") == "wal"
            assert journal.check() == []
        assert other.count("doses") == 1
        (med,) = other.medications()
        assert other.record_dose(med, DoseStatus.TAKEN, LATER, s.LONDON, slot_at=s.hourly_slot(2)).created
    finally:
        other.close()
    assert logged(path) == 2
    assert logged(safety) == 2
    assert stat.S_IMODE(safety.stat().st_mode) == 0o600


def test_backups_are_owner_only_whole_copies_and_never_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal.open(path, now=s.NOW) as journal:
        journal.add_medication(s.daily(), s.NOW)
        first = journal.make_backup(s.NOW)
        second = journal.make_backup(s.NOW)
        assert first != second  # same second: the second is numbered
        with pytest.raises(ValidationError, match="already exists"):
            journal.make_backup(s.NOW, first)
    for copy in (first, second):
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert copy.parent == tmp_path / "backups"
        with Journal.open(copy, now=s.NOW) as restored:
            assert restored.count("medications") == 1
    assert not list((tmp_path / "backups").glob(".*partial"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", ["missing", "foreign", "newer", "damaged"])
def test_a_restore_from_a_bad_file_is_refused_and_changes_nothing(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "journal.db"
    with Journal.open(path, now=s.NOW) as journal:
        journal.add_medication(s.daily(), s.NOW)
        good = journal.make_backup(s.NOW, tmp_path / "good.db")
    bad = tmp_path / "bad.db"
    if kind == "foreign":
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.commit()
        conn.close()
    elif kind == "newer":
        shutil.copy(good, bad)
        conn = sqlite3.connect(bad)
        conn.execute("PRAGMA user_version = 99")
        conn.commit()
        conn.close()
    elif kind == "damaged":
        data = bytearray(good.read_bytes())
        page = 4096
        for number in range(1, len(data) // page):  # every page after the first: b-tree headers broken
            data[number * page : number * page + 12] = b"\xff" * 12
        bad.write_bytes(bytes(data))
    before = sha256(path)
    with Journal.open(path, now=s.NOW) as journal, pytest.raises(ValidationError):
        journal.restore(bad, LATER)
    assert sha256(path) == before
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())


def test_check_reports_a_healthy_journal_and_the_cli_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "journal.db"
    assert main(["--db", str(path), "med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00"]) == 0
    capsys.readouterr()
    assert main(["--db", str(path), "check"]) == 0
    assert f"is healthy: schema v{HEAD}, 1 medications" in capsys.readouterr().out
    assert main(["--db", str(path), "backup"]) == 0
    written = Path(capsys.readouterr().out.strip().removeprefix("Saved a backup: "))
    assert written.exists()
    assert main(["--db", str(path), "restore", str(written)]) == 0
    assert "The journal as it was before is saved at" in capsys.readouterr().out


def test_backup_time_stamp_is_utc(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "journal.db", now=s.NOW) as journal:
        written = journal.make_backup(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert written.name == "journal-20260329T013000Z-manual.db"


def test_a_daily_backup_is_made_once_a_day_and_the_newest_seven_are_kept(db_path: Path) -> None:
    """#5: a rotating backup once a day on the first open that asks (the app, the reminder timer)."""
    from datetime import timedelta

    from rpltrack.store.backups import backup_dir
    from rpltrack.store.journal import DAILY_BACKUPS

    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.daily_backup(s.NOW) is None  # nothing to keep yet
        journal.add_medication(s.daily(), s.NOW)
        first = journal.daily_backup(s.NOW)
        assert first is not None
        assert first.parent == backup_dir(db_path)
        assert journal.daily_backup(s.NOW + timedelta(hours=5)) is None  # the same day
        for day in range(1, 10):
            assert journal.daily_backup(s.NOW + timedelta(days=day)) is not None
    kept = sorted(backup_dir(db_path).glob("journal-*-daily*.db"))
    assert len(kept) == DAILY_BACKUPS
    assert kept[-1].name.startswith("journal-20261202T")
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in kept)
    with Journal.open(kept[-1]) as copy:
        assert [m.name for m in copy.medications()] == ["aspirin"]


def test_the_reminder_timer_makes_the_daily_backup(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rpltrack.cli.main import main
    from rpltrack.store.backups import backup_dir

    assert main(["--db", str(db_path), "med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00"]) == 0
    assert main(["--db", str(db_path), "remind", "--once", "--wait", "0"]) == 0
    capsys.readouterr()
    assert len(list(backup_dir(db_path).glob("journal-*-daily*.db"))) == 1


def test_journals_sharing_a_folder_each_keep_their_own_daily_backups(tmp_path: Path) -> None:
    """Two journals in one folder share its backups/: each makes its own daily backup (the first one's does
    not stand in for the second's), and rotating one's backups never removes the other's. journal-2.db, whose
    name begins like journal.db's, is told apart too."""
    from rpltrack.store.backups import backup_dir, labelled_backups
    from rpltrack.store.journal import DAILY_BACKUPS

    paths = [tmp_path / "journal.db", tmp_path / "journal-2.db", tmp_path / "sister.db"]
    for path in paths:
        with Journal.open(path, now=s.NOW) as journal:
            journal.add_medication(s.daily(), s.NOW)
    for day in range(10):
        for path in paths:
            with Journal.open(path, now=s.NOW) as journal:
                made = journal.daily_backup(s.NOW + timedelta(days=day))
                assert made is not None
                assert made.name.startswith(f"{path.stem}-")
    names = sorted(p.name for p in backup_dir(paths[0]).iterdir())
    assert len(names) == DAILY_BACKUPS * len(paths)
    for path in paths:
        kept = labelled_backups(path, "daily")
        assert len(kept) == DAILY_BACKUPS
        assert kept[-1].name.startswith(f"{path.stem}-20261202T")
        with Journal.open(kept[-1]) as copy:
            assert [m.name for m in copy.medications()] == ["aspirin"]


# -- #14: restore verifies the whole schema ------------------------------------------------------------------


def _altered_copy(good: Path, bad: Path, *statements: str, foreign_keys: bool = True) -> None:
    shutil.copy(good, bad)
    conn = sqlite3.connect(bad)
    conn.execute("PRAGMA journal_mode = delete")
    if not foreign_keys:
        conn.execute("PRAGMA foreign_keys = off")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


HOSTILE_BACKUPS = {
    "trigger": (
        "CREATE TRIGGER sweep AFTER INSERT ON labs BEGIN DELETE FROM betas; END",
        "an extra trigger 'sweep'",
    ),
    "view": ("CREATE VIEW everything AS SELECT * FROM medications", "an extra view 'everything'"),
    "extra table": ("CREATE TABLE notes_of_someone_else (x TEXT)", "an extra table 'notes_of_someone_else'"),
    "extra index": ("CREATE INDEX doses_note ON doses (note)", "an extra index 'doses_note'"),
    "wrong columns": ("ALTER TABLE labs DROP COLUMN note", "the table 'labs' is not as rpltrack makes it"),
    "missing table": ("DROP TABLE protocol_uses", "no table 'protocol_uses'"),
    "foreign key violation": (
        "INSERT INTO doses (medication_id, slot_utc, status, taken_utc, logged_utc, tz) VALUES "
        "(999, '2026-11-20T08:00:00Z', 'taken', '2026-11-20T08:00:00Z', '2026-11-20T08:00:00Z', 'UTC')",
        "point at missing ones",
    ),
}


@pytest.mark.parametrize("kind", list(HOSTILE_BACKUPS))
def test_b11_restore_refuses_a_backup_unlike_rpltracks_own_schema(tmp_path: Path, kind: str) -> None:
    """A backup carrying a trigger, a view, an extra table or index, other columns, a missing table or rows
    that point at missing rows is refused, naming what is wrong; the journal stays byte-identical and no
    safety backup is made."""
    path = tmp_path / "journal.db"
    with Journal.open(path, now=s.NOW) as journal:
        journal.add_medication(s.daily(), s.NOW)
        good = journal.make_backup(s.NOW, tmp_path / "good.db")
    statement, named = HOSTILE_BACKUPS[kind]
    bad = tmp_path / "bad.db"
    _altered_copy(good, bad, statement, foreign_keys=False)
    before = sha256(path)
    with Journal.open(path, now=s.NOW) as journal, pytest.raises(ValidationError, match=named) as refused:
        journal.restore(bad, LATER)
    assert "not restored" in str(refused.value)
    assert sha256(path) == before
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())


def test_b11_the_cli_names_the_trigger_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "journal.db"
    assert main(["--db", str(path), "med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00"]) == 0
    good = tmp_path / "good.db"
    assert main(["--db", str(path), "backup", str(good)]) == 0
    bad = tmp_path / "bad.db"
    _altered_copy(good, bad, HOSTILE_BACKUPS["trigger"][0])
    capsys.readouterr()
    before = sha256(path)
    assert main(["--db", str(path), "restore", str(bad)]) == 2
    assert "an extra trigger 'sweep'" in capsys.readouterr().err
    assert sha256(path) == before


@pytest.mark.parametrize("page_size", [512, 1024, 8192, 65536])
def test_b11_a_backup_with_another_page_size_restores(tmp_path: Path, page_size: int) -> None:
    """The backup API cannot change a WAL journal's page size; the restore rewrites the copy first and leaves
    no file of its own behind."""
    path = tmp_path / "journal.db"
    with Journal.open(path, now=s.NOW) as journal:
        journal.add_medication(s.daily(), s.NOW)
        good = journal.make_backup(s.NOW, tmp_path / "good.db")
    conn = sqlite3.connect(good)
    conn.execute("PRAGMA journal_mode = delete")
    conn.execute(f"PRAGMA page_size = {page_size}")
    conn.execute("VACUUM")
    assert conn.execute("PRAGMA page_size").fetchone()[0] == page_size
    conn.close()
    with Journal.open(path, now=s.NOW) as journal:
        journal.add_medication(s.daily(name="folic acid", dose="1 mg"), s.NOW)
        journal.restore(good, LATER)
    with Journal.open(path, now=s.NOW) as reopened:
        assert [m.name for m in reopened.medications()] == ["aspirin"]
        assert reopened.check() == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("kind", ["truncated", "not sqlite"])
def test_b11_a_truncated_or_foreign_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "journal.db"
    with Journal.open(path, now=s.NOW) as journal:
        journal.add_medication(s.daily(), s.NOW)
        good = journal.make_backup(s.NOW, tmp_path / "good.db")
    bad = tmp_path / "bad.db"
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) // 3] if kind == "truncated" else b"just some text\n" * 500)
    before = sha256(path)
    with Journal.open(path, now=s.NOW) as journal, pytest.raises(ValidationError):
        journal.restore(bad, LATER)
    assert sha256(path) == before


# -- #14: a damaged journal is named, and never copied over a good backup -----------------------------------


def _damage_data_pages(path: Path) -> None:
    """Overwrite the middle of the last data pages (the schema on page 1 stays readable)."""
    data = bytearray(path.read_bytes())
    page = 4096
    pages = len(data) // page
    for number in range(max(2, pages - 8), pages - 1):
        data[number * page + 20 : number * page + 400] = bytes((n * 37 + number) % 256 for n in range(380))
    path.write_bytes(bytes(data))


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    path = tmp_path / "journal.db"
    assert main(["--db", str(path), "demo", "--years", "1"]) == 0
    assert main(["--db", str(path), "backup"]) == 0
    for leftover in (tmp_path / "journal.db-wal", tmp_path / "journal.db-shm"):
        leftover.unlink(missing_ok=True)
    _damage_data_pages(path)
    return path


def test_a9_check_names_the_damage_and_the_backups(damaged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--db", str(damaged), "check"]) == 1
    out = capsys.readouterr()
    assert "looks damaged" in out.out
    assert "malformed" in out.out or "corrupt" in out.out
    assert "rpltrack restore FILE" in out.out
    assert "-manual.db" in out.out  # the backup made before the damage is named
    assert "unexpected error" not in out.err


def test_a9_backup_refuses_a_damaged_journal_unless_told(
    damaged: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--db", str(damaged), "backup", str(tmp_path / "copy.db")]) == 2
    assert "--even-damaged" in capsys.readouterr().err
    assert not (tmp_path / "copy.db").exists()
    assert main(["--db", str(damaged), "backup", str(tmp_path / "copy.db"), "--even-damaged"]) == 0
    assert (tmp_path / "copy.db").exists()


def test_a9_the_daily_backup_skips_a_damaged_journal(damaged: Path, tmp_path: Path) -> None:
    """A damaged journal never becomes a daily backup, so the good ones are never rotated out by it."""
    before = sorted((tmp_path / "backups").iterdir())
    with Journal.open(damaged, now=s.NOW) as journal:
        assert journal.daily_backup(LATER + timedelta(days=3)) is None
    assert sorted((tmp_path / "backups").iterdir()) == before


def test_a9_damage_met_while_reading_is_named_not_unexpected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command that meets the damage while reading says the journal looks damaged and where to look, never
    "unexpected error" (exit 1)."""
    path = tmp_path / "journal.db"
    assert main(["--db", str(path), "demo"]) == 0
    data = bytearray(path.read_bytes())
    page = 4096
    pages = len(data) // page
    for number in range(pages // 2, pages):
        data[number * page + 8 : number * page + 200] = bytes((n * 7 + number) % 256 for n in range(192))
    path.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["--db", str(path), "med", "list"]) == 1
    err = capsys.readouterr().err
    assert "the journal looks damaged" in err
    assert "rpltrack check" in err
    assert "unexpected error" not in err
