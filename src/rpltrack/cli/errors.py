"""The command line's words for coded errors: what is wrong, and the remedy in options and commands.

`cli_text(exc)` is what `rpltrack` prints for a ValidationError: for a coded one (domain.error_codes) the
words below, which name the option to give or the command that shows what is needed; for any other, its
message as it is.
"""

from __future__ import annotations

from rpltrack.domain.error_codes import fill
from rpltrack.domain.errors import ValidationError

CLI_WORDS: dict[str, str] = {
    "appointment.unknown_id": "there is no appointment with id {id}: see rpltrack appt list",
    "question.unknown_id": (
        "there is no question with id {id}: rpltrack appt show APPT lists an appointment's questions with "
        "their ids"
    ),
    "cycle.unknown_id": "there is no cycle with id {id}: see rpltrack cycle list",
    "event.unknown_id": "there is no event with id {id}: see rpltrack cycle list",
    "transfer.unknown_id": "there is no transfer with id {id}: see rpltrack cycle list",
    "beta.unknown_id": "there is no beta result with id {id}: see rpltrack betas",
    "pregnancy.unknown_id": "there is no pregnancy or loss with id {id}: see rpltrack history",
    "dose.unknown_id": "there is no logged dose with id {id}: rpltrack log shows each one's id",
    "lab.unknown_id": "there is no lab result with id {id}: see rpltrack labs",
    "medication.unknown_id": (
        "there is no medication with id {id}: rpltrack med list --all shows each one's id"
    ),
    "session.unknown_id": "there is no treatment session with id {id}: see rpltrack session list",
    "course.unknown_id": "there is no course with id {id}: see rpltrack session course list",
    "medication.name_needed": "give the medication's name or id, e.g. rpltrack take aspirin",
    "medication.unknown_name": (
        "no medication called {name!r} in your journal (yours: {names}); add it with: rpltrack med add "
        "{name} --dose ... --times ..."
    ),
    "medication.every_unreadable": "cannot read --every {text!r}: write hours like 8h or 12h",
    "medication.no_times": "give at least one time of day, like --times 08:00",
    "medication.until_and_for": "give either --until with an event or a gestational age, or --for",
    "medication.anchor_needs_cycle": (
        "a schedule tied to a cycle event or a gestational age needs a cycle: start one first "
        "(rpltrack cycle add) or give --cycle ID"
    ),
    "medication.taper_needs_date": "a taper starts on a date: give --start YYYY-MM-DD",
    "medication.nothing_to_change": "nothing to change: give a new --dose, --times or --every",
    "medication.name_twice": (
        "two of these medications are called {name}: rename one first (rpltrack med edit {name!r} --rename "
        "...) or leave one out"
    ),
    "dose.no_open_slot": (
        'no open {medication} dose near {when}{next}. Use --at "YYYY-MM-DD HH:MM" to log a dose at another '
        "time, or rpltrack undo to take back the last entry"
    ),
    "dose.far_from_slot": (
        "{at} is more than a day from the {slot} dose this entry is for: to log another dose, delete this "
        "entry and log that one with rpltrack take --at"
    ),
    "beta.unit_twice": "give the unit once, either after the number or with --unit",
    "pregnancy.ongoing_exists": (
        "a pregnancy is already recorded as ongoing: record how it ended first (rpltrack pregnancy end)"
    ),
    "pregnancy.none_ongoing": (
        "no ongoing pregnancy is recorded: add one with rpltrack pregnancy add, or record a past loss with "
        "rpltrack loss add"
    ),
    "lab.is_a_session": (
        "{name} is a treatment session, not a lab result: record it with rpltrack session add lit --on "
        "YYYY-MM-DD (or on the Treatments screen, key 0). Nothing was saved."
    ),
    "session.future_day": (
        "{day} is after today: record a session once it happened, and plan coming ones with rpltrack session "
        "course"
    ),
    "course.count_or_until": (
        "a course runs for a number of sessions (--count N) or until a day (--until DATE): give one"
    ),
    "search.no_words": "give some words to search for, e.g. rpltrack search lovenox",
    "export.period_reversed": "--from {start} is after --to {end}: give the earlier day first",
    "import.missing_file": "{folder} has no {name}: give the folder `rpltrack export csv` wrote",
    "import.not_empty": (
        "the journal at {path} already has records; an import goes into an empty journal (for example: "
        "rpltrack --db new-journal.db import csv DIR). Nothing was imported."
    ),
    "import.missing_cycle": (
        "{events} lists events of cycle {cycle}, which {cycles} does not have (an export made with "
        "--from/--to may leave a cycle out: import a full export)"
    ),
    "import.missing_reference": (
        "{entry} {link}, not in {file} (an export made with --from/--to may leave it out: import a full "
        "export)"
    ),
    "backup.damaged": (
        "the journal looks damaged ({damage}), so no backup was made: a copy of a damaged journal could "
        "replace a good backup. Restore a good one with `rpltrack restore FILE`, or add --even-damaged to "
        "copy it anyway (for example to keep what can still be read)"
    ),
    "backup.unknown_key": (
        "{path} is locked (encrypted) with a key not kept here, or is not a journal at all: give the "
        "passphrase it was locked with (on a terminal, or with --passphrase-file FILE). Nothing was changed."
    ),
    "template.medication": "{medication}: {problem}",
}


def cli_text(exc: ValidationError) -> str:
    """What the command line says for `exc`: a coded error in the words above, any other as it is."""
    if exc.code is None:
        return exc.message
    return fill(CLI_WORDS[exc.code], exc.values, cli_text)
