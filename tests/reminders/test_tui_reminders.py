"""The app's 30-second tick shows due reminders in the app, through the same ledger as the timer."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from rpltrack.clock import FixedClock
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from tests.tui.helpers import notices

from .support import LONDON, Outbox, at_times, journal_with, ledger, tick

EIGHT = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)


async def _tick(app: RpltrackApp) -> None:
    await app.tick()
    await app.workers.wait_for_complete()


async def test_a_due_dose_shows_in_the_app_and_not_again_on_the_desktop(db_path: Path) -> None:
    journal = journal_with(db_path, at_times("08:00,20:00", name="enoxaparin", dose="40 mg"))
    tick(journal, Outbox(), EIGHT - timedelta(hours=1))
    clock = FixedClock(EIGHT + timedelta(seconds=20), LONDON)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=(110, 34)) as pilot:
        await _tick(app)
        await pilot.pause()
        assert "Enoxaparin 40 mg at 08:00: Due now. Log it on Today with t." in notices(app)
        await _tick(app)  # the next tick shows nothing new
        await pilot.pause()
        assert len([n for n in notices(app) if n.startswith("Enoxaparin")]) == 1
    with Journal.open(db_path) as reopened:
        row = reopened._conn.execute(
            "SELECT state, backend FROM reminders WHERE kind = 'dose' AND subject = ?",
            ("dose:1:2026-11-23T08:00:00Z",),
        ).fetchone()
        assert tuple(row) == ("sent", "in-app")
        desktop = Outbox()
        tick(reopened, desktop, EIGHT + timedelta(minutes=1))
        assert desktop.shown == []
    journal.close()


async def test_reminders_that_passed_unseen_are_told_once_in_the_app(db_path: Path) -> None:
    journal = journal_with(db_path, at_times("08:00,20:00"))
    tick(journal, Outbox(), EIGHT - timedelta(days=3))
    back = datetime(2026, 11, 23, 21, 0, tzinfo=LONDON)
    app = RpltrackApp(journal=journal, clock=FixedClock(back, LONDON))
    async with app.run_test(size=(110, 34)) as pilot:
        await _tick(app)
        await pilot.pause()
        told = [n for n in notices(app) if n.startswith("Reminders passed while nothing was checking")]
        assert len(told) == 1
        assert "aspirin 81 mg (Sun 08:00)" in told[0]
        await _tick(app)
        await pilot.pause()
        assert len([n for n in notices(app) if n.startswith("Reminders passed")]) == 1
    assert ("dose", "dose:1:2026-11-23T20:00:00Z", "sent") in ledger(journal)
    journal.close()
