"""doses.csv (pure): every scheduled dose of the period with its state, and every dose she logged."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rpltrack.domain.models import DoseLog, DoseStatus, Medication
from rpltrack.domain.records import record
from rpltrack.domain.schedule import expand
from rpltrack.export.csv_columns import Column, Table, dec, stamps, table, whole, yes
from rpltrack.export.csv_data import ExportData, range_instants

DOSES = "doses.csv"
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
                amount = amounts[slot.amount] = (dec(slot.amount.value), slot.amount.unit)
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
    return ("", "") if log.amount is None else (dec(log.amount.value), log.amount.unit)


class DoseLine:
    """The cells of a row that need a conversion, worked out once (a 10-year export has tens of thousands)."""

    __slots__ = ("log", "logged_at", "row", "slot", "taken")

    def __init__(self, row: DoseRow, zone: ZoneInfo) -> None:
        self.row = row
        self.log = row.log
        self.slot = stamps(row.slot_at, zone)
        self.taken = stamps(self.log.taken_at, zone) if self.log is not None else ("", "")
        self.logged_at = self.log.logged_at.astimezone(zone).isoformat(timespec="seconds") if self.log else ""


D = DoseLine
SCHEDULED_AT = Column[D]("Scheduled (ISO 8601)", lambda d: d.slot[0])
SCHEDULED_LOCAL = Column[D]("Scheduled (local)", lambda d: d.slot[1])
MEDICATION = Column[D]("Medication", lambda d: d.row.medication.name)
STATE = Column[D]("State", lambda d: d.row.state)
DOSE_AMOUNT = Column[D]("Dose amount", lambda d: d.row.amount_text[0], numeric=True)
DOSE_UNIT = Column[D]("Dose unit", lambda d: d.row.amount_text[1])
AS_NEEDED = Column[D]("As needed", lambda d: yes(d.log is not None and d.row.slot_at is None))
TAKEN_AT = Column[D]("Taken at (ISO 8601)", lambda d: d.taken[0])
TAKEN_LOCAL = Column[D]("Taken at (local)", lambda d: d.taken[1])
SITE = Column[D]("Injection site", lambda d: (d.log.site or "") if d.log else "")
REASON = Column[D]("Reason skipped", lambda d: d.log.reason if d.log else "")
NOTE = Column[D]("Note", lambda d: d.log.note if d.log else "")
LOGGED_AT = Column[D]("Logged at (ISO 8601)", lambda d: d.logged_at)
LOGGED_LATER = Column[D]("Logged later", lambda d: yes(d.log.logged_later) if d.log else "")
LOGGED_ZONE = Column[D]("Logged in time zone", lambda d: d.log.zone if d.log else "")
MEDICATION_ID = Column[D]("Medication ID", lambda d: whole(d.row.medication.id), numeric=True)
LOG_ID = Column[D]("Log ID", lambda d: whole(d.log.id) if d.log else "", numeric=True)

DOSE_COLUMNS = (
    SCHEDULED_AT,
    SCHEDULED_LOCAL,
    MEDICATION,
    STATE,
    DOSE_AMOUNT,
    DOSE_UNIT,
    AS_NEEDED,
    TAKEN_AT,
    TAKEN_LOCAL,
    SITE,
    REASON,
    NOTE,
    LOGGED_AT,
    LOGGED_LATER,
    LOGGED_ZONE,
    MEDICATION_ID,
    LOG_ID,
)


def _lines(rows: Sequence[DoseRow], zone: ZoneInfo) -> Iterator[DoseLine]:
    for row in rows:
        yield DoseLine(row, zone)


def doses_table(data: ExportData, rows: Sequence[DoseRow] | None = None) -> Table:
    """The dose rows of the period (`rows` when the caller already has them: the summary reads them too)."""
    return table(DOSES, DOSE_COLUMNS, _lines(dose_rows(data) if rows is None else rows, data.zone))
