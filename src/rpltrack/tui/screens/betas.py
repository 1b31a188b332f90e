"""BetasScreen: beta-hCG draws, the arithmetic of each consecutive pair, and a log-scale chart of the series.

The app imports this module only when Betas first opens, so plotext never slows the start or the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual import events
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from rpltrack.domain.betas import (
    BARNHART_2004,
    SEEBER_2006,
    BetaDraw,
    BetaPair,
    assess_series,
    dpt_label,
    draw_dating,
    parse_hcg,
    split_series,
)
from rpltrack.domain.datetext import parse_local_datetime
from rpltrack.domain.errors import NeedsConfirmation
from rpltrack.domain.records import record
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import Answers, Checks, EntryForm, Field, optional
from rpltrack.tui.screens.forms import ask_delete
from rpltrack.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from rpltrack.store.journal import Journal

MAX_LABELLED = 6  # with more draws their labels would overlap, so plotext's own ticks are used
EMPTY_TEXT = "No betas yet — press a to add one"
NO_DRAW = "There is no beta to choose yet. Press a to add one."
CAVEAT = (
    "These minimum rises come from studies of natural pregnancies in women with pain or bleeding, not IVF "
    "[S13] [S14] [S15]. rpltrack judges draws 24 to 96 h apart."
)
CONTEXT = (
    f"For context: {BARNHART_2004.label} [{BARNHART_2004.source}] · "
    f"{SEEBER_2006.label} [{SEEBER_2006.source}]"
)
DIFFERENT_LABS = "Some pairs come from different labs: assays differ, so compare draws from the same lab."
BETA_FIELDS = (
    Field("value", "Result", "mIU/mL, e.g. 112, <5 or >10000", also=("unit",)),
    Field("at", "Drawn at", "YYYY-MM-DD HH:MM"),
    Field("lab", "Lab", "optional"),
)


@record(frozen=True)
class BetasRead:
    """What Betas shows, read and laid out: its draws and their pairs, and each table's rows (key, cells)
    in the zone and year they were worded for. Made in the app's warm-up thread before her first visit
    (RpltrackApp.take_warmed), or by the screen itself."""

    draws: list[BetaDraw]
    pairs: list[BetaPair]
    draw_rows: list[tuple[str, tuple[str, ...]]]
    pair_rows: list[tuple[str, ...]]
    zone: ZoneInfo
    year: int

    @classmethod
    def of(cls, journal: Journal, zone: ZoneInfo, year: int) -> BetasRead:
        """Read the journal and word every row: a draw of `year` without its year."""
        draws = journal.betas()
        cycles, pregnancies = journal.cycles(), journal.pregnancies()
        pairs = assess_series(draws)
        draw_rows: list[tuple[str, tuple[str, ...]]] = [
            (
                str(draw.id),
                (
                    drawn_words(draw.drawn_at.astimezone(zone), year),
                    fmt.beta_value(draw),
                    dpt_label(draw_dating(draw, cycles, pregnancies, zone)) or "—",
                    draw.lab,
                ),
            )
            for draw in reversed(draws)
        ]
        return cls(draws, pairs, draw_rows, [pair_cells(pair, zone) for pair in reversed(pairs)], zone, year)

    def fits(self, zone: ZoneInfo, year: int) -> bool:
        """Whether its rows are worded as the screen would word them now."""
        return self.zone == zone and self.year == year


def warm_betas(journal: Journal, now: datetime, zone: ZoneInfo) -> BetasRead:
    """Betas' first read, in the app's warm-up thread; measuring the cells' wrapping there too leaves
    little for the event loop when the tables are fitted on her first visit."""
    read = BetasRead.of(journal, zone, now.astimezone(zone).year)
    fit_widths(WARM_WIDTH, DRAW_COLUMNS, [cells for _, cells in read.draw_rows])
    fit_widths(WARM_WIDTH, PAIR_COLUMNS, read.pair_rows)
    return read


class BetasScreen(SectionScreen):
    """Every draw (newest first), every consecutive pair of a series, and the current series on a chart."""

    CSS_PATH = SECTIONS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_beta", "Add beta", id="beta-add"),
        Binding("e", "edit_beta", "Edit", id="beta-edit"),
        Binding("d", "delete_beta", "Delete", id="beta-delete"),
        Binding("delete", "delete_beta", "Delete", show=False, id="beta-delete-key"),
        *go_keys("betas"),
        *SECTION_KEYS,
    ]

    def compose(self) -> ComposeResult:
        yield Static("Beta-hCG (mIU/mL)", id="betas-title", classes="top-line")
        yield from self.readonly_banner()
        with Horizontal(id="betas-top"):
            yield FittedTable(id="beta-draws", cursor_type="row", zebra_stripes=True)
            yield SeriesChart(id="beta-chart")
        yield FittedTable(id="beta-pairs", cursor_type="row", zebra_stripes=True)
        yield Static(id="beta-labs", markup=False)
        yield Static(id="beta-ask", markup=False)
        yield Static(CONTEXT, id="beta-context", markup=False)
        yield Static(CAVEAT, id="beta-caveat", markup=False)
        yield Static(EMPTY_TEXT, id="betas-empty")
        yield KeyBar()

    async def reload(self) -> None:
        now = self.clock.now().astimezone(self.zone)
        # What the app's warm-up read and laid out in its thread, while the journal has not changed since;
        # else read here.
        read = self.rpl.take_warmed("betas")
        if not (isinstance(read, BetasRead) and read.fits(self.zone, now.year)):
            read = BetasRead.of(self.journal, self.zone, now.year)
        draws, pairs = read.draws, read.pairs
        self._draw_rows, self._pair_rows = read.draw_rows, read.pair_rows
        self.fill_tables()
        series = split_series(draws)[-1] if draws else []
        # Only the current series asks her to talk to her care team: an old series is history.
        current = {d.id for d in series}
        asks = [fmt.ask_about(p) for p in pairs if p.second.id in current]
        ask = next((a for a in reversed(asks) if a), "")
        self.query_one("#beta-ask", Static).update(ask)
        self.query_one("#beta-ask", Static).display = bool(ask)
        labs = self.query_one("#beta-labs", Static)
        labs.update(DIFFERENT_LABS)
        labs.display = any(p.different_labs for p in pairs)
        self.set_class(not pairs, "-no-pairs")
        self.draw_chart(series)
        self.set_class(not draws, "-empty")
        table = self.query_one("#beta-draws", DataTable)
        if draws and self.focused is None:
            table.focus()

    _draw_rows: list[tuple[str, tuple[str, ...]]] = []  # noqa: RUF012  # replaced, never mutated
    _pair_rows: list[tuple[str, ...]] = []  # noqa: RUF012  # replaced, never mutated

    def fill_tables(self) -> None:
        """Both tables, their columns fitted to the width there is: numbers keep their width, words wrap by
        priority (never mid-word), and what is still too wide scrolls sideways rather than being cut."""
        table = self.query_one("#beta-draws", FittedTable)
        selected = self.selected_id()
        fill(table, DRAW_COLUMNS, self._draw_rows, self.width_before_layout(table))
        if selected is not None and str(selected) in {key for key, _ in self._draw_rows}:
            table.move_cursor(row=table.get_row_index(str(selected)), animate=False)
        pairs = [(str(n), row) for n, row in enumerate(self._pair_rows)]
        pairs_table = self.query_one("#beta-pairs", FittedTable)
        fill(pairs_table, PAIR_COLUMNS, pairs, self.width_before_layout(pairs_table))

    def width_before_layout(self, table: FittedTable) -> int:
        """The width a table will most likely have once laid out (its stylesheet width, else the screen's):
        filled at that width on the first read, it is not filled again when the layout confirms it."""
        return (
            table.styles.width.cells
            if table.styles.width is not None and table.styles.width.cells
            else (self.size.width or self.app.size.width)
        )

    def on_fitted_table_width_changed(self) -> None:
        # Both tables are filled together: the second table's message may find them fitted already.
        if any(
            table.fitted_for != table.size.width for table in self.query(FittedTable).results(FittedTable)
        ):
            self.fill_tables()

    def draw_chart(self, series: list[BetaDraw]) -> None:
        """The current series on a log scale (a steady rise is a straight line); a bound is drawn at it."""
        plot = self.query_one("#beta-chart", SeriesChart)
        plot.series, plot.zone = series, self.zone
        plot.refresh()

    # -- the highlighted draw -------------------------------------------------------------------------

    def selected_id(self) -> int | None:
        table = self.query_one("#beta-draws", DataTable)
        if table.row_count == 0 or not table.columns:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def selected(self) -> BetaDraw | None:
        beta_id = self.selected_id()
        draw = next((d for d in self.journal.betas() if d.id == beta_id), None)
        if draw is None:
            self.notify(NO_DRAW, title="Betas")
        return draw

    def words(self, draw: BetaDraw) -> str:
        """'the beta of 301 mIU/mL drawn Thu 3 Dec 2026 09:00 (City Lab)': a draw in plain words."""
        at = draw.drawn_at.astimezone(self.zone)
        lab = f" ({draw.lab})" if draw.lab else ""
        return f"the beta of {fmt.beta_value(draw)} mIU/mL drawn {fmt.long_day(at.date())} {at:%H:%M}{lab}"

    # -- adding, changing, deleting -------------------------------------------------------------------

    def action_add_beta(self) -> None:
        if not self.can_write():
            return
        draws = self.journal.betas()
        now = self.clock.now().astimezone(self.zone)
        initial = {"at": f"{now:%Y-%m-%d %H:%M}", "lab": draws[-1].lab if draws else ""}

        def submit(entered: dict[str, str], answers: Answers) -> BetaDraw:
            draw = self.read_draw(entered)
            if draw.unusual and not answers.sure:
                raise NeedsConfirmation(unusual_question(draw), field="value")
            return self.journal.add_beta(
                draw, self.clock.now(), confirmed_unusual=answers.sure, again=answers.again
            )

        self.open_form("Add a beta result", initial, submit, "Added")

    def action_edit_beta(self) -> None:
        draw = self.selected()
        if draw is None or draw.id is None or not self.can_write():
            return
        beta_id = draw.id
        at = draw.drawn_at.astimezone(self.zone)
        initial = {
            "value": draw.value.raw or fmt.beta_value(draw),
            "at": f"{at:%Y-%m-%d %H:%M}",
            "lab": draw.lab,
        }

        def submit(entered: dict[str, str], answers: Answers) -> BetaDraw:
            changed = self.read_draw(entered)
            fields = {"value": changed.value, "lab": changed.lab}
            if entered["at"].strip() != initial["at"]:
                fields["drawn_at"] = changed.drawn_at  # unchanged: keep the zone it was entered in
            return self.journal.edit_beta(beta_id, self.clock.now(), sure=answers.sure, **fields)

        self.open_form("Change the beta result", initial, submit, "Corrected")

    def read_draw(self, entered: dict[str, str]) -> BetaDraw:
        """What she entered as a BetaDraw; every field that cannot be read is said at once."""
        checks = Checks()
        if not entered["value"].strip():
            checks.fail("value", "write the result, e.g. 112, or <5 as the lab printed it")
        else:
            with checks.on("value"):
                value = parse_hcg(entered["value"])
        with checks.on("at"):
            at = parse_local_datetime(entered["at"], self.zone)
        checks.done()
        draw = BetaDraw(at, value, optional(entered["lab"]))
        draw.check_drawn(self.clock.now())
        return draw

    def open_form(
        self,
        title: str,
        initial: dict[str, str],
        submit: Callable[[dict[str, str], Answers], BetaDraw],
        said: str,
    ) -> None:
        """The beta form (to add or to change one); once saved, the screen is read again and it is said."""

        async def done(saved: BetaDraw | None) -> None:
            if saved is None:
                return
            await self.reload()
            self.follow(saved.id)
            at = saved.drawn_at.astimezone(self.zone)
            self.announce(
                f"{said} beta {fmt.beta_value(saved)} mIU/mL drawn {fmt.long_day(at.date())} {at:%H:%M}",
                self.clock.now(),
            )

        form = EntryForm(title, BETA_FIELDS, submit, initial=initial, form_id="beta-form", what="beta")
        self.app.push_screen(form, done)

    async def select_by_id(self, entry_id: int) -> bool:
        """Select draw `entry_id` (a search result); False when it is not listed."""
        table = self.query_one("#beta-draws", DataTable)
        if str(entry_id) not in {key.value for key in table.rows}:
            return False
        self.follow(entry_id)
        table.focus()
        return True

    def follow(self, beta_id: int | None) -> None:
        """Put the cursor on a draw just saved."""
        table = self.query_one("#beta-draws", DataTable)
        if beta_id is not None and str(beta_id) in {key.value for key in table.rows}:
            table.move_cursor(row=table.get_row_index(str(beta_id)), animate=False)

    def action_delete_beta(self) -> None:
        draw = self.selected()
        if draw is None or draw.id is None:
            return
        beta_id = draw.id
        ask_delete(
            self,
            self.words(draw),
            lambda: self.journal.dependents_of_beta(beta_id),
            lambda now: self.journal.delete_beta(beta_id, now, with_dependents=True),
            self.reload,
        )


class SeriesChart(PlotextPlot):
    """The chart of a series of draws, drawn afresh each time it is rendered: plotext takes the log of the y
    ticks in place as it builds a log-scale figure, so building the same figure again (after a resize)
    would take it again, misplace the ticks, and on the fourth build fail on the log of a negative number."""

    series: Sequence[BetaDraw] = ()
    zone: ZoneInfo | None = None

    def render(self) -> RenderResult:
        plot_series(self.plt, self.series, self.zone)
        return super().render()


def plot_series(plt: Any, series: Sequence[BetaDraw], zone: ZoneInfo | None) -> None:
    """Draw `series` on `plt` (a cleared plotext figure), its dates in `zone`."""
    plt.clear_data()
    plt.clear_figure()
    if not series or zone is None:
        return
    start = series[0].drawn_at.astimezone(UTC)
    days = [(d.drawn_at.astimezone(UTC) - start).total_seconds() / 86400 for d in series]
    values = [max(float(d.value.value), 1.0) for d in series]
    plt.plot(days, values, marker="braille")
    plt.scatter(days, values, marker="●")
    plt.yscale("log")
    if len(series) <= MAX_LABELLED:
        plt.yticks(values, [fmt.beta_value(d) for d in series])
    labels = [f"{d.drawn_at.astimezone(zone):%-d %b}" for d in series]
    if len(series) <= MAX_LABELLED:
        plt.xticks(days, labels)
    pad = max(days[-1] * 0.08, 0.3)
    plt.xlim(-pad, days[-1] + pad)
    plt.title("Current series, log scale")


def unusual_question(draw: BetaDraw) -> str:
    return (
        f"{fmt.beta_value(draw)} mIU/mL is unusually high for a beta. Please check the number and the unit "
        "on the report.\n\nKeep this value?"
    )


# -- fitting the tables to the width -------------------------------------------------------------------


class FittedTable(DataTable[Text]):
    """A table whose columns are fitted to its width (`fill`): when its width changes (the screen gained a
    scroll bar, the terminal was resized) it asks its screen to fit them again."""

    fitted_for = -1  # the width its columns were last fitted to

    class WidthChanged(Message):
        """The table's width is no longer the one its columns were fitted to."""

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self.fitted_for:
            self.post_message(self.WidthChanged())


@record(frozen=True)
class Column:
    """A table column: its header, whether its cells may wrap (numbers never do), and its rank when spare
    width is shared out (lower first)."""

    key: str
    label: str
    wraps: bool = False
    rank: int = 0
    lines: int = 0  # a wrapping column's cells take at most this many lines when it can (0: any number)


DRAW_COLUMNS = (
    Column("drawn", "Drawn", wraps=True, rank=0, lines=2),
    Column("value", "hCG"),
    Column("dpt", "dpt"),
    Column("lab", "Lab", wraps=True, rank=1),
)
PAIR_COLUMNS = (
    Column("pair", "Pair"),
    Column("days", "Drawn", wraps=True, rank=2, lines=2),
    Column("hours", "Hours"),
    Column("change", "Change", wraps=True, rank=3, lines=2),
    Column("doubling", "Doubling"),
    Column("minimum", "Minimum", wraps=True, rank=1, lines=2),
    Column("meaning", "What it means", wraps=True, rank=0),
)
CELL_PADDING = 2  # a DataTable cell has one cell of padding on each side
SCROLLBAR = 2  # room kept for a table's own vertical scroll bar
MEANING_FIRST = 24  # "What it means" grows to this before the other wrapping columns grow [app convention]
_MEASURE = Console(width=1000, legacy_windows=False, color_system=None)
WARM_WIDTH = 100  # any width: warming measures each cell's words, which do not depend on it


def drawn_words(at: datetime, this_year: int) -> str:
    """'12 Nov 07:35' this year, '11 Jan 2025 07:30' in another."""
    day = f"{at.day} {at:%b}" if at.year == this_year else fmt.long_day(at.date())
    return f"{day} {at:%H:%M}"


def pair_cells(pair: BetaPair, zone: ZoneInfo) -> tuple[str, ...]:
    verdict = fmt.verdict_words(pair) + (" · different labs" if pair.different_labs else "")
    return (
        f"{fmt.beta_value(pair.first)} → {fmt.beta_value(pair.second)}",
        fmt.pair_days(pair, zone),
        fmt.number(pair.hours),
        fmt.pair_change(pair),
        fmt.pair_doubling(pair),
        fmt.pair_minimum(pair),
        verdict,
    )


def wrapped(row: Sequence[str]) -> list[Text]:
    """Cells drawn as written (controls shown, never markup) that wrap at spaces within their column."""
    return [Text(fmt.shown(value), end="") for value in row]


def fill(
    table: FittedTable,
    columns: Sequence[Column],
    rows: Sequence[tuple[str, Sequence[str]]],
    fallback: int,
) -> None:
    """Clear `table` and fill it with `rows` (key, cells), its columns fitted to its width (`fallback` before
    it is laid out). Room is kept for a vertical scroll bar only when the rows are taller than the table."""
    width = table.size.width or fallback
    table.fitted_for = width
    room = width - CELL_PADDING * len(columns)
    cells = [row for _, row in rows]
    widths = fit_widths(room, columns, cells)
    if _height(cells, widths) > _capacity(table):
        widths = fit_widths(room - SCROLLBAR, columns, cells)
    table.clear(columns=True)
    for column, column_width in zip(columns, widths, strict=True):
        table.add_column(column.label, key=column.key, width=column_width)
    for key, row in rows:
        # Each row as tall as its tallest cell, counted as _height counts it: the table need not measure
        # every cell itself (most of a first visit to Betas on ten years of draws).
        lines = max((_lines_at(text, width) for text, width in zip(row, widths, strict=True)), default=1)
        table.add_row(*wrapped(row), key=key, height=max(lines, 1))


def _height(rows: Sequence[Sequence[str]], widths: Sequence[int]) -> int:
    """Lines the rows take at these widths, with the header."""
    return 1 + sum(
        max((_lines_at(text, width) for text, width in zip(row, widths, strict=True)), default=1)
        for row in rows
    )


def _capacity(table: DataTable[Text]) -> int:
    """Lines the table shows before it scrolls: its height or max-height in cells (0 when unknown)."""
    for scalar in (table.styles.max_height, table.styles.height):
        if scalar is not None and scalar.cells is not None:
            return scalar.cells
    return table.size.height


@lru_cache(maxsize=8192)
def _lines_at(text: str, width: int) -> int:
    return len(Text(text).wrap(_MEASURE, width))


def _narrowest(text: str, lines: int) -> int:
    """The narrowest width that holds `text` in at most `lines` lines without breaking a word. Wrapping at
    spaces never takes more lines at a greater width, so the width is found by halving (a first visit to
    Betas measured each width in turn: a tenth of a second on ten years of data)."""
    width = max((cell_len(word) for word in text.split()), default=0)
    widest = max(width, cell_len(text))
    while lines and width < widest:
        middle = (width + widest) // 2
        if _lines_at(text, middle) > lines:
            width = middle + 1
        else:
            widest = middle
    return width


def fit_widths(room: int, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> list[int]:
    """Column widths for `room` cells: each column at least its header and, for numbers, its widest cell
    (never wrapped); a wrapping column at least its longest word, or what keeps it within its `lines` while
    there is room for that (the least important give way first); the spare width goes by rank, "What it means"
    first up to MEANING_FIRST, then every column to its full width. When even the least is wider than `room`
    the table scrolls sideways: nothing is cut."""
    natural: list[int] = []
    least: list[int] = []
    for index, column in enumerate(columns):
        texts = [row[index] for row in rows]
        full = max([cell_len(column.label), *(cell_len(t) for t in texts)])
        natural.append(full)
        if column.wraps:
            least.append(max([cell_len(column.label), *(_narrowest(t, column.lines) for t in texts)]))
        else:
            least.append(full)
    order = sorted(range(len(columns)), key=lambda i: columns[i].rank)
    for index in reversed(order):
        # Too narrow for every column within its lines: the least important ones take more lines first.
        if sum(least) <= room or not columns[index].wraps:
            continue
        words = [max((cell_len(w) for w in row[index].split()), default=0) for row in rows]
        shortest = max([cell_len(columns[index].label), *words])
        least[index] = max(shortest, least[index] - (sum(least) - room))
    widths = list(least)
    spare = room - sum(widths)
    for index in order:
        if spare <= 0:
            break
        target = min(natural[index], MEANING_FIRST) if columns[index].key == "meaning" else natural[index]
        grow = max(0, min(target - widths[index], spare))
        widths[index] += grow
        spare -= grow
    for index in order:
        grow = max(0, min(natural[index] - widths[index], spare))
        widths[index] += grow
        spare -= grow
    return widths
