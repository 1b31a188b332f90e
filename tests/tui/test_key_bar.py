"""The key bar at the bottom of every section: the screen's own keys, kept current; a click presses one."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from rpltrack.domain.models import DoseStatus
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.appointments import AppointmentsScreen
from rpltrack.tui.screens.forms import ReasonDialog
from rpltrack.tui.screens.history import HistoryScreen
from rpltrack.tui.screens.sessions import TreatmentsScreen
from rpltrack.tui.screens.today import TodayScreen
from rpltrack.tui.widgets.key_bar import KeyBar, key_runs
from tests.tui.helpers import SIZE, add_med, statuses


def bar_text(app: RpltrackApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


async def test_the_bar_shows_the_screens_keys_and_follows_the_screen(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        today = bar_text(app)
        assert today.startswith(
            " t Taken s Skip a Add medication l As needed p Plan 0-9 Sections u Undo ? Help q Quit "
        )
        assert today.rstrip().endswith("▏^p Search actions")
        assert len(today) == SIZE[0]  # the palette's key sits at the right edge
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert bar_text(app).startswith(
            " e Edit d Delete f Filter m Month 0-9 Sections u Undo ? Help q Quit "
        )  # the same keys on every section


@pytest.mark.parametrize(
    ("keys", "drawn"),
    [
        ("123456789", "1-9"),
        ("1234567890", "0-9"),
        ("234567890", "2-9 0"),
        ("12345679", "1-7 9"),
        ("123", "1-3"),
        ("12", "1 2"),
        ("1245", "1 2 4 5"),
        ("abc", "a b c"),
    ],
    ids=[
        "all-nine",
        "all-ten",
        "a-zero-after-a-part",
        "one-left-out",
        "three-make-a-run",
        "two-do-not",
        "gaps",
        "letters",
    ],
)
def test_a_groups_digits_are_drawn_as_runs(keys, drawn):
    items = [(Binding(key, "noop", key), True) for key in keys]
    assert (
        " ".join(
            run[0][0].key if len(run) == 1 else f"{run[0][0].key}-{run[-1][0].key}" for run in key_runs(items)
        )
        == drawn
    )


async def test_a_click_on_either_end_of_the_section_run_goes_there(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click(KeyBar, offset=(bar_text(app).index("0-9") + 1, 0))  # the dash is not a key
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        await pilot.click(KeyBar, offset=(bar_text(app).index("0-9") + 2, 0))
        await pilot.pause()
        assert isinstance(app.screen, AppointmentsScreen)
        await pilot.click(KeyBar, offset=(bar_text(app).index("0-9"), 0))
        await pilot.pause()
        assert isinstance(app.screen, TreatmentsScreen)


async def test_a_click_on_a_key_presses_it(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one(KeyBar).region.height == 1
        await pilot.click(KeyBar, offset=(bar_text(app).index("Skip"), 0))  # a description is not a key
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        await pilot.click(KeyBar, offset=(bar_text(app).index("s Skip"), 0))
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)  # the key itself: "why skip?"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click(KeyBar, offset=(bar_text(app).index("t Taken"), 0))
        await pilot.pause()
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.TAKEN)]


async def test_a_narrow_terminal_drops_the_palette_hint_rather_than_overlap(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert "Search actions" not in text
        assert text.startswith(" t Taken")
