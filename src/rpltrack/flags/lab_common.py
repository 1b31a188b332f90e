"""What the lab rules share: reading a result in its test's unit, comparing it with a limit, the words
for a value, and her clinic's intervals and thresholds."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

from rpltrack.domain import labcatalog, settings
from rpltrack.domain.betas import Op
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labs import (
    LabKind,
    LabResult,
    LabTest,
    LabUnit,
    LabValue,
    canonical,
    compare_to_threshold,
    format_fraction,
    in_unit,
)
from rpltrack.flags import common
from rpltrack.flags.model import JournalSnapshot

CENSORED = "cannot be judged from a censored value"

# ---------------------------------------------------------------------------------------------- helpers


def subject(result: LabResult) -> str:
    return f"lab{result.id}" if result.id is not None else f"lab:{result.test}:{result.on.isoformat()}"


def dec(value: Decimal) -> str:
    """2.50 -> '2.5', 300 -> '300' (never exponent notation)."""
    return f"{value.normalize():f}"


def one_place(value: Decimal) -> str:
    """A target as clinics print it: at least one decimal (4 -> '4.0', 2.5 -> '2.5')."""
    return f"{value:.1f}" if value == value.to_integral_value() else dec(value)


def test_for(result: LabResult) -> LabTest:
    """The catalog test of a result, or a stand-in for her own test holding just the unit she entered."""
    try:
        return labcatalog.by_key(result.test)
    except KeyError:
        unit = result.value.unit
        return LabTest(
            result.test,
            result.test,
            LabKind.QUANTITATIVE,
            units=(LabUnit(unit),) if unit else (),
            custom=True,
        )


def test_name(key: str) -> str:
    try:
        return labcatalog.by_key(key).name
    except KeyError:
        return key


def in_sentence(name: str) -> str:
    """A test name inside a sentence: 'Lupus anticoagulant' -> 'lupus anticoagulant'; 'TSH' stays."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def is_above(test: LabTest, value: LabValue, limit: Fraction | Decimal | int) -> bool | None:
    """value > a canonical limit (strictly), in her unit: True/False, None when it cannot be judged.

    Beyond compare_to_threshold: `<=2.5` is not above 2.5 (it cannot be told from 2.5, but it is not above).
    """
    compared = compare_to_threshold(test, value, limit)
    if compared is not None:
        return compared == 1
    bound = limit_in_unit(test, value, limit)
    if bound is not None and value.op is Op.LE and Fraction(value.number or 0) <= bound:
        return False
    return None


def is_below(test: LabTest, value: LabValue, limit: Fraction | Decimal | int) -> bool | None:
    """value < a canonical limit (strictly); `>=20` is not below 20."""
    compared = compare_to_threshold(test, value, limit)
    if compared is not None:
        return compared == -1
    bound = limit_in_unit(test, value, limit)
    if bound is not None and value.op is Op.GE and Fraction(value.number or 0) >= bound:
        return False
    return None


def limit_in_unit(test: LabTest, value: LabValue, limit: Fraction | Decimal | int) -> Fraction | None:
    if value.number is None or value.unit is None:
        return None
    try:
        return in_unit(test, limit, value.unit)
    except KeyError:
        return None


def printed(value: LabValue) -> tuple[LabTest, LabValue]:
    """A stand-in test whose only unit is the result's, so a printed range end (in that unit) compares
    without conversion."""
    unit = value.unit or ""
    same_unit = LabTest("printed-range", "printed range", LabKind.QUANTITATIVE, units=(LabUnit(unit),))
    return same_unit, LabValue(value.op, value.number, unit)


def above_printed_high(result: LabResult) -> bool | None:
    """Above the high end of the printed range: True/False (False also with no range or no number), None
    when a censored value does not decide."""
    if result.reference is None or result.reference.high is None or result.value.number is None:
        return False
    return is_above(*printed(result.value), result.reference.high)


def in_unit_text(test: LabTest, threshold: Decimal, unit: str, places: int) -> str | None:
    """A canonical threshold shown in another unit of the test: 10 ng/mL -> '31.8' (nmol/L)."""
    try:
        return format_fraction(in_unit(test, threshold, unit), places)
    except KeyError:
        return None


def tpo_positive(result: LabResult | None) -> bool:
    """A TPO antibody result read as positive: a positive word, or a number above the printed range."""
    if result is None:
        return False
    return result.value.positive_word or above_printed_high(result) is True


def value_text(value: LabValue) -> str:
    """The number with its operator, without the unit: '2.8', '<0.01'."""
    if value.number is None:
        return value.text
    return ("" if value.op is Op.EQ else value.op.value) + dec(value.number)


def unjudged_text(value: LabValue) -> str:
    if value.op is not Op.EQ:
        return CENSORED
    return f"the unit {value.unit} cannot be compared with the threshold"


def equivalent(test: LabTest, value: LabValue, unit: str, places: int) -> str | None:
    """The value in another unit of the test, exactly converted then shown: '29.9 nmol/L'."""
    exact = canonical(test, value)
    if exact is None or value.number is None:
        return None
    try:
        converted = in_unit(test, exact, unit)
    except KeyError:
        return None
    prefix = "" if value.op is Op.EQ else value.op.value
    return f"{prefix}{format_fraction(converted, places)} {unit}"


def clinic_interval(snap: JournalSnapshot, key: str) -> tuple[settings.Interval, bool]:
    """A retest interval, falling back to the default when the stored clinic value cannot be read."""
    try:
        return settings.interval(snap.settings, key)
    except ValidationError:
        return settings.parse_interval(settings.DEFAULTS[key]), False


def clinic_threshold(snap: JournalSnapshot, key: str) -> tuple[Decimal, bool]:
    try:
        return settings.threshold(snap.settings, key)
    except ArithmeticError:
        return Decimal(settings.DEFAULTS[key]), False


def round_half_up(value: Fraction, places: int = 1) -> Decimal:
    """Exact half-up rounding of a Fraction (§0: derived percentages are rounded, then compared)."""
    scaled = value * 10**places
    magnitude = math.floor(abs(scaled) + Fraction(1, 2))
    return Decimal(magnitude if scaled >= 0 else -magnitude).scaleb(-places)


def on_levothyroxine(snap: JournalSnapshot, day: date) -> bool:
    return any(common.scheduled_on(m, day) for m in common.meds_where(snap, [common.LEVOTHYROXINE]))
