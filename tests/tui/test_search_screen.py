"""Search in the app (#18): `/` on every section opens the box; each result names its kind, day and matching
text; Enter opens the section that lists the entry, with it selected, where `e` corrects it."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Input, OptionList

from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.appointments import AppointmentsScreen
from rpltrack.tui.screens.base import SectionScreen
from rpltrack.tui.screens.cycles import CyclesScreen
from rpltrack.tui.screens.history import HistoryScreen
from rpltrack.tui.screens.search import SearchScreen
from tests.tui.helpers import SIZE, notices

SMALL = (80, 24)

SECTION_KEYS = "1234567890"


async def search(pilot: Any, text: str) -> SearchScreen:
    await pilot.press("slash")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    screen.query_one("#search-text", Input).value = text
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


def results(screen: SearchScreen) -> list[str]:
    options = screen.query_one("#search-results", OptionList)
    return [str(option.prompt) for option in options.options]


@pytest.mark.parametrize("key", list(SECTION_KEYS))
async def test_slash_opens_the_search_on_every_section(demo_app, key):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(demo_app.screen, SectionScreen)
        binding = demo_app.screen.active_bindings["slash"].binding
        assert binding.id == "search"  # no section binds / to anything of its own
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(demo_app.screen, SearchScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(demo_app.screen, SectionScreen)


async def test_results_say_kind_day_and_the_matching_text(demo_app):
    """The CLI's hits, newest first, in the app's words."""
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await search(pilot, "transfer")
        found = results(screen)
        hits = demo_app.journal.search("transfer")
        assert len(found) == len(hits) > 0
        first = hits[0]
        assert found[0].startswith(f"{first.on.day} {first.on:%b %Y} · ")
        assert f"{first.field}: " in found[0]
        said = str(screen.query_one("#search-said").render())
        assert said == f"{len(hits)} found, newest first."
        screen.query_one("#search-text", Input).value = "zzz-nothing"
        screen.query_one("#search-text", Input).focus()
        await pilot.press("enter")
        await demo_app.workers.wait_for_complete()
        await pilot.pause()
        assert str(screen.query_one("#search-said").render()) == "Nothing found for “zzz-nothing”."


async def test_enter_on_a_question_opens_its_appointment_selected(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await search(pilot, "platelet")
        hits = demo_app.journal.search("platelet")
        assert hits[0].kind == "question"
        screen.query_one("#search-results", OptionList).focus()
        await pilot.press("enter")
        await pilot.pause()
        appointments = demo_app.screen
        assert isinstance(appointments, AppointmentsScreen)
        selected = appointments.selected()
        assert selected is not None
        assert selected.id == hits[0].parent_id


async def test_enter_on_a_dose_note_opens_history_with_the_dose_selected_and_e_corrects_it(demo_app, clock):
    journal = demo_app.journal
    entry = next(
        e
        for e in journal.dose_log(clock.now().replace(year=2025), clock.now())
        if e[0].status.value == "taken"
    )
    log, _ = entry
    assert log.id is not None
    journal.edit_dose(log.id, clock.now(), note="felt dizzy after this one")
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await search(pilot, "dizzy")
        assert "dose" in results(screen)[0]
        screen.query_one("#search-results", OptionList).focus()
        await pilot.press("enter")
        await pilot.pause()
        history = demo_app.screen
        assert isinstance(history, HistoryScreen)
        table = history.query_one("#history", DataTable)
        assert history.selected_key() == str(log.id)
        assert table.has_focus
        await pilot.press("e")
        await pilot.pause()
        assert demo_app.screen.query_one("#entry-note", Input).value == "felt dizzy after this one"


async def test_a_result_whose_entry_was_removed_meanwhile_is_said_gently(demo_app, clock):
    journal = demo_app.journal
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await search(pilot, "platelet")
        hit = screen.hits[0]
        assert hit.parent_id is not None
        journal.delete_appointment(hit.parent_id, clock.now(), with_dependents=True)
        screen.query_one("#search-results", OptionList).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "Search: That question is not in this list any more." in notices(demo_app)


async def test_an_empty_search_asks_for_words(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await search(pilot, "   ")
        assert str(screen.query_one("#search-said").render()) == "Type some words to find, then Enter."


@pytest.mark.parametrize(
    ("words", "kind", "mode"),
    [
        ("Lovenox", "medication", "medications"),
        ("progesterone", "lab", "labs"),
        ("Riverside", "appointment", "appointments"),
    ],
    ids=["medication", "lab", "appointment"],
)
async def test_each_kind_opens_its_section_with_the_entry_selected(demo_app, words, kind, mode):
    journal = demo_app.journal
    hit = next(h for h in journal.search(words) if h.kind == kind)
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await search(pilot, words)
        results_list = screen.query_one("#search-results", OptionList)
        results_list.focus()
        results_list.highlighted = screen.hits.index(hit)
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.current_mode == mode
        section = demo_app.screen
        if kind == "medication":
            assert section.selected_id() == hit.id
        elif kind == "lab":
            assert any(r.id == hit.id for r in section.results[section.shown])
        else:
            assert section.selected().id == hit.id


async def test_a_cycle_found_by_its_notes_opens_cycles_with_it_selected(journal, clock):
    from datetime import date

    from rpltrack.domain.cycles import Cycle, CycleKind

    notes = "the first, at Riverside"
    first = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 9, 1), notes=notes), clock.now())
    journal.add_cycle(Cycle(CycleKind.FET, date(2026, 11, 1)), clock.now(), sure=True)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await search(pilot, "Riverside")
        screen.query_one("#search-results", OptionList).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "cycles"
        cycles = app.screen
        assert isinstance(cycles, CyclesScreen)
        assert cycles.selected_id() == first.id


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["110x34", "80x24"])
async def test_the_hint_under_many_results_stays_in_sight(demo_app, size):
    """With a long list of results the box's last line (how to open a result, how to close) still shows, on
    a short terminal too: there the box closes up and the list is shorter."""
    async with demo_app.run_test(size=size) as pilot:
        screen = await search(pilot, "lovenox")
        options = screen.query_one("#search-results", OptionList)
        assert options.size.height >= 6
        if size == SMALL:  # more results than fit: the list scrolls, and the hint is still there
            assert options.virtual_size.height > options.size.height
        hint = screen.query_one(".dialog-hint")
        box = screen.query_one("#search")
        assert hint.region.height >= 1
        assert box.content_region.contains_region(hint.region)
        assert hint.region.bottom <= size[1]
        assert screen.has_class("-short") == (size[1] < 32)
