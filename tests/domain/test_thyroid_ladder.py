"""The default TSH target of clinical-reference §3, rung by rung: pregnant on levothyroxine 2.5, pregnant
without it 4.0, not pregnant 2.5; in pregnancy a printed upper limit replaces the guideline's only when it is
lower (a printed range makes the target stricter, never looser)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rpltrack.domain import labcatalog
from rpltrack.domain.labs import LabResult
from rpltrack.domain.thyroid import (
    RUNG_NOT_PREGNANT,
    RUNG_PREGNANT,
    RUNG_PREGNANT_LT4,
    RUNG_PRINTED_STRICTER,
    TshTarget,
    guideline_tsh_default,
    guideline_tsh_target,
)

TSH = labcatalog.by_key("tsh")


def tsh(text: str = "3.6", *, unit: str = "mIU/L", range: str | None = None) -> LabResult:
    value = labcatalog.parse_lab_value(TSH, text, unit)
    reference = labcatalog.parse_range(range) if range else None
    return LabResult("tsh", date(2026, 11, 20), value, reference=reference, id=1)


def target(result: LabResult, *, pregnant: bool, on_lt4: bool) -> TshTarget:
    return guideline_tsh_target(result, TSH, pregnant, on_lt4)


LADDER = [
    # §3 rung 2: pregnant, on levothyroxine -> 2.5 (ATA 2017), or the printed upper limit if lower.
    pytest.param(None, True, True, ("2.5", "ATA 2017", ("S10",), RUNG_PREGNANT_LT4), id="r2-lt4-no-range"),
    pytest.param(
        "0.4-4.0",
        True,
        True,
        ("2.5", "ATA 2017", ("S10",), RUNG_PREGNANT_LT4),
        id="r2-lt4-printed-4.0-looser",
    ),
    pytest.param(
        "0.4-2.5", True, True, ("2.5", "ATA 2017", ("S10",), RUNG_PREGNANT_LT4), id="r2-lt4-printed-equal"
    ),
    pytest.param(
        "0.1-2.0",
        True,
        True,
        ("2", "printed range", ("S10",), RUNG_PRINTED_STRICTER),
        id="r2-lt4-printed-2.0",
    ),
    pytest.param(
        "<2.4",
        True,
        True,
        ("2.4", "printed range", ("S10",), RUNG_PRINTED_STRICTER),
        id="r2-lt4-printed-<2.4",
    ),
    pytest.param(
        ">0.4", True, True, ("2.5", "ATA 2017", ("S10",), RUNG_PREGNANT_LT4), id="r2-lt4-printed-low-end-only"
    ),
    # §3 rung 3: pregnant, not on levothyroxine -> 4.0 (ATA 2017/2025), or the printed upper limit if lower.
    pytest.param(
        None, True, False, ("4.0", "ATA 2017/2025", ("S10", "S11"), RUNG_PREGNANT), id="r3-no-lt4-no-range"
    ),
    pytest.param(
        "0.4-4.5",
        True,
        False,
        ("4.0", "ATA 2017/2025", ("S10", "S11"), RUNG_PREGNANT),
        id="r3-no-lt4-printed-4.5-looser",
    ),
    pytest.param(
        "0.4-4.0",
        True,
        False,
        ("4.0", "ATA 2017/2025", ("S10", "S11"), RUNG_PREGNANT),
        id="r3-no-lt4-printed-equal",
    ),
    pytest.param(
        "0.1-3.0",
        True,
        False,
        ("3", "printed range", ("S10", "S11"), RUNG_PRINTED_STRICTER),
        id="r3-no-lt4-printed-3.0",
    ),
    # §3 rung 4: not pregnant -> 2.5 (ATA 2017, ASRM 2015); a printed range plays no part.
    pytest.param(
        None, False, False, ("2.5", "ATA 2017/ASRM 2015", ("S10", "S12"), RUNG_NOT_PREGNANT), id="r4-no-range"
    ),
    pytest.param(
        None, False, True, ("2.5", "ATA 2017/ASRM 2015", ("S10", "S12"), RUNG_NOT_PREGNANT), id="r4-on-lt4"
    ),
    pytest.param(
        "0.4-4.5",
        False,
        True,
        ("2.5", "ATA 2017/ASRM 2015", ("S10", "S12"), RUNG_NOT_PREGNANT),
        id="r4-printed-looser-unused",
    ),
    pytest.param(
        "0.1-2.0",
        False,
        False,
        ("2.5", "ATA 2017/ASRM 2015", ("S10", "S12"), RUNG_NOT_PREGNANT),
        id="r4-printed-stricter-unused-before-pregnancy",
    ),
]


@pytest.mark.parametrize(("printed", "pregnant", "on_lt4", "expected"), LADDER)
def test_each_rung_of_the_ladder(
    printed: str | None, pregnant: bool, on_lt4: bool, expected: tuple[str, str, tuple[str, ...], int]
) -> None:
    found = target(tsh(range=printed), pregnant=pregnant, on_lt4=on_lt4)
    value, source, sources, rung = expected
    assert (found.value, found.source, found.sources, found.ladder_rung) == (
        Decimal(value),
        source,
        sources,
        rung,
    )


@pytest.mark.parametrize(
    ("pregnant", "on_lt4", "label"),
    [
        pytest.param(True, True, "ATA 2017, treated hypothyroidism in pregnancy", id="pregnant-lt4"),
        pytest.param(True, False, "ATA 2017 and 2025, upper limit in pregnancy", id="pregnant"),
        pytest.param(
            False, True, "ATA 2017, treated hypothyroidism before pregnancy", id="before-pregnancy-lt4"
        ),
        pytest.param(
            False,
            False,
            "ATA 2017 and ASRM 2015, before pregnancy and when trying to conceive",
            id="before-pregnancy",
        ),
    ],
)
def test_a_guideline_target_names_its_guideline(pregnant: bool, on_lt4: bool, label: str) -> None:
    assert target(tsh(), pregnant=pregnant, on_lt4=on_lt4).label == label
    assert guideline_tsh_default(pregnant, on_lt4).label == label


@pytest.mark.parametrize(
    ("on_lt4", "label"),
    [
        pytest.param(
            True,
            "the upper limit printed on your report, lower than the 2.5 mIU/L pregnancy target of ATA 2017",
            id="lt4",
        ),
        pytest.param(
            False,
            "the upper limit printed on your report, lower than the 4.0 mIU/L pregnancy target of "
            "ATA 2017/2025",
            id="no-lt4",
        ),
    ],
)
def test_a_stricter_printed_limit_is_called_the_reports_not_a_guideline_default(
    on_lt4: bool, label: str
) -> None:
    found = target(tsh(range="0.1-2.0"), pregnant=True, on_lt4=on_lt4)
    assert found.label == label
    assert "guideline default" not in found.label


@pytest.mark.parametrize("unit", ["µIU/mL", "uIU/mL", "mU/L"])
def test_a_printed_limit_in_an_equivalent_unit_is_compared_in_the_canonical_unit(unit: str) -> None:
    found = target(tsh(unit=unit, range="0.1-2.0"), pregnant=True, on_lt4=True)
    assert (found.value, found.ladder_rung) == (Decimal(2), RUNG_PRINTED_STRICTER)


def test_the_issue_15_case_no_longer_hides_behind_the_printed_range() -> None:
    """Pregnant on levothyroxine, TSH 3.6 with a printed 0.4-4.0: the target is 2.5 with or without it."""
    with_range = target(tsh("3.6", range="0.4-4.0"), pregnant=True, on_lt4=True)
    without = target(tsh("3.6"), pregnant=True, on_lt4=True)
    assert with_range == without
    assert with_range.value == Decimal("2.5")
