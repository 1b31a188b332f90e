"""Protocol templates: reading (errors name the line and field), writing, the built-ins, applying, saving."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain import protocols
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import MedicationInput, build_medication
from rpltrack.domain.models import Medication, Regimen
from rpltrack.domain.protocol_writing import entry_from_medication, render_template, template_from_medications
from rpltrack.domain.protocols import (
    MissingDoses,
    Template,
    TemplateEntry,
    TemplateError,
    parse_template,
    plan,
)
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import replace

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)
FET = Cycle(CycleKind.FET, date(2026, 11, 1), id=1)
TRANSFERRED = replace(FET, transfers=(Transfer(date(2026, 11, 20), 5, id=1),))
PREGNANT = replace(TRANSFERRED, events=(CycleEvent(EventKind.POSITIVE_BETA, date(2026, 11, 29), id=1),))

GOOD = """\
name = "my-fet"
title = "My FET"
events = ["cd1", "transfer"]

[[medication]]
name = "aspirin"
dose = "81 mg"
times = ["08:00"]

[[medication]]
name = "progesterone in oil"
dose = "1 mL"
times = ["20:00"]
start = "transfer-5d"
until = "10w0d"
notes = "50 mg/mL"
"""


def with_line(old: str, new: str) -> str:
    assert GOOD.count(old) == 1
    return GOOD.replace(old, new)


# -- reading -----------------------------------------------------------------------------------------------


def test_a_good_template_reads_into_med_add_text() -> None:
    template = parse_template(GOOD)
    assert template.name == "my-fet"
    assert template.expected_events == ("cd1", "transfer")
    pio = template.medications[1]
    assert pio == TemplateEntry(
        "progesterone in oil", "1 mL", ("20:00",), start="transfer-5d", until="10w0d", notes="50 mg/mL"
    )
    assert pio.to_input() == MedicationInput(
        "progesterone in oil", "1 mL", times="20:00", start="transfer-5d", until="10w0d", notes="50 mg/mL"
    )
    assert pio.describe() == "20:00 daily, from 5 days before transfer, until 10w 0d of pregnancy"


@pytest.mark.parametrize(
    ("text", "line", "medication", "key", "words"),
    [
        pytest.param(
            with_line('title = "My FET"', 'title "My FET"'),
            2,
            None,
            None,
            "not valid TOML",
            id="syntax-error-names-its-line",
        ),
        pytest.param(
            with_line('dose = "1 mL"', 'dosage = "1 mL"'),
            12,
            2,
            "dosage",
            "unknown field 'dosage' (did you mean 'dose'?)",
            id="unknown-field",
        ),
        pytest.param(
            with_line('title = "My FET"', 'titel = "My FET"'),
            2,
            None,
            "titel",
            "did you mean 'title'?",
            id="unknown-top-level-field",
        ),
        pytest.param(
            with_line('name = "aspirin"\n', ""),
            5,
            1,
            "name",
            "name is required",
            id="missing-medication-name",
        ),
        pytest.param(
            with_line('dose = "81 mg"', 'dose = "81"').replace('"aspirin"', '"baby-aspirin-brand-x"'),
            7,
            1,
            "dose",
            "needs a unit",
            id="dose-without-unit",
        ),
        pytest.param(
            with_line('start = "transfer-5d"', 'start = "transfr-5d"'),
            14,
            2,
            "start",
            "cannot read 'transfr-5d' (did you mean 'transfer'?)",
            id="bad-anchor",
        ),
        pytest.param(
            with_line('until = "10w0d"', 'until = "36w9d"'),
            15,
            2,
            "until",
            "the days part runs from 0 to 6",
            id="bad-ga",
        ),
        pytest.param(
            with_line('times = ["20:00"]', 'times = ["25:00"]'),
            13,
            2,
            "times",
            "cannot read the time '25:00'",
            id="bad-time",
        ),
        pytest.param(
            with_line('start = "transfer-5d"', 'start = "2026-11-15"'),
            14,
            2,
            "start",
            "a template is reused from cycle to cycle, so it has no dates",
            id="date-instead-of-event",
        ),
        pytest.param(
            with_line('until = "10w0d"', 'until = "10w0d"\nfor = "10 days"'),
            16,
            2,
            "for",
            "either until or for",
            id="until-and-for",
        ),
        pytest.param(
            with_line('start = "transfer-5d"', 'start = "trigger"'),
            14,
            2,
            "start",
            "add 'trigger' to events",
            id="event-not-declared",
        ),
        pytest.param(
            with_line('events = ["cd1", "transfer"]', 'events = ["cd1", "transfr"]'),
            3,
            None,
            "events",
            "unknown event 'transfr'",
            id="unknown-event",
        ),
        pytest.param(
            with_line('until = "10w0d"', 'until = "transfer-6d"'),
            15,
            2,
            "until",
            "end (transfer-6d) before it starts (transfer-5d)",
            id="ends-before-it-starts",
        ),
        pytest.param(
            with_line('name = "aspirin"', 'name = "progesterone"'),
            6,
            1,
            "name",
            "which progesterone?",
            id="ambiguous-drug",
        ),
        pytest.param(
            with_line('dose = "81 mg"', 'dose = "81 mL"'),
            7,
            1,
            "dose",
            "aspirin (low dose) is not measured in mL",
            id="wrong-unit-family",
        ),
        pytest.param(
            with_line('times = ["08:00"]', 'times = ["08:00"]\nevery_days = "2"'),
            9,
            1,
            "every_days",
            "whole number",
            id="every-days-as-text",
        ),
        pytest.param(
            with_line('times = ["08:00"]', 'prn = "yes"'),
            8,
            1,
            "prn",
            "true or false",
            id="prn-not-a-boolean",
        ),
        pytest.param(
            with_line('name = "progesterone in oil"', 'name = "aspirin"').replace('"1 mL"', '"75 mg"'),
            11,
            2,
            "name",
            "aspirin is already [[medication]] 1",
            id="same-medication-twice",
        ),
        pytest.param(
            with_line('name = "my-fet"', 'name = "My FET!"'),
            1,
            None,
            "name",
            "cannot use 'My FET!' as a template name",
            id="bad-template-name",
        ),
        pytest.param("format = 2\n" + GOOD, 1, None, "format", "made by a newer rpltrack", id="newer-format"),
        pytest.param(
            GOOD.replace("[[medication]]", "[medication]", 1).split("\n[[medication]]")[0],
            None,
            None,
            "medication",
            "two brackets",
            id="single-brackets",
        ),
        pytest.param(
            with_line('dose = "81 mg"', 'dose = "81 mg"\ntaper = "20 mg x 6w"'),
            7,
            1,
            "dose",
            "either a dose or a taper",
            id="dose-and-taper",
        ),
        pytest.param(
            with_line('dose = "1 mL"', 'taper = "1 mL x 1w"'),
            14,
            2,
            "start",
            "a taper starts on the day the template is applied",
            id="anchored-taper",
        ),
    ],
)
def test_a_malformed_template_is_refused_naming_the_line_and_field(
    text: str, line: int | None, medication: int | None, key: str | None, words: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(text, source="mine.toml")
    error = caught.value
    assert words in error.message
    assert (error.line, error.medication, error.key) == (line, medication, key)
    assert error.message.startswith("mine.toml, ")
    if line is not None:
        assert f"line {line}" in error.message
    if medication is not None:
        assert f"[[medication]] {medication}" in error.message
    if key is not None:
        assert f"field {key}" in error.message


def test_a_syntax_error_gives_the_column_too() -> None:
    with pytest.raises(TemplateError, match=r"^t\.toml, line 2: column \d+: not valid TOML"):
        parse_template('name = "x"\ntitle = "unterminated\n', source="t.toml")


def test_lists_may_be_written_as_one_comma_separated_string() -> None:
    template = parse_template(with_line('times = ["20:00"]', 'times = "08:00, 20:00"'))
    assert template.medications[1].times == ("08:00", "20:00")


# -- writing -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "notes",
    [
        pytest.param('say "stop" \\ call', id="quotes-and-backslash"),
        pytest.param("line one\nline two\ttabbed", id="newline-and-tab"),
        pytest.param("50\u201390 kg \u00b7 \u00b5g \u00b7 \u65e9\u4e0a", id="unicode"),
        pytest.param("bell \x07 and delete \x7f", id="control-characters"),
        pytest.param("# not a comment = [[medication]]", id="toml-lookalike"),
    ],
)
def test_render_writes_toml_that_reads_back_equal(notes: str) -> None:
    template = parse_template(GOOD)
    entries = (replace(template.medications[0], notes=notes), *template.medications[1:])
    tricky = replace(template, medications=entries, note=notes, title='A title with "quotes"')
    assert parse_template(render_template(tricky)) == tricky


def test_a_missing_dose_is_written_as_a_comment_for_her_to_fill() -> None:
    template = parse_template(with_line('dose = "1 mL"\n', ""))
    text = render_template(template)
    assert "# dose = " in text
    assert parse_template(text).missing_doses == ("progesterone in oil",)


# -- the built-in examples -----------------------------------------------------------------------------------

BUILTIN_NAMES = (
    "aspirin-lmwh",
    "folic-acid-daily",
    "levothyroxine-daily",
    "medicated-fet-pio",
    "natural-fet",
    "prednisolone-taper",
)


def test_builtins_ship_as_package_data_and_are_found_through_importlib_resources() -> None:
    folder = resources.files("rpltrack.domain.protocol_templates")
    files = sorted(item.name for item in folder.iterdir() if item.name.endswith(".toml"))
    assert files == [f"{name}.toml" for name in BUILTIN_NAMES]
    assert tuple(t.name for t in protocols.builtin_templates()) == BUILTIN_NAMES
    assert all(t.builtin for t in protocols.builtin_templates())


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_every_builtin_says_it_is_an_example_and_reads_back_from_its_own_rendering(name: str) -> None:
    template = protocols.builtin_template(name)
    assert template is not None
    assert "not a recommendation" in template.note
    assert parse_template(render_template(template)) == template


# Doses she would copy from her prescription (test data, not numbers from any source).
DOSES = {
    "estradiol": "2 mg",
    "progesterone in oil": "1 mL",
    "vaginal progesterone": "1 applicator",
    "levothyroxine": "50 mcg",
}


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_every_builtin_applies_to_a_cycle_with_its_events_recorded(name: str) -> None:
    template = protocols.builtin_template(name)
    assert template is not None
    doses = {n: DOSES[n] for n in template.missing_doses}
    meds = plan(template, PREGNANT, LONDON, NOW, doses=doses)
    assert [m.name for m in meds] == [e.name for e in template.medications]
    assert not any(m.waiting for m in meds)
    assert all(m.created_at == NOW for m in meds)


def test_builtin_numbers_are_the_ones_the_clinical_reference_states() -> None:
    """§6b/§6c/§10 (aspirin 81 mg, enoxaparin 40 mg from a positive test, until 36w0d), §9 (folic acid
    0.4 mg), §8 (Tang 2013: 20 mg 6 weeks, 10 mg 1 week, 5 mg 1 week); everything else is hers to fill."""

    def amounts(name: str) -> list[tuple[Quantity, int]]:
        template = protocols.builtin_template(name)
        assert template is not None
        found = []
        for med in plan(template, PREGNANT, LONDON, NOW, doses=dict.fromkeys(template.missing_doses, "1 mg")):
            starts = [r.effective_on for r in med.schedule_regimens]
            ends = [*starts[1:], (med.last_day or starts[-1]) + timedelta(days=1)]
            found += [
                (r.amount, (end - r.effective_on).days)
                for r, end in zip(med.schedule_regimens, ends, strict=True)
            ]
        return found

    aps = protocols.builtin_template("aspirin-lmwh")
    assert aps is not None
    assert [(e.name, e.dose, e.start, e.until) for e in aps.medications] == [
        ("aspirin", "81 mg", "", "36w0d"),
        ("enoxaparin", "40 mg", "positive-beta", "36w0d"),
    ]
    assert amounts("folic-acid-daily")[0][0] == Quantity(Decimal("0.4"), "mg")
    assert amounts("prednisolone-taper") == [
        (Quantity(Decimal(20), "mg"), 42),
        (Quantity(Decimal(10), "mg"), 7),
        (Quantity(Decimal(5), "mg"), 7),
    ]
    for name in ("medicated-fet-pio", "natural-fet", "levothyroxine-daily"):
        template = protocols.builtin_template(name)
        assert template is not None
        assert template.missing_doses == tuple(e.name for e in template.medications)


# -- applying ------------------------------------------------------------------------------------------------


def test_medications_wait_for_events_not_yet_recorded() -> None:
    aspirin, pio = plan(parse_template(GOOD), FET, LONDON, NOW)
    assert not aspirin.waiting
    assert aspirin.start_on == NOW.date()
    assert pio.waiting
    assert pio.anchor_dates is not None
    assert pio.anchor_dates.waiting_for == "transfer"
    placed = plan(parse_template(GOOD), TRANSFERRED, LONDON, NOW)[1]
    # transfer 2026-11-20 day 5: LMP-equivalent 2026-11-01; 10w0d = +70 days = 2027-01-10, exclusive
    assert (placed.start_on, placed.last_day) == (date(2026, 11, 15), date(2027, 1, 9))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        pytest.param(
            {"doses": {"ibuprofen": "1 mg"}}, "has no medication called 'ibuprofen'", id="unknown-dose"
        ),
        pytest.param({"without": ["aspirin", "pio"]}, "nothing to apply", id="everything-left-out"),
        pytest.param({"doses": {"pio": "1 tablet"}}, "not measured in tablet", id="bad-override-unit"),
        pytest.param({"cycle": None}, "record the cycle first", id="needs-a-cycle"),
    ],
)
def test_applying_refuses_what_it_cannot_do(kwargs: dict[str, object], words: str) -> None:
    cycle = kwargs.pop("cycle", FET)
    with pytest.raises(ValidationError, match=words):
        plan(parse_template(GOOD), cycle, LONDON, NOW, **kwargs)  # type: ignore[arg-type]


def test_doses_are_given_by_name_or_brand_and_missing_ones_are_listed_together() -> None:
    template = parse_template(with_line('dose = "81 mg"\n', "").replace('dose = "1 mL"\n', ""))
    with pytest.raises(MissingDoses) as caught:
        plan(template, FET, LONDON, NOW)
    assert caught.value.names == ("aspirin", "progesterone in oil")
    assert "no dose for aspirin and progesterone in oil" in caught.value.message
    aspirin, pio = plan(
        template, FET, LONDON, NOW, doses=protocols.parse_dose_overrides(["asa=75 mg", "PIO=1 mL"])
    )
    assert (str(aspirin.current.amount), str(pio.current.amount)) == ("75 mg", "1 mL")
    (only,) = plan(template, FET, LONDON, NOW, doses={"aspirin": "75 mg"}, without=["progesterone in oil"])
    assert only.name == "aspirin"


@pytest.mark.parametrize("text", ["aspirin", "=81 mg", "aspirin="])
def test_a_dose_override_is_name_equals_amount(text: str) -> None:
    with pytest.raises(ValidationError, match="NAME=AMOUNT"):
        protocols.parse_dose_overrides([text])


def test_start_on_dates_the_medications_without_a_start_of_their_own() -> None:
    aspirin, pio = plan(parse_template(GOOD), TRANSFERRED, LONDON, NOW, start_on=date(2026, 12, 1))
    assert aspirin.start_on == date(2026, 12, 1)
    assert pio.start_on == date(2026, 11, 15)


# -- her regimen as a template -------------------------------------------------------------------------------


def build(cycle: Cycle, **fields: object) -> Medication:
    spec = MedicationInput(**{"dose": "", **fields})  # type: ignore[arg-type]
    return build_medication(spec, LONDON, NOW, cycle)


REGIMEN = (
    {"name": "estradiol", "dose": "2 mg", "times": "08:00,20:00", "start": "cd1", "until": "transfer+14d"},
    {"name": "pio", "dose": "1 mL", "times": "20:00", "start": "transfer-5d", "until": "10w0d", "notes": "x"},
    {"name": "lovenox", "dose": "40 mg", "every": "12h", "times": "09:00", "start": "positive-beta"},
    {"name": "medrol", "dose": "4 mg", "times": "08:00", "start": "retrieval-1d", "for_": "4 days"},
    {"name": "prednisolone", "taper": "20 mg x 6w; 10 mg x 1w; 5 mg x 3d", "times": "08:00"},
    {"name": "doxycycline", "dose": "100 mg", "times": "08:00,20:00", "for_": "10 days", "route": "oral"},
    {"name": "folic acid", "dose": "0.4 mg", "times": "08:00", "weekdays": "mon,wed,fri"},
    {"name": "ondansetron", "dose": "4 mg", "prn": True},
)


def shape(med: Medication, cycle: Cycle) -> tuple[object, ...]:
    """What must survive a save and re-apply: the `med add` text, and the first and last days counted from
    CD1 (anchored) or from the day it was applied."""
    entry, _ = entry_from_medication(med)
    base = cycle.cd1 if med.start_anchor else med.regimens[0].effective_on
    end = None if med.last_day is None else (med.last_day - base).days
    doses: list[tuple[object, ...]] = []
    for regimen in med.schedule_regimens:
        dose = (regimen.amount, regimen.timing.describe())
        if not doses or doses[-1][0] != dose:  # a regimen dated the day it was added repeats the first
            doses.append((dose, (regimen.effective_on - base).days))
    return entry, med.generic, med.route, (med.start_on - base).days, end, tuple(doses)


def test_her_regimen_saved_and_applied_to_the_next_cycle_gives_the_same_schedules() -> None:
    first = replace(
        PREGNANT, events=(*PREGNANT.events, CycleEvent(EventKind.RETRIEVAL, date(2026, 11, 15), id=2))
    )
    mine = [build(first, **fields) for fields in REGIMEN]
    template, notes = template_from_medications("my-fet", mine, cycle_kind="fet")
    assert notes == []
    assert template.expected_events == ("cd1", "retrieval", "transfer", "positive-beta")
    assert template.medications[4].taper == "20 mg x 6w; 10 mg x 1w; 5 mg x 3d"
    assert template.medications[5].for_ == "10 days"
    assert parse_template(render_template(template)) == template
    later = NOW + timedelta(days=90)
    second = Cycle(
        CycleKind.FET,
        date(2027, 2, 1),
        id=2,
        events=(
            CycleEvent(EventKind.RETRIEVAL, date(2027, 2, 15)),
            CycleEvent(EventKind.POSITIVE_BETA, date(2027, 3, 1)),
        ),
        transfers=(Transfer(date(2027, 2, 20), 5),),
    )
    again = plan(template, second, LONDON, later)
    assert [shape(m, second) for m in again] == [shape(m, first) for m in mine]
    assert [m.cycle_id for m in again] == [2, 2, 2, 2, None, 2, None, None]


def test_saving_says_what_a_template_cannot_keep() -> None:
    pio = build(TRANSFERRED, name="pio", dose="1 mL", times="20:00", start="transfer-5d")
    changed = replace(
        pio,
        regimens=(
            *pio.regimens,
            Regimen(date(2026, 12, 1), Quantity(Decimal("1.5"), "mL"), pio.current.timing),
        ),
        end_on=date(2027, 1, 1),
    )
    template, notes = template_from_medications("mine", [changed])
    assert template.medications[0].dose == "1 mL"
    assert notes == [
        "pio: the template keeps the starting dose 1 mL, not the later changes (1.5 mL from 2026-12-01)",
        "pio: its end date 2027-01-01 is not kept (a template has no dates)",
    ]
    levo = build(FET, name="levothyroxine", dose="50 mcg", times="07:00", start="2026-06-01")
    raised = replace(
        levo,
        regimens=(
            *levo.regimens,
            Regimen(date(2026, 9, 1), Quantity(Decimal(75), "mcg"), levo.current.timing),
        ),
    )
    template, notes = template_from_medications("levo", [raised])
    assert template.medications[0].dose == "75 mcg"
    assert notes == ["levothyroxine: the template keeps the current dose 75 mcg, not the earlier ones"]


def test_saving_two_medications_of_one_name_is_refused() -> None:
    twice = [build(FET, name="aspirin", dose="81 mg", times="08:00")] * 2
    with pytest.raises(ValidationError, match="two of these medications are called aspirin"):
        template_from_medications("mine", twice)


def test_a_template_records_what_it_is() -> None:
    template = Template(
        "x", "X", (TemplateEntry("aspirin", "81 mg", ("08:00",), until="36w0d"),), cycle="natural"
    )
    assert template.needs_cycle
    assert template.expected_events == ("cd1",)
    assert replace(template, cycle="fet").expected_events == ("transfer",)
