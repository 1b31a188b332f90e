"""Lab results: values with units, censored notations (<0.01), qualitative words, printed reference ranges,
and exact unit conversions between the equivalents of clinical-reference §13.

A value is kept as she entered it (number, unit, raw text). Units that are the same quantity under another
spelling (µIU/mL = mIU/L) are stored under the canonical spelling; units with a real factor (nmol/L for
progesterone) are stored as entered, and a threshold is converted into them exactly (`Fraction`) before
comparing (§0: convert the threshold, compare the entered value unrounded).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from rpltrack.domain.betas import Op
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import field, record
from rpltrack.domain.words import quoted, text_change

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


class LabKind(StrEnum):
    QUANTITATIVE = "quantitative"  # a number with a unit (maybe also a word: TPO-Ab "positive")
    QUALITATIVE = "qualitative"  # a word from a closed list (LA "positive", FVL "heterozygous")
    TEXT = "text"  # free text the lab printed (karyotype "46,XX", blood group "O Rh+")
    SESSION = "session"  # a treatment session with no value (lymphocyte immunotherapy)


# §13: the closed list of qualitative results. Never mapped to numbers.
QUALITATIVE_WORDS: tuple[str, ...] = (
    "positive",
    "negative",
    "weakly positive",
    "equivocal",
    "indeterminate",
    "detected",
    "not detected",
    "heterozygous",
    "homozygous",
    "compound heterozygous",
)
POSITIVE_WORDS = frozenset({"positive", "weakly positive", "detected"})


@record(frozen=True)
class LabUnit:
    """One accepted unit of an analyte: value_in_this_unit = canonical * factor + offset (exact).

    `factor` None: the unit is accepted and stored as entered, but §13 gives no conversion (free T4 in
    ng/dL vs pmol/L), so it is compared only with a range printed in the same unit.
    """

    name: str  # the spelling stored and shown, e.g. "nmol/L"
    factor: Fraction | None = Fraction(1)
    offset: Fraction = Fraction(0)
    spellings: tuple[str, ...] = ()  # other ways to write it (compared case-folded, spaces removed)

    def from_canonical(self, value: Fraction) -> Fraction:
        if self.factor is None:
            raise KeyError(self.name)
        return value * self.factor + self.offset

    def to_canonical(self, value: Fraction) -> Fraction:
        if self.factor is None:
            raise KeyError(self.name)
        return (value - self.offset) / self.factor


@record(frozen=True)
class LabTest:
    """A lab in the catalog (or one she names herself: `custom`)."""

    key: str  # stable id stored in the journal, e.g. "tsh", "acl-igg"
    name: str  # shown, e.g. "TSH"
    kind: LabKind
    units: tuple[LabUnit, ...] = ()  # first = canonical; empty = no numeric value
    words: tuple[str, ...] = ()  # qualitative words accepted (subset of QUALITATIVE_WORDS)
    aliases: tuple[str, ...] = ()
    group: str = ""  # "thyroid", "antiphospholipid", "clotting", ... (for grouping on screen)
    # Typo guard, not a clinical number [app convention]: a value above this (canonical unit) asks
    # "unusual — check the number and unit" before it is stored, and is stored marked as confirmed.
    unusual_above: Decimal | None = None
    note: str = ""  # shown with the result, e.g. the LA anticoagulant caveat
    asks_anticoagulant: bool = False  # "on an anticoagulant at the time" matters (LA: §2c, [S39])
    custom: bool = False
    # Other words reports print for one of `words` ("negative" for a genotype's "not detected"): read as it.
    synonyms: tuple[tuple[str, str], ...] = ()

    @property
    def canonical_unit(self) -> str | None:
        return self.units[0].name if self.units else None

    def unit(self, name: str) -> LabUnit:
        for unit in self.units:
            if unit.name == name:
                return unit
        raise KeyError(name)


@record(frozen=True)
class LabValue:
    """A result as the lab printed it: a number (maybe censored, `<0.01`) with its unit, or a word/text."""

    op: Op = Op.EQ
    number: Decimal | None = None
    unit: str | None = None  # the stored spelling (canonical for x1 equivalents), None for words/text
    text: str = ""  # the qualitative word or free text, "" for numbers
    raw: str = ""  # exactly what she typed, unit included

    def __post_init__(self) -> None:
        if self.number is not None:
            if not self.number.is_finite() or self.number < 0:
                raise ValidationError(
                    f"a lab value cannot be {self.number}: it is zero or more", field="value"
                )
        elif self.op is not Op.EQ:
            raise ValueError("a censored value needs a number")

    @property
    def numeric(self) -> bool:
        return self.number is not None

    @property
    def exact(self) -> bool:
        return self.number is not None and self.op is Op.EQ

    @property
    def positive_word(self) -> bool:
        return self.text.casefold() in POSITIVE_WORDS

    def __str__(self) -> str:
        if self.number is None:
            return self.text
        number = f"{self.number.normalize():f}"
        prefix = "" if self.op is Op.EQ else self.op.value
        return f"{prefix}{number} {self.unit}" if self.unit else f"{prefix}{number}"


@record(frozen=True)
class ReferenceRange:
    """The reference range printed on the report, in the result's unit: `0.4-4.0`, `<34`, `>30`."""

    low: Decimal | None = None
    high: Decimal | None = None
    raw: str = ""

    def __post_init__(self) -> None:
        if self.low is None and self.high is None:
            raise ValidationError("a reference range needs a low or a high end, like 0.4-4.0", field="range")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValidationError(
                f"the range {self.raw or f'{self.low}-{self.high}'} has its low end above its high end",
                field="range",
            )

    def __str__(self) -> str:
        if self.raw:
            return self.raw
        if self.low is not None and self.high is not None:
            return f"{self.low}-{self.high}"
        return f"<{self.high}" if self.high is not None else f">{self.low}"


@record(frozen=True)
class LabResult:
    """One lab result. `test` is a catalog key, or her own name for a lab the catalog does not know."""

    test: str
    on: date  # the day of the draw (or of the session)
    value: LabValue = field(default_factory=LabValue)
    reference: ReferenceRange | None = None
    on_anticoagulant: bool = False
    note: str = ""
    confirmed_unusual: bool = False
    lab: str = ""  # which laboratory, if she says
    id: int | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.test.strip():
            raise ValidationError("a lab result needs the name of the test", field="test")
        if len(self.test) > 80:
            raise ValidationError("a test name can be at most 80 characters", field="test")
        if len(self.note) > 2000:
            raise ValidationError("a note can be at most 2000 characters", field="note")
        if len(self.lab) > 120:
            raise ValidationError("a laboratory's name can be at most 120 characters", field="lab")


def in_unit(test: LabTest, canonical_value: Fraction | Decimal | int, unit: str) -> Fraction:
    """A canonical-unit number (a threshold) in `unit`, exactly. Raises KeyError for a unit the test lacks."""
    return test.unit(unit).from_canonical(Fraction(canonical_value))


def canonical(test: LabTest, value: LabValue) -> Fraction | None:
    """The value's number in the test's canonical unit (exact), or None for words and unitless values."""
    if value.number is None or value.unit is None or not test.units:
        return None
    try:
        return test.unit(value.unit).to_canonical(Fraction(value.number))
    except KeyError:
        return None


def compare_to_threshold(test: LabTest, value: LabValue, threshold: Fraction | Decimal | int) -> int | None:
    """-1 below, 0 equal, +1 above a canonical-unit threshold, compared in the unit she entered (§0).

    None when the value cannot be judged: a word, a unit with no conversion, or a censored value whose bound
    does not decide (`<5` against 3). A censored bound decides when the whole interval is on one side:
    `<0.01` is below 2.5; `>100` is above 2.5; `<=2.5` is neither strictly above nor known to be below.
    """
    if value.number is None or value.unit is None:
        return None
    try:
        limit = in_unit(test, threshold, value.unit)
    except KeyError:
        return None
    number = Fraction(value.number)
    if value.op is Op.EQ:
        return (number > limit) - (number < limit)
    if value.op is Op.LT and number <= limit:
        return -1
    if value.op is Op.LE and number < limit:
        return -1
    if value.op is Op.GT and number >= limit:
        return 1
    if value.op is Op.GE and number > limit:
        return 1
    return None


def format_fraction(value: Fraction, places: int = 2) -> str:
    """A converted number for display: up to `places` decimals, trailing zeros dropped (49.92, 31.8, 2.5)."""
    text = f"{float(value):.{places}f}".rstrip("0").rstrip(".")
    return text or "0"


# The fields of a result that a correction may change (the rest is the record's own bookkeeping).
EDITABLE_LAB_FIELDS = frozenset(
    {"test", "on", "value", "reference", "on_anticoagulant", "note", "confirmed_unusual", "lab"}
)


def same_result(first: LabResult, second: LabResult) -> bool:
    """The same test, day and value (2.10 is 2.1; the unit and a censoring sign count): a duplicate."""
    a, b = first.value, second.value
    return (
        first.test == second.test
        and first.on == second.on
        and (a.op, a.number, a.unit, a.text.casefold()) == (b.op, b.number, b.unit, b.text.casefold())
    )


def day_words(day: date) -> str:
    """'3 Dec 2026': a day as she reads it in the change log."""
    return f"{day.day} {day:%b %Y}"


def value_words(value: LabValue) -> str:
    """The result as shown ('2.1 mIU/L', '<0.01 mIU/L', 'positive'), or 'a session' when it has no value. A
    word read from another ('negative' for a genotype's 'not detected') shows hers beside it:
    'not detected (entered as "negative")'."""
    shown = str(value) or "a session"
    said = " ".join(value.raw.split())
    if value.number is None and value.text and said and _folded(said) != _folded(value.text):
        return f"{shown} (entered as {quoted(said)})"
    return shown


def _folded(word: str) -> str:
    return " ".join(word.casefold().replace("-", " ").replace("_", " ").split())


def lab_differences(old: LabResult, new: LabResult, name_of: Callable[[str], str]) -> list[str]:
    """What a correction changed, in words ('the value from 2.1 mIU/L to 3.4 mIU/L'); `name_of` turns a
    test key into the name she knows it by. Empty when nothing changed."""
    words: list[str] = []
    if old.test != new.test:
        words.append(f"the test from {name_of(old.test)} to {name_of(new.test)}")
    if value_words(old.value) != value_words(new.value):
        words.append(f"the value from {value_words(old.value)} to {value_words(new.value)}")
    elif old.value.raw != new.value.raw:
        words.append(f"the value as written from {quoted(old.value.raw)} to {quoted(new.value.raw)}")
    if old.on != new.on:
        words.append(f"the date from {day_words(old.on)} to {day_words(new.on)}")
    if old.reference != new.reference:
        if old.reference is None:
            words.append(f"the reference range set to {new.reference}")
        elif new.reference is None:
            words.append(f"the reference range {old.reference} removed")
        else:
            words.append(f"the reference range from {old.reference} to {new.reference}")
    if old.on_anticoagulant != new.on_anticoagulant:
        words.append(
            "marked as drawn on an anticoagulant"
            if new.on_anticoagulant
            else "no longer marked as drawn on an anticoagulant"
        )
    for what, before, after in (("the note", old.note, new.note), ("the laboratory", old.lab, new.lab)):
        if before != after:
            words.append(text_change(what, before, after))
    if old.confirmed_unusual != new.confirmed_unusual and old.value == new.value:
        words.append("the value marked as checked" if new.confirmed_unusual else "the check mark removed")
    return words
