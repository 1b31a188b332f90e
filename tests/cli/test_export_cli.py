"""`rpltrack export csv` and `rpltrack import csv` from the command line.

The clock is frozen at Monday 2026-11-23 08:40 UTC (London wall time in November).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rpltrack.export.csv_export import FILE_NAMES
from tests.cli.support import Cli, checksum


def fill(cli: Cli) -> None:
    """A little of everything, typed the way she would."""
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-11-20")
    cli.ok("med", "add", "Lovenox", "--dose", "40 mg", "--times", "20:00", "--start", "2026-11-20")
    cli.ok("take", "aspirin", "--at", "2026-11-21 08:05")
    cli.ok("skip", "Lovenox", "--at", "2026-11-21 20:00", "--reason", "=cmd|' /C calc'!A0")
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-10-10")
    cli.ok("transfer", "add", "--date", "2026-10-29", "--embryo-day", "5")
    cli.ok("beta", "add", "110", "--at", "2026-11-09 08:30")
    cli.ok("beta", "add", "45", "--at", "2026-11-07 08:00")
    cli.ok(
        "lab", "add", "TSH", "2.8", "--date", "2026-11-18", "--range", "0.4-4.0", "--note", "+ fasting, µ β"
    )
    cli.ok("loss", "add", "--date", "2025-03-02", "--ga", "8w3d", "--kind", "miscarriage")
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--with", "Dr Lee", "--kind", "re", "--ask-flags")
    cli.ok("settings", "set", "tsh.target", "2.5")


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_export_csv_writes_every_file_and_says_where(cli: Cli, tmp_path: Path) -> None:
    fill(cli)
    out = cli.ok("export", "csv", "--out", str(tmp_path / "for-dr-lee"))
    folder = (tmp_path / "for-dr-lee").resolve()
    assert out.splitlines()[0] == f"Saved {len(FILE_NAMES)} CSV files in {folder}:"
    assert [line.strip() for line in out.splitlines()[1 : 1 + len(FILE_NAMES)]] == list(FILE_NAMES)
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILE_NAMES)
    skipped = next(r for r in rows(folder / "doses.csv") if r["State"] == "skipped")
    assert skipped["Reason skipped"] == "'=cmd|' /C calc'!A0"
    (tsh,) = rows(folder / "labs.csv")
    assert (tsh["Test"], tsh["Value"], tsh["Unit"], tsh["Note"]) == ("TSH", "2.8", "mIU/L", "'+ fasting, µ β")


def test_export_csv_default_folder_is_in_the_documents_folder(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Documents").mkdir()
    fill(cli)
    out = cli.ok("export", "csv")
    folder = tmp_path / "Documents" / "rpltrack-export-20261123-0840"
    assert f"in {folder}:" in out
    assert (folder / "summary.csv").is_file()
    assert "-2:" in cli.ok("export", "csv").splitlines()[0]  # a second export never overwrites the first


def test_export_csv_from_to_limits_the_records(cli: Cli, tmp_path: Path) -> None:
    fill(cli)
    cli.ok("export", "csv", "--out", str(tmp_path / "out"), "--from", "2026-11-08", "--to", "2026-11-21")
    assert [r["Drawn at (local)"] for r in rows(tmp_path / "out" / "betas.csv")] == ["2026-11-09 08:30"]
    assert [r["Ended on"] for r in rows(tmp_path / "out" / "pregnancies.csv")] == []
    assert {r["Scheduled (local)"][:10] for r in rows(tmp_path / "out" / "doses.csv")} == {
        "2026-11-20",
        "2026-11-21",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-11-20", "--to", "2026-11-01"], "--from 2026-11-20 is after --to 2026-11-01"),
        (["--from", "2026-13-01"], "2026-13-01"),
        (["--to", "yesterday"], "yesterday"),
    ],
    ids=["reversed", "bad-month", "not-a-date"],
)
def test_export_csv_bad_period_is_exit_2_and_writes_nothing(
    cli: Cli, tmp_path: Path, args: list[str], message: str
) -> None:
    rc, out, err = cli("export", "csv", "--out", str(tmp_path / "out"), *args)
    assert (rc, out) == (2, "")
    assert message in err
    assert not (tmp_path / "out").exists()


def test_export_csv_into_a_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    rc, _, err = cli("export", "csv", "--out", str(tmp_path / "notes.txt"))
    assert rc == 2
    assert "is a file, not a folder" in err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_import_csv_round_trip_through_the_command_line(cli: Cli, tmp_path: Path, capsys) -> None:
    fill(cli)
    cli.ok("export", "csv", "--out", str(tmp_path / "first"))
    copy = Cli(tmp_path / "copy.db", capsys)
    out = copy.ok("import", "csv", str(tmp_path / "first"))
    assert out.startswith(f"Imported {tmp_path / 'first'} into {tmp_path / 'copy.db'}: 2 medications, ")
    assert [m["name"] for m in copy.json("med", "list")] == ["aspirin", "Lovenox"]
    copy.ok("export", "csv", "--out", str(tmp_path / "second"))
    for name in FILE_NAMES:
        assert (tmp_path / "second" / name).read_bytes() == (tmp_path / "first" / name).read_bytes(), name


def test_import_csv_into_a_journal_with_records_is_exit_2_and_changes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    fill(cli)
    cli.ok("export", "csv", "--out", str(tmp_path / "first"))
    before = checksum(cli.db)
    rc, out, err = cli("import", "csv", str(tmp_path / "first"))
    assert (rc, out) == (2, "")
    assert "already has records; an import goes into an empty journal" in err
    assert "Nothing was imported" in err
    assert checksum(cli.db) == before


def test_import_csv_of_a_folder_that_is_not_an_export_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "holiday").mkdir()
    rc, _, err = cli("import", "csv", str(tmp_path / "holiday"))
    assert rc == 2
    assert "has no medications.csv" in err
    rc, _, err = cli("import", "csv", str(tmp_path / "nowhere"))
    assert rc == 2
    assert "there is no folder" in err


def test_undo_after_import_empties_the_journal_again(cli: Cli, tmp_path: Path, capsys) -> None:
    fill(cli)
    cli.ok("export", "csv", "--out", str(tmp_path / "first"))
    copy = Cli(tmp_path / "copy.db", capsys)
    copy.ok("import", "csv", str(tmp_path / "first"))
    assert copy.ok("undo").startswith("Undone: imported ")
    assert copy.json("med", "list") == []


def test_export_csv_subprocess_smoke_never_imports_textual(cli: Cli, tmp_path: Path) -> None:
    """The real console script: files written, no Textual (a command that does not open the TUI)."""
    fill(cli)
    probe = (
        "import json, sys; from rpltrack.cli.main import main; rc = main(sys.argv[1:]); "
        "print(json.dumps({'rc': rc, 'textual': 'textual' in sys.modules}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "--db", str(cli.db), "export", "csv", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "Europe/London"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"rc": 0, "textual": False}
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == sorted(FILE_NAMES)
