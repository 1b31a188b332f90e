"""A realistic demo journal (pure): years of treatment cycles, medications and doses, reproducible by seed.

Used by `rpltrack demo`, the screenshots and the benchmarks, so all three show the same kind of data.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog
from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.betas import BetaDraw, parse_hcg
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.doses import next_site
from rpltrack.domain.labcatalog import by_key, parse_lab_value, parse_range
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import DoseLog, DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import record
from rpltrack.domain.schedule import expand

SKIP_REASONS = (
    "felt unwell",
    "ran out, refill on the way",
    "told to pause by the clinic",
    "forgot to pack it",
)


def _times(*hhmm: str) -> Timing:
    return Timing(TimingKind.TIMES, times=tuple(time.fromisoformat(t) for t in hhmm))


def _med(
    name: str,
    dose: str,
    timing: Timing,
    start: date,
    zone: ZoneInfo,
    now: datetime,
    end: date | None = None,
    changes: Sequence[tuple[date, str]] = (),
    notes: str = "",
) -> Medication:
    drug = catalog.lookup(name)
    assert drug is not None, name
    value, unit = dose.split()
    regimens = [Regimen(start, drug.check_dose(Quantity(Decimal(value), unit)), timing)]
    for when, new_dose in changes:
        v, u = new_dose.split()
        regimens.append(Regimen(when, drug.check_dose(Quantity(Decimal(v), u)), timing))
    return Medication(
        name=name,
        generic=drug.key,
        route=drug.routes[0],
        zone=zone.key,
        regimens=tuple(regimens),
        end_on=end,
        notes=notes,
        # Entered the evening before it started, as she would when the clinic's plan arrives.
        created_at=min(now, datetime.combine(start, time(0), tzinfo=zone) - timedelta(hours=3)).astimezone(
            UTC
        ),
    )


def treatment_windows(today: date, years: int) -> list[tuple[date, date, int]]:
    """(transfer day, last day of the cycle's medications, index) of each past treatment cycle."""
    windows: list[tuple[date, date, int]] = []
    cycle_start = today - timedelta(days=365 * years) + timedelta(days=40)
    index = 0
    while cycle_start + timedelta(days=90) < today - timedelta(days=30):
        end = cycle_start + timedelta(days=48 + (index % 3) * 14)
        windows.append((cycle_start, end, index))
        cycle_start = end + timedelta(days=100 + (index % 4) * 15)
        index += 1
    return windows


def current_transfer(today: date) -> date:
    """The current cycle's transfer day: 24 days ago, so today is 24dp5dt (6w 1d)."""
    return today - timedelta(days=24)


@record(frozen=True)
class DemoCycle:
    """One treatment cycle of the demo: the cycle, its transfer and events, betas and any pregnancy."""

    cycle: Cycle
    transfer: Transfer
    events: tuple[CycleEvent, ...]
    betas: tuple[BetaDraw, ...]
    pregnancy: Pregnancy | None


def _draw(day: date, minutes: int, value: str, zone: ZoneInfo) -> BetaDraw:
    at = datetime.combine(day, time(7, 30), tzinfo=zone) + timedelta(minutes=minutes)
    return BetaDraw(at, parse_hcg(value), "Quest Diagnostics")


def demo_timeline(now: datetime, zone: ZoneInfo, years: int = 1) -> list[DemoCycle]:
    """Frozen-transfer cycles matching demo_medications: past ones ending in a biochemical loss, a
    miscarriage or a negative beta in turn, and a current one with a rising beta series and an ongoing
    pregnancy."""
    today = now.astimezone(zone).date()
    cycles: list[DemoCycle] = []
    grades = ("4AA", "4AB", "5BB")
    for transfer_on, end, index in treatment_windows(today, years):
        transfer = Transfer(transfer_on, 5, 1, grades[index % 3], "euploid" if index % 2 else "")
        kind = index % 3
        betas: tuple[BetaDraw, ...]
        if kind == 0:
            betas = (
                _draw(transfer_on + timedelta(days=9), 0, "48", zone),
                _draw(transfer_on + timedelta(days=11), 12, "41", zone),
            )
            pregnancy: Pregnancy | None = Pregnancy(
                transfer_on + timedelta(days=9),
                Outcome.BIOCHEMICAL,
                transfer_on + timedelta(days=14),
                33,
                Confirmation.HCG,
                how_found=Confirmation.HCG,
            )
            outcome = "biochemical pregnancy loss"
        elif kind == 1:
            betas = (
                _draw(transfer_on + timedelta(days=9), 5, "121", zone),
                _draw(transfer_on + timedelta(days=11), 0, "262", zone),
                _draw(transfer_on + timedelta(days=13), 20, "548", zone),
            )
            pregnancy = Pregnancy(
                transfer_on + timedelta(days=9),
                Outcome.MISCARRIAGE,
                transfer_on + timedelta(days=35),
                54,
                Confirmation.ULTRASOUND,
                how_found=Confirmation.HCG,
            )
            outcome = "miscarriage"
        else:
            betas = (_draw(transfer_on + timedelta(days=9), 0, "<5", zone),)
            pregnancy = None
            outcome = "negative beta"
        cd1 = transfer_on - timedelta(days=19)
        cycle = Cycle(CycleKind.FET, cd1, "Riverside Fertility", ended_on=end, outcome=outcome)
        events = (CycleEvent(EventKind.BETA, transfer_on + timedelta(days=9)),)
        cycles.append(DemoCycle(cycle, transfer, events, betas, pregnancy))
    transfer_on = current_transfer(today)
    betas = (
        _draw(transfer_on + timedelta(days=9), 0, "112", zone),
        _draw(transfer_on + timedelta(days=11), 15, "251", zone),
        _draw(transfer_on + timedelta(days=13), 5, "547", zone),
    )
    current = DemoCycle(
        Cycle(CycleKind.FET, transfer_on - timedelta(days=19), "Riverside Fertility"),
        Transfer(transfer_on, 5, 1, "4AA", "euploid"),
        (
            CycleEvent(EventKind.POSITIVE_BETA, transfer_on + timedelta(days=9)),
            CycleEvent(EventKind.ULTRASOUND, transfer_on + timedelta(days=21), "first scan"),
        ),
        betas,
        Pregnancy(transfer_on + timedelta(days=9), how_found=Confirmation.HCG),
    )
    return [*cycles, current]


def demo_past_losses(now: datetime, zone: ZoneInfo, years: int = 1) -> list[Pregnancy]:
    """Two losses from before the journal began, entered on their own (one with an approximate date)."""
    first = now.astimezone(zone).date() - timedelta(days=365 * years)
    return [
        Pregnancy(None, Outcome.MISCARRIAGE, first - timedelta(days=400), 58, Confirmation.ULTRASOUND),
        Pregnancy(
            None, Outcome.BIOCHEMICAL, first - timedelta(days=200), None, Confirmation.HCG, approximate=True
        ),
    ]


def demo_labs(now: datetime, zone: ZoneInfo, years: int = 1) -> list[LabResult]:
    """An RPL work-up and its follow-up: TSH every three months (the latest, in this pregnancy, above the
    2.5 target), TPO antibodies above the printed range, vitamin D, antiphospholipid antibodies (negative),
    thrombophilia genetics, a platelet count before and on the current LMWH, and progesterone on the day of
    the current transfer."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=365 * years)
    transfer = current_transfer(today)

    def lab(
        key: str, on: date, value: str, rng: str = "", unit: str | None = None, note: str = ""
    ) -> LabResult:
        test = by_key(key)
        return LabResult(
            test=key,
            on=on,
            value=parse_lab_value(test, value, unit),
            reference=parse_range(rng) if rng else None,
            note=note,
            lab="Quest Diagnostics",
        )

    results = [
        lab("tpo-ab", first + timedelta(days=20), "61", "<34", note="work-up after the second loss"),
        lab("la", first + timedelta(days=20), "negative"),
        lab("acl-igg", first + timedelta(days=20), "8", "<15"),
        lab("acl-igm", first + timedelta(days=20), "4", "<13"),
        lab("b2gpi-igg", first + timedelta(days=20), "negative"),
        lab("fvl", first + timedelta(days=20), "not detected"),
        lab("prothrombin", first + timedelta(days=20), "not detected"),
        lab("karyotype", first + timedelta(days=20), "46,XX"),
        lab("vitamin-d", first + timedelta(days=20), "48", "75-250", unit="nmol/L"),
    ]
    tsh_values = ("3.9", "2.4", "1.9", "2.2", "1.7", "2.0", "2.3", "1.8")
    day, n = first + timedelta(days=20), 0
    while day < transfer - timedelta(days=30):
        results.append(lab("tsh", day, tsh_values[n % len(tsh_values)], "0.4-4.0"))
        day += timedelta(days=91)
        n += 1
    results += [
        lab("vitamin-d", transfer - timedelta(days=40), "31", "30-100"),
        lab("platelets", transfer - timedelta(days=12), "248", "150-450"),
        lab("progesterone", transfer, "14.6", note="drawn the morning of the transfer"),
        lab("tsh", transfer + timedelta(days=9), "2.1", "0.4-4.0"),
        lab("platelets", transfer + timedelta(days=17), "231", "150-450"),
        lab("tsh", today - timedelta(days=4), "2.8", "0.4-4.0", note="clinic said they would call"),
    ]
    return sorted(results, key=lambda r: r.on)


def demo_appointments(now: datetime, zone: ZoneInfo) -> list[Appointment]:
    """A past visit with what was decided, and two upcoming ones (one with her own questions)."""
    today = now.astimezone(zone).date()

    def at(days: int, hh: int, mm: int) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hh, mm), tzinfo=zone)

    return [
        Appointment(
            at(-16, 9, 30),
            AppointmentKind.RE,
            "Dr Patel",
            "Riverside Fertility",
            "beta results",
            decided="continue progesterone and Lovenox; first scan at 6 weeks",
            done_at=at(-16, 10, 15),
        ),
        Appointment(
            at(3, 14, 0),
            AppointmentKind.HEMATOLOGY,
            "Dr Lee",
            "St Mary's, 2nd floor",
            "anticoagulation in pregnancy",
            questions=(
                Question("How long do I continue Lovenox after 36 weeks?"),
                Question("Do I need platelet counts while on Lovenox?"),
            ),
        ),
        Appointment(at(10, 8, 15), AppointmentKind.ULTRASOUND, "", "Riverside Fertility", "7-week scan"),
    ]


def demo_medications(now: datetime, zone: ZoneInfo, years: int = 1) -> list[Medication]:
    """Medications for `years` years up to `now`: folate and levothyroxine throughout, and for each treatment
    cycle (a few a year) aspirin, an LMWH, progesterone and sometimes prednisone. The last cycle is current:
    its medications are due today."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=365 * years)
    meds = [
        _med("folic acid", "0.4 mg", _times("08:00"), first, zone, now),
        _med(
            "levothyroxine",
            "50 mcg",
            _times("07:00"),
            first,
            zone,
            now,
            changes=[
                (first + timedelta(days=days), dose)
                for days, dose in ((120, "75 mcg"), (400, "88 mcg"))
                if first + timedelta(days=days) < today
            ],
            notes="on an empty stomach, 30 minutes before breakfast",
        ),
    ]
    for cycle_start, end, index in treatment_windows(today, years):
        meds += [
            _med("aspirin", "81 mg", _times("08:00"), cycle_start, zone, now, end=end),
            _med(
                "Lovenox" if index % 2 else "Clexane",
                "40 mg",
                _times("20:00"),
                cycle_start + timedelta(days=14),
                zone,
                now,
                end=end,
            ),
            _med(
                "Crinone",
                "1 applicator",
                _times("08:00", "20:00"),
                cycle_start + timedelta(days=9),
                zone,
                now,
                end=end,
            ),
        ]
        if index % 2 == 0:
            meds.append(
                _med(
                    "prednisone",
                    "5 mg",
                    _times("08:00", "20:00"),
                    cycle_start,
                    zone,
                    now,
                    end=cycle_start + timedelta(days=27),
                )
            )
    current = current_transfer(today)
    meds += [
        _med("aspirin", "81 mg", _times("08:00"), current, zone, now, notes="baby aspirin from transfer day"),
        _med(
            "Lovenox",
            "40 mg",
            _times("08:00"),
            current + timedelta(days=10),
            zone,
            now,
            notes="from a positive beta; the clinic said until 36 weeks",
        ),
        _med(
            "progesterone in oil",
            "1 mL",
            _times("20:00"),
            current - timedelta(days=5),
            zone,
            now,
            notes="50 mg/mL, warm the vial first",
        ),
        _med(
            "prednisone",
            "5 mg",
            _times("08:00", "20:00"),
            current - timedelta(days=14),
            zone,
            now,
            end=today + timedelta(days=14),
        ),
    ]
    return meds


def demo_logs(meds: Sequence[Medication], now: datetime, zone: ZoneInfo, seed: int = 7) -> list[DoseLog]:
    """A dose history for saved `meds` up to `now`: mostly taken (some late, some logged later), a few
    skipped with a reason, a few left open (missed). Today's doses after 08:05 are left for her to log."""
    rng = random.Random(seed)
    logs: list[DoseLog] = []
    today_start = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    for med in meds:
        assert med.id is not None
        end = min(
            now,
            (datetime.combine(med.end_on, time(0), tzinfo=zone) + timedelta(days=1)) if med.end_on else now,
        )
        drug = catalog.by_key(med.generic) if med.generic else None
        site: str | None = None
        for slot in expand(med, datetime.combine(med.start_on, time(0), tzinfo=zone), end):
            if slot.slot_at >= today_start:
                if slot.local_at.time() <= time(8, 0) and med.generic in (
                    "aspirin",
                    "folic-acid",
                    "levothyroxine",
                    "prednisone",
                ):
                    taken = slot.slot_at + timedelta(minutes=rng.randint(0, 5))
                    if taken <= now:
                        logs.append(
                            DoseLog(
                                med.id, DoseStatus.TAKEN, taken, zone.key, slot.slot_at, taken, slot.amount
                            )
                        )
                continue
            roll = rng.random()
            if roll < 0.03:
                continue  # missed: never logged
            if roll < 0.06:
                logs.append(
                    DoseLog(
                        med.id,
                        DoseStatus.SKIPPED,
                        slot.slot_at + timedelta(minutes=30),
                        zone.key,
                        slot.slot_at,
                        reason=rng.choice(SKIP_REASONS),
                    )
                )
                continue
            taken = slot.slot_at + timedelta(minutes=rng.choice((0, 2, 5, 10, 25, 50)))
            later = rng.random() < 0.04
            logged = min(
                now, taken + (timedelta(hours=rng.randint(2, 20)) if later else timedelta(seconds=20))
            )
            later = later and logged - taken > timedelta(minutes=30)
            if drug and drug.injection_sites:
                site = next_site(med, site)
            logs.append(
                DoseLog(
                    med.id,
                    DoseStatus.TAKEN,
                    logged,
                    zone.key,
                    slot.slot_at,
                    taken,
                    slot.amount,
                    site=site,
                    logged_later=later,
                )
            )
    return logs
