"""Combination folate brands (issue 15): Folgard, Folbic, Foltx and other folic acid + vitamin B6 +
vitamin B12 products resolve to one combination entry that names its parts (never their strengths, §9) and
counts as folate wherever folate is asked about."""

from __future__ import annotations

import pytest

from rpltrack.domain import catalog
from rpltrack.domain.medspec import resolve_drug

PARTS = ("folic acid", "vitamin B6", "vitamin B12")


@pytest.mark.parametrize(
    "name",
    [
        "Folgard",
        "folgard",
        "Folgard OS",
        "Folgard RX",
        "Folgard RX 2.2",
        "Folbic",
        "FOLTX",
        "Folbee",
        "FaBB",
        "folic acid + B6 + B12",
        "folic acid + vitamin B6 + vitamin B12",
        "folic acid/B6/B12",
        "Folic Acid, B6 and B12",
        "B12 & B6 & folic acid",
        "folate + pyridoxine + cyanocobalamin",
        "folic acid with vitamin B6 and vitamin B12",
        "folic b6 b12",
    ],
)
def test_each_brand_and_spelling_resolves_to_the_combination(name: str) -> None:
    drug = catalog.lookup(name)
    assert drug is not None
    assert drug.key == "folic-b6-b12"
    assert drug.parts == PARTS
    assert resolve_drug(name) == ("folic-b6-b12", drug)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("folic acid", "folic-acid"),
        ("folate", "folic-acid"),
        ("methylfolate", "methylfolate"),
        ("L-methylfolate", "methylfolate"),
        ("Deplin", "methylfolate"),
        ("lovenox", "enoxaparin"),
    ],
)
def test_single_drugs_stay_their_own_entries(name: str, key: str) -> None:
    drug = catalog.lookup(name)
    assert drug is not None
    assert drug.key == key
    assert drug.parts == ()


@pytest.mark.parametrize(
    "name",
    [
        "folic acid + B12",  # two of the three: another product
        "methylfolate + B6 + B12",  # methylfolate is not folic acid
        "folic acid + folate + B12",  # a part twice
        "folic acid + B6 + B12 + iron",
        "B6",
        "folic acid /",
    ],
)
def test_other_mixtures_are_not_the_combination(name: str) -> None:
    drug = catalog.lookup(name)
    assert drug is None or drug.key != "folic-b6-b12"


@pytest.mark.parametrize(
    ("name", "generic", "shown"),
    [
        ("Folgard", "folic-b6-b12", "Folgard \N{EM DASH} folic acid + vitamin B6 + vitamin B12"),
        ("Foltx", "folic-b6-b12", "Foltx \N{EM DASH} folic acid + vitamin B6 + vitamin B12"),
        ("my B vitamins", "folic-b6-b12", "my B vitamins \N{EM DASH} folic acid + vitamin B6 + vitamin B12"),
        ("folic acid/B6/B12", "folic-b6-b12", "folic acid + vitamin B6 + vitamin B12"),
        ("folic acid + vitamin B6 + vitamin B12", "folic-b6-b12", "folic acid + vitamin B6 + vitamin B12"),
        ("Lovenox", "enoxaparin", "Lovenox"),
        ("folic acid", "folic-acid", "folic acid"),
        ("CoQ10", None, "CoQ10"),
    ],
)
def test_display_name_shows_a_combinations_parts(name: str, generic: str | None, shown: str) -> None:
    assert catalog.display_name(name, generic) == shown


def test_the_combination_names_no_strength() -> None:
    """§9: strengths come from her label, never from the catalog."""
    drug = catalog.by_key("folic-b6-b12")
    assert drug.units == ("tablet",)
    assert "label" in drug.note


@pytest.mark.parametrize(
    ("generic", "folate"),
    [
        ("folic-acid", True),
        ("methylfolate", True),
        ("folic-b6-b12", True),
        ("aspirin", False),
        ("levothyroxine", False),
        (None, False),
    ],
)
def test_the_combination_counts_as_folate(generic: str | None, folate: bool) -> None:
    assert catalog.is_folate(generic) is folate


@pytest.mark.parametrize(
    ("mine", "other", "contains"),
    [
        ("folic-b6-b12", "folic-acid", True),  # Folgard holds folic acid
        ("folic-acid", "folic-acid", True),
        ("folic-acid", "folic-b6-b12", False),  # folic acid alone does not hold B6 or B12
        ("folic-b6-b12", "methylfolate", False),
        ("methylfolate", "folic-acid", False),
        ("aspirin", "folic-acid", False),
        (None, "folic-acid", False),
        ("folic-b6-b12", None, False),
    ],
)
def test_contains_drug(mine: str | None, other: str | None, contains: bool) -> None:
    assert catalog.contains_drug(mine, other) is contains


def test_parts_of_a_single_drug_or_her_own_are_empty() -> None:
    assert catalog.parts("folic-b6-b12") == PARTS
    assert catalog.parts("enoxaparin") == ()
    assert catalog.parts(None) == ()
