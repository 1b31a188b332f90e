"""The welcome flow's optional last step (#17): locking the journal at rest, offered where encryption is
available (the lock dialog of tui/screens/lock.py does the work); where it is not, Done says so in one line
with how to add it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from rpltrack.domain.display import terminal_text
from rpltrack.tui.screens.lock import FORGET, LOCK, UNLOCK, UNRECOVERABLE, LockingDialog, open_dialog
from rpltrack.tui.screens.welcome_base import NEXT, QUIT, SKIP_STEP, FinishingStep
from rpltrack.tui.screens.welcome_steps import Pane

TITLE = "Lock your journal (optional)"
LOCK_TEXT = (
    "Your journal holds private health records. Locking encrypts it and its backups on this computer with "
    "a passphrase you choose, so anyone who copies the files (a lost laptop, a synced folder, a backup "
    "drive) sees nothing without it. Your keyring can keep its key, so rpltrack and its reminders still "
    "open it without asking."
)
LOCKED_TEXT = (
    f"Your journal is locked (encrypted on this computer). In the palette (ctrl+p): “Change the passphrase”, "
    f"“{FORGET}” and “{UNLOCK}”."
)
LATER = f"not locked (ctrl+p, then “{LOCK}”, whenever you like)"
UNAVAILABLE_LINE = 'Lock: unavailable in this rpltrack; to add it: pip install "rpltrack[encrypted]"'
STEPS_WITH_LOCK = (
    "Five short steps follow: your clinic's targets, your cycle, your medications, reminders and locking "
    "your journal. Each one can be skipped and done later."
)


class LockStep(FinishingStep):
    """What locking does, then "Lock with a passphrase…" (the lock dialog), Skip and Back; after a lock, what
    was done and Continue. A journal locked already is said so, with Continue (Escape skips the step before,
    continues after)."""

    BINDINGS: ClassVar[list[BindingType]] = [SKIP_STEP, NEXT, QUIT]

    def __init__(self, *, locked: bool) -> None:
        super().__init__(id="lock")
        self.locked = locked
        self.outcome = ""  # what Done says of this step ("" when skipped or not reached)
        self.dialog: LockingDialog | None = None

    def compose(self) -> ComposeResult:
        with Pane(classes="welcome-pane"):
            yield Static(
                LOCKED_TEXT if self.locked else LOCK_TEXT,
                id="lock-step-text",
                classes="welcome-text",
                markup=False,
            )
            yield Static(
                "" if self.locked else UNRECOVERABLE,
                id="lock-step-warning",
                classes="welcome-text lock-warning",
                markup=False,
            )
            yield Static("", id="lock-step-result", classes="welcome-text", markup=False)
            with Horizontal(classes="form-buttons", id="lock-step-ask"):
                yield Button("Lock with a passphrase…", variant="primary", id="lock-start")
                yield Button("Skip", id="lock-skip", classes="step-skip")
                yield Button("Back", id="lock-back", classes="step-back")
            with Horizontal(classes="form-buttons", id="lock-step-after"):
                yield Button("Continue", variant="primary", id="lock-continue", classes="step-continue")

    def on_mount(self) -> None:
        self.show_state()

    @property
    def finished(self) -> bool:
        """Whether the step has nothing left to ask (locked now or before): Escape and Enter move on."""
        return self.locked

    def show_state(self) -> None:
        self.query_one("#lock-step-ask").display = not self.locked
        self.query_one("#lock-step-after").display = self.locked
        self.query_one("#lock-step-warning").display = not self.locked

    def first_focus(self) -> Widget:
        return self.query_one("#lock-continue" if self.locked else "#lock-start", Button)

    def lock_line(self) -> str:
        """What Done says of locking: what the step did, or whether the journal is locked."""
        if self.outcome:
            return f"Lock: {self.outcome}"
        return "Lock: locked" if self.journal.encrypted else f"Lock: {LATER}"

    @on(Button.Pressed, "#lock-start")
    def _lock_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dialog = open_dialog(self.rpl, LOCK, self.dialog_closed)

    def dialog_closed(self, changed: bool | None) -> None:
        if not changed:
            self.first_focus().focus()
            return
        self.locked = True
        lines = self.dialog.lines if self.dialog is not None else []
        kept = any(line.startswith("Its key is kept in your OS keyring") for line in lines)
        self.outcome = (
            "locked, its key kept in your keyring" if kept else "locked, its passphrase asked at every start"
        )
        self.query_one("#lock-step-text", Static).update(LOCKED_TEXT)
        self.query_one("#lock-step-result", Static).update(terminal_text("\n".join(lines)))
        self.show_state()
        self.first_focus().focus()
        self.refresh_bindings()
