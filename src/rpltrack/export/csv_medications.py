"""When each dose of a medication applies, as medications.csv and summary.csv write it (pure).

A medication's regimens are stored as she entered them; the CSV says when each is in force as the schedule
applies it (Medication.effective_days): a taper step or dated change from its own date, the first dose of a
cycle-anchored medication from the day its event places it, none past the schedule's end or stop. A regimen
that never applies says why instead of showing a date that would be wrong.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.models import Medication

# The importer reads a regimen's date back from this column (the dates of "Regimen from" are computed).
ENTERED_FROM = "Regimen from (as entered)"
REPLACED = "replaced before the start"  # a dose changed again before an anchored start placed it


def _iso(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def waiting_words(med: Medication) -> str:
    """'waiting for transfer': what a schedule anchored to an event not recorded yet waits for."""
    event = med.anchor_dates.waiting_for if med.anchor_dates is not None else ""
    return f"waiting for {event or 'its start'}"


def regimen_spans(med: Medication) -> list[tuple[str, str]]:
    """For each regimen as entered (in order), the "Regimen from" and "Regimen to" cells: the first and last
    day it is in force ("" for no end yet), or why it never is: the schedule waits for its event, the dose
    was replaced before an anchored start, or the schedule ends (or was stopped) before the step's date."""
    if med.waiting:
        return [(waiting_words(med), "")] * len(med.regimens)
    days = med.effective_days()
    starts = sorted(d for d in days if d is not None)
    end = med.schedule_end_on
    ends = f"ends {_iso(end)}"
    if med.stopped_at is not None and end != med.last_day:
        ends = f"stopped {med.stopped_at.astimezone(ZoneInfo(med.zone)):%Y-%m-%d %H:%M}"
    spans: list[tuple[str, str]] = []
    for day in days:
        if day is None:
            spans.append((REPLACED, ""))
        elif end is not None and day > end:
            spans.append((f"not reached ({ends})", ""))
        else:
            last = next((d - timedelta(days=1) for d in starts if d > day), None)
            if end is not None:
                last = end if last is None else min(last, end)
            spans.append((day.isoformat(), _iso(last)))
    return spans


def next_change_words(med: Medication, day: date) -> str:
    """'next: 88 mcg 07:00 daily from 2026-12-08': the next taper step or dated change after `day` ("" for
    none)."""
    upcoming = med.next_change(day)
    if upcoming is None:
        return ""
    return f"next: {upcoming.amount} {upcoming.timing.describe()} from {upcoming.effective_on.isoformat()}"
