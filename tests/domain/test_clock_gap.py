"""The gap to the previous dose on clock-change days (RELIABILITY C3: "the UI shows the 11 h/13 h gap"):
domain.doses.clock_change_gap, its words in a reminder, `rpltrack today` and Today, and where it is silent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain import doses
from rpltrack.domain import reminder_words as words
from rpltrack.domain import reminders as r
from rpltrack.domain.models import ClockGap, DoseSlot, Medication
from rpltrack.domain.records import replace
from rpltrack.domain.schedule import day_bounds, expand
from tests.reminders.support import LONDON, NEW_YORK, at_times, every_hours

SYDNEY = ZoneInfo("Australia/Sydney")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # clocks move by 30 minutes
GRACE = timedelta(hours=2)
ENTERED = datetime(2025, 1, 1, tzinfo=UTC)


def saved(med: Medication) -> Medication:
    return replace(med, id=1, created_at=ENTERED)


def slot_at(med: Medication, day: date, wall: time) -> DoseSlot:
    """The slot of `med` scheduled at `wall` on local `day` (found by its wall time, or as the only slot
    between that wall time and the next hour for a time the clock change moved)."""
    zone = ZoneInfo(med.zone)
    start, end = day_bounds(day, zone)
    found = [s for s in expand(med, start, end) if s.local_at.time() == wall]
    assert len(found) == 1, (day, wall, found)
    return found[0]


def gap_on(med: Medication, day: date, wall: time) -> ClockGap | None:
    return doses.clock_change_gap(med, slot_at(med, day, wall))


def hours(gap: ClockGap | None) -> tuple[float, float] | None:
    if gap is None:
        return None
    return gap.elapsed.total_seconds() / 3600, gap.usual.total_seconds() / 3600


# -- twice daily: 11 h / 13 h -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        (NEW_YORK, date(2026, 3, 8), (11, 12)),
        (NEW_YORK, date(2026, 11, 1), (13, 12)),
        (LONDON, date(2026, 3, 29), (11, 12)),
        (LONDON, date(2026, 10, 25), (13, 12)),
        (SYDNEY, date(2026, 4, 5), (13, 12)),  # autumn in the south: clocks back
        (SYDNEY, date(2026, 10, 4), (11, 12)),  # spring in the south: clocks forward
        (LORD_HOWE, date(2026, 4, 5), (12.5, 12)),
        (LORD_HOWE, date(2026, 10, 4), (11.5, 12)),
    ],
    ids=[
        "new-york-forward",
        "new-york-back",
        "london-forward",
        "london-back",
        "sydney-back",
        "sydney-forward",
        "lord-howe-back",
        "lord-howe-forward",
    ],
)
def test_twice_daily_morning_dose_on_a_change_day_has_the_gap(
    zone: ZoneInfo, day: date, expected: tuple[float, float]
) -> None:
    med = saved(at_times("08:00,20:00", name="enoxaparin", dose="40 mg", zone=zone))
    gap = gap_on(med, day, time(8))
    assert hours(gap) == expected
    assert gap is not None
    assert gap.changed_on == day
    assert gap.previous_at == datetime.combine(day - timedelta(days=1), time(20), tzinfo=zone)
    # The evening dose of the same day is 12 h after the morning one, as usual: nothing to say.
    assert gap_on(med, day, time(20)) is None


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        (NEW_YORK, date(2026, 3, 8), (23, 24)),
        (NEW_YORK, date(2026, 11, 1), (25, 24)),
        (SYDNEY, date(2026, 4, 5), (25, 24)),
        (SYDNEY, date(2026, 10, 4), (23, 24)),
    ],
    ids=["new-york-forward", "new-york-back", "sydney-back", "sydney-forward"],
)
def test_a_daily_dose_on_a_change_day_is_23_or_25_hours_after_yesterdays(
    zone: ZoneInfo, day: date, expected: tuple[float, float]
) -> None:
    med = saved(at_times("08:00", zone=zone))
    assert hours(gap_on(med, day, time(8))) == expected


# -- where nothing is said ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        (NEW_YORK, date(2026, 3, 7)),
        (NEW_YORK, date(2026, 3, 9)),
        (LONDON, date(2026, 11, 23)),
        (SYDNEY, date(2026, 4, 6)),
        (ZoneInfo("Asia/Tokyo"), date(2026, 3, 8)),  # no clock changes at all
    ],
    ids=["new-york-day-before", "new-york-day-after", "london-november", "sydney-day-after", "tokyo"],
)
def test_a_day_without_a_clock_change_has_no_gap(zone: ZoneInfo, day: date) -> None:
    med = saved(at_times("08:00,20:00", zone=zone))
    assert gap_on(med, day, time(8)) is None
    assert gap_on(med, day, time(20)) is None


def test_the_first_dose_ever_has_no_previous_dose_and_no_gap() -> None:
    """A schedule that starts on spring-forward day: its first dose follows nothing."""
    med = saved(at_times("08:00,20:00", zone=NEW_YORK, start=date(2026, 3, 8)))
    assert gap_on(med, date(2026, 3, 8), time(8)) is None
    assert gap_on(med, date(2026, 3, 9), time(8)) is None


def test_every_8_hours_keeps_elapsed_time_and_has_no_gap() -> None:
    """C4: every 8 hours from 22:00 EDT on 31 October runs 22:00 -> 05:00 EST -> 13:00 -> 21:00: the wall
    clock moves, the spacing stays 8 h, so no dose is ever sooner or later than usual."""
    med = saved(every_hours(8, datetime(2026, 10, 31, 22, 0, tzinfo=NEW_YORK), zone=NEW_YORK))
    start, _ = day_bounds(date(2026, 10, 31), NEW_YORK)
    _, end = day_bounds(date(2026, 11, 2), NEW_YORK)
    slots = expand(med, start, end)
    assert [f"{s.local_at:%d %H:%M}" for s in slots[:4]] == ["31 22:00", "01 05:00", "01 13:00", "01 21:00"]
    assert [doses.clock_change_gap(med, s) for s in slots] == [None] * len(slots)


def test_a_schedule_more_than_a_day_apart_has_no_gap() -> None:
    """Every other day at 08:00: 47 h instead of 48 h is not worth a word (CLOCK_GAP_MAX_SPACING)."""
    med = saved(at_times("08:00", zone=NEW_YORK, start=date(2026, 3, 6)))
    (regimen,) = med.regimens
    every_other = replace(med, regimens=(replace(regimen, timing=replace(regimen.timing, every_days=2)),))
    assert gap_on(every_other, date(2026, 3, 8), time(8)) is None


# -- the day after: a dose before the change hour ------------------------------------------------------------


def test_a_dose_before_the_change_hour_has_its_gap_the_next_day() -> None:
    """Daily 01:30 in New York: on fall-back day 01:30 comes before the clocks go back (24 h, nothing to
    say); the next day's 01:30 is 25 h after it, and says the clocks changed yesterday."""
    med = saved(at_times("01:30", zone=NEW_YORK))
    assert gap_on(med, date(2026, 11, 1), time(1, 30)) is None
    gap = gap_on(med, date(2026, 11, 2), time(1, 30))
    assert hours(gap) == (25, 24)
    assert gap is not None
    assert gap.changed_on == date(2026, 11, 1)


def test_a_time_moved_by_the_gap_counts_from_its_scheduled_time() -> None:
    """Daily 02:30 in New York: on spring-forward day it comes at 03:30, 24 h after yesterday's (the
    existing note says it moved); the next day's 02:30 is 23 h after that 03:30."""
    med = saved(at_times("02:30", zone=NEW_YORK))
    moved = slot_at(med, date(2026, 3, 8), time(3, 30))
    assert moved.shifted
    assert doses.clock_change_gap(med, moved) is None
    gap = gap_on(med, date(2026, 3, 9), time(2, 30))
    assert hours(gap) == (23, 24)
    assert gap is not None
    assert gap.previous_at == moved.local_at


def test_the_previous_slot_given_or_looked_up_gives_the_same_gap() -> None:
    med = saved(at_times("08:00,20:00", zone=LONDON))
    start, end = day_bounds(date(2026, 3, 29), LONDON)
    start -= timedelta(days=1)
    evening, morning = [s for s in expand(med, start, end) if s.local_at.date() >= date(2026, 3, 28)][1:3]
    given = doses.clock_change_gap(med, morning, evening)
    assert given is not None
    assert given == doses.clock_change_gap(med, morning)


# -- the words ----------------------------------------------------------------------------------------------


def test_the_short_notes_of_rpltrack_today_and_the_today_screen() -> None:
    med = saved(at_times("08:00,20:00", zone=NEW_YORK))
    gap = gap_on(med, date(2026, 3, 8), time(8))
    assert gap is not None
    assert doses.gap_note(gap) == "clock change: 11 h after the last dose, usually 12 h"
    assert doses.gap_note(gap, short=True) == "11 h after the last dose (clock change)"
    howe = gap_on(saved(at_times("08:00,20:00", zone=LORD_HOWE)), date(2026, 10, 4), time(8))
    assert howe is not None
    assert doses.gap_note(howe) == "clock change: 11 h 30 min after the last dose, usually 12 h"


def _reminder(med: Medication, at: datetime) -> r.Outgoing:
    """The dose reminder that comes at `at` (a slot's time), as sent then."""
    dues = [d for d in r.dose_dues([med], [], at, ZoneInfo(med.zone), GRACE) if d.kind is r.Kind.DOSE]
    due = max(dues, key=lambda d: d.due_at)
    assert due.due_at == at.astimezone(UTC)
    return r.Outgoing(due, timedelta(0))


@pytest.mark.parametrize(
    ("zone", "at", "body"),
    [
        (
            NEW_YORK,
            datetime(2026, 3, 8, 8, 0, tzinfo=NEW_YORK),
            "Due now. The clocks changed today: this dose is 11 h after yesterday's 20:00 dose, "
            "not the usual 12 h.",
        ),
        (
            SYDNEY,
            datetime(2026, 4, 5, 8, 0, tzinfo=SYDNEY),
            "Due now. The clocks changed today: this dose is 13 h after yesterday's 20:00 dose, "
            "not the usual 12 h.",
        ),
        (NEW_YORK, datetime(2026, 3, 8, 20, 0, tzinfo=NEW_YORK), "Due now. The clocks change today."),
        (NEW_YORK, datetime(2026, 3, 9, 8, 0, tzinfo=NEW_YORK), "Due now."),
    ],
    ids=["new-york-morning", "sydney-morning", "new-york-evening-as-usual", "new-york-day-after"],
)
def test_the_reminder_says_the_gap_plainly(zone: ZoneInfo, at: datetime, body: str) -> None:
    med = saved(at_times("08:00,20:00", name="enoxaparin", dose="40 mg", zone=zone))
    notice = words.render(_reminder(med, at), at, discreet=False)
    assert notice.title == f"Enoxaparin 40 mg at {at:%H:%M}"
    assert notice.body == body


def test_the_reminder_the_day_after_says_yesterday() -> None:
    med = saved(at_times("01:00,13:00", zone=NEW_YORK))
    # 13:00 on spring-forward day comes 11 h after 01:00 that morning (the clocks went forward at 02:00).
    noon_at = datetime(2026, 3, 8, 13, tzinfo=NEW_YORK)
    noon = words.render(_reminder(med, noon_at), noon_at, discreet=False)
    assert noon.body == (
        "Due now. The clocks changed today: this dose is 11 h after the 01:00 dose, not the usual 12 h."
    )
    daily = saved(at_times("01:30", zone=NEW_YORK))
    next_day = datetime(2026, 11, 2, 1, 30, tzinfo=NEW_YORK)
    notice = words.render(_reminder(daily, next_day), next_day, discreet=False)
    assert notice.body == (
        "Due now. The clocks changed yesterday: this dose is 25 h after yesterday's 01:30 dose, "
        "not the usual 24 h."
    )


def test_the_discreet_reminder_says_nothing_of_it() -> None:
    med = saved(at_times("08:00,20:00", name="enoxaparin", dose="40 mg", zone=NEW_YORK))
    at = datetime(2026, 3, 8, 8, 0, tzinfo=NEW_YORK)
    notice = words.render(_reminder(med, at), at, discreet=True)
    assert notice.body == "Something is due at 08:00."


def test_the_overdue_reminder_keeps_the_gap() -> None:
    med = saved(at_times("08:00,20:00", name="enoxaparin", dose="40 mg", zone=LONDON))
    at = datetime(2026, 3, 29, 10, 0, tzinfo=LONDON)
    morning = datetime(2026, 3, 29, 8, 0, tzinfo=LONDON)
    dues = r.dose_dues([med], [], at, LONDON, GRACE)
    (overdue,) = [d for d in dues if d.kind is r.Kind.OVERDUE and d.at == morning]
    assert "this dose is 11 h after yesterday's 20:00 dose" in overdue.detail


# -- Today's views ------------------------------------------------------------------------------------------


def test_day_views_carry_the_gap_on_the_affected_dose_only() -> None:
    bid = saved(at_times("08:00,20:00", name="enoxaparin", dose="40 mg", zone=LONDON))
    daily = replace(saved(at_times("09:00")), id=2)
    now = datetime(2026, 10, 25, 9, 30, tzinfo=LONDON)
    views = doses.day_views([bid, daily], [], now.date(), LONDON, now, GRACE)
    assert [
        (v.medication.name, f"{v.sort_at.astimezone(LONDON):%H:%M}", hours(v.clock_gap)) for v in views
    ] == [
        ("enoxaparin", "08:00", (13, 12)),
        ("aspirin", "09:00", (25, 24)),
        ("enoxaparin", "20:00", None),
    ]
    ordinary = doses.day_views([bid, daily], [], date(2026, 10, 26), LONDON, now, GRACE)
    assert [v.clock_gap for v in ordinary] == [None, None, None]
