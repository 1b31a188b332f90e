"""The default upper TSH target of clinical-reference §3 (the ladder after the clinic's target): shared by the
flag rule that judges a TSH and by the appointment brief that shows the target beside it.

The ladder as corrected in 2026-12, first match wins:
1. her clinic's target (set by the caller, never here);
2. pregnant, on levothyroxine: 2.5 mIU/L (ATA 2017), or the report's printed upper limit if that is lower;
3. pregnant, not on levothyroxine: 4.0 mIU/L (ATA 2017/2025), or the printed upper limit if that is lower;
4. not pregnant: 2.5 mIU/L (ATA 2017, ASRM 2015).
A printed range can make the pregnancy target stricter, never looser, and it plays no part before pregnancy
(the printed range itself still drives `lab-out-of-range`)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from rpltrack.domain.labs import LabResult, LabTest, LabValue
from rpltrack.domain.records import record

GUIDELINE_TSH_LOW_TARGET = Decimal("2.5")  # ATA 2017 treated hypothyroidism; ASRM 2015 [S10] [S12]
GUIDELINE_TSH_PREGNANT_LIMIT = Decimal("4.0")  # ATA 2017/2025 pregnancy upper limit [S10] [S11]

# Values of TshTarget.ladder_rung. They name which target was chosen; the brief reads them to word the target.
RUNG_CLINIC = 1  # her clinic's target (§3 rung 1)
RUNG_PRINTED_STRICTER = 2  # pregnant, and the printed upper limit is below the guideline (§3 rungs 2-3)
RUNG_PREGNANT_LT4 = 3  # pregnant on levothyroxine: 2.5 (§3 rung 2)
RUNG_PREGNANT = 4  # pregnant, not on levothyroxine: 4.0 (§3 rung 3)
RUNG_NOT_PREGNANT = 5  # not pregnant: 2.5 (§3 rung 4)


@record(frozen=True)
class TshTarget:
    value: Decimal  # canonical mIU/L
    source: str  # "clinic", "printed range", "ATA 2017", ...
    label: str  # why this target, in words
    sources: tuple[str, ...]
    ladder_rung: int  # one of the RUNG_* values above (RUNG_CLINIC is set by the caller)


def printed_in_canonical(test: LabTest, value: LabValue, limit: Decimal) -> Decimal:
    """An end of the printed range (in the result's unit) in the test's canonical unit, when convertible."""
    converted = _printed_canonical_or_none(test, value, limit)
    return limit if converted is None else converted


def _printed_canonical_or_none(test: LabTest, value: LabValue, limit: Decimal) -> Decimal | None:
    """The printed end in the canonical unit; None when the result's unit has no known conversion."""
    if value.unit is None:
        return limit
    try:
        exact = test.unit(value.unit).to_canonical(Fraction(limit))
    except KeyError:
        return None
    return Decimal(exact.numerator) / Decimal(exact.denominator)


def guideline_tsh_default(pregnant: bool, on_lt4: bool) -> TshTarget:
    """The guideline's own target for her situation (§3 rungs 2-4), before any printed range is looked at."""
    if pregnant and on_lt4:
        return TshTarget(
            GUIDELINE_TSH_LOW_TARGET,
            "ATA 2017",
            "ATA 2017, treated hypothyroidism in pregnancy",
            ("S10",),
            RUNG_PREGNANT_LT4,
        )
    if pregnant:
        return TshTarget(
            GUIDELINE_TSH_PREGNANT_LIMIT,
            "ATA 2017/2025",
            "ATA 2017 and 2025, upper limit in pregnancy",
            ("S10", "S11"),
            RUNG_PREGNANT,
        )
    label = (
        "ATA 2017, treated hypothyroidism before pregnancy"
        if on_lt4
        else "ATA 2017 and ASRM 2015, before pregnancy and when trying to conceive"
    )
    return TshTarget(GUIDELINE_TSH_LOW_TARGET, "ATA 2017/ASRM 2015", label, ("S10", "S12"), RUNG_NOT_PREGNANT)


def guideline_tsh_target(result: LabResult, test: LabTest, pregnant: bool, on_lt4: bool) -> TshTarget:
    """The target when no clinic target is set (§3 rungs 2-4): the guideline's, or in pregnancy the upper
    limit printed on the report when that is lower. A printed limit equal to or above the guideline's, or one
    in a unit that cannot be converted, leaves the guideline's target in place."""
    default = guideline_tsh_default(pregnant, on_lt4)
    if not pregnant or result.reference is None or result.reference.high is None:
        return default
    printed = _printed_canonical_or_none(test, result.value, result.reference.high)
    if printed is None or printed >= default.value:
        return default
    label = (
        f"the upper limit printed on your report, lower than the {default.value:f} mIU/L pregnancy target "
        f"of {default.source}"
    )
    return TshTarget(printed, "printed range", label, default.sources, RUNG_PRINTED_STRICTER)
