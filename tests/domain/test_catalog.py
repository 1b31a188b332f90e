"""The medication catalog: brands and spellings, unit rules (RELIABILITY E4, E5), no silent conversion."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rpltrack.domain import catalog
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import resolve_drug
from rpltrack.domain.quantities import Quantity, parse_quantity


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("lovenox", "enoxaparin"),
        ("Clexane", "enoxaparin"),
        ("  CLEXANE ", "enoxaparin"),
        ("enoxaparin sodium", "enoxaparin"),
        ("fragmin", "dalteparin"),
        ("Synthroid", "levothyroxine"),
        ("levo-t", "levothyroxine"),
        ("folgard", "folic-b6-b12"),
        ("Folgard RX", "folic-b6-b12"),
        ("baby aspirin", "aspirin"),
        ("low_dose aspirin", "aspirin"),
        ("PIO", "progesterone-in-oil"),
        ("crinone", "progesterone-vaginal"),
        ("prometrium", "progesterone-oral"),
        ("heparin", "heparin"),
        ("innohep", "tinzaparin"),
        ("methylfolate", "methylfolate"),
    ],
    ids=lambda v: str(v),
)
def test_lookup_finds_the_generic_behind_a_brand(name, key):
    drug = catalog.lookup(name)
    assert drug is not None
    assert drug.key == key


@pytest.mark.parametrize("name", ["progesterone", "my vitamins", "", "lmwh"], ids=str)
def test_lookup_of_a_general_or_unknown_word_is_none(name):
    assert catalog.lookup(name) is None


def test_every_alias_names_exactly_one_drug():
    seen: dict[str, str] = {}
    for drug in catalog.CATALOG:
        for alias in {drug.key, drug.name, *drug.aliases}:
            folded = alias.casefold()
            assert seen.setdefault(folded, drug.key) == drug.key, f"{alias!r} is claimed twice"


def test_progesterone_alone_asks_which_form():
    assert catalog.family_members("Progesterone") == (
        "progesterone-in-oil",
        "progesterone-vaginal",
        "progesterone-oral",
    )
    with pytest.raises(ValidationError) as caught:
        resolve_drug("progesterone")
    message = caught.value.message
    assert message.startswith("which progesterone? say ")
    for form in ("progesterone in oil", "vaginal progesterone", "oral progesterone"):
        assert form in message


def test_her_own_medication_resolves_to_no_catalog_entry():
    assert resolve_drug("CoQ10") == (None, None)


def test_by_key_unknown_raises_key_error():
    with pytest.raises(KeyError):
        catalog.by_key("nope")


def _check(drug_name: str, text: str) -> Quantity:
    drug = catalog.lookup(drug_name)
    assert drug is not None
    return drug.check_dose(parse_quantity(text))


@pytest.mark.parametrize(
    ("drug", "text", "stored"),
    [
        # E4: levothyroxine is stored and shown in micrograms
        ("levothyroxine", "0.1 mg", "100 mcg"),
        ("levothyroxine", "100 mcg", "100 mcg"),
        ("levothyroxine", "100 µg", "100 mcg"),
        ("levothyroxine", "100 ug", "100 mcg"),
        ("synthroid", "0.088 mg", "88 mcg"),
        ("levothyroxine", "0.0001 g", "100 mcg"),
        # E5: enoxaparin kept as entered, mg or IU, never converted between them
        ("enoxaparin", "40 mg", "40 mg"),
        ("lovenox", "4000 IU", "4000 IU"),
        ("enoxaparin", "0.04 g", "40 mg"),
        # dalteparin in IU; heparin units and IU as entered
        ("fragmin", "5000 IU", "5000 IU"),
        ("heparin", "5000 units", "5000 units"),
        ("heparin", "5000 IU", "5000 IU"),
        # mass units convert into the canonical unit
        ("aspirin", "81 mg", "81 mg"),
        ("aspirin", "0.081 g", "81 mg"),
        ("aspirin", "81000 mcg", "81 mg"),
        ("folic acid", "400 mcg", "400 mcg"),
        ("folic acid", "0.4 mg", "0.4 mg"),
        ("folgard", "1 tablet", "1 tablet"),
        ("PIO", "1 mL", "1 mL"),
        ("PIO", "50 mg", "50 mg"),
        ("crinone", "1 applicator", "1 applicator"),
    ],
    ids=lambda v: str(v),
)
def test_check_dose_stores_the_canonical_amount(drug, text, stored):
    assert str(_check(drug, text)) == stored


@pytest.mark.parametrize(
    ("drug", "text", "message"),
    [
        ("levothyroxine", "100 mg", "100 mg of levothyroxine looks like a unit slip: did you mean 100 mcg?"),
        ("synthroid", "75 mg", "did you mean 75 mcg?"),
        ("levothyroxine", "1 tablet", "levothyroxine is not measured in tablet: enter it in mcg"),
        (
            "dalteparin",
            "50 mg",
            "no verified conversion from mg for dalteparin: enter the IU on your syringe",
        ),
        ("fragmin", "5000 units", "dalteparin is not measured in units: enter it in IU"),
        ("tinzaparin", "3.5 mg", "enter the IU on your syringe"),
        ("heparin", "5 mg", "heparin is measured in units: enter the units on your syringe or vial"),
        ("enoxaparin", "1 tablet", "enoxaparin is not measured in tablet: enter it in mg or IU"),
        ("enoxaparin", "0.4 mL", "enoxaparin is not measured in mL"),
        ("aspirin", "5000 IU", "aspirin (low dose) is not measured in IU"),
        ("folgard", "1 mg", "folic acid + vitamin B6 + vitamin B12 is counted in tablets (e.g. 1 tablet)"),
        ("Foltx", "2.5 mg", "its strengths vary by product, so note the amounts on your label"),
        ("folbic", "500 mcg", "is counted in tablets"),
    ],
    ids=lambda v: str(v),
)
def test_check_dose_refuses_unit_slips_with_a_hint(drug, text, message):
    with pytest.raises(ValidationError) as caught:
        _check(drug, text)
    assert message in caught.value.message
    assert caught.value.field == "dose"


def test_heparin_units_are_never_converted_to_iu_or_back():
    drug = catalog.by_key("heparin")
    for unit in ("units", "IU"):
        quantity = Quantity(Decimal(5000), unit)
        assert drug.check_dose(quantity) == quantity


def test_no_catalog_drug_converts_between_iu_units_and_mass():
    """E5: no conversion exists without a ratio entry; IU and units stay as entered for every drug."""
    for drug in catalog.CATALOG:
        for unit in ("IU", "units"):
            if unit in drug.units:
                assert drug.check_dose(Quantity(Decimal(1000), unit)).unit == unit


def test_every_catalog_drug_has_a_unit_and_route_it_can_be_dosed_in():
    for drug in catalog.CATALOG:
        assert drug.units
        assert drug.routes
        assert drug.default_unit in drug.units
        if drug.anticoagulant:
            assert drug.injection_sites
