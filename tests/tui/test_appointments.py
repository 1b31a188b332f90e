"""The Appointments screen (#5): the lists and detail, the forms, flags as questions, recording the visit
(flags marked raised), cancelling, and the next appointment on Today. Every write is proved on disk."""

from __future__ import annotations

import io
import sqlite3
from datetime import date, datetime
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Input, OptionList, SelectionList, Static

from rpltrack.clock import FixedClock
from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.labcatalog import parse_lab_value, resolve
from rpltrack.domain.labs import LabResult
from rpltrack.flags.model import MarkState
from rpltrack.store.db import NotSaved
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.appointment_form import AppointmentForm, VisitForm
from rpltrack.tui.screens.appointments import EMPTY_TEXT, AppointmentsScreen
from rpltrack.tui.screens.base import NOT_SAVED
from rpltrack.tui.screens.entry_form import EntryForm
from rpltrack.tui.screens.forms import ConfirmDialog
from rpltrack.tui.screens.today import TodayScreen
from tests.tui.helpers import SIZE, field_error, fill_and_save, flags_counted, notices

TSH_KEY = "tsh-above-target:lab1"
TSH_QUESTION = "TSH above target: Ask your care team"


def at(clock: FixedClock, day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=clock.zone)


def add_appt(
    journal: Journal, clock: FixedClock, when: datetime, kind: AppointmentKind, **more: Any
) -> Appointment:
    return journal.add_appointment(Appointment(when, kind, **more), clock.now())


def tsh_above_target(journal: Journal, clock: FixedClock) -> None:
    """A TSH of 3.1 with no pregnancy (above 2.5) on 2 Nov: one active flag, 'TSH above target'."""
    tsh = resolve("TSH")
    journal.add_lab(LabResult(tsh.key, date(2026, 11, 2), parse_lab_value(tsh, "3.1")), clock.now())


def reopened(journal: Journal) -> list[Appointment]:
    """The appointments as a freshly opened journal sees them (proves the write reached the file)."""
    with Journal.open(journal.path) as fresh:
        return fresh.appointments()


def titles(app: Any, name: str) -> list[str]:
    """Each option of a list ('upcoming' or 'past') as its two lines joined by ' | '."""
    options = app.screen.query_one(f"#appts-{name}", OptionList)
    return [str(option.prompt).replace("\n", " | ") for option in options.options]


def info(app: Any) -> str:
    """The detail pane as plain text."""
    console = Console(file=io.StringIO(), width=100, record=True)
    screen = app.screen
    appt = screen.selected()  # the pane in its parts (#18: the questions are a list Space ticks)
    console.print(
        screen.info(appt) if appt is not None else screen.query_one("#appt-info-text", Static).content
    )
    return console.export_text()


async def open_appointments(pilot: Any) -> None:
    await pilot.press("9")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AppointmentsScreen)


# -- the lists ------------------------------------------------------------------------------------


async def test_upcoming_soonest_first_and_past_newest_first_with_the_detail(journal, clock):
    add_appt(journal, clock, at(clock, 4, 8, month=12), AppointmentKind.LAB)
    add_appt(
        journal,
        clock,
        at(clock, 30, 10, 15),
        AppointmentKind.RE,
        with_name="Dr Lee",
        where="City Fertility",
        purpose="results review",
        questions=(Question("Should I keep taking aspirin?"),),
    )
    add_appt(journal, clock, at(clock, 2, 9, 30), AppointmentKind.HEMATOLOGY, with_name="Dr Okafor")
    scan = add_appt(journal, clock, at(clock, 20, 14), AppointmentKind.ULTRASOUND)
    journal.edit_appointment(scan.id or 0, clock.now(), cancelled=True)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        assert titles(app, "upcoming") == [
            "Dr Lee (reproductive endocrinologist) | Mon 30 Nov 2026 · 10:15 · 1 question",
            "Blood draw | Fri 4 Dec 2026 · 08:00",
        ]
        assert titles(app, "past") == [
            "Ultrasound | Fri 20 Nov 2026 · 14:00 · cancelled",
            "Dr Okafor (hematologist) | Mon 2 Nov 2026 · 09:30 · not recorded yet — press v",
        ]
        shown = info(app)
        assert shown.startswith("Dr Lee (reproductive endocrinologist)\nMonday 30 November 2026 at 10:15\n")
        assert "Where: City Fertility" in shown
        assert "For: results review" in shown
        assert "[ ] Should I keep taking aspirin?" in shown
        await pilot.press("tab")  # to the past list
        await pilot.pause()
        assert "Cancelled — kept in your record." in info(app)
        await pilot.press("down")
        await pilot.pause()
        assert "After the visit, press v to record what was decided." in info(app)


async def test_no_appointments_is_said_gently(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        empty = app.screen.query_one("#appts-empty", Static)
        assert empty.display
        assert str(empty.render()) == EMPTY_TEXT
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, AppointmentsScreen)
        assert f"Appointments: {EMPTY_TEXT}" in notices(app)


# -- adding and changing --------------------------------------------------------------------------


async def test_a_adds_an_appointment_through_the_form_and_it_is_on_disk(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AppointmentForm)
        await fill_and_save(
            pilot,
            when="2026-11-30 10:15",
            kind="re",
            **{"with": "Dr Lee", "where": "City Fertility", "purpose": "results review"},
        )
        assert isinstance(app.screen, AppointmentsScreen)
        said = "Saved: Dr Lee (reproductive endocrinologist), Mon 30 Nov 2026 · 10:15 — u to undo."
        assert said in notices(app)
        assert titles(app, "upcoming") == ["Dr Lee (reproductive endocrinologist) | Mon 30 Nov 2026 · 10:15"]
    [saved] = reopened(journal)
    assert saved.at == at(clock, 30, 10, 15)
    assert (saved.kind, saved.with_name, saved.where, saved.purpose) == (
        AppointmentKind.RE,
        "Dr Lee",
        "City Fertility",
        "results review",
    )


async def test_a_bad_time_shows_beside_the_field_and_nothing_is_saved(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        await fill_and_save(pilot, when="30/11 10:15", **{"with": "Dr Lee"})
        assert app.screen is form
        assert "Cannot read the time '30/11 10:15'" in field_error(app, "when")
        assert form.query_one("#entry-with", Input).value == "Dr Lee"  # her entry is kept
        await fill_and_save(pilot, when="2026-11-30 10:15")  # no kind chosen yet
        assert app.screen is form
        assert field_error(app, "when") == ""
        assert "Choose who the appointment is with" in field_error(app, "kind")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AppointmentsScreen)
    assert reopened(journal) == []


async def test_a_write_that_does_not_reach_the_disk_keeps_the_form_and_her_entry(
    journal, clock, monkeypatch: pytest.MonkeyPatch
):
    def not_saved(appt: Appointment, now: datetime) -> Appointment:
        raise NotSaved("disk full")

    monkeypatch.setattr(journal, "add_appointment", not_saved)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill_and_save(pilot, when="2026-11-30 10:15", kind="ob", **{"with": "Dr Shah"})
        assert isinstance(app.screen, AppointmentForm)
        assert str(app.screen.query_one("#form-error", Static).render()) == NOT_SAVED
        assert app.screen.query_one("#entry-with", Input).value == "Dr Shah"
        assert not any(n.startswith("Saved") for n in notices(app))
    assert reopened(journal) == []


async def test_e_changes_the_highlighted_appointment(journal, clock):
    add_appt(journal, clock, at(clock, 30, 10, 15), AppointmentKind.RE, with_name="Dr Lee")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AppointmentForm)
        assert form.query_one("#entry-when", Input).value == "2026-11-30 10:15"
        await fill_and_save(pilot, when="2026-12-01 09:00", where="Clinic B")
        said = "Saved: Dr Lee (reproductive endocrinologist), Tue 1 Dec 2026 · 09:00 — u to undo."
        assert said in notices(app)
    [saved] = reopened(journal)
    assert (saved.at, saved.where, saved.with_name) == (at(clock, 1, 9, month=12), "Clinic B", "Dr Lee")


async def test_x_cancels_after_asking_and_the_appointment_stays_in_the_record(journal, clock):
    add_appt(journal, clock, at(clock, 30, 10, 15), AppointmentKind.RE, with_name="Dr Lee")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep it
        await pilot.pause()
        assert not reopened(journal)[0].cancelled
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert titles(app, "upcoming") == []
        assert titles(app, "past") == [
            "Dr Lee (reproductive endocrinologist) | Mon 30 Nov 2026 · 10:15 · cancelled"
        ]
        assert any(n.startswith("Saved: Cancelled: Dr Lee") for n in notices(app))
    [kept] = reopened(journal)
    assert kept.cancelled


# -- questions ------------------------------------------------------------------------------------


async def test_n_adds_a_question_of_her_own(journal, clock):
    add_appt(journal, clock, at(clock, 30, 10, 15), AppointmentKind.RE, with_name="Dr Lee")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, EntryForm)
        await fill_and_save(pilot, question="   ")
        assert "A question needs some words" in field_error(app, "question")
        await fill_and_save(pilot, question="Should I keep taking aspirin after 12 weeks?")
        assert isinstance(app.screen, AppointmentsScreen)
        assert "[ ] Should I keep taking aspirin after 12 weeks?" in info(app)
    [saved] = reopened(journal)
    assert [(q.text, q.flag_key, q.asked) for q in saved.questions] == [
        ("Should I keep taking aspirin after 12 weeks?", None, False)
    ]


async def test_g_adds_the_active_flag_as_a_question_once(journal, clock):
    tsh_above_target(journal, clock)
    add_appt(journal, clock, at(clock, 30, 10, 15), AppointmentKind.RE, with_name="Dr Lee")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("g")
        await pilot.pause()
        assert any(n.startswith("Saved: Added 1 question from your flags to Dr Lee") for n in notices(app))
        assert f"[ ] {TSH_QUESTION}" in info(app)
        await pilot.press("g")
        await pilot.pause()
        assert "Appointments: Your flags are already on this appointment's list." in notices(app)
    [saved] = reopened(journal)
    assert [q.flag_key for q in saved.questions] == [TSH_KEY]
    assert saved.questions[0].text.startswith(TSH_QUESTION)


# -- the visit ------------------------------------------------------------------------------------


async def test_d_records_the_visit_and_marks_the_flag_raised_at_it(journal, clock):
    tsh_above_target(journal, clock)
    visit = add_appt(journal, clock, at(clock, 20, 9), AppointmentKind.ENDOCRINOLOGY, with_name="Dr Shah")
    assert visit.id is not None
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("g")
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, VisitForm)
        assert list(form.query_one(SelectionList).selected) == [q.id for q in reopened(journal)[0].questions]
        form.query_one("#visit-decided", Input).value = "retest TSH in 6 weeks"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AppointmentsScreen)
        assert (
            "Saved: Visit recorded: Dr Shah (endocrinologist). 1 flag marked raised at this appointment"
            " — u to undo." in notices(app)
        )
        shown = info(app)
        assert f"[x] {TSH_QUESTION}" in shown
        assert "Decided\nretest TSH in 6 weeks" in shown
    with Journal.open(journal.path) as fresh:
        mark = fresh.flag_marks()[TSH_KEY]
        saved = fresh.appointment(visit.id)
    assert (mark.state, mark.appointment_id, mark.note) == (
        MarkState.RAISED,
        visit.id,
        "retest TSH in 6 weeks",
    )
    assert saved.done
    assert saved.decided == "retest TSH in 6 weeks"
    assert [q.asked for q in saved.questions] == [True]


async def test_a_question_left_unticked_does_not_mark_its_flag(journal, clock):
    tsh_above_target(journal, clock)
    visit = add_appt(journal, clock, at(clock, 20, 9), AppointmentKind.ENDOCRINOLOGY)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("g")
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        app.screen.query_one(SelectionList).focus()
        await pilot.press("space")  # untick the flag's question
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Saved: Visit recorded: Endocrinologist — u to undo." in notices(app)
    with Journal.open(journal.path) as fresh:
        assert fresh.flag_marks() == {}
        assert [q.asked for q in fresh.appointment(visit.id or 0).questions] == [False]


async def test_d_before_the_day_of_the_visit_is_refused_gently(journal, clock):
    add_appt(journal, clock, at(clock, 30, 10, 15), AppointmentKind.RE, with_name="Dr Lee")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, AppointmentsScreen)
        assert any("record the visit on or after that day" in n for n in notices(app))
    assert not reopened(journal)[0].done


async def test_a_read_only_journal_changes_nothing(journal, clock):
    add_appt(journal, clock, at(clock, 30, 10, 15), AppointmentKind.RE, with_name="Dr Lee")
    journal.close()
    with sqlite3.connect(journal.path) as conn:
        conn.execute("PRAGMA user_version = 99")
    readonly = Journal.open(journal.path)
    assert readonly.readonly
    app = RpltrackApp(journal=readonly, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        for key in ("a", "e", "n", "g", "x"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, AppointmentsScreen)
        assert "Read-only: This journal is read-only, so nothing was changed." in notices(app)
    readonly.close()


async def test_the_palette_offers_every_key_of_the_screen_even_those_out_of_the_footer(journal, clock):
    from rpltrack.tui.commands import RpltrackCommands

    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        commands = {c.name: c.help for c in RpltrackCommands(app.screen).commands()}
    assert list(commands)[:8] == [
        "Add",
        "Edit",
        "Ask",
        "Ask about flags",
        "Record visit",
        "Delete",
        "Cancel appointment",
        "Export for my doctor",
    ]
    assert (commands["Cancel appointment"], commands["Export for my doctor"]) == ("key: x", "key: s")
    assert "Go to Appointments" in commands


# -- Today ----------------------------------------------------------------------------------------


async def test_today_shows_the_next_appointment_and_o_opens_appointments(journal, clock):
    add_appt(journal, clock, at(clock, 4, 8, month=12), AppointmentKind.LAB)
    add_appt(
        journal,
        clock,
        at(clock, 30, 10, 15),
        AppointmentKind.RE,
        with_name="Dr Lee",
        questions=(Question("Should I keep taking aspirin?"), Question("When can we transfer again?")),
    )
    add_appt(journal, clock, at(clock, 2, 9, 30), AppointmentKind.HEMATOLOGY)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await flags_counted(pilot)
        line = app.screen.query_one("#today-appointment", Static)
        assert line.display
        assert str(line.render()) == (
            "Next: Dr Lee (reproductive endocrinologist) · Mon 30 Nov 10:15 · 2 questions — press 9"
        )
        await open_appointments(pilot)
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)


async def test_today_says_today_for_an_appointment_later_today_and_nothing_when_none(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await flags_counted(pilot)
        assert not app.screen.query_one("#today-appointment", Static).display
        add_appt(journal, clock, at(clock, 23, 14), AppointmentKind.ULTRASOUND)
        today = app.screen
        assert isinstance(today, TodayScreen)
        await today.reload()  # as the app's refresh does every 30 s
        await pilot.pause()
        line = app.screen.query_one("#today-appointment", Static)
        assert line.display
        assert str(line.render()) == "Next: Ultrasound · today 14:00 — press 9"


# -- snapshot -------------------------------------------------------------------------------------


def test_appointments_with_two_upcoming_and_one_past(snap_compare, journal, clock):
    """'Upcoming': Dr Lee (reproductive endocrinologist), Mon 30 Nov 2026 · 10:15 · 2 questions, highlighted,
    then the blood draw on Fri 4 Dec 2026 · 08:00; 'Past': Dr Okafor (hematologist), Mon 2 Nov 2026 · 09:30 ·
    visit recorded. The detail pane: Dr Lee's day and time, where, what for and notes, then 'Questions (2)'
    as a checklist of two unticked boxes (a list Tab reaches and Space ticks, #18), the first from the TSH
    flag wrapping onto a second line."""
    lee_questions = (
        Question(
            "TSH above target: Ask your care team whether your TSH should be treated or retested before "
            "the next transfer.",
            flag_key=TSH_KEY,
        ),
        Question("Should I keep taking aspirin after 12 weeks?"),
    )
    add_appt(
        journal,
        clock,
        at(clock, 30, 10, 15),
        AppointmentKind.RE,
        with_name="Dr Lee",
        where="City Fertility, 2nd floor",
        purpose="results review",
        notes="bring the lab printouts",
        questions=lee_questions,
    )
    add_appt(journal, clock, at(clock, 4, 8, month=12), AppointmentKind.LAB, where="St Mary's phlebotomy")
    okafor = add_appt(
        journal, clock, at(clock, 2, 9, 30), AppointmentKind.HEMATOLOGY, with_name="Dr Okafor", purpose="APS"
    )
    journal.appointment_done(okafor.id or 0, clock.now(), decided="Repeat aCL and LA in 12 weeks.")
    app = RpltrackApp(journal=journal, clock=clock)
    assert snap_compare(app, terminal_size=SIZE, press=["9"])


async def test_the_time_where_it_was_entered_shows_only_when_that_clock_reads_otherwise(journal, clock):
    """An appointment entered in another zone shows the time there too, unless that zone's clock reads the
    same at that moment (UTC beside London in winter), where it would only say the same time twice."""
    from zoneinfo import ZoneInfo

    assert clock.zone.key == "Europe/London"
    new_york = datetime(2026, 12, 3, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    utc = datetime(2026, 12, 4, 14, 0, tzinfo=ZoneInfo("Etc/UTC"))
    add_appt(journal, clock, new_york, AppointmentKind.OB, with_name="Dr Ames")
    add_appt(journal, clock, utc, AppointmentKind.RE, with_name="Dr Lee")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_appointments(pilot)
        shown = info(app)  # the soonest, Dr Ames: 14:00 in London, 09:00 in New York
        assert "at 14:00 (09:00 America/New_York time)" in shown
        await pilot.press("down")
        await pilot.pause()
        shown = info(app)
        assert "Dr Lee" in shown
        assert "at 14:00" in shown
        assert "Etc/UTC" not in shown
