"""sessions.csv: treatment sessions she recorded and the courses she planned (pure), and reading it back.

One file, one line per record: `Record` says whether a line is a recorded session or a planned course (as
cycle_events.csv does for events and transfers). A course's `Planned sessions` cell (each planned day and
whether a recorded session counts for it) is computed from the records and ignored by the importer.
LIT sessions in an export made before sessions had their own file are lab rows (test key "lit"); the importer
turns those into sessions with the same ids, as the journal's upgrade does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labs import LabResult
from rpltrack.domain.sessions import (
    Course,
    PlanState,
    SessionKind,
    TreatmentSession,
    parse_every,
    plan,
    what_words,
)
from rpltrack.export import csv_export as ex
from rpltrack.export import csv_import as im

SESSIONS = ex.SESSIONS
SESSION_RECORD = "session"
COURSE_RECORD = "course"
SESSION_COLUMNS = (
    ex.Column("Date"),
    ex.Column("Time (local)"),
    ex.Column("What"),
    ex.Column("Kind"),
    ex.Column("Own words"),
    ex.Column("Where"),
    ex.Column("Note"),
    ex.Column("Every"),
    ex.Column("Sessions planned", numeric=True),
    ex.Column("Until"),
    ex.Column("Stopped on"),
    ex.Column("Planned sessions"),
    ex.Column("Time zone"),
    ex.Column("Entered at (ISO 8601)"),
    ex.Column("Record"),
    ex.Column("ID", numeric=True),
)
_PLAN_WORDS = {PlanState.DONE: "done", PlanState.UPCOMING: "upcoming", PlanState.NOT_RECORDED: "not recorded"}


def _hhmm(at: time | None) -> str:
    return "" if at is None else f"{at:%H:%M}"


def _in_period(data: ex.ExportData, first: date, last: date) -> bool:
    if data.end is not None and first > data.end:
        return False
    return not (data.start is not None and last < data.start)


def sessions_table(data: ex.ExportData) -> ex.Table:
    """The sessions and courses of the period, by date; a course with its planned days and their states."""
    today = data.now.astimezone(data.zone).date()
    planned = plan(data.courses, data.sessions, today)
    found: list[tuple[date, int, int, list[str]]] = []
    for s in data.sessions:
        if not _in_period(data, s.on, s.on):
            continue
        cells = [
            s.on.isoformat(),
            _hhmm(s.at_time),
            s.what,
            s.kind.value,
            s.name,
            s.where,
            s.note,
            "",
            "",
            "",
            "",
            "",
            s.zone,
            ex._iso(s.created_at, data.zone),
            SESSION_RECORD,
            str(s.id or ""),
        ]
        found.append((s.on, 0, s.id or 0, cells))
    for c in data.courses:
        if not _in_period(data, c.start_on, c.last_on):
            continue
        days = [
            f"{p.on.isoformat()} {_PLAN_WORDS[p.state]}"
            + (f" (session {p.session_id})" if p.session_id else "")
            for p in planned
            if p.course.id == c.id
        ]
        cells = [
            c.start_on.isoformat(),
            _hhmm(c.at_time),
            what_words(c.kind, c.name),
            c.kind.value,
            c.name,
            c.where,
            c.note,
            c.every.text,
            "" if c.count is None else str(c.count),
            "" if c.until_on is None else c.until_on.isoformat(),
            "" if c.stopped_on is None else c.stopped_on.isoformat(),
            "\n".join(days),
            c.zone,
            ex._iso(c.created_at, data.zone),
            COURSE_RECORD,
            str(c.id or ""),
        ]
        found.append((c.start_on, 1, c.id or 0, cells))
    found.sort(key=lambda item: item[:3])
    return ex.Table(SESSIONS, SESSION_COLUMNS, [cells for *_, cells in found])


# -- reading it back --------------------------------------------------------------------------------------


def _opt_time(row: im._Row) -> time | None:
    text = row.text("Time (local)")
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise row.fail(f"Time (local) {text!r} is not a time (HH:MM)") from None


def _session(row: im._Row) -> TreatmentSession:
    kind = SessionKind(row.choice("Kind", [k.value for k in SessionKind]))
    return row.build(
        lambda: TreatmentSession(
            on=row.day("Date"),
            kind=kind,
            name=row.text("Own words"),
            at_time=_opt_time(row),
            zone=row.text("Time zone"),
            where=row.text("Where"),
            note=row.text("Note"),
            id=row.whole("ID"),
            created_at=row.opt_instant("Entered at (ISO 8601)"),
        )
    )


def _course(row: im._Row) -> Course:
    kind = SessionKind(row.choice("Kind", [k.value for k in SessionKind]))
    every = row.build(lambda: parse_every(row.text("Every")))
    return row.build(
        lambda: Course(
            kind=kind,
            start_on=row.day("Date"),
            every=every,
            count=row.opt_whole("Sessions planned"),
            until_on=row.opt_day("Until"),
            name=row.text("Own words"),
            at_time=_opt_time(row),
            zone=row.text("Time zone"),
            where=row.text("Where"),
            note=row.text("Note"),
            stopped_on=row.opt_day("Stopped on"),
            id=row.whole("ID"),
            created_at=row.opt_instant("Entered at (ISO 8601)"),
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
        for row in im.read_table(SESSIONS, files[SESSIONS], SESSION_COLUMNS):
            record = row.choice("Record", [SESSION_RECORD, COURSE_RECORD])
            if record == SESSION_RECORD:
                sessions.append(_session(row))
            else:
                courses.append(_course(row))
    kept = tuple(r for r in labs if r.test != "lit")
    sessions += [lit_lab_session(r) for r in labs if r.test == "lit"]
    _unique("sessions", [s.id for s in sessions])
    _unique("courses", [c.id for c in courses])
    return kept, tuple(sessions), tuple(courses)
