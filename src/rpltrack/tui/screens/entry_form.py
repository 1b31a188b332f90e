"""EntryForm: one modal form for the timeline entries (cycle, event, transfer, beta, pregnancy, loss).

The form is described by its fields and a `submit` function: submit turns the entered text into a domain
value (and, for most forms, saves it). A ValidationError from either step is shown beside its field and the
form stays open with her entry kept, so nothing is saved on error and nothing she typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import record
from rpltrack.store.db import JournalError
from rpltrack.store.journal import JournalReadOnly
from rpltrack.tui.format import shown
from rpltrack.tui.screens.base import DIALOGS_CSS, NOT_SAVED, READ_ONLY, FormScreen
from rpltrack.tui.widgets.safe_input import SafeInput

T = TypeVar("T")


@record(frozen=True)
class Field:
    """One row of a form. `choices` (value, words) makes it a list to pick from; `check` a tick box."""

    name: str  # the ValidationError.field it answers to
    label: str
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    check: bool = False
    also: tuple[str, ...] = ()  # other ValidationError fields shown beside this one (e.g. "unit" by "value")

    @property
    def input_id(self) -> str:
        return f"entry-{self.name}"


def optional(text: str) -> str:
    return " ".join(text.split())


class EntryForm(FormScreen[T]):
    """Labelled fields with a message beside each; dismisses what `submit` returned, or None on Escape."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="entry-cancel"),
        Binding("ctrl+s", "save", "Save", id="entry-save"),
    ]

    def __init__(
        self,
        title: str,
        fields: tuple[Field, ...],
        submit: Callable[[dict[str, str]], T],
        *,
        initial: dict[str, str] | None = None,
        intro: str = "",
        save_label: str = "Save",
        form_id: str = "entry-form",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.submit = submit
        self.initial = initial or {}
        self.intro = intro
        self.save_label = save_label
        self.form_id = form_id

    def compose(self) -> ComposeResult:
        with Vertical(id=self.form_id, classes="dialog entry-form"):
            # The title and intro may name her records (a cycle's clinic, a flag that quotes a note).
            yield Static(shown(self.title_text), classes="dialog-title", markup=False)
            if self.intro:
                yield Static(shown(self.intro), classes="dialog-text", markup=False)
            for field in self.fields:
                with Horizontal(classes="form-row"):
                    yield Label(field.label, classes="form-label")
                    yield self._widget(field, self.initial.get(field.name, ""))
                    yield Static("", id=f"error-{field.name}", classes="field-error", markup=False)
            yield Static("", id="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button(self.save_label, variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    @staticmethod
    def _widget(field: Field, value: str) -> Widget:
        if field.choices:
            select: Select[str] = Select(
                [(words, key) for key, words in field.choices],
                prompt="Choose…",
                allow_blank=not value,
                value=value if value else Select.NULL,
                id=field.input_id,
                classes="form-input",
                compact=True,
            )
            return select
        if field.check:
            return Checkbox(field.placeholder, value == "yes", id=field.input_id, compact=True)
        # Prefilled with her own text to change (a clinic, a note): kept exactly, drawn with controls shown.
        return SafeInput(
            value, placeholder=field.placeholder, id=field.input_id, classes="form-input", compact=True
        )

    def values(self) -> dict[str, str]:
        """What she entered, as text ('' for a list left unchosen, 'yes'/'' for a tick box)."""
        entered: dict[str, str] = {}
        for field in self.fields:
            widget = self.query_one(f"#{field.input_id}")
            if isinstance(widget, Select):
                entered[field.name] = "" if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, Checkbox):
                entered[field.name] = "yes" if widget.value else ""
            elif isinstance(widget, Input):
                entered[field.name] = widget.value
        return entered

    def clear_errors(self) -> None:
        for error in self.query(".field-error").results(Static):
            error.update("")
        self.query_one("#form-error", Static).update("")
        for widget in self.query(".form-input"):
            widget.remove_class("-rejected")

    def show_error(self, message: str, field_name: str | None) -> None:
        """Beside the field it is about, focused; under the form when it is about no single field."""
        for field in self.fields:
            if field_name is not None and field_name in (field.name, *field.also):
                self.query_one(f"#error-{field.name}", Static).update(shown(message))
                widget = self.query_one(f"#{field.input_id}")
                widget.add_class("-rejected")
                widget.focus()
                return
        self.query_one("#form-error", Static).update(shown(message))

    def action_save(self) -> None:
        self.clear_errors()
        try:
            result = self.submit(self.values())
        except ValidationError as exc:
            self.show_error(exc.message, exc.field)
            return
        except JournalReadOnly:
            self.show_error(READ_ONLY, None)
            return
        except JournalError:
            self.show_error(NOT_SAVED, None)
            return
        self.dismiss(result)
