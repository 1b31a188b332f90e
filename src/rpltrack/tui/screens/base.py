"""SectionScreen: what every top-level screen shares (journal access, the read-only banner, safe writes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static

from rpltrack.clock import Clock
from rpltrack.domain.errors import ValidationError
from rpltrack.store.db import JournalError, NotSaved
from rpltrack.store.journal import Journal, JournalReadOnly
from rpltrack.tui.format import shown

if TYPE_CHECKING:
    from rpltrack.tui.app import RpltrackApp

T = TypeVar("T")

# The stylesheets beyond the app's rpltrack.tcss (which has Today's rules): a screen names the one it needs
# in its CSS_PATH, and Textual loads it when the first such screen opens, so start-up parses only Today's.
SECTIONS_CSS = str(Path(__file__).resolve().parent.parent / "sections.tcss")
DIALOGS_CSS = str(Path(__file__).resolve().parent.parent / "dialogs.tcss")

NOT_SAVED = "NOT saved — your entry is kept. Please try again in a moment."
READ_ONLY = "This journal is read-only, so nothing was changed."


# The sections and the key that opens each one from any other section.
SECTION_GO_KEYS = (
    ("today", "t", "Today"),
    ("medications", "m", "Medications"),
    ("history", "h", "History"),
    ("cycles", "c", "Cycles"),
    ("betas", "b", "Betas"),
    ("pregnancies", "p", "Pregnancies"),
    ("labs", "r", "Labs (results)"),
    ("flags", "f", "Flags"),
    ("appointments", "o", "Appointments"),
)


# Nine sections do not fit the footer one by one beside a screen's own keys, so they share one footer entry
# ("t m h c b p r f o  Sections"); each key keeps its own description for the tooltip, the help and the
# palette.
SECTIONS_GROUP = Binding.Group("Sections")


def go_keys(here: str, *, skip: tuple[str, ...] = ()) -> list[BindingType]:
    """A key for every other section (`skip` leaves out those whose key the section uses for itself)."""
    return [
        Binding(key, f"app.switch_mode('{mode}')", label, id=f"go-{mode}", group=SECTIONS_GROUP)
        for mode, key, label in SECTION_GO_KEYS
        if mode != here and mode not in skip
    ]


# Every section ends its BINDINGS with these, so the footer reads left to right from the section's own keys.
SECTION_KEYS: list[BindingType] = [
    Binding("question_mark", "app.help", "Help", key_display="?", id="help"),
    Binding("f1", "app.help", "Help", show=False, id="help-f1"),
    Binding("q", "app.quit", "Quit", id="quit"),
]


class AppScreen(Screen[None]):
    """A full screen of the app, with the app's journal, clock and zone at hand."""

    @property
    def rpl(self) -> RpltrackApp:
        return cast("RpltrackApp", self.app)

    @property
    def journal(self) -> Journal:
        return self.rpl.journal

    @property
    def clock(self) -> Clock:
        return self.rpl.clock

    @property
    def zone(self) -> ZoneInfo:
        return self.clock.zone


class SectionScreen(AppScreen):
    """A top-level section (a mode). Subclasses compose their body and implement `reload`."""

    def readonly_banner(self) -> ComposeResult:
        if self.journal.readonly:
            reason = (
                self.journal.readonly_reason or "this journal is open read-only: you can look, but not save"
            )
            reason = reason[0].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
            yield Static(shown(reason), id="readonly-banner", markup=False)

    # Mount reads the journal once for the first paint; the ScreenResume that follows the first mount would
    # read it again for nothing, so only later resumes (coming back to the section) reload.
    _loaded_on_mount = False

    async def on_mount(self) -> None:
        await self.reload()
        self._loaded_on_mount = True

    async def on_screen_resume(self) -> None:
        if self._loaded_on_mount:
            self._loaded_on_mount = False
            return
        await self.reload()

    async def reload(self) -> None:
        """Read the journal again and show what it says now."""

    def can_write(self) -> bool:
        """False (with a gentle note) when the journal is read-only."""
        if self.journal.readonly:
            self.explain(JournalReadOnly())
            return False
        return True

    def explain(self, exc: Exception) -> str:
        """Tell her, gently, why nothing was saved; returns the words used (forms show them too)."""
        severity: SeverityLevel = "warning"
        title = "Not saved"
        if isinstance(exc, NotSaved):
            text, severity = NOT_SAVED, "error"
        elif isinstance(exc, JournalReadOnly):
            text, title = READ_ONLY, "Read-only"
        elif isinstance(exc, ValidationError):
            text = exc.message
        else:
            text, severity = f"Not saved: {exc}", "error"
        # A message may quote what she typed: its controls are shown, in the notice and in a form.
        text = shown(text)
        self.notify(text, title=title, severity=severity, timeout=10, markup=False)
        return text

    def write(self, call: Callable[[], T]) -> tuple[bool, T | None]:
        """Run one Journal write: (True, its result), or (False, None) after saying why nothing was saved."""
        try:
            return True, call()
        except (JournalError, ValidationError) as exc:
            self.explain(exc)
            return False, None


class FormScreen(ModalScreen[T | None]):
    """A modal form: Enter in a field or the Save button saves, Escape or Cancel closes it with None."""

    def action_save(self) -> None:
        """Validate what she entered and dismiss the result (each form says how)."""

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
