"""HistoryScreen: every dose, newest first, as far back as the journal goes (#18): logged ones, and scheduled
ones missed. Filtered by medication (all its courses), state (taken, skipped, missed, logged later), kind and
dates (f opens the filters), read a page at a time as `rpltrack log --limit` reads them, so ten years stay
instant: moving to the end of the list (PageDown, ↓ or End) loads the older ones.

Pages are read in a thread with their own connection: a page of missed doses alone can take a tenth of a
second on ten years of data (measured: 6-20 ms for a page of every dose or of one medication, up to 150 ms for
missed doses alone), and the screen stays responsive meanwhile."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from rpltrack.domain.datetext import parse_date, parse_local_datetime
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseLog, DoseStatus, Medication
from rpltrack.domain.quantities import parse_quantity
from rpltrack.domain.records import record
from rpltrack.store.db import JournalError
from rpltrack.store.doses import HistoryEntry, HistoryFilter, HistoryPage
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import Answers, Checks, EntryForm, Field
from rpltrack.tui.screens.forms import ask_delete
from rpltrack.tui.widgets.key_bar import KeyBar

PAGE = 50  # entries read at a time (what `rpltrack log --limit 50` reads first)
LOAD_WITHIN = 5  # rows from the end of the list at which the next (older) page is read
EMPTY_TEXT = "Nothing logged yet — on Today, t marks a dose taken"
EMPTY_FILTERED = "No doses match these filters — f changes them, c clears them"
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
# The states as she types them in the filter form, and the store's word for each.
STATE_WORDS = {
    "taken": "taken",
    "skipped": "skipped",
    "missed": "missed",
    "logged later": "late",
    "late": "late",
}
KIND_CHOICES = (("", "every dose"), ("scheduled", "scheduled doses"), ("as-needed", "as-needed doses"))
FILTER_FIELDS = (
    Field("med", "Medication", "a name, brand or id (empty: all)"),
    Field("states", "States", "taken, skipped, missed, logged later (empty: all)"),
    Field("kind", "Kind", choices=KIND_CHOICES),
    Field("from", "From", "YYYY-MM-DD (empty: the first dose)"),
    Field("to", "To", "YYYY-MM-DD (empty: today)"),
)
# The earliest instant History reads from when no first day is given (before any medication can start).
ALL_TIME = datetime(1900, 1, 1, tzinfo=UTC)


@record(frozen=True)
class HistoryChoice:
    """The filters she chose: a medication (her words, and the ids of all its courses), states, a kind, and
    first and last days (None: no limit)."""

    med: str = ""
    medication_ids: tuple[int, ...] = ()
    states: tuple[str, ...] = ()
    kind: str = ""
    first: date | None = None
    last: date | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.med or self.states or self.kind or self.first or self.last)

    def words(self) -> str:
        """'aspirin · missed · from 1 Jan 2025': the filters in force, or 'every dose'."""
        parts = [fmt.shown(self.med)] if self.med else []
        if self.states:
            parts.append(", ".join("logged later" if s == "late" else s for s in self.states))
        if self.kind:
            parts.append(dict(KIND_CHOICES)[self.kind])
        if self.first and self.last:
            parts.append(f"{fmt.long_day(self.first)} to {fmt.long_day(self.last)}")
        elif self.first:
            parts.append(f"from {fmt.long_day(self.first)}")
        elif self.last:
            parts.append(f"up to {fmt.long_day(self.last)}")
        return " · ".join(parts) if parts else "every dose"


def read_states(text: str) -> tuple[str, ...]:
    """'taken, logged later' -> ('taken', 'late'); a word it does not know is a ValidationError."""
    found: list[str] = []
    for word in (" ".join(w.split()).lower() for w in text.split(",")):
        if not word:
            continue
        if word not in STATE_WORDS:
            raise ValidationError(
                f"'{fmt.shown(word[:40])}' is not a state: use taken, skipped, missed or logged later, "
                "separated by commas",
                field="states",
            )
        found.append(STATE_WORDS[word])
    return tuple(dict.fromkeys(found))


class HistoryScreen(SectionScreen):
    """Every dose, logged or missed, newest first, filtered and read a page at a time."""

    CSS_PATH = SECTIONS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit_dose", "Edit", id="dose-edit"),
        Binding("d", "delete_dose", "Delete", id="dose-delete"),
        Binding("delete", "delete_dose", "Delete", show=False, id="dose-delete-key"),
        Binding(
            "f",
            "filter",
            "Filter",
            tooltip="choose a medication, states, a kind and dates",
            id="history-filter",
        ),
        Binding(
            "c",
            "clear_filters",
            "Clear filters",
            show=False,
            tooltip="show every dose again",
            id="history-clear",
        ),
        Binding("m", "month", "Month", tooltip="the month of doses taken, day by day", id="history-month"),
        *go_keys("history"),
        *SECTION_KEYS,
    ]

    PALETTE_ALSO: ClassVar[frozenset[str]] = frozenset({"history-clear"})

    def __init__(self) -> None:
        super().__init__()
        self.logged: dict[str, tuple[DoseLog, Medication]] = {}  # row key -> the logged dose shown there
        self.choice = HistoryChoice()
        self.entries: list[HistoryEntry] = []
        self.before: datetime | None = None  # where the next (older) page starts; None: all read
        self.generation = 0  # a page read for older filters (or an older read) is dropped
        self.loading = False
        self.select_dose: int | None = None  # a dose to select once its page is shown (from a search)
        self.keep_key: str | None = None  # the row highlighted before a read again

    def compose(self) -> ComposeResult:
        yield Static("Dose history · every dose", id="history-title", classes="top-line", markup=False)
        yield from self.readonly_banner()
        table: DataTable[Text] = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        for label in ("Day", "Due", "Medication", "Amount", "What happened", "Site"):
            table.add_column(label, key=label.lower())
        yield table
        yield Static(EMPTY_TEXT, id="history-empty", markup=False)
        yield Static(id="history-more", markup=False)
        yield KeyBar()

    # -- reading ----------------------------------------------------------------------------------------

    def wanted(self, now: datetime) -> HistoryFilter:
        """The store's filter for her choice: from the first day (or all time) to the end of the last day
        (or a day after now: doses logged up to now; missed ones are worked out only up to now)."""
        from rpltrack.domain.schedule import day_bounds

        start = day_bounds(self.choice.first, self.zone)[0] if self.choice.first else ALL_TIME
        end = day_bounds(self.choice.last, self.zone)[1] if self.choice.last else now + timedelta(days=1)
        kinds = (self.choice.kind,) if self.choice.kind else ()
        return HistoryFilter(start, end, self.choice.medication_ids, self.choice.states, kinds)

    async def reload(self) -> None:
        """Read the newest page again (the highlighted row stays highlighted if it is still there)."""
        self.keep_key = self.selected_key()
        await self.read_newest()

    async def read_newest(self) -> None:
        self.generation += 1
        generation = self.generation
        page = await self.fetch(self.wanted(self.clock.now()), None)
        if page is not None:
            self.show_page(generation, page, older=False)

    async def read_older(self) -> None:
        if self.before is None or self.loading:
            return
        generation = self.generation
        page = await self.fetch(self.wanted(self.clock.now()), self.before)
        if page is not None:
            self.show_page(generation, page, older=True)

    async def fetch(self, wanted: HistoryFilter, before: datetime | None) -> HistoryPage | None:
        """One page, read in a thread with its own connection (a SQLite connection belongs to its thread)
        while the screen stays responsive; None (said gently) when it cannot be read."""
        self.loading = True
        path, zone, now = self.journal.path, self.zone, self.clock.now()

        def read() -> HistoryPage:
            from rpltrack.store.journal import Journal

            with Journal.open(path, now=now) as journal:
                return journal.history_page(wanted, zone, now, before=before, limit=PAGE)

        try:
            return await asyncio.to_thread(read)
        except (JournalError, ValidationError) as exc:
            self.notify(f"History could not be read: {exc}", title="History", severity="error", markup=False)
            return None
        finally:
            self.loading = False

    def show_page(self, generation: int, page: HistoryPage, older: bool) -> None:
        if generation != self.generation:
            return
        self.loading = False
        table = self.query_one("#history", DataTable)
        if not older:
            self.entries, self.logged = [], {}
            table.clear()
        self.entries += page.entries
        self.before = page.before
        this_year = self.clock.now().astimezone(self.zone).year
        for entry in page.entries:
            key, cells = self.row(entry, this_year)
            if key in table.rows:
                continue  # doses of one instant kept together may end one page and start the next
            table.add_row(*fmt.cells(*cells), key=key)
        self.set_class(not self.entries, "-empty")
        self.query_one("#history-empty", Static).update(
            EMPTY_FILTERED if self.choice.filtered else EMPTY_TEXT
        )
        self.query_one("#history-title", Static).update(f"Dose history · {self.choice.words()}")
        self.query_one("#history-more", Static).update(self.more_words())
        if not older:
            keep = self.keep_key
            self.keep_key = None
            if keep is not None and keep in table.rows:
                table.move_cursor(row=table.get_row_index(keep), animate=False)
        if self.select_dose is not None:
            self.select_pending()
        if self.entries and self.focused is None:
            table.focus()

    def more_words(self) -> str:
        count = len(self.entries)
        if not count:
            return ""
        doses = "dose" if count == 1 else "doses"
        if self.before is not None:
            return f"The newest {count} {doses} — older ones load as you reach the end (PageDown)."
        return f"All {count} {doses}." if self.choice.filtered else f"All {count} {doses}, back to the first."

    def row(self, entry: HistoryEntry, this_year: int) -> tuple[str, fmt.HistoryRow]:
        if entry.log is not None:
            log = entry.log
            assert log.id is not None
            self.logged[str(log.id)] = (log, entry.medication)
            key, cells = str(log.id), fmt.history_row(log, entry.medication, self.zone)
        else:
            assert entry.view is not None
            key = f"missed-{entry.medication.id}-{entry.at.isoformat()}"
            cells = fmt.missed_row(entry.view, self.zone)
        if entry.at.astimezone(self.zone).year != this_year:
            cells = (f"{cells[0]} {entry.at.astimezone(self.zone).year}", *cells[1:])
        return key, cells

    @on(DataTable.RowHighlighted, "#history")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Near the end of what is read, read the next (older) page."""
        table = self.query_one("#history", DataTable)
        if self.before is not None and not self.loading and event.cursor_row >= table.row_count - LOAD_WITHIN:
            self.run_worker(self.read_older(), group="history-older", exclusive=True)

    # -- filters ------------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        choice = self.choice
        initial = {
            "med": choice.med,
            "states": ", ".join("logged later" if s == "late" else s for s in choice.states),
            "kind": choice.kind,
            "from": choice.first.isoformat() if choice.first else "",
            "to": choice.last.isoformat() if choice.last else "",
        }

        def submit(entered: dict[str, str], answers: Answers) -> HistoryChoice:
            checks = Checks()
            med = " ".join(entered["med"].split())
            ids: tuple[int, ...] = ()
            first = last = None
            states: tuple[str, ...] = ()
            if med:
                with checks.on("med"):
                    ids = self.journal.medication_ids_named(med)
            with checks.on("states"):
                states = read_states(entered["states"])
            if entered["from"].strip():
                with checks.on("from"):
                    first = parse_date(entered["from"], "from")
            if entered["to"].strip():
                with checks.on("to"):
                    last = parse_date(entered["to"], "to")
            if first and last and first > last:
                checks.fail("from", f"{fmt.long_day(first)} is after the last day, {fmt.long_day(last)}")
            checks.done()
            return HistoryChoice(med, ids, states, entered["kind"], first, last)

        async def done(chosen: HistoryChoice | None) -> None:
            if chosen is not None:
                await self.apply(chosen)

        form = EntryForm(
            "Which doses?",
            FILTER_FIELDS,
            submit,
            initial=initial,
            intro="Leave a field empty to show every dose of it.",
            save_label="Show",
            form_id="history-filter-form",
        )
        self.app.push_screen(form, done)

    async def apply(self, choice: HistoryChoice) -> None:
        """Show the doses `choice` picks, from the newest."""
        self.choice = choice
        self.keep_key = None
        self.query_one("#history", DataTable).clear()
        await self.read_newest()

    async def action_clear_filters(self) -> None:
        if self.choice.filtered:
            await self.apply(HistoryChoice())

    def action_month(self) -> None:
        from rpltrack.tui.screens.adherence import AdherenceScreen

        self.app.push_screen(AdherenceScreen())

    async def select_by_id(self, entry_id: int) -> bool:
        """Select the logged dose `entry_id` (a search result): the list shows every dose up to its day,
        so it is on the first page read, and is selected once that page is shown."""
        try:
            log = self.journal.dose(entry_id)
        except ValidationError:
            return False
        at = (log.slot_at or log.taken_at or log.logged_at).astimezone(self.zone)
        self.select_dose = entry_id
        await self.apply(HistoryChoice(last=at.date()))
        return True

    def select_pending(self) -> None:
        table = self.query_one("#history", DataTable)
        key = str(self.select_dose)
        if key in table.rows:
            self.select_dose = None
            table.move_cursor(row=table.get_row_index(key), animate=False)
            table.focus()
        elif self.before is not None and not self.loading:
            # More doses of its day than one page holds: read on.
            self.run_worker(self.read_older(), group="history-older", exclusive=True)
        elif self.before is None:
            self.select_dose = None

    # -- changing and deleting a logged dose -----------------------------------------------------------

    def selected_key(self) -> str | None:
        table = self.query_one("#history", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def selected(self) -> tuple[DoseLog, Medication] | None:
        key = self.selected_key()
        if key is None:
            self.notify(EMPTY_FILTERED if self.choice.filtered else EMPTY_TEXT, title="History")
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
