"""An invalid entry in each form shows, beside its field, words that name the app's fields, screens and keys
— never a command-line option or command (#19: coded errors worded by tui/errors.py)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.forms import MedicationForm
from rpltrack.tui.screens.lab_form import LabForm
from rpltrack.tui.screens.session_form import SessionForm
from tests.test_error_codes import cli_syntax
from tests.tui.helpers import SIZE, field_error, fill_and_save


def type_into(pilot: Pilot[None], values: dict[str, str]) -> None:
    for input_id, text in values.items():
        pilot.app.screen.query_one(f"#{input_id}", Input).value = text


def names_no_cli_syntax(*words: str) -> bool:
    return all(text.strip() and not cli_syntax(text) and "rpltrack" not in text for text in words)


async def test_a_medication_every_that_cannot_be_read_names_the_every_field(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        type_into(pilot, {"med-name": "aspirin", "med-dose": "81 mg", "med-every": "often"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MedicationForm)  # still open, her entry kept
        said = field_error(app, "every")
        assert said == "Cannot read 'often' in Every: type hours like 8 or 12"
        assert names_no_cli_syntax(said)
    assert journal.count("medications") == 0


async def test_a_medication_tied_to_a_transfer_without_a_cycle_names_the_cycles_screen(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        type_into(
            pilot,
            {"med-name": "aspirin", "med-dose": "81 mg", "med-times": "20:00", "med-start": "transfer"},
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MedicationForm)
        said = field_error(app, "start")
        assert said.startswith("A schedule tied to a cycle event or a gestational age needs a cycle")
        assert "Cycles screen (key 4, then n)" in said
        assert names_no_cli_syntax(said)
    assert journal.count("medications") == 0


async def test_lit_in_the_lab_form_points_to_the_treatments_screen(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, LabForm)
        await fill_and_save(pilot, test="LIT", value="done", date="2026-11-01")
        assert isinstance(app.screen, LabForm)
        said = field_error(app, "test")
        assert said.startswith("Lymphocyte immunotherapy (LIT) is a treatment session, not a lab result")
        assert "Treatments screen (key 0, then a)" in said
        assert names_no_cli_syntax(said)
    assert journal.count("labs") == 0


async def test_a_session_after_today_names_the_course_key_not_a_command(journal, clock):
    after_today = clock.today().replace(year=clock.today().year + 1).isoformat()
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("0")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, SessionForm)
        await fill_and_save(pilot, what="IVIG", on=after_today)
        assert isinstance(app.screen, SessionForm)
        said = field_error(app, "on")
        assert said.startswith(f"{after_today} is after today")
        assert said.endswith("plan coming ones as a course (c on the Treatments screen)")
        assert names_no_cli_syntax(said)
    with Journal.open(journal.path) as reopened:
        assert reopened.sessions() == []


async def test_a_course_with_neither_count_nor_end_names_both_fields(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("0")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        await fill_and_save(pilot, what="IVIG", every="4 weeks", **{"from": clock.today().isoformat()})
        said = field_error(app, "count")
        assert names_no_cli_syntax(said)
        assert said == "Say how many sessions, or give the last day in Or until"


async def test_an_appointment_with_an_unreadable_time_says_so_beside_when(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await fill_and_save(pilot, when="next tuesday", **{"with": "Dr Lee"})
        said = field_error(app, "when")
        assert said.startswith("Cannot read")
        assert names_no_cli_syntax(said)
    with Journal.open(journal.path) as reopened:
        assert reopened.appointments() == []


async def test_the_welcome_medication_form_names_its_fields(journal, clock):
    """Set-up, not in a cycle, one by one: a schedule tied to the transfer names the Cycles screen, and an
    interval that cannot be read names Every — the same words as the form anywhere else."""
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "escape")  # start, no clinic targets
        await pilot.pause()
        await pilot.press("enter")  # "Not in a cycle right now" is highlighted first
        await pilot.pause()
        assert app.screen.query_one("#template-list", OptionList).has_focus
        await pilot.press("enter")  # "Add medications one by one"
        await pilot.pause()
        assert isinstance(app.screen, MedicationForm)
        type_into(
            pilot,
            {"med-name": "aspirin", "med-dose": "81 mg", "med-every": "often", "med-start": "transfer-5d"},
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        every, start = field_error(app, "every"), field_error(app, "start")
        assert every == "Cannot read 'often' in Every: type hours like 8 or 12"
        assert names_no_cli_syntax(every)
        type_into(pilot, {"med-every": "", "med-times": "09:00"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        start = field_error(app, "start")
        assert "Cycles screen" in start
        assert names_no_cli_syntax(start)
    with Journal.open(journal.path) as reopened:
        assert reopened.count("medications") == 0


async def test_a_template_dose_error_is_shown_beside_that_dose_by_its_field(journal, clock):
    """The welcome finds the dose field from the error (which medication, which field), not its words."""
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "escape")
        await pilot.pause()
        options = app.screen.query_one("#cycle-kind", OptionList)
        options.focus()
        await pilot.press(*(["down"] * options.get_option_index("fet")), "enter")
        await pilot.pause()
        type_into(pilot, {"cycle-cd1": "2026-11-05", "cycle-transfer": "2026-11-20"})
        await pilot.press("enter")
        await pilot.pause()
        templates = app.screen.query_one("#template-list", OptionList)
        templates.focus()
        await pilot.press(*(["down"] * templates.get_option_index("template-medicated-fet-pio")), "enter")
        await pilot.pause()
        type_into(pilot, {"dose-0": "2 kg", "dose-1": "1 mL"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        said = field_error(app, "dose-0")
        assert said
        assert not said.startswith("Estradiol")  # the medication is named by its row, not repeated
        assert field_error(app, "dose-1") == ""
        assert names_no_cli_syntax(said)
    with Journal.open(journal.path) as reopened:
        assert reopened.count("medications") == 0
