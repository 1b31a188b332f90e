"""The APS loss-pattern rule (issue #15): the losses it counted by date and kind, and its question with and
without antiphospholipid results on file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.labs import LabResult, LabValue
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.flags.aps_rules import aps_clinical_pattern
from rpltrack.flags.model import Flag, JournalSnapshot

NOW = datetime(2027, 1, 4, 12, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
US = Confirmation.ULTRASOUND

RUN = (
    Pregnancy(None, Outcome.MISCARRIAGE, date(2024, 11, 2), 8 * 7 + 2, US),
    Pregnancy(None, Outcome.BIOCHEMICAL, date(2025, 5, 21), approximate=True),
    Pregnancy(None, Outcome.BIOCHEMICAL, date(2026, 1, 30), 4 * 7 + 5),
    Pregnancy(None, Outcome.PUL, date(2026, 4, 2)),
    Pregnancy(None, Outcome.MISCARRIAGE, date(2026, 7, 18), 7 * 7 + 5, US),
)
LA = LabResult("la", date(2026, 9, 15), LabValue(text="positive", raw="positive"), on_anticoagulant=True)
ACL = LabResult("acl-igg", date(2026, 9, 15), LabValue(number=Decimal(12), unit="GPL", raw="12 GPL"))
B2 = LabResult("b2gpi-igg", date(2026, 12, 10), LabValue(number=Decimal(3), unit="U/mL", raw="3 U/mL"))
LA_REPEAT = LabResult("la", date(2026, 12, 10), LabValue(text="negative", raw="negative"))


def flag_for(*labs: LabResult, pregnancies: tuple[Pregnancy, ...] = RUN) -> Flag:
    journal = JournalSnapshot(now=NOW, zone=LONDON, pregnancies=pregnancies, labs=labs)
    (flag,) = [item for item in aps_clinical_pattern(journal) if isinstance(item, Flag)]
    return flag


def test_the_counted_losses_are_listed_by_date_and_kind() -> None:
    flag = flag_for()
    assert flag.detail == (
        "Your record shows a loss pattern that is one of the clinical criteria used for antiphospholipid "
        "syndrome (revised Sapporo 2006): 5 losses in a row before 10 weeks: a miscarriage at 8w 2d on "
        "2024-11-02, a biochemical pregnancy loss (no weeks recorded) on 2025-05-21, a biochemical pregnancy "
        "loss at 4w 5d on 2026-01-30, a pregnancy of unknown location (no weeks recorded) on 2026-04-02, a "
        "miscarriage at 7w 5d on 2026-07-18."
    )
    assert flag.numbers["early_run_losses"] == (
        "2024-11-02 miscarriage 8w 2d; 2025-05-21 biochemical; 2026-01-30 biochemical 4w 5d; 2026-04-02 pul; "
        "2026-07-18 miscarriage 7w 5d"
    )
    assert (flag.numbers["early_run_biochemical"], flag.numbers["early_run_pul"]) == (2, 1)
    assert (
        "rpltrack counts every loss before 10+0 weeks, including 2 biochemical losses and 1 pregnancy of "
        "unknown location seen only on a pregnancy test [app convention]; criteria and clinics differ on "
        "whether such losses count, so your care team can judge from the list above."
    ) in flag.context


def test_a_run_of_clinical_losses_only_has_no_biochemical_caveat() -> None:
    later = Pregnancy(None, Outcome.MISCARRIAGE, date(2026, 10, 1), 6 * 7, US)
    clinical = (*(p for p in RUN if p.outcome is Outcome.MISCARRIAGE), later)
    flag = flag_for(pregnancies=clinical)
    assert "3 losses in a row before 10 weeks: a miscarriage at 8w 2d on 2024-11-02" in flag.detail
    assert (flag.numbers["early_run_biochemical"], flag.numbers["early_run_pul"]) == (0, 0)
    assert not any("seen only on a pregnancy test" in line for line in flag.context)


def test_without_results_it_asks_whether_testing_is_appropriate() -> None:
    flag = flag_for()
    assert flag.ask == "Ask your care team whether antiphospholipid antibody testing is appropriate."
    assert "Antiphospholipid results on file" not in flag.detail
    assert flag.numbers["apl_results"] == 0
    assert flag.sources == ("S7", "S8")


def test_with_results_it_speaks_of_them_and_the_12_week_repeat() -> None:
    flag = flag_for(LA, ACL, B2, LA_REPEAT)
    assert flag.ask == (
        "Ask your care team how your antiphospholipid results (lupus anticoagulant, anticardiolipin IgG, "
        "anti-β2GPI IgG) fit this pattern, and whether a repeat 12 weeks after any positive is needed."
    )
    assert "testing is appropriate" not in flag.ask
    assert flag.detail.endswith(
        " Antiphospholipid results on file: lupus anticoagulant positive on 2026-09-15 (drawn while on an "
        "anticoagulant); anticardiolipin IgG 12 GPL on 2026-09-15; anti-β2GPI IgG 3 U/mL on 2026-12-10; "
        "lupus anticoagulant negative on 2026-12-10."
    )
    assert flag.numbers["apl_results"] == 4
    assert flag.numbers["apl_tests"] == "la; acl-igg; b2gpi-igg"  # each test once, in date order
    assert flag.numbers["latest_apl_result_on"] == "2026-12-10"
    assert "S9" in flag.sources
    assert any("repeat at least 12 weeks later [S7] [S9]" in line for line in flag.context)


@pytest.mark.parametrize(
    "lab",
    [
        pytest.param(
            LabResult("tsh", date(2026, 9, 15), LabValue(number=Decimal(2), unit="mIU/L")), id="tsh"
        ),
        pytest.param(
            LabResult("la", date(2027, 2, 1), LabValue(text="positive", raw="positive")), id="future-la"
        ),
    ],
)
def test_other_tests_and_future_results_do_not_count_as_results_on_file(lab: LabResult) -> None:
    assert flag_for(lab).ask == "Ask your care team whether antiphospholipid antibody testing is appropriate."


def test_a_fetal_loss_lists_its_age_and_date_and_asks_about_results_on_file() -> None:
    late = (Pregnancy(None, Outcome.MISCARRIAGE, date(2025, 3, 1), 12 * 7, Confirmation.HISTOLOGY),)
    flag = flag_for(ACL, pregnancies=late)
    assert "a loss at 12w 0d on 2025-03-01" in flag.detail
    assert flag.ask.startswith("Ask your care team how your antiphospholipid results (anticardiolipin IgG)")
