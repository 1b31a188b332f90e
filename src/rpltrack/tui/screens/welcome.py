"""WelcomeScreen: the first run on an empty journal (#8). What rpltrack is and is not, then four short steps
she can each skip and do later: her clinic's targets, her current cycle, her medications (a protocol template
or one by one) and reminders with the app closed; Done lands on Today.

One screen whose panes take turns (a ContentSwitcher): Escape skips the step (or, in a template, goes back to
the list), the footer says which, and a step keeps what was entered when she comes back to it. Every journal
write runs in the handler of the key that asked for it and is on disk when the pane moves on; an error is
shown beside its field and nothing is written. Installing the reminder timer runs in a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, ContentSwitcher, Input, OptionList, Static
from textual.widgets.option_list import Option

from rpltrack.domain.cycles import CYCLE_KIND_WORDS, Cycle, CycleKind, EventKind, Transfer
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import parse_past_date
from rpltrack.domain.models import Medication, MedicationState
from rpltrack.domain.protocols import MedicationRefused, MissingDoses, Template
from rpltrack.domain.settings import SETTINGS
from rpltrack.store.db import JournalError
from rpltrack.store.journal import JournalReadOnly
from rpltrack.tui import format as fmt
from rpltrack.tui.errors import app_text
from rpltrack.tui.screens.base import DIALOGS_CSS, NOT_SAVED, READ_ONLY, AppScreen
from rpltrack.tui.screens.entry_form import Checks, FieldErrors, sentence
from rpltrack.tui.screens.lock import LOCK_CSS
from rpltrack.tui.screens.welcome_lock import LATER, STEPS_WITH_LOCK, UNAVAILABLE_LINE, LockStep
from rpltrack.tui.screens.welcome_steps import (
    ABOUT,
    BACK,
    CYCLE_FIELDS,
    CYCLE_TEXT,
    DONE_TEXT,
    DOSE_HINT,
    DOSE_NEEDED,
    ESCAPE_ACTIONS,
    MEDS_HINT,
    MEDS_TEXT,
    NEXT,
    NO_CYCLE,
    NOT_CHANGED,
    NOT_NOW,
    ONE_BY_ONE,
    ONE_STEP_LEFT,
    PANES,
    PROMISE,
    REMINDERS_LATER,
    REMINDERS_TEXT,
    SAVE_PANES,
    SKIPPED_SETUP,
    STEP_COUNT,
    STEPS_TEXT,
    TARGET_KEYS,
    TARGET_NAMES,
    TARGETS_TEXT,
    TRANSFER_KINDS,
    WELCOME_HINT,
    Pane,
    cycle_words,
    done_lines,
    medication_words,
    nothing_added,
    target_hint,
    target_id,
    template_option,
    template_rows,
)
from rpltrack.tui.widgets.field_row import Field, FieldRow
from rpltrack.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from rpltrack.tui.screens.forms import MedicationForm

WELCOME_CSS = str(Path(__file__).resolve().parent.parent / "welcome.tcss")


def lock_step_offered() -> bool:
    """Whether this rpltrack can lock a journal (SQLCipher is installed): the welcome's lock step."""
    from rpltrack.store.crypto import cipher_available

    return cipher_available()


# The medications Done counts as hers now: being taken, or waiting for their start.
HELD_STATES = (MedicationState.ACTIVE, MedicationState.WAITING, MedicationState.NOT_STARTED)


class WelcomeScreen(AppScreen):
    """The first-run flow. Opened on an empty journal (RpltrackApp.on_mount) and from the palette."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, WELCOME_CSS, LOCK_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "skip_setup", "Skip set-up", id="welcome-skip-setup"),
        Binding("escape", "skip_step", "Skip this step", id="welcome-skip-step"),
        Binding("escape", "back", "Back", id="welcome-back"),
        Binding("escape", "next", "Continue", id="welcome-next"),
        Binding("escape", "finish", "Go to Today", id="welcome-finish"),
        Binding("ctrl+s", "save", "Save", id="welcome-save"),
        # Not on a step with fields: q typed there is a letter, and quitting would drop what she typed.
        Binding("q", "quit", "Quit", tooltip="quit (what you saved is kept)", id="welcome-quit"),
    ]

    def __init__(self, *, first_run: bool = True) -> None:
        super().__init__(id="welcome-screen")
        self.first_run = first_run  # False: run again on a journal set up before (from the palette)
        self.pane = "welcome"
        self.templates: list[Template] = []
        self.template: Template | None = None
        self.saved_cycle: Cycle | None = None  # the cycle saved here (a failed transfer is tried alone again)
        self.added: list[Medication] = []
        self.summary: dict[str, str] = {}
        self.install_done = False  # the reminders step has said what installing did
        self.hints: dict[str, str] = {}  # input id -> the words beside it when it has no error
        # Locking is offered as a fifth step where SQLCipher is there (#17); else Done says how to add it.
        self.lock_offered = lock_step_offered()

    # -- layout ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="welcome-top", classes="top-line", markup=False)
        with ContentSwitcher(initial="welcome", id="welcome-panes"):
            with Pane(id="welcome", classes="welcome-pane"):
                yield Static(ABOUT, classes="welcome-text", markup=False)
                yield Static(PROMISE, id="welcome-promise", classes="welcome-text", markup=False)
                yield Static(
                    STEPS_WITH_LOCK if self.lock_offered else STEPS_TEXT, classes="welcome-text", markup=False
                )
                with Horizontal(classes="form-buttons"):
                    yield Button("Start set-up", variant="primary", id="start")
                    yield Button("Skip set-up", id="skip-setup")
                yield Static(WELCOME_HINT, classes="dialog-hint", markup=False)
            with Pane(id="targets", classes="welcome-pane"):
                yield Static(TARGETS_TEXT, classes="welcome-text", markup=False)
                for key in TARGET_KEYS:
                    label = f"{TARGET_NAMES[key]} ({SETTINGS[key].unit})"
                    yield from self.field_row(target_id(key), label, target_hint(key), classes="target-field")
                yield from self.buttons("targets", "Save and continue")
            with Pane(id="cycle", classes="welcome-pane"):
                yield Static(CYCLE_TEXT, id="cycle-text", classes="welcome-text", markup=False)
                yield Static("", id="cycle-recorded", classes="welcome-text", markup=False)
                options = [Option("Not in a cycle right now", id=NO_CYCLE)]
                options += [
                    Option(words[0].upper() + words[1:], id=kind.value)
                    for kind, words in CYCLE_KIND_WORDS.items()
                ]
                yield OptionList(*options, id="cycle-kind", markup=False)
                for field, label, hint, value in CYCLE_FIELDS:
                    yield from self.field_row(
                        f"cycle-{field}", label, hint, value=value, classes="cycle-field"
                    )
                yield from self.buttons("cycle", "Save and continue")
            with Pane(id="medications", classes="welcome-pane"):
                yield Static(MEDS_TEXT, classes="welcome-text", markup=False)
                yield OptionList(id="template-list")
                yield Static(MEDS_HINT, classes="dialog-hint", markup=False)
                yield from self.buttons("medications", "")
            with Pane(id="template", classes="welcome-pane"):
                yield Static(id="template-title", markup=False)
                yield Static(id="template-note", classes="welcome-text", markup=False)
                yield Static(id="template-cycle", classes="welcome-text", markup=False)
                yield VerticalScroll(id="template-meds", can_focus=False)
                yield Static("", id="template-error", classes="welcome-error", markup=False)
                with Horizontal(classes="form-buttons"):
                    yield Button("Add these", variant="primary", id="template-apply")
                    yield Button("Back", id="template-back")
            with Pane(id="added", classes="welcome-pane"):
                yield Static("Added to your journal:", classes="welcome-heading")
                yield Static(id="added-list", classes="welcome-text", markup=False)
                yield Static(
                    "Today shows each dose when it is due. A dose can be changed later on Medications (e).",
                    classes="welcome-text",
                    markup=False,
                )
                with Horizontal(classes="form-buttons"):
                    yield Button("Continue", variant="primary", id="added-continue")
                    yield Button("Add another", id="added-another")
            with Pane(id="reminders", classes="welcome-pane"):
                yield Static(REMINDERS_TEXT, classes="welcome-text", markup=False)
                yield Static("", id="reminders-result", classes="welcome-text", markup=False)
                with Horizontal(classes="form-buttons", id="reminders-ask"):
                    yield Button("Remind me on this computer", variant="primary", id="remind-install")
                    yield Button("Not now", id="remind-skip")
                    yield Button("Back", id="reminders-back")
                with Horizontal(classes="form-buttons", id="reminders-after"):
                    yield Button("Continue", variant="primary", id="reminders-continue")
            if self.lock_offered:
                yield LockStep(locked=self.journal.encrypted)
            with Pane(id="done", classes="welcome-pane"):
                yield Static(id="done-summary", classes="welcome-text", markup=False)
                yield Static(DONE_TEXT, classes="welcome-text", markup=False)
                with Horizontal(classes="form-buttons"):
                    yield Button("Go to Today", variant="primary", id="done-today")
        yield KeyBar()

    def field_row(
        self, input_id: str, label: str, hint: str, *, value: str = "", classes: str = ""
    ) -> ComposeResult:
        """Label, field, and beside it a hint that an error replaces (in red) until the field is right."""
        yield FieldRow(
            Field(input_id, label, hint=hint, id=input_id), value, classes=f"welcome-row {classes}"
        )

    def buttons(self, pane: str, save: str) -> ComposeResult:
        yield Static("", id=f"{pane}-error", classes="welcome-error", markup=False)
        with Horizontal(classes="form-buttons"):
            if save:
                yield Button(save, variant="primary", id=f"{pane}-save")
            yield Button("Skip", id=f"{pane}-skip")
            if pane in BACK:
                yield Button("Back", id=f"{pane}-back")

    def on_mount(self) -> None:
        self.query_one("#reminders-after").display = False
        self.query_one("#reminders-result").display = False
        self.show_pane("welcome")

    # -- moving between panes -------------------------------------------------------------------------

    def show_pane(self, pane: str) -> None:
        self.pane = pane
        number, title = PANES[pane]
        steps = STEP_COUNT + 1 if self.lock_offered else STEP_COUNT
        top = f"Set-up · step {number} of {steps} · {title}" if number else title
        self.query_one("#welcome-top", Static).update(top)
        prepare = getattr(self, f"prepare_{pane}", None)
        if prepare is not None:
            prepare()
        self.query_one(ContentSwitcher).current = pane
        self.refresh_bindings()
        self.call_after_refresh(self.focus_first)

    def focus_first(self) -> None:
        """The widget a step starts on: its first field, its list, or its main button."""
        first = {
            "welcome": "#start",
            "targets": f"#{target_id(TARGET_KEYS[0])}",
            "cycle": "#cycle-kind" if self.current_cycle() is None else "#cycle-save",
            "medications": "#template-list",
            "added": "#added-continue",
            "reminders": "#reminders-continue" if self.install_done else "#remind-install",
            "done": "#done-today",
        }.get(self.pane)
        if self.pane == "template":  # the first dose to give, else the first dose, else Add these
            doses = list(self.query("#template-meds Input").results(Input))
            empty = [dose for dose in doses if not dose.value.strip()]
            target: Widget = (empty or doses)[0] if doses else self.query_one("#template-apply", Button)
            target.focus()
            return
        if self.pane == "lock":
            self.query_one(LockStep).focus_first()
        elif first is not None:
            self.query_one(first).focus()

    def escape_action(self) -> str:
        """What Escape means on the pane shown: skip set-up, skip the step, go back, or move on."""
        if self.pane == "welcome":
            return "skip_setup"
        if self.pane == "template":
            return "back"
        if self.pane == "added" or (self.pane == "reminders" and self.install_done):
            return "next"
        if self.pane == "lock" and self.query_one(LockStep).finished:
            return "next"
        return "finish" if self.pane == "done" else "skip_step"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ESCAPE_ACTIONS:
            return action == self.escape_action()
        if action == "save":
            return self.pane in SAVE_PANES
        if action == "quit":
            return self.pane not in SAVE_PANES
        return True

    def action_quit(self) -> None:
        """Close rpltrack, as q does on every section (what was saved on the steps before is kept)."""
        self.app.exit()

    def action_skip_setup(self) -> None:
        self.notify(SKIPPED_SETUP, title="Welcome", markup=False)
        self.finish()

    def action_skip_step(self) -> None:
        if self.pane == "reminders" and "reminders" not in self.summary:
            self.summary["reminders"] = NOT_NOW if self.first_run else NOT_CHANGED
        self.show_pane(self.next_pane())

    def next_pane(self) -> str:
        """The pane after this one (the lock step follows reminders where it is offered)."""
        if self.pane in ("reminders", "added"):
            return "reminders" if self.pane == "added" else ("lock" if self.lock_offered else "done")
        return NEXT.get(self.pane, "done")

    def action_back(self) -> None:
        if self.pane in BACK:
            self.show_pane(BACK[self.pane])
        elif self.pane == "lock":
            self.show_pane("reminders")

    def action_next(self) -> None:
        self.show_pane(self.next_pane())

    def action_finish(self) -> None:
        self.finish()

    def action_save(self) -> None:
        if self.pane == "targets":
            self.save_targets()
        elif self.pane == "cycle":
            self.save_cycle()
        elif self.pane == "template":
            self.apply_template()

    def finish(self) -> None:
        """Close the flow and land on Today: a section shown again reads the journal again when it changed
        (SectionScreen.show_current), so Today shows what was added here."""
        self.dismiss()
        if self.app.current_mode != "today":
            self.app.switch_mode("today")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        event.stop()
        if button == "start":
            self.show_pane("targets")
        elif button == "skip-setup":
            self.action_skip_setup()
        elif button.endswith("-skip"):
            self.action_skip_step()
        elif button.endswith("-back"):
            self.action_back()
        elif button.endswith("-save") or button == "template-apply":
            self.action_save()
        elif button in ("added-continue", "reminders-continue", "lock-continue"):
            self.action_next()
        elif button == "added-another":
            self.add_one()
        elif button == "remind-install":
            self.start_install()
        elif button == "done-today":
            self.finish()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    # -- errors beside the fields ---------------------------------------------------------------------

    def clear_errors(self, pane: str) -> None:
        for row in self.query(f"#{pane} FieldRow").results(FieldRow):
            row.clear_error()
        for error in self.query(f"#{pane} .template-error").results(Static):
            error.update("")
            error.display = False
        for error in self.query(f"#{pane} .welcome-error").results(Static):
            error.update("")
        for field in self.query(f"#{pane} .template-dose").results(Input):
            field.remove_class("-rejected")
            if field.placeholder == DOSE_NEEDED:
                field.placeholder = DOSE_HINT

    def field_error(self, input_id: str, message: str, *, focus: bool = True) -> None:
        """The message beside its field: a form row's, or a template dose's (the line under it)."""
        rows = list(self.query(f"#row-{input_id}").results(FieldRow))
        if rows:
            rows[0].show_error(sentence(message))
            if focus:
                rows[0].input.focus()
            return
        error = self.query_one(f"#error-{input_id}", Static)
        error.update(fmt.shown(sentence(message)))
        error.display = True
        field = self.query_one(f"#{input_id}", Input)
        field.add_class("-rejected")
        if focus:
            field.focus()

    def dose_needed(self, index: int) -> None:
        """An empty dose: the field turns red and says "needed" (the names are said under the list)."""
        field = self.query_one(f"#dose-{index}", Input)
        field.placeholder = DOSE_NEEDED
        field.add_class("-rejected")

    def pane_error(self, pane: str, message: str) -> None:
        self.query_one(f"#{pane}-error", Static).update(fmt.shown(message))

    def write_failed(self, exc: Exception) -> str:
        """Words for a write the journal refused (the entry stays in the fields)."""
        if isinstance(exc, JournalReadOnly):
            return READ_ONLY
        if isinstance(exc, ValidationError):
            return sentence(app_text(exc))
        return NOT_SAVED

    # -- 1. clinic targets ----------------------------------------------------------------------------

    def prepare_targets(self) -> None:
        stored = self.journal.stored_settings()
        for key in TARGET_KEYS:
            field = self.query_one(f"#{target_id(key)}", Input)
            if not field.value and stored.get(key):
                field.value = stored[key]

    def save_targets(self) -> None:
        """Read all three first: one that cannot be read keeps the step open and saves none."""
        self.clear_errors("targets")
        stored = self.journal.stored_settings()
        changes: dict[str, str] = {}
        rejected = []
        for key in TARGET_KEYS:
            text = self.query_one(f"#{target_id(key)}", Input).value.strip()
            try:
                canonical = SETTINGS[key].parse(text) if text else ""
            except ValidationError as exc:
                self.field_error(target_id(key), app_text(exc).replace(key, TARGET_NAMES[key]), focus=False)
                rejected.append(key)
                continue
            if canonical != stored.get(key, ""):
                changes[key] = canonical
        if rejected:
            self.query_one(f"#{target_id(rejected[0])}", Input).focus()
            return
        now = self.clock.now()
        saved: list[str] = []
        for key, value in changes.items():
            try:
                self.journal.set_setting(key, value, now)
            except (JournalError, ValidationError) as exc:
                done = f" Saved so far: {', '.join(saved)}." if saved else ""
                self.pane_error("targets", self.write_failed(exc) + done)
                return
            saved.append(TARGET_NAMES[key])
        self.show_pane("cycle")

    # -- 2. her cycle ---------------------------------------------------------------------------------

    def current_cycle(self) -> Cycle | None:
        return self.journal.cycle_on(self.clock.today())

    def prepare_cycle(self) -> None:
        """A cycle already recorded is shown as it is (it is changed on Cycles); else the form."""
        cycle = self.current_cycle()
        recorded = self.query_one("#cycle-recorded", Static)
        recorded.update(
            f"Your current cycle: {cycle_words(cycle)}. You can change it on Cycles (c) after set-up."
            if cycle
            else ""
        )
        self.set_class(cycle is not None, "-cycle-recorded")
        self.query_one("#cycle-save", Button).label = "Continue" if cycle else "Save and continue"
        self.show_cycle_fields()

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

    @on(OptionList.OptionHighlighted, "#cycle-kind")
    def _kind_highlighted(self) -> None:
        self.show_cycle_fields()

    @on(OptionList.OptionSelected, "#cycle-kind")
    def _kind_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == NO_CYCLE:
            self.summary["cycle"] = "not in a cycle right now"
            self.show_pane("medications")
            return
        self.show_cycle_fields()
        self.query_one("#cycle-cd1", Input).focus()

    def save_cycle(self) -> None:
        """Check the dates (as `rpltrack cycle add` and `transfer add` do), then save the cycle and its
        transfer. Nothing is written while any field is wrong."""
        self.clear_errors("cycle")
        if self.current_cycle() is not None:
            self.show_pane("medications")
            return
        kind = self.chosen_kind()
        if kind is None:
            self.summary["cycle"] = "not in a cycle right now"
            self.show_pane("medications")
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
            words = self.write_failed(exc)
            if isinstance(exc, ValidationError) and exc.field == "cd1":
                self.field_error("cycle-cd1", words)
            else:
                kept = " The cycle itself was saved." if self.saved_cycle is not None else ""
                self.pane_error("cycle", words + kept)
            return
        self.show_pane("medications")

    # -- 3. her medications ---------------------------------------------------------------------------

    def prepare_medications(self) -> None:
        self.templates = self.journal.protocol_templates()
        options = self.query_one("#template-list", OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_option(Option("Add medications one by one (names from the catalog)", id=ONE_BY_ONE))
        options.add_options(template_option(t) for t in self.templates)
        options.highlighted = keep if keep is not None and keep < options.option_count else 0

    @on(OptionList.OptionSelected, "#template-list")
    async def _template_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == ONE_BY_ONE:
            self.add_one()
            return
        name = (event.option.id or "").removeprefix("template-")
        template = next((t for t in self.templates if t.name == name), None)
        if template is not None:
            await self.open_template(template)

    async def open_template(self, template: Template) -> None:
        """What the template adds, one row per medication with its dose to give (her clinic's)."""
        self.template = template
        self.clear_errors("template")
        kind = "an example" if template.builtin else "your template"
        # A template of her own is drawn as she wrote it, with its controls shown.
        self.query_one("#template-title", Static).update(
            Text.assemble(
                (fmt.shown(template.title), "bold"), (f"  {fmt.shown(template.name)}, {kind}", "dim")
            )
        )
        self.query_one("#template-note", Static).update(fmt.shown(template.note))
        cycle = self.current_cycle()
        if cycle is not None:
            where = f"For your cycle: {cycle_words(cycle)}."
            waiting = [
                fmt.EVENT_WORDS[EventKind(event)]
                for event in template.expected_events
                if event != "cd1" and cycle.event_on(EventKind(event)) is None
            ]
            if waiting:
                where += f" Doses tied to the {' or the '.join(waiting)} wait until it is recorded."
        elif template.needs_cycle:
            events = ", ".join(e.upper() if e == "cd1" else e for e in template.expected_events)
            where = (
                f"This template follows a cycle's dates ({events}) and no cycle is recorded: go Back "
                "twice to add your cycle, or choose another."
            )
        else:
            where = "Its doses start today."
        self.query_one("#template-cycle", Static).update(fmt.shown(where))
        box = self.query_one("#template-meds", VerticalScroll)
        await box.remove_children()
        await box.mount_all(template_rows(template))
        self.show_pane("template")

    def apply_template(self) -> None:
        """Apply the template to her cycle in one change; a dose left empty or not read, a template
        applied already, a medication she has already: said beside its field or under the list, and
        nothing is added."""
        template = self.template
        if template is None:
            return
        self.clear_errors("template")
        doses: dict[str, str] = {}
        empty = []
        for index, entry in enumerate(template.medications):
            if entry.taper:
                continue
            text = " ".join(self.query_one(f"#dose-{index}", Input).value.split())
            if text:
                doses[entry.name] = text
            else:
                empty.append(index)
        if empty:
            for index in empty:
                self.dose_needed(index)
            self.query_one(f"#dose-{empty[0]}", Input).focus()
            self.pane_error("template", nothing_added([template.medications[i].name for i in empty]))
            return
        cycle = self.current_cycle()
        try:
            meds = self.journal.apply_protocol(
                template,
                cycle.id if cycle is not None else None,
                self.clock.zone,
                self.clock.now(),
                doses=doses,
            )
        except MissingDoses as exc:
            for index, entry in enumerate(template.medications):
                if entry.name in exc.names:
                    self.dose_needed(index)
            self.pane_error("template", nothing_added(exc.names))
            return
        except (JournalError, ValidationError) as exc:
            self.template_refused(template, exc)
            return
        self.added.extend(meds)
        self.show_pane("added")

    def template_refused(self, template: Template, exc: Exception) -> None:
        """A medication's own problem beside its dose (the error says which medication it is about);
        anything else under the list."""
        if isinstance(exc, MedicationRefused) and not template.medications[exc.index].taper:
            self.field_error(f"dose-{exc.index}", app_text(exc.problem))
            self.pane_error("template", "Nothing was added.")
            return
        self.pane_error("template", self.write_failed(exc) + " Nothing was added.")

    def prepare_added(self) -> None:
        self.query_one("#added-list", Static).update(
            "\n".join(f"• {fmt.shown(medication_words(m))}" for m in self.added)
        )

    def add_one(self) -> None:
        """The medication form; after each save, this step lists what was added, with Add another."""
        from rpltrack.tui.screens.forms import MedicationForm

        self.open_medication_form(MedicationForm(self.clock, cycle=self.current_cycle()))

    def open_medication_form(self, form: MedicationForm) -> None:
        from rpltrack.tui.screens.forms import MedicationForm

        def done(med: Medication | None) -> None:
            if med is None:
                return
            try:
                saved = self.journal.add_medication(med, self.clock.now())
            except (JournalError, ValidationError) as exc:
                errors = {exc.field: app_text(exc)} if isinstance(exc, ValidationError) and exc.field else {}
                notice = "" if errors else self.write_failed(exc)
                self.open_medication_form(
                    MedicationForm(
                        self.clock, initial=form.entered, errors=errors, notice=notice, cycle=form.cycle
                    )
                )
                return
            self.added.append(saved)
            self.show_pane("added")

        self.app.push_screen(form, done)

    # -- 4. reminders ---------------------------------------------------------------------------------

    def start_install(self) -> None:
        installer = self.rpl.install_reminders
        if installer is None:
            self.show_install_result([f"Reminders cannot be set up from here. {REMINDERS_LATER}"], ok=False)
            return
        result = self.query_one("#reminders-result", Static)
        result.update("Setting up reminders on this computer…")
        result.display = True
        for button in self.query("#reminders-ask Button").results(Button):
            button.disabled = True
        self.install(installer, self.journal.path)

    @work(thread=True, exclusive=True, group="welcome-reminders", exit_on_error=False)
    def install(self, installer: Callable[[Path], list[str]], path: Path) -> None:
        """Writing the timer and asking the service manager to start it can take a few seconds: off the
        event loop, so every key still answers at once."""
        try:
            lines, ok = installer(path), True
        except Exception as exc:  # no timer is all a failure here means: say so calmly
            lines, ok = [f"Reminders could not be set up on this computer ({exc}). {REMINDERS_LATER}"], False
        self.app.call_from_thread(self.show_install_result, lines, ok=ok)

    def show_install_result(self, lines: list[str], *, ok: bool) -> None:
        """What installing did, in the service's own words (paths, and any command left to run), after a
        plain first line when a step is left to do by hand."""
        by_hand = ok and any("run:" in line or "crontab" in line for line in lines)
        if by_hand:
            lines = [ONE_STEP_LEFT, "", *lines]
        result = self.query_one("#reminders-result", Static)
        result.update(fmt.shown("\n".join(lines)))
        result.display = True
        self.query_one("#reminders-ask").display = False
        self.query_one("#reminders-after").display = True
        self.install_done = True
        if ok and not by_hand:
            self.summary["reminders"] = "on, also with the app closed"
        elif by_hand:
            self.summary["reminders"] = "not on yet: one step left (rpltrack remind --install shows it again)"
        else:
            self.summary["reminders"] = "not set up: reminders come while rpltrack is open"
        if self.pane == "reminders":
            self.query_one("#reminders-continue").focus()
        self.refresh_bindings()

    # -- done -----------------------------------------------------------------------------------------

    def prepare_done(self) -> None:
        """What the journal holds now, read again (a re-run from the palette finds what earlier runs, the
        sections or the command line put there), and what the reminders step did."""
        now = self.clock.now()
        today = now.astimezone(self.zone).date()
        held = sum(m.state(now, today) in HELD_STATES for m in self.journal.medications())
        lines = done_lines(
            self.journal.stored_settings(),
            self.current_cycle(),
            self.summary.get("cycle", ""),
            len(self.added),
            held,
            self.summary.get("reminders", ""),
        )
        self.query_one("#done-summary", Static).update("\n".join([*lines, self.lock_line()]))

    def lock_line(self) -> str:
        """What Done says of locking: what the step did, or whether the journal is locked; where SQLCipher
        is not there, that locking is unavailable and how to add it."""
        if not self.lock_offered:
            return UNAVAILABLE_LINE
        step = self.query_one(LockStep)
        if step.outcome:
            return f"Lock: {step.outcome}"
        return "Lock: locked" if self.journal.encrypted else f"Lock: {LATER}"
