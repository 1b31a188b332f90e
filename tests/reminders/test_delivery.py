"""Delivery to real notification servers the tests start: dunst on Xvfb (recipe A) and the fake server
(recipe B) whose buttons get pressed; the fallbacks; finding the session bus; the command in a subprocess.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from rpltrack.clock import FixedClock, SystemClock
from rpltrack.domain.models import DoseStatus
from rpltrack.domain.reminder_words import Notice, Urgency
from rpltrack.domain.reminders import Kind
from rpltrack.reminders.daemon import Session, last_run, once
from rpltrack.reminders.notify import (
    BellBackend,
    DesktopBackend,
    NotifySendBackend,
    Outbox,
    find_session_bus,
)
from rpltrack.store.journal import Journal

from .conftest import Dunst, FakeServer, need
from .support import LONDON, SENSITIVE, at_times, journal_with, ledger, tick
from .support import Outbox as Recorder

EIGHT = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)
NOTICE = Notice("Aspirin 81 mg at 08:00", "Due now.", Urgency.NORMAL, ((Kind.DOSE, "dose:1:x"),))


def _due_session(db_path: Path, **settings: str) -> tuple[Journal, Session]:
    journal = journal_with(db_path, at_times("08:00", name="enoxaparin", dose="40 mg"))
    for key, value in settings.items():
        journal.set_setting(key, value, EIGHT - timedelta(days=1))
    tick(journal, Recorder(), EIGHT - timedelta(hours=1))
    return journal, Session(journal, FixedClock(EIGHT, LONDON))


# -- recipe A: dunst -----------------------------------------------------------------------------------------


def test_a_reminder_reaches_dunst_and_is_read_back_from_it(dunst: Dunst, db_path: Path) -> None:
    """End to end: run_due -> desktop-notifier -> the private session bus -> dunst on Xvfb."""
    journal, session = _due_session(db_path)
    report = once(session, wait=0)
    session.close()
    assert [(n.title, via) for n, via in report.sent] == [("Enoxaparin 40 mg at 08:00", "desktop-notifier")]
    # No wait: nothing would answer buttons, so none are offered and the text names the command (#16).
    assert dunst.history() == [
        {
            "appname": "rpltrack",
            "summary": "Enoxaparin 40 mg at 08:00",
            "body": "Due now.\nLog it with: rpltrack take enoxaparin",
        }
    ]
    journal.close()


def test_notify_send_is_the_first_fallback(dunst: Dunst) -> None:
    need("notify-send")
    outbox = Outbox(backends=[NotifySendBackend(), BellBackend(io.StringIO())])
    assert outbox.deliver(NOTICE) == "notify-send"
    (shown,) = dunst.history()
    assert shown["summary"] == "Aspirin 81 mg at 08:00"


# -- recipe B: the fake server, buttons ----------------------------------------------------------------------


def test_pressing_taken_logs_the_dose(fake_server: Callable[..., FakeServer], db_path: Path) -> None:
    server = fake_server(auto_press="Taken")
    journal, session = _due_session(db_path)
    report = once(session, wait=10)
    session.close()
    assert [via for _, via in report.sent] == ["desktop-notifier"]
    first, confirmation = server.wait_for(2)
    assert first["summary"] == "Enoxaparin 40 mg at 08:00"
    assert first["actions"][2:] == [first["actions"][2], "Taken", first["actions"][4], "Snooze"]
    assert first["body"] == "Due now."  # buttons shown: the command is not spelled out
    assert confirmation["summary"] == "Enoxaparin logged as taken at 08:00"
    with Journal.open(db_path) as reopened:
        (view,) = reopened.day(EIGHT.date(), LONDON, EIGHT + timedelta(minutes=1))
        assert view.status is DoseStatus.TAKEN
        assert ("dose", "dose:1:2026-11-23T08:00:00Z", "done") in ledger(reopened)
    journal.close()


def test_pressing_snooze_snoozes_in_the_ledger(fake_server: Callable[..., FakeServer], db_path: Path) -> None:
    server = fake_server(auto_press="Snooze")
    journal, session = _due_session(db_path)
    once(session, wait=10)
    session.close()
    assert server.wait_for(2)[1]["summary"] == "Snoozed until 08:10"
    row = journal._conn.execute(
        "SELECT state, snooze_until_utc FROM reminders WHERE kind = 'dose'"
    ).fetchall()
    assert ("snoozed", "2026-11-23T08:10:00Z") in [tuple(r) for r in row]
    with Journal.open(db_path) as reopened:
        (view,) = reopened.day(EIGHT.date(), LONDON, EIGHT + timedelta(minutes=1))
        assert view.status is DoseStatus.DUE
    journal.close()


def test_discreet_reminder_has_no_clinical_words_and_its_button_still_works(
    fake_server: Callable[..., FakeServer], db_path: Path
) -> None:
    """F6 at the server: what reached it (app name, summary, body, button labels) has no drug or clinical
    word; pressing "Done" logs the dose."""
    server = fake_server(auto_press="Done")
    journal, session = _due_session(db_path, **{"reminders.discreet": "on"})
    once(session, wait=10)
    session.close()
    for record in server.wait_for(2):
        text = " ".join([record["app_name"], record["summary"], record["body"], *record["actions"][1::2]])
        assert not [w for w in SENSITIVE if w in text.lower()], text
    with Journal.open(db_path) as reopened:
        (view,) = reopened.day(EIGHT.date(), LONDON, EIGHT + timedelta(minutes=1))
        assert view.status is DoseStatus.TAKEN
    journal.close()


def test_a_server_without_buttons_gets_the_command_in_the_text(
    fake_server: Callable[..., FakeServer],
) -> None:
    server = fake_server(actions=False)
    notice = Notice(
        "Aspirin 81 mg at 08:00",
        "Due now.",
        Urgency.NORMAL,
        ((Kind.DOSE, "dose:1:x"),),
        buttons=(("taken", "Taken"),),
        fallback="Log it with: rpltrack take aspirin",
    )
    with Outbox(on_action=lambda n, a: None) as outbox:
        assert outbox.deliver(notice) == "desktop-notifier"
        assert not outbox.waiting
    (record,) = server.wait_for(1)
    assert record["body"] == "Due now.\nLog it with: rpltrack take aspirin"
    assert record["actions"] == ["default", ""]


def test_urgency_reaches_the_server(fake_server: Callable[..., FakeServer]) -> None:
    server = fake_server()
    with Outbox() as outbox:
        for urgency in Urgency:
            outbox.deliver(Notice(urgency.value, "", urgency, ((Kind.TEST, urgency.value),)))
    assert [(r["summary"], r["urgency"]) for r in server.wait_for(3)] == [
        ("low", 0),
        ("normal", 1),
        ("critical", 2),
    ]


def test_no_server_on_the_bus_means_no_receipt_and_the_reminder_stays_pending(
    session_bus: str, db_path: Path
) -> None:
    """Silent failure (NOTIFICATIONS 2.2 pitfall 4): desktop-notifier's send does not raise; without its
    dispatch callback nothing counts as delivered, and the reminder is tried again next time."""
    journal, _ = _due_session(db_path)
    outbox = Outbox(backends=[DesktopBackend(), BellBackend(io.StringIO())])
    session = Session(journal, FixedClock(EIGHT, LONDON), outbox)
    report = once(session, wait=0)
    session.close()
    assert report.sent == ()
    assert [n.title for n in report.failed] == ["Enoxaparin 40 mg at 08:00"]
    assert ("dose", "dose:1:2026-11-23T08:00:00Z", "pending") in ledger(journal)
    assert outbox.problems  # why, for --status
    journal.close()


def test_the_bell_is_a_receipt_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    log, terminal = io.StringIO(), Terminal()
    assert BellBackend(log).deliver(NOTICE) is False
    assert "Aspirin" not in log.getvalue()  # a log gets no health words
    assert BellBackend(terminal).deliver(NOTICE) is True
    assert terminal.getvalue() == "\arpltrack: Aspirin 81 mg at 08:00 — Due now.\n"


# -- the network guard -------------------------------------------------------------------------------------


def test_the_suite_still_refuses_an_internet_connection_but_not_a_local_socket(tmp_path: Path) -> None:
    """tests/conftest.py's guard lets AF_UNIX through (the session D-Bus is a unix socket), nothing else."""
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as inet,
        pytest.raises(AssertionError, match="network"),
    ):
        inet.connect(("192.0.2.1", 443))
    with (
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as inet6,
        pytest.raises(AssertionError, match="network"),
    ):
        inet6.connect_ex(("2001:db8::1", 443))
    with socket.socket(socket.AF_UNIX) as local, pytest.raises(FileNotFoundError):
        local.connect(str(tmp_path / "no-such-socket"))  # reached the OS: not refused by the guard


# -- finding the bus -----------------------------------------------------------------------------------------


def test_the_session_bus_is_found_when_the_environment_lacks_it(tmp_path: Path) -> None:
    """Cron and some timers start us with no DBUS_SESSION_BUS_ADDRESS: $XDG_RUNTIME_DIR/bus is used."""
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(runtime / "bus"))
        env = {"XDG_RUNTIME_DIR": str(runtime)}
        assert find_session_bus(env) == f"unix:path={runtime / 'bus'}"
        assert env["DBUS_SESSION_BUS_ADDRESS"] == f"unix:path={runtime / 'bus'}"
    assert find_session_bus({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}) == "unix:path=/x"
    assert find_session_bus({"XDG_RUNTIME_DIR": str(tmp_path / "none")}) is None


def test_a_desktop_reminder_is_delivered_with_the_bus_found_from_xdg_runtime_dir(
    fake_server: Callable[..., FakeServer], session_bus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "runtime-link"
    runtime.mkdir()
    (runtime / "bus").symlink_to(session_bus.split("path=", 1)[1].split(",", 1)[0])
    server = fake_server()
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    with Outbox() as outbox:
        assert outbox.deliver(NOTICE) == "desktop-notifier"
    assert server.wait_for(1)[0]["summary"] == "Aspirin 81 mg at 08:00"


# -- the command ---------------------------------------------------------------------------------------------


def _rpltrack(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rpltrack", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_remind_test_says_which_backend_delivered(
    fake_server: Callable[..., FakeServer], db_path: Path
) -> None:
    server = fake_server()
    done = _rpltrack("--db", str(db_path), "remind", "--test")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Sent a test reminder through desktop-notifier (session bus: unix:")
    assert server.wait_for(1)[0]["summary"] == "rpltrack test reminder"


def test_remind_once_in_a_subprocess_delivers_and_takes_the_button(
    fake_server: Callable[..., FakeServer], db_path: Path
) -> None:
    """The real entry point, on the real clock: a dose due a minute ago is sent once and "Taken" logs it."""
    server = fake_server(auto_press="Taken")
    now = SystemClock(LONDON).now()
    due = (now - timedelta(minutes=1)).strftime("%H:%M")
    journal_with(db_path, at_times(due, name="enoxaparin", dose="40 mg")).close()
    done = _rpltrack("--db", str(db_path), "--tz", "Europe/London", "remind", "--once", "--wait", "10")
    assert done.returncode == 0, done.stderr
    assert server.wait_for(2)[0]["summary"] == f"Enoxaparin 40 mg at {due}"
    with Journal.open(db_path) as reopened:
        assert [kind for kind, _, state in ledger(reopened) if state == "done"] == ["dose"]
    again = _rpltrack("--db", str(db_path), "--tz", "Europe/London", "remind", "--once", "--wait", "0")
    assert again.returncode == 0
    assert len(server.records()) == 2  # nothing sent twice
    state = last_run(db_path)
    assert state is not None
    assert (state["trigger"], state["sent"]) == ("once", 0)


def test_remind_daemon_runs_for_a_bounded_time_and_delivers_once(
    fake_server: Callable[..., FakeServer], db_path: Path
) -> None:
    server = fake_server()
    now = SystemClock(LONDON).now()
    due = (now - timedelta(minutes=1)).strftime("%H:%M")
    journal_with(db_path, at_times(due)).close()
    done = _rpltrack("--db", str(db_path), "--tz", "Europe/London", "remind", "--daemon", "--for", "1")
    assert done.returncode == 0, done.stderr
    sent, *replaced = server.records()
    assert sent["summary"] == f"Aspirin 81 mg at {due}"
    # On its way out the daemon takes back the buttons nobody will answer (#16): the same notification
    # changed in place, not a second reminder.
    assert [(r["replaces_id"], r["actions"]) for r in replaced] == [(sent["id"], [])]
