"""The export formats, declared once: what each is called, what it writes and under which file name.

The Export screen lists them and calls their writers; the CLI (`export csv`, `export ics`, `brief`) takes
its one-line help and default file names from here, so the two fronts cannot describe a format differently.
Each writer takes (journal, folder, start, end, now, zone) and returns the files it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rpltrack.domain.records import record
from rpltrack.store import exporting

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from rpltrack.store.journal import Journal

# (journal, the folder to save in, start, end, now, zone) -> the files written
Writer = Callable[["Journal", Path, date | None, date | None, datetime, ZoneInfo], list[Path]]

CALENDAR_FILE = "rpltrack.ics"


def brief_file_name(day: date) -> str:
    """The brief's file name: named by the day of the appointment it is for."""
    return f"rpltrack-brief-{day.isoformat()}.html"


def write_csv(
    journal: Journal, base: Path, start: date | None, end: date | None, now: datetime, zone: ZoneInfo
) -> list[Path]:
    """The CSV files, in a new rpltrack-export-YYYYMMDD-HHMM folder inside `base` (as `export csv`)."""
    out_dir = exporting.default_export_dir(now, zone, base)
    return exporting.write_csv_export(journal, out_dir, start=start, end=end, now=now, zone=zone)


def write_ics(
    journal: Journal, base: Path, start: date | None, end: date | None, now: datetime, zone: ZoneInfo
) -> list[Path]:
    """rpltrack.ics in `base` (as `export ics`): appointments and retest due dates, no dose times."""
    return [exporting.write_calendar(journal, base / CALENDAR_FILE, now=now, zone=zone, doses=False)]


def write_ics_with_doses(
    journal: Journal, base: Path, start: date | None, end: date | None, now: datetime, zone: ZoneInfo
) -> list[Path]:
    """rpltrack.ics in `base` with the dose times of the next days too (as `export ics --doses`)."""
    return [exporting.write_calendar(journal, base / CALENDAR_FILE, now=now, zone=zone, doses=True)]


def brief_day(journal: Journal, now: datetime, zone: ZoneInfo) -> date:
    """The day the brief is for: the next appointment's, else today."""
    upcoming = [a for a in journal.appointments() if a.upcoming(now)]
    return upcoming[0].at.astimezone(zone).date() if upcoming else now.astimezone(zone).date()


def write_brief_page(
    journal: Journal, base: Path, start: date | None, end: date | None, now: datetime, zone: ZoneInfo
) -> list[Path]:
    """The one-page brief for the next appointment (as `brief`), named by its day."""
    path = base / brief_file_name(brief_day(journal, now, zone))
    return [exporting.write_brief(journal, path, now=now, zone=zone, appt_id=None)]


@record(frozen=True)
class Format:
    key: str
    words: str  # in the Export screen's list
    about: str  # under it
    write: Writer
    ranged: bool = True  # takes a from/to date range
    command: str = ""  # the CLI command that writes it, for the help line
    help: str = ""  # the CLI's one-line help


FORMATS = (
    Format(
        "csv",
        "Spreadsheet files (CSV)",
        "A file per kind of record (medications, doses, labs, betas, cycles, pregnancies, appointments, "
        "flags) and summary.csv, one page for the doctor. Excel, LibreOffice and Google Sheets open them.",
        write_csv,
        command="export csv",
        help="one CSV per kind of record, plus summary.csv for your doctor",
    ),
    Format(
        "brief",
        "Appointment brief (one printable page)",
        "For your next appointment: where you are, medications and missed doses, latest labs, betas, "
        "losses, and the flags as questions with sources. Open it in a browser and print it.",
        write_brief_page,
        ranged=False,
        command="brief",
        help="a one-page summary to print for an appointment",
    ),
    Format(
        "ics",
        "Calendar file (appointments and retests)",
        "Import it into your calendar; a newer file updates the same events. No alarms: rpltrack's "
        "reminders are the alerts.",
        write_ics,
        ranged=False,
        command="export ics",
        help="a calendar file: appointments, retest due dates and, with --doses, dose times",
    ),
    Format(
        "ics-doses",
        "Calendar file with dose times",
        "As above, plus every dose time of the next 30 days.",
        write_ics_with_doses,
        ranged=False,
        command="export ics --doses",
    ),
)
BY_KEY = {f.key: f for f in FORMATS}
