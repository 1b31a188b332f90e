"""RELIABILITY F4 for reminders (issue #7): her notes never travel with a notification.

A dose and an appointment fall due while their medication, an earlier dose, the appointment and its question
all carry sentinels in their notes. `python -m rpltrack remind --once` (the real command, on the real clock)
sends them: to the fake notification server on a private session bus (recipe B), and, with no server there,
through notify-send, here a stand-in first on PATH that records the arguments and environment it was started
with. No sentinel is in what the server was asked to show, in the child process's arguments or environment,
in what the command printed, or in any file it left in TMPDIR.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from rpltrack.clock import SystemClock
from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.models import DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import replace
from rpltrack.store.journal import Journal
from tests.cli.support import run_rpltrack

from .conftest import FakeServer, need
from .support import ENTERED, LONDON, at_times, journal_with

SENTINEL = "SENTINEL-7f3a-private"
MED, DOSE, APPT, QUESTION = (f"{SENTINEL}-{field}" for field in ("med", "dose", "appt", "question"))
ALL = (MED, DOSE, APPT, QUESTION)


def due_journal(db_path: Path) -> str:
    """Aspirin due a minute ago (its notes: a sentinel), paracetamol (as needed) taken earlier with a note,
    and an appointment in 59 minutes (its reminder comes 60 minutes before) with notes and a question.
    Returns the dose's time as the reminder shows it."""
    now = SystemClock(LONDON).now()
    due = (now - timedelta(minutes=1)).strftime("%H:%M")
    aspirin = replace(at_times(due), notes=MED)
    paracetamol = Medication(
        name="paracetamol",
        generic=None,
        route="oral",
        zone=LONDON.key,
        regimens=(Regimen(date(2026, 1, 1), Quantity(Decimal(500), "mg"), Timing(TimingKind.PRN)),),
        notes=MED,
    )
    with journal_with(db_path, aspirin, paracetamol) as journal:
        prn = journal.find_medication("paracetamol", now)
        journal.record_dose(prn, DoseStatus.TAKEN, now, LONDON, at=now - timedelta(hours=2), note=DOSE)
        journal.add_appointment(
            Appointment(
                at=now + timedelta(minutes=59),
                kind=AppointmentKind.RE,
                with_name="Dr Lee",
                notes=APPT,
                questions=(Question(QUESTION),),
            ),
            ENTERED,
        )
    return due


REMIND_ONCE = ("remind", "--once", "--wait", "0")


def remind_once(db_path: Path, tmpdir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    tmpdir.mkdir(mode=0o700, exist_ok=True)
    return run_rpltrack(db_path, *REMIND_ONCE, env={"TMPDIR": str(tmpdir), **env})


def sentinels_in(text: str) -> list[str]:
    return [s for s in ALL if s in text]


def sentinels_under(folder: Path) -> dict[str, list[str]]:
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits = [s for s in ALL if s.encode() in data or s.encode("utf-16-le") in data]
            if hits:
                found[str(path)] = hits
    return found


def test_f4_a_notification_carries_no_note_to_the_notification_server(
    fake_server: Callable[..., FakeServer], db_path: Path, tmp_path: Path
) -> None:
    """The dose and the appointment reminders reach the server (control: they were really sent) with their
    titles, and nothing the server was asked to show — app name, summary, body, buttons — holds a sentinel;
    neither does the command's output or TMPDIR."""
    server = fake_server()
    due = due_journal(db_path)
    done = remind_once(db_path, tmp_path / "tmpdir")
    assert done.returncode == 0, done.stderr
    records = server.records()
    summaries = [r["summary"] for r in records]
    assert f"Aspirin 81 mg at {due}" in summaries
    assert any("Dr Lee" in r["summary"] + r["body"] for r in records), records
    assert sentinels_in(json.dumps(records, ensure_ascii=False)) == []
    assert sentinels_in(done.stdout + done.stderr) == []
    assert sentinels_under(tmp_path / "tmpdir") == {}
    with Journal.open(db_path) as journal:  # control: the notes are there to leak
        assert journal.find_medication("aspirin").notes == MED


def test_f4_notify_send_is_started_without_her_notes_in_its_arguments_or_environment(
    session_bus: str, db_path: Path, tmp_path: Path
) -> None:
    """With no notification server on the bus, the reminder falls back to notify-send: the child process the
    app starts. A stand-in notify-send first on PATH records its argv (what /proc/PID/cmdline shows every user
    of the machine) and its environment: the title is there (control), no sentinel is."""
    need("dbus-daemon")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "notify-send-calls.jsonl"
    shim = bin_dir / "notify-send"
    shim.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(calls)!r}, 'a', encoding='utf-8') as log:\n"
        "    log.write(json.dumps({'argv': sys.argv, 'env': dict(os.environ)}) + '\\n')\n",
        encoding="utf-8",
    )
    shim.chmod(0o700)
    due = due_journal(db_path)
    done = remind_once(db_path, tmp_path / "tmpdir", PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert done.returncode == 0, done.stderr
    started = [json.loads(line) for line in calls.read_text(encoding="utf-8").splitlines()]
    assert any(f"Aspirin 81 mg at {due}" in call["argv"] for call in started), started
    for call in started:
        assert sentinels_in(" ".join(call["argv"])) == []
        assert sentinels_in(json.dumps(call["env"], ensure_ascii=False)) == []
    assert sentinels_in(done.stdout + done.stderr) == []
    assert sentinels_under(tmp_path / "tmpdir") == {}
