"""The Plan screen and the month of adherence (#18): the doses of a day are Today's of that day, the heading
says where she is as `rpltrack plan` does, arrows move through the days and months; the welcome stays shut
for a journal holding only a treatment session."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from rpltrack.clock import FixedClock
from rpltrack.domain.adherence_month import DayMark
from rpltrack.domain.sessions import SessionKind, TreatmentSession
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.adherence import AdherenceScreen, cell_words
from rpltrack.tui.screens.plan import PlanScreen
from rpltrack.tui.screens.today import TodayScreen
from rpltrack.tui.widgets.dose_list import DoseList
from tests.conftest import LONDON, NOW
from tests.tui.helpers import SIZE


def today_rows(app: Any) -> list[tuple[str, ...]]:
    """Today's dose rows as drawn: time, medication, amount, state."""
    doses = app.screen.query_one("#doses", DoseList)
    return [tuple(text for text, _ in row) for row in doses.rendered_rows()]


def plan_text(app: Any) -> str:
    from rich.console import Console

    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(app.screen.query_one("#plan-day").content)
    return console.export_text()


async def open_plan(pilot: Any) -> PlanScreen:
    await pilot.press("p")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, PlanScreen)
    return screen


# Days around the demo's Monday: the transfer's weeks before, a clinic visit ahead, a prednisone last day.
@pytest.mark.parametrize("offset", [-40, -9, -1, 0, 3, 6, 14], ids=lambda n: f"day{n:+d}")
@pytest.mark.parametrize("hour", [6, 12, 21])
async def test_the_plans_doses_of_a_day_are_todays_of_that_day(demo_journal, offset, hour):
    """Property (issue 18, for the app): on the clock of any day, at any hour, the Plan screen's doses of that
    day are exactly Today's rows (`today --as-of`), and so are they after moving away and back."""
    day = NOW.date() + timedelta(days=offset)
    clock = FixedClock(datetime.combine(day, time(hour, 30), tzinfo=LONDON), LONDON)
    app = RpltrackApp(journal=demo_journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        expected = today_rows(app)
        plan = await open_plan(pilot)
        assert plan.shown_day == day
        assert plan.dose_rows == expected
        await pilot.press("left", "left", "right", "right")
        await pilot.pause()
        assert plan.dose_rows == expected


async def test_a_day_ahead_has_the_doses_today_will_show_that_day(demo_journal, clock):
    """Moving to a day ahead shows the doses that day's Today lists (its states are still to come)."""
    app = RpltrackApp(journal=demo_journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        plan = await open_plan(pilot)
        await pilot.press("right", "right", "right")
        await pilot.pause()
        ahead = [row[:3] for row in plan.dose_rows]
    later = FixedClock(NOW + timedelta(days=3), LONDON)
    app = RpltrackApp(journal=demo_journal, clock=later)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert ahead == [row[:3] for row in today_rows(app)]


async def test_the_heading_says_where_she_is_and_the_day_shows_the_visit(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        plan = await open_plan(pilot)
        heading = str(plan.query_one("#plan-heading").render())
        assert heading == "Plan · Monday 23 November · CD 44 · 24dp5dt · 6w 1d"
        assert str(plan.query_one("#plan-when").render()) == "today"
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert str(plan.query_one("#plan-heading").render()).startswith("Plan · Thursday 26 November · CD 47")
        assert str(plan.query_one("#plan-when").render()) == "in 3 days"
        text = plan_text(demo_app)
        # The visit among the doses, in time order (after the 08:00 doses, before the 20:00 ones).
        assert "14:00  Appointment: Dr Lee (hematologist) — anticoagulation in pregnancy" in text
        assert text.index("08:00") < text.index("14:00") < text.index("20:00")
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert "Pregnancy  7 weeks (7w 0d)" in plan_text(demo_app)
        await pilot.press("t")
        await pilot.pause()
        assert plan.shown_day == NOW.date()
        await pilot.press("left")
        await pilot.pause()
        assert str(plan.query_one("#plan-when").render()) == "yesterday"
        await pilot.press("home")
        await pilot.pause()
        assert plan.shown_day == NOW.date()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(demo_app.screen, TodayScreen)


async def test_the_last_day_of_a_medication_is_said_on_its_day(demo_app):
    """The CLI's notes, on the day they fall: prednisone's last day two weeks ahead."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_plan(pilot)
        await pilot.press(*["right"] * 14)
        await pilot.pause()
        assert "Last day  last day of prednisone" in plan_text(demo_app)


async def test_a_day_with_nothing_says_so(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_plan(pilot)
        assert "Nothing scheduled on this day." in plan_text(app)


async def test_the_palette_opens_the_plan_from_another_section(demo_app):
    from rpltrack.tui.commands import RpltrackCommands

    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        provider = RpltrackCommands(demo_app.screen)
        commands = {c.name: c for c in provider.commands()}
        assert {"Plan of the coming days", "Adherence month", "Search your journal"} <= set(commands)
        commands["Plan of the coming days"].run()
        await pilot.pause()
        assert isinstance(demo_app.screen, PlanScreen)


# -- the month of adherence ---------------------------------------------------------------------------------


def marks(screen: AdherenceScreen) -> dict[date, DayMark]:
    assert screen.tally is not None
    return {t.day: t.mark for t in screen.tally.days}


async def test_m_on_the_plan_opens_the_month_and_arrows_move_by_months(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_plan(pilot)
        await pilot.press("m")
        await pilot.pause()
        month = demo_app.screen
        assert isinstance(month, AdherenceScreen)
        assert (month.year, month.month) == (2026, 11)
        found = marks(month)
        # Today at 08:40: the morning doses decided (Lovenox overdue is not decided yet), later ones to come.
        assert found[date(2026, 11, 24)] is DayMark.NOTHING_DUE
        assert set(found.values()) <= set(DayMark)
        summary = str(month.query_one("#month-summary").render())
        assert "scheduled doses taken" in summary
        await pilot.press("left")
        await pilot.pause()
        assert (month.year, month.month) == (2026, 10)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert (month.year, month.month) == (2026, 11)
        await pilot.press("right")  # December is still to come: it stays on November and says so
        await pilot.pause()
        assert (month.year, month.month) == (2026, 11)
        await pilot.press("left", "left", "t")
        await pilot.pause()
        assert (month.year, month.month) == (2026, 11)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(demo_app.screen, PlanScreen)


async def test_the_month_tallies_taken_skipped_and_missed_days(journal, clock):
    """Aspirin daily at 08:00 from 1 Nov: 20 Nov taken, 21 Nov skipped, 22 Nov never logged; each day says so
    by symbol and count, not by colour alone."""
    from tests.tui.helpers import add_med

    entered = FixedClock(datetime(2026, 11, 19, 18, 0, tzinfo=LONDON), LONDON)  # the evening before
    med = add_med(journal, entered, "aspirin", "81 mg", "08:00", start="2026-11-20")
    at = clock.now()
    from rpltrack.domain.models import DoseStatus

    for day, status in ((20, DoseStatus.TAKEN), (21, DoseStatus.SKIPPED)):
        slot = datetime(2026, 11, day, 8, 0, tzinfo=LONDON)
        taken_at = slot if status is DoseStatus.TAKEN else None
        journal.record_dose(med, status, at, LONDON, slot_at=slot, at=taken_at)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "m")
        await pilot.pause()
        month = app.screen
        assert isinstance(month, AdherenceScreen)
        found = marks(month)
        assert found[date(2026, 11, 20)] is DayMark.ALL_TAKEN
        assert found[date(2026, 11, 21)] is DayMark.SKIPPED
        assert found[date(2026, 11, 22)] is DayMark.NONE_LOGGED
        assert found[date(2026, 11, 23)] is DayMark.TO_COME  # 08:40: the 08:00 dose is still in its grace
        assert found[date(2026, 11, 19)] is DayMark.NOTHING_DUE
        assert month.tally is not None
        by_day = {t.day: t for t in month.tally.days}
        assert cell_words(by_day[date(2026, 11, 20)]) == "20 ✓ 1/1"
        assert cell_words(by_day[date(2026, 11, 22)]) == "22 ○ 0/1"
        summary = str(month.query_one("#month-summary").render())
        assert summary == "1 day all taken, 1 day skipped, 1 day none logged · 1 of 3 scheduled doses taken"


# -- the welcome ------------------------------------------------------------------------------------------


async def test_a_journal_holding_only_a_session_does_not_open_the_welcome(journal, clock):
    """RECORD_TABLES counts treatment sessions (and planned courses): her journal is not empty."""
    journal.add_session(TreatmentSession(date(2026, 11, 2), SessionKind.LIT), clock.now())
    with Journal.open(journal.path) as reopened:
        assert reopened.count("sessions") == 1
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
