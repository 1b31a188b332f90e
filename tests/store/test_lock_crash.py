"""Crash safety of lock, unlock and passphrase change (#17, RELIABILITY F8): SIGKILL at random moments of a
conversion leaves at the journal's path either the old journal or the new one, whole and openable with its
own key, never neither and never a mixture; its backups likewise, each whole in the old form or the new."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rpltrack.store.backups import backup_dir
from rpltrack.store.crypto import JournalKey, remember_in_process, salt_of
from rpltrack.store.db import is_encrypted, raw_connection
from rpltrack.store.journal import Journal
from rpltrack.store.locking import digests

from . import _support as s

# The child converts the journal (old key -> new key; "-" is plain) through the real store code and says
# "done" only after convert() returned. Keys travel on the command line: a test's throwaway keys only.
CHILD = r"""
import sys
from pathlib import Path

from rpltrack.store.crypto import JournalKey
from rpltrack.store.locking import convert

def key(text):
    return None if text == "-" else JournalKey(bytes.fromhex(text[:64]), bytes.fromhex(text[64:]))

path, old, new = Path(sys.argv[1]), key(sys.argv[2]), key(sys.argv[3])
print("ready", flush=True)
convert(path, old, new)
print("done", flush=True)
"""

KILLS = 60


def _hex(key: JournalKey | None) -> str:
    return "-" if key is None else key.raw.hex() + key.salt.hex()


def _key_of(path: Path, keys: list[JournalKey]) -> JournalKey | None:
    """The key (of those used) that the file at `path` is in: by its salt, None when plain."""
    if not is_encrypted(path):
        return None
    found = [k for k in keys if k.salt == salt_of(path)]
    assert len(found) == 1, f"{path} is locked with a key no conversion made"
    return found[0]


def _state(path: Path, key: JournalKey | None) -> dict[str, tuple[int, str]]:
    conn = raw_connection(path, key, readonly=True)
    try:
        assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]
        return digests(conn)
    finally:
        conn.close()


@pytest.mark.slow
def test_f8_kill9_during_lock_unlock_and_passphrase_change(db_path: Path) -> None:
    """60 times: a child process locks, unlocks or re-keys a year of demo data (with a backup), and is
    SIGKILLed (by its pid) at a random moment of the conversion. After every kill: the journal's path holds
    a journal in exactly one of the two forms, whose every row (with its rowid) equals the original's, that
    Journal.open opens and writes; no partial copy survives that open; every backup is whole in the old form
    or the new. The conversions that finish (not killed) move the form on, so all three kinds run."""
    from rpltrack.store.demo import fill_demo

    with Journal.open(db_path, now=s.NOW) as journal:
        fill_demo(journal, s.NOW, s.LONDON, years=1)
        journal.make_backup(s.NOW)
    original = _state(db_path, None)
    backup = next(backup_dir(db_path).glob("*.db"))
    backup_original = _state(backup, None)
    rng = random.Random(20261217)
    keys: list[JournalKey] = []
    current: JournalKey | None = None
    window = 0.25  # seconds; replaced by the measured length of a whole conversion
    kinds = {"lock": 0, "unlock": 0, "passphrase": 0}
    finished = 0
    for run in range(KILLS):
        if current is None:
            new: JournalKey | None = JournalKey(os.urandom(32), os.urandom(16))
            kind = "lock"
        elif rng.random() < 0.5:
            new, kind = None, "unlock"
        else:
            new, kind = JournalKey(os.urandom(32), os.urandom(16)), "passphrase"
        if new is not None:
            keys.append(new)
            remember_in_process(new)  # as the keyring would: the next open finds it
        kinds[kind] += 1
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db_path), _hex(current), _hex(new)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        started = time.monotonic()
        if run % 7 == 0:  # every 7th runs to the end, and measures how long a conversion takes
            assert proc.stdout.readline().strip() == "done"
            window = max(0.02, time.monotonic() - started)
        else:
            time.sleep(rng.uniform(0, window * 1.2))
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=30)
        out = ("done\n" if run % 7 == 0 else "") + rest
        if "done" in out:
            finished += 1
        assert "Traceback" not in err, err
        # Exactly one whole journal at the path, in the old form or the new.
        found = _key_of(db_path, keys)
        assert found in (current, new)
        assert _state(db_path, found) == original, f"run {run}: the journal's rows changed"
        assert "done" not in out or found == new
        with Journal.open(db_path, now=s.NOW, key=found) as journal:
            assert not journal.readonly
            journal.set_setting("reminders.grace", "30m", s.NOW)
            journal.undo(s.NOW)
        original = _state(db_path, found)  # the write and its undo are in the change log now
        assert not [p for p in db_path.parent.glob(f".{db_path.name}.*.partial")], f"run {run}"
        # The backup: whole; after that open, in the journal's form (a plain one beside a locked journal, or
        # one in the key a killed passphrase change replaced, was locked by the open).
        backup_key = _key_of(backup, keys)
        assert backup_key == found, f"run {run}: the backup is in another form than the journal"
        assert _state(backup, backup_key) == backup_original
        current = found
    assert finished >= KILLS // 7, (finished, kinds)
    assert min(kinds.values()) >= 5, (finished, kinds)
