"""RELIABILITY E1, E4, E5: impossible values refused with a field-specific sentence; levothyroxine kept in
micrograms; LMWH and heparin units stored as entered, never converted without a ratio in the reference."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.betas import parse_hcg
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.datetext import parse_past_date
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labcatalog import parse_lab_value, resolve
from rpltrack.domain.medspec import MedicationInput, build_medication
from rpltrack.domain.pregnancies import Outcome, Pregnancy

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)


def med(name: str, dose: str) -> str:
    return str(
        build_medication(MedicationInput(name=name, dose=dose, times="08:00"), LONDON, NOW).current.amount
    )


@pytest.mark.parametrize(
    ("attempt", "field", "words"),
    [
        (lambda: med("aspirin", "0 mg"), "dose", "above zero"),
        (lambda: med("aspirin", "-81 mg"), "dose", "cannot be negative"),
        (lambda: parse_hcg("-1"), "value", "cannot be negative"),
        (lambda: parse_lab_value(resolve("TSH"), "-0.1"), "value", "cannot be negative"),
        (lambda: parse_past_date("2026-11-24", NOW.date(), "date"), "date", "future"),
        (
            lambda: Cycle(CycleKind.FET, date(2026, 11, 1)).check_transfer(Transfer(date(2026, 10, 30), 5)),
            "date",
            "before this cycle's CD1",
        ),
        (
            lambda: Cycle(
                CycleKind.IVF, date(2026, 10, 1), transfers=(Transfer(date(2026, 10, 20), 5),)
            ).check_event(CycleEvent(EventKind.RETRIEVAL, date(2026, 10, 25))),
            "date",
            "retrieval on 2026-10-25 would come after",
        ),
        (
            lambda: Pregnancy(date(2026, 10, 1), Outcome.MISCARRIAGE, ended_on=date(2026, 9, 1)),
            "date",
            "before the positive test",
        ),
    ],
    ids=[
        "dose-zero",
        "dose-negative",
        "beta-negative",
        "tsh-negative",
        "lab-dated-tomorrow",
        "transfer-before-cycle",
        "retrieval-after-transfer",
        "loss-before-pregnancy",
    ],
)
def test_e1_impossible_values_rejected(attempt, field, words):
    """E1: each impossible value is refused with a sentence naming what was wrong, beside its field."""
    with pytest.raises(ValidationError) as caught:
        attempt()
    assert words in caught.value.message
    assert caught.value.field == field


@pytest.mark.parametrize("dose", ["0.1 mg", "100 mcg", "100 µg", "100 ug"])
def test_e4_levothyroxine_in_mcg(dose: str) -> None:
    """E4: the same 100 micrograms written four ways is stored and shown as 100 mcg."""
    assert med("levothyroxine", dose) == "100 mcg"


def test_e4_levothyroxine_100_mg_is_a_probable_unit_slip() -> None:
    with pytest.raises(ValidationError, match="did you mean 100 mcg"):
        med("levothyroxine", "100 mg")


@pytest.mark.parametrize(
    ("name", "dose", "stored"),
    [
        ("enoxaparin", "4000 IU", "4000 IU"),
        ("enoxaparin", "40 mg", "40 mg"),
        ("dalteparin", "5000 IU", "5000 IU"),
        ("heparin", "5000 units", "5000 units"),
    ],
)
def test_e5_lmwh_units(name: str, dose: str, stored: str) -> None:
    """E5: LMWH and heparin doses are stored exactly as entered. The clinical reference has no label ratio
    for enoxaparin mg to anti-Xa IU, so rpltrack shows no "≈ IU" figure and converts nothing."""
    assert med(name, dose) == stored


def test_e5_dalteparin_in_mg_is_blocked_without_a_verified_conversion() -> None:
    with pytest.raises(ValidationError, match="no verified conversion"):
        med("dalteparin", "50 mg")
