"""The app's words for coded errors: what is wrong, and the remedy in fields, screens and keys.

`app_text(exc)` is what a form or a notice shows for a ValidationError: for a coded one (domain.error_codes)
the words below, which name the field to fill in, the screen (and its key) or the key to press — never a
command-line option or command; for any other, its message as it is.
"""

from __future__ import annotations

from rpltrack.domain.error_codes import UNKNOWN_ID_NOUNS, fill
from rpltrack.domain.errors import ValidationError

# A lookup by id fails in the app only when the entry went away under it (deleted or undone elsewhere).
_GONE = ": it may have been deleted or undone (press z to see the changes)"


def _unknown_id(noun: str) -> str:
    return f"there is no {noun} with id {{id}}{_GONE}"


APP_WORDS: dict[str, str] = {
    **{f"{kind}.unknown_id": _unknown_id(noun) for kind, noun in UNKNOWN_ID_NOUNS.items()},
    "medication.name_needed": "type the medication's name in Name",
    "medication.unknown_name": (
        "no medication called {name!r} in your journal (yours: {names}); add it on the Medications screen "
        "(key 2, then a)"
    ),
    "medication.every_unreadable": "cannot read {text!r} in Every: type hours like 8 or 12",
    "medication.no_times": "give at least one time of day in Times, like 08:00",
    "medication.until_and_for": (
        "in Until, give either an event or a gestational age, or a length like 10 days, not both"
    ),
    "medication.anchor_needs_cycle": (
        "a schedule tied to a cycle event or a gestational age needs a cycle: start one first on the Cycles "
        "screen (key 4, then n), or type a date in Starts and Until"
    ),
    "medication.taper_needs_date": "a taper starts on a date: in Starts, type one like 2026-03-01",
    "medication.nothing_to_change": "nothing to change: change the Dose, Times or Every (hours)",
    "medication.name_twice": (
        "two of these medications are called {name}: rename one first (on the Medications screen, key 2, "
        "then e) or leave one out"
    ),
    "dose.no_open_slot": (
        "no open {medication} dose near {when}{next}. To log a dose at another time, type it in the time "
        "it was taken; to take back the last entry, press u"
    ),
    "dose.far_from_slot": (
        "{at} is more than a day from the {slot} dose this entry is for: to log another dose, delete this "
        "entry and log that one on the Today screen (key 1)"
    ),
    "beta.unit_twice": "give the unit once, after the number in Result",
    "pregnancy.ongoing_exists": (
        "a pregnancy is already recorded as ongoing: record how it ended first (on the Pregnancies screen, "
        "key 6, then x)"
    ),
    "pregnancy.none_ongoing": (
        "no ongoing pregnancy is recorded: add one (on the Pregnancies screen, key 6, then n), or record a "
        "past loss (then l)"
    ),
    "lab.is_a_session": (
        "{name} is a treatment session, not a lab result: record it on the Treatments screen (key 0, then "
        "a). Nothing was saved."
    ),
    "session.future_day": (
        "{day} is after today: record a session once it happened, and plan coming ones as a course (c on the "
        "Treatments screen)"
    ),
    "course.count_or_until": "say how many sessions, or give the last day in Or until",
    "search.no_words": "type some words to search for, e.g. lovenox",
    "export.period_reversed": (
        "in Dates, the first day {start} is after the last day {end}: give the earlier day first"
    ),
    "import.missing_file": "{folder} has no {name}: choose the folder an export wrote",
    "import.not_empty": (
        "the journal at {path} already has records; an import goes into an empty journal. Nothing was "
        "imported."
    ),
    "import.missing_cycle": (
        "{events} lists events of cycle {cycle}, which {cycles} does not have (an export of some dates only "
        "may leave a cycle out: import an export with Dates left empty)"
    ),
    "import.missing_reference": (
        "{entry} {link}, not in {file} (an export of some dates only may leave it out: import an export with "
        "Dates left empty)"
    ),
    "backup.damaged": (
        "the journal looks damaged ({damage}), so no backup was made: a copy of a damaged journal could "
        "replace a good backup"
    ),
    "backup.unknown_key": (
        "{path} is locked (encrypted) with a key not kept here, or is not a journal at all: it opens only "
        "with the passphrase it was locked with. Nothing was changed."
    ),
    "template.medication": "{medication}: {problem}",
}


def app_text(exc: ValidationError) -> str:
    """What the app shows for `exc`: a coded error in the words above, any other as it is."""
    if exc.code is None:
        return exc.message
    return fill(APP_WORDS[exc.code], exc.values, app_text)
