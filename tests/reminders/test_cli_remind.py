"""`rpltrack remind` in process: the modes, what it prints (and does not print to a log), exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from rpltrack.cli.main import main
from rpltrack.reminders import service
from rpltrack.reminders.daemon import last_run

from .support import NEW_YORK, at_times, journal_with, ledger

FROZEN = "2026-11-23 08:00:30"  # UTC, = London wall time in November


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["--db", str(db), "--tz", "Europe/London", "remind", *args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def due_db(db_path: Path) -> Path:
    journal_with(db_path, at_times("08:00")).close()
    with freeze_time("2026-11-23 07:00:00"):
        assert main(["--db", str(db_path), "remind", "--once", "--wait", "0"]) == 0  # older ones settled
    return db_path


def test_a_mode_is_required(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(capsys, db_path)
    assert exit_.value.code == 2
    assert "one of the arguments --once --daemon --install --uninstall --status --test is required" in (
        capsys.readouterr().err
    )


def test_once_with_nothing_due_says_nothing(capsys: pytest.CaptureFixture[str], due_db: Path) -> None:
    with freeze_time("2026-11-23 07:30:00"):
        assert run(capsys, due_db, "--once") == (0, "", "")
    state = last_run(due_db)
    assert state is not None
    assert (state["last_run_utc"], state["sent"]) == ("2026-11-23T07:30:00Z", 0)


def test_once_without_any_notification_server_keeps_the_reminder_and_logs_no_words(
    capsys: pytest.CaptureFixture[str], due_db: Path
) -> None:
    with freeze_time(FROZEN):
        rc, out, err = run(capsys, due_db, "--once", "--wait", "0")
    assert rc == 0
    assert out == "rpltrack remind: sent 0, not delivered 1 (tried again next time), passed unseen 0\n"
    assert err == "rpltrack: a reminder is due and no notification server could show it\n"
    assert "aspirin" not in (out + err).lower()
    with service_journal(due_db) as rows:
        assert ("dose", "dose:1:2026-11-23T08:00:00Z", "pending") in rows


def test_once_on_a_terminal_says_what_it_did(
    capsys: pytest.CaptureFixture[str], due_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rpltrack.reminders import notify

    monkeypatch.setattr(notify.BellBackend, "deliver", lambda self, notice: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    with freeze_time(FROZEN):
        rc, out, _ = run(capsys, due_db, "--once", "--wait", "0")
    assert (rc, out) == (0, "Sent (terminal): Aspirin 81 mg at 08:00\n")


def test_once_abroad_asks_the_time_zone_question(
    capsys: pytest.CaptureFixture[str], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal_with(db_path, at_times("21:00", zone=NEW_YORK)).close()
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    with freeze_time("2026-05-10 16:00:00"):
        rc, out, _ = run(capsys, db_path, "--once", "--wait", "0")
    assert rc == 0
    assert "Your reminders keep your home time (America/New_York): 21:00 there is 02:00 here." in out
    assert "To follow the local clock: rpltrack settings set reminders.travel local." in out


def test_status_says_what_is_installed_and_when_it_last_ran(
    capsys: pytest.CaptureFixture[str], due_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "_run", lambda run, argv: (False, "Failed to connect to bus"))
    with freeze_time("2026-11-23 07:45:00"):
        rc, out, _ = run(capsys, due_db, "--status")
    assert rc == 0
    assert out.splitlines()[:2] == [
        "Not installed: reminders come only while rpltrack is open. Set it up: rpltrack remind --install",
        "Last check: Mon 23 Nov 07:00 (45 min ago) by the timer or --once; sent 0, not delivered 0, "
        "passed unseen 2.",
    ]
    assert "Discreet mode: off" in out
    with freeze_time("2026-11-23 07:46:00"):
        assert run(capsys, due_db, "--install")[0] == 0
        rc, out, _ = run(capsys, due_db, "--status")
    assert out.splitlines()[0].startswith("Installed: a systemd timer at ")
    assert "(state unknown (systemctl --user not reachable here))" in out.splitlines()[0]


def test_install_and_uninstall_say_what_they_did(
    capsys: pytest.CaptureFixture[str], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []

    def fake_run(run: Any, argv: list[str]) -> tuple[bool, str]:
        commands.append(argv)
        return True, ""

    monkeypatch.setattr(service, "_platform", lambda: "linux")
    monkeypatch.setattr(service, "_run", fake_run)
    rc, out, _ = run(capsys, db_path, "--install")
    assert rc == 0
    assert out.splitlines()[-1].startswith("Enabled:")
    rc, out, _ = run(capsys, db_path, "--uninstall")
    assert (rc, out.startswith("Removed ")) == (0, True)
    assert ["systemctl", "--user", "enable", "--now", "rpltrack-remind.timer"] in commands


def test_test_without_a_notification_server_fails_and_says_why(
    capsys: pytest.CaptureFixture[str], db_path: Path
) -> None:
    rc, _, err = run(capsys, db_path, "--test")
    assert rc == 1
    assert "No notification server answered, so the test reminder could not be shown (no session bus" in err
    assert "No reminder is due; this was only the test." in err
    assert "a reminder is due" not in err
    assert "dunst or mako" in err
    with service_journal(db_path) as rows:
        assert [(kind, state) for kind, _, state in rows] == [("test", "missed")]


class service_journal:
    """The ledger rows of the journal at `path`, read through a fresh Journal."""

    def __init__(self, path: Path) -> None:
        from rpltrack.store.journal import Journal

        self.journal = Journal.open(path)

    def __enter__(self) -> list[tuple[str, str, str]]:
        return ledger(self.journal)

    def __exit__(self, *exc: object) -> None:
        self.journal.close()
