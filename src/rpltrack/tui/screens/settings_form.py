"""ClinicTargetsForm: the targets and retest intervals from her clinic, which override the guideline defaults.

An empty field means the guideline default. The form only validates: it dismisses the changed settings and the
screen that opened it saves them, so a failed save can reopen the form with her entries kept.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.settings import DEFAULTS, SETTINGS
from rpltrack.tui.format import shown
from rpltrack.tui.screens.base import DIALOGS_CSS, FormScreen
from rpltrack.tui.screens.warning_signs import FLAGS_CSS
from rpltrack.tui.widgets.safe_input import SafeInput

# The settings the form shows, with a short name for each (the errors and the saved note use it).
TARGETS: tuple[tuple[str, str], ...] = (
    ("tsh.target", "TSH target"),
    ("progesterone.threshold", "Progesterone level"),
    ("vitamin-d.threshold", "Vitamin D level"),
    ("retest.apl", "Repeat aPL tests after"),
    ("retest.tsh-pregnant", "TSH in pregnancy every"),
    ("retest.lit", "After LIT sessions"),
)
NAMES = dict(TARGETS)
INTRO = (
    "Targets your clinic gave you. Leave a field empty to use the guideline default; "
    "a flag that uses your clinic's target says so."
)


def input_id(key: str) -> str:
    return "target-" + key.replace(".", "-")


def error_id(key: str) -> str:
    return "target-error-" + key.replace(".", "-")


def placeholder(key: str) -> str:
    """The guideline default, shown in the empty field."""
    default = DEFAULTS.get(key)
    if default is None:
        return "guideline default"
    unit = SETTINGS[key].unit
    return f"default {default} {unit}".rstrip()


def shown_value(key: str, value: str) -> str:
    """'2 mIU/L', '8w', or 'the guideline default' for a reset."""
    if not value:
        return "the guideline default"
    unit = SETTINGS[key].unit
    return f"{value} {unit}".rstrip()


def saved_words(changes: dict[str, str]) -> str:
    """'TSH target 2 mIU/L; Repeat aPL tests after 8w.'"""
    return "; ".join(f"{NAMES.get(k, k)} {shown_value(k, v)}" for k, v in changes.items()) + "."


class ClinicTargetsForm(FormScreen[dict[str, str]]):
    """Dismisses the settings she changed (key -> canonical value, "" to reset), {} when nothing changed, or
    None on Escape. A value that cannot be read is shown beside its field and nothing is dismissed."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, FLAGS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="targets-cancel"),
        Binding("ctrl+s", "save", "Save", id="targets-save"),
    ]

    def __init__(
        self, stored: dict[str, str], *, entered: dict[str, str] | None = None, notice: str = ""
    ) -> None:
        super().__init__()
        self.stored = {key: stored.get(key, "") for key, _ in TARGETS}
        self.entered = dict(entered) if entered is not None else dict(self.stored)
        self.notice = notice

    def compose(self) -> ComposeResult:
        with Vertical(id="targets-form", classes="dialog"):
            yield Static("Your clinic's targets", classes="dialog-title", markup=False)
            if self.notice:
                yield Static(shown(self.notice), id="form-notice", markup=False)
            with VerticalScroll(id="targets-body"):
                yield Static(INTRO, classes="dialog-text", markup=False)
                for key, name in TARGETS:
                    setting = SETTINGS[key]
                    with Horizontal(classes="target-row"):
                        label = f"{name} ({setting.unit})" if setting.unit else name
                        yield Label(label, classes="target-label", markup=False)
                        yield SafeInput(
                            self.entered.get(key, ""),
                            placeholder=placeholder(key),
                            id=input_id(key),
                            classes="form-input target-input",
                            compact=True,
                        )
                        with Vertical(classes="target-about"):
                            about = setting.description
                            yield Static(
                                about[0].upper() + about[1:], classes="target-description", markup=False
                            )
                            yield Static("", id=error_id(key), classes="target-error", markup=False)
            yield Static("", id="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        for error in self.query(".target-error").results(Static):
            error.display = False

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#{input_id(key)}", Input).value for key, _ in TARGETS}

    def show_error(self, key: str, message: str) -> None:
        error = self.query_one(f"#{error_id(key)}", Static)
        error.update(shown(message))
        error.display = True
        self.query_one(f"#{input_id(key)}", Input).add_class("-rejected")

    def clear_errors(self) -> None:
        for error in self.query(".target-error").results(Static):
            error.update("")
            error.display = False
        for field in self.query(".target-input"):
            field.remove_class("-rejected")

    def action_save(self) -> None:
        """Check every field first: one that cannot be read keeps the form open and saves nothing."""
        self.clear_errors()
        self.entered = self.values()
        changes: dict[str, str] = {}
        rejected: list[str] = []
        for key, name in TARGETS:
            text = self.entered[key].strip()
            try:
                canonical = SETTINGS[key].parse(text) if text else ""
            except ValidationError as exc:
                message = exc.message.replace(key, name)
                self.show_error(key, message[0].upper() + message[1:])
                rejected.append(key)
                continue
            if canonical != self.stored[key]:
                changes[key] = canonical
        if rejected:
            self.query_one(f"#{input_id(rejected[0])}", Input).focus()
            return
        self.dismiss(changes)
