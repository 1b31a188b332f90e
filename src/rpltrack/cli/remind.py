"""`rpltrack remind --once|--daemon|--install|--uninstall|--status|--test`: reminders with the app closed."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

from rpltrack.cli.context import Context
from rpltrack.cli.entry import seconds
from rpltrack.domain.reminders import Kind, State, Travel, format_span, travelling
from rpltrack.reminders.daemon import (
    ACTION_WAIT,
    CHECK_EVERY,
    Session,
    is_known_locked_journal,
    last_run,
    locked_notice,
    note_locked_journal,
    once,
    record_run,
    serve,
    stopping_on_signals,
)
from rpltrack.store.crypto import KeyMissing, salt_of
from rpltrack.store.db import JournalError
from rpltrack.store.reminder_ledger import note_of, recent, record_trial

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from rpltrack.domain.reminders import Entry
    from rpltrack.store.reminder_ledger import RunReport

MODES = ("once", "daemon", "install", "uninstall", "status", "test")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    remind = sub.add_parser(
        "remind",
        parents=[common],
        help="send due reminders; install the timer that sends them with the app closed",
        description="Reminders for doses (and again when still not logged after reminders.grace), "
        "appointments (the evening before and reminders.appointment-minutes before), retests and refills. "
        "--install sets up a check every minute with the app closed (a systemd user timer on Linux, a "
        "LaunchAgent on macOS, a crontab line elsewhere).",
    )
    mode = remind.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--once", action="store_true", help="check once and send what is due (the timer runs this)"
    )
    mode.add_argument(
        "--daemon", action="store_true", help="keep checking (for machines without systemd or launchd)"
    )
    mode.add_argument("--install", action="store_true", help="check every minute with the app closed")
    mode.add_argument("--uninstall", action="store_true", help="remove what --install set up")
    mode.add_argument(
        "--status", action="store_true", help="what is installed, when it last ran, what was sent lately"
    )
    mode.add_argument(
        "--test", action="store_true", help="send a test reminder now and say how it was delivered"
    )
    remind.add_argument(
        "--wait",
        type=seconds,
        default=None,
        metavar="SECONDS",
        help="with --once: how long to keep answering the Taken and Snooze buttons (default 45; after it, "
        "buttons still on screen are replaced by 'Open rpltrack to log it'; 0 sends no buttons)",
    )
    remind.add_argument(
        "--for",
        dest="run_for",
        type=seconds,
        default=None,
        metavar="SECONDS",
        help="with --daemon: stop after this many seconds (default: run until stopped)",
    )
    remind.set_defaults(func=cmd_remind)


def cmd_remind(ctx: Context) -> int:
    mode = next(m for m in MODES if getattr(ctx.args, m, False))
    return int(
        {
            "once": cmd_once,
            "daemon": cmd_daemon,
            "install": cmd_install,
            "uninstall": cmd_uninstall,
            "status": cmd_status,
            "test": cmd_test,
        }[mode](ctx)
    )


def _show(report: RunReport, *, detailed: bool) -> None:
    """What a check did. Words of reminders only on a terminal: a timer's output goes to the system log."""
    if not (report.sent or report.failed or report.missed or report.notes):
        return
    if not detailed:
        print(
            f"rpltrack remind: sent {len(report.sent)}, not delivered {len(report.failed)} "
            f"(tried again next time), passed unseen {report.passed}"
        )
        return
    for notice, backend in report.sent:
        print(f"Sent ({backend}): {notice.title}")
    for notice in report.failed:
        print(f"Not delivered, tried again next time: {notice.title}")
    if report.missed:
        n = report.passed
        print(
            f"{n} reminder{'s' if n > 1 else ''} passed while nothing was checking (asleep or off): "
            "no pop-up; missed doses show in rpltrack today."
        )
    for note in report.notes:
        print(f"Note: {note}")
    question = report.travel_question
    if question is not None:
        print(question.body)


LABELS = {"taken": "Taken", "snooze": "Snooze"}  # the buttons' labels (domain.reminder_words)
DISCREET_LABELS = {"taken": "Done", "snooze": "Snooze"}


def _many(n: int, one: str, more: str) -> str:
    return f"{n} {one if n == 1 else more}"


def day_account(rows: Sequence[Entry], labels: Mapping[str, str]) -> str:
    """What the reminders of one day came to, in plain words: how many were sent (as notifications or in
    the app), how many she answered from a button and which, how many passed unseen or still wait."""
    shown = [r for r in rows if r.sent_at is not None and r.state is not State.MISSED]
    in_app = sum(1 for r in shown if r.backend == "in-app")
    answers = Counter(str(note_of(r.note).get("answer", "")) for r in rows)
    answered = [(labels[action], answers[action]) for action in labels if answers[action]]
    parts = []
    if shown and not in_app:
        parts.append(_many(len(shown), "reminder sent", "reminders sent"))
    elif shown and in_app == len(shown):
        parts.append(_many(len(shown), "reminder shown in the app", "reminders shown in the app"))
    elif shown:
        parts.append(
            f"{_many(len(shown), 'reminder', 'reminders')}: {len(shown) - in_app} sent as notifications, "
            f"{in_app} shown in the app"
        )
    total = sum(n for _, n in answered)
    if total:
        which = ", ".join(f"{n} {label}" if len(answered) > 1 else label for label, n in answered)
        parts.append(f"{_many(total, 'answered from its button', 'answered from their buttons')} ({which})")
    elif any(r.kind in (Kind.DOSE, Kind.OVERDUE) for r in shown):
        parts.append("none answered from a button")
    missed = sum(1 for r in rows if r.state is State.MISSED)
    if missed:
        parts.append(f"{missed} passed unseen (asleep or off)")
    waiting = sum(1 for r in rows if r.state is State.PENDING)
    if waiting:
        parts.append(f"{waiting} waiting to be delivered")
    return "; ".join(parts)


def _locked(ctx: Context) -> bool:
    """Whether the journal is locked and its key cannot be had without asking: then the one discreet
    notice of the day goes out instead of reminders (never a question for the passphrase)."""
    try:
        ctx.journal  # noqa: B018  # opening it is the question
    except KeyMissing:
        if not is_known_locked_journal(ctx.db_path, salt_of(ctx.db_path).hex()):
            raise  # never seen opened here: perhaps not a journal at all (exit 2, nothing written)

        now = ctx.now()
        backend = locked_notice(ctx.db_path, now, now.astimezone(ctx.zone).date().isoformat())
        sent = f"; sent the day's notice through {backend}" if backend else ""
        print(f"rpltrack remind: the journal is locked and its key is not available{sent}")
        return True
    return False


def cmd_once(ctx: Context) -> int:
    if _locked(ctx):
        return 0
    session = Session(ctx.journal, ctx.clock)
    wait = ACTION_WAIT if ctx.args.wait is None else max(0.0, ctx.args.wait)
    with stopping_on_signals(session):
        try:
            report = once(session, wait=wait)
        finally:
            session.close()  # buttons nobody will answer are taken back
    record_run(ctx.db_path, ctx.now(), "once", report, session.problems)
    key = ctx.journal.journal_key
    if key is not None:
        note_locked_journal(ctx.db_path, key.journal_id)
    _show(report, detailed=sys.stdout.isatty())
    try:
        ctx.journal.daily_backup(ctx.now())  # the first check of the day keeps a rotating backup
    except JournalError as exc:
        print(f"rpltrack: {exc}", file=sys.stderr)  # the reminders were checked all the same
    return 0


def cmd_daemon(ctx: Context) -> int:
    run_for = timedelta(seconds=ctx.args.run_for) if ctx.args.run_for is not None else None
    left = None if run_for is None else run_for.total_seconds()  # counted down by the pauses taken
    while _locked(ctx):  # try again every check: the keyring may be unlocked meanwhile
        if left is not None and left <= 0:
            return 0
        pause = CHECK_EVERY.total_seconds() if left is None else min(left, CHECK_EVERY.total_seconds())
        time.sleep(pause)
        left = None if left is None else left - pause
    session = Session(ctx.journal, ctx.clock)
    detailed = sys.stdout.isatty()
    if detailed:
        print(f"Checking for due reminders every {CHECK_EVERY.seconds} s; press Ctrl-C to stop.", flush=True)

    def after(report: RunReport) -> None:
        record_run(ctx.db_path, ctx.now(), "daemon", report, session.problems)
        _show(report, detailed=detailed)
        sys.stdout.flush()

    with stopping_on_signals(session):
        try:
            serve(session, run_for=run_for, on_report=after)
        except KeyboardInterrupt:
            pass
        finally:
            session.close()  # buttons nobody will answer are taken back
    return 0


def cmd_install(ctx: Context) -> int:
    # quick path: `remind --once` would import reminders.service (+4.9 ms)
    from rpltrack.reminders.service import install

    for line in install(ctx.db_path):
        print(line)
    return 0


def cmd_uninstall(ctx: Context) -> int:
    # quick path: `remind --once` would import reminders.service (+4.9 ms)
    from rpltrack.reminders.service import uninstall

    for line in uninstall():
        print(line)
    return 0


NO_SERVER_HELP = (
    "Reminders need the desktop's notification service. On Linux a desktop (GNOME, KDE, Xfce, Cinnamon) "
    "runs one; on a plain window manager start one such as dunst or mako. On macOS, allow notifications "
    "for your terminal app. Then run rpltrack remind --test again."
)


def cmd_test(ctx: Context) -> int:
    # quick path: `remind --once` would import domain.reminder_words (+0.4 ms)
    from rpltrack.domain.reminder_words import trial_notice

    # quick path: `remind --once` would import reminders.notify, logging, tokenize and 6 more (+28 ms)
    from rpltrack.reminders.notify import (
        DesktopBackend,
        NotifySendBackend,
        OsascriptBackend,
        Outbox,
        environment_report,
    )

    now = ctx.now()
    discreet = ctx.journal.settings().get("reminders.discreet") == "on"
    notice = trial_notice(now, discreet=discreet)
    # The test is of the desktop's notifications: the terminal bell (the timer's last resort) is no answer.
    with Outbox(backends=[DesktopBackend(), NotifySendBackend(), OsascriptBackend()]) as outbox:
        backend = outbox.deliver(notice)
    record_trial(ctx.journal, notice, backend, now)
    if backend is None:
        print(
            "No notification server answered, so the test reminder could not be shown "
            f"({environment_report()}). No reminder is due; this was only the test.",
            file=sys.stderr,
        )
        print(NO_SERVER_HELP, file=sys.stderr)
        for problem in dict.fromkeys(outbox.problems):
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Sent a test reminder through {backend} ({environment_report()}).")
    for problem in dict.fromkeys(outbox.problems):
        print(f"  before that: {problem}")
    return 0


def cmd_status(ctx: Context) -> int:
    # quick path: `remind --once` would import reminders.service (+4.9 ms)
    from rpltrack.reminders.service import installed

    now, zone = ctx.now(), ctx.zone
    found = installed()
    if found.kind:
        state = f" ({found.state})" if found.state else ""
        print(f"Installed: a {found.kind} at {found.where}{state}.")
        if found.journal and found.journal != str(ctx.db_path.absolute()):
            print(f"  It checks the journal {found.journal}, not this one ({ctx.db_path}).")
    else:
        print(
            "Not installed: reminders come only while rpltrack is open. Set it up: rpltrack remind --install"
        )
    last = last_run(ctx.db_path)
    if last and last.get("last_run_utc"):
        at = datetime.fromisoformat(str(last["last_run_utc"]).replace("Z", "+00:00"))
        by = {"once": "the timer or --once", "daemon": "--daemon"}.get(str(last.get("trigger")), "rpltrack")
        print(
            f"Last check: {at.astimezone(zone):%a %d %b %H:%M} ({format_span(now - at)} ago) by {by}; "
            f"sent {last.get('sent', 0)}, not delivered {last.get('not_delivered', 0)}, "
            f"passed unseen {last.get('passed_unseen', 0)}"
            + (f"; through {', '.join(last['backends'])}" if last.get("backends") else "")
            + "."
        )
        for problem in last.get("problems", []):
            print(f"  problem: {problem}")
    else:
        print("Last check: none yet for this journal.")
    values = ctx.journal.settings()
    rows = [r for r in recent(ctx.journal, now) if r.kind is not Kind.TEST]
    today = now.astimezone(zone).date()
    labels = DISCREET_LABELS if values.get("reminders.discreet") == "on" else LABELS
    for word, day in (("Today", today), ("Yesterday", today - timedelta(days=1))):
        account = day_account([r for r in rows if r.due_at.astimezone(zone).date() == day], labels)
        if account or word == "Today":
            print(f"{word}: {account or 'no reminders yet'}.")
    stored = ctx.journal.stored_settings()
    print(
        f"Discreet mode: {values.get('reminders.discreet', 'off')} "
        "(rpltrack settings set reminders.discreet on|off)"
    )
    away = sorted(
        {
            m.zone
            for m in ctx.journal.medications(in_force_on=now.astimezone(zone).date())
            if not m.prn and travelling(m, now, zone)
        }
    )
    rule = Travel(values.get("reminders.travel") or "home")
    if away:
        chosen = "your choice" if "reminders.travel" in stored else "the default until you choose"
        how = "keep home time" if rule is Travel.HOME else "follow the local clock"
        print(
            f"Time zone: you are in {zone.key}, your medication times are in {', '.join(away)}; "
            f"reminders {how} ({chosen}). Change it: rpltrack settings set reminders.travel "
            f"{'local' if rule is Travel.HOME else 'home'}"
        )
    return 0
