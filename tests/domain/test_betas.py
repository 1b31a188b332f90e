"""Beta-hCG pairs against hand-computed values (clinical-reference §4), DST-aware, censored-aware."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpltrack.domain.betas import (
    MIN_JUDGED_HOURS,
    BetaDraw,
    HcgValue,
    Op,
    Verdict,
    assess_pair,
    assess_series,
    barnhart_2016,
    parse_hcg,
    split_series,
)
from rpltrack.domain.errors import ValidationError

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


Wall = tuple[int, int, int, int]


def at(wall: Wall, zone: ZoneInfo) -> datetime:
    """A wall-clock (year, month, day, hour) in `zone`."""
    return datetime(wall[0], wall[1], wall[2], wall[3], tzinfo=zone)


def draw(day: datetime, value: str, lab: str = "") -> BetaDraw:
    return BetaDraw(day, parse_hcg(value), lab)


@pytest.mark.parametrize(
    ("text", "op", "value"),
    [
        ("120", Op.EQ, "120"),
        ("<5", Op.LT, "5"),
        ("< 5 mIU/mL", Op.LT, "5"),
        ("> 10000", Op.GT, "10000"),
        ("1,234.5 IU/L", Op.EQ, "1234.5"),
        ("10,000 IU/L", Op.EQ, "10000"),
        ("1,234,567", Op.EQ, "1234567"),
        ("0,5", Op.EQ, "0.5"),
        ("<=2", Op.LE, "2"),
        ("0", Op.EQ, "0"),
    ],
)
def test_parse_hcg_keeps_lab_notation(text: str, op: Op, value: str) -> None:
    parsed = parse_hcg(text)
    assert (parsed.op, parsed.value) == (op, Decimal(value))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-3", "a beta cannot be negative"),
        ("-4,9", "a beta cannot be negative"),
        ("\N{MINUS SIGN}49", "a beta cannot be negative"),
        ("<-5", "a beta cannot be negative"),
        ("4,9", r"did you mean 4\.9 or 49\?"),
        ("12,34", r"did you mean 12\.34 or 1234\?"),
        ("1e3", "write it in full, like 1000 rather than 1e3"),
        ("NaN", "not a number"),
        ("inf", "not a number"),
        ("200000000", "beyond any lab's range"),
        ("abc", "cannot read the beta"),
        ("120 ng/mL", "unknown unit for hCG: ng/mL"),
        ("positive", "cannot read the beta"),
    ],
)
def test_parse_hcg_refuses_bad_values_and_mass_units(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_hcg(text)


@pytest.mark.parametrize(
    ("start", "end", "hours", "rise", "doubling"),
    [
        pytest.param((2026, 1, 7, 8), (2026, 1, 8, 8), "24.0", "96.0", "49.4", id="24h"),
        pytest.param((2026, 1, 7, 8), (2026, 1, 9, 8), "48.0", "40.0", "98.9", id="48h"),
        pytest.param((2026, 1, 7, 8), (2026, 1, 10, 8), "72.0", "25.1", "148.3", id="72h"),
    ],
)
def test_rise_normalised_to_48_hours(start: Wall, end: Wall, hours: str, rise: str, doubling: str) -> None:
    """1500 -> 2100: r = 1.4; rise48 = (1.4^(48/t) - 1) x 100; doubling = t ln2 / ln r."""
    pair = assess_pair(draw(at(start, NY), "1500"), draw(at(end, NY), "2100"))
    assert pair.hours == Decimal(hours)
    assert pair.rise_48h_percent == Decimal(rise)
    assert pair.doubling_hours == Decimal(doubling)
    assert pair.change_percent == Decimal("40.0")


def test_exactly_40_percent_meets_the_40_percent_minimum_despite_float_rounding() -> None:
    """(2100/1500 - 1) x 100 is 39.99999999999999 in binary floating point: rounded first, it meets 40 %."""
    pair = assess_pair(
        draw(datetime(2026, 1, 7, 8, tzinfo=NY), "1500"), draw(datetime(2026, 1, 9, 8, tzinfo=NY), "2100")
    )
    assert pair.minimum is not None
    assert pair.minimum.percent == Decimal(40)
    assert pair.verdict is Verdict.MEETS


@pytest.mark.parametrize(
    ("zone", "start", "end", "hours"),
    [
        pytest.param(NY, (2026, 3, 7, 8), (2026, 3, 9, 8), "47.0", id="ny-spring-47h"),
        pytest.param(NY, (2026, 10, 31, 8), (2026, 11, 2, 8), "49.0", id="ny-fall-49h"),
        pytest.param(LONDON, (2026, 3, 28, 8), (2026, 3, 30, 8), "47.0", id="london-spring-47h"),
        pytest.param(LONDON, (2026, 10, 24, 8), (2026, 10, 26, 8), "49.0", id="london-fall-49h"),
    ],
)
def test_hours_between_draws_come_from_utc_instants_across_clock_changes(
    zone: ZoneInfo, start: Wall, end: Wall, hours: str
) -> None:
    pair = assess_pair(draw(at(start, zone), "100"), draw(at(end, zone), "200"))
    assert pair.hours == Decimal(hours)


@pytest.mark.parametrize(
    ("first", "minimum"),
    [("1499", 49), ("1500", 40), ("3000", 40), ("3000.01", 33), ("5", 49)],
)
def test_barnhart_2016_bucket_edges(first: str, minimum: int) -> None:
    assert barnhart_2016(Decimal(first)).percent == minimum


def test_slow_rise_is_below_the_minimum() -> None:
    pair = assess_pair(
        draw(datetime(2026, 1, 7, 8, tzinfo=NY), "100"), draw(datetime(2026, 1, 9, 8, tzinfo=NY), "140")
    )
    assert pair.verdict is Verdict.BELOW
    assert pair.rise_48h_percent == Decimal("40.0")


def test_equal_values_are_a_plateau_with_no_doubling_time() -> None:
    pair = assess_pair(
        draw(datetime(2026, 1, 7, 8, tzinfo=NY), "250"), draw(datetime(2026, 1, 9, 8, tzinfo=NY), "250")
    )
    assert pair.verdict is Verdict.PLATEAU
    assert pair.doubling_hours is None


def test_falling_values_report_a_fall_never_a_negative_doubling_time() -> None:
    pair = assess_pair(
        draw(datetime(2026, 1, 7, 8, tzinfo=NY), "300"), draw(datetime(2026, 1, 9, 8, tzinfo=NY), "210")
    )
    assert pair.verdict is Verdict.FALLING
    assert pair.fall_percent == Decimal("30.0")
    assert pair.doubling_hours is None


@pytest.mark.parametrize(("hours", "judged"), [(23, False), (24, True), (96, True), (97, False)])
def test_pairs_outside_24_to_96_hours_are_shown_not_judged(hours: int, judged: bool) -> None:
    start = datetime(2026, 1, 5, 8, tzinfo=NY)
    end = datetime.fromtimestamp(start.timestamp() + hours * 3600, NY)
    pair = assess_pair(draw(start, "100"), draw(end, "400"))
    assert (pair.verdict is not Verdict.NOT_JUDGED) is judged
    # Under 24 h the 48-h extrapolation means nothing: no rates. Over 96 h they are shown, not judged.
    assert (pair.rise_48h_percent is not None) is (hours >= 24)


@pytest.mark.parametrize(
    ("first", "second", "verdict"),
    [
        pytest.param("300", "<5", Verdict.FALLING, id="later-below-5-is-falling"),
        pytest.param("<5", "<5", Verdict.CENSORED, id="both-negative-undecided"),
        pytest.param("<5", "50", Verdict.MEETS, id="from-below-5-bound-decides"),
        pytest.param("100", ">10000", Verdict.MEETS, id="bound-decides-meets"),
        pytest.param(">10000", "11000", Verdict.CENSORED, id="bound-does-not-decide"),
    ],
)
def test_a_censored_value_decides_only_when_its_bound_decides(
    first: str, second: str, verdict: Verdict
) -> None:
    pair = assess_pair(
        draw(datetime(2026, 1, 7, 8, tzinfo=NY), first), draw(datetime(2026, 1, 9, 8, tzinfo=NY), second)
    )
    assert pair.verdict is verdict
    assert pair.doubling_hours is None


def test_draws_from_different_labs_carry_a_caution() -> None:
    pair = assess_pair(
        draw(datetime(2026, 1, 7, 8, tzinfo=NY), "100", "Quest"),
        draw(datetime(2026, 1, 9, 8, tzinfo=NY), "250", "LabCorp"),
    )
    assert pair.different_labs


def test_series_pairs_consecutive_draws_in_time_order() -> None:
    draws = [
        draw(datetime(2026, 1, 11, 8, tzinfo=NY), "400"),
        draw(datetime(2026, 1, 7, 8, tzinfo=NY), "100"),
        draw(datetime(2026, 1, 9, 8, tzinfo=NY), "210"),
    ]
    pairs = assess_series(draws)
    assert [(str(p.first.value), str(p.second.value)) for p in pairs] == [("100", "210"), ("210", "400")]


def test_series_never_pair_draws_from_different_cycles() -> None:
    first_cycle = [
        BetaDraw(datetime(2026, 6, 26, 8, tzinfo=NY), parse_hcg("48"), cycle_id=1),
        BetaDraw(datetime(2026, 6, 28, 8, tzinfo=NY), parse_hcg("41"), cycle_id=1),
    ]
    second_cycle = [
        BetaDraw(datetime(2026, 11, 8, 8, tzinfo=NY), parse_hcg("112"), cycle_id=2),
        BetaDraw(datetime(2026, 11, 10, 8, tzinfo=NY), parse_hcg("251"), cycle_id=2),
    ]
    pairs = assess_series(second_cycle + first_cycle)
    assert [(str(p.first.value), str(p.second.value)) for p in pairs] == [("48", "41"), ("112", "251")]


def test_draws_outside_a_cycle_start_a_new_series_after_two_weeks() -> None:
    draws = [
        draw(datetime(2026, 1, 1, 8, tzinfo=NY), "50"),
        draw(datetime(2026, 1, 3, 8, tzinfo=NY), "110"),
        draw(datetime(2026, 2, 1, 8, tzinfo=NY), "90"),
    ]
    assert [len(s) for s in split_series(draws)] == [2, 1]


# --- every pair the journal can hold can be assessed and shown (issue #14) ------------------------------


@pytest.mark.parametrize(
    ("seconds", "first", "second"),
    [
        pytest.param(3600, "100", "300", id="one-hour-apart"),
        pytest.param(1, "5", "100000000", id="one-second-apart"),
        pytest.param(60, "0.000000000001", "100000000", id="tiny-first-value"),
        pytest.param(3600, "250", "250", id="identical-one-hour-apart"),
        pytest.param(3600, "<5", "120", id="censored-one-hour-apart"),
    ],
)
def test_pairs_under_24_hours_compute_no_rates(seconds: int, first: str, second: str) -> None:
    """Issue #14: a second beta an hour after the first overflowed the 48-h rise (ratio to the 48th power)
    and broke `betas`, `brief`, `export csv` and the Betas screen."""
    start = datetime(2026, 1, 5, 8, tzinfo=NY)
    end = datetime.fromtimestamp(start.timestamp() + seconds, NY)
    pair = assess_pair(draw(start, first), draw(end, second))
    assert pair.verdict in (Verdict.NOT_JUDGED, Verdict.CENSORED)
    assert pair.rise_48h_percent is None
    assert pair.doubling_hours is None


HCG = st.builds(
    lambda digits, scale: Decimal(digits).scaleb(-scale),
    st.integers(min_value=0, max_value=100_000_000),
    st.integers(min_value=0, max_value=12),
)


@settings(max_examples=300, deadline=None)
@given(
    first=HCG,
    second=HCG,
    ops=st.tuples(st.sampled_from(list(Op)), st.sampled_from(list(Op))),
    seconds=st.integers(min_value=0, max_value=10 * 366 * 24 * 3600),
)
def test_every_pair_the_journal_can_hold_is_assessed_and_printable(
    first: Decimal, second: Decimal, ops: tuple[Op, Op], seconds: int
) -> None:
    """Whatever two draws she recorded, the pair is assessed and every figure prints, compares and takes the
    arithmetic the readers do (the flag's fold rise), with no exception."""
    start = datetime(2026, 1, 5, 8, tzinfo=NY)
    end = datetime.fromtimestamp(start.timestamp() + seconds, NY)
    a = BetaDraw(start, HcgValue(ops[0], first, str(first)))
    b = BetaDraw(end, HcgValue(ops[1], second, str(second)))
    pair = assess_pair(a, b)
    for figure in (
        pair.hours,
        pair.change_percent,
        pair.rise_48h_percent,
        pair.fall_percent,
        pair.doubling_hours,
    ):
        if figure is not None:
            assert figure.is_finite()
            assert f"{figure:f}"
            float(figure)
    if pair.rise_48h_percent is not None:
        (Decimal(1) + pair.rise_48h_percent / 100).quantize(Decimal("0.01"))
    if seconds < MIN_JUDGED_HOURS * 3600:
        assert pair.rise_48h_percent is None
        assert pair.doubling_hours is None
