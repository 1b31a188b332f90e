"""ChangesScreen: the journal's recent changes in words, newest first (what `rpltrack changes` lists): every
entry, correction, undo and redo, so she can see what `u` would take back before pressing it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from rpltrack.store.writer import ChangeRecord
from rpltrack.tui.screens.base import DIALOGS_CSS

# How many changes the list shows (the command line's `rpltrack changes --limit N` reaches further back).
SHOWN = 200


class ChangesScreen(ModalScreen[None]):
    """A table of changes: when, what was done, and whether it is undone now. Escape or q closes it."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="changes-close"),
        Binding("q", "close", "Close", show=False, id="changes-close-q"),
    ]

    def __init__(self, changes: list[ChangeRecord], zone_key: str) -> None:
        super().__init__()
        self.changes = changes
        self.zone_key = zone_key

    def compose(self) -> ComposeResult:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.zone_key)
        with Vertical(id="changes", classes="dialog"):
            yield Static("Recent changes  [dim](Escape closes this)[/dim]", classes="dialog-title")
            if not self.changes:
                yield Static("Nothing has been recorded yet.", markup=False)
                return
            table: DataTable[str] = DataTable(id="changes-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("When", "What", "")
            for change in self.changes:
                table.add_row(
                    f"{change.at.astimezone(zone):%d %b %Y %H:%M}",
                    change.summary,
                    "undone" if change.undone else "",
                    key=str(change.id),
                )
            yield table
            yield Static("u undoes the newest change that is not undone; U redoes.", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
