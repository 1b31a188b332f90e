"""The remind loop: `once` (what the timer runs every minute) and `serve` (rpltrack remind --daemon).

Both call store.reminder_ledger.run_due, the one function that decides and marks. The loop reads the wall
clock every POLL seconds and checks every CHECK_EVERY, or at once when the clock jumped (the laptop woke):
it never sleeps until the next reminder, because a sleep does not count the time the machine was suspended.

A notification's Taken and Snooze buttons exist only while this process answers them: `once` without a wait
sends none; `Session.close` (on every exit path the command can catch, SIGTERM and SIGHUP included: see
`stopping_on_signals`) replaces those still open by copies without buttons; and each check first withdraws
any that a killed process left behind (recorded in the ledger).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from datetime import timedelta

from rpltrack.domain.reminders import Kind, utc_key
from rpltrack.store.files import atomic_write
from rpltrack.store.reminder_ledger import RunReport, answer, run_due

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
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
    a button press. `buttons=False`: nothing will answer buttons, so notifications are sent without them."""

    def __init__(
        self, journal: Journal, clock: Clock, outbox: Outbox | None = None, *, buttons: bool = True
    ) -> None:
        self.journal = journal
        self.clock = clock
        self.buttons = buttons
        self.stopping = False
        self._outbox = outbox
        self._problems: list[str] = []
        self._marked: set[tuple[Kind, str]] = set()  # shown with buttons by this process (in the ledger)

    @property
    def outbox(self) -> Outbox:
        if self._outbox is None:
            # quick path: `remind --once` would import reminders.notify, logging, tokenize and 6 more (+28 ms)
            from rpltrack.reminders.notify import Outbox

            self._outbox = Outbox(on_action=self.on_action if self.buttons else None)
            if self.stopping:
                self._outbox.stop()
        return self._outbox

    @property
    def opened(self) -> bool:
        return self._outbox is not None

    @property
    def problems(self) -> list[str]:
        """Why something could not be delivered or taken back (for --status): never a reminder's words."""
        return [*self._problems, *(self._outbox.problems if self._outbox is not None else [])]

    def deliver(self, notice: Notice) -> str | None:
        backend = self.outbox.deliver(notice)
        where = self.outbox.shown_at(notice) if backend and notice.buttons else None
        if where is not None:
            try:
                self.journal.reminder_ledger().mark_shown(notice.covers[0], where, self.clock.now())
            except Exception as exc:  # the reminder was shown all the same; its buttons work meanwhile
                self._problems.append(f"where a reminder is shown was not saved: {exc}")
            else:
                self._marked.add(notice.covers[0])
        return backend

    def on_action(self, notice: Notice, action: str) -> str | None:
        """A button was pressed: log the dose or snooze, and say so (in discreet words when asked)."""
        done = answer(self.journal, notice.kind, notice.subject, action, self.clock.now(), self.clock.zone)
        self._marked.discard(notice.covers[0])
        if notice.discreet:
            return "Snoozed" if action == "snooze" else "Saved"
        return done[:1].upper() + done[1:]

    def run(self) -> RunReport:
        return run_due(self.journal, self.deliver, self.clock.now(), self.clock.zone)

    def stop(self) -> None:
        """Asked to end (a signal): stop waiting for presses; `close` then takes the buttons back."""
        self.stopping = True
        if self._outbox is not None:
            self._outbox.stop()

    def withdraw_stale(self) -> int:
        """Close the notifications with buttons that a process killed before it could take them back left
        on screen (as the ledger recorded them; this process's own are left alone). Returns how many were
        settled. Nothing is imported or connected when the ledger records none (the usual case)."""
        if self.journal.readonly:
            return 0
        try:
            ledger = self.journal.reminder_ledger()
            now = self.clock.now()
            shown = [(key, where) for key, where in ledger.shown(now) if key not in self._marked]
            if not shown:
                return 0
            # quick path: `remind --once` would import reminders.notify, logging, tokenize and 6 more (+28 ms)
            from rpltrack.reminders.notify import withdraw_stale

            settled = withdraw_stale([where for _, where in shown], self._problems)
            ledger.released([shown[i][0] for i in settled], now)
        except Exception as exc:  # a busy journal or bus: tried again on the next check
            self._problems.append(f"stale buttons were not withdrawn: {type(exc).__name__}: {exc}")
            return 0
        return len(settled)

    def close(self) -> None:
        """Stop answering buttons: those still on screen lose them (replaced in place), then the
        connection closes; any this process showed that it could not replace are withdrawn."""
        if self._outbox is None:
            return
        try:
            replaced = self._outbox.release()
            keys = [notice.covers[0] for notice in replaced]
            if keys and not self.journal.readonly:
                try:
                    self.journal.reminder_ledger().released(keys, self.clock.now())
                except Exception as exc:
                    self._problems.append(f"taken-back buttons were not noted: {exc}")
            self._marked -= set(keys)
        finally:
            self._outbox.close()
        if self._marked:
            self._marked.clear()  # this process's connection is gone: its leftovers are stale now
            self.withdraw_stale()


@contextlib.contextmanager
def stopping_on_signals(session: Session) -> Iterator[None]:
    """While in the block, SIGTERM and SIGHUP (systemd stopping the unit, the desktop session ending) end
    the wait for presses instead of killing the process, so that it takes its buttons back on the way out."""
    previous = {}
    try:
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is None:
                continue
            try:
                previous[number] = signal.signal(number, lambda *_: session.stop())
            except ValueError:  # only the main thread may set handlers: elsewhere the block runs without
                break
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def once(session: Session, *, wait: float = ACTION_WAIT) -> RunReport:
    """One check: withdraw buttons a killed process left, send what is due; if a notification with buttons
    went out, keep answering them for up to `wait` seconds. With no wait, notifications have no buttons."""
    if wait <= 0:
        session.buttons = False
    session.withdraw_stale()
    report = session.run()
    if wait > 0 and not session.stopping and session.opened and session.outbox.waiting:
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
    while (run_for is None or clock.now() - started < run_for) and not session.stopping:
        now = clock.now()
        woke = now - last > timedelta(seconds=poll * 3) or now < last
        if now >= next_check or woke:
            try:
                session.withdraw_stale()
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
            time.sleep(step)
    return checks


# -- the last check, for `remind --status` ------------------------------------------------------------------

COUNTS = ("sent", "not_delivered", "passed_unseen")
LOCKED_MARK = "locked_notice_on"  # the local day the "rpltrack is locked" notice was last sent
LOCKED_ID = "locked_journal"  # the id of the locked journal last opened here: a file that is ours
LOCKED_BODY = "rpltrack is locked: open it to see what is due"
LOCKED_PROBLEM = "the journal is locked and its key is not available (keyring locked, or the key forgotten)"


def state_path(db_path: Path) -> Path:
    """Beside the journal: journal.remind-state for journal.db."""
    return db_path.with_name(f"{db_path.stem}.remind-state")


def record_run(
    db_path: Path, now: datetime, trigger: str, report: RunReport, problems: Sequence[str]
) -> None:
    """Note when reminders were last checked and what came of it: counts and backends, never a reminder's
    words. One 'key value' line each (no json import on the every-minute path); written whole, owner-only."""

    counts = (len(report.sent), len(report.failed), report.passed)
    lines = [f"last_run_utc {utc_key(now)}", f"trigger {trigger}"]
    lines += [f"{key} {value}" for key, value in zip(COUNTS, counts, strict=True)]
    lines.append("backends " + ",".join(sorted({backend for _, backend in report.sent})))
    lines += ["problem " + " ".join(problem.split()) for problem in list(dict.fromkeys(problems))[-5:]]
    _write_state(db_path, lines)


def _write_state(db_path: Path, lines: list[str]) -> None:
    """The state file, whole and owner-only, keeping the day the locked notice was last sent (so it goes
    out once a day however often the journal is locked and unlocked)."""
    previous = _state_values(db_path)
    for key in (LOCKED_MARK, LOCKED_ID):
        if previous.get(key) and not any(line.startswith(f"{key} ") for line in lines):
            lines = [*lines, f"{key} {previous[key]}"]
    # A convenience for --status, rewritten every minute: not worth an fsync, and a check never fails over it.
    with contextlib.suppress(OSError):
        atomic_write(state_path(db_path), ("\n".join(lines) + "\n").encode("utf-8"), durable=False)


def _state_values(db_path: Path) -> dict[str, str]:
    """The state file's lines as key -> value (empty when there is none)."""
    try:
        text = state_path(db_path).read_text(encoding="utf-8")
    except OSError:
        return {}
    return {key: value for key, _, value in (line.partition(" ") for line in text.splitlines()) if key}


def note_locked_journal(db_path: Path, journal_id: str) -> None:
    """Remember that the journal at `db_path` is a locked rpltrack journal with this id (its salt, readable
    without the key): when its key is missing later, the timer knows the file is hers and sends the locked
    notice; a file it never saw opened (random bytes, another program's) is refused instead."""
    values = _state_values(db_path)
    if values.get(LOCKED_ID) == journal_id:
        return
    lines = [f"{key} {value}" for key, value in values.items() if key not in (LOCKED_ID, "problem")]
    _write_state(db_path, [*lines, f"{LOCKED_ID} {journal_id}"])


def is_known_locked_journal(db_path: Path, journal_id: str) -> bool:
    return _state_values(db_path).get(LOCKED_ID) == journal_id


def locked_notice(db_path: Path, now: datetime, day: str, outbox: Outbox | None = None) -> str | None:
    """The journal is locked and its key cannot be had without asking (the keyring is locked, or the key
    was forgotten): one discreet notice a day (`day`, her local date) that says only that, with no word of
    what is due, and never a question for the passphrase. Returns the backend that showed it, None when it
    went out today already or could not be delivered (then it is tried again next time). The day it went
    out is kept in the state file beside the journal, never in the journal (which cannot be opened)."""
    lines = [f"last_run_utc {utc_key(now)}", "trigger locked", f"problem {LOCKED_PROBLEM}"]
    if (last_run(db_path) or {}).get(LOCKED_MARK) == day:
        _write_state(db_path, lines)
        return None
    # quick path: `remind --once` would import domain.reminder_words (+0.4 ms)
    from rpltrack.domain.reminder_words import DISCREET_TITLE, Notice, Urgency

    notice = Notice(
        title=DISCREET_TITLE,
        body=LOCKED_BODY,
        urgency=Urgency.NORMAL,
        covers=((Kind.CHECK, f"locked:{day}"),),
        discreet=True,
    )
    if outbox is None:
        # quick path: `remind --once` would import reminders.notify, logging, tokenize and 6 more (+28 ms)
        from rpltrack.reminders.notify import Outbox

        with Outbox() as own:
            backend = own.deliver(notice)
    else:
        backend = outbox.deliver(notice)
    if backend is not None:
        lines.append(f"{LOCKED_MARK} {day}")
    _write_state(db_path, lines)
    return backend


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
