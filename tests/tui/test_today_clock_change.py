"""The Today screen on clock-change days (RELIABILITY C3): the dose that comes sooner or later than usual
after the previous one says by how much; the other doses and ordinary days look as always."""

from __future__ import annotations

from datetime import datetime

from rpltrack.domain.models import DoseStatus
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.forms import SitePicker
from rpltrack.tui.widgets.dose_list import OVERDUE, QUIET, TAKEN, DoseList
from tests.conftest import LONDON
from tests.tui.helpers import SIZE, add_med, statuses

# London's clocks go forward on Sunday 28 March 2027 and back on Sunday 31 October 2027.
SPRING_FORWARD = datetime(2027, 3, 28, 8, 30, tzinfo=LONDON)
FALL_BACK = datetime(2027, 10, 31, 8, 30, tzinfo=LONDON)


def rows(app: RpltrackApp) -> list[str]:
    """Each dose row as drawn: 'time | medication | amount | state'."""
    return [" | ".join(plain for plain, _ in row) for row in app.screen.query_one(DoseList).rendered_rows()]


async def test_today_shows_the_gap_on_the_doses_a_clock_change_moved(journal, clock):
    """Entered on 23 November 2026; at 08:30 on spring-forward day the 08:00 doses are overdue and say they
    come 11 h (twice daily) and 23 h (daily) after the last one; 20:00 is 12 h after 08:00, as usual."""
    add_med(journal, clock, "enoxaparin", "40 mg", "08:00,20:00")
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    clock.set(SPRING_FORWARD)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert rows(app) == [
            "08:00 | aspirin | 81 mg | overdue · 23 h after the last dose (clock change)",
            "08:00 | enoxaparin | 40 mg | overdue · 11 h after the last dose (clock change)",
            "20:00 | enoxaparin | 40 mg | due",
        ]
        dose_list = app.screen.query_one(DoseList)
        assert [row[-1][1] for row in dose_list.rendered_rows()] == [OVERDUE, OVERDUE, None]
        # Drawn, the state keeps its overdue colour and the note beside it is quiet, nothing louder.
        line = dose_list.render_line(1)
        colours = {seg.text.strip(): seg.style.color for seg in line if seg.text.strip() and seg.style}
        assert colours["overdue"] == dose_list.cell_style(OVERDUE).color
        assert colours["· 23 h after the last dose (clock change)"] == dose_list.cell_style(QUIET).color
        assert dose_list.cell_style(QUIET).color != dose_list.cell_style(OVERDUE).color


async def test_taking_the_dose_keeps_the_gap_beside_the_time_taken(journal, clock):
    add_med(journal, clock, "enoxaparin", "40 mg", "08:00,20:00")
    clock.set(FALL_BACK)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert (
            rows(app)[0] == "08:00 | enoxaparin | 40 mg | overdue · 13 h after the last dose (clock change)"
        )
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, SitePicker)  # an injection: where, first suggested site
        await pilot.press("enter")
        await pilot.pause()
        assert rows(app) == [
            "08:00 | enoxaparin | 40 mg | taken 08:30 · left abdomen"
            " · 13 h after the last dose (clock change)",
            "20:00 | enoxaparin | 40 mg | due",
        ]
        assert app.screen.query_one(DoseList).rendered_rows()[0][-1][1] == TAKEN
    assert statuses(journal.path, clock) == [("enoxaparin", DoseStatus.TAKEN), ("enoxaparin", DoseStatus.DUE)]


async def test_an_ordinary_day_has_no_clock_change_note(journal, clock):
    add_med(journal, clock, "enoxaparin", "40 mg", "08:00,20:00")
    clock.set(SPRING_FORWARD.replace(day=29))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert rows(app) == ["08:00 | enoxaparin | 40 mg | overdue", "20:00 | enoxaparin | 40 mg | due"]
