"""Child of bench/run.py: how long the Plan screen and a filtered History take to appear (#18).

    python bench/screen_paint.py JOURNAL

Starts the real RpltrackApp headless on JOURNAL (system clock, zone from TZ) and, once Today has painted:
pushes the Plan screen and times it to its first paint; then goes to History and times it to its first paint
(its first visit: the screen, its stylesheet and its newest page); then applies the filter "aspirin" (every
course of it, all states, ten years) and times it to the first paint of the filtered page. Prints one line of
JSON: {"plan_s": ..., "history_open_s": ..., "history_s": ..., "history_rows": ...}; exit 4 when something
never painted within the time limit.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import RenderableType
from textual.screen import Screen

SIZE = (110, 34)
GIVE_UP_AFTER_S = 30.0
MEDICATION = "aspirin"


def build(journal_path: Path) -> Any:
    from rpltrack.clock import SystemClock
    from rpltrack.store.journal import Journal
    from rpltrack.tui.app import RpltrackApp

    class TimedApp(RpltrackApp):
        CSS_PATH = str(Path(inspect.getfile(RpltrackApp)).with_name(RpltrackApp.CSS_PATH))
        painted: asyncio.Event | None = None
        wanted: type[Screen[Any]] | None = None

        def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
            super()._display(screen, renderable)
            wanted, event = self.wanted, self.painted
            if event is None or wanted is None or renderable is None or self._batch_count:
                return
            if isinstance(screen, wanted) and screen is self.screen and screen.children:
                event.set()

    return TimedApp(journal=Journal.open(journal_path), clock=SystemClock())


async def until_painted(app: Any, screen_type: type[Screen[Any]]) -> None:
    app.painted, app.wanted = asyncio.Event(), screen_type
    await asyncio.wait_for(app.painted.wait(), GIVE_UP_AFTER_S)


async def measure(journal_path: Path) -> dict[str, Any]:
    from rpltrack.tui.screens.history import HistoryChoice, HistoryScreen
    from rpltrack.tui.screens.plan import PlanScreen
    from rpltrack.tui.screens.today import TodayScreen

    app = build(journal_path)
    report: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        await until_painted(app, TodayScreen)
        await pilot.pause()
        start = time.perf_counter()
        app.painted, app.wanted = asyncio.Event(), PlanScreen
        app.push_screen(PlanScreen())
        await asyncio.wait_for(app.painted.wait(), GIVE_UP_AFTER_S)
        report["plan_s"] = time.perf_counter() - start
        app.pop_screen()
        await pilot.pause()
        start = time.perf_counter()
        app.painted, app.wanted = asyncio.Event(), HistoryScreen
        await app.switch_mode("history")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        await history.show_current()
        await asyncio.wait_for(app.painted.wait(), GIVE_UP_AFTER_S)
        report["history_open_s"] = time.perf_counter() - start
        await pilot.pause()
        start = time.perf_counter()
        ids = app.journal.medication_ids_named(MEDICATION)
        await history.apply(HistoryChoice(med=MEDICATION, medication_ids=ids))
        app.painted, app.wanted = asyncio.Event(), HistoryScreen
        history.refresh()
        await asyncio.wait_for(app.painted.wait(), GIVE_UP_AFTER_S)
        report["history_s"] = time.perf_counter() - start
        report["history_rows"] = len(history.entries)
    return report


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        report = asyncio.run(measure(Path(argv[0])))
    except TimeoutError:
        print(json.dumps({"error": "a screen never painted"}))
        return 4
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
