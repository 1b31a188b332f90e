"""WelcomeScreen: the first run on an empty journal (#8). What rpltrack is and is not, then four short steps
she can each skip and do later: her clinic's targets, her current cycle, her medications (a protocol template
or one by one) and reminders with the app closed, then locking the journal where encryption is available
(#17); Done lands on Today.

Each step is a widget of its own (welcome_targets.py, welcome_cycle.py, welcome_meds.py,
welcome_reminders.py, welcome_lock.py; their shared parts in welcome_base.py, their words in
welcome_steps.py) that binds its own keys, saves what was typed and posts `WelcomeStep.Done` when it is
finished; the screen shows the next step (a ContentSwitcher). Escape skips the step (or, in a template, goes
back to the list), the footer says which, and a step keeps what was entered when she comes back to it.
Every journal write runs in the handler of the key that asked for it and is on disk when the pane moves on;
an error is shown beside its field and nothing is written. Installing the reminder timer runs in a thread.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, ContentSwitcher, Static

from rpltrack.domain.models import MedicationState
from rpltrack.tui.screens.base import DIALOGS_CSS, AppScreen
from rpltrack.tui.screens.lock import LOCK_CSS
from rpltrack.tui.screens.welcome_base import FINISH, QUIT, SKIP_SETUP, WelcomeStep
from rpltrack.tui.screens.welcome_cycle import CycleStep
from rpltrack.tui.screens.welcome_lock import STEPS_WITH_LOCK, UNAVAILABLE_LINE, LockStep
from rpltrack.tui.screens.welcome_meds import MedicationsStep
from rpltrack.tui.screens.welcome_reminders import RemindersStep
from rpltrack.tui.screens.welcome_steps import (
    ABOUT,
    DONE_TEXT,
    PROMISE,
    SKIPPED_SETUP,
    STEP_COUNT,
    STEPS_TEXT,
    WELCOME_HINT,
    Pane,
    done_lines,
)
from rpltrack.tui.screens.welcome_targets import TargetsStep
from rpltrack.tui.widgets.key_bar import KeyBar

WELCOME_CSS = str(Path(__file__).resolve().parent.parent / "welcome.tcss")


def lock_step_offered() -> bool:
    """Whether this rpltrack can lock a journal (SQLCipher is installed): the welcome's lock step."""
    from rpltrack.store.crypto import cipher_available

    return cipher_available()


# The medications Done counts as hers now: being taken, or waiting for their start.
HELD_STATES = (MedicationState.ACTIVE, MedicationState.WAITING, MedicationState.NOT_STARTED)


class IntroStep(WelcomeStep):
    """What rpltrack is and is not, the steps to come, Start set-up and Skip set-up."""

    BINDINGS: ClassVar[list[BindingType]] = [SKIP_SETUP, QUIT]

    def __init__(self, *, lock_offered: bool) -> None:
        super().__init__(id="welcome")
        self.lock_offered = lock_offered

    def compose(self) -> ComposeResult:
        with Pane(classes="welcome-pane"):
            yield Static(ABOUT, classes="welcome-text", markup=False)
            yield Static(PROMISE, id="welcome-promise", classes="welcome-text", markup=False)
            yield Static(
                STEPS_WITH_LOCK if self.lock_offered else STEPS_TEXT, classes="welcome-text", markup=False
            )
            with Horizontal(classes="form-buttons"):
                yield Button("Start set-up", variant="primary", id="start")
                yield Button("Skip set-up", id="skip-setup")
            yield Static(WELCOME_HINT, classes="dialog-hint", markup=False)

    def first_focus(self) -> Widget:
        return self.query_one("#start", Button)

    def action_skip_setup(self) -> None:
        """Skipping this step skips set-up: the screen closes."""
        self.notify(SKIPPED_SETUP, title="Welcome", markup=False)
        self.done(skipped=True)

    @on(Button.Pressed, "#start")
    def _start_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.done()

    @on(Button.Pressed, "#skip-setup")
    def _skip_setup_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_skip_setup()


class DoneStep(WelcomeStep):
    """What the journal holds now and what the steps did, then Go to Today."""

    BINDINGS: ClassVar[list[BindingType]] = [FINISH, QUIT]

    def __init__(
        self, cycle: CycleStep, medications: MedicationsStep, reminders: RemindersStep, lock: LockStep | None
    ) -> None:
        super().__init__(id="done")
        self.cycle_step = cycle
        self.medications_step = medications
        self.reminders_step = reminders
        self.lock_step = lock

    def compose(self) -> ComposeResult:
        with Pane(classes="welcome-pane"):
            yield Static(id="done-summary", classes="welcome-text", markup=False)
            yield Static(DONE_TEXT, classes="welcome-text", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Go to Today", variant="primary", id="done-today")

    def prepare(self) -> None:
        """What the journal holds now, read again (a re-run from the palette finds what earlier runs, the
        sections or the command line put there), and what the reminders and lock steps did; where
        SQLCipher is not there, that locking is unavailable and how to add it."""
        now = self.clock.now()
        today = now.astimezone(self.clock.zone).date()
        held = sum(m.state(now, today) in HELD_STATES for m in self.journal.medications())
        lines = done_lines(
            self.journal.stored_settings(),
            self.current_cycle(),
            self.cycle_step.answer,
            len(self.medications_step.added),
            held,
            self.reminders_step.outcome,
        )
        lock = UNAVAILABLE_LINE if self.lock_step is None else self.lock_step.lock_line()
        self.query_one("#done-summary", Static).update("\n".join([*lines, lock]))

    def first_focus(self) -> Widget:
        return self.query_one("#done-today", Button)

    def action_finish(self) -> None:
        self.done()

    @on(Button.Pressed, "#done-today")
    def _today_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.done()


class WelcomeScreen(AppScreen):
    """The first-run flow. Opened on an empty journal (RpltrackApp.on_mount) and from the palette. It shows
    one step at a time and moves on when a step posts that it is done; the steps bind their own keys."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, WELCOME_CSS, LOCK_CSS]

    def __init__(self, *, first_run: bool = True) -> None:
        super().__init__(id="welcome-screen")
        self.first_run = first_run  # False: run again on a journal set up before (from the palette)
        # Locking is offered as a fifth step where SQLCipher is there (#17); else Done says how to add it.
        self.lock_offered = lock_step_offered()
        self.steps: list[WelcomeStep] = []  # in order, built in compose
        self.step: WelcomeStep | None = None  # the step shown

    @property
    def pane(self) -> str:
        """The pane shown: a step's id, or the pane of the medications step it shows ('template', …)."""
        return self.step.pane if self.step is not None else "welcome"

    def compose(self) -> ComposeResult:
        cycle = CycleStep()
        medications = MedicationsStep()
        reminders = RemindersStep(first_run=self.first_run)
        lock = LockStep(locked=self.journal.encrypted) if self.lock_offered else None
        middle: list[WelcomeStep] = [TargetsStep(), cycle, medications, reminders]
        self.steps = [
            IntroStep(lock_offered=self.lock_offered),
            *middle,
            *([lock] if lock is not None else []),
            DoneStep(cycle, medications, reminders, lock),
        ]
        yield Static(id="welcome-top", classes="top-line", markup=False)
        with ContentSwitcher(initial="welcome", id="welcome-panes"):
            yield from self.steps
        yield KeyBar()

    def on_mount(self) -> None:
        self.enter(self.steps[0])

    # -- moving between steps -------------------------------------------------------------------------

    def enter(self, step: WelcomeStep) -> None:
        """Show a step afresh: it reads again what it shows, then takes the screen."""
        step.prepare()
        self.show(step)

    def show(self, step: WelcomeStep) -> None:
        """The step on screen, its title and number at the top, its keys in the footer, focus in it."""
        self.step = step
        number, title = step.heading()
        steps = STEP_COUNT + 1 if self.lock_offered else STEP_COUNT
        top = f"Set-up · step {number} of {steps} · {title}" if number else title
        self.query_one("#welcome-top", Static).update(top)
        self.query_one("#welcome-panes", ContentSwitcher).current = step.id
        self.refresh_bindings()
        step.take_focus()

    @on(WelcomeStep.Done)
    def _step_done(self, event: WelcomeStep.Done) -> None:
        """The step after the one done; skipping the first skips set-up, and the last closes the flow."""
        event.stop()
        index = self.steps.index(event.step)
        if index == len(self.steps) - 1 or (index == 0 and event.skipped):
            self.finish()
            return
        self.enter(self.steps[index + 1])

    @on(WelcomeStep.BackRequested)
    def _step_back(self, event: WelcomeStep.BackRequested) -> None:
        event.stop()
        index = self.steps.index(event.step)
        if index > 0:
            self.enter(self.steps[index - 1])

    @on(WelcomeStep.PaneShown)
    def _pane_shown(self, event: WelcomeStep.PaneShown) -> None:
        event.stop()
        self.show(event.step)

    def finish(self) -> None:
        """Close the flow and land on Today: a section shown again reads the journal again when it changed
        (SectionScreen.show_current), so Today shows what was added here."""
        self.dismiss()
        if self.app.current_mode != "today":
            self.app.switch_mode("today")
