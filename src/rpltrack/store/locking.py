"""Locking, unlocking and re-keying a journal without ever losing it: the new file is written beside the old
one (sqlcipher_export), checked table by table (row counts and a checksum of every row with its rowid),
made durable, then swapped in with one atomic rename; its backups follow.

While a conversion runs it holds the journal file exclusively (db.guard_exclusive): no other rpltrack has
it open, and one that starts meanwhile waits, then opens the new file. Before the swap the old journal is
taken out of WAL mode, which folds its -wal into the file and removes the -wal and -shm, so no -wal of the
old file can ever be read against the new one. A kill at any moment leaves the old journal or the new one
whole at its path: before the rename the old is untouched (its new copy is a .partial file, removed by the
next open), after it the new is complete and durable.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rpltrack.domain.records import field, record
from rpltrack.store.backups import backup_dir
from rpltrack.store.crypto import (
    UNFINISHED,
    JournalKey,
    cipher_module,
    delete_stored_key,
    remember_in_process,
    salt_of,
    store_key,
)
from rpltrack.store.db import (
    JournalError,
    errors,
    guard_exclusive,
    is_encrypted,
    raw_connection,
    write_txn,
)
from rpltrack.store.files import atomic_write, fsync_dir, open_private, partial_for, remove_killed_partials

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

EXCLUSIVE_WAIT_S = 60.0  # the reminder timer may keep the journal open for up to 45 s after a reminder
FIRST_CHANGE = "SELECT id, at_utc, action, summary FROM changes ORDER BY id LIMIT 1"


class NotConverted(JournalError):
    """A conversion was refused or failed before its swap: the journal is exactly as it was."""


Digests = dict[str, tuple[int, str]]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def digests(conn: sqlite3.Connection, schema: str = "main") -> Digests:
    """For every table of `schema` (and its schema text, under ""): the row count and a SHA-256 of every
    row with its rowid, in rowid order. Equal digests: the same records with the same ids."""
    out: Digests = {}
    master = conn.execute(
        f"SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master "
        "WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name"
    ).fetchall()
    out[""] = (len(master), hashlib.sha256(repr([tuple(r) for r in master]).encode()).hexdigest())
    for (name,) in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' ORDER BY name"
    ):
        digest = hashlib.sha256()
        count = 0
        for row in conn.execute(f"SELECT rowid, * FROM {schema}.{_quote(name)} ORDER BY rowid"):
            digest.update(repr(tuple(row)).encode())
            count += 1
        out[str(name)] = (count, digest.hexdigest())
    version = int(conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0])
    out["user_version"] = (version, "")
    return out


def _tables_without_rowid_alias(conn: sqlite3.Connection, schema: str) -> list[str]:
    """Tables whose rowid is not an INTEGER PRIMARY KEY: sqlcipher_export (like VACUUM) renumbers them, and
    rpltrack's change log points at settings rows by rowid, so these are copied again with their rowids."""
    found = []
    for (name,) in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ):
        keys = [r for r in conn.execute(f"PRAGMA {schema}.table_info({_quote(name)})") if r[5]]
        if not (len(keys) == 1 and str(keys[0][2]).upper() == "INTEGER"):
            found.append(str(name))
    return found


def _attach_value(key: JournalKey | None) -> str:
    return key.pragma_value() if key is not None else "''"


def export_copy(
    source: Path, source_key: JournalKey | None, dest: Path, dest_key: JournalKey | None
) -> Digests:
    """Copy the whole database at `source` (read-only) into the empty file `dest`, locked with `dest_key` or
    plain, through SQLCipher's sqlcipher_export; then read `dest` back through a new connection and compare
    every table's digest with the source's. Returns the digests; raises NotConverted on any difference."""
    conn = raw_connection(dest, dest_key, cipher=True)
    try:
        conn.execute("PRAGMA main.journal_mode = OFF")  # a new copy killed half-written is discarded whole
        source_uri = source.resolve().as_uri() + "?mode=ro"
        conn.execute(f"ATTACH DATABASE ? AS src KEY {_attach_value(source_key)}", (source_uri,))
        try:
            conn.execute("SELECT count(*) FROM src.sqlite_master").fetchone()
        except errors("DatabaseError") as exc:
            raise NotConverted(
                f"{source} could not be read with the key given ({exc}); nothing was changed"
            ) from None
        wanted = digests(conn, "src")
        conn.execute("SELECT sqlcipher_export('main', 'src')")
        renumbered = _tables_without_rowid_alias(conn, "src")
        with write_txn(conn):
            for name in renumbered:
                columns = ", ".join(
                    _quote(str(r[1])) for r in conn.execute(f"PRAGMA src.table_info({_quote(name)})")
                )
                conn.execute(f"DELETE FROM main.{_quote(name)}")
                conn.execute(
                    f"INSERT INTO main.{_quote(name)} (rowid, {columns}) "
                    f"SELECT rowid, {columns} FROM src.{_quote(name)} ORDER BY rowid"
                )
        conn.execute(f"PRAGMA main.user_version = {wanted['user_version'][0]}")
        conn.execute("DETACH DATABASE src")
    finally:
        conn.close()
    with open(dest, "rb") as written:
        os.fsync(written.fileno())
    check = raw_connection(dest, dest_key)
    try:
        healthy = [str(r[0]) for r in check.execute("PRAGMA integrity_check")] == ["ok"]
        found = digests(check)
    finally:
        check.close()
    if not healthy or found != wanted:
        differ = sorted(name for name in wanted.keys() | found.keys() if wanted.get(name) != found.get(name))
        raise NotConverted(
            "the new copy did not read back the same as the journal ("
            + (", ".join(differ[:5]) or "integrity check failed")
            + "); the journal is unchanged"
        )
    return wanted


@record
class Conversion:
    """What a lock, unlock or passphrase change did: the tables checked, the backups rewritten, the backups
    it could not rewrite (with why), and the notes to show."""

    tables: int = 0
    rows: int = 0
    backups_rewritten: list[Path] = field(default_factory=list)
    backups_left: list[str] = field(default_factory=list)


def convert(
    path: Path,
    old_key: JournalKey | None,
    new_key: JournalKey | None,
    *,
    before_swap: Callable[[], None] | None = None,
    after_swap: Callable[[], None] | None = None,
    waiting: Callable[[], None] | None = None,
    wait_s: float = EXCLUSIVE_WAIT_S,
) -> Conversion:
    """Turn the journal at `path` (opened by `old_key`, None when plain) into one opened by `new_key` (None:
    plain), and its backups. `before_swap` runs once the new file is written and verified (keep the new
    key in the keyring there: a kill after it leaves a spare entry, never a journal without its key);
    `after_swap` once the journal and its backups are in their new form (forget the old key there).
    Raises NotConverted, or JournalError when rpltrack is open elsewhere, with the journal unchanged.

    The order keeps nothing plain beside a locked journal for longer than until its next open: a lock or
    a passphrase change converts the journal first and its backups after; an unlock its backups first.
    A kill in between leaves backups plain (or in the old key) beside the locked journal, and the next open
    locks them with its key (PortabilityStore.lock_leftover_backups)."""
    cipher_module()
    if (old_key is not None) != is_encrypted(path):
        raise NotConverted(f"{path} is not {'locked' if old_key else 'plain'}; nothing was changed")
    guard = guard_exclusive(path, wait_s=wait_s, waiting=waiting)
    done = Conversion()
    try:
        first = first_change(path, old_key)
        marker = backup_dir(path) / UNFINISHED
        if new_key is None and old_key is not None and backup_dir(path).is_dir():
            # Backups go plain first; a kill before the journal follows leaves the marker, and the next open
            # of the still locked journal locks them again.
            atomic_write(marker, old_key.journal_id.encode(), durable=True)
            convert_backups(path, old_key, None, done, first=first)
        remove_killed_partials(path)
        partial = partial_for(path)
        partial.unlink(missing_ok=True)
        os.close(open_private(partial))
        new_guard: int | None = None
        try:
            _fold_wal(path, old_key)
            found = export_copy(path, old_key, partial, new_key)
            new_guard = guard_exclusive(partial, wait_s=0)  # no open can start on the new file until done
            if before_swap is not None:
                before_swap()
            if new_key is not None and backup_dir(path).is_dir():
                atomic_write(marker, new_key.journal_id.encode(), durable=True)
            os.replace(partial, path)
            # The old file's -wal and -shm (empty, or left by a reader meanwhile) go after the swap, before
            # any open of the new file can start: a -wal beside a file is read into it on open.
            for sidecar in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
                sidecar.unlink(missing_ok=True)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            if new_guard is not None:
                os.close(new_guard)
        fsync_dir(path.parent)
        if new_key is not None:
            convert_backups(path, old_key, new_key, done, first=first)
        if new_key is None or not [left for left in done.backups_left if OTHER_JOURNAL not in left]:
            marker.unlink(missing_ok=True)
    finally:
        if guard is not None:
            os.close(guard)
    done.tables = sum(1 for name in found if name not in ("", "user_version"))
    done.rows = sum(n for name, (n, _) in found.items() if name not in ("", "user_version"))
    if after_swap is not None:
        after_swap()
    return done


def first_change(path: Path, key: JournalKey | None) -> tuple[object, ...] | None:
    """The journal's first change (id, time, action, summary): its backups start with the same one, and the
    backups of another journal in the same folder do not (backups/ is shared by the journals beside it)."""
    conn = raw_connection(path, key, readonly=True)
    try:
        found = conn.execute(FIRST_CHANGE).fetchone()
    finally:
        conn.close()
    return tuple(found) if found is not None else None


def _fold_wal(path: Path, key: JournalKey | None) -> None:
    """Fold the old journal's -wal into its file (a checkpoint, as SQLite itself runs: a kill during it is
    harmless) and check it is empty: no -wal of the old file may survive beside the new one. The old
    journal stays in WAL mode and gets no rollback journal, so it opens as before after any kill."""
    old = raw_connection(path, key, cipher=True)
    try:
        old.execute("PRAGMA busy_timeout = 5000")
        busy, frames, _ = old.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        old.close()
    wal = Path(f"{path}-wal")
    if busy or (wal.exists() and wal.stat().st_size > 0):
        raise NotConverted(
            f"{path} is in use by another program ({frames} changes not yet in the file); close it and try "
            "again. Nothing was changed."
        )


def convert_backups(
    path: Path,
    old_key: JournalKey | None,
    new_key: JournalKey | None,
    done: Conversion,
    *,
    other_keys: Callable[[bytes], JournalKey | None] | None = None,
    first: tuple[object, ...] | None = None,
) -> None:
    """Rewrite every backup of the journal at `path` that is in the old form (plain, or locked with the old
    key, or with a key `other_keys` finds by its salt) in the new form, each checked like the journal and
    renamed over itself; the old form is gone when the rename returns. A backup that cannot be read (locked
    by a passphrase whose key is not known, or damaged) is left as it is and named in `done.backups_left`;
    so is a plain backup of another journal in the same folder (its first change is not `first`)."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return
    failures: tuple[type[Exception], ...] = (
        JournalError,
        OSError,
        *errors(),
    )  # NotConverted is a JournalError
    for backup in sorted(folder.glob("*.db")):
        if backup.is_symlink() or not backup.is_file():
            continue
        locked = is_encrypted(backup)
        if new_key is not None and locked and salt_of(backup) == new_key.salt:
            continue  # already in the new form (a rerun after a kill)
        if new_key is None and not locked:
            continue
        source_key = None
        if locked:
            salt = salt_of(backup)
            source_key = old_key if old_key is not None and old_key.salt == salt else None
            if source_key is None and other_keys is not None:
                source_key = other_keys(salt)
            if source_key is None:
                done.backups_left.append(f"{backup.name} (locked with another passphrase)")
                continue
        try:
            if not locked and _first_change_of(backup) != first:
                done.backups_left.append(f"{backup.name} ({OTHER_JOURNAL})")
                continue
            rewrite_file(backup, source_key, new_key)
        except failures as exc:
            done.backups_left.append(f"{backup.name} (could not be rewritten: {exc})")
            continue
        done.backups_rewritten.append(backup)


OTHER_JOURNAL = "a backup of another journal in this folder"


def _first_change_of(backup: Path) -> tuple[object, ...] | None:
    conn = raw_connection(backup, None, readonly=True)
    try:
        found = conn.execute(FIRST_CHANGE).fetchone()
    finally:
        conn.close()
    return tuple(found) if found is not None else None


def rewrite_file(target: Path, source_key: JournalKey | None, new_key: JournalKey | None) -> None:
    """Rewrite the closed database file `target` (a backup) with `new_key` (None: plain) in place: a checked
    copy beside it, renamed over it."""
    remove_killed_partials(target)
    partial = partial_for(target)
    partial.unlink(missing_ok=True)
    os.close(open_private(partial))
    try:
        export_copy(target, source_key, partial, new_key)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    for sidecar in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        sidecar.unlink(missing_ok=True)
    fsync_dir(target.parent)


def change_key(
    path: Path,
    old_key: JournalKey | None,
    new_key: JournalKey,
    *,
    keep: bool,
    waiting: Callable[[], None] | None = None,
) -> tuple[Conversion, str]:
    """Lock the journal at `path` (plain when `old_key` is None) with `new_key`, or change its key from
    `old_key`, as `rpltrack lock` / `passphrase` and the app's dialogs do: the new key is known to this
    process, and kept in the OS keyring when `keep`, once the new file is verified; the old key leaves the
    keyring once the journal and its backups are in the new form. Returns the conversion and why the
    keyring could not keep the key ("" when it did, or was not asked to)."""
    problem = ""

    def keep_key() -> None:
        nonlocal problem
        remember_in_process(new_key)
        if keep:
            problem = store_key(new_key)

    def forget_old() -> None:
        if old_key is not None:
            delete_stored_key(old_key.salt)

    done = convert(path, old_key, new_key, before_swap=keep_key, after_swap=forget_old, waiting=waiting)
    remember_in_process(new_key)
    return done, problem


def remove_key(path: Path, key: JournalKey, *, waiting: Callable[[], None] | None = None) -> list[str]:
    """Unlock the journal at `path` (and its backups) and take its key out of the OS keyring; what was done,
    in words, for the command line and the app alike."""
    removed = False

    def forget() -> None:
        nonlocal removed
        removed = delete_stored_key(key.salt)

    done = convert(path, key, None, after_swap=forget, waiting=waiting)
    return [
        f"Unlocked the journal at {path}: {done.rows} rows in {done.tables} tables written plain and "
        "checked.",
        *backups_words(len(done.backups_rewritten), done.backups_left, "made plain"),
        *(["Its key was removed from your OS keyring."] if removed else []),
    ]


def changed_words(
    path: Path, done: Conversion, *, locked_before: bool, keep: bool, problem: str, forget: str
) -> list[str]:
    """What change_key did, in words, for the command line and the app alike; `forget` says how to take the
    key out of the keyring, in the front's own terms."""
    if not locked_before:
        lines = [
            f"Locked the journal at {path}: {done.rows} rows in {done.tables} tables written encrypted and "
            "checked; the plain file is gone.",
            *backups_words(len(done.backups_rewritten), done.backups_left, "locked"),
        ]
    else:
        lines = [
            f"Changed the passphrase of the journal at {path}: {done.rows} rows in {done.tables} tables "
            "checked.",
            *backups_words(len(done.backups_rewritten), done.backups_left, "re-locked with it"),
            "The old passphrase no longer opens the journal or its backups.",
        ]
    return [*lines, kept_words(keep, problem, forget)]


def kept_words(keep: bool, problem: str, forget: str) -> str:
    """Where the key is kept after she asked for the keyring (`keep`) or not; `problem`: why the keyring
    could not keep it."""
    if keep and not problem:
        return (
            "Its key is kept in your OS keyring: rpltrack and its reminders open the journal without asking. "
            + forget
        )
    why = f" ({problem})" if keep and problem else ""
    return (
        f"Its key is kept nowhere{why}: rpltrack asks for the passphrase at every start, and reminders "
        "only say that rpltrack is locked."
    )


def backups_words(rewritten: int, left: list[str], how: str) -> list[str]:
    """What a conversion did to the backups, for the command line and the app alike: '3 backups locked
    too.', and one line for each left as it was, saying why."""
    lines = [f"{rewritten} backup{'s' if rewritten != 1 else ''} {how} too."] if rewritten else []
    return lines + [f"Left as it was: {item}." for item in left]
