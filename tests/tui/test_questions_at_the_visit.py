"""Questions at the visit (#18): Space (or x) on the question list ticks one asked, one change each, undoable
and said; recording the visit offers to carry the questions not asked to the next appointment with the same
care team, never moving them without asking; the carry is one change, undone as one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rpltrack.clock import FixedClock
from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.store.appointments import same_care_team
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.appointment_form import VisitForm
from rpltrack.tui.screens.appointments import AppointmentsScreen, QuestionList
from rpltrack.tui.screens.forms import ConfirmDialog
from tests.tui.helpers import SIZE, notices


def at(clock: FixedClock, day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=clock.zone)


def reopened(journal: Journal, appt_id: int) -> Appointment:
    with Journal.open(journal.path) as fresh:
        return fresh.appointment(appt_id)


def lee_today_and_in_december(journal: Journal, clock: FixedClock) -> tuple[Appointment, Appointment]:
    """Dr Lee (hematologist) this morning with three questions, and again on 14 Dec."""
    visit = journal.add_appointment(
        Appointment(
            at(clock, 23, 8),
            AppointmentKind.HEMATOLOGY,
            with_name="Dr Lee",
            questions=(
                Question("How long do I continue Lovenox?"),
                Question("Do I need platelet counts?", answer="every month"),
                Question("Can I fly while injecting?"),
            ),
        ),
        clock.now(),
    )
    later = journal.add_appointment(
        Appointment(at(clock, 14, 9, month=12), AppointmentKind.HEMATOLOGY, with_name="dr  lee"), clock.now()
    )
    return visit, later


async def open_questions(pilot: Any) -> QuestionList:
    await pilot.press("9")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AppointmentsScreen)
    screen.option_list("past").focus()  # the visit of this morning
    await pilot.pause()
    selected = screen.selected()
    assert selected is not None
    assert selected.at.day == 23
    questions = screen.query_one("#appt-questions", QuestionList)
    questions.focus()
    await pilot.pause()
    return questions


async def test_space_ticks_a_question_asked_and_u_takes_it_back(journal, clock):
    visit, _ = lee_today_and_in_december(journal, clock)
    assert visit.id is not None
    clock.set(at(clock, 23, 8).replace(minute=20))  # at the visit (it stays in Past once its time came)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        questions = await open_questions(pilot)
        await pilot.press("down", "space")  # the second question; its answer is kept
        await pilot.pause()
        assert [q.asked for q in reopened(journal, visit.id).questions] == [False, True, False]
        assert reopened(journal, visit.id).questions[1].answer == "every month"
        assert "Saved: Asked: “Do I need platelet counts?” (Dr Lee (hematologist)) — u to undo." in notices(
            app
        )
        assert questions.has_focus
        assert str(questions.get_option_at_index(1).prompt).startswith("[x] Do I need platelet counts?")
        await pilot.press("x")  # x on the list unticks it (the appointment's cancel key is elsewhere)
        await pilot.pause()
        assert [q.asked for q in reopened(journal, visit.id).questions] == [False, False, False]
        await pilot.press("x", "u")
        await pilot.pause()
        assert [q.asked for q in reopened(journal, visit.id).questions] == [False, False, False]
        assert isinstance(app.screen, AppointmentsScreen)


async def test_recording_the_visit_offers_to_carry_what_was_not_asked(journal, clock):
    visit, later = lee_today_and_in_december(journal, clock)
    assert visit.id is not None
    assert later.id is not None
    clock.set(at(clock, 23, 9))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_questions(pilot)
        await pilot.press("space")  # asked the first one
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, VisitForm)
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.question == (
            "2 questions were not asked at this visit. Carry them to the next appointment with the same care "
            "team: dr  lee (hematologist), Mon 14 Dec 2026 · 09:00?"
        )
        assert [q.text for q in reopened(journal, later.id).questions] == []  # nothing moved before she says
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, AppointmentsScreen)
        assert any(n.startswith("Saved: Carried 2 questions to dr  lee (hematologist)") for n in notices(app))
    carried = reopened(journal, later.id).questions
    assert [(q.text, q.asked, q.answer) for q in carried] == [
        ("Do I need platelet counts?", False, ""),
        ("Can I fly while injecting?", False, ""),
    ]
    # The visit's own record stays true: the questions are still there, not asked.
    assert [q.asked for q in reopened(journal, visit.id).questions] == [True, False, False]
    with Journal.open(journal.path) as fresh:
        undone = fresh.undo(clock.now())
        assert undone is not None
        assert undone.summary.startswith("carried 2 questions from Dr Lee")
        assert fresh.appointment(later.id).questions == ()


async def test_leave_them_keeps_every_question_where_it_was(journal, clock):
    _visit, later = lee_today_and_in_december(journal, clock)
    assert later.id is not None
    clock.set(at(clock, 23, 9))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_questions(pilot)
        await pilot.press("v")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, VisitForm)
        from textual.widgets import SelectionList

        form.query_one(SelectionList).deselect_all()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
    assert reopened(journal, later.id).questions == ()


async def test_no_next_appointment_with_that_team_asks_nothing(journal, clock):
    visit = journal.add_appointment(
        Appointment(
            at(clock, 23, 8), AppointmentKind.RE, with_name="Dr Patel", questions=(Question("PGT?"),)
        ),
        clock.now(),
    )
    journal.add_appointment(
        Appointment(at(clock, 30, 8), AppointmentKind.HEMATOLOGY, with_name="Dr Lee"), clock.now()
    )
    clock.set(at(clock, 23, 9))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_questions(pilot)
        await pilot.press("v")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, VisitForm)
        from textual.widgets import SelectionList

        form.query_one(SelectionList).deselect_all()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AppointmentsScreen)
    assert visit.id is not None
    assert reopened(journal, visit.id).done


def test_same_care_team_is_the_same_name_else_the_same_kind(clock):
    def appt(kind: AppointmentKind, name: str = "") -> Appointment:
        return Appointment(clock.now(), kind, with_name=name)

    assert same_care_team(appt(AppointmentKind.RE, "Dr  Patel"), appt(AppointmentKind.OB, "dr patel"))
    assert not same_care_team(appt(AppointmentKind.RE, "Dr Patel"), appt(AppointmentKind.RE, "Dr Shah"))
    assert same_care_team(appt(AppointmentKind.LAB), appt(AppointmentKind.LAB, "St Mary's"))
    assert not same_care_team(appt(AppointmentKind.LAB), appt(AppointmentKind.ULTRASOUND))


def test_carrying_checks_its_questions_and_adds_none_twice(journal, clock):
    import pytest

    from rpltrack.domain.errors import ValidationError

    visit, later = lee_today_and_in_december(journal, clock)
    assert visit.id is not None
    assert later.id is not None
    ids = [q.id for q in visit.questions if q.id is not None]
    journal.carry_questions(visit.id, later.id, ids[:2], clock.now())
    again = journal.carry_questions(visit.id, later.id, ids, clock.now())
    assert [q.text for q in again.questions] == [q.text for q in visit.questions]
    with pytest.raises(ValidationError, match="is not one of"):
        journal.carry_questions(later.id, visit.id, ids, clock.now())
