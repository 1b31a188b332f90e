"""Crash safety: a writer killed with SIGKILL at random moments never loses an acknowledged dose."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rpltrack.store.journal import Journal

from . import _support as s

# The child logs doses through the real Journal API and acknowledges each one on stdout only after
# record_dose returned (i.e. after COMMIT); every few doses it also changes a setting (another write path).
CHILD = r"""
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rpltrack.domain.models import DoseStatus
from rpltrack.store.journal import Journal

path, run = Path(sys.argv[1]), sys.argv[2]
zone = ZoneInfo("Europe/London")
now = datetime(2026, 11, 23, 8, 40, tzinfo=zone)
journal = Journal.open(path, now=now)
med = journal.find_medication("as needed test drug")
out = sys.stdout
out.write("ready\n")
out.flush()
i = 0
while True:
    note = f"{run}-{i}"
    result = journal.record_dose(med, DoseStatus.TAKEN, now, zone, note=note)
    out.write(f"{result.log.id} {note}\n")
    out.flush()
    if i % 5 == 4:
        journal.set_setting("reminders.grace", f"{30 + i % 60}m", now)
    i += 1
"""

KILLS = 100


def notes_on_disk(path: Path) -> dict[int, str]:
    conn = s.raw(path)
    try:
        return {int(r[0]): str(r[1]) for r in conn.execute("SELECT id, note FROM doses")}
    finally:
        conn.close()


@pytest.mark.slow
def test_a1_kill9_mid_write_loop(db_path: Path) -> None:
    """100 times: start a writer process, SIGKILL it (by its pid) 20-250 ms after it is ready (every fifth
    time, after it was started, so some kills land while it opens the journal). After every kill the
    journal passes integrity_check and foreign_key_check, reopens through Journal.open, and holds every
    acknowledged dose with its note."""
    with Journal.open(db_path, now=s.NOW) as journal:
        journal.add_medication(s.as_needed(), s.NOW)
    rng = random.Random(20260308)
    acked: dict[int, str] = {}
    kills_while_writing = 0
    for run in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db_path), str(run)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        early = run % 5 == 0
        if not early:
            ready = proc.stdout.readline()
            assert ready == "ready\n", proc.communicate(timeout=30)[1]
        time.sleep(rng.uniform(0.020, 0.250))
        proc.kill()
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert "Traceback" not in err, err
        lines = out.split("\n")[:-1]  # only complete lines are acknowledgements
        new = [line for line in lines if line != "ready"]
        kills_while_writing += bool(new)
        for line in new:
            dose_id, note = line.split()
            assert int(dose_id) not in acked
            acked[int(dose_id)] = note

        s.assert_healthy(db_path)
        on_disk = notes_on_disk(db_path)
        missing = {i: n for i, n in acked.items() if on_disk.get(i) != n}
        assert missing == {}, f"after kill {run}: acknowledged doses lost"
        with Journal.open(db_path, now=s.NOW) as journal:
            assert not journal.readonly
            assert journal.count("doses") == len(on_disk)
    assert kills_while_writing >= KILLS // 2  # the kills really landed in the write loop
    assert len(acked) >= KILLS
