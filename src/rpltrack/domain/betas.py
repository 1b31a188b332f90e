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

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.quantities import leading_number, quoted, refuse_non_numbers
from rpltrack.domain.records import record, replace

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
        raise ValidationError("give the unit once, either after the number or with --unit", field="unit")
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


@record(frozen=True)
class BetaPair:
    """Two consecutive draws and what the reference's arithmetic says of them."""

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


def _rise_48(ratio: float, hours: float) -> float:
    """The rise per 48 h in percent, (ratio^(48/hours) - 1) x 100; infinity when too large for a float."""
    try:
        grown: float = math.pow(ratio, 48.0 / hours)
    except OverflowError:
        return math.inf
    return (grown - 1.0) * 100.0


def assess_pair(first: BetaDraw, second: BetaDraw) -> BetaPair:
    """Hours from UTC instants; rise, doubling time, minimum and verdict per §4.

    Rates (rise per 48 h, doubling time) are computed only for pairs at least MIN_JUDGED_HOURS apart: over
    a shorter gap the 48-h extrapolation is meaningless and explodes (a 1-hour pair raises its ratio to the
    48th power). A pair over MAX_JUDGED_HOURS keeps its rates but is not judged. A rate too large to be a
    figure is None (see _shown), so every pair the journal can hold can be shown and exported."""
    seconds = (second.drawn_at.astimezone(UTC) - first.drawn_at.astimezone(UTC)).total_seconds()
    t = seconds / 3600.0
    hours = round_half_up(t)
    labs = {d.lab.strip().casefold() for d in (first, second) if d.lab.strip()}
    pair = BetaPair(first, second, hours, len(labs) > 1, Verdict.CENSORED)
    spaced = MIN_JUDGED_HOURS <= t <= MAX_JUDGED_HOURS
    rated = t >= MIN_JUDGED_HOURS
    start = float(first.value.value)
    if not (first.value.exact and second.value.exact and start > 0 and seconds > 0):
        return _assess_censored(pair, t, spaced)
    ratio = float(second.value.value) / start
    change = _shown((ratio - 1.0) * 100.0)
    if ratio < 1:
        fall = _shown((1.0 - ratio) * 100.0)
        return replace(pair, verdict=Verdict.FALLING, change_percent=change, fall_percent=fall)
    minimum = barnhart_2016(first.value.value)
    context = (BARNHART_2004, SEEBER_2006)
    if ratio == 1:
        return replace(
            pair,
            verdict=Verdict.PLATEAU if spaced else Verdict.NOT_JUDGED,
            change_percent=change,
            rise_48h_percent=Decimal("0.0") if spaced else None,
            minimum=minimum,
            context=context,
        )
    if not rated:
        return replace(
            pair, verdict=Verdict.NOT_JUDGED, change_percent=change, minimum=minimum, context=context
        )
    raw_rise = _rise_48(ratio, t)
    rise = _shown(raw_rise)
    if not spaced:
        verdict = Verdict.NOT_JUDGED
    elif rise is None:
        verdict = Verdict.MEETS  # a rise too large to show is above every minimum
    else:
        verdict = Verdict.MEETS if rise >= minimum.percent else Verdict.BELOW
    return replace(
        pair,
        verdict=verdict,
        change_percent=change,
        rise_48h_percent=rise,
        doubling_hours=_shown(t * math.log(2) / math.log(ratio)),
        minimum=minimum,
        context=context,
    )


def _assess_censored(pair: BetaPair, t: float, spaced: bool) -> BetaPair:
    """A censored value decides only when its bound decides the answer (§0)."""
    lo1, hi1 = pair.first.value.bounds()
    lo2, hi2 = pair.second.value.bounds()
    # Falling: the second's highest possible value is below the first's lowest (a later <X under the first).
    if hi2 is not None and lo1 > 0 and (hi2 < lo1 or (hi2 == lo1 and pair.second.value.op is Op.LT)):
        return replace(pair, verdict=Verdict.FALLING)
    if not (spaced and t > 0 and hi1 is not None and hi1 > 0 and lo2 > 0):
        return pair
    low_bucket = barnhart_2016(lo1 if lo1 > 0 else Decimal("0.001"))
    if low_bucket != barnhart_2016(hi1):
        return pair
    if _at_least(_rise_48(float(lo2) / float(hi1), t), low_bucket.percent):
        return replace(pair, verdict=Verdict.MEETS, minimum=low_bucket)
    if (
        hi2 is not None
        and lo1 > 0
        and not _at_least(_rise_48(float(hi2) / float(lo1), t), low_bucket.percent)
    ):
        return replace(pair, verdict=Verdict.BELOW, minimum=low_bucket)
    return replace(pair, minimum=low_bucket)


def _at_least(rise: float, percent: Decimal) -> bool:
    """The rounded rise (§0) is at least `percent`; a rise too large to show is above every minimum."""
    shown = _shown(rise)
    return shown is None or shown >= percent


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
