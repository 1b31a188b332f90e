"""One number grammar (issue #14): the same text means the same number for a dose, a beta, a lab value, a
reference range and a numeric setting; a comma that reads two ways is refused with both readings; nothing
that is not a plain number (exponents, NaN, infinities, absurd magnitudes, a sign) is ever read as one."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rpltrack.domain.betas import parse_hcg
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labcatalog import parse_lab_value, parse_range, resolve
from rpltrack.domain.quantities import (
    MAX_DECIMALS,
    MAX_SIGNIFICANT_DIGITS,
    AmbiguousNumber,
    format_number,
    parse_amount,
    parse_quantity,
    read_number,
)
from rpltrack.domain.settings import parse_number

TSH = resolve("TSH")
OWN_LAB = resolve("my clinic's marker")

# Every parser that reads a number from what she types, reduced to the number it read.
PARSERS: dict[str, Callable[[str], Decimal]] = {
    "dose": lambda text: parse_amount(f"{text} mg")[0],
    "beta": lambda text: parse_hcg(text).value,
    "lab": lambda text: _number(parse_lab_value(TSH, text).number),
    "own-lab": lambda text: _own_lab(text),
    "range": lambda text: _number(parse_range(f"0-{text}").high),
    "setting": lambda text: parse_number(text, "tsh.target", Decimal(-1), Decimal(10) ** 12),
}


def _own_lab(text: str) -> Decimal:
    """A lab of her own takes any unit: the number counts only when all after it is the unit given."""
    value = parse_lab_value(OWN_LAB, f"{text} U/L")
    if value.unit != "U/L":
        raise ValidationError("read with another unit")
    return _number(value.number)


def _number(value: Decimal | None) -> Decimal:
    """The number a parser read; a lab of her own keeps what is not a clean number as text, read as none."""
    if value is None:
        raise ValidationError("kept as text, not read as a number")
    return value


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("4.9", "4.9"),
        ("0.25", "0.25"),
        (".5", "0.5"),
        ("4.", "4"),
        ("10,000", "10000"),
        ("5,000", "5000"),
        ("1,234,567", "1234567"),
        ("1,234.5", "1234.5"),
        ("0,5", "0.5"),
        ("0,025", "0.025"),
        ("1234,5", "1234.5"),
        ("2,5000", "2.5"),
        ("999999999999", "999999999999"),
        ("0.000000000001", "0.000000000001"),
    ],
)
def test_one_reading(text: str, number: str) -> None:
    assert read_number(text) == Decimal(number)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("4,9", "did you mean 4.9 or 49?"),
        ("12,34", "did you mean 12.34 or 1234?"),
        ("1,500", "did you mean 1.500 or 1500?"),
        ("149,999", "did you mean 149.999 or 149999?"),
        ("1,0", "did you mean 1.0 or 10?"),
    ],
)
def test_a_comma_that_reads_two_ways_is_refused_with_both_readings(text: str, question: str) -> None:
    """Issue #14: `beta add 4,9` saved 49 and `lab add TSH 4,9` saved 4.9."""
    with pytest.raises(AmbiguousNumber) as caught:
        read_number(text)
    assert question in caught.value.message
    point, whole = question.removeprefix("did you mean ").removesuffix("?").split(" or ")
    assert caught.value.readings == (Decimal(point), Decimal(whole))


@pytest.mark.parametrize("name", sorted(PARSERS))
@pytest.mark.parametrize("text", ["4,9", "12,34", "1,500"])
def test_every_parser_asks_about_the_same_ambiguous_comma(name: str, text: str) -> None:
    with pytest.raises(AmbiguousNumber):
        PARSERS[name](text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1,23,456", "cannot read the number"),
        ("1.234,5", "cannot read the number"),
        ("1,5.5", "cannot read the number"),
        ("01,5", "cannot read the number"),
        ("1234,000", "cannot read the number"),
        ("2.5.1", "cannot read the number"),
        (".", "cannot read the number"),
        ("4,", "cannot read the number"),
        ("1000000000000", "far too large"),
        ("1234567890123", "far too large"),
        ("1.0000000000001", "more digits than rpltrack keeps"),
        ("0.0000000000001", "more digits than rpltrack keeps"),
        ("1" * 31, "too long"),
    ],
)
def test_what_is_not_one_plain_number_is_refused(text: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as caught:
        read_number(text)
    assert not isinstance(caught.value, AmbiguousNumber)


@pytest.mark.parametrize("name", sorted(PARSERS))
@pytest.mark.parametrize(
    "text",
    ["1e3", "1E+3", "2.5e-2", "NaN", "nan", "inf", "-inf", "Infinity", "-4,9", "-49", "\N{MINUS SIGN}4.9"],
)
def test_no_parser_reads_exponents_nan_infinities_or_a_sign(name: str, text: str) -> None:
    """A negative beta never turns positive (issue #14), and 1e3 is never 1 with a unit 'e3'."""
    with pytest.raises(ValidationError):
        PARSERS[name](text)


@pytest.mark.parametrize("text", ["200000000", "100000000.5"])
def test_a_beta_beyond_the_journal_limit_is_refused_before_it_is_written(text: str) -> None:
    with pytest.raises(ValidationError, match="beyond any lab's range"):
        parse_hcg(text)


def test_a_dose_beyond_the_schema_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="too large to be a dose"):
        parse_quantity("1,000,001 mg")


# Numbers the grammar keeps: at most 12 significant digits, below 10**12, at most 12 decimals.
NUMBERS = st.builds(
    lambda digits, scale: Decimal(digits).scaleb(-scale),
    st.integers(min_value=0, max_value=10**MAX_SIGNIFICANT_DIGITS - 1),
    st.integers(min_value=0, max_value=MAX_DECIMALS),
)


@settings(max_examples=400, deadline=None)
@given(number=NUMBERS)
@example(number=Decimal("4.9"))
@example(number=Decimal("1500"))
@example(number=Decimal("0.000000000001"))
def test_formatting_a_number_and_reading_it_back_gives_the_same_number(number: Decimal) -> None:
    assert read_number(format_number(number)) == number


@settings(max_examples=400, deadline=None)
@given(number=NUMBERS)
@example(number=Decimal("1500"))
@example(number=Decimal("1234567.5"))
def test_a_number_written_with_thousands_separators_is_that_number_or_asked_about(number: Decimal) -> None:
    """`f"{n:,f}"` (1,500 or 1,234,567.5) is read as that number, or refused as ambiguous: never another."""
    text = f"{number.normalize():,f}"
    try:
        read: Decimal | tuple[Decimal, Decimal] = read_number(text)
    except AmbiguousNumber as caught:
        read = caught.readings
    assert read == number or (isinstance(read, tuple) and number in read)


TEXTS = st.one_of(
    st.text(alphabet="0123456789.,", min_size=1, max_size=16),
    st.builds(format_number, NUMBERS),
    st.text(alphabet="0123456789.,-+ \N{MINUS SIGN}", min_size=1, max_size=12),
)


@settings(max_examples=600, deadline=None)
@given(text=TEXTS)
@example(text="4,9")
@example(text="1,500")
@example(text="10,000")
def test_every_parser_reads_the_same_text_as_the_same_number(text: str) -> None:
    """Each parser either refuses the text or reads the number read_number reads: one meaning everywhere.
    (A parser may refuse a number the grammar reads, when it is outside that parser's range.)"""
    try:
        expected: Decimal | None = read_number(text.strip())
    except ValidationError:
        expected = None
    for name, parse in PARSERS.items():
        try:
            got = parse(text)
        except ValidationError:
            continue
        assert expected is not None, f"{name} read {text!r} that the grammar refuses"
        assert got == expected, f"{name} read {text!r} as {got}, the grammar as {expected}"
