"""Opening the journal file: owner-only permissions from the first byte, the pragmas, the write helper."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000
MIN_SQLITE = (3, 37, 0)  # STRICT tables
PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "FULL"),
    ("foreign_keys", "ON"),
    ("busy_timeout", str(BUSY_TIMEOUT_MS)),
    ("secure_delete", "ON"),
    ("trusted_schema", "OFF"),
)


class JournalError(Exception):
    """A journal problem to show the user as it is (exit status 1)."""


class NotSaved(JournalError):
    """A write did not reach the disk; the caller keeps the user's input."""


def check_sqlite_version(version: tuple[int, int, int] | None = None) -> None:
    have = version or sqlite3.sqlite_version_info
    if tuple(have) < MIN_SQLITE:
        needed = ".".join(map(str, MIN_SQLITE))
        raise JournalError(
            f"SQLite {needed} or newer is needed (this Python has {'.'.join(map(str, have))}); "
            "nothing was changed"
        )


def prepare_file(path: Path, *, tighten: bool = True) -> list[str]:
    """Create the journal's folder (0700) and an empty file (0600) before SQLite opens it, so the -wal and
    -shm files inherit owner-only modes. With `tighten`, loose modes on an existing file of ours are made
    owner-only (tighten_modes); returns what it changed."""
    notes: list[str] = []
    if path.is_symlink():
        raise JournalError(
            f"{path} is a symbolic link; rpltrack opens only a real file. Nothing was changed."
        )
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(parent, 0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
        os.close(fd)
        return notes
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise JournalError(f"{path} is not a journal file. Nothing was changed.")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise JournalError(f"{path} belongs to another user; rpltrack will not open it. Nothing was changed.")
    return tighten_modes(path) if tighten else notes


def tighten_modes(path: Path) -> list[str]:
    """Make the journal and its -wal/-shm owner-only where they are not; returns what it changed."""
    notes: list[str] = []
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists() and candidate.stat().st_mode & 0o077:
            os.chmod(candidate, 0o600)
            notes.append(f"tightened the permissions of {candidate.name} to owner-only")
    return notes


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with every pragma rpltrack relies on; autocommit mode (no idle read transaction)."""
    check_sqlite_version()
    if readonly:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=True
        )
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=True)
    conn.row_factory = sqlite3.Row
    try:
        for name, value in PRAGMAS:
            if readonly and name == "journal_mode":
                continue
            conn.execute(f"PRAGMA {name} = {value}")
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                raise JournalError(
                    f"the journal at {path} could not be put in WAL mode (it is {mode!r}); "
                    "is it on a network drive? Nothing was changed."
                )
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise JournalError(
            f"{path} is not an rpltrack journal or is damaged ({exc}). Nothing was changed."
        ) from exc
    return conn


@contextlib.contextmanager
def write_txn(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """The one way to write: BEGIN IMMEDIATE (takes the write lock before any read), COMMIT or ROLLBACK.

    A write that returns from this block is on disk (synchronous=FULL). A failed COMMIT raises NotSaved.
    """
    if conn.in_transaction:
        raise RuntimeError("write_txn does not nest")
    for attempt in range(3):
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise NotSaved(f"NOT saved: the journal could not be opened for writing ({exc})") from exc
            if attempt == 2:
                raise NotSaved(
                    "NOT saved: another rpltrack kept the journal busy for too long; try again"
                ) from exc
            time.sleep(0.05)
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise NotSaved(f"NOT saved: {exc} — your entry is kept, please try again") from exc
