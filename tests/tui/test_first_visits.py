"""First visits (#19): the warm-up thread reads Labs' and Betas' first read before her first visit, a screen
takes it only while the journal is unchanged, and what makes first visits quick never changes what shows."""

from __future__ import annotations

import asyncio
import threading
from datetime import date, datetime, timedelta
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.table import Table
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from rpltrack.domain.betas import BetaDraw, parse_hcg
from rpltrack.domain.labcatalog import parse_lab_value, resolve
from rpltrack.domain.labs import LabResult
from rpltrack.store.journal import Journal
from rpltrack.tui.app import WARMED_FOR, RpltrackApp
from rpltrack.tui.rendering import KeptRendering
from rpltrack.tui.screens import betas as betas_screen
from rpltrack.tui.screens import labs as labs_screen
from rpltrack.tui.screens.betas import BetasRead, FittedTable
from rpltrack.tui.screens.labs import LabsRead, LabsScreen
from rpltrack.tui.stylesheet import KeptStylesheet
from tests.tui.helpers import SIZE


def free_t4(on: str, value: str) -> LabResult:
    test = resolve("free T4")
    return LabResult(test=test.key, on=date.fromisoformat(on), value=parse_lab_value(test, value, "pmol/L"))


def a_beta(clock: Any, at: str, value: str) -> BetaDraw:
    return BetaDraw(datetime.fromisoformat(at).replace(tzinfo=clock.zone), parse_hcg(value), "Elsewhere Lab")


def table_cells(app: RpltrackApp, table_id: str) -> list[str]:
    table = app.screen.query_one(f"#{table_id}", DataTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def warmed(app: RpltrackApp, pilot: Any) -> None:
    await pilot.pause()
    assert await asyncio.to_thread(app.sections_warm.wait, 30)
    await pilot.pause()


# -- a warmed read is never older than the journal -------------------------------------------------------


async def test_labs_and_betas_take_the_warmed_read_while_the_journal_is_unchanged(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await warmed(demo_app, pilot)
        labs = demo_app.take_warmed("labs")
        assert isinstance(labs, LabsRead)
        assert labs.results == demo_app.journal.labs()
        betas = demo_app.take_warmed("betas")
        assert isinstance(betas, BetasRead)
        assert betas.draws == demo_app.journal.betas()
        # Taken once: a later read reads the journal.
        assert demo_app.take_warmed("labs") is None


async def test_a_warmed_read_left_waiting_too_long_or_overnight_is_read_afresh(demo_app):
    """She opens Labs long after the warm-up (or the next morning): the section reads the journal then, as of
    then, whatever the change mark says."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await warmed(demo_app, pilot)
        demo_app.clock.advance(WARMED_FOR + timedelta(seconds=1))
        assert demo_app.take_warmed("labs") is None
        demo_app.clock.advance(timedelta(hours=23))  # the next day
        assert demo_app.take_warmed("betas") is None
        assert demo_app.journal.labs()  # the journal itself is there to read


async def test_a_result_added_by_another_connection_after_warming_shows_on_the_first_visit(demo_app):
    # Regression (#19): the warm-up's read must never stand in for a journal that changed after it.
    async with demo_app.run_test(size=SIZE) as pilot:
        await warmed(demo_app, pilot)
        assert set(demo_app.warmed) == {"labs", "betas"}
        with Journal.open(demo_app.journal.path) as other:  # the command line, say
            other.add_lab(free_t4("2026-11-20", "14"), demo_app.clock.now())
            other.add_beta(a_beta(demo_app.clock, "2026-11-22 09:00", "999"), demo_app.clock.now())
        await pilot.press("7")
        await pilot.pause()
        assert isinstance(demo_app.screen, LabsScreen)
        assert any(
            row.startswith("Free T4 | 20 Nov 2026 | 14 pmol/L") for row in table_cells(demo_app, "lab-tests")
        )
        await pilot.press("5")
        await pilot.pause()
        assert any("22 Nov 09:00 | 999" in row for row in table_cells(demo_app, "beta-draws"))


async def test_a_result_saved_by_the_app_itself_after_warming_is_not_hidden_by_the_warmed_read(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await warmed(demo_app, pilot)
        demo_app.journal.add_lab(free_t4("2026-11-21", "12"), demo_app.clock.now())
        assert demo_app.take_warmed("labs") is None
        await pilot.press("7")
        await pilot.pause()
        assert any(
            row.startswith("Free T4 | 21 Nov 2026 | 12 pmol/L") for row in table_cells(demo_app, "lab-tests")
        )


async def test_the_first_reads_are_warmed_in_a_thread_not_on_the_event_loop(demo_app, monkeypatch):
    threads: dict[str, int] = {}
    real_labs, real_betas = labs_screen.warm_labs, betas_screen.warm_betas

    def spy_labs(*args: Any) -> LabsRead:
        threads["labs"] = threading.get_ident()
        return real_labs(*args)

    def spy_betas(*args: Any) -> BetasRead:
        threads["betas"] = threading.get_ident()
        return real_betas(*args)

    monkeypatch.setattr(labs_screen, "warm_labs", spy_labs)
    monkeypatch.setattr(betas_screen, "warm_betas", spy_betas)
    async with demo_app.run_test(size=SIZE) as pilot:
        loop_thread = threading.get_ident()
        await warmed(demo_app, pilot)
        assert set(threads) == {"labs", "betas"}
        assert loop_thread not in threads.values()


# -- what makes a first visit quick changes nothing that shows -------------------------------------------


async def test_betas_tables_end_fitted_to_their_width_at_any_size(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        for size in ((80, 24), (130, 40), (110, 34)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            for table in demo_app.screen.query(FittedTable).results(FittedTable):
                assert table.fitted_for == table.size.width, (size, table.id)


async def test_a_long_history_keeps_its_scroll_bar_room_only_while_it_is_longer_than_the_screen(
    journal, clock
):
    for month in range(1, 13):
        for day in (3, 17):
            journal.add_lab(free_t4(f"2026-{month:02d}-{day:02d}", "13"), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=(110, 20)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        scroll = app.screen.query_one("#lab-history-scroll", VerticalScroll)
        assert scroll.has_class("-scrolls")  # 24 results under a header: more than 20 lines
        await pilot.resize_terminal(110, 60)
        await pilot.pause()
        assert not scroll.has_class("-scrolls")


class Counted:
    """A renderable that counts how often it is drawn."""

    def __init__(self) -> None:
        self.drawn = 0

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        self.drawn += 1
        yield Segment(f"drawn at {options.max_width}")


def test_a_kept_rendering_draws_once_per_width_whatever_the_height():
    console = Console(width=80, record=True)
    counted = Counted()
    kept = KeptRendering(counted)
    for options in (console.options, console.options.update(height=12), console.options.update(height=3)):
        assert list(console.render(kept, options)) == [Segment("drawn at 80")]
    assert counted.drawn == 1
    assert list(console.render(kept, console.options.update_width(40))) == [Segment("drawn at 40")]
    assert counted.drawn == 2


def test_a_kept_table_draws_as_the_table_itself():
    table = Table(box=None, expand=False, pad_edge=False, show_edge=False)
    table.add_column("Date", no_wrap=True)
    table.add_column("Result")
    table.add_row("2 Dec 2026", "2.8 mIU/L\nat Quest Diagnostics · clinic said they would call back")
    console = Console(width=100)
    for width in (100, 40, 25):
        options = console.options.update_width(width)
        assert list(console.render(KeptRendering(table), options)) == list(console.render(table, options))


def test_the_kept_stylesheet_parses_again_when_the_variables_change():
    sheet = KeptStylesheet(variables={"accent": "red"})
    sheet.add_source("Static { background: $accent; }", read_from=("test", "sheet"))
    sheet.reparse()
    assert "#FF0000" in sheet.css
    sheet.set_variables({"accent": "red"})
    sheet.reparse()  # the same variables: the rules as parsed
    assert "#FF0000" in sheet.css
    sheet.set_variables({"accent": "blue"})
    sheet.reparse()
    assert "#0000FF" in sheet.css
    assert "#FF0000" not in sheet.css
