"""BetasScreen: beta-hCG draws, the arithmetic of each consecutive pair, and a log-scale chart of the series.

The app imports this module only when Betas first opens, so plotext never slows the start or the CLI.
"""

from __future__ import annotations

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
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import parse_local_datetime
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import EntryForm, Field, optional
from rpltrack.tui.screens.forms import ConfirmDialog
from rpltrack.tui.widgets.key_bar import KeyBar

MAX_LABELLED = 6  # with more draws their labels would overlap, so plotext's own ticks are used
EMPTY_TEXT = "No betas yet — press a to add one"
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
        table.clear()
        for draw in reversed(draws):
            at = draw.drawn_at.astimezone(self.zone)
            # Cells as Text (fmt.cells): the lab's name as she wrote it, never read as markup.
            table.add_row(*fmt.cells(f"{fmt.long_day(at.date())} {at:%H:%M}", fmt.beta_value(draw), draw.lab))
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

    def action_add_beta(self) -> None:
        if not self.can_write():
            return
        draws = self.journal.betas()
        now = self.clock.now().astimezone(self.zone)
        self.open_beta_form({"at": f"{now:%Y-%m-%d %H:%M}", "lab": draws[-1].lab if draws else ""})

    def open_beta_form(self, initial: dict[str, str]) -> None:
        """The add form; an unusually high value asks first, and going back reopens it with her entry."""

        def submit(entered: dict[str, str]) -> BetaDraw:
            if not entered["value"].strip():
                raise ValidationError(
                    "write the result, e.g. 112, or <5 as the lab printed it", field="value"
                )
            value = parse_hcg(entered["value"])
            draw = BetaDraw(parse_local_datetime(entered["at"], self.zone), value, optional(entered["lab"]))
            draw.check_drawn(self.clock.now())
            return draw

        async def save(draw: BetaDraw, confirmed: bool) -> None:
            ok, saved = self.write(
                lambda: self.journal.add_beta(draw, self.clock.now(), confirmed_unusual=confirmed)
            )
            if ok and saved is not None:
                at = saved.drawn_at.astimezone(self.zone)
                self.notify(
                    f"Beta {fmt.beta_value(saved)} mIU/mL drawn {fmt.long_day(at.date())} {at:%H:%M}.",
                    title="Saved",
                    markup=False,
                )
                await self.reload()

        async def done(draw: BetaDraw | None) -> None:
            if draw is None:
                return
            if not draw.unusual:
                await save(draw, False)
                return

            async def answered(keep: bool | None) -> None:
                if keep:
                    await save(draw, True)
                    return
                at = draw.drawn_at.astimezone(self.zone)
                self.open_beta_form({"value": draw.value.raw, "at": f"{at:%Y-%m-%d %H:%M}", "lab": draw.lab})

            question = (
                f"{fmt.beta_value(draw)} mIU/mL is unusually high for a beta. Please check the number and "
                "the unit on the report.\n\nKeep this value?"
            )
            self.app.push_screen(ConfirmDialog(question, yes="Keep it", no="Go back"), answered)

        form = EntryForm("Add a beta result", BETA_FIELDS, submit, initial=initial, form_id="beta-form")
        self.app.push_screen(form, done)
