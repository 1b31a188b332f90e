"""The codes a ValidationError may carry: each code's neutral words (what is wrong, in plain language, with
the values), front-end free — the command line (cli/errors.py) and the app (tui/errors.py) each add the
remedy in their own terms, an option or command there, a field or key here.

A code's words are a `str.format` template over the error's `values`; a value that is itself a
ValidationError is worded by the same front (its own code's words, or its message). `example` holds values
the tests render every code with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rpltrack.domain.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


class Code:
    """One code: its neutral words and example values."""

    __slots__ = ("example", "words")

    def __init__(self, words: str, example: Mapping[str, object]) -> None:
        self.words = words
        self.example = example


# The entries looked up by id, and how each is named in an error ('there is no beta result with id 12').
UNKNOWN_ID_NOUNS: dict[str, str] = {
    "appointment": "appointment",
    "question": "question",
    "cycle": "cycle",
    "event": "event",
    "transfer": "transfer",
    "beta": "beta result",
    "pregnancy": "pregnancy or loss",
    "dose": "logged dose",
    "lab": "lab result",
    "medication": "medication",
    "session": "treatment session",
    "course": "course",
}


def _unknown_id(noun: str) -> Code:
    return Code(f"there is no {noun} with id {{id}}", {"id": 12})


CODES: dict[str, Code] = {
    # -- entries looked up by id --------------------------------------------------------------------
    **{f"{kind}.unknown_id": _unknown_id(noun) for kind, noun in UNKNOWN_ID_NOUNS.items()},
    # -- medications ----------------------------------------------------------------------------------
    "medication.name_needed": Code("give the medication's name or id", {}),
    "medication.unknown_name": Code(
        "no medication called {name!r} in your journal (yours: {names})",
        {"name": "asprin", "names": "aspirin, enoxaparin"},
    ),
    "medication.every_unreadable": Code(
        "cannot read the interval {text!r}: write hours like 8h or 12h", {"text": "often"}
    ),
    "medication.no_times": Code("give at least one time of day, like 08:00", {}),
    "medication.until_and_for": Code(
        "give either an end (an event or a gestational age) or a length, not both", {}
    ),
    "medication.anchor_needs_cycle": Code(
        "a schedule tied to a cycle event or a gestational age needs a cycle: start one first", {}
    ),
    "medication.taper_needs_date": Code("a taper starts on a date, not at a cycle event", {}),
    "medication.nothing_to_change": Code("nothing to change: give a new dose, times or interval", {}),
    "medication.name_twice": Code(
        "two of these medications are called {name}: rename one first or leave one out",
        {"name": "aspirin"},
    ),
    # -- doses ----------------------------------------------------------------------------------------
    "dose.no_open_slot": Code(
        "no open {medication} dose near {when}{next}",
        {"medication": "aspirin", "when": "2026-03-02 08:00", "next": "; the next is Tue 03 Mar 08:00"},
    ),
    "dose.far_from_slot": Code(
        "{at} is more than a day from the {slot} dose this entry is for: to log another dose, delete this "
        "entry and log that one",
        {"at": "2026-03-04 08:00", "slot": "2026-03-02 08:00"},
    ),
    # -- betas and pregnancies ------------------------------------------------------------------------
    "beta.unit_twice": Code("give the unit once, either after the number or on its own", {}),
    "pregnancy.ongoing_exists": Code(
        "a pregnancy is already recorded as ongoing: record how it ended first", {}
    ),
    "pregnancy.none_ongoing": Code("no ongoing pregnancy is recorded: add one, or record a past loss", {}),
    "lab.is_a_session": Code(
        "{name} is a treatment session, not a lab result: record it as a session. Nothing was saved.",
        {"name": "LIT"},
    ),
    # -- treatment sessions ---------------------------------------------------------------------------
    "session.future_day": Code(
        "{day} is after today: record a session once it happened, and plan coming ones as a course",
        {"day": "2026-04-01"},
    ),
    "course.count_or_until": Code("a course runs for a number of sessions or until a day: give one", {}),
    # -- search ---------------------------------------------------------------------------------------
    "search.no_words": Code("give some words to search for", {}),
    # -- export, import, backup -----------------------------------------------------------------------
    "export.period_reversed": Code(
        "the first day {start} is after the last day {end}: give the earlier day first",
        {"start": "2026-03-10", "end": "2026-03-01"},
    ),
    "import.missing_file": Code(
        "{folder} has no {name}: give the folder an export wrote",
        {"folder": "/home/me/export", "name": "medications.csv"},
    ),
    "import.not_empty": Code(
        "the journal at {path} already has records; an import goes into an empty journal. Nothing was "
        "imported.",
        {"path": "/home/me/journal.db"},
    ),
    "import.missing_cycle": Code(
        "{events} lists events of cycle {cycle}, which {cycles} does not have (an export of some days only "
        "may leave a cycle out: import a full export)",
        {"events": "cycle_events.csv", "cycle": 3, "cycles": "cycles.csv"},
    ),
    "import.missing_reference": Code(
        "{entry} {link}, not in {file} (an export of some days only may leave it out: import a full export)",
        {"entry": "beta 4", "link": "belongs to cycle 3", "file": "cycles.csv"},
    ),
    "backup.damaged": Code(
        "the journal looks damaged ({damage}), so no backup was made: a copy of a damaged journal could "
        "replace a good backup",
        {"damage": "database disk image is malformed"},
    ),
    "backup.unknown_key": Code(
        "{path} is locked (encrypted) with a key not kept here, or is not a journal at all: give the "
        "passphrase it was locked with. Nothing was changed.",
        {"path": "/home/me/backup.db"},
    ),
    # -- a template's medication ----------------------------------------------------------------------
    "template.medication": Code("{medication}: {problem}", {"medication": "aspirin", "problem": "…"}),
}


def fill(template: str, values: Mapping[str, object], word: Callable[[ValidationError], str]) -> str:
    """`template` with `values`; a value that is a ValidationError worded by `word` (the front's own)."""
    shown = {k: word(v) if isinstance(v, ValidationError) else v for k, v in values.items()}
    return template.format_map(shown)


def neutral_text(exc: ValidationError) -> str:
    """The error in neutral words: its code's words, or its message."""
    return exc.message


def neutral_words(code: str, values: Mapping[str, object]) -> str:
    """The neutral words of `code` with `values` (a KeyError for a code not in CODES: a programming error)."""
    return fill(CODES[code].words, values, neutral_text)


# The example of an error about one medication of a template holds a coded error of its own (made once this
# module is complete, as making it words it).
CODES["template.medication"].example = {
    "medication": "aspirin",
    "problem": ValidationError(code="medication.no_times", field="times"),
}
