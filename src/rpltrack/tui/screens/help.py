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

# Textual's own keys (its widgets' and the app's: they carry no id), in plain words by what they do; each is
# listed where the screen, or its focused part, binds it. An action of Textual's not named here is listed
# with Textual's own description, so no key that works is left out.
MOVE = "move in a list"
TEXTUAL_WORDS = {
    **dict.fromkeys(
        (
            "cursor_up",
            "cursor_down",
            "cursor_left",
            "cursor_right",
            "scroll_up",
            "scroll_down",
            "scroll_left",
            "scroll_right",
            "scroll_home",
            "scroll_end",
            "scroll_top",
            "scroll_bottom",
            "first",
            "last",
            "page_up",
            "page_down",
            "page_left",
            "page_right",
        ),
        MOVE,
    ),
    "focus_next": "move to the next part of the screen, or back",
    "focus_previous": "move to the next part of the screen, or back",
    "copy_text": "copy the text selected with the mouse",
}
# Textual's keys that do nothing on these screens, so the help leaves them out: Enter on a list selects the
# line already highlighted, and nothing opens from a section's list.
SILENT = frozenset({"select", "select_cursor"})


# One line of the help: the keys (as drawn) that run one action, and what it does in words.
HelpLine = tuple[tuple[str, ...], str]


def target(active: ActiveBinding) -> tuple[str, int]:
    """What a binding runs, and on what: q (the screen's `app.quit`) and ctrl+q (the app's `quit`) run the
    same action, so they share a line."""
    action = active.binding.action
    for namespace in ("app.", "screen."):
        if action.startswith(namespace):
            return action.removeprefix(namespace), id(active.node.app if namespace == "app." else active.node)
    return action, id(active.node)


def help_lines(
    bindings: Mapping[str, ActiveBinding], key_display: Callable[[Binding], str]
) -> list[tuple[str, list[HelpLine]]]:
    """Every key `bindings` holds, as (part, lines): the screen's own keys (then Textual's for moving about),
    the keys that mean the same everywhere, and the sections. One line per action, with every key bound to
    it: its words are the tooltip of its first binding of the app's own (those with an id), else that
    binding's description; a group's keys share one line, in the group's words. Textual's keys share a line
    by meaning (TEXTUAL_WORDS, else Textual's description). Keys in SILENT do nothing here: left out."""
    lines: dict[tuple[str, int], tuple[list[str], list[Binding], str]] = {}
    for active in bindings.values():
        binding = active.binding
        action, node = target(active)
        if binding.id is None and action in SILENT:
            continue
        words = ""
        if binding.group is not None and binding.group is not SECTIONS_GROUP:
            line = (f"group: {binding.group.description}", id(active.node))
        elif binding.id is None and action in TEXTUAL_WORDS:
            words = TEXTUAL_WORDS[action]
            line = (f"words: {words}", 0)  # ↑ ↓ home end … on one line: "move in a list"
        else:
            line = (action, node)
        keys, members, _ = lines.setdefault(line, ([], [], words))
        keys.append(key_display(binding))
        members.append(binding)
    parts: dict[str, tuple[list[HelpLine], list[HelpLine]]] = {
        title: ([], []) for title in ("This screen", "Everywhere", "Sections")
    }
    for keys, members, textual_words in lines.values():
        own = [binding for binding in members if binding.id is not None]
        if any(binding.group is SECTIONS_GROUP for binding in own):
            part = "Sections"
        elif any(binding.id in EVERYWHERE_IDS for binding in own):
            part = "Everywhere"
        else:
            part = "This screen"
        first = (own or members)[0]
        if own and first.group is not None and first.group is not SECTIONS_GROUP:
            words = first.group.description
        elif own:
            words = first.tooltip or first.description
        else:
            words = textual_words or first.description.lower() or first.action
        # In each part, the app's own keys come first and Textual's after them.
        parts[part][0 if own else 1].append((tuple(keys), words))
    return [(title, mine + textual) for title, (mine, textual) in parts.items() if mine + textual]


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
