"""The Labs screen: the latest result of each test, one test's history and trend, and adding a result."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from rich.console import Console
from textual.widgets import Checkbox, DataTable, Input, Static

from rpltrack.domain.labcatalog import parse_lab_value, parse_range, resolve
from rpltrack.domain.labs import LabResult
from rpltrack.store.db import NotSaved
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.base import NOT_SAVED
from rpltrack.tui.screens.forms import ConfirmDialog
from rpltrack.tui.screens.lab_form import LabForm
from rpltrack.tui.screens.labs import EMPTY_TEXT, LabsScreen, trend_of
from tests.cli.support import checksum
from tests.tui.helpers import SIZE, field_error, fill_and_save, notices


def add(journal: Journal, clock, name: str, on: str, value: str, unit: str | None = None, **extra) -> None:
    """A result stored through the journal, parsed as the form would parse it."""
    test = resolve(name)
    reference = parse_range(extra.pop("range")) if "range" in extra else None
    result = LabResult(
        test=test.key,
        on=date.fromisoformat(on),
        value=parse_lab_value(test, value, unit),
        reference=reference,
        **extra,
    )
    journal.add_lab(result, clock.now())


def with_results(journal: Journal, clock) -> Journal:
    """Four TSH results falling to 1.8, two vitamin D (one in nmol/L), aCL IgG <9 and an LA on enoxaparin."""
    for on, value in (
        ("2026-03-02", "3.9"),
        ("2026-05-11", "3.1"),
        ("2026-08-17", "2.4"),
        ("2026-11-09", "1.8"),
    ):
        add(journal, clock, "TSH", on, value, range="0.4-4.0")
    add(journal, clock, "vitamin D", "2026-03-02", "48", "nmol/L", range="50-125")
    add(journal, clock, "vitamin D", "2026-09-01", "32")
    add(journal, clock, "aCL-IgG", "2026-04-20", "<9", range="<20")
    add(journal, clock, "LA", "2026-04-20", "negative", on_anticoagulant=True, note="on enoxaparin")
    return journal


def rows(app: RpltrackApp) -> list[list[str]]:
    table = app.screen.query_one("#lab-tests", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def highlighted(app: RpltrackApp) -> str | None:
    table = app.screen.query_one("#lab-tests", DataTable)
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def shown(app: RpltrackApp, widget_id: str) -> str:
    """What a Static shows, as plain text (the history is a Rich table)."""
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(app.screen.query_one(f"#{widget_id}", Static).content)
    return console.export_text()


def reopened_labs(journal: Journal) -> list[LabResult]:
    with Journal.open(journal.path) as reopened:
        return reopened.labs()


async def open_form(pilot) -> None:
    await pilot.press("7")
    await pilot.pause()
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LabForm)


async def test_r_opens_labs_and_with_no_result_invites_her_to_add_one(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await pilot.pause()
        assert isinstance(app.screen, LabsScreen)
        assert app.screen.has_class("-empty")
        assert shown(app, "labs-empty").strip() == EMPTY_TEXT


async def test_tests_are_listed_by_group_with_their_latest_result_and_count(journal, clock):
    with_results(journal, clock)
    add(journal, clock, "Ferritin", "2026-06-03", "21", "ug/L")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await pilot.pause()
        assert rows(app) == [
            ["TSH", "9 Nov 2026", "1.8 mIU/L", "0.4-4.0", "4"],
            ["25-OH vitamin D", "1 Sep 2026", "32 ng/mL", "", "2"],
            ["Lupus anticoagulant", "20 Apr 2026", "negative", "", "1"],  # the catalog's order in a group
            ["Anticardiolipin IgG", "20 Apr 2026", "<9 GPL", "<20", "1"],
            ["Ferritin", "3 Jun 2026", "21 ug/L", "", "1"],  # her own test, after the catalog's
        ]
        assert highlighted(app) == "tsh"
        assert shown(app, "lab-detail-title").startswith("TSH · thyroid · 4 results, newest first")
        history = shown(app, "lab-history")
        assert history.index("9 Nov 2026") < history.index("2 Mar 2026")
        assert not app.screen.has_class("-no-chart")


async def test_moving_down_shows_the_next_tests_history_chart_and_notes(journal, clock):
    with_results(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7", "down")
        await pilot.pause()
        assert shown(app, "lab-detail-title").startswith("25-OH vitamin D · metabolic · 2 results")
        history = shown(app, "lab-history")
        assert "48 nmol/L (19.23 ng/mL)" in history
        assert "1.8 mIU/L" not in history
        assert "Results in nmol/L are drawn converted to ng/mL." in shown(app, "lab-notes")
        await pilot.press("down")
        await pilot.pause()
        assert shown(app, "lab-detail-title").startswith("Lupus anticoagulant · antiphospholipid · 1 result")
        assert "on an anticoagulant · on enoxaparin" in shown(app, "lab-history")
        assert "falsely positive" in shown(app, "lab-notes")
        assert app.screen.has_class("-no-chart")


async def test_a_adds_a_tsh_which_is_saved_on_disk_and_highlighted(journal, clock):
    with_results(journal, clock)
    add(journal, clock, "platelets", "2026-10-01", "245")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7", "down", "down")  # away from TSH, so the save has to move the highlight
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.query_one("#entry-date", Input).value == "2026-11-23"
        await fill_and_save(
            pilot, test="tsh", value="2.8", date="2026-11-20", range="0.4-4.0", note="fasting"
        )
        assert isinstance(app.screen, LabsScreen)
        assert "Saved: Added TSH 2.8 mIU/L of 20 Nov 2026 — u to undo." in notices(app)
        assert rows(app)[0] == ["TSH", "20 Nov 2026", "2.8 mIU/L", "0.4-4.0", "5"]
        assert highlighted(app) == "tsh"
        assert "fasting" in shown(app, "lab-history")
    saved = reopened_labs(journal)[-1]
    assert (saved.test, saved.on, saved.value.number, saved.value.unit) == (
        "tsh",
        date(2026, 11, 20),
        Decimal("2.8"),
        "mIU/L",
    )
    assert (str(saved.reference), saved.note, saved.confirmed_unusual) == ("0.4-4.0", "fasting", False)


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        ({"value": "abc"}, "value", "cannot read the result 'abc' for TSH"),
        ({"value": "-1"}, "value", "cannot be negative"),
        ({"value": "2.8", "unit": "ng/mL"}, "unit", "unknown unit for TSH: ng/mL"),
        ({"value": "2.8", "date": "2026-11-24"}, "date", "2026-11-24 is in the future"),
        ({"value": "2.8", "range": "high"}, "range", "cannot read the range 'high'"),
        ({"value": ""}, "value", "enter the result for TSH"),
    ],
    ids=["words", "negative", "unknown-unit", "future-date", "bad-range", "empty"],
)
async def test_a_bad_entry_is_shown_beside_its_field_and_nothing_is_written(
    journal, clock, entry, field, words
):
    before = checksum(journal.path)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await fill_and_save(pilot, test="TSH", **entry)
        assert isinstance(app.screen, LabForm)
        assert words.casefold() in field_error(app, field).casefold()
        assert app.screen.query_one(f"#entry-{field}").has_class("-rejected")
        assert app.screen.query_one("#entry-test", Input).value == "TSH"  # her entry is kept
    assert checksum(journal.path) == before
    assert reopened_labs(journal) == []


async def test_an_unusual_tsh_asks_first_going_back_keeps_it_and_keep_stores_it_checked(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await fill_and_save(pilot, test="TSH", value="500")
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.question == (
            "TSH 500 mIU/L is unusual — check the number and unit on the report. Keep it?"
        )
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, LabForm)
        assert app.screen.query_one("#entry-value", Input).value == "500"
        assert reopened_labs(journal) == []
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, LabsScreen)
        assert "unusual, checked" in shown(app, "lab-history")
    [saved] = reopened_labs(journal)
    assert (str(saved.value), saved.confirmed_unusual) == ("500 mIU/L", True)


async def test_a_write_that_does_not_reach_the_disk_keeps_the_form_and_her_entry(journal, clock, monkeypatch):
    def not_saved(result: LabResult, now: object) -> LabResult:
        raise NotSaved("disk full")

    monkeypatch.setattr(journal, "add_lab", not_saved)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await fill_and_save(pilot, test="TSH", value="2.8")
        assert isinstance(app.screen, LabForm)
        assert shown(app, "form-error").strip() == NOT_SAVED
        assert app.screen.query_one("#entry-value", Input).value == "2.8"
        assert not any(n.startswith("Saved") for n in notices(app))
    assert reopened_labs(journal) == []


async def test_the_form_suggests_names_and_fits_itself_to_the_test(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        form = app.screen
        box = form.query_one("#entry-anticoagulant", Checkbox)
        await pilot.press("v", "i", "t", "right")  # → takes the suggestion
        await pilot.pause()
        assert form.query_one("#entry-test", Input).value == "vitamin D"
        assert form.query_one("#entry-unit", Input).placeholder == "usual: ng/mL (or nmol/L)"
        assert box.disabled
        form.query_one("#entry-test", Input).value = "LA"
        await pilot.pause()
        assert not box.disabled
        assert form.query_one("#entry-unit", Input).placeholder == "none for this test"
        assert "falsely positive" in str(form.query_one(".dialog-text", Static).content)
        form.query_one("#entry-test", Input).value = "Ferritin"
        await pilot.pause()
        assert not box.disabled  # her own test: rpltrack cannot know, so she may say
        assert "not in rpltrack's list" in str(form.query_one(".dialog-text", Static).content)


async def test_an_la_drawn_on_an_anticoagulant_is_stored_so(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await fill_and_save(pilot, test="lupus anticoagulant", value="Positive", anticoagulant=True)
        assert isinstance(app.screen, LabsScreen)
        assert "Saved: Added Lupus anticoagulant positive of 23 Nov 2026 — u to undo." in notices(app)
    [saved] = reopened_labs(journal)
    assert (saved.test, saved.value.text, saved.on_anticoagulant) == ("la", "positive", True)


def results(name: str, *entries: tuple[str, str, str | None]) -> list[LabResult]:
    test = resolve(name)
    return [
        LabResult(test=test.key, on=date.fromisoformat(on), value=parse_lab_value(test, value, unit))
        for on, value, unit in entries
    ]


@pytest.mark.parametrize(
    ("name", "entries", "unit", "values", "notes"),
    [
        (
            "TSH",
            (("2026-01-05", "2.5", None), ("2026-02-05", "<0.01", None), ("2026-03-05", "1.5", "µIU/mL")),
            "mIU/L",
            [2.5, 1.5],
            ["Not on the chart: <0.01 mIU/L (a bound, not an exact number)."],
        ),
        (
            "progesterone",
            (("2026-01-05", "15", None), ("2026-01-07", "31.8", "nmol/L")),
            "ng/mL",
            [15.0, 10.0],
            ["Results in nmol/L are drawn converted to ng/mL."],
        ),
        (
            "free T4",
            (("2026-01-05", "15", "pmol/L"), ("2026-02-05", "1.2", "ng/dL"), ("2026-03-05", "14", "pmol/L")),
            "pmol/L",
            [15.0, 14.0],
            ["Not on the chart: 1 result in ng/dL (rpltrack does not convert ng/dL to pmol/L)."],
        ),
        (
            "free T4",
            (("2026-01-05", "1.1", "ng/dL"), ("2026-02-05", "1.2", "ng/dL")),
            "ng/dL",
            [1.1, 1.2],
            [],
        ),
        ("Ferritin", (("2026-01-05", "21", "ug/L"), ("2026-02-05", "35", "ug/L")), "ug/L", [21.0, 35.0], []),
        (
            "TSH",
            (("2026-01-05", "2.5", None),),
            "mIU/L",
            [2.5],
            ["A chart of the trend appears once there are two exact results."],
        ),
        ("LA", (("2026-01-05", "negative", None),), None, [], []),
    ],
    ids=[
        "censored-left-off",
        "converted",
        "unconverted-left-off",
        "all-in-another-unit",
        "her-own",
        "one",
        "words",
    ],
)
def test_the_trend_draws_exact_numbers_in_one_unit_and_says_what_it_leaves_off(
    name, entries, unit, values, notes
):
    trend = trend_of(resolve(name), results(name, *entries))
    assert trend.unit == unit
    assert [round(p.value, 4) for p in trend.points] == values
    assert list(trend.left_out) == notes


def test_labs_on_a_small_journal(snap_compare, journal, clock):
    """Labs at 110x34: TSH (4 results), 25-OH vitamin D (2), Lupus anticoagulant and Anticardiolipin IgG
    <9 GPL (censored), in the catalog's order. TSH is highlighted: its four results newest first (the 17 Aug
    note in italics under its value) beside a chart falling from 3.90 to 1.80 mIU/L, dated 2 Mar, 11 May,
    17 Aug and 9 Nov."""
    add(journal, clock, "TSH", "2026-08-17", "2.4", range="0.4-4.0", note="after the levothyroxine increase")
    for on, value in (("2026-03-02", "3.9"), ("2026-05-11", "3.1"), ("2026-11-09", "1.8")):
        add(journal, clock, "TSH", on, value, range="0.4-4.0")
    add(journal, clock, "vitamin D", "2026-03-02", "48", "nmol/L", range="50-125")
    add(journal, clock, "vitamin D", "2026-09-01", "32")
    add(journal, clock, "aCL-IgG", "2026-04-20", "<9", range="<20")
    add(journal, clock, "LA", "2026-04-20", "negative", on_anticoagulant=True)
    app = RpltrackApp(journal=journal, clock=clock)
    assert snap_compare(app, terminal_size=SIZE, press=["7"])
