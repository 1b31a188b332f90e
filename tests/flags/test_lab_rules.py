"""The lab rules: TSH target ladder, progesterone around transfer, vitamin D, printed ranges, antiphospholipid
repeats, platelet falls on heparin and retests due — thresholds, units, censored values, clinic overrides."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from rpltrack.domain import labcatalog
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import Medication, Regimen, Timing, TimingKind
from rpltrack.domain.pregnancies import Outcome, Pregnancy
from rpltrack.domain.quantities import Quantity
from rpltrack.flags import clotting_rules, lab_rules, retest_rules
from rpltrack.flags.model import Flag, JournalSnapshot, Unjudged
from rpltrack.flags.sources import SOURCES
from tests.cli.support import Cli

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)  # 12:00 in London; today is 2026-06-01
DAILY = Timing(TimingKind.TIMES, times=(time(8),))

Rule = Callable[[JournalSnapshot], Iterator[Flag | Unjudged]]


def lab(
    test: str,
    on: date,
    text: str = "",
    unit: str | None = None,
    *,
    id: int = 1,
    range: str | None = None,
    on_anticoagulant: bool = False,
) -> LabResult:
    found = labcatalog.resolve(test)
    value = labcatalog.parse_lab_value(found, text, unit)
    reference = labcatalog.parse_range(range) if range else None
    return LabResult(found.key, on, value, reference=reference, on_anticoagulant=on_anticoagulant, id=id)


def med(
    name: str,
    start: date,
    *,
    generic: str | None = None,
    own: bool = False,
    end: date | None = None,
    changes: tuple[date, ...] = (),
    id: int = 10,
    amount: Quantity | None = None,
) -> Medication:
    dose = amount or Quantity(Decimal(40), "mg")
    regimens = tuple(Regimen(day, dose, DAILY) for day in (start, *changes))
    key = None if own else generic or name
    return Medication(name, key, "oral", "Europe/London", regimens, end_on=end, id=id)


def levothyroxine(end: date | None = None, changes: tuple[date, ...] = ()) -> Medication:
    dose = Quantity(Decimal(50), "mcg")
    return med("levothyroxine", date(2026, 1, 1), end=end, changes=changes, amount=dose, id=3)


# FET: day-5 transfer on 2026-02-08, so the LMP-equivalent is 2026-01-20 (GA 18w6d on 2026-06-01).
FET = Cycle(CycleKind.FET, date(2026, 1, 20), transfers=(Transfer(date(2026, 2, 8), 5),), id=1)
PREGNANT = Pregnancy(date(2026, 2, 18), Outcome.ONGOING, cycle_id=1, id=7)


def snap(
    *labs: LabResult,
    meds: tuple[Medication, ...] = (),
    pregnant: bool = False,
    cycles: tuple[Cycle, ...] = (),
    settings: dict[str, str] | None = None,
    now: datetime = NOW,
) -> JournalSnapshot:
    return JournalSnapshot(
        now=now,
        zone=LONDON,
        labs=labs,
        pregnancies=(PREGNANT,) if pregnant else (),
        cycles=cycles or ((FET,) if pregnant else ()),
        medications=meds,
        settings=settings or {},
    )


def run(rule: Rule, journal: JournalSnapshot) -> tuple[list[Flag], list[Unjudged]]:
    items = list(rule(journal))
    return [i for i in items if isinstance(i, Flag)], [i for i in items if isinstance(i, Unjudged)]


def outcome(rule: Rule, journal: JournalSnapshot) -> str:
    """'none', 'unjudged', or 'flag' for a rule that yields at most one item."""
    flags, unjudged = run(rule, journal)
    assert len(flags) + len(unjudged) <= 1, (flags, unjudged)
    if flags:
        return "flag"
    return "unjudged" if unjudged else "none"


def tsh(text: str, on: date = date(2026, 3, 2), *, id: int = 1, range: str | None = None) -> LabResult:
    return lab("tsh", on, text, "mIU/L", id=id, range=range)


# ------------------------------------------------------------------------------------ tsh-above-target

TPO_POSITIVE = lab("tpo-ab", date(2026, 1, 10), "positive", id=50)

TSH_CASES = [
    pytest.param(
        snap(tsh("2.8"), meds=(levothyroxine(),)), ("2.5", "ATA 2017/ASRM 2015"), id="not-pregnant-2.8"
    ),
    pytest.param(snap(tsh("2.5")), None, id="not-pregnant-exactly-2.5-does-not-fire"),
    pytest.param(snap(tsh("2.51")), ("2.5", "ATA 2017/ASRM 2015"), id="not-pregnant-2.51"),
    pytest.param(
        snap(tsh("3.0", range="0.4-4.5")), ("2.5", "ATA 2017/ASRM 2015"), id="not-pregnant-range-unused"
    ),
    pytest.param(snap(tsh("3.9"), pregnant=True), None, id="pregnant-no-lt4-3.9-below-4.0"),
    pytest.param(snap(tsh("4.0"), pregnant=True), None, id="pregnant-no-lt4-exactly-4.0"),
    pytest.param(snap(tsh("4.1"), pregnant=True), ("4", "ATA 2017/2025"), id="pregnant-no-lt4-4.1"),
    pytest.param(
        snap(tsh("2.6"), pregnant=True, meds=(levothyroxine(),)),
        ("2.5", "ATA 2017"),
        id="pregnant-on-lt4-2.6",
    ),
    pytest.param(
        snap(tsh("2.6"), pregnant=True, meds=(levothyroxine(end=date(2026, 2, 1)),)),
        None,
        id="pregnant-lt4-ended-before-the-draw",
    ),
    pytest.param(
        snap(tsh("3.2", range="0.1-3.0"), pregnant=True), ("3", "printed range"), id="pregnant-printed-range"
    ),
    # §3 as corrected: in pregnancy a printed upper limit can make the target stricter, never looser.
    pytest.param(
        snap(tsh("2.8", range="0.1-3.0"), pregnant=True, meds=(levothyroxine(),)),
        ("2.5", "ATA 2017"),
        id="pregnant-lt4-printed-3.0-cannot-loosen-2.5",
    ),
    pytest.param(
        snap(tsh("3.6", range="0.4-4.0"), pregnant=True, meds=(levothyroxine(),)),
        ("2.5", "ATA 2017"),
        id="pregnant-lt4-3.6-printed-0.4-4.0",
    ),
    pytest.param(
        snap(tsh("3.6"), pregnant=True, meds=(levothyroxine(),)),
        ("2.5", "ATA 2017"),
        id="pregnant-lt4-3.6-no-range",
    ),
    pytest.param(
        snap(tsh("2.2", range="0.1-2.0"), pregnant=True, meds=(levothyroxine(),)),
        ("2", "printed range"),
        id="pregnant-lt4-printed-2.0-stricter",
    ),
    pytest.param(
        snap(tsh("2.0", range="0.1-2.0"), pregnant=True, meds=(levothyroxine(),)),
        None,
        id="pregnant-lt4-exactly-the-stricter-printed-2.0",
    ),
    pytest.param(
        snap(tsh("2.5", range="0.4-4.0"), pregnant=True, meds=(levothyroxine(),)),
        None,
        id="pregnant-lt4-exactly-2.5-with-a-printed-range",
    ),
    pytest.param(
        snap(tsh("4.2", range="0.4-4.5"), pregnant=True),
        ("4", "ATA 2017/2025"),
        id="pregnant-no-lt4-printed-4.5-cannot-loosen-4.0",
    ),
    pytest.param(
        snap(tsh("3.9", range="0.4-4.0"), pregnant=True),
        None,
        id="pregnant-no-lt4-printed-equal-to-4.0",
    ),
    pytest.param(
        snap(tsh("2.2", range="0.1-2.0")),
        None,
        id="not-pregnant-printed-stricter-unused",
    ),
    pytest.param(
        snap(tsh("3.0"), TPO_POSITIVE, pregnant=True),
        ("2.5", "ATA 2017/ASRM 2015"),
        id="tpo-positive-word-3.0",
    ),
    pytest.param(
        snap(tsh("3.0"), lab("tpo-ab", date(2026, 1, 10), "60", "IU/mL", id=50, range="<34"), pregnant=True),
        ("2.5", "ATA 2017/ASRM 2015"),
        id="tpo-above-printed-range",
    ),
    pytest.param(
        snap(tsh("3.0"), lab("tpo-ab", date(2026, 1, 10), "34", "IU/mL", id=50, range="<34"), pregnant=True),
        None,
        id="tpo-at-printed-high-is-not-positive",
    ),
    pytest.param(snap(tsh("2.5"), TPO_POSITIVE, pregnant=True), None, id="tpo-positive-tsh-exactly-2.5"),
    pytest.param(snap(tsh("<0.01")), None, id="censored-below-decides"),
    pytest.param(snap(tsh(">5")), ("2.5", "ATA 2017/ASRM 2015"), id="censored-above-decides"),
    pytest.param(snap(tsh("<3")), "unjudged", id="censored-undecided"),
    pytest.param(snap(tsh("<=2.5")), None, id="censored-at-most-target"),
    pytest.param(
        snap(tsh("5.0", date(2026, 2, 1), id=1), tsh("1.2", date(2026, 3, 2), id=2)), None, id="latest-only"
    ),
    pytest.param(snap(tsh("2.2"), settings={"tsh.target": "2.0"}), ("2", "clinic"), id="clinic-target-2.0"),
    pytest.param(snap(tsh("2.8"), settings={"tsh.target": "3.0"}), None, id="clinic-target-3.0-overrides"),
    pytest.param(
        snap(tsh("3.0"), TPO_POSITIVE, pregnant=True, settings={"tsh.target": "3.5"}),
        None,
        id="clinic-target-overrides-tpo-reason",
    ),
    pytest.param(snap(), None, id="no-tsh"),
]


@pytest.mark.parametrize(("journal", "expected"), TSH_CASES)
def test_tsh_above_target_ladder(journal: JournalSnapshot, expected: tuple[str, str] | str | None) -> None:
    flags, unjudged = run(lab_rules.tsh_above_target, journal)
    if expected is None:
        assert (flags, unjudged) == ([], [])
    elif expected == "unjudged":
        assert flags == []
        assert [u.text for u in unjudged] == ["cannot be judged from a censored value"]
    else:
        assert unjudged == []
        [flag] = flags
        assert (flag.numbers["target"], flag.numbers["target_source"]) == expected
        assert flag.rule == "tsh-above-target"
        assert flag.ask == "Ask your care team about your thyroid results."
        assert "S10" in flag.sources


def test_tsh_wording_matches_the_reference() -> None:
    [flag], _ = run(lab_rules.tsh_above_target, snap(tsh("2.8", id=12), meds=(levothyroxine(),)))
    assert flag.detail == (
        "Your TSH of 2.8 mIU/L (2026-03-02) is above the 2.5 mIU/L target (ATA 2017, treated hypothyroidism "
        "before pregnancy)."
    )
    assert flag.subject == "lab12"
    assert flag.since == date(2026, 3, 2)
    assert flag.sources == ("S10", "S12")
    assert flag.title == "TSH above target"
    assert flag.numbers == {
        "value": "2.8",
        "unit": "mIU/L",
        "target": "2.5",
        "target_source": "ATA 2017/ASRM 2015",
        "date": "2026-03-02",
        "tpo_positive": False,
        "clinic_target": False,
        "pregnant": False,
        "on_levothyroxine": True,
    }


def test_tsh_pregnant_without_lt4_cites_ata_2025_for_4_0() -> None:
    [flag], _ = run(lab_rules.tsh_above_target, snap(tsh("4.1"), pregnant=True))
    assert flag.sources == ("S10", "S11")
    assert "above the 4.0 mIU/L target" in flag.detail


def test_tsh_clinic_target_says_clinic_and_shows_the_guideline_default() -> None:
    journal = snap(tsh("2.2"), settings={"tsh.target": "2.0"})
    [flag], _ = run(lab_rules.tsh_above_target, journal)
    assert flag.clinic_target is True
    assert flag.numbers["clinic_target"] is True
    assert "your clinic's target of 2.0 mIU/L" in flag.detail
    assert flag.context[0].startswith("Guideline default for your situation: 2.5 mIU/L")


def test_tsh_above_a_stricter_printed_limit_names_the_report_and_the_guideline() -> None:
    journal = snap(tsh("2.2", range="0.1-2.0"), pregnant=True, meds=(levothyroxine(),))
    [flag], _ = run(lab_rules.tsh_above_target, journal)
    assert flag.detail == (
        "Your TSH of 2.2 mIU/L (2026-03-02) is above the 2.0 mIU/L target (the upper limit printed on your "
        "report, lower than the 2.5 mIU/L pregnancy target of ATA 2017)."
    )
    assert flag.sources == ("S10",)
    assert "guideline default" not in flag.detail


LT4_IN_PREGNANCY_DEFAULT = (
    "Guideline default for your situation: 2.5 mIU/L (ATA 2017, treated hypothyroidism in pregnancy)."
)


@pytest.mark.parametrize(
    ("printed", "context"),
    [
        pytest.param(
            "0.4-4.0",
            [LT4_IN_PREGNANCY_DEFAULT],
            id="printed-looser-is-not-the-guideline-default",
        ),
        pytest.param(
            "0.1-2.2",
            [
                LT4_IN_PREGNANCY_DEFAULT,
                "The upper limit printed on your report, 2.2 mIU/L, is lower, so without your clinic's "
                "target rpltrack would use it.",
            ],
            id="printed-stricter-named-as-the-reports",
        ),
    ],
)
def test_tsh_clinic_target_in_pregnancy_never_calls_a_printed_range_a_guideline_default(
    printed: str, context: list[str]
) -> None:
    journal = snap(
        tsh("2.8", range=printed), pregnant=True, meds=(levothyroxine(),), settings={"tsh.target": "2.0"}
    )
    [flag], _ = run(lab_rules.tsh_above_target, journal)
    assert flag.clinic_target is True
    assert list(flag.context) == context


def test_tsh_description_says_a_printed_range_never_raises_the_target() -> None:
    text = lab_rules.DESCRIPTIONS["tsh-above-target"]
    assert "never raises the target" in text
    assert "else the range printed on the report" not in text


def test_cli_flags_a_tsh_of_3_6_with_a_printed_0_4_4_0_while_pregnant_on_levothyroxine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15: `lab add TSH 3.6 --range 0.4-4.0` gave "Nothing to raise" while `lab add TSH 3.6` fired."""
    with freeze_time("2026-11-23 08:40:00"):
        cli = Cli(tmp_path / "journal.db", capsys)
        cli.ok("med", "add", "levothyroxine", "--dose", "50 mcg", "--times", "07:00", "--start", "2026-10-01")
        cli.ok("pregnancy", "add", "--date", "2026-11-05")
        cli.ok("lab", "add", "TSH", "3.6", "--range", "0.4-4.0", "--date", "2026-11-20")
        [flag] = [f for f in cli.json("flags") if f["id"] == "tsh-above-target"]
    assert flag["title"] == "TSH above target"
    assert flag["detail"] == (
        "Your TSH of 3.6 mIU/L (2026-11-20) is above the 2.5 mIU/L target (ATA 2017, treated hypothyroidism "
        "in pregnancy)."
    )
    assert flag["ask"] == "Ask your care team about your thyroid results."
    assert (flag["numbers"]["target"], flag["numbers"]["target_source"]) == ("2.5", "ATA 2017")
    assert flag["sources"] == ["S10"]


def test_tsh_tpo_reason_cites_ata_and_asrm() -> None:
    [flag], _ = run(lab_rules.tsh_above_target, snap(tsh("3.0"), TPO_POSITIVE, pregnant=True))
    assert flag.numbers["tpo_positive"] is True
    assert set(flag.sources) == {"S10", "S11", "S12"}
    assert "within the 4.0 mIU/L limit" in flag.detail
    assert "TPO antibody result (2026-01-10) is positive" in flag.detail
    assert any("ATA 2017 and ASRM 2015" in line for line in flag.context)


def test_tsh_above_target_and_tpo_positive_adds_the_tpo_context() -> None:
    [flag], _ = run(lab_rules.tsh_above_target, snap(tsh("4.5"), TPO_POSITIVE, pregnant=True))
    assert flag.numbers["target"] == "4"
    assert flag.numbers["tpo_positive"] is True
    assert any("TPO antibody" in line for line in flag.context)


# ------------------------------------------------------------------------------------ progesterone-low

TRANSFER_DAY = date(2026, 5, 20)
MEDICATED_FET = Cycle(CycleKind.FET, date(2026, 5, 1), transfers=(Transfer(TRANSFER_DAY, 5),), id=2)
NATURAL_FET = Cycle(CycleKind.NATURAL, date(2026, 5, 3), transfers=(Transfer(TRANSFER_DAY, 5),), id=2)
EVENT_FET = Cycle(
    CycleKind.FET, date(2026, 5, 1), events=(CycleEvent(EventKind.TRANSFER, TRANSFER_DAY),), id=2
)
VAGINAL_P = med("vaginal progesterone", date(2026, 5, 14), generic="progesterone-vaginal", id=20)


def p4(text: str, unit: str = "ng/mL", on: date = TRANSFER_DAY) -> LabResult:
    return lab("progesterone", on, text, unit, id=30)


def fet(
    *labs: LabResult,
    cycle: Cycle = MEDICATED_FET,
    meds: tuple[Medication, ...] = (VAGINAL_P,),
    settings: dict[str, str] | None = None,
) -> JournalSnapshot:
    return snap(*labs, cycles=(cycle,), meds=meds, settings=settings)


PROGESTERONE_CASES = [
    pytest.param(fet(p4("9.9")), "flag", id="9.9-fires"),
    pytest.param(fet(p4("10.0")), "none", id="10.0-exactly-does-not-fire"),
    pytest.param(fet(p4("31.5", "nmol/L")), "flag", id="31.5-nmol-fires"),
    pytest.param(fet(p4("31.8", "nmol/L")), "none", id="31.8-nmol-does-not-fire"),
    pytest.param(fet(p4("990", "ng/dL")), "flag", id="990-ng-dl-fires"),
    pytest.param(fet(p4("1000", "ng/dL")), "none", id="1000-ng-dl-does-not-fire"),
    pytest.param(fet(p4("9.0", on=date(2026, 5, 19))), "flag", id="day-before-transfer"),
    pytest.param(fet(p4("9.0", on=date(2026, 5, 21))), "flag", id="day-after-transfer"),
    pytest.param(fet(p4("5.0", on=date(2026, 5, 22))), "none", id="two-days-after-not-judged"),
    pytest.param(fet(p4("5.0", on=date(2026, 5, 18))), "none", id="two-days-before-not-judged"),
    pytest.param(fet(p4("9.0"), meds=()), "none", id="medicated-fet-without-progesterone-schedule"),
    pytest.param(
        fet(
            p4("9.0"),
            meds=(
                med(
                    "vaginal progesterone",
                    date(2026, 5, 1),
                    generic="progesterone-vaginal",
                    end=date(2026, 5, 10),
                    id=20,
                ),
            ),
        ),
        "none",
        id="progesterone-schedule-ended-before",
    ),
    pytest.param(fet(p4("9.0"), cycle=NATURAL_FET, meds=()), "flag", id="natural-cycle-fet-without-schedule"),
    pytest.param(fet(p4("9.0"), cycle=EVENT_FET), "flag", id="transfer-recorded-as-event"),
    pytest.param(snap(p4("9.0"), meds=(VAGINAL_P,)), "none", id="no-transfer-recorded"),
    pytest.param(fet(p4("<5")), "flag", id="censored-below-decides"),
    pytest.param(fet(p4("<12")), "unjudged", id="censored-undecided"),
    pytest.param(fet(p4(">10")), "none", id="censored-above-decides"),
    pytest.param(fet(p4("10.5"), settings={"progesterone.threshold": "11"}), "flag", id="clinic-11"),
    pytest.param(fet(p4("9.5"), settings={"progesterone.threshold": "9.2"}), "none", id="clinic-9.2"),
]


@pytest.mark.parametrize(("journal", "expected"), PROGESTERONE_CASES)
def test_progesterone_low(journal: JournalSnapshot, expected: str) -> None:
    assert outcome(lab_rules.progesterone_low, journal) == expected


def test_progesterone_wording_shows_nmol_and_the_caveat() -> None:
    [flag], _ = run(lab_rules.progesterone_low, fet(p4("9.4")))
    assert flag.detail == (
        "Your progesterone on transfer day was 9.4 ng/mL (29.9 nmol/L), below the 10 ng/mL (31.8 nmol/L) "
        "level linked to lower live-birth rates in some FET studies (Gaggiotti-Marre 2020; not in others)."
    )
    assert flag.ask == "Ask your care team whether your luteal support should be reviewed."
    assert flag.sources == ("S29",)
    assert flag.subject == "lab30"
    assert any("serum" in line and "disagree" in line for line in flag.context)


def test_progesterone_in_nmol_shows_the_ng_equivalent() -> None:
    [flag], _ = run(lab_rules.progesterone_low, fet(p4("31.5", "nmol/L")))
    assert "31.5 nmol/L (9.91 ng/mL)" in flag.detail


def test_progesterone_clinic_threshold_shows_the_default() -> None:
    [flag], _ = run(lab_rules.progesterone_low, fet(p4("10.5"), settings={"progesterone.threshold": "11"}))
    assert flag.clinic_target is True
    assert "your clinic's level of 11 ng/mL" in flag.detail
    assert flag.context[0].startswith("Guideline default: 10 ng/mL")


# --------------------------------------------------------------------------------------- vitamin-d-low


def vitd(text: str, unit: str = "ng/mL", on: date = date(2026, 4, 1), id: int = 40) -> LabResult:
    return lab("vitamin-d", on, text, unit, id=id)


VITAMIN_D_CASES = [
    pytest.param(snap(vitd("19.9")), "flag", id="19.9-fires"),
    pytest.param(snap(vitd("20")), "none", id="20-exactly-does-not-fire"),
    pytest.param(snap(vitd("49.9", "nmol/L")), "flag", id="49.9-nmol-fires"),
    pytest.param(snap(vitd("50", "nmol/L")), "none", id="50-nmol-does-not-fire"),
    pytest.param(snap(vitd("<10")), "flag", id="censored-below-decides"),
    pytest.param(snap(vitd("<25")), "unjudged", id="censored-undecided"),
    pytest.param(snap(vitd("25"), settings={"vitamin-d.threshold": "30"}), "flag", id="clinic-30"),
    pytest.param(snap(vitd("15", on=date(2026, 1, 1), id=1), vitd("32", id=2)), "none", id="latest-only"),
    pytest.param(snap(), "none", id="no-result"),
]


@pytest.mark.parametrize(("journal", "expected"), VITAMIN_D_CASES)
def test_vitamin_d_low(journal: JournalSnapshot, expected: str) -> None:
    assert outcome(lab_rules.vitamin_d_low, journal) == expected


def test_vitamin_d_wording_and_context() -> None:
    [flag], _ = run(lab_rules.vitamin_d_low, snap(vitd("49.9", "nmol/L")))
    assert "49.9 nmol/L (19.99 ng/mL)" in flag.detail
    assert "20 ng/mL (49.92 nmol/L)" in flag.detail
    assert flag.sources == ("S35",)
    assert any("Endocrine Society (2024) no longer endorses" in line for line in flag.context)


def test_vitamin_d_clinic_level_shows_the_default() -> None:
    [flag], _ = run(lab_rules.vitamin_d_low, snap(vitd("25"), settings={"vitamin-d.threshold": "30"}))
    assert flag.clinic_target is True
    assert "your clinic's level of 30 ng/mL" in flag.detail
    assert flag.context[0].startswith("Guideline default: below 20 ng/mL")


# ------------------------------------------------------------------------------------ lab-out-of-range

RANGE_CASES = [
    pytest.param(
        lab("prolactin", date(2026, 4, 1), "30", "ng/mL", range="5-25"), ("above", "app"), id="above"
    ),
    pytest.param(lab("prolactin", date(2026, 4, 1), "25", "ng/mL", range="5-25"), None, id="at-high-end"),
    pytest.param(lab("prolactin", date(2026, 4, 1), "5", "ng/mL", range="5-25"), None, id="at-low-end"),
    pytest.param(
        lab("prolactin", date(2026, 4, 1), "4.9", "ng/mL", range="5-25"), ("below", "app"), id="below"
    ),
    pytest.param(lab("prolactin", date(2026, 4, 1), "30", "ng/mL"), None, id="no-printed-range"),
    pytest.param(
        lab("platelets", date(2026, 4, 1), "140", range="150-450"), ("below", "S37"), id="platelets"
    ),
    pytest.param(
        lab("platelets", date(2026, 4, 1), "140000", "/µL", range="150000-450000"),
        ("below", "S37"),
        id="platelets-per-microlitre",
    ),
    pytest.param(
        lab("glucose", date(2026, 4, 1), "130", "mg/dL", range="70-99"), ("above", "S36"), id="glucose"
    ),
    pytest.param(
        lab("protein-s", date(2026, 4, 1), "50", "%", range="60-150"), ("below", "S6"), id="protein-s"
    ),
    pytest.param(
        lab("AMH", date(2026, 4, 1), "0.5", "ng/mL", range="1-4"), ("below", "app"), id="custom-test"
    ),
    pytest.param(
        lab("tpo-ab", date(2026, 4, 1), ">600", "IU/mL", range="<34"), ("above", "app"), id="censored-decides"
    ),
    pytest.param(
        lab("prolactin", date(2026, 4, 1), "<5", "ng/mL", range="3-25"), "unjudged", id="censored-undecided"
    ),
    pytest.param(lab("prolactin", date(2026, 4, 1), "<20", "ng/mL", range="<25"), None, id="censored-inside"),
]


@pytest.mark.parametrize(("result", "expected"), RANGE_CASES)
def test_lab_out_of_range(result: LabResult, expected: tuple[str, str] | str | None) -> None:
    flags, unjudged = run(lab_rules.lab_out_of_range, snap(result))
    if expected is None:
        assert (flags, unjudged) == ([], [])
    elif expected == "unjudged":
        assert flags == []
        assert [u.text for u in unjudged] == ["cannot be judged from a censored value"]
    else:
        [flag] = flags
        assert (flag.numbers["side"], flag.sources) == (expected[0], (expected[1],))
        assert flag.ask.startswith("Ask your care team")


def test_lab_out_of_range_judges_only_the_latest_of_each_test() -> None:
    journal = snap(
        lab("prolactin", date(2026, 1, 1), "40", "ng/mL", range="5-25", id=1),
        lab("prolactin", date(2026, 4, 1), "20", "ng/mL", range="5-25", id=2),
        lab("glucose", date(2026, 4, 1), "130", "mg/dL", range="70-99", id=3),
    )
    flags, _ = run(lab_rules.lab_out_of_range, journal)
    assert [f.subject for f in flags] == ["lab3"]


def test_lab_out_of_range_protein_s_notes_anticoagulants_and_pregnancy() -> None:
    result = lab("protein-s", date(2026, 4, 1), "50", "%", range="60-150", id=9)
    [flag], _ = run(lab_rules.lab_out_of_range, snap(result))
    assert flag.detail == (
        "Your protein S result of 50 % (2026-04-01) is below the reference range printed on your report "
        "(60-150)."
    )
    assert any(
        "unreliable on anticoagulants" in line and "protein S falls in pregnancy" in line
        for line in flag.context
    )


# -------------------------------------------------------------------------------------- apl-repeat-due

POSITIVE_ON = date(2026, 3, 1)  # + 84 days = 2026-05-24


def la(text: str, on: date = POSITIVE_ON, id: int = 60, on_anticoagulant: bool = False) -> LabResult:
    return lab("la", on, text, id=id, on_anticoagulant=on_anticoagulant)


def acl(
    text: str, on: date = POSITIVE_ON, id: int = 61, key: str = "acl-igg", range: str | None = None
) -> LabResult:
    unit = "GPL" if key == "acl-igg" else "MPL"
    return lab(key, on, text, unit, id=id, range=range)


APL_CASES = [
    pytest.param(snap(la("positive")), "2026-05-24", id="la-positive"),
    pytest.param(snap(la("weakly positive")), "2026-05-24", id="la-weakly-positive"),
    pytest.param(snap(la("negative")), None, id="la-negative"),
    pytest.param(
        snap(la("positive"), la("negative", date(2026, 5, 23), id=61)),
        "2026-05-24",
        id="retest-at-83-days-does-not-clear",
    ),
    pytest.param(
        snap(la("positive"), la("negative", date(2026, 5, 24), id=61)), None, id="retest-at-84-days-clears"
    ),
    pytest.param(
        snap(la("positive"), la("positive", date(2026, 3, 20), id=61)),
        "2026-05-24",
        id="early-second-positive-keeps-first-due",
    ),
    pytest.param(snap(acl("40")), "2026-05-24", id="acl-exactly-40"),
    pytest.param(snap(acl("39.9")), None, id="acl-39.9"),
    pytest.param(snap(acl("45", key="acl-igm")), "2026-05-24", id="acl-igm-45"),
    pytest.param(snap(acl("25", range="<20")), "2026-05-24", id="acl-above-printed-range"),
    pytest.param(snap(acl(">=40")), "2026-05-24", id="acl-censored-at-least-40"),
    pytest.param(snap(acl("<10")), None, id="acl-censored-below"),
    pytest.param(snap(acl("<50")), "unjudged", id="acl-censored-undecided"),
    pytest.param(
        snap(lab("b2gpi-igg", POSITIVE_ON, "30", "U/mL", range="<20", id=62)),
        "2026-05-24",
        id="b2gpi-above-range",
    ),
    pytest.param(
        snap(lab("b2gpi-igg", POSITIVE_ON, "15", "U/mL", range="<20", id=62)), None, id="b2gpi-within-range"
    ),
    pytest.param(
        snap(lab("b2gpi-igm", POSITIVE_ON, "45", "U/mL", id=62)), None, id="b2gpi-no-range-not-judged"
    ),
    pytest.param(
        snap(lab("b2gpi-igm", POSITIVE_ON, "positive", id=62)), "2026-05-24", id="b2gpi-positive-word"
    ),
    pytest.param(snap(la("positive"), settings={"retest.apl": "10w"}), "2026-05-10", id="clinic-10-weeks"),
    pytest.param(
        snap(
            la("positive", date(2025, 9, 1), id=1),
            la("positive", date(2025, 12, 1), id=2),
            la("positive", date(2026, 5, 1), id=3),
        ),
        None,
        id="confirmed-persistent-no-new-repeat",
    ),
    pytest.param(
        snap(
            la("positive", date(2025, 9, 1), id=1),
            la("negative", date(2025, 12, 1), id=2),
            la("positive", date(2026, 5, 1), id=3),
        ),
        "2026-07-24",
        id="new-positive-after-a-negative",
    ),
    pytest.param(snap(la("positive", date(2026, 6, 5))), None, id="future-dated-result-ignored"),
]


@pytest.mark.parametrize(("journal", "due"), APL_CASES)
def test_apl_repeat_due(journal: JournalSnapshot, due: str | None) -> None:
    flags, unjudged = run(clotting_rules.apl_repeat_due, journal)
    if due is None:
        assert (flags, unjudged) == ([], [])
    elif due == "unjudged":
        assert flags == []
        assert [u.text for u in unjudged] == ["cannot be judged from a censored value"]
    else:
        [flag] = flags
        assert flag.numbers["due"] == due
        assert f"due on or after {due}" in flag.detail
        assert flag.ask == (
            "Ask your care team about repeating this test; criteria require two positives at least 12 "
            "weeks apart."
        )
        assert flag.sources[:3] == ("S7", "S8", "S9")


def test_apl_exactly_40_shows_sydney_not_met_and_2023_moderate() -> None:
    [flag], _ = run(clotting_rules.apl_repeat_due, snap(acl("40")))
    assert flag.numbers["sydney_met"] is False
    assert flag.numbers["acr_eular_2023"] == "moderate"
    assert any(line.startswith("Sydney 2006") and "not met by 40 GPL" in line for line in flag.context)
    assert any(line.startswith("2023 ACR/EULAR") and "moderate (40-79)" in line for line in flag.context)


@pytest.mark.parametrize(
    ("text", "sydney", "bucket"),
    [
        pytest.param("45", True, "moderate", id="45"),
        pytest.param("80", True, "high", id="80-high"),
    ],
)
def test_apl_acl_buckets(text: str, sydney: bool, bucket: str) -> None:
    [flag], _ = run(clotting_rules.apl_repeat_due, snap(acl(text)))
    assert (flag.numbers["sydney_met"], flag.numbers["acr_eular_2023"]) == (sydney, bucket)


def test_apl_first_positive_is_the_subject_and_since() -> None:
    journal = snap(la("positive", id=1), la("positive", date(2026, 3, 20), id=2))
    [flag], _ = run(clotting_rules.apl_repeat_due, journal)
    assert (flag.subject, flag.since) == ("lab1", POSITIVE_ON)


def test_apl_la_on_anticoagulant_shows_the_caveat() -> None:
    [flag], _ = run(clotting_rules.apl_repeat_due, snap(la("positive", on_anticoagulant=True)))
    assert "S39" in flag.sources
    assert any("false positive" in line for line in flag.context)


def test_apl_clinic_interval_is_marked_and_shows_the_default() -> None:
    [flag], _ = run(clotting_rules.apl_repeat_due, snap(la("positive"), settings={"retest.apl": "10w"}))
    assert flag.clinic_target is True
    assert "your clinic's interval of 10 weeks" in flag.detail
    assert any("12 weeks (84 days)" in line for line in flag.context)


# ------------------------------------------------------------------------------ platelets-fall-on-heparin

HEPARIN_START = date(2026, 5, 1)
ENOXAPARIN = med("enoxaparin", HEPARIN_START, id=70)
DAY_8 = date(2026, 5, 9)


def plt(text: str, on: date, id: int, unit: str | None = None) -> LabResult:
    return lab("platelets", on, text, unit or "x10^9/L", id=id)


BASELINE = plt("300", date(2026, 4, 28), id=1)

PLATELET_CASES = [
    pytest.param(snap(BASELINE, plt("210", DAY_8, 2)), ("30.0", 1), id="300-to-210-exactly-30.0-fires"),
    pytest.param(snap(BASELINE, plt("211", DAY_8, 2)), None, id="300-to-211-29.7-does-not"),
    pytest.param(snap(BASELINE, plt("150", DAY_8, 2)), ("50.0", 1), id="exactly-50.0-is-1-point"),
    pytest.param(snap(BASELINE, plt("149", DAY_8, 2)), ("50.3", 2), id="50.3-is-2-points"),
    pytest.param(
        snap(plt("300000", date(2026, 4, 28), 1, "/µL"), plt("198000", DAY_8, 2, "/µL")),
        ("34.0", 1),
        id="per-microlitre",
    ),
    pytest.param(
        snap(plt("280", date(2026, 4, 20), 1), plt("300", date(2026, 4, 28), 3), plt("210", DAY_8, 2)),
        ("30.0", 1),
        id="reference-is-the-highest",
    ),
    pytest.param(
        snap(plt("300", date(2026, 5, 3), 1), plt("200", DAY_8, 2)),
        ("33.3", 1),
        id="earlier-on-heparin-count",
    ),
    pytest.param(snap(BASELINE, plt("<100", DAY_8, 2)), ("66.7", 2), id="censored-below-decides"),
    pytest.param(snap(BASELINE, plt(">250", DAY_8, 2)), None, id="censored-above-decides-no-fall"),
]


@pytest.mark.parametrize(("journal", "expected"), PLATELET_CASES)
def test_platelets_fall_on_heparin(journal: JournalSnapshot, expected: tuple[str, int] | None) -> None:
    journal = JournalSnapshot(now=journal.now, zone=LONDON, labs=journal.labs, medications=(ENOXAPARIN,))
    flags, unjudged = run(clotting_rules.platelets_fall_on_heparin, journal)
    if expected is None:
        assert (flags, unjudged) == ([], [])
    else:
        flag = flags[-1]
        assert (flag.numbers["fall_percent"], flag.numbers["fourts_thrombocytopenia_points"]) == expected
        assert flag.sources == ("S23", "S25")
        assert flag.subject == "lab2"


def test_platelet_wording_matches_the_reference() -> None:
    journal = snap(BASELINE, plt("198", DAY_8, 2), meds=(ENOXAPARIN,))
    [flag], _ = run(clotting_rules.platelets_fall_on_heparin, journal)
    assert flag.detail.startswith(
        "Your platelet count fell 34 % (from 300 to 198 \N{MULTIPLICATION SIGN}10⁹/L) on day 8 of enoxaparin"
    )
    assert '"days 5\N{EN DASH}10" timing band' in flag.detail
    assert flag.ask == (
        "Ask your care team about this result soon (falls like this are checked for heparin-induced "
        "thrombocytopenia)."
    )
    assert flag.numbers["heparin_day"] == 8
    assert flag.since == DAY_8


@pytest.mark.parametrize(
    ("day", "band"),
    [
        pytest.param(date(2026, 5, 4), "day 4 or earlier", id="day-3"),
        pytest.param(date(2026, 5, 6), "days 5\N{EN DASH}10", id="day-5"),
        pytest.param(date(2026, 5, 11), "days 5\N{EN DASH}10", id="day-10"),
        pytest.param(date(2026, 5, 12), "after day 10", id="day-11"),
    ],
)
def test_platelet_timing_band(day: date, band: str) -> None:
    [flag], _ = run(
        clotting_rules.platelets_fall_on_heparin, snap(BASELINE, plt("150", day, 2), meds=(ENOXAPARIN,))
    )
    assert flag.numbers["timing_band"] == band


@pytest.mark.parametrize(
    ("labs", "flags_on", "unjudged_on"),
    [
        pytest.param((plt("150", DAY_8, 2),), [], ["lab2"], id="no-baseline"),
        pytest.param(
            (plt("300", date(2026, 3, 25), 1), plt("150", DAY_8, 2)),
            [],
            ["lab2"],
            id="baseline-over-30-days-before",
        ),
        pytest.param((plt("300", HEPARIN_START, 1),), [], [], id="day-0-count-is-the-baseline"),
        pytest.param(
            (plt("300", date(2026, 5, 3), 1), plt("200", DAY_8, 2)),
            ["lab2"],
            ["lab1"],
            id="first-count-on-day-2",
        ),
        pytest.param((plt("100", date(2026, 4, 28), 1),), [], [], id="before-heparin-not-judged"),
        pytest.param((BASELINE, plt("<250", DAY_8, 2)), [], ["lab2"], id="censored-undecided"),
    ],
)
def test_platelet_baseline_needed(
    labs: tuple[LabResult, ...], flags_on: list[str], unjudged_on: list[str]
) -> None:
    flags, unjudged = run(clotting_rules.platelets_fall_on_heparin, snap(*labs, meds=(ENOXAPARIN,)))
    assert [f.subject for f in flags] == flags_on
    assert [u.subject for u in unjudged] == unjudged_on
    if unjudged_on and not flags_on and labs[-1].value.op.value == "=":
        assert unjudged[0].text == "no baseline platelet count recorded — cannot judge a fall"


@pytest.mark.parametrize(
    ("result_on", "judged"),
    [
        pytest.param(date(2026, 5, 20), True, id="10-days-after-last-dose"),
        pytest.param(date(2026, 6, 9), True, id="30-days-after-last-dose"),
        pytest.param(date(2026, 6, 10), False, id="31-days-after-last-dose"),
    ],
)
def test_platelets_judged_up_to_30_days_after_heparin(result_on: date, judged: bool) -> None:
    stopped = med("enoxaparin", HEPARIN_START, end=date(2026, 5, 10), id=70)
    journal = snap(BASELINE, plt("150", result_on, 2), meds=(stopped,), now=datetime(2026, 7, 1, tzinfo=UTC))
    flags, _ = run(clotting_rules.platelets_fall_on_heparin, journal)
    assert bool(flags) is judged


def test_platelets_not_on_heparin_are_not_judged() -> None:
    journal = snap(BASELINE, plt("150", DAY_8, 2), meds=(med("aspirin", HEPARIN_START, id=71),))
    assert run(clotting_rules.platelets_fall_on_heparin, journal) == ([], [])


# ------------------------------------------------------------------------------------------ retest-due


def retest(journal: JournalSnapshot) -> list[str]:
    flags, unjudged = run(retest_rules.retest_due, journal)
    assert unjudged == []
    return [f.subject for f in flags]


RETEST_TSH_CASES = [
    pytest.param(
        snap(tsh("2.0", date(2026, 5, 4), id=5), pregnant=True, meds=(levothyroxine(),)),
        ["tsh-pregnant:7:5"],
        id="lt4-last-tsh-28-days-ago",
    ),
    pytest.param(
        snap(tsh("2.0", date(2026, 5, 5), id=5), pregnant=True, meds=(levothyroxine(),)),
        [],
        id="lt4-27-days-ago",
    ),
    pytest.param(
        snap(tsh("2.0", date(2026, 5, 4), id=5), TPO_POSITIVE, pregnant=True),
        ["tsh-pregnant:7:5"],
        id="tpo-positive-without-lt4",
    ),
    pytest.param(snap(tsh("2.0", date(2026, 5, 4), id=5), pregnant=True), [], id="neither-lt4-nor-tpo"),
    pytest.param(
        snap(tsh("2.0", date(2026, 1, 15), id=5), pregnant=True, meds=(levothyroxine(),)),
        ["tsh-pregnant:7:none"],
        id="no-tsh-since-pregnancy-began",
    ),
    pytest.param(snap(tsh("2.0", date(2026, 1, 15), id=5), meds=(levothyroxine(),)), [], id="not-pregnant"),
    pytest.param(
        snap(
            tsh("2.0", date(2026, 5, 1), id=5),
            pregnant=True,
            meds=(levothyroxine(),),
            now=datetime(2026, 6, 8, 11, tzinfo=UTC),
        ),
        ["tsh-pregnant:7:5"],
        id="19w6d-still-every-4-weeks",
    ),
    pytest.param(
        snap(
            tsh("2.0", date(2026, 5, 1), id=5),
            pregnant=True,
            meds=(levothyroxine(),),
            now=datetime(2026, 6, 9, 11, tzinfo=UTC),
        ),
        [],
        id="20w0d-mid-gestation",
    ),
    pytest.param(
        snap(
            tsh("2.0", date(2026, 7, 1), id=5),
            pregnant=True,
            meds=(levothyroxine(),),
            now=datetime(2026, 8, 5, 11, tzinfo=UTC),
        ),
        ["tsh-30w:7"],
        id="28w1d-no-tsh-since-28w",
    ),
    pytest.param(
        snap(
            tsh("2.0", date(2026, 8, 4), id=5),
            pregnant=True,
            meds=(levothyroxine(),),
            now=datetime(2026, 8, 5, 11, tzinfo=UTC),
        ),
        [],
        id="28w1d-tsh-on-28w0d",
    ),
    pytest.param(
        snap(
            tsh("2.0", date(2026, 5, 1), id=5),
            pregnant=True,
            meds=(levothyroxine(),),
            now=datetime(2026, 7, 10, 11, tzinfo=UTC),
        ),
        [],
        id="24w-between-checks",
    ),
    pytest.param(
        snap(
            tsh("2.0", date(2026, 7, 1), id=5),
            pregnant=True,
            meds=(levothyroxine(),),
            now=datetime(2026, 9, 1, 11, tzinfo=UTC),
        ),
        [],
        id="32w0d-past-the-30-week-window",
    ),
    pytest.param(
        snap(
            tsh("2.0", date(2026, 5, 18), id=5),
            pregnant=True,
            meds=(levothyroxine(),),
            settings={"retest.tsh-pregnant": "2w"},
        ),
        ["tsh-pregnant:7:5"],
        id="clinic-every-2-weeks",
    ),
]


@pytest.mark.parametrize(("journal", "subjects"), RETEST_TSH_CASES)
def test_retest_tsh_while_pregnant(journal: JournalSnapshot, subjects: list[str]) -> None:
    assert retest(journal) == subjects


def test_retest_tsh_wording_and_clinic_mark() -> None:
    journal = snap(
        tsh("2.0", date(2026, 5, 18), id=5),
        pregnant=True,
        meds=(levothyroxine(),),
        settings={"retest.tsh-pregnant": "2w"},
    )
    [flag], _ = run(retest_rules.retest_due, journal)
    assert flag.clinic_target is True
    assert flag.detail.startswith("You are 18w 6d pregnant and on levothyroxine.")
    assert "every 2 weeks (your clinic's interval)" in flag.detail
    assert flag.ask == "Ask your care team whether a TSH check is due."
    assert flag.sources == ("S10",)
    assert flag.context[0] == "Guideline default: about every 4 weeks until mid-gestation (ATA 2017)."


# The LIT retest window is counted from treatment sessions: tests/flags/test_session_rules.py.


LT4_CHANGED = levothyroxine(changes=(date(2026, 4, 1),))
AFTER_LT4 = {"retest.after.levothyroxine": "TSH 6w"}  # due 2026-05-13

CLINIC_RETEST_CASES = [
    pytest.param(snap(meds=(LT4_CHANGED,), settings=AFTER_LT4), ["after:3:2026-04-01"], id="dose-change-due"),
    pytest.param(
        snap(meds=(LT4_CHANGED,), settings=AFTER_LT4, now=datetime(2026, 5, 12, 11, tzinfo=UTC)),
        [],
        id="dose-change-not-yet-due",
    ),
    pytest.param(
        snap(meds=(LT4_CHANGED,), settings=AFTER_LT4, now=datetime(2026, 5, 13, 11, tzinfo=UTC)),
        ["after:3:2026-04-01"],
        id="dose-change-due-on-the-day",
    ),
    pytest.param(
        snap(tsh("2.0", date(2026, 5, 15), id=5), meds=(LT4_CHANGED,), settings=AFTER_LT4),
        [],
        id="tsh-done-since",
    ),
    pytest.param(
        snap(tsh("2.0", date(2026, 4, 1), id=5), meds=(LT4_CHANGED,), settings=AFTER_LT4),
        ["after:3:2026-04-01"],
        id="tsh-on-the-change-day-does-not-count",
    ),
    pytest.param(snap(meds=(levothyroxine(),), settings=AFTER_LT4), [], id="running-without-a-change"),
    pytest.param(
        snap(
            meds=(med("prednisolone", date(2026, 3, 1), end=date(2026, 4, 10), id=90),),
            settings={"retest.after.prednisolone": "glucose 4w"},
        ),
        ["after:90:2026-04-10"],
        id="course-ended",
    ),
    pytest.param(
        snap(
            lab("glucose", date(2026, 5, 9), "90", "mg/dL", id=5),
            meds=(med("prednisolone", date(2026, 3, 1), end=date(2026, 4, 10), id=90),),
            settings={"retest.after.prednisolone": "glucose 4w"},
        ),
        [],
        id="course-ended-glucose-done",
    ),
    pytest.param(
        snap(
            meds=(med("Metformin", date(2026, 3, 1), own=True, end=date(2026, 4, 10), id=91),),
            settings={"retest.after.metformin": "Insulin 2w"},
        ),
        ["after:91:2026-04-10"],
        id="her-own-medication-and-lab",
    ),
    pytest.param(
        snap(
            lab("insulin", date(2026, 5, 1), "8", "mU/L", id=5),
            meds=(med("Metformin", date(2026, 3, 1), own=True, end=date(2026, 4, 10), id=91),),
            settings={"retest.after.metformin": "Insulin 2w"},
        ),
        [],
        id="her-own-lab-matched-ignoring-case",
    ),
]


@pytest.mark.parametrize(("journal", "subjects"), CLINIC_RETEST_CASES)
def test_retest_after_a_course(journal: JournalSnapshot, subjects: list[str]) -> None:
    assert retest(journal) == subjects


def test_retest_after_a_course_is_the_clinics() -> None:
    [flag], _ = run(retest_rules.retest_due, snap(meds=(LT4_CHANGED,), settings=AFTER_LT4))
    assert flag.clinic_target is True
    assert flag.sources == ("app",)
    assert flag.title == "TSH retest due"
    assert flag.numbers["due"] == "2026-05-13"
    assert flag.since == date(2026, 5, 13)
    assert "dose changed on 2026-04-01" in flag.detail


# ------------------------------------------------------------------------------------ all rules together

RULES: list[Rule] = [
    lab_rules.tsh_above_target,
    lab_rules.progesterone_low,
    lab_rules.vitamin_d_low,
    lab_rules.lab_out_of_range,
    clotting_rules.apl_repeat_due,
    clotting_rules.platelets_fall_on_heparin,
    retest_rules.retest_due,
]

BUSY = snap(
    tsh("2.8", date(2026, 5, 4), id=1, range="0.4-4.0"),
    TPO_POSITIVE,
    vitd("18", id=2),
    la("positive", id=3, on_anticoagulant=True),
    acl("40", id=4),
    BASELINE,
    plt("198", DAY_8, 5),
    lab("prolactin", date(2026, 4, 1), "30", "ng/mL", range="5-25", id=6),
    pregnant=True,
    meds=(LT4_CHANGED, ENOXAPARIN),
    settings=AFTER_LT4,
)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_rules_are_deterministic(rule: Rule) -> None:
    assert list(rule(BUSY)) == list(rule(BUSY))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_flags_are_plain_and_json_able(rule: Rule) -> None:
    import json

    for item in rule(BUSY):
        if isinstance(item, Flag):
            assert item.ask.startswith("Ask your care team")
            json.dumps(dict(item.numbers))
            assert item.sources
            assert item.rule in lab_rules.DESCRIPTIONS


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_flags_cite_known_sources(rule: Rule) -> None:
    for item in rule(BUSY):
        assert set(item.sources) <= set(SOURCES), item.sources


def test_every_rule_has_a_description() -> None:
    assert set(lab_rules.DESCRIPTIONS) == {
        "tsh-above-target",
        "progesterone-low",
        "vitamin-d-low",
        "lab-out-of-range",
        "apl-repeat-due",
        "platelets-fall-on-heparin",
        "retest-due",
    }
