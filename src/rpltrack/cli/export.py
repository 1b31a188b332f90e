"""`rpltrack export csv|ics`, `import csv` and `brief`: the record leaves the laptop, and comes back.

`export` has one subcommand per format; another format is one more `_register_*` call in `register`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rpltrack.cli.context import Context
from rpltrack.cli.entry import entry_id
from rpltrack.cli.lock import plain_export_note
from rpltrack.domain.errors import ValidationError
from rpltrack.paths import documents_dir
from rpltrack.store.export_formats import BY_KEY, CALENDAR_FILE, brief_file_name
from rpltrack.store.exporting import (
    ExportFailed,
    brief_input,
    calendar_export,
    check_period,
    default_export_dir,
    earlier_calendar,
    import_csv_export,
    location_warnings,
    refuse_unsafe_target,
    remember_calendar,
    write_csv_export,
    write_files,
)

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    export = sub.add_parser(
        "export",
        parents=[common],
        help="write your records to files: CSV for a doctor or a spreadsheet",
        description="Write your records to files that leave this computer with you. The files are not "
        "encrypted: keep them somewhere only you can read.",
    )
    formats = export.add_subparsers(dest="export_format", metavar="FORMAT", required=True)
    _register_export_csv(formats, common)
    _register_export_ics(formats, common)

    imports = sub.add_parser(
        "import",
        parents=[common],
        help="read an export back into an empty journal",
        description="Read files rpltrack exported back into a journal that has no records yet.",
    )
    import_formats = imports.add_subparsers(dest="import_format", metavar="FORMAT", required=True)
    csv_in = import_formats.add_parser(
        "csv",
        parents=[common],
        help="read a CSV export folder back into an empty journal",
        description="Read the folder `rpltrack export csv` wrote back into an empty journal, ids and all, "
        "in one step: everything is imported or nothing is. A journal with records is refused (use --db "
        "to name a new one). Files changed in a spreadsheet since the export may be refused.",
    )
    csv_in.add_argument("dir", metavar="DIR", help="the folder the export wrote")
    csv_in.set_defaults(func=import_csv)
    _register_brief(sub, common)


def _register_export_csv(
    formats: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    csv_out = formats.add_parser(
        "csv",
        parents=[common],
        help=BY_KEY["csv"].help,
        description="Write one CSV file per kind of record (medications, doses, labs, betas, cycles and "
        "events, pregnancies and losses, appointments, flags, settings) and summary.csv, a one-page "
        "overview for your doctor. The files open in Excel, LibreOffice and Google Sheets, are readable only "
        "by you, and `rpltrack import csv` reads them back. --from/--to keep records dated in that period "
        "(medications and cycles that overlap it).",
    )
    csv_out.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="the folder to write (default: a new rpltrack-export-YYYYMMDD-HHMM folder in your documents)",
    )
    csv_out.add_argument("--from", dest="start", metavar="DATE", default=None, help="first day, YYYY-MM-DD")
    csv_out.add_argument("--to", dest="end", metavar="DATE", default=None, help="last day, YYYY-MM-DD")
    csv_out.set_defaults(func=export_csv)


def _day(text: str | None, option: str) -> date | None:
    # quick path: `import csv` would import domain.datetext (+0.4 ms)
    from rpltrack.domain.datetext import parse_date

    return parse_date(text, option) if text is not None else None


def export_csv(ctx: Context) -> int:
    a = ctx.args
    start, end = _day(a.start, "from"), _day(a.end, "to")
    check_period(start, end)
    now = ctx.now()
    out_dir = Path(a.out).expanduser() if a.out else default_export_dir(now, ctx.zone)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValidationError(f"{out_dir} is a file, not a folder: choose a folder for --out", field="out")
    written = write_csv_export(ctx.journal, out_dir, start=start, end=end, now=now, zone=ctx.zone)
    print(f"Saved {len(written)} CSV files in {out_dir.resolve()}:")
    for path in written:
        print(f"  {path.name}")
    print("summary.csv is the one-page overview for your doctor. The files are readable only by you.")
    plain_export_note(ctx)
    for warning in location_warnings(out_dir):
        print(f"rpltrack: warning: {warning}", file=sys.stderr)
    return 0


def import_csv(ctx: Context) -> int:
    in_dir = Path(ctx.args.dir).expanduser()
    counts = import_csv_export(ctx.journal, in_dir, ctx.now())
    listed = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    print(f"Imported {in_dir} into {ctx.db_path}: {listed or 'no records'}.")
    if listed:
        print("rpltrack undo takes the whole import back.")
    return 0


# -- export ics and brief (issue #5) -------------------------------------------------------------------


def _register_export_ics(
    formats: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    ics = formats.add_parser(
        "ics",
        parents=[common],
        help=BY_KEY["ics"].help,
        description="Write an iCalendar (.ics) file to import into your calendar: your appointments, the "
        "retest due dates from your flags and, with --doses, every dose time of the next 30 days. Events "
        "keep the same ids from one export to the next, so importing a newer file updates them instead of "
        "adding copies (in calendars that update on import). The file has no alarms: rpltrack's own "
        "reminders are the alerts. With `settings set reminders.discreet on`, drug and lab names become "
        "'Medication' and 'Lab test' and your notes stay out of the file.",
    )
    ics.add_argument(
        "--out",
        metavar="FILE",
        default=None,
        help="the file to write (default: rpltrack.ics in your documents folder)",
    )
    ics.add_argument("--doses", action="store_true", help="also every scheduled dose of the next 30 days")
    ics.set_defaults(func=export_ics)


def _register_brief(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    brief = sub.add_parser(
        "brief",
        parents=[common],
        help=BY_KEY["brief"].help,
        description="Write a printable one-page summary (an HTML file) for an appointment: where you are in "
        "your cycle or pregnancy, your medications with the doses not logged as taken, the latest lab "
        "results beside their targets, your betas with a chart, your loss history with the counts under "
        "each definition, the active flags as questions with their sources, and your own questions. Open "
        "it in a browser and print it. It names no one you did not type in.",
    )
    brief.add_argument(
        "--appt", type=entry_id, default=None, metavar="ID", help="the appointment (default: the next one)"
    )
    brief.add_argument(
        "--out",
        metavar="FILE",
        default=None,
        help="the file to write (default: rpltrack-brief-YYYY-MM-DD.html in your documents folder)",
    )
    brief.add_argument("--as-of", help="prepare it as if it were then: 'YYYY-MM-DD[ HH:MM]'")
    brief.set_defaults(func=brief_write)


def _out_file(text: str | None, default_name: str) -> Path:
    """--out as given (a folder gets the default name inside it), else the default name in the documents
    folder. A device, pipe or link is refused."""
    if text is None or not text.strip():
        return documents_dir() / default_name
    path = Path(text).expanduser()
    if path.is_dir() and not path.is_symlink():
        path = path / default_name
    refuse_unsafe_target(path, "out")
    return path


def _write_private(path: Path, text: str) -> None:
    """`text` at `path`: owner-only (0600) and atomic (the CSV export's writer: a temporary file beside it,
    fsync, rename), with the same warnings about shared or synced folders."""
    try:
        write_files(path.parent, [(path.name, text.encode("utf-8"))])
    except OSError as exc:
        raise ExportFailed(f"could not write {path}: {exc.strerror or exc}. Nothing was changed.") from exc
    for warning in location_warnings(path.parent):
        print(f"rpltrack: warning: {warning}", file=sys.stderr)


def export_ics(ctx: Context) -> int:
    # quick path: `export csv` would import export.ics (+7.4 ms)
    from rpltrack.export.ics import DOSE_DAYS

    a = ctx.args
    path = _out_file(a.out, CALENDAR_FILE)
    now = ctx.now()
    earlier = earlier_calendar(path)
    export = calendar_export(ctx.journal, now=now, zone=ctx.zone, doses=a.doses, earlier=earlier)
    _write_private(path, export.text)
    remember_calendar(ctx.journal, export, now)
    parts = [_count(export.appointments, "appointment"), _count(export.retests, "retest due date")]
    if a.doses:
        parts.append(
            f"{_count(export.doses, 'dose schedule')} ({_count(export.dose_times, 'dose time')} "
            f"in the next {DOSE_DAYS} days)"
        )
    print(f"Saved {', '.join(parts)} in {path.resolve()}")
    if export.cancelled:
        print(
            f"{_count(export.cancelled, 'event')} from an earlier export no longer apply: marked cancelled."
        )
    print(
        "Import it into your calendar; importing a newer export updates the same events. It has no alarms: "
        "rpltrack's reminders are the alerts. The file is readable only by you."
    )
    plain_export_note(ctx)
    return 0


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def brief_write(ctx: Context) -> int:
    # quick path: `export csv` would import export.brief, export.brief_sections and 7 more (+29 ms)
    from rpltrack.export.brief import render_brief

    data = brief_input(ctx.journal, ctx.now(), ctx.zone, ctx.args.appt)
    appt = data.appointment
    day = appt.at.astimezone(ctx.zone).date() if appt is not None else ctx.clock.today()
    path = _out_file(ctx.args.out, brief_file_name(day))
    _write_private(path, render_brief(data))
    if appt is not None:
        what = f"for {appt.title} on {appt.at:%a %d %b %Y at %H:%M}"
    else:
        what = "(no upcoming appointment: a summary of your record)"
    print(f"Saved the appointment brief {what} in {path.resolve()}")
    print("Open it in a browser and print it: it is one page. It is readable only by you.")
    plain_export_note(ctx)
    return 0
