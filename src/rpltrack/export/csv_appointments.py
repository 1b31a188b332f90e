"""appointments.csv and appointment_questions.csv (pure): one row per appointment, and the questions she
keeps for them one per row; a question made from a flag names the flag's title (its key is the Flag ID)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from zoneinfo import ZoneInfo

from rpltrack.domain.appointments import KIND_WORDS, Appointment, Question
from rpltrack.domain.records import record
from rpltrack.export.csv_columns import Column, Table, iso, lines, local, table, whole, yes, zone_name
from rpltrack.export.csv_data import ExportData, between, local_day
from rpltrack.export.csv_flag_words import rule_name

APPOINTMENTS = "appointments.csv"
QUESTIONS = "appointment_questions.csv"


@record(frozen=True)
class AppointmentLine:
    appt: Appointment
    zone: ZoneInfo


def question_words(q: Question) -> str:
    """'When is the first beta? (asked; answer: in 9 days)': a question as the appointment's cell lists it."""
    marks = [*(["asked"] if q.asked else []), *([f"answer: {q.answer}"] if q.answer else [])]
    return f"{q.text} ({'; '.join(marks)})" if marks else q.text


A = AppointmentLine
AT = Column[A]("At (ISO 8601)", lambda r: iso(r.appt.at, r.zone))
AT_LOCAL = Column[A]("At (local)", lambda r: local(r.appt.at, r.zone))
KIND = Column[A]("Kind", lambda r: r.appt.kind.value)
KIND_IN_WORDS = Column[A]("Kind (words)", lambda r: KIND_WORDS[r.appt.kind])
WITH = Column[A]("With", lambda r: r.appt.with_name)
WHERE = Column[A]("Where", lambda r: r.appt.where)
PURPOSE = Column[A]("Purpose", lambda r: r.appt.purpose)
NOTES = Column[A]("Notes", lambda r: r.appt.notes)
DECIDED = Column[A]("Decided", lambda r: r.appt.decided)
DONE_AT = Column[A]("Done at (ISO 8601)", lambda r: iso(r.appt.done_at, r.zone))
CANCELLED = Column[A]("Cancelled", lambda r: yes(r.appt.cancelled))
QUESTION_LIST = Column[A]("Questions", lambda r: lines(question_words(q) for q in r.appt.questions))
TIME_ZONE = Column[A]("Time zone", lambda r: zone_name(r.appt.at))
ENTERED_AT = Column[A]("Entered at (ISO 8601)", lambda r: iso(r.appt.created_at, r.zone))
APPOINTMENT_ID = Column[A]("Appointment ID", lambda r: whole(r.appt.id), numeric=True)

APPOINTMENT_COLUMNS = (
    AT,
    AT_LOCAL,
    KIND,
    KIND_IN_WORDS,
    WITH,
    WHERE,
    PURPOSE,
    NOTES,
    DECIDED,
    DONE_AT,
    CANCELLED,
    QUESTION_LIST,
    TIME_ZONE,
    ENTERED_AT,
    APPOINTMENT_ID,
)


@record(frozen=True)
class QuestionLine:
    """A question with its appointment; `from_flag` names the flag it was made from, in words."""

    appt: Appointment
    question: Question
    from_flag: str
    zone: ZoneInfo


Q = QuestionLine
QUESTION_AT = Column[Q]("Appointment at (local)", lambda r: local(r.appt.at, r.zone))
QUESTION_APPOINTMENT = Column[Q]("Appointment", lambda r: r.appt.title)
QUESTION = Column[Q]("Question", lambda r: r.question.text)
ASKED = Column[Q]("Asked", lambda r: yes(r.question.asked))
ANSWER = Column[Q]("Answer", lambda r: r.question.answer)
FROM_FLAG = Column[Q]("From flag", lambda r: r.from_flag)
FLAG_ID = Column[Q]("Flag ID", lambda r: r.question.flag_key or "")
QUESTION_APPOINTMENT_ID = Column[Q]("Appointment ID", lambda r: whole(r.appt.id), numeric=True)
QUESTION_ID = Column[Q]("Question ID", lambda r: whole(r.question.id), numeric=True)

QUESTION_COLUMNS = (
    QUESTION_AT,
    QUESTION_APPOINTMENT,
    QUESTION,
    ASKED,
    ANSWER,
    FROM_FLAG,
    FLAG_ID,
    QUESTION_APPOINTMENT_ID,
    QUESTION_ID,
)


def appointments_in(data: ExportData) -> list[Appointment]:
    """The appointments of the period, by time."""
    ordered = sorted(data.appointments, key=lambda a: (a.at.astimezone(UTC), a.id or 0))
    return [a for a in ordered if between(data, local_day(a.at, data.zone))]


def appointments_table(data: ExportData) -> Table:
    """One row per appointment, its questions listed in one cell (appointment_questions.csv has them one
    per row)."""
    return table(
        APPOINTMENTS, APPOINTMENT_COLUMNS, (AppointmentLine(a, data.zone) for a in appointments_in(data))
    )


def _flag_words(key: str | None, titles: dict[str, str]) -> str:
    """The title of the flag a question was made from; the rule's name when the flag no longer shows."""
    if key is None:
        return ""
    return titles.get(key) or f"{rule_name(key.split(':', 1)[0])} (no longer showing)"


def _question_lines(data: ExportData) -> Iterator[QuestionLine]:
    titles = {f.key: f.title for f in data.flags if f.title}
    for appt in appointments_in(data):
        for q in appt.questions:
            yield QuestionLine(appt, q, _flag_words(q.flag_key, titles), data.zone)


def questions_table(data: ExportData) -> Table:
    """The questions of the appointments of the period, one per row, by appointment."""
    return table(QUESTIONS, QUESTION_COLUMNS, _question_lines(data))
