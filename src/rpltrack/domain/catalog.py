"""The built-in medication catalog: generics, brands, spellings, usual units and routes, unit-slip rules."""

from __future__ import annotations

import re

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.quantities import UNIT_FAMILY, Quantity, format_number
from rpltrack.domain.records import record

SC_SITES = ("left abdomen", "right abdomen", "left thigh", "right thigh")
IM_SITES = ("left upper buttock", "right upper buttock")


@record(frozen=True)
class Drug:
    """One catalog entry. `units` are the units a dose may be written in; mass units convert exactly into
    `canonical_unit` when one is set. `hints` maps a refused unit to the sentence that explains it."""

    key: str
    name: str
    aliases: tuple[str, ...]
    category: str
    units: tuple[str, ...]
    routes: tuple[str, ...]
    canonical_unit: str | None = None
    anticoagulant: bool = False
    injection_sites: tuple[str, ...] = ()
    hints: tuple[tuple[str, str], ...] = ()
    note: str = ""
    # A combination product names what it contains ("folic acid", "vitamin B6", ...); never strengths,
    # which vary by product and come from her label (clinical-reference §9).
    parts: tuple[str, ...] = ()

    @property
    def default_unit(self) -> str:
        return self.canonical_unit or self.units[0]

    def check_dose(self, quantity: Quantity) -> Quantity:
        """The dose as stored for this drug, or a ValidationError with a hint (never a silent conversion
        across unit families)."""
        return check_dose_units(
            self.name,
            self.units,
            self.canonical_unit,
            dict(self.hints),
            quantity,
            levothyroxine_rule=self.key == "levothyroxine",
        )


def check_dose_units(
    name: str,
    units: tuple[str, ...],
    canonical_unit: str | None,
    hints: dict[str, str],
    quantity: Quantity,
    *,
    levothyroxine_rule: bool = False,
) -> Quantity:
    """Validate `quantity` against a drug's units; shared by catalog drugs and her own medications."""
    if levothyroxine_rule and quantity.unit in ("mg", "g"):
        as_mcg = quantity.to("mcg")
        # Levothyroxine comes in microgram strengths; a whole milligram or more is a unit slip (ISMP).
        if as_mcg.value >= 1000:
            hint = f"did you mean {format_number(quantity.value)} mcg? " if quantity.unit == "mg" else ""
            raise ValidationError(
                f"{quantity} of {name} looks like a unit slip: {hint}"
                "Levothyroxine is dosed in micrograms (mcg).",
                field="dose",
            )
        return as_mcg
    if quantity.unit in hints:
        raise ValidationError(hints[quantity.unit], field="dose")
    family = UNIT_FAMILY[quantity.unit]
    if quantity.unit not in units:
        same_family = [u for u in units if UNIT_FAMILY[u] == family]
        if family == "mass" and same_family:
            target = canonical_unit or same_family[0]
            return quantity.to(target)
        raise ValidationError(
            f"{name} is not measured in {quantity.unit}: enter it in {' or '.join(units)}"
            f" (as on your prescription or label)",
            field="dose",
        )
    if canonical_unit and family == "mass" and quantity.unit != canonical_unit:
        return quantity.to(canonical_unit)
    return quantity


_LMWH_MG_HINT = (
    "mg",
    "there is no verified conversion from mg for {name}: enter the IU on your syringe (e.g. 5000 IU)",
)

# A combination's dose is a count of tablets; the strength of each part is on her label (§9).
_COMBINATION_MASS_HINT = (
    "folic acid + vitamin B6 + vitamin B12 is counted in tablets (e.g. 1 tablet): its strengths vary by "
    "product, so note the amounts on your label in the notes"
)

CATALOG: tuple[Drug, ...] = (
    Drug(
        "aspirin",
        "aspirin (low dose)",
        (
            "aspirin",
            "baby aspirin",
            "asa",
            "acetylsalicylic acid",
            "low dose aspirin",
            "low-dose aspirin",
            "ecotrin",
            "bayer",
            "aspirin 81",
            "disprin",
        ),
        "antiplatelet",
        ("mg",),
        ("oral",),
        canonical_unit="mg",
    ),
    Drug(
        "enoxaparin",
        "enoxaparin",
        ("enoxaparin", "lovenox", "clexane", "inhixa", "enoxaparin sodium"),
        "lmwh",
        ("mg", "IU"),
        ("subcutaneous",),
        anticoagulant=True,
        injection_sites=SC_SITES,
        note="stored as entered (mg or IU); rpltrack does not convert between them",
    ),
    Drug(
        "dalteparin",
        "dalteparin",
        ("dalteparin", "fragmin"),
        "lmwh",
        ("IU",),
        ("subcutaneous",),
        anticoagulant=True,
        injection_sites=SC_SITES,
        hints=(("mg", _LMWH_MG_HINT[1].format(name="dalteparin")),),
    ),
    Drug(
        "tinzaparin",
        "tinzaparin",
        ("tinzaparin", "innohep"),
        "lmwh",
        ("IU",),
        ("subcutaneous",),
        anticoagulant=True,
        injection_sites=SC_SITES,
        hints=(("mg", _LMWH_MG_HINT[1].format(name="tinzaparin")),),
    ),
    Drug(
        "heparin",
        "heparin (unfractionated)",
        ("heparin", "unfractionated heparin", "ufh", "heparin sodium"),
        "heparin",
        ("units", "IU"),
        ("subcutaneous",),
        anticoagulant=True,
        injection_sites=SC_SITES,
        hints=(
            ("mg", "heparin is measured in units: enter the units on your syringe or vial (e.g. 5000 units)"),
        ),
        note="units are stored as entered and never converted",
    ),
    Drug(
        "prednisone",
        "prednisone",
        ("prednisone", "deltasone", "rayos"),
        "glucocorticoid",
        ("mg",),
        ("oral",),
        canonical_unit="mg",
    ),
    Drug(
        "prednisolone",
        "prednisolone",
        ("prednisolone", "millipred", "orapred", "pediapred"),
        "glucocorticoid",
        ("mg", "mL"),
        ("oral",),
        canonical_unit="mg",
    ),
    Drug(
        "dexamethasone",
        "dexamethasone",
        ("dexamethasone", "decadron", "dex"),
        "glucocorticoid",
        ("mg",),
        ("oral",),
        canonical_unit="mg",
    ),
    Drug(
        "progesterone-in-oil",
        "progesterone in oil",
        ("progesterone in oil", "pio", "progesterone injection", "im progesterone", "gestone"),
        "progesterone",
        ("mg", "mL"),
        ("intramuscular",),
        injection_sites=IM_SITES,
        note="PIO is stored as entered, in mg or mL; rpltrack does not convert between them",
    ),
    Drug(
        "progesterone-vaginal",
        "vaginal progesterone",
        (
            "vaginal progesterone",
            "crinone",
            "endometrin",
            "cyclogest",
            "prochieve",
            "progesterone suppository",
            "progesterone pessary",
        ),
        "progesterone",
        ("mg", "applicator", "suppository", "capsule"),
        ("vaginal",),
    ),
    Drug(
        "progesterone-oral",
        "oral progesterone",
        ("oral progesterone", "prometrium", "utrogestan", "duphaston", "dydrogesterone"),
        "progesterone",
        ("mg", "capsule", "tablet"),
        ("oral", "vaginal"),
    ),
    Drug(
        "folic-acid",
        "folic acid",
        ("folic acid", "folate", "folacin", "vitamin b9"),
        "folate",
        ("mg", "mcg", "tablet"),
        ("oral",),
    ),
    Drug(
        "methylfolate",
        "methylfolate",
        ("methylfolate", "l-methylfolate", "5-mthf", "deplin", "metafolin", "quatrefolic"),
        "folate",
        ("mg", "mcg", "capsule", "tablet"),
        ("oral",),
    ),
    Drug(
        "folic-b6-b12",
        "folic acid + vitamin B6 + vitamin B12",
        # Brands; any spelling of the three parts together ("folic acid/B6/B12") is read by lookup.
        (
            "folgard",
            "folgard os",
            "folgard rx",
            "folgard rx 2.2",
            "folbee",
            "foltx",
            "fabb",
            "folbic",
            "folic b6 b12",
        ),
        "folate",
        ("tablet",),
        ("oral",),
        hints=tuple((unit, _COMBINATION_MASS_HINT) for unit in ("mg", "mcg", "g")),
        note="strengths vary by product: note the folic acid, B6 and B12 amounts from your label",
        parts=("folic acid", "vitamin B6", "vitamin B12"),
    ),
    Drug(
        "levothyroxine",
        "levothyroxine",
        (
            "levothyroxine",
            "synthroid",
            "levoxyl",
            "euthyrox",
            "eltroxin",
            "tirosint",
            "unithroid",
            "levo-t",
            "l-thyroxine",
            "thyroxine",
            "t4",
        ),
        "thyroid",
        ("mcg",),
        ("oral",),
        canonical_unit="mcg",
    ),
)

_BY_ALIAS: dict[str, Drug] = {}
for _drug in CATALOG:
    for _alias in (_drug.key, _drug.name, *_drug.aliases):
        _BY_ALIAS[_alias.casefold()] = _drug

_FAMILIES: dict[str, tuple[str, ...]] = {
    "progesterone": ("progesterone-in-oil", "progesterone-vaginal", "progesterone-oral"),
    "lmwh": ("enoxaparin", "dalteparin", "tinzaparin"),
}


FOLATE_CATEGORY = "folate"

# The spellings of each part a combination is written with ("folic acid/B6/B12", "folate + b6 + b12").
_PART_SPELLINGS: dict[str, tuple[str, ...]] = {
    "folic acid": ("folic acid", "folate", "folacin", "vitamin b9", "b9"),
    "vitamin B6": ("vitamin b6", "vit b6", "b6", "pyridoxine", "pyridoxine hcl", "pyridoxine hydrochloride"),
    "vitamin B12": ("vitamin b12", "vit b12", "b12", "cyanocobalamin", "methylcobalamin", "cobalamin"),
}
_PART_BY_SPELLING = {spelling: part for part, spellings in _PART_SPELLINGS.items() for spelling in spellings}
_PART_SEPARATORS = re.compile(r"\s*(?:\+|/|,|&|\band\b|\bwith\b)\s*")
_COMBINATIONS = {frozenset(drug.parts): drug for drug in CATALOG if drug.parts}


def _clean(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


def _combination(cleaned: str) -> Drug | None:
    """The combination entry whose parts a name lists, in any order and spelling ('folic acid/B6/B12')."""
    pieces = [piece for piece in _PART_SEPARATORS.split(cleaned) if piece]
    if len(pieces) < 2:
        return None
    parts = [_PART_BY_SPELLING.get(piece) for piece in pieces]
    if None in parts or len(set(parts)) != len(parts):
        return None
    return _COMBINATIONS.get(frozenset(part for part in parts if part is not None))


def lookup(name: str) -> Drug | None:
    """The catalog drug a name, brand or spelling means (`lovenox` -> enoxaparin, `Folgard` or
    `folic acid + B6 + B12` -> the combination of the three), else None."""
    cleaned = _clean(name)
    return _BY_ALIAS.get(cleaned) or _combination(cleaned)


def parts(generic: str | None) -> tuple[str, ...]:
    """What a catalog drug contains when it is a combination ('folic acid', 'vitamin B6', 'vitamin B12'),
    else ()."""
    drug = lookup(generic) if generic else None
    return drug.parts if drug is not None else ()


def display_name(name: str, generic: str | None) -> str:
    """Her medication as every list shows it: a combination with its parts ('Folgard — folic acid + vitamin
    B6 + vitamin B12'), the parts alone when her name is just them, any other medication by her name."""
    contains = parts(generic)
    if not contains:
        return name
    listed = " + ".join(contains)
    cleaned = _clean(name)
    if cleaned in (generic, _clean(listed)) or _combination(cleaned) is not None:
        return listed
    return f"{name} \N{EM DASH} {listed}"


def is_folate(generic: str | None) -> bool:
    """True for a catalog drug that is or contains a folate (folic acid, methylfolate, a folic acid + B6 +
    B12 combination): what a question about folate (§9) reads."""
    drug = lookup(generic) if generic else None
    return drug is not None and drug.category == FOLATE_CATEGORY


def contains_drug(generic: str | None, other: str | None) -> bool:
    """True when the catalog drug `generic` is `other`, or a combination with `other` as one of its parts
    (Folgard contains folic acid): taking one already means taking the other."""
    if not generic or not other:
        return False
    if generic == other:
        return True
    drug = lookup(other)
    return drug is not None and drug.name in parts(generic)


def by_key(key: str) -> Drug:
    for drug in CATALOG:
        if drug.key == key:
            return drug
    raise KeyError(key)


def family_members(name: str) -> tuple[str, ...]:
    """Catalog keys a general word covers ('progesterone' -> its three forms), else ()."""
    return _FAMILIES.get(_clean(name), ())
