"""Reading a CSV export back (pure): the text of each file in, the journal's records (ids kept) out.

The inverse of csv_export for every stored field: computed columns (dose states, the beta rise, loss counts,
the summary) are ignored. Each file's header must be exactly the one the export writes (or one of its older
layouts, csv_legacy), every cell is read by the Column object that wrote it and loses the apostrophe the
export added (`unneutralise`), and every record is rebuilt through its domain class, so a value the app
would refuse is refused here too, with the file and line it came from.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, time
from decimal import Decimal

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
from rpltrack.domain.settings import setting_for
from rpltrack.export import csv_appointments as appt
from rpltrack.export import csv_cycles as cyc
from rpltrack.export import csv_doses as dose
from rpltrack.export import csv_export as ex
from rpltrack.export import csv_flags as flg
from rpltrack.export import csv_labs as lab
from rpltrack.export import csv_medications as med
from rpltrack.export.csv_columns import Column, Columns
from rpltrack.export.csv_legacy import (
    APPOINTMENTS_FORMAT_1,
    BETAS_FORMAT_1,
    FLAGS_FORMAT_1,
    LABS_FORMAT_1,
    MEDICATIONS_BEFORE_ENTERED_FROM,
    Layout,
)
from rpltrack.export.csv_read import Row, header_of, read_table
from rpltrack.export.csv_sessions import read_sessions

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rpltrack.domain.sessions import Course, TreatmentSession

MARK_STATES = ("acknowledged", "raised")
# The files an import reads (the summary is computed, so it is not read).
IMPORTED_FILES = tuple(name for name in ex.FILE_NAMES if name not in (ex.SUMMARY, ex.SESSIONS, ex.QUESTIONS))
# Read when the export has them (csv_sessions): exports made before treatment sessions had no sessions.csv.
# Exports of format 1 had no appointment_questions.csv: their questions are rows of appointments.csv.
OPTIONAL_FILES = (ex.SESSIONS, ex.QUESTIONS)
# Each file's older layouts (csv_legacy), tried when a file's header is not the current one.
_OLDER: dict[str, tuple[Layout, ...]] = {
    ex.MEDICATIONS: (MEDICATIONS_BEFORE_ENTERED_FROM,),
    ex.LABS: (LABS_FORMAT_1,),
    ex.BETAS: (BETAS_FORMAT_1,),
    ex.APPOINTMENTS: (APPOINTMENTS_FORMAT_1,),
    ex.FLAGS: (FLAGS_FORMAT_1,),
}


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


# -- per kind ---------------------------------------------------------------------------------------------


def _timing(row: Row) -> Timing:
    kind = TimingKind(row.choice(med.SCHEDULE_KIND, [k.value for k in TimingKind]))
    times_text = row.text(med.TIMES)
    weekdays_text = row.text(med.WEEKDAYS)
    try:
        times = tuple(time.fromisoformat(t) for t in times_text.split(",") if t)
        weekdays = tuple(WEEKDAY_NAMES.index(d) for d in weekdays_text.split(",") if d)
    except ValueError:
        raise row.fail(f"cannot read the times {times_text!r} or weekdays {weekdays_text!r}") from None
    every_hours = row.opt_whole(med.EVERY_HOURS) or 0
    anchor = row.opt_instant(med.INTERVAL_ANCHOR)
    return row.build(
        lambda: Timing(
            kind,
            times=times,
            every_days=row.whole(med.EVERY_DAYS),
            weekdays=weekdays,
            interval_hours=every_hours,
            interval_anchor_at=anchor,
        )
    )


def _regimen(row: Row) -> Regimen:
    """A regimen as entered: "Regimen from" and "Regimen to" say when it applies and are not read."""
    amount = row.build(lambda: Quantity(row.dec(med.DOSE_AMOUNT), row.text(med.DOSE_UNIT)))
    return Regimen(row.day(med.REGIMEN_ENTERED_FROM), amount, _timing(row))


def _rows(name: str, text: str, columns: Columns) -> tuple[list[Row], Layout | None]:
    """The rows of one file read through the current columns, also from an older layout of the file (with
    the layout it had; None for the current one)."""
    found = header_of(text)
    for layout in _OLDER.get(name, ()):
        if found == list(layout.headers):
            rows = read_table(name, text, layout.headers)
            for row in rows:
                layout.upgrade(row.cells)
            return rows, layout
    return read_table(name, text, columns), None


def _medication(med_id: int, group: list[Row]) -> Medication:
    """A medication from its rows (one per regimen); its own columns are read from the first."""
    first = group[0]
    regimens = sorted((_regimen(row) for row in group), key=lambda r: r.effective_on)
    first.zone(med.TIME_ZONE)  # a zone this computer knows
    return first.build(
        lambda: Medication(
            name=first.text(med.NAME),
            generic=first.opt_text(med.GENERIC),
            route=first.text(med.ROUTE),
            zone=first.text(med.TIME_ZONE),
            regimens=tuple(regimens),
            end_on=first.opt_day(med.UNTIL),
            stopped_at=first.opt_instant(med.STOPPED_AT),
            supply=first.opt_whole(med.SUPPLY),
            supply_at=first.opt_instant(med.SUPPLY_AT),
            notes=first.text(med.NOTES),
            id=med_id,
            created_at=first.opt_instant(med.ENTERED_AT),
            cycle_id=first.opt_whole(med.CYCLE_ID),
            start_anchor=first.opt_text(med.START_ANCHOR),
            end_anchor=first.opt_text(med.END_ANCHOR),
        )
    )


def _grouped(rows: list[Row], column: Column[Any]) -> dict[int, list[Row]]:
    """Rows by the id in `column`, in the order the ids first appear."""
    grouped: dict[int, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row.whole(column), []).append(row)
    return grouped


def _dose(row: Row) -> DoseLog:
    status = DoseStatus(row.choice(dose.STATE, [DoseStatus.TAKEN.value, DoseStatus.SKIPPED.value]))
    amount_text = row.text(dose.DOSE_AMOUNT)
    amount = (
        row.build(lambda: Quantity(row.dec(dose.DOSE_AMOUNT), row.text(dose.DOSE_UNIT)))
        if amount_text
        else None
    )
    logged_in = row.text(dose.LOGGED_ZONE)
    return row.build(
        lambda: DoseLog(
            medication_id=row.whole(dose.MEDICATION_ID),
            status=status,
            logged_at=row.instant(dose.LOGGED_AT),
            zone=logged_in,
            slot_at=row.opt_instant(dose.SCHEDULED_AT),
            taken_at=row.opt_instant(dose.TAKEN_AT),
            amount=amount,
            site=row.opt_text(dose.SITE),
            reason=row.text(dose.REASON),
            note=row.text(dose.NOTE),
            logged_later=row.yes(dose.LOGGED_LATER),
            id=row.whole(dose.LOG_ID),
        )
    )


def _lab(row: Row) -> LabResult:
    low, high = row.opt_dec(lab.RANGE_LOW), row.opt_dec(lab.RANGE_HIGH)
    raw_range = row.text(lab.RANGE)
    reference = (
        row.build(lambda: ReferenceRange(low, high, raw_range))
        if low is not None or high is not None
        else None
    )
    op, number = _value_or_limit(row, lab.VALUE, lab.LIMIT)
    value = row.build(
        lambda: LabValue(
            op,
            number,
            row.opt_text(lab.UNIT),
            row.text(lab.RESULT_TEXT),
            row.text(lab.RESULT_ENTERED),
        )
    )
    return row.build(
        lambda: LabResult(
            test=row.text(lab.TEST_KEY),
            on=row.day(lab.DATE),
            value=value,
            reference=reference,
            on_anticoagulant=row.yes(lab.ON_ANTICOAGULANT),
            note=row.text(lab.NOTE),
            confirmed_unusual=row.yes(lab.UNUSUAL),
            lab=row.text(lab.LABORATORY),
            id=row.whole(lab.LAB_ID),
            created_at=row.opt_instant(lab.ENTERED_AT),
        )
    )


def _value_or_limit(row: Row, value: Column[Any], limit: Column[Any]) -> tuple[Op, Decimal | None]:
    """An exact value from its numeric column, or a censored one ('<5') from its limit column."""
    bound = row.limit(limit)
    if bound is None:
        return Op.EQ, row.opt_dec(value)
    if row.text(value):
        raise row.fail(f"{value.header} and {limit.header} both hold a value: only one can")
    return bound


def _beta(row: Row) -> BetaDraw:
    op, number = _value_or_limit(row, lab.HCG, lab.HCG_LIMIT)
    if number is None:
        raise row.fail(f"{lab.HCG.header} is empty: a beta needs its value")
    value = row.build(lambda: HcgValue(op, number, row.text(lab.BETA_ENTERED)))
    drawn = row.instant(lab.DRAWN_AT).astimezone(row.zone(lab.BETA_ZONE))
    return row.build(
        lambda: BetaDraw(
            drawn,
            value,
            row.text(lab.BETA_LABORATORY),
            id=row.whole(lab.BETA_ID),
            cycle_id=row.opt_whole(lab.BETA_CYCLE_ID),
        )
    )


def _transfer(row: Row) -> Transfer:
    return row.build(
        lambda: Transfer(
            row.day(cyc.EVENT_DATE),
            row.whole(cyc.EMBRYO_DAY),
            row.whole(cyc.EMBRYOS),
            row.text(cyc.GRADE),
            row.text(cyc.PGT),
            id=row.whole(cyc.EVENT_ID),
        )
    )


def _cycle(row: Row, events: list[CycleEvent], transfers: list[Transfer]) -> Cycle:
    return row.build(
        lambda: Cycle(
            kind=CycleKind(row.choice(cyc.KIND, [k.value for k in CycleKind])),
            cd1=row.day(cyc.CD1),
            clinic=row.text(cyc.CLINIC),
            notes=row.text(cyc.NOTES),
            ended_on=row.opt_day(cyc.ENDED_ON),
            outcome=row.text(cyc.OUTCOME),
            events=tuple(sorted(events, key=lambda e: (e.on, e.id or 0))),
            transfers=tuple(sorted(transfers, key=lambda t: (t.on, t.id or 0))),
            id=row.whole(cyc.CYCLE_ID),
        )
    )


def _cycles(cycle_rows: list[Row], event_rows: list[Row]) -> list[Cycle]:
    events: dict[int, list[CycleEvent]] = {}
    transfers: dict[int, list[Transfer]] = {}
    for row in event_rows:
        cycle_id = row.whole(cyc.EVENT_CYCLE_ID)
        if row.choice(cyc.RECORD, [ex.EVENT_RECORD, ex.TRANSFER_RECORD]) == ex.EVENT_RECORD:
            kind = EventKind(row.choice(cyc.EVENT, [k.value for k in EventKind]))
            event = CycleEvent(
                kind, row.day(cyc.EVENT_DATE), row.text(cyc.EVENT_NOTE), id=row.whole(cyc.EVENT_ID)
            )
            events.setdefault(cycle_id, []).append(event)
        else:
            transfers.setdefault(cycle_id, []).append(_transfer(row))
    found: list[Cycle] = []
    for row in cycle_rows:
        cycle_id = row.whole(cyc.CYCLE_ID)
        found.append(_cycle(row, events.pop(cycle_id, []), transfers.pop(cycle_id, [])))
    orphans = sorted({*events, *transfers})
    if orphans:
        raise ValidationError(
            code="import.missing_cycle",
            field="dir",
            values={"events": ex.EVENTS, "cycle": orphans[0], "cycles": ex.CYCLES},
        )
    return found


def _pregnancy(row: Row) -> Pregnancy:
    confirmations = ["", *(c.value for c in Confirmation)]
    how, confirmed = row.choice(cyc.HOW_FOUND, confirmations), row.choice(cyc.CONFIRMED, confirmations)
    return row.build(
        lambda: Pregnancy(
            started_on=row.opt_day(cyc.POSITIVE_ON),
            outcome=Outcome(row.choice(cyc.PREGNANCY_OUTCOME, [o.value for o in Outcome])),
            ended_on=row.opt_day(cyc.PREGNANCY_ENDED),
            ga_at_end_days=row.opt_whole(cyc.GA_DAYS),
            confirmed=Confirmation(confirmed) if confirmed else None,
            how_found=Confirmation(how) if how else None,
            approximate=row.yes(cyc.APPROXIMATE),
            cycle_id=row.opt_whole(cyc.PREGNANCY_CYCLE_ID),
            notes=row.text(cyc.PREGNANCY_NOTES),
            id=row.whole(cyc.PREGNANCY_ID),
        )
    )


def _question(row: Row) -> Question:
    return row.build(
        lambda: Question(
            row.text(appt.QUESTION),
            row.opt_text(appt.FLAG_ID),
            row.yes(appt.ASKED),
            row.text(appt.ANSWER),
            id=row.whole(appt.QUESTION_ID),
        )
    )


def _appointment(appt_id: int, group: list[Row], questions: list[Question]) -> Appointment:
    """An appointment from its row (format 1: its rows, one per question, read from the first)."""
    first = group[0]
    zone = first.zone(appt.TIME_ZONE)
    questions.sort(key=lambda q: q.id or 0)
    done = first.opt_instant(appt.DONE_AT)
    return first.build(
        lambda: Appointment(
            at=first.instant(appt.AT).astimezone(zone),
            kind=AppointmentKind(first.choice(appt.KIND, [k.value for k in AppointmentKind])),
            with_name=first.text(appt.WITH),
            where=first.text(appt.WHERE),
            purpose=first.text(appt.PURPOSE),
            notes=first.text(appt.NOTES),
            decided=first.text(appt.DECIDED),
            done_at=done.astimezone(zone) if done else None,
            cancelled=first.yes(appt.CANCELLED),
            questions=tuple(questions),
            id=appt_id,
            created_at=first.opt_instant(appt.ENTERED_AT),
        )
    )


def _marks(rows: list[Row]) -> Iterator[ImportedMark]:
    for row in rows:
        mark_id = row.opt_whole(flg.MARK_ID)
        if mark_id is None:
            continue
        key = row.text(flg.FLAG_ID)
        if not 3 <= len(key) <= 300:
            raise row.fail(f"the flag key {key!r} is not one rpltrack writes")
        yield ImportedMark(
            key=key,
            rule=row.text(flg.RULE_ID) or key.split(":", 1)[0],
            state=_mark_state(row),
            title=row.text(flg.TITLE),
            at=row.instant(flg.MARKED_AT),
            note=row.text(flg.MARK_NOTE),
            appointment_id=row.opt_whole(flg.RAISED_AT),
            id=mark_id,
        )


def _mark_state(row: Row) -> str:
    """'acknowledged', or 'acknowledged (not showing now)' for a mark whose flag no longer shows."""
    state = row.text(flg.STATE).removesuffix(f" ({ex.NOT_SHOWING})")
    if state not in MARK_STATES:
        raise row.fail(
            f"a marked flag's {flg.STATE.header} is {row.text(flg.STATE)!r}: acknowledged or raised"
        )
    return state


def _settings(rows: list[Row]) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in rows:
        key, value = row.text(flg.SETTING), row.text(flg.SETTING_VALUE)
        setting = setting_for(key)
        if setting is None:
            raise row.fail(f"{key!r} is not a setting this rpltrack knows")
        try:
            found[key] = setting.parse(value)
        except ValidationError as exc:
            raise row.fail(exc.message) from None
    return found


# -- the whole export -------------------------------------------------------------------------------------


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

    def missing(entry: str, link: str, file: str) -> ValidationError:
        return ValidationError(
            code="import.missing_reference", values={"entry": entry, "link": link, "file": file}
        )

    for m in records.medications:
        if m.cycle_id is not None and m.cycle_id not in cycles:
            raise missing(m.name, f"belongs to cycle {m.cycle_id}", ex.CYCLES)
    for draw in records.betas:
        if draw.cycle_id is not None and draw.cycle_id not in cycles:
            raise missing(f"beta {draw.id}", f"belongs to cycle {draw.cycle_id}", ex.CYCLES)
    for p in records.pregnancies:
        if p.cycle_id is not None and p.cycle_id not in cycles:
            raise missing(f"pregnancy {p.id}", f"belongs to cycle {p.cycle_id}", ex.CYCLES)
    for log in records.doses:
        if log.medication_id not in meds:
            raise missing(f"dose entry {log.id}", f"is of medication {log.medication_id}", ex.MEDICATIONS)
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


def _appointments(files: Mapping[str, str], rows: list[Row], older: Layout | None) -> tuple[Appointment, ...]:
    """The appointments with their questions: from appointment_questions.csv, or (format 1) from the
    appointment's own rows."""
    groups = _grouped(rows, appt.APPOINTMENT_ID)
    if older is not None:
        question_rows = [row for row in rows if row.text(appt.QUESTION_ID)]
    elif ex.QUESTIONS in files:
        question_rows = read_table(ex.QUESTIONS, files[ex.QUESTIONS], ex.QUESTION_COLUMNS)
    else:
        raise ValidationError(
            f"{ex.QUESTIONS} is missing: this is not a whole rpltrack CSV export", field="dir"
        )
    questions: dict[int, list[Question]] = {appt_id: [] for appt_id in groups}
    for row in question_rows:
        appt_id = row.whole(appt.QUESTION_APPOINTMENT_ID)
        if appt_id not in questions:
            raise row.fail(f"a question of appointment {appt_id}, which {ex.APPOINTMENTS} does not have")
        questions[appt_id].append(_question(row))
    if older is None:
        for appt_id, group in groups.items():
            if len(group) > 1:
                raise group[1].fail(f"appointment {appt_id} is listed twice")
    return tuple(_appointment(appt_id, group, questions[appt_id]) for appt_id, group in groups.items())


def parse_export(files: Mapping[str, str]) -> CsvImport:
    """The records of an export from the text of its files (name -> text, BOM or not). Raises a
    ValidationError naming the file and line of the first thing it cannot read."""
    missing = [name for name in IMPORTED_FILES if name not in files]
    if missing:
        raise ValidationError(
            f"{missing[0]} is missing: this is not a whole rpltrack CSV export", field="dir"
        )
    read = {name: _rows(name, files[name], ex.COLUMNS[name]) for name in IMPORTED_FILES}
    tables = {name: rows for name, (rows, _) in read.items()}
    records = CsvImport(
        medications=tuple(
            _medication(med_id, group)
            for med_id, group in _grouped(tables[ex.MEDICATIONS], med.MEDICATION_ID).items()
        ),
        doses=tuple(_dose(row) for row in tables[ex.DOSES] if row.text(dose.LOG_ID)),
        cycles=tuple(_cycles(tables[ex.CYCLES], tables[ex.EVENTS])),
        betas=tuple(_beta(row) for row in tables[ex.BETAS]),
        pregnancies=tuple(_pregnancy(row) for row in tables[ex.PREGNANCIES]),
        labs=tuple(_lab(row) for row in tables[ex.LABS]),
        appointments=_appointments(files, tables[ex.APPOINTMENTS], read[ex.APPOINTMENTS][1]),
        marks=tuple(_marks(tables[ex.FLAGS])),
        settings=_settings(tables[ex.SETTINGS]),
    )

    labs, sessions, courses = read_sessions(files, records.labs)
    records = replace(records, labs=labs, sessions=sessions, courses=courses)
    _check_references(records)
    return records
