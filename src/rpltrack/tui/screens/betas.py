"""BetasScreen: beta-hCG draws, the arithmetic of each consecutive pair, and a log-scale chart of the series.

The app imports this module only when Betas first opens, so plotext never slows the start or the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from rpltrack.domain.betas import (
    BARNHART_2004,
    SEEBER_2006,
    BetaDraw,
    assess_series,
    parse_hcg,
    split_series,
)
from rpltrack.domain.errors import NeedsConfirmation
from rpltrack.domain.medspec import parse_local_datetime
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import Answers, Checks, EntryForm, Field, optional
from rpltrack.tui.screens.forms import ask_delete
from rpltrack.tui.widgets.key_bar import KeyBar

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
            draws: DataTable[Text] = DataTable(id="beta-draws", cursor_type="row", zebra_stripes=True)
            draws.add_column("Drawn", key="drawn")
            draws.add_column("Result", key="value")
            draws.add_column("Lab", key="lab")
            yield draws
            yield PlotextPlot(id="beta-chart")
        pairs: DataTable[str] = DataTable(id="beta-pairs", cursor_type="row", zebra_stripes=True)
        for label in ("Pair", "Hours", "Change", "Doubling", "Minimum", "What it means"):
            pairs.add_column(label, key=label.lower())
        yield pairs
        yield Static(id="beta-labs", markup=False)
        yield Static(id="beta-ask", markup=False)
        yield Static(CONTEXT, id="beta-context", markup=False)
        yield Static(CAVEAT, id="beta-caveat", markup=False)
        yield Static(EMPTY_TEXT, id="betas-empty")
        yield KeyBar()

    async def reload(self) -> None:
        draws = self.journal.betas()
        pairs = assess_series(draws)
        table = self.query_one("#beta-draws", DataTable)
        selected = self.selected_id()
        table.clear()
        for draw in reversed(draws):
            at = draw.drawn_at.astimezone(self.zone)
            # Cells as Text (fmt.cells): the lab's name as she wrote it, never read as markup.
            table.add_row(
                *fmt.cells(f"{fmt.long_day(at.date())} {at:%H:%M}", fmt.beta_value(draw), draw.lab),
                key=str(draw.id),
            )
        if selected is not None and str(selected) in {str(d.id) for d in draws}:
            table.move_cursor(row=table.get_row_index(str(selected)), animate=False)
        pair_table = self.query_one("#beta-pairs", DataTable)
        pair_table.clear()
        for pair in reversed(pairs):
            verdict = fmt.VERDICT_WORDS[pair.verdict] + (" · different labs" if pair.different_labs else "")
            pair_table.add_row(
                f"{fmt.beta_value(pair.first)} → {fmt.beta_value(pair.second)}",
                fmt.number(pair.hours),
                fmt.pair_change(pair),
                fmt.pair_doubling(pair),
                fmt.pair_minimum(pair),
                verdict,
            )
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
        if draws and self.focused is None:
            table.focus()

    def draw_chart(self, series: list[BetaDraw]) -> None:
        """The current series on a log scale (a steady rise is a straight line); a bound is drawn at it."""
        plot = self.query_one("#beta-chart", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        if not series:
            plot.refresh()
            return
        start = series[0].drawn_at.astimezone(UTC)
        days = [(d.drawn_at.astimezone(UTC) - start).total_seconds() / 86400 for d in series]
        values = [max(float(d.value.value), 1.0) for d in series]
        plt.plot(days, values, marker="braille")
        plt.scatter(days, values, marker="●")
        plt.yscale("log")
        if len(series) <= MAX_LABELLED:
            plt.yticks(values, [fmt.beta_value(d) for d in series])
        labels = [f"{d.drawn_at.astimezone(self.zone):%-d %b}" for d in series]
        if len(series) <= MAX_LABELLED:
            plt.xticks(days, labels)
        pad = max(days[-1] * 0.08, 0.3)
        plt.xlim(-pad, days[-1] + pad)
        plt.title("Current series, log scale")
        plot.refresh()

    # -- the highlighted draw -------------------------------------------------------------------------

    def selected_id(self) -> int | None:
        table = self.query_one("#beta-draws", DataTable)
        if table.row_count == 0:
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


def unusual_question(draw: BetaDraw) -> str:
    return (
        f"{fmt.beta_value(draw)} mIU/mL is unusually high for a beta. Please check the number and the unit "
        "on the report.\n\nKeep this value?"
    )
