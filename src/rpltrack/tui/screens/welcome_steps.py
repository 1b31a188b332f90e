"""The steps of the welcome flow (tui/screens/welcome.py): the words and the title of each pane, and the
pieces a step is built from (a clinic target's field, a cycle or medication in words, a template's rows, the
summary Done gives of what the journal holds)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, Static
from textual.widgets.option_list import Option

from rpltrack.domain.cycles import CYCLE_KIND_WORDS, Cycle, CycleKind
from rpltrack.domain.models import Medication
from rpltrack.domain.protocols import Template
from rpltrack.domain.settings import DEFAULTS, SETTINGS
from rpltrack.tui import format as fmt
from rpltrack.tui.widgets.safe_input import SafeInput

ABOUT = (
    "rpltrack is a private journal for your medications and doses, your cycles, betas, lab results and "
    "appointments, with a reminder for each dose."
)
PROMISE = (
    "rpltrack records and reminds. It never gives medical advice and never tells you to change a dose. "
    "Your data stays on this computer."
)
STEPS_TEXT = (
    "Four short steps follow: your clinic's targets, your cycle, your medications and reminders. "
    "Each one can be skipped and done later."
)
WELCOME_HINT = "Enter starts · Escape skips set-up (ctrl+p, then “Welcome and set-up”, brings it back)"
TARGETS_TEXT = (
    "If your clinic gave you targets, enter them; a field left empty uses the guideline default. "
    "Flags (things to raise with your care team) use them. You can change them later on Flags with s."
)
CYCLE_TEXT = (
    "Are you in a treatment cycle now? Choose its kind, then give CD1, the first day of your period, and "
    "the transfer once it has happened. Doses that follow the cycle are placed on these dates."
)
MEDS_TEXT = (
    "Add the medications you take now: one by one, or a template that adds a clinic's calendar in one go, "
    "placed on your cycle's dates. Templates are examples to match to your clinic's written instructions, "
    "not recommendations."
)
MEDS_HINT = "Enter on a template shows what it adds; nothing is saved until you choose Add these."
REMINDERS_TEXT = (
    "While rpltrack is open, it reminds you of each dose. It can also remind you with the app closed: "
    "a small check on this computer, every minute."
)
ONE_STEP_LEFT = (
    "Reminders with the app closed are not on yet: one step is left, below. Until then, reminders come "
    "while rpltrack is open. Your journal is not affected."
)
REMINDERS_LATER = "You can set them up later in a terminal: rpltrack remind --install"
DONE_TEXT = (
    "Everything here can be changed later. On any screen ? shows the keys, and ctrl+p finds any action "
    "by name (“Welcome and set-up” brings these steps back)."
)
SKIPPED_SETUP = "Set-up skipped. Whenever you like: ctrl+p, then “Welcome and set-up”."
NOT_NOW = "not now: reminders come while rpltrack is open"
# The reminders step skipped on a journal set up before: the timer may be on already (it is not in the
# journal), so Done does not say it is off.
NOT_CHANGED = "not changed here (in a terminal, rpltrack remind --install sets them up with the app closed)"
DOSE_HINT = "as prescribed"
DOSE_NEEDED = "needed"  # in the empty field, red, with the names under the list

# The three targets most clinics give; the rest are on Flags (s).
TARGET_KEYS = ("tsh.target", "progesterone.threshold", "vitamin-d.threshold")
TARGET_NAMES = {
    "tsh.target": "TSH target",
    "progesterone.threshold": "Progesterone",
    "vitamin-d.threshold": "Vitamin D",
}
NO_CYCLE = "none"
# Kinds of cycle with a transfer to record (an IUI or timed intercourse has none).
TRANSFER_KINDS = (CycleKind.NATURAL, CycleKind.FET, CycleKind.IVF, CycleKind.OTHER)
CYCLE_FIELDS = (
    ("cd1", "CD1", "YYYY-MM-DD, first day of your period", ""),
    ("transfer", "Transfer", "YYYY-MM-DD, once it has happened", ""),
    ("embryo-day", "Embryo day", "3, 5, 6 or 7, as your clinic wrote it", "5"),
)
ONE_BY_ONE = "one-by-one"

# The panes, with the title of their step; the number counts the four steps after the welcome.
PANES: dict[str, tuple[int, str]] = {
    "welcome": (0, "Welcome to rpltrack"),
    "targets": (1, "Your clinic's targets (optional)"),
    "cycle": (2, "Your cycle"),
    "medications": (3, "Your medications"),
    "template": (3, "Your medications: a template"),
    "added": (3, "Your medications"),
    "reminders": (4, "Reminders"),
    "lock": (5, "Lock your journal (optional)"),  # only where encryption is available (welcome_lock.py)
    "done": (0, "All set"),
}
STEP_COUNT = 4


def target_hint(key: str) -> str:
    """'empty: 10 ng/mL, the guideline default' (TSH's default depends on her situation)."""
    default = DEFAULTS.get(key)
    unit = SETTINGS[key].unit
    return f"empty: {default} {unit}, the guideline default" if default else "empty: the guideline default"


def nothing_added(names: Sequence[str]) -> str:
    """'Nothing was added yet: estradiol and progesterone in oil need your clinic's dose.'"""
    listed = " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Nothing was added yet: {listed} {'needs' if len(names) == 1 else 'need'} your clinic's dose."


def target_id(key: str) -> str:
    return "welcome-" + key.replace(".", "-")


def cycle_words(cycle: Cycle) -> str:
    """'Medicated FET from CD1 5 Nov 2026, transfer 20 Nov 2026 (day 5)'."""
    kind = CYCLE_KIND_WORDS[cycle.kind]
    words = f"{kind[0].upper()}{kind[1:]} from CD1 {fmt.long_day(cycle.cd1)}"
    transfer = cycle.last_transfer
    if transfer is not None:
        words += f", transfer {fmt.long_day(transfer.on)} (day {transfer.embryo_day})"
    return words


def medication_words(med: Medication) -> str:
    """'estradiol 2 mg, 08:00 daily, from CD1' — how a medication just added reads."""
    words = f"{med.name} {med.current.amount}, {med.current.timing.describe()}"
    if med.start_anchor:
        from rpltrack.domain import anchors

        words += f", from {anchors.describe_anchor(str(anchors.parse_event_anchor(med.start_anchor)))}"
    return words


def template_option(template: Template) -> Option:
    """A template in the list; a template of her own is drawn as she wrote it (controls shown)."""
    text = fmt.plain(template.title)
    text.append("  " + ("an example" if template.builtin else "yours"), style="dim")
    return Option(text, id=f"template-{template.name}")


class Pane(VerticalScroll):
    """One step. A Tab stop of its own only when its words overflow (then the arrows scroll it)."""

    def allow_focus(self) -> bool:
        return self.allow_vertical_scroll


def template_rows(template: Template) -> list[Widget]:
    """What a template adds, one row per medication under a header: its name, the dose to give (a field,
    or the taper's steps as written) and when; under each dose field, the line its error goes on."""
    rows: list[Widget] = [
        Horizontal(
            Label("Medication", classes="template-name"),
            Label("Dose", classes="template-dose-head"),
            Label("When", classes="template-when"),
            classes="template-row template-head",
        )
    ]
    for index, entry in enumerate(template.medications):
        if entry.taper:
            dose: Widget = Static(fmt.shown(entry.taper), classes="template-taper", markup=False)
        else:
            dose = SafeInput(
                entry.dose,
                placeholder=DOSE_HINT,
                id=f"dose-{index}",
                classes="form-input template-dose",
                compact=True,
            )
        rows.append(
            Horizontal(
                Label(fmt.shown(entry.name), classes="template-name", markup=False),
                dose,
                Static(fmt.shown(entry.describe()), classes="template-when", markup=False),
                classes="template-row",
            )
        )
        error = Static("", id=f"error-dose-{index}", classes="field-error template-error", markup=False)
        error.display = False
        rows.append(error)
    return rows


def targets_words(stored: Mapping[str, str]) -> str:
    """'TSH target 2.5 mIU/L, Vitamin D 30 ng/mL': the clinic targets of this step the journal holds, or
    'the guideline defaults' when it holds none."""
    held = [
        f"{TARGET_NAMES[key]} {stored[key]} {SETTINGS[key].unit}" for key in TARGET_KEYS if stored.get(key)
    ]
    return ", ".join(held) if held else "the guideline defaults"


def medications_words(added: int, held: int) -> str:
    """'2 added', '2 added, 5 in all', '5 in your journal', or 'none added yet (Today, a)': what this run
    added beside what the journal holds now (being taken, or waiting for their start)."""
    if added:
        return f"{added} added" if held <= added else f"{added} added, {held} in all"
    return f"{held} in your journal" if held else "none added yet (Today, a)"


def done_lines(
    stored: Mapping[str, str], cycle: Cycle | None, cycle_answer: str, added: int, held: int, reminders: str
) -> list[str]:
    """What Done says: the journal as it is now (her clinic's targets, her current cycle, her medications),
    whether this run or an earlier one put it there, and what the reminders step did (`reminders`, '' when
    it did nothing). `cycle_answer` is what she answered on the cycle step when no cycle is current."""
    return [
        f"Clinic targets: {targets_words(stored)}",
        f"Cycle: {cycle_words(cycle) if cycle is not None else cycle_answer or 'none recorded'}",
        f"Medications: {medications_words(added, held)}",
        f"Reminders: {reminders or 'only while rpltrack is open'}",
    ]
