"""The CSV export (pure): the journal's records in, one CSV text per kind of record out, plus a summary page.

Each file is declared in its own module as a tuple of columns (csv_columns.Column: header, unit and cell
getter together): csv_medications, csv_doses, csv_labs (labs and betas), csv_cycles (cycles, their events,
pregnancies), csv_appointments (appointments and their questions), csv_flags (flags and settings),
csv_sessions and csv_summary. This module lists the files in their order and renders them all.

The export is also a backup that `rpltrack import csv` reads back (csv_import): every stored field of every
record is in some column, ids included, and a cell starts with an apostrophe only when the export added one,
so the importer removes exactly that apostrophe. Columns such as the dose states, the beta rise and the loss
counts are computed from the records and ignored by the importer.

Named csv_export (not csv) so that `import csv` inside this package is still the standard library's module.
"""

from __future__ import annotations

from rpltrack.export.csv_appointments import (
    APPOINTMENT_COLUMNS,
    APPOINTMENTS,
    QUESTION_COLUMNS,
    QUESTIONS,
    appointments_table,
    questions_table,
)
from rpltrack.export.csv_columns import (
    BOM,
    Column,
    Columns,
    Table,
    is_number,
    neutralise,
    render,
    unneutralise,
)
from rpltrack.export.csv_cycles import (
    CYCLE_COLUMNS,
    CYCLES,
    EVENT_COLUMNS,
    EVENT_RECORD,
    EVENTS,
    PREGNANCIES,
    PREGNANCY_COLUMNS,
    TRANSFER_RECORD,
    cycles_table,
    events_table,
    pregnancies_table,
)
from rpltrack.export.csv_data import EARLIEST, LATEST, ExportData, FlagEntry, range_instants
from rpltrack.export.csv_doses import DOSE_COLUMNS, DOSES, NOT_LOGGED, DoseRow, dose_rows, doses_table
from rpltrack.export.csv_flags import (
    FLAG_COLUMNS,
    FLAGS,
    NOT_SHOWING,
    SETTING_COLUMNS,
    SETTINGS,
    flags_table,
    settings_table,
)
from rpltrack.export.csv_labs import BETA_COLUMNS, BETAS, LAB_COLUMNS, LABS, betas_table, lab_name, labs_table
from rpltrack.export.csv_medications import MEDICATION_COLUMNS, MEDICATIONS, medications_table
from rpltrack.export.csv_sessions import SESSION_COLUMNS, SESSIONS, sessions_table
from rpltrack.export.csv_summary import FORMAT, SUMMARY, SUMMARY_COLUMNS, summary_table

__all__ = [
    "APPOINTMENTS",
    "APPOINTMENT_COLUMNS",
    "BETAS",
    "BETA_COLUMNS",
    "BOM",
    "COLUMNS",
    "CYCLES",
    "CYCLE_COLUMNS",
    "DOSES",
    "DOSE_COLUMNS",
    "EARLIEST",
    "EVENTS",
    "EVENT_COLUMNS",
    "EVENT_RECORD",
    "FILE_NAMES",
    "FLAGS",
    "FLAG_COLUMNS",
    "FORMAT",
    "LABS",
    "LAB_COLUMNS",
    "LATEST",
    "MEDICATIONS",
    "MEDICATION_COLUMNS",
    "NOT_LOGGED",
    "NOT_SHOWING",
    "PREGNANCIES",
    "PREGNANCY_COLUMNS",
    "QUESTIONS",
    "QUESTION_COLUMNS",
    "SESSIONS",
    "SETTINGS",
    "SETTING_COLUMNS",
    "SUMMARY",
    "SUMMARY_COLUMNS",
    "TRANSFER_RECORD",
    "Column",
    "DoseRow",
    "ExportData",
    "FlagEntry",
    "Table",
    "build_tables",
    "dose_rows",
    "is_number",
    "lab_name",
    "neutralise",
    "range_instants",
    "render",
    "render_export",
    "unneutralise",
]

FILE_NAMES = (
    SUMMARY,
    MEDICATIONS,
    DOSES,
    LABS,
    BETAS,
    CYCLES,
    EVENTS,
    PREGNANCIES,
    APPOINTMENTS,
    QUESTIONS,
    FLAGS,
    SETTINGS,
    SESSIONS,
)

# Each file's columns, in the order of FILE_NAMES.
COLUMNS: dict[str, Columns] = {
    SUMMARY: SUMMARY_COLUMNS,
    MEDICATIONS: MEDICATION_COLUMNS,
    DOSES: DOSE_COLUMNS,
    LABS: LAB_COLUMNS,
    BETAS: BETA_COLUMNS,
    CYCLES: CYCLE_COLUMNS,
    EVENTS: EVENT_COLUMNS,
    PREGNANCIES: PREGNANCY_COLUMNS,
    APPOINTMENTS: APPOINTMENT_COLUMNS,
    QUESTIONS: QUESTION_COLUMNS,
    FLAGS: FLAG_COLUMNS,
    SETTINGS: SETTING_COLUMNS,
    SESSIONS: SESSION_COLUMNS,
}


def build_tables(data: ExportData) -> list[Table]:
    """Every table of the export, summary first."""
    doses = dose_rows(data)
    return [
        summary_table(data, doses),
        medications_table(data),
        doses_table(data, doses),
        labs_table(data),
        betas_table(data),
        cycles_table(data),
        events_table(data),
        pregnancies_table(data),
        appointments_table(data),
        questions_table(data),
        flags_table(data),
        settings_table(data),
        sessions_table(data),
    ]


def render_export(data: ExportData) -> dict[str, str]:
    """File name -> CSV text, for every file of the export."""
    return {table.name: render(table) for table in build_tables(data)}
