"""Reading a CSV export back (pure): the text of each file in, the journal's records (ids kept) out.

The inverse of csv_export for every stored field: computed columns (dose states, the beta rise, loss counts,
the summary) are ignored. Each file's header must be exactly the one the export writes, every cell loses the
apostrophe the export added (`unneutralise`), and every record is rebuilt through its domain class, so a
value the app would refuse is refused here too, with the file and line it came from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.betas import BetaDraw, HcgValue, Op
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labs import LabResult, LabValue, ReferenceRange
from rpltrack.domain.models import (
    WEEKDAY_NAMES,
    DoseLog,
    DoseStatus,
    Medication,
    Regimen,
    Timing,
    TimingKind,
)
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import field, record, replace
from rpltrack.export import csv_export as ex
from rpltrack.export.csv_medications import ENTERED_FROM

# typing costs ~10 ms to import on a slow laptop; the CLI's fast commands never need it at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    from rpltrack.domain.sessions import Course, TreatmentSession

    T = TypeVar("T")

MARK_STATES = ("acknowledged", "raised")
# The files an import reads (the summary is computed, so it is not read).
IMPORTED_FILES = tuple(name for name in ex.FILE_NAMES if name not in (ex.SUMMARY, ex.SESSIONS))
# Read when the export has them (csv_sessions): exports made before treatment sessions had no sessions.csv.
OPTIONAL_FILES = (ex.SESSIONS,)


@record(frozen=True)
class ImportedMark:
    """Her mark on a flag, as stored (export does not import the flags package, so not a FlagMark)."""

    key: str
    rule: str
    state: str  # "acknowledged" or "raised"
    title: str
    at: datetime
    note: str = ""
    appointment_id: int | None = None
    id: int | None = None


@record(frozen=True)
class CsvImport:
    """Every record of an export, with the ids it had, ready to be written into an empty journal."""

    medications: tuple[Medication, ...] = ()
    doses: tuple[DoseLog, ...] = ()
    cycles: tuple[Cycle, ...] = ()
    betas: tuple[BetaDraw, ...] = ()
    pregnancies: tuple[Pregnancy, ...] = ()
    labs: tuple[LabResult, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    marks: tuple[ImportedMark, ...] = ()
    settings: Mapping[str, str] = field(default_factory=dict)
    sessions: tuple[TreatmentSession, ...] = ()
    courses: tuple[Course, ...] = ()

    def counts(self) -> dict[str, int]:
        """How many records of each kind, for the message after an import."""
        return {
            "medications": len(self.medications),
            "dose entries": len(self.doses),
            "cycles": len(self.cycles),
            "events and transfers": sum(len(c.events) + len(c.transfers) for c in self.cycles),
            "betas": len(self.betas),
            "pregnancies and losses": len(self.pregnancies),
            "lab results": len(self.labs),
            "appointments": len(self.appointments),
            "flag marks": len(self.marks),
            "settings": len(self.settings),
            "treatment sessions": len(self.sessions),
            "planned courses": len(self.courses),
        }


class _RowError(ValidationError):
    """A ValidationError that already names its file and line."""


class _Row:
    """One line of a file: cells by header, with readers that name the file, line and column on error."""

    def __init__(self, file: str, line: int, cells: dict[str, str]) -> None:
        self.file, self.line, self.cells = file, line, cells

    def fail(self, message: str) -> ValidationError:
        return _RowError(f"{self.file}, line {self.line}: {message}", field="dir")

    def text(self, header: str) -> str:
        return self.cells[header]

    def opt_text(self, header: str) -> str | None:
        return self.cells[header] or None

    def _parse(self, header: str, parse: Callable[[str], T], what: str) -> T:
        value = self.cells[header]
        try:
            return parse(value)
        except (ValueError, ArithmeticError, ZoneInfoNotFoundError):
            raise self.fail(f"{header} {value!r} is not {what}") from None

    def _opt(self, header: str, parse: Callable[[str], T], what: str) -> T | None:
        return self._parse(header, parse, what) if self.cells[header] else None

    def whole(self, header: str) -> int:
        return self._parse(header, _whole, "a whole number")

    def opt_whole(self, header: str) -> int | None:
        return self._opt(header, _whole, "a whole number")

    def dec(self, header: str) -> Decimal:
        return self._parse(header, _decimal, "a number")

    def opt_dec(self, header: str) -> Decimal | None:
        return self._opt(header, _decimal, "a number")

    def day(self, header: str) -> date:
        return self._parse(header, date.fromisoformat, "a date (YYYY-MM-DD)")

    def opt_day(self, header: str) -> date | None:
        return self._opt(header, date.fromisoformat, "a date (YYYY-MM-DD)")

    def instant(self, header: str) -> datetime:
        return self._parse(header, _instant, "an ISO 8601 time with its offset")

    def opt_instant(self, header: str) -> datetime | None:
        return self._opt(header, _instant, "an ISO 8601 time with its offset")

    def zone(self, header: str) -> ZoneInfo:
        return self._parse(header, _zone, "a time zone name")

    def yes(self, header: str) -> bool:
        value = self.cells[header]
        if value not in ("yes", "no"):
            raise self.fail(f"{header} is {value!r}: it is yes or no")
        return value == "yes"

    def choice(self, header: str, allowed: Sequence[str]) -> str:
        value = self.cells[header]
        if value not in allowed:
            raise self.fail(f"{header} {value!r} is not one of {', '.join(allowed)}")
        return value

    def build(self, make: Callable[[], T]) -> T:
        """A domain record, its ValidationError told with the file and line."""
        try:
            return make()
        except _RowError:
            raise
        except ValidationError as exc:
            raise self.fail(exc.message) from None
        except ValueError as exc:
            raise self.fail(str(exc)) from None


def _whole(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def _decimal(text: str) -> Decimal:
    if not ex.is_number(text):
        raise ValueError(text)
    return Decimal(text)


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(text)
    return at


def _zone(text: str) -> ZoneInfo:
    if not text:
        raise ValueError(text)
    return ZoneInfo(text)


def _sign(row: _Row) -> Op:
    """The "Sign" cell of a censored value ('<', '>', ...): empty is an exact value."""
    text = row.choice("Sign", ["", *(op.value for op in Op if op is not Op.EQ)])
    return Op.EQ if text == "" else Op(text)


def read_table(name: str, text: str, columns: Sequence[ex.Column]) -> list[_Row]:
    """The rows of one file as written by the export: the header must match; apostrophes are removed."""
    body = text[1:] if text.startswith(ex.BOM) else text
    reader = csv.reader(io.StringIO(body, newline=""))
    expected = [c.header for c in columns]
    try:
        header = next(reader, None)
        if header != expected:
            raise ValidationError(
                f"{name} does not have the columns of an rpltrack export (it may have been changed in a "
                "spreadsheet); import reads only the files rpltrack wrote",
                field="dir",
            )
        found: list[_Row] = []
        for cells in reader:
            if len(cells) != len(expected):
                raise ValidationError(
                    f"{name}, line {reader.line_num}: {len(cells)} cells where the header has "
                    f"{len(expected)}",
                    field="dir",
                )
            found.append(
                _Row(name, reader.line_num, dict(zip(expected, map(ex.unneutralise, cells), strict=True)))
            )
    except csv.Error as exc:
        raise ValidationError(f"{name}, line {reader.line_num}: not CSV ({exc})", field="dir") from None
    return found


# -- per kind ---------------------------------------------------------------------------------------------


def _timing(row: _Row) -> Timing:
    kind = TimingKind(row.choice("Schedule kind", [k.value for k in TimingKind]))
    times_text = row.text("Times (local)")
    weekdays_text = row.text("Weekdays")
    try:
        times = tuple(time.fromisoformat(t) for t in times_text.split(",") if t)
        weekdays = tuple(WEEKDAY_NAMES.index(d) for d in weekdays_text.split(",") if d)
    except ValueError:
        raise row.fail(f"cannot read the times {times_text!r} or weekdays {weekdays_text!r}") from None
    every_hours = row.opt_whole("Every N hours") or 0
    anchor = row.opt_instant("First dose of the interval (ISO 8601)")
    return row.build(
        lambda: Timing(
            kind,
            times=times,
            every_days=row.whole("Every N days"),
            weekdays=weekdays,
            interval_hours=every_hours,
            interval_anchor_at=anchor,
        )
    )


def _regimen(row: _Row) -> Regimen:
    """A regimen as entered: "Regimen from" and "Regimen to" say when it applies and are not read."""
    amount = row.build(lambda: Quantity(row.dec("Dose amount"), row.text("Dose unit")))
    return Regimen(row.day(ENTERED_FROM), amount, _timing(row))


# medications.csv as exports wrote it before ENTERED_FROM: its "Regimen from" held the date as entered.
_FIRST_MEDICATION_COLUMNS = tuple(c for c in ex.MEDICATION_COLUMNS if c.header != ENTERED_FROM)


def _medication_rows(text: str) -> list[_Row]:
    """The rows of medications.csv, also from an export written before ENTERED_FROM was a column."""
    try:
        return read_table(ex.MEDICATIONS, text, ex.MEDICATION_COLUMNS)
    except ValidationError as current:
        try:
            rows = read_table(ex.MEDICATIONS, text, _FIRST_MEDICATION_COLUMNS)
        except ValidationError:
            raise current from None
    for row in rows:
        row.cells[ENTERED_FROM] = row.cells["Regimen from"]
    return rows


def _medication(med_id: int, group: list[_Row]) -> Medication:
    """A medication from its rows (one per regimen); its own columns are read from the first."""
    first = group[0]
    regimens = sorted((_regimen(row) for row in group), key=lambda r: r.effective_on)
    first.zone("Time zone")  # a zone this computer knows
    return first.build(
        lambda: Medication(
            name=first.text("Name"),
            generic=first.opt_text("Generic"),
            route=first.text("Route"),
            zone=first.text("Time zone"),
            regimens=tuple(regimens),
            end_on=first.opt_day("Until (as entered)"),
            stopped_at=first.opt_instant("Stopped at (ISO 8601)"),
            supply=first.opt_whole("Supply (doses)"),
            supply_at=first.opt_instant("Supply counted at (ISO 8601)"),
            notes=first.text("Notes"),
            id=med_id,
            created_at=first.opt_instant("Entered at (ISO 8601)"),
            cycle_id=first.opt_whole("Cycle ID"),
            start_anchor=first.opt_text("Start anchor"),
            end_anchor=first.opt_text("End anchor"),
        )
    )


def _grouped(rows: list[_Row], header: str) -> dict[int, list[_Row]]:
    """Rows by the id in `header`, in the order the ids first appear."""
    grouped: dict[int, list[_Row]] = {}
    for row in rows:
        grouped.setdefault(row.whole(header), []).append(row)
    return grouped


def _dose(row: _Row) -> DoseLog:
    status = DoseStatus(row.choice("State", [DoseStatus.TAKEN.value, DoseStatus.SKIPPED.value]))
    amount_text = row.text("Dose amount")
    amount = (
        row.build(lambda: Quantity(row.dec("Dose amount"), row.text("Dose unit"))) if amount_text else None
    )
    logged_in = row.text("Logged in time zone")
    return row.build(
        lambda: DoseLog(
            medication_id=row.whole("Medication ID"),
            status=status,
            logged_at=row.instant("Logged at (ISO 8601)"),
            zone=logged_in,
            slot_at=row.opt_instant("Scheduled (ISO 8601)"),
            taken_at=row.opt_instant("Taken at (ISO 8601)"),
            amount=amount,
            site=row.opt_text("Injection site"),
            reason=row.text("Reason skipped"),
            note=row.text("Note"),
            logged_later=row.yes("Logged later"),
            id=row.whole("Log ID"),
        )
    )


def _lab(row: _Row) -> LabResult:
    low, high = row.opt_dec("Range low"), row.opt_dec("Range high")
    raw_range = row.text("Reference range (as printed)")
    reference = (
        row.build(lambda: ReferenceRange(low, high, raw_range))
        if low is not None or high is not None
        else None
    )
    value = row.build(
        lambda: LabValue(
            _sign(row),
            row.opt_dec("Value"),
            row.opt_text("Unit"),
            row.text("Result text"),
            row.text("Result (as entered)"),
        )
    )
    return row.build(
        lambda: LabResult(
            test=row.text("Test key"),
            on=row.day("Date"),
            value=value,
            reference=reference,
            on_anticoagulant=row.yes("On an anticoagulant"),
            note=row.text("Note"),
            confirmed_unusual=row.yes("Unusual value, checked"),
            lab=row.text("Laboratory"),
            id=row.whole("Lab ID"),
            created_at=row.opt_instant("Entered at (ISO 8601)"),
        )
    )


def _beta(row: _Row) -> BetaDraw:
    op = _sign(row)
    value = row.build(lambda: HcgValue(op, row.dec("hCG (mIU/mL)"), row.text("Result (as entered)")))
    drawn = row.instant("Drawn at (ISO 8601)").astimezone(row.zone("Time zone"))
    return row.build(
        lambda: BetaDraw(
            drawn, value, row.text("Laboratory"), id=row.whole("Beta ID"), cycle_id=row.opt_whole("Cycle ID")
        )
    )


def _transfer(row: _Row) -> Transfer:
    return row.build(
        lambda: Transfer(
            row.day("Date"),
            row.whole("Embryo day"),
            row.whole("Embryos transferred"),
            row.text("Embryo grade"),
            row.text("PGT"),
            id=row.whole("ID"),
        )
    )


def _cycle(row: _Row, events: list[CycleEvent], transfers: list[Transfer]) -> Cycle:
    return row.build(
        lambda: Cycle(
            kind=CycleKind(row.choice("Kind", [k.value for k in CycleKind])),
            cd1=row.day("CD1"),
            clinic=row.text("Clinic"),
            notes=row.text("Notes"),
            ended_on=row.opt_day("Ended on"),
            outcome=row.text("Outcome"),
            events=tuple(sorted(events, key=lambda e: (e.on, e.id or 0))),
            transfers=tuple(sorted(transfers, key=lambda t: (t.on, t.id or 0))),
            id=row.whole("Cycle ID"),
        )
    )


def _cycles(cycle_rows: list[_Row], event_rows: list[_Row]) -> list[Cycle]:
    events: dict[int, list[CycleEvent]] = {}
    transfers: dict[int, list[Transfer]] = {}
    for row in event_rows:
        cycle_id = row.whole("Cycle ID")
        if row.choice("Record", [ex.EVENT_RECORD, ex.TRANSFER_RECORD]) == ex.EVENT_RECORD:
            kind = EventKind(row.choice("Event", [k.value for k in EventKind]))
            event = CycleEvent(kind, row.day("Date"), row.text("Note"), id=row.whole("ID"))
            events.setdefault(cycle_id, []).append(event)
        else:
            transfers.setdefault(cycle_id, []).append(_transfer(row))
    found: list[Cycle] = []
    for row in cycle_rows:
        cycle_id = row.whole("Cycle ID")
        found.append(_cycle(row, events.pop(cycle_id, []), transfers.pop(cycle_id, [])))
    orphans = sorted({*events, *transfers})
    if orphans:
        raise ValidationError(
            f"{ex.EVENTS} lists events of cycle {orphans[0]}, which {ex.CYCLES} does not have (an export "
            "made with --from/--to may leave a cycle out: import a full export)",
            field="dir",
        )
    return found


def _pregnancy(row: _Row) -> Pregnancy:
    confirmations = ["", *(c.value for c in Confirmation)]
    how, confirmed = row.choice("How found", confirmations), row.choice("Confirmed by", confirmations)
    return row.build(
        lambda: Pregnancy(
            started_on=row.opt_day("Positive test on"),
            outcome=Outcome(row.choice("Outcome", [o.value for o in Outcome])),
            ended_on=row.opt_day("Ended on"),
            ga_at_end_days=row.opt_whole("Gestational age at the end (days)"),
            confirmed=Confirmation(confirmed) if confirmed else None,
            how_found=Confirmation(how) if how else None,
            approximate=row.yes("Gestational age approximate"),
            cycle_id=row.opt_whole("Cycle ID"),
            notes=row.text("Notes"),
            id=row.whole("Pregnancy ID"),
        )
    )


def _question(row: _Row) -> Question:
    return row.build(
        lambda: Question(
            row.text("Question"),
            row.opt_text("Question from flag"),
            row.yes("Question asked"),
            row.text("Answer"),
            id=row.whole("Question ID"),
        )
    )


def _appointment(appt_id: int, group: list[_Row]) -> Appointment:
    """An appointment from its rows (one per question); its own columns are read from the first."""
    first = group[0]
    zone = first.zone("Time zone")
    questions = sorted((_question(row) for row in group if row.text("Question ID")), key=lambda q: q.id or 0)
    done = first.opt_instant("Done at (ISO 8601)")
    return first.build(
        lambda: Appointment(
            at=first.instant("At (ISO 8601)").astimezone(zone),
            kind=AppointmentKind(first.choice("Kind", [k.value for k in AppointmentKind])),
            with_name=first.text("With"),
            where=first.text("Where"),
            purpose=first.text("Purpose"),
            notes=first.text("Notes"),
            decided=first.text("Decided"),
            done_at=done.astimezone(zone) if done else None,
            cancelled=first.yes("Cancelled"),
            questions=tuple(questions),
            id=appt_id,
            created_at=first.opt_instant("Entered at (ISO 8601)"),
        )
    )


def _marks(rows: list[_Row]) -> Iterator[ImportedMark]:
    for row in rows:
        mark_id = row.opt_whole("Mark ID")
        if mark_id is None:
            continue
        key = row.text("Flag key")
        if not 3 <= len(key) <= 300:
            raise row.fail(f"the flag key {key!r} is not one rpltrack writes")
        yield ImportedMark(
            key=key,
            rule=row.text("Rule") or key.split(":", 1)[0],
            state=_mark_state(row),
            title=row.text("Title"),
            at=row.instant("Marked at (ISO 8601)"),
            note=row.text("Mark note"),
            appointment_id=row.opt_whole("Raised at appointment ID"),
            id=mark_id,
        )


def _mark_state(row: _Row) -> str:
    """'acknowledged', or 'acknowledged (not showing now)' for a mark whose flag no longer shows."""
    state = row.text("State").removesuffix(f" ({ex.NOT_SHOWING})")
    if state not in MARK_STATES:
        raise row.fail(f"a marked flag's State is {row.text('State')!r}: acknowledged or raised")
    return state


def _settings(rows: list[_Row]) -> dict[str, str]:
    from rpltrack.domain.settings import setting_for

    found: dict[str, str] = {}
    for row in rows:
        key, value = row.text("Setting"), row.text("Value")
        setting = setting_for(key)
        if setting is None:
            raise row.fail(f"{key!r} is not a setting this rpltrack knows")
        try:
            found[key] = setting.parse(value)
        except ValidationError as exc:
            raise row.fail(exc.message) from None
    return found


# -- the whole export -------------------------------------------------------------------------------------

_COLUMNS: dict[str, tuple[ex.Column, ...]] = {  # medications.csv: _medication_rows
    ex.DOSES: ex.DOSE_COLUMNS,
    ex.LABS: ex.LAB_COLUMNS,
    ex.BETAS: ex.BETA_COLUMNS,
    ex.CYCLES: ex.CYCLE_COLUMNS,
    ex.EVENTS: ex.EVENT_COLUMNS,
    ex.PREGNANCIES: ex.PREGNANCY_COLUMNS,
    ex.APPOINTMENTS: ex.APPOINTMENT_COLUMNS,
    ex.FLAGS: ex.FLAG_COLUMNS,
    ex.SETTINGS: ex.SETTING_COLUMNS,
}


def _unique(kind: str, ids: Sequence[object]) -> None:
    seen: set[object] = set()
    for ident in ids:
        if ident in seen:
            raise ValidationError(f"{kind} lists id {ident} twice", field="dir")
        seen.add(ident)


def _check_references(records: CsvImport) -> None:
    """Every id a record points at is in the export (a filtered export can leave the target out)."""
    cycles = {c.id for c in records.cycles}
    meds = {m.id for m in records.medications}
    hint = " (an export made with --from/--to may leave it out: import a full export)"
    for med in records.medications:
        if med.cycle_id is not None and med.cycle_id not in cycles:
            raise ValidationError(f"{med.name} belongs to cycle {med.cycle_id}, not in {ex.CYCLES}{hint}")
    for draw in records.betas:
        if draw.cycle_id is not None and draw.cycle_id not in cycles:
            raise ValidationError(
                f"beta {draw.id} belongs to cycle {draw.cycle_id}, not in {ex.CYCLES}{hint}"
            )
    for p in records.pregnancies:
        if p.cycle_id is not None and p.cycle_id not in cycles:
            raise ValidationError(f"pregnancy {p.id} belongs to cycle {p.cycle_id}, not in {ex.CYCLES}{hint}")
    for log in records.doses:
        if log.medication_id not in meds:
            raise ValidationError(
                f"dose entry {log.id} is of medication {log.medication_id}, not in {ex.MEDICATIONS}{hint}"
            )
    _unique(ex.MEDICATIONS, [m.id for m in records.medications])
    _unique(ex.DOSES, [d.id for d in records.doses])
    _unique(ex.CYCLES, [c.id for c in records.cycles])
    _unique(f"{ex.EVENTS} (events)", [e.id for c in records.cycles for e in c.events])
    _unique(f"{ex.EVENTS} (transfers)", [t.id for c in records.cycles for t in c.transfers])
    _unique(ex.BETAS, [b.id for b in records.betas])
    _unique(ex.PREGNANCIES, [p.id for p in records.pregnancies])
    _unique(ex.LABS, [r.id for r in records.labs])
    _unique(f"{ex.APPOINTMENTS} (questions)", [q.id for a in records.appointments for q in a.questions])
    _unique(ex.FLAGS, [m.id for m in records.marks])
    _unique(f"{ex.FLAGS} (flag keys)", [m.key for m in records.marks])


def parse_export(files: Mapping[str, str]) -> CsvImport:
    """The records of an export from the text of its files (name -> text, BOM or not). Raises a
    ValidationError naming the file and line of the first thing it cannot read."""
    missing = [name for name in IMPORTED_FILES if name not in files]
    if missing:
        raise ValidationError(
            f"{missing[0]} is missing: this is not a whole rpltrack CSV export", field="dir"
        )
    tables = {
        name: _medication_rows(files[name])
        if name == ex.MEDICATIONS
        else read_table(name, files[name], _COLUMNS[name])
        for name in IMPORTED_FILES
    }
    records = CsvImport(
        medications=tuple(
            _medication(med_id, group)
            for med_id, group in _grouped(tables[ex.MEDICATIONS], "Medication ID").items()
        ),
        doses=tuple(_dose(row) for row in tables[ex.DOSES] if row.text("Log ID")),
        cycles=tuple(_cycles(tables[ex.CYCLES], tables[ex.EVENTS])),
        betas=tuple(_beta(row) for row in tables[ex.BETAS]),
        pregnancies=tuple(_pregnancy(row) for row in tables[ex.PREGNANCIES]),
        labs=tuple(_lab(row) for row in tables[ex.LABS]),
        appointments=tuple(
            _appointment(appt_id, group)
            for appt_id, group in _grouped(tables[ex.APPOINTMENTS], "Appointment ID").items()
        ),
        marks=tuple(_marks(tables[ex.FLAGS])),
        settings=_settings(tables[ex.SETTINGS]),
    )
    from rpltrack.export.csv_sessions import read_sessions

    labs, sessions, courses = read_sessions(files, records.labs)
    records = replace(records, labs=labs, sessions=sessions, courses=courses)
    _check_references(records)
    return records
