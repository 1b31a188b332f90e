"""sessions.csv: treatment sessions she recorded and the courses she planned (pure), and reading it back.

One file, one line per record: `Record` says whether a line is a recorded session or a planned course (as
cycle_events.csv does for events and transfers). A course's `Planned sessions` cell (each planned day and
whether a recorded session counts for it) is computed from the records and ignored by the importer.
LIT sessions in an export made before sessions had their own file are lab rows (test key "lit"); the importer
turns those into sessions with the same ids, as the journal's upgrade does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, time
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labs import LabResult
from rpltrack.domain.records import record
from rpltrack.domain.sessions import (
    Course,
    PlanState,
    SessionKind,
    TreatmentSession,
    parse_every,
    plan,
    what_words,
)
from rpltrack.export.csv_columns import Column, Table, day, iso, lines, table, whole
from rpltrack.export.csv_data import ExportData
from rpltrack.export.csv_read import Row, read_table

SESSIONS = "sessions.csv"
SESSION_RECORD = "session"
COURSE_RECORD = "course"
_PLAN_WORDS = {PlanState.DONE: "done", PlanState.UPCOMING: "upcoming", PlanState.NOT_RECORDED: "not recorded"}


@record(frozen=True)
class SessionLine:
    """A recorded session, or a planned course with its planned days in words."""

    session: TreatmentSession | None
    course: Course | None
    planned: tuple[str, ...]
    zone: ZoneInfo

    @property
    def either(self) -> TreatmentSession | Course:
        held = self.session or self.course
        assert held is not None
        return held


def _hhmm(at: time | None) -> str:
    return "" if at is None else f"{at:%H:%M}"


def _what(line: SessionLine) -> str:
    if line.session is not None:
        return line.session.what
    assert line.course is not None
    return what_words(line.course.kind, line.course.name)


def _of_course(line: SessionLine, get: Callable[[Course], str]) -> str:
    return "" if line.course is None else get(line.course)


X = SessionLine
DATE = Column[X](
    "Date", lambda r: r.session.on.isoformat() if r.session else _of_course(r, lambda c: day(c.start_on))
)
TIME = Column[X]("Time (local)", lambda r: _hhmm(r.either.at_time))
WHAT = Column[X]("What", _what)
KIND = Column[X]("Kind", lambda r: r.either.kind.value)
OWN_WORDS = Column[X]("Own words", lambda r: r.either.name)
WHERE = Column[X]("Where", lambda r: r.either.where)
NOTE = Column[X]("Note", lambda r: r.either.note)
EVERY = Column[X]("Every", lambda r: _of_course(r, lambda c: c.every.text))
PLANNED_COUNT = Column[X]("Sessions planned", lambda r: _of_course(r, lambda c: whole(c.count)), numeric=True)
UNTIL = Column[X]("Until", lambda r: _of_course(r, lambda c: day(c.until_on)))
STOPPED_ON = Column[X]("Stopped on", lambda r: _of_course(r, lambda c: day(c.stopped_on)))
PLANNED = Column[X]("Planned sessions", lambda r: lines(r.planned))
TIME_ZONE = Column[X]("Time zone", lambda r: r.either.zone)
ENTERED_AT = Column[X]("Entered at (ISO 8601)", lambda r: iso(r.either.created_at, r.zone))
RECORD = Column[X]("Record", lambda r: SESSION_RECORD if r.session else COURSE_RECORD)
ID = Column[X]("ID", lambda r: str(r.either.id or ""), numeric=True)
SESSION_COLUMNS = (
    DATE,
    TIME,
    WHAT,
    KIND,
    OWN_WORDS,
    WHERE,
    NOTE,
    EVERY,
    PLANNED_COUNT,
    UNTIL,
    STOPPED_ON,
    PLANNED,
    TIME_ZONE,
    ENTERED_AT,
    RECORD,
    ID,
)


def _in_period(data: ExportData, first: date, last: date) -> bool:
    if data.end is not None and first > data.end:
        return False
    return not (data.start is not None and last < data.start)


def sessions_table(data: ExportData) -> Table:
    """The sessions and courses of the period, by date; a course with its planned days and their states."""
    today = data.now.astimezone(data.zone).date()
    planned = plan(data.courses, data.sessions, today)
    found: list[tuple[date, int, int, SessionLine]] = []
    for s in data.sessions:
        if _in_period(data, s.on, s.on):
            found.append((s.on, 0, s.id or 0, SessionLine(s, None, (), data.zone)))
    for c in data.courses:
        if not _in_period(data, c.start_on, c.last_on):
            continue
        days = tuple(
            f"{p.on.isoformat()} {_PLAN_WORDS[p.state]}"
            + (f" (session {p.session_id})" if p.session_id else "")
            for p in planned
            if p.course.id == c.id
        )
        found.append((c.start_on, 1, c.id or 0, SessionLine(None, c, days, data.zone)))
    found.sort(key=lambda item: item[:3])
    return table(SESSIONS, SESSION_COLUMNS, (line for *_, line in found))


# -- reading it back --------------------------------------------------------------------------------------


def _opt_time(row: Row) -> time | None:
    text = row.text(TIME)
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise row.fail(f"{TIME.header} {text!r} is not a time (HH:MM)") from None


def _session(row: Row) -> TreatmentSession:
    kind = SessionKind(row.choice(KIND, [k.value for k in SessionKind]))
    return row.build(
        lambda: TreatmentSession(
            on=row.day(DATE),
            kind=kind,
            name=row.text(OWN_WORDS),
            at_time=_opt_time(row),
            zone=row.text(TIME_ZONE),
            where=row.text(WHERE),
            note=row.text(NOTE),
            id=row.whole(ID),
            created_at=row.opt_instant(ENTERED_AT),
        )
    )


def _course(row: Row) -> Course:
    kind = SessionKind(row.choice(KIND, [k.value for k in SessionKind]))
    every = row.build(lambda: parse_every(row.text(EVERY)))
    return row.build(
        lambda: Course(
            kind=kind,
            start_on=row.day(DATE),
            every=every,
            count=row.opt_whole(PLANNED_COUNT),
            until_on=row.opt_day(UNTIL),
            name=row.text(OWN_WORDS),
            at_time=_opt_time(row),
            zone=row.text(TIME_ZONE),
            where=row.text(WHERE),
            note=row.text(NOTE),
            stopped_on=row.opt_day(STOPPED_ON),
            id=row.whole(ID),
            created_at=row.opt_instant(ENTERED_AT),
        )
    )


def _unique(what: str, ids: Sequence[int | None]) -> None:
    seen: set[int | None] = set()
    for ident in ids:
        if ident in seen:
            raise ValidationError(f"{SESSIONS} ({what}) lists id {ident} twice", field="dir")
        seen.add(ident)


def lit_lab_session(result: LabResult) -> TreatmentSession:
    """A LIT session that an older export kept as a lab result, as a session with the same id (as the
    journal's upgrade moves them: the laboratory as the place, the note kept)."""
    extras = (
        [f"range {result.reference.raw}"] if result.reference is not None and result.reference.raw else []
    )
    if result.on_anticoagulant:
        extras.append("on an anticoagulant")
    note = result.note
    if extras:
        moved = f"(From the lab entry: {'; '.join(extras)}.)"
        note = f"{note}\n{moved}" if note else moved
    return TreatmentSession(
        on=result.on,
        kind=SessionKind.LIT,
        where=result.lab[:200],
        note=note,
        id=result.id,
        created_at=result.created_at,
    )


def read_sessions(
    files: Mapping[str, str], labs: Sequence[LabResult]
) -> tuple[tuple[LabResult, ...], tuple[TreatmentSession, ...], tuple[Course, ...]]:
    """(labs without LIT sessions, sessions, courses) of an export: sessions.csv when the export has one (an
    export made before it existed has none), and LIT sessions kept as labs by such an older export."""
    sessions: list[TreatmentSession] = []
    courses: list[Course] = []
    if SESSIONS in files:
        for row in read_table(SESSIONS, files[SESSIONS], SESSION_COLUMNS):
            if row.choice(RECORD, [SESSION_RECORD, COURSE_RECORD]) == SESSION_RECORD:
                sessions.append(_session(row))
            else:
                courses.append(_course(row))
    kept = tuple(r for r in labs if r.test != "lit")
    sessions += [lit_lab_session(r) for r in labs if r.test == "lit"]
    _unique("sessions", [s.id for s in sessions])
    _unique("courses", [c.id for c in courses])
    return kept, tuple(sessions), tuple(courses)
