"""The Treatments forms: record or correct a treatment session, plan or change a course of them, stop one.

Each is an EntryForm: every field that cannot be read is said beside it at once, the form saves while it is
still open (so a refusal keeps her entry), and it closes with what was saved, already on disk. What she
types is read as `rpltrack session add` and `session course` read it: 'LIT', 'IVIG', 'intralipid' or a few
words of her own; 'every 3 weeks'; a number of sessions or a last day.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Any

from textual.suggester import SuggestFromList
from textual.widgets import Input

from rpltrack.domain.datetext import parse_date
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import parse_time
from rpltrack.domain.sessions import (
    KIND_NAMES,
    MAX_COUNT,
    Course,
    SessionKind,
    TreatmentSession,
    check_session_day,
    parse_every,
    parse_what,
)
from rpltrack.tui.screens.entry_form import Checks, EntryForm, Field, optional

SESSIONS_CSS = str(Path(__file__).resolve().parent.parent / "sessions.tcss")

WHAT_PLACEHOLDER = "LIT, IVIG or intralipid"
WHAT_HINT = "or a few words of your own"
SUGGESTED = ("LIT", "IVIG", "Intralipid")

# Short placeholders in the field, and the rest beside it (where a message goes when it cannot be read), so
# the form keeps room for both at 80 columns.
SESSION_FIELDS = (
    Field("what", "What", WHAT_PLACEHOLDER, hint=WHAT_HINT),
    Field("on", "Day", "YYYY-MM-DD", hint="empty: today"),
    Field("at", "Time", "HH:MM", hint="optional, e.g. 09:30", also=("tz",)),
    Field("where", "Where", "optional", hint="e.g. the clinic"),
    Field("note", "Note", "optional"),
)
COURSE_FIELDS = (
    Field("what", "What", WHAT_PLACEHOLDER, hint=WHAT_HINT),
    Field("from", "First session", "YYYY-MM-DD"),
    Field("every", "Every", "e.g. 3 weeks", hint="or 4 weeks, 21 days, 1 month"),
    Field("count", "Sessions", f"how many, 1-{MAX_COUNT}", hint="or a last day below"),
    Field("until", "Or until", "YYYY-MM-DD", hint="the last possible day"),
    Field("at", "Time", "HH:MM", hint="optional, e.g. 09:30", also=("tz",)),
    Field("where", "Where", "optional", hint="e.g. the clinic"),
    Field("note", "Note", "optional"),
)
# Changing a course: the same form, with the day it stopped (empty while it runs).
STOPPED_FIELD = Field("stopped", "Stopped on", "YYYY-MM-DD", hint="empty while it runs")
STOP_FIELDS = (Field("stopped", "Stopped on", "YYYY-MM-DD", hint="empty: today"),)


def time_of(text: str) -> time | None:
    """'09:30' -> 09:30; empty -> None; else a ValidationError about the Time field."""
    if not text.strip():
        return None
    try:
        return parse_time(text.strip())
    except ValidationError as exc:
        raise exc.with_field("at") from None


def what_text(kind: SessionKind, name: str) -> str:
    """What the form shows in What: 'LIT', 'IVIG', 'Intralipid', or her own words (read back the same)."""
    return name if kind is SessionKind.OTHER else KIND_NAMES[kind]


def time_text(at_time: time | None) -> str:
    return f"{at_time:%H:%M}" if at_time is not None else ""


# -- sessions ---------------------------------------------------------------------------------------------


def session_values(session: TreatmentSession) -> dict[str, str]:
    """A session as the form's text, to change it."""
    return {
        "what": what_text(session.kind, session.name),
        "on": session.on.isoformat(),
        "at": time_text(session.at_time),
        "where": session.where,
        "note": session.note,
    }


def read_session(entered: dict[str, str], today: date, zone: str) -> TreatmentSession:
    """What she entered as an unsaved session (a time of day is in `zone`, her zone); every field that
    cannot be read is said at once, beside it."""
    checks = Checks()
    fields: dict[str, Any] = {}
    with checks.on("what"):
        fields["kind"], fields["name"] = parse_what(entered["what"])
    with checks.on("on"):
        on = parse_date(entered["on"], "on") if entered["on"].strip() else today
        check_session_day(on, today)
        fields["on"] = on
    with checks.on("at"):
        fields["at_time"] = time_of(entered["at"])
    checks.done()
    session: TreatmentSession | None = None
    with checks.on("note"):  # the model names the field it refuses (what, at, where, note)
        session = TreatmentSession(
            **fields,
            zone=zone if fields["at_time"] is not None else "",
            where=optional(entered["where"]),
            note=entered["note"].strip(),
        )
    checks.done()
    assert session is not None
    return session


def session_changes(current: TreatmentSession, entered: TreatmentSession) -> dict[str, Any]:
    """The fields to give edit_session: all of them, but a time left as it was keeps the zone it was
    entered in."""
    fields: dict[str, Any] = {
        "on": entered.on,
        "kind": entered.kind,
        "name": entered.name,
        "where": entered.where,
        "note": entered.note,
    }
    if entered.at_time != current.at_time:
        fields["at_time"], fields["zone"] = entered.at_time, entered.zone
    return fields


# -- courses ----------------------------------------------------------------------------------------------


def course_values(course: Course) -> dict[str, str]:
    """A course as the form's text, to change it."""
    return {
        "what": what_text(course.kind, course.name),
        "from": course.start_on.isoformat(),
        "every": course.every.text,
        "count": str(course.count) if course.count is not None else "",
        "until": course.until_on.isoformat() if course.until_on is not None else "",
        "at": time_text(course.at_time),
        "where": course.where,
        "note": course.note,
        "stopped": course.stopped_on.isoformat() if course.stopped_on is not None else "",
    }


def count_of(text: str) -> int:
    cleaned = text.strip()
    if not cleaned.isdigit():
        raise ValidationError(
            f"the number of sessions is a whole number, like 3 ({cleaned!r} was entered)", field="count"
        )
    return int(cleaned)


def read_course(entered: dict[str, str], zone: str, *, current: Course | None = None) -> Course:
    """What she entered as an unsaved course (planned in `zone`, or the zone `current` was planned in);
    every field that cannot be read is said at once, beside it."""
    checks = Checks()
    fields: dict[str, Any] = {}
    with checks.on("what"):
        fields["kind"], fields["name"] = parse_what(entered["what"])
    with checks.on("from"):
        if not entered["from"].strip():
            raise ValidationError("give the day of the first session, YYYY-MM-DD", field="from")
        fields["start_on"] = parse_date(entered["from"], "from")
    with checks.on("every"):
        if not entered["every"].strip():
            raise ValidationError('say how often, like "3 weeks" or "4 weeks"', field="every")
        fields["every"] = parse_every(entered["every"])
    count_text, until_text = entered["count"].strip(), entered["until"].strip()
    if count_text and until_text:
        checks.fail("count", "give the number of sessions or the last day (Or until), not both")
    elif not count_text and not until_text:
        checks.fail("count", "say how many sessions, or give the last day in Or until")
    fields["count"] = fields["until_on"] = None
    if count_text:
        with checks.on("count"):
            fields["count"] = count_of(count_text)
    if until_text:
        with checks.on("until"):
            fields["until_on"] = parse_date(until_text, "until")
    with checks.on("at"):
        fields["at_time"] = time_of(entered["at"])
    stopped_text = entered.get("stopped", "").strip()
    fields["stopped_on"] = current.stopped_on if current is not None and "stopped" not in entered else None
    if stopped_text:
        with checks.on("stopped"):
            fields["stopped_on"] = parse_date(stopped_text, "stopped")
    checks.done()
    course: Course | None = None
    with checks.on("count"):
        course = Course(
            **fields,
            zone=current.zone if current is not None and current.zone else zone,
            where=optional(entered["where"]),
            note=entered["note"].strip(),
        )
    checks.done()
    assert course is not None
    return course


def course_changes(entered: Course) -> dict[str, Any]:
    """The fields to give edit_course (all of them: the journal changes only what differs)."""
    return {
        "kind": entered.kind,
        "name": entered.name,
        "start_on": entered.start_on,
        "every": entered.every,
        "count": entered.count,
        "until_on": entered.until_on,
        "at_time": entered.at_time,
        "zone": entered.zone,
        "where": entered.where,
        "note": entered.note,
        "stopped_on": entered.stopped_on,
    }


def read_stop(entered: dict[str, str], today: date) -> date:
    text = entered["stopped"].strip()
    return parse_date(text, "stopped") if text else today


# -- the form -----------------------------------------------------------------------------------------------


class SessionForm(EntryForm[Any]):
    """A Treatments form (a session, a course, or the day a course stopped): 'What' suggests LIT, IVIG and
    Intralipid as she types (→ takes one). Its rules of its own are in sessions.tcss, which the Treatments
    screen has loaded before it opens."""

    def on_mount(self) -> None:
        super().on_mount()
        for field in self.query("#entry-what").results(Input):
            field.suggester = SuggestFromList(SUGGESTED, case_sensitive=False)
