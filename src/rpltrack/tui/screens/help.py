"""HelpScreen: every key, in plain words."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rpltrack.tui.screens.base import DIALOGS_CSS

HELP_SECTIONS = (
    (
        "On Today",
        (
            ("↑ ↓", "move between doses"),
            ("t", "mark the highlighted dose as taken (injections ask where it went)"),
            ("s", "skip the highlighted dose, with a reason if you like"),
            ("u", "undo the last change"),
            ("a", "add a medication"),
            ("l", "log an as-needed medication taken now"),
        ),
    ),
    (
        "On Medications",
        (
            ("a", "add a medication"),
            ("e", "change a dose or its times from a date (history is kept)"),
            ("x", "stop a medication (it asks first)"),
            ("w", "warning signs to know on an anticoagulant (heparin, LMWH)"),
        ),
    ),
    (
        "On Cycles",
        (
            ("n", "start a cycle"),
            ("e  f", "add an event or a transfer to the highlighted cycle"),
            ("x", "end the highlighted cycle (it asks first)"),
        ),
    ),
    (
        "On Betas",
        (("a", "add a beta result (a number, or a lab notation such as <5)"),),
    ),
    (
        "On Pregnancies",
        (
            ("n", "record a positive test"),
            ("e", "record how the ongoing pregnancy ended"),
            ("l", "add a past loss"),
        ),
    ),
    (
        "On Flags (things to raise with your care team)",
        (
            ("↑ ↓  Tab", "move in a list, or to the other list"),
            ("a", "acknowledge the highlighted flag, with a note if you like"),
            ("r", "mark it raised at an appointment, with what was decided"),
            ("u", "make an acknowledged or raised flag active again"),
            ("s", "your clinic's targets (empty means the guideline default)"),
            ("w", "warning signs to know on an anticoagulant"),
        ),
    ),
    (
        "On Labs",
        (
            ("↑ ↓", "move between tests; the highlighted one's results and chart show below"),
            ("a", "add a lab result (TSH, vitamin D, platelets, antibodies, ...)"),
            ("r", "go to Labs from the other sections (on Flags, r marks a flag raised)"),
        ),
    ),
    (
        "On Appointments",
        (
            ("↑ ↓  Tab", "move in a list, or between upcoming and past"),
            ("a  e", "add an appointment, or change the highlighted one"),
            ("n", "add a question of your own to bring"),
            ("g", "ask about your flags: each thing to raise becomes a question"),
            ("d", "record the visit: what was decided, and the questions you asked"),
            ("x", "cancel the appointment (it asks first; it stays in your record)"),
            ("s", "export files for your doctor (from any screen: ctrl+p, then Export)"),
        ),
    ),
    (
        "Anywhere",
        (
            ("m  h", "go to Medications or History (the dose log)"),
            ("c  b  p", "go to Cycles, Betas or Pregnancies and losses"),
            ("f", "go to Flags: things to raise with your care team"),
            ("o", "go to Appointments: upcoming and past, and your questions"),
            ("t", "back to Today (from any other section)"),
            ("ctrl+p", "search every action by name, such as “Welcome and set-up”"),
            ("? or F1", "this help"),
            ("Escape", "close a form or dialog without saving"),
            ("q", "quit (everything is already saved)"),
        ),
    ),
)


class HelpScreen(ModalScreen[None]):
    """The keys, grouped by screen. Any of Escape, q, ? or F1 closes it."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help-close"),
        Binding("q", "close", "Close", show=False, id="help-close-q"),
        Binding("question_mark", "close", "Close", show=False, id="help-close-question"),
        Binding("f1", "close", "Close", show=False, id="help-close-f1"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Static("Keys  [dim](Escape closes this)[/dim]", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                for index, (title, keys) in enumerate(HELP_SECTIONS):
                    yield Static(title, classes="help-section" + (" -first" if index == 0 else ""))
                    for key, words in keys:
                        yield Static(f"[b]{key:<9}[/b] {words}", classes="help-line")
            yield Static(
                "Your journal stays on this computer. rpltrack never gives medical advice.",
                classes="dialog-hint",
            )

    def action_close(self) -> None:
        self.dismiss(None)
