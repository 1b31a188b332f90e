"""The Medications screen: the list, changing a dose from a date, stopping with a confirmation."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable, Input

from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.forms import ConfirmDialog, MedicationEditForm
from rpltrack.tui.screens.medications import MedicationsScreen
from rpltrack.tui.screens.today import TodayScreen
from tests.tui.helpers import SIZE, add_med, notices


def table_rows(app: RpltrackApp) -> list[list[str]]:
    table = app.screen.query_one("#medications", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_m_shows_every_medication_with_dose_schedule_and_state(journal, clock):
    add_med(journal, clock, "prednisone", "5 mg", "08:00,20:00", start="2026-11-01")
    add_med(journal, clock, "aspirin", "81 mg", "08:00", start="2026-12-01")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, MedicationsScreen)
        assert [row[:5] for row in table_rows(app)] == [
            ["prednisone", "5 mg", "08:00, 20:00 daily", "from 01 Nov 2026", "active"],
            ["aspirin", "81 mg", "08:00 daily", "from 01 Dec 2026", "not started"],
        ]
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)


async def test_demo_adherence_columns_show_percentages(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        first = table_rows(demo_app)[0]
        assert first[:5] == ["aspirin", "81 mg", "08:00 daily", "from 30 Oct 2026", "active"]
        assert [first[5][-1], first[6][-1]] == ["%", "%"]


async def test_e_changes_the_dose_from_a_date_and_keeps_the_history(journal, clock):
    med = add_med(journal, clock, "prednisone", "5 mg", "08:00", start="2026-11-01")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MedicationEditForm)
        form.query_one("#med-dose", Input).value = "10 mg"
        form.query_one("#med-from", Input).value = "2026-11-25"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MedicationsScreen)
        assert table_rows(app)[0][1] == "5 mg (10 mg from 25 Nov)"  # #15: today's dose, the change as such
    assert med.id is not None
    with Journal.open(journal.path) as reopened:
        saved = reopened.medication(med.id)
    assert [(r.effective_on, str(r.amount)) for r in saved.regimens] == [
        (date(2026, 11, 1), "5 mg"),
        (date(2026, 11, 25), "10 mg"),
    ]


async def test_a_change_dated_before_the_start_is_shown_beside_the_date(journal, clock):
    add_med(journal, clock, "prednisone", "5 mg", "08:00", start="2026-11-01")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "e")
        await pilot.pause()
        app.screen.query_one("#med-dose", Input).value = "10 mg"
        app.screen.query_one("#med-from", Input).value = "2026-10-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MedicationEditForm)
        assert "before prednisone starts" in str(form.query_one("#error-from").render())
        assert form.query_one("#med-dose", Input).value == "10 mg"
    assert journal.count("regimens") == 1


async def test_x_stops_a_medication_after_confirming(journal, clock):
    med = add_med(journal, clock, "aspirin", "81 mg", "20:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert table_rows(app)[0][4] == "stopped"
        assert "Saved: aspirin stopped. Its past doses stay in your journal." in notices(app)
    assert med.id is not None
    with Journal.open(journal.path) as reopened:
        assert reopened.medication(med.id).stopped_at == clock.now()
        assert reopened.day(clock.today(), clock.zone, clock.now()) == []


async def test_enter_in_the_stop_dialog_keeps_the_medication(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "20:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "x", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MedicationsScreen)
        assert table_rows(app)[0][4] == "active"
    with Journal.open(journal.path) as reopened:
        assert reopened.medications()[0].stopped_at is None


async def test_help_opens_and_closes_with_escape(journal, clock):
    from rpltrack.tui.screens.help import HelpScreen

    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)


async def test_the_palette_lists_this_screens_keys_and_the_sections(journal, clock):
    from rpltrack.tui.commands import RpltrackCommands

    add_med(journal, clock, "aspirin", "81 mg", "20:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        names = [c.name for c in RpltrackCommands(app.screen).commands()]
    assert names[:4] == ["Add", "Edit", "Delete", "Stop"]
    assert "Warning signs" in names
    assert "Go to Medications" in names
