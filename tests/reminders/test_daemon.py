"""The remind loop (reminders.daemon): bounded runs on a fixed clock, waking after sleep, no long sleep,
SIGKILL around a delivery's receipt."""

from __future__ import annotations

import ast
import random
import select
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from rpltrack.clock import FixedClock
from rpltrack.domain.models import DoseStatus
from rpltrack.domain.reminder_words import Notice
from rpltrack.domain.reminders import utc_key
from rpltrack.reminders import daemon
from rpltrack.reminders.daemon import Session, once, serve
from rpltrack.reminders.notify import Backend, Outbox
from rpltrack.store.journal import Journal
from rpltrack.store.reminder_ledger import RunReport

from .support import LONDON, at_times, every_hours, journal_with, ledger, log_backend, tick
from .support import Outbox as Recorder

EIGHT = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)


class Recording(Backend):
    """A backend that gives a receipt for everything and remembers when (on the session's clock)."""

    name = "recording"

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.shown: list[tuple[datetime, Notice]] = []

    def deliver(self, notice: Notice) -> bool:
        self.shown.append((self.clock.now(), notice))
        return True


def _assert_the_loop_never_sleeps_until_a_due_time() -> None:
    """Every pause in the loop is the fixed poll interval, never 'the time until the next reminder'
    (a sleep does not count time spent suspended)."""
    tree = ast.parse(Path(daemon.__file__).read_text(encoding="utf-8"))
    pauses = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute | ast.Name)
        and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) in ("sleep", "idle")
    ]
    assert len(pauses) == 3
    assert all([ast.unparse(a) for a in p.args] == ["step"] for p in pauses)
    (step,) = [n for n in ast.walk(tree) if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "step"]
    assert ast.unparse(step.value).startswith("poll if run_for is None else min(poll, ")
    assert daemon.POLL <= 10


def test_the_daemon_delivers_a_dose_due_during_its_run_once(db_path: Path) -> None:
    journal = journal_with(db_path, at_times("08:00"))
    tick(journal, Recorder(), EIGHT - timedelta(hours=1))
    clock = FixedClock(EIGHT - timedelta(minutes=1), LONDON)
    backend = Recording(clock)
    session = Session(journal, clock, Outbox(backends=[backend]))
    reports: list[RunReport] = []
    checks = serve(
        session,
        run_for=timedelta(minutes=4),
        sleep=lambda seconds: clock.advance(timedelta(seconds=seconds)),
        on_report=reports.append,
    )
    assert checks == 8  # every 30 s for 4 minutes
    assert [(f"{at:%H:%M:%S}", n.title) for at, n in backend.shown] == [
        ("08:00:00", "Aspirin 81 mg at 08:00")
    ]
    assert sum(len(r.sent) for r in reports) == 1
    journal.close()


def test_c6_resume_from_sleep_catches_up_once(db_path: Path) -> None:
    """C6: suspended 20:50 -> 23:10 with no tick between. The first clock reading after resume checks at once
    (not 30 s later) and sends one notification for the missed 21:00 enoxaparin, saying it is not logged yet
    and offering to log it; nothing is logged on her behalf; a daemon restarted on the same journal does not
    send it again. The loop itself never sleeps until a due time (checked in its source)."""
    journal = journal_with(db_path, at_times("09:00,21:00", name="enoxaparin", dose="40 mg"))
    start = datetime(2026, 11, 23, 20, 50, tzinfo=LONDON)
    tick(journal, Recorder(), start)
    clock = FixedClock(start + timedelta(seconds=10), LONDON)
    backend = Recording(clock)
    session = Session(journal, clock, Outbox(backends=[backend]))
    steps = iter([timedelta(hours=2, minutes=20)])

    def sleep(seconds: float) -> None:
        clock.advance(next(steps, timedelta(seconds=seconds)))

    serve(session, run_for=timedelta(hours=2, minutes=21), sleep=sleep)
    assert [(f"{at:%H:%M:%S}", n.title) for at, n in backend.shown] == [
        ("23:10:10", "Not logged yet: Enoxaparin 40 mg (21:00)")
    ]
    (notice,) = [n for _, n in backend.shown]
    assert notice.subject == "dose:1:2026-11-23T21:00:00Z"
    assert ("taken", "Taken") in notice.buttons
    journal.close()

    # A restart: a new process opens the journal and checks again, over the next ten minutes.
    with Journal.open(db_path) as reopened:
        assert reopened.count("doses") == 0  # nothing auto-logged
        restarted = FixedClock(clock.now() + timedelta(seconds=30), LONDON)
        again = Recording(restarted)
        checks = serve(
            Session(reopened, restarted, Outbox(backends=[again])),
            run_for=timedelta(minutes=10),
            sleep=lambda seconds: restarted.advance(timedelta(seconds=seconds)),
        )
        assert checks == 20
        assert again.shown == []
        assert reopened.count("doses") == 0
    _assert_the_loop_never_sleeps_until_a_due_time()


def test_once_sends_and_returns_when_nothing_has_buttons(db_path: Path) -> None:
    journal = journal_with(db_path, at_times("08:00"))
    tick(journal, Recorder(), EIGHT - timedelta(hours=1))
    clock = FixedClock(EIGHT, LONDON)
    backend = Recording(clock)
    session = Session(journal, clock, Outbox(backends=[backend]))
    report = once(session, wait=30)
    assert [(n.title, via) for n, via in report.sent] == [("Aspirin 81 mg at 08:00", "recording")]
    assert not session.outbox.waiting
    journal.close()


# -- C7: SIGKILL just before and just after a delivery's receipt is recorded ---------------------------------

ROOT = Path(__file__).resolve().parents[2]
WORKER = "import sys; from tests.reminders.support import daemon_worker; daemon_worker(*sys.argv[1:])"
KILLS = 50
FIRST_SLOT = datetime(2026, 11, 23, 0, 0, tzinfo=LONDON)


def _pauses_on(clock: FixedClock) -> Callable[[float], None]:
    """The remind loop's pause, as a test runs it: only `clock` moves on."""
    return lambda seconds: clock.advance(timedelta(seconds=seconds))


def _said(proc: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The worker's next line on stdout ('' if it ended or said nothing within `timeout` seconds)."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().strip() if ready else ""


@pytest.mark.slow
def test_c7_daemon_restart_no_duplicate_no_loss(db_path: Path, tmp_path: Path) -> None:
    """C7: 50 times, the daemon (a real process running the remind loop on the journal file) is killed with
    SIGKILL at a due slot, half the time just after it delivered the notification but before it recorded
    sent_utc, half the time just after it recorded it; a restarted daemon then checks for five minutes.
    Per due slot: at least one notification (never lost) and at most two (the one duplicate a kill before
    the record allows; none after a kill after it); every slot ends 'sent' in the ledger; a medication whose
    doses are already logged never gets a notification."""
    progesterone = every_hours(1, FIRST_SLOT)
    aspirin = every_hours(1, FIRST_SLOT, name="aspirin", dose="81 mg")
    journal = journal_with(db_path, progesterone, aspirin)
    slots = [FIRST_SLOT + timedelta(hours=n) for n in range(KILLS)]
    logged = journal.find_medication("aspirin")
    for slot in slots:
        journal.record_dose(logged, DoseStatus.TAKEN, slot, LONDON, slot_at=slot)
    tick(journal, Recorder(), FIRST_SLOT - timedelta(minutes=30))  # the days before are settled first
    journal.close()
    log = tmp_path / "notifications.log"
    stops = ["before", "after"] * (KILLS // 2)
    random.Random(20261123).shuffle(stops)
    for slot, stop in zip(slots, stops, strict=True):
        start = slot - timedelta(seconds=10)
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db_path), start.isoformat(), stop, str(log)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            said = _said(proc)
        finally:
            proc.kill()  # SIGKILL, by its pid
            _, err = proc.communicate(timeout=30)
        assert said == {"before": "delivered", "after": "recorded"}[stop], err
        assert proc.returncode == -signal.SIGKILL
        assert "Traceback" not in err, err
        # The restart: a new daemon on the same file, from 30 s after the slot for five minutes.
        with Journal.open(db_path) as reopened:
            (left_as,) = [
                state for _, subject, state in ledger(reopened) if subject == f"dose:1:{utc_key(slot)}"
            ]
            assert left_as == {"before": "pending", "after": "sent"}[stop]  # where the kill landed
            clock = FixedClock(slot + timedelta(seconds=30), LONDON)
            serve(
                Session(reopened, clock, Outbox(backends=[log_backend(str(log))])),
                run_for=timedelta(minutes=5),
                sleep=_pauses_on(clock),
            )
    shown = Counter(log.read_text(encoding="utf-8").splitlines())
    subjects = {slot: f"dose:1:{utc_key(slot)}" for slot in slots}
    assert set(shown) == set(subjects.values())  # nothing else, in particular nothing for aspirin (logged)
    for slot, stop in zip(slots, stops, strict=True):
        count = shown[subjects[slot]]
        assert 1 <= count <= 2, (slot, stop, count)
        if stop == "after":
            assert count == 1, (slot, stop, count)
    assert sum(shown.values()) <= KILLS + stops.count("before")
    with Journal.open(db_path) as reopened:
        states = {subject: state for _, subject, state in ledger(reopened) if subject in shown}
        assert states == dict.fromkeys(subjects.values(), "sent")
        assert [row for row in ledger(reopened) if row[1].startswith("dose:2:")] == []
        assert reopened.count("doses") == KILLS  # the aspirin logs only: nothing logged on her behalf


def test_signals_end_the_wait_on_the_main_thread_and_are_left_alone_elsewhere(db_path: Path) -> None:
    """SIGTERM and SIGHUP stop the session only while in the block, on the main thread, and the handlers
    before it are back after it; on another thread (where Python lets no one set handlers) the block runs
    as it is."""
    import threading

    journal = journal_with(db_path, at_times("08:00"))
    session = Session(journal, FixedClock(EIGHT, LONDON), Outbox(backends=[Recording(FixedClock(EIGHT))]))
    before = signal.getsignal(signal.SIGTERM)
    with daemon.stopping_on_signals(session):
        assert signal.getsignal(signal.SIGTERM) is not before
        signal.raise_signal(signal.SIGTERM)
        assert session.stopping
    assert signal.getsignal(signal.SIGTERM) is before
    ran: list[bool] = []

    def elsewhere() -> None:
        with daemon.stopping_on_signals(session):
            ran.append(signal.getsignal(signal.SIGTERM) is before)

    worker = threading.Thread(target=elsewhere)
    worker.start()
    worker.join()
    assert ran == [True]
    session.close()
    journal.close()
