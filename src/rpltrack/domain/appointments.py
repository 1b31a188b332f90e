"""Appointments: when, with whom, where, why, her questions (some from flags), and what was decided."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from rpltrack.domain.errors import ValidationError, parse_choice
from rpltrack.domain.models import require_aware
from rpltrack.domain.records import record

MAX_TEXT = 2000
MAX_LINE = 200


class AppointmentKind(StrEnum):
    RE = "re"  # reproductive endocrinologist
    OB = "ob"
    HEMATOLOGY = "hematology"
    ENDOCRINOLOGY = "endocrinology"
    NURSE = "nurse"
    LAB = "lab"  # a blood draw
    ULTRASOUND = "ultrasound"
    OTHER = "other"


KIND_WORDS: dict[AppointmentKind, str] = {
    AppointmentKind.RE: "reproductive endocrinologist",
    AppointmentKind.OB: "obstetrician",
    AppointmentKind.HEMATOLOGY: "hematologist",
    AppointmentKind.ENDOCRINOLOGY: "endocrinologist",
    AppointmentKind.NURSE: "nurse",
    AppointmentKind.LAB: "blood draw",
    AppointmentKind.ULTRASOUND: "ultrasound",
    AppointmentKind.OTHER: "appointment",
}


def parse_appointment_kind(text: str) -> AppointmentKind:
    return parse_choice(AppointmentKind, text, "kind of appointment", "kind")


def _check_text(value: str, what: str, field: str, limit: int = MAX_LINE) -> None:
    if len(value) > limit:
        raise ValidationError(f"{what} can be at most {limit} characters", field=field)
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValidationError(f"{what} contains a control character: please retype it", field=field)


@record(frozen=True)
class Question:
    """A question for an appointment: her own, or one made from a flag (`flag_key`)."""

    text: str
    flag_key: str | None = None
    asked: bool = False  # ticked off at the visit
    answer: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValidationError("a question needs some words", field="question")
        _check_text(self.text, "a question", "question", MAX_TEXT)
        _check_text(self.answer, "an answer", "answer", MAX_TEXT)


@record(frozen=True)
class Appointment:
    """An appointment at an instant (shown in the zone it was made in), with whom and why.

    `done_at` is set when she records the visit as done; `decided` is what was decided there."""

    at: datetime  # aware; its zone is the one she entered it in
    kind: AppointmentKind
    with_name: str = ""
    where: str = ""
    purpose: str = ""
    notes: str = ""
    decided: str = ""
    done_at: datetime | None = None
    cancelled: bool = False
    questions: tuple[Question, ...] = ()
    id: int | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.at, "at")
        if self.done_at is not None:
            require_aware(self.done_at, "done_at")
        _check_text(self.with_name, "the name", "with")
        _check_text(self.where, "the place", "where")
        _check_text(self.purpose, "the purpose", "purpose")
        _check_text(self.notes, "the notes", "notes", MAX_TEXT)
        _check_text(self.decided, "what was decided", "decided", MAX_TEXT)

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def title(self) -> str:
        """'Dr Lee (hematologist)', or the kind alone: 'ultrasound'."""
        kind = KIND_WORDS[self.kind]
        return f"{self.with_name} ({kind})" if self.with_name else kind[0].upper() + kind[1:]

    def upcoming(self, now: datetime) -> bool:
        return not self.done and not self.cancelled and self.at >= now
