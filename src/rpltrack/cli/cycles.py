"""`rpltrack cycle|event|transfer|beta|betas|pregnancy|loss|history`: the treatment timeline."""

from __future__ import annotations

import argparse
from datetime import date

from rpltrack.cli.context import Context
from rpltrack.cli.entry import add_delete_command, entry_id, whole_number
from rpltrack.cli.output import iso, say
from rpltrack.domain.display import terminal_text
from rpltrack.domain.errors import ValidationError

# typing costs ~10 ms to import on a slow laptop; the CLI's fast commands never need it at run time.
TYPE_CHECKING = False
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

    beta = sub.add_parser(
        "beta",
        parents=[common],
        help="record, correct or remove a beta-hCG result",
        description="Record a beta-hCG result in mIU/mL (IU/L is the same).",
    )
    b_sub = beta.add_subparsers(dest="beta_command", metavar="COMMAND", required=True)
    b_add = b_sub.add_parser(
        "add",
        parents=[common],
        help="record a result",
        description="VALUE is a number or a lab notation such as <5 or >10000.",
    )
    b_add.add_argument("value", help="e.g. 112, <5, >10000")
    b_add.add_argument("--unit", default=None, help="mIU/mL (default) or IU/L")
    b_add.add_argument("--at", required=True, help="when it was drawn, 'YYYY-MM-DD HH:MM'")
    b_add.add_argument("--lab", default="", help="the lab that drew it")
    b_add.add_argument(
        "--confirm", action="store_true", help="keep an unusually high value after checking it"
    )
    b_add.add_argument(
        "--again", action="store_true", help="record it even though the same result is already recorded"
    )
    b_add.set_defaults(func=beta_add)
    b_edit = b_sub.add_parser(
        "edit",
        parents=[common],
        help="correct a result",
        description="Correct a beta result (ids: rpltrack betas): e.g. rpltrack beta edit 7 --value 301.",
    )
    b_edit.add_argument("id", type=entry_id, help="the result's id")
    b_edit.add_argument("--value", help="e.g. 301, <5, >10000")
    b_edit.add_argument("--unit", default=None, help="the unit of --value: mIU/mL (default) or IU/L")
    b_edit.add_argument("--at", help="when it was drawn, 'YYYY-MM-DD HH:MM'")
    b_edit.add_argument("--lab", help="the lab that drew it ('' removes it)")
    b_edit.add_argument(
        "--confirm", action="store_true", help="keep an unusually high value after checking it"
    )
    b_edit.set_defaults(func=beta_edit)
    add_delete_command(
        b_sub,
        common,
        func=beta_delete,
        help="remove a result",
        description="Remove one beta result.",
        id_help="the result's id",
    )
    betas = sub.add_parser(
        "betas",
        parents=[common],
        help="beta results with rise and doubling time",
        description="Each draw; each consecutive pair with hours, rise per 48 h, doubling "
        "time, the minimum expected rise and its source, and the verdict.",
    )
    betas.add_argument("--json", action="store_true", help="machine-readable output")
    betas.set_defaults(func=betas_list)

    preg = sub.add_parser(
        "pregnancy",
        parents=[common],
        help="record, correct or remove a pregnancy and its outcome",
        description="A pregnancy from a positive test or beta, and how it ended.",
    )
    p_sub = preg.add_subparsers(dest="pregnancy_command", metavar="COMMAND", required=True)
    p_add = p_sub.add_parser(
        "add",
        parents=[common],
        help="record a positive test",
        description="Record a pregnancy from the date of the positive test.",
    )
    p_add.add_argument("--date", required=True, help="the positive test, YYYY-MM-DD")
    p_add.add_argument("--how", default="hcg", help="hcg, urine or ultrasound")
    p_add.add_argument("--cycle", type=entry_id, help="the cycle's id (default: the current cycle, if any)")
    p_add.set_defaults(func=pregnancy_add)
    p_end = p_sub.add_parser(
        "end",
        parents=[common],
        help="record how a pregnancy ended",
        description="Outcomes: biochemical, pul, miscarriage, ectopic, molar, stillbirth, "
        "live-birth, termination.",
    )
    p_end.add_argument("--date", required=True, help="YYYY-MM-DD")
    p_end.add_argument("--outcome", required=True, help="see above")
    p_end.add_argument("--ga", default="", help="gestational age then, e.g. 7w2d")
    p_end.add_argument("--confirmed", default="", help="hcg, ultrasound or histology")
    p_end.add_argument("--id", type=entry_id, help="the pregnancy's id (default: the ongoing one)")
    p_end.add_argument("--yes", action="store_true", help="keep an unlikely outcome after checking it")
    p_end.add_argument(
        "--again", action="store_true", help="record it even though an outcome on that day is recorded"
    )
    p_end.set_defaults(func=pregnancy_end)
    p_edit = p_sub.add_parser(
        "edit",
        parents=[common],
        help="correct a pregnancy",
        description="Correct a pregnancy or its outcome (ids: rpltrack history). Only the options given "
        "change; --outcome ongoing reopens an ended pregnancy.",
    )
    p_edit.add_argument("id", type=entry_id, help="the pregnancy's id")
    p_edit.add_argument("--date", help="the positive test, YYYY-MM-DD")
    p_edit.add_argument("--how", help="hcg, urine or ultrasound")
    p_edit.add_argument("--cycle", help="the cycle's id ('none' unlinks it)")
    p_edit.add_argument("--outcome", help="ongoing, biochemical, pul, miscarriage, ..., live-birth")
    p_edit.add_argument("--ended", help="the day it ended, YYYY-MM-DD")
    p_edit.add_argument("--ga", help="gestational age at the end, e.g. 7w2d ('none' removes it)")
    p_edit.add_argument("--confirmed", help="hcg, ultrasound or histology ('none' removes it)")
    p_edit.add_argument(
        "--approx", action=argparse.BooleanOptionalAction, default=None, help="the date or GA is approximate"
    )
    p_edit.add_argument("--yes", action="store_true", help="keep an unlikely outcome after checking it")
    p_edit.set_defaults(func=pregnancy_edit)
    add_delete_command(
        p_sub,
        common,
        func=pregnancy_delete,
        help="remove a pregnancy",
        description="Remove one pregnancy or loss; the counts are worked out again.",
        id_help="the pregnancy's id",
    )

    loss = sub.add_parser(
        "loss",
        parents=[common],
        help="record, correct or remove a past loss",
        description="Record a past pregnancy loss on its own (date and gestational age).",
    )
    l_sub = loss.add_subparsers(dest="loss_command", metavar="COMMAND", required=True)
    l_add = l_sub.add_parser(
        "add",
        parents=[common],
        help="record a past loss",
        description="Kinds: miscarriage, biochemical, pul, ectopic, molar, stillbirth.",
    )
    l_add.add_argument("--date", required=True, help="YYYY-MM-DD (approximate is fine: add --approx)")
    l_add.add_argument("--ga", default="", help="gestational age, e.g. 7w2d")
    l_add.add_argument(
        "--kind", required=True, help="miscarriage, biochemical, pul, ectopic, molar, stillbirth"
    )
    l_add.add_argument("--confirmed", default="", help="hcg, ultrasound or histology")
    l_add.add_argument("--approx", action="store_true", help="the date or GA is approximate")
    l_add.add_argument("--yes", action="store_true", help="keep dates that look unlikely after checking them")
    l_add.add_argument(
        "--again", action="store_true", help="record it even though a loss on that day is recorded"
    )
    l_add.set_defaults(func=loss_add)
    l_edit = l_sub.add_parser(
        "edit",
        parents=[common],
        help="correct a loss",
        description="Correct a recorded loss (ids: rpltrack history). Only the options given change. "
        "An ongoing pregnancy or a live birth is changed with rpltrack pregnancy edit.",
    )
    l_edit.add_argument("id", type=entry_id, help="the loss's id")
    l_edit.add_argument("--date", help="YYYY-MM-DD")
    l_edit.add_argument("--ga", help="gestational age, e.g. 7w2d ('none' removes it)")
    l_edit.add_argument("--kind", help="miscarriage, biochemical, pul, ectopic, molar, stillbirth")
    l_edit.add_argument("--confirmed", help="hcg, ultrasound or histology ('none' removes it)")
    l_edit.add_argument(
        "--approx", action=argparse.BooleanOptionalAction, default=None, help="the date or GA is approximate"
    )
    l_edit.add_argument("--yes", action="store_true", help="keep an unlikely value after checking it")
    l_edit.set_defaults(func=loss_edit)
    add_delete_command(
        l_sub,
        common,
        func=loss_delete,
        help="remove a loss",
        description="Remove one recorded loss; the counts are worked out again.",
        id_help="the loss's id",
    )

    history = sub.add_parser(
        "history",
        parents=[common],
        help="pregnancies, losses and counts",
        description="Pregnancies and losses, with the counts under the ESHRE, ASRM and "
        "RCOG definitions and the longest consecutive run.",
    )
    history.add_argument("--json", action="store_true", help="machine-readable output")
    history.set_defaults(func=history_show)


def _day(ctx: Context, text: str, field: str = "date") -> date:
    from rpltrack.domain.medspec import parse_past_date

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
    from rpltrack.cli.confirm import confirm_or_refuse

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
    from rpltrack.domain.errors import DuplicateEntry

    try:
        return attempt()
    except DuplicateEntry as exc:
        raise ValidationError(
            f"{exc.message}. Nothing was saved; if this is {what}, add --again.", field=exc.field
        ) from None


def _cleared(text: str) -> bool:
    """'none' or '' given to an option that can be removed."""
    return text.strip().lower() in ("", "none")


def cycle_add(ctx: Context) -> int:
    from rpltrack.cli.confirm import with_confirmation
    from rpltrack.domain.cycles import Cycle, parse_cycle_kind

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
    from rpltrack.domain.cycles import parse_cycle_kind

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
        raise ValidationError(exc.message, field="id") from None


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
    from rpltrack.domain.cycles import CYCLE_KIND_WORDS

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
    from rpltrack.domain.cycles import CycleEvent, parse_event_kind

    a = ctx.args
    event = CycleEvent(parse_event_kind(a.kind), _day(ctx, a.date), a.note.strip())
    cycle = ctx.journal.add_event(_cycle_id(ctx, a.cycle, event.on), event, ctx.now())
    print(f"Saved: {event.kind.value} on {event.on} in cycle {cycle.id}.")
    return 0


def event_edit(ctx: Context) -> int:
    from rpltrack.domain.cycles import parse_event_kind

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
    from rpltrack.domain.dating import check_embryo_day

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
    from rpltrack.domain.cycles import Transfer

    a = ctx.args
    transfer = Transfer(_day(ctx, a.date), a.embryo_day, a.count, a.grade.strip(), a.pgt.strip())
    cycle = ctx.journal.add_transfer(_cycle_id(ctx, a.cycle, transfer.on), transfer, ctx.now())
    print(f"Saved: day-{transfer.embryo_day} transfer on {transfer.on} in cycle {cycle.id}.")
    return 0


def beta_add(ctx: Context) -> int:
    from rpltrack.domain.betas import BetaDraw, parse_hcg
    from rpltrack.domain.medspec import parse_local_datetime

    a = ctx.args
    draw = BetaDraw(
        parse_local_datetime(a.at, ctx.zone, now=ctx.now()), parse_hcg(a.value, a.unit), a.lab.strip()
    )
    draw.check_drawn(ctx.now())
    if draw.unusual and not a.confirm:
        raise ValidationError(
            f"{draw.value} mIU/mL is unusual: check the number and unit on the report, then add --confirm "
            "to keep it",
            field="value",
        )
    journal = ctx.journal
    draw = _duplicate(
        lambda: journal.add_beta(draw, ctx.now(), confirmed_unusual=a.confirm, again=a.again),
        "a second, separate result",
    )
    print(
        f"Saved: beta {draw.value} mIU/mL drawn {draw.drawn_at.astimezone(ctx.zone):%Y-%m-%d %H:%M} "
        f"(beta {draw.id})."
    )
    return 0


def beta_edit(ctx: Context) -> int:
    from rpltrack.cli.confirm import with_confirmation
    from rpltrack.domain.betas import parse_hcg
    from rpltrack.domain.medspec import parse_local_datetime

    a = ctx.args
    fields: dict[str, Any] = {}
    if a.value is not None:
        fields["value"] = parse_hcg(a.value, a.unit)
    elif a.unit is not None:
        raise ValidationError("give the value with its unit: --value 301 --unit IU/L", field="unit")
    if a.at is not None:
        fields["drawn_at"] = parse_local_datetime(a.at, ctx.zone, now=ctx.now())
    if a.lab is not None:
        fields["lab"] = a.lab.strip()
    if not fields:
        raise ValidationError("nothing to change: give --value, --at or --lab", field="id")
    journal = ctx.journal
    current = journal.beta(a.id)
    saved = with_confirmation(
        lambda sure: journal.edit_beta(a.id, ctx.now(), sure=sure, **fields), yes=a.confirm, flag="--confirm"
    )
    return _changed(ctx, current, saved, f"beta {a.id}")


def beta_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    draw = journal.beta(a.id)
    drawn = f"{draw.drawn_at.astimezone(ctx.zone):%Y-%m-%d %H:%M}"
    return _delete(
        ctx,
        f"the beta of {draw.value} mIU/mL drawn {drawn} (beta {a.id})",
        journal.dependents_of_beta(a.id),
        lambda: journal.delete_beta(a.id, ctx.now(), with_dependents=True),
        "",
    )


def pair_json(pair: Any) -> dict[str, Any]:
    def num(value: Any) -> float | None:
        return None if value is None else float(value)

    return {
        "from": str(pair.first.value),
        "to": str(pair.second.value),
        "hours": num(pair.hours),
        "change_percent": num(pair.change_percent),
        "rise_48h_percent": num(pair.rise_48h_percent),
        "fall_percent": num(pair.fall_percent),
        "doubling_hours": num(pair.doubling_hours),
        "minimum_rise_percent": num(pair.minimum.percent) if pair.minimum else None,
        "minimum_source": pair.minimum.source if pair.minimum else None,
        "minimum_label": pair.minimum.label if pair.minimum else None,
        "verdict": pair.verdict.name.lower(),
        "verdict_text": pair.verdict.value,
        "different_labs": pair.different_labs,
        "context": [
            {"percent": float(m.percent), "source": m.source, "label": m.label} for m in pair.context
        ],
    }


def betas_list(ctx: Context) -> int:
    from rpltrack.domain.betas import assess_series

    draws = ctx.journal.betas()
    pairs = assess_series(draws)
    if ctx.as_json:
        ctx.emit_json(
            {
                "draws": [
                    {
                        "id": d.id,
                        "drawn_at": iso(d.drawn_at, ctx.zone),
                        "value": str(d.value),
                        "op": d.value.op.value,
                        "number": float(d.value.value),
                        "unit": "mIU/mL",
                        "lab": d.lab,
                    }
                    for d in draws
                ],
                "pairs": [pair_json(p) for p in pairs],
            }
        )
        return 0
    if not draws:
        print('No betas yet. Add one: rpltrack beta add 112 --at "YYYY-MM-DD HH:MM"')
        return 0
    for d in sorted(draws, key=lambda d: d.drawn_at):
        print(
            terminal_text(
                f"{d.id:>4}  {d.drawn_at.astimezone(ctx.zone):%Y-%m-%d %H:%M}  {d.value!s:>8} mIU/mL"
                + (f"  ({d.lab})" if d.lab else "")
            )
        )
    for p in pairs:
        line = f"{p.first.value} → {p.second.value} in {p.hours} h: "
        if p.rise_48h_percent is not None and p.fall_percent is None:
            line += f"rise {p.rise_48h_percent} % per 48 h"
            if p.doubling_hours is not None:
                line += f", doubling {p.doubling_hours} h"
        elif p.fall_percent is not None:
            line += f"fall {p.fall_percent} %"
        line += f" — {p.verdict.value}"
        if p.minimum is not None:
            line += f" (minimum {p.minimum.percent} %, {p.minimum.label} [{p.minimum.source}])"
        if p.different_labs:
            line += " · different labs: assays differ"
        print(line)
    return 0


def pregnancy_add(ctx: Context) -> int:
    from rpltrack.domain.pregnancies import Confirmation, Pregnancy

    a = ctx.args
    on = _day(ctx, a.date)
    how = _confirmation(a.how, "how") or Confirmation.HCG
    cycle = ctx.journal.cycle_on(on) if a.cycle is None else None
    cycle_id = a.cycle if a.cycle is not None else (cycle.id if cycle else None)
    saved = ctx.journal.add_pregnancy(Pregnancy(on, how_found=how, cycle_id=cycle_id), ctx.now())
    print(f"Saved: pregnancy from a positive {how.value} test on {on} (pregnancy {saved.id}).")
    return 0


def _confirmation(text: str, field: str) -> Any:
    from rpltrack.domain.pregnancies import Confirmation

    if not text.strip():
        return None
    try:
        return Confirmation(text.strip().lower())
    except ValueError:
        raise ValidationError(
            f"unknown confirmation {text.strip()!r}: use hcg, urine, ultrasound or histology", field=field
        ) from None


def pregnancy_end(ctx: Context) -> int:
    from rpltrack.cli.confirm import with_confirmation
    from rpltrack.domain.dating import parse_ga
    from rpltrack.domain.pregnancies import parse_outcome

    a = ctx.args
    on = _day(ctx, a.date)
    outcome = parse_outcome(a.outcome)
    ga = parse_ga(a.ga) if a.ga.strip() else None
    confirmed = _confirmation(a.confirmed, "confirmed")
    journal = ctx.journal

    def attempt(sure: bool) -> Any:
        return _duplicate(
            lambda: journal.end_pregnancy(
                a.id, outcome, on, ga, confirmed, ctx.now(), again=a.again, sure=sure
            ),
            "a separate pregnancy",
        )

    saved = with_confirmation(attempt, yes=a.yes)
    print(f"Saved: {saved.describe()}, {on}.")
    return 0


def _pregnancy_fields(ctx: Context, *, loss: bool) -> dict[str, Any]:
    """The corrections given to pregnancy edit or loss edit, as edit_pregnancy's fields."""
    from rpltrack.domain.dating import parse_ga
    from rpltrack.domain.pregnancies import parse_outcome

    a = ctx.args
    fields: dict[str, Any] = {}
    outcome_text = a.kind if loss else a.outcome
    if outcome_text is not None:
        fields["outcome"] = parse_outcome(outcome_text)
        if loss:
            _check_loss_kind(fields["outcome"])
    ended = a.date if loss else a.ended
    if ended is not None:
        fields["ended_on"] = _day(ctx, ended)
    if a.ga is not None:
        fields["ga_at_end_days"] = None if _cleared(a.ga) else parse_ga(a.ga)
    if a.confirmed is not None:
        fields["confirmed"] = None if _cleared(a.confirmed) else _confirmation(a.confirmed, "confirmed")
    if a.approx is not None:
        fields["approximate"] = a.approx
    if not loss:
        if a.date is not None:
            fields["started_on"] = _day(ctx, a.date)
        if a.how is not None:
            fields["how_found"] = _confirmation(a.how, "how")
        if a.cycle is not None:
            fields["cycle_id"] = None if _cleared(a.cycle) else _cycle_number(a.cycle)
    return fields


def _cycle_number(text: str) -> int:
    if not text.strip().isdigit():
        raise ValidationError(
            f"--cycle takes a cycle's id (see rpltrack cycle list) or none, not {text.strip()[:80]!r}",
            field="cycle",
        )
    return int(text)


def _check_loss_kind(outcome: Any) -> None:
    from rpltrack.domain.pregnancies import LOSS_OUTCOMES

    if outcome not in LOSS_OUTCOMES:
        raise ValidationError(
            f"{outcome.value} is not a loss: record it with rpltrack pregnancy", field="kind"
        )


def _edit_pregnancy(ctx: Context, fields: dict[str, Any], what: str) -> int:
    from rpltrack.cli.confirm import with_confirmation

    a = ctx.args
    journal = ctx.journal
    current = journal.pregnancy(a.id)
    saved = with_confirmation(
        lambda sure: journal.edit_pregnancy(a.id, ctx.now(), sure=sure, **fields), yes=a.yes
    )
    return _changed(ctx, current, saved, what)


def pregnancy_edit(ctx: Context) -> int:
    fields = _pregnancy_fields(ctx, loss=False)
    if not fields:
        raise ValidationError(
            "nothing to change: give --date, --how, --cycle, --outcome, --ended, --ga, --confirmed or "
            "--approx",
            field="id",
        )
    return _edit_pregnancy(ctx, fields, f"pregnancy {ctx.args.id}")


def _a_loss(ctx: Context) -> Any:
    """The loss `id` names; an ongoing pregnancy or a live birth is refused, naming the command that
    changes it."""
    a = ctx.args
    found = ctx.journal.pregnancy(a.id)
    if not found.is_loss:
        raise ValidationError(
            f"entry {a.id} is a pregnancy ({found.describe_dated()}), not a loss: change it with "
            f"rpltrack pregnancy {a.loss_command} {a.id}",
            field="id",
        )
    return found


def loss_edit(ctx: Context) -> int:
    fields = _pregnancy_fields(ctx, loss=True)
    if not fields:
        raise ValidationError(
            "nothing to change: give --date, --ga, --kind, --confirmed or --approx", field="id"
        )
    _a_loss(ctx)
    return _edit_pregnancy(ctx, fields, f"loss {ctx.args.id}")


def pregnancy_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    found = journal.pregnancy(a.id)
    what = "loss" if found.is_loss else "pregnancy"
    return _delete(
        ctx,
        f"the {what} {found.describe_dated()} ({what} {a.id})",
        journal.dependents_of_pregnancy(a.id),
        lambda: journal.delete_pregnancy(a.id, ctx.now(), with_dependents=True),
        ": their start or end then waits for another positive test",
    )


def loss_delete(ctx: Context) -> int:
    _a_loss(ctx)
    return pregnancy_delete(ctx)


def loss_add(ctx: Context) -> int:
    from rpltrack.cli.confirm import with_confirmation
    from rpltrack.domain.dating import parse_ga
    from rpltrack.domain.pregnancies import Pregnancy, parse_outcome

    a = ctx.args
    outcome = parse_outcome(a.kind)
    _check_loss_kind(outcome)
    loss = Pregnancy(
        None,
        outcome,
        _day(ctx, a.date),
        parse_ga(a.ga) if a.ga.strip() else None,
        _confirmation(a.confirmed, "confirmed"),
        approximate=a.approx,
    )
    journal = ctx.journal

    def attempt(sure: bool) -> Any:
        return _duplicate(
            lambda: journal.add_pregnancy(loss, ctx.now(), again=a.again, sure=sure), "a separate loss"
        )

    saved = with_confirmation(attempt, yes=a.yes)
    print(f"Saved: {saved.describe()} on {saved.ended_on} (loss {saved.id}). It is part of your record.")
    return 0


def history_show(ctx: Context) -> int:
    from rpltrack.domain.pregnancies import OUTCOME_WORDS, count_losses

    pregnancies = ctx.journal.pregnancies()
    counts = count_losses(pregnancies)
    if ctx.as_json:
        ctx.emit_json(
            {
                "pregnancies": [
                    {
                        "id": p.id,
                        "started_on": p.started_on.isoformat() if p.started_on else None,
                        "outcome": p.outcome.value,
                        "outcome_text": OUTCOME_WORDS[p.outcome],
                        "ended_on": p.ended_on.isoformat() if p.ended_on else None,
                        "ga_days": p.ga_at_end_days,
                        "confirmed": p.confirmed.value if p.confirmed else None,
                        "approximate": p.approximate,
                        "counted_loss": p.counted_loss,
                    }
                    for p in pregnancies
                ],
                "counts": {
                    "eshre": counts.eshre,
                    "asrm": counts.asrm,
                    "rcog": counts.rcog,
                    "longest_consecutive_run": counts.longest_run,
                    "ga_unknown": counts.ga_unknown,
                },
                "definitions_met": counts.meets,
            }
        )
        return 0
    if not pregnancies:
        print(
            "No pregnancies recorded. Record one: rpltrack pregnancy add --date YYYY-MM-DD, "
            "or a past loss: rpltrack loss add --date YYYY-MM-DD --ga 7w --kind miscarriage"
        )
        return 0
    for p in pregnancies:
        when = p.ended_on or p.started_on
        say(f"{p.id:>4}  {when}  {p.describe()}" + (" (approximate)" if p.approximate else ""))
    print()
    print(
        f"Losses on record: {counts.eshre} under ESHRE 2022 (all losses before 24 weeks, including "
        f"early ones seen only on a pregnancy test) [S1]"
    )
    print(f"                  {counts.asrm} under ASRM (confirmed by ultrasound or tissue) [S5]")
    print(f"                  {counts.rcog} under RCOG 2023 (losses in the first trimester) [S6]")
    print(f"Longest run of consecutive losses: {counts.longest_run}")
    return 0
