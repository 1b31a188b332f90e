"""Small readers over a JournalSnapshot that several rules share: results of one test, pregnancy status and
gestational age on a day, medications of a kind and whether they were scheduled on a day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from rpltrack.domain import catalog, labcatalog
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import Medication
from rpltrack.domain.pregnancies import Outcome, Pregnancy
from rpltrack.flags.model import JournalSnapshot

# The categories of domain.catalog that count as heparin/LMWH (§6) and the generic keys of the rest.
HEPARIN_CATEGORIES = ("lmwh", "heparin")
PROGESTERONE_CATEGORY = "progesterone"
LEVOTHYROXINE = "levothyroxine"


def results(snap: JournalSnapshot, *keys: str) -> list[LabResult]:
    """Results of the tests `keys` up to today, oldest first (by day, then by entry)."""
    today = snap.today
    found = [r for r in snap.labs if r.test in keys and r.on <= today]
    found.sort(key=lambda r: (r.on, r.id or 0))
    return found


def latest(snap: JournalSnapshot, *keys: str) -> LabResult | None:
    found = results(snap, *keys)
    return found[-1] if found else None


def category(med: Medication) -> str | None:
    if med.generic is None:
        return None
    drug = catalog.lookup(med.generic)
    return drug.category if drug is not None else None


def is_heparin(med: Medication) -> bool:
    return category(med) in HEPARIN_CATEGORIES


def meds_where(
    snap: JournalSnapshot, keep: Iterable[str] | None = None, *, heparin: bool = False
) -> list[Medication]:
    """Medications whose generic key is in `keep`, or (heparin=True) every heparin/LMWH."""
    wanted = set(keep or ())
    return [m for m in snap.medications if (heparin and is_heparin(m)) or (m.generic in wanted)]


def scheduled_on(med: Medication, day: date) -> bool:
    """The medication's schedule covers local `day` (started, not ended or stopped before it)."""
    if med.waiting:
        return False
    if day < med.start_on:
        return False
    last = med.last_day
    if last is not None and day > last:
        return False
    if med.stopped_at is not None:
        zone_day = med.stopped_at.date()  # UTC date is close enough for a whole-day question
        if day > zone_day:
            return False
    return True


def last_scheduled_day(med: Medication) -> date | None:
    """The last day of its schedule: end, end anchor or stop, whichever is first; None while open-ended."""
    ends = [d for d in (med.last_day, med.stopped_at.date() if med.stopped_at else None) if d is not None]
    return min(ends) if ends else None


def pregnancy_on(snap: JournalSnapshot, day: date) -> Pregnancy | None:
    """The pregnancy ongoing on `day` (started on or before it and not ended before it)."""
    for p in sorted(snap.pregnancies, key=lambda p: p.sort_on, reverse=True):
        started = p.started_on
        if started is not None and started > day:
            continue
        if p.outcome is Outcome.ONGOING or (
            p.ended_on is not None and p.ended_on >= day and started is not None
        ):
            return p
    return None


def ga_days_on(snap: JournalSnapshot, day: date) -> int | None:
    """Gestational age in days on `day` while a pregnancy is ongoing then, from its cycle's transfer (or CD1
    as the LMP); None when not pregnant or the pregnancy has no cycle to date it from."""
    pregnancy = pregnancy_on(snap, day)
    if pregnancy is None:
        return None
    cycles = [c for c in snap.cycles if c.id == pregnancy.cycle_id] if pregnancy.cycle_id else []
    if not cycles:
        cycles = [c for c in snap.cycles if c.cd1 <= day]
        cycles.sort(key=lambda c: c.cd1)
        cycles = cycles[-1:]
    if not cycles:
        return None
    return cycles[0].dating_on(day, pregnant=True).ga_days


def lab_results_named(snap: JournalSnapshot, name: str) -> tuple[str, list[LabResult]]:
    """(shown name, results) of the lab a clinic setting names: a catalog test, else her own test name."""
    test = labcatalog.lookup(name)
    if test is not None:
        return test.name, results(snap, test.key)
    wanted = name.strip().casefold()
    found = [r for r in snap.labs if r.test.strip().casefold() == wanted and r.on <= snap.today]
    return name.strip(), sorted(found, key=lambda r: (r.on, r.id or 0))
