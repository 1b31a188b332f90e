"""--from/--to: records dated in the period (local days, inclusive), medications and cycles overlapping it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from rpltrack.domain.errors import ValidationError
from rpltrack.export import csv_export as ex
from rpltrack.store.exporting import write_csv_export
from rpltrack.store.journal import Journal
from tests.export.csv_support import LONDON, NOW, build_small_journal


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journal]:
    journal = build_small_journal(tmp_path_factory.mktemp("range") / "journal.db")
    yield journal
    journal.close()


def export(
    journal: Journal, folder: Path, start: date | None, end: date | None
) -> dict[str, list[dict[str, str]]]:
    write_csv_export(journal, folder, start=start, end=end, now=NOW, zone=LONDON)
    return {
        name: list(csv.DictReader(io.StringIO((folder / name).read_bytes().decode("utf-8-sig"), newline="")))
        for name in ex.FILE_NAMES
    }


def test_the_period_keeps_dated_records_inside_it(small: Journal, tmp_path: Path) -> None:
    files = export(small, tmp_path / "out", date(2026, 11, 18), date(2026, 11, 20))
    local_days = {r["Scheduled (local)"][:10] or r["Taken at (local)"][:10] for r in files[ex.DOSES]}
    assert local_days == {"2026-11-18", "2026-11-19", "2026-11-20"}
    # Both ends inclusive: the 07:00 dose of the first day and the 20:00 dose of the last.
    times = [r["Scheduled (local)"] for r in files[ex.DOSES]]
    assert "2026-11-18 07:00" in times
    assert "2026-11-20 20:00" in times
    assert [r["As needed"] for r in files[ex.DOSES]].count("yes") == 1  # the paracetamol of the 20th
    assert [r["Test key"] for r in files[ex.LABS]] == ["tsh"]
    assert files[ex.BETAS] == []
    assert files[ex.APPOINTMENTS] == []
    assert [r["Outcome"] for r in files[ex.PREGNANCIES]] == ["ongoing"]
    period = next(r for r in files[ex.SUMMARY] if r["Item"] == "Period")
    assert period["Value"] == "2026-11-18 to 2026-11-20"
    anticoagulant = next(r for r in files[ex.SUMMARY] if r["Section"] == "Anticoagulant doses not taken")
    assert anticoagulant["Value"] == "0 missed, 1 skipped"


def test_medications_and_cycles_that_overlap_the_period_are_kept(small: Journal, tmp_path: Path) -> None:
    files = export(small, tmp_path / "out", date(2026, 11, 21), None)
    names = {r["Name"] for r in files[ex.MEDICATIONS]}
    assert names == {"aspirin", "Lovenox", "paracetamol"}  # levothyroxine stopped on the 20th
    assert [r["CD1"] for r in files[ex.CYCLES]] == ["2026-10-10"]  # began before, still going
    assert len(files[ex.EVENTS]) == 3
    assert {r["Scheduled (local)"][:10] for r in files[ex.DOSES]} == {
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
    }
    files = export(small, tmp_path / "early", None, date(2026, 10, 9))
    assert files[ex.MEDICATIONS] == []
    assert files[ex.CYCLES] == []
    assert files[ex.DOSES] == []
    assert [r["Ended on"] for r in files[ex.PREGNANCIES]] == ["2025-03-02", "2025-09-15"]


def test_flags_and_settings_are_as_of_now_whatever_the_period(small: Journal, tmp_path: Path) -> None:
    full = export(small, tmp_path / "full", None, None)
    part = export(small, tmp_path / "part", date(2026, 1, 1), date(2026, 1, 31))
    assert part[ex.FLAGS] == full[ex.FLAGS]
    assert part[ex.SETTINGS] == full[ex.SETTINGS]


def test_a_period_that_ends_before_it_starts_is_refused(small: Journal, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="after the last day") as caught:
        write_csv_export(
            small, tmp_path / "out", start=date(2026, 11, 20), end=date(2026, 11, 1), now=NOW, zone=LONDON
        )
    assert caught.value.code == "export.period_reversed"  # the command line names --from and --to
    assert not (tmp_path / "out").exists()


def test_the_period_is_read_in_the_export_zone(small: Journal, tmp_path: Path) -> None:
    """The 20:00 London dose of the 20th is on the 21st in Tokyo; that of the 21st is on the 22nd."""
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    write_csv_export(
        small, tmp_path / "out", start=date(2026, 11, 21), end=date(2026, 11, 21), now=NOW, zone=tokyo
    )
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / ex.DOSES).read_text("utf-8-sig"), newline="")))
    scheduled = {r["Scheduled (ISO 8601)"] for r in rows}
    assert "2026-11-21T05:00:00+09:00" in scheduled
    assert "2026-11-22T05:00:00+09:00" not in scheduled
    assert all(r["Scheduled (local)"].startswith("2026-11-21") for r in rows if r["Scheduled (local)"])
