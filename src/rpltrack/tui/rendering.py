"""KeptRendering: a Rich renderable drawn once for a given width and kept, for content that is costly to draw.

Textual draws a Static's content once to learn its height and again to show it, and again at each layout.
A long table (ten years of one lab test's results) costs tens of milliseconds each time; wrapped in a
KeptRendering it is drawn once per width and console, and the lines are replayed after that.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment

# How many renderings to keep: Textual asks for one or two widths while laying out and showing a screen.
KEPT = 4


# The options a table's drawing does not depend on: Rich's Table draws its cells with height=None and reads
# neither, and Textual passes a height (which sets both) only when it shows the content, not when it measures.
HEIGHTS = frozenset({"height", "max_height"})


def options_key(options: ConsoleOptions) -> tuple[object, ...]:
    """Every console option but the heights."""
    return tuple((name, value) for name, value in vars(options).items() if name not in HEIGHTS)


class KeptRendering:
    """`renderable` (a Rich Table, or anything else drawn the same at any height), drawn once per console
    and options and replayed after that; it must not change once wrapped (new content is wrapped anew)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self.kept: dict[tuple[int, tuple[object, ...]], tuple[Console, list[Segment]]] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (id(console), options_key(options))
        found = self.kept.get(key)
        if found is None or found[0] is not console:
            if len(self.kept) >= KEPT:
                self.kept.pop(next(iter(self.kept)))
            found = (console, list(console.render(self.renderable, options)))
            self.kept[key] = found
        yield from found[1]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)
