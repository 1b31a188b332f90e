"""Write the demo journal (domain.demo) through the Journal API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rpltrack.domain.demo import demo_logs, demo_medications
from rpltrack.store.journal import Journal


def fill_demo(journal: Journal, now: datetime, zone: ZoneInfo, years: int, seed: int = 7) -> tuple[int, int]:
    """Add demo medications and their dose history; returns (medications, doses) added."""
    saved = [journal.add_medication(med, now) for med in demo_medications(now, zone, years)]
    logs = demo_logs(saved, now, zone, seed)
    journal.bulk_insert_doses(logs, now)
    return len(saved), len(logs)
