"""Time is total (issue #14): every instant she can live through can be logged, including both passes of the
repeated hour when clocks go back. Arithmetic and comparisons on aware datetimes go through UTC: Python adds
minutes to a local fold=1 time on the wall clock and drops the fold, landing an hour off, and compares two
times of the same zone by their wall clocks alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.clock import FixedClock, in_zone
from rpltrack.domain.betas import BetaDraw, parse_hcg, split_series
from rpltrack.domain.datetext import parse_local_datetime
from rpltrack.domain.doses import check_dose_time, day_views, is_logged_later, likely_now, slot_state
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseSlot, DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")

# The fall-back days of 2026: 01:00-01:59 happens twice. UTC of 01:30 in the first and the second pass.
FALL_BACK = {
    "london": (LONDON, date(2026, 10, 25), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    "new-york": (NEW_YORK, date(2026, 11, 1), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
}
ZONES = pytest.mark.parametrize("where", sorted(FALL_BACK))


def pass_at(where: str, minute: int, second_pass: bool) -> datetime:
    """01:MM local on the fall-back day, in the first or the second pass (as a local, fold-aware time)."""
    zone, day, _ = FALL_BACK[where]
    return datetime.combine(day, time(1, minute), tzinfo=zone).replace(fold=int(second_pass))


@ZONES
@pytest.mark.parametrize("second_pass", [False, True], ids=["first-pass", "second-pass"])
def test_a_dose_logged_now_in_either_pass_is_not_in_the_future(where: str, second_pass: bool) -> None:
    """Issue #14: `take` at 01:30 in the second pass was refused as "in the future"."""
    now = pass_at(where, 30, second_pass)
    check_dose_time(now, now)
    check_dose_time(now.astimezone(UTC), now)
    check_dose_time(now - timedelta(minutes=1), now)


@ZONES
def test_the_second_pass_is_an_hour_after_the_first(where: str) -> None:
    first, second = pass_at(where, 30, False), pass_at(where, 30, True)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert second.astimezone(UTC) == FALL_BACK[where][2] + timedelta(hours=1)


@ZONES
def test_a_time_in_the_second_pass_is_in_the_future_during_the_first(where: str) -> None:
    """01:05 in the second pass comes 70 minutes after 01:55 in the first: a wall-clock comparison says 50
    minutes before."""
    with pytest.raises(ValidationError, match="is in the future"):
        check_dose_time(pass_at(where, 5, True), pass_at(where, 55, False))


@ZONES
def test_logged_later_counts_real_minutes_across_the_repeated_hour(where: str) -> None:
    assert is_logged_later(pass_at(where, 10, False), pass_at(where, 20, True))  # 70 minutes later
    assert not is_logged_later(pass_at(where, 50, False), pass_at(where, 10, True))  # 20 minutes later


@ZONES
def test_a_slot_in_the_first_pass_is_overdue_not_missed_in_the_second(where: str) -> None:
    """01:45 first pass, grace 2 h: at 01:10 second pass it is 25 minutes overdue (wall clocks say 35 minutes
    early)."""
    slot_local = pass_at(where, 45, False)
    slot = DoseSlot(1, slot_local, slot_local, Quantity(Decimal(40), "mg"))
    assert slot_state(slot, None, pass_at(where, 10, True), timedelta(hours=2)) == (DoseStatus.DUE, True)
    assert slot_state(slot, None, pass_at(where, 10, True), timedelta(minutes=20)) == (
        DoseStatus.MISSED,
        False,
    )


@ZONES
def test_the_highlighted_dose_in_the_second_pass_is_the_one_just_due(where: str) -> None:
    zone, day, _ = FALL_BACK[where]
    med = Medication(
        "lovenox",
        "enoxaparin",
        "subcutaneous",
        zone.key,
        (
            Regimen(
                day - timedelta(days=3),
                Quantity(Decimal(40), "mg"),
                Timing(TimingKind.TIMES, times=(time(8),)),
            ),
        ),
        id=1,
    )
    now = pass_at(where, 30, True)
    views = day_views([med], [], day, zone, now, timedelta(hours=2))
    assert likely_now(views, now) == 0  # the 08:00 dose: the next one, not "nothing"


@ZONES
@pytest.mark.parametrize(
    ("now_minute", "now_second_pass", "second_pass"),
    [
        pytest.param(40, True, True, id="typed-in-the-second-pass-means-ten-minutes-ago"),
        pytest.param(40, False, False, id="typed-in-the-first-pass-means-the-first"),
        pytest.param(20, True, False, id="second-pass-not-reached-yet-means-the-first"),
    ],
)
def test_a_repeated_wall_time_is_the_most_recent_one_already_lived(
    where: str, now_minute: int, now_second_pass: bool, second_pass: bool
) -> None:
    zone, day, _ = FALL_BACK[where]
    now = pass_at(where, now_minute, now_second_pass)
    at = parse_local_datetime(f"{day} 01:30", zone, now=now)
    assert at.astimezone(UTC) == pass_at(where, 30, second_pass).astimezone(UTC)
    assert at.fold == int(second_pass)


@ZONES
def test_without_now_a_repeated_wall_time_is_its_first_pass(where: str) -> None:
    zone, day, first_utc = FALL_BACK[where]
    assert parse_local_datetime(f"{day} 01:30", zone).astimezone(UTC) == first_utc


@ZONES
def test_a_beta_drawn_in_the_first_pass_is_not_in_the_future_of_the_second(where: str) -> None:
    draw = BetaDraw(pass_at(where, 50, False), parse_hcg("120"))
    draw.check_drawn(pass_at(where, 10, True))
    with pytest.raises(ValidationError, match="in the future"):
        BetaDraw(pass_at(where, 10, True), parse_hcg("120")).check_drawn(pass_at(where, 50, False))


def test_beta_series_gaps_are_counted_in_real_time() -> None:
    """Loose draws start a new series after 15 days: 01:15 in the second pass on 25 October is 15 days and
    30 minutes after 01:45 on 10 October (the wall clocks say 14 days 23:30); in the first pass it is not."""
    first = BetaDraw(datetime(2026, 10, 10, 1, 45, tzinfo=LONDON), parse_hcg("50"))
    second_pass = BetaDraw(datetime(2026, 10, 25, 1, 15, fold=1, tzinfo=LONDON), parse_hcg("90"))
    first_pass = BetaDraw(datetime(2026, 10, 25, 1, 15, tzinfo=LONDON), parse_hcg("90"))
    assert len(split_series([first, second_pass])) == 2
    assert len(split_series([first, first_pass])) == 1


@ZONES
def test_clocks_keep_the_second_pass(where: str) -> None:
    zone, _, first_utc = FALL_BACK[where]
    second_utc = first_utc + timedelta(hours=1)
    clock = FixedClock(second_utc, zone)
    assert (clock.now().fold, clock.now().astimezone(UTC)) == (1, second_utc)
    clock = FixedClock(first_utc, zone)
    clock.advance(timedelta(hours=1))
    assert (clock.now().fold, clock.now().astimezone(UTC)) == (1, second_utc)
    # A local time whose fold was lost (as some datetime subclasses lose it) is put right from UTC.
    assert in_zone(second_utc, zone).fold == 1
