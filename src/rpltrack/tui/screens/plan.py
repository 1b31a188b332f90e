"""PlanScreen: the coming days one at a time, as `rpltrack plan` works them out (#18): each day's doses with
that day's amounts and states (Today's words), its appointments in time order among them, and what else
happens that day (starts, changes, last days, cycle events, weeks of pregnancy, retests, refills).

Moving through the days with ← and →, back to today with t (or Home); m opens the month of dose adherence.
The days from today on are read as `rpltrack plan` reads them from today; days before today as the same
plan of a span that ends yesterday, without what only looks ahead (retests falling due, refills, schedules
waiting for an event)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePath
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from rpltrack.domain.models import DoseView
from rpltrack.domain.plan import MAX_PLAN_DAYS, NoteKind, PlanDay, PlanNote, RetestDate, plan_days
from rpltrack.domain.records import replace
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import AppScreen
from rpltrack.tui.widgets.dose_list import DoseList
from rpltrack.tui.widgets.key_bar import KeyBar

SEEING_CSS = str(Path(__file__).resolve().parent.parent / "seeing.tcss")

# Days are read in spans: from today forward as far as she has gone plus this many days, and before today
# in spans of this many days ending yesterday (a span of a month reads in about 5 ms on ten years of data).
SPAN_DAYS = 28

# What each kind of note is called in the list under the doses.
NOTE_LABELS: dict[NoteKind, str] = {
    NoteKind.START: "Starts",
    NoteKind.CHANGE: "Dose change",
    NoteKind.END: "Last day",
    NoteKind.APPOINTMENT: "Appointment",
    NoteKind.EVENT: "Cycle",
    NoteKind.MILESTONE: "Pregnancy",
    NoteKind.RETEST: "Retest",
    NoteKind.REFILL: "Refill",
    NoteKind.WAITING: "Waiting",
}
# Notes that only look ahead: not shown on days before today.
AHEAD_ONLY = frozenset({NoteKind.RETEST, NoteKind.REFILL, NoteKind.WAITING})

NOTHING_TEXT = "Nothing scheduled on this day."
HEADER = ("Time", "Medication", "Amount", "State")
FURTHEST = f"The plan reaches {MAX_PLAN_DAYS - 1} days ahead."

# A dose row as the screen shows it: time, medication, amount, state (Today's words).
DoseRow = tuple[str, str, str, str]


def dose_row(view: DoseView, zone: object) -> DoseRow:
    """The cells Today's list draws for `view` (DoseList.cells without its colours)."""
    from zoneinfo import ZoneInfo

    assert isinstance(zone, ZoneInfo)
    return (
        fmt.dose_time(view, zone),
        fmt.shown(view.medication.name),
        fmt.dose_amount(view),
        fmt.dose_state(view, zone) + DoseList.note(view),
    )


def relative_words(day: date, today: date) -> str:
    """'today', 'tomorrow', 'yesterday', 'in 5 days', '12 days ago'."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


class PlanDayView(Static):
    """One day of the plan: doses and appointments in time order, then the other notes of the day."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "plan-day--header",
        "plan-day--taken",
        "plan-day--overdue",
        "plan-day--quiet",
        "plan-day--appointment",
        "plan-day--label",
    }

    def show_day(self, plan: PlanDay, rows: list[tuple[datetime, DoseRow | PlanNote, str]]) -> None:
        style = self.get_component_rich_style
        doses = [row for _, row, _ in rows if not isinstance(row, PlanNote)]
        # Every run of doses is a table of the same column widths, so the rows line up across the
        # appointments between them (each drawn across the width, its words wrapping).
        widths = [
            max([cell_len(label), *(cell_len(row[n]) for row in doses)]) for n, label in enumerate(HEADER)
        ]

        def dose_table() -> Table:
            table = Table.grid(padding=(0, 2))
            for n, width in enumerate(widths):
                table.add_column(no_wrap=n < 3, width=width if n < 3 else None, ratio=1 if n == 3 else None)
            return table

        parts: list[RenderableType] = []
        if rows:
            table = dose_table()
            table.add_row(*(Text(label, style=style("plan-day--header")) for label in HEADER))
            for at, row, state_class in rows:
                if isinstance(row, PlanNote):
                    parts.append(table)
                    line = Table.grid(padding=(0, 2))
                    line.add_column(no_wrap=True, width=widths[0])
                    line.add_column(ratio=1)
                    what = fmt.plain(f"Appointment: {row.text}", style=str(style("plan-day--appointment")))
                    line.add_row(Text(f"{at:%H:%M}"), what)
                    parts.append(line)
                    table = dose_table()
                    continue
                quiet = style("plan-day--quiet") if state_class in ("-skipped", "-missed") else None
                state_style = {
                    "-taken": style("plan-day--taken"),
                    "-overdue": style("plan-day--overdue"),
                }.get(state_class, quiet)
                table.add_row(
                    Text(row[0], style=quiet or ""),
                    fmt.plain(row[1], style=str(quiet or "")),
                    Text(row[2], style=quiet or ""),
                    fmt.plain(row[3], style=str(state_style or "")),
                )
            if table.row_count:
                parts.append(table)
        others = [n for n in plan.notes if n.at is None]
        if others:
            notes = Table.grid(padding=(0, 2))
            notes.add_column(no_wrap=True)
            notes.add_column(ratio=1)
            for note in others:
                notes.add_row(
                    Text(NOTE_LABELS[note.kind], style=style("plan-day--label")), fmt.plain(note.text)
                )
            if parts:
                parts.append(Text(""))
            parts.append(Text("Also on this day", style=style("plan-day--header")))
            parts.append(notes)
        if not parts:
            parts.append(Text(NOTHING_TEXT, style=style("plan-day--quiet")))
        self.update(Group(*parts))


class PlanScreen(AppScreen):
    """The plan of one day at a time, from today; pushed over Today (p) or from the palette."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [SEEING_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous day", key_display="←", priority=True, id="plan-previous"),
        Binding("right", "move(1)", "Next day", key_display="→", priority=True, id="plan-next"),
        Binding("t", "to_today", "Today", priority=True, tooltip="back to today", id="plan-today"),
        Binding(
            "home", "to_today", "Today", show=False, priority=True, tooltip="back to today", id="plan-home"
        ),
        Binding(
            "m", "month", "Adherence month", tooltip="the month of doses taken, day by day", id="plan-month"
        ),
        Binding("question_mark", "app.help", "Help", key_display="?", tooltip="this help", id="plan-help"),
        Binding("escape", "close", "Close", tooltip="close the plan", id="plan-close"),
        Binding("q", "close", "Close", show=False, tooltip="close the plan", id="plan-close-q"),
    ]

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self.requested = day
        self.today = date.min
        self.shown_day = date.min
        self.days: dict[date, PlanDay] = {}
        self.ahead_to = date.min  # the last day read from today forward
        self.retests: tuple[RetestDate, ...] | None = None
        # The doses of the day shown, as drawn (what a test compares with Today's list).
        self.dose_rows: list[DoseRow] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="plan-top", classes="top-line"):
            yield Static(id="plan-heading", markup=False)
            yield Static(id="plan-when", markup=False)
        yield Static(id="plan-strip", markup=False)
        with VerticalScroll(id="plan-body"):
            yield PlanDayView(id="plan-day")
        yield KeyBar()

    def on_mount(self) -> None:
        self.today = self.clock.now().astimezone(self.zone).date()
        self.show_day(self.requested or self.today)

    # -- reading ----------------------------------------------------------------------------------------

    def plan_of(self, day: date) -> PlanDay:
        """The plan of `day`, read with the span around it when it is not read yet."""
        if day not in self.days:
            self.read_span(day)
        return self.days[day]

    def read_span(self, day: date) -> None:
        from rpltrack.store.planning import plan_input, retest_dates

        now = self.clock.now()
        if day >= self.today:
            first, last = self.today, max(day, self.ahead_to) + timedelta(days=SPAN_DAYS)
            last = min(last, self.today + timedelta(days=MAX_PLAN_DAYS - 1))
            if self.retests is None:
                self.retests = tuple(retest_dates(self.journal, now, self.zone))
            given = replace(
                plan_input(self.journal, first, last, self.zone, now, retests=False), retests=self.retests
            )
            self.ahead_to = last
            for plan in plan_days(given):
                self.days[plan.day] = plan
            return
        blocks_back = (self.today - day - timedelta(days=1)).days // SPAN_DAYS
        last = self.today - timedelta(days=1 + blocks_back * SPAN_DAYS)
        first = last - timedelta(days=SPAN_DAYS - 1)
        given = replace(plan_input(self.journal, first, last, self.zone, now, retests=False), on_hand={})
        for plan in plan_days(given):
            notes = tuple(n for n in plan.notes if n.kind not in AHEAD_ONLY)
            self.days[plan.day] = replace(plan, notes=notes)

    # -- showing ----------------------------------------------------------------------------------------

    @property
    def furthest(self) -> date:
        return self.today + timedelta(days=MAX_PLAN_DAYS - 1)

    def show_day(self, day: date) -> None:
        if day > self.furthest:
            self.notify(FURTHEST, title="Plan")
            day = self.furthest
        self.shown_day = day
        plan = self.plan_of(day)
        at = datetime.combine(day, time(12), tzinfo=self.zone)
        heading = fmt.day_heading(at, plan.dating)
        if day.year != self.today.year:
            heading = heading.replace(f"{at:%B}", f"{at:%B} {day.year}", 1)
        self.query_one("#plan-heading", Static).update(f"Plan · {heading}")
        self.query_one("#plan-when", Static).update(relative_words(day, self.today))
        self.query_one("#plan-strip", Static).update(self.strip(day))
        rows: list[tuple[datetime, DoseRow | PlanNote, str]] = []
        self.dose_rows = []
        for view in plan.doses:
            row = dose_row(view, self.zone)
            self.dose_rows.append(row)
            rows.append((view.sort_at.astimezone(self.zone), row, fmt.dose_state_class(view)))
        for note in plan.notes:
            if note.at is not None:
                rows.append((note.at.astimezone(self.zone), note, ""))
        # Doses and appointments in time order; an appointment after the doses of the same minute (the CLI's).
        rows.sort(key=lambda r: (r[0], isinstance(r[1], PlanNote)))
        self.query_one("#plan-day", PlanDayView).show_day(plan, rows)
        self.query_one("#plan-body", VerticalScroll).scroll_home(animate=False)

    def strip(self, day: date) -> Text:
        """A week around the day shown: ' Sat 21   Sun 22+  [Mon 23 ]  Tue 24 …': a day with more than
        doses (an appointment, a change, a milestone) marked +, today underlined."""
        line = Text(no_wrap=True, overflow="ellipsis")
        for offset in range(-3, 4):
            other = day + timedelta(days=offset)
            known = self.plan_of(other) if other <= self.furthest else None
            mark = "+" if known is not None and known.notes else " "
            words = f"{other:%a} {other.day}{mark}"
            if offset == 0:
                line.append(f"[{words}]", style="reverse bold")
            elif other == self.today:
                line.append(f" {words} ", style="underline")
            else:
                line.append(f" {words} ")
            line.append(" ")
        line.append("  + more than doses", style="dim")
        return line

    # -- keys -------------------------------------------------------------------------------------------

    def action_move(self, by: int) -> None:
        self.show_day(self.shown_day + timedelta(days=by))

    def action_to_today(self) -> None:
        self.show_day(self.today)

    def action_month(self) -> None:
        from rpltrack.tui.screens.adherence import AdherenceScreen

        self.app.push_screen(AdherenceScreen(min(self.shown_day, self.today)))

    def action_close(self) -> None:
        self.dismiss(None)
