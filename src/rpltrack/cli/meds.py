"""`rpltrack med add|list|edit|stop` and `rpltrack adherence`."""

from __future__ import annotations

import argparse
from datetime import datetime, time

from rpltrack.cli.context import Context
from rpltrack.cli.output import adherence_json, medication_json, percent_text
from rpltrack.domain.display import terminal_text
from rpltrack.domain.doses import remaining_doses
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import Medication, MedicationState


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    med = sub.add_parser(
        "med",
        help="add, list, edit or stop medications",
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
        "--cycle", type=int, help="the cycle an event or gestational age refers to (default: current)"
    )
    add.add_argument("--prn", action="store_true", help="as needed: no schedule, log doses when taken")
    add.add_argument(
        "--taper", default="", help="steps instead of --dose, e.g. '20 mg x 6w; 10 mg x 1w; 5 mg x 1w'"
    )
    add.add_argument("--supply", default="", help="doses on hand")
    add.add_argument("--route", default="", help="oral, vaginal, subcutaneous, intramuscular, ...")
    add.add_argument("--notes", default="", help="anything to remember (kept only in the journal)")
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
        help="change a dose or schedule from a date",
        description="Change a medication. A dose or timing change takes effect on "
        "--from (default today); the old dose stays in the history.",
    )
    edit.add_argument("name")
    edit.add_argument("--dose", default="", help="new amount and unit")
    edit.add_argument("--times", default="", help="new times of day")
    edit.add_argument("--every", default="", help="new interval in hours, e.g. 12h")
    edit.add_argument("--from", dest="effective", default="", help="first day of the change, YYYY-MM-DD")
    edit.add_argument("--rename", default=None, help="a new name")
    edit.add_argument("--notes", default=None, help="replace the notes")
    edit.add_argument("--supply", default=None, help="doses on hand")
    edit.add_argument("--until", default=None, help="last day, YYYY-MM-DD ('' to clear)")
    edit.set_defaults(func=med_edit)

    stop = med_sub.add_parser(
        "stop",
        parents=[common],
        help="stop a medication",
        description="Stop a medication now, or from the start of --date.",
    )
    stop.add_argument("name")
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
    saved = journal.add_medication(med, ctx.now())
    if ctx.as_json:
        ctx.emit_json(medication_json(saved, ctx.now(), today, ctx.zone))
        return 0
    steps = " then ".join(f"{r.amount} from {r.effective_on}" for r in saved.regimens[1:])
    print(
        f"Saved: {terminal_text(saved.name)} {saved.regimens[0].amount}, {saved.current.timing.describe()}, "
        + span_text(saved)
        + (f"; then {steps}" if steps else "")
        + "."
    )
    return 0


def span_text(med: Medication) -> str:
    """'from 2026-11-12 (transfer) until 2027-07-02 (36w 0d of pregnancy)', or what it is waiting for."""
    from rpltrack.domain.anchors import describe_anchor

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
        print(f"{terminal_text(m.name)}: {m.current.amount}, {m.current.timing.describe()} ({span}; {state})")
        if len(m.regimens) > 1:
            history = "; ".join(f"{r.amount} from {r.effective_on}" for r in m.regimens)
            print(f"    doses: {history}")
        if m.id in week:
            print(
                f"    taken: 7 days {percent_text(week.get(m.id))}, 30 days {percent_text(month.get(m.id))}"
            )
        remaining = remaining_doses(m, now)
        on_hand = ctx.journal.on_hand(m)
        supply = f"{on_hand} on hand" if on_hand is not None else ""
        if remaining is not None:
            left = f"{remaining} dose{'s' if remaining != 1 else ''} left in the schedule"
            print(f"    {left}; {supply}" if supply else f"    {left}")
        elif supply:
            print(f"    {supply}")
        if m.notes:
            print(f"    notes: {terminal_text(m.notes)}")
    return 0


def med_edit(ctx: Context) -> int:
    from rpltrack.domain.medspec import build_change, parse_date

    a, journal, now = ctx.args, ctx.journal, ctx.now()
    med = journal.find_medication(a.name, now)
    assert med.id is not None
    did: list[str] = []
    if a.dose or a.times or a.every:
        regimen = build_change(med, a.dose, a.times, a.every, a.effective, ctx.zone, now)
        med = journal.change_regimen(med.id, regimen, now)
        did.append(f"{regimen.amount} {regimen.timing.describe()} from {regimen.effective_on}")
    fields: dict[str, object] = {}
    if a.rename is not None:
        fields["name"] = " ".join(a.rename.split())
    if a.notes is not None:
        fields["notes"] = a.notes.strip()
    if a.supply is not None:
        try:
            fields["supply"] = int(a.supply) if a.supply.strip() else None
        except ValueError:
            raise ValidationError(
                f"--supply is a whole number of doses, not {a.supply!r}", field="supply"
            ) from None
    if a.until is not None:
        fields["end_on"] = parse_date(a.until, "until") if a.until.strip() else None
    if fields:
        assert med.id is not None
        med = journal.update_medication(med.id, now, **fields)
        did.append(", ".join(sorted(fields)).replace("end_on", "end date"))
    if not did:
        raise ValidationError(
            "nothing to change: give --dose, --times, --every, --rename, --notes, --supply or --until"
        )
    print(f"Saved: {terminal_text(med.name)} — " + "; ".join(did) + ".")
    if len(med.regimens) > 1:
        print("    doses: " + "; ".join(f"{r.amount} from {r.effective_on}" for r in med.regimens))
    return 0


def med_stop(ctx: Context) -> int:
    from rpltrack.domain.medspec import parse_date

    a, journal, now = ctx.args, ctx.journal, ctx.now()
    med = journal.find_medication(a.name, now)
    assert med.id is not None
    at = now
    if a.date:
        at = datetime.combine(parse_date(a.date, "date"), time(0), tzinfo=ctx.zone)
    stopped = journal.stop_medication(med.id, at, now)
    name = terminal_text(stopped.name)
    print(
        f"Stopped: {name} — no doses from {at.astimezone(ctx.zone):%Y-%m-%d %H:%M} on. "
        "Its history stays in the journal."
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
