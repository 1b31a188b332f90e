"""`rpltrack today|take|skip|log|dose`: the daily dose commands, and correcting a logged dose."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from rpltrack.cli.context import Context
from rpltrack.cli.entry import add_delete_command, entry_id
from rpltrack.cli.output import amount_json, dating_json, dose_view_json, dose_view_line, iso, log_json, say
from rpltrack.domain import words
from rpltrack.domain.doses import injection_sites, next_site
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseStatus
from rpltrack.domain.quantities import parse_quantity
from rpltrack.domain.schedule import day_bounds
from rpltrack.domain.zones import zone_elsewhere, zone_label
from rpltrack.store.doses import (
    HISTORY_KINDS,
    HISTORY_STATES,
    HistoryFilter,
    HistoryPage,
    dose_edit_words,
    dose_words,
)

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from rpltrack.store.doses import HistoryEntry


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    today = sub.add_parser(
        "today",
        parents=[common],
        help="doses due today and their state",
        description="Every dose of today in time order: due, overdue, taken, skipped, missed.",
    )
    today.add_argument("--json", action="store_true", help="machine-readable output")
    today.add_argument("--as-of", help="evaluate as if it were then: 'YYYY-MM-DD[ HH:MM]'")
    today.set_defaults(func=cmd_today)

    take = sub.add_parser(
        "take",
        parents=[common],
        help="log a dose as taken",
        description="Log a dose as taken: the open dose nearest now, or nearest --at.",
    )
    take.add_argument(
        "name", metavar="ID|NAME", help="medication name, generic or brand (e.g. aspirin, lovenox), or its id"
    )
    take.add_argument("--at", help="when it was taken, 'YYYY-MM-DD HH:MM' (default: now)")
    take.add_argument(
        "--amount", help="the amount actually taken, e.g. '40 mg' (default: the scheduled dose)"
    )
    take.add_argument("--site", help="injection site, e.g. 'left abdomen'")
    take.add_argument("--note", default="", help="a note kept with this dose")
    take.set_defaults(func=cmd_take)

    skip = sub.add_parser(
        "skip",
        parents=[common],
        help="log a scheduled dose as skipped",
        description="Log a scheduled dose as skipped, with a reason.",
    )
    skip.add_argument("name", metavar="ID|NAME", help="medication name, generic or brand, or its id")
    skip.add_argument("--at", help="which dose: 'YYYY-MM-DD HH:MM' near its time (default: now)")
    skip.add_argument("--reason", default="", help="why, in your words")
    skip.set_defaults(func=cmd_skip)

    log = sub.add_parser(
        "log",
        parents=[common],
        help="doses logged between two dates",
        description="Logged doses (taken and skipped), oldest first. Default: the last 7 days.",
    )
    log.add_argument("--from", dest="from_", help="first day, YYYY-MM-DD")
    log.add_argument("--to", help="last day, YYYY-MM-DD")
    log.add_argument("--json", action="store_true", help="machine-readable output")
    log.add_argument("--med", help="only this medication (name, brand or id), all its courses")
    log.add_argument(
        "--state",
        help="only these states, comma-separated: taken, skipped, missed, late (logged later); "
        "default: taken,skipped",
    )
    log.add_argument("--kind", help="only scheduled or as-needed doses")
    log.add_argument("--limit", help="at most N entries a page, newest first")
    log.add_argument("--page", help="which page of --limit entries (default 1, the newest)")
    log.set_defaults(func=cmd_log)

    dose = sub.add_parser(
        "dose",
        parents=[common],
        help="correct or delete a logged dose",
        description="Correct a logged dose (taken or skipped) or delete it; rpltrack log shows each "
        "one's id. rpltrack undo takes a correction back.",
    )
    dose_sub = dose.add_subparsers(dest="dose_command", metavar="COMMAND", required=True)
    edit = dose_sub.add_parser(
        "edit",
        parents=[common],
        help="correct a logged dose",
        description="Change only what is given. A skipped dose made --taken is taken at its scheduled time "
        "unless --at says otherwise; a taken dose made --skipped loses its time, amount and site.",
    )
    edit.add_argument("id", type=entry_id, help="the dose's id, as rpltrack log shows it")
    edit.add_argument("--at", help="when it was taken, 'YYYY-MM-DD HH:MM'")
    edit.add_argument("--amount", help="the amount taken, e.g. '40 mg' ('' for the scheduled dose)")
    edit.add_argument("--site", help="injection site, e.g. 'left abdomen' ('' to clear)")
    edit.add_argument("--note", help="a note kept with this dose ('' to clear)")
    edit.add_argument("--reason", help="why it was skipped ('' to clear)")
    status = edit.add_mutually_exclusive_group()
    status.add_argument(
        "--taken", dest="status", action="store_const", const="taken", help="it was taken after all"
    )
    status.add_argument(
        "--skipped", dest="status", action="store_const", const="skipped", help="it was not taken"
    )
    edit.set_defaults(func=cmd_dose_edit)
    add_delete_command(
        dose_sub,
        common,
        func=cmd_dose_delete,
        help="delete a logged dose",
        description="Delete a dose logged by mistake (its dose is open again); rpltrack undo takes it back.",
        id_help="the dose's id, as rpltrack log shows it",
    )


def cmd_today(ctx: Context) -> int:
    now = ctx.now()
    day = now.astimezone(ctx.zone).date()
    views = ctx.journal.day(day, ctx.zone, now)
    dating = ctx.journal.dating_on(day)
    if ctx.as_json:
        ctx.emit_json(
            {
                "date": day.isoformat(),
                "zone": ctx.zone.key,
                "as_of": iso(now, ctx.zone),
                "where": dating_json(dating),
                "doses": [dose_view_json(v, ctx.zone) for v in views],
            }
        )
        return 0
    where = f" · {dating.label()}" if dating is not None and dating.label() else ""
    say(f"{now.astimezone(ctx.zone):%A %d %B %Y, %H:%M} ({ctx.zone.key}){where}")
    if not views:
        say("No doses scheduled today. Add a medication: rpltrack med add NAME --dose '81 mg' --times 08:00")
        return 0
    for view in views:
        say(dose_view_line(view, ctx.zone))
    return 0


def _at(ctx: Context) -> datetime | None:
    # quick path: `today` would import domain.datetext (+0.4 ms)
    from rpltrack.domain.datetext import parse_local_datetime

    return parse_local_datetime(ctx.args.at, ctx.zone, now=ctx.now()) if ctx.args.at else None


def cmd_take(ctx: Context) -> int:
    a, journal, now = ctx.args, ctx.journal, ctx.now()
    med = journal.find_medication(a.name, now, command="rpltrack take")
    amount = parse_quantity(a.amount, med.current.amount.unit) if a.amount else None
    site = " ".join(a.site.split()) if a.site else None
    result = journal.record_dose(
        med, DoseStatus.TAKEN, now, ctx.zone, at=_at(ctx), amount=amount, site=site, note=a.note
    )
    log, slot = result.log, result.slot
    slot_text = f"the {slot.local_at.astimezone(ctx.zone):%a %H:%M} dose" if slot else "as needed"
    if not result.created:
        state = log.status.value
        when = log.taken_at or log.logged_at
        say(
            f"Already logged: {med.name}, {slot_text}, {state} at {when.astimezone(ctx.zone):%H:%M}. "
            "Nothing changed."
        )
        return 0
    assert log.taken_at is not None
    later = f", {words.LOGGED_LATER}" if log.logged_later else ""
    say(
        f"Saved: {med.name} {log.amount} taken at {log.taken_at.astimezone(ctx.zone):%Y-%m-%d %H:%M}"
        f"{later} — {slot_text}." + (f" Site: {log.site}." if log.site else "")
    )
    if injection_sites(med):
        assert med.id is not None
        say(f"Next site in your rotation: {next_site(med, journal.last_site(med.id))}.")
    return 0


def cmd_skip(ctx: Context) -> int:
    a, journal, now = ctx.args, ctx.journal, ctx.now()
    med = journal.find_medication(a.name, now, command="rpltrack skip")
    result = journal.record_dose(med, DoseStatus.SKIPPED, now, ctx.zone, at=_at(ctx), reason=a.reason.strip())
    slot = result.slot
    assert slot is not None
    when = f"{slot.local_at.astimezone(ctx.zone):%a %H:%M}"
    if not result.created:
        say(f"Already logged: {med.name}, the {when} dose, {result.log.status.value}. Nothing changed.")
        return 0
    say(
        f"Saved: {med.name}, the {when} dose, skipped"
        + (f" ({result.log.reason})." if result.log.reason else ".")
    )
    return 0


def _log_filter_words(ctx: Context) -> tuple[tuple[str, ...], tuple[str, ...], int | None, int]:
    """--state, --kind, --limit and --page read and checked."""
    a = ctx.args
    states: tuple[str, ...] = ("taken", "skipped")
    if a.state is not None:
        states = tuple(dict.fromkeys(w.strip().lower() for w in a.state.split(",") if w.strip()))
        unknown = [w for w in states if w not in HISTORY_STATES]
        if unknown or not states:
            raise ValidationError(
                f"--state takes {', '.join(HISTORY_STATES)} (comma-separated), not {a.state.strip()!r}",
                field="state",
            )
    kinds: tuple[str, ...] = ()
    if a.kind is not None:
        kind = a.kind.strip().lower().replace(" ", "-")
        if kind not in HISTORY_KINDS:
            raise ValidationError(f"--kind is scheduled or as-needed, not {a.kind.strip()!r}", field="kind")
        kinds = (kind,)
    numbers: list[int | None] = []
    for name, text in (("limit", a.limit), ("page", a.page)):
        if text is None:
            numbers.append(None)
            continue
        try:
            value = int(text)
        except ValueError:
            raise ValidationError(
                f"--{name} takes a number, like 50 (not {text.strip()!r})", field=name
            ) from None
        if value < 1:
            raise ValidationError(f"--{name} is at least 1, not {value}", field=name)
        numbers.append(value)
    limit, page = numbers
    if page is not None and limit is None:
        raise ValidationError("--page needs --limit: the number of entries a page holds", field="page")
    return states, kinds, limit, page or 1


def cmd_log(ctx: Context) -> int:
    # quick path: `today` would import domain.datetext (+0.4 ms)
    from rpltrack.domain.datetext import parse_date

    a, now = ctx.args, ctx.now()
    today = now.astimezone(ctx.zone).date()
    last = parse_date(a.to, "to") if a.to else today
    first = parse_date(a.from_, "from") if a.from_ else last - timedelta(days=6)
    if first > last:
        raise ValidationError(f"--from {first} is after --to {last}", field="from")
    states, kinds, limit, page = _log_filter_words(ctx)
    start, _ = day_bounds(first, ctx.zone)
    _, end = day_bounds(last, ctx.zone)
    journal = ctx.journal
    med_ids = journal.medication_ids_named(a.med) if a.med else ()
    wanted = HistoryFilter(start, end, med_ids, states, kinds)
    found = journal.history_page(wanted, ctx.zone, now, limit=limit or 10**9)
    for _ in range(page - 1):
        if found.before is None:
            found = HistoryPage((), None)  # there are fewer pages
            break
        found = journal.history_page(wanted, ctx.zone, now, before=found.before, limit=limit or 10**9)
    entries = list(found.entries)
    if limit is None:
        entries.reverse()  # the whole span: oldest first, as `log` always listed it
    if ctx.as_json:
        ctx.emit_json([_entry_json(e, ctx) for e in entries])
        return 0
    if not entries:
        say(f"Nothing logged from {first} to {last}." if page == 1 else f"There is no page {page}.")
        return 0
    for entry in entries:
        say(_entry_line(entry, ctx))
    if limit is not None and found.before is not None:
        say(f"Page {page}, newest first; older entries: --page {page + 1}.")
    return 0


def _entry_json(entry: HistoryEntry, ctx: Context) -> dict[str, object]:
    if entry.log is not None:
        return log_json(entry.log, entry.medication, ctx.zone)
    assert entry.view is not None
    assert entry.view.slot is not None
    slot = entry.view.slot
    return {
        "id": None,
        "medication": entry.medication.name,
        "medication_id": entry.medication.id,
        "status": "missed",
        "slot": iso(slot.slot_at, ctx.zone),
        "taken_at": None,
        "logged_at": None,
        "logged_later": False,
        "amount": amount_json(slot.amount),
        "site": None,
        "reason": "",
        "note": "",
        "zone": entry.medication.zone,
    }


def _entry_line(entry: HistoryEntry, ctx: Context) -> str:
    med, log = entry.medication, entry.log
    if log is None:
        assert entry.view is not None
        assert entry.view.slot is not None
        slot = entry.view.slot
        when = slot.slot_at.astimezone(ctx.zone)
        return f"  -  {when:%Y-%m-%d %H:%M}  {med.name} ({when:%H:%M} dose): missed {slot.amount}"
    at = log.taken_at or log.slot_at or log.logged_at
    # A dose logged in a zone where it reads differently is shown as it was there: 21:00 EDT (New York).
    elsewhere = zone_elsewhere(log.zone, at, ctx.zone)
    shown = elsewhere or ctx.zone
    when = at.astimezone(shown)
    label = f" {zone_label(when)}" if elsewhere is not None else ""
    slot_words = f" ({log.slot_at.astimezone(shown):%H:%M} dose)" if log.slot_at else " (as needed)"
    what = f"{log.status.value} {log.amount}" if log.amount else log.status.value
    extra = "".join(
        [
            f" — {words.LOGGED_LATER}" if log.logged_later else "",
            f" — {log.site}" if log.site else "",
            f" — {log.reason}" if log.reason else "",
        ]
    )
    return f"{log.id:>3}  {when:%Y-%m-%d %H:%M}{label}  {med.name}{slot_words}: {what}{extra}"


def cmd_dose_edit(ctx: Context) -> int:
    a, journal, now = ctx.args, ctx.journal, ctx.now()
    before = journal.dose(a.id)
    med = journal.medication(before.medication_id)
    fields: dict[str, object] = {}
    if a.status is not None:
        fields["status"] = DoseStatus(a.status)
    if a.at is not None:
        fields["taken_at"] = _at(ctx)
    if a.amount is not None:
        fields["amount"] = parse_quantity(a.amount, med.current.amount.unit) if a.amount.strip() else None
    for key in ("site", "note", "reason"):
        if getattr(a, key) is not None:
            fields[key] = getattr(a, key)
    if not fields:
        raise ValidationError(
            "nothing to change: give --at, --amount, --site, --note, --reason, --taken or --skipped"
        )
    after = journal.edit_dose(a.id, now, **fields)
    if after == before:
        say(f"Nothing changed: {dose_words(med, before)} already reads so.")
        return 0
    words = "; ".join(dose_edit_words(before, after))
    say(f"Saved: {dose_words(med, before)} — {words}. (rpltrack undo takes it back.)")
    return 0


def cmd_dose_delete(ctx: Context) -> int:
    # quick path: `today` would import cli.confirm (+0.1 ms; test_architecture: one cli module per command)
    from rpltrack.cli.confirm import confirm_or_refuse

    a, journal, now = ctx.args, ctx.journal, ctx.now()
    log = journal.dose(a.id)
    med = journal.medication(log.medication_id)
    state = f"{log.status.value} {log.amount}" if log.amount else log.status.value
    if log.taken_at is not None:
        state += f" at {log.taken_at.astimezone(ctx.zone):%Y-%m-%d %H:%M}"
    what = f"{dose_words(med, log)} (id {a.id}, {state})"
    confirm_or_refuse(f"Delete {what}?", yes=a.yes)
    journal.delete_dose(a.id, now)
    say(f"Deleted: {what}. (rpltrack undo takes it back.)")
    return 0
