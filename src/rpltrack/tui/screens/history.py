"""HistoryScreen: the doses of the last 30 days, newest first: logged ones, and scheduled ones missed."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from rpltrack.store.missed import missed_doses
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.widgets.key_bar import KeyBar

HISTORY_DAYS = 30
EMPTY_TEXT = f"Nothing logged in the last {HISTORY_DAYS} days — on Today (press t), t marks a dose taken"


class HistoryScreen(SectionScreen):
    """Every dose of the last 30 days, logged or missed: when it was due, and what happened."""

    CSS_PATH = SECTIONS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        *go_keys("history"),
        *SECTION_KEYS,
    ]

    def compose(self) -> ComposeResult:
        yield Static(f"Dose log, last {HISTORY_DAYS} days", id="history-title", classes="top-line")
        yield from self.readonly_banner()
        table: DataTable[Text] = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        for label in ("Day", "Due", "Medication", "Amount", "What happened", "Site"):
            table.add_column(label, key=label.lower())
        yield table
        yield Static(EMPTY_TEXT, id="history-empty")
        yield KeyBar()

    async def reload(self) -> None:
        now = self.clock.now()
        start, end = now - timedelta(days=HISTORY_DAYS), now + timedelta(days=1)
        rows = [
            (log.slot_at or log.taken_at or log.logged_at, fmt.history_row(log, med, self.zone))
            for log, med in self.journal.dose_log(start, end)
        ]
        rows += [
            (view.sort_at, fmt.missed_row(view, self.zone))
            for view in missed_doses(self.journal, start, end, self.zone, now)
        ]
        rows.sort(key=lambda row: row[0])  # by the instant, wherever each was logged
        table = self.query_one("#history", DataTable)
        table.clear()
        for _, cells in reversed(rows):
            table.add_row(*fmt.cells(*cells))
        self.set_class(not rows, "-empty")
