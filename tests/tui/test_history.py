"""The History screen: the doses of the last 30 days, newest first: taken, skipped, and scheduled doses that
passed unlogged ("missed — not logged"); a dose logged in another zone reads as it did there."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from textual.widgets import DataTable, Static

from rpltrack.clock import FixedClock
from rpltrack.domain.models import DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.format import MISSED_WORDS
from rpltrack.tui.screens.history import EMPTY_TEXT
from tests.tui.helpers import SIZE

LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
ENTERED = datetime(2026, 11, 19, 18, 0, tzinfo=LONDON)


def medication(name: str, dose: str, times: str = "") -> Medication:
    value, unit = dose.split()
    timing = (
        Timing(TimingKind.TIMES, times=tuple(time.fromisoformat(t) for t in times.split(",")))
        if times
        else Timing(TimingKind.PRN)
    )
    return Medication(
        name=name,
        generic=None,
        route="oral",
        zone=LONDON.key,
        regimens=(Regimen(date(2026, 11, 20), Quantity(Decimal(value), unit), timing),),
    )


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=LONDON)


def fill(journal: Journal) -> None:
    """Aspirin daily at 08:00 from Fri 20 Nov (entered the evening before) and paracetamol as needed: 20 Nov
    never logged, 21 Nov skipped, 22 Nov taken at 08:10, paracetamol at 14:00 on 22 Nov; logged in London."""
    aspirin = journal.add_medication(medication("aspirin", "81 mg", "08:00"), ENTERED)
    paracetamol = journal.add_medication(medication("paracetamol", "500 mg"), ENTERED)
    journal.record_dose(aspirin, DoseStatus.SKIPPED, at(21, 9), LONDON, at=at(21, 8), reason="nausea")
    journal.record_dose(aspirin, DoseStatus.TAKEN, at(22, 8, 15), LONDON, at=at(22, 8, 10))
    journal.record_dose(paracetamol, DoseStatus.TAKEN, at(22, 14, 5), LONDON, at=at(22, 14))


async def history_rows(app: RpltrackApp) -> list[list[str]]:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#history", DataTable)
        return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_history_lists_logged_and_missed_doses_newest_first(journal, clock):
    """Read in the zone they were logged in, the rows are as before (no zone label); the 20 Nov dose, never
    logged, is missed; 23 Nov 08:00 is still inside its grace period at 08:40 and is not listed."""
    fill(journal)
    rows = await history_rows(RpltrackApp(journal=journal, clock=clock))
    assert rows == [
        ["Sun 22 Nov", "", "paracetamol", "500 mg", "taken 14:00 (as needed)", ""],
        ["Sun 22 Nov", "08:00", "aspirin", "81 mg", "taken 08:10", ""],
        ["Sat 21 Nov", "08:00", "aspirin", "", "skipped: nausea", ""],
        ["Fri 20 Nov", "08:00", "aspirin", "81 mg", MISSED_WORDS, ""],
    ]
    assert MISSED_WORDS == "missed — not logged"


async def test_history_in_another_zone_reads_each_dose_where_it_was(journal):
    """Seen from Tokyo, every London time keeps its London clock and says so; the order stays by instant."""
    fill(journal)
    clock = FixedClock(datetime(2026, 11, 23, 8, 40, tzinfo=LONDON), TOKYO)
    rows = await history_rows(RpltrackApp(journal=journal, clock=clock))
    assert rows == [
        ["Sun 22 Nov", "", "paracetamol", "500 mg", "taken 14:00 GMT (London) (as needed)", ""],
        ["Sun 22 Nov", "08:00 GMT (London)", "aspirin", "81 mg", "taken 08:10", ""],
        ["Sat 21 Nov", "08:00 GMT (London)", "aspirin", "", "skipped: nausea", ""],
        ["Fri 20 Nov", "08:00 GMT (London)", "aspirin", "81 mg", MISSED_WORDS, ""],
    ]


async def test_history_leaves_out_doses_before_the_medication_was_entered(journal, clock):
    """Entered this morning with a start of 20 Nov: the older doses were not tracked, so none is missed."""
    journal.add_medication(medication("aspirin", "81 mg", "08:00"), clock.now() - timedelta(minutes=30))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert app.screen.query_one("#history", DataTable).row_count == 0
        assert app.screen.has_class("-empty")
        assert str(app.screen.query_one("#history-empty", Static).render()) == EMPTY_TEXT
