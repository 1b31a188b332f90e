"""UnlockScreen: the passphrase of a locked journal whose key is not kept (no keyring, the keyring locked, the
key forgotten), asked before anything else is shown (#17). The app starts in its own mode for it
(RpltrackApp.unlocking); once the passphrase opens the journal, the app goes on as it always starts.

The key is derived (about 0.2 s) and tried in a thread; a passphrase that does not open the journal is said
plainly, without SQLCipher's words, and she can try again. Escape closes rpltrack with nothing changed.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from rpltrack.domain.display import terminal_text
from rpltrack.store.crypto import JournalKey, WrongKey, derive_key, salt_of
from rpltrack.store.db import JournalError, raw_connection
from rpltrack.tui.screens.base import DIALOGS_CSS

if TYPE_CHECKING:
    from rpltrack.tui.app import RpltrackApp

LOCK_CSS = str(Path(__file__).resolve().parent.parent / "lock.tcss")

TITLE = "Your journal is locked"
WHY = (
    "It is encrypted on this computer, and its key is not in your keyring here (or the keyring is locked). "
    "Type its passphrase to open it."
)
WRONG = "That passphrase does not open the journal. Nothing was changed; check it and try again."
EMPTY = "Type the passphrase first."
CHECKING = "Opening the journal…"
HINT = "Enter: open · Escape: quit (nothing is changed)"


def key_opens(path: Path, passphrase: str) -> JournalKey:
    """The key of `passphrase` for the locked journal at `path`, once it is known to open it (WrongKey when it
    does not). About 0.2 s: run it off the event loop."""
    key = derive_key(passphrase, salt_of(path))
    raw_connection(path, key, readonly=True).close()
    return key


class UnlockScreen(Screen[None]):
    """The passphrase field (masked), Open and Quit. The app's mode before the journal is open."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, LOCK_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "quit", "Quit", tooltip="close rpltrack; nothing is changed", id="unlock-quit"),
        # Only off the field: q typed in it is part of the passphrase.
        Binding("q", "quit_off_field", "Quit", show=False, id="unlock-quit-q"),
    ]

    def __init__(self) -> None:
        super().__init__(id="unlock-screen")

    @property
    def rpl(self) -> RpltrackApp:
        return cast("RpltrackApp", self.app)

    def compose(self) -> ComposeResult:
        path = self.rpl.journal_path
        with Vertical(id="unlock", classes="dialog"):
            yield Static(TITLE, classes="dialog-title", markup=False)
            yield Static(WHY, classes="dialog-text", markup=False)
            yield Static(
                terminal_text(f"Journal: {path}"), id="unlock-path", classes="dialog-text", markup=False
            )
            with Horizontal(classes="form-row"):
                yield Static("Passphrase", classes="form-label", markup=False)
                yield Input(password=True, id="unlock-passphrase", classes="form-input")
            yield Static("", id="unlock-message", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Open", variant="primary", id="unlock-open")
                yield Button("Quit", id="unlock-cancel")
            yield Static(HINT, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#unlock-passphrase", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quit_off_field":
            return not isinstance(self.focused, Input)  # in the field, q is a letter of the passphrase
        return True

    def say(self, message: str, *, error: bool) -> None:
        line = self.query_one("#unlock-message", Static)
        line.update(message)
        line.set_class(error, "-error")

    def action_quit(self) -> None:
        self.app.exit()

    def action_quit_off_field(self) -> None:
        self.app.exit()

    @on(Input.Submitted, "#unlock-passphrase")
    def _submitted(self) -> None:
        self.try_passphrase()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "unlock-open":
            self.try_passphrase()
        else:
            self.app.exit()

    def try_passphrase(self) -> None:
        field = self.query_one("#unlock-passphrase", Input)
        if field.disabled:
            return
        typed = field.value
        if not typed:
            self.say(EMPTY, error=True)
            field.focus()
            return
        field.disabled = True
        self.query_one("#unlock-open", Button).disabled = True
        self.say(CHECKING, error=False)
        self.check(typed)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def check(self, typed: str) -> None:
        """Derive the key and try it, in a thread (about 0.2 s): every key still answers meanwhile."""
        try:
            key = key_opens(self.rpl.journal_path, typed)
        except WrongKey:
            self.app.call_from_thread(self.refused, WRONG)
            return
        except (JournalError, OSError) as exc:
            self.app.call_from_thread(self.refused, f"The journal could not be opened: {exc}")
            return
        self.app.call_from_thread(self.opened, key)

    def refused(self, message: str) -> None:
        self.say(message, error=True)
        field = self.query_one("#unlock-passphrase", Input)
        field.disabled = False
        field.value = ""
        self.query_one("#unlock-open", Button).disabled = False
        field.focus()

    def opened(self, key: JournalKey) -> None:
        """The passphrase is right: the app opens the journal with its key (kept in this process's memory for
        its threads, never written anywhere) and shows Today."""
        problem = self.rpl.open_locked_journal(key)
        if problem:
            self.refused(problem)
