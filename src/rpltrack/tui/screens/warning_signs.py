"""WarningSignsScreen: the bleeding and clot warning signs for anyone on an anticoagulant (§6d, [S28]).

Information only, worded calmly: who to contact, never advice to change or skip a dose.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rpltrack.flags.sources import cite
from rpltrack.tui.screens.base import DIALOGS_CSS

# The stylesheet of the Flags screen, its forms and this page (loaded when the first of them opens).
FLAGS_CSS = str(Path(__file__).resolve().parent.parent / "flags.tcss")

TITLE = "Warning signs on an anticoagulant"
INTRO = "If you are on an anticoagulant (heparin, enoxaparin, dalteparin), look out for:"
BLEEDING_SIGNS = (
    "blood in your urine (pink or brown)",
    "black or red stools",
    "unusual bruising, or large dark purple patches",
    "a nosebleed that does not stop",
    "a cut that takes a long time to stop bleeding",
    "unusually heavy or long periods",
    "a sudden severe headache, or weakness on one side of the body",
)
CLOT_SIGNS = (
    "pain, swelling, redness or warmth in a leg",
    "chest pain or breathlessness",
    "coughing up blood",
)
CONTACT = "Contact your care team, or emergency services if severe."
SOURCE = cite("S28")


class WarningSignsScreen(ModalScreen[None]):
    """The signs of bleeding and of a clot, each a bullet, then who to contact. Escape or q closes it."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, FLAGS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="warning-signs-close"),
        Binding("q", "close", "Close", show=False, id="warning-signs-close-q"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="warning-signs", classes="dialog"):
            yield Static(f"{TITLE}  [dim](Escape closes this)[/dim]", classes="dialog-title")
            # The signs scroll on a small terminal; who to contact stays in sight below them.
            with VerticalScroll(id="warning-signs-body"):
                yield Static(INTRO, markup=False)
                yield Static("Signs of bleeding", classes="signs-heading", markup=False)
                for sign in BLEEDING_SIGNS:
                    yield Static(f"• {sign}", classes="sign", markup=False)
                yield Static("Signs of a clot", classes="signs-heading", markup=False)
                for sign in CLOT_SIGNS:
                    yield Static(f"• {sign}", classes="sign", markup=False)
            yield Static(CONTACT, id="warning-signs-contact", markup=False)
            yield Static(SOURCE, id="warning-signs-source", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
