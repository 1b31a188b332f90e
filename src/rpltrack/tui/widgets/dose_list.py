"""DoseList: today's doses, one row each, with the keys that ask to mark the highlighted one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from rpltrack.domain.doses import gap_note, likely_now
from rpltrack.domain.models import DoseView
from rpltrack.tui import format as fmt

# The component classes that colour a dose's cells (rules in rpltrack.tcss): the state of an overdue dose and
# its name, the state of a taken one, and every cell of a skipped or missed one.
OVERDUE = "dose-list--overdue"
OVERDUE_NAME = "dose-list--overdue-name"
TAKEN = "dose-list--taken"
QUIET = "dose-list--quiet"
# The header row, and the highlighted row (its rules differ when the list has focus, as a DataTable's cursor).
HEADER = "dose-list--header"
CURSOR = "dose-list--cursor"

# Label and width of the columns before State (as wide as its widest cell, header included). Cells have no
# padding: the widths hold the gaps, and the one-cell "edge" column keeps the text off the left edge while the
# cursor still spans the whole row.
COLUMNS = (("", 1), ("Time", 7), ("Medication", 30), ("Amount", 16))
STATE_LABEL = "State"

# The keys that move the highlight: one line of the help.
MOVING = Binding.Group("move between doses")


def dose_key(view: DoseView) -> tuple[int | None, datetime | None, int | None]:
    """Identifies a row across refreshes: the medication and its slot (or the log, for as-needed doses)."""
    return (
        view.medication.id,
        view.slot.slot_at if view.slot else None,
        view.log.id if view.slot is None and view.log else None,
    )


class DoseList(Widget, can_focus=True):
    """Today's doses in time order, under a header. `t` and `s` ask the screen to mark the highlighted one.

    Drawn line by line rather than as a DataTable: a day holds a handful of rows, and DataTable's stylesheet,
    caches and scrolling machinery cost a noticeable part of the app's first paint. The list shows the rows
    that fit under the header and keeps the highlighted one in view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "t",
            "request_take",
            "Taken",
            tooltip="mark the highlighted dose taken (a late one asks when; an injection asks where)",
            id="take-dose",
        ),
        Binding(
            "s",
            "request_skip",
            "Skip",
            tooltip="skip the highlighted dose, with a reason if you like",
            id="skip-dose",
        ),
        Binding("up,k", "cursor_up", "Previous dose", id="previous-dose", show=False, group=MOVING),
        Binding("down,j", "cursor_down", "Next dose", id="next-dose", show=False, group=MOVING),
        Binding("home", "cursor_first", "First dose", id="first-dose", show=False, group=MOVING),
        Binding("end", "cursor_last", "Last dose", id="last-dose", show=False, group=MOVING),
        Binding("pageup", "cursor_page(-1)", "Page up", id="page-up-doses", show=False, group=MOVING),
        Binding("pagedown", "cursor_page(1)", "Page down", id="page-down-doses", show=False, group=MOVING),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {OVERDUE, OVERDUE_NAME, TAKEN, QUIET, HEADER, CURSOR}

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
        super().__init__(id=id)
        self.zone = zone
        self.views: list[DoseView] = []
        # Each row's cells as (text, component class or None): time, medication, amount, state.
        self.rows: list[tuple[tuple[str, str | None], ...]] = []
        # The end of each row's state cell that is a clock-change note (drawn quiet), or "".
        self.notes: list[str] = []
        self.cursor_row = 0
        # The first row drawn under the header, moved only as far as it takes to keep the cursor in view.
        self.top_row = 0
        self.state_width = cell_len(STATE_LABEL)

    # -- what is shown ------------------------------------------------------------------------------------

    def show_doses(self, views: Sequence[DoseView], now: datetime) -> None:
        """Show `views`; the dose highlighted before stays highlighted if it is still there."""
        keep = self.highlighted_view
        showed_all = self.size.height == 0 or self.size.height > len(self.rows)
        self.views = list(views)
        self.rows = [self.cells(view) for view in views]
        self.notes = [self.note(view) for view in views]
        self.state_width = max([cell_len(STATE_LABEL), *(cell_len(row[-1][0]) for row in self.rows)])
        index = self._start_index(views, keep, now)
        self.cursor_row = 0 if index is None else index
        # The row count sets the height (`height: auto`): a new list may need a layout, not only a repaint,
        # and how many rows fit is known only once that layout is done. A list that showed every row is
        # drawn from its first row until then; the highlighted row is brought into view again after it
        # (from the old height alone, a list that grew would keep its first rows out of sight, #15).
        self.top_row = 0
        if not showed_all:
            self._scroll_to_cursor()
        self.refresh(layout=True)
        self.call_after_refresh(self._keep_cursor_in_view)

    def cells(self, view: DoseView) -> tuple[tuple[str, str | None], ...]:
        """Time, medication, amount and what happened, each with the component class that colours it. Her
        words (the name, a site, a reason) come with their controls shown (fmt.shown), never written raw."""
        state = fmt.dose_state_class(view)
        quiet = QUIET if state in ("-skipped", "-missed") else None
        return (
            (fmt.dose_time(view, self.zone), quiet),
            (fmt.shown(view.medication.name), OVERDUE_NAME if state == "-overdue" else quiet),
            (fmt.dose_amount(view), quiet),
            (
                fmt.dose_state(view, self.zone) + self.note(view),
                {"-overdue": OVERDUE, "-taken": TAKEN}.get(state, quiet),
            ),
        )

    @staticmethod
    def note(view: DoseView) -> str:
        """' · 11 h after the last dose (clock change)' on a dose a clock change brought sooner or later than
        usual after the previous one, else ''. The hours come first: a narrow terminal cuts the cell's end."""
        return "" if view.clock_gap is None else f" · {gap_note(view.clock_gap, short=True)}"

    def rendered_rows(self) -> list[tuple[tuple[str, str | None], ...]]:
        """Every row's cells as (text, component class), in order, whether or not it fits on screen."""
        return list(self.rows)

    @property
    def highlighted_view(self) -> DoseView | None:
        if 0 <= self.cursor_row < len(self.views):
            return self.views[self.cursor_row]
        return None

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

    # -- keys and mouse -----------------------------------------------------------------------------------

    def action_request_take(self) -> None:
        view = self.highlighted_view
        if view is not None:
            self.post_message(self.TakeRequested(view))

    def action_request_skip(self) -> None:
        view = self.highlighted_view
        if view is not None:
            self.post_message(self.SkipRequested(view))

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self.rows) - 1)

    def action_cursor_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * self._visible_rows())

    def move_cursor(self, row: int) -> None:
        """Highlight `row` (clamped to the list) and bring it into view."""
        if not self.rows:
            return
        self.cursor_row = max(0, min(row, len(self.rows) - 1))
        self._scroll_to_cursor()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        # Line 0 is the header; a click there or below the last row moves nothing.
        row = self.top_row + event.y - 1
        if event.y >= 1 and row < len(self.rows):
            self.move_cursor(row)

    def on_resize(self, event: events.Resize) -> None:
        self._keep_cursor_in_view()

    def _keep_cursor_in_view(self) -> None:
        """After a layout: scroll as far as the new height needs to keep the highlighted row in view (and no
        further, so a list with room for every row shows them all), and draw again if that moved it."""
        top = self.top_row
        self._scroll_to_cursor()
        if self.top_row != top:
            self.refresh()

    def _visible_rows(self) -> int:
        """How many rows fit under the header (all of them before the first layout)."""
        height = self.size.height
        return len(self.rows) if height == 0 else max(1, height - 1)

    def _scroll_to_cursor(self) -> None:
        visible = self._visible_rows()
        if self.cursor_row < self.top_row:
            self.top_row = self.cursor_row
        elif self.cursor_row >= self.top_row + visible:
            self.top_row = self.cursor_row - visible + 1
        self.top_row = max(0, min(self.top_row, len(self.rows) - visible))

    # -- drawing ------------------------------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + len(self.rows)

    def cell_style(self, component: str) -> Style:
        """The colour and weight the stylesheet gives `component`, without a background: the row's own (or the
        cursor's) shows through. Looked up as each line is drawn, so a theme change recolours it."""
        full = self.get_component_rich_style(component)
        rules = self.get_component_rich_style(component, partial=True)
        return Style(color=full.color if rules.color is not None else None, bold=rules.bold)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            # The header's own style (as a DataTable's), not the list's: it keeps its background when focused.
            header = self.get_component_rich_style(HEADER)
            labels = [(label, None) for label, _ in COLUMNS[1:]] + [(STATE_LABEL, None)]
            return self._line(-1, labels, header, width)
        row = self.top_row + y - 1
        if row >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        style = self.rich_style
        if row == self.cursor_row:
            style += self.get_component_rich_style(CURSOR)
        return self._line(row, self.rows[row], style, width)

    def _line(self, row: int, cells: Sequence[tuple[str, str | None]], style: Style, width: int) -> Strip:
        """One row: the empty edge cell, the cells at their column widths, then `style` to the right edge.
        A cell's own colour wins over the row's (an overdue dose still reads as overdue when highlighted); a
        clock-change note at the end of the state cell is drawn quiet, whatever the state's colour.
        Each cell's segments carry its row and column as meta, as a DataTable's do: that keeps neighbouring
        cells of one style apart, so an SVG export places every cell at its column."""
        widths = [column_width for _, column_width in COLUMNS[1:]] + [self.state_width]
        segments = [Segment(" " * COLUMNS[0][1], style + Style.from_meta({"row": row, "column": 0}))]
        note = self.notes[row] if 0 <= row < len(self.notes) else ""
        for column, ((plain, component), cell_width) in enumerate(zip(cells, widths, strict=True), start=1):
            where = Style.from_meta({"row": row, "column": column})
            text = Text(plain, no_wrap=True, overflow="ellipsis", end="")
            text.truncate(cell_width, overflow="ellipsis")
            pad = " " * (cell_width - text.cell_len)
            cell = style + self.cell_style(component) if component else style
            split = len(plain) - len(note) if note and column == len(cells) else len(text.plain)
            head, tail = text.plain[:split], text.plain[split:]
            if cell == style and not tail:
                segments.append(Segment(text.plain + pad, style + where))
            else:
                # The gap after a coloured cell takes the row's style, so a bold state's gap is not bold.
                segments.append(Segment(head, cell + where))
                if tail:
                    segments.append(Segment(tail, style + self.cell_style(QUIET) + where))
                if pad:
                    segments.append(Segment(pad, style + where))
        used = COLUMNS[0][1] + sum(widths)
        if used < width:
            edge = Style.from_meta({"row": row, "column": 0, "out_of_bounds": True})
            segments.append(Segment(" " * (width - used), style + edge))
        return Strip(segments).crop(0, width)
