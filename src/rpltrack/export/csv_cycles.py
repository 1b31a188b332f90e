"""cycles.csv, cycle_events.csv and pregnancies.csv (pure): treatment cycles, their events and transfers, and
pregnancies with whether each counts as a loss under each definition."""

from __future__ import annotations

from datetime import date

from rpltrack.domain.cycles import CYCLE_KIND_WORDS, Cycle, CycleEvent, Transfer
from rpltrack.domain.dating import cycle_day, format_ga
from rpltrack.domain.pregnancies import OUTCOME_WORDS, Pregnancy, count_losses
from rpltrack.domain.records import record
from rpltrack.export.csv_columns import Column, Table, day, table, whole, yes
from rpltrack.export.csv_data import ExportData, overlaps

CYCLES = "cycles.csv"
EVENTS = "cycle_events.csv"
PREGNANCIES = "pregnancies.csv"
EVENT_RECORD = "event"
TRANSFER_RECORD = "transfer"

# -- cycles -----------------------------------------------------------------------------------------------

C = Cycle
CD1 = Column[C]("CD1", lambda c: day(c.cd1))
KIND = Column[C]("Kind", lambda c: c.kind.value)
KIND_WORDS = Column[C]("Kind (words)", lambda c: CYCLE_KIND_WORDS[c.kind])
CLINIC = Column[C]("Clinic", lambda c: c.clinic)
ENDED_ON = Column[C]("Ended on", lambda c: day(c.ended_on))
OUTCOME = Column[C]("Outcome", lambda c: c.outcome)
NOTES = Column[C]("Notes", lambda c: c.notes)
CYCLE_ID = Column[C]("Cycle ID", lambda c: whole(c.id), numeric=True)
CYCLE_COLUMNS = (CD1, KIND, KIND_WORDS, CLINIC, ENDED_ON, OUTCOME, NOTES, CYCLE_ID)


def cycles_in(data: ExportData) -> list[Cycle]:
    return sorted(
        (c for c in data.cycles if overlaps(data, c.cd1, c.ended_on)), key=lambda c: (c.cd1, c.id or 0)
    )


def cycles_table(data: ExportData) -> Table:
    return table(CYCLES, CYCLE_COLUMNS, cycles_in(data))


# -- events and transfers ---------------------------------------------------------------------------------


@record(frozen=True)
class EventLine:
    """An event or a transfer of a cycle (`transfer` set for a transfer)."""

    cycle: Cycle
    on: date
    id: int | None
    event: CycleEvent | None = None
    transfer: Transfer | None = None


E = EventLine
EVENT_DATE = Column[E]("Date", lambda e: day(e.on))
EVENT = Column[E]("Event", lambda e: e.event.kind.value if e.event else "transfer")
CYCLE_DAY = Column[E]("Cycle day", lambda e: str(cycle_day(e.cycle.cd1, e.on)), numeric=True)
EMBRYO_DAY = Column[E]("Embryo day", lambda e: str(e.transfer.embryo_day) if e.transfer else "", numeric=True)
EMBRYOS = Column[E](
    "Embryos transferred", lambda e: str(e.transfer.embryo_count) if e.transfer else "", numeric=True
)
GRADE = Column[E]("Embryo grade", lambda e: e.transfer.grade if e.transfer else "")
PGT = Column[E]("PGT", lambda e: e.transfer.pgt if e.transfer else "")
EVENT_NOTE = Column[E]("Note", lambda e: e.event.note if e.event else "")
RECORD = Column[E]("Record", lambda e: EVENT_RECORD if e.event else TRANSFER_RECORD)
EVENT_CYCLE_ID = Column[E]("Cycle ID", lambda e: whole(e.cycle.id), numeric=True)
EVENT_ID = Column[E]("ID", lambda e: whole(e.id), numeric=True)
EVENT_COLUMNS = (
    EVENT_DATE,
    EVENT,
    CYCLE_DAY,
    EMBRYO_DAY,
    EMBRYOS,
    GRADE,
    PGT,
    EVENT_NOTE,
    RECORD,
    EVENT_CYCLE_ID,
    EVENT_ID,
)


def events_table(data: ExportData) -> Table:
    """Events and transfers of the cycles in the period, by date; `Record` says which of the two it is."""
    found: list[tuple[date, int, int, EventLine]] = []
    for c in cycles_in(data):
        for e in c.events:
            found.append((e.on, 0, e.id or 0, EventLine(c, e.on, e.id, event=e)))
        for t in c.transfers:
            found.append((t.on, 1, t.id or 0, EventLine(c, t.on, t.id, transfer=t)))
    found.sort(key=lambda item: item[:3])
    return table(EVENTS, EVENT_COLUMNS, (line for *_, line in found))


# -- pregnancies and losses -------------------------------------------------------------------------------


@record(frozen=True)
class PregnancyLine:
    pregnancy: Pregnancy
    eshre: bool  # whether this one counts as a loss, under each definition
    asrm: bool
    rcog: bool


def _pregnancy_line(p: Pregnancy) -> PregnancyLine:
    alone = count_losses([p])
    return PregnancyLine(p, alone.eshre == 1, alone.asrm == 1, alone.rcog == 1)


def _ga(p: Pregnancy) -> str:
    return format_ga(p.ga_at_end_days).replace(" ", "") if p.ga_at_end_days is not None else ""


P = PregnancyLine
POSITIVE_ON = Column[P]("Positive test on", lambda r: day(r.pregnancy.started_on))
HOW_FOUND = Column[P]("How found", lambda r: r.pregnancy.how_found.value if r.pregnancy.how_found else "")
PREGNANCY_OUTCOME = Column[P]("Outcome", lambda r: r.pregnancy.outcome.value)
OUTCOME_IN_WORDS = Column[P]("Outcome (words)", lambda r: OUTCOME_WORDS[r.pregnancy.outcome])
PREGNANCY_ENDED = Column[P]("Ended on", lambda r: day(r.pregnancy.ended_on))
GA = Column[P]("Gestational age at the end", lambda r: _ga(r.pregnancy))
GA_DAYS = Column[P](
    "Gestational age at the end (days)", lambda r: whole(r.pregnancy.ga_at_end_days), numeric=True
)
APPROXIMATE = Column[P]("Gestational age approximate", lambda r: yes(r.pregnancy.approximate))
CONFIRMED = Column[P]("Confirmed by", lambda r: r.pregnancy.confirmed.value if r.pregnancy.confirmed else "")
LOSS_ESHRE = Column[P]("Counted as a loss (ESHRE)", lambda r: yes(r.eshre))
LOSS_ASRM = Column[P]("Counted as a loss (ASRM)", lambda r: yes(r.asrm))
LOSS_RCOG = Column[P]("Counted as a loss (RCOG)", lambda r: yes(r.rcog))
PREGNANCY_NOTES = Column[P]("Notes", lambda r: r.pregnancy.notes)
PREGNANCY_CYCLE_ID = Column[P]("Cycle ID", lambda r: whole(r.pregnancy.cycle_id), numeric=True)
PREGNANCY_ID = Column[P]("Pregnancy ID", lambda r: whole(r.pregnancy.id), numeric=True)
PREGNANCY_COLUMNS = (
    POSITIVE_ON,
    HOW_FOUND,
    PREGNANCY_OUTCOME,
    OUTCOME_IN_WORDS,
    PREGNANCY_ENDED,
    GA,
    GA_DAYS,
    APPROXIMATE,
    CONFIRMED,
    LOSS_ESHRE,
    LOSS_ASRM,
    LOSS_RCOG,
    PREGNANCY_NOTES,
    PREGNANCY_CYCLE_ID,
    PREGNANCY_ID,
)


def pregnancies_table(data: ExportData) -> Table:
    lines = (
        _pregnancy_line(p) for p in data.pregnancies if overlaps(data, p.started_on or p.ended_on, p.ended_on)
    )
    return table(PREGNANCIES, PREGNANCY_COLUMNS, lines)
