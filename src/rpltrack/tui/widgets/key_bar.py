"""KeyBar: the screen's keys on one line at the bottom, drawn as one widget.

Textual's Footer mounts a widget per key and restyles each one, and composes twice on start (once empty,
once the bindings are known): about a tenth of a second of the app's start on a slow laptop, for one line
of text. KeyBar draws the same line (the keys of the focused screen, a group's keys side by side with the
group's name and a run of digits as '0-9', the command palette's key on the right) from the screen's active
bindings whenever they change. A click on a key presses it.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen


class KeyBar(Widget):
    """One line of key hints: `t Taken s Skip … 0-9 Sections u Undo ? Help q Quit      ▏^p Search actions`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # Textual's keyword
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) of each clickable key, in cells
        self.shown_keys: list[str] = []  # the key of each binding drawn, after fitting the width

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def shown_bindings(self) -> list[tuple[Binding, bool]]:
        """The bindings to show, in the screen's order, one per action (the first key of each)."""
        seen: set[str] = set()
        shown: list[tuple[Binding, bool]] = []
        palette = self.app.COMMAND_PALETTE_BINDING
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.show or key == palette or binding.action in seen:
                continue
            seen.add(binding.action)
            shown.append((binding, active.enabled))
        return shown

    def render(self) -> Text:
        # A screen's own keys come first, most useful first, then the shared ones (a group such as the
        # sections', and the app's: help, quit). When they do not fit, the screen's last own keys are left
        # out (the help and the palette still list them), never the shared ones.
        items = self.shown_bindings()
        line, spans = self._draw(items)
        shared = next(
            (n for n, (b, _) in enumerate(items) if b.group or b.action.startswith("app.")), len(items)
        )
        while line.cell_len > self.size.width and shared > 1:
            shared -= 1
            del items[shared]
            line, spans = self._draw(items)
        self.shown_keys = [binding.key for binding, _ in items]
        return self._add_palette(line, spans)

    def _draw(self, shown: list[tuple[Binding, bool]]) -> tuple[Text, list[tuple[int, int, str]]]:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str]] = []

        def key(binding: Binding, enabled: bool) -> None:
            shown = self.app.get_key_display(binding)
            start = line.cell_len
            line.append(shown, key_style if enabled else key_style + _DIM)
            spans.append((start, line.cell_len, binding.key))

        line.append(" ")
        for group, members in groupby(shown, lambda item: item[0].group):
            items = list(members)
            if group is not None and len(items) > 1:
                for index, run in enumerate(key_runs(items)):
                    if index:
                        line.append(" ")
                    key(*run[0])
                    if len(run) > 1:
                        line.append("-", key_style)
                        key(*run[-1])
                line.append(f" {group.description}", description_style)
                line.append(" ")
                continue
            for binding, enabled in items:
                key(binding, enabled)
                if binding.description:
                    line.append(f" {binding.description}", description_style if enabled else _DIM)
                line.append(" ")
        return line, spans

    def _add_palette(self, line: Text, spans: list[tuple[int, int, str]]) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        palette = self.app.COMMAND_PALETTE_BINDING
        active = self.screen.active_bindings.get(palette)
        if self.app.ENABLE_COMMAND_PALETTE and active is not None:
            shown = self.app.get_key_display(active.binding)
            tail = Text(end="")
            tail.append("▏", _DIM)
            tail.append(shown, key_style)
            tail.append(f" {active.binding.description}", description_style)
            gap = self.size.width - line.cell_len - tail.cell_len
            if gap >= 1:
                start = line.cell_len + gap + 1
                spans.append((start, start + len(shown), palette))
                line.append(" " * gap)
                line.append_text(tail)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return


_DIM = Style(dim=True)


def key_runs(items: list[tuple[Binding, bool]]) -> list[list[tuple[Binding, bool]]]:
    """A group's keys in runs: three or more consecutive digits make one run, drawn '1-9' (each end
    clickable), a 0 after the 9 making it '0-9'; any other key is a run of its own."""
    runs: list[list[tuple[Binding, bool]]] = []
    for item in items:
        last = runs[-1][-1][0].key if runs else ""
        key = item[0].key
        if len(key) == len(last) == 1 and key.isdigit() and last.isdigit() and int(key) == int(last) + 1:
            runs[-1].append(item)
        elif key == "0" and last == "9" and runs[-1][0][0].key == "1":
            runs[-1].insert(0, item)  # 0 follows 9 on the keyboard: 1 to 9 and 0 are drawn '0-9'
        else:
            runs.append([item])
    split: list[list[tuple[Binding, bool]]] = []
    for run in runs:
        split.extend([run] if len(run) >= 3 else [[item] for item in run])
    return split
