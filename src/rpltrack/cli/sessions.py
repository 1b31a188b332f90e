"""`rpltrack session add|list|edit|delete|course` and `rpltrack course list|edit|stop|delete`: treatment
sessions (LIT, IVIG, intralipid infusions, or her own words) and courses of them planned every few weeks."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rpltrack.cli.confirm import confirm_or_refuse, refuse_duplicate
from rpltrack.cli.context import Context
from rpltrack.cli.entry import add_delete_command, entry_id, whole_number
from rpltrack.cli.output import say, say_edit
from rpltrack.domain.datetext import parse_date
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import parse_time
from rpltrack.domain.sessions import (
    Course,
    TreatmentSession,
    check_session_day,
    course_differences,
    course_words,
    parse_every,
    parse_what,
    session_differences,
    session_words,
    upcoming,
    what_key,
)

if TYPE_CHECKING:
    from datetime import date, time
    from typing import Any, TypeVar

    from rpltrack.domain.sessions import Planned

    T = TypeVar("T")

WHAT_HELP = "lit, ivig, intralipid, or a few words of your own"


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    session = sub.add_parser(
        "session",
        parents=[common],
        help="treatment sessions: LIT, IVIG, intralipid infusions",
        description="Treatment sessions you had (lymphocyte immunotherapy, IVIG, intralipid infusions, or "
        "your own words), and courses of them planned every few weeks. A session recorded within "
        "7 days of a planned one counts for it.",
    )
    s_sub = session.add_subparsers(dest="session_command", metavar="COMMAND", required=True)
    add = s_sub.add_parser("add", parents=[common], help="record a session: rpltrack session add lit")
    add.add_argument("what", metavar="WHAT", help=WHAT_HELP)
    add.add_argument("--on", default="", help="the day, YYYY-MM-DD (default: today)")
    add.add_argument("--at", default="", help="the time of day, HH:MM (optional)")
    add.add_argument("--where", default="", help="where (the clinic)")
    add.add_argument("--note", default="", help="a note of your own")
    add.add_argument("--again", action="store_true", help="record it even if one is on that day already")
    add.set_defaults(func=session_add)

    lst = s_sub.add_parser(
        "list", parents=[common], help="planned sessions still to come, then recorded ones"
    )
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.add_argument("--as-of", help="evaluate as if it were then: 'YYYY-MM-DD[ HH:MM]'")
    lst.set_defaults(func=session_list)

    edit = s_sub.add_parser(
        "edit",
        parents=[common],
        help="correct a session: rpltrack session edit 3 --on 2026-11-20",
        description="Change only what you give; the rest stays. rpltrack undo takes it back.",
    )
    edit.add_argument("id", type=entry_id, metavar="ID")
    edit.add_argument("--what", default=None, help=WHAT_HELP)
    edit.add_argument("--on", default=None, help="the day, YYYY-MM-DD")
    edit.add_argument("--at", default=None, help='the time of day, HH:MM ("" removes it)')
    edit.add_argument("--where", default=None, help='where ("" removes it)')
    edit.add_argument("--note", default=None, help='a note of your own ("" removes it)')
    edit.set_defaults(func=session_edit)

    add_delete_command(
        s_sub,
        common,
        func=session_delete,
        help="remove a session entered by mistake",
        description="Remove one session (ID from rpltrack session list); rpltrack undo brings it back.",
        id_help="the session's id, as rpltrack session list shows it",
    )

    course = s_sub.add_parser(
        "course",
        parents=[common],
        help='plan a course: rpltrack session course lit --every "3 weeks" --from D --count 3',
        description="Plan sessions every few days, weeks or months from a day, for a number of sessions or "
        "until a day. Each planned session is reminded the evening before (and, with --at, an hour before: "
        "reminders.appointment-minutes). rpltrack course list shows courses; course edit, stop and delete "
        "change them.",
    )
    course.add_argument("what", metavar="WHAT", help=WHAT_HELP)
    course.add_argument(
        "--every", required=True, help='how often: "3 weeks", "4 weeks", "21 days", "1 month"'
    )
    course.add_argument("--from", dest="start", required=True, help="the first session's day, YYYY-MM-DD")
    length = course.add_mutually_exclusive_group(required=True)
    length.add_argument("--count", type=whole_number, default=None, help="how many sessions (1-52)")
    length.add_argument("--until", default=None, help="the last possible day, YYYY-MM-DD")
    course.add_argument("--at", default="", help="the time of day of each session, HH:MM (optional)")
    course.add_argument("--where", default="", help="where (the clinic)")
    course.add_argument("--note", default="", help="a note of your own")
    course.set_defaults(func=course_add)

    courses = sub.add_parser(
        "course",
        parents=[common],
        help="planned courses of treatment sessions",
        description="Courses planned with rpltrack session course: list, change, stop or remove them.",
    )
    c_sub = courses.add_subparsers(dest="course_command", metavar="COMMAND", required=True)
    c_list = c_sub.add_parser("list", parents=[common], help="every course with its planned sessions")
    c_list.add_argument("--json", action="store_true", help="machine-readable output")
    c_list.add_argument("--as-of", help="evaluate as if it were then: 'YYYY-MM-DD[ HH:MM]'")
    c_list.set_defaults(func=course_list)

    c_edit = c_sub.add_parser(
        "edit",
        parents=[common],
        help='change a course: rpltrack course edit 2 --every "4 weeks"',
        description="Change only what you give; the rest stays. rpltrack undo takes it back.",
    )
    c_edit.add_argument("id", type=entry_id, metavar="ID")
    c_edit.add_argument("--what", default=None, help=WHAT_HELP)
    c_edit.add_argument("--every", default=None, help='how often: "3 weeks", "4 weeks"')
    c_edit.add_argument("--from", dest="start", default=None, help="the first session's day, YYYY-MM-DD")
    c_length = c_edit.add_mutually_exclusive_group()
    c_length.add_argument("--count", type=whole_number, default=None, help="how many sessions (1-52)")
    c_length.add_argument("--until", default=None, help="the last possible day, YYYY-MM-DD")
    c_edit.add_argument("--at", default=None, help='the time of day, HH:MM ("" removes it)')
    c_edit.add_argument("--where", default=None, help='where ("" removes it)')
    c_edit.add_argument("--note", default=None, help='a note of your own ("" removes it)')
    c_edit.set_defaults(func=course_edit)

    c_stop = c_sub.add_parser(
        "stop", parents=[common], help="stop a course: planned sessions after the day are dropped"
    )
    c_stop.add_argument("id", type=entry_id, metavar="ID")
    c_stop.add_argument("--on", default="", help="the day it stopped, YYYY-MM-DD (default: today)")
    c_stop.set_defaults(func=course_stop)

    add_delete_command(
        c_sub,
        common,
        func=course_delete,
        help="remove a course planned by mistake (recorded sessions are kept)",
        description="Remove one course (ID from rpltrack course list); the sessions you recorded stay. "
        "rpltrack undo brings it back.",
        id_help="the course's id, as rpltrack course list shows it",
    )


# -- reading what she typed ----------------------------------------------------------------------------------


def _time(text: str, field: str = "at") -> time | None:
    if not text.strip():
        return None
    try:
        return parse_time(text)
    except ValidationError as exc:
        raise exc.with_field(field) from None


def _day(text: str, field: str) -> date:
    return parse_date(text, field)


def _zone_name(ctx: Context) -> str:
    return ctx.zone.key


# -- sessions ------------------------------------------------------------------------------------------------


def session_add(ctx: Context) -> int:
    a = ctx.args
    kind, name = parse_what(a.what)
    today = ctx.clock.today()
    on = _day(a.on, "on") if a.on.strip() else today
    check_session_day(on, today)
    at_time = _time(a.at)
    session = TreatmentSession(
        on=on,
        kind=kind,
        name=name,
        at_time=at_time,
        zone=_zone_name(ctx) if at_time is not None else "",
        where=" ".join(a.where.split()),
        note=a.note.strip(),
    )
    journal = ctx.journal
    saved = refuse_duplicate(
        lambda: journal.add_session(session, ctx.now(), again=a.again),
        lambda exc: f"{exc.message}; nothing was saved. Add --again if it is meant.",
    )
    say(f"Saved: {session_words(saved)} (session {saved.id}).")
    fulfilled = [p for p in journal.planned_sessions(today) if p.session_id == saved.id]
    for planned in fulfilled:
        say(f"It counts for planned session {planned.label} of course {planned.course.id} ({planned.on}).")
    return 0


def session_json(session: TreatmentSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "on": session.on.isoformat(),
        "at": f"{session.at_time:%H:%M}" if session.at_time else None,
        "zone": session.zone or None,
        "kind": session.kind.value,
        "what": session.what,
        "name": what_key(session.kind, session.name),
        "where": session.where,
        "note": session.note,
    }


def planned_json(planned: Planned) -> dict[str, Any]:
    return {
        "course": planned.course.id,
        "on": planned.on.isoformat(),
        "at": f"{planned.course.at_time:%H:%M}" if planned.course.at_time else None,
        "what": planned.what,
        "index": planned.index,
        "of": planned.of,
        "state": planned.state.value,
        "session": planned.session_id,
    }


def _session_line(session: TreatmentSession) -> str:
    when = f"{session.on:%a} {session.on.day:>2} {session.on:%b %Y}"
    when += f" {session.at_time:%H:%M}" if session.at_time else "      "
    bits = [f"{session.id:>3}  {when}  {session.what}"]
    if session.where:
        bits.append(f"at {session.where}")
    if session.note:
        first = session.note.splitlines()[0]
        bits.append(f"— {first}")
    return "  ".join(bits)


def _planned_line(planned: Planned) -> str:
    time_text = f" {planned.course.at_time:%H:%M}" if planned.course.at_time else ""
    where = f" at {planned.course.where}" if planned.course.where else ""
    return (
        f"       {planned.on:%a} {planned.on.day:>2} {planned.on:%b %Y}{time_text}  {planned.what}{where} "
        f"({planned.label}, course {planned.course.id})"
    )


def session_list(ctx: Context) -> int:
    journal = ctx.journal
    sessions = journal.sessions()
    if ctx.as_json:
        ctx.emit_json([session_json(s) for s in sessions])
        return 0
    coming = upcoming(journal.planned_sessions(ctx.clock.today()))
    if not sessions and not coming:
        print(
            "No treatment sessions yet. Record one: rpltrack session add lit --on YYYY-MM-DD; plan a course: "
            'rpltrack session course lit --every "3 weeks" --from YYYY-MM-DD --count 3'
        )
        return 0
    if coming:
        print("Planned:")
        for planned in coming:
            say(_planned_line(planned))
    if sessions:
        print("Recorded:" if not coming else "\nRecorded:")
        for session in reversed(sessions):
            say(_session_line(session))
    return 0


def session_edit(ctx: Context) -> int:
    a = ctx.args
    fields: dict[str, Any] = {}
    if a.what is not None:
        fields["kind"], fields["name"] = parse_what(a.what)
    if a.on is not None:
        fields["on"] = _day(a.on, "on")
        check_session_day(fields["on"], ctx.clock.today())
    if a.at is not None:
        fields["at_time"] = _time(a.at)
        fields["zone"] = _zone_name(ctx) if fields["at_time"] is not None else ""
    if a.where is not None:
        fields["where"] = " ".join(a.where.split())
    if a.note is not None:
        fields["note"] = a.note.strip()
    if not fields:
        raise ValidationError("nothing to change: give --what, --on, --at, --where or --note", field="id")
    journal = ctx.journal
    current = journal.session(a.id)
    saved = journal.edit_session(a.id, ctx.now(), **fields)
    words = session_differences(current, saved)
    what = f"{session_words(current)} (session {a.id})"
    return say_edit(what, words)


def session_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    current = journal.session(a.id)
    dependents = journal.dependents_of_session(a.id)
    what = f"{session_words(current)} (session {a.id})"
    also = f", with {' and '.join(dependents)}" if dependents else ""
    confirm_or_refuse(f"Delete {what}{also}?", yes=a.yes)
    journal.delete_session(a.id, ctx.now(), with_dependents=True)
    say(f"Deleted {what}{also}. rpltrack undo takes it back.")
    return 0


# -- courses -------------------------------------------------------------------------------------------------


def course_add(ctx: Context) -> int:
    a = ctx.args
    kind, name = parse_what(a.what)
    course = Course(
        kind=kind,
        name=name,
        start_on=_day(a.start, "from"),
        every=parse_every(a.every),
        count=a.count,
        until_on=_day(a.until, "until") if a.until is not None else None,
        at_time=_time(a.at),
        zone=_zone_name(ctx),
        where=" ".join(a.where.split()),
        note=a.note.strip(),
    )
    saved = ctx.journal.add_course(course, ctx.now())
    dates = ", ".join(f"{d:%a} {d.day} {d:%b %Y}" for d in saved.planned())
    say(f"Planned: {course_words(saved)} (course {saved.id}): {dates}.")
    return 0


def course_json(course: Course, planned: list[Planned]) -> dict[str, Any]:
    return {
        "id": course.id,
        "kind": course.kind.value,
        "what": course.what,
        "name": what_key(course.kind, course.name),
        "from": course.start_on.isoformat(),
        "every": course.every.text,
        "count": course.count,
        "until": course.until_on.isoformat() if course.until_on else None,
        "at": f"{course.at_time:%H:%M}" if course.at_time else None,
        "zone": course.zone or None,
        "where": course.where,
        "note": course.note,
        "stopped_on": course.stopped_on.isoformat() if course.stopped_on else None,
        "planned": [planned_json(p) for p in planned if p.course.id == course.id],
    }


def course_list(ctx: Context) -> int:
    journal = ctx.journal
    courses = journal.courses()
    planned = journal.planned_sessions(ctx.clock.today())
    if ctx.as_json:
        ctx.emit_json([course_json(c, planned) for c in courses])
        return 0
    if not courses:
        print(
            'No courses planned. Plan one: rpltrack session course lit --every "3 weeks" '
            "--from YYYY-MM-DD --count 3"
        )
        return 0
    for course in courses:
        stopped = f" [stopped {course.stopped_on}]" if course.stopped_on else ""
        where = f" at {course.where}" if course.where else ""
        say(f"{course.id:>3}  {course_words(course)}{where}{stopped}")
        for item in (p for p in planned if p.course.id == course.id):
            done = f" (session {item.session_id})" if item.session_id is not None else ""
            day = f"{item.on:%a} {item.on.day:>2} {item.on:%b %Y}"
            say(f"       {item.label:>7}  {day}  {item.state.value}{done}")
    return 0


def course_edit(ctx: Context) -> int:
    a = ctx.args
    fields: dict[str, Any] = {}
    if a.what is not None:
        fields["kind"], fields["name"] = parse_what(a.what)
    if a.every is not None:
        fields["every"] = parse_every(a.every)
    if a.start is not None:
        fields["start_on"] = _day(a.start, "from")
    if a.count is not None:
        fields["count"] = a.count
    if a.until is not None:
        fields["until_on"] = _day(a.until, "until")
    if a.at is not None:
        fields["at_time"] = _time(a.at)
    if a.where is not None:
        fields["where"] = " ".join(a.where.split())
    if a.note is not None:
        fields["note"] = a.note.strip()
    if not fields:
        raise ValidationError(
            "nothing to change: give --what, --every, --from, --count, --until, --at, --where or --note",
            field="id",
        )
    journal = ctx.journal
    current = journal.course(a.id)
    saved = journal.edit_course(a.id, ctx.now(), **fields)
    words = course_differences(current, saved)
    what = f"the {course_words(current)} (course {a.id})"
    return say_edit(what, words)


def course_stop(ctx: Context) -> int:
    a = ctx.args
    on = _day(a.on, "on") if a.on.strip() else ctx.clock.today()
    saved = ctx.journal.stop_course(a.id, on, ctx.now())
    say(
        f"Stopped the {course_words(saved)} (course {a.id}) on {on}: no session is planned after it. "
        "rpltrack undo takes it back."
    )
    return 0


def course_delete(ctx: Context) -> int:
    a = ctx.args
    journal = ctx.journal
    current = journal.course(a.id)
    what = f"the {course_words(current)} (course {a.id})"
    confirm_or_refuse(f"Delete {what}? The sessions you recorded are kept.", yes=a.yes)
    journal.delete_course(a.id, ctx.now(), with_dependents=True)
    say(f"Deleted {what}. rpltrack undo takes it back.")
    return 0
