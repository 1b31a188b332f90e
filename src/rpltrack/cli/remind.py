"""`rpltrack remind --once|--daemon|--install|--uninstall|--status|--test`: reminders with the app closed."""

from __future__ import annotations

import argparse
import sys

from rpltrack.cli.context import Context
from rpltrack.cli.entry import seconds

# typing is kept out of the command line's start-up (see cli/main.py); annotations are never evaluated.
TYPE_CHECKING = False
if TYPE_CHECKING:
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
        help="with --once: how long to keep answering the Taken and Snooze buttons (default 45)",
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


def cmd_once(ctx: Context) -> int:
    from rpltrack.reminders.daemon import ACTION_WAIT, Session, once, record_run
    from rpltrack.store.db import JournalError

    session = Session(ctx.journal, ctx.clock)
    wait = ACTION_WAIT if ctx.args.wait is None else max(0.0, ctx.args.wait)
    try:
        report = once(session, wait=wait)
    finally:
        session.close()
    problems = session.outbox.problems if session.opened else []
    record_run(ctx.db_path, ctx.now(), "once", report, problems)
    _show(report, detailed=sys.stdout.isatty())
    try:
        ctx.journal.daily_backup(ctx.now())  # the first check of the day keeps a rotating backup
    except JournalError as exc:
        print(f"rpltrack: {exc}", file=sys.stderr)  # the reminders were checked all the same
    return 0


def cmd_daemon(ctx: Context) -> int:
    from datetime import timedelta

    from rpltrack.reminders.daemon import CHECK_EVERY, Session, record_run, serve

    session = Session(ctx.journal, ctx.clock)
    run_for = timedelta(seconds=ctx.args.run_for) if ctx.args.run_for is not None else None
    detailed = sys.stdout.isatty()
    if detailed:
        print(f"Checking for due reminders every {CHECK_EVERY.seconds} s; press Ctrl-C to stop.", flush=True)

    def after(report: RunReport) -> None:
        problems = session.outbox.problems if session.opened else []
        record_run(ctx.db_path, ctx.now(), "daemon", report, problems)
        _show(report, detailed=detailed)
        sys.stdout.flush()

    try:
        serve(session, run_for=run_for, on_report=after)
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
    return 0


def cmd_install(ctx: Context) -> int:
    from rpltrack.reminders.service import install

    for line in install(ctx.db_path):
        print(line)
    return 0


def cmd_uninstall(ctx: Context) -> int:
    from rpltrack.reminders.service import uninstall

    for line in uninstall():
        print(line)
    return 0


def cmd_test(ctx: Context) -> int:
    from rpltrack.domain.reminder_words import trial_notice
    from rpltrack.reminders.notify import Outbox, environment_report
    from rpltrack.store.reminder_ledger import record_trial

    now = ctx.now()
    discreet = ctx.journal.settings().get("reminders.discreet") == "on"
    notice = trial_notice(now, discreet=discreet)
    with Outbox() as outbox:
        backend = outbox.deliver(notice)
    record_trial(ctx.journal, notice, backend, now)
    if backend is None:
        print("No notification could be delivered (" + environment_report() + ").", file=sys.stderr)
        for problem in dict.fromkeys(outbox.problems):
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Sent a test reminder through {backend} ({environment_report()}).")
    for problem in dict.fromkeys(outbox.problems):
        print(f"  before that: {problem}")
    return 0


def cmd_status(ctx: Context) -> int:
    from datetime import datetime

    from rpltrack.domain.reminders import Kind, State, Travel, format_span, travelling
    from rpltrack.reminders.daemon import last_run
    from rpltrack.reminders.service import installed
    from rpltrack.store.reminder_ledger import recent

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
    rows = recent(ctx.journal, now)
    counts = {state: sum(1 for r in rows if r.state is state and r.kind is not Kind.TEST) for state in State}
    print(
        f"Last 2 days: {counts[State.SENT]} sent, {counts[State.DONE]} answered, "
        f"{counts[State.MISSED]} passed unseen, {counts[State.PENDING]} waiting to be delivered, "
        f"{counts[State.SNOOZED]} snoozed."
    )
    values = ctx.journal.settings()
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
