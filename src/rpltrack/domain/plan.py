"""The plan of the coming days (pure): each day's doses, and what else happens that day.

Besides the doses (the same day views Today shows), a day notes: a medication starting or on its last day,
a taper step or dated change ("prednisone goes to 10 mg"), appointments, cycle events and gestational-age
weeks, retests falling due, the day a counted supply runs out, and what waits for a cycle event (placed on
the day of an appointment that names the event, until the event itself is recorded).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rpltrack.domain.anchors import describe_anchor, looks_like_ga, parse_event_anchor
from rpltrack.domain.appointments import Appointment
from rpltrack.domain.cycles import CYCLE_KIND_WORDS, Cycle
from rpltrack.domain.dating import Dating, format_ga
from rpltrack.domain.models import DoseView, Medication, Regimen
from rpltrack.domain.pregnancies import Pregnancy, dating_cycle
from rpltrack.domain.records import record
from rpltrack.domain.schedule import expand

# How many days a plan may cover, and how far ahead a supply is projected [app convention].
MAX_PLAN_DAYS = 366
SUPPLY_HORIZON_DAYS = 400

# What an appointment's words say when it is the cycle event a waiting schedule starts from.
_EVENT_WORDS: dict[str, tuple[str, ...]] = {
    "cd1": ("cd1", "cycle day 1"),
    "positive-beta": ("positive beta", "positive test"),
}


class NoteKind(StrEnum):
    START = "start"
    CHANGE = "change"
    END = "end"
    APPOINTMENT = "appointment"
    EVENT = "event"
    MILESTONE = "milestone"
    RETEST = "retest"
    REFILL = "refill"
    WAITING = "waiting"


# The order notes are listed in within a day (timed ones by their time first).
_NOTE_ORDER = {kind: n for n, kind in enumerate(NoteKind)}


@record(frozen=True)
class PlanNote:
    """Something that happens on a day besides its doses: 'prednisone goes to 10 mg'."""

    kind: NoteKind
    text: str
    at: datetime | None = None  # for an appointment: when (in her zone)
    medication_id: int | None = None
    appointment_id: int | None = None


@record(frozen=True)
class PlanDay:
    """One day of the plan: where she is (cycle day, days past transfer, weeks), its doses, its notes."""

    day: date
    dating: Dating | None
    doses: tuple[DoseView, ...]
    notes: tuple[PlanNote, ...]


@record(frozen=True)
class SupplyProjection:
    """How long a counted supply lasts on the schedule: the last day it covers and the day of the first
    dose it does not (None when it lasts to the schedule's end or beyond the horizon)."""

    medication: Medication
    on_hand: int
    last_covered_on: date | None
    runs_out_on: date | None


@record(frozen=True)
class RetestDate:
    """A retest falling due (from a retest flag): its title and due day."""

    title: str
    due_on: date


@record(frozen=True)
class PlanInput:
    """Everything the plan reads, gathered by the journal."""

    first: date
    last: date
    zone: ZoneInfo
    now: datetime
    views: Mapping[date, Sequence[DoseView]]
    medications: Sequence[Medication]
    appointments: Sequence[Appointment] = ()
    cycles: Sequence[Cycle] = ()
    pregnancies: Sequence[Pregnancy] = ()
    retests: Sequence[RetestDate] = ()
    on_hand: Mapping[int, int] = {}


def short_day(day: date) -> str:
    """'14 Dec'."""
    return f"{day.day} {day:%b}"


def regimen_words(regimen: Regimen) -> str:
    """'5 mg 08:00, 20:00 daily'."""
    return f"{regimen.amount} {regimen.timing.describe()}"


def project_supply(med: Medication, on_hand: int, now: datetime) -> SupplyProjection:
    """Walk the schedule from `now`: each dose uses one of the `on_hand` doses (as refill-due counts them).
    The run-out day is the day of the first scheduled dose with none left."""
    if med.prn or med.waiting or med.id is None:
        return SupplyProjection(med, on_hand, None, None)
    zone = ZoneInfo(med.zone)
    start = now.astimezone(UTC)
    slots = expand(med, start, start + timedelta(days=SUPPLY_HORIZON_DAYS))
    if len(slots) <= on_hand:
        last = slots[-1].local_at.astimezone(zone).date() if slots else None
        return SupplyProjection(med, on_hand, last, None)
    covered = slots[on_hand - 1].local_at.astimezone(zone).date() if on_hand else None
    return SupplyProjection(med, on_hand, covered, slots[on_hand].local_at.astimezone(zone).date())


def refill_text(projection: SupplyProjection) -> str:
    """'aspirin runs out around 14 Dec (12 doses on hand, the last on 13 Dec)'."""
    med, count = projection.medication, projection.on_hand
    assert projection.runs_out_on is not None
    if count == 0 or projection.last_covered_on is None:
        return f"{med.name} runs out around {short_day(projection.runs_out_on)} (none on hand)"
    doses = f"{count} dose{'s' if count != 1 else ''}"
    return (
        f"{med.name} runs out around {short_day(projection.runs_out_on)} "
        f"({doses} on hand, the last on {short_day(projection.last_covered_on)})"
    )


def _medication_notes(med: Medication, first: date, last: date) -> Iterable[tuple[date, PlanNote]]:
    """Its start, its last day, and each taper step or dated change, on the days of [first, last]."""
    if med.waiting:
        return
    start, end = med.start_on, med.schedule_end_on
    if end is not None and end < start:
        return
    if first <= start <= last:
        anchored = f" ({describe_anchor(med.start_anchor)})" if med.start_anchor else ""
        text = f"{med.name} starts{anchored}: {regimen_words(med.dose_on(start))}"
        yield start, PlanNote(NoteKind.START, text, medication_id=med.id)
    day = first - timedelta(days=1)
    while True:
        step = med.next_change(day)
        if step is None or step.effective_on > last:
            break
        day = step.effective_on
        if day <= start:
            continue
        before = med.dose_on(day - timedelta(days=1))
        if before.amount != step.amount:
            text = f"{med.name} goes to {step.amount} (from {before.amount})"
        else:
            text = f"{med.name} changes to {step.timing.describe()}"
        yield day, PlanNote(NoteKind.CHANGE, text, medication_id=med.id)
    if end is not None and first <= end <= last:
        stopped = med.stopped_at is not None and (med.last_day is None or end < med.last_day)
        if stopped:
            text = f"last day of {med.name}: it is stopped"
        elif med.end_anchor and looks_like_ga(med.end_anchor):
            text = f"last day of {med.name}: it stops at {describe_anchor(med.end_anchor)}"
        elif med.end_anchor:
            text = f"last day of {med.name} ({describe_anchor(med.end_anchor)})"
        else:
            text = f"last day of {med.name}"
        yield end, PlanNote(NoteKind.END, text, medication_id=med.id)


def _event_day(event: str, appointments: Sequence[Appointment], zone: ZoneInfo, now: datetime) -> date | None:
    """The day of the first upcoming appointment whose words name `event` ('transfer'), or None."""
    words = _EVENT_WORDS.get(event, (event.replace("-", " "),))
    pattern = re.compile("|".join(rf"\b{re.escape(w)}\b" for w in words), re.IGNORECASE)
    for appt in appointments:
        if not appt.upcoming(now):
            continue
        if pattern.search(" ".join((appt.purpose, appt.notes, appt.with_name))):
            return appt.at.astimezone(zone).date()
    return None


def _waiting_notes(
    med: Medication,
    appointments: Sequence[Appointment],
    zone: ZoneInfo,
    now: datetime,
    first: date,
    last: date,
) -> Iterable[tuple[date, PlanNote]]:
    """A schedule that waits for a cycle event: placed on the day an appointment names the event (with its
    offset), else noted on the first day of the plan."""
    if not med.waiting or med.start_anchor is None or med.stopped_at is not None:
        return
    anchor = parse_event_anchor(med.start_anchor)
    event_day = _event_day(anchor.event, appointments, zone, now)
    dose = regimen_words(med.regimens[0])
    event = {"cd1": "CD1", "positive-beta": "positive beta"}.get(anchor.event, anchor.event)
    if event_day is not None:
        day = event_day + timedelta(days=anchor.offset_days)
        if first <= day <= last:
            offset = f" ({describe_anchor(med.start_anchor)})" if anchor.offset_days else ""
            text = (
                f"{med.name} starts from the {event}{offset}: {dose}; "
                f"its doses show once the {event} is recorded"
            )
            yield day, PlanNote(NoteKind.WAITING, text, medication_id=med.id)
            return
    text = f"{med.name} waits for the {event} to be recorded ({describe_anchor(med.start_anchor)}): {dose}"
    yield first, PlanNote(NoteKind.WAITING, text, medication_id=med.id)


def _appointment_note(appt: Appointment, zone: ZoneInfo) -> PlanNote:
    at = appt.at.astimezone(zone)
    parts = [appt.title]
    if appt.purpose:
        parts.append(f"— {appt.purpose}")
    if appt.where:
        parts.append(f"at {appt.where}")
    open_questions = sum(1 for q in appt.questions if not q.asked)
    if open_questions:
        parts.append(f"({open_questions} question{'s' if open_questions != 1 else ''})")
    return PlanNote(NoteKind.APPOINTMENT, " ".join(parts), at=at, appointment_id=appt.id)


def _cycle_notes(cycles: Sequence[Cycle], first: date, last: date) -> Iterable[tuple[date, PlanNote]]:
    """CD1 of a cycle, its recorded events and transfers, on the days of [first, last]."""
    for cycle in cycles:
        if first <= cycle.cd1 <= last:
            yield cycle.cd1, PlanNote(NoteKind.EVENT, f"CD1 of a {CYCLE_KIND_WORDS[cycle.kind]} cycle")
        for event in cycle.events:
            if first <= event.on <= last:
                note = f": {event.note}" if event.note else ""
                yield event.on, PlanNote(NoteKind.EVENT, f"{event.kind.value}{note}")
        for transfer in cycle.transfers:
            if first <= transfer.on <= last:
                embryos = f"{transfer.embryo_count} embryo{'s' if transfer.embryo_count != 1 else ''}"
                text = f"day-{transfer.embryo_day} transfer, {embryos}"
                yield transfer.on, PlanNote(NoteKind.EVENT, text)


def dating_on(cycles: Sequence[Cycle], pregnancies: Sequence[Pregnancy], day: date) -> Dating | None:
    """Where she is on `day` (the journal's dating_on, from cycles and pregnancies read once)."""
    found = dating_cycle(cycles, pregnancies, day)
    if found is None:
        return None
    cycle, pregnant = found
    return cycle.dating_on(day, pregnant=pregnant)


def _milestone(dating: Dating | None, day: date) -> PlanNote | None:
    """A whole week of pregnancy ('7w 0d'), or the due date."""
    if dating is None or dating.ga_days is None or dating.ga_days < 0:
        return None
    if dating.edd == day:
        return PlanNote(NoteKind.MILESTONE, f"due date ({format_ga(dating.ga_days)})")
    if dating.ga_days % 7 == 0:
        return PlanNote(NoteKind.MILESTONE, f"{dating.ga_days // 7} weeks ({format_ga(dating.ga_days)})")
    return None


def plan_days(given: PlanInput) -> list[PlanDay]:
    """Each day from given.first to given.last with its doses and notes."""
    first, last, zone, now = given.first, given.last, given.zone, given.now
    notes: dict[date, list[PlanNote]] = {}

    def add(day: date, note: PlanNote) -> None:
        if first <= day <= last:
            notes.setdefault(day, []).append(note)

    for med in given.medications:
        for day, note in _medication_notes(med, first, last):
            add(day, note)
        for day, note in _waiting_notes(med, given.appointments, zone, now, first, last):
            add(day, note)
    for appt in given.appointments:
        if not appt.cancelled:
            add(appt.at.astimezone(zone).date(), _appointment_note(appt, zone))
    for day, note in _cycle_notes(given.cycles, first, last):
        add(day, note)
    today = now.astimezone(zone).date()
    for retest in given.retests:
        if retest.due_on < first and first <= today:
            add(
                first,
                PlanNote(NoteKind.RETEST, f"retest due since {short_day(retest.due_on)}: {retest.title}"),
            )
        else:
            add(retest.due_on, PlanNote(NoteKind.RETEST, f"retest due: {retest.title}"))
    for projection in supply_projections(given):
        if projection.runs_out_on is not None:
            text = refill_text(projection)
            add(
                max(projection.runs_out_on, first),
                PlanNote(NoteKind.REFILL, text, medication_id=projection.medication.id),
            )
    days: list[PlanDay] = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        dating = dating_on(given.cycles, given.pregnancies, day)
        found = notes.get(day, [])
        milestone = _milestone(dating, day)
        if milestone is not None:
            found.append(milestone)
        found.sort(key=lambda n: (n.at is None, n.at or now, _NOTE_ORDER[n.kind]))
        days.append(PlanDay(day, dating, tuple(given.views.get(day, ())), tuple(found)))
    return days


def supply_projections(given: PlanInput) -> list[SupplyProjection]:
    """The projection of every counted supply among the plan's medications, by name."""
    found = []
    for med in given.medications:
        if med.id is not None and med.id in given.on_hand:
            found.append(project_supply(med, given.on_hand[med.id], given.now))
    return found


def waiting_medications(meds: Iterable[Medication]) -> list[Medication]:
    """Schedules waiting for a cycle event that is not recorded yet (and not stopped)."""
    return [m for m in meds if m.waiting and m.stopped_at is None]
