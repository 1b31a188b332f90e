"""The calendar export: appointments, retest due dates and (if asked) dose times as RFC 5545 text.

Pure: domain objects, what the last export held and `now` in, the text of one VCALENDAR out (and what to
remember of it). Every event has a UID built from a random id kept in the journal, so importing a newer
export into the same calendar updates events instead of duplicating them, and two journals never share a
UID. SEQUENCE rises each time an event's content changes; an event an earlier export held that no longer
exists (a deleted appointment, a retest that is no longer due, a dose series that was removed) is sent again
as STATUS:CANCELLED, so a calendar that updates by UID drops it. Dose times are one recurring event per
regimen segment and time of day (export.ics_series). DTSTAMP is `now`, so two exports at the same instant
are byte-identical. Wall-clock times carry their IANA zone (TZID) and a
VTIMEZONE for each zone used, so they survive import into a calendar set to another zone. There are no
alarms (VALARM): rpltrack's own reminders are the source of alerts, and many calendars drop imported alarms.

The icalendar package writes the text: line folding at 75 octets without splitting UTF-8, TEXT escaping and
VTIMEZONE generation from the zoneinfo database are easy to get subtly wrong by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rpltrack.domain.appointments import Appointment, AppointmentKind
from rpltrack.domain.models import Medication
from rpltrack.domain.records import record, replace
from rpltrack.export.ics_series import dose_series

if TYPE_CHECKING:
    from icalendar import Event

PRODID = "-//rpltrack//calendar export//EN"
UID_DOMAIN = "rpltrack.local"
APPOINTMENT_LENGTH = timedelta(hours=1)  # an appointment has no end time in rpltrack [app convention]
DOSE_LENGTH = timedelta(minutes=15)  # a dose is a moment; 15 minutes shows in every calendar [app convention]
DOSE_DAYS = 30  # --doses covers the next 30 days [app convention]
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
class Remembered:
    """What an earlier export held for one UID: enough to know whether it changed and to cancel it."""

    uid: str
    kind: str  # "appt", "retest", "dose"
    digest: str  # of the event's content, DTSTAMP and SEQUENCE left out
    sequence: int
    last_on: date  # the event's last day (a series: its last occurrence)
    ical: str  # the VEVENT as last written
    cancelled: bool = False


@record(frozen=True)
class CalendarExport:
    """The calendar text and what went into it; `remember` is what the journal keeps for the next export."""

    text: str
    appointments: int
    retests: int
    doses: int  # dose series (one recurring event per regimen segment and time of day)
    dose_times: int = 0  # the doses those series stand for
    cancelled: int = 0  # events of an earlier export sent again as cancelled
    remember: tuple[Remembered, ...] = ()


def uid_for(kind: str, ident: str, calendar_id: str = "") -> str:
    """`appt-12-<calendar id>@rpltrack.local`; characters other than letters, digits, '.', '_' and '-'
    become '_'. Without a calendar id: the UID of exports made before journals had one."""
    tail = f"-{calendar_id}" if calendar_id else ""
    return f"{kind}-{_UID_UNSAFE.sub('_', ident.replace(':', '.'))}{tail}@{UID_DOMAIN}"


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
    # Not the flag's detail: it can hold words true only on the day of the export ("you are 18w 2d").
    parts = [p for p in (retest.ask,) if p]
    parts.append(f"Due on or after {retest.due_on.isoformat()} (from rpltrack's flags; details are there).")
    return "\n\n".join(parts)


def _digest(event: Event) -> str:
    """The event's content without DTSTAMP and SEQUENCE: it changes exactly when the event does."""
    # heavy: hashlib
    import hashlib

    lines = [
        line
        for line in event.to_ical().decode("utf-8").split("\r\n")
        if not line.startswith(("DTSTAMP", "SEQUENCE"))
    ]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]


def _cancelled_copy(old: Remembered, stamp: datetime) -> Event:
    """The event as last exported, marked cancelled with a higher SEQUENCE (RFC 5546 §3.2.5)."""
    # heavy: icalendar
    from icalendar import Event

    event = Event.from_ical(old.ical)
    assert isinstance(event, Event)
    for key in ("DTSTAMP", "SEQUENCE", "STATUS"):
        event.pop(key, None)
    event.add("dtstamp", stamp)
    event.add("sequence", old.sequence + (0 if old.cancelled else 1))
    event.add("status", "CANCELLED")
    return event


def build_calendar(
    appointments: Sequence[Appointment],
    retests: Sequence[RetestDue],
    medications: Sequence[Medication] = (),
    *,
    now: datetime,
    doses: bool = False,
    discreet: bool = False,
    dose_days: int = DOSE_DAYS,
    calendar_id: str = "",
    remembered: Mapping[str, Remembered] | None = None,
    skipped: Iterable[tuple[int, datetime]] = (),
    zone: ZoneInfo | None = None,
    earlier: Sequence[Event] = (),
) -> CalendarExport:
    """One VCALENDAR: every appointment (a cancelled one as STATUS:CANCELLED), each retest as an all-day
    event on its due date (an overdue one on today: it is due now) and, with `doses`, each dose series with
    a dose in the next `dose_days` days (doses logged as skipped, `skipped`, left out). Events an earlier
    export held (`remembered`, by UID) that are gone now are sent as cancelled: appointments and retests
    always, dose series while their last day has not passed. `discreet` writes "Medication" and "Lab test"
    instead of drug and lab names and leaves out her purpose, questions and notes (the place stays: it is
    where she has to go). `zone` is her zone (today's date); default: the zone of `now`. `earlier`: the events
    of the file this export replaces (earlier_events), cancelled where this journal does not know them."""
    # heavy: icalendar
    from icalendar import Calendar, Event, Timezone

    if now.tzinfo is None:
        raise ValueError("now must be tz-aware")
    remembered = dict(remembered or {})
    stamp = now.astimezone(UTC)
    here = zone or (now.tzinfo if isinstance(now.tzinfo, ZoneInfo) else ZoneInfo("UTC"))
    today = now.astimezone(here).date()
    zone_days: dict[str, list[date]] = {}

    def timed(event: Event, key: str, start: datetime) -> None:
        local = _zoned(start)
        if isinstance(local.tzinfo, ZoneInfo):
            zone_days.setdefault(local.tzinfo.key, []).append(local.date())
        event.add(key, local)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "rpltrack")
    made: list[tuple[str, str, date, Event]] = []  # (uid, kind, last day, event without DTSTAMP/SEQUENCE)

    for appt in sorted(appointments, key=lambda a: (a.at.astimezone(UTC), a.id or 0)):
        event = Event()
        ident = str(appt.id) if appt.id is not None else _utc_stamp(appt.at)
        uid = uid_for("appt", ident, calendar_id)
        event.add("uid", uid)
        timed(event, "dtstart", appt.at)
        event.add("duration", APPOINTMENT_LENGTH)
        event.add("summary", _appointment_summary(appt, discreet))
        if appt.where:
            event.add("location", appt.where)
        event.add("description", _appointment_description(appt, discreet))
        event.add("status", "CANCELLED" if appt.cancelled else "CONFIRMED")
        made.append((uid, "appt", appt.at.astimezone(here).date(), event))

    for retest in sorted(retests, key=lambda r: (r.due_on, r.key)):
        event = Event()
        uid = uid_for("retest", retest.key, calendar_id)
        shown_on = max(retest.due_on, today)  # an overdue retest is due now, not on a day that has passed
        event.add("uid", uid)
        event.add("dtstart", shown_on)
        event.add("dtend", shown_on + timedelta(days=1))
        event.add("summary", "Lab test due" if discreet else retest.title)
        event.add("description", _retest_description(retest, discreet))
        event.add("transp", "TRANSPARENT")
        made.append((uid, "retest", shown_on, event))

    series = (
        dose_series(
            medications,
            first_day=today,
            last_day=today + timedelta(days=dose_days - 1),
            skipped=skipped,
            started={
                _regimen_key(r.uid, calendar_id): _started_on(r)
                for r in remembered.values()
                if r.kind == "dose" and not r.cancelled
            },
        )
        if doses
        else []
    )
    for one in series:
        event = Event()
        uid = uid_for("dose", one.key, calendar_id)
        event.add("uid", uid)
        timed(event, "dtstart", one.start)
        event.add("duration", DOSE_LENGTH)
        event.add("rrule", one.rule)
        for moved in one.rdates:
            timed(event, "rdate", moved)
        for left in one.exdates:
            timed(event, "exdate", left)
        med = one.medication
        event.add("summary", "Medication" if discreet else f"{med.name} {one.regimen.amount}")
        event.add("description", "Scheduled dose. Log it in rpltrack; rpltrack's reminders are the alerts.")
        event.add("transp", "TRANSPARENT")
        made.append((uid, "dose", one.last_on, event))

    produced = {uid for uid, *_ in made}
    keep: list[Remembered] = []
    events: list[Event] = []
    for uid, kind, last_on, event in made:
        digest = _digest(event)
        old = remembered.get(uid)
        sequence = (
            0 if old is None else old.sequence + (0 if old.digest == digest and not old.cancelled else 1)
        )
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        events.append(event)
        keep.append(Remembered(uid, kind, digest, sequence, last_on, event.to_ical().decode("utf-8")))

    cancelled = 0
    for uid in sorted(set(remembered) - produced):
        old = remembered[uid]
        if old.kind == "dose" and old.last_on < today and not old.cancelled:
            continue  # a series that ended: the calendar already shows it as it was
        if old.cancelled and old.last_on < today - timedelta(days=dose_days):
            continue  # said often enough; forgotten
        event = _cancelled_copy(old, stamp)
        events.append(event)
        cancelled += 1
        keep.append(
            replace(
                old,
                sequence=old.sequence + (0 if old.cancelled else 1),
                cancelled=True,
                ical=event.to_ical().decode("utf-8"),
            )
        )
    if calendar_id:
        # Events of the file this export replaces that this journal does not remember (an export made
        # before journals had a calendar id): cancelled, so a calendar that imported it keeps no copies.
        known = produced | set(remembered)
        events.extend(_cancelled_earlier(e, stamp) for e in earlier if str(e["UID"]) not in known)

    for event in events:
        if "DTSTART" in event:
            start = event.decoded("DTSTART")
            if (
                isinstance(start, datetime)
                and isinstance(start.tzinfo, ZoneInfo)
                and start.tzinfo.key not in _UTC_KEYS
            ):
                zone_days.setdefault(start.tzinfo.key, []).append(start.date())
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
        doses=len(series),
        dose_times=sum(1 for one in series for _ in range(one.occurrences)),
        cancelled=cancelled,
        remember=tuple(keep),
    )


def _regimen_key(uid: str, calendar_id: str) -> str:
    """ "med12-r34" from "dose-med12-r34-0800-<calendar id>@rpltrack.local"."""
    body = uid.split("@", 1)[0].removeprefix("dose-")
    if calendar_id:
        body = body.removesuffix(f"-{calendar_id}")
    return body.rsplit("-", 1)[0]


def _started_on(old: Remembered) -> date:
    """The first day of a dose series an earlier export wrote (its DTSTART)."""
    # heavy: icalendar
    from icalendar import Event

    event = Event.from_ical(old.ical)
    start = event.decoded("DTSTART")
    return start.date() if isinstance(start, datetime) else start


def earlier_events(text: str) -> list[Event]:
    """The rpltrack events still in force in an earlier export's text (not cancelled), or [] when it cannot
    be read as a calendar."""
    # heavy: icalendar
    from icalendar import Calendar, Event

    try:
        cal = Calendar.from_ical(text)
    except ValueError:
        return []
    return [
        e
        for e in cal.walk("VEVENT")
        if isinstance(e, Event)
        and str(e.get("UID", "")).endswith(f"@{UID_DOMAIN}")
        and str(e.get("STATUS", "")).upper() != "CANCELLED"
    ]


def _cancelled_earlier(old: Event, stamp: datetime) -> Event:
    """An event of an earlier file, sent back cancelled with a higher SEQUENCE (RFC 5546 §3.2.5)."""
    # heavy: icalendar
    from icalendar import Event

    event = Event()
    event.add("uid", str(old["UID"]))
    event.add("dtstamp", stamp)
    if "DTSTART" in old:
        event["DTSTART"] = old["DTSTART"]
    event.add("sequence", int(str(old.get("SEQUENCE", 0))) + 1)
    event.add("status", "CANCELLED")
    event.add("summary", str(old.get("SUMMARY", "rpltrack")))
    return event
