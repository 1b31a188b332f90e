"""`rpltrack plan`: the coming days one by one: doses, changes, appointments, milestones, retests, refills."""

from __future__ import annotations

import argparse
from datetime import timedelta

from rpltrack.cli.context import Context
from rpltrack.cli.output import dating_json, dose_view_json, dose_view_line, iso, say
from rpltrack.domain.datetext import parse_date
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.plan import MAX_PLAN_DAYS, plan_days, supply_projections, waiting_medications
from rpltrack.store.planning import plan_input

DEFAULT_DAYS = 7


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValidationError(
            f"--days takes a number of days, like 7 (not {text.strip()!r})", field="days"
        ) from None
    if not 1 <= value <= MAX_PLAN_DAYS:
        raise ValidationError(f"--days runs from 1 to {MAX_PLAN_DAYS}, not {value}", field="days")
    return value


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    plan = sub.add_parser(
        "plan",
        parents=[common],
        help="the coming days: doses, changes, appointments, milestones, retests, refills",
        description="Day by day from today (or --from): every scheduled dose with that day's amount, "
        "schedule changes, starts and last days, appointments, cycle milestones, retests falling due and "
        "the day a counted supply runs out.",
    )
    plan.add_argument("--days", default=str(DEFAULT_DAYS), help="how many days (default 7, at most 366)")
    plan.add_argument("--from", dest="from_", help="first day, YYYY-MM-DD (default: today)")
    plan.add_argument("--json", action="store_true", help="machine-readable output")
    plan.add_argument("--as-of", help="evaluate as if it were then: 'YYYY-MM-DD[ HH:MM]'")
    plan.set_defaults(func=cmd_plan)


def cmd_plan(ctx: Context) -> int:
    a, now = ctx.args, ctx.now()
    first = parse_date(a.from_, "from") if a.from_ else now.astimezone(ctx.zone).date()
    last = first + timedelta(days=_days(a.days) - 1)

    given = plan_input(ctx.journal, first, last, ctx.zone, now)
    days = plan_days(given)
    if ctx.as_json:
        ctx.emit_json(
            {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "zone": ctx.zone.key,
                "as_of": iso(now, ctx.zone),
                "days": [
                    {
                        "date": d.day.isoformat(),
                        "where": dating_json(d.dating),
                        "doses": [dose_view_json(v, ctx.zone) for v in d.doses],
                        "notes": [
                            {
                                "kind": n.kind.value,
                                "text": n.text,
                                "time": n.at.strftime("%H:%M") if n.at else None,
                                "medication_id": n.medication_id,
                                "appointment_id": n.appointment_id,
                            }
                            for n in d.notes
                        ],
                    }
                    for d in days
                ],
                "supply": [
                    {
                        "medication": p.medication.name,
                        "medication_id": p.medication.id,
                        "on_hand": p.on_hand,
                        "last_covered_on": p.last_covered_on.isoformat() if p.last_covered_on else None,
                        "runs_out_on": p.runs_out_on.isoformat() if p.runs_out_on else None,
                    }
                    for p in supply_projections(given)
                ],
                "waiting": [
                    {"medication": m.name, "medication_id": m.id, "start": m.start_anchor}
                    for m in waiting_medications(given.medications)
                ],
            }
        )
        return 0
    say(f"Plan from {first:%a} {first.day} {first:%b} to {last:%a} {last.day} {last:%b %Y} ({ctx.zone.key})")
    for d in days:
        where = f" · {d.dating.label()}" if d.dating is not None and d.dating.label() else ""
        say("")
        say(f"{d.day:%a} {d.day.day} {d.day:%b}{where}")
        # Doses and appointments in time order; an appointment after the doses of the same minute.
        timed = [(v.sort_at, 0, dose_view_line(v, ctx.zone)) for v in d.doses]
        timed += [(n.at, 1, f"  {n.at:%H:%M}  {n.kind.value}: {n.text}") for n in d.notes if n.at is not None]
        for _, _, line in sorted(timed, key=lambda t: (t[0], t[1])):
            say(line)
        for note in d.notes:
            if note.at is None:
                say(f"  ·      {note.text}")
        if not d.doses and not d.notes:
            say("  nothing scheduled")
    return 0
