"""Correcting the timeline from the command line (#13): `KIND edit|delete` for cycle, event, transfer,
beta, pregnancy and loss; undo and redo of each, duplicates (--again) and plausibility questions (--yes)."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import Cli

RECORD_TABLES = (
    "cycles",
    "cycle_events",
    "transfers",
    "betas",
    "pregnancies",
    "medications",
    "regimens",
    "protocol_uses",
)


def record_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in RECORD_TABLES}
    finally:
        conn.close()


def refused(cli: Cli, *args: str) -> str:
    """Exit 2 with a one-line message, and nothing written."""
    before = record_rows(cli.db)
    rc, _, err = cli(*args)
    assert rc == 2, err
    assert err.count("\n") == 1, err
    assert record_rows(cli.db) == before
    return err


@pytest.fixture
def fet(cli: Cli) -> Cli:
    """A FET cycle from 20 Oct at CCRM: a retrieval on 30 Oct, a day-5 transfer on 10 Nov."""
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-10-20", "--clinic", "CCRM")
    cli.ok("event", "add", "retrieval", "--date", "2026-10-30", "--note", "12 eggs")
    cli.ok("transfer", "add", "--date", "2026-11-10", "--embryo-day", "5", "--grade", "4AA")
    return cli


# -- betas ---------------------------------------------------------------------------------------------------


def test_a_mistyped_beta_is_corrected_and_undo_and_redo_walk_it(fet: Cli) -> None:
    """The issue's example: `rpltrack beta edit 7 --value 301` for a 30100 typed by mistake."""
    assert "(beta 1)" in fet.ok("beta", "add", "30100", "--at", "2026-11-19 08:00")
    out = fet.ok("beta", "edit", "1", "--value", "301")
    assert out == ("Changed the beta of 19 Nov 2026 08:00 from 30100 to 301. rpltrack undo takes it back.\n")
    (draw,) = fet.json("betas")["draws"]
    assert (draw["id"], draw["value"]) == (1, "301")
    fet.ok("undo")
    assert fet.json("betas")["draws"][0]["value"] == "30100"
    fet.ok("redo")
    assert fet.json("betas")["draws"][0]["value"] == "301"
    assert "Nothing changed" in fet.ok("beta", "edit", "1", "--value", "301")


def test_beta_edit_of_time_lab_and_unit(fet: Cli) -> None:
    fet.ok("beta", "add", "112", "--at", "2026-11-19 08:00")
    out = fet.ok(
        "beta", "edit", "1", "--value", "115", "--unit", "IU/L", "--at", "2026-11-19 09:30", "--lab", "Quest"
    )
    assert "value from 112 to 115; drawn from 19 Nov 2026 08:00 to 19 Nov 2026 09:30; lab set to Quest" in out
    (draw,) = fet.json("betas")["draws"]
    assert (draw["drawn_at"], draw["value"], draw["lab"]) == ("2026-11-19T09:30:00+00:00", "115", "Quest")
    assert "with its unit" in refused(fet, "beta", "edit", "1", "--unit", "IU/L")
    assert "nothing to change" in refused(fet, "beta", "edit", "1")
    assert "unusual" in refused(fet, "beta", "edit", "1", "--value", "300000")
    fet.ok("beta", "edit", "1", "--value", "300000", "--confirm")


def test_the_same_beta_twice_is_refused_naming_the_first_unless_again(fet: Cli) -> None:
    fet.ok("beta", "add", "112", "--at", "2026-11-19 08:00")
    err = refused(fet, "beta", "add", "112", "--at", "2026-11-19 08:00", "--lab", "Quest")
    assert "already recorded (beta 1)" in err
    assert "add --again" in err
    fet.ok("beta", "add", "112", "--at", "2026-11-19 08:00", "--again")
    assert len(fet.json("betas")["draws"]) == 2


def test_deleting_a_beta_changes_betas_flags_brief_and_export_at_once(fet: Cli, tmp_path: Path) -> None:
    fet.ok("beta", "add", "112", "--at", "2026-11-19 08:00")
    fet.ok("beta", "add", "120", "--at", "2026-11-21 08:00")

    def seen() -> dict[str, Any]:
        brief = tmp_path / "brief.html"
        brief.unlink(missing_ok=True)
        fet.ok("brief", "--out", str(brief))
        folder = tmp_path / "csv"
        for old in folder.glob("*"):
            old.unlink()
        fet.ok("export", "csv", "--out", str(folder))
        text = (folder / "betas.csv").read_bytes().decode("utf-8-sig")
        return {
            "betas": [d["value"] for d in fet.json("betas")["draws"]],
            "flags": [f["id"] for f in fet.json("flags")],
            "brief": "Your beta went from 112 to 120" in brief.read_text(encoding="utf-8"),
            "csv": len(list(csv.DictReader(io.StringIO(text, newline="")))),
        }

    assert seen() == {"betas": ["112", "120"], "flags": ["beta-slow-rise"], "brief": True, "csv": 2}
    out = fet.ok("beta", "delete", "2", "--yes")
    assert out == "Deleted the beta of 120 drawn 21 Nov 2026 08:00. rpltrack undo takes it back.\n"
    assert seen() == {"betas": ["112"], "flags": [], "brief": False, "csv": 1}
    fet.ok("undo")
    assert seen()["betas"] == ["112", "120"]


# -- delete asks first ---------------------------------------------------------------------------------------


def test_delete_without_a_terminal_or_yes_refuses_and_names_the_entry(fet: Cli) -> None:
    fet.ok("beta", "add", "112", "--at", "2026-11-19 08:00")
    err = refused(fet, "beta", "delete", "1")
    assert "Delete the beta of 112 mIU/mL drawn 2026-11-19 08:00 (beta 1)?" in err
    assert "add --yes" in err


@pytest.mark.parametrize(("answer", "deleted"), [("y", True), ("n", False)])
def test_delete_on_a_terminal_asks(
    fet: Cli, monkeypatch: pytest.MonkeyPatch, answer: str, deleted: bool
) -> None:
    asked: list[str] = []

    def reply(prompt: str) -> str:
        asked.append(prompt)
        return answer

    monkeypatch.setattr("rpltrack.cli.confirm.interactive", lambda: True)
    monkeypatch.setattr("builtins.input", reply)
    rc, _, _ = fet("event", "delete", "1")
    assert (rc, bool(fet.json("cycle", "list")[0]["events"])) == ((0, False) if deleted else (2, True))
    assert asked == ["Delete the retrieval on 2026-10-30: 12 eggs (event 1, cycle 1)? [y/N] "]


# -- cycles --------------------------------------------------------------------------------------------------


def test_a_cycle_with_entries_is_deleted_only_when_meant_and_undo_restores_every_row(fet: Cli) -> None:
    fet.ok("beta", "add", "112", "--at", "2026-11-19 08:00")
    fet.ok("pregnancy", "add", "--date", "2026-11-19")
    fet.ok(
        "protocol",
        "apply",
        "medicated-fet-pio",
        "--cycle",
        "1",
        "--dose",
        "estradiol=2 mg",
        "--dose",
        "progesterone in oil=1 mL",
    )
    before = record_rows(fet.db)
    err = refused(fet, "cycle", "delete", "1")
    assert "It has 1 transfer, 1 event, 1 beta result, 1 pregnancy or loss, " in err
    assert "medications scheduled from its events, 1 protocol applied to it" in err
    out = fet.ok("cycle", "delete", "1", "--yes")
    assert out.startswith("Deleted cycle 1 (medicated FET from 2026-10-20 at CCRM), which had 1 transfer")
    assert out.endswith("rpltrack undo takes it back.\n")
    after = record_rows(fet.db)
    assert after["cycles"] == after["cycle_events"] == after["transfers"] == []
    assert {row[3] for row in after["betas"]} == {None}  # cycle_id, the 4th column
    fet.ok("undo")
    assert record_rows(fet.db) == before
    fet.ok("redo")
    assert record_rows(fet.db) == after


def test_cycle_edit_changes_only_what_is_given(fet: Cli) -> None:
    out = fet.ok("cycle", "edit", "1", "--clinic", "", "--ended", "2026-11-22", "--outcome", "negative beta")
    assert out == (
        "Changed cycle 1 (medicated FET from 2026-10-20 at CCRM): clinic cleared (was CCRM); end set to "
        "22 Nov 2026; outcome set to negative beta. rpltrack undo takes it back.\n"
    )
    (cycle,) = fet.json("cycle", "list")
    assert (cycle["kind"], cycle["cd1"], cycle["clinic"], cycle["ended_on"]) == (
        "fet",
        "2026-10-20",
        "",
        "2026-11-22",
    )
    fet.ok("cycle", "edit", "1", "--ended", "none")
    assert fet.json("cycle", "list")[0]["ended_on"] is None
    assert "before this cycle's CD1" in refused(fet, "cycle", "edit", "1", "--cd1", "2026-11-01")
    assert "no cycle with id 9" in refused(fet, "cycle", "edit", "9", "--notes", "x")
    assert "nothing to change" in refused(fet, "cycle", "edit", "1")


def test_a_new_cycle_while_pregnant_asks_and_keeps_the_pregnancy_dated(fet: Cli) -> None:
    """Regression (#13): the Today header went from CD 35 · 13dp5dt · 4w 4d to CD 1 · 0w 0d."""
    fet.ok("pregnancy", "add", "--date", "2026-11-19")
    assert fet.json("today")["where"]["label"] == "CD 35 · 13dp5dt · 4w 4d"
    err = refused(fet, "cycle", "add", "--kind", "natural", "--cd1", "2026-11-23")
    assert "recorded as ongoing" in err
    assert "add --yes" in err
    fet.ok("cycle", "add", "--kind", "natural", "--cd1", "2026-11-23", "--yes")
    assert fet.json("today")["where"]["label"] == "CD 35 · 13dp5dt · 4w 4d"
    (fet_line,) = (line for line in fet.ok("cycle", "list").splitlines() if line.startswith("cycle 1:"))
    assert fet_line.endswith("CD 35 · 13dp5dt · 4w 4d")
    brief = fet.db.parent / "brief.html"
    fet.ok("brief", "--out", str(brief))
    page = brief.read_text(encoding="utf-8")
    assert "CD 35 · 13dp5dt · 4w 4d" in page  # the printed brief dates it the same way
    assert "0w 0d" not in page


def test_a_new_cycle_ends_one_left_open_past_day_60_when_meant(cli: Cli) -> None:
    cli.ok("cycle", "add", "--kind", "natural", "--cd1", "2026-08-01")
    err = refused(cli, "cycle", "add", "--kind", "fet", "--cd1", "2026-10-20")
    assert "will be ended on 2026-10-19, the day before the new CD1" in err
    out = cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-10-20", "--yes")
    assert "Cycle 1 ended on 2026-10-19, the day before." in out
    assert [c["ended_on"] for c in cli.json("cycle", "list")] == [None, "2026-10-19"]
    cli.ok("undo")
    assert [c["ended_on"] for c in cli.json("cycle", "list")] == [None]


# -- events and transfers ------------------------------------------------------------------------------------


def test_event_edit_and_delete_with_undo(fet: Cli) -> None:
    out = fet.ok("event", "edit", "1", "--kind", "ultrasound", "--note", "")
    assert "kind from retrieval to ultrasound; note cleared (was 12 eggs)" in out
    assert fet.json("cycle", "list")[0]["events"] == [
        {"id": 1, "kind": "ultrasound", "date": "2026-10-30", "note": ""}
    ]
    assert "[event 1]" in fet.ok("cycle", "list")
    fet.ok("event", "delete", "1", "--yes")
    assert fet.json("cycle", "list")[0]["events"] == []
    fet.ok("undo")
    fet.ok("undo")
    assert fet.json("cycle", "list")[0]["events"][0]["kind"] == "retrieval"


def test_transfer_edit_and_a_delete_that_schedules_depend_on(fet: Cli) -> None:
    out = fet.ok("transfer", "edit", "1", "--count", "2", "--pgt", "euploid")
    assert "embryos from 1 to 2; PGT set to euploid" in out
    (transfer,) = fet.json("cycle", "list")[0]["transfers"]
    assert (transfer["count"], transfer["pgt"], transfer["grade"]) == (2, "euploid", "4AA")
    fet.ok("med", "add", "lovenox", "--dose", "40 mg", "--times", "20:00", "--start", "transfer")
    err = refused(fet, "transfer", "delete", "1")
    assert "It has 1 medication scheduled from the transfer" in err
    fet.ok("transfer", "delete", "1", "--yes")
    (med,) = fet.json("med", "list")
    assert med["waiting_for"] == "transfer"
    fet.ok("undo")
    assert fet.json("med", "list")[0]["start"] == "2026-11-10"


# -- pregnancies and losses ----------------------------------------------------------------------------------


def test_pregnancy_edit_and_delete(fet: Cli) -> None:
    fet.ok("pregnancy", "add", "--date", "2026-11-19")
    fet.ok("pregnancy", "end", "--date", "2026-11-22", "--outcome", "biochemical")
    out = fet.ok(
        "pregnancy", "edit", "1", "--outcome", "miscarriage", "--ga", "4w2d", "--confirmed", "ultrasound"
    )
    assert "outcome from biochemical to miscarriage; gestational age from 4w 3d to 4w 2d" in out
    (p,) = fet.json("history")["pregnancies"]
    assert (p["id"], p["outcome"], p["ga_days"], p["confirmed"]) == (1, "miscarriage", 30, "ultrasound")
    fet.ok("pregnancy", "delete", "1", "--yes")
    assert fet.json("history")["pregnancies"] == []
    fet.ok("undo")
    assert fet.json("history")["counts"]["eshre"] == 1


def test_loss_edit_and_delete_take_losses_only(cli: Cli) -> None:
    assert "(loss 1)" in cli.ok("loss", "add", "--date", "2025-01-10", "--ga", "7w", "--kind", "miscarriage")
    out = cli.ok("loss", "edit", "1", "--date", "2025-01-12", "--kind", "biochemical", "--approx")
    assert "outcome from miscarriage to biochemical; end from 10 Jan 2025 to 12 Jan 2025" in out
    assert "   1  2025-01-12  biochemical pregnancy loss at about 7w 0d (approximate)" in cli.ok("history")
    cli.ok("pregnancy", "add", "--date", "2026-11-19")
    err = refused(cli, "loss", "edit", "2", "--ga", "5w")
    assert "not a loss: change it with rpltrack pregnancy edit 2" in err
    assert "not a loss" in refused(cli, "loss", "delete", "2", "--yes")
    assert "not a loss" in refused(cli, "loss", "edit", "1", "--kind", "live-birth")
    cli.ok("loss", "delete", "1", "--yes")
    assert [p["id"] for p in cli.json("history")["pregnancies"]] == [2]
    cli.ok("undo")  # the delete
    cli.ok("undo")  # the pregnancy
    assert [p["outcome"] for p in cli.json("history")["pregnancies"]] == ["biochemical"]
    cli.ok("undo")  # the edit
    assert [p["outcome"] for p in cli.json("history")["pregnancies"]] == ["miscarriage"]


def test_the_same_loss_twice_is_refused_and_counted_once(cli: Cli) -> None:
    """Regression (#13): two losses on the same date were counted twice under ESHRE."""
    cli.ok("loss", "add", "--date", "2025-01-10", "--ga", "7w", "--kind", "miscarriage")
    err = refused(cli, "loss", "add", "--date", "2025-01-10", "--kind", "biochemical")
    assert "already recorded (entry 1)" in err
    assert "add --again" in err
    assert cli.json("history")["counts"]["eshre"] == 1
    cli.ok("loss", "add", "--date", "2025-01-10", "--kind", "biochemical", "--again")
    assert cli.json("history")["counts"]["eshre"] == 2


def test_a_live_birth_before_20_weeks_is_asked_about(fet: Cli) -> None:
    fet.ok("pregnancy", "add", "--date", "2026-11-19")
    err = refused(fet, "pregnancy", "end", "--date", "2026-11-23", "--outcome", "live-birth", "--ga", "18w")
    assert "A live birth at 18w 0d is before 20 weeks" in err
    fet.ok("pregnancy", "end", "--date", "2026-11-23", "--outcome", "live-birth", "--ga", "18w", "--yes")
    assert fet.json("history")["pregnancies"][0]["outcome"] == "live-birth"


def test_a_loss_overlapping_another_in_time_is_asked_about(cli: Cli) -> None:
    cli.ok("loss", "add", "--date", "2025-05-01", "--ga", "7w", "--kind", "miscarriage")
    err = refused(cli, "loss", "add", "--date", "2025-04-20", "--ga", "12w", "--kind", "miscarriage")
    assert "two pregnancies cannot overlap" in err
    cli.ok("loss", "add", "--date", "2025-04-20", "--ga", "12w", "--kind", "miscarriage", "--yes")


def test_listings_show_ids(fet: Cli) -> None:
    fet.ok("beta", "add", "112", "--at", "2026-11-19 08:00")
    assert fet.ok("betas").splitlines()[0].split()[0] == "1"
    assert [c["id"] for c in fet.json("cycle", "list")] == [1]
    cycle_text = fet.ok("cycle", "list")
    assert "[transfer 1]" in cycle_text
    assert "[event 1]" in cycle_text
