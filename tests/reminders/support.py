"""Helpers of the reminder tests: medications, a journal at a time, a delivery that records, spawn workers.

Worker functions live here (not in the test modules) so `multiprocessing`'s spawn start method can import them
by name in a fresh interpreter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rpltrack.domain.models import Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.reminder_words import Notice
from rpltrack.store.journal import Journal
from rpltrack.store.reminder_ledger import RunReport, run_due

if TYPE_CHECKING:
    from rpltrack.reminders.notify import Backend

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SENSITIVE = (
    "aspirin",
    "enoxaparin",
    "lovenox",
    "progesterone",
    "mg",
    "dose",
    "medication",
    "injection",
    "rpltrack",
    "rpl",
    "pregnan",
    "ivf",
    "clinic",
    "blood",
    "lab",
    "tsh",
    "retest",
    "refill",
    "hematolog",
    "doctor",
    "dr ",
    "ultrasound",
    "taken",
)


def at_times(
    times: str = "08:00",
    *,
    name: str = "aspirin",
    dose: str = "81 mg",
    zone: ZoneInfo = LONDON,
    start: date = date(2026, 1, 1),
) -> Medication:
    value, unit = dose.split()
    timing = Timing(TimingKind.TIMES, times=tuple(time.fromisoformat(t) for t in times.split(",")))
    return Medication(
        name=name,
        generic=None,
        route="oral",
        zone=zone.key,
        regimens=(Regimen(start, Quantity(Decimal(value), unit), timing),),
    )


def every_hours(
    hours: int, first: datetime, *, name: str = "progesterone", dose: str = "200 mg", zone: ZoneInfo = LONDON
) -> Medication:
    value, unit = dose.split()
    timing = Timing(TimingKind.INTERVAL, interval_hours=hours, interval_anchor_at=first.astimezone(UTC))
    return Medication(
        name=name,
        generic=None,
        route="oral",
        zone=zone.key,
        regimens=(Regimen(first.astimezone(zone).date(), Quantity(Decimal(value), unit), timing),),
    )


ENTERED = datetime(2025, 12, 1, tzinfo=UTC)  # medications are entered well before the tests' times


def journal_with(path: Path, *meds: Medication) -> Journal:
    journal = Journal.open(path, now=ENTERED)
    for med in meds:
        journal.add_medication(med, ENTERED)
    return journal


@dataclass
class Outbox:
    """Records what would be shown; `fail` makes every delivery return no receipt."""

    fail: bool = False
    shown: list[Notice] = field(default_factory=list)
    backend: str = "recorder"

    def __call__(self, notice: Notice) -> str | None:
        if self.fail:
            return None
        self.shown.append(notice)
        return self.backend

    @property
    def titles(self) -> list[str]:
        return [n.title for n in self.shown]


def tick(journal: Journal, outbox: Outbox, now: datetime, zone: ZoneInfo = LONDON) -> RunReport:
    return run_due(journal, outbox, now, zone, flags=False)


def ledger(journal: Journal) -> list[tuple[str, str, str]]:
    """(kind, subject, state) of every ledger row but the flag-check one."""
    return [
        (r["kind"], r["subject"], r["state"])
        for r in journal._conn.execute("SELECT * FROM reminders WHERE kind != 'check' ORDER BY due_utc, id")
    ]


# -- spawn workers ---------------------------------------------------------------------------------------


def tick_worker(dbs: list[str], barrier: Any, instants: list[str], log: str, queue: Any) -> None:
    """For each journal in turn, released together with the other worker by `barrier`: tick at each instant
    (ISO) like a trigger would, appending one line per delivery to `log` (O_APPEND: lines from two processes
    never interleave)."""
    import os
    import traceback

    errors: list[str] = []
    delivered = 0

    def deliver(notice: Notice) -> str:
        nonlocal delivered
        delivered += 1
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{db} {'|'.join(s for _, s in notice.covers)}\n".encode())
        finally:
            os.close(fd)
        return "worker"

    try:
        for db in dbs:
            journal = Journal.open(db)
            barrier.wait(timeout=60)
            for instant in instants:
                run_due(journal, deliver, datetime.fromisoformat(instant), LONDON, flags=False)
            journal.close()
    except Exception:
        errors.append(traceback.format_exc())
    queue.put({"delivered": delivered, "errors": errors})


def later(at: datetime, **delta: float) -> datetime:
    return at + timedelta(**delta)


def append_line(path: str, line: str) -> None:
    """One line at the end of `path`, in one O_APPEND write: lines from several processes never interleave,
    and a line written before a SIGKILL is on disk."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


def log_backend(log: str, then: Callable[[], None] | None = None) -> Backend:
    """A notification backend that shows a notice by writing the subjects it covers as one line of `log`,
    then (after `then`, if given) gives its receipt."""
    from rpltrack.reminders.notify import Backend

    class Logged(Backend):
        name = "log"

        def deliver(self, notice: Notice) -> bool:
            append_line(log, "|".join(subject for _, subject in notice.covers))
            if then is not None:
                then()
            return True

    return Logged()


def daemon_worker(db: str, at: str, stop: str, log: str) -> None:
    """The remind loop (`rpltrack remind --daemon`: Session and serve over the journal at `db`) from `at`
    (ISO), on a clock its pauses advance, delivering to `log`. It holds still for a SIGKILL, after saying so
    on stdout, either just after a delivery and before its receipt is recorded (`stop` "before": prints
    "delivered") or just after the receipt is recorded (`stop` "after": prints "recorded")."""
    import sys
    import time as clock_time

    from rpltrack.clock import FixedClock
    from rpltrack.reminders.daemon import Session, serve
    from rpltrack.reminders.notify import Outbox

    def hold(word: str) -> None:
        sys.stdout.write(f"{word}\n")
        sys.stdout.flush()
        clock_time.sleep(600)  # the SIGKILL comes here

    def after_report(report: RunReport) -> None:
        if stop == "after" and report.sent:
            hold("recorded")

    clock = FixedClock(datetime.fromisoformat(at), LONDON)
    backend = log_backend(log, (lambda: hold("delivered")) if stop == "before" else None)
    journal = Journal.open(db)
    serve(
        Session(journal, clock, Outbox(backends=[backend])),
        run_for=timedelta(minutes=2),
        sleep=lambda seconds: clock.advance(timedelta(seconds=seconds)),
        on_report=after_report,
    )
    journal.close()
    sys.stdout.write("done\n")
