"""Modal forms and dialogs: add a medication, change a dose, confirm, skip reason, injection site."""

from __future__ import annotations

import re
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from rpltrack.clock import Clock
from rpltrack.domain.cycles import Cycle
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import MedicationInput, build_change, build_medication
from rpltrack.domain.models import Medication, Regimen, TimingKind
from rpltrack.tui.format import shown
from rpltrack.tui.screens.base import DIALOGS_CSS, FormScreen
from rpltrack.tui.widgets.safe_input import SafeInput

# Form fields as (ValidationError.field, input id, label, placeholder).
MEDICATION_FIELDS = (
    ("name", "med-name", "Name", "e.g. aspirin, Lovenox, progesterone in oil"),
    ("dose", "med-dose", "Dose", "e.g. 81 mg, 40 mg, 1 mL"),
    ("times", "med-times", "Times", "e.g. 08:00 or 08:00,20:00"),
    ("every", "med-every", "Every (hours)", "or every N hours, e.g. 12"),
    ("start", "med-start", "Starts", "YYYY-MM-DD or transfer-5d (empty: today)"),
    ("until", "med-until", "Until", "YYYY-MM-DD or 36w0d (optional)"),
    ("notes", "med-notes", "Notes", "optional, e.g. with food"),
)
CHANGE_FIELDS = (
    ("dose", "change-dose", "New dose", ""),
    ("times", "change-times", "Times", ""),
    ("every", "change-every", "Every (hours)", "or every N hours (empty: keep)"),
    ("from", "change-from", "From date", "YYYY-MM-DD"),
)
_BARE_HOURS = re.compile(r"^\s*\d+\s*$")
ResultT = TypeVar("ResultT")


def hours_text(text: str) -> str:
    """The form asks for hours, so a bare number means hours ('12' -> '12h')."""
    return f"{text.strip()}h" if _BARE_HOURS.match(text) else text


class FieldForm(FormScreen[ResultT]):
    """Shared by the forms: labelled inputs, each with a Static beside it for its error message."""

    CSS_PATH = DIALOGS_CSS
    FIELDS: ClassVar[tuple[tuple[str, str, str, str], ...]] = ()

    def field_rows(self, values: dict[str, str], placeholders: dict[str, str] | None = None) -> ComposeResult:
        for field, input_id, label, placeholder in self.FIELDS:
            with Horizontal(classes="form-row"):
                yield Label(label, classes="form-label")
                hint = (placeholders or {}).get(field, placeholder)
                yield SafeInput(
                    values.get(field, ""), placeholder=hint, id=input_id, classes="form-input", compact=True
                )
                yield Static("", id=f"error-{field}", classes="field-error", markup=False)

    def value(self, input_id: str) -> str:
        return self.query_one(f"#{input_id}", Input).value

    def clear_errors(self) -> None:
        for error in self.query(".field-error").results(Static):
            error.update("")
        self.query_one("#form-error", Static).update("")
        for field_input in self.query(".form-input"):
            field_input.remove_class("-rejected")

    def show_error(self, exc: ValidationError) -> None:
        """Put the message beside the field it is about (or under the form), and focus that field."""
        for field, input_id, _, _ in self.FIELDS:
            if field == exc.field:
                self.query_one(f"#error-{field}", Static).update(shown(exc.message))
                field_input = self.query_one(f"#{input_id}")
                field_input.add_class("-rejected")
                field_input.focus()
                return
        self.query_one("#form-error", Static).update(shown(exc.message))

    def show_errors(self, errors: dict[str, str]) -> None:
        for field, message in errors.items():
            self.show_error(ValidationError(message, field=field))

    def buttons(self, save_label: str) -> ComposeResult:
        yield Static("", id="form-error", markup=False)
        with Horizontal(classes="form-buttons"):
            yield Button(save_label, variant="primary", id="save")
            yield Button("Cancel", id="cancel")


class MedicationForm(FieldForm[Medication | None]):
    """Add a medication. Dismisses a validated (unsaved) Medication, or None when cancelled."""

    FIELDS = MEDICATION_FIELDS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="form-cancel"),
        Binding("ctrl+s", "save", "Save", id="form-save"),
    ]

    def __init__(
        self,
        clock: Clock,
        *,
        initial: MedicationInput | None = None,
        errors: dict[str, str] | None = None,
        notice: str = "",
        cycle: Cycle | None = None,
    ) -> None:
        super().__init__()
        self.clock = clock
        # The current cycle, so a start such as "transfer-5d" or an end such as "36w0d" can be placed.
        self.cycle = cycle
        self.entered = initial or MedicationInput(name="", dose="")
        self.errors = errors or {}
        self.notice = notice

    def compose(self) -> ComposeResult:
        entered = self.entered
        values = {
            "name": entered.name,
            "dose": entered.dose,
            "times": entered.times,
            "every": entered.every,
            "start": entered.start,
            "until": entered.until,
            "notes": entered.notes,
        }
        with Vertical(id="medication-form", classes="dialog"):
            yield Static("Add a medication", classes="dialog-title")
            if self.notice:
                yield Static(shown(self.notice), id="form-notice", markup=False)
            yield from self.field_rows(values)
            with Horizontal(classes="form-row"):
                yield Label("", classes="form-label")
                yield Checkbox("As needed (no set times)", entered.prn, id="med-prn", compact=True)
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        self.show_errors(self.errors)

    def collect(self) -> MedicationInput:
        return MedicationInput(
            name=self.value("med-name"),
            dose=self.value("med-dose"),
            times=self.value("med-times"),
            every=hours_text(self.value("med-every")),
            start=self.value("med-start"),
            until=self.value("med-until"),
            prn=self.query_one("#med-prn", Checkbox).value,
            notes=self.value("med-notes"),
        )

    def action_save(self) -> None:
        self.clear_errors()
        self.entered = self.collect()
        try:
            med = build_medication(self.entered, self.clock.zone, self.clock.now(), self.cycle)
        except ValidationError as exc:
            self.show_error(exc)
            return
        self.dismiss(med)


class ChangeDoseForm(FieldForm[Regimen | None]):
    """Change a medication's dose or times from a date. Dismisses the new Regimen, or None."""

    FIELDS = CHANGE_FIELDS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="change-cancel"),
        Binding("ctrl+s", "save", "Save", id="change-save"),
    ]

    def __init__(
        self,
        med: Medication,
        clock: Clock,
        *,
        initial: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        notice: str = "",
    ) -> None:
        super().__init__()
        self.med = med
        self.clock = clock
        self.entered = initial or {"dose": str(med.current.amount), "from": clock.today().isoformat()}
        self.errors = errors or {}
        self.notice = notice

    def compose(self) -> ComposeResult:
        timing = self.med.current.timing
        keep = f"now {timing.describe()}; empty keeps it"
        placeholders = {
            "times": keep if timing.kind is not TimingKind.INTERVAL else "e.g. 08:00 (empty: keep)",
            "every": keep if timing.kind is TimingKind.INTERVAL else "or every N hours (empty: keep)",
        }
        with Vertical(id="change-form", classes="dialog"):
            yield Static(f"Change {shown(self.med.name)}", classes="dialog-title", markup=False)
            yield Static(
                f"Now: {self.med.current.amount}, {timing.describe()}. Earlier doses stay in your history.",
                classes="dialog-text",
                markup=False,
            )
            if self.notice:
                yield Static(shown(self.notice), id="form-notice", markup=False)
            yield from self.field_rows(self.entered, placeholders)
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        self.show_errors(self.errors)

    def collect(self) -> dict[str, str]:
        return {field: self.value(input_id) for field, input_id, _, _ in self.FIELDS}

    def action_save(self) -> None:
        self.clear_errors()
        self.entered = self.collect()
        try:
            regimen = build_change(
                self.med,
                self.entered["dose"],
                self.entered["times"],
                hours_text(self.entered["every"]),
                self.entered["from"],
                self.clock.zone,
                self.clock.now(),
            )
        except ValidationError as exc:
            self.show_error(exc)
            return
        self.dismiss(regimen)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question. The safe answer has the focus, so Enter never does the drastic thing."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "Cancel", id="confirm-cancel"),
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(shown(self.question), classes="dialog-text", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button(self.yes, variant="warning", id="yes")
                yield Button(self.no, variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class ReasonDialog(ModalScreen[str | None]):
    """Skip a dose: an optional reason. Dismisses the reason ('' for none), or None to cancel."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="reason-cancel"),
    ]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-dialog", classes="dialog"):
            yield Static(f"Skip {shown(self.what)}?", classes="dialog-title", markup=False)
            yield SafeInput(placeholder="A reason, if you like (optional)", id="skip-reason", compact=True)
            yield Static("Enter to skip · Escape to go back", classes="dialog-hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(" ".join(event.value.split()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SitePicker(ModalScreen[str | None]):
    """Where an injection went: the sites of the drug, the next one in the rotation highlighted."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="site-cancel"),
    ]

    def __init__(self, what: str, sites: tuple[str, ...], suggested: str | None, last: str | None) -> None:
        super().__init__()
        self.what = what
        self.sites = sites
        self.suggested = suggested if suggested in sites else sites[0]
        self.last = last

    def compose(self) -> ComposeResult:
        with Vertical(id="site-picker", classes="dialog"):
            yield Static(f"Where did you inject {shown(self.what)}?", classes="dialog-title", markup=False)
            if self.last:
                yield Static(f"Last time: {shown(self.last)}", classes="dialog-text", markup=False)
            options = [
                Option(shown(site) + ("  (next in rotation)" if site == self.suggested else ""), id=site)
                for site in self.sites
            ]
            yield OptionList(*options, id="site-options", markup=False)
            yield Static("Enter to save · Escape to go back", classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one("#site-options", OptionList)
        options.highlighted = self.sites.index(self.suggested)
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PrnPicker(ModalScreen[str | None]):
    """Which as-needed medication she took: (id, 'name amount') choices. Dismisses the id, or None."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prn-cancel"),
    ]

    def __init__(self, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="prn-picker", classes="dialog"):
            yield Static("Which as-needed medication did you take?", classes="dialog-title")
            options = [Option(shown(label), id=med_id) for med_id, label in self.choices]
            yield OptionList(*options, id="prn-options", markup=False)
            yield Static("Enter logs it taken now · Escape to go back", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#prn-options", OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
