"""Dose states (due, overdue, missed, taken, skipped), which slot a 'take' means, adherence, site rotation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import (
    Adherence,
    ClockGap,
    DoseLog,
    DoseSlot,
    DoseStatus,
    DoseView,
    Medication,
    TimingKind,
)
from rpltrack.domain.schedule import day_bounds, expand, is_clock_change_day, resolve_wall_time

# A backdated entry is marked "logged later" when it was logged this long after the dose [app convention].
LOGGED_LATER_AFTER = timedelta(minutes=30)
# `take` without --at picks an open slot of today no more than this far in the future [app convention].
TAKE_AHEAD = timedelta(hours=12)
# A dose taken up to this long before its time is that dose, not an older open one [app convention].
TAKE_EARLY = timedelta(hours=1)
# A clock change is pointed out on a dose only when its schedule's usual spacing is at most a day: an hour
# more or less before a dose taken every other day or weekly is not worth a word [app convention].
CLOCK_GAP_MAX_SPACING = timedelta(days=1)
# How far back the previous slot is looked for: a day, plus the largest clock change (two hours).
CLOCK_GAP_LOOKBACK = CLOCK_GAP_MAX_SPACING + timedelta(hours=2)


def slot_state(
    slot: DoseSlot, log: DoseLog | None, now: datetime, grace: timedelta
) -> tuple[DoseStatus, bool]:
    """(status, overdue) of a slot: a log decides; otherwise due until slot + grace, then missed."""
    if log is not None:
        return log.status, False
    now_utc, slot_utc = now.astimezone(UTC), slot.slot_at.astimezone(UTC)
    if now_utc >= slot_utc + grace:
        return DoseStatus.MISSED, False
    return DoseStatus.DUE, now_utc >= slot_utc


def taken_past_grace(slot_at: datetime, now: datetime, grace: timedelta) -> bool:
    """Whether a dose due at `slot_at`, marked taken at `now`, is more than the grace period late: the app
    then asks when it was taken (at the very end of the grace it does not). Compared as UTC instants."""
    return now.astimezone(UTC) - slot_at.astimezone(UTC) > grace


def entered_after(med: Medication, slot: DoseSlot, grace: timedelta) -> bool:
    """True when the slot's grace period had already ended when the medication was entered."""
    return med.created_at is not None and slot.slot_at.astimezone(UTC) + grace <= med.created_at.astimezone(
        UTC
    )


def day_views(
    meds: Sequence[Medication],
    logs: Iterable[DoseLog],
    day: date,
    zone: ZoneInfo,
    now: datetime,
    grace: timedelta,
) -> list[DoseView]:
    """Every dose of local `day`: scheduled slots with their state (and, on clock-change days, the gap to the
    previous dose when it differs from the usual one), plus as-needed doses logged that day."""
    start, end = day_bounds(day, zone)
    by_slot: dict[tuple[int, datetime], DoseLog] = {}
    prn_logs: list[DoseLog] = []
    for log in logs:
        if log.slot_at is None:
            if log.taken_at is not None and start <= log.taken_at.astimezone(UTC) < end:
                prn_logs.append(log)
        else:
            by_slot[(log.medication_id, log.slot_at.astimezone(UTC))] = log
    views: list[DoseView] = []
    meds_by_id = {m.id: m for m in meds}
    for med in meds:
        slots = expand(med, start, end)
        for index, slot in enumerate(slots):
            slot_log = by_slot.get((slot.medication_id, slot.slot_at))
            status, overdue = slot_state(slot, slot_log, now, grace)
            before_entry = slot_log is None and entered_after(med, slot, grace)
            gap = clock_change_gap(med, slot, slots[index - 1] if index else None)
            views.append(DoseView(med, status, slot, slot_log, overdue, before_entry, gap))
    for prn_log in prn_logs:
        prn_med = meds_by_id.get(prn_log.medication_id)
        if prn_med is not None:
            views.append(DoseView(prn_med, DoseStatus.TAKEN, None, prn_log))
    views.sort(key=lambda v: (v.sort_at, v.medication.name.casefold()))
    return views


def clock_change_gap(med: Medication, slot: DoseSlot, previous: DoseSlot | None = None) -> ClockGap | None:
    """How long `slot` comes after the previous slot of its schedule, when a clock change between the two
    makes that differ from the usual spacing of their wall-clock times; else None.

    Set times of day keep the wall clock, so on spring-forward day 08:00 comes 11 h after the 20:00 dose
    (23 h after yesterday's 08:00 for a daily dose) and on fall-back day 13 h (25 h). `previous` is the slot
    before `slot` when the caller has it; otherwise it is looked up in the schedule. None as well for the
    first dose of a schedule, for every-N-hours schedules (they keep their elapsed spacing), and for schedules
    spaced more than CLOCK_GAP_MAX_SPACING apart. Cheap on the other days of the year: it expands nothing
    unless the clocks changed on the slot's day or the day before."""
    zone = ZoneInfo(med.zone)
    day = slot.local_at.date()
    today_changes = is_clock_change_day(day, zone)
    if not today_changes and not is_clock_change_day(day - timedelta(days=1), zone):
        return None
    if previous is None:
        slot_utc = slot.slot_at.astimezone(UTC)
        earlier = expand(med, slot_utc - CLOCK_GAP_LOOKBACK, slot_utc)
        if not earlier:
            return None
        previous = earlier[-1]
    wall, previous_wall = _wall_time(med, slot, zone), _wall_time(med, previous, zone)
    if wall is None or previous_wall is None:
        return None
    usual = wall - previous_wall
    elapsed = slot.slot_at.astimezone(UTC) - previous.slot_at.astimezone(UTC)
    if elapsed == usual or not timedelta(0) < usual <= CLOCK_GAP_MAX_SPACING:
        return None
    changed_on = day if today_changes else day - timedelta(days=1)
    return ClockGap(elapsed, usual, previous.local_at, changed_on)


def _wall_time(med: Medication, slot: DoseSlot, zone: ZoneInfo) -> datetime | None:
    """The naive wall-clock time the slot was scheduled at (02:30 for a slot the clock change moved to 03:30),
    or None when the slot is not from set times of day."""
    regimen = med.regimen_on(slot.local_at.date())
    if regimen is None or regimen.timing.kind is not TimingKind.TIMES:
        return None
    naive = slot.local_at.replace(tzinfo=None)
    if not slot.shifted:
        return naive
    for day in (naive.date(), naive.date() - timedelta(days=1)):
        for at in regimen.timing.times:
            if resolve_wall_time(day, at, zone)[0] == slot.slot_at:
                return datetime.combine(day, at)
    return None


def gap_hours(span: timedelta) -> str:
    """'11 h', '23 h', '11 h 30 min' (a half-hour clock change, as on Lord Howe Island)."""
    hours, minutes = divmod(int(span.total_seconds() // 60), 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def gap_note(gap: ClockGap, *, short: bool = False) -> str:
    """The clock-change mark on a dose in `rpltrack today` ('clock change: 11 h after the last dose, usually
    12 h') and, `short`, on the Today screen ('11 h after the last dose (clock change)')."""
    if short:
        return f"{gap_hours(gap.elapsed)} after the last dose (clock change)"
    return f"clock change: {gap_hours(gap.elapsed)} after the last dose, usually {gap_hours(gap.usual)}"


def pick_slot(
    med: Medication,
    logged_slots: set[datetime],
    target_at: datetime,
    now: datetime,
    *,
    explicit: bool,
) -> DoseSlot | None:
    """The scheduled slot a take/skip at `target_at` is for.

    Without --at: the latest open slot from the last 24 h up to TAKE_EARLY after now (so a late morning dose
    is not mistaken for the evening one, and an older open dose from yesterday does not take today's); else
    the slot nearest now up to TAKE_AHEAD ahead, even when it is already logged (so a second tap after the
    08:00 dose finds the 08:00 dose, already logged, instead of logging the 20:00 one). With --at: the slot
    nearest the time given, within 12 h, logged or not (a second backdated entry for a logged dose finds that
    dose, never the next one). The caller leaves a slot that is already logged as it is. None when there is
    no slot at all in the window.
    """
    target_utc, now_utc = target_at.astimezone(UTC), now.astimezone(UTC)
    if explicit:
        lo, hi = target_utc - timedelta(hours=12), target_utc + timedelta(hours=12)
    else:
        lo, hi = now_utc - timedelta(hours=24), now_utc + TAKE_AHEAD
    slots = expand(med, lo, hi)
    if not slots:
        return None
    if explicit:
        return min(slots, key=lambda s: (abs(s.slot_at.astimezone(UTC) - target_utc), s.slot_at))
    logged = {at.astimezone(UTC) for at in logged_slots}
    recent = [
        s
        for s in slots
        if s.slot_at.astimezone(UTC) not in logged and s.slot_at.astimezone(UTC) <= now_utc + TAKE_EARLY
    ]
    if recent:
        return recent[-1]
    return min(slots, key=lambda s: (abs(s.slot_at.astimezone(UTC) - now_utc), s.slot_at))


def is_logged_later(taken_at: datetime, logged_at: datetime) -> bool:
    return logged_at.astimezone(UTC) - taken_at.astimezone(UTC) > LOGGED_LATER_AFTER


def check_dose_time(at: datetime, now: datetime) -> None:
    """A dose cannot be logged in the future (five minutes of clock slack are allowed).

    Compared as UTC instants: adding minutes to a local time in the repeated hour of a clock change
    (fold=1) would drop the fold and land an hour off, refusing every dose logged in that hour."""
    if at.astimezone(UTC) > now.astimezone(UTC) + timedelta(minutes=5):
        shown = at.astimezone(now.tzinfo)
        raise ValidationError(
            f"{shown:%Y-%m-%d %H:%M} is in the future: log a dose when it has been taken", field="at"
        )


def adherence(
    med: Medication,
    logs: Iterable[DoseLog],
    now: datetime,
    days: int,
    grace: timedelta,
) -> Adherence:
    """Taken vs due over the last `days` days (slots whose grace period has ended count; later ones wait)."""
    now_utc = now.astimezone(UTC)
    end = now_utc - grace
    start = now_utc - timedelta(days=days)
    by_slot = {log.slot_at.astimezone(UTC): log for log in logs if log.slot_at is not None}
    taken = skipped = missed = 0
    for slot in expand(med, start, max(start, end)):
        log = by_slot.get(slot.slot_at)
        if log is None and entered_after(med, slot, grace):
            continue  # not tracked yet when it fell due
        if log is None:
            missed += 1
        elif log.status is DoseStatus.TAKEN:
            taken += 1
        else:
            skipped += 1
    return Adherence(med.id, days, taken, skipped, missed)


def combine(parts: Iterable[Adherence], days: int) -> Adherence:
    items = list(parts)
    return Adherence(
        None,
        days,
        sum(a.taken for a in items),
        sum(a.skipped for a in items),
        sum(a.missed for a in items),
    )


def next_site(med: Medication, last_site: str | None) -> str | None:
    """The next injection site in the rotation after `last_site`, for an injectable catalog drug."""
    drug = catalog.by_key(med.generic) if med.generic else None
    sites = drug.injection_sites if drug else ()
    if not sites:
        return None
    if last_site not in sites:
        return sites[0]
    return sites[(sites.index(last_site) + 1) % len(sites)]


def injection_sites(med: Medication) -> tuple[str, ...]:
    drug = catalog.by_key(med.generic) if med.generic else None
    return drug.injection_sites if drug else ()


def remaining_doses(med: Medication, now: datetime) -> int | None:
    """Scheduled doses from now to the schedule's last day (None when it has no end or is waiting): what a
    supply has to cover, e.g. syringes needed "until 36 weeks"."""
    if med.waiting or med.prn or med.last_day is None:
        return None
    zone = ZoneInfo(med.zone)
    _, end = day_bounds(med.last_day, zone)
    return len(expand(med, now, end)) if end > now.astimezone(UTC) else 0


def likely_now(views: Sequence[DoseView], now: datetime) -> int | None:
    """Which of today's doses she most likely means when she presses "taken" now (the TUI's starting
    highlight), by the same rule `take` uses: the latest open dose due up to TAKE_EARLY from now, else the
    next open dose, else none."""
    now_utc = now.astimezone(UTC)
    open_slots = [
        (i, v.slot.slot_at.astimezone(UTC))
        for i, v in enumerate(views)
        if v.slot is not None and v.status in (DoseStatus.DUE, DoseStatus.MISSED)
    ]
    recent = [i for i, at in open_slots if now_utc - timedelta(hours=24) <= at <= now_utc + TAKE_EARLY]
    if recent:
        return recent[-1]
    upcoming = [i for i, at in open_slots if at > now_utc]
    return upcoming[0] if upcoming else None
