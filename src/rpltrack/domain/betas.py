"""Beta-hCG arithmetic (clinical-reference §4): censored values, rise per 48 h, doubling time, verdicts.

Elapsed time comes from UTC instants, so a pair across a clock change is 47 or 49 hours, not 48. Derived
percentages are rounded half-up to one decimal before comparison (§0), so 1500 -> 2100 in 48 h is exactly
40.0 %, not 39.99999999999999 %.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import StrEnum
from itertools import pairwise

from rpltrack.domain.dating import Dating, cycle_day, days_past_transfer, dpo_equivalent
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.pregnancies import dating_cycle
from rpltrack.domain.quantities import leading_number, quoted, refuse_non_numbers
from rpltrack.domain.records import record, replace

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from zoneinfo import ZoneInfo

    from rpltrack.domain.cycles import Cycle
    from rpltrack.domain.pregnancies import Pregnancy

HCG_UNIT = "mIU/mL"
_HCG_UNITS = {"miu/ml": HCG_UNIT, "iu/l": HCG_UNIT, "mlu/ml": HCG_UNIT, "miu": HCG_UNIT}
_SIGN_RE = re.compile(r"\s*(<=|>=|<|>|≤|≥)?\s*(.*)", re.DOTALL)
IMPLAUSIBLE_HCG = Decimal(250_000)  # RELIABILITY E2 example: asks for confirmation, never rejects
MAX_HCG = Decimal(100_000_000)  # the journal's limit; beyond any assay's range
MIN_JUDGED_HOURS = 24
MAX_JUDGED_HOURS = 96


class Op(StrEnum):
    EQ = "="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@record(frozen=True)
class HcgValue:
    """A beta result as the lab reported it: an exact number, or a bound such as <5 or >10000."""

    op: Op
    value: Decimal
    raw: str = ""

    def __post_init__(self) -> None:
        if not self.value.is_finite() or self.value < 0:
            raise ValidationError(f"a beta cannot be {self.value}: it is zero or more", field="value")
        if self.value > MAX_HCG:
            raise ValidationError(
                f"a beta of {self.value.normalize():f} mIU/mL is beyond any lab's range (at most "
                f"{MAX_HCG:f}): check the number on the report",
                field="value",
            )

    @property
    def exact(self) -> bool:
        return self.op is Op.EQ

    def bounds(self) -> tuple[Decimal, Decimal | None]:
        """The interval the true value lies in: (low, high); high None means unbounded."""
        if self.op is Op.EQ:
            return self.value, self.value
        if self.op in (Op.LT, Op.LE):
            return Decimal(0), self.value
        return self.value, None

    def __str__(self) -> str:
        number = f"{self.value.normalize():f}"
        return number if self.op is Op.EQ else f"{self.op.value}{number}"


def parse_hcg(text: str, unit: str | None = None) -> HcgValue:
    """'120', '<5', '> 10000', '1,234.5 IU/L' -> HcgValue in mIU/mL. The number is read by the one grammar
    (quantities.read_number): '4,9' is refused with both readings, a sign never dropped. Any unit but
    mIU/mL or IU/L is refused."""
    seen = (text or "").strip()
    how = "write a number such as 120, or a lab notation such as <5 or >10000"
    refuse_non_numbers(seen, what="a beta", field="value")
    sign = _SIGN_RE.fullmatch(seen)
    op_text, rest = sign.groups() if sign else (None, seen)
    found = leading_number(rest, field="value")
    if found is None:
        raise ValidationError(f"cannot read the beta {quoted(seen)}: {how}", field="value")
    value, trailing = found
    unit_text = (unit or trailing or HCG_UNIT).strip()
    if unit and trailing:
        raise ValidationError(code="beta.unit_twice", field="unit")
    if _HCG_UNITS.get(unit_text.lower().replace(" ", "")) is None:
        raise ValidationError(
            f"unknown unit for hCG: {unit_text[:80]} (rpltrack takes mIU/mL or IU/L, which are the same; "
            "mass units such as ng/mL differ by assay and cannot be converted)",
            field="unit",
        )
    op = {None: Op.EQ, "<": Op.LT, "<=": Op.LE, "≤": Op.LE, ">": Op.GT, ">=": Op.GE, "≥": Op.GE}[op_text]
    return HcgValue(op, value, seen)


def round_half_up(value: float, places: int = 1) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# A rate beyond this is no figure anyone could use (a millionfold rise in two days): shown as none, so every
# reader can print, compare and export what the journal holds [app convention].
MAX_SHOWN_RATE = Decimal(10) ** 9
_WIDE = Context(prec=400)  # wide enough for any finite float written out in full


def _shown(value: float) -> Decimal | None:
    """`value` rounded half-up to one decimal, or None when it is not finite or beyond MAX_SHOWN_RATE."""
    if not math.isfinite(value):
        return None
    rounded = Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP, context=_WIDE)
    return rounded if abs(rounded) <= MAX_SHOWN_RATE else None


@record(frozen=True)
class MinimumRise:
    """A published minimum 48-hour rise for a potentially viable intrauterine pregnancy."""

    percent: Decimal
    source: str  # reference id, e.g. S15
    label: str


BARNHART_2004 = MinimumRise(Decimal(53), "S13", "Barnhart 2004: 53 % in 2 days")
SEEBER_2006 = MinimumRise(Decimal(35), "S14", "Seeber 2006: 35 % in 2 days")


def barnhart_2016(first: Decimal) -> MinimumRise:
    """The default comparator by starting value: < 1500 -> 49 %; 1500-3000 -> 40 %; > 3000 -> 33 % [S15]."""
    if first < 1500:
        return MinimumRise(Decimal(49), "S15", "Barnhart 2016, starting below 1,500: 49 % in 2 days")
    if first <= 3000:
        return MinimumRise(Decimal(40), "S15", "Barnhart 2016, starting at 1,500-3,000: 40 % in 2 days")
    return MinimumRise(Decimal(33), "S15", "Barnhart 2016, starting above 3,000: 33 % in 2 days")


class Verdict(StrEnum):
    MEETS = "meets the minimum rise"
    BELOW = "below the minimum rise"
    PLATEAU = "no change (plateau)"
    FALLING = "falling"
    NOT_JUDGED = "not judged: draws under 24 h or over 96 h apart"
    CENSORED = "cannot be judged from a censored value"


class Spacing(StrEnum):
    """Why a pair is not judged on its timing (§4a: only draws 24-96 h apart are judged), in plain words."""

    SAME_TIME = "drawn at the same time, so there is no change to judge"
    TOO_CLOSE = "drawn less than 24 hours apart, too close together to judge a rise"
    TOO_FAR = "drawn more than 96 hours apart, outside the 1-4 day spacing the studies describe"


@record(frozen=True)
class BetaDraw:
    """One beta result: when it was drawn (aware), its value, and the lab."""

    drawn_at: datetime
    value: HcgValue
    lab: str = ""
    id: int | None = None
    cycle_id: int | None = None  # the cycle the draw belongs to; draws pair only within one series

    def __post_init__(self) -> None:
        if self.drawn_at.tzinfo is None:
            raise ValueError("drawn_at must be tz-aware")

    @property
    def unusual(self) -> bool:
        """Above IMPLAUSIBLE_HCG: asked about before it is kept (RELIABILITY E2), never refused."""
        return self.value.value > IMPLAUSIBLE_HCG

    def check_drawn(self, now: datetime) -> None:
        """A result is recorded once it has been drawn (compared as UTC instants, so both passes of a
        repeated hour are told apart)."""
        if self.drawn_at.astimezone(UTC) > now.astimezone(UTC):
            raise ValidationError(
                f"{self.drawn_at:%Y-%m-%d %H:%M} is in the future: record a result once it is drawn",
                field="at",
            )


class ChangeKind(StrEnum):
    """What a pair's change can be said to be (BetaPair.change)."""

    FALL = "fall"
    FALL_AT_LEAST = "fall at least"
    FALLING = "falling"
    RISE = "rise"
    RISE_AT_LEAST = "rise at least"
    RISE_UNDER = "rise under"
    NO_RISE = "no rise"
    NONE = ""


@record(frozen=True)
class BetaPair:
    """Two consecutive draws and what the reference's arithmetic says of them.

    A pair with a lab bound (<5, >10000) carries what the bound supports (§0): a rise of at least N % per
    48 h, a rise of less than N %, or a fall of at least N %; `reason` says in plain words why a pair is not
    judged (its spacing, or a bound that does not decide)."""

    first: BetaDraw
    second: BetaDraw
    hours: Decimal
    different_labs: bool
    verdict: Verdict
    change_percent: Decimal | None = None  # raw change, rounded
    rise_48h_percent: Decimal | None = None  # normalised to 48 h, rounded
    fall_percent: Decimal | None = None
    doubling_hours: Decimal | None = None
    minimum: MinimumRise | None = None
    context: tuple[MinimumRise, ...] = ()
    spacing: Spacing | None = None  # set when the timing alone keeps the pair from being judged
    rise_48h_at_least: Decimal | None = None  # from a lab bound: the rise per 48 h is at least this
    rise_48h_under: Decimal | None = None  # from a lab bound: the rise per 48 h is below (or at most) this
    rise_under_inclusive: bool = False  # a <= or >= bound: "at most" rather than "less than"
    fall_at_least: Decimal | None = None  # from a lab bound: the fall is at least this
    reason: str = ""  # why the pair is not judged, in plain words

    @property
    def change(self) -> tuple[ChangeKind, Decimal | None]:
        """What can be said of the change, in one order for every surface: an exact fall or rise, what a lab
        bound supports (at least a fall or rise, less than a rise, no rise), a fall without a figure; each
        surface words the kind its own way (the Betas table, the brief, bound_words)."""
        if self.fall_percent is not None:
            return ChangeKind.FALL, self.fall_percent
        if self.fall_at_least is not None:
            return ChangeKind.FALL_AT_LEAST, self.fall_at_least
        if self.verdict is Verdict.FALLING:
            return ChangeKind.FALLING, None
        if self.rise_48h_percent is not None:
            return ChangeKind.RISE, self.rise_48h_percent
        if self.rise_48h_at_least is not None:
            return ChangeKind.RISE_AT_LEAST, self.rise_48h_at_least
        if self.rise_48h_under is not None:
            if self.rise_48h_under <= 0:
                return ChangeKind.NO_RISE, None
            return ChangeKind.RISE_UNDER, self.rise_48h_under
        return ChangeKind.NONE, None

    @property
    def bound_words(self) -> str:
        """What a lab bound supports, in words ('a rise of at least 62.3 % per 48 h'); '' for exact pairs."""
        if self.fall_at_least is not None:
            return f"a fall of at least {self.fall_at_least:f} %"
        if self.rise_48h_at_least is not None:
            return f"a rise of at least {self.rise_48h_at_least:f} % per 48 h"
        if self.rise_48h_under is not None:
            if self.rise_48h_under <= 0:
                return "no rise (the same or lower)"
            limit = "at most" if self.rise_under_inclusive else "less than"
            return f"a rise of {limit} {self.rise_48h_under:f} % per 48 h, or a fall"
        return ""

    @property
    def verdict_words(self) -> str:
        """The verdict as she reads it: the judgement, or why there is none ('not judged: drawn less than 24
        hours apart, too close together to judge a rise')."""
        if self.verdict is Verdict.NOT_JUDGED and self.reason:
            return f"not judged: {self.reason}"
        if self.verdict is Verdict.CENSORED and self.reason:
            return f"cannot be judged: {self.reason}"
        return self.verdict.value


def _rise_48(ratio: float, hours: float) -> float:
    """The rise per 48 h in percent, (ratio^(48/hours) - 1) x 100; infinity when too large for a float."""
    try:
        grown: float = math.pow(ratio, 48.0 / hours)
    except OverflowError:
        return math.inf
    return (grown - 1.0) * 100.0


def _spacing(t: float) -> Spacing | None:
    if t <= 0:
        return Spacing.SAME_TIME
    if t < MIN_JUDGED_HOURS:
        return Spacing.TOO_CLOSE
    if t > MAX_JUDGED_HOURS:
        return Spacing.TOO_FAR
    return None


def assess_pair(first: BetaDraw, second: BetaDraw) -> BetaPair:
    """Hours from UTC instants; rise, doubling time, minimum and verdict per §4.

    Rates (rise per 48 h, doubling time) are computed only for pairs at least MIN_JUDGED_HOURS apart: over
    a shorter gap the 48-h extrapolation is meaningless and explodes (a 1-hour pair raises its ratio to the
    48th power). A pair over MAX_JUDGED_HOURS keeps its rates but is not judged. A fall is a fall at any
    spacing, but two draws at the same time show no change at all. A rate too large to be a figure is None
    (see _shown), so every pair the journal can hold can be shown and exported."""
    seconds = (second.drawn_at.astimezone(UTC) - first.drawn_at.astimezone(UTC)).total_seconds()
    t = seconds / 3600.0
    labs = {d.lab.strip().casefold() for d in (first, second) if d.lab.strip()}
    spacing = _spacing(t)
    pair = BetaPair(first, second, round_half_up(t), len(labs) > 1, Verdict.NOT_JUDGED, spacing=spacing)
    unjudged = replace(pair, reason=spacing.value) if spacing is not None else pair
    if spacing is Spacing.SAME_TIME:
        return unjudged
    if not (first.value.exact and second.value.exact):
        return _assess_censored(pair, t)
    start = float(first.value.value)
    if start <= 0:
        return replace(
            pair,
            verdict=Verdict.CENSORED,
            reason="the earlier result is 0, so a change cannot be given as a percentage",
        )
    ratio = float(second.value.value) / start
    change = _shown((ratio - 1.0) * 100.0)
    if ratio < 1:
        fall = _shown((1.0 - ratio) * 100.0)
        return replace(pair, verdict=Verdict.FALLING, change_percent=change, fall_percent=fall)
    minimum = barnhart_2016(first.value.value)
    context = (BARNHART_2004, SEEBER_2006)
    if ratio == 1:
        if spacing is not None:
            return replace(unjudged, change_percent=change, minimum=minimum, context=context)
        return replace(
            pair,
            verdict=Verdict.PLATEAU,
            change_percent=change,
            rise_48h_percent=Decimal("0.0"),
            minimum=minimum,
            context=context,
        )
    if spacing is Spacing.TOO_CLOSE:
        return replace(unjudged, change_percent=change, minimum=minimum, context=context)
    rise = _shown(_rise_48(ratio, t))
    if spacing is not None:
        verdict = Verdict.NOT_JUDGED
    elif rise is None:
        verdict = Verdict.MEETS  # a rise too large to show is above every minimum
    else:
        verdict = Verdict.MEETS if rise >= minimum.percent else Verdict.BELOW
    return replace(
        unjudged,
        verdict=verdict,
        change_percent=change,
        rise_48h_percent=rise,
        doubling_hours=_shown(t * math.log(2) / math.log(ratio)),
        minimum=minimum,
        context=context,
    )


def possible_minimums(first: HcgValue) -> tuple[MinimumRise, ...]:
    """The Barnhart 2016 minimums the first draw's true value can fall under (§4b buckets: < 1500, 1500-3000,
    > 3000): one for an exact value, one or more for a lab bound, smallest starting value first."""
    v = first.value
    if first.op is Op.EQ:
        return (barnhart_2016(v),)
    if first.op in (Op.LT, Op.LE):
        # values from 0 up to v (v itself only for <=)
        can = (True, v > 1500 or (first.op is Op.LE and v == 1500), v > 3000)
    else:
        # values from v (for >=) or just above it, upwards
        can = (v < 1500, v < 3000 or (first.op is Op.GE and v == 3000), True)
    starts = (Decimal(0), Decimal(1500), Decimal("3000.01"))
    return tuple(barnhart_2016(start) for start, ok in zip(starts, can, strict=True) if ok)


def _assess_censored(pair: BetaPair, t: float) -> BetaPair:
    """A lab bound decides only when the bound alone decides the answer (§0); what it supports is kept either
    way. The second value over the first lies between r_low and r_high (r_high None: unbounded)."""
    first, second = pair.first.value, pair.second.value
    lo1, hi1 = first.bounds()
    lo2, hi2 = second.bounds()
    r_high = None if hi2 is None or lo1 <= 0 else float(hi2) / float(lo1)
    # Strict when the true value is strictly inside a bound: '<X' later, or '>X' earlier.
    strict = second.op is Op.LT or first.op is Op.GT
    r_low = 0.0 if hi1 is None or hi1 <= 0 else float(lo2) / float(hi1)
    if r_high is not None and (r_high < 1 or (r_high == 1 and strict)):
        fall = _shown((1.0 - r_high) * 100.0)
        return replace(pair, verdict=Verdict.FALLING, fall_at_least=fall if fall else None)
    if pair.spacing is Spacing.TOO_CLOSE:
        return replace(pair, reason=pair.spacing.value)
    at_least = _shown(_rise_48(r_low, t)) if r_low > 1 else None
    under = _shown(_rise_48(r_high, t)) if r_high is not None else None
    inclusive = under is not None and not strict
    pair = replace(pair, rise_48h_at_least=at_least, rise_48h_under=under, rise_under_inclusive=inclusive)
    if pair.spacing is not None:
        return replace(pair, reason=pair.spacing.value)
    minimums = possible_minimums(first)
    highest = max(minimums, key=lambda m: m.percent)
    lowest = min(minimums, key=lambda m: m.percent)
    pair = replace(pair, context=(BARNHART_2004, SEEBER_2006))
    if r_low > 1 and (at_least is None or at_least >= highest.percent):
        return replace(pair, verdict=Verdict.MEETS, minimum=highest)
    if under is not None and under < lowest.percent:
        return replace(pair, verdict=Verdict.BELOW, minimum=lowest)
    if len(minimums) == 1:
        target = f"the {lowest.percent:f} % minimum"
    else:
        figures = [f"{m.percent:f}" for m in minimums]
        target = f"the minimum for its starting value ({', '.join(figures[:-1])} or {figures[-1]} %)"
    if at_least is not None:
        reason = f"a rise of at least {at_least:f} % per 48 h, not enough to tell whether it reaches {target}"
    elif under is not None and under > 0:
        limit = "at most" if inclusive else "less than"
        reason = (
            f"anything from a fall to a rise of {limit} {under:f} % per 48 h, so whether it reaches {target} "
            "cannot be told"
        )
    else:
        reason = "a lab bound leaves open whether the beta rose or fell"
    return replace(
        pair, verdict=Verdict.CENSORED, minimum=lowest if len(minimums) == 1 else None, reason=reason
    )


SERIES_GAP_DAYS = 14  # draws with no cycle more than two weeks apart start a new series [app convention]


def split_series(draws: list[BetaDraw]) -> list[list[BetaDraw]]:
    """Draws grouped into series, oldest first: one series per cycle; draws outside any cycle form a series
    while each follows the previous within SERIES_GAP_DAYS."""
    series: list[list[BetaDraw]] = []
    by_cycle: dict[int, list[BetaDraw]] = {}
    for draw in sorted(draws, key=lambda d: d.drawn_at.astimezone(UTC)):
        if draw.cycle_id is not None:
            if draw.cycle_id not in by_cycle:
                by_cycle[draw.cycle_id] = []
                series.append(by_cycle[draw.cycle_id])
            by_cycle[draw.cycle_id].append(draw)
            continue
        loose = [s for s in series if s[-1].cycle_id is None]
        gap = draw.drawn_at.astimezone(UTC) - loose[-1][-1].drawn_at.astimezone(UTC) if loose else None
        if gap is not None and gap.days <= SERIES_GAP_DAYS:
            loose[-1].append(draw)
        else:
            series.append([draw])
    return series


def assess_series(draws: list[BetaDraw]) -> list[BetaPair]:
    """Each consecutive pair of draws within a series (split_series), in time order."""
    return [assess_pair(a, b) for group in split_series(draws) for a, b in pairwise(group)]


def draw_dating(
    draw: BetaDraw, cycles: Sequence[Cycle], pregnancies: Sequence[Pregnancy], zone: ZoneInfo
) -> Dating | None:
    """Days past transfer on the local day of the draw (§5): from its own cycle's latest transfer on or before
    that day, or, for a draw outside any cycle, from the cycle that day is dated from (dating_cycle). None
    when no transfer precedes the draw."""
    day = draw.drawn_at.astimezone(zone).date()
    cycle = next((c for c in cycles if draw.cycle_id is not None and c.id == draw.cycle_id), None)
    if cycle is None and draw.cycle_id is None:
        found = dating_cycle(cycles, pregnancies, day)
        cycle = found[0] if found else None
    transfer = max(
        (t for t in (cycle.transfers if cycle else ()) if t.on <= day), key=lambda t: t.on, default=None
    )
    if cycle is None or transfer is None:
        return None
    return Dating(
        cycle_day=cycle_day(cycle.cd1, day),
        dpt=days_past_transfer(transfer.on, day),
        embryo_day=transfer.embryo_day,
        dpo=dpo_equivalent(transfer.on, transfer.embryo_day, day),
    )


def dpt_label(dating: Dating | None) -> str:
    """'10dp5dt' (days past a day-5 transfer); '' when the draw has no transfer before it."""
    if dating is None or dating.dpt is None or dating.embryo_day is None:
        return ""
    return f"{dating.dpt}dp{dating.embryo_day}dt"
