"""A reminder's buttons exist only while something answers them (#16).

When the process that answers Taken and Snooze stops waiting (its wait ends, SIGTERM, Ctrl-C), each of its
notifications still open is replaced in place (same server id) by a copy without buttons that says to open
rpltrack to log it; a process killed with -9 leaves a record in the ledger, and the next run closes what it
left. Checked against the fake server (recipe B: it logs replaces_id and CloseNotification, and a test can
press a button whenever it likes) and against real dunst on Xvfb (recipe A), where a late press goes
through dunst's own context menu.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from rpltrack.clock import FixedClock, SystemClock
from rpltrack.domain.models import DoseStatus
from rpltrack.domain.reminders import Kind
from rpltrack.reminders.daemon import Session, once
from rpltrack.store.journal import Journal

from .conftest import Dunst, FakeServer, wait_until
from .support import LONDON, SENSITIVE, at_times, journal_with, tick
from .support import Outbox as Recorder

EIGHT = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)
SLOT = "dose:1:2026-11-23T08:00:00Z"
DOSE = (Kind.DOSE, SLOT)


def _due(db_path: Path, **settings: str) -> Journal:
    """Enoxaparin at 08:00, everything before 07:00 settled: at 08:00 its reminder is due."""
    journal = journal_with(db_path, at_times("08:00", name="enoxaparin", dose="40 mg"))
    for key, value in settings.items():
        journal.set_setting(key, value, EIGHT - timedelta(days=1))
    tick(journal, Recorder(), EIGHT - timedelta(hours=1))
    return journal


def _status_today(journal: Journal, at: datetime) -> DoseStatus:
    (view,) = journal.day(at.date(), LONDON, at)
    return view.status


def _shown(db_path: Path, at: datetime) -> list[tuple[tuple[Kind, str], dict[str, object]]]:
    with Journal.open(db_path) as reopened:
        return reopened.reminder_ledger().shown(at)


# -- recipe B: the fake server -----------------------------------------------------------------------------


def test_buttons_nobody_answers_are_replaced_in_place_when_the_wait_ends(
    fake_server: Callable[..., FakeServer], db_path: Path
) -> None:
    server = fake_server()
    journal = _due(db_path)
    session = Session(journal, FixedClock(EIGHT, LONDON))
    once(session, wait=0.3)
    assert [key for key, _ in journal.reminder_ledger().shown(EIGHT)] == [DOSE]  # recorded while on screen
    session.close()
    shown, replacement = server.wait_for(2)
    assert shown["actions"][3::2] == ["Taken", "Snooze"]
    assert (replacement["replaces_id"], replacement["id"]) == (shown["id"], shown["id"])
    assert replacement["actions"] == []
    assert replacement["summary"] == shown["summary"] == "Enoxaparin 40 mg at 08:00"
    assert replacement["body"] == "Due now.\nOpen rpltrack to log it."
    assert replacement["urgency"] == shown["urgency"]
    assert server.press(shown["id"], "Taken") is False  # pressed later: there is no such button any more
    assert journal.reminder_ledger().shown(EIGHT) == []
    assert _status_today(journal, EIGHT + timedelta(minutes=5)) is DoseStatus.DUE
    journal.close()


def test_discreet_buttons_give_way_to_words_without_clinical_words(
    fake_server: Callable[..., FakeServer], db_path: Path
) -> None:
    server = fake_server()
    journal = _due(db_path, **{"reminders.discreet": "on"})
    session = Session(journal, FixedClock(EIGHT, LONDON))
    once(session, wait=0.2)
    session.close()
    shown, replacement = server.wait_for(2)
    assert shown["actions"][3::2] == ["Done", "Snooze"]
    assert replacement["replaces_id"] == shown["id"]
    assert replacement["body"] == "Something is due at 08:00.\nOpen your tracker to log it."
    text = " ".join([replacement["app_name"], replacement["summary"], replacement["body"]]).lower()
    assert [word for word in SENSITIVE if word in text] == []
    journal.close()


def test_a_button_pressed_in_time_logs_the_dose_and_nothing_is_replaced(
    fake_server: Callable[..., FakeServer], db_path: Path
) -> None:
    server = fake_server(auto_press="Taken")
    journal = _due(db_path)
    session = Session(journal, FixedClock(EIGHT, LONDON))
    once(session, wait=10)
    session.close()
    records = server.wait_for(2)
    assert [r["replaces_id"] for r in records] == [0, 0]  # the reminder and its confirmation, no replacement
    assert records[1]["summary"] == "Enoxaparin logged as taken at 08:00"
    assert _status_today(journal, EIGHT + timedelta(minutes=1)) is DoseStatus.TAKEN
    assert journal.reminder_ledger().shown(EIGHT) == []
    journal.close()


def test_with_no_wait_no_buttons_are_offered(fake_server: Callable[..., FakeServer], db_path: Path) -> None:
    server = fake_server()
    journal = _due(db_path)
    session = Session(journal, FixedClock(EIGHT, LONDON))
    once(session, wait=0)
    session.close()
    (record,) = server.wait_for(1)
    assert record["actions"] in ([], ["default", ""])  # no Taken, no Snooze
    assert record["body"] == "Due now.\nLog it with: rpltrack take enoxaparin"
    journal.close()


def test_records_from_another_bus_or_server_are_dropped_without_closing_anything(
    fake_server: Callable[..., FakeServer], db_path: Path
) -> None:
    """A record left by a listener on an earlier login (another bus) or before the notification server
    restarted: its notifications went with them, and the server's ids now belong to others."""
    server = fake_server()
    journal = _due(db_path)
    tick(journal, Recorder(), EIGHT)
    ledger = journal.reminder_ledger()
    ledger.mark_shown(DOSE, {"bus": "0" * 32, "server": ":1.1", "listener": ":1.9", "id": 1}, EIGHT)
    session = Session(journal, FixedClock(EIGHT, LONDON))
    assert session.withdraw_stale() == 1
    assert server.closed() == []
    assert ledger.shown(EIGHT) == []
    journal.close()


# -- the command, in subprocesses on the real clock --------------------------------------------------------


def _command(db_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "rpltrack", "--db", str(db_path), "--tz", "Europe/London", "remind", *args]


@pytest.fixture
def listener() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start `rpltrack remind ...` in the background; whatever is still running at the end is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(db_path: Path, *args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            _command(db_path, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=10)


def _due_now(db_path: Path) -> tuple[str, datetime]:
    """Enoxaparin due a minute ago on the real clock (the command runs on it)."""
    now = SystemClock(LONDON).now()
    due_at = now - timedelta(minutes=1)
    due = due_at.strftime("%H:%M")
    med = at_times(due, name="enoxaparin", dose="40 mg", start=due_at.date())  # no earlier dose
    journal_with(db_path, med).close()
    return due, now


def _run(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(db_path, *args),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


@pytest.mark.parametrize(
    ("how", "mode"),
    [
        (signal.SIGTERM, ("--once", "--wait", "120")),
        (signal.SIGHUP, ("--once", "--wait", "120")),
        (signal.SIGINT, ("--once", "--wait", "120")),
        (signal.SIGTERM, ("--daemon",)),
        (signal.SIGINT, ("--daemon",)),
    ],
    ids=["once-sigterm", "once-sighup", "once-ctrl-c", "daemon-sigterm", "daemon-ctrl-c"],
)
def test_a_stopped_listener_takes_its_buttons_back(
    fake_server: Callable[..., FakeServer],
    db_path: Path,
    listener: Callable[..., subprocess.Popen[str]],
    how: signal.Signals,
    mode: tuple[str, ...],
) -> None:
    """systemd stops the unit, the session ends or she presses Ctrl-C while a check waits for a press."""
    server = fake_server()
    _, now = _due_now(db_path)
    proc = listener(db_path, *mode)
    (shown,) = server.wait_for(1)
    wait_until(lambda: bool(_shown(db_path, now)), "the listener to record its notification")
    proc.send_signal(how)
    _, err = proc.communicate(timeout=20)
    assert "Traceback" not in err
    assert proc.returncode == (130 if how is signal.SIGINT and mode[0] == "--once" else 0), err
    _, replacement = server.records()
    assert (replacement["replaces_id"], replacement["actions"]) == (shown["id"], [])
    assert replacement["body"].endswith("\nOpen rpltrack to log it.")
    assert server.press(shown["id"], "Taken") is False
    assert _shown(db_path, now) == []


def test_a_listener_killed_with_sigkill_leaves_buttons_the_next_run_withdraws(
    fake_server: Callable[..., FakeServer],
    db_path: Path,
    listener: Callable[..., subprocess.Popen[str]],
) -> None:
    server = fake_server()
    _, now = _due_now(db_path)
    proc = listener(db_path, "--once", "--wait", "120")
    (shown,) = server.wait_for(1)
    wait_until(lambda: bool(_shown(db_path, now)), "the listener to record its notification")
    (where,) = [w for _, w in _shown(db_path, now)]
    assert where["id"] == shown["id"]
    proc.kill()
    proc.wait(timeout=10)
    assert server.closed() == []  # the dead process's buttons are still on screen, answering nothing
    done = _run(db_path, "--once", "--wait", "0")
    assert done.returncode == 0, done.stderr
    assert server.closed() == [shown["id"]]
    assert server.press(shown["id"], "Taken") is False
    assert _shown(db_path, now) == []
    assert _run(db_path, "--once", "--wait", "0").returncode == 0
    assert server.closed() == [shown["id"]]  # closed once
    assert len(server.records()) == 1  # and nothing sent again


def test_the_buttons_of_a_listener_still_waiting_are_left_alone(
    fake_server: Callable[..., FakeServer],
    db_path: Path,
    listener: Callable[..., subprocess.Popen[str]],
) -> None:
    """Another check (the daemon, or a second timer run) must not take away buttons that still work."""
    server = fake_server()
    _, now = _due_now(db_path)
    proc = listener(db_path, "--once", "--wait", "120")
    (shown,) = server.wait_for(1)
    wait_until(lambda: bool(_shown(db_path, now)), "the listener to record its notification")
    assert _run(db_path, "--once", "--wait", "0").returncode == 0
    assert server.closed() == []
    assert server.press(shown["id"], "Taken") is True  # still answered by the first process
    assert proc.wait(timeout=20) == 0
    with Journal.open(db_path) as reopened:
        (view,) = reopened.day(now.date(), LONDON, SystemClock(LONDON).now())
        assert view.status is DoseStatus.TAKEN
        assert reopened.reminder_ledger().shown(now) == []


# -- `remind --status` -------------------------------------------------------------------------------------


def test_status_says_how_many_were_sent_and_which_button_answered(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reminders sent (the dose at 08:00, then its overdue one), Taken pressed on the second: the old
    wording said "1 sent, 1 answered"; the count of sent reminders includes those answered."""
    from freezegun import freeze_time

    from rpltrack.cli.main import main
    from rpltrack.reminders import service
    from rpltrack.store.reminder_ledger import answer

    journal = _due(db_path)
    tick(journal, Recorder(), EIGHT)
    overdue_at = EIGHT + journal.grace()
    shown = Recorder()
    tick(journal, shown, overdue_at)
    (overdue,) = shown.shown
    assert overdue.kind is Kind.OVERDUE
    answer(journal, Kind.OVERDUE, overdue.subject, "taken", overdue_at + timedelta(minutes=2), LONDON)
    journal.close()
    monkeypatch.setattr(service, "_run", lambda run, argv: (False, "Failed to connect to bus"))
    capsys.readouterr()
    with freeze_time((overdue_at + timedelta(minutes=5)).astimezone(LONDON)):
        assert main(["--db", str(db_path), "--tz", "Europe/London", "remind", "--status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Today: 2 reminders sent; 1 answered from its button (Taken)." in lines
    # Yesterday's 08:00 and its overdue reminder were settled unseen by the first check at 07:00.
    assert "Yesterday: 2 passed unseen (asleep or off)." in lines


def test_status_words_for_a_day_with_nothing() -> None:
    from rpltrack.cli.remind import LABELS, day_account

    assert day_account([], LABELS) == ""


# -- recipe A: real dunst, pressed through its own context menu --------------------------------------------


@pytest.fixture
def dunstrc_extra(tmp_path: Path) -> str:
    """Notifications stay on screen until acted on, and dunst's context menu (`dunstctl context`) is a
    script that keeps the menu it was offered and picks the Taken button, as she would."""
    menu = tmp_path / "dmenu.sh"
    offered = tmp_path / "menu-offered.txt"
    menu.write_text(f"#!/bin/sh\ncat > '{offered}'\ngrep -m1 Taken '{offered}'\nexit 0\n", encoding="utf-8")
    menu.chmod(0o755)
    return (
        f"    dmenu = {menu}\n"
        "[urgency_low]\n    timeout = 0\n"
        "[urgency_normal]\n    timeout = 0\n"
        "[urgency_critical]\n    timeout = 0\n"
    )


def _dunstctl(*args: str) -> str:
    return subprocess.run(["dunstctl", *args], check=True, capture_output=True, text=True).stdout


def _displayed() -> int:
    return int(_dunstctl("count", "displayed").strip())


def test_dunst_pressing_taken_after_the_listener_stopped_finds_no_button(
    dunst: Dunst, db_path: Path, tmp_path: Path
) -> None:
    """The issue's case: the reminder is delivered, the check's wait ends, and she presses Taken later.
    By then the notification on screen has no buttons: dunst's context menu has nothing to offer (the
    menu script is never run) and the notification says to open rpltrack."""
    due, now = _due_now(db_path)
    done = _run(db_path, "--once", "--wait", "1")
    assert done.returncode == 0, done.stderr
    assert _displayed() == 1
    _dunstctl("action", "0")  # dunst's "first action" of the top notification
    _dunstctl("context")  # the menu of every button on screen
    assert _displayed() == 1
    assert not (tmp_path / "menu-offered.txt").exists()  # no button anywhere on screen
    (entry,) = dunst.history()
    assert entry == {
        "appname": "rpltrack",
        "summary": f"Enoxaparin 40 mg at {due}",
        "body": "Due now.\nOpen rpltrack to log it.",
    }
    with Journal.open(db_path) as reopened:
        (view,) = reopened.day(now.date(), LONDON, SystemClock(LONDON).now())
        assert view.status is not DoseStatus.TAKEN


def test_dunst_pressing_taken_while_the_listener_waits_logs_the_dose(
    dunst: Dunst, db_path: Path, tmp_path: Path, listener: Callable[..., subprocess.Popen[str]]
) -> None:
    due, now = _due_now(db_path)
    proc = listener(db_path, "--once", "--wait", "60")
    wait_until(lambda: _displayed() == 1, "dunst to show the reminder")
    wait_until(lambda: bool(_shown(db_path, now)), "the listener to record its notification")
    _dunstctl("context")
    assert proc.wait(timeout=30) == 0  # answered: the check ends at once
    offered = (tmp_path / "menu-offered.txt").read_text(encoding="utf-8")
    assert f"#Taken (Enoxaparin 40 mg at {due})" in offered
    with Journal.open(db_path) as reopened:
        (view,) = reopened.day(now.date(), LONDON, SystemClock(LONDON).now())
        assert view.status is DoseStatus.TAKEN
        assert reopened.reminder_ledger().shown(now) == []
    summaries = [entry["summary"] for entry in dunst.history()]
    assert "Enoxaparin logged as taken at" in " ".join(summaries)


def test_dunst_buttons_of_a_killed_listener_are_withdrawn_by_the_next_run(
    dunst: Dunst, db_path: Path, tmp_path: Path, listener: Callable[..., subprocess.Popen[str]]
) -> None:
    _, now = _due_now(db_path)
    proc = listener(db_path, "--once", "--wait", "60")
    wait_until(lambda: bool(_shown(db_path, now)), "the listener to record its notification")
    proc.kill()
    proc.wait(timeout=10)
    assert _displayed() == 1  # still on screen with buttons nobody answers
    done = _run(db_path, "--once", "--wait", "0")
    assert done.returncode == 0, done.stderr
    assert _displayed() == 0
    _dunstctl("context")
    assert not (tmp_path / "menu-offered.txt").exists()
    state = json.loads(_dunstctl("history"))["data"][0]
    assert len(state) == 1  # withdrawn, not replaced by a second pop-up
