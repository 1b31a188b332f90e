"""The lab catalog's table (clinical-reference §12, §13): each test's names, units, result words and notes."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from rpltrack.domain.labs import LabKind, LabTest, LabUnit

# Word sets (subsets of QUALITATIVE_WORDS, §13), per kind of test.
_ANTIBODY_WORDS = ("positive", "negative", "weakly positive", "equivocal", "indeterminate")
_LA_WORDS = (*_ANTIBODY_WORDS, "detected", "not detected")
_INFECTION_WORDS = ("positive", "negative", "equivocal", "indeterminate", "detected", "not detected")
_GENOTYPE_WORDS = ("not detected", "heterozygous", "homozygous", "detected")
_MTHFR_WORDS = ("not detected", "heterozygous", "homozygous", "compound heterozygous", "detected")

# What genotype reports print, read as the closed words above only where the meaning is unambiguous: no
# variant found, one copy, two copies, or found without a zygosity. Anything else is refused with the list.
GENOTYPE_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("negative", "not detected"),
    ("wild type", "not detected"),
    ("wildtype", "not detected"),
    ("normal", "not detected"),
    ("het", "heterozygous"),
    ("positive", "detected"),
)

_NG_PER_ML_SPELLINGS = ("µg/L", "ug/L", "mcg/L")  # §13: µg/L = ng/mL (x1)


def no_conversion(*names: str) -> tuple[LabUnit, ...]:
    """Units accepted and stored as written, with no conversion between them (§13 gives none)."""
    return tuple(LabUnit(name, factor=None) for name in names)


def lab_test(
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
    synonyms: tuple[tuple[str, str], ...] = (),
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
        synonyms=synonyms,
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
TESTS: tuple[LabTest, ...] = (
    # Thyroid (§3)
    lab_test(
        "tsh",
        "TSH",
        _Q,
        "thyroid",
        ("thyrotropin", "thyroid stimulating hormone", "thyroid-stimulating hormone"),
        units=(LabUnit("mIU/L", spellings=("µIU/mL", "uIU/mL", "mU/L")),),  # §13: all x1
        unusual_above=150,
    ),
    lab_test(
        "free-t4",
        "Free T4",
        _Q,
        "thyroid",
        ("free T4", "fT4", "free thyroxine", "T4 free"),
        units=no_conversion("pmol/L", "ng/dL"),
    ),
    lab_test(
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
        units=no_conversion("IU/mL"),
        words=_ANTIBODY_WORDS,
        unusual_above=100_000,
    ),
    # Hormones (§7, §12)
    lab_test(
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
    lab_test(
        "estradiol",
        "Estradiol",
        _Q,
        "hormones",
        ("E2", "oestradiol", "estradiol E2"),
        units=no_conversion("pg/mL", "pmol/L"),
    ),
    lab_test(
        "prolactin",
        "Prolactin",
        _Q,
        "hormones",
        ("PRL",),
        units=no_conversion("ng/mL", "mIU/L"),
    ),
    # Metabolic (§12)
    lab_test(
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
    lab_test(
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
    lab_test(
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
    lab_test(
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
    lab_test(
        "hemoglobin",
        "Hemoglobin",
        _Q,
        "blood count",
        ("Hb", "Hgb", "haemoglobin"),
        units=no_conversion("g/dL", "g/L"),
    ),
    # Antiphospholipid antibodies (§2)
    lab_test(
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
    lab_test(
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
    lab_test(
        "acl-igm",
        "Anticardiolipin IgM",
        _Q,
        "antiphospholipid",
        ("aCL-IgM", "aCL IgM", "anticardiolipin IgM", "anti-cardiolipin IgM", "cardiolipin IgM", "ACA IgM"),
        units=(LabUnit("MPL", spellings=("MPL/mL", "MPL U/mL", "MPLU/mL", "MPL-U/mL", "MPL units", "MPLU")),),
        words=_ANTIBODY_WORDS,
        unusual_above=10_000,
    ),
    lab_test(
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
        units=no_conversion("U/mL"),  # lab units: compare with the printed range (§13)
        words=_ANTIBODY_WORDS,
        unusual_above=10_000,
    ),
    lab_test(
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
        units=no_conversion("U/mL"),
        words=_ANTIBODY_WORDS,
        unusual_above=10_000,
    ),
    # Clotting (§12)
    lab_test(
        "protein-c",
        "Protein C",
        _Q,
        "clotting",
        ("protein C activity", "protein C functional"),
        units=no_conversion("%", "IU/dL"),
        note=_HAEMOSTASIS_NOTE,
        asks_anticoagulant=True,
    ),
    lab_test(
        "protein-s",
        "Protein S",
        _Q,
        "clotting",
        ("protein S activity", "free protein S", "protein S free"),
        units=no_conversion("%", "IU/dL"),
        note=_HAEMOSTASIS_NOTE,
        asks_anticoagulant=True,
    ),
    lab_test(
        "antithrombin",
        "Antithrombin",
        _Q,
        "clotting",
        ("antithrombin III", "antithrombin activity", "AT", "AT III", "AT3", "ATIII"),
        units=no_conversion("%", "IU/dL"),
        note=_HAEMOSTASIS_NOTE,
        asks_anticoagulant=True,
    ),
    # Genetics (§12)
    lab_test(
        "fvl",
        "Factor V Leiden",
        _W,
        "genetics",
        ("FVL", "factor V Leiden", "factor 5 Leiden", "FV Leiden", "F5 Leiden", "factor V Leiden mutation"),
        words=_GENOTYPE_WORDS,
        synonyms=GENOTYPE_SYNONYMS,
    ),
    lab_test(
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
        synonyms=GENOTYPE_SYNONYMS,
    ),
    # §9: MTHFR results are recorded as entered, with no flag and no dose advice. The two variants are
    # tests of their own; "MTHFR" alone is a result that names neither (and keeps earlier entries readable).
    lab_test(
        "mthfr",
        "MTHFR",
        _W,
        "genetics",
        ("MTHFR", "MTHFR mutation", "MTHFR gene mutation"),
        words=_MTHFR_WORDS,
        synonyms=GENOTYPE_SYNONYMS,
    ),
    lab_test(
        "mthfr-c677t",
        "MTHFR C677T",
        _W,
        "genetics",
        ("C677T", "MTHFR 677", "MTHFR 677C>T", "677C>T", "MTHFR C677T mutation", "MTHFR C677T variant"),
        words=_GENOTYPE_WORDS,
        synonyms=GENOTYPE_SYNONYMS,
    ),
    lab_test(
        "mthfr-a1298c",
        "MTHFR A1298C",
        _W,
        "genetics",
        ("A1298C", "MTHFR 1298", "MTHFR 1298A>C", "1298A>C", "MTHFR A1298C mutation", "MTHFR A1298C variant"),
        words=_GENOTYPE_WORDS,
        synonyms=GENOTYPE_SYNONYMS,
    ),
    lab_test(
        "karyotype",
        "Karyotype",
        _T,
        "genetics",
        ("my karyotype", "karyotype (me)", "maternal karyotype"),
    ),
    lab_test(
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
    lab_test(
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
    lab_test(
        "ana",
        "ANA",
        _T,  # a word, or a titre and pattern as printed ("1:160 speckled")
        "antiphospholipid",
        ("antinuclear antibodies", "antinuclear antibody", "anti-nuclear antibodies"),
        words=_ANTIBODY_WORDS,
    ),
    lab_test(
        "blood-group",
        "Blood group",
        _T,
        "blood count",
        ("blood type", "blood group and Rh", "ABO", "ABO Rh", "ABO and Rh"),
    ),
    # Infections (pre-pregnancy screening)
    lab_test(
        "rubella",
        "Rubella",
        _Q,
        "infections",
        ("rubella IgG", "rubella immunity", "rubella antibodies"),
        units=no_conversion("IU/mL"),
        words=_INFECTION_WORDS,
        unusual_above=10_000,
    ),
    lab_test(
        "hiv", "HIV", _W, "infections", ("HIV 1/2", "HIV-1/2 Ag/Ab", "HIV test"), words=_INFECTION_WORDS
    ),
    lab_test(
        "hepatitis-b",
        "Hepatitis B",
        _W,
        "infections",
        ("hep B", "HBV", "HBsAg", "hepatitis B surface antigen"),
        words=_INFECTION_WORDS,
    ),
    lab_test(
        "hepatitis-c",
        "Hepatitis C",
        _W,
        "infections",
        ("hep C", "HCV", "anti-HCV", "hepatitis C antibody"),
        words=_INFECTION_WORDS,
    ),
    lab_test(
        "syphilis",
        "Syphilis",
        _W,
        "infections",
        ("syphilis serology", "RPR", "VDRL", "TPHA", "treponemal antibodies"),
        words=_INFECTION_WORDS,
    ),
)
