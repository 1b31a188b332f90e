"""Reminders of a locked journal whose key is missing (#17): `remind --once` sends one discreet notice a day,
"rpltrack is locked: open it to see what is due", with no clinical word, never asks for the passphrase,
and keeps the day it went out beside the journal (the state file), never in the journal."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from freezegun import freeze_time

from rpltrack.cli.main import main
from rpltrack.domain.reminder_words import Notice
from rpltrack.reminders.daemon import LOCKED_BODY, LOCKED_MARK, last_run, note_locked_journal, state_path
from rpltrack.store import crypto
from rpltrack.store.crypto import JournalKey

from .conftest import FakeServer
from .support import at_times, journal_with


@pytest.fixture
def locked_due_db(db_path: Path) -> Path:
    """A locked journal with aspirin due at 08:00 whose key nobody keeps (no keyring on the test bus)."""
    from rpltrack.store.journal import Journal

    key = JournalKey(os.urandom(32), os.urandom(16))
    Journal.open(db_path, key=key).close()
    journal_with(db_path, at_times("08:00")).close()
    note_locked_journal(db_path, key.journal_id)  # as `rpltrack lock` or an earlier timer run notes it
    crypto.forget_in_process()
    return db_path


def _once(capsys: pytest.CaptureFixture[str], db: Path, when: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with freeze_time(when):
        rc = main(["--db", str(db), "--tz", "Europe/London", "remind", "--once", "--wait", "0"])
    out, err = capsys.readouterr()
    return rc, out, err


def test_a_locked_journal_without_its_key_sends_one_discreet_notice_a_day(
    capsys: pytest.CaptureFixture[str],
    locked_due_db: Path,
    fake_server: Callable[..., FakeServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = fake_server()
    digest = locked_due_db.read_bytes()
    asked: list[str] = []

    def ask(prompt: str = "") -> str:
        asked.append(prompt)
        return "x"

    monkeypatch.setattr("getpass.getpass", ask)
    rc, out, err = _once(capsys, locked_due_db, "2026-11-23 08:00:30")
    assert rc == 0
    assert err == ""
    assert "the journal is locked and its key is not available" in out
    [shown] = server.wait_for(1)
    assert shown["summary"] == "Reminder"
    assert shown["body"] == LOCKED_BODY == "rpltrack is locked: open it to see what is due"
    assert "aspirin" not in str(shown).lower()
    assert "dose" not in str(shown).lower()
    state = last_run(locked_due_db)
    assert state is not None
    assert state[LOCKED_MARK] == "2026-11-23"
    assert "aspirin" not in state_path(locked_due_db).read_text(encoding="utf-8")
    # Later the same day: nothing more; the next day: one more.
    assert _once(capsys, locked_due_db, "2026-11-23 20:00:30")[0] == 0
    assert _once(capsys, locked_due_db, "2026-11-23 23:59:00")[0] == 0
    assert len(server.records()) == 1
    assert _once(capsys, locked_due_db, "2026-11-24 08:00:30")[0] == 0
    assert len(server.wait_for(2)) == 2
    assert asked == []  # never asked for the passphrase
    assert locked_due_db.read_bytes() == digest  # nothing written to the journal


def test_an_undelivered_locked_notice_is_tried_again_next_time(
    capsys: pytest.CaptureFixture[str], locked_due_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rpltrack.reminders import notify

    monkeypatch.setattr(notify.Outbox, "deliver", lambda self, notice: None)
    assert _once(capsys, locked_due_db, "2026-11-23 08:00:30")[0] == 0
    state = last_run(locked_due_db)
    assert state is not None
    assert LOCKED_MARK not in state
    shown: list[str] = []

    def deliver(self: object, notice: Notice) -> str:
        shown.append(notice.body)
        return "test"

    monkeypatch.setattr(notify.Outbox, "deliver", deliver)
    assert _once(capsys, locked_due_db, "2026-11-23 08:01:30")[0] == 0
    assert shown == [LOCKED_BODY]


def test_with_the_passphrase_given_the_timer_reads_the_locked_journal_as_usual(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    """`--passphrase-file` (never a question) opens the locked journal: the due dose is checked as usual
    (no server here: kept to be tried again), and no locked notice goes out."""
    from rpltrack.store.locking import convert

    journal_with(db_path, at_times("08:00")).close()
    convert(db_path, None, crypto.new_key("a long passphrase for the test"))
    crypto.forget_in_process()
    passphrase = tmp_path / "pw.txt"
    passphrase.write_text("a long passphrase for the test\n", encoding="utf-8")
    capsys.readouterr()
    with freeze_time("2026-11-23 08:00:30"):
        rc = main(
            ["--db", str(db_path), "--passphrase-file", str(passphrase), "remind", "--once", "--wait", "0"]
        )
    out, _ = capsys.readouterr()
    assert rc == 0
    assert out.startswith("rpltrack remind: sent 0, not delivered 1 (tried again next time)")
    state = last_run(db_path)
    assert state is not None
    assert state["trigger"] == "once"
    assert LOCKED_MARK not in state


def test_a_locked_looking_file_never_opened_here_is_refused_not_announced(
    capsys: pytest.CaptureFixture[str], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random bytes look like a locked journal; the timer never saw this one opened, so it refuses (exit 2)
    without a notice and writes nothing beside it."""
    from rpltrack.reminders import notify

    db_path.parent.mkdir(mode=0o700, exist_ok=True)
    db_path.write_bytes(os.urandom(8192))
    db_path.chmod(0o600)
    shown: list[str] = []

    def deliver(self: object, notice: Notice) -> str:
        shown.append(notice.body)
        return "test"

    monkeypatch.setattr(notify.Outbox, "deliver", deliver)
    rc, _, err = _once(capsys, db_path, "2026-11-23 08:00:30")
    assert rc == 2
    assert "or it is not an rpltrack journal at all" in err
    assert shown == []
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]
