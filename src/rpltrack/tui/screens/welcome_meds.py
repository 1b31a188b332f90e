"""MedicationsStep: the welcome flow's third step, the medications she takes now. Three panes: the list (one
by one through the medication form, or a protocol template), a template with the dose to give of each
medication (her clinic's), and what was added, with Add another."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, ContentSwitcher, Input, OptionList, Static
from textual.widgets.option_list import Option

from rpltrack.domain.cycles import EventKind
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import Medication
from rpltrack.domain.protocols import MedicationRefused, MissingDoses, Template
from rpltrack.store.db import JournalError
from rpltrack.tui import format as fmt
from rpltrack.tui.errors import app_text
from rpltrack.tui.screens.welcome_base import (
    BACK,
    NEXT,
    QUIT,
    SAVE,
    SKIP_STEP,
    WelcomeStep,
    step_buttons,
    write_failed,
)
from rpltrack.tui.screens.welcome_steps import (
    DOSE_NEEDED,
    MEDS_HINT,
    MEDS_TEXT,
    ONE_BY_ONE,
    Pane,
    cycle_words,
    medication_words,
    nothing_added,
    template_option,
    template_rows,
)

if TYPE_CHECKING:
    from rpltrack.tui.screens.forms import MedicationForm

ADDED_TEXT = "Today shows each dose when it is due. A dose can be changed later on Medications (e)."


class MedicationsStep(WelcomeStep):
    """The list (Escape skips the step), a template (Escape goes back to the list, ctrl+s adds it) and what
    was added (Escape continues). Everything added is on disk before the pane moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [SKIP_STEP, BACK, NEXT, SAVE, QUIT]

    def __init__(self) -> None:
        super().__init__(id="medications-step")
        self.templates: list[Template] = []
        self.template: Template | None = None
        self.added: list[Medication] = []  # what this run added, in order (Done counts them)

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="medications", id="medications-panes"):
            with Pane(id="medications", classes="welcome-pane"):
                yield Static(MEDS_TEXT, classes="welcome-text", markup=False)
                yield OptionList(id="template-list")
                yield Static(MEDS_HINT, classes="dialog-hint", markup=False)
                yield from step_buttons("medications", "", back=True)
            with Pane(id="template", classes="welcome-pane"):
                yield Static(id="template-title", markup=False)
                yield Static(id="template-note", classes="welcome-text", markup=False)
                yield Static(id="template-cycle", classes="welcome-text", markup=False)
                yield VerticalScroll(id="template-meds", can_focus=False)
                yield Static("", id="template-error", classes="welcome-error", markup=False)
                with Horizontal(classes="form-buttons"):
                    yield Button("Add these", variant="primary", id="template-apply")
                    yield Button("Back", id="template-back")
            with Pane(id="added", classes="welcome-pane"):
                yield Static("Added to your journal:", classes="welcome-heading")
                yield Static(id="added-list", classes="welcome-text", markup=False)
                yield Static(ADDED_TEXT, classes="welcome-text", markup=False)
                with Horizontal(classes="form-buttons"):
                    yield Button("Continue", variant="primary", id="added-continue", classes="step-continue")
                    yield Button("Add another", id="added-another")

    # -- its panes ------------------------------------------------------------------------------------

    @property
    def pane(self) -> str:
        return self.query_one(ContentSwitcher).current or "medications"

    def prepare(self) -> None:
        """The step starts on the list (from the cycle step, or Back from reminders)."""
        self.prepare_list()
        self.query_one(ContentSwitcher).current = "medications"

    def show_pane(self, pane: str) -> None:
        """Another pane of this step: the screen shows it, with its title and keys."""
        self.query_one(ContentSwitcher).current = pane
        self.post_message(self.PaneShown(self))

    def first_focus(self) -> Widget:
        pane = self.pane
        if pane == "template":  # the first dose to give, else the first dose, else Add these
            doses = list(self.query("#template-meds Input").results(Input))
            empty = [dose for dose in doses if not dose.value.strip()]
            return (empty or doses)[0] if doses else self.query_one("#template-apply", Button)
        return self.query_one("#added-continue" if pane == "added" else "#template-list")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        pane = self.pane
        if action == "skip_step":
            return pane == "medications"
        if action in ("back", "save"):
            return pane == "template"
        if action == "next":
            return pane == "added"
        if action == "quit":
            return pane != "template"
        return True

    def action_back(self) -> None:
        """From a template, back to the list (Escape and its Back button)."""
        self.prepare_list()
        self.show_pane("medications")

    def action_next(self) -> None:
        self.done()

    def action_save(self) -> None:
        self.apply_template()

    # -- the list -------------------------------------------------------------------------------------

    def prepare_list(self) -> None:
        self.templates = self.journal.protocol_templates()
        options = self.query_one("#template-list", OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_option(Option("Add medications one by one (names from the catalog)", id=ONE_BY_ONE))
        options.add_options(template_option(t) for t in self.templates)
        options.highlighted = keep if keep is not None and keep < options.option_count else 0

    @on(OptionList.OptionSelected, "#template-list")
    async def _template_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == ONE_BY_ONE:
            self.add_one()
            return
        name = (event.option.id or "").removeprefix("template-")
        template = next((t for t in self.templates if t.name == name), None)
        if template is not None:
            await self.open_template(template)

    def add_one(self) -> None:
        """The medication form; after each save, this step lists what was added, with Add another."""
        from rpltrack.tui.screens.forms import MedicationForm

        self.open_medication_form(MedicationForm(self.clock, cycle=self.current_cycle()))

    def open_medication_form(self, form: MedicationForm) -> None:
        from rpltrack.tui.screens.forms import MedicationForm

        def saved(med: Medication | None) -> None:
            if med is None:
                return
            try:
                added = self.journal.add_medication(med, self.clock.now())
            except (JournalError, ValidationError) as exc:
                errors = {exc.field: app_text(exc)} if isinstance(exc, ValidationError) and exc.field else {}
                notice = "" if errors else write_failed(exc)
                self.open_medication_form(
                    MedicationForm(
                        self.clock, initial=form.entered, errors=errors, notice=notice, cycle=form.cycle
                    )
                )
                return
            self.added.append(added)
            self.show_added()

        self.app.push_screen(form, saved)

    # -- a template -----------------------------------------------------------------------------------

    async def open_template(self, template: Template) -> None:
        """What the template adds, one row per medication with its dose to give (her clinic's)."""
        self.template = template
        self.clear_errors()
        kind = "an example" if template.builtin else "your template"
        # A template of her own is drawn as she wrote it, with its controls shown.
        self.query_one("#template-title", Static).update(
            Text.assemble(
                (fmt.shown(template.title), "bold"), (f"  {fmt.shown(template.name)}, {kind}", "dim")
            )
        )
        self.query_one("#template-note", Static).update(fmt.shown(template.note))
        cycle = self.current_cycle()
        if cycle is not None:
            where = f"For your cycle: {cycle_words(cycle)}."
            waiting = [
                fmt.EVENT_WORDS[EventKind(event)]
                for event in template.expected_events
                if event != "cd1" and cycle.event_on(EventKind(event)) is None
            ]
            if waiting:
                where += f" Doses tied to the {' or the '.join(waiting)} wait until it is recorded."
        elif template.needs_cycle:
            events = ", ".join(e.upper() if e == "cd1" else e for e in template.expected_events)
            where = (
                f"This template follows a cycle's dates ({events}) and no cycle is recorded: go Back "
                "twice to add your cycle, or choose another."
            )
        else:
            where = "Its doses start today."
        self.query_one("#template-cycle", Static).update(fmt.shown(where))
        box = self.query_one("#template-meds", VerticalScroll)
        await box.remove_children()
        await box.mount_all(template_rows(template))
        self.show_pane("template")

    def apply_template(self) -> None:
        """Apply the template to her cycle in one change; a dose left empty or not read, a template
        applied already, a medication she has already: said beside its field or under the list, and
        nothing is added."""
        template = self.template
        if template is None:
            return
        self.clear_errors()
        doses: dict[str, str] = {}
        empty = []
        for index, entry in enumerate(template.medications):
            if entry.taper:
                continue
            text = " ".join(self.query_one(f"#dose-{index}", Input).value.split())
            if text:
                doses[entry.name] = text
            else:
                empty.append(index)
        if empty:
            for index in empty:
                self.dose_needed(index)
            self.query_one(f"#dose-{empty[0]}", Input).focus()
            self.pane_error("template", nothing_added([template.medications[i].name for i in empty]))
            return
        cycle = self.current_cycle()
        try:
            meds = self.journal.apply_protocol(
                template,
                cycle.id if cycle is not None else None,
                self.clock.zone,
                self.clock.now(),
                doses=doses,
            )
        except MissingDoses as exc:
            for index, entry in enumerate(template.medications):
                if entry.name in exc.names:
                    self.dose_needed(index)
            self.pane_error("template", nothing_added(exc.names))
            return
        except (JournalError, ValidationError) as exc:
            self.template_refused(template, exc)
            return
        self.added.extend(meds)
        self.show_added()

    def dose_needed(self, index: int) -> None:
        """An empty dose: the field turns red and says "needed" (the names are said under the list)."""
        field = self.query_one(f"#dose-{index}", Input)
        field.placeholder = DOSE_NEEDED
        field.add_class("-rejected")

    def template_refused(self, template: Template, exc: Exception) -> None:
        """A medication's own problem beside its dose (the error says which medication it is about);
        anything else under the list."""
        if isinstance(exc, MedicationRefused) and not template.medications[exc.index].taper:
            self.field_error(f"dose-{exc.index}", app_text(exc.problem))
            self.pane_error("template", "Nothing was added.")
            return
        self.pane_error("template", write_failed(exc) + " Nothing was added.")

    # -- what was added -------------------------------------------------------------------------------

    def show_added(self) -> None:
        self.query_one("#added-list", Static).update(
            "\n".join(f"• {fmt.shown(medication_words(m))}" for m in self.added)
        )
        self.show_pane("added")

    # -- the buttons and Enter ------------------------------------------------------------------------

    def submit(self) -> None:
        """Enter in a dose field of a template applies it."""
        self.apply_template()

    @on(Button.Pressed, "#template-apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.apply_template()

    @on(Button.Pressed, "#template-back")
    def _back_to_list(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    @on(Button.Pressed, "#added-another")
    def _another_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.add_one()
