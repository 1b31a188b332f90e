"""`rpltrack cycle|event|transfer`: the treatment timeline, and the helpers its commands share with
betas and pregnancies (cli/pregnancies.py)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from rpltrack.cli.confirm import confirm_or_refuse, refuse_duplicate, with_confirmation
from rpltrack.cli.context import Context
from rpltrack.cli.entry import add_delete_command, entry_id, whole_number
from rpltrack.cli.output import say
from rpltrack.domain.cycles import (
    CYCLE_KIND_WORDS,
    Cycle,
    CycleEvent,
    Transfer,
    parse_cycle_kind,
    parse_event_kind,
)
from rpltrack.domain.datetext import parse_past_date
from rpltrack.domain.dating import check_embryo_day
from rpltrack.domain.display import terminal_text
from rpltrack.domain.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    cycle = sub.add_parser(
        "cycle",
        parents=[common],
        help="add, list, end, correct or remove treatment cycles",
        description="Treatment cycles, from CD1 (the first day of a period).",
    )
    c_sub = cycle.add_subparsers(dest="cycle_command", metavar="COMMAND", required=True)
    add = c_sub.add_parser(
        "add",
        parents=[common],
        help="start a cycle",
        description="Start a cycle. Kinds: natural, fet, ivf, iui, ti, other.",
    )
    add.add_argument("--kind", required=True, help="natural, fet, ivf, iui, ti (timed intercourse) or other")
    add.add_argument("--cd1", required=True, help="the first day of the period, YYYY-MM-DD")
    add.add_argument("--clinic", default="", help="the clinic's name")
    add.add_argument("--notes", default="", help="anything to remember")
    add.add_argument(
        "--yes",
        action="store_true",
        help="start it even while a pregnancy is ongoing, and end a cycle left open past day 60",
    )
    add.set_defaults(func=cycle_add)
    c_edit = c_sub.add_parser(
        "edit",
        parents=[common],
        help="correct a cycle",
        description="Correct a cycle (ids: rpltrack cycle list). Only the options given change; its events "
        "and transfers must still fit, and schedules tied to CD1 follow.",
    )
    c_edit.add_argument("id", type=entry_id, help="the cycle's id")
    c_edit.add_argument("--kind", help="natural, fet, ivf, iui, ti or other")
    c_edit.add_argument("--cd1", help="the first day of the period, YYYY-MM-DD")
    c_edit.add_argument("--clinic", help="the clinic's name ('' removes it)")
    c_edit.add_argument("--notes", help="anything to remember ('' removes them)")
    c_edit.add_argument("--ended", help="the last day, YYYY-MM-DD ('none' reopens the cycle)")
    c_edit.add_argument("--outcome", help="in your words ('' removes it)")
    c_edit.set_defaults(func=cycle_edit)
    add_delete_command(
        c_sub,
        common,
        func=cycle_delete,
        help="remove a cycle",
        description="Remove a cycle with its events and transfers; beta results, pregnancies and "
        "medications tied to it stay, without a cycle.",
        id_help="the cycle's id",
    )
    lst = c_sub.add_parser(
        "list",
        parents=[common],
        help="cycles with their events and transfers",
        description="Every cycle, newest first, with its events and transfers.",
    )
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=cycle_list)
    end = c_sub.add_parser(
        "end",
        parents=[common],
        help="end the current cycle",
        description="End the current cycle (or --cycle ID) on a date.",
    )
    end.add_argument("--date", default="", help="the last day, YYYY-MM-DD (default today)")
    end.add_argument("--outcome", default="", help="in your words, e.g. 'negative beta', 'pregnant'")
    end.add_argument("--cycle", type=entry_id, help="the cycle's id (default: the current cycle)")
    end.set_defaults(func=cycle_end)

    event = sub.add_parser(
        "event",
        parents=[common],
        help="record, correct or remove a cycle event",
        description="Record a dated event in the current cycle (or --cycle ID).",
    )
    e_sub = event.add_subparsers(dest="event_command", metavar="COMMAND", required=True)
    e_add = e_sub.add_parser(
        "add",
        parents=[common],
        help="record an event",
        description="Events: stims, trigger, retrieval, transfer, beta, positive-beta, ultrasound, other.",
    )
    e_add.add_argument(
        "kind", help="stims, trigger, retrieval, transfer, beta, positive-beta, ultrasound, other"
    )
    e_add.add_argument("--date", required=True, help="YYYY-MM-DD")
    e_add.add_argument("--note", default="", help="a note")
    e_add.add_argument("--cycle", type=entry_id, help="the cycle's id (default: the current cycle)")
    e_add.set_defaults(func=event_add)
    e_edit = e_sub.add_parser(
        "edit",
        parents=[common],
        help="correct an event",
        description="Correct an event's kind, date or note (ids: rpltrack cycle list). Schedules that "
        "start or end at the event follow it.",
    )
    e_edit.add_argument("id", type=entry_id, help="the event's id")
    e_edit.add_argument("--kind", help="stims, trigger, retrieval, transfer, beta, positive-beta, ...")
    e_edit.add_argument("--date", help="the right date, YYYY-MM-DD")
    e_edit.add_argument("--note", help="a note ('' removes it)")
    e_edit.set_defaults(func=event_edit)
    add_delete_command(
        e_sub,
        common,
        func=event_delete,
        help="remove an event",
        description="Remove one cycle event.",
        id_help="the event's id",
    )

    transfer = sub.add_parser(
        "transfer",
        parents=[common],
        help="record, correct or remove an embryo transfer",
        description="Record an embryo transfer in the current cycle (or --cycle ID).",
    )
    t_sub = transfer.add_subparsers(dest="transfer_command", metavar="COMMAND", required=True)
    t_add = t_sub.add_parser(
        "add",
        parents=[common],
        help="record a transfer",
        description="Record a transfer: date and embryo day as your clinic charts it.",
    )
    t_add.add_argument("--date", required=True, help="YYYY-MM-DD")
    t_add.add_argument("--embryo-day", type=whole_number, required=True, help="3, 5, 6 or 7")
    t_add.add_argument("--count", type=whole_number, default=1, help="number of embryos (default 1)")
    t_add.add_argument("--grade", default="", help="the embryo grade as written, e.g. 4AA")
    t_add.add_argument("--pgt", default="", help="PGT status as written, e.g. euploid")
    t_add.add_argument("--cycle", type=entry_id, help="the cycle's id (default: the current cycle)")
    t_add.set_defaults(func=transfer_add)
    t_edit = t_sub.add_parser(
        "edit",
        parents=[common],
        help="correct a transfer",
        description="Correct a transfer (ids: rpltrack cycle list). Schedules anchored to the "
        "transfer, and gestational ages, follow it.",
    )
    t_edit.add_argument("id", type=entry_id, help="the transfer's id")
    t_edit.add_argument("--date", default="", help="the right date, YYYY-MM-DD")
    t_edit.add_argument("--embryo-day", type=whole_number, help="3, 5, 6 or 7")
    t_edit.add_argument("--count", type=whole_number, help="number of embryos")
    t_edit.add_argument("--grade", help="the embryo grade as written ('' removes it)")
    t_edit.add_argument("--pgt", help="PGT status as written ('' removes it)")
    t_edit.set_defaults(func=transfer_edit)
    add_delete_command(
        t_sub,
        common,
        func=transfer_delete,
        help="remove a transfer",
        description="Remove one transfer.",
        id_help="the transfer's id",
    )


def _day(ctx: Context, text: str, field: str = "date") -> date:
    return parse_past_date(text, ctx.clock.today(), field)


def _changed(ctx: Context, before: object, after: object, what: str) -> int:
    """Say what an edit changed (the change's own words, as rpltrack changes lists them)."""
    if before == after:
        say(f"Nothing changed: {what} already says that.")
        return 0
    (latest,) = ctx.journal.changes(1)
    summary = latest.summary
    say(f"{summary[0].upper()}{summary[1:]}. rpltrack undo takes it back.")
    return 0


def _delete(ctx: Context, what: str, dependents: list[str], remove: Callable[[], object], after: str) -> int:
    """Ask before a delete (on a terminal; refuse with exit 2 without one) unless --yes, naming what
    depends on the entry and what becomes of it; then delete and say so."""
    also = f" It has {', '.join(dependents)}{after}." if dependents else ""
    confirm_or_refuse(f"Delete {what}?{also}", yes=ctx.args.yes)
    remove()
    (latest,) = ctx.journal.changes(1)
    summary = latest.summary
    say(f"{summary[0].upper()}{summary[1:]}. rpltrack undo takes it back.")
    return 0


def _duplicate(attempt: Callable[[], T], what: str) -> T:
    """Run an add; a match with a recorded entry is refused naming it, with the option that says it is
    meant (exit 2, nothing written)."""
    return refuse_duplicate(
        attempt, lambda exc: f"{exc.message}. Nothing was saved; if this is {what}, add --again."
    )


def _cleared(text: str) -> bool:
    """'none' or '' given to an option that can be removed."""
    return text.strip().lower() in ("", "none")


def cycle_add(ctx: Context) -> int:
    a = ctx.args
    cycle = Cycle(parse_cycle_kind(a.kind), _day(ctx, a.cd1, "cd1"), a.clinic.strip(), a.notes.strip())
    journal = ctx.journal
    stale = [c for c in journal.cycles() if c.stale_on(cycle.cd1)]
    saved = with_confirmation(lambda sure: journal.add_cycle(cycle, ctx.now(), sure=sure), yes=a.yes)
    print(f"Saved: {saved.kind.value} cycle from CD1 {saved.cd1} (cycle {saved.id}).")
    for old in stale:
        print(f"Cycle {old.id} ended on {journal.cycle(int(old.id or 0)).ended_on}, the day before.")
    return 0


def cycle_edit(ctx: Context) -> int:
    a = ctx.args
    fields: dict[str, Any] = {}
    if a.kind is not None:
        fields["kind"] = parse_cycle_kind(a.kind)
    if a.cd1 is not None:
        fields["cd1"] = _day(ctx, a.cd1, "cd1")
    for name in ("clinic", "notes", "outcome"):
        if getattr(a, name) is not None:
            fields[name] = getattr(a, name).strip()
    if a.ended is not None:
        fields["ended_on"] = None if _cleared(a.ended) else _day(ctx, a.ended, "ended")
    if not fields:
        raise ValidationError(
            "nothing to change: give --kind, --cd1, --clinic, --notes, --ended or --outcome", field="id"
        )
    current = _cycle_by_id(ctx, a.id)
    saved = ctx.journal.edit_cycle(a.id, ctx.now(), **fields)
    return _changed(ctx, current, saved, f"cycle {a.id}")


def _cycle_by_id(ctx: Context, cycle_id: int) -> Any:
    try:
        return ctx.journal.cycle(cycle_id)
    except ValidationError as exc:
        raise exc.with_field("id") from None


def cycle_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    cycle = _cycle_by_id(ctx, a.id)
    return _delete(
        ctx,
        f"cycle {a.id} ({cycle.describe()})",
        journal.dependents_of_cycle(a.id),
        lambda: journal.delete_cycle(a.id, ctx.now(), with_dependents=True),
        ": its events and transfers are deleted with it, and the rest stay, without a cycle",
    )


def cycle_json(cycle: Any) -> dict[str, Any]:
    return {
        "id": cycle.id,
        "kind": cycle.kind.value,
        "cd1": cycle.cd1.isoformat(),
        "clinic": cycle.clinic,
        "notes": cycle.notes,
        "ended_on": cycle.ended_on.isoformat() if cycle.ended_on else None,
        "outcome": cycle.outcome,
        "events": [
            {"id": e.id, "kind": e.kind.value, "date": e.on.isoformat(), "note": e.note} for e in cycle.events
        ],
        "transfers": [
            {
                "id": t.id,
                "date": t.on.isoformat(),
                "embryo_day": t.embryo_day,
                "count": t.embryo_count,
                "grade": t.grade,
                "pgt": t.pgt,
            }
            for t in cycle.transfers
        ],
    }


def cycle_list(ctx: Context) -> int:
    cycles = ctx.journal.cycles()
    if ctx.as_json:
        ctx.emit_json([cycle_json(c) for c in cycles])
        return 0
    if not cycles:
        print("No cycles yet. Start one: rpltrack cycle add --kind fet --cd1 YYYY-MM-DD")
        return 0
    today = ctx.clock.today()
    dated = ctx.journal.dating_cycle_on(today)
    dating = ctx.journal.dating_on(today)
    for c in cycles:
        span = f"{c.cd1} to {c.ended_on}" if c.ended_on else f"from {c.cd1}"
        where = f", {c.clinic}" if c.clinic else ""
        current = dating is not None and dated is not None and dated[0].id == c.id
        status = f" · {dating.label()}" if current and dating is not None else ""
        say(f"cycle {c.id}: {CYCLE_KIND_WORDS[c.kind]}{where}, {span}{status}")
        if current and dating is not None and (dating.dpo is not None or dating.edd is not None):
            parts = [f"dpo-equivalent {dating.dpo}"] if dating.dpo is not None else []
            parts += [f"estimated due date {dating.edd}"] if dating.edd is not None else []
            print(f"    today: {', '.join(parts)}")
        for t in c.transfers:
            extra = ", ".join(x for x in (t.grade, t.pgt) if x)
            print(
                terminal_text(
                    f"    {t.on}  transfer: day {t.embryo_day}, {t.embryo_count} embryo"
                    f"{'s' if t.embryo_count > 1 else ''}"
                    + (f" ({extra})" if extra else "")
                    + f"  [transfer {t.id}]"
                )
            )
        for e in c.events:
            say(f"    {e.on}  {e.kind.value}" + (f": {e.note}" if e.note else "") + f"  [event {e.id}]")
        if c.outcome:
            say(f"    outcome: {c.outcome}")
    return 0


def _cycle_id(ctx: Context, given: int | None, on: date) -> int:
    if given is not None:
        return given
    current = ctx.journal.cycle_on(on)
    if current is None or current.id is None:
        raise ValidationError(
            f"no cycle covers {on}: start one with rpltrack cycle add, or give --cycle ID", field="cycle"
        )
    return current.id


def cycle_end(ctx: Context) -> int:
    a = ctx.args
    on = _day(ctx, a.date) if a.date else ctx.clock.today()
    cycle = ctx.journal.end_cycle(_cycle_id(ctx, a.cycle, on), on, a.outcome.strip(), ctx.now())
    print(f"Saved: cycle {cycle.id} ended on {on}.")
    return 0


def event_add(ctx: Context) -> int:
    a = ctx.args
    event = CycleEvent(parse_event_kind(a.kind), _day(ctx, a.date), a.note.strip())
    cycle = ctx.journal.add_event(_cycle_id(ctx, a.cycle, event.on), event, ctx.now())
    print(f"Saved: {event.kind.value} on {event.on} in cycle {cycle.id}.")
    return 0


def event_edit(ctx: Context) -> int:
    a = ctx.args
    fields: dict[str, Any] = {}
    if a.kind is not None:
        fields["kind"] = parse_event_kind(a.kind)
    if a.date is not None:
        fields["on"] = _day(ctx, a.date)
    if a.note is not None:
        fields["note"] = a.note.strip()
    if not fields:
        raise ValidationError("nothing to change: give --kind, --date or --note", field="id")
    current = ctx.journal.event(a.id)
    saved = ctx.journal.edit_event(a.id, ctx.now(), **fields)
    return _changed(ctx, current, saved, f"event {a.id}")


def event_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    event = journal.event(a.id)
    return _delete(
        ctx,
        f"the {event.describe()} (event {a.id}, cycle {event.cycle_id})",
        journal.dependents_of_event(a.id),
        lambda: journal.delete_event(a.id, ctx.now(), with_dependents=True),
        f": their start or end then waits for another {event.kind.value} date",
    )


def transfer_edit(ctx: Context) -> int:
    a = ctx.args
    fields: dict[str, Any] = {}
    if a.date:
        fields["on"] = _day(ctx, a.date)
    if a.embryo_day is not None:
        fields["embryo_day"] = check_embryo_day(a.embryo_day)
    if a.count is not None:
        fields["embryo_count"] = a.count
    for name in ("grade", "pgt"):
        if getattr(a, name) is not None:
            fields[name] = getattr(a, name).strip()
    if not fields:
        raise ValidationError(
            "nothing to change: give --date, --embryo-day, --count, --grade or --pgt", field="id"
        )
    current = ctx.journal.transfer(a.id)
    saved = ctx.journal.edit_transfer(a.id, ctx.now(), **fields)
    return _changed(ctx, current, saved, f"transfer {a.id}")


def transfer_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    transfer = journal.transfer(a.id)
    return _delete(
        ctx,
        f"the {transfer.describe()} (transfer {a.id}, cycle {transfer.cycle_id})",
        journal.dependents_of_transfer(a.id),
        lambda: journal.delete_transfer(a.id, ctx.now(), with_dependents=True),
        ": their start or end then waits for another transfer date",
    )


def transfer_add(ctx: Context) -> int:
    a = ctx.args
    transfer = Transfer(_day(ctx, a.date), a.embryo_day, a.count, a.grade.strip(), a.pgt.strip())
    cycle = ctx.journal.add_transfer(_cycle_id(ctx, a.cycle, transfer.on), transfer, ctx.now())
    print(f"Saved: day-{transfer.embryo_day} transfer on {transfer.on} in cycle {cycle.id}.")
    return 0
