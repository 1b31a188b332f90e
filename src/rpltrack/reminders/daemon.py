"""The remind loop: `once` (what the timer runs every minute) and `serve` (rpltrack remind --daemon).

Both call store.reminder_ledger.run_due, the one function that decides and marks. The loop reads the wall
clock every POLL seconds and checks every CHECK_EVERY, or at once when the clock jumped (the laptop woke):
it never sleeps until the next reminder, because a sleep does not count the time the machine was suspended.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from rpltrack.store.reminder_ledger import RunReport, answer, run_due

# typing is kept out of the command line's start-up (see cli/main.py); annotations are never evaluated.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from pathlib import Path
    from typing import Any

    from rpltrack.clock import Clock
    from rpltrack.domain.reminder_words import Notice
    from rpltrack.reminders.notify import Outbox
    from rpltrack.store.journal import Journal

POLL = 5.0  # seconds between readings of the wall clock
CHECK_EVERY = timedelta(seconds=30)
ACTION_WAIT = 45.0  # after a one-shot run, seconds to keep answering buttons (less than the timer's minute)


class Session:
    """A journal, a clock and (made on first use) the outbox: what a trigger needs to deliver and to answer
    a button press."""

    def __init__(self, journal: Journal, clock: Clock, outbox: Outbox | None = None) -> None:
        self.journal = journal
        self.clock = clock
        self._outbox = outbox

    @property
    def outbox(self) -> Outbox:
        if self._outbox is None:
            from rpltrack.reminders.notify import Outbox

            self._outbox = Outbox(on_action=self.on_action)
        return self._outbox

    @property
    def opened(self) -> bool:
        return self._outbox is not None

    def deliver(self, notice: Notice) -> str | None:
        return self.outbox.deliver(notice)

    def on_action(self, notice: Notice, action: str) -> str | None:
        """A button was pressed: log the dose or snooze, and say so (in discreet words when asked)."""
        done = answer(self.journal, notice.kind, notice.subject, action, self.clock.now(), self.clock.zone)
        if notice.discreet:
            return "Snoozed" if action == "snooze" else "Saved"
        return done[:1].upper() + done[1:]

    def run(self) -> RunReport:
        return run_due(self.journal, self.deliver, self.clock.now(), self.clock.zone)

    def close(self) -> None:
        if self._outbox is not None:
            self._outbox.close()


def once(session: Session, *, wait: float = ACTION_WAIT) -> RunReport:
    """One check: send what is due; if a notification with buttons went out, keep answering them for up to
    `wait` seconds."""
    report = session.run()
    if wait > 0 and session.opened and session.outbox.waiting:
        session.outbox.wait(wait)
    return report


def serve(
    session: Session,
    *,
    run_for: timedelta | None = None,
    poll: float = POLL,
    check_every: timedelta = CHECK_EVERY,
    sleep: Callable[[float], None] | None = None,
    on_report: Callable[[RunReport], None] | None = None,
) -> int:
    """Check for due reminders until stopped (Ctrl-C) or `run_for` has passed on the session's clock; returns
    how many checks ran. `sleep` replaces the pause between clock readings (tests advance a fixed clock)."""
    clock = session.clock
    started = last = clock.now()
    next_check = started
    checks = 0
    while run_for is None or clock.now() - started < run_for:
        now = clock.now()
        woke = now - last > timedelta(seconds=poll * 3) or now < last
        if now >= next_check or woke:
            try:
                report = session.run()
            except Exception as exc:  # a busy or damaged journal: say so, try again next time
                print(f"rpltrack remind: {type(exc).__name__}: {exc}", file=sys.stderr)
            else:
                if on_report is not None:
                    on_report(report)
            checks += 1
            next_check = now + check_every
        last = now
        # A short, fixed pause (shorter only to end a bounded run on time); never "until the next reminder".
        step = poll if run_for is None else min(poll, max(0.0, (started + run_for - now).total_seconds()))
        if sleep is not None:
            sleep(step)
        elif session.opened:
            session.outbox.idle(step)
        else:
            import time

            time.sleep(step)
    return checks


# -- the last check, for `remind --status` ------------------------------------------------------------------

COUNTS = ("sent", "not_delivered", "passed_unseen")


def state_path(db_path: Path) -> Path:
    """Beside the journal: journal.remind-state for journal.db."""
    return db_path.with_name(f"{db_path.stem}.remind-state")


def record_run(
    db_path: Path, now: datetime, trigger: str, report: RunReport, problems: Sequence[str]
) -> None:
    """Note when reminders were last checked and what came of it: counts and backends, never a reminder's
    words. One 'key value' line each (no json import on the every-minute path); written whole, owner-only."""
    import os

    from rpltrack.domain.reminders import utc_key

    counts = (len(report.sent), len(report.failed), report.passed)
    lines = [f"last_run_utc {utc_key(now)}", f"trigger {trigger}"]
    lines += [f"{key} {value}" for key, value in zip(COUNTS, counts, strict=True)]
    lines.append("backends " + ",".join(sorted({backend for _, backend in report.sent})))
    lines += ["problem " + " ".join(problem.split()) for problem in list(dict.fromkeys(problems))[-5:]]
    path = state_path(db_path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)  # a convenience for --status: a check never fails over it


def last_run(db_path: Path) -> dict[str, Any] | None:
    """What record_run wrote last for this journal, or None."""
    try:
        text = state_path(db_path).read_text(encoding="utf-8")
    except OSError:
        return None
    found: dict[str, Any] = {"problems": []}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "problem":
            found["problems"].append(value)
        elif key == "backends":
            found["backends"] = [b for b in value.split(",") if b]
        elif key in COUNTS:
            found[key] = int(value) if value.isdigit() else 0
        elif key:
            found[key] = value
    return found if "last_run_utc" in found else None
