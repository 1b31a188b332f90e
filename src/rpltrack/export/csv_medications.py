"""medications.csv (pure): one row per regimen, with when each dose applies (also used by summary.csv).

A medication's regimens are stored as she entered them; the CSV says when each is in force as the schedule
applies it (Medication.effective_days): a taper step or dated change from its own date, the first dose of a
cycle-anchored medication from the day its event places it, none past the schedule's end or stop. A regimen
that never applies says why instead of showing a date that would be wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.models import WEEKDAY_NAMES, Medication, MedicationState, Regimen
from rpltrack.domain.records import record
from rpltrack.export.csv_columns import Column, Table, dec, iso, local, table, whole
from rpltrack.export.csv_data import ExportData, overlaps

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


# -- the file ---------------------------------------------------------------------------------------------

MEDICATIONS = "medications.csv"


@record(frozen=True)
class RegimenLine:
    """One row: a regimen of a medication, the cells saying when it applies, and the medication's state."""

    med: Medication
    regimen: Regimen
    span: tuple[str, str]
    state: MedicationState
    starts: str
    zone: ZoneInfo


M = RegimenLine
NAME = Column[M]("Name", lambda r: r.med.name)
GENERIC = Column[M]("Generic", lambda r: r.med.generic or "")
ROUTE = Column[M]("Route", lambda r: r.med.route)
STATE_NOW = Column[M]("State now", lambda r: r.state.value)
REGIMEN_FROM = Column[M]("Regimen from", lambda r: r.span[0])
REGIMEN_TO = Column[M]("Regimen to", lambda r: r.span[1])
REGIMEN_ENTERED_FROM = Column[M](ENTERED_FROM, lambda r: _iso(r.regimen.effective_on))
DOSE_AMOUNT = Column[M]("Dose amount", lambda r: dec(r.regimen.amount.value), numeric=True)
DOSE_UNIT = Column[M]("Dose unit", lambda r: r.regimen.amount.unit)
SCHEDULE = Column[M]("Schedule", lambda r: r.regimen.timing.describe())
SCHEDULE_KIND = Column[M]("Schedule kind", lambda r: r.regimen.timing.kind.value)
TIMES = Column[M]("Times (local)", lambda r: ",".join(t.strftime("%H:%M") for t in r.regimen.timing.times))
EVERY_DAYS = Column[M]("Every N days", lambda r: str(r.regimen.timing.every_days), numeric=True)
WEEKDAYS = Column[M]("Weekdays", lambda r: ",".join(WEEKDAY_NAMES[d] for d in r.regimen.timing.weekdays))
EVERY_HOURS = Column[M](
    "Every N hours",
    lambda r: str(r.regimen.timing.interval_hours) if r.regimen.timing.interval_hours else "",
    numeric=True,
)
INTERVAL_ANCHOR = Column[M](
    "First dose of the interval (ISO 8601)", lambda r: iso(r.regimen.timing.interval_anchor_at, r.zone)
)
STARTS_ON = Column[M]("Starts on", lambda r: r.starts)
LAST_DAY = Column[M]("Last day", lambda r: _iso(r.med.last_day))
UNTIL = Column[M]("Until (as entered)", lambda r: _iso(r.med.end_on))
START_ANCHOR = Column[M]("Start anchor", lambda r: r.med.start_anchor or "")
END_ANCHOR = Column[M]("End anchor", lambda r: r.med.end_anchor or "")
STOPPED_AT = Column[M]("Stopped at (ISO 8601)", lambda r: iso(r.med.stopped_at, r.zone))
STOPPED_LOCAL = Column[M]("Stopped at (local)", lambda r: local(r.med.stopped_at, r.zone))
SUPPLY = Column[M]("Supply", lambda r: whole(r.med.supply), unit="doses", numeric=True)
SUPPLY_AT = Column[M]("Supply counted at (ISO 8601)", lambda r: iso(r.med.supply_at, r.zone))
NOTES = Column[M]("Notes", lambda r: r.med.notes)
TIME_ZONE = Column[M]("Time zone", lambda r: r.med.zone)
ENTERED_AT = Column[M]("Entered at (ISO 8601)", lambda r: iso(r.med.created_at, r.zone))
CYCLE_ID = Column[M]("Cycle ID", lambda r: whole(r.med.cycle_id), numeric=True)
MEDICATION_ID = Column[M]("Medication ID", lambda r: whole(r.med.id), numeric=True)

MEDICATION_COLUMNS = (
    NAME,
    GENERIC,
    ROUTE,
    STATE_NOW,
    REGIMEN_FROM,
    REGIMEN_TO,
    REGIMEN_ENTERED_FROM,
    DOSE_AMOUNT,
    DOSE_UNIT,
    SCHEDULE,
    SCHEDULE_KIND,
    TIMES,
    EVERY_DAYS,
    WEEKDAYS,
    EVERY_HOURS,
    INTERVAL_ANCHOR,
    STARTS_ON,
    LAST_DAY,
    UNTIL,
    START_ANCHOR,
    END_ANCHOR,
    STOPPED_AT,
    STOPPED_LOCAL,
    SUPPLY,
    SUPPLY_AT,
    NOTES,
    TIME_ZONE,
    ENTERED_AT,
    CYCLE_ID,
    MEDICATION_ID,
)


def medication_span(med: Medication) -> tuple[date | None, date | None]:
    """The first and last day a medication is scheduled (None: waiting, or no end)."""
    first = None if med.waiting else med.start_on
    last = med.last_day
    if med.stopped_at is not None:
        stopped = med.stopped_at.astimezone(ZoneInfo(med.zone)).date()
        last = stopped if last is None else min(last, stopped)
    return first, last


def _regimen_lines(data: ExportData) -> Iterator[RegimenLine]:
    for med in data.medications:
        if not overlaps(data, *medication_span(med)):
            continue
        today = data.now.astimezone(ZoneInfo(med.zone)).date()
        state = med.state(data.now, today)
        starts = "" if med.waiting else _iso(med.start_on)
        if med.waiting and med.anchor_dates is not None and med.anchor_dates.waiting_for:
            starts = waiting_words(med)
        for regimen, span in zip(med.regimens, regimen_spans(med), strict=True):
            yield RegimenLine(med, regimen, span, state, starts, data.zone)


def medications_table(data: ExportData) -> Table:
    """One row per regimen (a dose change is a new regimen), with when it applies; the medication's own
    columns repeat."""
    return table(MEDICATIONS, MEDICATION_COLUMNS, _regimen_lines(data))
