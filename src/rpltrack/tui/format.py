"""Plain-word text for doses, medications and adherence, shared by the screens (no styling here)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from rpltrack.domain.models import Adherence, DoseLog, DoseStatus, DoseView, Medication, MedicationState


def day_heading(now: datetime) -> str:
    """'Monday 23 November' (no leading zero, no year: the year is obvious on a daily screen)."""
    return f"{now:%A} {now.day} {now:%B}"


def dose_time(view: DoseView, zone: ZoneInfo) -> str:
    at = view.slot.local_at if view.slot is not None else view.sort_at
    return at.astimezone(zone).strftime("%H:%M")


def dose_amount(view: DoseView) -> str:
    log, slot = view.log, view.slot
    amount = log.amount if log is not None and log.amount is not None else (slot.amount if slot else None)
    return str(amount) if amount is not None else ""


def dose_state_class(view: DoseView) -> str:
    """The CSS state class of a dose row: -overdue, -due, -taken, -skipped or -missed."""
    if view.status is DoseStatus.DUE and view.overdue:
        return "-overdue"
    return f"-{view.status.value}"


def dose_state(view: DoseView, zone: ZoneInfo) -> str:
    """What happened to a dose, in a few plain words: 'taken 08:04', 'skipped', 'due', 'overdue'."""
    log = view.log
    if log is not None and log.status is DoseStatus.TAKEN and log.taken_at is not None:
        text = f"taken {log.taken_at.astimezone(zone):%H:%M}"
        if log.logged_later:
            text += ", logged later"
        if log.site:
            text += f" · {log.site}"
        if view.slot is None:
            text += " (as needed)"
        return text
    if log is not None and log.status is DoseStatus.SKIPPED:
        return f"skipped: {log.reason}" if log.reason else "skipped"
    if view.status is DoseStatus.DUE:
        return "overdue" if view.overdue else "due"
    return "missed"


def percent_text(adherence: Adherence | None) -> str:
    if adherence is None or adherence.percent is None:
        return "—"
    return f"{adherence.percent:.0f}%"


def week_summary(adherence: Adherence) -> str:
    """The modest line under Today's list."""
    if adherence.due == 0:
        return "Last 7 days: nothing was due yet."
    return f"Last 7 days: {adherence.taken} of {adherence.due} doses taken ({percent_text(adherence)})."


STATE_ORDER = {
    MedicationState.ACTIVE: 0,
    MedicationState.NOT_STARTED: 1,
    MedicationState.ENDED: 2,
    MedicationState.STOPPED: 3,
}


def date_span(med: Medication) -> str:
    start = f"{med.start_on:%d %b %Y}"
    if med.stopped_at is not None:
        return f"{start}, stopped {med.stopped_at.astimezone(ZoneInfo(med.zone)):%d %b %Y}"
    if med.end_on is not None:
        return f"{start} to {med.end_on:%d %b %Y}"
    return f"from {start}"


def log_state(log: DoseLog, zone: ZoneInfo) -> str:
    if log.status is DoseStatus.SKIPPED:
        return f"skipped: {log.reason}" if log.reason else "skipped"
    assert log.taken_at is not None
    text = f"taken {log.taken_at.astimezone(zone):%H:%M}"
    if log.logged_later:
        text += ", logged later"
    if log.slot_at is None:
        text += " (as needed)"
    return text


def short_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"
