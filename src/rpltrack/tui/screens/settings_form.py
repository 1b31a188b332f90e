"""ClinicTargetsForm: the targets and retest intervals from her clinic, which override the guideline defaults.

An empty field means the guideline default. The form only validates: it dismisses the changed settings and the
screen that opened it saves them, so a failed save can reopen the form with her entries kept.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import ClassVar

from textual.binding import Binding, BindingType

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.settings import DEFAULTS, SETTINGS
from rpltrack.tui.errors import app_text
from rpltrack.tui.screens.base import DIALOGS_CSS
from rpltrack.tui.screens.entry_form import Answers, Checks, EntryForm, Field
from rpltrack.tui.screens.warning_signs import FLAGS_CSS

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


def field_name(key: str) -> str:
    """'tsh-target': a setting's field (its input is #target-tsh-target, its message #error-tsh-target)."""
    return key.replace(".", "-")


def input_id(key: str) -> str:
    return "target-" + field_name(key)


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


def target_field(key: str, name: str) -> Field:
    """A setting as a form row: its name (and unit), the default as the placeholder, what it is beside."""
    setting = SETTINGS[key]
    about = setting.description
    return Field(
        field_name(key),
        f"{name} ({setting.unit})" if setting.unit else name,
        placeholder(key),
        hint=about[0].upper() + about[1:],
        id=input_id(key),
    )


TARGET_FIELDS = tuple(target_field(key, name) for key, name in TARGETS)


class ClinicTargetsForm(EntryForm[dict[str, str]]):
    """Dismisses the settings she changed (key -> canonical value, "" to reset), {} when nothing changed, or
    None on Escape. Every value that cannot be read is shown beside its field and nothing is dismissed."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, FLAGS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="targets-cancel"),
        Binding("ctrl+s", "save", "Save", id="targets-save"),
    ]

    def __init__(
        self, stored: dict[str, str], *, entered: dict[str, str] | None = None, notice: str = ""
    ) -> None:
        self.stored = {key: stored.get(key, "") for key, _ in TARGETS}
        self.entered = dict(entered) if entered is not None else dict(self.stored)
        super().__init__(
            "Your clinic's targets",
            TARGET_FIELDS,
            self.read,
            initial={field_name(key): value for key, value in self.entered.items()},
            intro=INTRO,
            notice=notice,
            form_id="targets-form",
        )

    def read(self, entered: dict[str, str], answers: Answers) -> dict[str, str]:
        """Check every field first: any that cannot be read keeps the form open and saves nothing."""
        self.entered = {key: entered[field_name(key)] for key, _ in TARGETS}
        changes: dict[str, str] = {}
        checks = Checks()
        for key, name in TARGETS:
            text = self.entered[key].strip()
            with checks.on(field_name(key)):
                try:
                    canonical = SETTINGS[key].parse(text) if text else ""
                except ValidationError as exc:
                    raise ValidationError(app_text(exc).replace(key, name), field=field_name(key)) from None
                if canonical != self.stored[key]:
                    changes[key] = canonical
        checks.done()
        return changes
