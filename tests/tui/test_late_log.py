"""Logging late on Today (#13): a dose marked taken more than the grace period after its time asks "taken
when?" — at its time (the default), now, or a time she types — and is stored as `rpltrack take --at` stores
it, "logged later" when the time is well before now."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import Input, Static

from rpltrack.cli.main import main
from rpltrack.clock import FixedClock
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseLog
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.forms import SitePicker
from rpltrack.tui.screens.today import TakenWhenDialog, TodayScreen, parse_taken_at
from rpltrack.tui.widgets.dose_list import DoseList
from tests.tui.helpers import SIZE, add_med, notices


def logs_of(path: Path, clock: FixedClock) -> list[DoseLog]:
    with Journal.open(path) as reopened:
        return reopened.logs_between(clock.now().replace(hour=0), clock.now().replace(hour=23))


def at(clock: FixedClock, hour: int, minute: int = 0) -> datetime:
    return clock.now().replace(hour=hour, minute=minute, second=0, microsecond=0)


def state_cells(app: RpltrackApp) -> list[str]:
    return [row[-1][0] for row in app.screen.query_one(DoseList).rendered_rows()]


async def test_within_the_grace_period_t_saves_at_once(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")  # 08:40: 40 minutes late, grace 2 h
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    [log] = logs_of(journal.path, clock)
    assert (log.taken_at, log.logged_later) == (clock.now(), False)


async def test_exactly_at_the_end_of_the_grace_period_nothing_is_asked(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    clock.set(at(clock, 10))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)


async def test_past_the_grace_period_enter_takes_its_scheduled_time_logged_later(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    clock.set(at(clock, 10, 30))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TakenWhenDialog)
        title = str(app.screen.query_one(".dialog-title", Static).render())
        assert title == "aspirin 81 mg was due at 08:00. When did you take it?"
        await pilot.press("enter")  # the default: at its time
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert state_cells(app) == ["taken 08:00, logged later"]
        assert "Saved: aspirin taken at 08:00, logged later — u to undo." in notices(app)
    [log] = logs_of(journal.path, clock)
    assert (log.taken_at, log.logged_at, log.logged_later) == (at(clock, 8), clock.now(), True)


async def test_now_takes_the_time_of_the_press_and_is_not_logged_later(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    clock.set(at(clock, 10, 30))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "down", "enter")
        await pilot.pause()
        assert state_cells(app) == ["taken 10:30"]
    [log] = logs_of(journal.path, clock)
    assert (log.taken_at, log.slot_at, log.logged_later) == (at(clock, 10, 30), at(clock, 8), False)


@pytest.mark.parametrize(
    ("typed", "hour", "minute"),
    [("09:15", 9, 15), ("9.15", 9, 15), ("2026-11-23 09:05", 9, 5)],
    ids=["hh-mm", "dot", "date-and-time"],
)
async def test_a_typed_time_is_stored_as_that_time_logged_later(journal, clock, typed, hour, minute):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    clock.set(at(clock, 10, 30))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "down", "down", "enter")
        await pilot.pause()
        assert app.screen.query_one("#taken-when-at", Input).has_focus
        await pilot.press(*typed, "enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    [log] = logs_of(journal.path, clock)
    assert (log.taken_at, log.logged_later) == (at(clock, hour, minute), True)


async def test_a_time_still_to_come_is_refused_beside_the_field_and_can_be_corrected(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    clock.set(at(clock, 10, 30))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "down", "down", "enter", *"11:00", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TakenWhenDialog)
        error = app.screen.query_one("#taken-when-error", Static)
        assert error.display
        assert str(error.render()) == (
            "11:00 on Mon 23 Nov is still to come (it is 10:30 now): type the time you took it."
        )
        app.screen.query_one("#taken-when-at", Input).value = "10:05"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    [log] = logs_of(journal.path, clock)
    assert log.taken_at == at(clock, 10, 5)


async def test_escape_in_the_question_saves_nothing(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    clock.set(at(clock, 10, 30))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert logs_of(journal.path, clock) == []


async def test_the_question_follows_her_grace_setting(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    journal.set_setting("reminders.grace", "30m", clock.now())  # 08:40 is now past the grace
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TakenWhenDialog)


async def test_a_late_injection_asks_when_then_where(journal, clock):
    add_med(journal, clock, "Lovenox", "40 mg", "08:00")
    clock.set(at(clock, 11))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SitePicker)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    [log] = logs_of(journal.path, clock)
    assert (log.taken_at, log.logged_later, log.site is not None) == (at(clock, 8), True, True)


async def test_the_app_stores_a_late_dose_as_take_at_does(journal, clock, tmp_path):
    """The same dose, logged at 10:30 for 08:00 from the app and with `rpltrack take --at`: the same row."""
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    clock.set(at(clock, 10, 30))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "enter")
        await pilot.pause()

    other = tmp_path / "cli.db"
    with Journal.open(other, now=clock.now()) as cli_journal:
        add_med(cli_journal, clock, "aspirin", "81 mg", "08:00")
    with freeze_time("2026-11-23 10:30:00"):  # London is on UTC in November
        argv = ["--db", str(other), "--tz", "Europe/London", "take", "aspirin", "--at", "2026-11-23 08:00"]
        assert main(argv) == 0

    def dose_row(path: Path) -> dict[str, Any]:
        conn = sqlite3.connect(path)
        conn.row_factory = sqlite3.Row
        try:
            row = dict(conn.execute("SELECT * FROM doses").fetchone())
        finally:
            conn.close()
        row.pop("id")
        return row

    assert dose_row(journal.path) == dose_row(other)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "No time given: type a time as HH:MM, like 09:15, or as YYYY-MM-DD HH:MM."),
        (
            "banana",
            "Cannot read the time 'banana': type a time as HH:MM, like 09:15, or as YYYY-MM-DD HH:MM.",
        ),
        ("25:00", "Cannot read the time '25:00': type a time as HH:MM, like 09:15, or as YYYY-MM-DD HH:MM."),
        (
            "2026-11-31 08:00",
            "Cannot read the time '2026-11-31 08:00': type a time as HH:MM, like 09:15, or as "
            "YYYY-MM-DD HH:MM.",
        ),
        (
            "2026-11-22 18:00",
            "18:00 on Sun 22 Nov is more than 12 hours from this dose's time (08:00 on Mon 23 "
            "Nov): type when you took this dose.",
        ),
        (
            "x" * 200,
            f"Cannot read the time '{'x' * 80}': type a time as HH:MM, like 09:15, or as YYYY-MM-DD HH:MM.",
        ),
    ],
    ids=["empty", "words", "no-such-hour", "no-such-day", "another-dose", "long-input-quoted-short"],
)
def test_parse_taken_at_refuses_with_a_sentence(clock, typed, message):
    with pytest.raises(ValidationError) as caught:
        parse_taken_at(typed, at(clock, 8), at(clock, 10, 30), clock.zone)
    assert caught.value.message == message
    assert caught.value.field == "at"


def test_parse_taken_at_reads_a_time_on_the_doses_day_in_her_zone(clock):
    assert parse_taken_at(" 7:45 ", at(clock, 8), at(clock, 10, 30), clock.zone) == at(clock, 7, 45)
    assert parse_taken_at("2026-11-22 23:30", at(clock, 8), at(clock, 10, 30), clock.zone) == at(
        clock, 8
    ) - timedelta(hours=8, minutes=30)
