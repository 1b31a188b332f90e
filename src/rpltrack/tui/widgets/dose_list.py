"""DoseList: today's doses, one table row each, with the keys that ask to mark the highlighted one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from rpltrack.domain.doses import likely_now
from rpltrack.domain.models import DoseView
from rpltrack.tui import format as fmt

# The component classes that colour a dose's cells (rules in rpltrack.tcss): the state of an overdue dose and
# its name, the state of a taken one, and every cell of a skipped or missed one.
OVERDUE = "dose-list--overdue"
OVERDUE_NAME = "dose-list--overdue-name"
TAKEN = "dose-list--taken"
QUIET = "dose-list--quiet"

# Label, key and width of the columns before State (as wide as its widest cell). Cells have no padding: the
# widths hold the gaps, and the one-cell "edge" column keeps the text off the left edge while the cursor still
# spans the whole row.
COLUMNS = (("", "edge", 1), ("Time", "time", 7), ("Medication", "medication", 30), ("Amount", "amount", 16))


def dose_key(view: DoseView) -> tuple[int | None, datetime | None, int | None]:
    """Identifies a row across refreshes: the medication and its slot (or the log, for as-needed doses)."""
    return (
        view.medication.id,
        view.slot.slot_at if view.slot else None,
        view.log.id if view.slot is None and view.log else None,
    )


class DoseCell:
    """One cell's text, drawn in the colour the stylesheet gives its component class (if any). The colour is
    looked up when the cell is drawn, not when the row is made, so a theme change recolours it."""

    def __init__(self, table: DoseList, plain: str, component: str | None = None) -> None:
        self.table = table
        self.plain = plain
        self.component = component

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        style = self.table.cell_style(self.component) if self.component else Style.null()
        yield Text(self.plain, style=style, end="", no_wrap=True, overflow="ellipsis")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = cell_len(self.plain)
        return Measurement(width, width)


class DoseList(DataTable[DoseCell]):
    """Today's doses in time order. `t` and `s` ask the screen to mark the highlighted dose."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "request_take", "Taken", id="take-dose"),
        Binding("s", "request_skip", "Skip", id="skip-dose"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = DataTable.COMPONENT_CLASSES | {
        OVERDUE,
        OVERDUE_NAME,
        TAKEN,
        QUIET,
    }

    class TakeRequested(Message):
        """She asked to mark `view` as taken."""

        def __init__(self, view: DoseView) -> None:
            super().__init__()
            self.view = view

    class SkipRequested(Message):
        """She asked to mark `view` as skipped."""

        def __init__(self, view: DoseView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, zone: ZoneInfo, *, id: str | None = None) -> None:
        # The state colours win over the cursor's, so an overdue dose still reads as overdue when highlighted.
        super().__init__(id=id, cursor_type="row", cursor_foreground_priority="renderable", cell_padding=0)
        self.zone = zone
        self.views: dict[str, DoseView] = {}
        # Labels as Text: a str label is parsed as markup, which loads Rich's emoji table during start-up.
        for label, key, width in COLUMNS:
            self.add_column(Text(label), key=key, width=width)
        self.add_column(Text("State"), key="state")

    def cell_style(self, component: str) -> Style:
        """The colour and weight the stylesheet gives `component`, without a background: the row's own (or the
        cursor's) shows through."""
        full = self.get_component_rich_style(component)
        rules = self.get_component_rich_style(component, partial=True)
        return Style(color=full.color if rules.color is not None else None, bold=rules.bold)

    @property
    def highlighted_view(self) -> DoseView | None:
        if not self.is_valid_row_index(self.cursor_row):
            return None
        row_key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key
        return self.views.get(row_key.value or "")

    def action_request_take(self) -> None:
        view = self.highlighted_view
        if view is not None:
            self.post_message(self.TakeRequested(view))

    def action_request_skip(self) -> None:
        view = self.highlighted_view
        if view is not None:
            self.post_message(self.SkipRequested(view))

    def show_doses(self, views: Sequence[DoseView], now: datetime) -> None:
        """Show `views`; the dose highlighted before stays highlighted if it is still there."""
        keep = self.highlighted_view
        self.clear()
        self.views = {}
        for view in views:
            key = str(dose_key(view))
            self.views[key] = view
            self.add_row(*self.cells(view), key=key)
        index = self._start_index(views, keep, now)
        if index is not None:
            self.move_cursor(row=index, animate=False)

    def cells(self, view: DoseView) -> tuple[DoseCell, ...]:
        """The edge, then time, medication, amount and what happened, coloured by the dose's state."""
        state = fmt.dose_state_class(view)
        quiet = QUIET if state in ("-skipped", "-missed") else None
        return (
            DoseCell(self, ""),
            DoseCell(self, fmt.dose_time(view, self.zone), quiet),
            DoseCell(self, view.medication.name, OVERDUE_NAME if state == "-overdue" else quiet),
            DoseCell(self, fmt.dose_amount(view), quiet),
            DoseCell(
                self,
                fmt.dose_state(view, self.zone),
                {"-overdue": OVERDUE, "-taken": TAKEN}.get(state, quiet),
            ),
        )

    @staticmethod
    def _start_index(views: Sequence[DoseView], keep: DoseView | None, now: datetime) -> int | None:
        """The row to highlight: the one highlighted before if it is still there, else the dose a "taken"
        press most likely means now (the same rule as `rpltrack take`), else the first row."""
        if not views:
            return None
        if keep is not None:
            for index, view in enumerate(views):
                if dose_key(view) == dose_key(keep):
                    return index
        likely = likely_now(views, now)
        return 0 if likely is None else likely
