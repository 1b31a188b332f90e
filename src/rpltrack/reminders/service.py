"""Running `rpltrack remind --once` every minute with the app closed: install, uninstall, status.

Linux: a systemd user timer (Persistent=true: a check missed while the machine was off runs at the next
start) and its oneshot service in ~/.config/systemd/user. macOS: a LaunchAgent that runs every 60 s and at
login. Elsewhere: a crontab line to add by hand. (Each check leaves a small state file beside the journal for
`--status`: reminders.daemon.record_run.)
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rpltrack.domain.records import record
from rpltrack.store.files import atomic_write

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Sequence

    Runner = Callable[..., subprocess.CompletedProcess[str]]

UNIT = "rpltrack-remind"
TIMER = f"{UNIT}.timer"
SERVICE = f"{UNIT}.service"
LAUNCH_LABEL = "org.rpltrack.remind"
HEADER = "# Written by `rpltrack remind --install`; `rpltrack remind --uninstall` removes it.\n"


def systemd_user_dir() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def launch_agent_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{LAUNCH_LABEL}.plist"


def rpltrack_command() -> list[str]:
    """How to start this rpltrack from a timer: the `rpltrack` script being run or found on PATH (absolute),
    else this Python with -m rpltrack."""
    first = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if first is not None and first.name == "rpltrack" and first.is_file():
        return [str(first.absolute())]
    # heavy: shutil
    import shutil

    found = shutil.which("rpltrack")
    if found:
        return [str(Path(found).absolute())]
    return [sys.executable, "-m", "rpltrack"]


def once_command(db_path: Path) -> list[str]:
    return [*rpltrack_command(), "remind", "--once", "--db", str(db_path.absolute())]


def _systemd_word(word: str) -> str:
    """One ExecStart argument: % and $ escaped (systemd expands them), quoted when it has spaces or quotes."""
    word = word.replace("%", "%%").replace("$", "$$")
    if word and not any(c.isspace() or c in "\"'\\;" for c in word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def service_unit(argv: Sequence[str]) -> str:
    return (
        HEADER
        + "[Unit]\n"
        + "Description=rpltrack: send due reminders\n"
        + "\n[Service]\n"
        + "Type=oneshot\n"
        + f"ExecStart={' '.join(_systemd_word(a) for a in argv)}\n"
        + "TimeoutStartSec=2min\n"
    )


def timer_unit() -> str:
    return (
        HEADER
        + "[Unit]\n"
        + "Description=rpltrack: check for due reminders every minute\n"
        + "\n[Timer]\n"
        + "OnCalendar=*-*-* *:*:00\n"
        + "AccuracySec=15s\n"
        + "Persistent=true\n"
        + "OnStartupSec=30s\n"
        + "\n[Install]\n"
        + "WantedBy=timers.target\n"
    )


def launch_agent(argv: Sequence[str]) -> bytes:
    # heavy: plistlib
    import plistlib

    return plistlib.dumps(
        {
            "Label": LAUNCH_LABEL,
            "ProgramArguments": list(argv),
            "StartInterval": 60,
            "RunAtLoad": True,
            "ProcessType": "Background",
        }
    )


def cron_line(argv: Sequence[str]) -> str:
    """A crontab line running `argv` every minute. cron turns an unescaped % into a newline (crontab(5)),
    so each % in the command is written \\%, which cron reads back as %."""
    # heavy: shlex
    import shlex

    command = " ".join(shlex.quote(a) for a in argv).replace("%", "\\%")
    bus = "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$(id -u)/bus"
    return f"* * * * * {bus} {command} >/dev/null 2>&1"


def _run(run: Runner | None, argv: Sequence[str]) -> tuple[bool, str]:
    """Run a service-manager command; (it worked, what it said). `run` replaces subprocess.run in tests."""
    # heavy: subprocess
    import subprocess

    if run is None and not _which(argv[0]):
        return False, f"{argv[0]} is not installed"
    try:
        done = (run or subprocess.run)(list(argv), capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def _which(program: str) -> bool:
    # heavy: shutil
    import shutil

    return shutil.which(program) is not None


def _platform() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    return "macos" if sys.platform == "darwin" else "other"


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, content.encode() if isinstance(content, str) else content)


def install(db_path: Path, *, platform: str | None = None, run: Runner | None = None) -> list[str]:
    """Write and enable the timer (or LaunchAgent); returns what was done and anything left to do by hand."""
    platform = platform or _platform()
    argv = once_command(db_path)
    if platform == "linux":
        folder = systemd_user_dir()
        _write(folder / SERVICE, service_unit(argv))
        _write(folder / TIMER, timer_unit())
        lines = [f"Wrote {folder / SERVICE} and {folder / TIMER} (a check every minute)."]
        ok, said = _run(run, ["systemctl", "--user", "daemon-reload"])
        if ok:
            ok, said = _run(run, ["systemctl", "--user", "enable", "--now", TIMER])
        if ok:
            lines.append("Enabled: reminders now come with the app closed, and after sleep or a restart.")
        else:
            lines += [
                "Your user service manager could not be reached here"
                + (f" ({said.splitlines()[-1]})" if said else "")
                + ". In your desktop session, run:",
                f"    systemctl --user daemon-reload && systemctl --user enable --now {TIMER}",
                "Without systemd, add this line with `crontab -e` instead (cron skips checks while asleep):",
                f"    {cron_line(argv)}",
            ]
        return lines
    if platform == "macos":
        path = launch_agent_path()
        _write(path, launch_agent(argv))
        lines = [f"Wrote {path} (a check every minute and at login)."]
        domain = f"gui/{os.getuid()}"
        _run(run, ["launchctl", "bootout", domain, str(path)])
        ok, said = _run(run, ["launchctl", "bootstrap", domain, str(path)])
        if ok:
            lines.append("Loaded: reminders now come with the app closed.")
        else:
            lines += [
                f"launchctl could not load it ({said}). Run:",
                f"    launchctl bootstrap {domain} {path}",
            ]
        lines.append(
            "macOS may ask to allow notifications from Script Editor or your terminal: allow them in "
            "System Settings > Notifications."
        )
        return lines
    return [
        "No systemd or launchd here. Add this line with `crontab -e` to check every minute:",
        f"    {cron_line(argv)}",
        "or keep `rpltrack remind --daemon` running from your session's start-up programs.",
    ]


def uninstall(*, platform: str | None = None, run: Runner | None = None) -> list[str]:
    platform = platform or _platform()
    if platform == "linux":
        folder = systemd_user_dir()
        paths = [p for p in (folder / TIMER, folder / SERVICE) if p.exists()]
        if not paths:
            return ["Nothing to remove: the reminder timer is not installed."]
        _run(run, ["systemctl", "--user", "disable", "--now", TIMER])
        for path in paths:
            path.unlink()
        _run(run, ["systemctl", "--user", "daemon-reload"])
        return [f"Removed {', '.join(str(p) for p in paths)}. Reminders now come only while the app is open."]
    if platform == "macos":
        path = launch_agent_path()
        if not path.exists():
            return ["Nothing to remove: the reminder LaunchAgent is not installed."]
        _run(run, ["launchctl", "bootout", f"gui/{os.getuid()}", str(path)])
        path.unlink()
        return [f"Removed {path}. Reminders now come only while the app is open."]
    return ["Remove the `rpltrack remind --once` line with `crontab -e`."]


@record(frozen=True)
class Installed:
    """What runs `remind --once` with the app closed, as far as this machine tells."""

    kind: str  # 'systemd timer', 'LaunchAgent', 'cron', ''
    where: str = ""
    state: str = ""  # 'enabled, active' or why it is unknown
    journal: str = ""  # the journal it checks (from its command line)


def installed(*, platform: str | None = None, run: Runner | None = None) -> Installed:
    platform = platform or _platform()
    if platform == "linux":
        timer = systemd_user_dir() / TIMER
        if timer.exists():
            unit = (systemd_user_dir() / SERVICE).read_text(encoding="utf-8", errors="replace")
            state = "state unknown (systemctl --user not reachable here)"
            _, enabled = _run(run, ["systemctl", "--user", "is-enabled", TIMER])
            _, active = _run(run, ["systemctl", "--user", "is-active", TIMER])
            reachable = "Failed to connect" not in enabled + active and "not installed" not in enabled
            if reachable and (enabled or active):
                state = f"{enabled or 'not enabled'}, {active or 'not active'}"
            journal = _db_of(unit).replace("%%", "%").replace("$$", "$")  # systemd's escapes undone
            return Installed("systemd timer", str(timer), state, journal)
    elif platform == "macos":
        path = launch_agent_path()
        if path.exists():
            return Installed("LaunchAgent", str(path), "", _db_of(path.read_text(errors="replace")))
    if run is not None or _which("crontab"):
        ok, table = _run(run, ["crontab", "-l"])
        line = next((x for x in table.splitlines() if "remind --once" in x and not x.startswith("#")), "")
        if ok and line:
            return Installed("cron", "your crontab", "", _db_of(line))
    return Installed("")


def _db_of(text: str) -> str:
    """The --db path in a unit, plist or crontab line."""
    found = re.search(r'--db\s*(?:</string>\s*<string>)?\s*"?([^"\n<]+)', text)
    return found.group(1).strip().strip("'") if found else ""
