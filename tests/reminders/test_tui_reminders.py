"""The app's 30-second tick shows due reminders in the app, through the same ledger as the timer; after a long
outage (C8) it tells once what passed and shows the missed doses."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from textual.widgets import DataTable

from rpltrack.clock import FixedClock
from rpltrack.store.journal import Journal
from rpltrack.tui import format as fmt
from rpltrack.tui.app import RpltrackApp
from tests.tui.helpers import notices

from .support import LONDON, Outbox, at_times, journal_with, tick

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


async def test_c8_long_outage_single_summary(db_path: Path) -> None:
    """C8: enoxaparin six times a day; the laptop is off for three days (the clock jumps from Fri 05:00 to
    Mon 05:00), so 18 doses pass with nothing checking, all of them past their catch-up window. On wake the
    timer's check pops up no burst (nothing at all: they are past their window) and nothing is logged on her
    behalf; the app then tells her once, in one summary notice; and all 18 slots appear in the app as missed:
    History is the section that lists past days (Today shows only today)."""
    six_a_day = "06:00,09:00,12:00,15:00,18:00,21:00"
    journal = journal_with(db_path, at_times(six_a_day, name="enoxaparin", dose="40 mg"))
    off = datetime(2026, 11, 20, 5, 0, tzinfo=LONDON)
    tick(journal, Outbox(), off)  # the last check before the lid closed: everything older is settled
    back = off + timedelta(days=3)
    slots = [
        datetime.combine(off.date() + timedelta(days=day), time.fromisoformat(at), tzinfo=LONDON)
        for day in range(3)
        for at in six_a_day.split(",")
    ]
    assert len(slots) == 18
    desktop = Outbox()
    tick(journal, desktop, back)  # the timer's `remind --once` on wake
    assert desktop.shown == []  # no 18 pop-ups
    app = RpltrackApp(journal=journal, clock=FixedClock(back + timedelta(minutes=1), LONDON))
    async with app.run_test(size=(110, 34)) as pilot:
        await _tick(app)
        await pilot.pause()
        await _tick(app)  # a second tick tells nothing again
        await pilot.pause()
        told = notices(app)
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#history", DataTable)
        history = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    assert len(told) == 1, told
    assert told[0].startswith("Reminders passed while nothing was checking: enoxaparin 40 mg (")
    assert " more. Doses not logged show as missed on Today and History." in told[0]
    with Journal.open(db_path) as reopened:
        assert reopened.count("doses") == 0  # nothing logged on her behalf
    missed = {(day, due) for day, due, _, _, what, _ in history if "missed" in what}
    expected = {(fmt.short_day(slot.date()), f"{slot:%H:%M}") for slot in slots}
    assert expected <= missed, (
        f"History shows {len(expected & missed)} of the 18 missed doses as missed; "
        f"rows shown: {history}; not shown: {sorted(expected - missed)}"
    )
    journal.close()
