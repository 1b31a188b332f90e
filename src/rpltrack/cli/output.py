"""Text and JSON shapes shared by the commands: doses, medications, adherence."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog, words
from rpltrack.domain.display import terminal_text
from rpltrack.domain.doses import gap_note, remaining_doses
from rpltrack.domain.models import (
    Adherence,
    ClockGap,
    DoseLog,
    DoseStatus,
    DoseView,
    Medication,
    MedicationState,
)
from rpltrack.domain.quantities import Quantity

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rpltrack.domain.dating import Dating


def say(text: str) -> None:
    """Print a line that may hold her text (a name, a note, a site): its controls are shown, never obeyed."""
    print(terminal_text(text))


def say_edit(what: str, differences: list[str]) -> int:
    """What an edit changed, in words ('Changed X: the day from … to …'), or that nothing did; exit 0."""
    if not differences:
        say(f"Nothing changed: {what} already says that.")
    else:
        say(f"Changed {what}: {'; '.join(differences)}. rpltrack undo takes it back.")
    return 0


def iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    return None if value is None else value.astimezone(zone).isoformat(timespec="seconds")


def amount_json(quantity: Quantity | None) -> dict[str, Any] | None:
    if quantity is None:
        return None
    return {"value": float(quantity.value), "unit": quantity.unit, "text": str(quantity)}


def dose_state_word(view: DoseView) -> str:
    if view.status is DoseStatus.DUE and view.overdue:
        return "overdue"
    if view.before_entry:
        return "not logged"
    return view.status.value


def dose_view_json(view: DoseView, zone: ZoneInfo) -> dict[str, Any]:
    log = view.log
    slot = view.slot
    return {
        "medication": view.medication.name,
        "medication_id": view.medication.id,
        "generic": view.medication.generic,
        "slot": iso(slot.slot_at, zone) if slot else None,
        "time": (slot.local_at.astimezone(zone) if slot else view.sort_at.astimezone(zone)).strftime("%H:%M"),
        "amount": amount_json(log.amount if log and log.amount else slot.amount if slot else None),
        "status": view.status.value,
        "overdue": view.overdue,
        "before_entry": view.before_entry,
        "as_needed": slot is None,
        "taken_at": iso(log.taken_at, zone) if log else None,
        "logged_at": iso(log.logged_at, zone) if log else None,
        "logged_later": bool(log and log.logged_later),
        "site": log.site if log else None,
        "reason": log.reason if log else "",
        "clock_change_day": bool(slot and slot.clock_change_day),
        "shifted": bool(slot and slot.shifted),
        "clock_change_gap": clock_gap_json(view.clock_gap, zone),
    }


def clock_gap_json(gap: ClockGap | None, zone: ZoneInfo) -> dict[str, Any] | None:
    """How long after the previous dose this one comes when a clock change makes that differ from the usual
    spacing: {"minutes": 660, "usual_minutes": 720, "previous_slot": ..., "text": ...}; None otherwise."""
    if gap is None:
        return None
    return {
        "minutes": int(gap.elapsed.total_seconds() // 60),
        "usual_minutes": int(gap.usual.total_seconds() // 60),
        "previous_slot": iso(gap.previous_at, zone),
        "text": gap_note(gap),
    }


def dose_view_line(view: DoseView, zone: ZoneInfo) -> str:
    slot, log = view.slot, view.log
    when = (slot.local_at if slot else view.sort_at).astimezone(zone).strftime("%H:%M")
    amount = log.amount if log and log.amount else (slot.amount if slot else None)
    what = f"{view.medication.name} {amount}" if amount else view.medication.name
    state = dose_state_word(view)
    if log and log.status is DoseStatus.TAKEN and log.taken_at:
        state = words.taken_words(f"{log.taken_at.astimezone(zone):%H:%M}", logged_later=log.logged_later)
        if log.site:
            state += f" · {log.site}"
    elif log and log.status is DoseStatus.SKIPPED:
        state = words.skipped_words(log.reason)
    elif view.overdue:
        state = "due (overdue)"
    if slot and slot.shifted:
        state += "  [clock change: moved to this time]"
    if view.clock_gap is not None:
        state += f"  [{gap_note(view.clock_gap)}]"
    if slot is None:
        state += " (as needed)"
    return terminal_text(f"  {when}  {what:<42} {state}")


def medication_name(med: Medication) -> str:
    """Her name for it, with a combination's parts: 'Folgard — folic acid + vitamin B6 + vitamin B12'."""
    return catalog.display_name(med.name, med.generic)


def medication_json(med: Medication, now: datetime, today: date, zone: ZoneInfo) -> dict[str, Any]:
    shown = med.dose_on(today)
    state = med.state(now, today)
    upcoming = med.next_change(today)
    return {
        "id": med.id,
        "name": med.name,
        "generic": med.generic,
        # A combination's parts (Folgard: folic acid, vitamin B6, vitamin B12), [] for any other medication.
        "parts": list(catalog.parts(med.generic)),
        "display_name": medication_name(med),
        "route": med.route,
        "zone": med.zone,
        "state": state.value,
        "dose": amount_json(shown.amount),
        "schedule": shown.timing.describe(),
        "dose_today": amount_json(shown.amount) if state is MedicationState.ACTIVE else None,
        "next_change": None
        if upcoming is None
        else {
            "from": upcoming.effective_on.isoformat(),
            "dose": amount_json(upcoming.amount),
            "schedule": upcoming.timing.describe(),
        },
        "start": None if med.waiting else med.start_on.isoformat(),
        "end": med.last_day.isoformat() if med.last_day else None,
        "start_anchor": med.start_anchor,
        "end_anchor": med.end_anchor,
        "cycle_id": med.cycle_id,
        "waiting_for": med.anchor_dates.waiting_for if med.waiting and med.anchor_dates else None,
        "stopped_at": iso(med.stopped_at, zone),
        "supply": med.supply,
        "remaining_doses": remaining_doses(med, now),
        "notes": med.notes,
        "regimens": [
            {
                "from": r.effective_on.isoformat(),
                "dose": amount_json(r.amount),
                "schedule": r.timing.describe(),
                "kind": r.timing.kind.value,
                "times": [t.strftime("%H:%M") for t in r.timing.times],
                "every_days": r.timing.every_days,
                "weekdays": list(r.timing.weekdays),
                "interval_hours": r.timing.interval_hours or None,
            }
            for r in med.regimens
        ],
    }


def adherence_json(a: Adherence) -> dict[str, Any]:
    return {
        "days": a.days,
        "taken": a.taken,
        "skipped": a.skipped,
        "missed": a.missed,
        "due": a.due,
        "percent": a.percent,
    }


def percent_text(a: Adherence | None) -> str:
    """'85.7% (6/7)'; '—' when nothing was due (domain.words)."""
    return words.adherence_words(a.percent, a.taken, a.due) if a is not None else words.NO_PERCENT


def log_json(log: DoseLog, med: Medication, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": log.id,
        "medication": med.name,
        "medication_id": med.id,
        "status": log.status.value,
        "slot": iso(log.slot_at, zone),
        "taken_at": iso(log.taken_at, zone),
        "logged_at": iso(log.logged_at, zone),
        "logged_later": log.logged_later,
        "amount": amount_json(log.amount),
        "site": log.site,
        "reason": log.reason,
        "note": log.note,
        "zone": log.zone,
    }


def dating_json(dating: Dating | None) -> dict[str, Any] | None:
    """Where she is: cycle day, days past transfer, dpo-equivalent, gestational age and due date."""
    if dating is None:
        return None
    return {
        "label": dating.label(),
        "cycle_day": dating.cycle_day,
        "days_past_transfer": dating.dpt,
        "embryo_day": dating.embryo_day,
        "dpo": dating.dpo,
        "ga_days": dating.ga_days,
        "due_date": dating.edd.isoformat() if dating.edd else None,
    }
