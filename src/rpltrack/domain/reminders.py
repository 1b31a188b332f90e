"""What reminds and when: doses, overdue doses, appointments, retests, refills and the time-zone question.

Pure decisions over what the store reads: `dose_dues`, `appointment_dues` and `travel_due` list the reminders
that exist around `now`; `decide` says which to send now and which passed unseen (catch-up after sleep, one
notification per schedule); domain.reminder_words turns them into the words of a notification. Nothing here
reads the clock, the journal or a notification server.
"""

from __future__ import annotations

import shlex
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rpltrack.domain.doses import clock_change_gap, gap_hours
from rpltrack.domain.models import DoseSlot, DoseStatus, Medication, MedicationState, TimingKind
from rpltrack.domain.records import record
from rpltrack.domain.schedule import expand, is_clock_change_day, resolve_wall_time

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from rpltrack.domain.appointments import Appointment
    from rpltrack.domain.models import ClockGap, DoseLog

# A run looks this far back for reminders it has not handled yet; older ones never pop up [app convention].
LOOKBACK = timedelta(days=2)
# Slots this far ahead are expanded too: in another time zone a reminder can come before its slot.
LOOKAHEAD = timedelta(days=1, hours=2)
# A reminder delivered later than this says how late it is ("Missed 20 min ago") [app convention].
LATE_AFTER = timedelta(minutes=2)
# A dose reminder still pops up after sleep for half the time to the next dose, capped (NOTIFICATIONS §3.3).
DOSE_CATCH_UP_MAX = timedelta(hours=6)
DOSE_CATCH_UP_MIN = timedelta(minutes=15)
# The evening-before reminder of an appointment, in the appointment's zone [app convention].
DAY_BEFORE_AT = time(18, 0)
# Retest and refill reminders come in the daytime, from the flag rules read at most this often.
FLAG_HOURS = (time(9, 0), time(21, 0))
FLAG_CHECK_EVERY = timedelta(hours=3)
FLAG_CATCH_UP = timedelta(days=3)
TRAVEL_CATCH_UP = timedelta(days=1)
# "Snooze" puts a reminder off this long; it then still pops up for a while if the computer slept.
SNOOZE = timedelta(minutes=10)
SNOOZE_CATCH_UP = timedelta(minutes=30)
# A delivery in flight (claimed, no receipt yet) is left alone by other processes this long.
LEASE = timedelta(minutes=2)
# This many late reminders in one run come as one summary instead of a burst [app convention].
SUMMARY_FROM = 3
# A dose at least this much earlier than its usual spacing after a time-zone change is pointed out.
SHORT_GAP = timedelta(hours=1)


class Kind(StrEnum):
    DOSE = "dose"
    OVERDUE = "overdue"
    APPOINTMENT = "appointment"
    RETEST = "retest"
    REFILL = "refill"
    TEST = "test"
    TRAVEL = "travel"
    CHECK = "check"  # not a reminder: when the flag rules are next read for reminders


class State(StrEnum):
    PENDING = "pending"  # claimed or failed; retried until its window closes
    SENT = "sent"  # a backend gave a receipt
    MISSED = "missed"  # its window closed unseen (asleep, off): no pop-up; the app shows it
    SNOOZED = "snoozed"
    DONE = "done"  # she answered it (Taken)


class Travel(StrEnum):
    HOME = "home"  # reminders keep the medication's own (home) zone: 21:00 New York is 02:00 in London
    LOCAL = "local"  # reminders follow the clock where she is: 21:00 in London


def utc_key(at: datetime) -> str:
    """An instant as the ledger writes it: '2026-11-23T08:00:00Z'."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@record(frozen=True)
class Due:
    """One reminder that exists: what it is about, when it falls due, until when a pop-up makes sense."""

    kind: Kind
    subject: str  # stable key in the ledger, e.g. 'dose:3:2026-11-23T08:00:00Z'
    due_at: datetime
    until: datetime  # after this it is marked missed without a pop-up
    group: str  # one notification per group per run (the newest); older ones pass as missed
    what: str  # 'Aspirin 81 mg', 'Dr Lee (hematologist)', a flag's title
    at: datetime | None = None  # the instant it is about (the dose's time, the appointment's start)
    when: str = ""  # that time as she reads it: '08:00', 'Tue 09:30', '21:00 New York time (02:00 here)'
    detail: str = ""  # a second line: where and why; a flag's question; a clock-change note
    command: str = ""  # the command that logs it, named when the server shows no buttons
    actionable: bool = False  # Taken and Snooze apply (a dose)
    since: datetime | None = None  # when it entered her journal: nothing is reminded from before

    @property
    def key(self) -> tuple[Kind, str]:
        return (self.kind, self.subject)


@record(frozen=True)
class Entry:
    """A ledger row: what happened to one reminder so far."""

    kind: Kind
    subject: str
    due_at: datetime
    state: State
    attempts: int = 0
    claimed_at: datetime | None = None
    snooze_until: datetime | None = None
    sent_at: datetime | None = None
    backend: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[Kind, str]:
        return (self.kind, self.subject)

    def in_flight(self, now: datetime) -> bool:
        """Claimed by a process that has not reported back yet (and may still be sending)."""
        return (
            self.state is State.PENDING
            and self.claimed_at is not None
            and now.astimezone(UTC) - self.claimed_at.astimezone(UTC) < LEASE
        )


@record(frozen=True)
class Outgoing:
    """A reminder to deliver now: how late it is, and how many older ones of its schedule passed unseen."""

    due: Due
    late: timedelta
    earlier: int = 0
    snoozed: bool = False


@record(frozen=True)
class Decision:
    send: tuple[Outgoing, ...] = ()
    missed: tuple[Due, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.send and not self.missed


# -- doses -------------------------------------------------------------------------------------------------


def _wall_clock(med: Medication, slot: DoseSlot) -> bool:
    """True when the slot comes from set times of day (which can follow a zone), not every-N-hours."""
    regimen = med.regimen_on(slot.local_at.date()) or med.regimens[0]
    return regimen.timing.kind is TimingKind.TIMES


def travelling(med: Medication, now: datetime, zone: ZoneInfo) -> bool:
    """True when the clock where she is differs from the medication's own zone right now."""
    return now.astimezone(ZoneInfo(med.zone)).utcoffset() != now.astimezone(zone).utcoffset()


def _hm(at: datetime, zone: ZoneInfo, today: date) -> str:
    local = at.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == today else f"{local:%a %H:%M}"


def _catch_up(gap: timedelta) -> timedelta:
    return max(DOSE_CATCH_UP_MIN, min(DOSE_CATCH_UP_MAX, gap / 2))


def format_span(span: timedelta) -> str:
    """'20 min', '2 h', '1 h 20 min', '3 days'."""
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def dose_dues(
    meds: Iterable[Medication],
    logs: Iterable[DoseLog],
    now: datetime,
    zone: ZoneInfo,
    grace: timedelta,
    travel: Travel = Travel.HOME,
) -> list[Due]:
    """The dose and overdue reminders of the last LOOKBACK up to now (and a day ahead, for time zones).

    A dose reminds at its time; if it is still not logged when the grace period ends, again as overdue. In
    another time zone, set times of day stay at home time (HOME) or move to the same wall time where she is
    (LOCAL); every-N-hours schedules always keep their elapsed-time spacing. On a clock-change day a dose
    that comes sooner or later than usual after the previous one says by how much (`gap_words`). Slots
    already logged, as-needed medications and slots from before a medication was entered have no reminder.

    Arithmetic on `now` goes through UTC: in the repeated hour when clocks go back (fold=1), adding to or
    subtracting from a local time drops the fold and lands an hour off."""
    now = now.astimezone(UTC)
    logged: dict[tuple[int, datetime], DoseLog] = {}
    for log in logs:
        if log.slot_at is not None:
            logged[(log.medication_id, log.slot_at.astimezone(UTC))] = log
    today = now.astimezone(zone).date()
    found: list[Due] = []
    for med in meds:
        if med.prn or med.id is None:
            continue
        slots = expand(med, now - LOOKBACK - LOOKAHEAD, now + LOOKAHEAD)
        away = travelling(med, now, zone)
        reminders = [_reminder_at(med, slot, zone, away, travel) for slot in slots]
        for index, slot in enumerate(slots):
            remind_at = reminders[index]
            if remind_at > now or remind_at < now - LOOKBACK:
                continue
            if (med.id, slot.slot_at.astimezone(UTC)) in logged:
                continue
            following = reminders[index + 1] if index + 1 < len(reminders) else None
            gap = timedelta(hours=24)
            if following is not None:
                gap = following - remind_at
            elif index > 0:
                gap = remind_at - reminders[index - 1]
            when = _hm(remind_at, zone, today)
            if away and not (travel is Travel.LOCAL and _wall_clock(med, slot)):
                city = med.zone.rsplit("/", 1)[-1].replace("_", " ")
                when = f"{slot.local_at:%H:%M} {city} time ({_hm(remind_at, zone, today)} here)"
            follows_local = travel is Travel.LOCAL and _wall_clock(med, slot)
            notes = _clock_notes(slot, remind_at, zone, away, follows_local)
            if away and travel is Travel.LOCAL and index > 0:
                notes += _short_gap_note(med, slots[index - 1], reminders[index - 1], slot, remind_at, logged)
            if not (away and follows_local):  # a dose following the clock abroad has the note above
                clock_gap = clock_change_gap(med, slot, slots[index - 1] if index else None)
                if clock_gap is not None:
                    notes = [n for n in notes if n != CLOCKS_CHANGE_TODAY] + [gap_words(clock_gap, slot)]
            subject = f"dose:{med.id}:{utc_key(slot.slot_at)}"
            what = f"{med.name} {slot.amount}"
            command = f"rpltrack take {shlex.quote(med.name)}"
            window_end = remind_at + _catch_up(gap)
            if following is not None:
                window_end = min(window_end, following)
            base = Due(
                Kind.DOSE,
                subject,
                remind_at,
                window_end,
                f"med:{med.id}",
                what,
                at=remind_at,
                when=when,
                detail=" ".join(notes),
                command=command,
                actionable=True,
                since=med.created_at,
            )
            found.append(base)
            overdue_at = remind_at + grace
            if following is None or overdue_at < following:
                overdue_end = overdue_at + _catch_up(gap)
                if following is not None:
                    overdue_end = min(overdue_end, following)
                found.append(
                    Due(
                        Kind.OVERDUE,
                        subject,
                        overdue_at,
                        overdue_end,
                        f"med:{med.id}",
                        what,
                        at=remind_at,
                        when=when,
                        detail=base.detail,
                        command=command,
                        actionable=True,
                        since=med.created_at,
                    )
                )
    return [d for d in found if d.due_at.astimezone(UTC) <= now]


def _reminder_at(med: Medication, slot: DoseSlot, zone: ZoneInfo, away: bool, travel: Travel) -> datetime:
    """When the slot's reminder comes: at the slot, or (following local time abroad) at the same wall time
    of the same calendar day where she is; a wall time that does not exist there moves on by the gap."""
    if not away or travel is Travel.HOME or not _wall_clock(med, slot):
        return slot.slot_at
    instant, _ = resolve_wall_time(slot.local_at.date(), slot.local_at.time(), zone)
    return instant


# The note of a clock-change day with nothing more to say; a dose the change brings sooner or later than usual
# after the previous one says how much instead (`gap_words`).
CLOCKS_CHANGE_TODAY = "The clocks change today."


def _clock_notes(slot: DoseSlot, remind_at: datetime, zone: ZoneInfo, away: bool, local: bool) -> list[str]:
    """A word on clock-change days: a time that did not exist moved on; a time that happens twice reminds
    once, at the first."""
    wall = remind_at.astimezone(zone) if away and local else slot.local_at
    wall_zone = zone if away and local else wall.tzinfo
    if not isinstance(wall_zone, ZoneInfo) or not is_clock_change_day(wall.date(), wall_zone):
        return []
    if (away and local and wall.time() != slot.local_at.time()) or (not (away and local) and slot.shifted):
        return [f"The clocks went forward today, so this comes at {wall:%H:%M}."]
    naive = wall.replace(tzinfo=None)
    if naive.replace(tzinfo=wall_zone, fold=1).utcoffset() != naive.replace(tzinfo=wall_zone).utcoffset():
        return [
            f"The clocks go back today and {wall:%H:%M} happens twice: this is the first, the only reminder."
        ]
    return [CLOCKS_CHANGE_TODAY]


def gap_words(gap: ClockGap, slot: DoseSlot) -> str:
    """'The clocks changed today: this dose is 11 h after yesterday's 20:00 dose, not the usual 12 h.' Plain
    information about the spacing on a clock-change day, never advice about the dose."""
    when = "today" if gap.changed_on == slot.local_at.date() else "yesterday"
    previous = gap.previous_at
    which = (
        f"the {previous:%H:%M} dose"
        if previous.date() == slot.local_at.date()
        else f"yesterday's {previous:%H:%M} dose"
    )
    return (
        f"The clocks changed {when}: this dose is {gap_hours(gap.elapsed)} after {which}, "
        f"not the usual {gap_hours(gap.usual)}."
    )


def _short_gap_note(
    med: Medication,
    previous: DoseSlot,
    previous_at: datetime,
    slot: DoseSlot,
    remind_at: datetime,
    logged: Mapping[tuple[int, datetime], DoseLog],
) -> list[str]:
    """After a time-zone change a dose that follows local time can come sooner after the last one."""
    assert med.id is not None
    log = logged.get((med.id, previous.slot_at.astimezone(UTC)))
    last = (
        log.taken_at if log is not None and log.status is DoseStatus.TAKEN and log.taken_at else previous_at
    )
    gap = remind_at.astimezone(UTC) - last.astimezone(UTC)
    usual = slot.slot_at.astimezone(UTC) - previous.slot_at.astimezone(UTC)
    if gap <= usual - SHORT_GAP:
        return [f"This comes {format_span(gap)} after the previous dose (new time zone)."]
    return []


def travel_due(
    meds: Iterable[Medication], now: datetime, zone: ZoneInfo, travel: Travel, chosen: bool
) -> Due | None:
    """The time-zone question, when her clock differs from the zone of a medication taken at set times and
    she has not chosen a rule yet (reminders.travel): asked once per zone."""
    if chosen:
        return None
    now = now.astimezone(UTC)
    today = now.astimezone(zone).date()
    for med in meds:
        if med.prn or med.id is None or med.state(now, today) is not MedicationState.ACTIVE:
            continue
        if med.current.timing.kind is not TimingKind.TIMES or not travelling(med, now, zone):
            continue
        home = ZoneInfo(med.zone)
        first = med.current.timing.times[0]
        there, _ = resolve_wall_time(now.astimezone(home).date(), first, home)
        rule = (
            f"Your reminders keep your home time ({home.key}): {first:%H:%M} there is "
            f"{there.astimezone(zone):%H:%M} here."
            if travel is Travel.HOME
            else f"Your reminders follow the clock here: {first:%H:%M} here, not {first:%H:%M} in {home.key}."
        )
        detail = (
            f"{rule} To follow the local clock: rpltrack settings set reminders.travel local. "
            "To keep home time: rpltrack settings set reminders.travel home. You are asked once."
        )
        return Due(
            Kind.TRAVEL,
            f"zone:{zone.key}",
            now,
            now + TRAVEL_CATCH_UP,
            "travel",
            f"New time zone: {zone.key}",
            detail=detail,
        )
    return None


# -- appointments ------------------------------------------------------------------------------------------


def appointment_dues(appointments: Iterable[Appointment], now: datetime, minutes: int) -> list[Due]:
    """The evening before (18:00 where the appointment is) and `minutes` before each coming appointment."""
    now = now.astimezone(UTC)
    found: list[Due] = []
    for appt in appointments:
        if appt.cancelled or appt.done or appt.id is None:
            continue
        start = appt.at.astimezone(UTC)
        if start <= now - LOOKBACK or start > now + timedelta(days=2):
            continue
        zone = appt.at.tzinfo if isinstance(appt.at.tzinfo, ZoneInfo) else ZoneInfo("UTC")
        local = appt.at.astimezone(zone)
        group = f"appt:{appt.id}:{utc_key(start)}"
        before = start - timedelta(minutes=minutes)
        evening, _ = resolve_wall_time(local.date() - timedelta(days=1), DAY_BEFORE_AT, zone)
        detail = ". ".join(p for p in (f"At {appt.where}" if appt.where else "", appt.purpose) if p)
        for subject, due_at, until in (
            (f"{group}:evening", evening, before),
            (f"{group}:{minutes}m", before, start),
        ):
            if subject.endswith("evening") and evening >= before:
                continue
            found.append(
                Due(
                    Kind.APPOINTMENT,
                    subject,
                    due_at,
                    until,
                    group,
                    appt.title,
                    at=start,
                    when=f"{local:%H:%M}",
                    detail=detail,
                    since=appt.created_at,
                )
            )
    return [d for d in found if d.due_at.astimezone(UTC) <= now]


def flag_due(kind: Kind, key: str, title: str, ask: str, now: datetime) -> Due:
    """A retest or refill reminder from an active flag (the store reads the flag rules)."""
    now = now.astimezone(UTC)
    return Due(kind, key, now, now + FLAG_CATCH_UP, key, title, detail=ask)


def stored_due(entry: Entry, what: str, detail: str) -> Due:
    """A reminder kept in the ledger with its words (retests, refills): rebuilt for another try."""
    catch_up = FLAG_CATCH_UP if entry.kind in (Kind.RETEST, Kind.REFILL) else TRAVEL_CATCH_UP
    due_at = entry.due_at.astimezone(UTC)
    return Due(entry.kind, entry.subject, due_at, due_at + catch_up, entry.subject, what, detail=detail)


def next_flag_check(now: datetime, zone: ZoneInfo) -> datetime:
    """When the flag rules are next read for reminders: in FLAG_CHECK_EVERY, kept inside the daytime hours."""
    now = now.astimezone(UTC)
    local = now.astimezone(zone)
    start, end = FLAG_HOURS
    candidate = (now + FLAG_CHECK_EVERY).astimezone(zone)
    if candidate.time() >= end or candidate.date() != local.date():
        first, _ = resolve_wall_time(local.date() + timedelta(days=1), start, zone)
        return first
    return candidate.astimezone(UTC)


def flag_hours(now: datetime, zone: ZoneInfo) -> bool:
    start, end = FLAG_HOURS
    return start <= now.astimezone(zone).time() < end


def first_flag_hour(now: datetime, zone: ZoneInfo) -> datetime:
    """The next moment inside the daytime hours (now, when it is daytime)."""
    if flag_hours(now, zone):
        return now
    local = now.astimezone(zone)
    day = local.date() if local.time() < FLAG_HOURS[0] else local.date() + timedelta(days=1)
    first, _ = resolve_wall_time(day, FLAG_HOURS[0], zone)
    return first


# -- deciding ----------------------------------------------------------------------------------------------


def decide(dues: Iterable[Due], entries: Mapping[tuple[Kind, str], Entry], now: datetime) -> Decision:
    """Which reminders to send now and which passed unseen.

    Each due reminder is handled once: sent while inside its window (late ones say how late), else marked
    missed without a pop-up. Of several due in one group (one medication's schedule, one appointment) only
    the newest is sent; the older ones are marked missed and counted in it. A reminder already sent, missed
    or answered is left alone, as is one another process is delivering right now (`Entry.in_flight`); a
    failed delivery stays pending and is tried again; a snoozed one comes back when its snooze ends.
    Compared and subtracted as UTC instants, so the repeated hour of a clock change is read right.
    """
    now = now.astimezone(UTC)
    groups: dict[str, list[tuple[Due, datetime, bool]]] = {}
    missed: list[Due] = []
    for due in dues:
        due_at = due.due_at.astimezone(UTC)
        if due_at > now or (due.since is not None and due_at < due.since.astimezone(UTC)):
            continue
        entry = entries.get(due.key)
        since, until, snoozed = due_at, due.until.astimezone(UTC), False
        if entry is not None:
            if entry.state in (State.SENT, State.MISSED, State.DONE) or entry.in_flight(now):
                continue
            if entry.state is State.SNOOZED:
                if entry.snooze_until is not None and entry.snooze_until.astimezone(UTC) > now:
                    continue
                snoozed = True
                since = (entry.snooze_until or due.due_at).astimezone(UTC)
                until = max(until, since + SNOOZE_CATCH_UP)
        if now > until:
            missed.append(due)
            continue
        groups.setdefault(due.group, []).append((due, since, snoozed))
    send: list[Outgoing] = []
    for items in groups.values():
        items.sort(key=lambda item: (item[0].due_at.astimezone(UTC), item[0].kind is Kind.OVERDUE))
        newest, since, snoozed = items[-1]
        older = [item[0] for item in items[:-1]]
        missed.extend(older)
        passed = {d.subject for d in missed if d.group == newest.group and d.subject != newest.subject}
        late = now - since if now - since > LATE_AFTER else timedelta(0)
        send.append(Outgoing(newest, late, len(passed), snoozed))
    send.sort(key=lambda o: (o.due.due_at.astimezone(UTC), o.due.subject))
    return Decision(tuple(send), tuple(missed))


def parse_dose_subject(subject: str) -> tuple[int, datetime] | None:
    """(medication id, slot instant) of a dose reminder's subject, or None for another subject."""
    parts = subject.split(":", 2)
    if len(parts) != 3 or parts[0] != "dose" or not parts[1].isdigit():
        return None
    try:
        slot = datetime.strptime(parts[2], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(parts[1]), slot
