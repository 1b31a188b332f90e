"""Correcting the record from the command line (#13): `lab edit|delete`, `lab add --again`, `appt delete`,
the two-years question on `appt add|edit`, `question edit|delete`, and undo/redo of each.

In process through main(argv) on a real journal file; the clock is frozen at 2026-11-23 08:40 UTC (London
wall time in November). Without a terminal, a question is a refusal (exit 2) that writes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from pathlib import Path

import pytest

from rpltrack.cli import confirm
from rpltrack.store.journal import Journal
from tests.cli.support import Cli, checksum

APPT_TABLES = ("appointments", "appointment_questions", "flag_marks")


def labs_csv(cli: Cli, folder: Path) -> list[dict[str, str]]:
    cli.ok("export", "csv", "--out", str(folder))
    text = (folder / "labs.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def brief_text(cli: Cli, path: Path) -> str:
    cli.ok("brief", "--out", str(path))
    page = re.sub(r"<style.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def flag_titles(cli: Cli) -> list[str]:
    return [f["title"] for f in cli.json("flags")]


def answer_on_a_terminal(monkeypatch: pytest.MonkeyPatch, answer: str) -> list[str]:
    """Pretend a person is at a terminal who types `answer`; returns the questions she was asked."""
    asked: list[str] = []

    def fake_input(prompt: str) -> str:
        asked.append(prompt)
        return answer

    monkeypatch.setattr(confirm, "interactive", lambda: True)
    monkeypatch.setattr("builtins.input", fake_input)
    return asked


# -- labs ---------------------------------------------------------------------------------------------------


def test_lab_edit_changes_only_what_is_given_says_so_and_undo_redo_walk_it(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "30100", "--confirm", "--date", "2026-11-20", "--range", "0.4-4.0")
    out = cli.ok("lab", "edit", "1", "--value", "3.01", "--date", "2026-11-19")
    assert out == (
        "Changed TSH of 20 Nov 2026 (lab 1): the value from 30100 mIU/L to 3.01 mIU/L; the date from "
        "20 Nov 2026 to 19 Nov 2026. rpltrack undo takes it back.\n"
    )
    with Journal.open(cli.db) as reopened:
        [lab] = reopened.labs()
        summary = reopened.changes(1)[0].summary
    assert (str(lab.value), lab.on.isoformat(), str(lab.reference)) == ("3.01 mIU/L", "2026-11-19", "0.4-4.0")
    assert lab.confirmed_unusual is False  # 3.01 is not unusual: the check mark went with the old value
    assert summary.startswith("changed TSH of 20 Nov 2026: the value from 30100 mIU/L to 3.01 mIU/L")
    cli.ok("undo")
    [back] = cli.json("labs")
    assert (back["value"], back["date"], back["confirmed_unusual"]) == ("30100", "2026-11-20", True)
    cli.ok("redo")
    [again] = cli.json("labs")
    assert (again["value"], again["date"]) == ("3.01", "2026-11-19")


def test_lab_edit_of_a_number_keeps_the_unit_it_was_entered_in(cli: Cli) -> None:
    cli.ok("lab", "add", "progesterone", "30", "--unit", "nmol/L", "--date", "2026-11-20")
    cli.ok("lab", "edit", "1", "--value", "35")
    [row] = cli.json("labs")
    assert (row["value"], row["unit"]) == ("35", "nmol/L")
    cli.ok("lab", "edit", "1", "--unit", "ng/mL")
    [row] = cli.json("labs")
    assert (row["value"], row["unit"]) == ("35", "ng/mL")


def test_lab_edit_of_the_range_note_and_anticoagulant_and_removing_them(cli: Cli) -> None:
    cli.ok("lab", "add", "LA", "positive", "--date", "2026-11-20", "--on-anticoagulant", "--note", "dRVVT")
    out = cli.ok("lab", "edit", "1", "--not-on-anticoagulant", "--note", "")
    assert "no longer marked as drawn on an anticoagulant; the note removed" in out
    [row] = cli.json("labs")
    assert (row["on_anticoagulant"], row["note"]) == (False, "")
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-20")
    cli.ok("lab", "edit", "2", "--range", "0.4-4.0")
    assert cli.json("labs", "tsh")[0]["range"]["raw"] == "0.4-4.0"
    cli.ok("lab", "edit", "2", "--range", "")
    assert cli.json("labs", "tsh")[0]["range"] is None


def test_lab_edit_of_an_unusual_value_is_a_question_refused_without_a_terminal(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-20")
    before = checksum(cli.db)
    rc, out, err = cli("lab", "edit", "1", "--value", "500")
    assert (rc, out) == (2, "")
    assert "unusual" in err
    assert "add --confirm" in err
    assert checksum(cli.db) == before
    cli.ok("lab", "edit", "1", "--value", "500", "--confirm")
    [row] = cli.json("labs")
    assert (row["value"], row["confirmed_unusual"]) == ("500", True)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("lab", "edit", "9", "--value", "2"), "no lab result with id 9"),
        (("lab", "edit", "1"), "nothing to change"),
        (("lab", "edit", "1", "--date", "2026-12-01"), "future"),
        (("lab", "edit", "1", "--value", "-1"), "cannot be negative"),
        (("lab", "edit", "1", "--unit", "ng/mL"), "unknown unit for TSH"),
        (("lab", "edit", "1", "--range", "4-0.4"), "low end above its high end"),
        (("lab", "edit", "1", "--test", "LA", "--value", "positive"), "reference range goes with a number"),
        (("lab", "edit", "1", "--on-anticoagulant"), "lupus anticoagulant"),
        (("lab", "delete", "9", "--yes"), "no lab result with id 9"),
        (("lab", "delete", "1"), "add --yes"),
    ],
    ids=[
        "unknown-id",
        "nothing",
        "future-date",
        "negative",
        "unknown-unit",
        "range-backwards",
        "range-with-a-word",
        "anticoagulant-irrelevant",
        "delete-unknown-id",
        "delete-without-yes-or-terminal",
    ],
)
def test_bad_lab_corrections_are_refused_and_write_nothing(
    cli: Cli, args: tuple[str, ...], words: str
) -> None:
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-20", "--range", "0.4-4.0")
    before = checksum(cli.db)
    rc, out, err = cli(*args)
    assert rc == 2, err
    assert out == ""
    assert words in err
    assert len(err.strip().splitlines()) == 1
    assert checksum(cli.db) == before


def test_lab_delete_on_a_terminal_shows_the_entry_and_asks(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-20")
    before = checksum(cli.db)
    asked = answer_on_a_terminal(monkeypatch, "n")
    rc, _, err = cli("lab", "delete", "1")
    assert rc == 2
    assert asked == ["Delete TSH 2.1 mIU/L of 20 Nov 2026 (lab 1)? [y/N] "]
    assert "Nothing was changed" in err
    assert checksum(cli.db) == before
    answer_on_a_terminal(monkeypatch, "y")
    assert cli.ok("lab", "delete", "1") == (
        "Deleted TSH 2.1 mIU/L of 20 Nov 2026 (lab 1). rpltrack undo takes it back.\n"
    )
    assert cli.json("labs") == []


def test_lab_delete_takes_her_mark_on_its_flag_with_it_and_undo_brings_both(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "4.1", "--date", "2026-11-20")
    cli.ok("flag", "ack", "tsh-above-target", "--note", "retest in 6 weeks")
    before = checksum(cli.db, ("labs", "flag_marks"))
    rc, _, err = cli("lab", "delete", "1")
    assert rc == 2
    assert "your marks on its flags (1 flag you acknowledged)" in err
    out = cli.ok("lab", "delete", "1", "--yes")
    assert "and your marks on its flags (1 flag you acknowledged)" in out
    assert cli.json("flags", "--all") == []
    cli.ok("undo")
    assert checksum(cli.db, ("labs", "flag_marks")) == before
    [flag] = cli.json("flags", "--all")
    assert (flag["state"], flag["note"]) == ("acknowledged", "retest in 6 weeks")


def test_a_duplicate_lab_is_refused_naming_the_first_unless_again(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-20")
    before = checksum(cli.db)
    rc, out, err = cli("lab", "add", "TSH", "2.10", "--date", "2026-11-20")
    assert (rc, out) == (2, "")
    assert "already recorded (lab 1)" in err
    assert "--again" in err
    assert checksum(cli.db) == before
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-21")  # another day: not a duplicate
    cli.ok("lab", "add", "TSH", "<2.1", "--date", "2026-11-20")  # another value: not a duplicate
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-20", "--again")
    assert len(cli.json("labs")) == 4


def test_deleting_and_editing_a_lab_updates_flags_brief_and_csv_at_once(cli: Cli, tmp_path: Path) -> None:
    """A TSH above target flags; deleted, it is gone from flags, the brief and labs.csv; undo brings it back
    everywhere; an edit to a value below target takes the flag away everywhere too."""
    cli.ok("lab", "add", "TSH", "4.1", "--date", "2026-11-20")
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--with", "Dr Lee", "--kind", "re")
    assert flag_titles(cli) == ["TSH above target"]
    assert "TSH above target" in brief_text(cli, tmp_path / "brief-1.html")
    assert [r["Value"] for r in labs_csv(cli, tmp_path / "csv-1")] == ["4.1"]

    cli.ok("lab", "delete", "1", "--yes")
    assert flag_titles(cli) == []
    brief = brief_text(cli, tmp_path / "brief-2.html")
    assert "TSH" not in brief
    assert labs_csv(cli, tmp_path / "csv-2") == []

    cli.ok("undo")
    assert flag_titles(cli) == ["TSH above target"]
    assert "TSH above target" in brief_text(cli, tmp_path / "brief-3.html")
    assert [r["Value"] for r in labs_csv(cli, tmp_path / "csv-3")] == ["4.1"]

    cli.ok("lab", "edit", "1", "--value", "1.9")
    assert flag_titles(cli) == []
    brief = brief_text(cli, tmp_path / "brief-4.html")
    assert "TSH above target" not in brief
    assert "1.9 mIU/L" in brief
    assert [r["Value"] for r in labs_csv(cli, tmp_path / "csv-4")] == ["1.9"]


def test_labs_list_shows_each_results_id(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-19")
    cli.ok("lab", "add", "vitamin-d", "35", "--date", "2026-11-20")
    cli.ok("lab", "add", "TSH", "2.4", "--date", "2026-11-20")
    overview = cli.ok("labs").splitlines()
    assert [line.split()[:2] for line in overview[1:]] == [["2", "25-OH"], ["3", "TSH"]]
    history = cli.ok("labs", "tsh").splitlines()
    assert [line.split()[0] for line in history[1:]] == ["1", "3"]
    assert [r["id"] for r in cli.json("labs")] == [1, 2, 3]


# -- appointments and questions ------------------------------------------------------------------------------


def visit_with_questions_and_a_raised_flag(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "3.2", "--date", "2026-11-20")
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--with", "Dr Lee", "--kind", "re", "--ask-flags")
    cli.ok("appt", "ask", "1", "Should I keep taking aspirin?")
    cli.ok("appt", "ask", "1", "When do I retest?")
    cli.ok("flag", "raised", "tsh-above-target", "--appt", "1")


def test_appt_delete_names_what_goes_with_it_and_refuses_without_yes(cli: Cli) -> None:
    visit_with_questions_and_a_raised_flag(cli)
    before = checksum(cli.db)
    rc, out, err = cli("appt", "delete", "1")
    assert (rc, out) == (2, "")
    assert "with 3 questions and 1 flag marked raised there" in err
    assert "add --yes" in err
    assert checksum(cli.db) == before


def test_appt_delete_takes_its_questions_detaches_flag_marks_and_undo_redo_walk_it(cli: Cli) -> None:
    visit_with_questions_and_a_raised_flag(cli)
    before = checksum(cli.db, APPT_TABLES)
    out = cli.ok("appt", "delete", "1", "--yes")
    assert out.startswith(
        "Deleted Dr Lee (reproductive endocrinologist) on Mon 30 Nov 2026 at 10:15 (appointment 1), "
        "with 3 questions and 1 flag marked raised there"
    )
    assert out.endswith("rpltrack undo takes it back.\n")
    with Journal.open(cli.db) as reopened:
        assert reopened.appointments() == []
        assert reopened.count("appointment_questions") == 0
        [mark] = reopened.flag_marks().values()
        assert (mark.state.value, mark.appointment_id) == ("raised", None)
    cli.ok("undo")
    assert checksum(cli.db, APPT_TABLES) == before
    assert [q["text"] for q in cli.json("appt", "show", "1")["questions"]][1:] == [
        "Should I keep taking aspirin?",
        "When do I retest?",
    ]
    cli.ok("redo")
    assert cli.json("appt", "list", "--all") == []


def test_appt_delete_on_a_terminal_asks_and_a_yes_deletes(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--kind", "ultrasound")
    asked = answer_on_a_terminal(monkeypatch, "yes")
    cli.ok("appt", "delete", "1")
    assert asked == ["Delete Ultrasound on Mon 30 Nov 2026 at 10:15 (appointment 1)? [y/N] "]
    assert cli.json("appt", "list", "--all") == []


@pytest.mark.parametrize(
    "args",
    [
        ("appt", "add", "--at", "2028-11-24 09:00", "--kind", "ob"),
        ("appt", "edit", "1", "--at", "2030-01-05 09:00"),
    ],
    ids=["add", "edit"],
)
def test_an_appointment_more_than_two_years_ahead_is_asked_about(cli: Cli, args: tuple[str, ...]) -> None:
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--kind", "re")
    before = checksum(cli.db)
    rc, out, err = cli(*args)
    assert (rc, out) == (2, "")
    assert "more than two years from now: is the year right?" in err
    assert "add --yes" in err
    assert checksum(cli.db) == before
    cli.ok(*args, "--yes")
    assert args[args.index("--at") + 1] in [a["local"] for a in cli.json("appt", "list")]


def test_an_appointment_just_under_two_years_ahead_is_not_asked_about(cli: Cli) -> None:
    cli.ok("appt", "add", "--at", "2028-11-22 09:00", "--kind", "ob")
    cli.ok("appt", "edit", "1", "--where", "Riverside")  # an edit that keeps the time never asks
    [appt] = cli.json("appt", "list")
    assert appt["where"] == "Riverside"


def test_question_edit_and_delete_say_what_changed_and_undo_redo_walk_them(cli: Cli) -> None:
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--with", "Dr Lee", "--kind", "re")
    cli.ok("appt", "ask", "1", "Aspirin?")
    out = cli.ok(
        "question", "edit", "1", "--text", "Should I keep taking aspirin?", "--asked", "--answer", "yes"
    )
    assert out == (
        'Changed the question "Aspirin?" for Dr Lee (reproductive endocrinologist) on Mon 30 Nov 2026 at '
        '10:15: the words from "Aspirin?" to "Should I keep taking aspirin?"; marked asked; the answer set '
        'to "yes". rpltrack undo takes it back.\n'
    )
    [q] = cli.json("appt", "show", "1")["questions"]
    assert (q["text"], q["asked"], q["answer"]) == ("Should I keep taking aspirin?", True, "yes")
    cli.ok("question", "edit", "1", "--not-asked")
    assert cli.json("appt", "show", "1")["questions"][0]["asked"] is False
    cli.ok("undo")
    assert cli.json("appt", "show", "1")["questions"][0]["asked"] is True
    assert cli.ok("question", "delete", "1", "--yes").startswith(
        'Deleted the question "Should I keep taking aspirin?" for Dr Lee'
    )
    assert cli.json("appt", "show", "1")["questions"] == []
    cli.ok("undo")
    assert cli.json("appt", "show", "1")["questions"][0]["id"] == 1
    cli.ok("redo")
    assert cli.json("appt", "show", "1")["questions"] == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("question", "edit", "9", "--asked"), "no question with id 9"),
        (("question", "edit", "1"), "nothing to change"),
        (("question", "edit", "1", "--text", "  "), "needs some words"),
        (("question", "delete", "1"), "add --yes"),
        (("question", "delete", "9", "--yes"), "no question with id 9"),
        (("appt", "delete", "9", "--yes"), "no appointment with id 9"),
    ],
    ids=["unknown-id", "nothing", "empty-words", "delete-without-yes", "delete-unknown", "appt-unknown"],
)
def test_bad_question_corrections_are_refused_and_write_nothing(
    cli: Cli, args: tuple[str, ...], words: str
) -> None:
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--kind", "re")
    cli.ok("appt", "ask", "1", "Aspirin?")
    before = checksum(cli.db)
    rc, out, err = cli(*args)
    assert rc == 2, err
    assert out == ""
    assert words in err
    assert checksum(cli.db) == before


def test_appt_list_and_show_print_the_ids_of_appointments_and_questions(cli: Cli) -> None:
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--kind", "re")
    cli.ok("appt", "ask", "1", "Aspirin?")
    assert "       ? 1. Aspirin?" in cli.ok("appt", "list")
    assert "[ ] 1. Aspirin?" in cli.ok("appt", "show", "1")
    assert cli.json("appt", "show", "1")["questions"][0]["id"] == 1


def test_the_change_log_tells_each_correction_in_words(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-20")
    cli.ok("lab", "delete", "1", "--yes")
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--with", "Dr Lee", "--kind", "re")
    cli.ok("appt", "edit", "1", "--where", "Riverside")
    summaries = [c["summary"] for c in cli.json("changes")]
    assert summaries == [
        "changed Dr Lee (reproductive endocrinologist) on Mon 30 Nov 2026 at 10:15: "
        'the place set to "Riverside"',
        "added Dr Lee (reproductive endocrinologist) on Mon 30 Nov 2026 at 10:15",
        "deleted TSH 2.1 mIU/L of 20 Nov 2026",
        "added TSH 2.1 mIU/L of 20 Nov 2026",
    ]
