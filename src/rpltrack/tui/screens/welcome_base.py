"""WelcomeStep: what every step of the welcome flow (tui/screens/welcome.py) shares. A step composes its own
pane, binds its own keys, checks and saves what was typed, and posts `WelcomeStep.Done` when it is finished
(saved, or skipped); the screen listens for that and shows the next step. Also here: the keys the steps
bind (one Escape binding per meaning, so the footer says what Escape does on each), and how a step shows
an error beside its field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from rpltrack.domain.cycles import Cycle
from rpltrack.domain.errors import ValidationError
from rpltrack.store.journal import JournalReadOnly
from rpltrack.tui import format as fmt
from rpltrack.tui.errors import app_text
from rpltrack.tui.screens.base import NOT_SAVED, READ_ONLY, AppParts
from rpltrack.tui.screens.entry_form import sentence
from rpltrack.tui.screens.welcome_steps import DOSE_HINT, DOSE_NEEDED, PANES
from rpltrack.tui.widgets.field_row import Field, FieldRow

if TYPE_CHECKING:
    pass

# What Escape means, one binding each: a step binds those it can mean, and its check_action keeps the one
# that holds on the pane shown (the footer shows only that one).
SKIP_SETUP = Binding("escape", "skip_setup", "Skip set-up", id="welcome-skip-setup")
SKIP_STEP = Binding("escape", "skip_step", "Skip this step", id="welcome-skip-step")
BACK = Binding("escape", "back", "Back", id="welcome-back")
NEXT = Binding("escape", "next", "Continue", id="welcome-next")
FINISH = Binding("escape", "finish", "Go to Today", id="welcome-finish")
SAVE = Binding("ctrl+s", "save", "Save", id="welcome-save")
# Bound only on a pane without fields: q typed in a field is a letter, and quitting would drop what she typed.
QUIT = Binding("q", "quit", "Quit", tooltip="quit (what you saved is kept)", id="welcome-quit")


class WelcomeStep(AppParts, Container):
    """One step of the welcome flow. Its id names it (and its pane, unless it has several: `pane`)."""

    class StepMessage(Message):
        """A message from `step` to the screen."""

        def __init__(self, step: WelcomeStep) -> None:
            super().__init__()
            self.step = step

        @property
        def control(self) -> WelcomeStep:
            return self.step

    class Done(StepMessage):
        """The step is finished: saved (or nothing left to ask), or `skipped`. The screen shows the next."""

        def __init__(self, step: WelcomeStep, *, skipped: bool) -> None:
            super().__init__(step)
            self.skipped = skipped

    class BackRequested(StepMessage):
        """Back: the screen shows the step before this one."""

    class PaneShown(StepMessage):
        """The step shows another of its panes (a template, what was added): the screen shows this step,
        with the pane's title at the top and its keys in the footer."""

    # -- what the screen asks of a step ---------------------------------------------------------------

    @property
    def pane(self) -> str:
        """The pane shown: the step's own id, or (for a step of several panes) the one it shows now."""
        return self.id or ""

    def heading(self) -> tuple[int, str]:
        """The step's number (0 for the first and last panes, which are not counted) and its title."""
        return PANES[self.pane]

    def prepare(self) -> None:
        """Read again what the step shows, just before the screen shows it (a step is kept while she
        moves back and forth, with what she typed)."""

    def first_focus(self) -> Widget:
        """The widget the step starts on: its first field, its list, or its main button."""
        return self.query(Button).first(Button)

    def take_focus(self) -> None:
        """Focus the first widget at once, so the next key already reaches this step; scroll it into view
        once the pane is drawn (before that it has no place on the screen to scroll to)."""
        target = self.first_focus()
        screen = self.screen
        screen.set_focus(target, scroll_visible=False)

        def into_view() -> None:
            if screen.focused is target and not screen.can_view_entire(target):
                screen.scroll_to_center(target, origin_visible=True)

        self.call_after_refresh(into_view)

    # -- what a step tells the screen -----------------------------------------------------------------

    def done(self, *, skipped: bool = False) -> None:
        self.post_message(self.Done(self, skipped=skipped))

    def action_save(self) -> None:
        """Check and save what the step's fields hold, then move on (a step without fields has none)."""

    def submit(self) -> None:
        """Enter in a field: save the step (a step of several panes may do otherwise)."""
        self.action_save()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    # The buttons every step has some of, by class: save, skip, back (to the step before), continue.
    @on(Button.Pressed, ".step-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, ".step-skip")
    def _skip_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_skip_step()

    @on(Button.Pressed, ".step-back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.go_back()

    @on(Button.Pressed, ".step-continue")
    def _continue_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.done()

    def action_skip_step(self) -> None:
        self.done(skipped=True)

    def go_back(self) -> None:
        self.post_message(self.BackRequested(self))

    def action_back(self) -> None:
        self.go_back()

    def action_quit(self) -> None:
        """Close rpltrack, as q does on every section (what was saved on the steps before is kept)."""
        self.app.exit()

    def current_cycle(self) -> Cycle | None:
        return self.journal.cycle_on(self.clock.today())

    # -- errors beside the fields ---------------------------------------------------------------------

    def clear_errors(self) -> None:
        for row in self.query(FieldRow).results(FieldRow):
            row.clear_error()
        for error in self.query(".template-error").results(Static):
            error.update("")
            error.display = False
        for error in self.query(".welcome-error").results(Static):
            error.update("")
        for field in self.query(".template-dose").results(Input):
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

    def pane_error(self, pane: str, message: str) -> None:
        """A message under a pane's fields (one not about a single field), on its line #<pane>-error."""
        self.query_one(f"#{pane}-error", Static).update(fmt.shown(message))


def write_failed(exc: Exception) -> str:
    """Words for a write the journal refused (the entry stays in the fields)."""
    if isinstance(exc, JournalReadOnly):
        return READ_ONLY
    if isinstance(exc, ValidationError):
        return sentence(app_text(exc))
    return NOT_SAVED


def field_row(input_id: str, label: str, hint: str, *, value: str = "", classes: str = "") -> ComposeResult:
    """Label, field, and beside it a hint that an error replaces (in red) until the field is right."""
    yield FieldRow(Field(input_id, label, hint=hint, id=input_id), value, classes=f"welcome-row {classes}")


def step_buttons(pane: str, save: str, *, back: bool) -> ComposeResult:
    """The line for a message under the fields, then the step's buttons: save (when it has fields), Skip,
    and Back (but on the first step)."""
    yield Static("", id=f"{pane}-error", classes="welcome-error", markup=False)
    with Horizontal(classes="form-buttons"):
        if save:
            yield Button(save, variant="primary", id=f"{pane}-save", classes="step-save")
        yield Button("Skip", id=f"{pane}-skip", classes="step-skip")
        if back:
            yield Button("Back", id=f"{pane}-back", classes="step-back")


class FinishingStep(WelcomeStep):
    """A step that does its work on a button (install the timer, lock the journal) and then has nothing left
    to ask: until then Escape skips it, afterwards Escape (and its Continue button) moves on."""

    @property
    def finished(self) -> bool:
        """Whether the step's work is done (or was done before): Escape moves on instead of skipping."""
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "skip_step":
            return not self.finished
        if action == "next":
            return self.finished
        return True

    def action_next(self) -> None:
        self.done()
