"""Beta-hCG pairs against hand-computed values (clinical-reference §4), DST-aware, censored-aware."""

from __future__ import annotations

from datetime import date, datetime
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
    Spacing,
    Verdict,
    assess_pair,
    assess_series,
    barnhart_2016,
    dpt_label,
    draw_dating,
    parse_hcg,
    possible_minimums,
    split_series,
)
from rpltrack.domain.cycles import Cycle, CycleKind, Transfer
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
        pytest.param(">10000", "11000", Verdict.BELOW, id="earlier-bound-caps-the-rise-below-33pct"),
        pytest.param(">1000", "11000", Verdict.CENSORED, id="bound-does-not-decide"),
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


# --- what a lab bound supports, and pairs too close together (issue #15) --------------------------------


@pytest.mark.parametrize(
    ("first", "second", "verdict", "words", "minimum"),
    [
        pytest.param(
            "1000", ">2000", Verdict.MEETS, "a rise of at least 100.0 % per 48 h", 49, id="later-above-meets"
        ),
        pytest.param(
            "1000", ">=1490", Verdict.MEETS, "a rise of at least 49.0 % per 48 h", 49, id="bound-equal-meets"
        ),
        pytest.param("<5", "50", Verdict.MEETS, "a rise of at least 900.0 % per 48 h", 49, id="from-below-5"),
        pytest.param(
            "<2000", "5000", Verdict.MEETS, "a rise of at least 150.0 % per 48 h", 49, id="meets-every-bucket"
        ),
        pytest.param("1000", "<5", Verdict.FALLING, "a fall of at least 99.5 %", None, id="later-below-5"),
        pytest.param("300", "<100", Verdict.FALLING, "a fall of at least 66.7 %", None, id="fall-bound"),
        pytest.param(">500", "100", Verdict.FALLING, "a fall of at least 80.0 %", None, id="earlier-above"),
        pytest.param("100", "<100", Verdict.FALLING, "", None, id="just-under-no-figure"),
        pytest.param(
            "1000", "<1200", Verdict.BELOW, "a rise of less than 20.0 % per 48 h, or a fall", 49, id="capped"
        ),
        pytest.param(
            "1000", "<=1200", Verdict.BELOW, "a rise of at most 20.0 % per 48 h, or a fall", 49, id="at-most"
        ),
        pytest.param("1000", "<=1000", Verdict.BELOW, "no rise (the same or lower)", 49, id="no-rise"),
        pytest.param(
            ">10000", "11000", Verdict.BELOW, "a rise of less than 10.0 % per 48 h, or a fall", 33, id="high"
        ),
    ],
)
def test_a_bound_that_decides_reports_what_it_supports(
    first: str, second: str, verdict: Verdict, words: str, minimum: int | None
) -> None:
    pair = assess_pair(
        draw(datetime(2026, 1, 7, 8, tzinfo=NY), first), draw(datetime(2026, 1, 9, 8, tzinfo=NY), second)
    )
    assert pair.verdict is verdict
    assert pair.bound_words == words
    assert pair.verdict_words == verdict.value
    assert (pair.minimum.percent if pair.minimum else None) == minimum
    assert pair.reason == ""
    # A bound is never turned into a plain number: no exact rise, fall or doubling time.
    assert (pair.rise_48h_percent, pair.fall_percent, pair.doubling_hours) == (None, None, None)


@pytest.mark.parametrize(
    ("first", "second", "at_least", "reason"),
    [
        pytest.param(
            "1000",
            ">1200",
            "20.0",
            "a rise of at least 20.0 % per 48 h, not enough to tell whether it reaches the 49 % minimum",
            id="rise-too-small-to-decide",
        ),
        pytest.param(
            "<2000",
            "2500",
            "25.0",
            "a rise of at least 25.0 % per 48 h, not enough to tell whether it reaches the minimum for its "
            "starting value (49 or 40 %)",
            id="starting-range-unknown",
        ),
        pytest.param(
            ">1000",
            "11000",
            None,
            "anything from a fall to a rise of less than 1000.0 % per 48 h, so whether it reaches the "
            "minimum for its starting value (49, 40 or 33 %) cannot be told",
            id="fall-or-rise",
        ),
        pytest.param(
            "<5", "<5", None, "a lab bound leaves open whether the beta rose or fell", id="both-under"
        ),
        pytest.param(
            "1000", ">800", None, "a lab bound leaves open whether the beta rose or fell", id="rose-or-fell"
        ),
    ],
)
def test_a_bound_that_does_not_decide_says_what_cannot_be_judged_and_why(
    first: str, second: str, at_least: str | None, reason: str
) -> None:
    pair = assess_pair(
        draw(datetime(2026, 1, 7, 8, tzinfo=NY), first), draw(datetime(2026, 1, 9, 8, tzinfo=NY), second)
    )
    assert pair.verdict is Verdict.CENSORED
    assert pair.rise_48h_at_least == (Decimal(at_least) if at_least else None)
    assert pair.reason == reason
    assert pair.verdict_words == f"cannot be judged: {reason}"


@pytest.mark.parametrize(
    ("first", "second", "seconds", "verdict", "spacing"),
    [
        pytest.param("250", "250", 0, Verdict.NOT_JUDGED, Spacing.SAME_TIME, id="same-value-same-time"),
        pytest.param("250", "300", 0, Verdict.NOT_JUDGED, Spacing.SAME_TIME, id="two-values-same-time"),
        pytest.param("<5", "<5", 0, Verdict.NOT_JUDGED, Spacing.SAME_TIME, id="censored-same-time"),
        pytest.param("100", "300", 3600, Verdict.NOT_JUDGED, Spacing.TOO_CLOSE, id="an-hour"),
        pytest.param("250", "250", 20 * 3600, Verdict.NOT_JUDGED, Spacing.TOO_CLOSE, id="plateau-20h"),
        pytest.param("100", ">300", 20 * 3600, Verdict.NOT_JUDGED, Spacing.TOO_CLOSE, id="bound-20h"),
        pytest.param("100", "400", 97 * 3600, Verdict.NOT_JUDGED, Spacing.TOO_FAR, id="97h"),
        pytest.param("100", ">400", 97 * 3600, Verdict.NOT_JUDGED, Spacing.TOO_FAR, id="bound-97h"),
        pytest.param("300", "290", 20 * 3600, Verdict.FALLING, Spacing.TOO_CLOSE, id="a-fall-is-a-fall"),
        pytest.param("300", "<5", 20 * 3600, Verdict.FALLING, Spacing.TOO_CLOSE, id="bound-fall-20h"),
    ],
)
def test_pairs_at_the_same_time_or_under_24_hours_say_so_in_plain_words(
    first: str, second: str, seconds: int, verdict: Verdict, spacing: Spacing
) -> None:
    """Issue #15: the same value entered twice at the same time read 'cannot be judged from a censored
    value'."""
    start = datetime(2026, 1, 5, 8, tzinfo=NY)
    end = datetime.fromtimestamp(start.timestamp() + seconds, NY)
    pair = assess_pair(draw(start, first), draw(end, second))
    assert pair.verdict is verdict
    assert pair.spacing is spacing
    if verdict is Verdict.NOT_JUDGED:
        assert pair.verdict_words == f"not judged: {spacing.value}"
        assert "censored" not in pair.verdict_words
    assert pair.doubling_hours is None or spacing is Spacing.TOO_FAR


def test_spacing_words_name_the_24_hour_minimum() -> None:
    assert Spacing.TOO_CLOSE.value == "drawn less than 24 hours apart, too close together to judge a rise"
    assert Spacing.SAME_TIME.value == "drawn at the same time, so there is no change to judge"
    assert "1-4 day spacing" in Spacing.TOO_FAR.value


@pytest.mark.parametrize(
    ("first", "minimums"),
    [
        ("1499", [49]),
        ("<1500", [49]),
        ("<=1500", [49, 40]),
        ("<3000.5", [49, 40, 33]),
        (">=3000", [40, 33]),
        (">3000", [33]),
        (">1000", [49, 40, 33]),
    ],
)
def test_possible_minimums_follow_the_bucket_edges(first: str, minimums: list[int]) -> None:
    assert [m.percent for m in possible_minimums(parse_hcg(first))] == minimums


LONDON_CYCLE = 7  # the cycle's id


def fet_cycle(transfers: tuple[tuple[date, int], ...] = ((date(2026, 11, 12), 5),)) -> Cycle:
    return Cycle(
        CycleKind.FET,
        date(2026, 10, 20),
        transfers=tuple(Transfer(on, embryo_day) for on, embryo_day in transfers),
        id=LONDON_CYCLE,
    )


@pytest.mark.parametrize(
    ("drawn", "cycle_id", "label"),
    [
        pytest.param(datetime(2026, 11, 21, 8, tzinfo=LONDON), LONDON_CYCLE, "9dp5dt", id="own-cycle"),
        pytest.param(datetime(2026, 11, 12, 8, tzinfo=LONDON), LONDON_CYCLE, "0dp5dt", id="transfer-day"),
        pytest.param(datetime(2026, 11, 10, 8, tzinfo=LONDON), LONDON_CYCLE, "", id="before-transfer"),
        pytest.param(datetime(2026, 11, 23, 8, tzinfo=LONDON), None, "11dp5dt", id="no-cycle-dated-by-day"),
        # 00:30 in London on the 22nd is 19:30 on the 21st in New York: her local day counts.
        pytest.param(datetime(2026, 11, 22, 0, 30, tzinfo=LONDON), LONDON_CYCLE, "10dp5dt", id="london-day"),
        pytest.param(datetime(2026, 11, 22, 0, 30, tzinfo=NY), LONDON_CYCLE, "10dp5dt", id="ny-drawn"),
    ],
)
def test_each_draw_is_dated_in_days_past_transfer(drawn: datetime, cycle_id: int | None, label: str) -> None:
    beta = BetaDraw(drawn, parse_hcg("112"), cycle_id=cycle_id)
    assert dpt_label(draw_dating(beta, [fet_cycle()], [], LONDON)) == label


def test_dpt_reads_the_local_day_in_her_zone() -> None:
    beta = BetaDraw(datetime(2026, 11, 22, 0, 30, tzinfo=LONDON), parse_hcg("112"), cycle_id=LONDON_CYCLE)
    assert dpt_label(draw_dating(beta, [fet_cycle()], [], NY)) == "9dp5dt"


def test_dpt_counts_from_the_latest_transfer_before_the_draw() -> None:
    cycle = fet_cycle(((date(2026, 11, 5), 3), (date(2026, 11, 12), 5)))
    early = BetaDraw(datetime(2026, 11, 9, 8, tzinfo=LONDON), parse_hcg("20"), cycle_id=LONDON_CYCLE)
    late = BetaDraw(datetime(2026, 11, 21, 8, tzinfo=LONDON), parse_hcg("112"), cycle_id=LONDON_CYCLE)
    assert dpt_label(draw_dating(early, [cycle], [], LONDON)) == "4dp3dt"
    assert dpt_label(draw_dating(late, [cycle], [], LONDON)) == "9dp5dt"
    assert dpt_label(draw_dating(late, [cycle], [], NY)) == "9dp5dt"
    assert draw_dating(late, [], [], LONDON) is None
