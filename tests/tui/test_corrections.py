"""Correcting the record in the app (#13): e opens the add form filled in and saves through the journal's
edit; d (or delete) says exactly what goes, with what depends on it, and asks (No focused); every form
scrolls at 80x24, reaches Save by keyboard and says every invalid field at once. Each test reopens the
journal file."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from textual.widgets import Button, DataTable, Input, Static

from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.betas import BetaDraw, parse_hcg
from rpltrack.domain.cycles import Cycle, CycleKind, Transfer
from rpltrack.domain.dating import parse_ga
from rpltrack.domain.labcatalog import parse_lab_value, parse_range, resolve
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import DoseStatus
from rpltrack.domain.pregnancies import Outcome, Pregnancy
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.betas import BetasScreen
from rpltrack.tui.screens.entry_form import EntryForm
from rpltrack.tui.screens.forms import ConfirmDialog, MedicationEditForm, Picker
from rpltrack.tui.screens.history import HistoryScreen
from rpltrack.tui.screens.lab_form import LabForm
from rpltrack.tui.screens.labs import LabsScreen
from rpltrack.tui.screens.medications import MedicationsScreen
from tests.tui.helpers import SIZE, add_med, field_error, notices

SMALL = (80, 24)


def add_beta(journal: Journal, clock: Any, at: str, value: str, lab: str = "") -> BetaDraw:
    drawn = datetime.fromisoformat(at).replace(tzinfo=clock.zone)
    return journal.add_beta(BetaDraw(drawn, parse_hcg(value), lab), clock.now(), confirmed_unusual=True)


def add_lab(journal: Journal, clock: Any, name: str, on: str, value: str, rng: str = "") -> LabResult:
    test = resolve(name)
    result = LabResult(
        test=test.key,
        on=date.fromisoformat(on),
        value=parse_lab_value(test, value, None),
        reference=parse_range(rng) if rng else None,
    )
    return journal.add_lab(result, clock.now())


def reopened(journal: Journal) -> Journal:
    return Journal.open(journal.path)


def draws_shown(app: RpltrackApp) -> list[str]:
    table = app.screen.query_one("#beta-draws", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def dialog_text(app: RpltrackApp) -> str:
    return " ".join(str(s.render()) for s in app.screen.query(Static))


# -- Betas: the acceptance of #13 -------------------------------------------------------------------------


async def test_a_mistyped_beta_is_fixed_from_betas_in_under_five_keystrokes(journal, clock):
    """301, then 30100 an hour later instead of 301: on Betas the newest draw is highlighted; e, the
    number, ctrl+s."""
    add_beta(journal, clock, "2026-11-20 08:00", "301")
    wrong = add_beta(journal, clock, "2026-11-20 09:00", "30100")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        assert isinstance(app.screen, BetasScreen)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryForm)
        assert form.query_one("#entry-value", Input).value == "30100"
        assert app.focused is form.query_one("#entry-value", Input)
        await pilot.press(*"301")  # the field opens with its text selected: typing replaces it
        assert form.query_one("#entry-value", Input).value == "301"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BetasScreen)
        assert draws_shown(app) == ["301", "301"]
        assert any("Corrected beta 301 mIU/mL drawn" in n and "u to undo" in n for n in notices(app))
    with reopened(journal) as again:
        betas = again.betas()
        assert [(b.id, str(b.value.value)) for b in betas][-1] == (wrong.id, "301")
        assert [c.action for c in again.changes(limit=1)] == ["beta edit"]


async def test_d_on_a_beta_names_it_asks_with_no_focused_and_deletes_it(journal, clock):
    add_beta(journal, clock, "2026-11-20 08:00", "301", "City Lab")
    add_beta(journal, clock, "2026-11-20 09:00", "30100", "City Lab")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Delete the beta of 30100 mIU/mL drawn 20 Nov 2026 09:00 (City Lab)?" in dialog_text(app)
        assert app.focused is app.screen.query_one("#no", Button)
        await pilot.press("enter")  # Enter answers the focused No: nothing is deleted
        await pilot.pause()
        assert isinstance(app.screen, BetasScreen)
        assert len(draws_shown(app)) == 2
        await pilot.press("delete", "y")
        await pilot.pause()
        assert draws_shown(app) == ["301"]
        assert any(n.startswith("Saved: Deleted the beta of 30100") for n in notices(app))
    with reopened(journal) as again:
        assert [str(b.value.value) for b in again.betas()] == ["301"]


async def test_an_edit_asks_about_an_unusual_value_and_yes_keeps_it(journal, clock):
    add_beta(journal, clock, "2026-11-20 08:00", "301")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "e")
        await pilot.pause()
        app.screen.query_one("#entry-value", Input).value = "3000000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "unusually high" in dialog_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, BetasScreen)
    with reopened(journal) as again:
        assert [b.value.value for b in again.betas()] == [Decimal(3000000)]


async def test_the_same_beta_added_twice_is_asked_about_not_refused(journal, clock):
    add_beta(journal, clock, "2026-11-20 08:00", "301")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "a")
        await pilot.pause()
        form = app.screen
        form.query_one("#entry-value", Input).value = "301"
        form.query_one("#entry-at", Input).value = "2026-11-20 08:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "The same beta is already recorded (entry 1). Add it again?" in dialog_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form  # back in the form, her entry kept
        assert form.query_one("#entry-value", Input).value == "301"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, BetasScreen)
    with reopened(journal) as again:
        assert len(again.betas()) == 2


async def test_betas_two_draws_one_hour_apart_open_without_error(journal, clock):
    """A journal holding two betas one hour apart (the pair is too close to judge) opens Betas."""
    add_beta(journal, clock, "2026-11-20 08:00", "301")
    add_beta(journal, clock, "2026-11-20 09:00", "310")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        assert isinstance(app.screen, BetasScreen)
        assert draws_shown(app) == ["310", "301"]


# -- forms at 80x24 -----------------------------------------------------------------------------------------


async def test_the_lab_form_at_80x24_reaches_save_by_keyboard_and_says_every_error_at_once(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("7", "a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LabForm)
        assert "ctrl+s save" in dialog_text(app)
        form.query_one("#entry-test", Input).value = "TSH"
        form.query_one("#entry-value", Input).value = "abc"
        form.query_one("#entry-date", Input).value = "2026-13-40"
        form.query_one("#entry-range", Input).value = "high"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert field_error(app, "date").startswith("Cannot read the date")
        # The value and the range are read once the test and date are: every error of that step at once.
        form.query_one("#entry-date", Input).value = "2026-11-20"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert field_error(app, "value").startswith("Cannot read the result 'abc'")
        assert field_error(app, "date") == ""
        save = form.query_one("#save", Button)
        for _ in range(12):  # Tab from the first error to Save: every stop is in sight
            if app.focused is save:
                break
            await pilot.press("tab")
            assert app.focused is not None
            assert app.focused.region.bottom <= SMALL[1]
        assert app.focused is save
        assert save.region.bottom <= SMALL[1]
    assert journal.count("labs") == 0


async def test_the_beta_form_says_both_bad_fields_at_once(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("5", "a")
        await pilot.pause()
        form = app.screen
        form.query_one("#entry-value", Input).value = "lots"
        form.query_one("#entry-at", Input).value = "yesterday-ish"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert field_error(app, "value") != ""
        assert field_error(app, "at") != ""
        assert app.focused is form.query_one("#entry-value", Input)
    assert journal.count("betas") == 0


async def test_the_medication_form_at_80x24_says_every_bad_field_and_keeps_save_in_sight(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        form.query_one("#med-times", Input).value = "8"
        form.query_one("#med-until", Input).value = "someday"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert field_error(app, "name") == "A medication needs a name"
        assert field_error(app, "dose").startswith("Give the dose")
        assert field_error(app, "times").startswith("Cannot read the time '8'")
        assert field_error(app, "until") != ""
        assert form.query_one("#save", Button).region.bottom <= SMALL[1]
    assert journal.count("medications") == 0


# -- Labs -----------------------------------------------------------------------------------------------


async def test_e_on_labs_picks_the_result_and_changes_it(journal, clock):
    add_lab(journal, clock, "TSH", "2026-08-17", "2.4", "0.4-4.0")
    newest = add_lab(journal, clock, "TSH", "2026-11-09", "18", "0.4-4.0")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7", "e")
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        await pilot.press("enter")  # the newest is highlighted
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LabForm)
        assert form.query_one("#entry-value", Input).value == "18"
        assert form.query_one("#entry-range", Input).value == "0.4-4.0"
        form.query_one("#entry-value", Input).value = "1.8"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LabsScreen)
        assert any("Corrected TSH 1.8 mIU/L" in n for n in notices(app))
    with reopened(journal) as again:
        assert str(again.lab(newest.id or 0).value.number) == "1.8"
        assert len(again.labs()) == 2


async def test_d_on_labs_deletes_the_only_result_of_a_test(journal, clock):
    add_lab(journal, clock, "TSH", "2026-11-09", "2.4")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Delete TSH 2.4 mIU/L of 9 Nov 2026?" in dialog_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen.has_class("-empty")
    with reopened(journal) as again:
        assert again.labs() == []


# -- Medications ----------------------------------------------------------------------------------------


async def test_e_on_medications_renames_and_changes_the_dose_in_one_change(journal, clock):
    med = add_med(journal, clock, "asprin", "81 mg", "08:00", start="2026-11-01")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MedicationEditForm)
        assert form.query_one("#med-name", Input).value == "asprin"
        form.query_one("#med-name", Input).value = "aspirin"
        form.query_one("#med-dose", Input).value = "162 mg"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MedicationsScreen)
    with reopened(journal) as again:
        saved = again.medication(med.id or 0)
        assert saved.name == "aspirin"
        assert str(saved.current.amount) == "162 mg"
        assert len(again.changes(limit=5)) == 2  # the add, then one edit


async def test_d_on_a_medication_with_logged_doses_offers_to_stop_it_naming_them(journal, clock):
    med = add_med(journal, clock, "aspirin", "81 mg", "08:00", start="2026-11-01")
    journal.record_dose(med, DoseStatus.TAKEN, clock.now(), clock.zone)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "has 1 logged dose" in dialog_text(app)
        await pilot.press("y")
        await pilot.pause()
    with reopened(journal) as again:
        assert again.medication(med.id or 0).stopped_at == clock.now()


async def test_d_on_a_medication_without_doses_deletes_it(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "20:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "d")
        await pilot.pause()
        assert "Delete aspirin 81 mg, 20:00 daily?" in dialog_text(app)
        await pilot.press("y")
        await pilot.pause()
    with reopened(journal) as again:
        assert again.medications() == []


# -- what depends on an entry ---------------------------------------------------------------------------


async def test_the_delete_question_names_what_depends_on_the_entry(journal, clock):
    """Deleting a cycle with a transfer: the dialog says the transfer goes with it."""
    cycle = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 11, 1)), clock.now())
    assert cycle.id is not None
    journal.add_transfer(cycle.id, Transfer(date(2026, 11, 15), 5), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "d")
        await pilot.pause()
        assert isinstance(app.screen, Picker)  # the cycle, or its transfer: the cycle is highlighted
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Delete the medicated FET cycle from CD1 1 Nov 2026?" in dialog_text(app)
        assert "With it: 1 transfer" in dialog_text(app)
        await pilot.press("y")
        await pilot.pause()
    with reopened(journal) as again:
        assert again.cycles() == []


# -- Cycles: a transfer and an event -------------------------------------------------------------------


async def test_e_on_cycles_changes_a_transfer_picked_from_the_cycle(journal, clock):
    cycle = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 11, 1)), clock.now())
    assert cycle.id is not None
    journal.add_transfer(cycle.id, Transfer(date(2026, 11, 15), 5), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "e")
        await pilot.pause()
        await pilot.press("down", "enter")  # the transfer
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryForm)
        assert form.query_one("#entry-date", Input).value == "2026-11-15"
        form.query_one("#entry-date", Input).value = "2026-11-16"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any(n.startswith("Saved: Changed the transfer") for n in notices(app))
    with reopened(journal) as again:
        assert [t.on for t in again.cycle(cycle.id).transfers] == [date(2026, 11, 16)]


# -- Pregnancies and losses -----------------------------------------------------------------------------


async def test_e_on_a_past_loss_changes_its_date_and_d_deletes_it(journal, clock):
    loss = journal.add_pregnancy(
        Pregnancy(None, Outcome.MISCARRIAGE, date(2025, 5, 1), parse_ga("7w2d")), clock.now()
    )
    assert loss.id is not None
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryForm)
        assert form.query_one("#entry-date", Input).value == "2025-05-01"
        assert form.query_one("#entry-ga", Input).value == "7w2d"
        form.query_one("#entry-date", Input).value = "2025-05-03"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any(n.startswith("Saved: Changed: miscarriage at 7w 2d") for n in notices(app))
        with reopened(journal) as again:
            assert again.pregnancy(loss.id).ended_on == date(2025, 5, 3)
        await pilot.press("d")
        await pilot.pause()
        assert "Delete the miscarriage at 7w 2d of 3 May 2025?" in dialog_text(app)
        await pilot.press("y")
        await pilot.pause()
    with reopened(journal) as again:
        assert again.pregnancies() == []


# -- History: a logged dose -----------------------------------------------------------------------------


async def test_e_on_history_corrects_the_time_a_dose_was_taken_and_d_deletes_the_log(journal, clock):
    med = add_med(journal, clock, "aspirin", "81 mg", "08:00", start="2026-11-01")
    result = journal.record_dose(med, DoseStatus.TAKEN, clock.now(), clock.zone)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        history = app.screen
        assert isinstance(history, HistoryScreen)
        table = history.query_one("#history", DataTable)
        logged = [table.get_row_index(key) for key in history.logged]
        table.move_cursor(row=logged[0])
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryForm)
        assert form.query_one("#entry-at", Input).value == "2026-11-23 08:40"
        form.query_one("#entry-at", Input).value = "2026-11-23 08:05"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any(
            n.startswith("Saved: Changed aspirin of 23 Nov 2026 08:00, taken 08:05") for n in notices(app)
        )
        await pilot.press("d")
        await pilot.pause()
        assert "Delete the log of aspirin of 23 Nov 2026 08:00, taken 08:05?" in dialog_text(app)
        await pilot.press("y")
        await pilot.pause()
    with reopened(journal) as again:
        assert again.count("doses") == 0
    assert result is not None


# -- Appointments: the appointment and a question -----------------------------------------------------


async def test_d_on_appointments_deletes_a_question_picked_from_the_appointment(journal, clock):
    at = datetime(2026, 11, 30, 10, 15, tzinfo=clock.zone)
    appt = journal.add_appointment(Appointment(at, AppointmentKind.RE, with_name="Dr Lee"), clock.now())
    assert appt.id is not None
    journal.add_questions(appt.id, [Question("Keep aspirin?"), Question("When to retest TSH?")], clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9", "d")
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert "Delete the question “Keep aspirin?”" in dialog_text(app)
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("d", "enter")  # the appointment itself
        await pilot.pause()
        assert "With it: 1 question" in dialog_text(app)
        await pilot.press("y")
        await pilot.pause()
    with reopened(journal) as again:
        assert again.appointments() == []
