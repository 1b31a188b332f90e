"""A journal locked at rest (#17): nothing plain left behind, every row kept, either kind restorable, a wrong
key changes nothing and prints nothing, and a journal is never converted under another open one."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from rpltrack.domain.models import DoseStatus
from rpltrack.store import crypto
from rpltrack.store.backups import backup_dir
from rpltrack.store.crypto import JournalKey, KeyMissing, WrongKey, derive_key, new_key
from rpltrack.store.db import JournalError, is_encrypted, raw_connection
from rpltrack.store.journal import Journal
from rpltrack.store.locking import NotConverted, convert, digests

from . import _support as s

SENTINEL = "ZEBRA-SENTINEL-7d1f"
PASSPHRASE = "quiet harbour lantern violet"
OTHER = "seven brisk otters juggle plums"


def _key() -> JournalKey:
    return JournalKey(os.urandom(32), os.urandom(16))


def _filled(path: Path, key: JournalKey | None = None) -> None:
    """A journal with a sentinel in a note, a medication, a dose and a setting (rowid-keyed)."""
    with Journal.open(path, now=s.NOW, key=key) as journal:
        med = journal.add_medication(s.as_needed(), s.NOW)
        journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON, note=SENTINEL)
        journal.set_setting("reminders.grace", "45m", s.NOW)
        journal.set_setting("reminders.grace", "50m", s.NOW)


def _state(path: Path, key: JournalKey | None) -> dict[str, tuple[int, str]]:
    conn = raw_connection(path, key, readonly=True)
    try:
        return digests(conn)
    finally:
        conn.close()


def _files_of(path: Path) -> list[Path]:
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    folder = backup_dir(path)
    if folder.is_dir():
        files += sorted(folder.iterdir())
    return [f for f in files if f.exists()]


def test_a_sentinel_is_in_none_of_a_locked_journals_files(db_path: Path) -> None:
    """F7/F10: a note written to a locked journal appears, as bytes, in none of its files (the journal, its
    -wal and -shm while open, its daily, manual and pre-restore backups); none starts like an SQLite file."""
    key = _key()
    _filled(db_path, key)
    with Journal.open(db_path, now=s.NOW, key=key) as journal:
        journal.make_backup(s.NOW)
        journal.daily_backup(s.NOW)
        made = journal.make_backup(s.NOW, db_path.parent / "elsewhere.db")
        journal.restore(made, s.NOW)
        med = journal.find_medication("as needed test drug")
        journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON, note=SENTINEL + "-open")
        files = [*_files_of(db_path), made]
        assert Path(f"{db_path}-wal").exists()  # checked while open: the WAL holds the latest dose
        assert len([f for f in files if f.parent == backup_dir(db_path)]) == 3
        for found in files:
            data = found.read_bytes()
            assert SENTINEL.encode() not in data, found
            assert b"as needed test drug" not in data, found
            if not found.name.endswith("-shm"):
                assert not data.startswith(b"SQLite format 3"), found
    # Control: the same journal plain shows the sentinel in its file.
    plain = db_path.parent / "plain.db"
    _filled(plain)
    assert SENTINEL.encode() in plain.read_bytes()


def test_lock_then_unlock_keeps_every_row_and_every_rowid(db_path: Path) -> None:
    """Lock and unlock keep each table's rows and rowids (settings are pointed at by rowid from the change
    log), the schema version, and undo still takes back the last setting change after both."""
    _filled(db_path)
    with Journal.open(db_path, now=s.NOW) as journal:
        journal.make_backup(s.NOW)
    before = _state(db_path, None)
    key = new_key(PASSPHRASE)
    done = convert(db_path, None, key)
    assert is_encrypted(db_path)
    assert db_path.read_bytes()[:16] == key.salt
    assert not Path(f"{db_path}-wal").exists()
    assert not Path(f"{db_path}-shm").exists()
    assert _state(db_path, key) == before
    assert done.rows >= 5
    assert done.tables > 10
    assert len(done.backups_rewritten) == 1
    assert all(is_encrypted(b) for b in backup_dir(db_path).glob("*.db"))
    assert s.mode(db_path) == 0o600
    convert(db_path, key, None)
    assert not is_encrypted(db_path)
    assert _state(db_path, None) == before
    assert not any(is_encrypted(b) for b in backup_dir(db_path).glob("*.db"))
    with Journal.open(db_path, now=s.NOW) as journal:
        undone = journal.undo(s.NOW)
        assert undone is not None
        assert journal.settings()["reminders.grace"] == "45m"
    s.assert_healthy(db_path)


def test_the_passphrase_alone_opens_a_locked_journal_and_its_backups_as_sqlcipher_would(
    db_path: Path,
) -> None:
    """The key is SQLCipher 4's own derivation: `PRAGMA key = 'passphrase'` (no rpltrack code) opens the
    journal and its backups, so a lost keyring never locks her out while she knows the passphrase."""
    _filled(db_path)
    key = new_key(PASSPHRASE)
    convert(db_path, None, key)
    with Journal.open(db_path, now=s.NOW, key=key) as journal:
        backup = journal.make_backup(s.NOW)
    cipher = crypto.cipher_module()
    for path in (db_path, backup):
        conn = cipher.connect(str(path))
        conn.execute(f"PRAGMA key = '{PASSPHRASE}'")
        assert conn.execute("SELECT note FROM doses").fetchall() == [(SENTINEL,)]
        conn.close()


def test_changing_the_passphrase_relocks_journal_and_backups_and_the_old_one_stops_working(
    db_path: Path,
) -> None:
    _filled(db_path)
    old = new_key(PASSPHRASE)
    convert(db_path, None, old)
    with Journal.open(db_path, now=s.NOW, key=old) as journal:
        journal.make_backup(s.NOW)
    before = _state(db_path, old)
    new = new_key(OTHER)
    done = convert(db_path, old, new)
    assert len(done.backups_rewritten) == 1
    assert _state(db_path, new) == before
    for path in _files_of(db_path):
        assert path.read_bytes()[:16] == new.salt
        with pytest.raises(WrongKey, match="does not open"):
            raw_connection(path, derive_key(PASSPHRASE, new.salt), readonly=True)
    with Journal.open(db_path, now=s.NOW, passphrase=OTHER) as journal:
        assert journal.encrypted
        assert journal.count("doses") == 1


def test_a_wrong_key_changes_nothing_and_prints_nothing(db_path: Path) -> None:
    """F7: a wrong passphrase is a clear error (WrongKey), the file is byte-for-byte unchanged, no -wal or
    -shm is left, and SQLCipher's own log says nothing on stderr (checked in a fresh process)."""
    _filled(db_path)
    convert(db_path, None, new_key(PASSPHRASE))
    digest = s.sha256(db_path)
    with pytest.raises(WrongKey, match="does not open"):
        Journal.open(db_path, now=s.NOW, passphrase="not the passphrase")
    with pytest.raises(KeyMissing, match="is locked"):
        Journal.open(db_path, now=s.NOW)
    assert s.sha256(db_path) == digest
    assert not Path(f"{db_path}-wal").exists()
    assert not Path(f"{db_path}-shm").exists()
    child = (
        "import sys\nfrom pathlib import Path\nfrom rpltrack.store.journal import Journal\n"
        "from rpltrack.store.crypto import WrongKey\n"
        "try:\n    Journal.open(Path(sys.argv[1]), passphrase='wrong one')\n"
        "except WrongKey:\n    print('refused')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    run = subprocess.run(
        [sys.executable, "-c", child, str(db_path)], capture_output=True, text=True, env=env, timeout=60
    )
    assert run.stdout.strip() == "refused"
    assert run.stderr == ""
    assert s.sha256(db_path) == digest


def test_passphrase_is_asked_only_when_no_key_is_kept(db_path: Path) -> None:
    _filled(db_path)
    key = new_key(PASSPHRASE)
    convert(db_path, None, key)
    asked: list[int] = []

    def ask() -> str:
        asked.append(1)
        return PASSPHRASE

    with Journal.open(db_path, now=s.NOW, passphrase=ask) as journal:
        assert journal.journal_key == key
    assert asked == [1]
    with Journal.open(db_path, now=s.NOW, passphrase=ask):  # kept in this process's memory now
        pass
    assert asked == [1]


def test_restore_takes_either_kind_into_either_kind(db_path: Path) -> None:
    """A plain backup into a locked journal comes back locked; a locked backup into a plain journal comes
    back plain; a backup locked with an older passphrase needs that passphrase."""
    _filled(db_path)
    with Journal.open(db_path, now=s.NOW) as journal:
        plain_backup = journal.make_backup(s.NOW, db_path.parent / "plain-backup.db")
        journal.record_dose(journal.find_medication("as needed test drug"), DoseStatus.TAKEN, s.NOW, s.LONDON)
    key = new_key(PASSPHRASE)
    convert(db_path, None, key)
    with Journal.open(db_path, now=s.NOW, key=key) as journal:
        locked_backup = journal.make_backup(s.NOW, db_path.parent / "locked-backup.db")
        assert is_encrypted(locked_backup)
        journal.restore(plain_backup, s.NOW)
        assert journal.count("doses") == 1
    assert is_encrypted(db_path)
    assert SENTINEL.encode() not in db_path.read_bytes()
    convert(db_path, key, None)
    crypto.forget_in_process()
    with Journal.open(db_path, now=s.NOW) as journal:
        with pytest.raises(Exception, match="locked \\(encrypted\\) with a key not kept here"):
            journal.restore(locked_backup, s.NOW)
        journal.restore(locked_backup, s.NOW, passphrase=PASSPHRASE)
        assert journal.count("doses") == 2
        assert not journal.encrypted
    assert not is_encrypted(db_path)


def test_a_plain_backup_left_beside_a_locked_journal_is_locked_on_the_next_open(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock killed after the swap, before it rewrote the backups, leaves them plain (and its marker); the
    next open of the locked journal locks them. A backup of another journal in the same folder is left."""
    from rpltrack.store import locking

    _filled(db_path)
    with Journal.open(db_path, now=s.NOW) as journal:
        ours = journal.make_backup(s.NOW)
    other = db_path.parent / "other.db"
    with Journal.open(other, now=s.NOW) as journal:  # another journal: its first change is another one
        journal.set_setting("reminders.grace", "40m", s.NOW - timedelta(days=3))
        theirs = journal.make_backup(s.NOW, backup_dir(db_path) / "journal-20261101T000000Z-manual.db")

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # stands in for the kill between the swap and the backups

    key = new_key(PASSPHRASE)
    with monkeypatch.context() as patched:
        patched.setattr(locking, "convert_backups", killed)
        with pytest.raises(KeyboardInterrupt):
            convert(db_path, None, key)
    assert is_encrypted(db_path)
    assert not is_encrypted(ours)
    with Journal.open(db_path, now=s.NOW, key=key) as journal:
        assert any("locked 1 backups" in note for note in journal.notes), journal.notes
    assert is_encrypted(ours)
    assert SENTINEL.encode() not in ours.read_bytes()
    assert not is_encrypted(theirs)  # another journal's backup is not locked with this key
    assert not (backup_dir(db_path) / crypto.UNFINISHED).exists()


def test_no_conversion_while_the_journal_is_open_elsewhere(db_path: Path) -> None:
    """A lock never swaps the file under an open journal: it waits, then refuses, and nothing changes."""
    _filled(db_path)
    digest = s.sha256(db_path)
    with Journal.open(db_path, now=s.NOW), pytest.raises(JournalError, match="open elsewhere"):
        convert(db_path, None, _key(), wait_s=0.3)
    assert s.sha256(db_path) == digest
    assert not is_encrypted(db_path)
    assert not list(db_path.parent.glob(".*.partial"))


def test_a_conversion_that_does_not_verify_leaves_the_journal_as_it_was(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the new copy read back differently, the old journal stays and the copy is removed."""
    _filled(db_path)
    from rpltrack.store import locking

    real = locking.digests
    calls: list[int] = []

    def differing(conn: object, schema: str = "main") -> dict[str, tuple[int, str]]:
        found = real(conn, schema)  # type: ignore[arg-type]
        calls.append(1)
        return {**found, "doses": (0, "x")} if len(calls) == 2 else found

    monkeypatch.setattr(locking, "digests", differing)
    with pytest.raises(NotConverted, match="doses"):
        convert(db_path, None, _key())
    assert not is_encrypted(db_path)
    assert not list(db_path.parent.glob(".*.partial"))
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.count("doses") == 1


def test_without_sqlcipher_a_plain_journal_works_and_encryption_says_unavailable(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where sqlcipher3 has no build, rpltrack runs as before and says encryption is unavailable."""
    _filled(db_path)
    locked = db_path.parent / "locked.db"
    _filled(locked, _key())
    crypto.forget_in_process()
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3.dbapi2", None)
    assert not crypto.cipher_available()
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.count("doses") == 1
        assert not journal.encrypted
    with pytest.raises(crypto.EncryptionUnavailable, match="encryption is unavailable"):
        Journal.open(locked, now=s.NOW, passphrase="anything")
    with pytest.raises(crypto.EncryptionUnavailable):
        convert(db_path, None, _key())
    assert not is_encrypted(db_path)


def test_a_text_file_is_not_taken_for_a_locked_journal(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_bytes(b"this is a text file, not a journal\n" * 128)
    assert not is_encrypted(text)
    random_pages = tmp_path / "random.db"
    random_pages.write_bytes(os.urandom(4096))
    assert is_encrypted(random_pages)
