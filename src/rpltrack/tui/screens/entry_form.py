"""EntryForm: the one modal form of the app, for adding an entry of any kind and for changing one.

The form is described by its fields (FieldRow) and a `submit` function: submit turns the entered text into a
domain value and, for most forms, saves it. Every field is checked before anything is saved (`Checks`), so
every field that cannot be read is said at once, each beside its own field; the form stays open with her
entry kept, so nothing is saved on error and nothing she typed is lost.

A question from the journal — an unlikely value (NeedsConfirmation) or the same entry already recorded
(DuplicateEntry) — is asked in a dialog, not shown as an error: yes calls submit again with `sure` or
`again` set in its `Answers`, which it passes on to the journal.

The body scrolls, and Save and Cancel stay under it, so on a small terminal (80x24) every field and both
buttons are reached with Tab; ctrl+s saves from any field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from rpltrack.domain.errors import DuplicateEntry, NeedsConfirmation, ValidationError
from rpltrack.store.db import JournalError
from rpltrack.store.journal import JournalReadOnly
from rpltrack.tui.errors import app_text
from rpltrack.tui.format import shown
from rpltrack.tui.screens.base import DIALOGS_CSS, NOT_SAVED, READ_ONLY, FormScreen, fit_to_terminal
from rpltrack.tui.widgets.field_row import Field, FieldRow

__all__ = ["Answers", "Checks", "EntryForm", "Field", "FieldErrors", "optional"]

T = TypeVar("T")

SAVE_KEYS = "ctrl+s save · esc cancel · tab next field"


def optional(text: str) -> str:
    return " ".join(text.split())


def sentence(text: str) -> str:
    """A message as a sentence: capital first, full stop last."""
    text = " ".join(text.split())
    if not text:
        return ""
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


class FieldErrors(ValidationError):
    """Several fields that cannot be read, each with its message (field -> message, in the form's order)."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)


class Checks:
    """Reads every field before giving up, so the form can say all that is wrong at once:

    checks = Checks()
    with checks.on("value"):
        value = parse_hcg(entered["value"])
    with checks.on("at"):
        at = parse_local_datetime(entered["at"], zone)
    checks.done()  # raises FieldErrors naming each field that failed; the values are all read after it
    """

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    @contextmanager
    def on(self, field: str) -> Iterator[None]:
        try:
            yield
        except FieldErrors as exc:
            for name, message in exc.errors.items():
                self.errors.setdefault(name, message)
        except (DuplicateEntry, NeedsConfirmation):
            raise  # a question for her, not a field that cannot be read
        except ValidationError as exc:
            self.errors.setdefault(exc.field or field, app_text(exc))

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def done(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)


class Answers:
    """Her answers to the journal's questions so far: `sure` (an unlikely value is right) and `again` (the
    same entry is meant twice). `given()` is the keywords to pass on: only those answered yes, so a journal
    method that never asks is called as before."""

    def __init__(self) -> None:
        self.sure = False
        self.again = False

    def given(self) -> dict[str, Any]:
        return {name: True for name, yes in (("sure", self.sure), ("again", self.again)) if yes}


class EntryForm(FormScreen[T]):
    """Labelled fields with a message beside each; dismisses what `submit` returned, or None on Escape.

    `what` names the kind of entry in a question ("The same beta is already recorded (entry 7)…"); `errors`
    (field -> message) and `notice` are shown when the form opens (a form reopened after a failed save).
    """

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="entry-cancel"),
        Binding("ctrl+s", "save", "Save", id="entry-save"),
    ]

    def __init__(
        self,
        title: str,
        fields: tuple[Field, ...],
        submit: Callable[[dict[str, str], Answers], T],
        *,
        initial: dict[str, str] | None = None,
        intro: str = "",
        save_label: str = "Save",
        form_id: str = "entry-form",
        what: str = "entry",
        errors: dict[str, str] | None = None,
        notice: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.submit = submit
        self.initial = initial or {}
        self.intro = intro
        self.save_label = save_label
        self.form_id = form_id
        self.what = what
        self.errors = errors or {}
        self.notice = notice
        self.answers = Answers()

    # -- layout ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id=self.form_id, classes="dialog entry-form"):
            # The title and intro may name her records (a cycle's clinic, a flag that quotes a note).
            yield Static(shown(self.title_text), classes="dialog-title", markup=False)
            body = VerticalScroll(classes="form-body")
            body.can_focus = False  # Tab goes field to field; the body follows the focus
            with body:
                yield from self.compose_top()
                for field in self.fields:
                    yield FieldRow(field, self.initial.get(field.name, ""))
                yield from self.compose_bottom()
            yield Static("", id="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button(self.save_label, variant="primary", id="save")
                yield Button("Cancel", id="cancel")
                yield Static(SAVE_KEYS, classes="form-keys", markup=False)

    def compose_top(self) -> ComposeResult:
        """Above the fields: the intro and a notice (a form may add its own)."""
        if self.intro:
            yield Static(shown(self.intro), classes="dialog-text", markup=False)
        if self.notice:
            yield Static(shown(self.notice), id="form-notice", markup=False)

    def compose_bottom(self) -> ComposeResult:
        """Under the fields, inside the scrolling body (a form may add its own)."""
        yield from ()

    def on_mount(self) -> None:
        self.fit_height()
        if self.errors:
            self.show_errors(self.errors)

    def on_resize(self) -> None:
        self.fit_height()

    def fit_height(self) -> None:
        """On a short terminal the rows close up and the buttons go flat, so more of the form is in sight."""
        fit_to_terminal(self, ".form-buttons Button")

    # -- reading and errors ---------------------------------------------------------------------------

    def rows(self) -> list[FieldRow]:
        return list(self.query(FieldRow).results(FieldRow))

    def row(self, name: str) -> FieldRow:
        return self.query_one(f"#row-{name}", FieldRow)

    def values(self) -> dict[str, str]:
        """What she entered, as text ('' for a list left unchosen, 'yes'/'' for a tick box)."""
        return {row.field.name: row.value for row in self.rows()}

    def clear_errors(self) -> None:
        for row in self.rows():
            row.clear_error()
        self.query_one("#form-error", Static).update("")

    def show_error(self, message: str, field_name: str | None, *, focus: bool = True) -> None:
        """Beside the field it is about (focused); under the form when it is about no single field."""
        for row in self.rows():
            if row.field.answers(field_name):
                row.show_error(message)
                if focus:
                    row.input.focus()
                return
        self.query_one("#form-error", Static).update(shown(sentence(message)))

    def show_errors(self, errors: dict[str, str]) -> None:
        """Every message beside its field; the first field in the form's order takes the focus."""
        for name, message in errors.items():
            self.show_error(message, name, focus=False)
        for row in self.rows():
            if row.has_error:
                row.input.focus()
                return

    # -- saving ---------------------------------------------------------------------------------------

    def action_save(self) -> None:
        self.clear_errors()
        try:
            result = self.submit(self.values(), self.answers)
        except FieldErrors as exc:
            self.show_errors(exc.errors)
            return
        except DuplicateEntry as exc:
            self.ask(self.duplicate_question(exc), "again", yes="Add it again")
            return
        except NeedsConfirmation as exc:
            self.ask(sentence(app_text(exc)), "sure", yes="Yes, save it", field=exc.field)
            return
        except ValidationError as exc:
            self.show_error(app_text(exc), exc.field)
            return
        except JournalReadOnly:
            self.show_error(READ_ONLY, None)
            return
        except JournalError:
            self.show_error(NOT_SAVED, None)
            return
        self.dismiss(result)

    def duplicate_question(self, exc: DuplicateEntry) -> str:
        return f"The same {self.what} is already recorded (entry {exc.existing_id}). Add it again?"

    def ask(self, question: str, answer: str, *, yes: str, field: str | None = None) -> None:
        """Put the journal's question to her; yes saves again with that answer, no goes back to the form."""
        from rpltrack.tui.screens.forms import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                setattr(self.answers, answer, True)
                self.action_save()
                return
            for row in self.rows():
                if row.field.answers(field):
                    row.input.focus()
                    return

        self.app.push_screen(ConfirmDialog(question, yes=yes, no="Go back"), answered)
