"""`rpltrack lab add`, `labs`, `flags` and `flag ack|raised|unmark`: lab results and what to raise."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rpltrack.cli.confirm import confirm_or_refuse, refuse_duplicate, with_confirmation
from rpltrack.cli.context import Context
from rpltrack.cli.entry import add_delete_command, entry_id
from rpltrack.cli.output import say, say_edit
from rpltrack.domain.datetext import parse_past_date
from rpltrack.domain.display import terminal_text
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labcatalog import (
    is_unusual,
    parse_lab_value,
    parse_range,
    resolve,
    resolve_entry,
    split_result,
)
from rpltrack.domain.labs import (
    LabKind,
    LabResult,
    canonical,
    day_words,
    format_fraction,
    lab_differences,
    value_words,
)
from rpltrack.flags.model import MarkState
from rpltrack.flags.sources import cite

if TYPE_CHECKING:
    from typing import Any

    from rpltrack.domain.labs import LabTest, LabValue
    from rpltrack.flags.model import Flag, FlagMark

AS_OF_HELP = "evaluate as if it were then: 'YYYY-MM-DD[ HH:MM]'"


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    lab = sub.add_parser(
        "lab",
        parents=[common],
        help="record a lab result",
        description="Record a lab result as the report prints it.",
    )
    lab_sub = lab.add_subparsers(dest="lab_command", metavar="COMMAND", required=True)
    add = lab_sub.add_parser(
        "add",
        parents=[common],
        help="add a result: rpltrack lab add TSH 2.8",
        description="TEST is a catalog name or alias (TSH, TPO-Ab, progesterone, vitamin-d, platelets, "
        "aCL-IgG, aCL-IgM, anti-b2gpi-IgG, LA, FVL, MTHFR, karyotype) or any name you choose (a LIT "
        "session is recorded with rpltrack session add lit). VALUE is a number (2.8), a lab notation "
        "(<0.01, >100), a word (positive, negative, heterozygous) or text (46,XX).",
    )
    add.add_argument(
        "test",
        metavar="TEST",
        help="the test; or the test and its result as the report prints it, with no VALUE: "
        "'MTHFR C677T heterozygous', 'Factor V Leiden negative'",
    )
    add.add_argument("value", metavar="VALUE", nargs="?", default="", help="the result")
    add.add_argument("--unit", default=None, help="the unit on the report (default: the test's usual unit)")
    add.add_argument("--date", default="", help="the day of the draw, YYYY-MM-DD (default: today)")
    add.add_argument("--range", default="", help="the reference range printed on the report, e.g. 0.4-4.0")
    add.add_argument("--note", default="", help="a note of your own")
    add.add_argument("--lab", default="", help="which laboratory")
    add.add_argument(
        "--on-anticoagulant",
        action="store_true",
        help="you were taking heparin, warfarin or another anticoagulant when the blood was drawn",
    )
    add.add_argument("--confirm", action="store_true", help="keep a value rpltrack finds unusual")
    add.add_argument(
        "--again",
        action="store_true",
        help="record it even though the same test, day and value is already recorded (a second result)",
    )
    add.set_defaults(func=lab_add)

    edit = lab_sub.add_parser(
        "edit",
        parents=[common],
        help="correct a result: rpltrack lab edit 3 --value 2.1 --date 2026-11-20",
        description="Change only what you give; the rest stays. ID is the result's id shown by "
        'rpltrack labs. An empty --range, --note or --lab ("") removes it. '
        "rpltrack undo takes the correction back.",
    )
    edit.add_argument("id", metavar="ID", type=entry_id)
    edit.add_argument("--test", default=None, help="the test (a catalog name or alias, or your own name)")
    edit.add_argument("--value", default=None, help="the result as the report prints it")
    edit.add_argument("--unit", default=None, help="the unit on the report")
    edit.add_argument("--date", default=None, help="the day of the draw, YYYY-MM-DD")
    edit.add_argument("--range", default=None, help="the reference range printed on the report, e.g. 0.4-4.0")
    edit.add_argument("--note", default=None, help="a note of your own")
    edit.add_argument("--lab", default=None, help="which laboratory")
    drawn = edit.add_mutually_exclusive_group()
    drawn.add_argument(
        "--on-anticoagulant",
        dest="on_anticoagulant",
        action="store_const",
        const=True,
        default=None,
        help="you were taking an anticoagulant when the blood was drawn",
    )
    drawn.add_argument(
        "--not-on-anticoagulant",
        dest="on_anticoagulant",
        action="store_const",
        const=False,
        help="you were not taking an anticoagulant when the blood was drawn",
    )
    edit.add_argument("--confirm", action="store_true", help="keep a value rpltrack finds unusual")
    edit.set_defaults(func=lab_edit)

    add_delete_command(
        lab_sub,
        common,
        func=lab_delete,
        help="remove a result entered by mistake: rpltrack lab delete 3",
        description="Remove one result (ID from rpltrack labs); rpltrack undo brings it back.",
        id_help="the result's id, as rpltrack labs shows it",
    )

    labs = sub.add_parser(
        "labs",
        parents=[common],
        help="lab results: the latest of each test, or one test's history",
        description="Without TEST: the latest result of each test. With TEST: every result of it.",
    )
    labs.add_argument("test", metavar="TEST", nargs="?", default=None)
    labs.add_argument("--json", action="store_true", help="machine-readable output")
    labs.set_defaults(func=labs_list)

    flags = sub.add_parser(
        "flags",
        parents=[common],
        help="things to raise with your care team",
        description="Things to ask your care team about, each with the numbers behind it and its source. "
        "rpltrack never diagnoses and never advises a dose change.",
    )
    flags.add_argument("--json", action="store_true", help="machine-readable output")
    flags.add_argument("--as-of", help=AS_OF_HELP)
    flags.add_argument("--all", action="store_true", help="include acknowledged and raised flags")
    flags.set_defaults(func=flags_list)

    flag = sub.add_parser(
        "flag",
        parents=[common],
        help="acknowledge a flag or mark it raised at an appointment",
        description="ID is the flag's key shown by `rpltrack flags` (e.g. tsh-above-target:lab12), or its "
        "rule id when only one flag of that rule is showing.",
    )
    flag_sub = flag.add_subparsers(dest="flag_command", metavar="COMMAND", required=True)
    ack = flag_sub.add_parser(
        "ack", parents=[common], help="acknowledge a flag: it moves off the active list"
    )
    ack.add_argument("id", metavar="ID")
    ack.add_argument("--note", default="", help="a note, e.g. what you decided")
    ack.set_defaults(func=flag_ack)
    raised = flag_sub.add_parser("raised", parents=[common], help="mark a flag raised at an appointment")
    raised.add_argument("id", metavar="ID")
    raised.add_argument("--appt", type=entry_id, default=None, help="the appointment's id")
    raised.add_argument("--note", default="", help="what was decided")
    raised.set_defaults(func=flag_raised)
    unmark = flag_sub.add_parser("unmark", parents=[common], help="make an acknowledged flag active again")
    unmark.add_argument("id", metavar="ID")
    unmark.set_defaults(func=flag_unmark)


# -- labs ---------------------------------------------------------------------------------------------


def lab_add(ctx: Context) -> int:
    a = ctx.args
    test, text = resolve_entry(a.test, a.value)
    on = parse_past_date(a.date, ctx.clock.today(), "date") if a.date.strip() else ctx.clock.today()
    if test.kind is not LabKind.SESSION and not text.strip():
        example = test.words[0] if test.kind is LabKind.QUALITATIVE else "2.8"
        how = f"rpltrack lab add {_shell_word(a.test)} {_shell_word(example)}"
        raise ValidationError(f"give the result of {test.name}, e.g. {how}", field="value")
    value = parse_lab_value(test, text, a.unit)
    reference = parse_range(a.range) if a.range.strip() else None
    if reference is not None and value.number is None:
        raise ValidationError("a reference range goes with a number, not with a word or text", field="range")
    if a.on_anticoagulant and not test.asks_anticoagulant and not test.custom:
        raise ValidationError(
            f"--on-anticoagulant is recorded for tests it affects (lupus anticoagulant), not {test.name}",
            field="on_anticoagulant",
        )
    result = LabResult(
        test=test.key,
        on=on,
        value=value,
        reference=reference,
        on_anticoagulant=a.on_anticoagulant,
        note=a.note.strip(),
        lab=a.lab.strip(),
        confirmed_unusual=bool(a.confirm and is_unusual(test, value)),
    )
    if is_unusual(test, value) and not a.confirm:
        raise ValidationError(
            f"{test.name} {value} is unusual: check the number and unit on the report, then add --confirm "
            "to keep it",
            field="value",
        )
    saved = refuse_duplicate(
        lambda: ctx.journal.add_lab(result, ctx.now(), again=a.again),
        lambda exc: (
            f"{exc.message}: nothing was saved. If this is a second result, add --again; to correct "
            f"lab {exc.existing_id}, use rpltrack lab edit {exc.existing_id}."
        ),
    )
    say(f"Saved: {test.name} {_value_text(saved)} on {saved.on} (lab {saved.id}).")
    board = ctx.journal.flag_board(ctx.now(), ctx.zone)
    new = [
        f
        for f in board.active
        if f.since == saved.on and saved.id is not None and f"lab{saved.id}" in f.subject
    ]
    for flag in new:
        say(f"To raise with your care team: {flag.title} (see rpltrack flags).")
    return 0


def lab_edit(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    current = journal.lab(a.id)
    fields: dict[str, Any] = {}
    # --test "Factor V Leiden negative" with no --value: the test and its result, as a report prints them.
    phrase = split_result(a.test) if a.test is not None and a.value is None else None
    text = phrase[1] if phrase else a.value
    test = phrase[0] if phrase else resolve(a.test) if a.test is not None else resolve(current.test)
    if a.test is not None:
        fields["test"] = test.key
    if text is not None or a.unit is not None or a.test is not None:
        fields["value"] = _edited_value(test, current, text, a.unit)
    if a.date is not None:
        fields["on"] = parse_past_date(a.date, ctx.clock.today(), "date")
    if a.range is not None:
        unit = fields.get("value", current.value).unit
        fields["reference"] = parse_range(a.range, unit, test) if a.range.strip() else None
    for name in ("note", "lab"):
        if getattr(a, name) is not None:
            fields[name] = getattr(a, name).strip()
    if a.on_anticoagulant is not None:
        fields["on_anticoagulant"] = a.on_anticoagulant
    if not fields:
        raise ValidationError(
            "nothing to change: give --test, --value, --unit, --date, --range, --note, --lab, "
            "--on-anticoagulant or --not-on-anticoagulant",
            field="id",
        )
    value = fields.get("value", current.value)
    if fields.get("reference", current.reference) is not None and value.number is None:
        raise ValidationError(
            'a reference range goes with a number, not with a word or text: add --range "" to remove it',
            field="range",
        )
    if fields.get("on_anticoagulant", current.on_anticoagulant) and not (
        test.asks_anticoagulant or test.custom
    ):
        raise ValidationError(
            f"--on-anticoagulant is recorded for tests it affects (lupus anticoagulant), not {test.name}: "
            "add --not-on-anticoagulant",
            field="on_anticoagulant",
        )
    saved = with_confirmation(
        lambda sure: journal.edit_lab(a.id, ctx.now(), sure=sure, **fields), yes=a.confirm, flag="--confirm"
    )
    words = lab_differences(current, saved, lambda key: resolve(key).name)
    what = f"{resolve(current.test).name} of {day_words(current.on)} (lab {a.id})"
    return say_edit(what, words)


def _edited_value(test: LabTest, current: LabResult, text: str | None, unit: str | None) -> LabValue:
    """The value as corrected: the new text (or the stored value without its unit) in the new unit (or,
    when none is given, the stored unit where the text carries none)."""
    if text is None:
        stored = current.value
        if stored.number is None:
            text = stored.text
        else:
            text = f"{'' if stored.op.value == '=' else stored.op.value}{stored.number:f}"
    if unit is not None:
        return parse_lab_value(test, text, unit)
    if current.value.unit:
        try:
            return parse_lab_value(test, text, current.value.unit)
        except ValidationError as exc:
            if exc.field != "unit":
                raise
    return parse_lab_value(test, text, None)


def lab_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    current = journal.lab(a.id)
    dependents = journal.dependents_of_lab(a.id)
    what = f"{resolve(current.test).name} {_value_text(current)} of {day_words(current.on)} (lab {a.id})"
    also = f", and your marks on its flags ({', '.join(dependents)})" if dependents else ""
    confirm_or_refuse(f"Delete {what}{also}?", yes=a.yes)
    journal.delete_lab(a.id, ctx.now(), with_dependents=True)
    say(f"Deleted {what}{also}. rpltrack undo takes it back.")
    return 0


def _value_text(result: LabResult) -> str:
    """The result as shown, her own word beside it when it was read as another ('not detected (entered as
    "negative")'); 'session' for a session."""
    if not str(result.value):
        return "session"
    return value_words(result.value)


def _shell_word(text: str) -> str:
    """`text` as typed after the command: quoted when it holds a space ('"Factor V Leiden"')."""
    cleaned = " ".join(text.split())
    return f'"{cleaned}"' if " " in cleaned else cleaned


def _test_name(key: str) -> str:
    return resolve(key).name


def lab_json(result: LabResult, test: LabTest | None = None) -> dict[str, Any]:
    test = test or resolve(result.test)
    converted = canonical(test, result.value)
    rng = result.reference
    return {
        "id": result.id,
        "test": result.test,
        "name": test.name,
        "date": result.on.isoformat(),
        "op": result.value.op.value,
        "value": f"{result.value.number:f}" if result.value.number is not None else None,
        "unit": result.value.unit,
        "text": result.value.text,
        "raw": result.value.raw,
        "canonical_value": format_fraction(converted, 4) if converted is not None else None,
        "canonical_unit": test.canonical_unit if converted is not None else None,
        "range": None
        if rng is None
        else {
            "low": f"{rng.low:f}" if rng.low is not None else None,
            "high": f"{rng.high:f}" if rng.high is not None else None,
            "raw": rng.raw,
        },
        "on_anticoagulant": result.on_anticoagulant,
        "confirmed_unusual": result.confirmed_unusual,
        "lab": result.lab,
        "note": result.note,
    }


def labs_list(ctx: Context) -> int:
    journal = ctx.journal
    if ctx.args.test:
        test = resolve(ctx.args.test)
        results = journal.labs(test.key)
        if ctx.as_json:
            ctx.emit_json([lab_json(r, test) for r in results])
            return 0
        if not results:
            print(f"No {test.name} results yet. Add one: rpltrack lab add {ctx.args.test} VALUE --date DAY")
            return 0
        print(f"{test.name}: {len(results)} result{'s' if len(results) != 1 else ''}")
        for r in results:
            print(f"  {r.id:>3}  " + terminal_text(_lab_line(r)))
        return 0
    results = journal.labs()
    if ctx.as_json:
        ctx.emit_json([lab_json(r) for r in results])
        return 0
    if not results:
        print("No lab results yet. Add one: rpltrack lab add TSH 2.1 --date YYYY-MM-DD")
        return 0
    latest: dict[str, tuple[LabResult, int]] = {}
    for r in results:
        count = latest[r.test][1] + 1 if r.test in latest else 1
        latest[r.test] = (r, count)
    width = max(len(_test_name(k)) for k in latest)
    print("Latest result of each test, with its id (rpltrack labs TEST for its history):")
    for key in sorted(latest, key=lambda k: _test_name(k).casefold()):
        r, count = latest[key]
        more = f"  ({count} results)" if count > 1 else ""
        say(f"  {r.id:>3}  {_test_name(key):<{width}}  {_lab_line(r)}{more}")
    return 0


def _lab_line(r: LabResult) -> str:
    parts = [f"{r.on}", _value_text(r)]
    if r.reference is not None:
        parts.append(f"(range {r.reference})")
    if r.on_anticoagulant:
        parts.append("[on an anticoagulant]")
    if r.confirmed_unusual:
        parts.append("[unusual, checked]")
    if r.lab:
        parts.append(f"at {r.lab}")
    line = "  ".join(parts)
    return f"{line}  — {r.note}" if r.note else line


# -- flags ----------------------------------------------------------------------------------------------


def flag_json(flag: Flag, mark: FlagMark | None) -> dict[str, Any]:
    return {
        "id": flag.rule,
        "key": flag.key,
        "title": flag.title,
        "detail": flag.detail,
        "numbers": dict(flag.numbers),
        "sources": list(flag.sources),
        "ask": flag.ask,
        "since": flag.since.isoformat(),
        "context": list(flag.context),
        "clinic_target": flag.clinic_target,
        "state": mark.state.value if mark else "active",
        "note": mark.note if mark else "",
        "appointment": mark.appointment_id if mark else None,
    }


def flags_list(ctx: Context) -> int:
    board = ctx.journal.flag_board(ctx.now(), ctx.zone)
    shown: list[tuple[Flag, FlagMark | None]] = [(f, None) for f in board.active]
    if ctx.args.all:
        shown += [(f, board.marks[f.key]) for f in board.marked]
    if ctx.as_json:
        ctx.emit_json([flag_json(f, m) for f, m in shown])
        return 0
    if not shown:
        marked = f" ({len(board.marked)} acknowledged: rpltrack flags --all)" if board.marked else ""
        print(f"Nothing to raise right now{marked}.")
    for n, (flag, mark) in enumerate(shown, 1):
        if n > 1:
            print()
        state = f"  [{mark.state.value}{': ' + mark.note if mark and mark.note else ''}]" if mark else ""
        say(f"{flag.title}{state}")
        say(f"  {flag.detail}")
        say(f"  {flag.ask}")
        for line in flag.context:
            say(f"  · {line}")
        print(f"  Sources: {'; '.join(cite(s) for s in flag.sources)}")
        print(f"  Since {flag.since} · id {flag.key}")
    if board.unjudged:
        print()
        print("Could not judge:")
        for item in board.unjudged:
            say(f"  · {item.text}")
    if shown and not ctx.args.all and board.marked:
        print()
        print(f"{len(board.marked)} acknowledged or raised: rpltrack flags --all")
    return 0


def _find(ctx: Context, wanted: str, *, marked_ok: bool) -> tuple[Flag, FlagMark | None]:
    board = ctx.journal.flag_board(ctx.now(), ctx.zone)
    candidates: list[tuple[Flag, FlagMark | None]] = [(f, None) for f in board.active]
    if marked_ok:
        candidates += [(f, board.marks[f.key]) for f in board.marked]
    wanted = wanted.strip()
    exact = [c for c in candidates if c[0].key == wanted]
    if exact:
        return exact[0]
    by_rule = [c for c in candidates if c[0].rule == wanted or c[0].key.startswith(wanted)]
    if len(by_rule) == 1:
        return by_rule[0]
    if by_rule:
        keys = ", ".join(c[0].key for c in by_rule)
        raise ValidationError(f"{wanted!r} matches several flags: give one of {keys}", field="id")
    listing = "rpltrack flags --all" if marked_ok else "rpltrack flags"
    raise ValidationError(
        f"no {'' if marked_ok else 'active '}flag {wanted!r}: see {listing} for the ids",
        field="id",
    )


def flag_ack(ctx: Context) -> int:
    flag, _ = _find(ctx, ctx.args.id, marked_ok=True)
    ctx.journal.mark_flag(flag, MarkState.ACKNOWLEDGED, ctx.now(), note=ctx.args.note.strip())
    print(f"Acknowledged: {terminal_text(flag.title)}. It returns if new data triggers it again.")
    return 0


def flag_raised(ctx: Context) -> int:
    flag, _ = _find(ctx, ctx.args.id, marked_ok=True)
    if ctx.args.appt is not None and ctx.args.appt < 1:
        raise ValidationError("--appt is an appointment's id (a positive number)", field="appt")
    ctx.journal.mark_flag(
        flag, MarkState.RAISED, ctx.now(), note=ctx.args.note.strip(), appointment_id=ctx.args.appt
    )
    print(f"Marked raised at your appointment: {terminal_text(flag.title)}.")
    return 0


def flag_unmark(ctx: Context) -> int:
    flag, mark = _find(ctx, ctx.args.id, marked_ok=True)
    if mark is None:
        raise ValidationError(f"{flag.key} is already active", field="id")
    ctx.journal.unmark_flag(flag.key, ctx.now())
    print(f"Active again: {terminal_text(flag.title)}.")
    return 0
