"""Loss counts under ESHRE, ASRM and RCOG and the longest consecutive run (clinical-reference §1)."""

from __future__ import annotations

from datetime import date

import pytest

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.pregnancies import (
    Confirmation,
    Outcome,
    Pregnancy,
    count_losses,
    live_birth_question,
    overlap_question,
    parse_outcome,
    same_day_outcome,
)
from rpltrack.domain.records import replace

US = Confirmation.ULTRASOUND


def loss(
    on: date, outcome: Outcome, ga: int | None = None, confirmed: Confirmation | None = None
) -> Pregnancy:
    return Pregnancy(None, outcome, on, ga, confirmed)


def test_two_biochemical_losses_count_for_eshre_but_not_asrm_or_rcog() -> None:
    counts = count_losses(
        [loss(date(2025, 1, 10), Outcome.BIOCHEMICAL), loss(date(2025, 6, 1), Outcome.BIOCHEMICAL)]
    )
    assert (counts.eshre, counts.asrm, counts.rcog) == (2, 0, 2)
    assert counts.meets == {"ESHRE": True, "ASRM": False, "RCOG": False}


def test_clinical_losses_confirmed_by_ultrasound_count_for_asrm() -> None:
    counts = count_losses(
        [
            loss(date(2024, 3, 1), Outcome.MISCARRIAGE, 8 * 7, US),
            loss(date(2024, 9, 1), Outcome.MISCARRIAGE, 10 * 7 + 2, Confirmation.HISTOLOGY),
            loss(date(2025, 2, 1), Outcome.MISCARRIAGE, 7 * 7, US),
        ]
    )
    assert (counts.eshre, counts.asrm, counts.rcog) == (3, 3, 3)
    assert all(counts.meets.values())


@pytest.mark.parametrize(
    ("outcome", "ga", "counted"),
    [
        pytest.param(Outcome.ECTOPIC, 6 * 7, False, id="ectopic-never"),
        pytest.param(Outcome.MOLAR, 9 * 7, False, id="molar-never"),
        pytest.param(Outcome.TERMINATION, 9 * 7, False, id="termination-is-not-a-loss"),
        pytest.param(Outcome.MISCARRIAGE, 23 * 7 + 6, True, id="23w6d-counts"),
        pytest.param(Outcome.STILLBIRTH, 24 * 7, False, id="24w0d-is-not-under-24-weeks"),
        pytest.param(Outcome.STILLBIRTH, 22 * 7, True, id="us-stillbirth-at-22w-counts"),
        pytest.param(Outcome.PUL, None, True, id="pul-counts"),
        pytest.param(Outcome.LIVE_BIRTH, 39 * 7, False, id="live-birth"),
    ],
)
def test_what_eshre_counts(outcome: Outcome, ga: int | None, counted: bool) -> None:
    assert count_losses([loss(date(2025, 1, 1), outcome, ga)]).eshre == int(counted)


def test_rcog_counts_only_first_trimester_losses() -> None:
    counts = count_losses(
        [
            loss(date(2024, 1, 1), Outcome.MISCARRIAGE, 13 * 7 + 6, US),
            loss(date(2024, 6, 1), Outcome.MISCARRIAGE, 14 * 7, US),
            loss(date(2025, 1, 1), Outcome.MISCARRIAGE, None, US),
        ]
    )
    assert counts.rcog == 1
    assert counts.ga_unknown == 1


def test_a_live_birth_breaks_the_run_and_an_ectopic_does_not() -> None:
    history = [
        loss(date(2021, 1, 1), Outcome.MISCARRIAGE, 8 * 7, US),
        loss(date(2021, 9, 1), Outcome.LIVE_BIRTH, 39 * 7),
        loss(date(2022, 5, 1), Outcome.BIOCHEMICAL),
        loss(date(2022, 9, 1), Outcome.ECTOPIC, 6 * 7, US),
        loss(date(2023, 2, 1), Outcome.MISCARRIAGE, 9 * 7, US),
        loss(date(2023, 8, 1), Outcome.BIOCHEMICAL),
    ]
    counts = count_losses(history)
    assert counts.eshre == 4
    assert counts.longest_run == 3
    assert counts.run_has_uncounted


def test_pregnancy_dates_are_checked() -> None:
    with pytest.raises(ValidationError, match="before the positive test"):
        Pregnancy(date(2025, 5, 10), Outcome.MISCARRIAGE, date(2025, 5, 1))
    with pytest.raises(ValidationError, match="give the date the pregnancy ended"):
        Pregnancy(date(2025, 5, 10), Outcome.MISCARRIAGE)
    with pytest.raises(ValidationError, match="unknown outcome 'lost'"):
        parse_outcome("lost")


@pytest.mark.parametrize(
    ("outcome", "ga", "asked"),
    [
        pytest.param(Outcome.LIVE_BIRTH, 19 * 7 + 6, True, id="19w6d"),
        pytest.param(Outcome.LIVE_BIRTH, 20 * 7, False, id="20w0d"),
        pytest.param(Outcome.LIVE_BIRTH, None, False, id="ga-unknown"),
        pytest.param(Outcome.MISCARRIAGE, 10 * 7, False, id="not-a-birth"),
    ],
)
def test_a_live_birth_before_20_weeks_is_questioned(outcome: Outcome, ga: int | None, asked: bool) -> None:
    question = live_birth_question(loss(date(2025, 1, 10), outcome, ga))
    assert (question is not None) is asked


def test_two_outcomes_on_one_day_are_the_same_entry() -> None:
    first = replace(loss(date(2025, 1, 10), Outcome.MISCARRIAGE, 50), id=1)
    assert same_day_outcome(loss(date(2025, 1, 10), Outcome.BIOCHEMICAL), [first]) == first
    assert same_day_outcome(loss(date(2025, 1, 11), Outcome.BIOCHEMICAL), [first]) is None
    assert same_day_outcome(first, [first]) is None  # an entry never duplicates itself
    assert same_day_outcome(Pregnancy(date(2025, 1, 10)), [first]) is None  # ongoing: no end date


@pytest.mark.parametrize(
    ("on", "ga", "approximate", "asked"),
    [
        # Recorded: a loss on 1 May 2025 at 7w0d, begun around 27 Mar.
        pytest.param(date(2025, 4, 20), 84, False, True, id="earlier-date-later-ga-overlaps"),
        pytest.param(date(2025, 3, 1), 84, False, False, id="ended-before-the-other-began"),
        pytest.param(date(2025, 3, 28), 84, False, True, id="ended-a-day-after-the-other-began"),
        pytest.param(date(2025, 3, 27), 84, False, False, id="ended-the-day-the-other-began"),
        pytest.param(date(2025, 4, 20), 84, True, False, id="approximate-never-asked"),
        pytest.param(date(2025, 4, 20), None, False, False, id="ga-unknown-never-asked"),
    ],
)
def test_losses_whose_pregnancies_would_overlap_are_questioned(
    on: date, ga: int | None, approximate: bool, asked: bool
) -> None:
    recorded = replace(loss(date(2025, 5, 1), Outcome.MISCARRIAGE, 49), id=1)
    assert recorded.conceived_around == date(2025, 3, 27)
    new = replace(loss(on, Outcome.MISCARRIAGE, ga), approximate=approximate)
    assert (overlap_question(new, [recorded]) is not None) is asked
