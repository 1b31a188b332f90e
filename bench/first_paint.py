"""Child of bench/run.py: start an app headless, exit right after its first paint, print when that was.

    python bench/first_paint.py minimal            a minimal Textual app (the baseline)
    python bench/first_paint.py rpltrack JOURNAL   the real RpltrackApp on JOURNAL, opened on its first screen

"First paint" is the first full compositor update of the active screen once it has widgets: the moment a
real terminal would show the screen. The app exits right after it. The time is counted from the parent's
launch (RPLTRACK_BENCH_T0, a time.monotonic() value: CLOCK_MONOTONIC is system-wide on Linux) and printed as
one line of JSON on stdout after the app has stopped: {"first_paint_s": ..., "screen": ...}. Exit code 3: the
app module is missing (the TUI is not written yet); 4: nothing was painted within the time limit.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import RenderableType
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Label

SIZE = (110, 34)
GIVE_UP_AFTER_S = 30.0


class ExitAfterFirstPaint(App[Any]):
    """Mixed in before the app under test: records the first paint of the active screen, then exits."""

    first_paint_s: float | None = None
    painted_screen: str = ""

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        # Textual calls App._display with each compositor update of a screen; headless, it then draws
        # nothing, but the layout and the widgets' lines have been computed: the whole cost of a paint.
        super()._display(screen, renderable)
        if (
            self.first_paint_s is None
            and renderable is not None
            and not self._batch_count
            and screen is self.screen
            and screen.children
        ):
            self.first_paint_s = time.monotonic() - launched_at()
            self.painted_screen = type(screen).__name__
            self.exit()

    def on_mount(self) -> None:
        self.set_timer(GIVE_UP_AFTER_S, self.exit)


class MinimalApp(ExitAfterFirstPaint):
    """The baseline: one label on the default screen."""

    def compose(self) -> ComposeResult:
        yield Label("rpltrack bench: a minimal Textual app")


def launched_at() -> float:
    """The parent's time.monotonic() just before it started this process (now, when run by hand)."""
    return float(os.environ.get("RPLTRACK_BENCH_T0", "") or START)


def build_rpltrack(journal_path: Path) -> ExitAfterFirstPaint:
    """The real app as `rpltrack` would start it: the journal file and the system clock (zone from TZ)."""
    try:
        from rpltrack.tui.app import RpltrackApp
    except ModuleNotFoundError as exc:
        if exc.name == "rpltrack.tui.app":
            print(json.dumps({"error": "rpltrack.tui.app does not exist yet"}))
            sys.exit(3)
        raise
    from rpltrack.clock import SystemClock
    from rpltrack.store.journal import Journal

    class BenchRpltrackApp(ExitAfterFirstPaint, RpltrackApp):
        # Textual reads a relative CSS_PATH beside the file of the app's class: keep it beside app.py.
        CSS_PATH = str(Path(inspect.getfile(RpltrackApp)).with_name(RpltrackApp.CSS_PATH))

    return BenchRpltrackApp(journal=Journal.open(journal_path), clock=SystemClock())


def main(argv: list[str]) -> int:
    if argv[:1] == ["minimal"]:
        app: ExitAfterFirstPaint = MinimalApp()
    elif len(argv) == 2 and argv[0] == "rpltrack":
        app = build_rpltrack(Path(argv[1]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    app.run(headless=True, size=SIZE)
    print(json.dumps({"first_paint_s": app.first_paint_s, "screen": app.painted_screen}))
    return 0 if app.first_paint_s is not None else 4


START = time.monotonic()

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
