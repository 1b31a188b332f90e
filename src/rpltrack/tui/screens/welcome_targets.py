"""TargetsStep: the welcome flow's first step, her clinic's targets (TSH, progesterone, vitamin D), each
checked as `rpltrack settings set` checks it; a field left empty keeps the guideline default."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widget import Widget
from textual.widgets import Input, Static

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.settings import SETTINGS
from rpltrack.store.db import JournalError
from rpltrack.tui.errors import app_text
from rpltrack.tui.screens.welcome_base import (
    SAVE,
    SKIP_STEP,
    WelcomeStep,
    field_row,
    step_buttons,
    write_failed,
)
from rpltrack.tui.screens.welcome_steps import (
    TARGET_KEYS,
    TARGET_NAMES,
    TARGETS_TEXT,
    Pane,
    target_hint,
    target_id,
)


class TargetsStep(WelcomeStep):
    """Three fields and Save and continue; Escape or Skip moves on and saves nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [SKIP_STEP, SAVE]

    def __init__(self) -> None:
        super().__init__(id="targets")

    def compose(self) -> ComposeResult:
        with Pane(classes="welcome-pane"):
            yield Static(TARGETS_TEXT, classes="welcome-text", markup=False)
            for key in TARGET_KEYS:
                label = f"{TARGET_NAMES[key]} ({SETTINGS[key].unit})"
                yield from field_row(target_id(key), label, target_hint(key), classes="target-field")
            yield from step_buttons("targets", "Save and continue", back=False)

    def field(self, key: str) -> Input:
        return self.query_one(f"#{target_id(key)}", Input)

    def prepare(self) -> None:
        """A target the journal holds already (set on Flags, or on an earlier run) is shown in its field."""
        stored = self.journal.stored_settings()
        for key in TARGET_KEYS:
            field = self.field(key)
            if not field.value and stored.get(key):
                field.value = stored[key]

    def first_focus(self) -> Widget:
        return self.field(TARGET_KEYS[0])

    def action_save(self) -> None:
        """Read all three first: one that cannot be read keeps the step open and saves none. Each target
        that changed is on disk before the next step shows."""
        self.clear_errors()
        stored = self.journal.stored_settings()
        changes: dict[str, str] = {}
        rejected = []
        for key in TARGET_KEYS:
            text = self.field(key).value.strip()
            try:
                canonical = SETTINGS[key].parse(text) if text else ""
            except ValidationError as exc:
                self.field_error(target_id(key), app_text(exc).replace(key, TARGET_NAMES[key]), focus=False)
                rejected.append(key)
                continue
            if canonical != stored.get(key, ""):
                changes[key] = canonical
        if rejected:
            self.field(rejected[0]).focus()
            return
        now = self.clock.now()
        saved: list[str] = []
        for key, value in changes.items():
            try:
                self.journal.set_setting(key, value, now)
            except (JournalError, ValidationError) as exc:
                done = f" Saved so far: {', '.join(saved)}." if saved else ""
                self.pane_error("targets", write_failed(exc) + done)
                return
            saved.append(TARGET_NAMES[key])
        self.done()
