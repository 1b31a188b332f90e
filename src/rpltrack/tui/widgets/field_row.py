"""FieldRow: one row of a form — a label, the field, and beside it the field's message.

Every form of the app (adding or changing an entry, the clinic targets, the welcome steps) is built of these
rows, so an error looks and behaves the same everywhere: it is said beside the field it is about, in red,
the field is tinted, and the words return to the field's hint (or nothing) once it is right.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from rpltrack.domain.records import record
from rpltrack.tui.format import shown
from rpltrack.tui.widgets.safe_input import SafeInput


@record(frozen=True)
class Field:
    """One row of a form. `choices` (value, words) makes it a list to pick from; `check` a tick box."""

    name: str  # the ValidationError.field it answers to
    label: str
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    check: bool = False
    also: tuple[str, ...] = ()  # other ValidationError fields shown beside this one (e.g. "unit" by "value")
    hint: str = ""  # words beside the field while it has no error (an error takes their place)
    id: str = ""  # the field's widget id, when not entry-<name>

    @property
    def input_id(self) -> str:
        return self.id or f"entry-{self.name}"

    def answers(self, field: str | None) -> bool:
        """True when an error about `field` belongs beside this row."""
        return field is not None and field in (self.name, *self.also)


class FieldRow(Horizontal):
    """A label, the field (a text input, a list to pick from or a tick box) and its message (#error-<name>).

    `value` reads the field as text: what she typed, the chosen value ('' when none), 'yes' or '' for a box.
    """

    def __init__(self, field: Field, value: str = "", *, classes: str = "") -> None:
        super().__init__(id=f"row-{field.name}", classes=f"form-row {classes}".strip())
        self.field = field
        self.initial = value

    def compose(self) -> ComposeResult:
        yield Label(self.field.label, classes="form-label", markup=False)
        yield self.make_input()
        message = Static(self.field.hint, id=f"error-{self.field.name}", classes="field-error", markup=False)
        message.set_class(bool(self.field.hint), "-hint")
        yield message

    def make_input(self) -> Widget:
        field, value = self.field, self.initial
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

    @property
    def input(self) -> Widget:
        return self.query_one(f"#{self.field.input_id}")

    @property
    def message(self) -> Static:
        return self.query_one(f"#error-{self.field.name}", Static)

    @property
    def value(self) -> str:
        widget = self.input
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        if isinstance(widget, Checkbox):
            return "yes" if widget.value else ""
        if isinstance(widget, Input):
            return widget.value
        return ""

    @property
    def has_error(self) -> bool:
        return self.message.has_class("-error")

    def show_error(self, message: str) -> None:
        """The message beside the field (a sentence: capital first), and the field tinted."""
        text = " ".join(message.split())
        text = text[:1].upper() + text[1:]
        self.message.update(shown(text))
        self.message.set_class(True, "-error")
        self.message.set_class(False, "-hint")
        self.input.add_class("-rejected")

    def clear_error(self) -> None:
        self.message.update(self.field.hint)
        self.message.set_class(False, "-error")
        self.message.set_class(bool(self.field.hint), "-hint")
        self.input.remove_class("-rejected")
