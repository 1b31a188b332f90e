"""Amounts with units: parsing, unit families, exact conversions inside a family, and unit-slip hints."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

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

_AMOUNT_RE = re.compile(r"^\s*(?P<num>[0-9]+(?:[.,][0-9]+)?)\s*(?P<unit>[^\s0-9].*?)?\s*$")
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
    """'40 mg' -> (40, 'mg'); '2,5 mg' -> (2.5, 'mg'); '1' -> (1, None). ValidationError otherwise."""
    match = _AMOUNT_RE.match(text or "")
    if not match:
        raise ValidationError(
            f"cannot read the amount {text!r}: write a number and a unit, like '40 mg' or '5000 units'",
            field="dose",
        )
    raw = match.group("num")
    whole, comma, fraction = raw.partition(",")
    if comma and len(fraction) == 3:
        # '5,000 units' is a thousands separator as often as a decimal comma: a silent 1000x slip.
        raise ValidationError(
            f"the amount {text.strip()!r} is ambiguous: write {whole}{fraction} (no comma) for thousands, "
            f"or {whole}.{fraction} with a point for a decimal",
            field="dose",
        )
    raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise ValidationError(f"cannot read the number in {text!r}", field="dose") from exc
    unit_text = match.group("unit")
    if unit_text and any(c.isdigit() for c in unit_text):
        raise ValidationError(
            f"cannot read the number in {text.strip()!r}: write plain digits with at most one decimal point, "
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
