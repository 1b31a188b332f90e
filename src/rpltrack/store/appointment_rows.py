"""Row <-> model conversion for appointments and their questions (imported on first use)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.store.rows import opt_utc, utc_parse, utc_text

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def zone_name(at: datetime) -> str:
    zone = at.tzinfo
    return zone.key if isinstance(zone, ZoneInfo) else "UTC"


def appointment_values(appt: Appointment, now: datetime) -> dict[str, Any]:
    return {
        "at_utc": utc_text(appt.at),
        "tz": zone_name(appt.at),
        "kind": appt.kind.value,
        "with_name": appt.with_name,
        "where_text": appt.where,
        "purpose": appt.purpose,
        "notes": appt.notes,
        "decided": appt.decided,
        "done_utc": utc_text(appt.done_at) if appt.done_at else None,
        "cancelled": int(appt.cancelled),
        "created_utc": utc_text(appt.created_at or now),
    }


def question_values(appointment_id: int, q: Question, now: datetime) -> dict[str, Any]:
    return {
        "appointment_id": appointment_id,
        "text": q.text,
        "flag_key": q.flag_key,
        "asked": int(q.asked),
        "answer": q.answer,
        "created_utc": utc_text(now),
    }


def question_of(row: sqlite3.Row) -> Question:
    return Question(row["text"], row["flag_key"], bool(row["asked"]), row["answer"], id=row["id"])


def appointment_of(row: sqlite3.Row, questions: tuple[Question, ...]) -> Appointment:
    zone = ZoneInfo(row["tz"])
    done = opt_utc(row["done_utc"])
    return Appointment(
        at=utc_parse(row["at_utc"]).astimezone(zone),
        kind=AppointmentKind(row["kind"]),
        with_name=row["with_name"],
        where=row["where_text"],
        purpose=row["purpose"],
        notes=row["notes"],
        decided=row["decided"],
        done_at=done.astimezone(zone) if done else None,
        cancelled=bool(row["cancelled"]),
        questions=questions,
        id=row["id"],
        created_at=utc_parse(row["created_utc"]),
    )
