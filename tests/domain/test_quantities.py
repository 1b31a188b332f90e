"""Amounts and units: parsing, canonical units, exact conversions, and specific error messages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.quantities import (
    UNIT_FAMILY,
    Quantity,
    format_number,
    normalise_unit,
    parse_amount,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("40 mg", "40", "mg"),
        ("40mg", "40", "mg"),
        ("  40   MG  ", "40", "mg"),
        ("2.5 mg", "2.5", "mg"),
        ("0,5 mg", "0.5", "mg"),
        ("5,000 units", "5000", "units"),
        ("1,234.5 units", "1234.5", "units"),
        (".5 mg", "0.5", "mg"),
        ("0,25 mg", "0.25", "mg"),
        ("100 mcg", "100", "mcg"),
        ("100 µg", "100", "mcg"),
        ("100 μg", "100", "mcg"),  # Greek mu, not the micro sign
        ("100 ug", "100", "mcg"),
        ("100 micrograms", "100", "mcg"),
        ("5000 IU", "5000", "IU"),
        ("5000 iu", "5000", "IU"),
        ("5000 units", "5000", "units"),
        ("1 unit", "1", "units"),
        ("1 mL", "1", "mL"),
        ("1 cc", "1", "mL"),
        ("2 tablets", "2", "tablet"),
        ("1 pessary", "1", "suppository"),
        ("1 applicatorful", "1", "applicator"),
        ("0.4 g", "0.4", "g"),
    ],
    ids=lambda v: str(v),
)
def test_parse_amount_reads_number_and_canonical_unit(text, value, unit):
    assert parse_amount(text) == (Decimal(value), unit)


def test_parse_amount_without_unit_gives_none():
    assert parse_amount("81") == (Decimal(81), None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot read the amount ''"),
        ("abc", "cannot read the amount 'abc'"),
        ("mg", "cannot read the amount 'mg'"),
        ("-1 mg", "an amount cannot be negative ('-1 mg')"),
        ("nan mg", "cannot read the amount 'nan mg'"),
        ("inf mg", "cannot read the amount 'inf mg'"),
        ("\u0662\u066b\u0665 mg", "cannot read the amount"),  # Arabic-Indic 2.5
        ("40 xx", "unknown unit 'xx': use one of mg, mcg"),
        ("40 mgs please", "unknown unit 'mgs please'"),
        ("1e3 mg", "cannot read the number in '1e3 mg'"),
        ("2.5.1 mg", "cannot read the number '2.5.1' in '2.5.1 mg'"),
        ("2,5 mg", "did you mean 2.5 or 25?"),
        ("1,234 mg", "did you mean 1.234 or 1234?"),
    ],
    ids=[
        "empty",
        "letters",
        "unit-only",
        "negative",
        "nan",
        "inf",
        "arabic-digits",
        "unknown-unit",
        "unit-with-words",
        "exponent",
        "two-points",
        "decimal-comma",
        "thousands-comma",
    ],
)
def test_parse_amount_rejects_with_a_specific_message(text, message):
    with pytest.raises(ValidationError) as caught:
        parse_amount(text)
    assert message in caught.value.message
    assert caught.value.field == "dose"
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("40 mg", None, Quantity(Decimal(40), "mg")),
        ("40", "mg", Quantity(Decimal(40), "mg")),
        ("100", "mcg", Quantity(Decimal(100), "mcg")),
        ("5000 units", "mg", Quantity(Decimal(5000), "units")),  # an explicit unit wins over the default
    ],
    ids=["with-unit", "default-mg", "default-mcg", "explicit-beats-default"],
)
def test_parse_quantity(text, default, expected):
    assert parse_quantity(text, default) == expected


def test_parse_quantity_without_unit_or_default_asks_for_a_unit():
    with pytest.raises(ValidationError, match=r"the amount '40' has no unit: write it like '40 mg'"):
        parse_quantity("40")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal(0), "an amount must be a number above zero, not 0"),
        (Decimal(-5), "an amount must be a number above zero, not -5"),
        (Decimal("NaN"), "an amount must be a number above zero"),
        (Decimal("Infinity"), "an amount must be a number above zero"),
        (Decimal(2_000_000), "2000000 mg is too large to be a dose"),
    ],
    ids=["zero", "negative", "nan", "infinity", "too-large"],
)
def test_quantity_rejects_impossible_values(value, message):
    with pytest.raises(ValidationError, match=message):
        Quantity(value, "mg")


def test_quantity_rejects_a_non_canonical_unit():
    with pytest.raises(ValidationError, match="unknown unit 'milligrams'"):
        Quantity(Decimal(1), "milligrams")


@pytest.mark.parametrize(
    ("quantity", "unit", "expected"),
    [
        (Quantity(Decimal("0.1"), "mg"), "mcg", Quantity(Decimal(100), "mcg")),
        (Quantity(Decimal(100), "mcg"), "mg", Quantity(Decimal("0.1"), "mg")),
        (Quantity(Decimal("0.4"), "g"), "mg", Quantity(Decimal(400), "mg")),
        (Quantity(Decimal(81), "mg"), "mg", Quantity(Decimal(81), "mg")),
    ],
    ids=["mg-to-mcg", "mcg-to-mg", "g-to-mg", "same-unit"],
)
def test_mass_conversions_are_exact(quantity, unit, expected):
    converted = quantity.to(unit)
    assert converted == expected
    assert str(converted) == str(expected)


@pytest.mark.parametrize(
    ("quantity", "unit"),
    [
        (Quantity(Decimal(40), "mg"), "IU"),
        (Quantity(Decimal(5000), "IU"), "units"),
        (Quantity(Decimal(5000), "units"), "IU"),
        (Quantity(Decimal(1), "mL"), "mg"),
        (Quantity(Decimal(1), "tablet"), "mg"),
    ],
    ids=["mg-to-IU", "IU-to-units", "units-to-IU", "mL-to-mg", "tablet-to-mg"],
)
def test_no_conversion_across_unit_families(quantity, unit):
    with pytest.raises(ValidationError, match=f"{quantity} cannot be written in {unit}"):
        quantity.to(unit)


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("40.0"), "40"), (Decimal("0.50"), "0.5"), (Decimal("2500"), "2500"), (Decimal("1E+3"), "1000")],
    ids=["trailing-zero", "fraction", "thousands", "exponent-form"],
)
def test_format_number_has_no_exponent_or_trailing_zeros(value, text):
    assert format_number(value) == text


def test_normalise_unit_error_lists_every_known_unit():
    with pytest.raises(ValidationError) as caught:
        normalise_unit("furlongs")
    for unit in UNIT_FAMILY:
        assert unit in caught.value.message
