"""SectionScreen: what every top-level screen shares (journal access, the read-only banner, safe writes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from rpltrack.clock import Clock
from rpltrack.domain.errors import ValidationError
from rpltrack.store.db import JournalError, NotSaved
from rpltrack.store.journal import Journal, JournalReadOnly

if TYPE_CHECKING:
    from rpltrack.tui.app import RpltrackApp

T = TypeVar("T")

NOT_SAVED = "NOT saved — your entry is kept. Please try again in a moment."


class SectionScreen(Screen[None]):
    """A top-level section (a mode). Subclasses compose their body and implement `reload`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "app.help", "Help", key_display="?", id="help"),
        Binding("f1", "app.help", "Help", show=False, id="help-f1"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

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

    def readonly_banner(self) -> ComposeResult:
        if self.journal.readonly:
            reason = self.journal.readonly_reason or "the journal could not be opened for writing"
            yield Static(f"Read-only: {reason}. You can look, but nothing new can be saved.",
                         id="readonly-banner", markup=False)

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the journal again and show what it says now."""

    def can_write(self) -> bool:
        """False (with a gentle note) when the journal is read-only."""
        if self.journal.readonly:
            self.notify("This journal is read-only, so nothing was changed.", title="Read-only",
                        severity="warning")
            return False
        return True

    def write(self, call: Callable[[], T]) -> T | None:
        """Run one Journal write. Returns its result, or None after telling her why nothing was saved."""
        try:
            return call()
        except NotSaved:
            self.notify(NOT_SAVED, title="Not saved", severity="error", timeout=10)
        except JournalReadOnly:
            self.notify("This journal is read-only, so nothing was changed.", title="Read-only",
                        severity="warning")
        except ValidationError as exc:
            self.notify(exc.message, title="Not saved", severity="warning", timeout=10, markup=False)
        except JournalError as exc:
            self.notify(f"{exc}", title="Not saved", severity="error", timeout=10, markup=False)
        return None
