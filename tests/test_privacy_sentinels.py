"""RELIABILITY F4 across every note field (issue #7): her words stay in the journal and what she exports.

tests/store/test_journal.py::test_f4_no_health_data_leaks covers a medication's notes and a dose's note in
process. Here a sentinel goes into every free-text note the command line accepts (dose, medication, lab,
cycle, event, appointment notes and an appointment's question), every command runs as the real
`python -m rpltrack` with its own HOME, XDG folders and TMPDIR, and afterwards each sentinel is searched
for in every output and every file those folders hold. The reminder side (notification text, the arguments
of the notify-send it starts) is in tests/reminders/test_reminder_privacy.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from rpltrack.clock import SystemClock
from tests.conftest import LONDON

SENTINEL = "SENTINEL-7f3a-private"
DOSE, MED, LAB, CYCLE, EVENT, APPT, QUESTION = (
    f"{SENTINEL}-{field}" for field in ("dose", "med", "lab", "cycle", "event", "appt", "question")
)
ALL = (DOSE, MED, LAB, CYCLE, EVENT, APPT, QUESTION)


def isolated_env(root: Path) -> dict[str, str]:
    """A home of her own for the child: HOME, the XDG folders and TMPDIR all under `root`; no desktop bus."""
    env = {k: v for k, v in os.environ.items() if k not in ("RPLTRACK_DB", "DBUS_SESSION_BUS_ADDRESS")}
    home = root / "home"
    places = {
        "HOME": home,
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_RUNTIME_DIR": root / "runtime",
        "TMPDIR": root / "tmp",
    }
    for path in places.values():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    env.update({name: str(path) for name, path in places.items()})
    env.update(PYTHONDONTWRITEBYTECODE="1", TZ="Europe/London")
    return env


def files_with(root: Path, needles: tuple[str, ...]) -> dict[str, list[str]]:
    """Each file under `root` holding any needle (as UTF-8 or UTF-16), with the needles found."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            hits = [n for n in needles if n.encode() in data or n.encode("utf-16-le") in data]
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


@pytest.mark.slow
def test_f4_note_sentinels_appear_only_in_the_journal_its_backups_and_her_exports(tmp_path: Path) -> None:
    """Seven sentinels, one per note field, typed through the real command. Each command's stdout and stderr
    holds only the sentinels it exists to show (`med list` shows medication notes, `labs` lab notes, `log
    --json` dose notes, `cycle list` event notes, `appt list|show` appointment notes and questions); every
    other command — today, log, adherence, flags, betas, history, settings, check, backup, the exports'
    messages, remind --once and --status — shows none. Afterwards the only files holding any are the journal,
    its backups and the CSV export, calendar and brief she asked for: nothing in TMPDIR, the config, state or
    cache folders, the reminder's state file or anywhere else in her home."""
    env = isolated_env(tmp_path)
    now = SystemClock(LONDON).now()
    today = now.date()
    exports = tmp_path / "home" / "exports"
    csv_dir, ics_file, brief_file = exports / "csv", exports / "calendar.ics", exports / "brief.html"

    def run(*args: str) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-m", "rpltrack", "--tz", "Europe/London", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout, done.stderr

    # (command, the sentinels it exists to show)
    session: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        (("med", "add", "paracetamol", "--dose", "500 mg", "--prn", "--notes", MED), ()),
        (
            (
                "med",
                "add",
                "aspirin",
                "--dose",
                "81 mg",
                "--times",
                "08:00",
                "--start",
                str(today + timedelta(1)),
            ),
            (),
        ),
        (("take", "paracetamol", "--note", DOSE), ()),
        (("lab", "add", "TSH", "1.5", "--note", LAB), ()),
        (("cycle", "add", "--kind", "fet", "--cd1", str(today - timedelta(10)), "--notes", CYCLE), ()),
        (("event", "add", "other", "--date", str(today - timedelta(5)), "--note", EVENT), ()),
        (("appt", "add", "--at", f"{today + timedelta(30)} 10:00", "--kind", "re", "--notes", APPT), ()),
        (("appt", "ask", "1", QUESTION), ()),
        (("today",), ()),
        (("today", "--json"), ()),
        (("log",), ()),
        (("log", "--json"), (DOSE,)),
        (("adherence",), ()),
        (("med", "list"), (MED,)),
        (("labs",), (LAB,)),
        (("cycle", "list"), (EVENT,)),
        (("appt", "list"), (QUESTION,)),
        (("appt", "show", "1"), (APPT, QUESTION)),
        (("flags", "--all"), ()),
        (("betas",), ()),
        (("history",), ()),
        (("settings", "list"), ()),
        (("check",), ()),
        (("backup",), ()),
        (("export", "csv", "--out", str(csv_dir)), ()),
        (("export", "ics", "--out", str(ics_file)), ()),
        (("brief", "--out", str(brief_file)), ()),
        (("remind", "--once", "--wait", "0"), ()),
        (("remind", "--status"), ()),
    ]
    leaks: dict[str, list[str]] = {}
    for command, shows in session:
        out, err = run(*command)
        if shown := [s for s in ALL if s in out and s not in shows] + [s for s in ALL if s in err]:
            leaks[" ".join(command)] = shown
    assert leaks == {}

    journal = Path(env["XDG_DATA_HOME"]) / "rpltrack" / "journal.db"
    assert files_with(journal.parent, ALL)[journal.name] == list(ALL)  # control: the search finds them
    assert DOSE.encode() in (csv_dir / "doses.csv").read_bytes()  # her export has what she asked for
    allowed = (journal.name, f"{journal.name}-wal", f"{journal.name}-shm")
    elsewhere = {
        path: hits
        for path, hits in files_with(tmp_path, ALL).items()
        if not (Path(path).parent == journal.parent.relative_to(tmp_path) and Path(path).name in allowed)
        and not Path(path).is_relative_to((journal.parent / "backups").relative_to(tmp_path))
        and not Path(path).is_relative_to(exports.relative_to(tmp_path))
    }
    assert elsewhere == {}
    assert list((journal.parent / "backups").glob("*.db")), "the backup command made a backup"
    assert files_with(Path(env["TMPDIR"]), ALL) == {}
