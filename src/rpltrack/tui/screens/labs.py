"""LabsScreen: the latest result of every test, and the highlighted test's history with a chart of its trend.

The app imports this module only when Labs first opens, so plotext never slows the start or the CLI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from fractions import Fraction
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from rpltrack.domain.betas import Op
from rpltrack.domain.labcatalog import LABS, resolve
from rpltrack.domain.labs import LabResult, LabTest, LabValue, canonical, format_fraction, value_words
from rpltrack.domain.records import record
from rpltrack.tui import format as fmt
from rpltrack.tui.rendering import KeptRendering
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import Answers
from rpltrack.tui.screens.forms import Picker, ask_delete
from rpltrack.tui.screens.lab_form import LABS_CSS, LabForm
from rpltrack.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from rpltrack.store.journal import Journal

EMPTY_TEXT = "No lab results yet — press a to add one (TSH, vitamin D, platelets, antibodies, ...)"
MAX_LABELLED = 5  # dates under the chart: more would run into each other on a narrow terminal

# The catalog's groups, and its tests within a group, in the catalog's own order (thyroid first, TSH first
# in it); her own tests come after all of them, by name.
GROUP_ORDER: dict[str, int] = {
    group: n for n, group in enumerate(dict.fromkeys(t.group for t in LABS.values()))
}
CATALOG_ORDER: dict[str, int] = {key: n for n, key in enumerate(LABS)}


def sort_key(test: LabTest) -> tuple[bool, int, int, str]:
    return (
        test.custom,
        GROUP_ORDER.get(test.group, len(GROUP_ORDER)),
        CATALOG_ORDER.get(test.key, 0),
        test.name.casefold(),
    )


def group_words(test: LabTest) -> str:
    return "your own" if test.custom else test.group


def value_text(result: LabResult) -> str:
    """The value as the lab printed it, unit included ('<0.01 mIU/L', 'positive'); 'session' for a session."""
    return value_words(result.value) if str(result.value) else "session"


def history_value(test: LabTest, value: LabValue) -> str:
    """The value, with the usual unit beside it when entered in another: '50 nmol/L (15.72 ng/mL)'."""
    text = str(value) or "session"
    converted = canonical(test, value)
    if converted is None or value.unit == test.canonical_unit:
        return text
    bound = "" if value.op is Op.EQ else value.op.value
    return f"{text} ({bound}{format_fraction(converted)} {test.canonical_unit})"


def notes_text(result: LabResult) -> str:
    """'on an anticoagulant · at City Lab · fasting': the lab and her note with their controls shown."""
    parts = []
    if result.on_anticoagulant:
        parts.append("on an anticoagulant")
    if result.confirmed_unusual:
        parts.append("unusual, checked")
    if result.lab:
        parts.append(f"at {fmt.shown(result.lab)}")
    if result.note:
        parts.append(fmt.shown(result.note))
    return " · ".join(parts)


def history_table(test: LabTest, results: list[LabResult]) -> Table:
    """Every result of one test, newest first; its notes on the line under the value, wrapping there."""
    table = Table(box=None, expand=False, pad_edge=False, header_style="bold", show_edge=False)
    table.add_column("Date", no_wrap=True)
    table.add_column("Result")
    table.add_column("Range", no_wrap=True)
    for result in reversed(results):
        cell = fmt.plain(history_value(test, result.value))
        notes = notes_text(result)
        if notes:
            cell.append(f"\n{notes}", style="italic")
        table.add_row(
            Text(fmt.long_day(result.on)), cell, fmt.plain(result.reference if result.reference else "")
        )
    return table


# -- the trend ---------------------------------------------------------------------------------------


@record(frozen=True)
class Point:
    on: date
    value: float


@record(frozen=True)
class Trend:
    """What the chart draws: exact numbers in one unit, and sentences for the results left off it."""

    unit: str | None
    points: tuple[Point, ...]
    left_out: tuple[str, ...]


def in_unit(test: LabTest, value: LabValue, unit: str | None) -> Fraction | None:
    """The number of `value` in `unit` (the same unit, or converted to the test's usual unit), else None."""
    if value.number is None:
        return None
    if value.unit == unit:
        return Fraction(value.number)
    if test.units and unit == test.canonical_unit:
        return canonical(test, value)
    return None


def trend_of(test: LabTest, results: list[LabResult]) -> Trend:
    """The test's exact numeric results in its usual unit (converted where rpltrack converts), oldest first.

    Bounds such as <0.01 are not numbers to draw; units rpltrack does not convert are left off and said.
    When no result is in (or converts to) the usual unit, the unit of the latest result is drawn instead.
    """
    exact = [r for r in results if r.value.exact]
    bounds = [r for r in results if r.value.numeric and not r.value.exact]
    unit = exact[-1].value.unit if exact else None
    if test.units and any(in_unit(test, r.value, test.canonical_unit) is not None for r in exact):
        unit = test.canonical_unit
    points: list[Point] = []
    converted: set[str] = set()
    others: Counter[str] = Counter()
    for result in exact:
        number = in_unit(test, result.value, unit)
        if number is None:
            others[result.value.unit or "no unit"] += 1
            continue
        if result.value.unit != unit and result.value.unit is not None:
            converted.add(result.value.unit)
        points.append(Point(result.on, float(number)))
    left_out: list[str] = []
    if len(points) < 2:
        if len(exact) >= 2:
            left_out.append(f"No chart: it needs two exact results in the same unit ({unit or 'no unit'}).")
        elif exact or bounds:
            left_out.append("A chart of the trend appears once there are two exact results.")
        return Trend(unit, tuple(points), tuple(left_out))
    if converted:
        left_out.append(f"Results in {', '.join(sorted(converted))} are drawn converted to {unit}.")
    for other, count in others.items():
        what = "1 result" if count == 1 else f"{count} results"
        left_out.append(
            f"Not on the chart: {what} in {other} (rpltrack does not convert {other} to {unit or 'no unit'})."
        )
    if bounds:
        listed = ", ".join(str(r.value) for r in bounds)
        left_out.append(f"Not on the chart: {listed} (a bound, not an exact number).")
    return Trend(unit, tuple(points), tuple(left_out))


def labelled_points(days: list[float], most: int) -> list[int]:
    """Which points get their date under the chart: the latest, then going back, each at least a
    1/`most` of the span before the one labelled after it (so labels never run into each other)."""
    gap = (days[-1] - days[0]) / most
    chosen = [len(days) - 1]
    for index in range(len(days) - 2, -1, -1):
        if len(chosen) < most and gap > 0 and days[chosen[-1]] - days[index] >= gap:
            chosen.append(index)
    return sorted(chosen)


# -- the screen --------------------------------------------------------------------------------------


@record(frozen=True)
class LabsRead:
    """Every lab result, oldest first (Journal.labs): read in the app's warm-up thread before her first
    visit (RpltrackApp.take_warmed)."""

    results: list[LabResult]


def warm_labs(journal: Journal, now: datetime, zone: ZoneInfo) -> LabsRead:
    """Labs' first read, in the app's warm-up thread."""
    return LabsRead(journal.labs())


class LabsScreen(SectionScreen):
    """One row per test (by group, her own tests last); the highlighted test's results and trend below."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [SECTIONS_CSS, LABS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_lab", "Add result", id="lab-add"),
        Binding("e", "edit_lab", "Edit", id="lab-edit"),
        Binding("d", "delete_lab", "Delete", id="lab-delete"),
        Binding("delete", "delete_lab", "Delete", show=False, id="lab-delete-key"),
        *go_keys("labs"),
        *SECTION_KEYS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.results: dict[str, list[LabResult]] = {}
        self.shown: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("Lab results", id="labs-title", classes="top-line")
        yield from self.readonly_banner()
        tests: DataTable[Text] = DataTable(id="lab-tests", cursor_type="row", zebra_stripes=True)
        for label, key in (
            ("Test", "test"),
            ("Latest", "latest"),
            ("Result", "value"),
            ("Range", "range"),
            ("Results", "count"),
        ):
            tests.add_column(label, key=key)
        yield tests
        yield Static(id="lab-detail-title", markup=False)
        with Horizontal(id="lab-detail"):
            # Focusable (Tab), so a long history scrolls by keyboard on a short terminal.
            with VerticalScroll(id="lab-history-scroll"):
                yield Static(id="lab-history")
            yield PlotextPlot(id="lab-chart")
        yield Static(id="lab-notes", markup=False)
        yield Static(EMPTY_TEXT, id="labs-empty", markup=False)
        yield KeyBar()

    async def reload(self, select: str | None = None) -> None:
        """Read the journal again; keep the highlighted test (or move to `select`, a test just saved)."""
        # What the app's warm-up read in its thread, while the journal has not changed since; else read here.
        read = self.rpl.take_warmed("labs")
        results = read.results if isinstance(read, LabsRead) else self.journal.labs()
        by_test: dict[str, list[LabResult]] = {}
        for result in results:
            by_test.setdefault(result.test, []).append(result)
        self.results = by_test
        known = {key: resolve(key) for key in by_test}
        order = sorted(by_test, key=lambda key: sort_key(known[key]))
        wanted = select or self.shown
        table = self.query_one("#lab-tests", DataTable)
        table.clear()
        for key in order:
            test, results = known[key], by_test[key]
            latest = results[-1]
            # Cells as Text (fmt.cells): a test of her own, a value as printed, drawn as written.
            table.add_row(
                *fmt.cells(
                    test.name,
                    fmt.long_day(latest.on),
                    value_text(latest),
                    str(latest.reference) if latest.reference else "",
                    Text(str(len(results)), justify="right"),
                ),
                key=key,
            )
        self.set_class(not order, "-empty")
        if not order:
            self.shown = None
            return
        row = order.index(wanted) if wanted in by_test else 0
        table.move_cursor(row=row, animate=False)
        self.show_test(order[row])
        if self.focused is None:
            table.focus()

    async def select_by_id(self, entry_id: int) -> bool:
        """Select the test of lab result `entry_id` (a search result), its history beside it; False when
        it is not listed."""
        key = next((k for k, found in self.results.items() if any(r.id == entry_id for r in found)), None)
        if key is None:
            return False
        await self.reload(select=key)
        self.query_one("#lab-tests", DataTable).focus()
        return True

    @on(DataTable.RowHighlighted, "#lab-tests")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        # The test shown already is not drawn again: a read shows its test itself, then the table says the
        # cursor is on it.
        if key is not None and key in self.results and key != self.shown:
            self.show_test(key)

    def show_test(self, key: str) -> None:
        """The history, the chart and the notes of one test."""
        self.shown = key
        test = resolve(key)
        results = self.results.get(key, [])
        count = "1 result" if len(results) == 1 else f"{len(results)} results, newest first"
        self.query_one("#lab-detail-title", Static).update(
            f"{fmt.shown(test.name)} · {group_words(test)} · {count}"
        )
        # Drawn once per width: Textual draws it to measure its height, then to show it.
        self.query_one("#lab-history", Static).update(KeptRendering(history_table(test, results)))
        self.fit_history_scroll()
        trend = trend_of(test, results)
        self.draw_chart(test, trend)
        notes = [test.note] if test.note else []
        notes.extend(trend.left_out)
        self.query_one("#lab-notes", Static).update(fmt.shown("\n".join(notes)))
        self.query_one("#lab-notes", Static).display = bool(notes)

    def fit_history_scroll(self) -> None:
        """A history with more results than the screen has lines scrolls in any case (each result takes a
        line at least, under the header): its scroll bar is there from the start, so the table is laid out
        once, beside the bar, rather than without it and again with it (ten years of TSH: 40 ms)."""
        long = len(self.results.get(self.shown or "", [])) + 1 > self.app.size.height
        self.query_one("#lab-history-scroll", VerticalScroll).set_class(long, "-scrolls")

    def on_resize(self) -> None:
        self.fit_history_scroll()

    def draw_chart(self, test: LabTest, trend: Trend) -> None:
        """The exact results over time, in one unit; with fewer than two there is no chart."""
        plot = self.query_one("#lab-chart", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        drawn = len(trend.points) >= 2
        self.set_class(not drawn, "-no-chart")
        if not drawn:
            plot.refresh()
            return
        first = trend.points[0].on
        days = [float((p.on - first).days) for p in trend.points]
        values = [p.value for p in trend.points]
        plt.plot(days, values, marker="braille")
        plt.scatter(days, values, marker="●")
        same_year = trend.points[0].on.year == trend.points[-1].on.year
        labelled = labelled_points(days, MAX_LABELLED if same_year else MAX_LABELLED - 1)
        plt.xticks(
            [days[i] for i in labelled],
            [
                f"{trend.points[i].on:%-d %b}" if same_year else f"{trend.points[i].on:%b %Y}"
                for i in labelled
            ],
        )
        pad = max(days[-1] * 0.08, 0.5)
        plt.xlim(-pad, days[-1] + pad)
        plt.title(fmt.shown(f"{test.name} ({trend.unit})" if trend.unit else test.name))
        plot.refresh()

    # -- adding, changing, deleting -------------------------------------------------------------------

    def action_add_lab(self) -> None:
        if not self.can_write():
            return

        def save(result: LabResult, answers: Answers) -> LabResult:
            return self.journal.add_lab(result, self.clock.now(), **answers.given())

        self.open_form(LabForm(today=self.clock.today(), save=save), "Added")

    def open_form(self, form: LabForm, said: str) -> None:
        async def done(saved: LabResult | None) -> None:
            if saved is None:
                return
            await self.reload(select=saved.test)
            name = resolve(saved.test).name
            self.announce(f"{said} {name} {value_text(saved)} of {fmt.long_day(saved.on)}", self.clock.now())

        self.app.push_screen(form, done)

    def choose_result(self, verb: str, then: Callable[[LabResult], None]) -> None:
        """The result to change or delete: the highlighted test's only result, or one picked from its
        results (newest first, the newest highlighted)."""
        results = self.results.get(self.shown or "", [])
        if not results:
            self.notify("There is no result to choose yet. Press a to add one.", title="Labs")
            return
        if len(results) == 1:
            then(results[0])
            return
        by_id = {str(r.id): r for r in results}
        test = resolve(results[0].test)
        choices = [(str(r.id), result_words(r)) for r in reversed(results)]

        def picked(key: str | None) -> None:
            if key is not None and key in by_id:
                then(by_id[key])

        self.app.push_screen(Picker(f"Which {test.name} result {verb}?", choices), picked)

    def action_edit_lab(self) -> None:
        if self.can_write():
            self.choose_result("to change", self.edit_result)

    def edit_result(self, result: LabResult) -> None:
        lab_id = result.id
        assert lab_id is not None

        def save(changed: LabResult, answers: Answers) -> LabResult:
            fields = {
                "test": changed.test,
                "on": changed.on,
                "value": changed.value,
                "reference": changed.reference,
                "on_anticoagulant": changed.on_anticoagulant,
                "note": changed.note,
            }
            return self.journal.edit_lab(lab_id, self.clock.now(), sure=answers.sure, **fields)

        form = LabForm(
            today=self.clock.today(), save=save, initial=form_values(result), title="Change the lab result"
        )
        self.open_form(form, "Corrected")

    def action_delete_lab(self) -> None:
        self.choose_result("to delete", self.delete_result)

    def delete_result(self, result: LabResult) -> None:
        lab_id = result.id
        assert lab_id is not None

        async def after() -> None:
            await self.reload()

        ask_delete(
            self,
            result_words(result),
            lambda: self.journal.dependents_of_lab(lab_id),
            lambda now: self.journal.delete_lab(lab_id, now, with_dependents=True),
            after,
        )


def result_words(result: LabResult) -> str:
    """'TSH 2.8 mIU/L of Mon 9 Nov 2026 (range 0.4-4.0)': one result in plain words."""
    words = f"{resolve(result.test).name} {value_text(result)} of {fmt.long_day(result.on)}"
    if result.reference:
        words += f" (range {result.reference})"
    return words


def form_values(result: LabResult) -> dict[str, str]:
    """A result as the lab form's text, to change it."""
    value = result.value
    unit = value.unit or ""
    raw = value.raw or str(value)
    if unit and raw.endswith(unit):
        raw = raw[: -len(unit)].strip()
    return {
        "test": resolve(result.test).name,
        "value": raw,
        "unit": unit,
        "date": result.on.isoformat(),
        "range": result.reference.raw
        if result.reference and result.reference.raw
        else str(result.reference or ""),
        "anticoagulant": "yes" if result.on_anticoagulant else "",
        "note": result.note,
    }
