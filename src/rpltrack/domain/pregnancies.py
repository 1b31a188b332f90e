"""Pregnancies, outcomes and loss counts under the ESHRE, ASRM and RCOG definitions (reference §1)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from rpltrack.domain.dating import format_ga
from rpltrack.domain.errors import ValidationError, parse_choice
from rpltrack.domain.records import record

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from rpltrack.domain.cycles import Cycle

LOSS_LIMIT_DAYS = 24 * 7  # ESHRE and RCOG: a loss before 24+0 weeks [S2] [S6]
FIRST_TRIMESTER_DAYS = 14 * 7  # rpltrack reads the first trimester as < 14+0 weeks [app convention]
LIVE_BIRTH_CHECK_DAYS = 20 * 7  # a live birth recorded before 20+0 weeks is asked about [app convention]
CONCEPTION_DAYS = 14  # conception is counted as 2 weeks after the LMP(-equivalent) (reference §5)


class Outcome(StrEnum):
    ONGOING = "ongoing"
    BIOCHEMICAL = "biochemical"
    PUL = "pul"
    MISCARRIAGE = "miscarriage"
    ECTOPIC = "ectopic"
    MOLAR = "molar"
    STILLBIRTH = "stillbirth"
    LIVE_BIRTH = "live-birth"
    TERMINATION = "termination"


OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.ONGOING: "ongoing",
    Outcome.BIOCHEMICAL: "biochemical pregnancy loss",
    Outcome.PUL: "pregnancy of unknown location",
    Outcome.MISCARRIAGE: "miscarriage",
    Outcome.ECTOPIC: "ectopic pregnancy",
    Outcome.MOLAR: "molar pregnancy",
    Outcome.STILLBIRTH: "stillbirth",
    Outcome.LIVE_BIRTH: "live birth",
    Outcome.TERMINATION: "termination",
}

SPONTANEOUS_LOSSES = (Outcome.BIOCHEMICAL, Outcome.PUL, Outcome.MISCARRIAGE, Outcome.STILLBIRTH)
NOT_COUNTED = (Outcome.ECTOPIC, Outcome.MOLAR, Outcome.TERMINATION)
# What `rpltrack loss` records and corrects: every way a pregnancy can end but a live birth or a termination.
LOSS_OUTCOMES = (*SPONTANEOUS_LOSSES, Outcome.ECTOPIC, Outcome.MOLAR)


class Confirmation(StrEnum):
    HCG = "hcg"
    URINE = "urine"
    ULTRASOUND = "ultrasound"
    HISTOLOGY = "histology"


def parse_outcome(text: str) -> Outcome:
    return parse_choice(Outcome, text, "outcome", "outcome")


@record(frozen=True)
class Pregnancy:
    """A pregnancy from a positive test or beta, or a past loss entered on its own."""

    started_on: date | None  # positive test; None for a past loss entered on its own
    outcome: Outcome = Outcome.ONGOING
    ended_on: date | None = None
    ga_at_end_days: int | None = None
    confirmed: Confirmation | None = None
    how_found: Confirmation | None = None
    approximate: bool = False
    cycle_id: int | None = None
    notes: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.outcome is Outcome.ONGOING:
            if self.ended_on is not None:
                raise ValidationError("an ongoing pregnancy has no end date", field="date")
        elif self.ended_on is None:
            raise ValidationError("give the date the pregnancy ended", field="date")
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError(
                f"the end date {self.ended_on} is before the positive test on {self.started_on}", field="date"
            )
        if self.started_on is None and self.ended_on is None:
            raise ValidationError("a pregnancy needs a date", field="date")

    @property
    def ended(self) -> bool:
        return self.outcome is not Outcome.ONGOING

    @property
    def sort_on(self) -> date:
        return self.ended_on or self.started_on or date.min

    @property
    def counted_loss(self) -> bool:
        """ESHRE: a spontaneous loss before 24+0 weeks (unknown GA counts for early outcomes)."""
        if self.outcome not in SPONTANEOUS_LOSSES:
            return False
        if self.ga_at_end_days is None:
            return self.outcome is not Outcome.STILLBIRTH
        return self.ga_at_end_days < LOSS_LIMIT_DAYS

    @property
    def is_loss(self) -> bool:
        """Ended in a loss of any kind (what `rpltrack loss` records), counted or not."""
        return self.outcome in LOSS_OUTCOMES

    @property
    def conceived_around(self) -> date | None:
        """When an ended pregnancy with an exact date and GA began (its LMP-equivalent + 2 weeks); None when
        either is missing or marked approximate."""
        if self.ended_on is None or self.ga_at_end_days is None or self.approximate:
            return None
        return self.ended_on - timedelta(days=max(self.ga_at_end_days - CONCEPTION_DAYS, 0))

    def describe(self) -> str:
        words = OUTCOME_WORDS[self.outcome]
        if self.ga_at_end_days is not None:
            words += f" at {'about ' if self.approximate else ''}{format_ga(self.ga_at_end_days)}"
        return words

    def describe_dated(self) -> str:
        """'miscarriage at 7w 2d on 2025-05-01', 'ongoing since 2026-11-19'."""
        if self.ended_on is None:
            return f"ongoing since {self.started_on}"
        return f"{self.describe()} on {self.ended_on}"


def same_day_outcome(pregnancy: Pregnancy, others: list[Pregnancy]) -> Pregnancy | None:
    """Another recorded pregnancy that ended on the same day as `pregnancy`: the same loss entered twice
    (two pregnancies cannot end on one day; twins are one pregnancy). None when there is none."""
    if pregnancy.ended_on is None:
        return None
    for other in others:
        if other.id is not None and other.id == pregnancy.id:
            continue
        if other.ended_on == pregnancy.ended_on:
            return other
    return None


def live_birth_question(pregnancy: Pregnancy) -> str | None:
    """The question to ask before keeping a live birth recorded before 20 weeks (likely a mistyped outcome
    or gestational age); None when there is nothing to ask."""
    ga = pregnancy.ga_at_end_days
    if pregnancy.outcome is not Outcome.LIVE_BIRTH or ga is None or ga >= LIVE_BIRTH_CHECK_DAYS:
        return None
    return (
        f"A live birth at {format_ga(ga)} is before 20 weeks: is the outcome or the gestational age "
        "mistyped? Keep it as written?"
    )


def overlap_question(pregnancy: Pregnancy, others: list[Pregnancy]) -> str | None:
    """Two pregnancies cannot be under way at once: the question to ask when an ended pregnancy, dated by
    its end and GA, would have begun before another recorded one (also dated exactly) had ended, and ended
    after that one began. Approximate dates or missing GAs are never questioned."""
    begun = pregnancy.conceived_around
    if begun is None or pregnancy.ended_on is None:
        return None
    for other in others:
        if other.id is not None and other.id == pregnancy.id:
            continue
        other_begun = other.conceived_around
        if other_begun is None or other.ended_on is None:
            continue
        if begun < other.ended_on and other_begun < pregnancy.ended_on:
            return (
                f"A {pregnancy.describe()} on {pregnancy.ended_on} would have begun around {begun}, while "
                f"the {other.describe()} on {other.ended_on} (begun around {other_begun}) was still under "
                "way; two pregnancies cannot overlap. Is a date or a gestational age mistyped? Keep it "
                "as written?"
            )
    return None


@record(frozen=True)
class LossCounts:
    """Counts under each definition, the longest consecutive run, and what the run contains."""

    eshre: int
    asrm: int
    rcog: int
    longest_run: int
    run_has_uncounted: bool  # an ectopic, molar or termination sits inside the longest run
    ga_unknown: int  # counted losses with no gestational age recorded

    @property
    def meets(self) -> dict[str, bool]:
        return {"ESHRE": self.eshre >= 2, "ASRM": self.asrm >= 2, "RCOG": self.rcog >= 3}


def _first_trimester(p: Pregnancy) -> bool:
    """Before 14+0 weeks; a biochemical loss or PUL with no recorded GA is early by its nature, a
    miscarriage with no recorded GA is not assumed to be."""
    if p.ga_at_end_days is not None:
        return p.ga_at_end_days < FIRST_TRIMESTER_DAYS
    return p.outcome in (Outcome.BIOCHEMICAL, Outcome.PUL)


def count_losses(pregnancies: list[Pregnancy]) -> LossCounts:
    """ESHRE counts spontaneous losses < 24+0 w incl. biochemical and PUL; ASRM the ones confirmed by
    ultrasound or histology; RCOG those < 14+0 w. A pregnancy that reached 24+0 w or a live birth breaks a
    run; ectopic, molar and termination neither count nor break it (§1)."""
    ordered = sorted(pregnancies, key=lambda p: (p.sort_on, p.id or 0))
    eshre = asrm = rcog = unknown = 0
    run = longest = 0
    run_uncounted = longest_uncounted = False
    for p in ordered:
        if p.counted_loss:
            eshre += 1
            if p.confirmed in (Confirmation.ULTRASOUND, Confirmation.HISTOLOGY):
                asrm += 1
            if p.ga_at_end_days is None:
                unknown += 1
            if _first_trimester(p):
                rcog += 1
            run += 1
            if run > longest:
                longest, longest_uncounted = run, run_uncounted
        elif p.outcome in NOT_COUNTED:
            run_uncounted = run_uncounted or run > 0
        elif p.outcome is Outcome.LIVE_BIRTH or (
            p.ga_at_end_days is not None and p.ga_at_end_days >= LOSS_LIMIT_DAYS
        ):
            run, run_uncounted = 0, False
    return LossCounts(eshre, asrm, rcog, longest, longest_uncounted, unknown)


def dating_cycle(
    cycles: Sequence[Cycle], pregnancies: Sequence[Pregnancy], day: date
) -> tuple[Cycle, bool] | None:
    """The cycle `day` is dated from, and whether a pregnancy is ongoing then: an ongoing pregnancy is dated
    from its own cycle (or the latest cycle that began on or before its positive test), so a later cycle
    never re-dates it; otherwise the latest cycle that covers the day, which gives no gestational age when it
    began after the positive test. None when no cycle covers the day."""
    ongoing = max(
        (p for p in pregnancies if p.outcome is Outcome.ONGOING),
        key=lambda p: (p.sort_on, p.id or 0),
        default=None,
    )
    if ongoing is not None:
        if ongoing.cycle_id is not None:
            own = next((c for c in cycles if c.id == ongoing.cycle_id), None)
        else:
            started = ongoing.started_on
            own = max(
                (c for c in cycles if started is not None and c.cd1 <= started),
                key=lambda c: (c.cd1, c.id or 0),
                default=None,
            )
        if own is not None and own.cd1 <= day:
            return own, True
    cycle = max((c for c in cycles if c.active_on(day)), key=lambda c: (c.cd1, c.id or 0), default=None)
    if cycle is None:
        return None
    pregnant = ongoing is not None and (ongoing.started_on is None or cycle.cd1 <= ongoing.started_on)
    return cycle, pregnant
