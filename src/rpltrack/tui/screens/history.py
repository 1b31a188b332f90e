"""HistoryScreen: the doses of the last 30 days, newest first: logged ones, and scheduled ones missed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from rpltrack.domain.medspec import parse_local_datetime
from rpltrack.domain.models import DoseLog, DoseStatus, Medication
from rpltrack.domain.quantities import parse_quantity
from rpltrack.store.missed import missed_doses
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import Answers, Checks, EntryForm, Field
from rpltrack.tui.screens.forms import ask_delete
from rpltrack.tui.widgets.key_bar import KeyBar

HISTORY_DAYS = 30
EMPTY_TEXT = f"Nothing logged in the last {HISTORY_DAYS} days — on Today, t marks a dose taken"
NOT_LOGGED = "That dose was not logged, so there is nothing to change: log it on Today."
STATUS_CHOICES = ((DoseStatus.TAKEN.value, "taken"), (DoseStatus.SKIPPED.value, "skipped"))
DOSE_FIELDS = (
    Field("status", "It was", choices=STATUS_CHOICES),
    Field("at", "Taken at", "YYYY-MM-DD HH:MM"),
    Field("amount", "Amount", "e.g. 81 mg (empty: the scheduled dose)"),
    Field("site", "Site", "optional, where it was injected"),
    Field("reason", "Reason", "optional, why it was skipped"),
    Field("note", "Note", "optional"),
)


class HistoryScreen(SectionScreen):
    """Every dose of the last 30 days, logged or missed: when it was due, and what happened."""

    CSS_PATH = SECTIONS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit_dose", "Edit", id="dose-edit"),
        Binding("d", "delete_dose", "Delete", id="dose-delete"),
        Binding("delete", "delete_dose", "Delete", show=False, id="dose-delete-key"),
        *go_keys("history"),
        *SECTION_KEYS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.logged: dict[str, tuple[DoseLog, Medication]] = {}  # row key -> the logged dose shown there

    def compose(self) -> ComposeResult:
        yield Static(f"Dose log, last {HISTORY_DAYS} days", id="history-title", classes="top-line")
        yield from self.readonly_banner()
        table: DataTable[Text] = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        for label in ("Day", "Due", "Medication", "Amount", "What happened", "Site"):
            table.add_column(label, key=label.lower())
        yield table
        yield Static(EMPTY_TEXT, id="history-empty")
        yield KeyBar()

    async def reload(self) -> None:
        now = self.clock.now()
        start, end = now - timedelta(days=HISTORY_DAYS), now + timedelta(days=1)
        logged = self.journal.dose_log(start, end)
        self.logged = {str(log.id): (log, med) for log, med in logged}
        rows = [
            (log.slot_at or log.taken_at or log.logged_at, str(log.id), fmt.history_row(log, med, self.zone))
            for log, med in logged
        ]
        rows += [
            (view.sort_at, f"missed-{n}", fmt.missed_row(view, self.zone))
            for n, view in enumerate(missed_doses(self.journal, start, end, self.zone, now))
        ]
        rows.sort(key=lambda row: row[0])  # by the instant, wherever each was logged
        table = self.query_one("#history", DataTable)
        selected = self.selected_key()
        table.clear()
        for _, key, cells in reversed(rows):
            table.add_row(*fmt.cells(*cells), key=key)
        if selected in {key for _, key, _ in rows}:
            table.move_cursor(row=table.get_row_index(selected), animate=False)
        self.set_class(not rows, "-empty")

    # -- changing and deleting a logged dose -----------------------------------------------------------

    def selected_key(self) -> str | None:
        table = self.query_one("#history", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def selected(self) -> tuple[DoseLog, Medication] | None:
        key = self.selected_key()
        if key is None:
            self.notify(EMPTY_TEXT, title="History")
            return None
        if key not in self.logged:
            self.notify(NOT_LOGGED, title="History")
            return None
        return self.logged[key]

    def words(self, log: DoseLog, med: Medication) -> str:
        """'aspirin of Mon 23 Nov 08:00, taken 08:10': one logged dose in plain words."""
        at = (log.slot_at or log.taken_at or log.logged_at).astimezone(self.zone)
        state = log.status.value
        if log.status is DoseStatus.TAKEN and log.taken_at is not None:
            state += f" {log.taken_at.astimezone(self.zone):%H:%M}"
        return f"{med.name} of {fmt.long_day(at.date())} {at:%H:%M}, {state}"

    def action_edit_dose(self) -> None:
        chosen = self.selected()
        if chosen is None or not self.can_write():
            return
        log, med = chosen
        assert log.id is not None
        dose_id = log.id
        taken = log.taken_at.astimezone(self.zone) if log.taken_at else None
        initial = {
            "status": log.status.value,
            "at": f"{taken:%Y-%m-%d %H:%M}" if taken else "",
            "amount": str(log.amount) if log.amount else "",
            "site": log.site or "",
            "reason": log.reason,
            "note": log.note,
        }

        def submit(entered: dict[str, str], answers: Answers) -> DoseLog:
            checks = Checks()
            fields: dict[str, Any] = {"note": entered["note"], "reason": entered["reason"]}
            status = DoseStatus(entered["status"] or log.status.value)
            fields["status"] = status
            if status is DoseStatus.TAKEN:
                if entered["at"].strip() and entered["at"].strip() != initial["at"]:
                    with checks.on("at"):
                        fields["taken_at"] = parse_local_datetime(entered["at"], self.zone)
                if entered["amount"].strip() != initial["amount"]:
                    unit = log.amount.unit if log.amount else None
                    with checks.on("amount"):
                        text = entered["amount"].strip()
                        fields["amount"] = parse_quantity(text, unit) if text else None
                if entered["site"].strip() != initial["site"]:
                    fields["site"] = entered["site"]
            checks.done()
            return self.journal.edit_dose(dose_id, self.clock.now(), **fields)

        async def done(saved: DoseLog | None) -> None:
            if saved is None:
                return
            await self.reload()
            self.announce(f"Changed {self.words(saved, med)}", self.clock.now())

        title = f"Change the {med.name} dose"
        self.app.push_screen(
            EntryForm(title, DOSE_FIELDS, submit, initial=initial, form_id="dose-form"), done
        )

    def action_delete_dose(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        log, med = chosen
        assert log.id is not None
        dose_id = log.id
        ask_delete(
            self,
            f"the log of {self.words(log, med)}",
            lambda: self.journal.dependents_of_dose(dose_id),
            lambda now: self.journal.delete_dose(dose_id, now, with_dependents=True),
            self.reload,
        )
