"""Older layouts of the export's files, so that an export made by an earlier rpltrack still imports (pure).

Each layout is the header an earlier export wrote and how one of its rows reads as the current layout (the
cells renamed or split), so the importer reads every export through the current columns:

- format 1 before "Regimen from (as entered)": medications.csv whose "Regimen from" held the date as entered;
- format 1: labs.csv and betas.csv with a "Sign" column and the bound of a censored value as the number
  (betas.csv without "Minimum rise source ID": its "Minimum rise source" held the id);
  flags.csv with "Rule" and "Flag key" as ids; appointments.csv with one row per question (its columns
  "Question", "Question asked", "Answer", "Question from flag", "Question ID") and no
  appointment_questions.csv.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rpltrack.domain.records import record
from rpltrack.export import csv_appointments as appt
from rpltrack.export import csv_flags as flg
from rpltrack.export import csv_labs as lab
from rpltrack.export import csv_medications as med
from rpltrack.export.csv_columns import Column, headers

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Cells = dict[str, str]


@record(frozen=True)
class Layout:
    """The header of an older file, and `upgrade`, which rewrites one of its rows' cells in place so that the
    current columns read them."""

    headers: tuple[str, ...]
    upgrade: Callable[[Cells], None]


def _replaced(columns: Sequence[Column[Any]], changes: dict[str, Sequence[str]]) -> tuple[str, ...]:
    """The current headers with some replaced (a header -> the older headers in its place; () drops it)."""
    found: list[str] = []
    for header in headers(columns):
        found.extend(changes.get(header, (header,)))
    return tuple(found)


def _regimen_as_entered(cells: Cells) -> None:
    cells[med.REGIMEN_ENTERED_FROM.header] = cells[med.REGIMEN_FROM.header]


MEDICATIONS_BEFORE_ENTERED_FROM = Layout(
    _replaced(med.MEDICATION_COLUMNS, {med.REGIMEN_ENTERED_FROM.header: ()}), _regimen_as_entered
)

SIGN = "Sign"


def _split_bound(value: Column[Any], limit: Column[Any]) -> Callable[[Cells], None]:
    """A sign and a number (the bound of a censored value) -> an exact value or a limit ('<5')."""

    def upgrade(cells: Cells) -> None:
        sign = cells.pop(SIGN)
        number = cells[value.header]
        cells[limit.header] = f"{sign}{number}" if sign else ""
        if sign:
            cells[value.header] = ""

    return upgrade


LABS_FORMAT_1 = Layout(
    _replaced(lab.LAB_COLUMNS, {lab.VALUE.header: (SIGN, lab.VALUE.header), lab.LIMIT.header: ()}),
    _split_bound(lab.VALUE, lab.LIMIT),
)
BETAS_FORMAT_1 = Layout(
    _replaced(
        lab.BETA_COLUMNS,
        {
            lab.HCG.header: (SIGN, lab.HCG.header),
            lab.HCG_LIMIT.header: (),
            lab.MINIMUM_SOURCE_ID.header: (),
        },
    ),
    _split_bound(lab.HCG, lab.HCG_LIMIT),
)

_OLD_RULE, _OLD_FLAG_KEY = "Rule", "Flag key"


def _flag_ids(cells: Cells) -> None:
    cells[flg.RULE_ID.header] = cells[_OLD_RULE]
    cells[flg.FLAG_ID.header] = cells.pop(_OLD_FLAG_KEY)


FLAGS_FORMAT_1 = Layout(
    (
        flg.STATE.header,
        flg.SINCE.header,
        flg.TITLE.header,
        flg.DETAIL.header,
        flg.ASK.header,
        "Sources",
        "Source citations",
        "Numbers",
        flg.CONTEXT.header,
        flg.CLINIC_TARGET.header,
        flg.MARKED_AT.header,
        flg.MARK_NOTE.header,
        flg.RAISED_AT.header,
        _OLD_RULE,
        _OLD_FLAG_KEY,
        flg.MARK_ID.header,
    ),
    _flag_ids,
)

# appointments.csv of format 1: the appointment's columns, then its question's (one row per question).
_OLD_QUESTION = {
    "Question": appt.QUESTION,
    "Question asked": appt.ASKED,
    "Answer": appt.ANSWER,
    "Question from flag": appt.FLAG_ID,
    "Question ID": appt.QUESTION_ID,
}


def _question_cells(cells: Cells) -> None:
    for old, column in _OLD_QUESTION.items():
        cells[column.header] = cells.pop(old)


APPOINTMENTS_FORMAT_1 = Layout(
    (
        *headers(
            (
                appt.AT,
                appt.AT_LOCAL,
                appt.KIND,
                appt.WITH,
                appt.WHERE,
                appt.PURPOSE,
                appt.NOTES,
                appt.DECIDED,
                appt.DONE_AT,
                appt.CANCELLED,
            )
        ),
        *tuple(_OLD_QUESTION)[:4],
        *headers((appt.TIME_ZONE, appt.ENTERED_AT, appt.APPOINTMENT_ID)),
        "Question ID",
    ),
    _question_cells,
)
