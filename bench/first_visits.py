"""Child of bench/run.py: start the app, then visit every section once and again; print how long each took.

    python bench/first_visits.py JOURNAL [LOOK_S [PAUSE_S]]

The real RpltrackApp on JOURNAL (system clock, zone from TZ), headless at 110x34. After the first paint of
Today it waits LOOK_S seconds (default 1.0: she reads Today before her first key), then presses each
section's key in turn, then each again. A visit is timed from the key press to the first paint of that
section once it shows the journal (its first read done), read on the app's side; between visits it waits
PAUSE_S (default 0.2: she reads what she opened; 0 presses the next key at once). One line of JSON on
stdout after the app has stopped:
{"first_paint_s": ..., "first": {mode: s, ...}, "again": {mode: s, ...}}. Exit code 4: it did not finish
within the time limit.
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

from rpltrack.clock import SystemClock
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.base import SectionScreen
from rpltrack.tui.sections import SECTIONS

SIZE = (110, 34)
GIVE_UP_AFTER_S = 60.0


class VisitingApp(RpltrackApp):
    """The real app, recording its paints: the first one, and the first of each visited section once read."""

    CSS_PATH = str(Path(inspect.getfile(RpltrackApp)).with_name(RpltrackApp.CSS_PATH))

    def __init__(self, journal: Journal, look_s: float, pause_s: float) -> None:
        super().__init__(journal=journal, clock=SystemClock())
        self.look_s = look_s
        self.pause_s = pause_s
        self.first_paint_s: float | None = None
        self.started = time.monotonic()
        self.waiting_for: str | None = None
        self.painted = asyncio.Event()
        self.first: dict[str, float] = {}
        self.again: dict[str, float] = {}
        self.finished = False

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        if renderable is None or self._batch_count or screen is not self.screen or not screen.children:
            return
        now = time.monotonic()
        if self.first_paint_s is None:
            self.first_paint_s = now - self.started
            self.run_worker(self.visit_all(), exclusive=True, group="bench")
        elif (
            self.waiting_for is not None
            and self.current_mode == self.waiting_for
            and isinstance(screen, SectionScreen)
            and screen._read_at is not None
        ):
            self.waiting_for = None
            self.paint_at = now
            self.painted.set()

    async def visit(self, mode: str, key: str) -> float:
        self.painted.clear()
        self.waiting_for = mode
        pressed = time.monotonic()
        self.simulate_key(key)
        await self.painted.wait()
        return self.paint_at - pressed

    async def visit_all(self) -> None:
        await asyncio.sleep(self.look_s)
        order = [s for s in SECTIONS if s.mode != self.current_mode]
        for section in order:
            self.first[section.mode] = await self.visit(section.mode, section.key)
            await asyncio.sleep(self.pause_s)
        for section in order:
            self.again[section.mode] = await self.visit(section.mode, section.key)
            await asyncio.sleep(self.pause_s)
        self.finished = True
        self.exit()

    def on_mount(self) -> None:
        self.set_timer(GIVE_UP_AFTER_S, self.exit)


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    given = argv[1:]
    look_s, pause_s = (float(value) for value in [*given, *("1.0", "0.2")[len(given) :]])
    app = VisitingApp(Journal.open(Path(argv[0])), look_s, pause_s)
    app.run(headless=True, size=SIZE)
    print(json.dumps({"first_paint_s": app.first_paint_s, "first": app.first, "again": app.again}))
    return 0 if app.finished else 4


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
