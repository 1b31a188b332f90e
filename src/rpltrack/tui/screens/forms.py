"""Modal forms and dialogs: add or change a medication, confirm, delete, skip reason, injection site."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from rpltrack.clock import Clock
from rpltrack.domain import anchors
from rpltrack.domain.cycles import Cycle
from rpltrack.domain.datetext import parse_date
from rpltrack.domain.medspec import MedicationInput, build_change, build_medication, parse_every, parse_times
from rpltrack.domain.models import Medication, TimingKind
from rpltrack.tui.format import shown
from rpltrack.tui.screens.base import DIALOGS_CSS
from rpltrack.tui.screens.entry_form import Answers, Checks, EntryForm, Field
from rpltrack.tui.widgets.safe_input import SafeInput

if TYPE_CHECKING:
    from rpltrack.tui.screens.base import SectionScreen

MEDICATION_FIELDS = (
    Field("name", "Name", "e.g. aspirin, Lovenox, progesterone in oil", id="med-name"),
    Field("dose", "Dose", "e.g. 81 mg, 40 mg, 1 mL", id="med-dose"),
    Field("times", "Times", "e.g. 08:00 or 08:00,20:00", id="med-times", also=("every_days", "weekdays")),
    Field("every", "Every (hours)", "or every N hours, e.g. 12", id="med-every"),
    Field("start", "Starts", "YYYY-MM-DD or transfer-5d (empty: today)", id="med-start"),
    Field("until", "Until", "YYYY-MM-DD or 36w0d (optional)", id="med-until", also=("for",)),
    Field("notes", "Notes", "optional, e.g. with food", id="med-notes"),
    Field("prn", "", "As needed (no set times)", check=True, id="med-prn"),
)
# Changing a medication: the same form, with the day a new dose or time applies from.
FROM_FIELD = Field("from", "New dose from", "YYYY-MM-DD (empty: today)", id="med-from")
_BARE_HOURS = re.compile(r"^\s*\d+\s*$")


def hours_text(text: str) -> str:
    """The form asks for hours, so a bare number means hours ('12' -> '12h')."""
    return f"{text.strip()}h" if _BARE_HOURS.match(text) else text


def medication_values(med: Medication) -> dict[str, str]:
    """A medication as the form's text, to change it."""
    timing = med.current.timing
    until = med.end_anchor or (med.end_on.isoformat() if med.end_on else "")
    if until.startswith("for:"):
        until = ""  # a length ("for:10d") is kept unless she gives an end
    return {
        "name": med.name,
        "dose": str(med.current.amount),
        "times": ",".join(f"{t:%H:%M}" for t in timing.times) if timing.kind is TimingKind.TIMES else "",
        "every": str(timing.interval_hours) if timing.kind is TimingKind.INTERVAL else "",
        "start": med.start_anchor or med.start_on.isoformat(),
        "until": until,
        "notes": med.notes,
        "prn": "yes" if timing.kind is TimingKind.PRN else "",
    }


def medication_input(entered: dict[str, str]) -> MedicationInput:
    return MedicationInput(
        name=entered["name"],
        dose=entered["dose"],
        times=entered["times"],
        every=hours_text(entered["every"]),
        start=entered["start"],
        until=entered["until"],
        prn=entered.get("prn") == "yes",
        notes=entered["notes"],
    )


def check_medication(entered: dict[str, str]) -> None:
    """Each field on its own first, so every one that cannot be read is said at once (FieldErrors)."""
    checks = Checks()
    if not " ".join(entered["name"].split()):
        checks.fail("name", "a medication needs a name")
    if not entered["dose"].strip():
        checks.fail("dose", "give the dose, like '81 mg' or '40 mg'")
    if entered["times"].strip():
        with checks.on("times"):
            parse_times(entered["times"])
    if entered["every"].strip():
        with checks.on("every"):
            parse_every(hours_text(entered["every"]))
    for name in ("start", "until"):
        text = entered[name].strip()
        if text and not (anchors.looks_like_event(text) or anchors.looks_like_ga(text)):
            with checks.on(name):
                parse_date(text, name)
    checks.done()


class MedicationForm(EntryForm[Medication | None]):
    """Add a medication (dismisses a validated, unsaved Medication, or None when cancelled); or, given
    `med`, change it (dismisses what to pass to `edit_medication`, or None).

    `initial` (MedicationInput), `errors` and `notice` reopen the form after a failed save, her entry kept.
    """

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
        self.clock = clock
        # The current cycle, so a start such as "transfer-5d" or an end such as "36w0d" can be placed.
        self.cycle = cycle
        self.entered = initial or MedicationInput(name="", dose="")
        entered = self.entered
        values = {
            "name": entered.name,
            "dose": entered.dose,
            "times": entered.times,
            "every": entered.every,
            "start": entered.start,
            "until": entered.until,
            "notes": entered.notes,
            "prn": "yes" if entered.prn else "",
        }
        super().__init__(
            "Add a medication",
            MEDICATION_FIELDS,
            self.build,
            initial=values,
            form_id="medication-form",
            what="medication",
            errors=errors,
            notice=notice,
        )

    def build(self, entered: dict[str, str], answers: Answers) -> Medication:
        self.entered = medication_input(entered)
        check_medication(entered)
        return build_medication(self.entered, self.clock.zone, self.clock.now(), self.cycle)


class MedicationEditForm(EntryForm[Medication]):
    """Change a medication: the add form, filled in, with the day a new dose or time applies from. What
    changed is saved through `save(fields)` (journal.edit_medication's fields) while the form is open, so a
    refusal is shown beside its field; it closes with the saved Medication. `changed` is what was saved."""

    def __init__(
        self,
        med: Medication,
        clock: Clock,
        save: Callable[[dict[str, Any]], Medication],
        *,
        cycle: Cycle | None = None,
    ) -> None:
        self.med = med
        self.clock = clock
        self.cycle = cycle
        self.save = save
        self.changed: dict[str, Any] = {}
        self.before = medication_values(med)
        fields = tuple(f for f in MEDICATION_FIELDS if f.name != "prn")
        fields = (*fields[:4], FROM_FIELD, *fields[4:])
        super().__init__(
            f"Change {med.name}",
            fields,
            self.store,
            initial={**self.before, "from": clock.today().isoformat()},
            intro=(
                f"Now: {med.current.amount}, {med.current.timing.describe()}. A new dose or time applies "
                "from the day you give; earlier doses stay in your history."
            ),
            form_id="medication-form",
            what="medication",
        )

    def store(self, entered: dict[str, str], answers: Answers) -> Medication:
        self.changed = self.changes(entered)
        return self.save(self.changed) if self.changed else self.med

    def changes(self, entered: dict[str, str]) -> dict[str, Any]:
        """What differs from the medication as it is, as edit_medication's fields (checked here first)."""
        check_medication({**entered, "prn": ""})
        zone, now = self.clock.zone, self.clock.now()
        changed = {k for k in self.before if k in entered and entered[k].strip() != self.before[k].strip()}
        fields: dict[str, Any] = {}
        checks = Checks()
        if "name" in changed:
            fields["name"] = " ".join(entered["name"].split())
        if "notes" in changed:
            fields["notes"] = entered["notes"].strip()
        if changed & {"dose", "times", "every"}:
            with checks.on("dose"):
                fields["regimen"] = build_change(
                    self.med,
                    entered["dose"] if "dose" in changed else "",
                    entered["times"] if "times" in changed else "",
                    hours_text(entered["every"]) if "every" in changed else "",
                    entered["from"],
                    zone,
                    now,
                )
        if "start" in changed:
            text = entered["start"].strip()
            if anchors.looks_like_event(text):
                with checks.on("start"):
                    fields["start_anchor"] = str(anchors.parse_event_anchor(text))
                    if self.cycle is not None:
                        fields["cycle_id"] = self.cycle.id
            else:
                with checks.on("start"):
                    fields["start_on"] = parse_date(text, "start") if text else now.astimezone(zone).date()
        if "until" in changed:
            text = entered["until"].strip()
            with checks.on("until"):
                if not text:
                    fields.update(end_on=None, end_anchor=None)
                elif anchors.looks_like_event(text) or anchors.looks_like_ga(text):
                    fields.update(end_on=None, end_anchor=anchors.parse_end_anchor(text))
                    if self.cycle is not None and self.med.cycle_id is None:
                        fields["cycle_id"] = self.cycle.id
                else:
                    end_on: date = parse_date(text, "until")
                    fields.update(end_on=end_on, end_anchor=None)
        checks.done()
        return fields


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question. The safe answer has the focus, so Enter never does the drastic thing.

    `title` goes above the question, and `removes` (each a line) under it, in the colour of a warning: what a
    delete takes with it."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "Cancel", id="confirm-cancel"),
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(
        self,
        question: str,
        *,
        yes: str = "Yes",
        no: str = "No",
        title: str = "",
        removes: tuple[str, ...] = (),
        after: str = "",
    ) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no
        self.title_text = title
        self.removes = removes
        self.after = after

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            if self.title_text:
                yield Static(shown(self.title_text), classes="dialog-title", markup=False)
            with VerticalScroll(id="confirm-body", can_focus=False):
                yield Static(shown(self.question), classes="dialog-text", markup=False)
                if self.removes:
                    yield Static(
                        "\n".join(shown(line) for line in self.removes),
                        classes="confirm-removes",
                        markup=False,
                    )
                if self.after:
                    yield Static(shown(self.after), classes="dialog-text", markup=False)
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


def removes_lines(dependents: list[str]) -> tuple[str, ...]:
    """'With it: 2 transfers, 3 events.' — what a delete takes along, or nothing."""
    return (f"With it: {', '.join(dependents)}.",) if dependents else ()


def ask_delete(
    screen: SectionScreen,
    what: str,
    dependents: Callable[[], list[str]],
    delete: Callable[[datetime], object],
    after: Callable[[], Awaitable[None]],
    *,
    instead: Callable[[list[str]], tuple[str, str, str]] | None = None,
) -> None:
    """Show exactly what a delete removes (`what`, in plain words, and what depends on it) and ask, No
    focused; yes deletes it with its dependents (`delete(now)`), reads the screen again (`after`) and says
    how to undo it. `instead(dependents)` gives (question, yes, done words) when the journal does something
    else than delete with those dependents (a medication with logged doses is stopped)."""
    if not screen.can_write():
        return
    ok, found = screen.write(dependents)
    if not ok:
        return
    depending = list(found or [])
    question, yes, done_words = f"Delete {what}?", "Delete", f"Deleted {what}"
    if instead is not None and depending:
        question, yes, done_words = instead(depending)

    async def answered(sure: bool | None) -> None:
        if not sure:
            return
        now = screen.clock.now()
        done, _ = screen.write(lambda: delete(now))
        if done:
            await after()
            screen.announce(done_words, now)

    screen.app.push_screen(
        ConfirmDialog(
            question,
            yes=yes,
            no="Keep it",
            title="Delete this entry",
            removes=() if instead is not None and depending else removes_lines(depending),
            after="u undoes it afterwards.",
        ),
        answered,
    )


class Picker(ModalScreen[str | None]):
    """Choose one of a few entries (id, words), the first highlighted; dismisses the id, or None."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker-cancel"),
    ]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="entry-picker", classes="dialog"):
            yield Static(shown(self.title_text), classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(shown(words), id=key) for key, words in self.choices),
                id="picker-options",
                markup=False,
            )
            yield Static("Enter chooses · Escape goes back", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#picker-options", OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


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
