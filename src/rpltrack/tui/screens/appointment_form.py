"""The appointment forms: add or change an appointment, a question of her own, and recording the visit.

The add, edit and question forms are EntryForms; the visit form ticks off the questions she asked. Each saves
while it is still open, so a value that is not accepted, or a write that did not reach the disk, is shown in
the form with her entry kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from rpltrack.domain.appointments import KIND_WORDS, Appointment, AppointmentKind
from rpltrack.domain.datetext import parse_local_datetime
from rpltrack.domain.errors import ValidationError
from rpltrack.store.db import JournalError
from rpltrack.store.journal import JournalReadOnly
from rpltrack.tui.errors import app_text
from rpltrack.tui.format import plain, shown
from rpltrack.tui.screens.base import DIALOGS_CSS, NOT_SAVED, READ_ONLY, FormScreen, fit_to_terminal
from rpltrack.tui.screens.entry_form import EntryForm, Field, optional
from rpltrack.tui.widgets.safe_input import SafeInput

# The stylesheet of the Appointments screen, its forms and the Export screen (loaded when the first opens).
APPOINTMENTS_CSS = str(Path(__file__).resolve().parent.parent / "appointments.tcss")

ABBREVIATIONS = {AppointmentKind.RE: " (RE)", AppointmentKind.OB: " (OB)"}


def kind_choice(kind: AppointmentKind) -> str:
    """'Reproductive endocrinologist (RE)', 'Blood draw', 'Other': the kinds as the form lists them."""
    if kind is AppointmentKind.OTHER:
        return "Other"
    words = KIND_WORDS[kind]
    return words[0].upper() + words[1:] + ABBREVIATIONS.get(kind, "")


KIND_CHOICES = tuple((kind.value, kind_choice(kind)) for kind in AppointmentKind)
WHEN_HINT = "YYYY-MM-DD HH:MM, e.g. 2026-11-30 10:15"
APPOINTMENT_FIELDS = (
    Field("when", "When", WHEN_HINT),
    Field("kind", "With a", choices=KIND_CHOICES),
    Field("with", "Name", "optional, e.g. Dr Lee"),
    Field("where", "Where", "optional, e.g. City Fertility, 2nd floor"),
    Field("purpose", "Purpose", "optional, e.g. results review"),
    Field("notes", "Notes", "optional"),
)
QUESTION_FIELDS = (Field("question", "Question", "e.g. Should I keep taking aspirin?"),)
SAVE_KEYS = "Ctrl+S saves, Escape cancels."


def local_text(at: datetime, zone: ZoneInfo) -> str:
    """'2026-11-30 10:15' in her zone: how the form shows and reads a time."""
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M}"


def initial_values(appt: Appointment, zone: ZoneInfo) -> dict[str, str]:
    """An appointment as the form's text, to change it."""
    return {
        "when": local_text(appt.at, zone),
        "kind": appt.kind.value,
        "with": appt.with_name,
        "where": appt.where,
        "purpose": appt.purpose,
        "notes": appt.notes,
    }


def read_fields(entered: dict[str, str], zone: ZoneInfo) -> dict[str, Any]:
    """What she entered as Appointment fields (when in her zone), or a ValidationError beside its field."""
    at = parse_local_datetime(entered["when"].strip(), zone, "when")
    if not entered["kind"]:
        raise ValidationError("choose who the appointment is with (or Other)", field="kind")
    return {
        "at": at,
        "kind": AppointmentKind(entered["kind"]),
        "with_name": optional(entered["with"]),
        "where": optional(entered["where"]),
        "purpose": optional(entered["purpose"]),
        "notes": entered["notes"].strip(),
    }


class AppointmentForm(EntryForm[Appointment]):
    """Add or change an appointment, or add or change a question of one (an EntryForm)."""


class VisitForm(FormScreen[Appointment]):
    """Record the visit: what was decided, and which questions she asked (a flag asked about is marked raised
    there). `save(decided, asked_ids)` writes it; the form closes with the saved Appointment."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, APPOINTMENTS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="visit-cancel"),
        Binding("ctrl+s", "save", "Save", id="visit-save"),
    ]

    def __init__(self, appt: Appointment, when: str, save: Callable[[str, list[int]], Appointment]) -> None:
        super().__init__()
        self.appt = appt
        self.when = when
        self.save = save

    def ticked_at_first(self) -> set[int]:
        """The questions ticked when the form opens: those already marked asked; at a first record of the
        visit with none marked, all of them (as `rpltrack appt done`)."""
        asked = {q.id for q in self.appt.questions if q.asked and q.id is not None}
        if not asked and not self.appt.done:
            asked = {q.id for q in self.appt.questions if q.id is not None}
        return asked

    def compose(self) -> ComposeResult:
        with Vertical(id="visit-form", classes="dialog"):
            yield Static("Record the visit", classes="dialog-title")
            yield Static(f"{shown(self.appt.title)} · {self.when}", classes="dialog-text", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Decided", classes="form-label")
                yield SafeInput(
                    self.appt.decided,
                    placeholder="what was decided, e.g. retest TSH in 6 weeks",
                    id="visit-decided",
                    classes="form-input",
                    compact=True,
                )
            if self.appt.questions:
                yield Static(
                    "Tick the questions you asked (Space). Flags you asked about are marked raised.",
                    id="visit-questions-hint",
                )
                ticked = self.ticked_at_first()
                questions: SelectionList[int] = SelectionList(
                    *(
                        # A Text prompt: her question is drawn as written, never read as markup.
                        Selection[int](plain(q.text), q.id, q.id in ticked)
                        for q in self.appt.questions
                        if q.id is not None
                    ),
                    id="visit-questions",
                )
                yield questions
            yield Static(SAVE_KEYS, classes="dialog-hint")
            yield Static("", id="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        fit_to_terminal(self)
        self.query_one("#visit-decided", Input).focus()

    def on_resize(self) -> None:
        fit_to_terminal(self)

    def asked_ids(self) -> list[int]:
        if not self.appt.questions:
            return []
        return list(self.query_one("#visit-questions", SelectionList).selected)

    def action_save(self) -> None:
        error = self.query_one("#form-error", Static)
        error.update("")
        decided = self.query_one("#visit-decided", Input).value.strip()
        try:
            saved = self.save(decided, self.asked_ids())
        except ValidationError as exc:
            message = app_text(exc)
            error.update(shown(message[0].upper() + message[1:]))
            return
        except JournalReadOnly:
            error.update(READ_ONLY)
            return
        except JournalError:
            error.update(NOT_SAVED)
            return
        self.dismiss(saved)
