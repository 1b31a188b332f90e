"""Schedule expansion: regimens -> dose slots as UTC instants, with RFC 5545's rules for clock changes.

Wall-clock times are expanded from (local date, local time, IANA zone) at run time. A time that does not
exist on a spring-forward day moves forward by the gap (02:30 -> 03:30) and happens once; a time that
happens twice on a fall-back day happens once, at the first occurrence. The days a schedule falls on are
plain dates: every N days by arithmetic, weekdays by dateutil's rrule, which only enumerates naive local
dates here, so its tz handling (which changed between 2.9 and 3.x) never decides an instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from rpltrack.domain.models import DoseSlot, Medication, Regimen, TimingKind, require_aware


def resolve_wall_time(day: date, at: time, zone: ZoneInfo) -> tuple[datetime, bool]:
    """The UTC instant of wall time `at` on `day` in `zone`, and whether it was shifted by a gap.

    fold=0 gives the first of two ambiguous times and, for a time in a gap, the pre-transition offset,
    which lands on the wall time shifted forward by the gap length (RFC 5545 §3.3.5).
    """
    naive = datetime.combine(day, at)
    instant = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    back = instant.astimezone(zone).replace(tzinfo=None)
    return instant, back != naive


@lru_cache(maxsize=8192)  # asked once a slot: a 10-year export asks it some ten thousand times
def is_clock_change_day(day: date, zone: ZoneInfo) -> bool:
    """True when `day` in `zone` is not 24 hours long."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return end - start != timedelta(hours=24)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where local `day` starts and the next one starts."""
    start, _ = resolve_wall_time(day, time(0), zone)
    end, _ = resolve_wall_time(day + timedelta(days=1), time(0), zone)
    return start, end


def regimen_spans(med: Medication) -> Iterator[tuple[Regimen, date, date]]:
    """Each regimen with the first and last local day it is in force (inclusive)."""
    regimens = med.schedule_regimens
    last_day = med.last_day if med.last_day is not None else date.max - timedelta(days=2)
    for index, regimen in enumerate(regimens):
        nxt = regimens[index + 1].effective_on - timedelta(days=1) if index + 1 < len(regimens) else None
        end = min(last_day, nxt) if nxt is not None else last_day
        if regimen.effective_on <= end:
            yield regimen, regimen.effective_on, end


def expand(med: Medication, start_at: datetime, end_at: datetime) -> list[DoseSlot]:
    """Every scheduled slot of `med` with start_at <= slot < end_at, in time order."""
    require_aware(start_at, "start_at")
    require_aware(end_at, "end_at")
    if med.id is None:
        raise ValueError("expand needs a saved medication (with an id)")
    zone = ZoneInfo(med.zone)
    start_utc, end_utc = start_at.astimezone(UTC), end_at.astimezone(UTC)
    if med.stopped_at is not None:
        end_utc = min(end_utc, med.stopped_at.astimezone(UTC))
    if end_utc <= start_utc:
        return []
    # Local days that can hold a slot in the window (a day either side covers any UTC offset).
    first_day = start_utc.astimezone(zone).date() - timedelta(days=1)
    last_day = end_utc.astimezone(zone).date() + timedelta(days=1)
    slots: list[DoseSlot] = []
    for regimen, span_start, span_end in regimen_spans(med):
        lo, hi = max(span_start, first_day), min(span_end, last_day)
        if lo > hi:
            continue
        timing = regimen.timing
        if timing.kind is TimingKind.TIMES:
            for day in _rule_days(regimen, span_start, lo, hi):
                change_day = is_clock_change_day(day, zone)
                for at in timing.times:
                    instant, shifted = resolve_wall_time(day, at, zone)
                    if start_utc <= instant < end_utc:
                        slots.append(_slot(med.id, instant, zone, regimen, shifted, change_day))
        elif timing.kind is TimingKind.INTERVAL:
            slots.extend(_interval_slots(med.id, regimen, zone, lo, hi, span_start, start_utc, end_utc))
    slots.sort(key=lambda s: s.slot_at)
    return slots


def _slot(
    med_id: int, instant: datetime, zone: ZoneInfo, regimen: Regimen, shifted: bool, change_day: bool
) -> DoseSlot:
    return DoseSlot(med_id, instant, instant.astimezone(zone), regimen.amount, shifted, change_day)


def _rule_days(regimen: Regimen, span_start: date, lo: date, hi: date) -> list[date]:
    timing = regimen.timing
    # Start the rule at the last occurrence date on or before `lo` (same phase as span_start), so the
    # work is proportional to the window asked for, not to the years since the regimen began.
    step = 7 if timing.weekdays else timing.every_days
    first = span_start + timedelta(days=max(0, (lo - span_start).days) // step * step)
    if not timing.weekdays:
        # Every day or every N days: the rule's dates are first, first + N, ... (what rrule(DAILY, interval=N)
        # gives, without importing dateutil and calendar on the quick commands' path: about 5 ms).
        start = first if first >= lo else first + timedelta(days=step)
        return (
            [start + timedelta(days=k) for k in range(0, (hi - start).days + 1, step)] if start <= hi else []
        )
    # heavy: dateutil
    from dateutil.rrule import WEEKLY, rrule

    rule = rrule(WEEKLY, dtstart=datetime.combine(first, time(0)), byweekday=timing.weekdays)
    found = rule.between(datetime.combine(lo, time(0)), datetime.combine(hi, time(0)), inc=True)
    return [d.date() for d in found]


def _interval_slots(
    med_id: int,
    regimen: Regimen,
    zone: ZoneInfo,
    lo: date,
    hi: date,
    span_start: date,
    start_utc: datetime,
    end_utc: datetime,
) -> list[DoseSlot]:
    timing = regimen.timing
    assert timing.interval_anchor_at is not None
    anchor = timing.interval_anchor_at.astimezone(UTC)
    step = timedelta(hours=timing.interval_hours)
    window_lo = max(start_utc, anchor)
    k = max(0, -(-int((window_lo - anchor).total_seconds()) // int(step.total_seconds())))
    out: list[DoseSlot] = []
    instant = anchor + k * step
    while instant < end_utc:
        local = instant.astimezone(zone)
        day = local.date()
        if day > hi:
            break
        if lo <= day and day >= span_start:
            out.append(
                DoseSlot(med_id, instant, local, regimen.amount, False, is_clock_change_day(day, zone))
            )
        instant += step
    return out
