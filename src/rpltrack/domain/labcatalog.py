"""The lab catalog (clinical-reference §12, §13) and parsers for lab values, reference ranges and dates."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from fractions import Fraction

from rpltrack.domain.betas import Op
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labs import (
    QUALITATIVE_WORDS,
    LabKind,
    LabTest,
    LabUnit,
    LabValue,
    ReferenceRange,
    canonical,
)
from rpltrack.domain.labtests import TESTS
from rpltrack.domain.labtests import lab_test as _test
from rpltrack.domain.quantities import AmbiguousNumber, quoted, read_number

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date

MAX_TEXT = 200  # free-text results (karyotype, blood group)
MAX_NAME = 80  # a test name (LabResult.test)
MAX_UNIT = 30  # a unit she writes for a lab of her own

# The table lives in labtests.py; sessions (which are not lab results) are kept here.
_CATALOG: tuple[LabTest, ...] = (
    *TESTS,
    # Treatment sessions (§11)
    _test(
        "lit",
        "Lymphocyte immunotherapy (LIT)",
        LabKind.SESSION,
        "treatment",
        (
            "LIT",
            "lymphocyte immunotherapy",
            "lymphocyte immunization therapy",
            "lymphocyte immunisation therapy",
            "paternal lymphocyte immunization",
            "paternal lymphocyte immunisation",
            "PLIT",
        ),
        note=(
            "A LIT session is a treatment session, not a lab result: record it on the Treatments screen "
            "(key 0) or with rpltrack session add lit. Guidelines (ESHRE 2017; Cochrane 2014) do not "
            "recommend LIT [S2] [S34]."
        ),
    ),
)

LABS: dict[str, LabTest] = {test.key: test for test in _CATALOG}

_NAME_DROP = str.maketrans(
    {" ": None, "-": None, "_": None, ".": None, "'": None, "\N{RIGHT SINGLE QUOTATION MARK}": None, "β": "b"}
)


def _name_key(name: str) -> str:
    """A test name compared forgivingly: case, spaces, hyphens, underscores, dots and β vs b ignored."""
    return name.casefold().translate(_NAME_DROP)


def _build_index() -> dict[str, LabTest]:
    index: dict[str, LabTest] = {}
    for test in _CATALOG:
        for name in (test.key, test.name, *test.aliases):
            key = _name_key(name)
            other = index.setdefault(key, test)
            if other is not test:
                raise ValueError(f"lab catalog: {name!r} names both {other.key} and {test.key}")
    return index


_INDEX = _build_index()


def by_key(key: str) -> LabTest:
    """The catalog test stored under `key` ("tsh", "acl-igg"); KeyError for any other key."""
    return LABS[key]


def lookup(name: str) -> LabTest | None:
    """The catalog test called `name` (its key, name or an alias, forgiving case and separators), or None."""
    return _INDEX.get(_name_key(name or ""))


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf") for char in text)


def resolve(name: str) -> LabTest:
    """A catalog test, or for any other name a lab of her own that takes any number, unit, word or text."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationError(
            "a lab result needs the name of the test, such as TSH or progesterone", field="test"
        )
    if _has_control(cleaned):
        raise ValidationError(
            f"the test name {cleaned!r} contains a control character: type the name on one line", field="test"
        )
    if len(cleaned) > MAX_NAME:
        raise ValidationError(
            f"a test name can be at most {MAX_NAME} characters ({len(cleaned)} were entered)", field="test"
        )
    found = lookup(cleaned)
    if found is not None:
        return found
    return LabTest(
        key=cleaned,
        name=cleaned,
        kind=LabKind.QUANTITATIVE,
        words=QUALITATIVE_WORDS,
        group="other",
        custom=True,
    )


def split_result(name: str) -> tuple[LabTest, str] | None:
    """A catalog test named with its result after it, as a report prints it ('Factor V Leiden negative',
    'MTHFR C677T heterozygous'): the test and the result words as typed. Only a test whose result is a word
    (a genotype, lupus anticoagulant, ...) splits so, and only into a word that test takes; None otherwise,
    and for a name that is a test by itself."""
    words = " ".join((name or "").split()).split(" ")
    if len(words) < 2 or lookup(" ".join(words)) is not None:
        return None
    for cut in range(len(words) - 1, 0, -1):  # the longest name first: 'MTHFR C677T' before 'MTHFR'
        test = lookup(" ".join(words[:cut]))
        if test is not None and test.kind is LabKind.QUALITATIVE:
            said = " ".join(words[cut:])
            return (test, said) if known_word(test, said) is not None else None
    return None


def _named_with_words(name: str) -> LabTest | None:
    """The qualitative catalog test a name starts with when more words follow it ('prothrombin time')."""
    words = " ".join((name or "").split()).split(" ")
    for cut in range(len(words) - 1, 0, -1):
        test = lookup(" ".join(words[:cut]))
        if test is not None and test.kind is LabKind.QUALITATIVE:
            return test
    return None


def resolve_entry(name: str, value: str = "") -> tuple[LabTest, str]:
    """The test she named and the result text to read: `value` when she gave one apart; otherwise, for a
    name that holds its result ('prothrombin G20210A not detected'), the test and those result words.

    A name that starts with a genotype's (or other word-result test's) name, with words after it that are not
    a result that test takes and no value apart, is refused with the words it takes: it is more likely a
    misspelt result than a test of her own."""
    test = resolve(name)
    if not test.custom:
        return test, value
    found = split_result(test.name)
    if found is not None:
        if value.strip():
            raise ValidationError(
                f"{test.name!r} already holds the result of {found[0].name} ({found[1]}), and "
                f"{value.strip()!r} was given too: give the result once",
                field="value",
            )
        return found
    if not value.strip():
        named = _named_with_words(test.name)
        if named is not None:
            raise ValidationError(
                f"cannot read {test.name!r} as {named.name} and its result: write one of "
                f"{_or_list(named.words)}{_synonyms_text(named)} after the test's name; for a test of your "
                "own, give its result after the name",
                field="test",
            )
    return test, value


def qualitative_words(test: LabTest) -> tuple[str, ...]:
    """The words a result of `test` may be (for the TUI's choices); empty when it takes none."""
    return test.words


# --- units -------------------------------------------------------------------------------------------------

_UNIT_FOLD = str.maketrans({"μ": "µ", "\N{MULTIPLICATION SIGN}": "x", "⁹": "^9", "³": "^3", " ": None})


def _unit_key(text: str) -> str:
    """A unit compared forgivingly: case, spaces, micro sign vs Greek mu, multiplication sign vs x ignored."""
    return text.strip().translate(_UNIT_FOLD).casefold()


def find_unit(test: LabTest, text: str) -> LabUnit | None:
    """The unit of `test` written as `text` (its stored name or another spelling of it), or None."""
    key = _unit_key(text)
    for unit in test.units:
        if key in {_unit_key(spelling) for spelling in (unit.name, *unit.spellings)}:
            return unit
    return None


def _or_list(items: tuple[str, ...] | list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def unit_choices(test: LabTest) -> str:
    """The units `test` takes, each with its first spellings, in words: 'mIU/L, µIU/mL, uIU/mL or mU/L'."""
    return _or_list([spelling for unit in test.units for spelling in (unit.name, *unit.spellings[:3])])


def _default_unit(test: LabTest) -> LabUnit | None:
    """The unit a bare number is in: the canonical one, or None when she must say (no conversion)."""
    if len(test.units) == 1 or (test.units and test.units[0].factor is not None):
        return test.units[0]
    return None


# --- numbers -----------------------------------------------------------------------------------------------

_OPS: dict[str, Op] = {
    "<": Op.LT,
    "<=": Op.LE,
    "=<": Op.LE,
    "≤": Op.LE,
    ">": Op.GT,
    ">=": Op.GE,
    "=>": Op.GE,
    "≥": Op.GE,
}
_DASHES = "\N{EN DASH}\N{EM DASH}\N{MINUS SIGN}"  # typed or pasted for - in a range or a sign
_OP_RE = re.compile(r"(<=|>=|=<|=>|≤|≥|<|>)\s*")
_NUMBER_TOKEN_RE = re.compile(r"[0-9.,]+")
_SPLIT_NUMBER_RE = re.compile(r"[0-9]+(?:[\s.,]|$)")  # "150 000": digits after a space, not "10^9/L"
_EXPONENT_RE = re.compile(r"[eE][+-]?[0-9]")
_NEGATIVE_RE = re.compile(rf"[-{_DASHES}]\s*[0-9.]")
_NOT_NUMBERS = frozenset({"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
_EXAMPLE = "a number such as 2.5, or a lab notation such as <0.01"


def _to_decimal(token: str, seen: str, field: str = "value") -> Decimal:
    """`token` read by the one number grammar (quantities.read_number): '2.5', '150,000', '0,5'; '2,5' (2.5
    or 25?) is refused with both readings."""
    return read_number(token, field=field, seen=seen)


def _read_number(seen: str) -> tuple[Op, Decimal, str] | None:
    """(op, number, unit text after it) when `seen` starts with a number or a lab sign, else None."""
    match = _OP_RE.match(seen)
    rest = seen[match.end() :] if match else seen
    if not rest[:1] or rest[0] not in "0123456789.":
        if match:
            raise ValidationError(
                f"cannot read {seen!r}: a lab notation is a sign and a number, such as <0.01 or >100",
                field="value",
            )
        return None
    token_match = _NUMBER_TOKEN_RE.match(rest)
    token = token_match.group() if token_match else ""
    trailing = rest[len(token) :].strip()
    if _EXPONENT_RE.match(trailing):
        raise ValidationError(
            f"cannot read {seen!r}: write the number in full, such as 1000 rather than 1e3", field="value"
        )
    if _SPLIT_NUMBER_RE.match(trailing):
        raise ValidationError(
            f"cannot read the number in {seen!r}: write one number without spaces inside, such as 150000",
            field="value",
        )
    number = _to_decimal(token, seen)
    op = _OPS[match.group(1)] if match else Op.EQ
    return op, number, trailing


def _check_not_negative_or_nan(seen: str) -> None:
    sign = _OP_RE.match(seen)
    after_sign = seen[sign.end() :] if sign else seen
    if _NEGATIVE_RE.match(after_sign):
        raise ValidationError(
            f"a lab result cannot be negative ({seen!r}): write the number printed on the report, "
            "such as 2.5",
            field="value",
        )
    if after_sign.replace(" ", "").casefold() in _NOT_NUMBERS:
        raise ValidationError(
            f"{seen!r} is not a lab result: write the number printed on the report, such as 2.5",
            field="value",
        )


def _word(text: str) -> str:
    """A qualitative word compared forgivingly: 'Not-Detected' -> 'not detected'."""
    return " ".join(text.casefold().replace("-", " ").replace("_", " ").split())


def _check_text(test: LabTest, text: str) -> None:
    if _has_control(text):
        raise ValidationError(
            f"the result for {test.name} contains a control character (such as a tab or line break): "
            "type it on one line",
            field="value",
        )
    if len(text) > MAX_TEXT:
        raise ValidationError(
            f"the result for {test.name} can be at most {MAX_TEXT} characters ({len(text)} were entered)",
            field="value",
        )


def _no_unit_for_words(test: LabTest, unit: str) -> None:
    if unit:
        raise ValidationError(
            f"{unit!r} was given as a unit, but this {test.name} result has no unit: leave the unit out",
            field="unit",
        )


def parse_lab_value(test: LabTest, text: str, unit: str | None = None) -> LabValue:
    """What she typed for `test` as a LabValue: a number and unit, a lab notation, a word or text (§13)."""
    seen = (text or "").strip()
    unit_given = (unit or "").strip()
    if test.kind is LabKind.SESSION:
        # The catalog still knows LIT by name, only to point to where sessions are recorded now.
        raise ValidationError(code="lab.is_a_session", field="test", values={"name": test.name})
    if not seen:
        raise ValidationError(f"enter the result for {test.name}: {_how_to_write(test)}", field="value")
    _check_not_negative_or_nan(seen)
    if test.kind is LabKind.TEXT:
        _no_unit_for_words(test, unit_given)
        _check_text(test, seen)
        word = _word(seen)
        return LabValue(text=word if word in test.words else seen, raw=seen)
    if test.kind is LabKind.QUALITATIVE:
        return _parse_word(test, seen, unit_given)
    if test.custom:
        return _parse_custom(test, seen, unit_given)
    number = _read_number(seen)
    if number is None:
        return _parse_word(test, seen, unit_given)
    op, value, trailing = number
    stored = _stored_unit(test, value, trailing, unit_given)
    return LabValue(op=op, number=value, unit=stored, raw=_raw(seen, trailing, unit_given))


def _raw(seen: str, trailing: str, unit_given: str) -> str:
    """What she typed: the value, and the unit given apart when the value did not carry one."""
    return f"{seen} {unit_given}" if unit_given and not trailing else seen


def _how_to_write(test: LabTest) -> str:
    if test.kind is LabKind.QUALITATIVE:
        return f"one of {_or_list(test.words)}{_synonyms_text(test)}"
    if test.kind is LabKind.TEXT:
        return "the result as printed on the report"
    if test.words:
        return f"{_EXAMPLE}, or one of {_or_list(test.words)}"
    return _EXAMPLE


def _synonyms_text(test: LabTest) -> str:
    """'; as reports print it, negative, wild type or normal is read as not detected, ...' (or '')."""
    if not test.synonyms:
        return ""
    readings = [
        f"{_or_list([said for said, meant in test.synonyms if meant == word])} as {word}"
        for word in test.words
        if any(meant == word for _, meant in test.synonyms)
    ]
    return f" (rpltrack also reads {'; '.join(readings)})"


def known_word(test: LabTest, text: str) -> str | None:
    """The closed word (§13) that `text` means for `test` ('Negative' -> 'not detected' for a genotype), or
    None when it is none of the test's words."""
    word = _word(text)
    word = dict(test.synonyms).get(word, word)
    return word if word in test.words else None


def _parse_word(test: LabTest, seen: str, unit_given: str) -> LabValue:
    word = known_word(test, seen)
    if word is None:
        if test.kind is not LabKind.QUALITATIVE:
            message = f"cannot read the result {seen!r} for {test.name}: write {_how_to_write(test)}"
        elif seen[0] in "0123456789.<>≤≥":
            message = (
                f"{test.name} is recorded as a word, not a number ({seen!r} was entered): use "
                f"{_how_to_write(test)}"
            )
        else:
            message = f"{seen!r} is not a result rpltrack knows for {test.name}: use {_how_to_write(test)}"
        raise ValidationError(message, field="value")
    _no_unit_for_words(test, unit_given)
    return LabValue(text=word, raw=seen)


def _stored_unit(test: LabTest, value: Decimal, trailing: str, unit_given: str) -> str:
    """The unit name stored: another spelling of a unit is stored under its name; unknown units refused."""
    if trailing and unit_given:
        first, second = find_unit(test, trailing), find_unit(test, unit_given)
        if first is None or first != second:
            raise ValidationError(
                f"two units were given for {test.name} ({trailing} and {unit_given}): give the unit once, "
                "after the number or in the unit field",
                field="unit",
            )
    written = trailing or unit_given
    if not written:
        default = _default_unit(test)
        if default is None:
            raise ValidationError(
                f"{test.name} is reported in {unit_choices(test)}, which rpltrack does not convert: "
                f"add the unit printed on the report, such as {value} {test.units[0].name}",
                field="unit",
            )
        return default.name
    found = find_unit(test, written)
    if found is None:
        raise ValidationError(
            f"unknown unit for {test.name}: {written} (rpltrack takes {unit_choices(test)}; "
            "check the unit printed on the report)",
            field="unit",
        )
    return found.name


def _parse_custom(test: LabTest, seen: str, unit_given: str) -> LabValue:
    """A lab of her own: a number with any unit as written, a qualitative word, or free text."""
    try:
        number = _read_number(seen)
    except AmbiguousNumber:
        raise  # '4,9' is a number read two ways, never text
    except ValidationError:
        number = None  # not a clean number ("46,XX", "2.5.1"): kept as text below
    if number is None:
        _no_unit_for_words(test, unit_given)
        _check_text(test, seen)
        word = _word(seen)
        return LabValue(text=word if word in test.words else seen, raw=seen)
    if number[2] and unit_given and _unit_key(number[2]) != _unit_key(unit_given):
        raise ValidationError(
            f"two units were given for {test.name} ({number[2]} and {unit_given}): give the unit once, "
            "after the number or in the unit field",
            field="unit",
        )
    op, value, trailing = number
    written = " ".join((trailing or unit_given).split())
    if written:
        if _has_control(written):
            raise ValidationError(f"the unit {written!r} contains a control character", field="unit")
        if len(written) > MAX_UNIT:
            raise ValidationError(
                f"a unit can be at most {MAX_UNIT} characters ({len(written)} were entered)", field="unit"
            )
    return LabValue(op=op, number=value, unit=written or None, raw=_raw(seen, trailing, unit_given))


# --- ranges, plausibility, dates ---------------------------------------------------------------------------

_RANGE_RE = re.compile(rf"([0-9][0-9.,]*)\s*(?:[-{_DASHES}]|to)\s*([0-9][0-9.,]*)\s*(.*)", re.IGNORECASE)
_BOUND_RE = re.compile(r"(<=|>=|=<|=>|≤|≥|<|>)\s*([0-9][0-9.,]*)\s*(.*)")


def parse_range(text: str, unit: str | None = None, test: LabTest | None = None) -> ReferenceRange:
    """The range printed on the report ('0.4-4.0', '<34', '>=30'), in the result's `unit` when one is given.

    A unit written after the range must be the result's unit (ranges are not converted).
    """
    seen = (text or "").strip()
    how = "write it as printed on the report, such as 0.4-4.0, <34 or >30"
    if not seen:
        raise ValidationError(f"the reference range is empty: {how}", field="range")
    low: Decimal | None = None
    high: Decimal | None = None
    try:
        if match := _RANGE_RE.fullmatch(seen):
            low, high = _to_decimal(match.group(1), seen), _to_decimal(match.group(2), seen)
            trailing = match.group(3).strip()
        elif match := _BOUND_RE.fullmatch(seen):
            bound = _to_decimal(match.group(2), seen)
            if _OPS[match.group(1)] in (Op.LT, Op.LE):
                high = bound
            else:
                low = bound
            trailing = match.group(3).strip()
        else:
            raise ValidationError(f"cannot read the range {seen!r}: {how}", field="range")
    except AmbiguousNumber as error:
        raise AmbiguousNumber(
            f"in the range {quoted(seen)}, {error.message}", readings=error.readings, field="range"
        ) from None
    except ValidationError as error:
        if error.field == "range":
            raise
        raise ValidationError(f"cannot read the range {quoted(seen)}: {how}", field="range") from None
    if _EXPONENT_RE.match(trailing):
        raise ValidationError(
            f"cannot read the range {quoted(seen)}: write its numbers in full, like 1000 rather than 1e3",
            field="range",
        )
    if trailing:
        _check_range_unit(seen, trailing, unit, test)
    return ReferenceRange(low=low, high=high, raw=seen)


def _check_range_unit(seen: str, trailing: str, unit: str | None, test: LabTest | None) -> None:
    """A unit after the range must be one the test takes, and the result's own unit when that is known."""
    if not (trailing[0].isalpha() or trailing[0] in "%/µμ\N{MULTIPLICATION SIGN}"):
        raise ValidationError(
            f"cannot read the range {seen!r}: write it as printed on the report, such as 0.4-4.0, <34 or >30",
            field="range",
        )
    if test is not None and test.units:
        found = find_unit(test, trailing)
        if found is None:
            raise ValidationError(
                f"unknown unit for {test.name} in the range {seen!r}: {trailing} "
                f"(rpltrack takes {unit_choices(test)})",
                field="range",
            )
        same = unit is None or found == find_unit(test, unit)
    else:
        same = unit is None or _unit_key(trailing) == _unit_key(unit)
    if not same:
        raise ValidationError(
            f"the range {seen!r} is in {trailing} but the result is in {unit}: "
            "enter the range in the same unit as the result",
            field="range",
        )


def is_unusual(test: LabTest, value: LabValue) -> bool:
    """True when the number, in the canonical unit, is above the test's typo guard (ask before storing)."""
    if test.unusual_above is None or value.number is None or value.unit is None:
        return False
    if value.unit == test.canonical_unit:
        in_canonical: Fraction | None = Fraction(value.number)
    else:
        in_canonical = canonical(test, value)
    return in_canonical is not None and in_canonical > Fraction(test.unusual_above)


def check_taken_on(day: date, today: date) -> None:
    """A result is recorded on or after the day it was drawn: a later date is a ValidationError."""
    if day > today:
        raise ValidationError(
            f"the date {day.isoformat()} is in the future: "
            "a result is recorded on or after the day it was drawn",
            field="date",
        )
