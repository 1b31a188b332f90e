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
from rpltrack.domain.quantities import AmbiguousNumber, quoted, read_number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date

MAX_TEXT = 200  # free-text results (karyotype, blood group)
MAX_NAME = 80  # a test name (LabResult.test)
MAX_UNIT = 30  # a unit she writes for a lab of her own

# Word sets (subsets of QUALITATIVE_WORDS, §13), per kind of test.
_ANTIBODY_WORDS = ("positive", "negative", "weakly positive", "equivocal", "indeterminate")
_LA_WORDS = (*_ANTIBODY_WORDS, "detected", "not detected")
_INFECTION_WORDS = ("positive", "negative", "equivocal", "indeterminate", "detected", "not detected")
_GENOTYPE_WORDS = ("not detected", "heterozygous", "homozygous", "detected")
_MTHFR_WORDS = ("not detected", "heterozygous", "homozygous", "compound heterozygous", "detected")

_NG_PER_ML_SPELLINGS = ("µg/L", "ug/L", "mcg/L")  # §13: µg/L = ng/mL (x1)


def _no_conversion(*names: str) -> tuple[LabUnit, ...]:
    """Units accepted and stored as written, with no conversion between them (§13 gives none)."""
    return tuple(LabUnit(name, factor=None) for name in names)


def _test(
    key: str,
    name: str,
    kind: LabKind,
    group: str,
    aliases: tuple[str, ...],
    *,
    units: tuple[LabUnit, ...] = (),
    words: tuple[str, ...] = (),
    unusual_above: int | None = None,
    note: str = "",
    asks_anticoagulant: bool = False,
) -> LabTest:
    return LabTest(
        key=key,
        name=name,
        kind=kind,
        units=units,
        words=words,
        aliases=aliases,
        group=group,
        unusual_above=None if unusual_above is None else Decimal(unusual_above),
        note=note,
        asks_anticoagulant=asks_anticoagulant,
    )


_Q = LabKind.QUANTITATIVE
_W = LabKind.QUALITATIVE
_T = LabKind.TEXT

_HAEMOSTASIS_NOTE = (
    "Protein C, protein S and antithrombin can read low in pregnancy or on anticoagulants: compare with the "
    "range printed on your report."
)

# Every `unusual_above` below is an [app convention] typo guard, not a clinical number: a value above it
# (in the canonical unit) asks "unusual: check the number and unit" before it is stored.
_CATALOG: tuple[LabTest, ...] = (
    # Thyroid (§3)
    _test(
        "tsh",
        "TSH",
        _Q,
        "thyroid",
        ("thyrotropin", "thyroid stimulating hormone", "thyroid-stimulating hormone"),
        units=(LabUnit("mIU/L", spellings=("µIU/mL", "uIU/mL", "mU/L")),),  # §13: all x1
        unusual_above=150,
    ),
    _test(
        "free-t4",
        "Free T4",
        _Q,
        "thyroid",
        ("free T4", "fT4", "free thyroxine", "T4 free"),
        units=_no_conversion("pmol/L", "ng/dL"),
    ),
    _test(
        "tpo-ab",
        "TPO antibodies",
        _Q,
        "thyroid",
        (
            "TPO",
            "TPO-Ab",
            "TPOAb",
            "TPO antibodies",
            "TPO antibody",
            "anti-TPO",
            "anti-TPO antibodies",
            "thyroid peroxidase antibodies",
            "thyroid peroxidase antibody",
            "anti-thyroid peroxidase",
        ),
        units=_no_conversion("IU/mL"),
        words=_ANTIBODY_WORDS,
        unusual_above=100_000,
    ),
    # Hormones (§7, §12)
    _test(
        "progesterone",
        "Progesterone",
        _Q,
        "hormones",
        ("P4", "prog", "serum progesterone"),
        units=(
            LabUnit("ng/mL", spellings=_NG_PER_ML_SPELLINGS),
            LabUnit("nmol/L", factor=Fraction("3.18")),
            LabUnit("ng/dL", factor=Fraction(100)),
        ),
        unusual_above=500,
    ),
    _test(
        "estradiol",
        "Estradiol",
        _Q,
        "hormones",
        ("E2", "oestradiol", "estradiol E2"),
        units=_no_conversion("pg/mL", "pmol/L"),
    ),
    _test(
        "prolactin",
        "Prolactin",
        _Q,
        "hormones",
        ("PRL",),
        units=_no_conversion("ng/mL", "mIU/L"),
    ),
    # Metabolic (§12)
    _test(
        "vitamin-d",
        "25-OH vitamin D",
        _Q,
        "metabolic",
        (
            "vitamin D",
            "vit D",
            "vitD",
            "25-OH vitamin D",
            "25-OH-D",
            "25(OH)D",
            "25(OH) vitamin D",
            "25-hydroxyvitamin D",
            "25-hydroxy vitamin D",
            "calcidiol",
        ),
        units=(
            LabUnit("ng/mL", spellings=_NG_PER_ML_SPELLINGS),
            LabUnit("nmol/L", factor=Fraction("2.496")),
        ),
        unusual_above=200,
    ),
    _test(
        "hba1c",
        "HbA1c",
        _Q,
        "metabolic",
        ("A1c", "hemoglobin A1c", "haemoglobin A1c", "glycated hemoglobin", "glycated haemoglobin"),
        units=(
            LabUnit("%", spellings=("percent", "% NGSP", "NGSP %")),
            # §13: mmol/mol = 10.93 * (% - 2.15), kept exact.
            LabUnit(
                "mmol/mol",
                factor=Fraction("10.93"),
                offset=-Fraction("10.93") * Fraction("2.15"),
                spellings=("mmol/mol IFCC", "IFCC mmol/mol"),
            ),
        ),
        unusual_above=20,
    ),
    _test(
        "glucose",
        "Glucose",
        _Q,
        "metabolic",
        (
            "fasting glucose",
            "blood glucose",
            "plasma glucose",
            "fasting plasma glucose",
            "FPG",
            "FBG",
            "blood sugar",
        ),
        units=(LabUnit("mg/dL"), LabUnit("mmol/L", factor=Fraction(1, 18))),
        unusual_above=1000,
    ),
    # Blood count (§6, §12)
    _test(
        "platelets",
        "Platelets",
        _Q,
        "blood count",
        ("PLT", "platelet", "platelet count", "PLT count", "thrombocytes"),
        units=(
            LabUnit(
                "x10^9/L",
                spellings=(
                    "\N{MULTIPLICATION SIGN}10⁹/L",
                    # §13: x10³/µL = x10⁹/L (x1)
                    "\N{MULTIPLICATION SIGN}10³/µL",
                    "K/µL",
                    "\N{MULTIPLICATION SIGN}10^9/L",
                    "10⁹/L",
                    "10^9/L",
                    "x10e9/L",
                    "10*9/L",
                    "\N{MULTIPLICATION SIGN}10^3/µL",
                    "x10^3/uL",
                    "x10^3/µL",
                    "10³/µL",
                    "10^3/uL",
                    "10^3/µL",
                    "x10e3/uL",
                    "10*3/uL",
                    "K/uL",
                ),
            ),
            # §13: an absolute count per µL: 150,000/µL = 150 x10⁹/L.
            LabUnit(
                "/µL", factor=Fraction(1000), spellings=("/uL", "per µL", "per uL", "cells/µL", "cells/uL")
            ),
        ),
        unusual_above=2000,
    ),
    _test(
        "hemoglobin",
        "Hemoglobin",
        _Q,
        "blood count",
        ("Hb", "Hgb", "haemoglobin"),
        units=_no_conversion("g/dL", "g/L"),
    ),
    # Antiphospholipid antibodies (§2)
    _test(
        "la",
        "Lupus anticoagulant",
        _W,
        "antiphospholipid",
        ("LA", "LAC", "lupus anticoagulant", "lupus anti-coagulant"),
        words=_LA_WORDS,
        note=(
            "A lupus anticoagulant test done while on heparin, warfarin or a DOAC can read falsely positive "
            "[S39]: note whether you were on an anticoagulant when the blood was drawn."
        ),
        asks_anticoagulant=True,
    ),
    _test(
        "acl-igg",
        "Anticardiolipin IgG",
        _Q,
        "antiphospholipid",
        ("aCL-IgG", "aCL IgG", "anticardiolipin IgG", "anti-cardiolipin IgG", "cardiolipin IgG", "ACA IgG"),
        # GPL is the unit of the §2 thresholds (40 GPL), so compare_to_threshold works in it; no other unit.
        units=(LabUnit("GPL", spellings=("GPL/mL", "GPL U/mL", "GPLU/mL", "GPL-U/mL", "GPL units", "GPLU")),),
        words=_ANTIBODY_WORDS,
        unusual_above=10_000,
    ),
    _test(
        "acl-igm",
        "Anticardiolipin IgM",
        _Q,
        "antiphospholipid",
        ("aCL-IgM", "aCL IgM", "anticardiolipin IgM", "anti-cardiolipin IgM", "cardiolipin IgM", "ACA IgM"),
        units=(LabUnit("MPL", spellings=("MPL/mL", "MPL U/mL", "MPLU/mL", "MPL-U/mL", "MPL units", "MPLU")),),
        words=_ANTIBODY_WORDS,
        unusual_above=10_000,
    ),
    _test(
        "b2gpi-igg",
        "Anti-β2GPI IgG",
        _Q,
        "antiphospholipid",
        (
            "anti-b2gpi-IgG",
            "anti-β2GPI IgG",
            "b2GPI IgG",
            "β2GPI IgG",
            "anti-b2gp1 IgG",
            "b2GP1 IgG",
            "anti-beta2GPI IgG",
            "anti-beta2-glycoprotein-I IgG",
            "anti-beta-2 glycoprotein I IgG",
            "beta2-glycoprotein I IgG",
            "beta-2 glycoprotein IgG",
        ),
        units=_no_conversion("U/mL"),  # lab units: compare with the printed range (§13)
        words=_ANTIBODY_WORDS,
        unusual_above=10_000,
    ),
    _test(
        "b2gpi-igm",
        "Anti-β2GPI IgM",
        _Q,
        "antiphospholipid",
        (
            "anti-b2gpi-IgM",
            "anti-β2GPI IgM",
            "b2GPI IgM",
            "β2GPI IgM",
            "anti-b2gp1 IgM",
            "b2GP1 IgM",
            "anti-beta2GPI IgM",
            "anti-beta2-glycoprotein-I IgM",
            "anti-beta-2 glycoprotein I IgM",
            "beta2-glycoprotein I IgM",
            "beta-2 glycoprotein IgM",
        ),
        units=_no_conversion("U/mL"),
        words=_ANTIBODY_WORDS,
        unusual_above=10_000,
    ),
    # Clotting (§12)
    _test(
        "protein-c",
        "Protein C",
        _Q,
        "clotting",
        ("protein C activity", "protein C functional"),
        units=_no_conversion("%", "IU/dL"),
        note=_HAEMOSTASIS_NOTE,
        asks_anticoagulant=True,
    ),
    _test(
        "protein-s",
        "Protein S",
        _Q,
        "clotting",
        ("protein S activity", "free protein S", "protein S free"),
        units=_no_conversion("%", "IU/dL"),
        note=_HAEMOSTASIS_NOTE,
        asks_anticoagulant=True,
    ),
    _test(
        "antithrombin",
        "Antithrombin",
        _Q,
        "clotting",
        ("antithrombin III", "antithrombin activity", "AT", "AT III", "AT3", "ATIII"),
        units=_no_conversion("%", "IU/dL"),
        note=_HAEMOSTASIS_NOTE,
        asks_anticoagulant=True,
    ),
    # Genetics (§12)
    _test(
        "fvl",
        "Factor V Leiden",
        _W,
        "genetics",
        ("FVL", "factor V Leiden", "factor 5 Leiden", "FV Leiden", "F5 Leiden", "factor V Leiden mutation"),
        words=_GENOTYPE_WORDS,
    ),
    _test(
        "prothrombin",
        "Prothrombin G20210A",
        _W,
        "genetics",
        (
            "prothrombin G20210A",
            "PT20210",
            "PT G20210A",
            "F2 G20210A",
            "factor II G20210A",
            "prothrombin mutation",
            "prothrombin gene mutation",
            "G20210A",
        ),
        words=_GENOTYPE_WORDS,
    ),
    _test(
        "mthfr",
        "MTHFR",
        _W,
        "genetics",
        ("MTHFR", "MTHFR C677T", "MTHFR A1298C", "MTHFR mutation"),
        words=_MTHFR_WORDS,
    ),
    _test(
        "karyotype",
        "Karyotype",
        _T,
        "genetics",
        ("my karyotype", "karyotype (me)", "maternal karyotype"),
    ),
    _test(
        "karyotype-partner",
        "Partner's karyotype",
        _T,
        "genetics",
        (
            "partner karyotype",
            "partner's karyotype",
            "karyotype (partner)",
            "husband karyotype",
            "paternal karyotype",
        ),
    ),
    _test(
        "karyotype-tissue",
        "Pregnancy tissue karyotype",
        _T,
        "genetics",
        (
            "tissue karyotype",
            "karyotype (tissue)",
            "pregnancy tissue karyotype",
            "POC karyotype",
            "products of conception karyotype",
            "miscarriage tissue karyotype",
            "fetal karyotype",
        ),
    ),
    _test(
        "ana",
        "ANA",
        _T,  # a word, or a titre and pattern as printed ("1:160 speckled")
        "antiphospholipid",
        ("antinuclear antibodies", "antinuclear antibody", "anti-nuclear antibodies"),
        words=_ANTIBODY_WORDS,
    ),
    _test(
        "blood-group",
        "Blood group",
        _T,
        "blood count",
        ("blood type", "blood group and Rh", "ABO", "ABO Rh", "ABO and Rh"),
    ),
    # Infections (pre-pregnancy screening)
    _test(
        "rubella",
        "Rubella",
        _Q,
        "infections",
        ("rubella IgG", "rubella immunity", "rubella antibodies"),
        units=_no_conversion("IU/mL"),
        words=_INFECTION_WORDS,
        unusual_above=10_000,
    ),
    _test("hiv", "HIV", _W, "infections", ("HIV 1/2", "HIV-1/2 Ag/Ab", "HIV test"), words=_INFECTION_WORDS),
    _test(
        "hepatitis-b",
        "Hepatitis B",
        _W,
        "infections",
        ("hep B", "HBV", "HBsAg", "hepatitis B surface antigen"),
        words=_INFECTION_WORDS,
    ),
    _test(
        "hepatitis-c",
        "Hepatitis C",
        _W,
        "infections",
        ("hep C", "HCV", "anti-HCV", "hepatitis C antibody"),
        words=_INFECTION_WORDS,
    ),
    _test(
        "syphilis",
        "Syphilis",
        _W,
        "infections",
        ("syphilis serology", "RPR", "VDRL", "TPHA", "treponemal antibodies"),
        words=_INFECTION_WORDS,
    ),
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
            "Sessions are kept for your own timeline. Guidelines (ESHRE 2017; Cochrane 2014) do not "
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
        _no_unit_for_words(test, unit_given)
        if seen.casefold() not in ("", "done", "session"):
            raise ValidationError(
                f"{test.name} is recorded as a session with no value ({seen!r} was entered): "
                "leave the value empty, or write done",
                field="value",
            )
        return LabValue(raw=seen)
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
        return f"one of {_or_list(test.words)}"
    if test.kind is LabKind.TEXT:
        return "the result as printed on the report"
    if test.words:
        return f"{_EXAMPLE}, or one of {_or_list(test.words)}"
    return _EXAMPLE


def _parse_word(test: LabTest, seen: str, unit_given: str) -> LabValue:
    word = _word(seen)
    if word not in test.words:
        if test.kind is not LabKind.QUALITATIVE:
            message = f"cannot read the result {seen!r} for {test.name}: write {_how_to_write(test)}"
        elif seen[0] in "0123456789.<>≤≥":
            message = (
                f"{test.name} is recorded as a word, not a number ({seen!r} was entered): use one of "
                f"{_or_list(test.words)}"
            )
        else:
            message = (
                f"{seen!r} is not a result rpltrack knows for {test.name}: use one of {_or_list(test.words)}"
            )
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
