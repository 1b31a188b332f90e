"""The remind loop (reminders.daemon): bounded runs on a fixed clock, waking after sleep, no long sleep."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta
from pathlib import Path

from rpltrack.clock import FixedClock
from rpltrack.domain.reminder_words import Notice
from rpltrack.reminders import daemon
from rpltrack.reminders.daemon import Session, once, serve
from rpltrack.reminders.notify import Backend, Outbox
from rpltrack.store.reminder_ledger import RunReport

from .support import LONDON, at_times, journal_with, tick
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


def test_the_daemon_checks_at_once_when_the_clock_jumps_after_sleep(db_path: Path) -> None:
    """C6: suspended 20:50 -> 23:10; the first clock reading after resume checks at once (not 30 s later) and
    sends the 21:00 reminder once, saying how late it is."""
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
    journal.close()


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


def test_the_loop_never_sleeps_until_a_due_time() -> None:
    """C6: every pause in the loop is the fixed poll interval, never 'the time until the next reminder'
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
