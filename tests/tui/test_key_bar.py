"""The key bar at the bottom of every section: the screen's own keys, kept current; a click presses one."""

from __future__ import annotations

from rpltrack.domain.models import DoseStatus
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.forms import ReasonDialog
from rpltrack.tui.screens.medications import MedicationsScreen
from rpltrack.tui.screens.today import TodayScreen
from rpltrack.tui.widgets.key_bar import KeyBar
from tests.tui.helpers import SIZE, add_med, statuses


def bar_text(app: RpltrackApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


async def test_the_bar_shows_the_screens_keys_and_follows_the_screen(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        today = bar_text(app)
        assert today.startswith(" t Taken s Skip u Undo")
        assert " m h c b p r f o Sections ? Help q Quit " in today
        assert today.rstrip().endswith("▏^p Search actions")
        assert len(today) == SIZE[0]  # the palette's key sits at the right edge
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MedicationsScreen)
        meds = bar_text(app)
        assert meds.startswith(" a Add e Change dose x Stop")
        assert " t h c b p r f o Sections " in meds  # Medications is the section she is in


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
