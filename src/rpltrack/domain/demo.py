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
from rpltrack.domain.doses import next_site
from rpltrack.domain.models import DoseLog, DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity
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
        created_at=now.astimezone(UTC),
    )


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
    cycle_start = first + timedelta(days=40)
    index = 0
    while cycle_start + timedelta(days=90) < today - timedelta(days=30):
        end = cycle_start + timedelta(days=48 + (index % 3) * 14)
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
        cycle_start = end + timedelta(days=100 + (index % 4) * 15)
        index += 1
    current = today - timedelta(days=24)
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
