"""`rpltrack lock|unlock|passphrase|forget-key` and `--passphrase-file` (#17), with a real OS keyring
(gnome-keyring's Secret Service on a private bus) where the key is kept."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import pytest

from rpltrack.store import crypto
from rpltrack.store.backups import backup_dir
from rpltrack.store.db import is_encrypted
from tests.cli.support import Cli, checksum, run_rpltrack
from tests.keyring_fixture import OsKeyring

PASSPHRASE = "quiet harbour lantern violet"
NEW = "seven brisk otters juggle plums"
SENTINEL = "ZEBRA-SENTINEL-cli"


@pytest.fixture
def pw(tmp_path: Path) -> Path:
    path = tmp_path / "pw.txt"
    path.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return path


@pytest.fixture
def new_pw(tmp_path: Path) -> Path:
    path = tmp_path / "new-pw.txt"
    path.write_text(NEW + "\n", encoding="utf-8")
    return path


def _with_data(cli: Cli) -> None:
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00")
    cli.ok("take", "aspirin", "--at", "2026-11-23 08:00")
    cli.ok("lab", "add", "tsh", "2.1 mIU/L", "--date", "2026-11-20", "--note", SENTINEL)
    cli.ok("backup")


def test_lock_without_keyring_then_every_open_needs_the_passphrase(cli: Cli, pw: Path) -> None:
    _with_data(cli)
    before = checksum(cli.db)
    rc, out, err = cli("--passphrase-file", str(pw), "lock", "--no-keyring")
    assert rc == 0, err
    assert "A forgotten passphrase cannot be recovered" in out
    assert "Passphrase strength: strong (4 of 4)" in out
    assert "Locked the journal at" in out
    assert "1 backup locked too." in out
    assert "Its key is kept nowhere" in out
    assert is_encrypted(cli.db)
    assert all(is_encrypted(b) for b in backup_dir(cli.db).glob("*.db"))
    for found in [cli.db, *backup_dir(cli.db).glob("*.db")]:
        assert SENTINEL.encode() not in found.read_bytes()
    crypto.forget_in_process()
    rc, out, err = cli("today")
    assert rc == 2
    assert "is locked and its key is not in your keyring" in err
    assert "--passphrase-file" in err
    assert "2026-11-23" not in out
    assert "aspirin" in cli.ok("--passphrase-file", str(pw), "today")
    assert checksum(cli.db) == before


def test_a_wrong_passphrase_file_is_exit_2_and_changes_nothing(cli: Cli, pw: Path, tmp_path: Path) -> None:
    _with_data(cli)
    cli.ok("--passphrase-file", str(pw), "lock", "--no-keyring")
    crypto.forget_in_process()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not it at all\n", encoding="utf-8")
    digest = cli.db.read_bytes()
    rc, _, err = cli("--passphrase-file", str(wrong), "take", "aspirin", "--at", "2026-11-22 08:00")
    assert rc == 2
    assert "does not open" in err
    rc, _, err = cli("--passphrase-file", str(tmp_path / "missing.txt"), "today")
    assert rc == 2
    assert "could not be read" in err
    assert cli.db.read_bytes() == digest


def test_weak_or_missing_passphrases_are_refused_and_nothing_is_written(cli: Cli, tmp_path: Path) -> None:
    _with_data(cli)
    before = cli.db.read_bytes()
    weak = tmp_path / "weak.txt"
    weak.write_text("password1\n", encoding="utf-8")
    rc, out, err = cli("--passphrase-file", str(weak), "lock")
    assert rc == 2
    assert "easy to guess" in err
    assert "very weak" in out
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    rc, _, err = cli("--passphrase-file", str(empty), "lock")
    assert rc == 2
    assert "is empty" in err
    rc, _, err = cli("lock")  # no terminal, no file
    assert rc == 2
    assert "--passphrase-file FILE" in err
    assert not is_encrypted(cli.db)
    assert cli.db.read_bytes() == before


def test_passphrase_change_needs_the_current_one_and_unlock_asks_first(
    cli: Cli, pw: Path, new_pw: Path
) -> None:
    _with_data(cli)
    before = checksum(cli.db)
    cli.ok("--passphrase-file", str(pw), "lock", "--no-keyring")
    rc, _, err = cli("--passphrase-file", str(new_pw), "passphrase", "--new-passphrase-file", str(pw))
    assert rc == 2
    assert "does not open" in err
    out = cli.ok(
        "--passphrase-file", str(pw), "passphrase", "--new-passphrase-file", str(new_pw), "--no-keyring"
    )
    assert "The old passphrase no longer opens the journal or its backups." in out
    crypto.forget_in_process()
    rc, _, err = cli("--passphrase-file", str(pw), "today")
    assert rc == 2
    rc, _, err = cli("--passphrase-file", str(new_pw), "unlock")  # no terminal, no --yes
    assert rc == 2
    assert "back into plain files" in err
    assert "--yes" in err
    assert is_encrypted(cli.db)
    out = cli.ok("--passphrase-file", str(new_pw), "unlock", "--yes")
    assert "Unlocked the journal at" in out
    assert "1 backup made plain too." in out
    assert not is_encrypted(cli.db)
    assert not any(is_encrypted(b) for b in backup_dir(cli.db).glob("*.db"))
    assert checksum(cli.db) == before
    rc, _, err = cli("unlock", "--yes")
    assert rc == 2
    assert "is not locked" in err


def test_exports_of_a_locked_journal_say_they_are_plain(cli: Cli, pw: Path, tmp_path: Path) -> None:
    _with_data(cli)
    out = cli.ok("export", "csv", "--out", str(tmp_path / "plain-export"))
    assert "not encrypted, though your journal is locked" not in out
    cli.ok("--passphrase-file", str(pw), "lock", "--no-keyring")
    out = cli.ok("--passphrase-file", str(pw), "export", "csv", "--out", str(tmp_path / "export"))
    assert "This file is not encrypted, though your journal is locked" in out
    out = cli.ok("--passphrase-file", str(pw), "backup", str(tmp_path / "copy.db"))
    assert "(locked with the journal's passphrase)" in out
    assert is_encrypted(tmp_path / "copy.db")
    out = cli.ok("--passphrase-file", str(pw), "restore", str(tmp_path / "copy.db"))
    assert "a locked (encrypted) backup" in out


def test_lock_keeps_the_key_in_the_os_keyring_and_forget_key_removes_it(
    cli: Cli, pw: Path, os_keyring: OsKeyring
) -> None:
    """With a real Secret Service: the key is kept under the service "rpltrack" and the journal's id; a
    fresh process opens the journal without a passphrase (the fast path reads the same entry); forget-key
    removes it and every open asks again."""
    _with_data(cli)
    out = cli.ok("--passphrase-file", str(pw), "lock", "--keyring")
    assert "Its key is kept in your OS keyring" in out
    salt = crypto.salt_of(cli.db)
    stored = keyring.get_password(crypto.SERVICE, crypto.keyring_name(salt))
    assert stored is not None
    assert len(stored) == 64
    assert PASSPHRASE not in stored
    crypto.forget_in_process()
    assert crypto.stored_key(salt, slow=False) is not None  # the fast path, without `keyring`
    child = run_rpltrack(cli.db, "today", env=dict(os.environ))
    assert child.returncode == 0, child.stderr
    assert "aspirin" in child.stdout
    out = cli.ok("forget-key")
    assert "Removed the key of the journal" in out
    assert keyring.get_password(crypto.SERVICE, crypto.keyring_name(salt)) is None
    crypto.forget_in_process()
    child = run_rpltrack(cli.db, "today", env=dict(os.environ))
    assert child.returncode == 2
    assert "is locked" in child.stderr
    assert "No key of the journal" in cli.ok("forget-key")


def test_unlock_removes_the_key_from_the_keyring(cli: Cli, pw: Path, os_keyring: OsKeyring) -> None:
    _with_data(cli)
    cli.ok("--passphrase-file", str(pw), "lock", "--keyring")
    salt = crypto.salt_of(cli.db)
    crypto.forget_in_process()
    out = cli.ok("unlock", "--yes")  # the key comes from the keyring: no passphrase needed
    assert "Its key was removed from your OS keyring." in out
    assert keyring.get_password(crypto.SERVICE, crypto.keyring_name(salt)) is None


def test_forget_key_on_a_plain_or_missing_journal_is_exit_2(cli: Cli) -> None:
    rc, _, err = cli("forget-key")
    assert rc == 2
    assert "is not locked" in err
    assert not cli.db.exists()


def test_lock_says_encryption_is_unavailable_without_sqlcipher(
    cli: Cli, pw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    _with_data(cli)
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3.dbapi2", None)
    rc, _, err = cli("--passphrase-file", str(pw), "lock")
    assert rc == 1
    assert "encryption is unavailable" in err
    assert "rpltrack[encrypted]" in err
    assert not is_encrypted(cli.db)
    assert "aspirin" in cli.ok("today")
