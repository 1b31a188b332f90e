"""Write the demo journal (domain.demo) through the Journal API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rpltrack.domain.demo import (
    demo_appointments,
    demo_labs,
    demo_logs,
    demo_medications,
    demo_past_losses,
    demo_timeline,
)
from rpltrack.domain.records import replace
from rpltrack.store.journal import Journal


def fill_demo(journal: Journal, now: datetime, zone: ZoneInfo, years: int, seed: int = 7) -> tuple[int, int]:
    """Add demo medications and their dose history, cycles with transfers and betas, a pregnancy history and
    lab results; returns (medications, doses) added. A journal that already has cycles or pregnancies keeps
    its own timeline: only medications and doses are added to it."""
    timeline = not journal.count("cycles") and not journal.count("pregnancies")
    saved = [journal.add_medication(med, now, again=True) for med in demo_medications(now, zone, years)]
    logs = demo_logs(saved, now, zone, seed)
    journal.bulk_insert_doses(logs, now)
    if not timeline:
        return len(saved), len(logs)
    for loss in demo_past_losses(now, zone, years):
        journal.add_pregnancy(loss, now)
    for demo in demo_timeline(now, zone, years):
        cycle = journal.add_cycle(replace(demo.cycle, ended_on=None), now)
        assert cycle.id is not None
        journal.add_transfer(cycle.id, demo.transfer, now)
        for event in demo.events:
            journal.add_event(cycle.id, event, now)
        for draw in demo.betas:
            journal.add_beta(draw, now)
        if demo.pregnancy is not None:
            journal.add_pregnancy(replace(demo.pregnancy, cycle_id=cycle.id), now)
        if demo.cycle.ended_on is not None:
            journal.end_cycle(cycle.id, demo.cycle.ended_on, demo.cycle.outcome, now)
    for result in demo_labs(now, zone, years):
        journal.add_lab(result, now)
    for appointment in demo_appointments(now, zone):
        journal.add_appointment(appointment, now)
    return len(saved), len(logs)
