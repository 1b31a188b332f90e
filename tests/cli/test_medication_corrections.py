"""Correcting the record (#13) from the command line: `med edit|delete`, `dose edit|delete`, ids in `med list`
and `log`, duplicate medications and `--again`, and two medications of one name picked by id. In process
through main(argv) on a real journal file, at a frozen time (Monday 23 Nov 2026, 08:40 London)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from rpltrack.store.journal import Journal
from tests.cli.support import Cli, checksum


def rows(path: Path, table: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY id")]
    finally:
        conn.close()


def add_aspirin(cli: Cli, *extra: str) -> None:
    """Aspirin 81 mg at 08:00 from 1 Nov, entered the day before."""
    with freeze_time("2026-10-31 18:00:00"):
        cli.ok(
            "med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-11-01", *extra
        )


def log_ids(cli: Cli) -> list[int]:
    return [e["id"] for e in cli.json("log", "--from", "2026-11-01", "--to", "2026-11-23")]


# -- medications ------------------------------------------------------------------------------------------


def test_med_list_shows_each_medication_id(cli: Cli) -> None:
    add_aspirin(cli)
    assert cli.ok("med", "list").splitlines()[0].startswith("  1  aspirin: 81 mg, 08:00 daily")
    assert [m["id"] for m in cli.json("med", "list")] == [1]


def test_med_edit_by_id_changes_what_is_given_in_one_change_and_undo_redo_walk_it(cli: Cli) -> None:
    add_aspirin(cli)
    before = checksum(cli.db, ("medications", "regimens"))
    out = cli.ok(
        "med",
        "edit",
        "1",
        "--name",
        "baby aspirin",
        "--route",
        "oral",
        "--start",
        "2026-11-02",
        "--until",
        "2027-01-31",
        "--notes",
        "with food",
        "--supply",
        "28",
        "--dose",
        "75 mg",
        "--from",
        "2026-11-25",
    )
    assert out.splitlines()[0] == (
        "Saved: baby aspirin — renamed to baby aspirin; notes changed; 28 on hand; starts 2026-11-02; "
        "until 2027-01-31; 75 mg 08:00 daily from 2026-11-25. (rpltrack undo takes it back.)"
    )
    (med,) = cli.json("med", "list")
    assert (med["name"], med["start"], med["end"], med["supply"], med["notes"]) == (
        "baby aspirin",
        "2026-11-02",
        "2027-01-31",
        28,
        "with food",
    )
    (change,) = cli.json("changes", "--limit", "1")
    assert change["summary"].startswith("edited aspirin: renamed to baby aspirin;")
    assert cli.ok("undo").startswith("Undone: edited aspirin: renamed to baby aspirin;")
    assert checksum(cli.db, ("medications", "regimens")) == before
    assert cli.ok("redo").startswith("Redone: edited aspirin")
    assert [m["name"] for m in cli.json("med", "list")] == ["baby aspirin"]


def test_med_edit_until_an_event_needs_a_cycle(cli: Cli) -> None:
    add_aspirin(cli)
    before = checksum(cli.db)
    rc, out, err = cli("med", "edit", "aspirin", "--until", "36w0d")
    assert (rc, out) == (2, "")
    assert "needs a cycle" in err
    assert checksum(cli.db) == before


def test_med_delete_without_yes_and_without_a_terminal_is_refused_and_writes_nothing(cli: Cli) -> None:
    add_aspirin(cli)
    before = checksum(cli.db)
    rc, out, err = cli("med", "delete", "aspirin")
    assert (rc, out) == (2, "")
    assert err.startswith("rpltrack: Delete aspirin (id 1: 81 mg, 08:00 daily, from 2026-11-01)?")
    assert err.rstrip().endswith("add --yes if it is meant.")
    assert checksum(cli.db) == before


def test_med_delete_removes_it_and_undo_and_redo_walk_it(cli: Cli) -> None:
    add_aspirin(cli)
    before = checksum(cli.db, ("medications", "regimens"))
    out = cli.ok("med", "delete", "1", "--yes")
    assert out == (
        "Deleted: aspirin (id 1: 81 mg, 08:00 daily, from 2026-11-01). (rpltrack undo takes it back.)\n"
    )
    assert rows(cli.db, "medications") == []
    assert rows(cli.db, "regimens") == []
    assert cli.ok("undo").startswith("Undone: deleted aspirin")
    assert checksum(cli.db, ("medications", "regimens")) == before
    cli.ok("redo")
    assert rows(cli.db, "medications") == []


def test_med_delete_of_a_medication_with_history_stops_it_and_keeps_its_doses(cli: Cli) -> None:
    add_aspirin(cli)
    cli.ok("take", "aspirin", "--at", "2026-11-22 08:05")
    cli.ok("take", "aspirin")
    rc, _, err = cli("med", "delete", "aspirin")
    assert rc == 2
    assert "has 2 logged doses; logged doses are never deleted. Stop it from now instead" in err
    out = cli.ok("med", "delete", "aspirin", "--yes")
    assert out.startswith("Stopped instead of deleted: aspirin has 2 logged doses and logged doses are never")
    assert "(rpltrack undo takes it back.)" in out
    assert len(rows(cli.db, "doses")) == 2
    (med,) = rows(cli.db, "medications")
    assert med["stopped_utc"] == "2026-11-23T08:40:00Z"
    cli.ok("undo")
    assert rows(cli.db, "medications")[0]["stopped_utc"] is None


def test_med_delete_on_a_terminal_shows_the_entry_and_its_dependents_and_asks(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_aspirin(cli)
    cli.ok("take", "aspirin")
    asked: list[str] = []
    monkeypatch.setattr("rpltrack.cli.confirm.interactive", lambda: True)

    def answer_no(question: str) -> str:
        asked.append(question)
        return "n"

    monkeypatch.setattr("builtins.input", answer_no)
    rc, out, _ = cli("med", "delete", "aspirin")
    assert rc == 2
    assert out.startswith("aspirin (id 1: 81 mg, 08:00 daily, from 2026-11-01); 1 logged dose")
    assert asked == [
        "aspirin (id 1) has 1 logged dose; logged doses are never deleted. Stop it from now instead, keeping "
        "its history? [y/N] "
    ]
    assert rows(cli.db, "medications")[0]["stopped_utc"] is None
    monkeypatch.setattr("builtins.input", lambda question: "y")
    assert cli("med", "delete", "aspirin")[0] == 0
    assert rows(cli.db, "medications")[0]["stopped_utc"] is not None


# -- duplicates and ids -----------------------------------------------------------------------------------


def test_a_second_current_medication_of_the_same_name_is_refused_unless_again(cli: Cli) -> None:
    add_aspirin(cli)
    before = checksum(cli.db)
    rc, out, err = cli("med", "add", "Aspirin", "--dose", "75 mg", "--times", "20:00")
    assert (rc, out) == (2, "")
    assert err == (
        "rpltrack: aspirin is already in your journal (id 1: 81 mg 08:00 daily, active). Nothing was added. "
        "To change that one: rpltrack med edit 1 --dose ...; to add a second Aspirin anyway, add --again\n"
    )
    assert checksum(cli.db) == before
    cli.ok("med", "add", "Aspirin", "--dose", "75 mg", "--times", "20:00", "--again")
    assert [m["id"] for m in cli.json("med", "list")] == [1, 2]


def test_two_medications_of_one_name_are_picked_by_id_in_every_command(cli: Cli) -> None:
    add_aspirin(cli)
    cli.ok("med", "add", "aspirin", "--dose", "75 mg", "--times", "20:00", "--start", "2026-11-01", "--again")
    for command in (("take",), ("skip",), ("med", "edit"), ("med", "stop"), ("med", "delete")):
        rc, _, err = cli(*command, "aspirin", *(("--notes", "x") if command == ("med", "edit") else ()))
        assert rc == 2
        words = " ".join(command)
        assert err.rstrip().endswith(
            f"Give its id instead of the name: rpltrack {words} 1 or rpltrack {words} 2"
        ), err
        assert "id 1: aspirin, 81 mg 08:00 daily, active; id 2: aspirin, 75 mg 20:00 daily, active" in err
    assert cli.ok("take", "1").startswith("Saved: aspirin 81 mg taken at 2026-11-23 08:40")
    assert cli.ok("skip", "#2", "--at", "2026-11-22 20:00").startswith(
        "Saved: aspirin, the Sun 20:00 dose, skipped"
    )
    logged = {(e["medication_id"], e["status"]) for e in cli.json("log")}
    assert logged == {(1, "taken"), (2, "skipped")}
    assert cli.ok("med", "edit", "2", "--name", "aspirin evening").startswith("Saved: aspirin evening")
    assert cli.ok("med", "stop", "1").startswith("Stopped: aspirin")
    assert cli.ok("med", "delete", "2", "--yes").startswith("Stopped instead of deleted: aspirin evening")
    with Journal.open(cli.db) as journal:
        assert [m.name for m in journal.medications()] == ["aspirin", "aspirin evening"]
        assert journal.count("doses") == 2


# -- logged doses -----------------------------------------------------------------------------------------


def test_log_shows_each_dose_id(cli: Cli) -> None:
    add_aspirin(cli)
    cli.ok("take", "aspirin", "--at", "2026-11-22 08:05")
    (dose_id,) = log_ids(cli)
    text = cli.ok("log")
    assert text == f"{dose_id:>3}  2026-11-22 08:05  aspirin (08:00 dose): taken 81 mg — logged later\n"


def test_dose_edit_corrects_a_dose_and_undo_and_redo_walk_it(cli: Cli) -> None:
    add_aspirin(cli)
    cli.ok("take", "aspirin", "--at", "2026-11-22 08:30")
    (dose_id,) = log_ids(cli)
    before = checksum(cli.db, ("doses",))
    out = cli.ok(
        "dose", "edit", str(dose_id), "--at", "2026-11-22 07:55", "--site", "left thigh", "--note", "ok"
    )
    assert out == (
        "Saved: the aspirin dose of 2026-11-22 08:00 — taken at 2026-11-22 07:55 (was 2026-11-22 08:30); "
        "site left thigh; note changed. (rpltrack undo takes it back.)\n"
    )
    (entry,) = cli.json("log", "--from", "2026-11-22", "--to", "2026-11-22")
    assert (entry["id"], entry["taken_at"], entry["site"], entry["note"]) == (
        dose_id,
        "2026-11-22T07:55:00+00:00",
        "left thigh",
        "ok",
    )
    cli.ok("undo")
    assert checksum(cli.db, ("doses",)) == before
    cli.ok("redo")
    assert rows(cli.db, "doses")[0]["taken_utc"] == "2026-11-22T07:55:00Z"


def test_dose_edit_from_taken_to_skipped_and_back(cli: Cli) -> None:
    add_aspirin(cli)
    cli.ok("take", "aspirin", "--at", "2026-11-22 08:05", "--site", "arm")
    (dose_id,) = log_ids(cli)
    out = cli.ok("dose", "edit", str(dose_id), "--skipped", "--reason", "nausea")
    assert out.startswith(
        "Saved: the aspirin dose of 2026-11-22 08:00 — skipped (was taken); reason: nausea."
    )
    (row,) = rows(cli.db, "doses")
    assert (row["status"], row["taken_utc"], row["amount"], row["site"], row["reason"]) == (
        "skipped",
        None,
        None,
        None,
        "nausea",
    )
    cli.ok("dose", "edit", f"#{dose_id}", "--taken")
    (row,) = rows(cli.db, "doses")
    assert (row["status"], row["taken_utc"], row["amount"], row["unit"], row["reason"]) == (
        "taken",
        "2026-11-22T08:00:00Z",
        81.0,
        "mg",
        "",
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(("--at", "2026-11-23 12:00"), "in the future", id="future"),
        pytest.param(("--amount", "2 tablet"), "not measured in tablet", id="unit-family"),
        pytest.param(("--site", "x" * 61), "60 characters", id="long-site"),
        pytest.param((), "nothing to change", id="nothing"),
        pytest.param(("--skipped", "--site", "arm"), "a skipped dose has no site", id="skipped-with-site"),
    ],
)
def test_a_refused_dose_edit_exits_2_and_writes_nothing(cli: Cli, args: tuple[str, ...], words: str) -> None:
    add_aspirin(cli)
    cli.ok("take", "aspirin", "--at", "2026-11-22 08:05")
    (dose_id,) = log_ids(cli)
    before = checksum(cli.db)
    rc, out, err = cli("dose", "edit", str(dose_id), *args)
    assert (rc, out) == (2, "")
    assert words in err
    assert len(err.splitlines()) == 1
    assert checksum(cli.db) == before


def test_dose_edit_of_an_unknown_id_says_where_ids_are(cli: Cli) -> None:
    rc, _, err = cli("dose", "edit", "12", "--note", "x")
    assert rc == 2
    assert err == "rpltrack: there is no logged dose with id 12: rpltrack log shows each one's id\n"


def test_dose_delete_asks_or_needs_yes_and_undo_brings_it_back(cli: Cli) -> None:
    add_aspirin(cli)
    cli.ok("take", "aspirin", "--at", "2026-11-22 08:05")
    (dose_id,) = log_ids(cli)
    before = checksum(cli.db)
    doses = checksum(cli.db, ("doses",))
    rc, out, err = cli("dose", "delete", str(dose_id))
    assert (rc, out) == (2, "")
    assert "add --yes if it is meant" in err
    assert checksum(cli.db) == before
    out = cli.ok("dose", "delete", str(dose_id), "--yes")
    assert out == (
        f"Deleted: the aspirin dose of 2026-11-22 08:00 (id {dose_id}, taken 81 mg at 2026-11-22 08:05). "
        "(rpltrack undo takes it back.)\n"
    )
    assert rows(cli.db, "doses") == []
    cli.ok("undo")
    assert checksum(cli.db, ("doses",)) == doses
    assert [r["id"] for r in rows(cli.db, "doses")] == [dose_id]
    cli.ok("redo")
    assert rows(cli.db, "doses") == []
