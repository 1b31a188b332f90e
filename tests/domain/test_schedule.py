"""Schedule expansion into UTC instants: times, intervals, tapers, dose changes, ends and DST (C1-C5, C12).

Every expectation is a concrete UTC instant, so the tests hold whatever dateutil's rrule does with time zones.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpltrack.domain.medspec import MedicationInput, build_medication
from rpltrack.domain.models import Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import replace
from rpltrack.domain.schedule import day_bounds, expand, is_clock_change_day, resolve_wall_time

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
MG81 = Quantity(Decimal(81), "mg")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def med_at(
    times: tuple[str, ...],
    zone: ZoneInfo,
    start: date,
    *,
    end: date | None = None,
    every_days: int = 1,
    weekdays: tuple[int, ...] = (),
    stopped_at: datetime | None = None,
) -> Medication:
    timing = Timing(
        TimingKind.TIMES,
        times=tuple(time.fromisoformat(t) for t in times),
        every_days=every_days,
        weekdays=weekdays,
    )
    return Medication(
        "aspirin",
        "aspirin",
        "oral",
        zone.key,
        (Regimen(start, MG81, timing),),
        end_on=end,
        stopped_at=stopped_at,
        id=1,
    )


def from_input(spec: MedicationInput, zone: ZoneInfo, now: datetime | None = None) -> Medication:
    built = build_medication(spec, zone, now or datetime(2026, 1, 1, tzinfo=UTC))
    return replace(built, id=1)


def local_days(zone: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC window from the start of local day `first` to the end of local day `last`."""
    return day_bounds(first, zone)[0], day_bounds(last, zone)[1]


# -- plain schedules --------------------------------------------------------------------------------------


def test_twice_daily_at_0800_and_2000_london_winter():
    med = med_at(("08:00", "20:00"), LONDON, date(2026, 11, 1))
    slots = expand(med, *local_days(LONDON, date(2026, 11, 23), date(2026, 11, 24)))
    assert [s.slot_at for s in slots] == [
        utc(2026, 11, 23, 8),
        utc(2026, 11, 23, 20),
        utc(2026, 11, 24, 8),
        utc(2026, 11, 24, 20),
    ]
    assert all(s.amount == MG81 and s.medication_id == 1 and not s.shifted for s in slots)
    assert [s.local_at.strftime("%H:%M") for s in slots] == ["08:00", "20:00", "08:00", "20:00"]


def test_window_is_half_open():
    med = med_at(("08:00",), LONDON, date(2026, 11, 1))
    assert [s.slot_at for s in expand(med, utc(2026, 11, 23, 8), utc(2026, 11, 24, 8))] == [
        utc(2026, 11, 23, 8)
    ]


@pytest.mark.parametrize(
    ("every_days", "weekdays", "expected_days"),
    [
        (1, (), [2, 3, 4, 5, 6, 7, 8]),
        (2, (), [2, 4, 6, 8]),  # every other day from the start day, Mon 2 Nov
        (3, (), [2, 5, 8]),
        (1, (0, 2, 4), [2, 4, 6]),  # mon, wed, fri
        (1, (5, 6), [7, 8]),  # weekend
    ],
    ids=["daily", "every-other-day", "every-3-days", "mon-wed-fri", "weekend"],
)
def test_day_patterns(every_days, weekdays, expected_days):
    med = med_at(("09:00",), NY, date(2026, 11, 2), every_days=every_days, weekdays=weekdays)
    slots = expand(med, *local_days(NY, date(2026, 11, 1), date(2026, 11, 8)))
    assert [s.local_at.day for s in slots] == expected_days
    assert all(s.slot_at == utc(2026, 11, s.local_at.day, 14) for s in slots)  # 09:00 EST = 14:00Z


def test_every_other_day_counts_from_the_start_day_not_the_window():
    med = med_at(("08:00",), LONDON, date(2026, 11, 3), every_days=2)
    slots = expand(med, *local_days(LONDON, date(2026, 11, 20), date(2026, 11, 24)))
    assert [s.local_at.day for s in slots] == [21, 23]


def test_nothing_before_the_start_date():
    med = med_at(("08:00",), LONDON, date(2026, 11, 23))
    slots = expand(med, *local_days(LONDON, date(2026, 11, 20), date(2026, 11, 23)))
    assert [s.slot_at for s in slots] == [utc(2026, 11, 23, 8)]


def test_end_date_is_the_inclusive_last_day():
    med = med_at(("08:00", "20:00"), LONDON, date(2026, 11, 20), end=date(2026, 11, 22))
    slots = expand(med, *local_days(LONDON, date(2026, 11, 19), date(2026, 11, 30)))
    assert len(slots) == 6
    assert slots[-1].slot_at == utc(2026, 11, 22, 20)


def test_stopped_at_ends_slots_at_that_instant():
    med = med_at(("08:00", "20:00"), LONDON, date(2026, 11, 20), stopped_at=utc(2026, 11, 22, 12))
    slots = expand(med, *local_days(LONDON, date(2026, 11, 19), date(2026, 11, 30)))
    assert slots[-1].slot_at == utc(2026, 11, 22, 8)
    assert len(slots) == 5


def test_stopped_exactly_at_a_slot_excludes_it():
    med = med_at(("08:00",), LONDON, date(2026, 11, 20), stopped_at=utc(2026, 11, 22, 8))
    slots = expand(med, *local_days(LONDON, date(2026, 11, 19), date(2026, 11, 30)))
    assert [s.slot_at for s in slots] == [utc(2026, 11, 20, 8), utc(2026, 11, 21, 8)]


def test_expand_refuses_naive_windows_and_unsaved_medications():
    med = med_at(("08:00",), LONDON, date(2026, 11, 20))
    with pytest.raises(ValueError, match="tz-aware"):
        expand(med, datetime(2026, 11, 20), utc(2026, 11, 21))  # noqa: DTZ001 - the naive input under test
    with pytest.raises(ValueError, match="saved medication"):
        expand(replace(med, id=None), utc(2026, 11, 20), utc(2026, 11, 21))


def test_as_needed_has_no_slots():
    med = replace(
        med_at(("08:00",), LONDON, date(2026, 11, 1)),
        regimens=(Regimen(date(2026, 11, 1), MG81, Timing(TimingKind.PRN)),),
    )
    assert expand(med, utc(2026, 11, 1), utc(2026, 12, 1)) == []


# -- dose changes and tapers ------------------------------------------------------------------------------


def test_dose_change_from_an_effective_date_keeps_the_old_dose_before_it():
    timing = Timing(TimingKind.TIMES, times=(time(8),))
    med = Medication(
        "levothyroxine",
        "levothyroxine",
        "oral",
        "Europe/London",
        (
            Regimen(date(2026, 11, 1), Quantity(Decimal(50), "mcg"), timing),
            Regimen(date(2026, 11, 22), Quantity(Decimal(75), "mcg"), timing),
        ),
        id=1,
    )
    slots = expand(med, *local_days(LONDON, date(2026, 11, 20), date(2026, 11, 23)))
    assert [(s.local_at.day, str(s.amount)) for s in slots] == [
        (20, "50 mcg"),
        (21, "50 mcg"),
        (22, "75 mcg"),
        (23, "75 mcg"),
    ]
    assert med.regimen_on(date(2026, 11, 21)) == med.regimens[0]
    assert med.regimen_on(date(2026, 10, 31)) is None


def test_taper_steps_then_ends():
    med = from_input(
        MedicationInput(
            "prednisone", "", times="08:00", start="2026-01-05", taper="20 mg x 6w; 10 mg x 1w; 5 mg x 1w"
        ),
        LONDON,
    )
    assert [(r.effective_on, str(r.amount)) for r in med.regimens] == [
        (date(2026, 1, 5), "20 mg"),
        (date(2026, 2, 16), "10 mg"),
        (date(2026, 2, 23), "5 mg"),
    ]
    assert med.end_on == date(2026, 3, 1)
    slots = expand(med, utc(2026, 1, 1), utc(2026, 4, 1))
    amounts = Counter(str(s.amount) for s in slots)
    assert amounts == {"20 mg": 42, "10 mg": 7, "5 mg": 7}
    assert slots[0].slot_at == utc(2026, 1, 5, 8)
    assert slots[-1].slot_at == utc(2026, 3, 1, 8)
    assert [s.slot_at for s in slots if s.local_at.date() in (date(2026, 2, 15), date(2026, 2, 16))] == [
        utc(2026, 2, 15, 8),
        utc(2026, 2, 16, 8),
    ]


# -- clock changes (C1, C2) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "wall", "day", "expected_utc", "expected_local"),
    [
        (NY, "02:30", date(2026, 3, 8), utc(2026, 3, 8, 7, 30), "03:30"),
        (LONDON, "01:30", date(2026, 3, 29), utc(2026, 3, 29, 1, 30), "02:30"),
    ],
    ids=["new-york", "london"],
)
def test_spring_forward_time_in_the_gap_happens_once_shifted_later(
    zone, wall, day, expected_utc, expected_local
):
    """C1: the missing wall time happens once, at the gap-shifted time; never skipped, never early."""
    med = med_at((wall,), zone, day - timedelta(days=10))
    slots = expand(med, *local_days(zone, day - timedelta(days=1), day + timedelta(days=1)))
    assert len(slots) == 3
    on_day = [s for s in slots if s.local_at.date() == day]
    assert len(on_day) == 1
    slot = on_day[0]
    assert slot.slot_at == expected_utc
    assert slot.local_at.strftime("%H:%M") == expected_local
    assert slot.shifted
    assert slot.clock_change_day
    assert not any(s.shifted for s in slots if s is not slot)
    # the days either side keep the wall time
    assert [s.local_at.strftime("%H:%M") for s in slots if s is not slot] == [wall, wall]


@pytest.mark.parametrize(
    ("zone", "day", "first_utc", "day_before_utc", "day_after_utc"),
    [
        (NY, date(2026, 11, 1), utc(2026, 11, 1, 5, 30), utc(2026, 10, 31, 5, 30), utc(2026, 11, 2, 6, 30)),
        (
            LONDON,
            date(2026, 10, 25),
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 24, 0, 30),
            utc(2026, 10, 26, 1, 30),
        ),
    ],
    ids=["new-york", "london"],
)
def test_fall_back_repeated_time_happens_once_at_the_first_occurrence(
    zone, day, first_utc, day_before_utc, day_after_utc
):
    """C2: 01:30 happens twice on the wall; the dose happens once, at fold=0."""
    med = med_at(("01:30",), zone, day - timedelta(days=10))
    slots = expand(med, *local_days(zone, day - timedelta(days=1), day + timedelta(days=1)))
    assert [s.slot_at for s in slots] == [day_before_utc, first_utc, day_after_utc]
    middle = slots[1]
    assert middle.local_at.fold == 0
    assert middle.local_at.strftime("%H:%M") == "01:30"
    assert middle.clock_change_day
    assert not middle.shifted


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        (NY, (date(2026, 3, 8), date(2026, 11, 1))),
        (LONDON, (date(2026, 3, 29), date(2026, 10, 25))),
        (SYDNEY, (date(2026, 4, 5), date(2026, 10, 4))),
    ],
    ids=["new-york", "london", "sydney"],
)
def test_twice_daily_keeps_wall_clock_over_a_year(zone, days):
    """C3: 08:00/20:00 local, exactly two per calendar day for 365 days; an 11/13 h gap on change days."""
    first = date(2026, 1, 1)
    med = med_at(("08:00", "20:00"), zone, first)
    slots = expand(med, *local_days(zone, first, date(2026, 12, 31)))
    assert len(slots) == 730
    per_day = Counter(s.local_at.date() for s in slots)
    assert set(per_day.values()) == {2}
    assert len(per_day) == 365
    assert {s.local_at.strftime("%H:%M") for s in slots} == {"08:00", "20:00"}
    assert len({s.slot_at for s in slots}) == 730
    for day in days:
        assert is_clock_change_day(day, zone)
        morning, evening = (s for s in slots if s.local_at.date() == day)
        assert evening.slot_at - morning.slot_at == timedelta(hours=12)  # both after the 02:00/03:00 change
        before = next(
            s for s in slots if s.local_at.date() == day - timedelta(days=1) and s.local_at.hour == 20
        )
        assert morning.slot_at - before.slot_at in (timedelta(hours=11), timedelta(hours=13))
        assert all(s.clock_change_day for s in (morning, evening))


def test_c4_interval_schedule_uses_elapsed_time():
    """C4: 22:00 EDT -> 05:00 EST -> 13:00 EST -> 21:00 EST, exactly 8 h apart in UTC."""
    med = from_input(MedicationInput("aspirin", "81 mg", times="22:00", every="8h", start="2026-10-31"), NY)
    timing = med.current.timing
    assert timing.kind is TimingKind.INTERVAL
    assert timing.interval_hours == 8
    assert timing.interval_anchor_at == utc(2026, 11, 1, 2)
    slots = expand(med, utc(2026, 10, 31), utc(2026, 11, 2, 3))
    assert [s.slot_at for s in slots] == [
        utc(2026, 11, 1, 2),
        utc(2026, 11, 1, 10),
        utc(2026, 11, 1, 18),
        utc(2026, 11, 2, 2),
    ]
    assert [s.local_at.strftime("%H:%M %Z") for s in slots] == [
        "22:00 EDT",
        "05:00 EST",
        "13:00 EST",
        "21:00 EST",
    ]


def test_interval_window_in_the_middle_finds_the_next_multiple():
    med = from_input(
        MedicationInput("aspirin", "81 mg", times="06:00", every="12h", start="2026-11-01"), LONDON
    )
    slots = expand(med, utc(2026, 11, 20, 7), utc(2026, 11, 21, 7))
    assert [s.slot_at for s in slots] == [utc(2026, 11, 20, 18), utc(2026, 11, 21, 6)]


def test_interval_respects_the_end_date():
    med = from_input(
        MedicationInput(
            "aspirin", "81 mg", times="08:00", every="12h", start="2026-11-01", until="2026-11-02"
        ),
        LONDON,
    )
    slots = expand(med, utc(2026, 10, 1), utc(2026, 12, 1))
    assert [s.slot_at for s in slots] == [
        utc(2026, 11, 1, 8),
        utc(2026, 11, 1, 20),
        utc(2026, 11, 2, 8),
        utc(2026, 11, 2, 20),
    ]


@pytest.mark.parametrize(
    ("day", "at", "zone", "instant", "shifted"),
    [
        (date(2026, 3, 8), time(2, 30), NY, utc(2026, 3, 8, 7, 30), True),
        (date(2026, 3, 8), time(3, 0), NY, utc(2026, 3, 8, 7), False),
        (date(2026, 11, 1), time(1, 30), NY, utc(2026, 11, 1, 5, 30), False),
        (date(2026, 3, 29), time(1, 0), LONDON, utc(2026, 3, 29, 1), True),
        (date(2026, 10, 25), time(1, 0), LONDON, utc(2026, 10, 25, 0), False),
        (date(2026, 10, 4), time(2, 15), SYDNEY, utc(2026, 10, 3, 16, 15), True),
    ],
    ids=["ny-gap", "ny-after-gap", "ny-fold", "london-gap-start", "london-fold", "sydney-gap"],
)
def test_resolve_wall_time(day, at, zone, instant, shifted):
    assert resolve_wall_time(day, at, zone) == (instant, shifted)


@pytest.mark.parametrize(
    ("day", "zone", "hours"),
    [
        (date(2026, 3, 8), NY, 23),
        (date(2026, 11, 1), NY, 25),
        (date(2026, 3, 29), LONDON, 23),
        (date(2026, 10, 25), LONDON, 25),
        (date(2026, 11, 23), LONDON, 24),
    ],
    ids=["ny-spring", "ny-fall", "london-spring", "london-fall", "ordinary"],
)
def test_day_bounds_and_clock_change_days(day, zone, hours):
    start, end = day_bounds(day, zone)
    assert end - start == timedelta(hours=hours)
    assert is_clock_change_day(day, zone) is (hours != 24)


# -- C12: until a date in many zones ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone_name",
    ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Pacific/Auckland"],
)
def test_c12_until_end_date_in_utc(zone_name):
    """C12: a schedule with an end date in five zones (with and without DST, east and west of UTC): no
    error, and the last dose falls at 21:00 on the intended local day."""
    zone = ZoneInfo(zone_name)
    med = med_at(("21:00",), zone, date(2026, 11, 1), end=date(2027, 6, 20))
    slots = expand(med, utc(2026, 10, 1), utc(2027, 12, 1))
    assert slots[-1].local_at.date() == date(2027, 6, 20)
    assert slots[-1].local_at.strftime("%H:%M") == "21:00"
    assert len(slots) == (date(2027, 6, 20) - date(2026, 11, 1)).days + 1


# -- C5: no occurrence is ever dropped or duplicated ------------------------------------------------------

ZONES = [
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Pacific/Chatham",
    "America/Santiago",
    "Africa/Cairo",
    "Asia/Tehran",
]


@settings(max_examples=60, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    times=st.lists(
        st.times().map(lambda t: t.replace(second=0, microsecond=0)), min_size=1, max_size=4, unique=True
    ),
    weekdays=st.lists(st.integers(0, 6), max_size=7, unique=True),
    start=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)
def test_c5_no_occurrence_ever_dropped(zone_name, times, weekdays, start):
    """C5: random daily and weekday schedules in random zones (Lord Howe's 30-minute DST, zones without
    DST) over a year: as many doses as calendar days times doses a day, each a concrete UTC instant,
    none doubled."""
    zone = ZoneInfo(zone_name)
    timing = Timing(TimingKind.TIMES, times=tuple(times), weekdays=tuple(sorted(weekdays)))
    med = Medication("aspirin", "aspirin", "oral", zone_name, (Regimen(start, MG81, timing),), id=1)
    last = start + timedelta(days=364)
    slots = expand(med, *local_days(zone, start, last))
    days = [start + timedelta(days=n) for n in range(365)]
    expected_days = [d for d in days if not weekdays or d.weekday() in weekdays]
    assert len(slots) == len(expected_days) * len(times)
    assert len({s.slot_at for s in slots}) == len(slots)
    per_day = Counter(s.local_at.date() for s in slots)
    assert set(per_day) == set(expected_days)
    assert set(per_day.values()) == {len(times)}
    for slot in slots:
        assert slot.slot_at.tzinfo is UTC
        assert slot.local_at == slot.slot_at.astimezone(zone)
        if not slot.shifted:
            assert slot.local_at.time() in times
        else:
            assert slot.clock_change_day


@settings(max_examples=300, deadline=None)
@given(
    span_start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    offset=st.integers(min_value=0, max_value=400),
    length=st.integers(min_value=0, max_value=60),
    every_days=st.integers(min_value=1, max_value=14),
)
def test_every_n_days_falls_on_the_dates_rrule_gives(span_start, offset, length, every_days):
    """The every-N-days dates, found by arithmetic (no dateutil on the quick path), are exactly those of
    rrule(DAILY, interval=N) from the regimen's first day, over any window."""
    from dateutil.rrule import DAILY, rrule

    from rpltrack.domain.schedule import _rule_days

    regimen = Regimen(
        effective_on=span_start,
        amount=Quantity(Decimal(1), "mg"),
        timing=Timing(TimingKind.TIMES, times=(time(8),), every_days=every_days),
    )
    lo = span_start + timedelta(days=offset)
    hi = lo + timedelta(days=length)
    expected = rrule(DAILY, dtstart=datetime.combine(span_start, time(0)), interval=every_days).between(
        datetime.combine(lo, time(0)), datetime.combine(hi, time(0)), inc=True
    )
    assert _rule_days(regimen, span_start, lo, hi) == [d.date() for d in expected]
