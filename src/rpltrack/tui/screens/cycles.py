"""CyclesScreen: current and past cycles, newest first, each with its transfers and events as a timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

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
from rpltrack.domain.datetext import parse_past_date
from rpltrack.domain.dating import EMBRYO_DAYS
from rpltrack.domain.records import replace
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import Answers, Checks, EntryForm, Field, optional
from rpltrack.tui.screens.forms import ConfirmDialog, Picker, ask_delete
from rpltrack.tui.widgets.key_bar import KeyBar

EMPTY_TEXT = "No cycles yet — press n to start one"
END_EDIT_FIELDS = (
    Field("ended", "Last day", "YYYY-MM-DD (empty: the cycle goes on)"),
    Field("outcome", "Outcome", "optional, in your words"),
)

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
        text.append("\n   nothing recorded yet: a adds an event, t a transfer", style="dim")
    if not last:
        text.append("\n")  # a blank line between cycles, inside the option so it is not a stop of its own
    return Option(text, id=str(cycle.id))


class CyclesScreen(SectionScreen):
    """Every cycle, newest first; forms to start one and to add to or end the highlighted one."""

    CSS_PATH = SECTIONS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_cycle", "New cycle", id="cycle-new"),
        Binding("a", "add_event", "Event", id="cycle-event"),
        Binding("t", "add_transfer", "Transfer", id="cycle-transfer"),
        Binding("x", "end_cycle", "End cycle", id="cycle-end"),
        Binding("e", "edit", "Edit", id="cycle-edit"),
        Binding("d", "delete", "Delete", id="cycle-delete"),
        Binding("delete", "delete", "Delete", show=False, id="cycle-delete-key"),
        *go_keys("cycles"),
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
        # The dating goes beside the cycle it is counted from (an ongoing pregnancy's own, not a newer one).
        dated = self.journal.dating_cycle_on(today)
        current, label = None, ""
        if dated is not None:
            current = dated[0]
            label = current.dating_on(today, pregnant=dated[1]).label()
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
        self.announce(words, self.clock.now())
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

        def submit(entered: dict[str, str], answers: Answers) -> Cycle:
            return self.journal.add_cycle(read_cycle(entered, today), self.clock.now(), **answers.given())

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

        def submit(entered: dict[str, str], answers: Answers) -> Cycle:
            return self.journal.add_event(cycle_id, read_event(entered, today), self.clock.now())

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

        def submit(entered: dict[str, str], answers: Answers) -> Cycle:
            return self.journal.add_transfer(cycle_id, read_transfer(entered, today), self.clock.now())

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

        def submit(entered: dict[str, str], answers: Answers) -> tuple[date, str]:
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

    # -- changing and deleting ------------------------------------------------------------------------

    def choose_entry(self, verb: str, then: Callable[[Cycle, str], None]) -> None:
        """What to change or delete in the highlighted cycle: the cycle itself, or one of its transfers or
        events (a picker, the cycle first); a cycle with nothing recorded goes straight to it."""
        cycle = self.selected()
        if cycle is None or cycle.id is None:
            return
        choices = [("cycle", f"The cycle: {fmt.cycle_heading(cycle)}, CD1 {fmt.long_day(cycle.cd1)}")]
        choices += [
            (f"transfer-{t.id}", f"{fmt.long_day(t.on)}  {fmt.transfer_text(t)}") for t in cycle.transfers
        ]
        choices += [(f"event-{e.id}", f"{fmt.long_day(e.on)}  {fmt.event_text(e)}") for e in cycle.events]
        if len(choices) == 1:
            then(cycle, "cycle")
            return

        def picked(key: str | None) -> None:
            if key is not None:
                then(cycle, key)

        self.app.push_screen(Picker(f"What {verb}?", choices), picked)

    def action_edit(self) -> None:
        if self.can_write():
            self.choose_entry("to change", self.edit_entry)

    def action_delete(self) -> None:
        self.choose_entry("to delete", self.delete_entry)

    def edit_entry(self, cycle: Cycle, key: str) -> None:
        today = self.clock.today()
        assert cycle.id is not None
        cycle_id = cycle.id
        if key == "cycle":
            fields = CYCLE_FIELDS + (END_EDIT_FIELDS if cycle.ended_on is not None else ())

            def submit(entered: dict[str, str], answers: Answers) -> object:
                changed = read_cycle(entered, today)
                values: dict[str, Any] = {
                    "kind": changed.kind,
                    "cd1": changed.cd1,
                    "clinic": changed.clinic,
                    "notes": changed.notes,
                }
                if cycle.ended_on is not None:
                    checks = Checks()
                    with checks.on("ended"):
                        text = entered["ended"].strip()
                        values["ended_on"] = parse_past_date(text, today, "ended") if text else None
                    checks.done()
                    values["outcome"] = optional(entered["outcome"])
                return self.journal.edit_cycle(cycle_id, self.clock.now(), **values)

            initial = {
                "kind": cycle.kind.value,
                "cd1": cycle.cd1.isoformat(),
                "clinic": cycle.clinic,
                "notes": cycle.notes,
                "ended": cycle.ended_on.isoformat() if cycle.ended_on else "",
                "outcome": cycle.outcome,
            }
            self.open_edit("Change the cycle", fields, submit, initial, "cycle-form", cycle_id)
            return
        kind, _, number = key.partition("-")
        entry_id = int(number)
        if kind == "transfer":
            (transfer,) = (t for t in cycle.transfers if t.id == entry_id)

            def submit_transfer(entered: dict[str, str], answers: Answers) -> object:
                changed = read_transfer(entered, today)
                return self.journal.edit_transfer(
                    entry_id,
                    self.clock.now(),
                    on=changed.on,
                    embryo_day=changed.embryo_day,
                    embryo_count=changed.embryo_count,
                    grade=changed.grade,
                    pgt=changed.pgt,
                )

            initial = {
                "date": transfer.on.isoformat(),
                "embryo_day": str(transfer.embryo_day),
                "count": str(transfer.embryo_count),
                "grade": transfer.grade,
                "pgt": transfer.pgt,
            }
            self.open_edit(
                "Change the transfer", TRANSFER_FIELDS, submit_transfer, initial, "transfer-form", cycle_id
            )
            return
        (event,) = (e for e in cycle.events if e.id == entry_id)

        def submit_event(entered: dict[str, str], answers: Answers) -> object:
            changed = read_event(entered, today)
            return self.journal.edit_event(
                entry_id, self.clock.now(), kind=changed.kind, on=changed.on, note=changed.note
            )

        fields = EVENT_FIELDS
        if event.kind is EventKind.TRANSFER:  # an event of its own kind, kept so when it is changed
            words = fmt.EVENT_WORDS[EventKind.TRANSFER]
            fields = (Field("kind", "Event", choices=((EventKind.TRANSFER.value, words),)), *EVENT_FIELDS[1:])
        initial = {"kind": event.kind.value, "date": event.on.isoformat(), "note": event.note}
        self.open_edit("Change the event", fields, submit_event, initial, "event-form", cycle_id)

    def open_edit(
        self,
        title: str,
        fields: tuple[Field, ...],
        submit: Callable[[dict[str, str], Answers], object],
        initial: dict[str, str],
        form_id: str,
        cycle_id: int,
    ) -> None:
        async def done(saved: object | None) -> None:
            if saved is None:
                return
            await self.reload()
            self.follow(cycle_id)
            self.announce(f"{title.replace('Change', 'Changed', 1)}", self.clock.now())

        self.app.push_screen(EntryForm(title, fields, submit, initial=initial, form_id=form_id), done)

    async def select_by_id(self, entry_id: int) -> bool:
        """Select cycle `entry_id` (a search result); False when it is not listed."""
        options = self.query_one("#cycles", OptionList)
        if not any(options.get_option_at_index(n).id == str(entry_id) for n in range(options.option_count)):
            return False
        self.follow(entry_id)
        options.focus()
        return True

    def follow(self, cycle_id: int) -> None:
        options = self.query_one("#cycles", OptionList)
        for index in range(options.option_count):
            if options.get_option_at_index(index).id == str(cycle_id):
                options.highlighted = index

    def delete_entry(self, cycle: Cycle, key: str) -> None:
        journal = self.journal
        if key == "cycle":
            assert cycle.id is not None
            cycle_id = cycle.id
            what = f"the {CYCLE_KIND_WORDS[cycle.kind]} cycle from CD1 {fmt.long_day(cycle.cd1)}"
            if cycle.clinic:
                what += f" ({cycle.clinic})"
            ask_delete(
                self,
                what,
                lambda: journal.dependents_of_cycle(cycle_id),
                lambda now: journal.delete_cycle(cycle_id, now, with_dependents=True),
                self.reload,
            )
            return
        kind, _, number = key.partition("-")
        entry_id = int(number)
        if kind == "transfer":
            (transfer,) = (t for t in cycle.transfers if t.id == entry_id)
            ask_delete(
                self,
                f"the transfer of {fmt.long_day(transfer.on)} ({fmt.transfer_text(transfer)})",
                lambda: journal.dependents_of_transfer(entry_id),
                lambda now: journal.delete_transfer(entry_id, now, with_dependents=True),
                self.reload,
            )
            return
        (event,) = (e for e in cycle.events if e.id == entry_id)
        ask_delete(
            self,
            f"the event of {fmt.long_day(event.on)} ({fmt.event_text(event)})",
            lambda: journal.dependents_of_event(entry_id),
            lambda now: journal.delete_event(entry_id, now, with_dependents=True),
            self.reload,
        )


def read_cycle(entered: dict[str, str], today: date) -> Cycle:
    """The cycle form's text as a Cycle; every field that cannot be read is said at once."""
    checks = Checks()
    if not entered["kind"]:
        checks.fail("kind", "choose the kind of cycle")
    with checks.on("cd1"):
        cd1 = parse_past_date(entered["cd1"], today, "cd1")
    checks.done()
    return Cycle(
        parse_cycle_kind(entered["kind"]), cd1, optional(entered["clinic"]), optional(entered["notes"])
    )


def read_event(entered: dict[str, str], today: date) -> CycleEvent:
    checks = Checks()
    if not entered["kind"]:
        checks.fail("kind", "choose what happened")
    with checks.on("date"):
        on = parse_past_date(entered["date"], today)
    checks.done()
    return CycleEvent(parse_event_kind(entered["kind"]), on, optional(entered["note"]))


def read_transfer(entered: dict[str, str], today: date) -> Transfer:
    checks = Checks()
    with checks.on("date"):
        on = parse_past_date(entered["date"], today)
    count_text = entered["count"].strip() or "1"
    if not count_text.isdigit():
        checks.fail("count", f"the number of embryos is a whole number, 1 to 5, not {count_text!r}")
    if not entered["embryo_day"]:
        checks.fail("embryo_day", "choose the embryo's day as your clinic charts it")
    checks.done()
    return Transfer(
        on, int(entered["embryo_day"]), int(count_text), optional(entered["grade"]), optional(entered["pgt"])
    )
