"""Row <-> model conversion for treatment sessions and their courses (imported on first use)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time

from rpltrack.domain.sessions import Course, Every, EveryUnit, SessionKind, TreatmentSession
from rpltrack.store.rows import utc_parse, utc_text

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _time_text(at: time | None) -> str | None:
    return None if at is None else f"{at:%H:%M}"


def _time_of(text: str | None) -> time | None:
    return None if not text else time.fromisoformat(text)


def _day_of(text: str | None) -> date | None:
    return None if not text else date.fromisoformat(text)


def session_values(session: TreatmentSession, now: datetime) -> dict[str, Any]:
    return {
        "on_date": session.on.isoformat(),
        "kind": session.kind.value,
        "name": session.name,
        "at_time": _time_text(session.at_time),
        "tz": session.zone if session.at_time is not None else "",
        "where_text": session.where,
        "note": session.note,
        "created_utc": utc_text(session.created_at or now),
    }


def session_of(row: sqlite3.Row) -> TreatmentSession:
    return TreatmentSession(
        on=date.fromisoformat(row["on_date"]),
        kind=SessionKind(row["kind"]),
        name=row["name"],
        at_time=_time_of(row["at_time"]),
        zone=row["tz"],
        where=row["where_text"],
        note=row["note"],
        id=row["id"],
        created_at=utc_parse(row["created_utc"]),
    )


def course_values(course: Course, now: datetime) -> dict[str, Any]:
    return {
        "start_on": course.start_on.isoformat(),
        "every_n": course.every.n,
        "every_unit": course.every.unit.value,
        "count": course.count,
        "until_on": course.until_on.isoformat() if course.until_on else None,
        "stopped_on": course.stopped_on.isoformat() if course.stopped_on else None,
        "kind": course.kind.value,
        "name": course.name,
        "at_time": _time_text(course.at_time),
        "tz": course.zone,
        "where_text": course.where,
        "note": course.note,
        "created_utc": utc_text(course.created_at or now),
    }


def course_of(row: sqlite3.Row) -> Course:
    start = date.fromisoformat(row["start_on"])
    return Course(
        kind=SessionKind(row["kind"]),
        start_on=start,
        every=Every(int(row["every_n"]), EveryUnit(row["every_unit"])),
        count=row["count"],
        until_on=_day_of(row["until_on"]),
        name=row["name"],
        at_time=_time_of(row["at_time"]),
        zone=row["tz"],
        where=row["where_text"],
        note=row["note"],
        stopped_on=_day_of(row["stopped_on"]),
        id=row["id"],
        created_at=utc_parse(row["created_utc"]),
    )
