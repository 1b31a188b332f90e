"""HistoryScreen: the dose log of the last 30 days, newest first."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Footer, Static

from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys

HISTORY_DAYS = 30
EMPTY_TEXT = f"Nothing logged in the last {HISTORY_DAYS} days — on Today (press t), t marks a dose taken"


class HistoryScreen(SectionScreen):
    """Every dose logged in the last 30 days: when it was due, and what happened."""

    CSS_PATH = SECTIONS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        *go_keys("history"),
        *SECTION_KEYS,
    ]

    def compose(self) -> ComposeResult:
        yield Static(f"Dose log, last {HISTORY_DAYS} days", id="history-title", classes="top-line")
        yield from self.readonly_banner()
        table: DataTable[str] = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        for label in ("Day", "Due", "Medication", "Amount", "What happened", "Site"):
            table.add_column(label, key=label.lower())
        yield table
        yield Static(EMPTY_TEXT, id="history-empty")
        yield Footer(compact=True)

    async def reload(self) -> None:
        now = self.clock.now()
        entries = self.journal.dose_log(now - timedelta(days=HISTORY_DAYS), now + timedelta(days=1))
        table = self.query_one("#history", DataTable)
        table.clear()
        for log, med in reversed(entries):
            when = (log.slot_at or log.taken_at or log.logged_at).astimezone(self.zone)
            table.add_row(
                fmt.short_day(when.date()),
                f"{when:%H:%M}" if log.slot_at else "",
                med.name,
                str(log.amount) if log.amount else "",
                fmt.log_state(log, self.zone),
                log.site or "",
            )
        self.set_class(not entries, "-empty")
