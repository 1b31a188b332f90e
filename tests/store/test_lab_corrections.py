"""Correcting lab results, appointments and questions in the store (#13): each edit and delete is one
audited change that undo takes back whole and redo re-applies; proved on the reopened file."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from rpltrack.clock import FixedClock
from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.errors import DuplicateEntry, HasDependents, NeedsConfirmation, ValidationError
from rpltrack.domain.labcatalog import parse_lab_value, resolve
from rpltrack.domain.labs import LabResult
from rpltrack.flags.model import MarkState
from rpltrack.flags.rules import board
from rpltrack.store.journal import Journal
from tests.cli.support import checksum

APPT_TABLES = ("appointments", "appointment_questions", "flag_marks")


def tsh(value: str, on: date = date(2026, 11, 20), **extra: Any) -> LabResult:
    test = resolve("TSH")
    return LabResult(test.key, on, parse_lab_value(test, value), **extra)


def reopened(path: Path) -> Journal:
    return Journal.open(path)


def change_count(journal: Journal) -> int:
    return journal.count("changes")


# -- labs ---------------------------------------------------------------------------------------------------


def test_edit_lab_changes_only_the_fields_given_in_one_change(journal: Journal, clock: FixedClock) -> None:
    saved = journal.add_lab(tsh("2.1", note="fasting"), clock.now())
    before = change_count(journal)
    journal.edit_lab(saved.id or 0, clock.now(), value=parse_lab_value(resolve("TSH"), "3.4"))
    assert change_count(journal) == before + 1
    with reopened(journal.path) as again:
        [lab] = again.labs()
        assert (str(lab.value), lab.on, lab.note) == ("3.4 mIU/L", date(2026, 11, 20), "fasting")
        assert (
            again.changes(1)[0].summary == "changed TSH of 20 Nov 2026: the value from 2.1 mIU/L to 3.4 mIU/L"
        )


def test_edit_lab_with_nothing_new_writes_no_change(journal: Journal, clock: FixedClock) -> None:
    saved = journal.add_lab(tsh("2.1"), clock.now())
    before = checksum(journal.path)
    assert journal.edit_lab(saved.id or 0, clock.now(), note="") == saved
    assert checksum(journal.path) == before


def test_edit_lab_refuses_an_unknown_id_and_an_unknown_field(journal: Journal, clock: FixedClock) -> None:
    with pytest.raises(ValidationError) as caught:
        journal.edit_lab(7, clock.now(), note="x")
    assert caught.value.field == "id"
    journal.add_lab(tsh("2.1"), clock.now())
    with pytest.raises(TypeError, match="created_at"):
        journal.edit_lab(1, clock.now(), created_at=clock.now())


def test_edit_lab_to_an_unusual_value_asks_and_sure_keeps_it_checked(
    journal: Journal, clock: FixedClock
) -> None:
    saved = journal.add_lab(tsh("2.1"), clock.now())
    unusual = parse_lab_value(resolve("TSH"), "500")
    before = checksum(journal.path)
    with pytest.raises(NeedsConfirmation) as caught:
        journal.edit_lab(saved.id or 0, clock.now(), value=unusual)
    assert "500 mIU/L is unusual" in caught.value.message
    assert checksum(journal.path) == before
    journal.edit_lab(saved.id or 0, clock.now(), sure=True, value=unusual)
    journal.edit_lab(saved.id or 0, clock.now(), note="checked twice")  # the value stays: no question
    with reopened(journal.path) as again:
        assert again.lab(1).confirmed_unusual is True
    journal.edit_lab(saved.id or 0, clock.now(), value=parse_lab_value(resolve("TSH"), "5"))
    assert journal.lab(1).confirmed_unusual is False


def test_add_lab_refuses_the_same_test_day_and_value_unless_again(
    journal: Journal, clock: FixedClock
) -> None:
    first = journal.add_lab(tsh("2.1"), clock.now())
    with pytest.raises(DuplicateEntry) as caught:
        journal.add_lab(tsh("2.10"), clock.now())
    assert caught.value.existing_id == first.id
    assert journal.count("labs") == 1
    journal.add_lab(tsh("2.1", on=date(2026, 11, 21)), clock.now())
    journal.add_lab(tsh("2.1", note="a second draw"), clock.now(), again=True)
    with reopened(journal.path) as again:
        assert len(again.labs()) == 3


def test_add_lab_of_an_unusual_value_is_a_question_unless_sure(journal: Journal, clock: FixedClock) -> None:
    with pytest.raises(NeedsConfirmation):
        journal.add_lab(tsh("500"), clock.now())
    saved = journal.add_lab(tsh("500"), clock.now(), sure=True)
    assert saved.confirmed_unusual is True


def test_delete_lab_takes_the_marks_on_its_flags_with_it_and_undo_redo(
    journal: Journal, clock: FixedClock
) -> None:
    journal.add_lab(tsh("4.1"), clock.now())
    journal.add_lab(tsh("2.0", on=date(2026, 10, 1)), clock.now())
    [flag] = board(journal.snapshot(clock.now(), clock.zone), {}).active
    journal.mark_flag(flag, MarkState.ACKNOWLEDGED, clock.now(), note="retest")
    assert journal.dependents_of_lab(1) == ["1 flag you acknowledged"]
    assert journal.dependents_of_lab(2) == []
    before = checksum(journal.path, ("labs", "flag_marks"))
    with pytest.raises(HasDependents) as caught:
        journal.delete_lab(1, clock.now())
    assert caught.value.dependents == ["1 flag you acknowledged"]
    assert checksum(journal.path, ("labs", "flag_marks")) == before
    removed = journal.delete_lab(1, clock.now(), with_dependents=True)
    assert str(removed.value) == "4.1 mIU/L"
    with reopened(journal.path) as again:
        assert [lab.id for lab in again.labs()] == [2]
        assert again.flag_marks() == {}
        again.undo(clock.now())
    assert checksum(journal.path, ("labs", "flag_marks")) == before
    journal.redo(clock.now())
    with reopened(journal.path) as again:
        assert [lab.id for lab in again.labs()] == [2]


def test_delete_lab_without_marks_needs_no_confirmation(journal: Journal, clock: FixedClock) -> None:
    journal.add_lab(tsh("2.1"), clock.now())
    before = change_count(journal)
    journal.delete_lab(1, clock.now())
    assert change_count(journal) == before + 1
    with reopened(journal.path) as again:
        assert again.labs() == []
        assert again.changes(1)[0].summary == "deleted TSH 2.1 mIU/L of 20 Nov 2026"


# -- appointments -----------------------------------------------------------------------------------------


def visit(clock: FixedClock, days: int = 7, **extra: Any) -> Appointment:
    at = clock.now().replace(hour=10, minute=15) + timedelta(days=days)
    return Appointment(at, AppointmentKind.HEMATOLOGY, with_name="Dr Lee", **extra)


def visit_with_three_questions_and_a_raised_flag(journal: Journal, clock: FixedClock) -> Appointment:
    journal.add_lab(tsh("4.1"), clock.now())
    saved = journal.add_appointment(
        visit(clock, questions=(Question("Aspirin?"), Question("Retest?"), Question("Heparin?"))), clock.now()
    )
    [flag] = board(journal.snapshot(clock.now(), clock.zone), {}).active
    journal.mark_flag(flag, MarkState.RAISED, clock.now(), appointment_id=saved.id)
    return saved


def test_delete_appointment_takes_questions_detaches_marks_in_one_change(
    journal: Journal, clock: FixedClock
) -> None:
    saved = visit_with_three_questions_and_a_raised_flag(journal, clock)
    appt_id = saved.id or 0
    assert journal.dependents_of_appointment(appt_id) == ["3 questions", "1 flag marked raised there"]
    before = checksum(journal.path, APPT_TABLES)
    with pytest.raises(HasDependents) as caught:
        journal.delete_appointment(appt_id, clock.now())
    assert caught.value.dependents == ["3 questions", "1 flag marked raised there"]
    assert checksum(journal.path, APPT_TABLES) == before
    changes = change_count(journal)
    removed = journal.delete_appointment(appt_id, clock.now(), with_dependents=True)
    assert [q.text for q in removed.questions] == ["Aspirin?", "Retest?", "Heparin?"]
    assert change_count(journal) == changes + 1
    with reopened(journal.path) as again:
        assert again.appointments() == []
        assert again.count("appointment_questions") == 0
        [mark] = again.flag_marks().values()
        assert (mark.state, mark.appointment_id) == (MarkState.RAISED, None)
        again.undo(clock.now())
    assert checksum(journal.path, APPT_TABLES) == before
    journal.redo(clock.now())
    with reopened(journal.path) as again:
        assert again.appointments() == []
        assert next(iter(again.flag_marks().values())).appointment_id is None


def test_an_appointment_with_nothing_attached_is_deleted_without_a_question(
    journal: Journal, clock: FixedClock
) -> None:
    saved = journal.add_appointment(visit(clock), clock.now())
    assert journal.dependents_of_appointment(saved.id or 0) == []
    journal.delete_appointment(saved.id or 0, clock.now())
    with reopened(journal.path) as again:
        assert again.appointments() == []


def test_edit_appointment_follows_the_contract(journal: Journal, clock: FixedClock) -> None:
    saved = journal.add_appointment(visit(clock), clock.now())
    appt_id = saved.id or 0
    with pytest.raises(ValidationError) as caught:
        journal.edit_appointment(99, clock.now(), where="x")
    assert caught.value.field == "id"
    with pytest.raises(TypeError, match="questions"):
        journal.edit_appointment(appt_id, clock.now(), questions=())
    before = checksum(journal.path)
    assert journal.edit_appointment(appt_id, clock.now(), with_name="Dr Lee") == saved  # nothing new
    assert checksum(journal.path) == before
    with pytest.raises(ValidationError):
        journal.edit_appointment(appt_id, clock.now(), where="x" * 201)
    assert checksum(journal.path) == before
    journal.edit_appointment(appt_id, clock.now(), where="Riverside", cancelled=True)
    with reopened(journal.path) as again:
        appt = again.appointment(appt_id)
        assert (appt.where, appt.cancelled, appt.with_name) == ("Riverside", True, "Dr Lee")
        assert again.changes(1)[0].summary == (
            "changed Dr Lee (hematologist) on Mon 30 Nov 2026 at 10:15: the place set to "
            '"Riverside"; cancelled (kept in the record)'
        )


def test_an_appointment_more_than_two_years_ahead_is_a_question_on_add_and_edit(
    journal: Journal, clock: FixedClock
) -> None:
    far = visit(clock, days=2 * 366)
    with pytest.raises(NeedsConfirmation) as caught:
        journal.add_appointment(far, clock.now())
    assert caught.value.field == "at"
    assert journal.count("appointments") == 0
    journal.add_appointment(far, clock.now(), sure=True)
    journal.edit_appointment(1, clock.now(), where="Riverside")  # the time is not being changed
    near = journal.add_appointment(visit(clock, days=700), clock.now())
    with pytest.raises(NeedsConfirmation):
        journal.edit_appointment(near.id or 0, clock.now(), at=far.at)
    journal.edit_appointment(near.id or 0, clock.now(), sure=True, at=far.at)
    with reopened(journal.path) as again:
        assert [a.at for a in again.appointments()] == [far.at, far.at]


def test_edit_and_delete_question_are_each_one_change(journal: Journal, clock: FixedClock) -> None:
    saved = journal.add_appointment(visit(clock, questions=(Question("Aspirin?"),)), clock.now())
    [question] = saved.questions
    qid = question.id or 0
    changes = change_count(journal)
    journal.edit_question(qid, clock.now(), asked=True, answer="keep taking it")
    assert journal.edit_question(qid, clock.now(), asked=True) == journal.question(qid)  # nothing new
    assert change_count(journal) == changes + 1
    with pytest.raises(ValidationError):
        journal.edit_question(qid, clock.now(), text=" ")
    with pytest.raises(TypeError, match="flag_key"):
        journal.edit_question(qid, clock.now(), flag_key="x")
    with reopened(journal.path) as again:
        assert again.question(qid) == Question("Aspirin?", None, True, "keep taking it", id=qid)
    assert journal.dependents_of_question(qid) == []
    removed = journal.delete_question(qid, clock.now())
    assert removed.answer == "keep taking it"
    with reopened(journal.path) as again:
        assert again.appointment(saved.id or 0).questions == ()
        again.undo(clock.now())
    assert journal.question(qid).answer == "keep taking it"
    with pytest.raises(ValidationError) as caught:
        journal.delete_question(99, clock.now())
    assert caught.value.field == "id"


def test_answer_question_still_ticks_a_question_off(journal: Journal, clock: FixedClock) -> None:
    saved = journal.add_appointment(visit(clock, questions=(Question("Aspirin?"),)), clock.now())
    qid = saved.questions[0].id or 0
    journal.answer_question(qid, clock.now(), asked=True, answer="yes")
    with reopened(journal.path) as again:
        assert (again.question(qid).asked, again.question(qid).answer) == (True, "yes")
    # Ticking it back without an answer keeps the answer she wrote.
    journal.answer_question(qid, clock.now(), asked=False)
    with reopened(journal.path) as again:
        assert (again.question(qid).asked, again.question(qid).answer) == (False, "yes")


def test_a_read_only_journal_refuses_corrections(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "journal.db"
    with Journal.open(path, now=clock.now()) as journal:
        journal.add_lab(tsh("2.1"), clock.now())
        journal.add_appointment(visit(clock), clock.now())
    with Journal.open(path, now=clock.now()) as journal:
        journal.readonly = True
        before = checksum(path)
        for attempt in (
            lambda: journal.edit_lab(1, clock.now(), note="x"),
            lambda: journal.delete_lab(1, clock.now()),
            lambda: journal.delete_appointment(1, clock.now()),
            lambda: journal.edit_appointment(1, clock.now(), where="x"),
        ):
            with pytest.raises(Exception, match="read-only"):
                attempt()
        assert checksum(path) == before
