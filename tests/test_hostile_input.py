"""Hostile journal files (issue #7): not a database, read-only, a full disk — through the real command.

Every command runs as `python -m rpltrack` in a subprocess: what she sees is its exit status, stdout and
stderr, and what it leaves is the bytes of the file. A read-only file is made read-only for real (as root,
the child drops the capabilities that let root ignore file permissions, and a probe proves it cannot write);
a full disk is a real file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so a write fails with EFBIG as on
a full disk).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rpltrack.clock import SystemClock
from rpltrack.domain.medspec import MedicationInput, build_medication
from rpltrack.domain.models import DoseStatus
from rpltrack.store.journal import Journal
from rpltrack.store.migrations import HEAD
from tests.cli.support import checksum, run_rpltrack
from tests.conftest import LONDON

COMMANDS = (
    ("today",),
    ("take", "aspirin"),
    ("export", "csv", "--out", "{export}"),
    ("remind", "--once", "--wait", "0"),
)
LONG_NOTE = "n" * 100_000
LONGEST_NOTE = "n" * 2000  # the most a note on the command line may hold (FREE_TEXT_LIMIT)

# prctl(2) and capabilities(7): as root, these let a process ignore file permissions.
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3


def rpltrack(
    db: Path, *args: str, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_rpltrack(db, *args, preexec=preexec)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> dict[str, int]:
    """Every file under `folder` with its mode: nothing may appear, vanish or change its permissions."""
    return {str(p.relative_to(folder)): p.stat().st_mode & 0o777 for p in sorted(folder.rglob("*"))}


def assert_one_clear_line(err: str) -> None:
    """One line on stderr, said by rpltrack: no traceback, no Python exception name."""
    assert err.endswith("\n"), err
    assert err.count("\n") == 1, err
    assert err.startswith("rpltrack: "), err
    assert "Traceback" not in err
    assert "Error:" not in err, err  # e.g. "OperationalError: ..." from an unexpected error


def real_journal(path: Path) -> Path:
    """A journal written by rpltrack itself: a daily aspirin, an as-needed paracetamol taken once."""
    now = SystemClock(LONDON).now()
    with Journal.open(path, now=now) as journal:
        journal.add_medication(
            build_medication(MedicationInput(name="aspirin", dose="81 mg", times="08:00"), LONDON, now), now
        )
        prn = journal.add_medication(
            build_medication(MedicationInput(name="paracetamol", dose="500 mg", prn=True), LONDON, now), now
        )
        journal.record_dose(prn, DoseStatus.TAKEN, now, LONDON, note="first")
    assert not Path(f"{path}-wal").exists()  # closed: everything is in the file
    return path


def count_doses(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM doses").fetchone()[0])
    finally:
        conn.close()


# Every table of what she recorded: all but the reminder ledger, which notes what a reminder run sent.
HER_RECORDS = ("medications", "regimens", "doses", "changes", "audit", "settings", "labs", "appointments")


# -- not a database -----------------------------------------------------------------------------------------


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(8192))


def text_file(path: Path) -> None:
    path.write_text("shopping list\n- eggs\n- milk\n", encoding="utf-8")


def truncated_journal(path: Path) -> None:
    whole = real_journal(path.with_name("whole.db"))
    path.write_bytes(whole.read_bytes()[:1000])
    whole.unlink()


@pytest.mark.parametrize(
    "make",
    [random_bytes, text_file, truncated_journal],
    ids=["random-bytes", "text-file", "truncated-journal"],
)
def test_a_file_that_is_not_a_journal_is_refused_by_every_command_and_left_untouched(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    """`today`, `take`, `export csv` and `remind --once` on random bytes, a text file, or the first 1000 bytes
    of a real journal: each exits 1 with one sentence naming the file and saying nothing was changed (no
    traceback, nothing on stdout); the file's bytes and mode are unchanged, and nothing appears beside it (not
    even the -wal and -shm files SQLite makes while it looks at a journal in WAL mode) or in the export
    folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "journal.db"
    make(path)
    path.chmod(0o644)
    before, files = sha256(path), listing(folder)
    export = tmp_path / "export"
    # Random bytes cannot be told from a journal locked at rest (#17): without its key, every command says
    # it is locked or not a journal at all, and exits 2 like any open that lacks its passphrase.
    looks_locked = make is random_bytes
    for command in COMMANDS:
        done = rpltrack(path, *(word.format(export=export) for word in command))
        assert done.returncode == (2 if looks_locked else 1), (command, done.stderr)
        assert done.stdout == "", command
        assert_one_clear_line(done.stderr)
        assert str(path) in done.stderr
        if looks_locked:
            assert "or it is not an rpltrack journal at all" in done.stderr
        else:
            assert "is not an rpltrack journal or is damaged" in done.stderr
        assert done.stderr.endswith("Nothing was changed.\n")
        assert sha256(path) == before, command
        assert listing(folder) == files, command
    assert not export.exists()


def test_an_empty_file_is_taken_as_a_new_journal(tmp_path: Path) -> None:
    """An empty (0-byte) file is not "not a database": SQLite reads it as an empty database, and it is what
    rpltrack itself leaves when it has created its journal owner-only (before SQLite writes a byte) and was
    stopped there. Refusing it would lock her out after such a first run, so every command takes it as a new
    journal: it is made owner-only (and says so), set up, and works."""
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "journal.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    export = tmp_path / "export"

    today = rpltrack(path, "today")
    assert today.returncode == 0, today.stderr
    assert "No doses scheduled today" in today.stdout
    assert today.stderr == "rpltrack: tightened the permissions of journal.db to owner-only\n"
    take = rpltrack(path, "take", "aspirin")
    assert take.returncode == 2
    assert_one_clear_line(take.stderr)
    assert "no medication called 'aspirin'" in take.stderr
    export_run = rpltrack(path, "export", "csv", "--out", str(export))
    assert export_run.returncode == 0, export_run.stderr
    assert (export / "doses.csv").is_file()
    remind = rpltrack(path, "remind", "--once", "--wait", "0")
    assert (remind.returncode, remind.stdout, remind.stderr) == (0, "", "")

    assert path.stat().st_mode & 0o777 == 0o600
    with Journal.open(path) as journal:
        assert journal.schema_version == HEAD
        assert journal.check() == []
        assert journal.count("medications") == 0


# -- read-only -----------------------------------------------------------------------------------------------


def obey_file_permissions() -> None:
    """preexec_fn: a child that obeys file permissions. Root ignores them (CAP_DAC_OVERRIDE and friends), so
    as root the child drops those capabilities from its bounding set before exec; a normal user needs
    nothing."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def assert_child_cannot_write(target: Path) -> None:
    """The test is honest only if the child really cannot write: a probe child under the same rules tries."""
    code = (
        "import sys, pathlib; p = pathlib.Path(sys.argv[1]); "
        "open(p, 'r+b') if p.is_file() else open(p / 'probe', 'xb')"
    )
    probe = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=obey_file_permissions,
    )
    cannot = f"a child could still write {target}: this test cannot make it read-only here"
    assert probe.returncode != 0, cannot
    assert "PermissionError" in probe.stderr, cannot


@pytest.fixture
def restore_permissions(tmp_path: Path) -> Iterator[None]:
    """Whatever a test made read-only is writable again afterwards, so tmp_path can be cleaned up."""
    yield
    for path in (tmp_path, *tmp_path.rglob("*")):
        if path.is_dir():
            path.chmod(0o700)
        elif path.exists():
            path.chmod(0o600)


@pytest.mark.usefixtures("restore_permissions")
def test_a_read_only_journal_can_be_read_but_a_dose_is_not_saved(tmp_path: Path) -> None:
    """journal.db made read-only (0400): logging a dose exits 1 with one sentence saying NOT saved and that
    the journal is read-only (never an "unexpected error"), and the file's bytes are unchanged; `today`, `log`
    and `export csv` to a writable folder still work. Made writable again, the next dose is saved: the -wal
    and -shm files the read-only runs left behind (read-only too, as SQLite copies the journal's mode) are
    made writable again, or no write could ever succeed."""
    path = real_journal(tmp_path / "data" / "journal.db")
    rows = checksum(path)
    path.chmod(0o400)
    assert_child_cannot_write(path)
    before = sha256(path)

    take = rpltrack(path, "take", "paracetamol", "--note", "second", preexec=obey_file_permissions)
    assert take.returncode == 1, take.stderr
    assert "Saved" not in take.stdout
    assert_one_clear_line(take.stderr)
    assert take.stderr.startswith(f"rpltrack: NOT saved: the journal {path} is read-only")
    assert take.stderr.endswith("Nothing was changed.\n")
    assert sha256(path) == before

    today = rpltrack(path, "today", preexec=obey_file_permissions)
    assert today.returncode == 0, today.stderr
    assert "aspirin 81 mg" in today.stdout
    log = rpltrack(path, "log", preexec=obey_file_permissions)
    assert log.returncode == 0, log.stderr
    assert "paracetamol (as needed): taken 500 mg" in log.stdout
    export = tmp_path / "export"
    exported = rpltrack(path, "export", "csv", "--out", str(export), preexec=obey_file_permissions)
    assert exported.returncode == 0, exported.stderr
    assert "paracetamol" in (export / "doses.csv").read_text(encoding="utf-8-sig")
    assert sha256(path) == before

    path.chmod(0o600)
    again = rpltrack(path, "take", "paracetamol", "--note", "second", preexec=obey_file_permissions)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Saved: paracetamol 500 mg taken at")
    assert checksum(path) != rows
    assert count_doses(path) == 2


@pytest.mark.usefixtures("restore_permissions")
def test_a_read_only_data_folder_is_refused_clearly_and_nothing_changes(tmp_path: Path) -> None:
    """The journal's folder made read-only (0500): SQLite cannot create the -wal and -shm files a journal in
    WAL mode needs beside it, so no command can open it. Each says so in one sentence (the folder is
    read-only: make it writable) and exits 1, never that the journal is damaged; logging a dose is not saved,
    and the file and folder are unchanged."""
    folder = tmp_path / "data"
    path = real_journal(folder / "journal.db")
    rows = checksum(path)
    before, files = sha256(path), listing(folder)
    folder.chmod(0o500)
    assert_child_cannot_write(folder)
    export = tmp_path / "export"
    for command in (("take", "paracetamol"), ("today",), ("export", "csv", "--out", str(export))):
        done = rpltrack(path, *command, preexec=obey_file_permissions)
        assert done.returncode == 1, (command, done.stderr)
        assert done.stdout == ""
        assert_one_clear_line(done.stderr)
        assert "its folder is read-only" in done.stderr, done.stderr
        assert "damaged" not in done.stderr
        assert done.stderr.endswith("Nothing was changed.\n")
        assert sha256(path) == before
    folder.chmod(0o700)
    assert listing(folder) == files
    assert checksum(path) == rows
    assert not export.exists()


# -- a full disk ----------------------------------------------------------------------------------------


def disk_full_after(limit: int) -> Callable[[], None]:
    """preexec_fn: no file can grow past `limit` bytes; a write past it fails with EFBIG, as on a full disk
    (SIGXFSZ, which would kill the process instead, is ignored)."""

    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_a_full_disk_while_logging_a_dose_is_not_saved_and_the_journal_stays_whole(tmp_path: Path) -> None:
    """A dose with a 2,000-character note needs several pages of -wal; files may not grow past 8 KiB. `take`
    exits 1 with one sentence: NOT saved, the disk may be full (never "Saved"). The journal is unchanged row
    for row, passes SQLite's integrity check, and the same dose is saved once there is room."""
    path = real_journal(tmp_path / "data" / "journal.db")
    rows = checksum(path)
    # The -shm index (32 KiB) exists already, held open here as another rpltrack would: only the -wal grows.
    other = sqlite3.connect(path)
    other.execute("SELECT count(*) FROM doses").fetchone()
    try:
        take = rpltrack(
            path, "take", "paracetamol", "--note", LONGEST_NOTE, preexec=disk_full_after(8 * 1024)
        )
    finally:
        other.close()
    assert take.returncode == 1, take.stderr
    assert "Saved" not in take.stdout
    assert_one_clear_line(take.stderr)
    assert take.stderr.startswith("rpltrack: NOT saved:")
    assert "the disk may be full" in take.stderr
    assert checksum(path) == rows
    with Journal.open(path, check=True) as journal:
        assert not journal.readonly
        assert journal.check() == []
    again = rpltrack(path, "take", "paracetamol", "--note", LONGEST_NOTE)
    assert again.returncode == 0, again.stderr
    with Journal.open(path) as journal:
        assert [log.note for log in journal.iter_all_doses()] == ["first", LONGEST_NOTE]


def test_a_full_disk_at_the_start_is_said_as_such_and_not_as_damage(tmp_path: Path) -> None:
    """Files may not grow past 16 KiB: SQLite cannot even make the 32 KiB index (-shm) it needs to read. The
    command exits 1 saying the disk may be full — not that her journal is damaged — the file is unchanged,
    nothing is left beside it, and it opens as usual once there is room."""
    folder = tmp_path / "data"
    path = real_journal(folder / "journal.db")
    before, files = sha256(path), listing(folder)
    for command in (("today",), ("take", "paracetamol")):
        done = rpltrack(path, *command, preexec=disk_full_after(16 * 1024))
        assert done.returncode == 1, done.stderr
        assert_one_clear_line(done.stderr)
        assert "the disk may be full" in done.stderr
        assert "damaged" not in done.stderr
        assert done.stderr.endswith("Nothing was changed.\n")
        assert sha256(path) == before
        assert listing(folder) == files
    healthy = rpltrack(path, "check")
    assert healthy.returncode == 0, healthy.stderr


def test_a_full_disk_during_a_backup_or_an_export_leaves_no_partial_file(tmp_path: Path) -> None:
    """A journal bigger than the 64 KiB a file may grow to: `backup` and `export csv` each exit 1 with one
    sentence (NOT saved / could not write), leave no partial backup or export behind, and the journal is
    unchanged."""
    path = tmp_path / "data" / "journal.db"
    real_journal(path)
    with Journal.open(path) as journal:
        med = journal.find_medication("paracetamol", SystemClock(LONDON).now())
        journal.record_dose(med, DoseStatus.TAKEN, SystemClock(LONDON).now(), LONDON, note=LONG_NOTE)
    assert path.stat().st_size > 64 * 1024
    rows, before = checksum(path), sha256(path)

    backup = rpltrack(path, "backup", preexec=disk_full_after(64 * 1024))
    assert backup.returncode == 1, backup.stderr
    assert "Saved" not in backup.stdout
    assert_one_clear_line(backup.stderr)
    assert backup.stderr.startswith("rpltrack: NOT saved: the backup could not be written")
    backups = path.parent / "backups"
    assert not backups.exists() or list(backups.iterdir()) == []

    export = tmp_path / "export"
    exported = rpltrack(path, "export", "csv", "--out", str(export), preexec=disk_full_after(64 * 1024))
    assert exported.returncode == 1, exported.stderr
    assert "Saved" not in exported.stdout
    assert_one_clear_line(exported.stderr)
    assert exported.stderr.startswith(f"rpltrack: could not write the export to {export}")
    assert not export.exists()

    assert (checksum(path), sha256(path)) == (rows, before)


def test_a_full_disk_during_the_daily_backup_of_remind_once_is_said_clearly(tmp_path: Path) -> None:
    """`remind --once` (run every minute by the timer) keeps a daily backup on its first run of the day; on a
    disk with no room for it, it says so in one sentence naming the backup — not an "unexpected error" —
    leaves no partial backup, and her records are unchanged (the reminder ledger may note what it sent)."""
    path = tmp_path / "data" / "journal.db"
    real_journal(path)
    with Journal.open(path) as journal:
        med = journal.find_medication("paracetamol", SystemClock(LONDON).now())
        journal.record_dose(med, DoseStatus.TAKEN, SystemClock(LONDON).now(), LONDON, note=LONG_NOTE)
    rows = checksum(path, HER_RECORDS)
    done = rpltrack(path, "remind", "--once", "--wait", "0", preexec=disk_full_after(64 * 1024))
    assert_one_clear_line(done.stderr)
    assert "backup" in done.stderr
    backups = path.parent / "backups"
    assert not backups.exists() or list(backups.iterdir()) == []
    assert checksum(path, HER_RECORDS) == rows
