"""AdherenceScreen: looking back a month at a time (#18): a calendar of the scheduled doses of each day, all
taken, some taken, skipped or none logged, each shown by a symbol and a count as well as a colour. Read from
the same day views Today shows; ← and → (or [ and ]) move by a month, t (or Home) back to this month."""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import PurePath
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from rpltrack.domain.adherence_month import (
    LEGEND,
    MARK_SYMBOLS,
    DayMark,
    DayTally,
    MonthTally,
    month_bounds,
    month_weeks,
    shift_month,
    summary_words,
    tally_month,
)
from rpltrack.tui.screens.base import AppScreen
from rpltrack.tui.screens.plan import SEEING_CSS
from rpltrack.tui.widgets.key_bar import KeyBar

# The component class that colours each mark (rules in seeing.tcss): calm colours, never an alarm.
MARK_CLASSES: dict[DayMark, str] = {
    DayMark.ALL_TAKEN: "month-grid--all",
    DayMark.SOME_TAKEN: "month-grid--some",
    DayMark.SKIPPED: "month-grid--skipped",
    DayMark.NONE_LOGGED: "month-grid--none",
    DayMark.TO_COME: "month-grid--to-come",
    DayMark.NOTHING_DUE: "month-grid--nothing",
}
NOTE = "Scheduled doses only: as-needed doses and doses from before a medication was entered are not counted."


def cell_words(tally: DayTally) -> str:
    """'23 ✓ 2/2': the day of the month, its mark's symbol and the doses taken of those due."""
    return f"{tally.day.day:>2} {MARK_SYMBOLS[tally.mark]} {tally.count_words}".rstrip()


class MonthGrid(Static):
    """The month Monday to Sunday, each day with its symbol, count and colour."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*MARK_CLASSES.values(), "month-grid--header"}

    def show_month(self, tally: MonthTally, today: date) -> None:
        style = self.get_component_rich_style
        by_day = {t.day: t for t in tally.days}
        table = Table(
            show_header=True,
            header_style=style("month-grid--header"),
            show_edge=False,
            box=None,
            padding=(0, 1),
            expand=True,
        )
        for name in calendar.day_abbr:
            table.add_column(name, ratio=1, no_wrap=True)
        for week in month_weeks(tally.year, tally.month):
            cells = []
            for day in week:
                if day is None:
                    cells.append(Text(""))
                    continue
                found = by_day[day]
                cell = Text(cell_words(found), style=style(MARK_CLASSES[found.mark]))
                if day == today:
                    cell.stylize("underline")  # today, whatever its colour
                cells.append(cell)
            table.add_row(*cells)
        legend = Text()
        for mark in LEGEND:
            legend.append(f"{MARK_SYMBOLS[mark]} {mark.value}", style=style(MARK_CLASSES[mark]))
            legend.append("   ")
        legend.append("blank: nothing due · today underlined", style=style(MARK_CLASSES[DayMark.NOTHING_DUE]))
        self.update(Group(table, Text(""), legend))


class AdherenceScreen(AppScreen):
    """One month of dose adherence; pushed from the Plan screen or History (m), or from the palette."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [SEEING_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous month", key_display="←", priority=True, id="month-previous"),
        Binding("right", "move(1)", "Next month", key_display="→", priority=True, id="month-next"),
        Binding("left_square_bracket", "move(-1)", "Previous month", show=False, id="month-previous-bracket"),
        Binding("right_square_bracket", "move(1)", "Next month", show=False, id="month-next-bracket"),
        Binding("t", "this_month", "This month", priority=True, id="month-this"),
        Binding("home", "this_month", "This month", show=False, priority=True, id="month-home"),
        Binding("question_mark", "app.help", "Help", key_display="?", tooltip="this help", id="month-help"),
        Binding("escape", "close", "Close", tooltip="close the month", id="month-close"),
        Binding("q", "close", "Close", show=False, tooltip="close the month", id="month-close-q"),
    ]

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self.requested = day
        self.year, self.month = 0, 0
        self.tally: MonthTally | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="month-title", classes="top-line", markup=False)
        with VerticalScroll(id="month-body"):
            yield MonthGrid(id="month-grid")
            yield Static(id="month-summary", markup=False)
            yield Static(NOTE, id="month-note", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        day = self.requested or self.today()
        self.show_month(day.year, day.month)

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def show_month(self, year: int, month: int) -> None:
        """Read the month's day views (days to come are not read) and show them."""
        today = self.today()
        if (year, month) > (today.year, today.month):
            self.notify(
                "That month is still to come: the plan (p on Today) shows what is ahead.", title="Month"
            )
            return
        self.year, self.month = year, month
        first, last = month_bounds(year, month)
        last = min(last, today)
        now = self.clock.now()
        views = self.journal.days(first, last, self.zone, now) if first <= last else {}
        self.tally = tally_month(year, month, views)
        self.query_one("#month-title", Static).update(
            f"Doses taken · {calendar.month_name[month]} {year}  (← → months · t this month)"
        )
        self.query_one("#month-grid", MonthGrid).show_month(self.tally, today)
        self.query_one("#month-summary", Static).update(summary_words(self.tally))

    def action_move(self, by: int) -> None:
        self.show_month(*shift_month(self.year, self.month, by))

    def action_this_month(self) -> None:
        today = self.today()
        self.show_month(today.year, today.month)

    def action_close(self) -> None:
        self.dismiss(None)
