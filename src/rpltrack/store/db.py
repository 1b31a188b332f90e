"""Opening the journal file: owner-only permissions from the first byte, the pragmas, the write helper.

The one seam between rpltrack and its SQLite driver: a plain journal opens with the standard library's
sqlite3, a locked one (store.crypto) with SQLCipher's sqlcipher3 and its raw key. Every connection the store
makes to a journal or a backup file comes from `connect` or `raw_connection` here, and every `except` that
catches a database error names `errors(...)`, which covers whichever drivers are loaded.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType

    from rpltrack.store.crypto import JournalKey

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


PLAIN_HEADER = b"SQLite format 3\x00"
CIPHER_DRIVER = "sqlcipher3.dbapi2"


def is_encrypted(path: Path) -> bool:
    """Whether the file at `path` is locked: not empty and not a plain SQLite file. (A file that is neither
    a plain nor an encrypted database looks locked too; no key opens it, and the open says so.)"""
    try:
        with open(path, "rb") as f:
            header = f.read(len(PLAIN_HEADER))
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return False
    # An SQLCipher file is whole pages and starts with a random salt; a text file (all printable bytes) or a
    # file of another length is something else, and opening it says it is not a journal.
    whole_pages = size >= 1024 and size % 512 == 0
    text = all(32 <= byte < 127 or byte in b"\t\r\n" for byte in header)
    return len(header) == len(PLAIN_HEADER) and header != PLAIN_HEADER and whole_pages and not text


def errors(name: str = "Error") -> tuple[type[Exception], ...]:
    """The exception class `name` (Error, DatabaseError, OperationalError, IntegrityError…) of every SQLite
    driver loaded in this process: sqlite3's, and sqlcipher3's once a locked journal was opened (its classes
    are its own, not sqlite3's). A driver never loaded cannot have raised anything."""
    found: list[type[Exception]] = [getattr(sqlite3, name)]
    cipher = sys.modules.get(CIPHER_DRIVER)
    if cipher is not None:
        found.append(getattr(cipher, name))
    return tuple(found)


def key_of(conn: sqlite3.Connection) -> JournalKey | None:
    """The key a connection was opened with (None for a plain journal): backups of it are locked alike."""
    key: JournalKey | None = getattr(conn, "journal_key", None)
    return key


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
    if not path.exists():
        try:
            if not parent.exists():
                parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chmod(parent, 0o700)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
            os.close(fd)
        except FileExistsError as exc:
            if not path.exists():  # something else is in the way (a file where the folder should be)
                raise _not_created(path, exc) from exc
            # else another rpltrack made it a moment ago: open theirs
        except OSError as exc:
            raise _not_created(path, exc) from exc
        else:
            return notes
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise JournalError(f"{path} is not a journal file. Nothing was changed.")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise JournalError(f"{path} belongs to another user; rpltrack will not open it. Nothing was changed.")
    return tighten_modes(path) if tighten else notes


def _not_created(path: Path, exc: OSError) -> NotSaved:
    """Why a new journal could not be made at `path`, in words she can act on."""
    reason = exc.strerror or str(exc)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return NotSaved(
        f"NOT saved: a new journal cannot be made at {path} ({reason}). Check that {folder} is a folder you "
        "can write to, or choose another place for the journal with --db. Nothing was saved."
    )


def tighten_modes(path: Path) -> list[str]:
    """Make the journal and its -wal/-shm owner-only where they are not; returns what it changed.

    SQLite gives the -wal and -shm files the journal's mode when it creates them, and a read-only connection
    cannot remove them: a run while the journal was read-only leaves them read-only behind it. Once the
    journal is writable again they are made writable too, or no write could ever succeed."""
    notes: list[str] = []
    writable = path.exists() and bool(path.stat().st_mode & 0o200)
    for candidate in (path, *_sidecars(path)):
        if not candidate.exists():
            continue
        mode = candidate.stat().st_mode & 0o777
        if mode & 0o077:
            os.chmod(candidate, 0o600)
            notes.append(f"tightened the permissions of {candidate.name} to owner-only")
        elif candidate != path and writable and mode & 0o600 != 0o600:
            try:
                os.chmod(candidate, 0o600)
            except OSError:
                continue  # not ours to change: SQLite's own error will say what is wrong
            notes.append(f"made {candidate.name} writable again (a read-only run had left it read-only)")
    return notes


def _sidecars(path: Path) -> tuple[Path, Path]:
    return Path(f"{path}-wal"), Path(f"{path}-shm")


def _remove_new_sidecars(path: Path, existed: tuple[bool, bool]) -> None:
    """After a failed open: remove the -wal and -shm SQLite created for it, when there were none before (so
    no other connection is using them) and the -wal holds nothing. A file that is not a journal is left with
    its folder exactly as it was."""
    wal, shm = _sidecars(path)
    if any(existed):
        return
    with contextlib.suppress(OSError):
        if wal.exists() and wal.stat().st_size > 0:
            return
        wal.unlink(missing_ok=True)
        shm.unlink(missing_ok=True)


def _trouble(exc: BaseException) -> str:
    """What kind of problem an SQLite error is: 'permissions' (a read-only file or folder), 'disk' (full or
    failing), or '' (anything else: a damaged file, a bug). The first two are about the disk, not the
    journal, and are said so."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return "permissions"
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
        return "disk"
    return ""


def _open_failed(path: Path, exc: BaseException) -> JournalError:
    """The one-sentence reason a journal could not be opened (nothing was changed)."""
    trouble = _trouble(exc)
    if getattr(exc, "sqlite_errorname", None) == "SQLITE_READONLY_DIRECTORY":
        return JournalError(
            f"{path} cannot be opened because its folder is read-only ({exc}): SQLite must create "
            f"{path.name}-wal and {path.name}-shm beside it, so make the folder writable again. "
            "Nothing was changed."
        )
    if trouble == "permissions":
        return JournalError(
            f"{path} cannot be opened: permission denied ({exc}); check the permissions of the file and "
            "its folder. Nothing was changed."
        )
    if trouble == "disk":
        return JournalError(
            f"{path} could not be opened ({exc}): the disk may be full or failing; free some space and try "
            "again. Nothing was changed."
        )
    return JournalError(f"{path} is not an rpltrack journal or is damaged ({exc}). Nothing was changed.")


GUARD_WAIT_S = 30.0  # how long an open waits for a lock, unlock or passphrase change to finish
GUARD_STEP_S = 0.05


def guard_shared(path: Path, *, wait_s: float = GUARD_WAIT_S) -> int | None:
    """Hold a shared lock (flock, beside SQLite's own locks) on the journal file while a Journal is open;
    returns the descriptor to close when it closes (None where flock does not exist). Converting the
    journal (lock, unlock, passphrase) holds it exclusively, so a file is never swapped under an open
    journal; an open that meets a conversion waits for it, then opens the file it left at `path`."""
    try:
        # platform: fcntl exists only on POSIX
        import fcntl
    except ImportError:
        return None
    tries = max(1, int(wait_s / GUARD_STEP_S))  # counted, not timed: only clock.py reads a clock
    while True:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    tries -= 1
                    if tries <= 0:
                        raise JournalError(
                            f"another rpltrack is locking, unlocking or re-keying the journal at {path}; try "
                            "again when it has finished. Nothing was changed."
                        ) from None
                    time.sleep(GUARD_STEP_S)
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the file was swapped while this open waited: hold the new one


def guard_exclusive(path: Path, *, wait_s: float, waiting: object = None) -> int | None:
    """Hold the journal file exclusively (no Journal open anywhere, none opening until released): what a
    conversion needs before it swaps the file. Waits up to `wait_s` seconds for others to close (calling
    `waiting()` once if it must wait), then refuses with JournalError, nothing changed."""
    try:
        # platform: fcntl exists only on POSIX
        import fcntl
    except ImportError:
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    tries = max(1, int(wait_s / GUARD_STEP_S))
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                tries -= 1
                if tries <= 0:
                    raise JournalError(
                        f"rpltrack is open elsewhere on {path} (the app, the reminder timer or another "
                        "command); close it and try again. Nothing was changed."
                    ) from None
                if not told and callable(waiting):
                    waiting()
                    told = True
                time.sleep(GUARD_STEP_S)
    except BaseException:
        os.close(fd)
        raise


def on_read_only_disk(path: Path) -> bool:
    """Whether the journal's file system is mounted read-only (nothing can write it, root included)."""
    try:
        return bool(os.statvfs(path.parent if not path.exists() else path).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):
        return False


_KEYED: dict[str, type] = {}


def _keyed_class(driver: ModuleType) -> type:
    """sqlcipher3's Connection with room for the key it was opened with (see key_of)."""
    made = _KEYED.get(driver.__name__)
    if made is None:
        made = _KEYED[driver.__name__] = type("KeyedConnection", (driver.Connection,), {"journal_key": None})
    return made


def raw_connection(
    path: Path, key: JournalKey | None, *, readonly: bool = False, cipher: bool = False
) -> sqlite3.Connection:
    """A bare connection to `path` (no pragmas but the key): sqlite3 for a plain file, sqlcipher3 keyed with
    `key` for a locked one (or, with `cipher`, sqlcipher3 for a plain file too: sqlcipher_export needs it).
    SQLCipher's log is silenced before the key is given, so a wrong key prints nothing. Raises KeyMissing
    for a locked file without a key, WrongKey when the key does not open it."""
    if key is None and not cipher and is_encrypted(path):
        # cycle: store.crypto imports store.db at module level
        from rpltrack.store.crypto import KeyMissing

        raise KeyMissing(path)
    target = str(path)
    uri = False
    if readonly:
        immutable = "&immutable=1" if on_read_only_disk(path) else ""
        target, uri = f"{path.resolve().as_uri()}?mode=ro{immutable}", True
    if key is None and not cipher:
        check_sqlite_version()
        conn = sqlite3.connect(target, uri=uri, isolation_level=None, check_same_thread=True)
        conn.row_factory = sqlite3.Row
        return conn
    # cycle: store.crypto imports store.db at module level
    from rpltrack.store.crypto import cipher_module

    driver = cipher_module()
    check_sqlite_version(driver.sqlite_version_info)

    conn = driver.connect(
        target, uri=uri, isolation_level=None, check_same_thread=True, factory=_keyed_class(driver)
    )
    conn.journal_key = key
    conn.row_factory = driver.Row
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            conn.execute(f"PRAGMA key = {key.pragma_value()}")
            if path.exists() and path.stat().st_size > 0:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except driver.DatabaseError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":
            # cycle: store.crypto imports store.db at module level
            from rpltrack.store.crypto import WrongKey

            raise WrongKey(
                f"that passphrase (or key) does not open {path}; nothing was changed. Check it and try again."
            ) from None
        raise _open_failed(path, exc) from exc
    opened: sqlite3.Connection = conn
    return opened


def connect(path: Path, *, readonly: bool = False, key: JournalKey | None = None) -> sqlite3.Connection:
    """A connection with every pragma rpltrack relies on; autocommit mode (no idle read transaction). On a
    read-only file system a read-only connection opens the file as immutable: SQLite cannot create the -shm
    file a WAL journal needs there, and nothing can change the file under it. A locked journal needs its
    `key` (store.crypto): without it KeyMissing is raised, with a wrong one WrongKey; nothing is changed."""
    existed = (_sidecars(path)[0].exists(), _sidecars(path)[1].exists())
    try:
        conn = raw_connection(path, key, readonly=readonly)
    except JournalError:
        _remove_new_sidecars(path, existed)
        raise
    except errors("DatabaseError") as exc:
        _remove_new_sidecars(path, existed)
        raise _open_failed(path, exc) from exc
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
    except errors("DatabaseError") as exc:
        conn.close()
        _remove_new_sidecars(path, existed)
        raise _open_failed(path, exc) from exc
    return conn


@contextlib.contextmanager
def write_txn(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """The one way to write: BEGIN IMMEDIATE (takes the write lock before any read), COMMIT or ROLLBACK.

    A write that returns from this block is on disk (synchronous=FULL). A failed COMMIT raises NotSaved, and
    so does a statement inside the block that the disk refuses (a read-only file or folder, a full disk).
    """
    if conn.in_transaction:
        raise RuntimeError("write_txn does not nest")
    for attempt in range(3):
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except errors("OperationalError") as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                if _trouble(exc):
                    raise _not_saved(conn, exc) from exc
                raise NotSaved(f"NOT saved: the journal could not be opened for writing ({exc})") from exc
            if attempt == 2:
                raise NotSaved(
                    "NOT saved: another rpltrack kept the journal busy for too long; try again"
                ) from exc
            time.sleep(0.05)
    try:
        yield conn
    except errors() as exc:
        _rollback(conn)
        if _trouble(exc):
            raise _not_saved(conn, exc) from exc
        raise
    except BaseException:
        _rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except errors() as exc:
        _rollback(conn)
        raise _not_saved(conn, exc) from exc


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what the block did. A rollback the disk refuses changes nothing either: SQLite never counts
    an uncommitted transaction, and drops it when the connection closes."""
    if conn.in_transaction:
        with contextlib.suppress(*errors()):
            conn.execute("ROLLBACK")


def _not_saved(conn: sqlite3.Connection, exc: BaseException) -> NotSaved:
    """NOT saved, and why in words she can act on: the file is read-only, the disk is full, or what SQLite
    said."""
    trouble = _trouble(exc)
    if trouble == "permissions":
        where = ""
        with contextlib.suppress(*errors()):
            where = " " + str(conn.execute("PRAGMA database_list").fetchone()[2])
        return NotSaved(
            f"NOT saved: the journal{where} is read-only ({exc}); check the permissions of the file and its "
            "folder. Nothing was changed."
        )
    if trouble == "disk":
        return NotSaved(
            f"NOT saved: {exc} — your entry is kept; the disk may be full or failing: free some space and "
            "try again"
        )
    return NotSaved(f"NOT saved: {exc} — your entry is kept, please try again")
