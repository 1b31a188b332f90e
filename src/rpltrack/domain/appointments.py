"""Appointments: when, with whom, where, why, her questions (some from flags), and what was decided."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from rpltrack.domain.errors import ValidationError, parse_choice
from rpltrack.domain.models import require_aware
from rpltrack.domain.records import record
from rpltrack.domain.words import quoted, text_change

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
        """Not yet happened, kept or cancelled (compared in UTC: a repeated hour's second pass counts)."""
        return not self.done and not self.cancelled and self.at.astimezone(UTC) >= now.astimezone(UTC)


# The fields of an appointment that a correction may change; its questions have their own edits.
EDITABLE_APPOINTMENT_FIELDS = frozenset(
    {"at", "kind", "with_name", "where", "purpose", "notes", "decided", "done_at", "cancelled"}
)
EDITABLE_QUESTION_FIELDS = frozenset({"text", "asked", "answer"})

# An appointment further ahead than this is possible but more likely a mistyped year: she is asked first.
FAR_AHEAD_YEARS = 2


def when_words(at: datetime) -> str:
    """'Mon 30 Nov 2026 at 10:15', in the zone the time carries."""
    return f"{at:%a %d %b %Y at %H:%M}"


def appointment_words(appt: Appointment) -> str:
    """'Dr Lee (hematologist) on Mon 30 Nov 2026 at 10:15': how an appointment is named in a sentence."""
    return f"{appt.title} on {when_words(appt.at)}"


def far_ahead_question(at: datetime, now: datetime) -> str | None:
    """The question to ask before keeping an appointment more than two years ahead, or None."""
    # heavy: dateutil
    from dateutil.relativedelta import relativedelta  # only a write of an appointment needs it

    if at <= now + relativedelta(years=FAR_AHEAD_YEARS):
        return None
    return f"The appointment is on {when_words(at)}, more than two years from now: is the year right?"


def appointment_differences(old: Appointment, new: Appointment) -> list[str]:
    """What a correction changed, in words ('the time from … to …', 'cancelled'); empty when nothing."""
    words: list[str] = []
    if old.at != new.at or str(old.at.tzinfo) != str(new.at.tzinfo):
        words.append(f"the time from {when_words(old.at)} to {when_words(new.at)}")
    if old.kind is not new.kind:
        words.append(f"the kind from {KIND_WORDS[old.kind]} to {KIND_WORDS[new.kind]}")
    for what, before, after in (
        ("who it is with", old.with_name, new.with_name),
        ("the place", old.where, new.where),
        ("the purpose", old.purpose, new.purpose),
        ("the notes", old.notes, new.notes),
        ("what was decided", old.decided, new.decided),
    ):
        if before != after:
            words.append(text_change(what, before, after))
    if old.done_at != new.done_at:
        words.append("the visit marked done" if new.done_at else "the visit no longer marked done")
    if old.cancelled != new.cancelled:
        words.append("cancelled (kept in the record)" if new.cancelled else "no longer cancelled")
    return words


def question_words(question: Question) -> str:
    """The question quoted, shortened: '"Should I keep taking aspirin?"'."""
    return quoted(question.text)


def question_differences(old: Question, new: Question) -> list[str]:
    """What a correction of a question changed, in words; empty when nothing."""
    words: list[str] = []
    if old.text != new.text:
        words.append(f"the words from {quoted(old.text)} to {quoted(new.text)}")
    if old.asked != new.asked:
        words.append("marked asked" if new.asked else "marked not asked")
    if old.answer != new.answer:
        words.append(text_change("the answer", old.answer, new.answer))
    return words
