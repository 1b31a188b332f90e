"""Appointments from the command line: add, list, show, edit, cancel, questions, and recording the visit.

The clock is frozen at Monday 2026-11-23 08:40 UTC (London wall time in November).
"""

from __future__ import annotations

import pytest

from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.errors import ValidationError
from rpltrack.store.journal import Journal
from tests.cli.support import Cli, checksum


def add_visit(cli: Cli, at: str = "2026-11-30 10:15") -> None:
    cli.ok(
        "appt",
        "add",
        "--at",
        at,
        "--with",
        "Dr Lee",
        "--kind",
        "re",
        "--where",
        "Riverside Fertility",
        "--purpose",
        "follow-up",
    )


def test_appt_add_list_show_and_the_file_reopens_with_it(cli: Cli) -> None:
    out = cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--with", "Dr Lee", "--kind", "re")
    assert (
        out == "Saved: Dr Lee (reproductive endocrinologist) on Mon 30 Nov 2026 at 10:15 (appointment 1).\n"
    )
    [appt] = cli.json("appt", "list")
    assert (appt["at"], appt["kind"], appt["with"], appt["upcoming"]) == (
        "2026-11-30T10:15:00+00:00",
        "re",
        "Dr Lee",
        True,
    )
    assert "Upcoming:" in cli.ok("appt", "list")
    with Journal.open(cli.db) as reopened:
        [stored] = reopened.appointments()
    assert stored.kind is AppointmentKind.RE
    assert stored.at.utcoffset() is not None


def test_questions_from_her_and_from_the_active_flags(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "3.2", "--date", "2026-11-20")
    add_visit(cli)
    assert cli.ok("appt", "ask", "1", "--flags").startswith("Added 1 question(s)")
    assert cli.ok("appt", "ask", "1", "--flags").startswith("Added 0 question(s)")  # never twice
    cli.ok("appt", "ask", "1", "Should I keep taking aspirin after 36 weeks?")
    questions = cli.json("appt", "show", "1")["questions"]
    assert [(q["flag"], q["asked"]) for q in questions] == [("tsh-above-target:lab1", False), (None, False)]
    assert questions[0]["text"].startswith("TSH above target: Ask your care team")


def test_recording_the_visit_marks_the_flags_asked_there_raised(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "3.2", "--date", "2026-11-20")
    add_visit(cli, at="2026-11-23 08:00")
    cli.ok("appt", "ask", "1", "--flags")
    cli.ok("appt", "ask", "1", "Is my aspirin dose right?")
    out = cli.ok("appt", "done", "1", "--decided", "retest TSH in 4 weeks", "--not-asked", "2")
    assert (
        out
        == "Recorded: Dr Lee (reproductive endocrinologist); 1 flag(s) marked raised at this appointment.\n"
    )
    assert cli.json("flags") == []
    [flag] = cli.json("flags", "--all")
    assert (flag["state"], flag["appointment"], flag["note"]) == ("raised", 1, "retest TSH in 4 weeks")
    shown = cli.json("appt", "show", "1")
    assert [q["asked"] for q in shown["questions"]] == [True, False]
    assert shown["decided"] == "retest TSH in 4 weeks"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("appt", "add", "--at", "2026-11-31 10:00", "--kind", "re"), "cannot read the time"),
        (("appt", "add", "--at", "tomorrow", "--kind", "re"), "cannot read the time"),
        (("appt", "add", "--at", "2026-11-30 10:00", "--kind", "dentist"), "unknown kind of appointment"),
        (("appt", "add", "--at", "2026-11-30 10:00", "--kind", "re", "--with", "x" * 201), "at most 200"),
        (
            ("appt", "add", "--at", "2026-11-30 10:00", "--kind", "re", "--notes", "a\x07b"),
            "control character",
        ),
        (("appt", "edit", "1"), "nothing to change"),
        (("appt", "edit", "7", "--cancel"), "no appointment with id 7"),
        (("appt", "done", "1"), "record the visit on or after that day"),
        (("appt", "done", "1", "--not-asked", "x"), "question ids"),
        (("appt", "ask", "1"), "give the question"),
        (("appt", "ask", "1", "why?", "--flags"), "not both"),
    ],
    ids=[
        "no-such-day",
        "words",
        "unknown-kind",
        "long-name",
        "control-char",
        "edit-nothing",
        "unknown-id",
        "done-before-the-day",
        "bad-question-id",
        "empty-question",
        "question-and-flags",
    ],
)
def test_bad_appointment_input_is_refused_and_writes_nothing(
    cli: Cli, args: tuple[str, ...], words: str
) -> None:
    add_visit(cli)
    before = checksum(cli.db)
    rc, out, err = cli(*args)
    assert rc == 2, err
    assert out == ""
    assert words in err
    assert checksum(cli.db) == before


def test_edit_moves_it_and_cancel_keeps_it_in_the_record(cli: Cli) -> None:
    add_visit(cli)
    assert "to Tue 01 Dec 2026 at 09:00" in cli.ok("appt", "edit", "1", "--at", "2026-12-01 09:00")
    assert "cancelled (kept in the record)" in cli.ok("appt", "edit", "1", "--cancel")
    assert cli.json("appt", "list") == []
    [kept] = cli.json("appt", "list", "--all")
    assert kept["cancelled"] is True
    rc, _, err = cli("appt", "done", "1")
    assert rc == 2
    assert "cancelled" in err


def test_an_appointment_keeps_the_zone_it_was_made_in(cli: Cli) -> None:
    cli.ok("--tz", "America/New_York", "appt", "add", "--at", "2026-11-30 10:15", "--kind", "ob")
    [appt] = cli.json("appt", "list")
    assert appt["at"] == "2026-11-30T10:15:00-05:00"
    assert appt["zone"] == "America/New_York"


def test_undo_takes_back_a_recorded_visit_exactly(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "3.2", "--date", "2026-11-20")
    add_visit(cli, at="2026-11-23 08:00")
    cli.ok("appt", "ask", "1", "--flags")
    before = checksum(cli.db, ("appointments", "appointment_questions", "flag_marks"))
    cli.ok("appt", "done", "1", "--decided", "retest")
    cli.ok("undo")
    assert checksum(cli.db, ("appointments", "appointment_questions", "flag_marks")) == before


def test_the_model_refuses_an_empty_question_and_a_naive_time() -> None:
    from datetime import datetime

    with pytest.raises(ValidationError):
        Question("   ")
    with pytest.raises(ValueError, match="tz-aware"):
        Appointment(datetime(2026, 11, 30, 10, 15), AppointmentKind.RE)  # noqa: DTZ001
