"""CyclesScreen: current and past cycles, newest first, each with its transfers and events as a timeline."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rpltrack.domain.cycles import (
    CYCLE_KIND_WORDS,
    Cycle,
    CycleEvent,
    CycleKind,
    EventKind,
    Transfer,
    parse_cycle_kind,
    parse_event_kind,
)
from rpltrack.domain.dating import EMBRYO_DAYS
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import parse_past_date
from rpltrack.domain.records import replace
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import EntryForm, Field, optional
from rpltrack.tui.screens.forms import ConfirmDialog
from rpltrack.tui.widgets.key_bar import KeyBar

EMPTY_TEXT = "No cycles yet — press n to start one"

CYCLE_FIELDS = (
    Field("kind", "Kind", choices=tuple((k.value, CYCLE_KIND_WORDS[k]) for k in CycleKind)),
    Field("cd1", "CD1", "YYYY-MM-DD, the first day of the period"),
    Field("clinic", "Clinic", "optional"),
    Field("notes", "Notes", "optional"),
)
# A transfer has its own form (f) with the embryo's day, so it is not offered as a bare event.
EVENT_FIELDS = (
    Field(
        "kind",
        "Event",
        choices=tuple((k.value, fmt.EVENT_WORDS[k]) for k in EventKind if k is not EventKind.TRANSFER),
    ),
    Field("date", "Date", "YYYY-MM-DD"),
    Field("note", "Note", "optional, e.g. first scan, lining 9 mm"),
)
TRANSFER_FIELDS = (
    Field("date", "Date", "YYYY-MM-DD"),
    Field("embryo_day", "Embryo day", choices=tuple((str(d), f"day {d}") for d in EMBRYO_DAYS)),
    Field("count", "Embryos", "how many, 1 to 5"),
    Field("grade", "Grade", "optional, as written, e.g. 4AA"),
    Field("pgt", "PGT", "optional, e.g. euploid, untested"),
)
END_FIELDS = (
    Field("date", "Last day", "YYYY-MM-DD"),
    Field("outcome", "Outcome", "optional, in your words"),
)


def cycle_option(cycle: Cycle, dating_label: str, *, last: bool) -> Option:
    """One cycle: a bold heading line (kind, clinic, CD1, where it stands), then its timeline."""
    text = Text()
    text.append(fmt.cycle_heading(cycle), style="bold")
    status = fmt.cycle_span(cycle)
    if cycle.ended_on is None and dating_label:
        status += f" · {dating_label}"
    text.append(f" · {status}", style="bold" if cycle.ended_on is None else "")
    for on, words in fmt.cycle_timeline(cycle):
        text.append(f"\n   {fmt.long_day(on):>11}   ")
        text.append(words)
    if not cycle.events and not cycle.transfers and cycle.ended_on is None:
        text.append("\n   nothing recorded yet: e adds an event, f a transfer", style="dim")
    if not last:
        text.append("\n")  # a blank line between cycles, inside the option so it is not a stop of its own
    return Option(text, id=str(cycle.id))


class CyclesScreen(SectionScreen):
    """Every cycle, newest first; forms to start one and to add to or end the highlighted one."""

    CSS_PATH = SECTIONS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_cycle", "New cycle", id="cycle-new"),
        Binding("e", "add_event", "Event", id="cycle-event"),
        Binding("f", "add_transfer", "Transfer", id="cycle-transfer"),
        Binding("x", "end_cycle", "End cycle", id="cycle-end"),
        *go_keys("cycles", skip=("flags",)),
        *SECTION_KEYS,
    ]

    def compose(self) -> ComposeResult:
        yield Static("Cycles", id="cycles-title", classes="top-line")
        yield from self.readonly_banner()
        yield OptionList(id="cycles")
        yield Static(EMPTY_TEXT, id="cycles-empty")
        yield KeyBar()

    async def reload(self) -> None:
        today = self.clock.today()
        cycles = self.journal.cycles()
        current = self.journal.cycle_on(today)
        dating = self.journal.dating_on(today)
        label = dating.label() if dating is not None and current is not None else ""
        options = self.query_one("#cycles", OptionList)
        keep = self.selected_id()
        options.clear_options()
        options.add_options(
            cycle_option(
                c, label if current is not None and c.id == current.id else "", last=index == len(cycles) - 1
            )
            for index, c in enumerate(cycles)
        )
        ids = [c.id for c in cycles]
        if cycles:
            options.highlighted = ids.index(keep) if keep in ids else 0
            if self.focused is None:
                options.focus()
        self.set_class(not cycles, "-empty")

    def selected_id(self) -> int | None:
        options = self.query_one("#cycles", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        option_id = options.get_option_at_index(options.highlighted).id
        return int(option_id) if option_id is not None else None

    def selected(self) -> Cycle | None:
        cycle_id = self.selected_id()
        if cycle_id is None:
            self.notify("There is no cycle yet. Press n to start one.", title="Cycles")
            return None
        return self.journal.cycle(cycle_id)

    def writable_selection(self) -> Cycle | None:
        """The highlighted cycle when the journal can be written to (each says why not, gently)."""
        cycle = self.selected()
        return cycle if cycle is not None and self.can_write() else None

    async def saved(self, cycle: Cycle | None, words: str) -> None:
        if cycle is None:
            return
        self.notify(words, title="Saved", markup=False)
        await self.reload()
        if cycle.id is not None:
            options = self.query_one("#cycles", OptionList)
            for index in range(options.option_count):
                if options.get_option_at_index(index).id == str(cycle.id):
                    options.highlighted = index

    # -- forms ---------------------------------------------------------------------------------------

    def action_new_cycle(self) -> None:
        if not self.can_write():
            return
        latest = next(iter(self.journal.cycles()), None)
        today = self.clock.today()

        def submit(entered: dict[str, str]) -> Cycle:
            if not entered["kind"]:
                raise ValidationError("choose the kind of cycle", field="kind")
            cycle = Cycle(
                parse_cycle_kind(entered["kind"]),
                parse_past_date(entered["cd1"], today, "cd1"),
                optional(entered["clinic"]),
                optional(entered["notes"]),
            )
            return self.journal.add_cycle(cycle, self.clock.now())

        initial = {
            "kind": latest.kind.value if latest else "",
            "clinic": latest.clinic if latest else "",
            "cd1": today.isoformat(),
        }

        async def done(cycle: Cycle | None) -> None:
            if cycle is not None:
                words = f"{CYCLE_KIND_WORDS[cycle.kind]} cycle from CD1 {fmt.long_day(cycle.cd1)}."
                await self.saved(cycle, words[0].upper() + words[1:])

        form = EntryForm("Start a cycle", CYCLE_FIELDS, submit, initial=initial, form_id="cycle-form")
        self.app.push_screen(form, done)

    def action_add_event(self) -> None:
        cycle = self.writable_selection()
        if cycle is None or cycle.id is None:
            return
        cycle_id, today = cycle.id, self.clock.today()

        def submit(entered: dict[str, str]) -> Cycle:
            if not entered["kind"]:
                raise ValidationError("choose what happened", field="kind")
            event = CycleEvent(
                parse_event_kind(entered["kind"]),
                parse_past_date(entered["date"], today),
                optional(entered["note"]),
            )
            return self.journal.add_event(cycle_id, event, self.clock.now())

        async def done(saved: Cycle | None) -> None:
            await self.saved(saved, f"Event added to the cycle from CD1 {fmt.long_day(cycle.cd1)}.")

        form = EntryForm(
            f"Add an event · {fmt.cycle_heading(cycle)}",
            EVENT_FIELDS,
            submit,
            initial={"date": today.isoformat()},
            form_id="event-form",
        )
        self.app.push_screen(form, done)

    def action_add_transfer(self) -> None:
        cycle = self.writable_selection()
        if cycle is None or cycle.id is None:
            return
        cycle_id, today = cycle.id, self.clock.today()

        def submit(entered: dict[str, str]) -> Cycle:
            count_text = entered["count"].strip() or "1"
            if not count_text.isdigit():
                raise ValidationError(
                    f"the number of embryos is a whole number, 1 to 5, not {count_text!r}", field="count"
                )
            if not entered["embryo_day"]:
                raise ValidationError("choose the embryo's day as your clinic charts it", field="embryo_day")
            transfer = Transfer(
                parse_past_date(entered["date"], today),
                int(entered["embryo_day"]),
                int(count_text),
                optional(entered["grade"]),
                optional(entered["pgt"]),
            )
            return self.journal.add_transfer(cycle_id, transfer, self.clock.now())

        async def done(saved: Cycle | None) -> None:
            await self.saved(saved, f"Transfer added to the cycle from CD1 {fmt.long_day(cycle.cd1)}.")

        form = EntryForm(
            f"Add a transfer · {fmt.cycle_heading(cycle)}",
            TRANSFER_FIELDS,
            submit,
            initial={"date": today.isoformat(), "embryo_day": "5", "count": "1"},
            form_id="transfer-form",
        )
        self.app.push_screen(form, done)

    def action_end_cycle(self) -> None:
        cycle = self.writable_selection()
        if cycle is None:
            return
        if cycle.ended_on is not None:
            self.notify(
                f"This cycle already ended on {fmt.long_day(cycle.ended_on)}.", title="Cycles", markup=False
            )
            return
        assert cycle.id is not None
        cycle_id, today = cycle.id, self.clock.today()

        def submit(entered: dict[str, str]) -> tuple[date, str]:
            on = parse_past_date(entered["date"], today)
            replace(cycle, ended_on=on)  # checks the last day is not before CD1, beside the field
            return on, optional(entered["outcome"])

        async def answered(on: date, outcome: str, yes: bool | None) -> None:
            if not yes:
                return
            ok, ended = self.write(lambda: self.journal.end_cycle(cycle_id, on, outcome, self.clock.now()))
            if ok:
                await self.saved(
                    ended, f"The cycle from CD1 {fmt.long_day(cycle.cd1)} ended on {fmt.long_day(on)}."
                )

        def confirm(entered: tuple[date, str] | None) -> None:
            if entered is None:
                return
            on, outcome = entered
            question = (
                f"End the {CYCLE_KIND_WORDS[cycle.kind]} cycle from CD1 {fmt.long_day(cycle.cd1)} on "
                f"{fmt.long_day(on)}?\n\nIts events and transfers stay in your journal."
            )

            async def after(yes: bool | None) -> None:
                await answered(on, outcome, yes)

            self.app.push_screen(ConfirmDialog(question, yes="End it", no="Keep it open"), after)

        form = EntryForm(
            f"End the cycle · {fmt.cycle_heading(cycle)}",
            END_FIELDS,
            submit,
            initial={"date": today.isoformat()},
            save_label="Next",
            form_id="end-cycle-form",
        )
        self.app.push_screen(form, confirm)
