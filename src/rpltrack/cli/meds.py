"""`rpltrack med add|list|edit|stop|delete` and `rpltrack adherence`."""

from __future__ import annotations

import argparse
from datetime import datetime, time

from rpltrack.cli.context import Context
from rpltrack.cli.entry import entry_id
from rpltrack.cli.output import adherence_json, medication_json, medication_name, percent_text, say
from rpltrack.domain import anchors, catalog
from rpltrack.domain.anchors import describe_anchor
from rpltrack.domain.display import terminal_text
from rpltrack.domain.doses import remaining_doses
from rpltrack.domain.errors import DuplicateEntry, ValidationError
from rpltrack.domain.models import Medication, MedicationState
from rpltrack.store.medications import medication_edit_words

WHICH_HELP = "the medication's id (rpltrack med list shows it) or its name, generic or brand"


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    med = sub.add_parser(
        "med",
        help="add, list, edit, stop or delete medications",
        parents=[common],
        description="Medications and their schedules.",
    )
    med_sub = med.add_subparsers(dest="med_command", metavar="COMMAND", required=True)

    add = med_sub.add_parser(
        "add",
        parents=[common],
        help="add a medication and its schedule",
        description="Add a medication. Times are local wall-clock times in your zone.",
    )
    add.add_argument("name", help="name or brand, e.g. aspirin, lovenox, 'progesterone in oil'")
    add.add_argument(
        "--dose", default="", help="amount and unit, e.g. '81 mg', '40 mg', '100 mcg', '5000 IU'"
    )
    add.add_argument("--times", default="", help="times of day, e.g. 08:00 or 08:00,20:00")
    add.add_argument(
        "--every", default="", help="every N hours of elapsed time, e.g. 8h (first dose: --times)"
    )
    add.add_argument("--every-days", default="", help="every N days, e.g. 2 for every other day")
    add.add_argument("--weekdays", default="", help="only on these days, e.g. mon,thu")
    add.add_argument(
        "--start",
        default="",
        help="first day, YYYY-MM-DD (default today), or a cycle event: cd1, stims, trigger, retrieval, "
        "transfer, positive-beta, with an offset such as transfer-5d",
    )
    add.add_argument(
        "--until",
        default="",
        help="last day, YYYY-MM-DD or an event such as transfer+14d, or a gestational age such as 36w0d "
        "(exclusive: no dose from that day on)",
    )
    add.add_argument("--for", dest="for_", default="", help="a course length, e.g. '10 days', '3 months'")
    add.add_argument(
        "--cycle", type=entry_id, help="the cycle an event or gestational age refers to (default: current)"
    )
    add.add_argument("--prn", action="store_true", help="as needed: no schedule, log doses when taken")
    add.add_argument(
        "--taper", default="", help="steps instead of --dose, e.g. '20 mg x 6w; 10 mg x 1w; 5 mg x 1w'"
    )
    add.add_argument("--supply", default="", help="doses on hand")
    add.add_argument("--route", default="", help="oral, vaginal, subcutaneous, intramuscular, ...")
    add.add_argument("--notes", default="", help="anything to remember (kept only in the journal)")
    add.add_argument(
        "--again",
        action="store_true",
        help="add it even though a medication of the same name is current (a second course alongside)",
    )
    add.add_argument("--json", action="store_true", help="print the saved medication as JSON")
    add.set_defaults(func=med_add)

    lst = med_sub.add_parser(
        "list",
        parents=[common],
        help="list medications with adherence",
        description="Medications, their current dose and schedule, and adherence.",
    )
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.add_argument("--as-of", help="evaluate as if it were then: 'YYYY-MM-DD[ HH:MM]'")
    lst.add_argument("--all", action="store_true", help="include stopped and ended medications")
    lst.set_defaults(func=med_list)

    edit = med_sub.add_parser(
        "edit",
        parents=[common],
        help="correct a medication, or change its dose from a date",
        description="Change a medication: only the options given change. A dose or timing change takes "
        "effect on --from (default today); the old dose stays in the history. rpltrack undo takes it back.",
    )
    edit.add_argument("which", metavar="ID|NAME", help=WHICH_HELP)
    edit.add_argument("--dose", default="", help="new amount and unit")
    edit.add_argument("--times", default="", help="new times of day")
    edit.add_argument("--every", default="", help="new interval in hours, e.g. 12h")
    edit.add_argument("--from", dest="effective", default="", help="first day of the change, YYYY-MM-DD")
    edit.add_argument("--name", "--rename", dest="rename", default=None, help="a new name")
    edit.add_argument("--route", default=None, help="oral, vaginal, subcutaneous, intramuscular, ...")
    edit.add_argument(
        "--start", default=None, help="first day, YYYY-MM-DD, or a cycle event such as transfer-5d"
    )
    edit.add_argument(
        "--until",
        default=None,
        help="last day, YYYY-MM-DD, an event such as transfer+14d, or a gestational age such as 36w0d "
        "('' for no end)",
    )
    edit.add_argument(
        "--cycle", type=entry_id, help="the cycle an event or gestational age refers to (default: current)"
    )
    edit.add_argument("--notes", default=None, help="replace the notes")
    edit.add_argument("--supply", default=None, help="doses on hand ('' for not counted)")
    edit.set_defaults(func=med_edit)

    delete = med_sub.add_parser(
        "delete",
        parents=[common],
        help="delete a medication entered by mistake",
        description="Delete a medication and its schedule. Logged doses are never deleted: a medication "
        "with any is stopped from now instead, keeping its history. Asks first on a terminal; without one, "
        "--yes is needed. rpltrack undo takes it back.",
    )
    delete.add_argument("which", metavar="ID|NAME", help=WHICH_HELP)
    delete.add_argument("--yes", action="store_true", help="go ahead without asking")
    delete.set_defaults(func=med_delete)

    stop = med_sub.add_parser(
        "stop",
        parents=[common],
        help="stop a medication",
        description="Stop a medication now, or from the start of --date.",
    )
    stop.add_argument("which", metavar="ID|NAME", help=WHICH_HELP)
    stop.add_argument("--date", default="", help="the first day without doses, YYYY-MM-DD (default: now)")
    stop.set_defaults(func=med_stop)

    adh = sub.add_parser(
        "adherence",
        parents=[common],
        help="doses taken vs due, 7 and 30 days",
        description="Adherence per medication over the last 7 and 30 days, and overall.",
    )
    adh.add_argument("--json", action="store_true", help="machine-readable output")
    adh.add_argument("--as-of", help="evaluate as if it were then: 'YYYY-MM-DD[ HH:MM]'")
    adh.set_defaults(func=adherence)


def med_add(ctx: Context) -> int:
    # quick path: `med list` would import domain.medspec (+1.6 ms)
    from rpltrack.domain.medspec import MedicationInput, build_medication

    a = ctx.args
    spec = MedicationInput(
        name=a.name,
        dose=a.dose,
        times=a.times,
        every=a.every,
        every_days=a.every_days,
        weekdays=a.weekdays,
        start=a.start,
        until=a.until,
        prn=a.prn,
        supply=a.supply,
        route=a.route,
        notes=a.notes,
        taper=a.taper,
        for_=a.for_,
    )
    journal, today = ctx.journal, ctx.clock.today()
    cycle = journal.cycle(a.cycle) if a.cycle is not None else journal.cycle_on(today)
    med = build_medication(spec, ctx.zone, ctx.now(), cycle)
    try:
        saved = journal.add_medication(med, ctx.now(), again=a.again)
    except DuplicateEntry as exc:
        raise ValidationError(
            f"{exc.message}. Nothing was added. To change that one: rpltrack med edit {exc.existing_id} "
            f"--dose ...; to add a second {med.name} anyway, add --again",
            field="name",
        ) from None
    if ctx.as_json:
        ctx.emit_json(medication_json(saved, ctx.now(), today, ctx.zone))
        return 0
    steps = " then ".join(f"{r.amount} from {r.effective_on}" for r in saved.regimens[1:])
    parts = catalog.parts(saved.generic)
    name = terminal_text(medication_name(saved)) + (":" if parts else "")
    print(
        f"Saved: {name} {saved.regimens[0].amount}, {saved.current.timing.describe()}, "
        + span_text(saved)
        + (f"; then {steps}" if steps else "")
        + "."
    )
    if parts and not saved.notes:
        # §9: strengths come from her label, never from the catalog.
        print(
            f"{INDENT}Strengths vary by product: to keep yours, note the {' and '.join(parts)} amounts from "
            f"your label: rpltrack med edit {saved.id} --notes '...'"
        )
    return 0


def span_text(med: Medication) -> str:
    """'from 2026-11-12 (transfer) until 2027-07-02 (36w 0d of pregnancy)', or what it is waiting for."""
    start_words = describe_anchor(med.start_anchor) if med.start_anchor else ""
    end_words = describe_anchor(med.end_anchor) if med.end_anchor else ""
    if med.waiting:
        text = f"starts at {start_words}, waiting for it to be recorded"
        return text + (
            f", {end_words}" if end_words.startswith("for ") else f", until {end_words}" if end_words else ""
        )
    text = f"from {med.start_on}" + (f" ({start_words})" if start_words else "")
    if med.last_day is not None:
        text += f" until {med.last_day}" + (f" ({end_words})" if end_words else "")
    elif end_words:
        waits = med.anchor_dates.end_waiting_for if med.anchor_dates else ""
        text += f", {end_words}" if end_words.startswith("for ") else f", until {end_words}"
        text += f" (placed once the {waits} is recorded)" if waits else ""
    return text


def med_list(ctx: Context) -> int:
    journal, now, today = ctx.journal, ctx.now(), ctx.clock.today()
    meds = journal.medications()
    if not ctx.args.all:
        meds = [
            m
            for m in meds
            if m.state(now, today)
            in (MedicationState.ACTIVE, MedicationState.NOT_STARTED, MedicationState.WAITING)
        ]
    week, _ = journal.adherence(now, 7)
    month, _ = journal.adherence(now, 30)
    if ctx.as_json:
        out = []
        for m in meds:
            item = medication_json(m, now, today, ctx.zone)
            item["on_hand"] = journal.on_hand(m)
            item["supply_counted_at"] = m.supply_at.astimezone(ctx.zone).isoformat() if m.supply_at else None
            assert m.id is not None
            item["adherence"] = {
                "7d": adherence_json(week[m.id]) if m.id in week else None,
                "30d": adherence_json(month[m.id]) if m.id in month else None,
            }
            out.append(item)
        ctx.emit_json(out)
        return 0
    if not meds:
        print("No medications yet. Add one: rpltrack med add aspirin --dose '81 mg' --times 08:00")
        return 0
    for m in meds:
        assert m.id is not None
        span = span_text(m)
        state = m.state(now, today).value
        shown = m.dose_on(today)
        print(
            f"{m.id:>3}  {terminal_text(medication_name(m))}: {shown.amount}, {shown.timing.describe()} "
            f"({span}; {state})"
        )
        upcoming = m.next_change(today)
        if upcoming is not None:
            print(
                f"{INDENT}next: {upcoming.amount}, {upcoming.timing.describe()} from {upcoming.effective_on}"
            )
        in_force = m.regimens_in_force()
        if len(in_force) > 1:
            history = "; ".join(f"{r.amount} from {r.effective_on}" for r in in_force)
            print(f"{INDENT}doses: {history}")
        if m.id in week:
            print(
                f"{INDENT}taken: 7 days {percent_text(week.get(m.id))}, "
                f"30 days {percent_text(month.get(m.id))}"
            )
        remaining = remaining_doses(m, now)
        on_hand = ctx.journal.on_hand(m)
        supply = f"{on_hand} on hand" if on_hand is not None else ""
        if remaining is not None:
            left = f"{remaining} dose{'s' if remaining != 1 else ''} left in the schedule"
            print(f"{INDENT}{left}; {supply}" if supply else f"{INDENT}{left}")
        elif supply:
            print(f"{INDENT}{supply}")
        if m.notes:
            print(f"{INDENT}notes: {terminal_text(m.notes)}")
    return 0


INDENT = " " * 7  # under the name, past the id


def med_edit(ctx: Context) -> int:
    # quick path: `med list` would import domain.medspec (+1.6 ms)
    from rpltrack.domain.medspec import build_change, parse_supply

    a, journal, now = ctx.args, ctx.journal, ctx.now()
    med = journal.find_medication(a.which, now, command="rpltrack med edit")
    assert med.id is not None
    fields: dict[str, object] = {}
    if a.dose or a.times or a.every:
        fields["regimen"] = build_change(med, a.dose, a.times, a.every, a.effective, ctx.zone, now)
    if a.rename is not None:
        fields["name"] = a.rename
    if a.route is not None:
        fields["route"] = a.route
    if a.notes is not None:
        fields["notes"] = a.notes.strip()
    if a.supply is not None:
        fields["supply"] = parse_supply(a.supply)
    fields.update(_span_fields(ctx, med))
    if not fields:
        raise ValidationError(
            "nothing to change: give --dose, --times, --every, --name, --route, --start, --until, --notes "
            "or --supply"
        )
    saved = journal.edit_medication(med.id, now, **fields)
    words = medication_edit_words(med, saved)
    if not words:
        say(f"Nothing changed: {saved.name} already reads so.")
        return 0
    say(f"Saved: {saved.name} — " + "; ".join(words) + ". (rpltrack undo takes it back.)")
    in_force = saved.regimens_in_force()  # #15: as they apply; no step after a new end
    if len(in_force) > 1:
        say(f"{INDENT}doses: " + "; ".join(f"{r.amount} from {r.effective_on}" for r in in_force))
    return 0


def _span_fields(ctx: Context, med: Medication) -> dict[str, object]:
    """--start and --until as the fields they change: a date, or an event / gestational age of a cycle."""
    # quick path: `med list` would import domain.datetext (+0.4 ms)
    from rpltrack.domain.datetext import parse_date

    a = ctx.args
    fields: dict[str, object] = {}
    start, until = (a.start or "").strip(), (a.until or "").strip()
    needs_cycle = False
    if a.start is not None:
        if anchors.looks_like_event(start):
            fields["start_anchor"] = str(anchors.parse_event_anchor(start))
            needs_cycle = True
        else:
            fields["start_on"] = parse_date(start, "start")
    if a.until is not None:
        fields["end_on"], fields["end_anchor"] = None, None
        if until and (anchors.looks_like_event(until) or anchors.looks_like_ga(until)):
            fields["end_anchor"] = anchors.parse_end_anchor(until)
            needs_cycle = True
        elif until:
            fields["end_on"] = parse_date(until, "until")
    if a.cycle is not None:
        fields["cycle_id"] = ctx.journal.cycle(a.cycle).id
    elif needs_cycle and med.cycle_id is None:
        cycle = ctx.journal.cycle_on(ctx.clock.today())
        if cycle is not None:
            fields["cycle_id"] = cycle.id
    return fields


def med_stop(ctx: Context) -> int:
    # quick path: `med list` would import domain.datetext (+0.4 ms)
    from rpltrack.domain.datetext import parse_date

    a, journal, now = ctx.args, ctx.journal, ctx.now()
    med = journal.find_medication(a.which, now, command="rpltrack med stop")
    assert med.id is not None
    at = now
    if a.date:
        at = datetime.combine(parse_date(a.date, "date"), time(0), tzinfo=ctx.zone)
    stopped = journal.stop_medication(med.id, at, now)
    name = terminal_text(stopped.name)
    print(
        f"Stopped: {name} — no doses from {at.astimezone(ctx.zone):%Y-%m-%d %H:%M} on. "
        "Its history stays in the journal. (rpltrack undo takes it back.)"
    )
    return 0


def med_delete(ctx: Context) -> int:
    # quick path: `med list` would import cli.confirm (+0.1 ms; test_architecture: one cli module per command)
    from rpltrack.cli.confirm import confirm_or_refuse, interactive, with_confirmation

    a, journal, now = ctx.args, ctx.journal, ctx.now()
    med = journal.find_medication(a.which, now, command="rpltrack med delete")
    assert med.id is not None
    med_id = med.id
    what = (
        f"{med.name} (id {med_id}: {med.current.amount}, {med.current.timing.describe()}, {span_text(med)})"
    )
    dependents = journal.dependents_of_medication(med_id)
    if not a.yes and interactive():
        say(f"{what}" + (f"; {', '.join(dependents)}" if dependents else ""))
    if not dependents:
        confirm_or_refuse(f"Delete {what}?", yes=a.yes)
        journal.delete_medication(med_id, now)
        say(f"Deleted: {what}. (rpltrack undo takes it back.)")
        return 0
    stopped = with_confirmation(
        lambda sure: journal.delete_medication(med_id, now, with_dependents=sure), yes=a.yes
    )
    assert stopped.stopped_at is not None
    say(
        f"Stopped instead of deleted: {stopped.name} has {dependents[0]} and logged doses are never "
        f"deleted, so it is stopped from {stopped.stopped_at.astimezone(ctx.zone):%Y-%m-%d %H:%M} and its "
        "history stays. "
        "(rpltrack undo takes it back.)"
    )
    return 0


def adherence(ctx: Context) -> int:
    journal, now = ctx.journal, ctx.now()
    week, week_all = journal.adherence(now, 7)
    month, month_all = journal.adherence(now, 30)
    meds = {m.id: m for m in journal.medications()}
    if ctx.as_json:
        ctx.emit_json(
            {
                "as_of": now.isoformat(timespec="seconds"),
                "overall": {"7d": adherence_json(week_all), "30d": adherence_json(month_all)},
                "medications": [
                    {
                        "medication": meds[mid].name,
                        "medication_id": mid,
                        "7d": adherence_json(week[mid]),
                        "30d": adherence_json(month[mid]),
                    }
                    for mid in month
                    if month[mid].due or week[mid].due
                ],
            }
        )
        return 0
    print(f"{'medication':<30} {'7 days':>16} {'30 days':>16}")
    for mid in month:
        if month[mid].due or week[mid].due:
            name = terminal_text(meds[mid].name)
            print(f"{name:<30} {percent_text(week[mid]):>16} {percent_text(month[mid]):>16}")
    print(f"{'overall':<30} {percent_text(week_all):>16} {percent_text(month_all):>16}")
    return 0
