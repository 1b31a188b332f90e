"""The Today screen: marking doses taken or skipped, undo, injection sites, read-only and failed saves."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from textual.widgets import OptionList, Static

from rpltrack.domain.models import DoseStatus
from rpltrack.store.db import NotSaved
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.forms import ReasonDialog, SitePicker
from rpltrack.tui.screens.today import EMPTY_TEXT, TakenWhenDialog, TodayScreen
from rpltrack.tui.widgets.dose_list import OVERDUE, TAKEN, DoseList
from tests.tui.helpers import SIZE, add_med, flags_counted, notices, statuses


def cells(app: RpltrackApp) -> list[tuple[tuple[str, str | None], ...]]:
    """Each row of the dose list as drawn: (text, component class) for time, medication, amount and state."""
    return app.screen.query_one(DoseList).rendered_rows()


def rows(app: RpltrackApp) -> list[str]:
    """Each dose row as 'time | medication | amount | state'."""
    return [" | ".join(plain for plain, _ in row) for row in cells(app)]


def state_styles(app: RpltrackApp) -> list[str | None]:
    """The component class (colour) of each row's state cell."""
    return [row[-1][1] for row in cells(app)]


async def test_today_lists_doses_in_time_order_with_the_date(journal, clock):
    add_med(journal, clock, "prednisone", "5 mg", "08:00,20:00")
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert str(app.screen.query_one("#today-date", Static).render()) == "Monday 23 November"
        assert rows(app) == [
            "08:00 | aspirin | 81 mg | overdue",
            "08:00 | prednisone | 5 mg | overdue",
            "20:00 | prednisone | 5 mg | due",
        ]
        assert state_styles(app) == [OVERDUE, OVERDUE, None]


async def test_t_marks_the_highlighted_dose_taken(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert rows(app) == ["08:00 | aspirin | 81 mg | taken 08:40"]
        assert state_styles(app) == [TAKEN]
        assert "Saved: aspirin taken at 08:40 — u to undo." in notices(app)
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.TAKEN)]


async def test_t_in_the_afternoon_logs_the_missed_morning_dose_like_the_cli(journal, clock):
    """At 13:36 with the 08:00 dose missed and the 20:00 one due, the first press means the morning dose,
    as `rpltrack take` would (domain.doses.likely_now), not the evening one (taken now, when asked)."""
    add_med(journal, clock, "prednisone", "5 mg", "08:00,20:00")
    clock.set(clock.now().replace(hour=13, minute=36))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TakenWhenDialog)
        await pilot.press("down", "enter")  # "Now, 13:36"
        await pilot.pause()
        assert rows(app) == ["08:00 | prednisone | 5 mg | taken 13:36", "20:00 | prednisone | 5 mg | due"]
    assert statuses(journal.path, clock) == [("prednisone", DoseStatus.TAKEN), ("prednisone", DoseStatus.DUE)]


async def test_t_on_a_dose_already_taken_changes_nothing(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "t")
        await pilot.pause()
        assert any(n.startswith("Already logged") for n in notices(app))
    assert journal.count("doses") == 1


async def test_down_then_t_marks_the_second_dose(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    add_med(journal, clock, "folic acid", "0.4 mg", "09:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "t")
        await pilot.pause()
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE), ("folic acid", DoseStatus.TAKEN)]


async def test_clicking_a_row_highlights_it(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    add_med(journal, clock, "folic acid", "0.4 mg", "09:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(DoseList, offset=(10, 2))  # line 0 is the header, line 2 the second dose
        await pilot.press("t")
        await pilot.pause()
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE), ("folic acid", DoseStatus.TAKEN)]


async def test_the_highlighted_dose_stays_in_view_when_the_list_is_taller_than_the_screen(journal, clock):
    for hour in range(9, 21):
        add_med(journal, clock, f"med {hour}", "1 mg", f"{hour:02d}:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=(110, 12)) as pilot:
        doses = app.screen.query_one(DoseList)
        await pilot.press("end")
        await pilot.pause()
        last_line = doses.render_line(doses.size.height - 1).text
        assert doses.size.height < 13
        assert doses.highlighted_view is not None
        assert doses.highlighted_view.medication.name == "med 20"
        assert "med 20" in last_line
        await pilot.press("home")
        await pilot.pause()
        assert "Time" in doses.render_line(0).text
        assert "med 9 " in doses.render_line(1).text
        await pilot.press("pagedown")
        await pilot.pause()
        assert doses.highlighted_view is not None
        assert doses.highlighted_view.medication.name == f"med {9 + doses.size.height - 1}"


async def test_s_skips_with_a_reason(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press(*"felt sick", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert rows(app) == ["08:00 | aspirin | 81 mg | skipped: felt sick"]
    with Journal.open(journal.path) as reopened:
        [view] = reopened.day(clock.today(), clock.zone, clock.now())
    assert view.status is DoseStatus.SKIPPED
    assert view.log is not None
    assert view.log.reason == "felt sick"


async def test_escape_in_the_skip_dialog_saves_nothing(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE)]


async def test_u_undoes_the_last_change(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert statuses(journal.path, clock) == [("aspirin", DoseStatus.TAKEN)]
        await pilot.press("u")
        await pilot.pause()
        assert rows(app) == ["08:00 | aspirin | 81 mg | overdue"]
        assert any(n.startswith("Undo: Undone: took aspirin") for n in notices(app))
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE)]


async def test_an_injection_asks_for_the_site_with_the_next_in_rotation_chosen(journal, clock):
    lovenox = add_med(journal, clock, "Lovenox", "40 mg", "08:00", start="2026-11-22")
    assert lovenox.id is not None
    yesterday = clock.now() - timedelta(days=1)
    journal.record_dose(
        lovenox,
        DoseStatus.TAKEN,
        yesterday,
        clock.zone,
        slot_at=yesterday.replace(hour=8, minute=0),
        site="left abdomen",
    )
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, SitePicker)
        options = app.screen.query_one(OptionList)
        assert options.highlighted is not None
        assert options.get_option_at_index(options.highlighted).id == "right abdomen"
        await pilot.press("enter")
        await pilot.pause()
        assert rows(app) == ["08:00 | Lovenox | 40 mg | taken 08:40 · right abdomen"]
    with Journal.open(journal.path) as reopened:
        assert reopened.last_site(lovenox.id) == "right abdomen"


async def test_escape_in_the_site_picker_saves_nothing(journal, clock):
    add_med(journal, clock, "Lovenox", "40 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert statuses(journal.path, clock) == [("Lovenox", DoseStatus.DUE)]


async def test_a_read_only_journal_shows_a_banner_and_refuses_writes(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    journal.close()
    with sqlite3.connect(journal.path) as conn:
        conn.execute("PRAGMA user_version = 99")
    readonly = Journal.open(journal.path)
    assert readonly.readonly
    app = RpltrackApp(journal=readonly, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        banner = str(app.screen.query_one("#readonly-banner", Static).render())
        assert banner.startswith("This journal was made by a newer rpltrack")
        assert "Read-only: This journal is read-only, so nothing was changed." in notices(app)
        assert rows(app) == ["08:00 | aspirin | 81 mg | overdue"]
    readonly.close()


async def test_a_failed_save_says_not_saved(journal, clock, monkeypatch: pytest.MonkeyPatch):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")

    def fail(*args: object, **kwargs: object) -> None:
        raise NotSaved("NOT saved: disk I/O error")

    monkeypatch.setattr(journal, "record_dose", fail)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert any("NOT saved — your entry is kept" in n for n in notices(app))
        assert not any(n.startswith("Saved") for n in notices(app))
        assert rows(app) == ["08:00 | aspirin | 81 mg | overdue"]


async def test_no_doses_shows_the_gentle_empty_state(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        empty = app.screen.query_one("#today-empty", Static)
        assert empty.display
        assert str(empty.render()) == EMPTY_TEXT
        assert not app.screen.query_one(DoseList).display


async def test_today_counts_the_things_to_raise_and_says_nothing_when_there_are_none(journal, clock):
    from datetime import date

    from rpltrack.domain.labcatalog import parse_lab_value, resolve
    from rpltrack.domain.labs import LabResult
    from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy

    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await flags_counted(pilot)
        assert not app.screen.query_one("#today-flags", Static).display
    tsh = resolve("TSH")
    journal.add_lab(LabResult(tsh.key, date(2026, 11, 2), parse_lab_value(tsh, "3.1")), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await flags_counted(pilot)
        line = app.screen.query_one("#today-flags", Static)
        assert line.display
        assert str(line.render()) == "1 thing to raise with your care team — press 8"
        for on in (date(2026, 3, 10), date(2026, 7, 4)):
            journal.add_pregnancy(Pregnancy(None, Outcome.BIOCHEMICAL, on, 35, Confirmation.HCG), clock.now())
        await pilot.press("8", "a", "enter", "1")  # acknowledge one on Flags, then back to Today
        await flags_counted(pilot)
        assert isinstance(app.screen, TodayScreen)
        assert str(line.render()) == "1 thing to raise with your care team — press 8"
        await pilot.press("8", "tab", "b", "1")
        await flags_counted(pilot)
        assert str(line.render()) == "2 things to raise with your care team — press 8"


async def test_the_refresh_timer_moves_an_open_dose_to_missed(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(hours=4))
        await app.tick()
        await pilot.pause()
        assert rows(app) == ["08:00 | aspirin | 81 mg | missed"]
        assert str(app.screen.query_one("#today-clock", Static).render()) == "12:40"


async def test_after_midnight_today_shows_the_new_day(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        clock.advance(timedelta(hours=16))
        await app.tick()
        await pilot.pause()
        assert str(app.screen.query_one("#today-date", Static).render()) == "Tuesday 24 November"
        assert rows(app) == ["08:00 | aspirin | 81 mg | due"]


async def test_the_palette_offers_taken_and_runs_it(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Taken")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.TAKEN)]


async def test_the_header_says_where_she_is_in_the_cycle(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        heading = str(demo_app.screen.query_one("#today-date", Static).render())
    # Pregnant (an ongoing pregnancy from the day-5 transfer of 30 Oct): the due date ends the header (#15).
    assert heading == "Monday 23 November · CD 44 · 24dp5dt · 6w 1d · due 18 Jul 2027"


async def test_today_reads_the_journal_once_before_its_first_paint(demo_journal, clock, monkeypatch):
    reads: list[str] = []
    original = TodayScreen.reload

    async def counted(self: TodayScreen) -> None:
        reads.append("reload")
        await original(self)

    monkeypatch.setattr(TodayScreen, "reload", counted)
    app = RpltrackApp(journal=demo_journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert reads == ["reload"]
        # Coming back to Today with the journal as it was reads nothing again: switching stays instant.
        await pilot.press("2", "1")
        await pilot.pause()
        assert reads == ["reload"]
        # Once another connection (the command line) wrote, coming back reads again.
        with Journal.open(demo_journal.path) as other:
            add_med(other, clock, "vitamin D", "1000 units", "09:00")
        await pilot.press("2", "1")
        await pilot.pause()
        assert reads == ["reload", "reload"]


async def test_l_logs_an_as_needed_dose_taken_now(journal, clock):
    from rpltrack.domain.medspec import MedicationInput, build_medication

    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    for name in ("paracetamol", "ondansetron"):
        med = build_medication(MedicationInput(name=name, dose="4 mg", prn=True), clock.zone, clock.now())
        journal.add_medication(med, clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        options = app.screen.query_one("#prn-options", OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == [
            "ondansetron 4 mg",
            "paracetamol 4 mg",
        ]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert "08:40 | paracetamol | 4 mg | taken 08:40 (as needed)" in rows(app)
        assert "Saved: paracetamol taken at 08:40 (as needed) — u to undo." in notices(app)
    with Journal.open(journal.path) as reopened:
        logs = reopened.logs_between(clock.now().replace(hour=0), clock.now().replace(hour=23))
    assert [(log.status, log.slot_at) for log in logs] == [(DoseStatus.TAKEN, None)]


async def test_l_without_an_as_needed_medication_says_so(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert any("no as-needed medication" in n for n in notices(app))
    assert journal.count("doses") == 0
