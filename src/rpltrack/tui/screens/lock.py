"""Locking the journal from the app (#17): the palette's "Lock the journal", "Change the passphrase", "Forget
the key (ask every time)" and "Unlock (turn back into a plain file)", each a dialog with the explanations and
confirmations of `rpltrack lock|passphrase|forget-key|unlock`.

A conversion needs the file to itself (store.locking.convert): the app closes its own connection, the work
runs in a thread (key derivation, the encrypted copy, its check, the swap, the backups), and the app opens
the journal again, with the new key kept in this process's memory, before the dialog says what was done.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static
from textual.widgets.button import ButtonVariant

from rpltrack.domain.display import terminal_text
from rpltrack.store import crypto
from rpltrack.store.db import JournalError
from rpltrack.tui.screens.base import DIALOGS_CSS

if TYPE_CHECKING:
    from rpltrack.tui.app import RpltrackApp

LOCK_CSS = str(Path(__file__).resolve().parent.parent / "lock.tcss")

# The same words as `rpltrack lock` (cli/lock.py UNRECOVERABLE; a test keeps them equal).
UNRECOVERABLE = (
    "A forgotten passphrase cannot be recovered: without it (or the key kept in your keyring) nobody, "
    "rpltrack included, can open the journal or its backups."
)
WHAT_LOCKING_DOES = (
    "Locking encrypts your journal and its backups on this computer with a passphrase you choose: anyone "
    "who copies the files sees nothing without it. Exports (CSV, calendar, the brief) stay plain."
)
KEEP_LABEL = "Keep the key in your OS keyring"
KEEP_NOTE = "rpltrack and its reminders then open the journal without asking."
WEAK = (
    "This passphrase is easy to guess, so the lock would protect little. Press the button again to use it "
    "anyway, or choose a longer one (a few unrelated words)."
)
DIFFER = "The two passphrases differ. Nothing was changed."
NONE_TYPED = "No passphrase was typed. Nothing was changed."
WRONG_CURRENT = "That is not the journal's current passphrase. Nothing was changed; check it and try again."
WAITING = "Waiting for the other rpltrack (the app or the reminder timer) to close the journal…"
UNAVAILABLE = (
    "Locking is unavailable in this rpltrack: SQLCipher (sqlcipher3) is not installed here. To add it: "
    'pip install "rpltrack[encrypted]"'
)
READ_ONLY = "This journal is open read-only, so it cannot be locked or unlocked. Nothing was changed."

# The palette's names (commands.py offers them on every screen).
LOCK = "Lock the journal"
CHANGE = "Change the passphrase"
FORGET = "Forget the key (ask every time)"
FORGET_KEY = f"“{FORGET}” (ctrl+p) removes it."
UNLOCK = "Unlock (turn back into a plain file)"


def refusal(app: RpltrackApp) -> str:
    """Why the journal cannot be converted now, or "" (the checks of the command line's lock and unlock)."""
    if not crypto.cipher_available():
        return UNAVAILABLE
    journal = app.journal
    if journal.readonly:
        return READ_ONLY
    damage = journal.check()
    if damage:
        return (
            f"The journal looks damaged ({damage[0]}); it was not converted. `rpltrack check` says more. "
            "Nothing was changed."
        )
    return ""


def palette_commands(app: object) -> list[tuple[str, str, Callable[[], object]]]:
    """(name, help, run) of the locking commands that apply to the journal as it is: Lock on a plain one;
    Change the passphrase, Forget the key and Unlock on a locked one."""
    from rpltrack.tui.app import RpltrackApp

    if not isinstance(app, RpltrackApp) or not app.journal_is_open:
        return []
    if not app.journal.encrypted:
        return [
            (LOCK, "encrypt the journal and its backups with a passphrase", lambda: open_dialog(app, LOCK))
        ]
    return [
        (CHANGE, "a new passphrase for the journal and its backups", lambda: open_dialog(app, CHANGE)),
        (FORGET, "take its key out of your keyring: every start asks", lambda: open_dialog(app, FORGET)),
        (UNLOCK, "decrypt the journal and its backups, after asking", lambda: open_dialog(app, UNLOCK)),
    ]


def open_dialog(
    app: RpltrackApp, which: str, done: Callable[[bool | None], None] | None = None
) -> LockingDialog | None:
    """The dialog of one locking command (returned, to read what it did once closed), or a notice saying why
    it cannot run now (None)."""
    problem = "" if which == FORGET else refusal(app)
    if problem:
        app.notify(problem, title=which, severity="warning", timeout=15, markup=False)
        return None
    dialog: LockingDialog = {
        LOCK: LockDialog,
        CHANGE: ChangePassphraseDialog,
        FORGET: ForgetKeyDialog,
        UNLOCK: UnlockJournalDialog,
    }[which]()
    app.push_screen(dialog, done)
    return dialog


class LockingDialog(ModalScreen[bool]):
    """What the four dialogs share: the asking part (#lock-ask), a line saying what is going on while the
    work runs in a thread, then what was done with Close (#lock-done). Dismisses True once the journal was
    changed (converted, or its key forgotten), else False."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, LOCK_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel", id="lock-dialog-close"),
    ]
    TITLE_TEXT = ""
    GO_LABEL = ""
    GO_VARIANT: ClassVar[ButtonVariant] = "primary"
    STAY_LABEL = "Cancel"
    KEYS_HINT = "esc cancel"

    def __init__(self) -> None:
        super().__init__()
        self.working = False
        self.changed = False
        self.finished = False
        self.lines: list[str] = []  # what was done, once done

    @property
    def rpl(self) -> RpltrackApp:
        return cast("RpltrackApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-dialog", classes="dialog"):
            yield Static(self.TITLE_TEXT, classes="dialog-title", markup=False)
            body = VerticalScroll(id="lock-ask", classes="form-body")
            body.can_focus = False
            with body:
                yield from self.compose_ask()
            result = VerticalScroll(id="lock-done", classes="form-body")
            result.can_focus = False
            result.display = False
            with result:
                yield Static("", id="lock-result", markup=False)
            # The message and the buttons stay in sight under what scrolls (80x24).
            with Vertical(id="lock-foot"):
                yield Static("", id="lock-message", markup=False)
                with Horizontal(classes="form-buttons", id="lock-buttons"):
                    yield Button(self.GO_LABEL, variant=self.GO_VARIANT, id="lock-go")
                    yield Button(self.STAY_LABEL, id="lock-cancel")
                    yield Static(self.KEYS_HINT, classes="form-keys", markup=False)
                with Horizontal(classes="form-buttons", id="lock-close-row") as row:
                    row.display = False
                    yield Button("Close", variant="primary", id="lock-close")

    def compose_ask(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.first_focus().focus()
        self.mounted()

    def first_focus(self) -> Input | Button:
        """The first field, else the button that does it."""
        first = list(self.query("#lock-ask Input").results(Input))
        return first[0] if first else self.query_one("#lock-go", Button)

    def mounted(self) -> None:
        """Anything a dialog starts once shown."""

    def say(self, message: str, *, error: bool = True) -> None:
        line = self.query_one("#lock-message", Static)
        line.update(terminal_text(message))
        line.set_class(error, "-error")

    def action_close(self) -> None:
        if not self.working:
            self.dismiss(self.changed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close":
            return not self.working
        return True

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "lock-go":
            self.go()
        elif not self.working:
            self.dismiss(self.changed)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        fields = list(self.query("#lock-ask Input").results(Input))
        index = fields.index(event.input) if event.input in fields else len(fields) - 1
        if index + 1 < len(fields) and not fields[index + 1].value:
            fields[index + 1].focus()  # Enter moves on to the next empty field, then does it
        else:
            self.go()

    def go(self) -> None:
        """Check what she entered; then start the work (start_work)."""

    def start_work(self, status: str) -> None:
        """The asking part is locked while the work runs: a thread does it, keys still answer."""
        self.working = True
        for widget in self.query("#lock-ask Input, #lock-ask Checkbox, #lock-buttons Button"):
            widget.disabled = True
        self.say(status, error=False)
        self.refresh_bindings()

    def waiting(self) -> None:
        """Called from the work's thread while another rpltrack keeps the journal open."""
        self.app.call_from_thread(self.say, WAITING, error=False)

    def done(self, lines: list[str], *, changed: bool) -> None:
        """What was done, in place of the asking part, with Close."""
        self.working = False
        self.finished = True
        self.changed = changed
        self.lines = lines
        self.query_one("#lock-ask").display = False
        self.query_one("#lock-buttons").display = False
        self.query_one("#lock-message").display = False
        self.query_one("#lock-result", Static).update(terminal_text("\n".join(lines)))
        self.query_one("#lock-done").display = True
        self.query_one("#lock-close-row").display = True
        self.query_one("#lock-close", Button).focus()
        self.refresh_bindings()

    def refused(self, message: str, focus: str = "") -> None:
        """The work did not start (a wrong current passphrase): the fields answer again."""
        self.working = False
        for widget in self.query("#lock-ask Input, #lock-ask Checkbox, #lock-buttons Button"):
            widget.disabled = False
        self.apply_keyring_problem()
        self.say(message)
        if focus:
            self.query_one(focus, Input).focus()
        self.refresh_bindings()

    def apply_keyring_problem(self) -> None:
        """Overridden where a keyring choice is offered."""

    def convert_with(self, job: Callable[[], list[str]]) -> None:
        """Run `job` (in this thread) with the app's own connection closed, then open the journal again
        (in its new form, or as it was when the job failed) and say what happened."""
        app = self.rpl
        app.call_from_thread(app.close_journal_for_conversion)
        changed = False
        try:
            lines, changed = job(), True
        except JournalError as exc:  # NotConverted, another rpltrack that kept it, a wrong key
            lines = [str(exc)]
        except Exception as exc:
            lines = [f"Something went wrong ({type(exc).__name__}: {exc})."]
        finally:
            problem = app.call_from_thread(app.reopen_journal_after_conversion)
        if not changed:
            lines.append(f"The journal is {crypto.kind_words(app.journal_path)} file, whole.")
        if problem:
            lines.append(problem)
        app.call_from_thread(self.done, lines, changed=changed)


class PassphraseFields(LockingDialog):
    """A new passphrase typed twice, its strength shown as she types, and where its key is kept."""

    ASK_CURRENT = False
    KEYS_HINT = "enter next field · esc cancel"

    def __init__(self) -> None:
        super().__init__()
        self.weak_accepted = ""  # a weak passphrase she chose to use anyway (the button pressed twice)
        self.keyring_problem: str | None = None  # None until known (asked in a thread: D-Bus)

    def compose_ask(self) -> ComposeResult:
        yield from self.compose_intro()
        if self.ASK_CURRENT:
            yield from self.field("current", "Current")
        yield from self.field("new", "New passphrase" if self.ASK_CURRENT else "Passphrase")
        yield Static("", id="lock-strength", classes="lock-note", markup=False)
        yield from self.field("again", "Again")
        yield Checkbox(KEEP_LABEL, True, id="lock-keep", compact=True)
        yield Static(KEEP_NOTE, id="lock-keyring", classes="lock-note", markup=False)

    def compose_intro(self) -> ComposeResult:
        yield from ()

    def field(self, name: str, label: str) -> ComposeResult:
        with Horizontal(classes="form-row lock-row", id=f"row-lock-{name}"):
            yield Static(label, classes="form-label", markup=False)
            yield Input(password=True, id=f"lock-{name}", classes="form-input", compact=True)

    def mounted(self) -> None:
        self.find_keyring()

    @work(thread=True, exclusive=True, group="lock-keyring", exit_on_error=False)
    def find_keyring(self) -> None:
        """Whether an OS keyring can keep the key here (asking the keyring library can take a moment)."""
        try:
            problem = crypto.keyring_problem()
        except Exception as exc:
            problem = f"the keyring could not be asked ({exc})"
        self.app.call_from_thread(self.keyring_found, problem)

    def keyring_found(self, problem: str) -> None:
        self.keyring_problem = problem
        self.apply_keyring_problem()

    def apply_keyring_problem(self) -> None:
        if not self.keyring_problem:
            return
        box = self.query_one("#lock-keep", Checkbox)
        box.value = False
        box.disabled = True
        self.query_one("#lock-keyring", Static).update(
            terminal_text(
                f"No OS keyring can keep the key here: {self.keyring_problem}. rpltrack will ask for the "
                "passphrase at every start."
            )
        )

    @on(Input.Changed, "#lock-new")
    def _new_changed(self, event: Input.Changed) -> None:
        self.weak_accepted = ""
        if not event.value:
            self.workers.cancel_group(self, "lock-strength")
            self.query_one("#lock-strength", Static).update("")
            return
        self.measure(event.value)

    @work(thread=True, exclusive=True, group="lock-strength", exit_on_error=False)
    def measure(self, text: str) -> None:
        """The strength line as she types, worked out in a thread (zxcvbn takes a few milliseconds, more the
        first time); only the newest answer is shown."""
        from textual.worker import get_current_worker

        try:
            _, line = crypto.passphrase_strength(text)
        except ImportError:
            line = ""
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_strength, text, line)

    def show_strength(self, text: str, line: str) -> None:
        if self.query_one("#lock-new", Input).value == text:
            self.query_one("#lock-strength", Static).update(line)

    def chosen(self) -> str | None:
        """The new passphrase when it can be used: typed, the same twice, and strong enough or accepted
        weak (the second press); else None with what is wrong said."""
        new = self.query_one("#lock-new", Input).value
        again = self.query_one("#lock-again", Input).value
        if not new:
            self.say(NONE_TYPED)
            self.query_one("#lock-new", Input).focus()
            return None
        if again != new:
            self.say(DIFFER)
            self.query_one("#lock-again", Input).focus()
            return None
        score, line = crypto.passphrase_strength(new)
        self.query_one("#lock-strength", Static).update(line)
        if score < crypto.MIN_SCORE and self.weak_accepted != new:
            self.weak_accepted = new
            self.say(WEAK)
            return None
        return new

    def keep(self) -> bool:
        return self.query_one("#lock-keep", Checkbox).value and not self.keyring_problem


class LockDialog(PassphraseFields):
    """Lock the journal: what locking does, that a forgotten passphrase cannot be recovered, the passphrase
    twice with its strength, and whether the keyring keeps the key."""

    TITLE_TEXT = "Lock the journal"
    GO_LABEL = "Lock"

    def compose_intro(self) -> ComposeResult:
        yield Static(WHAT_LOCKING_DOES, classes="dialog-text", markup=False)
        yield Static(UNRECOVERABLE, classes="dialog-text lock-warning", markup=False)

    def go(self) -> None:
        passphrase = self.chosen()
        if passphrase is None:
            return
        self.start_work("Locking: writing an encrypted copy, checking every row, then swapping it in…")
        self.run_lock(passphrase, self.keep())

    @work(thread=True, exclusive=True, group="lock-convert", exit_on_error=False)
    def run_lock(self, passphrase: str, keep: bool) -> None:
        from rpltrack.store.locking import change_key, changed_words

        path = self.rpl.journal_path
        key = crypto.new_key(passphrase)  # about 0.2 s, before the journal is closed
        note_locked = self.rpl.note_locked

        def job() -> list[str]:
            done, problem = change_key(path, None, key, keep=keep, waiting=self.waiting)
            if note_locked is not None:
                note_locked(path, key.journal_id)
            return changed_words(
                path, done, locked_before=False, keep=keep, problem=problem, forget=FORGET_KEY
            )

        self.convert_with(job)


class ChangePassphraseDialog(PassphraseFields):
    """Change the passphrase: the current one first (never the keyring's key), then the new one twice."""

    TITLE_TEXT = "Change the passphrase"
    GO_LABEL = "Change"
    ASK_CURRENT = True

    def compose_intro(self) -> ComposeResult:
        yield Static(
            "The journal and its backups are locked again with a new passphrase; the old one no longer "
            "opens them.",
            classes="dialog-text",
            markup=False,
        )
        yield Static(UNRECOVERABLE, classes="dialog-text lock-warning", markup=False)

    def go(self) -> None:
        current = self.query_one("#lock-current", Input).value
        if not current:
            self.say("Type the current passphrase first. Nothing was changed.")
            self.query_one("#lock-current", Input).focus()
            return
        passphrase = self.chosen()
        if passphrase is None:
            return
        self.start_work("Checking the current passphrase…")
        self.run_change(current, passphrase, self.keep())

    @work(thread=True, exclusive=True, group="lock-convert", exit_on_error=False)
    def run_change(self, current: str, passphrase: str, keep: bool) -> None:
        from rpltrack.store.locking import change_key, changed_words
        from rpltrack.tui.screens.unlock import key_opens

        path = self.rpl.journal_path
        try:
            old = key_opens(path, current)
        except JournalError:  # WrongKey
            self.app.call_from_thread(self.refused, WRONG_CURRENT, "#lock-current")
            return
        self.app.call_from_thread(self.say, "Re-locking the journal and its backups…", error=False)
        key = crypto.new_key(passphrase)
        note_locked = self.rpl.note_locked

        def job() -> list[str]:
            done, problem = change_key(path, old, key, keep=keep, waiting=self.waiting)
            if note_locked is not None:
                note_locked(path, key.journal_id)
            return changed_words(
                path, done, locked_before=True, keep=keep, problem=problem, forget=FORGET_KEY
            )

        self.convert_with(job)


class UnlockJournalDialog(LockingDialog):
    """Unlock: turn the journal and its backups back into plain files, after asking."""

    TITLE_TEXT = "Unlock the journal"
    GO_LABEL = "Unlock"
    GO_VARIANT = "warning"
    STAY_LABEL = "Keep it locked"

    def compose_ask(self) -> ComposeResult:
        yield Static(
            terminal_text(
                f"Turn the journal at {self.rpl.journal_path} and its backups back into plain files that "
                "anyone with the files can read?"
            ),
            classes="dialog-text",
            markup=False,
        )
        yield Static(
            "Its key, if your OS keyring keeps it, is removed from it.", classes="dialog-text", markup=False
        )

    def first_focus(self) -> Input | Button:
        return self.query_one("#lock-cancel", Button)  # the safe answer first

    def go(self) -> None:
        key = self.rpl.journal.journal_key
        if key is None:
            self.say("The journal is not locked; nothing to do.")
            return
        self.start_work("Unlocking: writing a plain copy, checking every row, then swapping it in…")
        self.run_unlock(key)

    @work(thread=True, exclusive=True, group="lock-convert", exit_on_error=False)
    def run_unlock(self, key: crypto.JournalKey) -> None:
        from rpltrack.store.locking import remove_key

        path = self.rpl.journal_path
        self.convert_with(lambda: remove_key(path, key, waiting=self.waiting))


class ForgetKeyDialog(LockingDialog):
    """Forget the key: take it out of the OS keyring, so every start asks for the passphrase. This run of
    the app keeps it in memory until it closes (its reminders and threads still open the journal)."""

    TITLE_TEXT = "Forget the key"
    GO_LABEL = "Forget the key"
    STAY_LABEL = "Keep it"

    def compose_ask(self) -> ComposeResult:
        yield Static(
            "Remove the journal's key from your OS keyring: every start then asks for the passphrase, and "
            "reminders with the app closed only say that rpltrack is locked.",
            classes="dialog-text",
            markup=False,
        )
        yield Static(UNRECOVERABLE, classes="dialog-text lock-warning", markup=False)

    def go(self) -> None:
        key = self.rpl.journal.journal_key
        if key is None:
            self.say("The journal is not locked, so no key is kept for it.")
            return
        self.start_work("Removing the key from your keyring…")
        self.run_forget(key)

    @work(thread=True, exclusive=True, group="lock-convert", exit_on_error=False)
    def run_forget(self, key: crypto.JournalKey) -> None:
        path = self.rpl.journal_path
        try:
            removed = crypto.delete_stored_key(key.salt)
        finally:
            crypto.remember_in_process(key)  # this run keeps it until it closes
        if removed:
            line = (
                f"Removed the key of the journal at {path} from your OS keyring: every start now asks for "
                "the passphrase, and reminders only say that rpltrack is locked."
            )
        else:
            line = (
                f"No key of the journal at {path} was kept in your OS keyring; every start asks for the "
                "passphrase."
            )
        self.app.call_from_thread(self.done, [line], changed=removed)
