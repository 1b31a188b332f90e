"""The default upper TSH target of clinical-reference §3 (the ladder, rungs 2-5): shared by the flag rule
that judges a TSH and by the appointment brief that shows the target beside it."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from rpltrack.domain.labs import LabResult, LabTest, LabValue
from rpltrack.domain.records import record

GUIDELINE_TSH_LOW_TARGET = Decimal("2.5")  # ATA 2017 treated hypothyroidism; ASRM 2015 [S10] [S12]
GUIDELINE_TSH_PREGNANT_LIMIT = Decimal("4.0")  # ATA 2017/2025 with no trimester range printed [S10] [S11]


@record(frozen=True)
class TshTarget:
    value: Decimal  # canonical mIU/L
    source: str  # "clinic", "printed range", "ATA 2017", ...
    label: str  # why this target, in words
    sources: tuple[str, ...]
    ladder_rung: int  # 1-5 of §3 (1: her clinic's target, set by the caller)


def printed_in_canonical(test: LabTest, value: LabValue, limit: Decimal) -> Decimal:
    """An end of the printed range (in the result's unit) in the test's canonical unit, when convertible."""
    if value.unit is None:
        return limit
    try:
        exact = test.unit(value.unit).to_canonical(Fraction(limit))
    except KeyError:
        return limit
    return Decimal(exact.numerator) / Decimal(exact.denominator)


def guideline_tsh_target(result: LabResult, test: LabTest, pregnant: bool, on_lt4: bool) -> TshTarget:
    """Rungs 2-5 of the §3 ladder: the default for her situation when no clinic target is set."""
    if pregnant and result.reference is not None and result.reference.high is not None:
        high = printed_in_canonical(test, result.value, result.reference.high)
        return TshTarget(high, "printed range", "the upper limit printed on your report", ("S10",), 2)
    if pregnant and on_lt4:
        return TshTarget(
            GUIDELINE_TSH_LOW_TARGET, "ATA 2017", "ATA 2017, treated hypothyroidism in pregnancy", ("S10",), 3
        )
    if pregnant:
        return TshTarget(
            GUIDELINE_TSH_PREGNANT_LIMIT,
            "ATA 2017/2025",
            "ATA 2017 and 2025, pregnancy upper limit when no trimester range is printed",
            ("S10", "S11"),
            4,
        )
    label = (
        "ATA 2017, treated hypothyroidism before pregnancy"
        if on_lt4
        else "ATA 2017 and ASRM 2015, before pregnancy and when trying to conceive"
    )
    return TshTarget(GUIDELINE_TSH_LOW_TARGET, "ATA 2017/ASRM 2015", label, ("S10", "S12"), 5)
