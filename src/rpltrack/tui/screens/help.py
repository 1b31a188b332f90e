"""HelpScreen: the keys of the screen it was opened on, in plain words, read from that screen's bindings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from rpltrack.tui.screens.base import DIALOGS_CSS, EVERYWHERE_IDS, SECTIONS_CSS, SECTIONS_GROUP

# Textual's own keys for moving about (they carry no id): named once, in words, when the screen has them
# (and no binding of the app's own gives them another meaning there).
MOVING = (
    (("up", "down"), "move in a list"),
    (("tab", "shift+tab"), "move to the next part of the screen, or back"),
)


# One line of the help: the keys (as drawn) that run one action, and what it does in words.
HelpLine = tuple[tuple[str, ...], str]


def help_lines(
    bindings: Mapping[str, ActiveBinding], key_display: Callable[[Binding], str]
) -> list[tuple[str, list[HelpLine]]]:
    """The keys `bindings` holds, as (part, lines): the screen's own keys, the keys that mean the same
    everywhere, and the sections. Each of the app's bindings (those with an id) appears once, with every key
    bound to its action; the words are its tooltip, else its description."""
    parts: dict[str, dict[tuple[str, int], tuple[list[str], str]]] = {
        "This screen": {},
        "Everywhere": {},
        "Sections": {},
    }
    for active in bindings.values():
        binding = active.binding
        if binding.id is None or not binding.description:
            continue
        if binding.group is SECTIONS_GROUP:
            part = parts["Sections"]
        elif binding.id in EVERYWHERE_IDS:
            part = parts["Everywhere"]
        else:
            part = parts["This screen"]
        # A group's keys share one line (the dose list's ↑ ↓ home end …); any other action has its own.
        if binding.group is not None and part is parts["This screen"]:
            line, words = (f"group: {binding.group.description}", id(active.node)), binding.group.description
        else:
            line, words = (binding.action, id(active.node)), binding.tooltip or binding.description
        keys, _ = part.setdefault(line, ([], words))
        keys.append(key_display(binding))
    lines = {title: [(tuple(keys), words) for keys, words in part.values()] for title, part in parts.items()}
    lines["This screen"] += [
        (tuple(key_display(bindings[k].binding) for k in keys), words)
        for keys, words in MOVING
        if all(k in bindings and bindings[k].binding.id is None for k in keys)
    ]
    return [(title, part_lines) for title, part_lines in lines.items() if part_lines]


# The width of the keys' column; longer keys wrap inside it, the words beside them.
KEYS_WIDTH = 14


def help_row(keys: tuple[str, ...], words: str) -> Table:
    """One line of the help: the keys in bold in their column, the words beside them (wrapped under
    themselves, not under the keys)."""
    row = Table.grid(padding=(0, 2))
    row.add_column(width=KEYS_WIDTH, style="bold")
    row.add_column(ratio=1)
    row.add_row(Text(" ".join(keys)), Text(words))
    return row


class HelpScreen(ModalScreen[None]):
    """The keys of the screen below, grouped: its own, the keys that mean the same everywhere, and the
    sections. Built from that screen's active bindings, so it shows exactly the keys it binds. Any of
    Escape, q, ? or F1 closes it."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, SECTIONS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help-close"),
        Binding("q", "close", "Close", show=False, id="help-close-q"),
        Binding("question_mark", "close", "Close", show=False, id="help-close-question"),
        Binding("f1", "close", "Close", show=False, id="help-close-f1"),
    ]

    def __init__(self, about: Screen[object], title: str) -> None:
        super().__init__()
        self.about = about
        self.title_words = title
        self.sections: list[tuple[str, list[HelpLine]]] = []

    def compose(self) -> ComposeResult:
        # Read when it opens: the keys of the screen below as they are now (its focused list's included).
        self.sections = help_lines(self.about.active_bindings, self.app.get_key_display)
        with Vertical(id="help", classes="dialog"):
            yield Static(
                f"Keys on {self.title_words}  [dim](Escape closes this)[/dim]", classes="dialog-title"
            )
            with VerticalScroll(id="help-body"):
                for index, (title, lines) in enumerate(self.sections):
                    yield Static(title, classes="help-section" + (" -first" if index == 0 else ""))
                    for keys, words in lines:
                        yield Static(help_row(keys, words), classes="help-line")
            yield Static(
                "Your journal stays on this computer. rpltrack never gives medical advice.",
                classes="dialog-hint",
            )

    def action_close(self) -> None:
        self.dismiss(None)
