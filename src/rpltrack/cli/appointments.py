"""`rpltrack appt add|list|show|edit|delete|done|ask` and `rpltrack question edit|delete`: appointments,
their questions and what was decided."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rpltrack.cli.confirm import confirm_or_refuse, with_confirmation
from rpltrack.cli.context import Context
from rpltrack.cli.entry import add_delete_command, entry_id
from rpltrack.cli.output import say, say_edit
from rpltrack.domain.appointments import (
    Appointment,
    Question,
    appointment_differences,
    appointment_words,
    parse_appointment_kind,
    question_differences,
    question_words,
)
from rpltrack.domain.datetext import parse_local_datetime
from rpltrack.domain.display import terminal_text
from rpltrack.domain.errors import ValidationError

if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any


KINDS = "re, ob, hematology, endocrinology, nurse, lab, ultrasound, other"


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    appt = sub.add_parser(
        "appt",
        parents=[common],
        help="appointments and the questions to bring to them",
        description="Appointments with your RE, OB, hematologist and others; questions to bring (your own "
        "and the active flags); what was decided.",
    )
    a_sub = appt.add_subparsers(dest="appt_command", metavar="COMMAND", required=True)
    add = a_sub.add_parser("add", parents=[common], help="add an appointment")
    add.add_argument("--at", required=True, help='when, "YYYY-MM-DD HH:MM"')
    add.add_argument("--with", dest="with_name", default="", help='with whom, e.g. "Dr Lee"')
    add.add_argument("--kind", required=True, help=KINDS)
    add.add_argument("--where", default="", help="where")
    add.add_argument("--purpose", default="", help="what it is for")
    add.add_argument("--notes", default="", help="notes of your own")
    add.add_argument("--ask-flags", action="store_true", help="add every active flag as a question")
    add.add_argument(
        "--yes", action="store_true", help="keep a date more than two years ahead without asking"
    )
    add.set_defaults(func=appt_add)

    lst = a_sub.add_parser("list", parents=[common], help="upcoming appointments, then recent ones")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.add_argument("--all", action="store_true", help="every appointment, cancelled ones included")
    lst.add_argument("--as-of", help="evaluate as if it were then: 'YYYY-MM-DD[ HH:MM]'")
    lst.set_defaults(func=appt_list)

    show = a_sub.add_parser("show", parents=[common], help="one appointment with its questions")
    show.add_argument("id", type=entry_id)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=appt_show)

    edit = a_sub.add_parser("edit", parents=[common], help="change an appointment, or cancel it")
    edit.add_argument("id", type=entry_id)
    edit.add_argument("--at", default=None, help='when, "YYYY-MM-DD HH:MM"')
    edit.add_argument("--with", dest="with_name", default=None, help="with whom")
    edit.add_argument("--kind", default=None, help=KINDS)
    edit.add_argument("--where", default=None, help="where")
    edit.add_argument("--purpose", default=None, help="what it is for")
    edit.add_argument("--notes", default=None, help="notes of your own")
    edit.add_argument("--cancel", action="store_true", help="it is cancelled (kept in the record)")
    edit.add_argument(
        "--yes", action="store_true", help="keep a date more than two years ahead without asking"
    )
    edit.set_defaults(func=appt_edit)

    add_delete_command(
        a_sub,
        common,
        func=appt_delete,
        help="remove an appointment entered by mistake, with its questions",
        description="Remove one appointment (ID from rpltrack appt list) and its questions; flags marked "
        "raised there keep their mark, without the appointment. rpltrack undo brings it all back. To "
        "keep it in the record as cancelled: rpltrack appt edit ID --cancel.",
        id_help="the appointment's id, as rpltrack appt list shows it",
    )

    done = a_sub.add_parser(
        "done",
        parents=[common],
        help="record the visit: what was decided; flags asked about are marked raised",
    )
    done.add_argument("id", type=entry_id)
    done.add_argument("--decided", default="", help="what was decided")
    done.add_argument(
        "--not-asked",
        default="",
        metavar="Q,Q",
        help="ids of questions you did not get to (default: all asked)",
    )
    done.set_defaults(func=appt_done)

    ask = a_sub.add_parser("ask", parents=[common], help="add a question to an appointment")
    ask.add_argument("appt", type=entry_id, metavar="APPT")
    ask.add_argument("text", nargs="?", default="", metavar="TEXT")
    ask.add_argument("--flags", action="store_true", help="add every active flag as a question")
    ask.set_defaults(func=appt_ask)

    question = sub.add_parser(
        "question",
        parents=[common],
        help="correct or remove a question for an appointment",
        description="A question's ID is shown by rpltrack appt show APPT. rpltrack undo takes a change back.",
    )
    q_sub = question.add_subparsers(dest="question_command", metavar="COMMAND", required=True)
    q_edit = q_sub.add_parser(
        "edit",
        parents=[common],
        help="change its words, tick it off, or keep the answer: rpltrack question edit 4 --asked",
        description="Change only what you give; the rest stays.",
    )
    q_edit.add_argument("id", type=entry_id, metavar="ID")
    q_edit.add_argument("--text", default=None, help="the question's words")
    asked = q_edit.add_mutually_exclusive_group()
    asked.add_argument(
        "--asked", dest="asked", action="store_const", const=True, default=None, help="it was asked"
    )
    asked.add_argument(
        "--not-asked", dest="asked", action="store_const", const=False, help="it was not asked"
    )
    q_edit.add_argument("--answer", default=None, help='the answer you were given ("" removes it)')
    q_edit.set_defaults(func=question_edit)
    add_delete_command(
        q_sub,
        common,
        func=question_delete,
        help="remove a question",
        description="Remove one question (ID from rpltrack appt show); rpltrack undo brings it back.",
        id_help="the question's id, as rpltrack appt show shows it",
    )


def _when(ctx: Context, text: str) -> datetime:
    return parse_local_datetime(text, ctx.zone, "at")


def _flag_questions(ctx: Context) -> list[Any]:
    journal = ctx.journal
    active = journal.flag_board(ctx.now(), ctx.zone).active
    return [Question(f"{f.title}: {f.ask}", flag_key=f.key) for f in active]


def appt_add(ctx: Context) -> int:
    a = ctx.args
    appt = Appointment(
        at=_when(ctx, a.at),
        kind=parse_appointment_kind(a.kind),
        with_name=a.with_name.strip(),
        where=a.where.strip(),
        purpose=a.purpose.strip(),
        notes=a.notes.strip(),
        questions=tuple(_flag_questions(ctx)) if a.ask_flags else (),
    )
    journal = ctx.journal
    saved = with_confirmation(lambda sure: journal.add_appointment(appt, ctx.now(), sure=sure), yes=a.yes)
    asked = f" with {len(saved.questions)} question(s) from your flags" if saved.questions else ""
    print(
        terminal_text(
            f"Saved: {saved.title} on {saved.at:%a %d %b %Y at %H:%M}{asked} (appointment {saved.id})."
        )
    )
    return 0


def appointment_json(appt: Appointment, now: datetime | None = None) -> dict[str, Any]:
    return {
        "id": appt.id,
        "at": appt.at.isoformat(timespec="seconds"),
        "local": appt.at.strftime("%Y-%m-%d %H:%M"),
        "zone": str(appt.at.tzinfo),
        "kind": appt.kind.value,
        "with": appt.with_name,
        "title": appt.title,
        "where": appt.where,
        "purpose": appt.purpose,
        "notes": appt.notes,
        "decided": appt.decided,
        "done_at": appt.done_at.isoformat(timespec="seconds") if appt.done_at else None,
        "cancelled": appt.cancelled,
        "upcoming": appt.upcoming(now) if now is not None else None,
        "questions": [
            {"id": q.id, "text": q.text, "flag": q.flag_key, "asked": q.asked, "answer": q.answer}
            for q in appt.questions
        ],
    }


def _line(appt: Appointment, ctx: Context) -> str:
    at = appt.at.astimezone(ctx.zone)
    bits = [f"{appt.id:>3}  {at:%a %d %b %Y %H:%M}  {appt.title}"]
    if appt.where:
        bits.append(f"at {appt.where}")
    if appt.purpose:
        bits.append(f"— {appt.purpose}")
    if appt.cancelled:
        bits.append("[cancelled]")
    elif appt.done:
        bits.append("[done]")
    return terminal_text("  ".join(bits))


def appt_list(ctx: Context) -> int:
    now = ctx.now()
    appts = ctx.journal.appointments()
    if not ctx.args.all:
        appts = [a for a in appts if not a.cancelled]
    if ctx.as_json:
        ctx.emit_json([appointment_json(a, now) for a in appts])
        return 0
    if not appts:
        example = 'rpltrack appt add --at "YYYY-MM-DD HH:MM" --with "Dr Lee" --kind re'
        print(f"No appointments yet. Add one: {example}")
        return 0
    upcoming = [a for a in appts if a.upcoming(now)]
    past = [a for a in appts if not a.upcoming(now)]
    if not ctx.args.all:
        past = past[-5:]
    if upcoming:
        print("Upcoming:")
        for appt in upcoming:
            print(_line(appt, ctx))
            for q in appt.questions:
                say(f"       ? {q.id}. {q.text}")
    if past:
        print("Past:" if not upcoming else "\nPast:")
        for appt in reversed(past):
            print(_line(appt, ctx))
            if appt.decided:
                say(f"       decided: {appt.decided}")
    return 0


def appt_show(ctx: Context) -> int:
    appt = ctx.journal.appointment(ctx.args.id)
    if ctx.as_json:
        ctx.emit_json(appointment_json(appt, ctx.now()))
        return 0
    print(_line(appt, ctx))
    if appt.notes:
        say(f"     notes: {appt.notes}")
    if appt.questions:
        print("     Questions:")
        for q in appt.questions:
            mark = "x" if q.asked else " "
            say(f"     [{mark}] {q.id}. {q.text}" + (f" — {q.answer}" if q.answer else ""))
    else:
        print(
            f'     No questions yet: rpltrack appt ask {appt.id} "..." or rpltrack appt ask {appt.id} --flags'
        )
    if appt.decided:
        say(f"     Decided: {appt.decided}")
    return 0


def appt_edit(ctx: Context) -> int:
    a = ctx.args
    fields: dict[str, Any] = {}
    if a.at is not None:
        fields["at"] = _when(ctx, a.at)
    if a.kind is not None:
        fields["kind"] = parse_appointment_kind(a.kind)
    for name in ("with_name", "where", "purpose", "notes"):
        value = getattr(a, name)
        if value is not None:
            fields[name] = value.strip()
    if a.cancel:
        fields["cancelled"] = True
    if not fields:
        raise ValidationError(
            "nothing to change: give --at, --with, --kind, --where, --purpose, --notes or --cancel"
        )
    journal = ctx.journal
    current = journal.appointment(a.id)
    saved = with_confirmation(
        lambda sure: journal.edit_appointment(a.id, ctx.now(), sure=sure, **fields), yes=a.yes
    )
    words = appointment_differences(current, saved)
    what = f"{appointment_words(current)} (appointment {a.id})"
    return say_edit(what, words)


def appt_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    current = journal.appointment(a.id)
    dependents = journal.dependents_of_appointment(a.id)
    what = f"{appointment_words(current)} (appointment {a.id})"
    marks = any("flag" in d for d in dependents)
    also = f", with {' and '.join(dependents)}" if dependents else ""
    kept = " (the flag marks are kept, without the appointment)" if marks else ""
    confirm_or_refuse(f"Delete {what}{also}{kept}?", yes=a.yes)
    journal.delete_appointment(a.id, ctx.now(), with_dependents=True)
    say(f"Deleted {what}{also}{kept}. rpltrack undo takes it back.")
    return 0


def question_edit(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    fields: dict[str, Any] = {}
    if a.text is not None:
        fields["text"] = a.text.strip()
    if a.asked is not None:
        fields["asked"] = a.asked
    if a.answer is not None:
        fields["answer"] = a.answer.strip()
    if not fields:
        raise ValidationError("nothing to change: give --text, --asked, --not-asked or --answer", field="id")
    current = journal.question(a.id)
    appt = journal.appointment_of_question(a.id)
    saved = journal.edit_question(a.id, ctx.now(), **fields)
    words = question_differences(current, saved)
    what = f"the question {question_words(current)} for {appointment_words(appt)}"
    return say_edit(what, words)


def question_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    current = journal.question(a.id)
    appt = journal.appointment_of_question(a.id)
    what = f"the question {question_words(current)} for {appointment_words(appt)}"
    confirm_or_refuse(f"Delete {what}?", yes=a.yes)
    journal.delete_question(a.id, ctx.now(), with_dependents=True)
    say(f"Deleted {what}. rpltrack undo takes it back.")
    return 0


def appt_done(ctx: Context) -> int:

    a = ctx.args
    journal = ctx.journal
    appt = journal.appointment(a.id)
    not_asked: set[int] = set()
    for part in a.not_asked.split(","):
        if part.strip():
            try:
                not_asked.add(int(part))
            except ValueError:
                raise ValidationError(
                    f"--not-asked takes question ids, like 2,3; got {part!r}", field="not_asked"
                ) from None
    ids = [q.id for q in appt.questions if q.id is not None and q.id not in not_asked]
    unknown = not_asked - {q.id for q in appt.questions}
    if unknown:
        raise ValidationError(f"question {min(unknown)} is not one of this appointment's", field="not_asked")
    showing = journal.flag_board(ctx.now(), ctx.zone)
    saved = journal.appointment_done(
        a.id, ctx.now(), decided=a.decided.strip(), asked_ids=ids, raised=(*showing.active, *showing.marked)
    )
    raised = sum(1 for q in saved.questions if q.asked and q.flag_key)
    extra = f"; {raised} flag(s) marked raised at this appointment" if raised else ""
    say(f"Recorded: {saved.title}{extra}.")
    return 0


def appt_ask(ctx: Context) -> int:
    a = ctx.args
    if a.flags and a.text.strip():
        raise ValidationError("give a question or --flags, not both", field="text")
    if a.flags:
        questions = _flag_questions(ctx)
        if not questions:
            print("No active flags to add.")
            return 0
    elif a.text.strip():
        questions = [Question(a.text.strip())]
    else:
        raise ValidationError(
            'give the question, e.g. rpltrack appt ask 3 "Should I keep taking aspirin?"', field="text"
        )
    before = len(ctx.journal.appointment(a.appt).questions)
    saved = ctx.journal.add_questions(a.appt, questions, ctx.now())
    added = len(saved.questions) - before
    say(f"Added {added} question(s) to {saved.title} ({len(saved.questions)} in all).")
    return 0
