"""Amounts with units: parsing, unit families, exact conversions inside a family, and unit-slip hints."""

from __future__ import annotations

import re
from decimal import Decimal

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import record

# Canonical unit -> its family. Conversions happen only inside the "mass" family (exact factors).
UNIT_FAMILY: dict[str, str] = {
    "g": "mass",
    "mg": "mass",
    "mcg": "mass",
    "IU": "IU",
    "units": "units",
    "mL": "volume",
    "tablet": "count",
    "capsule": "count",
    "suppository": "count",
    "applicator": "count",
    "drop": "count",
    "puff": "count",
}

# Micrograms per unit, for the mass family.
_MCG_PER: dict[str, Decimal] = {"g": Decimal(1_000_000), "mg": Decimal(1000), "mcg": Decimal(1)}

_ALIASES: dict[str, str] = {
    "g": "g",
    "gram": "g",
    "grams": "g",
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "mcg": "mcg",
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "iu": "IU",
    "i.u.": "IU",
    "units": "units",
    "unit": "units",
    "u": "units",
    "ml": "mL",
    "cc": "mL",
    "tablet": "tablet",
    "tablets": "tablet",
    "tab": "tablet",
    "tabs": "tablet",
    "pill": "tablet",
    "pills": "tablet",
    "capsule": "capsule",
    "capsules": "capsule",
    "cap": "capsule",
    "caps": "capsule",
    "suppository": "suppository",
    "suppositories": "suppository",
    "pessary": "suppository",
    "pessaries": "suppository",
    "applicator": "applicator",
    "applicators": "applicator",
    "applicatorful": "applicator",
    "drop": "drop",
    "drops": "drop",
    "puff": "puff",
    "puffs": "puff",
}

MAX_AMOUNT = Decimal(1_000_000)


def normalise_unit(text: str) -> str:
    """The canonical spelling of a unit, or a ValidationError listing what is understood."""
    key = text.strip().replace("μ", "µ")
    canonical = _ALIASES.get(key.lower()) or _ALIASES.get(key)
    if canonical is None:
        known = "mg, mcg, g, IU, units, mL, tablet, capsule, suppository, applicator, drop, puff"
        raise ValidationError(f"unknown unit {text.strip()!r}: use one of {known}", field="dose")
    return canonical


@record(frozen=True, order=True)
class Quantity:
    """A positive amount in a canonical unit, e.g. Quantity(Decimal("40"), "mg")."""

    value: Decimal
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNIT_FAMILY:
            raise ValidationError(f"unknown unit {self.unit!r}", field="dose")
        if not self.value.is_finite() or self.value <= 0:
            raise ValidationError(
                f"an amount must be a number above zero, not {self.value}: write it like '40 mg'",
                field="dose",
            )
        if self.value > MAX_AMOUNT:
            raise ValidationError(f"{self.value} {self.unit} is too large to be a dose", field="dose")

    @property
    def family(self) -> str:
        return UNIT_FAMILY[self.unit]

    def to(self, unit: str) -> Quantity:
        """The same amount in `unit` (exact; mass units only), or a ValidationError."""
        if unit == self.unit:
            return self
        if self.family == "mass" and UNIT_FAMILY.get(unit) == "mass":
            value = self.value * _MCG_PER[self.unit] / _MCG_PER[unit]
            return Quantity(value.normalize() if value == value.to_integral() else value, unit)
        raise ValidationError(f"{self} cannot be written in {unit}", field="dose")

    def __str__(self) -> str:
        return f"{format_number(self.value)} {self.unit}"


def format_number(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 40, 0.5, 2500."""
    text = format(value.normalize(), "f")
    return text


def parse_amount(text: str) -> tuple[Decimal, str | None]:
    """'40 mg' -> (40, 'mg'); '0,5 mg' -> (0.5, 'mg'); '1' -> (1, None). The number is read by read_number, so
    '2,5 mg' (2.5 or 25?) is refused with both readings. ValidationError otherwise."""
    seen = (text or "").strip()
    refuse_non_numbers(seen, what="an amount", field="dose")
    found = leading_number(seen, field="dose")
    if found is None:
        raise ValidationError(
            f"cannot read the amount {quoted(seen)}: write a number and a unit, like '40 mg' or '5000 units'",
            field="dose",
        )
    value, unit_text = found
    if any(c.isdigit() for c in unit_text):
        raise ValidationError(
            f"cannot read the number in {quoted(seen)}: write plain digits with at most one decimal point, "
            "like '2.5 mg' or '5000 units'",
            field="dose",
        )
    return value, (normalise_unit(unit_text) if unit_text else None)


def parse_quantity(text: str, default_unit: str | None = None) -> Quantity:
    """Parse '40 mg'; a bare number takes `default_unit` when one is given."""
    value, unit = parse_amount(text)
    if unit is None:
        if default_unit is None:
            raise ValidationError(
                f"the amount {text.strip()!r} has no unit: write it like '40 mg' or '100 mcg'",
                field="dose",
            )
        unit = default_unit
    return Quantity(value, unit)


# --- the number grammar -------------------------------------------------------------------------------------

MAX_SIGNIFICANT_DIGITS = 12
MAX_WHOLE_DIGITS = 12  # a number is below 10**12
MAX_DECIMALS = 12  # digits after the decimal point
MAX_NUMBER_TEXT = 30  # characters of one number as typed, separators included
MINUS_SIGNS = (
    "-\N{MINUS SIGN}\N{EN DASH}\N{EM DASH}\N{HYPHEN}\N{SMALL HYPHEN-MINUS}\N{FULLWIDTH HYPHEN-MINUS}"
)
_LEADING_NUMBER_RE = re.compile(r"([0-9.][0-9.,]*)(.*)", re.DOTALL)
_EXPONENT_RE = re.compile(r"\s*[eE][+-]?[0-9]")
_GROUPED_RE = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+")
_PLAIN_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_NOT_A_NUMBER = frozenset({"nan", "snan", "qnan", "inf", "infinity", "∞"})


class AmbiguousNumber(ValidationError):
    """A number whose comma reads two ways ('4,9': 4.9 or 49); `readings` holds both, decimal first."""

    def __init__(self, message: str, *, readings: tuple[Decimal, Decimal], field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.readings = readings


def quoted(text: str, limit: int = 80) -> str:
    """`text` in quotes for a message, cut to `limit` characters so a refusal never echoes a whole paste."""
    shown = text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return repr(shown)


def read_number(token: str, *, field: str = "value", seen: str | None = None) -> Decimal:
    """The one reading of a number she typed, shared by every parser (doses, betas, labs, ranges, settings).

    `token` is the number alone: ASCII digits with at most one point and any commas (the caller splits off
    a sign such as `<` and a unit). `seen` is the whole input, quoted in messages. The grammar:

    * A point is always the decimal mark: `4.9`, `0.25`, `.5`, `4.`.
    * Commas group thousands when they can mean nothing else: a first group of one to three digits (not
      starting with 0), then groups of exactly three, and either two or more groups (`1,234,567`), a decimal
      point after them (`1,234.5`), or a single group of `000` (`10,000`, `5,000`: a decimal comma is never
      followed by three zeros alone).
    * One comma and no point can be a decimal comma (`4,9` = 4.9) or a digit group (`4,9` = 49, `1,500` =
      1500). It is read as a decimal when the comma cannot group digits: before it a lone `0` (`0,5`) or more
      than three digits (`1234,5`), or more than three digits after it (`2,5000`). When both readings are
      possible (one to three digits on each side, `4,9`, `12,34`, `1,500`) the number is refused with both
      readings (AmbiguousNumber): a silent guess turns 4.9 into 49.
    * Anything else with a comma (`1,23,456`, `1.234,5`, `1,5.5`) is refused.
    * Exponents, NaN and infinities are not written in digits and never reach here (see leading_number);
      a number is below 10**12 with at most 12 significant digits and 12 decimals, and 30 characters.

    A ValidationError (field `field`) says what was wrong and how to write the number.
    """
    shown = quoted(seen if seen is not None else token)
    how = "write it with digits and at most one decimal point, like 2.5 or 5000"
    if len(token) > MAX_NUMBER_TEXT:
        raise ValidationError(
            f"the number in {shown} is too long: write it as printed, like 2.5", field=field
        )
    if "," not in token:
        digits = token
    elif "." in token:
        whole, _, fraction = token.partition(".")
        if not (_GROUPED_RE.fullmatch(whole) and fraction.isdigit() and fraction.isascii()):
            raise ValidationError(
                f"{_unreadable(token, shown)}: {how} (no thousands separators)", field=field
            )
        digits = whole.replace(",", "") + "." + fraction
    elif token.count(",") > 1:
        if not _GROUPED_RE.fullmatch(token):
            raise ValidationError(f"{_unreadable(token, shown)}: {how}", field=field)
        digits = token.replace(",", "")
    else:
        digits = _one_comma(token, shown, how, field)
    if not _PLAIN_RE.fullmatch(digits):
        raise ValidationError(f"{_unreadable(token, shown)}: {how}", field=field)
    return _bounded(Decimal(digits), digits, shown, field)


def _one_comma(token: str, shown: str, how: str, field: str) -> str:
    """The plain digits of a number with exactly one comma and no point (see read_number)."""
    before, _, after = token.partition(",")
    if not (before.isdigit() and after.isdigit()):
        raise ValidationError(f"{_unreadable(token, shown)}: {how}", field=field)
    as_decimal = before == "0" or (before[0] != "0" and after != "000")
    as_grouped = before[0] != "0" and len(before) <= 3 and len(after) <= 3
    if as_decimal and as_grouped:
        point, whole = f"{before}.{after}", f"{before}{after}"
        raise AmbiguousNumber(
            f"the number {quoted(token)} can be read two ways: did you mean {point} or {whole}? "
            f"Write {point} with a point for a decimal, or {whole} without a comma",
            readings=(Decimal(point), Decimal(whole)),
            field=field,
        )
    if as_decimal:
        return f"{before}.{after}"
    if as_grouped:
        return f"{before}{after}"
    raise ValidationError(f"{_unreadable(token, shown)}: {how}", field=field)


def _unreadable(token: str, shown: str) -> str:
    number = quoted(token)
    return f"cannot read the number {number}" + ("" if number == shown else f" in {shown}")


def _bounded(value: Decimal, digits: str, shown: str, field: str) -> Decimal:
    whole, _, fraction = digits.partition(".")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise ValidationError(
            f"the number in {shown} is far too large: write the value as printed, like 2.5 or 5000",
            field=field,
        )
    if len(fraction) > MAX_DECIMALS or len(value.normalize().as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
        raise ValidationError(
            f"the number in {shown} has more digits than rpltrack keeps (at most {MAX_SIGNIFICANT_DIGITS} "
            f"significant digits and {MAX_DECIMALS} decimals): write it as printed, like 2.5",
            field=field,
        )
    return value


def refuse_non_numbers(text: str, *, what: str, field: str = "value") -> None:
    """A ValidationError when `text` is a negative number, an exponent, NaN or infinity: what no quantity
    she records can be. `what` names the quantity ('a beta', 'an amount')."""
    seen = text.strip()
    bare = seen.lstrip("<>=≤≥ ").replace(" ", "")
    if bare[:1] and bare[0] in MINUS_SIGNS and bare[1:2] and (bare[1].isdigit() or bare[1] == "."):
        raise ValidationError(f"{what} cannot be negative ({quoted(seen)}): write it like 2.5", field=field)
    if bare.lstrip("+-").casefold() in _NOT_A_NUMBER:
        raise ValidationError(
            f"{quoted(seen)} is not a number: write {what} in digits, like 2.5", field=field
        )


def leading_number(text: str, *, field: str = "value") -> tuple[Decimal, str] | None:
    """(number, the text after it) when `text` (after spaces) starts with a digit or a point, else None.

    The number is read by read_number; an exponent straight after it (`1e3`, `2.5E-2`) is refused."""
    seen = text.strip()
    match = _LEADING_NUMBER_RE.fullmatch(seen)
    if match is None:
        return None
    token, rest = match.groups()
    if _EXPONENT_RE.match(rest):
        raise ValidationError(
            f"cannot read the number in {quoted(seen)}: write it in full, like 1000 rather than 1e3",
            field=field,
        )
    return read_number(token, field=field, seen=seen), rest.strip()
