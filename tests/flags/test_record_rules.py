"""Record rules (clinical-reference §1, §2c, §4, §6e): beta pairs, loss definitions, the APS loss pattern,
missed doses and refills, each over a JournalSnapshot built from real domain objects."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.betas import BetaDraw, parse_hcg
from rpltrack.domain.models import DoseLog, DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.domain.quantities import Quantity
from rpltrack.flags import aps_rules, beta_rules, record_rules
from rpltrack.flags.model import Flag, JournalSnapshot, Unjudged
from rpltrack.flags.rules import DESCRIPTIONS

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
US = Confirmation.ULTRASOUND

Wall = tuple[int, int, int, int]
Rule = Callable[[JournalSnapshot], Iterable[Flag | Unjudged]]


def ny(wall: Wall) -> datetime:
    return datetime(wall[0], wall[1], wall[2], wall[3], tzinfo=NY)


def draw(wall: Wall, value: str, lab: str = "") -> BetaDraw:
    return BetaDraw(ny(wall), parse_hcg(value), lab)


def run(rule: Rule, snap: JournalSnapshot) -> tuple[list[Flag], list[Unjudged]]:
    items = list(rule(snap))
    return [i for i in items if isinstance(i, Flag)], [i for i in items if isinstance(i, Unjudged)]


def beta_snap(draws: list[tuple[Wall, str]], now: Wall) -> JournalSnapshot:
    return JournalSnapshot(now=ny(now), zone=NY, betas=tuple(draw(w, v) for w, v in draws))


# -- beta-slow-rise ----------------------------------------------------------------------------------------

D1, D3 = (2026, 1, 7, 8), (2026, 1, 9, 8)  # 48 h apart in winter
NOW_JAN = (2026, 1, 10, 12)


@pytest.mark.parametrize(
    ("draws", "now", "expected"),
    [
        pytest.param([(D1, "1000"), (D3, "1300")], NOW_JAN, "flag", id="30pct-below-49"),
        pytest.param([(D1, "1500"), (D3, "2100")], NOW_JAN, "none", id="exactly-40pct-meets-40"),
        pytest.param([(D1, "1499"), (D3, "2233")], NOW_JAN, "none", id="49.0pct-meets-49"),
        pytest.param([(D1, "1499"), (D3, "2232")], NOW_JAN, "flag", id="48.9pct-below-49"),
        pytest.param([(D1, "3000"), (D3, "4100")], NOW_JAN, "flag", id="3000-is-in-the-40pct-bucket"),
        pytest.param([(D1, "3001"), (D3, "4100")], NOW_JAN, "none", id="3001-is-in-the-33pct-bucket"),
        pytest.param([(D1, "500"), (D3, "500")], NOW_JAN, "flag", id="plateau"),
        pytest.param([(D1, "300"), (D3, "210")], NOW_JAN, "none", id="falling-is-the-other-rule"),
        pytest.param(
            [((2026, 3, 7, 8), "1000"), ((2026, 3, 9, 8), "1480")],
            (2026, 3, 10, 8),
            "none",
            id="dst-spring-47h-rise-49.2pct",
        ),
        pytest.param(
            [((2026, 10, 31, 8), "1000"), ((2026, 11, 2, 8), "1495")],
            (2026, 11, 3, 8),
            "flag",
            id="dst-fall-49h-rise-48.3pct",
        ),
        pytest.param([(D1, "1000"), ((2026, 1, 8, 4), "1100")], NOW_JAN, "unjudged", id="20h-apart"),
        pytest.param([(D1, "1000"), ((2026, 1, 11, 12), "1100")], (2026, 1, 12, 8), "unjudged", id="100h"),
        pytest.param([(D1, "1000"), (D3, "1300")], (2026, 2, 20, 8), "none", id="series-older-than-14d"),
        pytest.param([(D1, "1000"), (D3, "1300")], (2026, 1, 23, 8), "flag", id="exactly-14d-is-recent"),
        pytest.param([(D1, "1000")], NOW_JAN, "none", id="single-draw"),
        pytest.param(
            [(D1, "1000"), (D3, "1300"), ((2026, 1, 11, 8), "2600")],
            (2026, 1, 11, 12),
            "none",
            id="only-the-latest-pair-counts",
        ),
        pytest.param([(D1, "<5"), (D3, "50")], NOW_JAN, "none", id="censored-first-bound-decides-meets"),
        pytest.param([(D1, "1000"), (D3, ">1200")], NOW_JAN, "unjudged", id="censored-cannot-judge"),
        pytest.param(
            [(D1, "1000"), ((2026, 1, 11, 8), "1100")], NOW_JAN, "none", id="draw-after-now-ignored"
        ),
    ],
)
def test_beta_slow_rise(draws: list[tuple[Wall, str]], now: Wall, expected: str) -> None:
    flags, unjudged = run(beta_rules.beta_slow_rise, beta_snap(draws, now))
    got = "flag" if flags else "unjudged" if unjudged else "none"
    assert got == expected
    assert len(flags) + len(unjudged) <= 1


def test_slow_rise_flag_gives_values_hours_rise_minimum_and_context() -> None:
    flags, _ = run(beta_rules.beta_slow_rise, beta_snap([(D1, "1000"), (D3, "1300")], NOW_JAN))
    (flag,) = flags
    assert flag.rule == "beta-slow-rise"
    assert flag.subject == "2026-01-07T13:00:00+00:00/2026-01-09T13:00:00+00:00"
    assert "from 1,000 to 1,300 mIU/mL in 48 h, a rise of 30 % per 48 h" in flag.detail
    assert "Barnhart 2016 [S15] describes for a starting value below 1,500 is 49 % in 2 days" in flag.detail
    assert flag.ask.startswith("Ask your care team")
    assert flag.numbers["rise_48h_percent"] == "30.0"
    assert flag.numbers["minimum_percent"] == "49"
    assert flag.numbers["hours"] == "48.0"
    assert flag.sources == ("S15", "S13", "S14", "S19")
    assert flag.since == date(2026, 1, 9)
    context = " ".join(flag.context)
    assert "Barnhart 2004: 53 % in 2 days [S13]: this rise is below it" in context
    assert "Seeber 2006: 35 % in 2 days [S14]: this rise is below it" in context
    assert "not from IVF" in context
    assert "a 48-h fold rise of 1.4 went with clinical pregnancy and 1.9 with live birth [S19]" in context
    assert "this pair's 48-h fold rise is 1.30" in context
    assert "24-96 h" in context


@pytest.mark.parametrize(
    ("draws", "now", "hours", "rise"),
    [
        pytest.param(
            [((2026, 10, 31, 8), "1000"), ((2026, 11, 2, 8), "1495")],
            (2026, 11, 3, 8),
            "49.0",
            "48.3",
            id="fall",
        ),
        pytest.param(
            [((2026, 3, 7, 8), "1000"), ((2026, 3, 9, 8), "1300")],
            (2026, 3, 10, 8),
            "47.0",
            "30.7",
            id="spring",
        ),
    ],
)
def test_slow_rise_hours_come_from_utc_across_a_clock_change(
    draws: list[tuple[Wall, str]], now: Wall, hours: str, rise: str
) -> None:
    (flag,) = run(beta_rules.beta_slow_rise, beta_snap(draws, now))[0]
    assert flag.numbers["hours"] == hours
    assert flag.numbers["rise_48h_percent"] == rise
    assert f"in {hours.removesuffix('.0')} h" in flag.detail


def test_plateau_says_no_change() -> None:
    (flag,) = run(beta_rules.beta_slow_rise, beta_snap([(D1, "500"), (D3, "500")], NOW_JAN))[0]
    assert flag.title == "Beta unchanged between two draws"
    assert "(no change)" in flag.detail


@pytest.mark.parametrize(
    ("draws", "text"),
    [
        pytest.param(
            [(D1, "1000"), ((2026, 1, 8, 4), "1100")],
            "were drawn 20 h apart, less than 24 hours: too close together to judge a rise",
            id="20h",
        ),
        pytest.param(
            [((2026, 1, 5, 4), "1000"), (D3, "1100")],
            "are 100 h apart, outside the 1-4 day spacing the studies describe",
            id="100h",
        ),
        pytest.param(
            [(D1, "1000"), (D3, ">1200")],
            "the rise cannot be judged: a rise of at least 20.0 % per 48 h, not enough to tell whether it "
            "reaches the 49 % minimum.",
            id="censored",
        ),
        pytest.param(
            [(D1, "250"), (D1, "250")],
            "Your betas of 250 mIU/mL on 2026-01-07 08:00 and 250 mIU/mL on 2026-01-07 08:00 were drawn at "
            "the same time, so there is no change to judge. If the same result was entered twice, delete "
            "the extra one.",
            id="same-value-same-time",
        ),
    ],
)
def test_slow_rise_says_why_it_cannot_judge(draws: list[tuple[Wall, str]], text: str) -> None:
    (item,) = run(beta_rules.beta_slow_rise, beta_snap(draws, NOW_JAN))[1]
    assert text in item.text
    assert item.rule == "beta-slow-rise"


# -- beta-falling ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draws", "now", "detail"),
    [
        pytest.param(
            [(D1, "300"), (D3, "210")],
            NOW_JAN,
            "Your beta went from 300 to 210 mIU/mL in 48 h (a 30 % fall).",
            id="quantitative-fall",
        ),
        pytest.param(
            [(D1, "50"), (D3, "<5")], NOW_JAN, "Your beta went from 50 to <5 mIU/mL in 48 h", id="censored-<5"
        ),
        pytest.param(
            [(D1, "300"), ((2026, 1, 8, 4), "290")], NOW_JAN, "(a 3.3 % fall)", id="any-spacing-any-fall"
        ),
        pytest.param([(D1, "300"), (D3, "300")], NOW_JAN, None, id="plateau-is-not-a-fall"),
        pytest.param([(D1, "1000"), (D3, "1300")], NOW_JAN, None, id="rising"),
        pytest.param([(D1, "<5"), (D3, "<5")], NOW_JAN, None, id="both-censored-unknown"),
        pytest.param([(D1, "300"), (D3, "210")], (2026, 2, 1, 8), None, id="older-than-14d"),
        pytest.param(
            [(D1, "300"), (D3, "210"), ((2026, 1, 11, 8), "420")],
            (2026, 1, 11, 12),
            None,
            id="latest-pair-rises",
        ),
    ],
)
def test_beta_falling(draws: list[tuple[Wall, str]], now: Wall, detail: str | None) -> None:
    flags, unjudged = run(beta_rules.beta_falling, beta_snap(draws, now))
    assert unjudged == []
    if detail is None:
        assert flags == []
        return
    (flag,) = flags
    assert detail in flag.detail
    assert flag.ask == "Ask your care team soon about this result."
    assert flag.sources == ("S16",)
    assert "21-35 % in 2 days and by 60-84 % in 7 days" in flag.context[0]
    words = f"{flag.title} {flag.detail} {flag.ask}".casefold()
    assert "miscarriage" not in words
    assert "chemical" not in words


# -- rpl-definition-met ------------------------------------------------------------------------------------

NOW_2026 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def loss(
    on: date, outcome: Outcome, ga: int | None = None, confirmed: Confirmation | None = None
) -> Pregnancy:
    return Pregnancy(None, outcome, on, ga, confirmed)


def loss_snap(*pregnancies: Pregnancy) -> JournalSnapshot:
    return JournalSnapshot(now=NOW_2026, zone=LONDON, pregnancies=pregnancies)


TWO_BIOCHEMICAL = (loss(date(2025, 1, 10), Outcome.BIOCHEMICAL), loss(date(2025, 6, 1), Outcome.BIOCHEMICAL))
THREE_MISCARRIAGES = (
    loss(date(2024, 3, 1), Outcome.MISCARRIAGE, 8 * 7, US),
    loss(date(2024, 9, 1), Outcome.MISCARRIAGE, 7 * 7, US),
    loss(date(2025, 2, 1), Outcome.MISCARRIAGE, 9 * 7, US),
)
ECTOPIC_BETWEEN = (
    loss(date(2024, 3, 1), Outcome.BIOCHEMICAL),
    loss(date(2024, 9, 1), Outcome.ECTOPIC, 6 * 7, US),
    loss(date(2025, 2, 1), Outcome.MISCARRIAGE, 8 * 7, US),
)


@pytest.mark.parametrize(
    ("pregnancies", "meets", "subject", "phrases"),
    [
        pytest.param(
            TWO_BIOCHEMICAL,
            (True, False, False),
            "losses:2",
            [
                "meets ESHRE 2022 (2 losses incl. 2 biochemical)",
                "does not meet ASRM (0 clinical losses; ASRM uses 2)",
                "does not meet RCOG 2023 (2 first-trimester losses; RCOG uses 3)",
            ],
            id="two-biochemical-eshre-only",
        ),
        pytest.param(
            THREE_MISCARRIAGES,
            (True, True, True),
            "losses:3",
            ["meets ESHRE 2022 (3 losses)", "meets ASRM (3 clinical losses)", "meets RCOG 2023 (3 first"],
            id="three-first-trimester-all-three",
        ),
        pytest.param(
            ECTOPIC_BETWEEN,
            (True, False, False),
            "losses:2",
            [
                "incl. 1 biochemical",
                "does not meet ASRM (1 clinical loss; ASRM uses 2)",
                "The longest run of losses in a row is 2.",
                "ask your care team how an ectopic pregnancy between losses is counted",
            ],
            id="ectopic-between-losses",
        ),
        pytest.param(
            (
                loss(date(2024, 3, 1), Outcome.MISCARRIAGE, 8 * 7, US),
                loss(date(2025, 2, 1), Outcome.MISCARRIAGE, 16 * 7, Confirmation.HISTOLOGY),
            ),
            (True, True, False),
            "losses:2",
            [
                "meets ASRM (2 clinical losses)",
                "does not meet RCOG 2023 (1 first-trimester loss; RCOG uses 3)",
            ],
            id="second-trimester-loss-not-rcog",
        ),
    ],
)
def test_rpl_definition_met(
    pregnancies: tuple[Pregnancy, ...], meets: tuple[bool, bool, bool], subject: str, phrases: list[str]
) -> None:
    (flag,) = run(record_rules.rpl_definition_met, loss_snap(*pregnancies))[0]
    assert (flag.numbers["meets_eshre"], flag.numbers["meets_asrm"], flag.numbers["meets_rcog"]) == meets
    assert flag.subject == subject
    for phrase in phrases:
        assert phrase in flag.detail
    n = flag.numbers["eshre_count"]
    assert flag.detail.startswith(
        f"Your journal records {n} pregnancy losses. The ESHRE 2022 guideline uses 2 or more losses, "
        "including early losses seen only on a pregnancy test, to define recurrent pregnancy loss."
    )
    assert flag.ask == "Ask your care team whether an RPL evaluation is right for you."
    assert flag.sources == ("S1", "S2", "S4", "S5", "S6")
    assert flag.since == max(p.sort_on for p in pregnancies if p.counted_loss)


@pytest.mark.parametrize(
    "pregnancies",
    [
        pytest.param((), id="none"),
        pytest.param((loss(date(2025, 1, 10), Outcome.BIOCHEMICAL),), id="one-loss"),
        pytest.param(
            (loss(date(2025, 1, 10), Outcome.BIOCHEMICAL), loss(date(2025, 6, 1), Outcome.ECTOPIC, 6 * 7)),
            id="ectopic-is-not-counted",
        ),
        pytest.param(
            (
                loss(date(2025, 1, 10), Outcome.BIOCHEMICAL),
                loss(date(2025, 6, 1), Outcome.TERMINATION, 9 * 7),
            ),
            id="termination-is-not-a-loss",
        ),
        pytest.param(
            (loss(date(2025, 1, 10), Outcome.BIOCHEMICAL), loss(date(2026, 3, 1), Outcome.BIOCHEMICAL)),
            id="future-dated-loss-ignored",
        ),
    ],
)
def test_rpl_definition_not_met(pregnancies: tuple[Pregnancy, ...]) -> None:
    assert list(record_rules.rpl_definition_met(loss_snap(*pregnancies))) == []


def test_a_new_loss_gives_a_new_rpl_subject() -> None:
    before = run(record_rules.rpl_definition_met, loss_snap(*TWO_BIOCHEMICAL))[0][0]
    more = (*TWO_BIOCHEMICAL, loss(date(2025, 11, 1), Outcome.MISCARRIAGE, 6 * 7, US))
    after = run(record_rules.rpl_definition_met, loss_snap(*more))[0][0]
    assert before.key != after.key
    assert after.since == date(2025, 11, 1)


# -- aps-clinical-pattern ----------------------------------------------------------------------------------


def early(on: date, ga: int | None = 7 * 7) -> Pregnancy:
    return loss(on, Outcome.MISCARRIAGE, ga, US)


@pytest.mark.parametrize(
    ("pregnancies", "expected", "subject"),
    [
        pytest.param(
            (
                early(date(2023, 1, 1)),
                early(date(2023, 6, 1), 9 * 7 + 6),
                loss(date(2024, 1, 1), Outcome.BIOCHEMICAL),
            ),
            "flag",
            "early-run:2024-01-01",
            id="three-in-a-row-before-10w",
        ),
        pytest.param(
            (early(date(2023, 1, 1)), early(date(2023, 6, 1))),
            "none",
            None,
            id="two-early-losses",
        ),
        pytest.param(
            (
                early(date(2022, 1, 1)),
                early(date(2022, 6, 1)),
                loss(date(2023, 5, 1), Outcome.LIVE_BIRTH, 39 * 7),
                early(date(2024, 1, 1)),
            ),
            "none",
            None,
            id="live-birth-breaks-the-run",
        ),
        pytest.param(
            (
                early(date(2022, 1, 1)),
                loss(date(2022, 6, 1), Outcome.ECTOPIC, 6 * 7),
                early(date(2023, 1, 1)),
                early(date(2024, 1, 1)),
            ),
            "flag",
            "early-run:2024-01-01",
            id="ectopic-neither-counts-nor-breaks",
        ),
        pytest.param(
            (early(date(2025, 3, 1), 10 * 7),), "flag", "fetal-death:2025-03-01", id="loss-at-10w0d"
        ),
        pytest.param((early(date(2025, 3, 1), 9 * 7 + 6),), "none", None, id="loss-at-9w6d"),
        pytest.param(
            (loss(date(2025, 3, 1), Outcome.STILLBIRTH, 30 * 7),),
            "flag",
            "fetal-death:2025-03-01",
            id="stillbirth",
        ),
        pytest.param(
            (loss(date(2025, 3, 1), Outcome.TERMINATION, 12 * 7),),
            "none",
            None,
            id="termination-not-spontaneous",
        ),
        pytest.param(
            (early(date(2023, 1, 1)), early(date(2023, 6, 1)), early(date(2024, 1, 1), None)),
            "unjudged",
            "ga-unknown:2024-01-01",
            id="unknown-ga-would-decide",
        ),
        pytest.param(
            (early(date(2023, 1, 1)), early(date(2024, 1, 1), None), early(date(2024, 6, 1))),
            "unjudged",
            "ga-unknown:2024-01-01",
            id="unknown-ga-inside-the-run",
        ),
        pytest.param(
            (loss(date(2024, 5, 1), Outcome.LIVE_BIRTH, 32 * 7),),
            "unjudged",
            "preterm:2024-05-01",
            id="birth-before-34w-cause-not-recorded",
        ),
        pytest.param(
            (
                early(date(2022, 1, 1)),
                early(date(2022, 6, 1)),
                early(date(2023, 1, 1)),
                loss(date(2024, 3, 1), Outcome.MISCARRIAGE, 12 * 7),
            ),
            "flag",
            "early-run+fetal-death:2024-03-01",
            id="both-patterns",
        ),
    ],
)
def test_aps_clinical_pattern(pregnancies: tuple[Pregnancy, ...], expected: str, subject: str | None) -> None:
    flags, unjudged = run(aps_rules.aps_clinical_pattern, loss_snap(*pregnancies))
    got = "flag" if flags else "unjudged" if unjudged else "none"
    assert got == expected
    items: list[Flag | Unjudged] = [*flags, *unjudged]
    if subject is not None:
        assert items[0].subject == subject


def test_aps_flag_wording_and_sources() -> None:
    history = (early(date(2023, 1, 1)), early(date(2023, 6, 1)), loss(date(2024, 1, 1), Outcome.BIOCHEMICAL))
    (flag,) = run(aps_rules.aps_clinical_pattern, loss_snap(*history))[0]
    assert flag.detail == (
        "Your record shows a loss pattern that is one of the clinical criteria used for antiphospholipid "
        "syndrome (revised Sapporo 2006): 3 losses in a row before 10 weeks: a miscarriage at 7w 0d on "
        "2023-01-01, a miscarriage at 7w 0d on 2023-06-01, a biochemical pregnancy loss (no weeks recorded) "
        "on 2024-01-01."
    )
    assert flag.ask == "Ask your care team whether antiphospholipid antibody testing is appropriate."
    assert flag.sources == ("S7", "S8")
    assert any("1 of the 3 clinical points" in line for line in flag.context)
    assert flag.since == date(2024, 1, 1)


# -- missed-anticoagulant and missed-doses -----------------------------------------------------------------

NOW_NOV = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)  # London is on UTC in November
ENTERED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # slots up to 11-20 07:00 were past their grace then
MG40 = Quantity(Decimal(40), "mg")
MG81 = Quantity(Decimal(81), "mg")


def utc(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def clexane(
    created_at: datetime | None = ENTERED,
    supply: int | None = None,
    supply_at: datetime | None = None,
    end_on: date | None = None,
) -> Medication:
    timing = Timing(TimingKind.TIMES, times=(time(8), time(20)))
    return Medication(
        "Clexane",
        "enoxaparin",
        "subcutaneous",
        "Europe/London",
        (Regimen(date(2026, 11, 1), MG40, timing),),
        end_on=end_on,
        supply=supply,
        id=1,
        created_at=created_at,
        supply_at=supply_at,
    )


def aspirin(med_id: int = 2) -> Medication:
    timing = Timing(TimingKind.TIMES, times=(time(8),))
    return Medication(
        "aspirin", "aspirin", "oral", "Europe/London", (Regimen(date(2026, 11, 1), MG81, timing),), id=med_id
    )


def taken(slot_at: datetime, med_id: int = 1) -> DoseLog:
    return DoseLog(med_id, DoseStatus.TAKEN, slot_at, "Europe/London", slot_at, slot_at, MG40)


def skipped(slot_at: datetime, med_id: int = 1) -> DoseLog:
    return DoseLog(med_id, DoseStatus.SKIPPED, slot_at, "Europe/London", slot_at, reason="felt unwell")


# Every Clexane slot since it was entered whose window has ended by NOW_NOV (11-23 08:00 is still open).
TRACKED = [utc(20, 8), utc(20, 20), utc(21, 8), utc(21, 20), utc(22, 8), utc(22, 20)]


def logs_except(
    missing: AbstractSet[datetime], skip: AbstractSet[datetime] = frozenset()
) -> tuple[DoseLog, ...]:
    return tuple(skipped(s) if s in skip else taken(s) for s in TRACKED if s not in missing)


@pytest.mark.parametrize(
    ("logs", "now", "count", "subject", "phrase"),
    [
        pytest.param(logs_except(set()), NOW_NOV, 0, None, None, id="all-taken"),
        pytest.param(
            logs_except({utc(22, 20)}),
            NOW_NOV,
            1,
            "med1:2026-11-22T20:00:00+00:00",
            "A Clexane dose on 2026-11-22 at 20:00 is not logged as taken.",
            id="past-grace-not-logged",
        ),
        pytest.param(
            logs_except(set(), skip={utc(22, 20)}),
            NOW_NOV,
            1,
            "med1:2026-11-22T20:00:00+00:00",
            "A Clexane dose on 2026-11-22 at 20:00 is not logged as taken: it was logged as skipped.",
            id="skipped-fires-and-says-skipped",
        ),
        pytest.param(logs_except(set()), utc(23, 9, 11), 0, None, None, id="inside-grace-does-not-fire"),
        pytest.param(
            logs_except(set()),
            utc(23, 10, 11),
            1,
            "med1:2026-11-23T08:00:00+00:00",
            "2026-11-23 at 08:00",
            id="exactly-at-end-of-grace-fires",
        ),
        pytest.param(
            logs_except({utc(21, 8)}, skip={utc(22, 8)}),
            NOW_NOV,
            2,
            "med1:2026-11-22T08:00:00+00:00",
            "2 Clexane doses in the last 14 days are not logged as taken: 2026-11-21 at 08:00 (not logged); "
            "2026-11-22 at 08:00 (skipped).",
            id="two-listed",
        ),
    ],
)
def test_missed_anticoagulant(
    logs: tuple[DoseLog, ...], now: datetime, count: int, subject: str | None, phrase: str | None
) -> None:
    snap = JournalSnapshot(now=now, zone=LONDON, medications=(clexane(), aspirin()), doses=logs)
    flags, unjudged = run(record_rules.missed_anticoagulant, snap)
    assert unjudged == []
    if count == 0:
        assert flags == []
        return
    (flag,) = flags
    assert flag.numbers["not_taken"] == count
    assert flag.subject == subject
    assert phrase is not None
    assert phrase in flag.detail
    assert flag.ask == "Ask your care team what to do about missed doses."
    assert flag.sources == ("app",)


def test_doses_before_the_medication_was_entered_do_not_count() -> None:
    entered_late = clexane(created_at=ENTERED)
    never_entered = clexane(created_at=None)
    logs = logs_except(set())
    quiet = JournalSnapshot(now=NOW_NOV, zone=LONDON, medications=(entered_late,), doses=logs)
    loud = JournalSnapshot(now=NOW_NOV, zone=LONDON, medications=(never_entered,), doses=logs)
    assert list(record_rules.missed_anticoagulant(quiet)) == []
    (flag,) = run(record_rules.missed_anticoagulant, loud)[0]
    assert (
        flag.numbers["first_slot_at"] == "2026-11-09T20:00:00+00:00"
    )  # the 14-day window starts 11-09 08:40


def test_missed_doses_look_back_no_further_than_doses_since() -> None:
    snap = JournalSnapshot(
        now=NOW_NOV,
        zone=LONDON,
        medications=(clexane(created_at=None),),
        doses=logs_except(set()),
        doses_since=utc(20, 0),
    )
    assert list(record_rules.missed_anticoagulant(snap)) == []


def test_missed_doses_covers_other_medications_over_seven_days() -> None:
    aspirin_logs = (taken(utc(22, 8), 2),)  # 11-16 .. 11-21 not logged; 11-15 and earlier out of the window
    snap = JournalSnapshot(
        now=NOW_NOV,
        zone=LONDON,
        medications=(clexane(), aspirin()),
        doses=(*logs_except(set()), *aspirin_logs),
    )
    (flag,) = run(record_rules.missed_doses, snap)[0]
    assert flag.rule == "missed-doses"
    assert flag.numbers["medication_id"] == 2
    assert flag.numbers["not_taken"] == 5  # 11-17 .. 11-21 at 08:00; 11-23 08:00 is still inside its grace
    assert flag.ask == "Ask your care team what to do about missed doses of aspirin."
    assert flag.subject == "med2:2026-11-21T08:00:00+00:00"
    assert list(record_rules.missed_anticoagulant(snap)) == []


def test_as_needed_medication_never_misses() -> None:
    prn = Medication(
        "paracetamol",
        None,
        "oral",
        "Europe/London",
        (Regimen(date(2026, 11, 1), Quantity(Decimal(500), "mg"), Timing(TimingKind.PRN)),),
        id=3,
    )
    snap = JournalSnapshot(now=NOW_NOV, zone=LONDON, medications=(prn,))
    assert list(record_rules.missed_doses(snap)) == []


# -- refill-due --------------------------------------------------------------------------------------------

COUNTED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("supply", "taken_since", "end_on", "fires", "on_hand", "upcoming"),
    [
        pytest.param(10, 7, None, True, 3, 14, id="3-on-hand-2-a-day"),
        pytest.param(34, 14, None, False, 20, 14, id="20-on-hand"),
        pytest.param(28, 14, None, False, 14, 14, id="exactly-a-week-on-hand"),
        pytest.param(5, 9, None, True, 0, 14, id="more-taken-than-counted-floors-at-0"),
        pytest.param(3, 0, date(2026, 11, 24), False, 3, 3, id="schedule-ends-before-the-week"),
        pytest.param(2, 0, date(2026, 11, 24), True, 2, 3, id="short-before-the-end"),
    ],
)
def test_refill_due(
    supply: int, taken_since: int, end_on: date | None, fires: bool, on_hand: int, upcoming: int
) -> None:
    med = clexane(supply=supply, supply_at=COUNTED, end_on=end_on)
    snap = JournalSnapshot(now=NOW_NOV, zone=LONDON, medications=(med,), taken_since_supply={1: taken_since})
    flags, _ = run(record_rules.refill_due, snap)
    if not fires:
        assert flags == []
        return
    (flag,) = flags
    assert (flag.numbers["on_hand"], flag.numbers["next_7_days"]) == (on_hand, upcoming)
    assert flag.subject == "med1:2026-11-20T18:00:00+00:00"
    assert f"You have {on_hand} doses of Clexane on hand" in flag.detail
    assert flag.ask == "Ask your care team or pharmacy about a refill of Clexane."
    assert flag.since == date(2026, 11, 20)
    if end_on is not None:
        assert "Until the schedule ends on 2026-11-24, 3 doses remain." in flag.detail


def test_refill_ignores_medications_without_a_counted_supply() -> None:
    snap = JournalSnapshot(now=NOW_NOV, zone=LONDON, medications=(clexane(),))
    assert list(record_rules.refill_due(snap)) == []


# -- every rule ----------------------------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    "beta-slow-rise": beta_rules.beta_slow_rise,
    "beta-falling": beta_rules.beta_falling,
    "rpl-definition-met": record_rules.rpl_definition_met,
    "aps-clinical-pattern": aps_rules.aps_clinical_pattern,
    "missed-anticoagulant": record_rules.missed_anticoagulant,
    "missed-doses": record_rules.missed_doses,
    "refill-due": record_rules.refill_due,
}


def busy_snap() -> JournalSnapshot:
    """One journal that makes every record rule fire."""
    return JournalSnapshot(
        now=NOW_NOV,
        zone=LONDON,
        betas=(
            BetaDraw(utc(18, 8), parse_hcg("1000"), cycle_id=1),
            BetaDraw(utc(20, 8), parse_hcg("1300"), cycle_id=1),
            BetaDraw(utc(18, 9), parse_hcg("300"), cycle_id=2),
            BetaDraw(utc(20, 9), parse_hcg("210"), cycle_id=2),
        ),
        pregnancies=(*THREE_MISCARRIAGES, loss(date(2025, 8, 1), Outcome.MISCARRIAGE, 12 * 7, US)),
        medications=(clexane(supply=10, supply_at=COUNTED), aspirin()),
        doses=logs_except({utc(22, 20)}),
        taken_since_supply={1: 7},
    )


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_fires_with_a_complete_flag(rule_id: str) -> None:
    flags, _ = run(RULES[rule_id], busy_snap())
    assert flags
    for flag in flags:
        assert flag.rule == rule_id
        assert flag.ask.startswith("Ask your care team")
        assert all((flag.title, flag.detail, flag.sources, flag.subject))
        json.dumps(dict(flag.numbers))  # JSON-able: Decimals and instants as strings
        assert rule_id in DESCRIPTIONS


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_is_deterministic(rule_id: str) -> None:
    assert list(RULES[rule_id](busy_snap())) == list(RULES[rule_id](busy_snap()))


def test_descriptions_cover_every_rule_and_name_conventions() -> None:
    modules = (record_rules.DESCRIPTIONS, beta_rules.DESCRIPTIONS, aps_rules.DESCRIPTIONS)
    assert {rule for described in modules for rule in described} == set(RULES)
    assert "[app convention]" in DESCRIPTIONS["beta-slow-rise"]
    assert "14 days" in DESCRIPTIONS["beta-slow-rise"]
    assert "biochemical" in DESCRIPTIONS["aps-clinical-pattern"]
