"""RemindersStep: the welcome flow's fourth step, reminders with the app closed. Installing the reminder
timer (the command line's `remind --install`, passed in to the app) runs in a thread; the step then says
what it did in the service's own words, with Continue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from rpltrack.tui import format as fmt
from rpltrack.tui.screens.welcome_base import NEXT, QUIT, SKIP_STEP, FinishingStep
from rpltrack.tui.screens.welcome_steps import (
    NOT_CHANGED,
    NOT_NOW,
    ONE_STEP_LEFT,
    REMINDERS_LATER,
    REMINDERS_TEXT,
    Pane,
)


class RemindersStep(FinishingStep):
    """Remind me on this computer, Not now and Back; once installing has said what it did, Continue
    (Escape skips the step before, continues after)."""

    BINDINGS: ClassVar[list[BindingType]] = [SKIP_STEP, NEXT, QUIT]

    def __init__(self, *, first_run: bool) -> None:
        super().__init__(id="reminders")
        self.first_run = first_run  # False: run again on a journal set up before (from the palette)
        self.install_done = False  # installing has said what it did
        self.outcome = ""  # what Done says of reminders ("" when the step was not reached)

    def compose(self) -> ComposeResult:
        with Pane(classes="welcome-pane"):
            yield Static(REMINDERS_TEXT, classes="welcome-text", markup=False)
            yield Static("", id="reminders-result", classes="welcome-text", markup=False)
            with Horizontal(classes="form-buttons", id="reminders-ask"):
                yield Button("Remind me on this computer", variant="primary", id="remind-install")
                yield Button("Not now", id="remind-skip", classes="step-skip")
                yield Button("Back", id="reminders-back", classes="step-back")
            with Horizontal(classes="form-buttons", id="reminders-after"):
                yield Button("Continue", variant="primary", id="reminders-continue", classes="step-continue")

    def on_mount(self) -> None:
        self.query_one("#reminders-after").display = False
        self.query_one("#reminders-result").display = False

    def first_focus(self) -> Widget:
        return self.query_one("#reminders-continue" if self.install_done else "#remind-install")

    @property
    def finished(self) -> bool:
        return self.install_done

    def action_skip_step(self) -> None:
        if not self.outcome:
            # On a journal set up before, the timer may be on already (it is not in the journal): Done
            # does not say it is off.
            self.outcome = NOT_NOW if self.first_run else NOT_CHANGED
        self.done(skipped=True)

    # -- installing -----------------------------------------------------------------------------------

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
            self.outcome = "on, also with the app closed"
        elif by_hand:
            self.outcome = "not on yet: one step left (rpltrack remind --install shows it again)"
        else:
            self.outcome = "not set up: reminders come while rpltrack is open"
        if self.display:  # this step is the one shown
            self.query_one("#reminders-continue").focus()
        self.refresh_bindings()

    # -- the buttons ----------------------------------------------------------------------------------

    @on(Button.Pressed, "#remind-install")
    def _install_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.start_install()
