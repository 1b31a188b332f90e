"""CycleStep: the welcome flow's second step, her current treatment cycle: its kind from a list, then CD1
and, once it has happened, the transfer, checked as `rpltrack cycle add` and `transfer add` check them. A
cycle recorded already is shown as it is (it is changed on Cycles)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from rpltrack.domain.cycles import CYCLE_KIND_WORDS, Cycle, CycleKind, Transfer
from rpltrack.domain.datetext import parse_past_date
from rpltrack.domain.errors import ValidationError
from rpltrack.store.db import JournalError
from rpltrack.tui.errors import app_text
from rpltrack.tui.screens.entry_form import Checks, FieldErrors
from rpltrack.tui.screens.welcome_base import (
    SAVE,
    SKIP_STEP,
    WelcomeStep,
    field_row,
    step_buttons,
    write_failed,
)
from rpltrack.tui.screens.welcome_steps import (
    CYCLE_FIELDS,
    CYCLE_TEXT,
    NO_CYCLE,
    TRANSFER_KINDS,
    Pane,
    cycle_words,
)

NOT_IN_A_CYCLE = "not in a cycle right now"


class CycleStep(WelcomeStep):
    """The kinds of cycle (and "Not in a cycle right now"), the dates of the one chosen, Save and continue,
    Skip and Back. Nothing is written while any field is wrong; the cycle and its transfer are on disk
    before the next step shows."""

    BINDINGS: ClassVar[list[BindingType]] = [SKIP_STEP, SAVE]

    def __init__(self) -> None:
        super().__init__(id="cycle")
        self.saved_cycle: Cycle | None = None  # the cycle saved here (a failed transfer is tried alone again)
        self.answer = ""  # what Done says when no cycle is current: what she answered here

    def compose(self) -> ComposeResult:
        with Pane(classes="welcome-pane"):
            yield Static(CYCLE_TEXT, id="cycle-text", classes="welcome-text", markup=False)
            yield Static("", id="cycle-recorded", classes="welcome-text", markup=False)
            options = [Option("Not in a cycle right now", id=NO_CYCLE)]
            options += [
                Option(words[0].upper() + words[1:], id=kind.value)
                for kind, words in CYCLE_KIND_WORDS.items()
            ]
            yield OptionList(*options, id="cycle-kind", markup=False)
            for field, label, hint, value in CYCLE_FIELDS:
                yield from field_row(f"cycle-{field}", label, hint, value=value, classes="cycle-field")
            yield from step_buttons("cycle", "Save and continue", back=True)

    def prepare(self) -> None:
        """A cycle already recorded is shown as it is (it is changed on Cycles); else the form."""
        cycle = self.current_cycle()
        self.query_one("#cycle-recorded", Static).update(
            f"Your current cycle: {cycle_words(cycle)}. You can change it on Cycles (c) after set-up."
            if cycle
            else ""
        )
        self.set_class(cycle is not None, "-cycle-recorded")
        self.query_one("#cycle-save", Button).label = "Continue" if cycle else "Save and continue"
        self.show_cycle_fields()

    def first_focus(self) -> Widget:
        return self.query_one("#cycle-kind" if self.current_cycle() is None else "#cycle-save")

    def chosen_kind(self) -> CycleKind | None:
        options = self.query_one("#cycle-kind", OptionList)
        if options.highlighted is None:
            return None
        chosen = options.get_option_at_index(options.highlighted).id
        return None if chosen in (None, NO_CYCLE) else CycleKind(chosen)

    def show_cycle_fields(self) -> None:
        kind = self.chosen_kind()
        recorded = self.current_cycle() is not None
        self.query_one("#row-cycle-cd1").display = kind is not None and not recorded
        for field in ("transfer", "embryo-day"):
            self.query_one(f"#row-cycle-{field}").display = kind in TRANSFER_KINDS and not recorded

    def not_in_a_cycle(self) -> None:
        self.answer = NOT_IN_A_CYCLE
        self.done()

    @on(OptionList.OptionHighlighted, "#cycle-kind")
    def _kind_highlighted(self) -> None:
        self.show_cycle_fields()

    @on(OptionList.OptionSelected, "#cycle-kind")
    def _kind_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == NO_CYCLE:
            self.not_in_a_cycle()
            return
        self.show_cycle_fields()
        self.query_one("#cycle-cd1", Input).focus()

    def action_save(self) -> None:
        """Check the dates (as `rpltrack cycle add` and `transfer add` do), then save the cycle and its
        transfer. Nothing is written while any field is wrong."""
        self.clear_errors()
        if self.current_cycle() is not None:
            self.done()
            return
        kind = self.chosen_kind()
        if kind is None:
            self.not_in_a_cycle()
            return
        today = self.clock.today()
        cd1_text = self.query_one("#cycle-cd1", Input).value
        transfer_text = self.query_one("#cycle-transfer", Input).value.strip()
        day_text = self.query_one("#cycle-embryo-day", Input).value.strip()
        checks = Checks()
        with checks.on("cd1"):
            cd1 = parse_past_date(cd1_text, today, "cd1")
        transfer_on = None
        if transfer_text and kind in TRANSFER_KINDS:
            with checks.on("transfer"):
                transfer_on = parse_past_date(transfer_text, today, "transfer")
            if not day_text.isdigit():
                checks.fail(
                    "embryo_day",
                    f"the embryo's day is 3, 5, 6 or 7 as your clinic charts it, not {day_text!r}",
                )
        try:
            checks.done()
            cycle = Cycle(kind, cd1)
            transfer = None
            if transfer_on is not None:
                try:
                    transfer = Transfer(transfer_on, int(day_text))
                except ValidationError as exc:
                    checks.fail("embryo_day", app_text(exc))
                checks.done()
                assert transfer is not None
                try:
                    cycle.check_transfer(transfer)
                except ValidationError as exc:
                    checks.fail("transfer", app_text(exc))
                checks.done()
        except FieldErrors as exc:
            first = True
            for name, message in exc.errors.items():
                name = name if name in ("cd1", "transfer", "embryo_day") else "cd1"
                self.field_error("cycle-" + name.replace("_", "-"), message, focus=first)
                first = False
            return
        now = self.clock.now()
        try:
            saved = self.saved_cycle
            if saved is None or (saved.kind, saved.cd1) != (cycle.kind, cycle.cd1):
                saved = self.journal.add_cycle(cycle, now)
                self.saved_cycle = saved
            if transfer is not None and saved.id is not None:
                saved = self.journal.add_transfer(saved.id, transfer, now)
        except (JournalError, ValidationError) as exc:
            words = write_failed(exc)
            if isinstance(exc, ValidationError) and exc.field == "cd1":
                self.field_error("cycle-cd1", words)
            else:
                kept = " The cycle itself was saved." if self.saved_cycle is not None else ""
                self.pane_error("cycle", words + kept)
            return
        self.done()
