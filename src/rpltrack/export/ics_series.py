"""Dose times as calendar series: one recurring event per regimen segment and time of day.

A calendar that imports a newer export updates an event by its UID, so a schedule written as one series per
regimen segment changes with the schedule: `med edit aspirin --times 09:15 --from D` ends the 08:00 series
the day before D (its UNTIL moves) and starts a 09:15 series on D; a stopped medication's series ends at its
last dose. The series is checked against the schedule engine (domain.schedule.expand), which stays the one
authority on when a dose falls: an occurrence the rule gives but the engine does not (a dose she logged as
skipped, one after a stop) becomes an EXDATE, and a dose the engine has that the rule does not give becomes
an RDATE, so the calendar's occurrences are exactly the engine's.

Wall-clock times carry the medication's zone (TZID); RFC 5545 §3.3.5 reads a time in a spring-forward gap
with the offset before the gap, as the engine does, so a clock change needs no exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.models import Medication, Regimen, TimingKind
from rpltrack.domain.records import record
from rpltrack.domain.schedule import day_bounds, expand, regimen_spans, resolve_wall_time


@record(frozen=True)
class DoseSeries:
    """One recurring dose event: a regimen segment of one medication at one time of day (or every N h)."""

    key: str  # stable within the journal: "med12-r34-0800", "med12-r34-every8h"
    medication: Medication
    regimen: Regimen
    start: datetime  # DTSTART: local (the medication's zone) for a time of day; UTC for every N hours
    rule: dict[str, object]  # the RRULE's parts (icalendar vRecur keys), UNTIL included
    until: datetime  # UTC instant of the last occurrence
    exdates: tuple[datetime, ...] = ()  # occurrences of the rule the schedule does not have
    rdates: tuple[datetime, ...] = ()  # doses of the schedule the rule does not give
    occurrences: int = 0  # how many doses the series stands for

    @property
    def last_on(self) -> date:
        return self.until.astimezone(ZoneInfo(self.medication.zone)).date()


def _rule_parts(regimen: Regimen) -> dict[str, object]:
    timing = regimen.timing
    if timing.kind is TimingKind.INTERVAL:
        return {"freq": "HOURLY", "interval": timing.interval_hours}
    if timing.weekdays:
        return {
            "freq": "WEEKLY",
            "byday": [("MO", "TU", "WE", "TH", "FR", "SA", "SU")[d] for d in timing.weekdays],
        }
    parts: dict[str, object] = {"freq": "DAILY"}
    if timing.every_days > 1:
        parts["interval"] = timing.every_days
    return parts


def _rule_days(regimen: Regimen, first: date, last: date) -> list[date]:
    """The days the regimen's rule gives from `first` (the segment's start) to `last`, as a calendar would
    expand the RRULE."""
    # heavy: dateutil
    from dateutil.rrule import DAILY, WEEKLY, rrule

    timing = regimen.timing
    start = datetime.combine(first, time(0))
    end = datetime.combine(last, time(0))
    if timing.weekdays:
        return [d.date() for d in rrule(WEEKLY, dtstart=start, until=end, byweekday=timing.weekdays)]
    return [d.date() for d in rrule(DAILY, dtstart=start, until=end, interval=timing.every_days)]


def dose_series(
    medications: Iterable[Medication],
    *,
    first_day: date,
    last_day: date,
    skipped: Iterable[tuple[int, datetime]] = (),
    started: Mapping[str, date] | None = None,
) -> list[DoseSeries]:
    """The dose series of `medications` for the regimen segments that have a dose on a local day from
    `first_day` to `last_day` (inclusive). A series starts on `first_day` (or its segment's start, if later),
    or where an earlier export started it (`started`, by series key without its time: "med12-r34"), so a
    newer export keeps the days a calendar already shows; it ends at its last dose up to `last_day`. Doses
    logged as skipped ((medication id, slot instant) in `skipped`) are left out."""
    left_out = {(med_id, at.astimezone(UTC)) for med_id, at in skipped}
    found: list[DoseSeries] = []
    for med in medications:
        if med.id is None or med.prn or med.waiting:
            continue
        found.extend(_series_of(med, first_day, last_day, left_out, started or {}))
    found.sort(key=lambda s: (s.start.astimezone(UTC), s.medication.name.casefold(), s.key))
    return found


def _series_of(
    med: Medication,
    first_day: date,
    last_day: date,
    left_out: set[tuple[int, datetime]],
    started: Mapping[str, date],
) -> Iterator[DoseSeries]:
    assert med.id is not None
    zone = ZoneInfo(med.zone)
    for regimen, span_start, span_end in regimen_spans(med):
        if regimen.timing.kind is TimingKind.PRN or span_end < first_day or span_start > last_day:
            continue
        regimen_key = f"med{med.id}-r{regimen.id if regimen.id is not None else span_start.isoformat()}"
        end_day = min(span_end, last_day)
        begin = max(span_start, min(started.get(regimen_key, first_day), first_day))
        lo, _ = day_bounds(begin, zone)
        _, hi = day_bounds(end_day, zone)
        slots = [s.slot_at for s in expand(med, lo, hi) if (med.id, s.slot_at) not in left_out]
        if not slots or max(slots).astimezone(zone).date() < first_day:
            continue
        if regimen.timing.kind is TimingKind.INTERVAL:
            yield from _interval_series(med, regimen, regimen_key, slots)
        else:
            days = [d for d in _rule_days(regimen, span_start, end_day) if d >= begin]
            yield from _times_series(med, regimen, regimen_key, days, slots, zone)


def _times_series(
    med: Medication,
    regimen: Regimen,
    regimen_key: str,
    days: list[date],
    slots: list[datetime],
    zone: ZoneInfo,
) -> Iterator[DoseSeries]:
    engine = set(slots)
    covered: set[datetime] = set()
    series: list[tuple[time, list[datetime], list[datetime]]] = []  # (time, kept, exdates)
    for at in regimen.timing.times:
        kept: list[datetime] = []
        missing: list[datetime] = []
        for day in days:
            instant, _ = resolve_wall_time(day, at, zone)
            (kept if instant in engine else missing).append(instant)
        covered.update(kept)
        series.append((at, kept, missing))
    extra = sorted(engine - covered)
    for index, (at, kept, missing) in enumerate(series):
        rdates = tuple(extra) if index == 0 else ()
        if not kept and not rdates:
            continue
        last = max([*kept, *rdates])
        if not days:
            continue
        first_rule = datetime.combine(days[0], at)
        start = first_rule.replace(tzinfo=zone)
        rule = {**_rule_parts(regimen), "until": last.astimezone(UTC)}
        exdates = tuple(m.astimezone(zone) for m in missing if m <= last and m >= start.astimezone(UTC))
        yield DoseSeries(
            key=f"{regimen_key}-{at.strftime('%H%M')}",
            medication=med,
            regimen=regimen,
            start=start,
            rule=rule,
            until=last.astimezone(UTC),
            exdates=exdates,
            rdates=tuple(r.astimezone(zone) for r in rdates),
            occurrences=len(kept) + len(rdates),
        )


def _interval_series(
    med: Medication, regimen: Regimen, regimen_key: str, slots: list[datetime]
) -> Iterator[DoseSeries]:
    step = timedelta(hours=regimen.timing.interval_hours)
    first, last = min(slots), max(slots)
    engine = set(slots)
    rule_instants: list[datetime] = []
    at = first
    while at <= last:
        rule_instants.append(at)
        at += step
    given = set(rule_instants)
    yield DoseSeries(
        key=f"{regimen_key}-every{regimen.timing.interval_hours}h",
        medication=med,
        regimen=regimen,
        start=first.astimezone(UTC),
        rule={**_rule_parts(regimen), "until": last.astimezone(UTC)},
        until=last.astimezone(UTC),
        exdates=tuple(i for i in rule_instants if i not in engine),
        rdates=tuple(sorted(engine - given)),
        occurrences=len(engine),
    )
