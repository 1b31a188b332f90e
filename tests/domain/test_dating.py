"""Dating after a transfer and from an LMP (clinical-reference §5), checked against hand-computed dates."""

from __future__ import annotations

from datetime import date

import pytest

from rpltrack.domain import dating
from rpltrack.domain.errors import ValidationError


@pytest.mark.parametrize(
    ("embryo_day", "lmp", "edd"),
    [
        pytest.param(3, date(2025, 2, 12), date(2025, 11, 19), id="day3-minus17-plus263"),
        pytest.param(5, date(2025, 2, 10), date(2025, 11, 17), id="day5-minus19-plus261"),
        pytest.param(6, date(2025, 2, 9), date(2025, 11, 16), id="day6-minus20-plus260"),
        pytest.param(7, date(2025, 2, 8), date(2025, 11, 15), id="day7-minus21-plus259"),
    ],
)
def test_lmp_equivalent_and_due_date_after_a_transfer(embryo_day: int, lmp: date, edd: date) -> None:
    transfer = date(2025, 3, 1)
    assert dating.lmp_from_transfer(transfer, embryo_day) == lmp
    assert dating.due_date(lmp) == edd
    assert (edd - transfer).days == 266 - embryo_day


def test_dpt_dpo_and_ga_on_a_day_after_a_day5_transfer() -> None:
    transfer = date(2025, 3, 1)
    day = date(2025, 3, 10)
    lmp = dating.lmp_from_transfer(transfer, 5)
    assert dating.days_past_transfer(transfer, day) == 9
    assert dating.dpo_equivalent(transfer, 5, day) == 14
    assert dating.format_ga(dating.ga_days(lmp, day)) == "4w 0d"
    label = dating.Dating(cycle_day=24, dpt=9, embryo_day=5, ga_days=dating.ga_days(lmp, day)).label()
    assert label == "CD 24 · 9dp5dt · 4w 0d"


def test_36_weeks_after_a_day5_transfer_is_the_reference_example() -> None:
    """§5: day-5 transfer 2025-03-01 reaches 36w0d on 2025-10-20 (last dose 2025-10-19)."""
    lmp = dating.lmp_from_transfer(date(2025, 3, 1), 5)
    assert dating.date_at_ga(lmp, dating.parse_ga("36w0d")) == date(2025, 10, 20)
    assert dating.date_at_ga(lmp, dating.parse_ga("10w")) == date(2025, 4, 21)  # LMP-equivalent + 70 days


def test_natural_cycle_due_date_uses_day_arithmetic_not_month_rules() -> None:
    """LMP 2023-05-31: the month rule says 2024-03-07, LMP + 280 days is 2024-03-06."""
    assert dating.due_date(date(2023, 5, 31)) == date(2024, 3, 6)


@pytest.mark.parametrize(
    ("text", "days"),
    [("7w", 49), ("7w3d", 52), ("36w0d", 252), (" 10 w 2 d ", 72), ("44w6d", 314), ("0w0d", 0)],
)
def test_parse_ga_reads_weeks_and_days(text: str, days: int) -> None:
    assert dating.parse_ga(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("45w", "beyond 44 weeks"),
        ("7w9d", "days part runs from 0 to 6"),
        ("seven weeks", "cannot read the gestational age"),
        ("", "cannot read the gestational age"),
    ],
)
def test_parse_ga_rejects_bad_input_with_a_specific_message(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        dating.parse_ga(text)


@pytest.mark.parametrize("day", [0, 1, 2, 4, 8, 9])
def test_embryo_day_must_be_3_5_6_or_7(day: int) -> None:
    with pytest.raises(ValidationError, match="day 3, 5, 6 or 7"):
        dating.check_embryo_day(day)


def test_cycle_day_counts_cd1_as_day_one() -> None:
    assert dating.cycle_day(date(2026, 11, 1), date(2026, 11, 1)) == 1
    assert dating.cycle_day(date(2026, 11, 1), date(2026, 11, 24)) == 24
