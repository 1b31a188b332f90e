"""The calendar export: appointments, retest due dates and (if asked) dose times as RFC 5545 text.

Pure: domain objects and `now` in, the text of one VCALENDAR out. Every event has a stable UID, so importing
a newer export into the same calendar updates events instead of duplicating them; DTSTAMP is `now`, so two
exports at the same instant are byte-identical. Wall-clock times carry their IANA zone (TZID) and a
VTIMEZONE for each zone used, so they survive import into a calendar set to another zone. There are no
alarms (VALARM): rpltrack's own reminders are the source of alerts, and many calendars drop imported alarms.

The icalendar package writes the text: line folding at 75 octets without splitting UTF-8, TEXT escaping and
VTIMEZONE generation from the zoneinfo database are easy to get subtly wrong by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.appointments import Appointment, AppointmentKind
from rpltrack.domain.models import DoseSlot, Medication
from rpltrack.domain.records import record
from rpltrack.domain.schedule import expand

PRODID = "-//rpltrack//calendar export//EN"
UID_DOMAIN = "rpltrack.local"
APPOINTMENT_LENGTH = timedelta(hours=1)  # an appointment has no end time in rpltrack [app convention]
DOSE_LENGTH = timedelta(minutes=15)  # a dose is a moment; 15 minutes shows in every calendar [app convention]
DOSE_DAYS = 30  # --doses covers the next 30 days [app convention]
MAX_DOSE_EVENTS = 2000  # even an every-hour schedule of several medications stays importable
DISCREET_NOTE = "Details are in rpltrack."
_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Zulu", "Zulu", "Etc/GMT", "GMT"})
_UID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@record(frozen=True)
class RetestDue:
    """A retest due date from an active flag (retest-due, apl-repeat-due), as the calendar shows it.

    The caller builds these from flags: export and flags are independent layers."""

    key: str  # the flag's key: the event's UID, so a re-export updates the same event
    title: str  # "Repeat anticardiolipin IgG due"
    due_on: date
    ask: str = ""  # "Ask your care team about repeating this test; ..."
    detail: str = ""  # the numbers in words


@record(frozen=True)
class CalendarExport:
    """The calendar text and what went into it."""

    text: str
    appointments: int
    retests: int
    doses: int
    doses_left_out: int = 0  # dose times beyond MAX_DOSE_EVENTS


def uid_for(kind: str, ident: str) -> str:
    """`appt-12@rpltrack.local`; characters other than letters, digits, '.', '_' and '-' become '_'."""
    return f"{kind}-{_UID_UNSAFE.sub('_', ident.replace(':', '.'))}@{UID_DOMAIN}"


def _utc_stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _zoned(at: datetime) -> datetime:
    """`at` in its own zone; a UTC (or unnamed) zone becomes plain UTC, written with a Z and no VTIMEZONE."""
    zone = at.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key not in _UTC_KEYS:
        return at
    return at.astimezone(UTC)


def _appointment_summary(appt: Appointment, discreet: bool) -> str:
    if not discreet:
        return appt.title
    if appt.kind is AppointmentKind.LAB:
        return "Lab test"
    return f"Appointment with {appt.with_name}" if appt.with_name else "Appointment"


def _appointment_description(appt: Appointment, discreet: bool) -> str:
    if discreet:
        return DISCREET_NOTE
    parts: list[str] = []
    if appt.purpose:
        parts.append(f"Purpose: {appt.purpose}")
    if appt.questions:
        parts.append("Questions:\n" + "\n".join(f"- {q.text}" for q in appt.questions))
    if appt.decided:
        parts.append(f"Decided: {appt.decided}")
    parts.append("From rpltrack. A one-page summary to print for this visit: rpltrack brief")
    return "\n\n".join(parts)


def _retest_description(retest: RetestDue, discreet: bool) -> str:
    if discreet:
        return f"A lab test may be due from this day. {DISCREET_NOTE}"
    parts = [p for p in (retest.ask, retest.detail) if p]
    parts.append(f"Due on or after {retest.due_on.isoformat()} (from rpltrack's flags).")
    return "\n\n".join(parts)


def _dose_slots(
    medications: Iterable[Medication], now: datetime, days: int
) -> list[tuple[Medication, DoseSlot]]:
    now = now.astimezone(UTC)  # a fold=1 local time would lose its fold in the addition
    end = now + timedelta(days=days)
    found = [
        (med, slot)
        for med in medications
        if med.id is not None and not med.prn
        for slot in expand(med, now, end)
    ]
    found.sort(key=lambda pair: (pair[1].slot_at, pair[0].name.casefold(), pair[0].id or 0))
    return found


def build_calendar(
    appointments: Sequence[Appointment],
    retests: Sequence[RetestDue],
    medications: Sequence[Medication] = (),
    *,
    now: datetime,
    doses: bool = False,
    discreet: bool = False,
    dose_days: int = DOSE_DAYS,
    max_doses: int = MAX_DOSE_EVENTS,
) -> CalendarExport:
    """One VCALENDAR: every appointment (a cancelled one as STATUS:CANCELLED, so an earlier import of it is
    updated rather than left standing), each retest as an all-day event on its due date and, with `doses`,
    every scheduled dose from `now` for `dose_days` days (one event per slot: exact across clock changes).
    `discreet` writes "Medication" and "Lab test" instead of drug and lab names and leaves out her purpose,
    questions and notes (the place stays: it is where she has to go)."""
    from icalendar import Calendar, Event, Timezone

    if now.tzinfo is None:
        raise ValueError("now must be tz-aware")
    stamp = now.astimezone(UTC)
    zone_days: dict[str, list[date]] = {}

    def timed(event: Event, start: datetime) -> None:
        local = _zoned(start)
        if isinstance(local.tzinfo, ZoneInfo):
            zone_days.setdefault(local.tzinfo.key, []).append(local.date())
        event.add("dtstart", local)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "rpltrack")
    events: list[Event] = []

    for appt in sorted(appointments, key=lambda a: (a.at.astimezone(UTC), a.id or 0)):
        event = Event()
        event.add("uid", uid_for("appt", str(appt.id) if appt.id is not None else _utc_stamp(appt.at)))
        event.add("dtstamp", stamp)
        timed(event, appt.at)
        event.add("duration", APPOINTMENT_LENGTH)
        event.add("summary", _appointment_summary(appt, discreet))
        if appt.where:
            event.add("location", appt.where)
        event.add("description", _appointment_description(appt, discreet))
        event.add("status", "CANCELLED" if appt.cancelled else "CONFIRMED")
        events.append(event)

    for retest in sorted(retests, key=lambda r: (r.due_on, r.key)):
        event = Event()
        event.add("uid", uid_for("retest", retest.key))
        event.add("dtstamp", stamp)
        event.add("dtstart", retest.due_on)
        event.add("dtend", retest.due_on + timedelta(days=1))
        event.add("summary", "Lab test due" if discreet else retest.title)
        event.add("description", _retest_description(retest, discreet))
        event.add("transp", "TRANSPARENT")
        events.append(event)

    slots = _dose_slots(medications, now, dose_days) if doses else []
    kept = slots[:max_doses]
    for med, slot in kept:
        event = Event()
        event.add("uid", uid_for("dose", f"{med.id}-{_utc_stamp(slot.slot_at)}"))
        event.add("dtstamp", stamp)
        timed(event, slot.local_at)
        event.add("duration", DOSE_LENGTH)
        event.add("summary", "Medication" if discreet else f"{med.name} {slot.amount}")
        note = "Scheduled dose. Log it in rpltrack; rpltrack's reminders are the alerts."
        if slot.shifted:
            note += " The clock changed this day: this time replaces one that did not exist."
        event.add("description", note)
        event.add("transp", "TRANSPARENT")
        events.append(event)

    for key in sorted(zone_days):
        days = zone_days[key]
        # Whole calendar years around the events: every transition a client may look up for them is there,
        # and the VTIMEZONE changes only when the events move into another year.
        cal.add_component(
            Timezone.from_tzinfo(
                ZoneInfo(key),
                first_date=date(min(days).year, 1, 1),
                last_date=date(max(days).year, 12, 31),
            )
        )
    for event in events:
        cal.add_component(event)
    text = cal.to_ical().decode("utf-8")
    return CalendarExport(
        text=text,
        appointments=len(appointments),
        retests=len(retests),
        doses=len(kept),
        doses_left_out=len(slots) - len(kept),
    )
