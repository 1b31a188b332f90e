"""Issue 15 in the app: the lab form takes genotype results as reports print them (the value apart, or in
the test's name), and the medication form stores a combination folate brand as the combination."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.forms import MedicationForm
from rpltrack.tui.screens.lab_form import LabForm
from rpltrack.tui.screens.labs import LabsScreen
from rpltrack.tui.screens.today import TodayScreen
from tests.cli.support import checksum
from tests.tui.helpers import SIZE, field_error, fill_and_save, notices


async def open_lab_form(pilot) -> None:
    await pilot.press("7")
    await pilot.pause()
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LabForm)


def about_line(app: RpltrackApp) -> str:
    return str(app.screen.query_one(".dialog-text", Static).content)


@pytest.mark.parametrize(
    ("test", "value", "key", "word", "said"),
    [
        ("Factor V Leiden", "negative", "fvl", "not detected", "negative"),
        ("Factor V Leiden negative", "", "fvl", "not detected", "negative"),
        ("MTHFR C677T heterozygous", "", "mthfr-c677t", "heterozygous", "heterozygous"),
        ("MTHFR A1298C homozygous", "", "mthfr-a1298c", "homozygous", "homozygous"),
        ("prothrombin G20210A not detected", "", "prothrombin", "not detected", "not detected"),
        ("MTHFR C677T", "het", "mthfr-c677t", "heterozygous", "het"),
        ("prothrombin", "positive", "prothrombin", "detected", "positive"),
    ],
    ids=[
        "fvl-value-apart",
        "fvl-phrase",
        "c677t-phrase",
        "a1298c-phrase",
        "prothrombin-phrase",
        "het",
        "pos",
    ],
)
async def test_the_lab_form_saves_a_genotype_as_the_report_prints_it(
    journal, clock, test, value, key, word, said
):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_lab_form(pilot)
        await fill_and_save(pilot, test=test, value=value, date="2026-11-20")
        assert isinstance(app.screen, LabsScreen)
        assert any(f" {word}" in notice and "20 Nov 2026" in notice for notice in notices(app))
    with Journal.open(journal.path) as reopened:
        [saved] = reopened.labs()
    assert (saved.test, saved.value.text, saved.value.raw, saved.value.number) == (key, word, said, None)


async def test_the_form_reads_a_result_typed_after_the_test_name(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_lab_form(pilot)
        form = app.screen
        form.query_one("#entry-test", Input).value = "Factor V Leiden negative"
        await pilot.pause()
        assert "Factor V Leiden (genetics): result not detected (as you wrote it: negative)" in about_line(
            app
        )
        assert form.query_one("#entry-value", Input).placeholder == "empty: the result is in the test's name"
        assert form.query_one("#entry-unit", Input).placeholder == "none for this test"
        form.query_one("#entry-test", Input).value = "MTHFR C677T heterozygous"
        await pilot.pause()
        assert "MTHFR C677T (genetics): result heterozygous; leave Result empty" in about_line(app)


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        ({"test": "Factor V Leiden", "value": "maybe"}, "value", "'maybe' is not a result rpltrack knows"),
        (
            {"test": "MTHFR C677T maybe", "value": ""},
            "test",
            "cannot read 'MTHFR C677T maybe' as MTHFR C677T",
        ),
        ({"test": "Factor V Leiden negative", "value": "negative"}, "value", "give the result once"),
        ({"test": "MTHFR A1298C", "value": "compound heterozygous"}, "value", "use one of not detected"),
    ],
    ids=["unknown-word", "unknown-in-name", "twice", "compound-for-a-variant"],
)
async def test_a_genotype_the_form_cannot_read_is_shown_beside_its_field(journal, clock, entry, field, words):
    before = checksum(journal.path)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_lab_form(pilot)
        await fill_and_save(pilot, **entry)
        assert isinstance(app.screen, LabForm)
        message = field_error(app, field)
        assert words.casefold() in message.casefold()
        if field == "test" or "maybe" in entry["value"]:
            assert "not detected, heterozygous, homozygous or detected" in message
            assert "het as heterozygous" in message
        assert app.screen.query_one("#entry-test", Input).value == entry["test"]  # her entry is kept
    assert checksum(journal.path) == before


async def test_the_medication_form_stores_folgard_as_the_combination(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, MedicationForm)
        await pilot.press(*"Folgard", "tab", *"1 tablet", "tab", *"08:00", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    with Journal.open(journal.path) as reopened:
        [med] = reopened.medications()
    assert (med.name, med.generic, str(med.current.amount)) == ("Folgard", "folic-b6-b12", "1 tablet")


async def test_the_medication_form_refuses_a_combination_in_mg_with_the_label_hint(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Foltx", "tab", *"2.5 mg", "tab", *"08:00", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MedicationForm)
        assert "is counted in tablets" in field_error(app, "dose")
    assert journal.count("medications") == 0
