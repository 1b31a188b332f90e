"""The add-medication form: saving, errors beside their field, cancelling, and a failed save."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from rpltrack.domain.models import DoseStatus
from rpltrack.store.db import NotSaved
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.forms import MedicationForm
from rpltrack.tui.screens.today import TodayScreen
from tests.tui.helpers import SIZE, notices, statuses


async def fill(pilot, fields: dict[str, str]) -> None:
    """Fill each field (by input id) of the open form; the last one keeps the focus, as if typed."""
    await pilot.pause()
    for input_id, text in fields.items():
        field = pilot.app.screen.query_one(f"#{input_id}", Input)
        field.value = text
        field.focus()


async def test_adding_a_medication_through_the_form_saves_it(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, MedicationForm)
        await pilot.press(*"aspirin", "tab", *"81 mg", "tab", *"20:00", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert "Saved: aspirin 81 mg, 20:00 daily — u to undo." in notices(app)
    with Journal.open(journal.path) as reopened:
        [med] = reopened.medications()
    assert (med.name, str(med.current.amount), med.current.timing.describe()) == (
        "aspirin",
        "81 mg",
        "20:00 daily",
    )
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE)]


async def test_a_unit_slip_is_shown_beside_the_dose_and_nothing_is_saved(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, {"med-name": "levothyroxine", "med-dose": "100 mg", "med-times": "07:00"})
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MedicationForm)
        error = str(form.query_one("#error-dose", Static).render())
        assert error.startswith("100 mg of levothyroxine looks like a unit slip: did you mean 100 mcg?")
        assert str(form.query_one("#error-name", Static).render()) == ""
        assert form.query_one("#med-dose", Input).value == "100 mg"
        assert form.query_one("#med-name", Input).value == "levothyroxine"
        assert app.focused is form.query_one("#med-dose", Input)
    assert journal.count("medications") == 0


async def test_fixing_the_error_then_saving_clears_it(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await fill(pilot, {"med-name": "aspirin", "med-dose": "81 mg", "med-times": "8"})
        await pilot.press("enter")
        await pilot.pause()
        assert str(app.screen.query_one("#error-times", Static).render()).startswith(
            "Cannot read the time '8'"
        )
        await pilot.press("backspace", *"08:00", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert journal.count("medications") == 1


async def test_every_n_hours_takes_a_bare_number(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await fill(pilot, {"med-name": "progesterone in oil", "med-dose": "1 mL", "med-every": "12"})
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    with Journal.open(journal.path) as reopened:
        [med] = reopened.medications()
    assert med.current.timing.describe() == "every 12 h"


async def test_escape_closes_the_form_without_saving(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await fill(pilot, {"med-name": "aspirin", "med-dose": "81 mg", "med-times": "08:00"})
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert journal.count("medications") == 0


async def test_a_failed_save_reopens_the_form_with_the_entry_kept(
    journal, clock, monkeypatch: pytest.MonkeyPatch
):
    def fail(*args: object, **kwargs: object) -> None:
        raise NotSaved("NOT saved: disk I/O error")

    monkeypatch.setattr(journal, "add_medication", fail)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await fill(pilot, {"med-name": "aspirin", "med-dose": "81 mg", "med-times": "08:00"})
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MedicationForm)
        assert str(form.query_one("#form-notice", Static).render()).startswith(
            "NOT saved — your entry is kept"
        )
        assert [form.query_one(f"#{i}", Input).value for i in ("med-name", "med-dose", "med-times")] == [
            "aspirin",
            "81 mg",
            "08:00",
        ]
        assert any("NOT saved — your entry is kept" in n for n in notices(app))
    assert journal.count("medications") == 0


async def test_a_medication_can_start_at_the_transfer_of_the_current_cycle(journal, clock):
    """The form places "transfer" and "36w0d" on the current cycle, as `med add --start transfer` does."""
    from rpltrack.domain.cycles import Cycle, CycleKind, Transfer

    cycle = journal.add_cycle(Cycle(CycleKind.FET, clock.today().replace(day=1)), clock.now())
    assert cycle.id is not None
    journal.add_transfer(cycle.id, Transfer(clock.today().replace(day=10), 5), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        for field, value in (
            ("name", "lovenox"),
            ("dose", "40 mg"),
            ("times", "20:00"),
            ("start", "transfer"),
            ("until", "36w0d"),
        ):
            app.screen.query_one(f"#med-{field}", Input).value = value
        await pilot.press("ctrl+s")
        await pilot.pause()
    with Journal.open(journal.path) as reopened:
        (med,) = reopened.medications()
    assert (med.start_anchor, med.end_anchor, med.start_on) == (
        "transfer",
        "36w0d",
        clock.today().replace(day=10),
    )
