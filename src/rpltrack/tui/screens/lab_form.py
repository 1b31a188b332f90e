"""LabForm: add a lab result, with the catalog's names suggested and the test's usual unit shown.

The form checks what she typed and saves through the `save` it is given while it is still open: the journal's
questions (an unusual value, the same result twice) are asked in a dialog, a ValidationError or a write that
did not reach the disk is shown in the form with her entry kept, and the form closes with the saved result
only once it is on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from textual import on
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Static

from rpltrack.domain.datetext import parse_past_date
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labcatalog import (
    LABS,
    known_word,
    lookup,
    parse_lab_value,
    parse_range,
    resolve_entry,
    split_result,
)
from rpltrack.domain.labs import LabKind, LabResult, LabTest
from rpltrack.tui.format import shown
from rpltrack.tui.screens.entry_form import Answers, Checks, EntryForm, Field, optional

LABS_CSS = str(Path(__file__).resolve().parent.parent / "labs.tcss")

LAB_FIELDS = (
    Field("test", "Test", "e.g. TSH, vitamin D, aCL-IgG, or Factor V Leiden negative"),
    Field("value", "Result", "a number such as 2.8, or <0.01"),
    Field("unit", "Unit", "optional"),
    Field("date", "Drawn on", "YYYY-MM-DD"),
    Field("range", "Range", "optional, as printed, e.g. 0.4-4.0"),
    Field("anticoagulant", "", "On an anticoagulant when drawn", check=True, also=("on_anticoagulant",)),
    Field("note", "Note", "optional"),
)
SAVE_KEYS = "Ctrl+S saves, Escape cancels."
INTRO = f"Name the test as the report does; → takes a suggestion. {SAVE_KEYS}"

# Names first, then aliases: typing "t" suggests "TSH" before any alias that also starts with t.
NAMES: tuple[str, ...] = tuple(
    dict.fromkeys([*(t.name for t in LABS.values()), *(a for t in LABS.values() for a in t.aliases)])
)
_FOLDED_NAMES = tuple(name.casefold() for name in NAMES)


def still_typing(name: str) -> bool:
    """True while what she typed is the start of a name in the catalog (so it is not yet 'her own' test)."""
    typed = name.strip().casefold()
    return not typed or any(known.startswith(typed) for known in _FOLDED_NAMES)


def unit_hint(test: LabTest | None, custom: bool) -> str:
    """The Unit field's placeholder once the test is known: its usual unit, or the units it needs."""
    if custom:
        return "as on the report (optional)"
    if test is None:
        return "optional"
    if not test.units:
        return "none for this test"
    usual = test.units[0]
    others = [unit.name for unit in test.units[1:]]
    if len(test.units) == 1 or usual.factor is not None:
        return f"usual: {usual.name}" + (f" (or {', '.join(others)})" if others else "")
    return f"needed: {' or '.join(unit.name for unit in test.units)}"


def value_hint(test: LabTest | None, custom: bool) -> str:
    """The Result field's placeholder: a number, a word from the test's list, text, or nothing."""
    if custom:
        return "a number (2.8, <0.01), a word or text"
    if test is None or test.kind is LabKind.QUANTITATIVE:
        words = f", or {test.words[0]}" if test is not None and test.words else ""
        return f"a number such as 2.8, or <0.01{words}"
    if test.kind is LabKind.QUALITATIVE:
        return f"a word, e.g. {test.words[0]} or {test.words[1]}"
    if test.kind is LabKind.TEXT:
        return "as printed on the report"
    return "leave empty: a session has no value"


def about(name: str, test: LabTest | None, result: str = "") -> str:
    """The line under the title: how to fill the form, what rpltrack knows of the test (and the result
    typed after its name, in the word it is kept as), or that it is new."""
    if test is not None and result:
        word = known_word(test, result) or result
        said = " ".join(result.split())
        read = word if word == said.casefold() else f"{word} (as you wrote it: {said})"
        return f"{test.name} ({test.group}): result {read}; leave Result empty. {SAVE_KEYS}"
    if test is not None:
        return f"{test.name} ({test.group}). {test.note or SAVE_KEYS}"
    if still_typing(name):
        return INTRO
    return (
        f"'{' '.join(name.split())}' is not in rpltrack's list: it is kept as a test of your own, "
        "with the number, unit or words you enter."
    )


class LabForm(EntryForm[LabResult]):
    """Add a lab result, or change one (`title`, `initial` from the result). `save(result, answers)` writes
    it while the form is open; the form closes with the saved LabResult (already on disk), or None.

    Its few rules of its own (#lab-form) are in labs.tcss, which the Labs screen has loaded before it opens.
    """

    def __init__(
        self,
        *,
        today: date,
        save: Callable[[LabResult, Answers], LabResult],
        initial: dict[str, str] | None = None,
        title: str = "Add a lab result",
    ) -> None:
        super().__init__(
            title,
            LAB_FIELDS,
            self.store,
            initial={"date": today.isoformat(), **(initial or {})},
            intro=INTRO,
            form_id="lab-form",
            what="lab result",
        )
        self.today = today
        self.save = save

    def on_mount(self) -> None:
        super().on_mount()
        test_input = self.query_one("#entry-test", Input)
        test_input.suggester = SuggestFromList(NAMES, case_sensitive=False)
        self.describe_test(test_input.value, keep=True)

    @on(Input.Changed, "#entry-test")
    def _test_changed(self, event: Input.Changed) -> None:
        self.describe_test(event.value)

    def describe_test(self, name: str, *, keep: bool = False) -> None:
        """Fit the form to the test named so far: the hints, and the anticoagulant box where it matters
        (`keep`: as the form opens, a box already ticked stays ticked)."""
        test = lookup(name) if name.strip() else None
        phrase = split_result(name) if test is None and name.strip() else None
        result = ""
        if phrase is not None:
            test, result = phrase  # "MTHFR C677T heterozygous": the test, its result typed after it
        custom = test is None and not still_typing(name)
        self.query_one("#entry-unit", Input).placeholder = unit_hint(test, custom)
        self.query_one("#entry-value", Input).placeholder = (
            "empty: the result is in the test's name" if result else value_hint(test, custom)
        )
        self.query_one(".dialog-text", Static).update(shown(about(name, test, result)))
        box = self.query_one("#entry-anticoagulant", Checkbox)
        box.disabled = not (custom or (test is not None and test.asks_anticoagulant))
        if box.disabled and not keep:
            box.value = False

    def build(self, entered: dict[str, str]) -> LabResult:
        """What she entered as an unsaved LabResult; every field that cannot be read is said at once."""
        checks = Checks()
        with checks.on("test"):
            # "Factor V Leiden negative" with Result empty: the test and its result, as a report prints them.
            test, text = resolve_entry(entered["test"], entered["value"])
        with checks.on("date"):
            day = parse_past_date(entered["date"], self.today) if entered["date"].strip() else self.today
        checks.done()
        with checks.on("value"):
            value = parse_lab_value(test, text, entered["unit"] or None)
        checks.done()
        reference = None
        with checks.on("range"):
            reference = parse_range(entered["range"], value.unit, test) if entered["range"].strip() else None
            if reference is not None and value.number is None:
                raise ValidationError(
                    "a reference range goes with a number, not with a word or text", field="range"
                )
        checks.done()
        return LabResult(
            test=test.key,
            on=day,
            value=value,
            reference=reference,
            on_anticoagulant=entered["anticoagulant"] == "yes" and (test.asks_anticoagulant or test.custom),
            note=optional(entered["note"]),
        )

    def store(self, entered: dict[str, str], answers: Answers) -> LabResult:
        """Read, then save while the form is open: a question (an unusual value, the same result twice) is
        asked by the form, and the form closes only once the result is on disk."""
        return self.save(self.build(entered), answers)
