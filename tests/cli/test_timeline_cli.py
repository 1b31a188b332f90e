"""The treatment timeline from the command line: cycles, transfers, betas, pregnancies, losses, history."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from rpltrack.cli.main import main

AS_OF = ["--tz", "Europe/London"]


def run(db: Path, *argv: str) -> int:
    return main(["--db", str(db), *AS_OF, *argv])


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}
    finally:
        conn.close()


@pytest.fixture
def fet(tmp_path: Path) -> Path:
    db = tmp_path / "journal.db"
    assert run(db, "cycle", "add", "--kind", "fet", "--cd1", "2026-10-20", "--clinic", "CCRM") == 0
    assert run(db, "transfer", "add", "--date", "2026-11-10", "--embryo-day", "5", "--pgt", "euploid") == 0
    return db


def test_a_transfer_dates_the_today_header(fet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(fet, "pregnancy", "add", "--date", "2026-11-19") == 0
    capsys.readouterr()
    assert run(fet, "today", "--json", "--as-of", "2026-11-19 09:00") == 0
    where = json.loads(capsys.readouterr().out)["where"]
    assert where["label"] == "CD 31 · 9dp5dt · 4w 0d"
    assert where["due_date"] == "2027-07-29"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ("transfer", "add", "--date", "2026-10-01", "--embryo-day", "5", "--cycle", "1"),
            "before this cycle's CD1",
            id="transfer-before-cd1",
        ),
        pytest.param(
            ("transfer", "add", "--date", "2026-11-11", "--embryo-day", "9"), "not day 9", id="day-9"
        ),
        pytest.param(("beta", "add", "-3", "--at", "2026-11-19 08:00"), "cannot be negative", id="negative"),
        pytest.param(
            ("beta", "add", "120", "--unit", "ng/mL", "--at", "2026-11-19 08:00"),
            "unknown unit for hCG: ng/mL",
            id="ng-per-ml",
        ),
        pytest.param(("beta", "add", "300000", "--at", "2026-11-19 08:00"), "unusual", id="needs-confirm"),
        pytest.param(
            ("loss", "add", "--date", "2025-01-10", "--ga", "45w", "--kind", "miscarriage"),
            "beyond 44 weeks",
            id="ga-45w",
        ),
        pytest.param(
            ("loss", "add", "--date", "2025-01-10", "--kind", "live-birth"), "not a loss", id="not-loss"
        ),
        pytest.param(
            ("cycle", "add", "--kind", "frozen", "--cd1", "2026-11-01"), "unknown cycle kind", id="kind"
        ),
        pytest.param(
            ("event", "add", "retrieval", "--date", "2026-11-12"),
            "after this cycle's transfer",
            id="retrieval-after-transfer",
        ),
        pytest.param(("cycle", "add", "--kind", "fet", "--cd1", "2099-01-01"), "in the future", id="future"),
    ],
)
def test_bad_timeline_input_changes_nothing(
    fet: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    before = table_counts(fet)
    capsys.readouterr()
    assert run(fet, *argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert table_counts(fet) == before


def test_betas_report_rise_doubling_and_source(fet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(fet, "beta", "add", "112", "--at", "2026-11-19 08:00", "--lab", "Quest") == 0
    assert run(fet, "beta", "add", "250", "--at", "2026-11-21 08:00", "--lab", "Quest") == 0
    assert run(fet, "beta", "add", "<5", "--at", "2026-11-23 08:00", "--lab", "Other lab") == 0
    capsys.readouterr()
    assert run(fet, "betas", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert [d["value"] for d in report["draws"]] == ["112", "250", "<5"]
    first, second = report["pairs"]
    assert first["hours"] == 48.0
    assert first["rise_48h_percent"] == 123.2
    assert first["minimum_source"] == "S15"
    assert first["verdict"] == "meets"
    assert second["verdict"] == "falling"
    assert second["doubling_hours"] is None
    assert second["different_labs"] is True


def test_history_counts_early_losses_and_undo_takes_one_back(
    fet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(fet, "loss", "add", "--date", "2025-01-10", "--kind", "biochemical") == 0
    assert (
        run(
            fet,
            "loss",
            "add",
            "--date",
            "2025-05-01",
            "--ga",
            "7w2d",
            "--kind",
            "miscarriage",
            "--confirmed",
            "ultrasound",
        )
        == 0
    )
    capsys.readouterr()
    assert run(fet, "history", "--json") == 0
    history = json.loads(capsys.readouterr().out)
    assert history["counts"]["eshre"] == 2
    assert history["definitions_met"] == {"ESHRE": True, "ASRM": False, "RCOG": False}
    assert run(fet, "undo") == 0
    capsys.readouterr()
    assert run(fet, "history", "--json") == 0
    assert json.loads(capsys.readouterr().out)["counts"]["eshre"] == 1


def test_pregnancy_end_takes_ga_from_the_transfer(fet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(fet, "pregnancy", "add", "--date", "2026-11-19") == 0
    assert run(fet, "pregnancy", "end", "--date", "2026-11-23", "--outcome", "biochemical") == 0
    capsys.readouterr()
    assert run(fet, "history", "--json") == 0
    (pregnancy,) = json.loads(capsys.readouterr().out)["pregnancies"]
    assert pregnancy["outcome"] == "biochemical"
    assert pregnancy["ga_days"] == 32  # 13dp5dt = 4w4d
    assert pregnancy["counted_loss"] is True


def test_an_anchored_schedule_waits_then_follows_the_transfer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A schedule "from transfer until 36w0d" waits for the transfer, is placed when it is entered, and
    moves when its date is corrected; undo puts it back."""
    db = tmp_path / "journal.db"
    assert run(db, "cycle", "add", "--kind", "fet", "--cd1", "2026-10-20") == 0
    assert (
        run(
            db,
            "med",
            "add",
            "lovenox",
            "--dose",
            "40 mg",
            "--times",
            "20:00",
            "--start",
            "transfer",
            "--until",
            "36w0d",
        )
        == 0
    )

    def lovenox() -> dict[str, object]:
        capsys.readouterr()
        assert run(db, "med", "list", "--json") == 0
        (med,) = json.loads(capsys.readouterr().out)
        return dict(med)

    waiting = lovenox()
    assert (waiting["state"], waiting["waiting_for"], waiting["start"]) == ("waiting", "transfer", None)
    assert run(db, "transfer", "add", "--date", "2026-11-10", "--embryo-day", "5") == 0
    placed = lovenox()
    assert (placed["start"], placed["end"]) == ("2026-11-10", "2027-06-30")  # 36w0d on 2027-07-01
    capsys.readouterr()
    assert run(db, "cycle", "list", "--json") == 0
    transfer_id = json.loads(capsys.readouterr().out)[0]["transfers"][0]["id"]
    assert run(db, "transfer", "edit", str(transfer_id), "--date", "2026-11-12") == 0
    assert (lovenox()["start"], lovenox()["end"]) == ("2026-11-12", "2027-07-02")
    assert run(db, "undo") == 0
    assert lovenox()["start"] == "2026-11-10"


def test_a_planned_medication_is_found_while_others_are_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Names are looked up in what she takes now, then in what is planned or waiting, then in her history."""
    db = tmp_path / "journal.db"
    assert (
        run(db, "med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-01-01") == 0
    )
    assert run(db, "cycle", "add", "--kind", "fet", "--cd1", "2026-10-20") == 0
    assert run(db, "med", "add", "lovenox", "--dose", "40 mg", "--times", "20:00", "--start", "transfer") == 0
    capsys.readouterr()
    assert run(db, "med", "edit", "lovenox", "--notes", "from the clinic's calendar") == 0
    assert "Saved: lovenox" in capsys.readouterr().out


def test_a_backdated_dose_change_on_a_schedule_whose_event_is_past_keeps_the_order(cli) -> None:
    """Regression (#8): a medication anchored to a transfer already past, entered today and changed from
    two days ago, keeps its first dose from the anchor and the new dose from the change's date."""
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-10-20")
    cli.ok("transfer", "add", "--date", "2026-11-08", "--embryo-day", "5")
    cli.ok(
        "med", "add", "progesterone in oil", "--dose", "1 mL", "--times", "20:00", "--start", "transfer-5d"
    )
    cli.ok("med", "edit", "progesterone in oil", "--dose", "1.5 mL", "--from", "2026-11-21")

    def amount_on(day: str) -> str:
        [dose] = cli.json("today", "--as-of", f"{day} 21:00")["doses"]
        return str(dose["amount"]["text"])

    assert amount_on("2026-11-03") == "1 mL"
    assert amount_on("2026-11-20") == "1 mL"
    assert amount_on("2026-11-21") == "1.5 mL"
    assert amount_on("2026-11-23") == "1.5 mL"
