"""MedicationsScreen: every medication with its dose, schedule, dates, state and how often it was taken."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from rpltrack.domain.models import Medication, MedicationState
from rpltrack.tui import format as fmt
from rpltrack.tui.columns import fit_widths, wrap
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.forms import ConfirmDialog, MedicationEditForm, MedicationForm, ask_delete
from rpltrack.tui.screens.today import add_medication
from rpltrack.tui.widgets.key_bar import KeyBar

COLUMNS = (
    ("Name", "name"),
    ("Dose", "dose"),
    ("Schedule", "schedule"),
    ("Dates", "dates"),
    ("State", "state"),
    ("7 days", "week"),
    ("30 days", "month"),
)


# The columns that give way, in order, when the terminal is narrow (indexes into COLUMNS): Dates, Schedule,
# Name, Dose and State, then the labels of the adherence columns ("7" over "days"; a percentage is one piece).
GIVE_WAY = (3, 2, 0, 1, 4, 5, 6)


class MedicationsScreen(SectionScreen):
    """The medication list: current ones first, then those not started, ended and stopped."""

    CSS_PATH = SECTIONS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_medication", "Add", id="med-add"),
        Binding("e", "edit_medication", "Edit", id="med-edit"),
        Binding("d", "delete_medication", "Delete", id="med-delete"),
        Binding("delete", "delete_medication", "Delete", show=False, id="med-delete-key"),
        Binding("x", "stop_medication", "Stop", id="med-stop"),
        # "Warning signs (anticoagulants)" would push Help and Quit out of the footer at 110 columns.
        Binding("w", "warning_signs", "Warning signs", id="med-warning-signs"),
        *go_keys("medications"),
        *SECTION_KEYS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []  # each medication's row key and cells, as shown
        self.laid_out_for = 0  # the width the table was last laid out for

    def compose(self) -> ComposeResult:
        yield Static("Medications", id="medications-title", classes="top-line")
        yield from self.readonly_banner()
        table: DataTable[Text] = DataTable(id="medications", cursor_type="row", zebra_stripes=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("No medications yet — press a to add one", id="medications-empty")
        yield Static(
            "Taken: doses taken of doses due (as-needed medications are not counted).", id="medications-note"
        )
        yield KeyBar()

    async def reload(self) -> None:
        now = self.clock.now().astimezone(self.zone)
        today = now.date()
        meds = sorted(
            self.journal.medications(),
            key=lambda m: (fmt.STATE_ORDER[m.state(now, today)], m.name.casefold(), m.start_on),
        )
        week, _ = self.journal.adherence(now, 7)
        month, _ = self.journal.adherence(now, 30)
        rows: list[tuple[str, list[str]]] = []
        for med in meds:
            assert med.id is not None
            state = med.state(now, today)
            shown = med.dose_on(today)
            upcoming = med.next_change(today)
            dose = str(shown.amount)
            if upcoming is not None:
                dose += f" ({upcoming.amount} from {upcoming.effective_on:%-d %b})"
            cells = (
                med.name,
                dose,
                shown.timing.describe(),
                fmt.date_span(med),
                state.value,
                fmt.percent_text(week.get(med.id)) if state is MedicationState.ACTIVE else "",
                fmt.percent_text(month.get(med.id)) if month.get(med.id, None) and month[med.id].due else "",
            )
            # Her name for it is drawn as written, its controls shown, never read as markup.
            rows.append((str(med.id), [fmt.shown(cell) for cell in cells]))
        self.rows = rows
        self.lay_out(self.table_width())
        self.set_class(not meds, "-empty")
        # The vertical scrollbar, if the rows need one, takes its columns once the table is laid out.
        self.call_after_refresh(self.fit_to_width)

    # -- fitting the columns to the terminal ------------------------------------------------------------

    def table_width(self) -> int:
        """The cells the table can draw across: its width inside any scrollbar, or the screen's before its
        first layout."""
        width = self.query_one("#medications", DataTable).scrollable_content_region.width
        return width if width > 0 else self.size.width or self.app.size.width

    def lay_out(self, width: int) -> None:
        """Fill the table with `self.rows`, its columns fitted to `width`: when they do not all fit, the
        dates give way first, then the schedule, the name, the dose and the state, each wrapping between
        words (to two lines while that is enough); a percentage or any number is never cut."""
        table: DataTable[Text] = self.query_one("#medications", DataTable)
        selected = self.selected_id()
        labels = [label for label, _ in COLUMNS]
        gaps = 2 * table.cell_padding * len(COLUMNS)
        widths = fit_widths(labels, [cells for _, cells in self.rows], GIVE_WAY, width - gaps)
        table.clear(columns=True)
        headers = [
            wrap(label, column_width, glue=False) for label, column_width in zip(labels, widths, strict=True)
        ]
        table.header_height = max(len(header) for header in headers)
        for (_, key), header, column_width in zip(COLUMNS, headers, widths, strict=True):
            table.add_column("\n".join(header), key=key, width=column_width)
        for key, cells in self.rows:
            lines = [wrap(cell, column_width) for cell, column_width in zip(cells, widths, strict=True)]
            table.add_row(
                *(Text("\n".join(cell_lines), no_wrap=True, end="") for cell_lines in lines),
                key=key,
                height=max(len(cell_lines) for cell_lines in lines),
            )
        self.laid_out_for = width
        if selected is not None and str(selected) in {key for key, _ in self.rows}:
            table.move_cursor(row=table.get_row_index(str(selected)), animate=False)

    def fit_to_width(self) -> None:
        """Lay the table out again if the width it can draw across is not the one it was laid out for (a
        scrollbar came or went, the terminal was resized)."""
        width = self.table_width()
        if width != self.laid_out_for:
            self.lay_out(width)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_to_width)

    async def select_by_id(self, entry_id: int) -> bool:
        """Select medication `entry_id` (a search result); False when it is not listed."""
        table = self.query_one("#medications", DataTable)
        if str(entry_id) not in {key.value for key in table.rows}:
            return False
        table.move_cursor(row=table.get_row_index(str(entry_id)), animate=False)
        table.focus()
        return True

    def selected_id(self) -> int | None:
        table = self.query_one("#medications", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def selected(self) -> Medication | None:
        med_id = self.selected_id()
        if med_id is None:
            self.notify("There is no medication to choose yet. Press a to add one.")
            return None
        return self.journal.medication(med_id)

    def action_warning_signs(self) -> None:
        from rpltrack.tui.screens.warning_signs import WarningSignsScreen

        self.app.push_screen(WarningSignsScreen())

    def action_add_medication(self) -> None:
        if self.can_write():
            add_medication(self, MedicationForm(self.clock, cycle=self.journal.cycle_on(self.clock.today())))

    def action_edit_medication(self) -> None:
        """The add form, filled in: a new dose or time from a day, a new name, dates or notes."""
        med = self.selected()
        if med is None or med.id is None or not self.can_write():
            return
        med_id = med.id

        def save(fields: dict[str, Any]) -> Medication:
            return self.journal.edit_medication(med_id, self.clock.now(), **fields)

        form = MedicationEditForm(med, self.clock, save, cycle=self.journal.cycle_on(self.clock.today()))

        async def done(saved: Medication | None) -> None:
            if saved is None:
                return
            if not form.changed:
                self.notify("Nothing changed.", title="Medications")
                return
            await self.reload()
            self.announce(
                f"Changed {saved.name}: {saved.current.amount}, {saved.current.timing.describe()}",
                self.clock.now(),
            )

        self.app.push_screen(form, done)

    def action_delete_medication(self) -> None:
        med = self.selected()
        if med is None or med.id is None:
            return
        med_id = med.id
        what = f"{med.name} {med.current.amount}, {med.current.timing.describe()}"

        def instead(dependents: list[str]) -> tuple[str, str, str]:
            return (
                f"{what} has {', '.join(dependents)}, which stay in your history: a medication with logged "
                "doses is never deleted. Stop it from now on instead?",
                "Stop it",
                f"Stopped {med.name} (its logged doses are kept)",
            )

        ask_delete(
            self,
            what,
            lambda: self.journal.dependents_of_medication(med_id),
            lambda now: self.journal.delete_medication(med_id, now, with_dependents=True),
            self.reload,
            instead=instead,
        )

    def action_stop_medication(self) -> None:
        med = self.selected()
        if med is None or not self.can_write():
            return
        now = self.clock.now()
        if med.state(now, now.astimezone(self.zone).date()) in (
            MedicationState.STOPPED,
            MedicationState.ENDED,
        ):
            self.notify(f"{med.name} is not being taken now, so there is nothing to stop.", markup=False)
            return

        med_id = med.id
        assert med_id is not None

        async def answered(stop: bool | None) -> None:
            if not stop:
                return
            at = self.clock.now()
            ok, _ = self.write(lambda: self.journal.stop_medication(med_id, at, at))
            if ok:
                self.notify(
                    f"{med.name} stopped. Its past doses stay in your journal.", title="Saved", markup=False
                )
                await self.reload()

        question = (
            f"Stop {med.name} from now on?\n\nNo more doses will be listed. Everything already "
            "logged stays in your journal, and u on the Today screen can undo this."
        )
        self.app.push_screen(ConfirmDialog(question, yes="Stop it", no="Keep it"), answered)
