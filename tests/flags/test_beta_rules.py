"""The beta rules over lab bounds and close draws (issue #15): what a bound supports, what it leaves open, and
pairs drawn at the same time or under 24 hours apart, in plain words."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.betas import BetaDraw, parse_hcg
from rpltrack.flags import beta_rules
from rpltrack.flags.model import Flag, JournalSnapshot, Unjudged

NY = ZoneInfo("America/New_York")
D1 = datetime(2026, 1, 7, 8, tzinfo=NY)
D3 = datetime(2026, 1, 9, 8, tzinfo=NY)  # 48 h later
NOW = datetime(2026, 1, 10, 12, tzinfo=NY)


def snap(*draws: tuple[datetime, str]) -> JournalSnapshot:
    return JournalSnapshot(now=NOW, zone=NY, betas=tuple(BetaDraw(at, parse_hcg(v)) for at, v in draws))


def items(rule_name: str, journal: JournalSnapshot) -> tuple[list[Flag], list[Unjudged]]:
    found = list(getattr(beta_rules, rule_name)(journal))
    return [i for i in found if isinstance(i, Flag)], [i for i in found if isinstance(i, Unjudged)]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("1000", ">2000", id="later-above-twice"),
        pytest.param("<5", "50", id="from-below-5"),
        pytest.param("1000", ">=1490", id="bound-exactly-49pct"),
    ],
)
def test_a_later_bound_that_meets_the_minimum_raises_nothing(first: str, second: str) -> None:
    for rule in ("beta_slow_rise", "beta_falling"):
        assert items(rule, snap((D1, first), (D3, second))) == ([], [])


def test_a_later_bound_under_the_minimum_flags_with_what_the_bound_shows() -> None:
    (flag,), unjudged = items("beta_slow_rise", snap((D1, "1000"), (D3, "<1200")))
    assert unjudged == []
    assert flag.title == "Beta rising more slowly than the studies' minimum"
    assert flag.detail.startswith(
        "Your beta went from 1,000 to <1,200 mIU/mL in 48 h: the lab's bound shows a rise of less than "
        "20.0 % per 48 h, or a fall. The lowest rise Barnhart 2016 [S15] describes for a starting value "
        "below 1,500 is 49 % in 2 days."
    )
    assert flag.numbers["rise_48h_under_percent"] == "20.0"
    assert flag.numbers["rise_48h_percent"] is None
    assert "Barnhart 2004: 53 % in 2 days [S13]: this rise is below it." in flag.context


@pytest.mark.parametrize(
    ("first", "second", "words", "number"),
    [
        pytest.param("1000", "<5", "(a fall of at least 99.5 %).", "99.5", id="later-below-5"),
        pytest.param("300", "<100", "(a fall of at least 66.7 %).", "66.7", id="later-below-100"),
        pytest.param("100", "<100", ", lower than the result before.", None, id="no-figure-to-give"),
    ],
)
def test_a_later_bound_under_the_earlier_value_is_a_fall_of_at_least(
    first: str, second: str, words: str, number: str | None
) -> None:
    (flag,), _ = items("beta_falling", snap((D1, first), (D3, second)))
    assert words in flag.detail
    assert flag.numbers["fall_at_least_percent"] == number
    assert flag.numbers["fall_percent"] is None
    assert items("beta_slow_rise", snap((D1, first), (D3, second))) == ([], [])


@pytest.mark.parametrize(
    ("first", "second", "why"),
    [
        pytest.param(
            "1000",
            ">1200",
            "a rise of at least 20.0 % per 48 h, not enough to tell whether it reaches the 49 % minimum",
            id="rise-too-small-to-decide",
        ),
        pytest.param(
            ">10000",
            ">12000",
            "a lab bound leaves open whether the beta rose or fell",
            id="both-above",
        ),
        pytest.param(
            "<2000",
            "2500",
            "not enough to tell whether it reaches the minimum for its starting value (49 or 40 %)",
            id="starting-range-unknown",
        ),
    ],
)
def test_a_bound_that_does_not_decide_says_what_cannot_be_judged_and_why(
    first: str, second: str, why: str
) -> None:
    flags, (item,) = items("beta_slow_rise", snap((D1, first), (D3, second)))
    assert flags == []
    assert "the rise cannot be judged: " in item.text
    assert why in item.text
    assert "censored" not in item.text


@pytest.mark.parametrize(
    ("first", "second", "text"),
    [
        pytest.param(
            "250",
            "250",
            "were drawn at the same time, so there is no change to judge. If the same result was entered "
            "twice, delete the extra one.",
            id="same-value-entered-twice",
        ),
        pytest.param("250", "300", "were drawn at the same time, so there is no change to judge.", id="two"),
    ],
)
def test_draws_at_the_same_time_say_so_never_censored(first: str, second: str, text: str) -> None:
    """Issue #15: the same value entered twice at the same time read 'cannot be judged from a censored
    value'."""
    flags, (item,) = items("beta_slow_rise", snap((D1, first), (D1, second)))
    assert flags == []
    assert item.text.endswith(text)
    assert "censored" not in item.text
    assert items("beta_falling", snap((D1, "300"), (D1, "250"))) == ([], [])


def test_draws_under_24_hours_apart_are_too_close_together_to_judge() -> None:
    later = datetime(2026, 1, 7, 20, tzinfo=NY)
    flags, (item,) = items("beta_slow_rise", snap((D1, "100"), (later, ">300")))
    assert flags == []
    assert "were drawn 12 h apart, less than 24 hours: too close together to judge a rise" in item.text
