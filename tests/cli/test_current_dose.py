"""`med list` shows her dose of the day, and an upcoming change as such (#15): a taper on 6 Dec is at its
first step, a dose change dated 8 Dec is not the current dose on 6 Dec, and steps after a new end are gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rpltrack.cli.main import main


def run(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> str:
    capsys.readouterr()
    assert main(["--db", str(db), "--tz", "Europe/London", *argv]) == 0
    return capsys.readouterr().out


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "journal.db"
    taper = "20 mg x 6w; 10 mg x 1w; 5 mg x 1w"
    run(
        capsys,
        path,
        "med",
        "add",
        "prednisone",
        "--taper",
        taper,
        "--times",
        "08:00",
        "--start",
        "2026-11-18",
    )
    run(
        capsys,
        path,
        "med",
        "add",
        "levothyroxine",
        "--dose",
        "75 mcg",
        "--times",
        "07:00",
        "--start",
        "2026-11-01",
    )
    run(capsys, path, "med", "edit", "levothyroxine", "--dose", "88 mcg", "--from", "2026-12-08")
    return path


@pytest.mark.parametrize(
    ("day", "levothyroxine", "prednisone"),
    [
        pytest.param(
            "2026-12-06", ("75 mcg", "2026-12-08"), ("20 mg", "2026-12-30"), id="before-each-change"
        ),
        pytest.param("2026-12-08", ("88 mcg", None), ("20 mg", "2026-12-30"), id="on-the-dated-change"),
        pytest.param("2026-12-30", ("88 mcg", None), ("10 mg", "2027-01-06"), id="on-a-taper-step"),
        pytest.param("2027-01-07", ("88 mcg", None), ("5 mg", None), id="after-every-change"),
    ],
)
def test_med_list_shows_the_dose_of_the_day_and_the_next_change(
    db: Path,
    capsys: pytest.CaptureFixture[str],
    day: str,
    levothyroxine: tuple[str, str | None],
    prednisone: tuple[str, str | None],
) -> None:
    listed = {
        m["name"]: m for m in json.loads(run(capsys, db, "med", "list", "--json", "--as-of", f"{day} 09:00"))
    }
    text = run(capsys, db, "med", "list", "--as-of", f"{day} 09:00")
    for name, (dose, change_on) in (("levothyroxine", levothyroxine), ("prednisone", prednisone)):
        med = listed[name]
        assert med["dose"]["text"] == dose
        assert med["dose_today"]["text"] == dose
        assert (med["next_change"] or {}).get("from") == change_on
        assert f"{name}: {dose}," in text
        if change_on is not None:
            assert f"from {change_on}" in text


def test_steps_after_a_new_end_are_not_listed(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, db, "med", "edit", "prednisone", "--until", "2026-12-20")
    (pred,) = (
        m
        for m in json.loads(run(capsys, db, "med", "list", "--json", "--as-of", "2026-12-06 09:00"))
        if m["name"] == "prednisone"
    )
    assert pred["next_change"] is None
    text = run(capsys, db, "med", "list", "--as-of", "2026-12-06 09:00")
    assert "10 mg" not in text
    assert "5 mg" not in text
