"""Writing a CSV export of the journal to a folder, and reading one back into an empty journal.

The CLI (`rpltrack export csv`, `rpltrack import csv`) and the TUI's Export screen both call these; neither
needs Textual. Files are written owner-only (0600) and atomically: each under a temporary name in the same
folder, flushed to disk, then renamed over the old one, so a crash leaves the old file or the new one, never
a part. A new folder is filled under a temporary name and renamed into place whole.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseStatus
from rpltrack.export import csv_export
from rpltrack.flags.sources import SOURCES, cite
from rpltrack.paths import documents_dir
from rpltrack.store.db import JournalError
from rpltrack.store.files import PARTIAL_SUFFIX, atomic_write, fsync_dir, process_gone
from rpltrack.store.journal import Journal

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from rpltrack.domain.appointments import Appointment
    from rpltrack.export.brief import BriefInput
    from rpltrack.export.csv_import import CsvImport
    from rpltrack.export.ics import CalendarExport, RetestDue
    from rpltrack.flags.model import Flag

FOLDER_PREFIX = "rpltrack-export-"
SYNC_FOLDER_WORDS = ("dropbox", "onedrive", "google drive", "googledrive", "icloud", "nextcloud", "owncloud")


class ExportFailed(JournalError):
    """The export could not be written (a full disk, no permission); what was there before is unchanged."""


def gather(
    journal: Journal, *, start: date | None, end: date | None, now: datetime, zone: ZoneInfo
) -> csv_export.ExportData:
    """What the export shows, read through the journal's API (flags evaluated as of `now`)."""
    # quick path: `import csv` would import flags.rules, flags.beta_rules and 10 more (+3.3 ms)
    from rpltrack.flags.rules import board

    lo, hi = csv_export.range_instants(start, end, zone)
    marks = journal.flag_marks()
    showing = board(journal.snapshot(now, zone), marks)
    flags: list[csv_export.FlagEntry] = []
    for flag in (*showing.active, *showing.marked):
        mark = marks.get(flag.key)
        flags.append(
            csv_export.FlagEntry(
                key=flag.key,
                rule=flag.rule,
                state=mark.state.value if mark else "active",
                title=flag.title,
                detail=flag.detail,
                ask=flag.ask,
                since=flag.since,
                sources=flag.sources,
                citations=tuple(cite(s) for s in flag.sources),
                numbers=dict(flag.numbers),
                context=flag.context,
                clinic_target=flag.clinic_target,
                mark_id=mark.id if mark else None,
                marked_at=mark.at if mark else None,
                mark_note=mark.note if mark else "",
                appointment_id=mark.appointment_id if mark else None,
            )
        )
    showing_keys = {f.key for f in flags}
    titles = journal.flag_mark_titles()
    for key, mark in sorted(marks.items(), key=lambda item: (item[1].at, item[0])):
        if key not in showing_keys:
            flags.append(
                csv_export.FlagEntry(
                    key=key,
                    rule=key.split(":", 1)[0],
                    state=f"{mark.state.value} ({csv_export.NOT_SHOWING})",
                    title=titles.get(key, ""),
                    mark_id=mark.id,
                    marked_at=mark.at,
                    mark_note=mark.note,
                    appointment_id=mark.appointment_id,
                )
            )
    _, week = journal.adherence(now, 7)
    _, month = journal.adherence(now, 30)
    return csv_export.ExportData(
        now=now,
        zone=zone,
        start=start,
        end=end,
        medications=tuple(journal.medications()),
        logs=tuple(journal.logs_between(lo, hi)),
        grace=journal.grace(),
        cycles=tuple(journal.cycles()),
        betas=tuple(journal.betas()),
        pregnancies=tuple(journal.pregnancies()),
        labs=tuple(journal.labs()),
        appointments=tuple(journal.appointments()),
        sessions=tuple(journal.sessions()),
        courses=tuple(journal.courses()),
        flags=tuple(flags),
        stored_settings=journal.stored_settings(),
        adherence_7=week,
        adherence_30=month,
        citations=SOURCES,
    )


def check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError(
            code="export.period_reversed", field="from", values={"start": start, "end": end}
        )


def write_csv_export(
    journal: Journal,
    out_dir: Path,
    *,
    start: date | None = None,
    end: date | None = None,
    now: datetime,
    zone: ZoneInfo,
) -> list[Path]:
    """Write every CSV of the export (summary.csv first) into `out_dir`; returns the files written.

    `start`/`end` are local days (inclusive) in `zone`; None leaves that side open. Everything is read and
    rendered before the first byte is written. A folder that does not exist yet is created owner-only (0700)
    and appears whole or not at all; in an existing folder each file is replaced atomically. Raises
    ExportFailed (a JournalError) when the files cannot be written, ValidationError for a bad period."""
    check_period(start, end)
    data = gather(journal, start=start, end=end, now=now, zone=zone)
    files = [(name, text.encode("utf-8")) for name, text in csv_export.render_export(data).items()]
    try:
        return write_files(out_dir, files)
    except OSError as exc:
        raise ExportFailed(
            f"could not write the export to {out_dir}: {exc.strerror or exc}. Nothing is half-written: a new "
            "folder is not created; in an existing one each file is whole, from before or from this export."
        ) from exc


def write_files(out_dir: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    """Write `files` (name, bytes) into `out_dir`, owner-only and atomically (see the module docstring)."""
    out_dir = Path(out_dir)
    if out_dir.exists() or out_dir.is_symlink():
        if not out_dir.is_dir():
            raise ValidationError(
                f"{out_dir} is a file, not a folder: choose a folder for the export", field="out"
            )
        _remove_stale_partials(out_dir)
        written = [atomic_write(out_dir / name, payload) for name, payload in files]
        fsync_dir(out_dir)
        return written
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(parent)
    staging = parent / f".{out_dir.name}.{os.getpid()}{PARTIAL_SUFFIX}"
    shutil.rmtree(staging, ignore_errors=True)
    os.mkdir(staging, 0o700)
    try:
        os.chmod(staging, 0o700)  # whatever the umask
        for name, payload in files:
            atomic_write(staging / name, payload)
        fsync_dir(staging)
        os.rename(staging, out_dir)
        fsync_dir(parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out_dir / name for name, _ in files]


def refuse_unsafe_target(path: Path, what: str = "file") -> None:
    """An output file must be a regular file or a new name: a device (/dev/stdout), a pipe, a folder or a
    link is refused (the atomic rename would replace it), with what it is."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ValidationError(f"cannot look at {path} ({exc.strerror or exc})", field=what) from None
    kind = (
        "a link"
        if stat.S_ISLNK(found.st_mode)
        else "a folder"
        if stat.S_ISDIR(found.st_mode)
        else None
        if stat.S_ISREG(found.st_mode)
        else "a device or pipe, not a file"
    )
    if kind is not None:
        raise ValidationError(
            f"{path} is {kind}: give the name of a regular file (or a new one) to write to", field=what
        )


def _remove_stale_partials(folder: Path) -> None:
    """Temporary files an interrupted export left behind in `folder` (only rpltrack's own CSV ones)."""
    for name in csv_export.FILE_NAMES:
        for stale in folder.glob(f".{name}.*{PARTIAL_SUFFIX}"):
            stale.unlink(missing_ok=True)


def _only_ours(folder: Path) -> bool:
    """Holds nothing but the export's own files (finished or temporary)."""
    names = set(csv_export.FILE_NAMES)
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith(".") and name.endswith(PARTIAL_SUFFIX):
            name = name[1:].split(".csv.", 1)[0] + ".csv"
        if name not in names or not entry.is_file():
            return False
    return True


def _remove_stale_staging(parent: Path) -> None:
    """Half-filled folders of exports that were killed (.<name>.<pid>.partial whose process is gone)."""
    for stale in parent.glob(f".*.*{PARTIAL_SUFFIX}"):
        pid_text = stale.name[: -len(PARTIAL_SUFFIX)].rsplit(".", 1)[-1]
        if not stale.is_dir() or stale.is_symlink() or not pid_text.isdigit() or not _only_ours(stale):
            continue
        if process_gone(int(pid_text)):
            shutil.rmtree(stale, ignore_errors=True)


def default_export_dir(now: datetime, zone: ZoneInfo, base: Path | None = None) -> Path:
    """A new folder rpltrack-export-YYYYMMDD-HHMM (local time) in the documents folder (or `base`); a
    number is added when one of that name exists already."""
    parent = base if base is not None else documents_dir()
    stem = f"{FOLDER_PREFIX}{now.astimezone(zone):%Y%m%d-%H%M}"
    candidate = parent / stem
    n = 2
    while candidate.exists():
        candidate = parent / f"{stem}-{n}"
        n += 1
    return candidate


def location_warnings(out_dir: Path) -> list[str]:
    """Risks of where the export goes (RELIABILITY D6): a folder others can write to, or a synced folder."""
    warnings: list[str] = []
    existing = next((p for p in (out_dir, *out_dir.parents) if p.exists()), None)
    if existing is not None:
        mode = existing.stat().st_mode
        if mode & stat.S_IWOTH:
            warnings.append(
                f"{existing} can be written by every user of this computer: others may see the file names "
                "or replace the files. A folder of your own (the default: your documents folder) is safer."
            )
    lowered = str(out_dir).casefold()
    synced = next((w for w in SYNC_FOLDER_WORDS if w in lowered), None)
    if synced is not None:
        warnings.append(
            f"{out_dir} looks like a synced folder ({synced}): the files, with your health records, will be "
            "copied to that service."
        )
    return warnings


def read_export_files(in_dir: Path) -> dict[str, str]:
    """The text of every CSV of an export folder (BOM removed); a clear message when it is not one."""
    # quick path: `export csv` would import export.csv_import, export.csv_legacy (+15 ms)
    from rpltrack.export.csv_import import IMPORTED_FILES, OPTIONAL_FILES

    in_dir = Path(in_dir)
    if not in_dir.is_dir():
        raise ValidationError(f"there is no folder {in_dir}: give the folder an export wrote", field="dir")
    texts: dict[str, str] = {}
    for name in (*IMPORTED_FILES, *OPTIONAL_FILES):
        path = in_dir / name
        if name in OPTIONAL_FILES and not path.exists():
            continue
        if not path.is_file():
            raise ValidationError(
                code="import.missing_file", field="dir", values={"folder": in_dir, "name": name}
            )
        try:
            texts[name] = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                f"{path} is not UTF-8 text: it was changed after the export (a spreadsheet may have saved it "
                "in another encoding)",
                field="dir",
            ) from None
    return texts


def import_csv_export(journal: Journal, in_dir: Path, now: datetime) -> dict[str, int]:
    """Read the export in `in_dir` and write it into `journal`, which must be empty: all or nothing.
    Returns how many records of each kind were imported."""
    # quick path: `export csv` would import export.csv_import, export.csv_legacy (+15 ms)
    from rpltrack.export.csv_import import parse_export

    records: CsvImport = parse_export(read_export_files(in_dir))
    return journal.import_records(records, now)


# -- calendar and brief (the CLI's `export ics` and `brief`, and the Export screen) --------------------------

# The flags whose due date goes into the calendar: numbers["due"] (else `since`) is the day it is due.
RETEST_RULES = ("retest-due", "apl-repeat-due")


def calendar_retests(flags: Sequence[Flag]) -> list[RetestDue]:
    """The retest due dates among `flags` (retest-due, apl-repeat-due), as the calendar shows them."""
    # quick path: `export csv` would import export.ics (+7.4 ms)
    from rpltrack.export.ics import RetestDue

    found: list[RetestDue] = []
    for flag in flags:
        if flag.rule not in RETEST_RULES:
            continue
        due = flag.numbers.get("due")
        found.append(
            RetestDue(
                key=flag.key,
                title=flag.title,
                due_on=date.fromisoformat(due) if isinstance(due, str) else flag.since,
                ask=flag.ask,
                detail=flag.detail,
            )
        )
    return found


def earlier_calendar(path: Path) -> str:
    """The text of the calendar file an export is about to replace at `path`, or "" (none there, not a
    regular file, unreadable, or too big to be one of ours)."""
    try:
        found = os.lstat(path)
        if not stat.S_ISREG(found.st_mode) or found.st_size > 20_000_000:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def calendar_export(
    journal: Journal, *, now: datetime, zone: ZoneInfo, doses: bool, earlier: str = ""
) -> CalendarExport:
    """The calendar (RFC 5545) of the journal at `now`: appointments, retest due dates, and (with `doses`)
    the dose series of the next days, with UIDs of this journal's own and what the last export held sent
    again as cancelled where it is gone; discreet when her setting says so. Call `remember_calendar` once
    the file is written."""
    # quick path: `export csv` would import export.ics (+7.4 ms)
    from rpltrack.export.ics import DOSE_DAYS, build_calendar, earlier_events

    state = journal.calendar_state()
    active = journal.flag_board(now, zone).active
    today = now.astimezone(zone).date()
    skipped: list[tuple[int, datetime]] = []
    if doses:
        lo = datetime.combine(today - timedelta(days=400), datetime.min.time(), tzinfo=UTC)
        hi = now.astimezone(UTC) + timedelta(days=DOSE_DAYS + 1)
        skipped = [
            (log.medication_id, log.slot_at)
            for log in journal.logs_between(lo, hi)
            if log.status is DoseStatus.SKIPPED and log.slot_at is not None
        ]
    return build_calendar(
        journal.appointments(),
        calendar_retests(active),
        journal.medications(in_force_on=today) if doses else (),
        now=now,
        doses=doses,
        discreet=journal.settings().get("reminders.discreet") == "on",
        calendar_id=state.calendar_id(),
        remembered=state.remembered(),
        skipped=skipped,
        zone=zone,
        earlier=earlier_events(earlier) if earlier else (),
    )


def remember_calendar(journal: Journal, export: CalendarExport, now: datetime) -> None:
    """Keep what `export` held, once its file is written: the next export updates and cancels from it."""
    journal.calendar_state().remember(export.remember, now)


def brief_input(journal: Journal, now: datetime, zone: ZoneInfo, appt_id: int | None) -> BriefInput:
    """Everything the brief shows, read from the journal at `now`: the appointment `appt_id` (default: the
    next upcoming one, or none) and the active flags as questions."""
    # quick path: `export csv` would import export.brief, export.brief_sections and 7 more (+29 ms)
    from rpltrack.export.brief import ADHERENCE_DAYS, BriefInput, FlagQuestion

    appointment: Appointment | None
    if appt_id is not None:
        appointment = journal.appointment(appt_id)
    else:
        upcoming = [a for a in journal.appointments() if a.upcoming(now)]
        appointment = upcoming[0] if upcoming else None
    active = journal.flag_board(now, zone).active
    questions = [
        FlagQuestion(
            key=f.key,
            title=f.title,
            ask=f.ask,
            detail=f.detail,
            sources=f.sources,
            since=f.since,
            lab_ids=tuple(int(n) for n in re.findall(r"\blab(\d+)\b", f.subject)),
        )
        for f in active
    ]
    window = timedelta(days=ADHERENCE_DAYS + 1)
    now_utc = now.astimezone(UTC)  # a fold=1 local time would lose its fold in the arithmetic
    return BriefInput(
        now=now,
        zone=zone,
        appointment=appointment,
        medications=journal.medications(in_force_on=(now_utc - window).astimezone(zone).date()),
        dose_logs=journal.logs_between(now_utc - window, now_utc + timedelta(days=1)),
        grace=journal.grace(),
        labs=journal.labs(),
        betas=journal.betas(),
        pregnancies=journal.pregnancies(),
        cycles=journal.cycles(),
        flags=questions,
        citations=SOURCES,
        clinic_settings=journal.stored_settings(),
        sessions=journal.sessions(),
        planned=journal.planned_sessions(now.astimezone(zone).date()),
    )


def write_calendar(journal: Journal, path: Path, *, now: datetime, zone: ZoneInfo, doses: bool) -> Path:
    """Write the calendar to `path`, owner-only and atomically."""
    export = calendar_export(journal, now=now, zone=zone, doses=doses, earlier=earlier_calendar(path))
    try:
        written = write_files(path.parent, [(path.name, export.text.encode("utf-8"))])[0]
    except OSError as exc:
        raise ExportFailed(f"could not write {path}: {exc.strerror or exc}. Nothing was changed.") from exc
    remember_calendar(journal, export, now)
    return written


def write_brief(journal: Journal, path: Path, *, now: datetime, zone: ZoneInfo, appt_id: int | None) -> Path:
    """Write the one-page appointment brief (HTML) to `path`, owner-only and atomically."""
    # quick path: `export csv` would import export.brief, export.brief_sections and 7 more (+29 ms)
    from rpltrack.export.brief import render_brief

    text = render_brief(brief_input(journal, now, zone, appt_id))
    try:
        return write_files(path.parent, [(path.name, text.encode("utf-8"))])[0]
    except OSError as exc:
        raise ExportFailed(f"could not write {path}: {exc.strerror or exc}. Nothing was changed.") from exc
