"""The Cycles screen: the timeline of cycles, and the forms to start, add to and end one."""

from __future__ import annotations

from datetime import date

from textual.widgets import OptionList, Static

from rpltrack.domain.cycles import Cycle, CycleKind, EventKind
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.cycles import EMPTY_TEXT, CyclesScreen
from rpltrack.tui.screens.entry_form import EntryForm
from rpltrack.tui.screens.forms import ConfirmDialog
from tests.tui.helpers import SIZE, field_error, fill_and_save, notices


def shown(app: RpltrackApp) -> list[str]:
    """Each cycle as the screen shows it (heading and timeline lines)."""
    options = app.screen.query_one("#cycles", OptionList)
    return [str(options.get_option_at_index(i).prompt).strip() for i in range(options.option_count)]


def reopened_cycles(journal: Journal) -> list[Cycle]:
    with Journal.open(journal.path) as reopened:
        return reopened.cycles()


async def test_cycles_with_no_cycle_invite_her_to_start_one(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, CyclesScreen)
        assert app.screen.has_class("-empty")
        assert str(app.screen.query_one("#cycles-empty", Static).render()) == EMPTY_TEXT


async def test_cycles_show_newest_first_with_where_she_is_and_the_timeline(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        cycles = shown(demo_app)
    assert len(cycles) == 3
    current = cycles[0].splitlines()
    assert current[0] == (
        "Medicated FET · Riverside Fertility · CD1 11 Oct 2026 · current · CD 44 · 24dp5dt · 6w 1d"
    )
    assert " ".join(current[1].split()) == "30 Oct 2026 transfer: day 5, 1 embryo (4AA, euploid)"
    assert cycles[1].splitlines()[0].endswith("· ended 31 Jul 2026: miscarriage")


async def test_n_starts_a_cycle_and_it_is_on_disk(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "n")
        await pilot.pause()
        await fill_and_save(pilot, kind="fet", cd1="2026-11-02", clinic="Riverside Fertility")
        assert isinstance(app.screen, CyclesScreen)
        assert shown(app)[0].startswith("Medicated FET · Riverside Fertility · CD1 2 Nov 2026 · current")
        assert "Saved: Medicated FET cycle from CD1 2 Nov 2026 — u to undo." in notices(app)
    [cycle] = reopened_cycles(journal)
    assert (cycle.kind, cycle.cd1, cycle.clinic) == (CycleKind.FET, date(2026, 11, 2), "Riverside Fertility")


async def test_a_future_cd1_is_refused_beside_the_field_and_nothing_is_written(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "n")
        await pilot.pause()
        await fill_and_save(pilot, kind="natural", cd1="2026-12-01")
        assert isinstance(app.screen, EntryForm)
        assert field_error(app, "cd1") == "2026-12-01 is in the future: record things once they have happened"
    assert reopened_cycles(journal) == []


async def test_e_and_f_add_an_event_and_a_transfer_to_the_highlighted_cycle(journal, clock):
    journal.add_cycle(Cycle(CycleKind.FET, date(2026, 10, 20)), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "a")
        await pilot.pause()
        await fill_and_save(pilot, kind="ultrasound", date="2026-11-20", note="lining 9 mm")
        await pilot.press("t")
        await pilot.pause()
        await fill_and_save(pilot, date="2026-11-09", embryo_day="5", count="1", grade="4AA", pgt="euploid")
        lines = [" ".join(line.split()) for line in shown(app)[0].splitlines()[1:]]
    assert lines == [
        "9 Nov 2026 transfer: day 5, 1 embryo (4AA, euploid)",
        "20 Nov 2026 ultrasound: lining 9 mm",
    ]
    [cycle] = reopened_cycles(journal)
    assert [(e.kind, e.on) for e in cycle.events] == [(EventKind.ULTRASOUND, date(2026, 11, 20))]
    assert [(t.on, t.embryo_day, t.grade) for t in cycle.transfers] == [(date(2026, 11, 9), 5, "4AA")]


async def test_a_transfer_before_cd1_is_refused_beside_the_date(journal, clock):
    journal.add_cycle(Cycle(CycleKind.FET, date(2026, 10, 20)), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "t")
        await pilot.pause()
        await fill_and_save(pilot, date="2026-10-01", embryo_day="5")
        assert isinstance(app.screen, EntryForm)
        assert "before this cycle's CD1 (2026-10-20)" in field_error(app, "date")
    assert reopened_cycles(journal)[0].transfers == ()


async def test_x_ends_the_cycle_only_after_she_confirms(journal, clock):
    journal.add_cycle(Cycle(CycleKind.FET, date(2026, 10, 20)), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "x")
        await pilot.pause()
        await fill_and_save(pilot, date="2026-11-22", outcome="negative beta")
        assert isinstance(app.screen, ConfirmDialog)
        assert reopened_cycles(journal)[0].ended_on is None
        await pilot.press("y")
        await pilot.pause()
        assert shown(app)[0].endswith("ended 22 Nov 2026: negative beta")
    cycle = reopened_cycles(journal)[0]
    assert (cycle.ended_on, cycle.outcome) == (date(2026, 11, 22), "negative beta")
