"""The hour repeated when clocks go back (#14): in its second pass (01:30 GMT on 25 Oct 2026 in London, an
hour after 01:30 BST) a dose is logged from Today like at any other time, at the right instant."""

from __future__ import annotations

from datetime import UTC, datetime

from rpltrack.clock import FixedClock
from rpltrack.domain.medspec import MedicationInput, build_medication
from rpltrack.domain.models import DoseStatus
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from tests.conftest import LONDON
from tests.tui.helpers import SIZE, add_med, notices

SECOND_PASS = datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON)  # 01:30 GMT = 01:30 UTC


def taken_at(journal: Journal) -> list[datetime | None]:
    with Journal.open(journal.path) as reopened:
        return [log.taken_at for log in reopened.iter_all_doses()]


async def test_e9_a_dose_taken_in_the_second_pass_is_logged_at_that_instant(journal: Journal) -> None:
    clock = FixedClock(SECOND_PASS, LONDON)
    add_med(journal, clock, "aspirin", "81 mg", "01:20", start="2026-10-20")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert not any("future" in n for n in notices(app)), notices(app)
    assert taken_at(journal) == [datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]


async def test_e9_an_as_needed_dose_in_the_second_pass_is_logged_at_that_instant(journal: Journal) -> None:
    clock = FixedClock(SECOND_PASS, LONDON)
    med = build_medication(MedicationInput(name="paracetamol", dose="500 mg", prn=True), LONDON, clock.now())
    journal.add_medication(med, clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
    with Journal.open(journal.path) as reopened:
        logs = list(reopened.iter_all_doses())
    assert [(log.status, log.taken_at) for log in logs] == [
        (DoseStatus.TAKEN, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    ]
