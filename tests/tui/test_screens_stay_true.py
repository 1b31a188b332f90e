"""Screens that stay true (#15): every section shows the journal as it is when it is shown, whatever changed
it; Today never hides its first dose; lists never cut a number; the welcome's summary and the header say what
the journal holds."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from rpltrack.clock import FixedClock
from rpltrack.domain.cycles import Cycle, CycleKind, Transfer
from rpltrack.domain.medspec import MedicationInput, build_medication
from rpltrack.domain.models import DoseStatus
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.medications import MedicationsScreen
from rpltrack.tui.screens.pregnancies import PregnanciesScreen
from rpltrack.tui.screens.today import TodayScreen
from rpltrack.tui.screens.welcome import WelcomeScreen
from rpltrack.tui.widgets.dating_badge import DatingBadge
from rpltrack.tui.widgets.dose_list import DoseList
from tests.tui.helpers import SIZE, add_med, fill_and_save


def fet_with_lovenox_at_positive_beta(journal: Journal, clock: FixedClock) -> None:
    """A FET (CD1 20 Oct, day-5 transfer 9 Nov) and four daily doses, three of them taken by 08:40; Lovenox
    starts with the positive beta, which is not recorded yet."""
    cycle = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 10, 20)), clock.now())
    assert cycle.id is not None
    cycle = journal.add_transfer(cycle.id, Transfer(date(2026, 11, 9), 5), clock.now())
    for name, dose, times, start in (
        ("levothyroxine", "75 mcg", "07:00", ""),
        ("aspirin", "81 mg", "08:00", ""),
        ("folic acid", "0.4 mg", "08:00", ""),
        ("progesterone in oil", "1 mL", "20:00", ""),
        ("Lovenox", "40 mg", "20:00", "positive-beta"),
    ):
        spec = MedicationInput(name=name, dose=dose, times=times, start=start)
        journal.add_medication(build_medication(spec, clock.zone, clock.now(), cycle=cycle), clock.now())
    for view in journal.day(clock.today(), clock.zone, clock.now()):
        if view.medication.name in ("levothyroxine", "aspirin", "folic acid"):
            assert view.slot is not None
            journal.record_dose(
                view.medication, DoseStatus.TAKEN, clock.now(), clock.zone, slot_at=view.slot.slot_at
            )


def today_names(app: RpltrackApp) -> list[str]:
    return [view.medication.name for view in app.screen.query_one(DoseList).views]


def medication_names(app: RpltrackApp) -> list[str]:
    table = app.screen.query_one("#medications", DataTable)
    return [str(table.get_row_at(index)[0]).split("\n")[0] for index in range(table.row_count)]


# -- Today never hides its first dose ------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (110, 34)], ids=["80x24", "110x34"])
async def test_a_dose_an_event_adds_leaves_the_first_dose_in_sight(journal, clock, size):
    # Regression (#15): after a positive beta (added on Cycles) started Lovenox, Today showed four rows from
    # 08:00 with room to spare below and the 07:00 levothyroxine out of sight: the list had kept the scroll
    # it worked out from its old height, before the layout gave it room for the new row.
    fet_with_lovenox_at_positive_beta(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert today_names(app) == ["levothyroxine", "aspirin", "folic acid", "progesterone in oil"]
        await pilot.press("4", "a")
        await pilot.pause()
        await fill_and_save(pilot, kind="positive-beta", date="2026-11-19")
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        doses = app.screen.query_one(DoseList)
        assert today_names(app) == [
            "levothyroxine",
            "aspirin",
            "folic acid",
            "Lovenox",
            "progesterone in oil",
        ]
        assert doses.size.height == 6  # the header and all five rows: room for every dose
        assert doses.top_row == 0
        assert doses.highlighted_view is not None
        # The dose highlighted before stays highlighted: now the last of five rows, below the old height.
        assert (doses.cursor_row, doses.highlighted_view.medication.name) == (4, "progesterone in oil")
        # What is on the terminal, not only the widget's state: the first row is drawn.
        screen = app.export_screenshot()
        assert "07:00" in screen
        assert "levothyroxine" in screen


# -- every section shows the journal as it is when it is shown ------------------------------------------


async def test_a_medication_added_on_medications_is_on_today_at_once(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "1", "2")  # both sections open and read once
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        for input_id, value in (
            ("med-name", "levothyroxine"),
            ("med-dose", "75 mcg"),
            ("med-times", "07:00"),
        ):
            app.screen.query_one(f"#{input_id}", Input).value = value
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MedicationsScreen)
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert today_names(app) == ["levothyroxine", "aspirin"]


async def test_a_dose_taken_on_today_is_in_history_when_shown_again(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert app.screen.has_class("-empty")  # read once: nothing logged yet
        await pilot.press("1", "t")
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#history", DataTable)
        assert [str(cell) for cell in table.get_row_at(0)][2:5] == ["aspirin", "81 mg", "taken 08:40"]


async def test_what_the_command_line_writes_while_the_app_is_open_shows_when_she_switches_back(
    journal, clock
):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "1")
        await pilot.pause()
        # Another connection to the same file, as `rpltrack med add` in another terminal would open.
        with Journal.open(journal.path) as other:
            add_med(other, clock, "levothyroxine", "75 mcg", "07:00")
        await pilot.press("2")
        await pilot.pause()
        assert medication_names(app) == ["aspirin", "levothyroxine"]
        await pilot.press("1")
        await pilot.pause()
        assert today_names(app) == ["levothyroxine", "aspirin"]
        # And a dose the command line logs (`rpltrack take`) reads as taken on Today once shown again.
        with Journal.open(journal.path) as other:
            view = other.day(clock.today(), clock.zone, clock.now())[0]
            assert view.slot is not None
            other.record_dose(
                view.medication, DoseStatus.TAKEN, clock.now(), clock.zone, slot_at=view.slot.slot_at
            )
        await pilot.press("2", "1")
        await pilot.pause()
        assert app.screen.query_one(DoseList).views[0].status is DoseStatus.TAKEN


async def test_a_section_shown_again_unchanged_is_not_read_again(journal, clock, monkeypatch):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    reads: list[str] = []
    original = MedicationsScreen.reload

    async def counted(self: MedicationsScreen) -> None:
        reads.append("medications")
        await original(self)

    monkeypatch.setattr(MedicationsScreen, "reload", counted)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "1", "2", "1", "2")
        await pilot.pause()
        assert reads == ["medications"]
        # Time moving on reads again (what is due moves with the clock), as the app's tick does.
        app.clock = FixedClock(clock.now() + timedelta(minutes=1), clock.zone)
        await pilot.press("1", "2")
        await pilot.pause()
        assert reads == ["medications", "medications"]


# -- columns give way, numbers stay whole ------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (110, 34)], ids=["80x24", "110x34"])
async def test_medications_columns_fit_and_never_cut_a_number(demo_app, size):
    # Regression (#15): at 80 columns the adherence "100%" read "1".
    from rich.cells import cell_len

    async with demo_app.run_test(size=size) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = demo_app.screen
        assert isinstance(screen, MedicationsScreen)
        table = screen.query_one("#medications", DataTable)
        # Nothing scrolls sideways: every column is on screen.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        for index, (_, cells) in enumerate(screen.rows):
            drawn = [str(cell) for cell in table.get_row_at(index)]
            # Every cell says all it has to say, wrapped between words at most.
            assert [" ".join(text.split()) for text in drawn] == [" ".join(cell.split()) for cell in cells]
            for column, text in zip(table.ordered_columns, drawn, strict=True):
                assert all(cell_len(line) <= column.width for line in text.split("\n")), (text, column.width)
        assert [str(cell) for cell in table.get_row_at(0)][5:] == ["100%", "100%"]
        wrapped = any("\n" in str(cell) for i in range(table.row_count) for cell in table.get_row_at(i))
        assert wrapped == (size == (80, 24))  # at 110 columns every row is one line, as before


# -- the welcome, run again, summarises what the journal holds ---------------------------------------------


async def walk_the_welcome_to_done(pilot: Any) -> str:
    """Open the welcome from the palette, skip every step, and return Done's summary."""
    from rpltrack.tui.commands import WELCOME, RpltrackCommands

    app = pilot.app
    [command] = [c for c in RpltrackCommands(app.screen).commands() if c.name == WELCOME]
    command.run()
    await pilot.pause()
    assert isinstance(app.screen, WelcomeScreen)
    await pilot.press("enter")  # Start set-up
    await pilot.pause()
    for _ in ("targets", "cycle", "medications", "reminders", "lock"):  # lock: #17
        await pilot.press("escape")
        await pilot.pause()
    assert app.screen.pane == "done"
    return str(app.screen.query_one("#done-summary", Static).render())


async def test_the_welcome_run_again_summarises_the_targets_and_cycle_on_record(journal, clock):
    # Regression (#15): it said "Clinic targets: the guideline defaults · Cycle: none recorded".
    journal.set_setting("tsh.target", "2.5", clock.now())
    cycle = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 11, 2), clinic="Riverside"), clock.now())
    assert cycle.id is not None
    journal.add_transfer(cycle.id, Transfer(date(2026, 11, 20), 5), clock.now())
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        summary = (await walk_the_welcome_to_done(pilot)).splitlines()
    assert summary == [
        "Clinic targets: TSH target 2.5 mIU/L",
        "Cycle: Medicated FET from CD1 2 Nov 2026, transfer 20 Nov 2026 (day 5)",
        "Medications: 1 in your journal",
        # The timer is not in the journal: skipped on a re-run, the step says it changed nothing.
        "Reminders: not changed here (in a terminal, rpltrack remind --install sets them up with the app "
        "closed)",
        "Lock: not locked (ctrl+p, then “Lock the journal”, whenever you like)",
    ]


async def test_the_welcome_summary_reads_a_target_set_elsewhere_meanwhile(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        assert (await walk_the_welcome_to_done(pilot)).splitlines()[:2] == [
            "Clinic targets: the guideline defaults",
            "Cycle: none recorded",
        ]
        await pilot.press("enter")  # Go to Today
        await pilot.pause()
        with Journal.open(journal.path) as other:  # `rpltrack settings set` in another terminal
            other.set_setting("vitamin-d.threshold", "30", clock.now())
        summary = await walk_the_welcome_to_done(pilot)
    assert summary.splitlines()[0] == "Clinic targets: Vitamin D 30 ng/mL"


# -- the header: gestational age and due date while pregnant -------------------------------------------------


def badge(app: RpltrackApp) -> DatingBadge:
    return app.screen.query_one(DatingBadge)


async def test_the_header_gives_the_weeks_and_due_date_on_every_section_while_pregnant(demo_app):
    # The demo: a day-5 transfer on 30 Oct 2026, an ongoing pregnancy; 23 Nov is 6w 1d, due 18 Jul 2027
    # (transfer + 266 - 5 days, ACOG).
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        heading = str(demo_app.screen.query_one("#today-date", Static).render())
        assert heading.endswith("· 6w 1d · due 18 Jul 2027")
        for key in "23456789":
            await pilot.press(key)
            await pilot.pause()
            shown = badge(demo_app)
            assert shown.display, key
            assert str(shown.render()) == "6w 1d · due 18 Jul 2027", key
            # At the right end of the title line, over nothing of the section's own.
            assert shown.region.y == 0
            assert shown.region.right == SIZE[0] - 1


async def test_the_header_says_nothing_of_a_pregnancy_once_it_ended(demo_app, demo_journal):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "x")
        await pilot.pause()
        await fill_and_save(pilot, outcome="miscarriage", date="2026-11-23", ga="", confirmed="ultrasound")
        assert isinstance(demo_app.screen, PregnanciesScreen)
        assert not badge(demo_app).display  # at once, on the screen where it was recorded
        await pilot.press("2")
        await pilot.pause()
        assert not badge(demo_app).display
        await pilot.press("1")
        await pilot.pause()
        heading = str(demo_app.screen.query_one("#today-date", Static).render())
        assert "due" not in heading
        assert "6w" not in heading
        # Undone, the pregnancy is ongoing again and the header says so again.
        await pilot.press("6", "u")
        await pilot.pause()
        assert str(badge(demo_app).render()) == "6w 1d · due 18 Jul 2027"


async def test_the_header_is_empty_when_not_pregnant(journal, clock):
    cycle = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 11, 2)), clock.now())
    assert cycle.id is not None
    journal.add_transfer(cycle.id, Transfer(date(2026, 11, 20), 5), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert (
            str(app.screen.query_one("#today-date", Static).render()) == "Monday 23 November · CD 22 · 3dp5dt"
        )
        await pilot.press("4")
        await pilot.pause()
        assert not badge(app).display
