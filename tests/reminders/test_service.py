"""--install / --uninstall / --status: the systemd user timer (checked by systemd-analyze), the LaunchAgent,
the cron line, and the state file of the last run."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from rpltrack.domain.reminder_words import Notice, Urgency
from rpltrack.domain.reminders import Kind
from rpltrack.reminders import service
from rpltrack.reminders.daemon import last_run, record_run
from rpltrack.store.reminder_ledger import RunReport

from .conftest import need

NOW = datetime.fromisoformat("2026-11-23T08:00:00+00:00")


class Calls:
    """Stands in for subprocess.run: records each command and answers with `code`."""

    def __init__(self, code: int = 0, said: str = "") -> None:
        self.code = code
        self.said = said
        self.commands: list[list[str]] = []

    def __call__(self, argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(argv))
        return subprocess.CompletedProcess(list(argv), self.code, self.said, "")


@pytest.fixture
def odd_db(tmp_path: Path) -> Path:
    """A journal path with a space, a percent sign and a dollar: each needs escaping in a unit file."""
    folder = tmp_path / "my data 100%$HOME"
    folder.mkdir()
    return folder / "journal.db"


def test_the_timer_unit_is_persistent_and_runs_every_minute() -> None:
    assert service.timer_unit() == (
        "# Written by `rpltrack remind --install`; `rpltrack remind --uninstall` removes it.\n"
        "[Unit]\n"
        "Description=rpltrack: check for due reminders every minute\n"
        "\n[Timer]\n"
        "OnCalendar=*-*-* *:*:00\n"
        "AccuracySec=15s\n"
        "Persistent=true\n"
        "OnStartupSec=30s\n"
        "\n[Install]\n"
        "WantedBy=timers.target\n"
    )


def test_the_service_unit_runs_remind_once_on_this_journal(odd_db: Path) -> None:
    unit = service.service_unit(["/opt/bin/rpltrack", "remind", "--once", "--db", str(odd_db)])
    lines = unit.splitlines()
    assert "Type=oneshot" in lines
    assert "TimeoutStartSec=2min" in lines
    escaped = str(odd_db).replace("%", "%%").replace("$", "$$")
    assert f'ExecStart=/opt/bin/rpltrack remind --once --db "{escaped}"' in lines


def test_the_unit_files_pass_systemd_analyze_verify(
    odd_db: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """systemd-analyze prints warnings (an unknown key, a bad calendar spec) but exits 0: any output fails."""
    need("systemd-analyze")
    folder = tmp_path / "units"
    folder.mkdir()
    # A short runtime folder: systemd-analyze also reads the user's other units (gpg-agent's sockets live in
    # it), and a socket path past 108 bytes is reported as an error of theirs, not of ours.
    runtime = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(runtime, ignore_errors=True))
    (folder / service.SERVICE).write_text(service.service_unit(service.once_command(odd_db)))
    (folder / service.TIMER).write_text(service.timer_unit())

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "systemd-analyze",
                "--user",
                "verify",
                str(folder / service.SERVICE),
                str(folder / service.TIMER),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
            cwd=folder,
        )

    done = verify()
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
    # The check is live: a misspelt key is reported (on stdout or stderr, exit status still 0).
    (folder / service.TIMER).write_text(service.timer_unit().replace("Persistent", "Persistant"))
    assert "Persistant" in verify().stdout + verify().stderr


def test_install_writes_the_units_and_enables_the_timer(odd_db: Path) -> None:
    calls = Calls()
    said = service.install(odd_db, platform="linux", run=calls)
    folder = service.systemd_user_dir()
    assert folder == Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    assert (folder / service.TIMER).read_text() == service.timer_unit()
    assert (
        f'--db "{str(odd_db).replace("%", "%%").replace("$", "$$")}"'
        in (folder / service.SERVICE).read_text()
    )
    assert calls.commands == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "rpltrack-remind.timer"],
    ]
    assert said[-1].startswith("Enabled: reminders now come with the app closed")


def test_install_without_a_reachable_service_manager_says_what_to_run(odd_db: Path) -> None:
    said = service.install(
        odd_db, platform="linux", run=Calls(1, "Failed to connect to bus: No medium found")
    )
    text = "\n".join(said)
    assert "(Failed to connect to bus: No medium found)" in text
    assert "systemctl --user daemon-reload && systemctl --user enable --now rpltrack-remind.timer" in text
    assert "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$(id -u)/bus" in text  # the cron alternative
    assert (service.systemd_user_dir() / service.TIMER).exists()


def test_uninstall_disables_and_removes(odd_db: Path) -> None:
    service.install(odd_db, platform="linux", run=Calls())
    calls = Calls()
    said = service.uninstall(platform="linux", run=calls)
    assert calls.commands[0] == ["systemctl", "--user", "disable", "--now", "rpltrack-remind.timer"]
    assert not (service.systemd_user_dir() / service.TIMER).exists()
    assert said[0].startswith("Removed ")
    assert service.uninstall(platform="linux", run=Calls()) == [
        "Nothing to remove: the reminder timer is not installed."
    ]


def test_status_reads_what_is_installed(odd_db: Path) -> None:
    service.install(odd_db, platform="linux", run=Calls())
    found = service.installed(platform="linux", run=Calls(0, "enabled"))
    assert (found.kind, found.state, found.journal) == ("systemd timer", "enabled, enabled", str(odd_db))
    unreachable = service.installed(platform="linux", run=Calls(1, "Failed to connect to bus"))
    assert unreachable.state == "state unknown (systemctl --user not reachable here)"
    service.uninstall(platform="linux", run=Calls())
    assert service.installed(platform="linux", run=Calls(1, "")).kind == ""


def test_macos_gets_a_launch_agent(odd_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    calls = Calls()
    said = service.install(odd_db, platform="macos", run=calls)
    path = tmp_path / "home" / "Library" / "LaunchAgents" / "org.rpltrack.remind.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == "org.rpltrack.remind"
    assert agent["ProgramArguments"][-4:] == ["remind", "--once", "--db", str(odd_db)]
    assert (agent["StartInterval"], agent["RunAtLoad"]) == (60, True)
    assert calls.commands[-1] == ["launchctl", "bootstrap", f"gui/{os.getuid()}", str(path)]
    assert said[1] == "Loaded: reminders now come with the app closed."
    assert service.installed(platform="macos", run=Calls()).journal == str(odd_db)
    assert (
        service.uninstall(platform="macos", run=Calls())[0]
        == f"Removed {path}. Reminders now come only while the app is open."
    )


def as_cron_reads(line: str) -> list[str]:
    """The command of a crontab line as cron runs it: an unescaped % ends the command (the rest is its
    input), \\% is a plain %; then sh splits it."""
    import re
    import shlex

    command = line.split(" ", 5)[5]
    command = re.split(r"(?<!\\)%", command, maxsplit=1)[0].replace("\\%", "%")
    return shlex.split(command)


def test_elsewhere_a_cron_line_is_documented(odd_db: Path) -> None:
    said = service.install(odd_db, platform="other", run=Calls())
    (line,) = [s.strip() for s in said if s.strip().startswith("* * * * *")]
    words = as_cron_reads(line)
    assert words[-6:] == ["remind", "--once", "--db", str(odd_db), ">/dev/null", "2>&1"]
    assert "%" in str(odd_db)


def test_the_timer_command_is_this_rpltrack() -> None:
    command = service.rpltrack_command()
    assert Path(command[0]).is_absolute()
    assert Path(command[0]).exists() or shutil.which(command[0])


def test_the_state_file_keeps_counts_not_words(tmp_path: Path) -> None:
    db = tmp_path / "journal.db"
    notice = Notice("Aspirin 81 mg at 08:00", "Due now.", Urgency.NORMAL, ((Kind.DOSE, "dose:1:x"),))
    report = RunReport(sent=((notice, "notify-send"),))
    record_run(db, NOW, "once", report, ["desktop-notifier: no\nserver", "desktop-notifier: no\nserver"])
    path = tmp_path / "journal.remind-state"
    assert path.stat().st_mode & 0o777 == 0o600
    assert "Aspirin" not in path.read_text()
    assert last_run(db) == {
        "last_run_utc": "2026-11-23T08:00:00Z",
        "trigger": "once",
        "sent": 1,
        "not_delivered": 0,
        "passed_unseen": 0,
        "backends": ["notify-send"],
        "problems": ["desktop-notifier: no server"],
    }
    assert last_run(tmp_path / "other.db") is None
