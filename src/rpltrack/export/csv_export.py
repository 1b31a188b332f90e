"""The CSV export (pure): the journal's records in, one CSV text per kind of record out, plus a summary page.

Files open cleanly in Excel, LibreOffice and Google Sheets: UTF-8 with a byte-order mark (so µ and β survive
Excel), RFC 4180 quoting with CRLF line ends, plain header names, instants as ISO 8601 with the offset beside
the local time. A text cell that a spreadsheet would run as a formula gets a leading apostrophe
(RELIABILITY D1, `neutralise`); numbers in the columns declared numeric stay numbers, negative ones too (D2).

The export is also a backup that `rpltrack import csv` reads back (csv_import): every stored field of every
record is in some column, ids included, and a cell starts with an apostrophe only when the export added one,
so the importer removes exactly that apostrophe. Columns such as the dose states, the beta rise and the loss
counts are computed here from the records and ignored by the importer.

Named csv_export (not csv) so that `import csv` inside this package is still the standard library's module.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog, labcatalog
from rpltrack.domain.appointments import Appointment
from rpltrack.domain.betas import BetaDraw, BetaPair, Op, assess_series
from rpltrack.domain.cycles import CYCLE_KIND_WORDS, Cycle
from rpltrack.domain.dating import cycle_day, format_ga
from rpltrack.domain.labs import LabResult, LabTest, canonical, format_fraction
from rpltrack.domain.models import (
    WEEKDAY_NAMES,
    Adherence,
    DoseLog,
    DoseStatus,
    Medication,
    MedicationState,
    Regimen,
)
from rpltrack.domain.pregnancies import OUTCOME_WORDS, Pregnancy, count_losses
from rpltrack.domain.records import field, record
from rpltrack.domain.schedule import day_bounds, expand
from rpltrack.domain.settings import setting_for, threshold
from rpltrack.export.csv_medications import ENTERED_FROM, next_change_words, regimen_spans, waiting_words

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rpltrack.domain.sessions import Course, TreatmentSession

BOM = "\ufeff"
FORMAT = "rpltrack CSV export, format 1"

# A cell a spreadsheet may run as a formula: one starting with = + - @ (or their full-width forms, which some
# spreadsheets fold), also after leading spaces, or starting with a tab, CR or LF (defusedcsv misses those).
_FORMULA_FIRST = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_LINE_BREAKS = frozenset("\t\r\n")
# Cheap test before the real one: only a cell starting with one of these can need an apostrophe.
# Every character str.isspace() accepts, so a cell starting with any of them is looked at.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_RISKY_FIRST = _FORMULA_FIRST | frozenset("'") | frozenset(_WHITESPACE)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

# Far enough apart to hold any record; the schema's instants are four-digit years.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def neutralise(text: str) -> str:
    """`text` as a spreadsheet will show it, never run it: an apostrophe before a cell that starts (after any
    leading whitespace) with = + - @, or starts with whitespace holding a tab, CR or LF; and before a cell
    that already starts with an apostrophe, so the importer can always remove exactly one (`unneutralise`)."""
    if not text or text[0] not in _RISKY_FIRST:
        return text
    body = text.lstrip()
    leading = text[: len(text) - len(body)]
    if text[0] == "'" or body[:1] in _FORMULA_FIRST or any(c in _LINE_BREAKS for c in leading):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """The inverse of `neutralise`: a cell of an rpltrack export starting with an apostrophe had one added."""
    return text[1:] if text[:1] == "'" else text


def is_number(text: str) -> bool:
    """A plain decimal number (optionally signed), as the numeric columns hold: no exponent, no spaces."""
    return _NUMBER.fullmatch(text) is not None


@record(frozen=True)
class Column:
    """One column: its header (plain words, with the unit where it has one) and whether it holds numbers."""

    header: str
    numeric: bool = False


@record(frozen=True)
class Table:
    """One CSV file: its name, columns and rows of cells (text; "" for an empty cell)."""

    name: str
    columns: tuple[Column, ...]
    rows: Sequence[Sequence[str]]


def render(table: Table) -> str:
    """The CSV text of `table`: BOM, header row, RFC 4180 quoting, CRLF. Text cells are neutralised; a cell of
    a numeric column that is a plain number is written as it is (a negative number stays a number)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in table.columns])
    numeric = [c.numeric for c in table.columns]
    width = len(numeric)
    for row in table.rows:
        if len(row) != width:
            raise ValueError(f"{table.name}: a row has {len(row)} cells for {width} columns")
        writer.writerow(
            [
                cell
                if not cell or cell[0] not in _RISKY_FIRST or (num and is_number(cell))
                else neutralise(cell)
                for cell, num in zip(row, numeric, strict=True)
            ]
        )
    return BOM + out.getvalue()


# -- what the export is made of ---------------------------------------------------------------------------


@record(frozen=True)
class FlagEntry:
    """A flag as the export lists it: active, acknowledged or raised (with her mark), or a mark whose flag no
    longer shows. Built by the caller from the flag engine (export and flags are independent layers)."""

    key: str
    rule: str
    state: str  # "active", "acknowledged", "raised"; "raised (not showing now)" for a mark alone
    title: str
    detail: str = ""
    ask: str = ""
    since: date | None = None
    sources: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()  # "[S15] Barnhart 2016: ..." for each source
    numbers: Mapping[str, object] = field(default_factory=dict)
    context: tuple[str, ...] = ()
    clinic_target: bool = False
    mark_id: int | None = None
    marked_at: datetime | None = None
    mark_note: str = ""
    appointment_id: int | None = None


@record(frozen=True)
class ExportData:
    """Everything the export shows, as of `now`; `start`/`end` (local days, inclusive) limit what is listed.

    `medications` (anchors placed), `cycles`, `betas`, `pregnancies`, `labs` and `appointments` hold every
    record: the beta rise and the loss counts need the whole history. `logs` holds the dose logs of the
    period (range_instants), `stored_settings` the settings she or her clinic set."""

    now: datetime
    zone: ZoneInfo
    start: date | None = None
    end: date | None = None
    medications: tuple[Medication, ...] = ()
    logs: tuple[DoseLog, ...] = ()
    grace: timedelta = timedelta(hours=2)
    cycles: tuple[Cycle, ...] = ()
    betas: tuple[BetaDraw, ...] = ()
    pregnancies: tuple[Pregnancy, ...] = ()
    labs: tuple[LabResult, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    flags: tuple[FlagEntry, ...] = ()
    stored_settings: Mapping[str, str] = field(default_factory=dict)
    adherence_7: Adherence | None = None
    adherence_30: Adherence | None = None
    sessions: tuple[TreatmentSession, ...] = ()  # treatment sessions and courses: csv_sessions
    courses: tuple[Course, ...] = ()


def range_instants(start: date | None, end: date | None, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as UTC instants [from, to): the start of local day `start`, the end of local day `end`."""
    lo = day_bounds(start, zone)[0] if start is not None else EARLIEST
    hi = day_bounds(end, zone)[1] if end is not None else LATEST
    return lo, hi


# -- cell formatting --------------------------------------------------------------------------------------


def _iso(at: datetime | None, zone: ZoneInfo) -> str:
    return "" if at is None else at.astimezone(zone).isoformat(timespec="seconds")


def _local(at: datetime | None, zone: ZoneInfo) -> str:
    return "" if at is None else at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _day(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def _dec(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def _int(value: int | None) -> str:
    return "" if value is None else str(value)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _op(op: Op) -> str:
    """A censored result's sign; "" for an exact one (a lone '=' would read as a formula)."""
    return "" if op is Op.EQ else op.value


def _lines(items: Iterable[str]) -> str:
    return "\n".join(items)


def _between(data: ExportData, day: date | None) -> bool:
    if day is None:
        return True
    return (data.start is None or day >= data.start) and (data.end is None or day <= data.end)


def _overlaps(data: ExportData, first: date | None, last: date | None) -> bool:
    """A span [first, last] (None: open) overlaps the period."""
    if data.end is not None and first is not None and first > data.end:
        return False
    return not (data.start is not None and last is not None and last < data.start)


def _local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


# -- medications ------------------------------------------------------------------------------------------

MEDICATIONS = "medications.csv"
MEDICATION_COLUMNS = (
    Column("Name"),
    Column("Generic"),
    Column("Route"),
    Column("State now"),
    Column("Regimen from"),
    Column("Regimen to"),
    Column(ENTERED_FROM),
    Column("Dose amount", numeric=True),
    Column("Dose unit"),
    Column("Schedule"),
    Column("Schedule kind"),
    Column("Times (local)"),
    Column("Every N days", numeric=True),
    Column("Weekdays"),
    Column("Every N hours", numeric=True),
    Column("First dose of the interval (ISO 8601)"),
    Column("Starts on"),
    Column("Last day"),
    Column("Until (as entered)"),
    Column("Start anchor"),
    Column("End anchor"),
    Column("Stopped at (ISO 8601)"),
    Column("Stopped at (local)"),
    Column("Supply (doses)", numeric=True),
    Column("Supply counted at (ISO 8601)"),
    Column("Notes"),
    Column("Time zone"),
    Column("Entered at (ISO 8601)"),
    Column("Cycle ID", numeric=True),
    Column("Medication ID", numeric=True),
)


def _medication_span(med: Medication) -> tuple[date | None, date | None]:
    first = None if med.waiting else med.start_on
    last = med.last_day
    if med.stopped_at is not None:
        stopped = med.stopped_at.astimezone(ZoneInfo(med.zone)).date()
        last = stopped if last is None else min(last, stopped)
    return first, last


def _regimen_cells(regimen: Regimen, span: tuple[str, str], zone: ZoneInfo) -> list[str]:
    timing = regimen.timing
    return [
        *span,
        _day(regimen.effective_on),
        _dec(regimen.amount.value),
        regimen.amount.unit,
        timing.describe(),
        timing.kind.value,
        ",".join(t.strftime("%H:%M") for t in timing.times),
        str(timing.every_days),
        ",".join(WEEKDAY_NAMES[d] for d in timing.weekdays),
        str(timing.interval_hours) if timing.interval_hours else "",
        _iso(timing.interval_anchor_at, zone),
    ]


def medications_table(data: ExportData) -> Table:
    """One row per regimen (a dose change is a new regimen), with when it applies (csv_medications); the
    medication's own columns repeat."""
    zone, rows = data.zone, []
    for med in data.medications:
        if not _overlaps(data, *_medication_span(med)):
            continue
        today = data.now.astimezone(ZoneInfo(med.zone)).date()
        state = med.state(data.now, today)
        starts = "" if med.waiting else _day(med.start_on)
        if med.waiting and med.anchor_dates is not None and med.anchor_dates.waiting_for:
            starts = waiting_words(med)
        for regimen, span in zip(med.regimens, regimen_spans(med), strict=True):
            rows.append(
                [
                    med.name,
                    med.generic or "",
                    med.route,
                    state.value,
                    *_regimen_cells(regimen, span, zone),
                    starts,
                    _day(med.last_day),
                    _day(med.end_on),
                    med.start_anchor or "",
                    med.end_anchor or "",
                    _iso(med.stopped_at, zone),
                    _local(med.stopped_at, zone),
                    _int(med.supply),
                    _iso(med.supply_at, zone),
                    med.notes,
                    med.zone,
                    _iso(med.created_at, zone),
                    _int(med.cycle_id),
                    _int(med.id),
                ]
            )
    return Table(MEDICATIONS, MEDICATION_COLUMNS, rows)


# -- doses ------------------------------------------------------------------------------------------------

DOSES = "doses.csv"
DOSE_COLUMNS = (
    Column("Scheduled (ISO 8601)"),
    Column("Scheduled (local)"),
    Column("Medication"),
    Column("State"),
    Column("Dose amount", numeric=True),
    Column("Dose unit"),
    Column("As needed"),
    Column("Taken at (ISO 8601)"),
    Column("Taken at (local)"),
    Column("Injection site"),
    Column("Reason skipped"),
    Column("Note"),
    Column("Logged at (ISO 8601)"),
    Column("Logged later"),
    Column("Logged in time zone"),
    Column("Medication ID", numeric=True),
    Column("Log ID", numeric=True),
)
NOT_LOGGED = "not logged"  # a slot already past when the medication was entered: she was not tracking yet


@record
class DoseRow:
    """One line of the dose table: a scheduled slot with its state, or a log with no slot on the schedule
    (an as-needed dose, or a slot a later dose change took off the schedule)."""

    at: datetime  # the slot, or the time taken; UTC
    medication: Medication
    state: str
    slot_at: datetime | None = None
    amount_text: tuple[str, str] = ("", "")
    log: DoseLog | None = None


def dose_rows(data: ExportData) -> list[DoseRow]:
    """Every scheduled slot of the period up to `now`, with its state (taken, skipped, due, missed, or not
    logged when it was past before the medication was entered), and every log of the period.

    The states are those of domain.doses (slot_state, entered_after), written out here because a 10-year
    journal has tens of thousands of slots."""
    lo, hi = range_instants(data.start, data.end, data.zone)
    slots_until = min(hi, data.now)
    missed_before = data.now - data.grace  # a slot at or before this is past its grace period
    by_slot: dict[tuple[int, datetime], DoseLog] = {}
    loose: list[DoseLog] = []
    for log in data.logs:
        if log.slot_at is None:
            loose.append(log)
        else:
            by_slot[(log.medication_id, log.slot_at)] = log  # aware datetimes hash by instant
    meds = {m.id: m for m in data.medications}
    found: list[DoseRow] = []
    for med in data.medications:
        if med.id is None or med.waiting or lo >= slots_until:
            continue
        # entered_after: a slot whose grace period had ended when the medication was entered.
        untracked_until = med.created_at - data.grace if med.created_at is not None else None
        amounts: dict[object, tuple[str, str]] = {}
        for slot in expand(med, lo, slots_until):
            at = slot.slot_at
            logged = by_slot.pop((med.id, at), None)
            if logged is not None:
                found.append(DoseRow(at, med, logged.status.value, at, _amount(logged), logged))
                continue
            if untracked_until is not None and at <= untracked_until:
                state = NOT_LOGGED
            elif at <= missed_before:
                state = DoseStatus.MISSED.value
            else:
                state = DoseStatus.DUE.value
            amount = amounts.get(slot.amount)
            if amount is None:
                amount = amounts[slot.amount] = (_dec(slot.amount.value), slot.amount.unit)
            found.append(DoseRow(at, med, state, at, amount))
    for log in [*by_slot.values(), *loose]:
        owner = meds.get(log.medication_id)
        if owner is None:
            continue
        when = log.slot_at or log.taken_at
        assert when is not None
        found.append(DoseRow(when.astimezone(UTC), owner, log.status.value, log.slot_at, _amount(log), log))
    names = {m.id: m.name.casefold() for m in data.medications}
    found.sort(key=lambda r: (r.at, names[r.medication.id], r.medication.id or 0, _log_id(r)))
    return found


def _log_id(row: DoseRow) -> int:
    return row.log.id or 0 if row.log is not None else 0


def _amount(log: DoseLog) -> tuple[str, str]:
    return ("", "") if log.amount is None else (_dec(log.amount.value), log.amount.unit)


def _stamps(at: datetime | None, zone: ZoneInfo) -> tuple[str, str]:
    """(ISO 8601 with offset, local 'YYYY-MM-DD HH:MM') of an instant in `zone`, from one conversion."""
    if at is None:
        return "", ""
    iso = at.astimezone(zone).isoformat(timespec="seconds")
    return iso, f"{iso[:10]} {iso[11:16]}"


_NO_LOG = ("",) * 8  # the log's columns of a slot nobody logged


def doses_table(data: ExportData, rows: Sequence[DoseRow] | None = None) -> Table:
    zone = data.zone
    lines = []
    ids = {m.id: _int(m.id) for m in data.medications}
    for row in dose_rows(data) if rows is None else rows:
        log = row.log
        slot_iso, slot_local = _stamps(row.slot_at, zone)
        med = row.medication
        if log is None:
            lines.append(
                [slot_iso, slot_local, med.name, row.state, *row.amount_text, "no", *_NO_LOG, ids[med.id], ""]
            )
            continue
        taken_iso, taken_local = _stamps(log.taken_at, zone)
        lines.append(
            [
                slot_iso,
                slot_local,
                med.name,
                row.state,
                *row.amount_text,
                _yes(row.slot_at is None),
                taken_iso,
                taken_local,
                log.site or "",
                log.reason,
                log.note,
                log.logged_at.astimezone(zone).isoformat(timespec="seconds"),
                _yes(log.logged_later),
                log.zone,
                ids[med.id],
                _int(log.id),
            ]
        )
    return Table(DOSES, DOSE_COLUMNS, lines)


# -- labs -------------------------------------------------------------------------------------------------

LABS = "labs.csv"
LAB_COLUMNS = (
    Column("Date"),
    Column("Test"),
    Column("Result (as entered)"),
    Column("Sign"),
    Column("Value", numeric=True),
    Column("Unit"),
    Column("Result text"),
    Column("Value in the usual unit", numeric=True),
    Column("Usual unit"),
    Column("Reference range (as printed)"),
    Column("Range low", numeric=True),
    Column("Range high", numeric=True),
    Column("On an anticoagulant"),
    Column("Unusual value, checked"),
    Column("Laboratory"),
    Column("Note"),
    Column("Test key"),
    Column("Entered at (ISO 8601)"),
    Column("Lab ID", numeric=True),
)


def lab_test(key: str) -> LabTest | None:
    """The catalog test stored under `key`, or None for a test of her own."""
    try:
        return labcatalog.by_key(key)
    except KeyError:
        return None


def lab_name(key: str) -> str:
    test = lab_test(key)
    return test.name if test is not None else key


def labs_table(data: ExportData) -> Table:
    rows = []
    for result in data.labs:
        if not _between(data, result.on):
            continue
        test = lab_test(result.test)
        converted = canonical(test, result.value) if test is not None else None
        value, rng = result.value, result.reference
        rows.append(
            [
                _day(result.on),
                test.name if test is not None else result.test,
                value.raw,
                _op(value.op),
                _dec(value.number),
                value.unit or "",
                value.text,
                format_fraction(converted, 4) if converted is not None else "",
                (test.canonical_unit or "") if test is not None and converted is not None else "",
                rng.raw if rng else "",
                _dec(rng.low) if rng else "",
                _dec(rng.high) if rng else "",
                _yes(result.on_anticoagulant),
                _yes(result.confirmed_unusual),
                result.lab,
                result.note,
                result.test,
                _iso(result.created_at, data.zone),
                _int(result.id),
            ]
        )
    return Table(LABS, LAB_COLUMNS, rows)


# -- betas ------------------------------------------------------------------------------------------------

BETAS = "betas.csv"
BETA_COLUMNS = (
    Column("Drawn at (ISO 8601)"),
    Column("Drawn at (local)"),
    Column("Value (as printed)"),
    Column("Sign"),
    Column("hCG (mIU/mL)", numeric=True),
    Column("Result (as entered)"),
    Column("Laboratory"),
    Column("Hours since previous draw", numeric=True),
    Column("Change since previous (%)", numeric=True),
    Column("Rise per 48 h (%)", numeric=True),
    Column("Fall since previous (%)", numeric=True),
    Column("Doubling time (hours)", numeric=True),
    Column("Minimum expected rise per 48 h (%)", numeric=True),
    Column("Minimum rise source"),
    Column("Minimum rise basis"),
    Column("Verdict"),
    Column("Different laboratories"),
    Column("Unusual value, checked"),
    Column("Time zone"),
    Column("Cycle ID", numeric=True),
    Column("Beta ID", numeric=True),
)


def betas_table(data: ExportData) -> Table:
    """Each draw; the columns after the laboratory compare it with the previous draw of its series."""
    # Keyed by the draw object: assess_series pairs the very objects it is given.
    pairs: dict[int, BetaPair] = {id(pair.second): pair for pair in assess_series(list(data.betas))}
    rows = []
    for draw in sorted(data.betas, key=lambda d: (d.drawn_at.astimezone(UTC), d.id or 0)):
        if not _between(data, _local_day(draw.drawn_at, data.zone)):
            continue
        pair = pairs.get(id(draw))
        zone_key = draw.drawn_at.tzinfo.key if isinstance(draw.drawn_at.tzinfo, ZoneInfo) else "UTC"
        minimum = pair.minimum if pair else None
        rows.append(
            [
                _iso(draw.drawn_at, data.zone),
                _local(draw.drawn_at, data.zone),
                str(draw.value),
                _op(draw.value.op),
                _dec(draw.value.value),
                draw.value.raw,
                draw.lab,
                _dec(pair.hours) if pair else "",
                _dec(pair.change_percent) if pair else "",
                _dec(pair.rise_48h_percent) if pair else "",
                _dec(pair.fall_percent) if pair else "",
                _dec(pair.doubling_hours) if pair else "",
                _dec(minimum.percent) if minimum else "",
                minimum.source if minimum else "",
                minimum.label if minimum else "",
                pair.verdict.value if pair else "",
                _yes(pair.different_labs) if pair else "",
                _yes(draw.unusual),
                zone_key,
                _int(draw.cycle_id),
                _int(draw.id),
            ]
        )
    return Table(BETAS, BETA_COLUMNS, rows)


# -- cycles, events and transfers -------------------------------------------------------------------------

CYCLES = "cycles.csv"
CYCLE_COLUMNS = (
    Column("CD1"),
    Column("Kind"),
    Column("Kind (words)"),
    Column("Clinic"),
    Column("Ended on"),
    Column("Outcome"),
    Column("Notes"),
    Column("Cycle ID", numeric=True),
)
EVENTS = "cycle_events.csv"
EVENT_COLUMNS = (
    Column("Date"),
    Column("Event"),
    Column("Cycle day", numeric=True),
    Column("Embryo day", numeric=True),
    Column("Embryos transferred", numeric=True),
    Column("Embryo grade"),
    Column("PGT"),
    Column("Note"),
    Column("Record"),
    Column("Cycle ID", numeric=True),
    Column("ID", numeric=True),
)
EVENT_RECORD = "event"
TRANSFER_RECORD = "transfer"


def _cycles_in(data: ExportData) -> list[Cycle]:
    return sorted(
        (c for c in data.cycles if _overlaps(data, c.cd1, c.ended_on)), key=lambda c: (c.cd1, c.id or 0)
    )


def cycles_table(data: ExportData) -> Table:
    rows = [
        [
            _day(c.cd1),
            c.kind.value,
            CYCLE_KIND_WORDS[c.kind],
            c.clinic,
            _day(c.ended_on),
            c.outcome,
            c.notes,
            _int(c.id),
        ]
        for c in _cycles_in(data)
    ]
    return Table(CYCLES, CYCLE_COLUMNS, rows)


def events_table(data: ExportData) -> Table:
    """Events and transfers of the cycles in the period, by date; `Record` says which of the two it is."""
    found: list[tuple[date, int, int, list[str]]] = []
    for c in _cycles_in(data):
        for e in c.events:
            cells = [_day(e.on), e.kind.value, str(cycle_day(c.cd1, e.on)), "", "", "", "", e.note]
            found.append((e.on, 0, e.id or 0, [*cells, EVENT_RECORD, _int(c.id), _int(e.id)]))
        for t in c.transfers:
            cells = [
                _day(t.on),
                "transfer",
                str(cycle_day(c.cd1, t.on)),
                str(t.embryo_day),
                str(t.embryo_count),
                t.grade,
                t.pgt,
                "",
            ]
            found.append((t.on, 1, t.id or 0, [*cells, TRANSFER_RECORD, _int(c.id), _int(t.id)]))
    found.sort(key=lambda item: item[:3])
    return Table(EVENTS, EVENT_COLUMNS, [cells for *_, cells in found])


# -- pregnancies and losses -------------------------------------------------------------------------------

PREGNANCIES = "pregnancies.csv"
PREGNANCY_COLUMNS = (
    Column("Positive test on"),
    Column("How found"),
    Column("Outcome"),
    Column("Outcome (words)"),
    Column("Ended on"),
    Column("Gestational age at the end"),
    Column("Gestational age at the end (days)", numeric=True),
    Column("Gestational age approximate"),
    Column("Confirmed by"),
    Column("Counted as a loss (ESHRE)"),
    Column("Counted as a loss (ASRM)"),
    Column("Counted as a loss (RCOG)"),
    Column("Notes"),
    Column("Cycle ID", numeric=True),
    Column("Pregnancy ID", numeric=True),
)


def pregnancies_table(data: ExportData) -> Table:
    rows = []
    for p in data.pregnancies:
        if not _overlaps(data, p.started_on or p.ended_on, p.ended_on):
            continue
        alone = count_losses([p])  # whether this one counts, under each definition
        ga = p.ga_at_end_days
        rows.append(
            [
                _day(p.started_on),
                p.how_found.value if p.how_found else "",
                p.outcome.value,
                OUTCOME_WORDS[p.outcome],
                _day(p.ended_on),
                format_ga(ga).replace(" ", "") if ga is not None else "",
                _int(ga),
                _yes(p.approximate),
                p.confirmed.value if p.confirmed else "",
                _yes(alone.eshre == 1),
                _yes(alone.asrm == 1),
                _yes(alone.rcog == 1),
                p.notes,
                _int(p.cycle_id),
                _int(p.id),
            ]
        )
    return Table(PREGNANCIES, PREGNANCY_COLUMNS, rows)


# -- appointments -----------------------------------------------------------------------------------------

APPOINTMENTS = "appointments.csv"
APPOINTMENT_COLUMNS = (
    Column("At (ISO 8601)"),
    Column("At (local)"),
    Column("Kind"),
    Column("With"),
    Column("Where"),
    Column("Purpose"),
    Column("Notes"),
    Column("Decided"),
    Column("Done at (ISO 8601)"),
    Column("Cancelled"),
    Column("Question"),
    Column("Question asked"),
    Column("Answer"),
    Column("Question from flag"),
    Column("Time zone"),
    Column("Entered at (ISO 8601)"),
    Column("Appointment ID", numeric=True),
    Column("Question ID", numeric=True),
)


def appointments_table(data: ExportData) -> Table:
    """One row per question (an appointment without questions has one row); its own columns repeat."""
    zone, rows = data.zone, []
    for appt in sorted(data.appointments, key=lambda a: (a.at.astimezone(UTC), a.id or 0)):
        if not _between(data, _local_day(appt.at, zone)):
            continue
        own = [
            _iso(appt.at, zone),
            _local(appt.at, zone),
            appt.kind.value,
            appt.with_name,
            appt.where,
            appt.purpose,
            appt.notes,
            appt.decided,
            _iso(appt.done_at, zone),
            _yes(appt.cancelled),
        ]
        tail = [
            appt.at.tzinfo.key if isinstance(appt.at.tzinfo, ZoneInfo) else "UTC",
            _iso(appt.created_at, zone),
            _int(appt.id),
        ]
        if not appt.questions:
            rows.append([*own, "", "", "", "", *tail, ""])
        for q in appt.questions:
            rows.append([*own, q.text, _yes(q.asked), q.answer, q.flag_key or "", *tail, _int(q.id)])
    return Table(APPOINTMENTS, APPOINTMENT_COLUMNS, rows)


# -- flags and settings -----------------------------------------------------------------------------------

FLAGS = "flags.csv"
FLAG_COLUMNS = (
    Column("State"),
    Column("Since"),
    Column("Title"),
    Column("Detail"),
    Column("Ask your care team"),
    Column("Sources"),
    Column("Source citations"),
    Column("Numbers"),
    Column("Context"),
    Column("Clinic target"),
    Column("Marked at (ISO 8601)"),
    Column("Mark note"),
    Column("Raised at appointment ID", numeric=True),
    Column("Rule"),
    Column("Flag key"),
    Column("Mark ID", numeric=True),
)
NOT_SHOWING = "not showing now"


def flags_table(data: ExportData) -> Table:
    """Flags as of `now` (not limited to the period): active ones, marked ones, and marks whose flag no
    longer shows (kept so that a re-import keeps every mark)."""
    rows = [
        [
            f.state,
            _day(f.since),
            f.title,
            f.detail,
            f.ask,
            "; ".join(f.sources),
            _lines(f.citations),
            json.dumps(dict(f.numbers), ensure_ascii=False) if f.numbers else "",
            _lines(f.context),
            _yes(f.clinic_target),
            _iso(f.marked_at, data.zone),
            f.mark_note,
            _int(f.appointment_id),
            f.rule,
            f.key,
            _int(f.mark_id),
        ]
        for f in data.flags
    ]
    return Table(FLAGS, FLAG_COLUMNS, rows)


SETTINGS = "settings.csv"
SETTING_COLUMNS = (Column("Setting"), Column("Value"), Column("About"))


def settings_table(data: ExportData) -> Table:
    """The settings she or her clinic set (the defaults are not listed)."""
    rows = []
    for key in sorted(data.stored_settings):
        setting = setting_for(key)
        rows.append([key, data.stored_settings[key], setting.description if setting else ""])
    return Table(SETTINGS, SETTING_COLUMNS, rows)


# -- the summary page -------------------------------------------------------------------------------------

SUMMARY = "summary.csv"
SUMMARY_COLUMNS = (Column("Section"), Column("Item"), Column("Value"), Column("Details"))
MAX_LISTED = 20
_LAB_TARGETS = {
    "progesterone": ("progesterone.threshold", "ng/mL", "around transfer"),
    "vitamin-d": ("vitamin-d.threshold", "ng/mL", ""),
}


def _period(data: ExportData) -> str:
    if data.start is None and data.end is None:
        return "all records"
    if data.start is None:
        return f"up to {data.end}"
    if data.end is None:
        return f"from {data.start}"
    return f"{data.start} to {data.end}"


def _adherence_row(label: str, a: Adherence | None) -> list[str]:
    if a is None or a.percent is None:
        return ["Adherence", label, "no scheduled doses due", ""]
    value = f"{a.percent:g}% ({a.taken} of {a.due} due doses taken)"
    return ["Adherence", label, value, f"{a.skipped} skipped, {a.missed} missed (not logged)"]


def _is_anticoagulant(med: Medication) -> bool:
    try:
        return med.generic is not None and catalog.by_key(med.generic).anticoagulant
    except KeyError:
        return False


def _lab_target(data: ExportData, key: str) -> str:
    values = data.stored_settings
    if key == "tsh":
        target = values.get("tsh.target", "")
        return f"clinic target: at most {target} mIU/L" if target else ""
    if key in _LAB_TARGETS:
        setting, unit, when = _LAB_TARGETS[key]
        level, clinic = threshold(values, setting)
        whose = "clinic" if clinic else "guideline default"
        return f"{whose}: at least {level} {unit}{' ' + when if when else ''}"
    return ""


def _lab_flags(data: ExportData, result: LabResult) -> list[str]:
    if result.id is None:
        return []
    pattern = re.compile(rf"\blab{result.id}\b")
    return [f.title for f in data.flags if f.state == "active" and pattern.search(f.key)]


def summary_table(data: ExportData, dose_lines: Sequence[DoseRow]) -> Table:
    """One page for a doctor: current medications, adherence, missed anticoagulant doses, the latest lab of
    each test against its target, loss counts, the next appointment and the active flags as questions."""
    zone = data.zone
    rows: list[list[str]] = [
        ["About", "Export", FORMAT, f"made {_local(data.now, zone)} ({zone.key})"],
        [
            "About",
            "Period",
            _period(data),
            "medications and cycles overlapping it; other records dated in it",
        ],
        [
            "About",
            "Source",
            "self-reported by the patient in rpltrack, a personal tracker",
            "not a medical record",
        ],
    ]
    current = [
        m
        for m in data.medications
        if m.state(data.now, data.now.astimezone(ZoneInfo(m.zone)).date()) is MedicationState.ACTIVE
    ]
    for med in current:
        today = data.now.astimezone(ZoneInfo(med.zone)).date()
        regimen, change = med.dose_on(today), next_change_words(med, today)
        details = [f"since {med.start_on}", *([f"until {med.last_day}"] if med.last_day else [])]
        details += [change] if change else []
        if _is_anticoagulant(med):
            details.append("anticoagulant")
        if med.notes:
            details.append(med.notes)
        rows.append(
            [
                "Current medication",
                med.name,
                f"{regimen.amount} {regimen.timing.describe()}",
                "; ".join(details),
            ]
        )
    if not current:
        rows.append(["Current medication", "none", "", ""])
    rows.append(_adherence_row("last 7 days", data.adherence_7))
    rows.append(_adherence_row("last 30 days", data.adherence_30))
    rows.append(_anticoagulant_row(data, dose_lines))
    rows.extend(_latest_labs(data))
    rows.extend(_loss_rows(data))
    upcoming = sorted(
        (a for a in data.appointments if a.upcoming(data.now)), key=lambda a: a.at.astimezone(UTC)
    )
    if upcoming:
        nxt = upcoming[0]
        where = "; ".join(part for part in (nxt.where, nxt.purpose) if part)
        rows.append(["Next appointment", nxt.title, _local(nxt.at, zone), where])
    active = [f for f in data.flags if f.state == "active"]
    for f in active:
        sources = f"sources: {', '.join(f.sources)}" if f.sources else ""
        rows.append(
            ["Question for the care team", f.title, f.ask, "; ".join(p for p in (f.detail, sources) if p)]
        )
    if not active:
        rows.append(["Question for the care team", "none from rpltrack's flags", "", ""])
    return Table(SUMMARY, SUMMARY_COLUMNS, rows)


def _anticoagulant_row(data: ExportData, dose_lines: Sequence[DoseRow]) -> list[str]:
    anticoagulants = {m.id for m in data.medications if _is_anticoagulant(m)}
    not_taken = (DoseStatus.MISSED.value, DoseStatus.SKIPPED.value)
    missed = [r for r in dose_lines if r.state in not_taken and r.medication.id in anticoagulants]
    label = f"in the period ({_period(data)})"
    if not missed:
        return ["Anticoagulant doses not taken", label, "none", ""]
    skipped = sum(r.state == DoseStatus.SKIPPED.value for r in missed)
    value = f"{len(missed) - skipped} missed, {skipped} skipped"
    listed = [f"{_local(r.at, data.zone)} {r.medication.name} ({r.state})" for r in missed[-MAX_LISTED:]]
    more = f"{len(missed) - MAX_LISTED} earlier ones; " if len(missed) > MAX_LISTED else ""
    return ["Anticoagulant doses not taken", label, value, more + "; ".join(listed)]


def _latest_labs(data: ExportData) -> list[list[str]]:
    latest: dict[str, LabResult] = {}
    for result in data.labs:
        if _between(data, result.on):
            held = latest.get(result.test)
            if held is None or (result.on, result.id or 0) >= (held.on, held.id or 0):
                latest[result.test] = result
    rows = []
    for key in sorted(latest, key=lambda k: lab_name(k).casefold()):
        result = latest[key]
        shown = str(result.value) or "session"
        details = []
        if result.reference is not None:
            details.append(f"printed range {result.reference}")
        target = _lab_target(data, key)
        if target:
            details.append(target)
        if result.on_anticoagulant:
            details.append("drawn on an anticoagulant")
        details += [f"flag: {title}" for title in _lab_flags(data, result)]
        rows.append(["Latest lab", lab_name(key), f"{shown} on {result.on}", "; ".join(details)])
    return rows


def _loss_rows(data: ExportData) -> list[list[str]]:
    counts = count_losses(list(data.pregnancies))
    meets = counts.meets

    def met(name: str, needed: str) -> str:
        return f"{needed} or more: {'met' if meets[name] else 'not met'} (all records)"

    rows = [
        [
            "Pregnancy losses",
            "ESHRE 2022: losses before 24 weeks, early ones included",
            str(counts.eshre),
            met("ESHRE", "2"),
        ],
        ["Pregnancy losses", "ASRM: confirmed by ultrasound or tissue", str(counts.asrm), met("ASRM", "2")],
        ["Pregnancy losses", "RCOG 2023: first-trimester losses", str(counts.rcog), met("RCOG", "3")],
        ["Pregnancy losses", "longest run of consecutive losses", str(counts.longest_run), ""],
    ]
    if counts.ga_unknown:
        rows.append(
            ["Pregnancy losses", "losses with no gestational age recorded", str(counts.ga_unknown), ""]
        )
    return rows


# -- everything -------------------------------------------------------------------------------------------

SESSIONS = "sessions.csv"  # written by csv_sessions
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
    FLAGS,
    SETTINGS,
    SESSIONS,
)


def build_tables(data: ExportData) -> list[Table]:
    """Every table of the export, summary first."""
    from rpltrack.export import csv_sessions

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
        flags_table(data),
        settings_table(data),
        csv_sessions.sessions_table(data),
    ]


def render_export(data: ExportData) -> dict[str, str]:
    """File name -> CSV text, for every file of the export."""
    return {table.name: render(table) for table in build_tables(data)}
