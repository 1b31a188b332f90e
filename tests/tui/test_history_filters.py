"""History without the 30-day limit (#18): filters by medication, state, kind and dates (f), pages of the
10-year demo read as `rpltrack log --limit` reads them, older pages as she reaches the end."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from rpltrack.clock import FixedClock
from rpltrack.store.demo import fill_demo
from rpltrack.store.doses import HistoryFilter
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.adherence import AdherenceScreen
from rpltrack.tui.screens.entry_form import EntryForm
from rpltrack.tui.screens.history import PAGE, HistoryScreen
from tests.conftest import LONDON, NOW
from tests.tui.helpers import SIZE, field_error, fill_and_save


@pytest.fixture(scope="module")
def ten_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 10-year demo journal (`rpltrack demo --years 10`), built once for this module."""
    path = tmp_path_factory.mktemp("history") / "journal.db"
    with Journal.open(path, now=NOW) as journal:
        fill_demo(journal, NOW, LONDON, years=10)
    return path


async def open_history(pilot: Any) -> HistoryScreen:
    await pilot.press("3")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen)
    return screen


def keys(screen: HistoryScreen) -> list[str]:
    table = screen.query_one("#history", DataTable)
    return [str(key.value) for key in table.rows]


def store_keys(journal: Journal, wanted: HistoryFilter, pages: int) -> list[str]:
    """The keys of the first `pages` pages as the store (and so `rpltrack log --limit`) reads them."""
    found: list[str] = []
    before = None
    for _ in range(pages):
        page = journal.history_page(wanted, LONDON, NOW, before=before, limit=PAGE)
        for entry in page.entries:
            if entry.log is not None:
                found.append(str(entry.log.id))
            else:
                found.append(f"missed-{entry.medication.id}-{entry.at.isoformat()}")
        before = page.before
    return list(dict.fromkeys(found))


async def test_ten_years_open_on_the_newest_page_and_the_end_loads_older_ones(ten_years):
    with Journal.open(ten_years) as journal:
        app = RpltrackApp(journal=journal, clock=FixedClock(NOW, LONDON))
        async with app.run_test(size=SIZE) as pilot:
            history = await open_history(pilot)
            wanted = history.wanted(NOW)
            assert keys(history) == store_keys(journal, wanted, 1)
            assert "older ones load as you reach the end" in str(history.query_one("#history-more").render())
            assert history.query_one("#history", DataTable).has_focus
            await pilot.press("pagedown", "pagedown")  # PageDown to the end of the newest page
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert keys(history) == store_keys(journal, wanted, 2)


async def test_f_filters_by_medication_and_state_as_log_does(ten_years):
    """aspirin, missed: every row is a missed aspirin dose, the store's own page; the year is shown on a row
    of another year; c clears the filters."""
    with Journal.open(ten_years) as journal:
        app = RpltrackApp(journal=journal, clock=FixedClock(NOW, LONDON))
        async with app.run_test(size=SIZE) as pilot:
            history = await open_history(pilot)
            await pilot.press("f")
            await pilot.pause()
            assert isinstance(app.screen, EntryForm)
            await fill_and_save(pilot, med="aspirin", states="missed")
            assert isinstance(app.screen, HistoryScreen)
            ids = journal.medication_ids_named("aspirin")
            assert history.choice.medication_ids == ids
            assert history.choice.states == ("missed",)
            table = history.query_one("#history", DataTable)
            rows = [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]
            assert rows
            assert all(row[2] == "aspirin" and row[4] == "missed — not logged" for row in rows)
            assert keys(history) == store_keys(journal, history.wanted(NOW), 1)
            assert str(history.query_one("#history-title").render()) == "Dose history · aspirin · missed"
            assert any(row[0].endswith(("2025", "2024", "2023", "2022")) for row in rows) or len(rows) < PAGE
            await pilot.press("c")
            await pilot.pause()
            assert history.choice.filtered is False
            assert str(history.query_one("#history-title").render()) == "Dose history · every dose"


async def test_dates_and_logged_later_filter(journal, clock):
    from tests.tui.helpers import add_med

    entered = FixedClock(datetime(2026, 11, 1, 7, 0, tzinfo=LONDON), LONDON)
    med = add_med(journal, entered, "aspirin", "81 mg", "08:00", start="2026-11-01")
    from rpltrack.domain.models import DoseStatus

    for day in range(2, 8):
        slot = datetime(2026, 11, day, 8, 0, tzinfo=LONDON)
        logged = slot + (timedelta(days=1) if day == 4 else timedelta(minutes=5))
        journal.record_dose(med, DoseStatus.TAKEN, logged, LONDON, slot_at=slot, at=slot)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        history = await open_history(pilot)
        await pilot.press("f")
        await pilot.pause()
        await fill_and_save(pilot, states="logged later", **{"from": "2026-11-02", "to": "2026-11-06"})
        table = history.query_one("#history", DataTable)
        rows = [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]
        assert rows == [["Wed 4 Nov", "08:00", "aspirin", "81 mg", "taken 08:00, logged later", ""]]
        assert history.more_words() == "All 1 dose."
        await pilot.press("f")
        await pilot.pause()
        await fill_and_save(pilot, states="taken", **{"from": "2026-11-06", "to": "2026-11-03"})
        assert field_error(app, "from") == "6 Nov 2026 is after the last day, 3 Nov 2026"
        await fill_and_save(pilot, med="nothing-like-it", **{"from": "", "to": ""})
        assert field_error(app, "med")


async def test_a_state_she_mistypes_is_said_beside_its_field(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot)
        await pilot.press("f")
        await pilot.pause()
        await fill_and_save(pilot, states="taken, forgotten")
        assert isinstance(app.screen, EntryForm)
        assert "'forgotten' is not a state" in field_error(app, "states")


async def test_m_on_history_opens_the_month(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_history(pilot)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(demo_app.screen, AdherenceScreen)
