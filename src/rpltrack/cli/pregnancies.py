"""`rpltrack beta|betas|pregnancy|loss|history`: beta results, pregnancies and losses."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rpltrack.cli.confirm import with_confirmation
from rpltrack.cli.context import Context
from rpltrack.cli.cycles import _changed, _cleared, _day, _delete, _duplicate
from rpltrack.cli.entry import add_delete_command, entry_id
from rpltrack.cli.output import iso, say
from rpltrack.domain.betas import BetaDraw, assess_series, dpt_label, draw_dating, parse_hcg
from rpltrack.domain.datetext import parse_local_datetime
from rpltrack.domain.dating import parse_ga
from rpltrack.domain.display import terminal_text
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.pregnancies import (
    LOSS_OUTCOMES,
    OUTCOME_WORDS,
    Confirmation,
    Pregnancy,
    count_losses,
    parse_outcome,
)

if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
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


def beta_add(ctx: Context) -> int:
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


def pair_json(pair: Any, zone: Any = None) -> dict[str, Any]:
    def num(value: Any) -> float | None:
        return None if value is None else float(value)

    shown: dict[str, Any] = {
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
        # What a lab bound (<5, >10000) supports, and why a pair is not judged, in words.
        "rise_48h_at_least_percent": num(pair.rise_48h_at_least),
        "rise_48h_under_percent": num(pair.rise_48h_under),
        "fall_at_least_percent": num(pair.fall_at_least),
        "bound_text": pair.bound_words or None,
        "spacing": pair.spacing.name.lower() if pair.spacing else None,
        "reason": pair.reason or None,
        "verdict_words": pair.verdict_words,
    }
    if zone is not None:
        shown["from_drawn_at"] = iso(pair.first.drawn_at, zone)
        shown["to_drawn_at"] = iso(pair.second.drawn_at, zone)
        shown["from_id"] = pair.first.id
        shown["to_id"] = pair.second.id
    return shown


def betas_list(ctx: Context) -> int:
    journal = ctx.journal
    draws = journal.betas()
    pairs = assess_series(draws)
    cycles, pregnancies = (journal.cycles(), journal.pregnancies()) if draws else ([], [])
    dating = {id(d): draw_dating(d, cycles, pregnancies, ctx.zone) for d in draws}
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
                        "dpt": getattr(dating[id(d)], "dpt", None),
                        "embryo_day": getattr(dating[id(d)], "embryo_day", None),
                        "dpt_label": dpt_label(dating[id(d)]) or None,
                    }
                    for d in draws
                ],
                "pairs": [pair_json(p, ctx.zone) for p in pairs],
            }
        )
        return 0
    if not draws:
        print('No betas yet. Add one: rpltrack beta add 112 --at "YYYY-MM-DD HH:MM"')
        return 0
    for d in sorted(draws, key=lambda d: d.drawn_at):
        dpt = dpt_label(dating[id(d)])
        print(
            terminal_text(
                f"{d.id:>4}  {d.drawn_at.astimezone(ctx.zone):%Y-%m-%d %H:%M}  {d.value!s:>8} mIU/mL"
                + (f"  {dpt:<8}" if dpt else "")
                + (f"  ({d.lab})" if d.lab else "")
            ).rstrip()
        )
    for p in pairs:
        first, second = (x.drawn_at.astimezone(ctx.zone) for x in (p.first, p.second))
        drawn = f"{first:%Y-%m-%d %H:%M} → {second:%Y-%m-%d %H:%M}"
        figure = ""
        if p.rise_48h_percent is not None and p.fall_percent is None:
            figure = f"rise {p.rise_48h_percent} % per 48 h"
            if p.doubling_hours is not None:
                figure += f", doubling {p.doubling_hours} h"
        elif p.fall_percent is not None:
            figure = f"fall {p.fall_percent} %"
        elif p.bound_words:
            figure = p.bound_words
        line = f"{p.first.value} → {p.second.value} ({drawn}) in {p.hours} h"
        line += f": {figure} — {p.verdict_words}" if figure else f" — {p.verdict_words}"
        if p.minimum is not None:
            line += f" (minimum {p.minimum.percent} %, {p.minimum.label} [{p.minimum.source}])"
        if p.different_labs:
            line += " · different labs: assays differ"
        print(line)
    return 0


def pregnancy_add(ctx: Context) -> int:
    a = ctx.args
    on = _day(ctx, a.date)
    how = _confirmation(a.how, "how") or Confirmation.HCG
    cycle = ctx.journal.cycle_on(on) if a.cycle is None else None
    cycle_id = a.cycle if a.cycle is not None else (cycle.id if cycle else None)
    saved = ctx.journal.add_pregnancy(Pregnancy(on, how_found=how, cycle_id=cycle_id), ctx.now())
    print(f"Saved: pregnancy from a positive {how.value} test on {on} (pregnancy {saved.id}).")
    return 0


def _confirmation(text: str, field: str) -> Any:
    if not text.strip():
        return None
    try:
        return Confirmation(text.strip().lower())
    except ValueError:
        raise ValidationError(
            f"unknown confirmation {text.strip()!r}: use hcg, urine, ultrasound or histology", field=field
        ) from None


def pregnancy_end(ctx: Context) -> int:
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
    if outcome not in LOSS_OUTCOMES:
        raise ValidationError(
            f"{outcome.value} is not a loss: record it with rpltrack pregnancy", field="kind"
        )


def _edit_pregnancy(ctx: Context, fields: dict[str, Any], what: str) -> int:
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
