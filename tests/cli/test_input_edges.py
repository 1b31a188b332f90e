"""Input that cannot hurt the journal (issue #14): values at the edges are refused with exit 2 and a sentence,
never "unexpected error" (exit 1), and the journal file is byte-identical after each refusal; a dose can be
logged in both passes of the repeated hour; every pair of betas the journal can hold can be read."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import pytest
from freezegun import freeze_time

from rpltrack.cli.entry import MAX_ID, entry_id, seconds, whole_number
from tests.cli.support import Cli

SETUP_AT = "2026-11-20 12:00:00"


def journal_bytes(db: Path) -> dict[str, bytes]:
    """The journal file and any write-ahead log beside it, byte for byte."""
    return {p.name: p.read_bytes() for p in sorted(db.parent.glob(db.name + "*"))}


@pytest.fixture
def filled(cli: Cli) -> Cli:
    """A journal with a daily medication, an as-needed one and a cycle, entered on 20 November 2026."""
    with freeze_time(SETUP_AT):
        cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00")
        cli.ok("med", "add", "paracetamol", "--dose", "500 mg", "--prn")
        cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-01")
    return cli


REFUSED = [
    pytest.param(("today", "--as-of", "0001-01-01"), "outside the years", id="as-of-year-1"),
    pytest.param(("today", "--as-of", "9999-12-31"), "outside the years", id="as-of-year-9999"),
    pytest.param(("flags", "--as-of", "9999-12-31 23:59"), "outside the years", id="flags-as-of-9999"),
    pytest.param(("take", "aspirin", "--at", "0001-01-01 00:00"), "outside the years", id="take-at-year-1"),
    pytest.param(("take", "aspirin", "--at", "9999-12-31 23:59"), "outside the years", id="take-at-9999"),
    pytest.param(("skip", "aspirin", "--at", "0001-01-01 00:00"), "outside the years", id="skip-at-year-1"),
    pytest.param(("log", "--from", "0001-01-01"), "outside the years", id="log-from-year-1"),
    pytest.param(("log", "--to", "9999-12-31"), "outside the years", id="log-to-9999"),
    pytest.param(
        ("med", "add", "x", "--dose", "1 mg", "--times", "08:00", "--until", "9999-12-31"),
        "outside the years",
        id="med-until-9999",
    ),
    pytest.param(
        ("med", "add", "x", "--dose", "1 mg", "--times", "08:00", "--until", "2026-02-31"),
        "February 2026 has 28 days",
        id="med-until-31-february",
    ),
    pytest.param(
        ("med", "stop", "aspirin", "--date", "0001-01-01"), "outside the years", id="med-stop-year-1"
    ),
    pytest.param(
        ("med", "add", "y", "--dose", "1 mg", "--times", "08:00", "--supply", "99999999999999999999999"),
        "more than rpltrack counts",
        id="supply-beyond-sqlite",
    ),
    pytest.param(
        ("med", "add", "z", "--dose", "2,5 mg", "--times", "08:00"), "did you mean 2.5 or 25?", id="dose-2,5"
    ),
    pytest.param(
        ("beta", "add", "4,9", "--at", "2026-11-19 08:00"), "did you mean 4.9 or 49?", id="beta-4,9"
    ),
    pytest.param(
        ("beta", "add", "12,34", "--at", "2026-11-19 08:00"), "did you mean 12.34 or 1234?", id="beta-12,34"
    ),
    pytest.param(
        ("beta", "add", "--at", "2026-11-19 08:00", "--", "-4,9"), "cannot be negative", id="beta-negative"
    ),
    pytest.param(("beta", "add", "1e3", "--at", "2026-11-19 08:00"), "rather than 1e3", id="beta-exponent"),
    pytest.param(("lab", "add", "TSH", "4,9"), "did you mean 4.9 or 49?", id="lab-4,9"),
    pytest.param(("lab", "add", "TSH", "1,500"), "did you mean 1.500 or 1500?", id="lab-1,500"),
    pytest.param(("lab", "add", "TSH", "NaN"), "not a lab result", id="lab-nan"),
    pytest.param(("settings", "set", "tsh.target", "2,5"), "did you mean 2.5 or 25?", id="setting-2,5"),
    pytest.param(("settings", "set", "tsh.target", "1e1"), "rather than 1e3", id="setting-exponent"),
    pytest.param(
        ("settings", "set", "reminders.grace", "9" * 30 + "h"), "cannot read the duration", id="grace"
    ),
    pytest.param(("--tz", "A" * 300, "today"), "too long to be one", id="tz-300-characters"),
    pytest.param(("--tz", "Mars/Olympus", "today"), "unknown time zone 'Mars/Olympus'", id="tz-mars"),
]


@pytest.mark.parametrize(("args", "words"), REFUSED)
def test_edges_are_refused_with_exit_2_and_the_journal_untouched(
    filled: Cli, args: tuple[str, ...], words: str
):
    before = journal_bytes(filled.db)
    with freeze_time("2026-11-23 08:40:00"):
        rc, out, err = filled(*args)
    assert (rc, out) == (2, "")
    assert words in err
    assert "unexpected error" not in err
    assert len(err) < 600  # a refusal quotes at most 80 characters of what was typed
    assert journal_bytes(filled.db) == before


@pytest.mark.parametrize(
    ("tz", "words"),
    [
        pytest.param("A" * 300, "too long to be a time zone", id="300-characters"),
        pytest.param("Mars/Olympus", "'Mars/Olympus', which is not a time zone", id="mars"),
        pytest.param("EST5EDT,M3.2.0,M11.1.0", "a POSIX rule", id="posix-rule"),
        pytest.param("/tmp/not-a-zone", "not a time zone rpltrack can name", id="path-outside-zoneinfo"),
    ],
)
def test_tz_from_the_environment_is_validated_like_tz(
    filled: Cli, monkeypatch: pytest.MonkeyPatch, tz: str, words: str
) -> None:
    """Issue #14: a TZ rpltrack cannot name used to fall back to the system's zone without a word."""
    before = journal_bytes(filled.db)
    monkeypatch.setenv("TZ", tz)
    with freeze_time("2026-11-23 08:40:00"):
        rc = __import__("rpltrack.cli.main", fromlist=["main"]).main(["--db", str(filled.db), "today"])
    _, err = filled.capsys.readouterr()
    assert rc == 2
    assert words in err
    assert journal_bytes(filled.db) == before


def test_tz_as_a_zoneinfo_path_is_that_zone(filled: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from rpltrack.cli.main import main

    zoneinfo = Path("/usr/share/zoneinfo/Europe/Berlin")
    if not zoneinfo.exists():
        pytest.skip("no system zoneinfo folder")
    monkeypatch.setenv("TZ", str(zoneinfo))
    filled.capsys.readouterr()
    with freeze_time("2026-11-23 08:40:00"):
        assert main(["--db", str(filled.db), "today"]) == 0
    out, _ = filled.capsys.readouterr()
    assert "09:40 (Europe/Berlin)" in out.splitlines()[0]


# The second pass of 01:30 on the fall-back day, in UTC, and the zone.
SECOND_PASS = {
    "london": ("Europe/London", "2026-10-25 01:30:00", "2026-10-25T01:30:00Z"),
    "new-york": ("America/New_York", "2026-11-01 06:30:00", "2026-11-01T06:30:00Z"),
}


@pytest.mark.parametrize("where", sorted(SECOND_PASS))
@pytest.mark.parametrize("command", ["take", "skip"])
def test_a_dose_is_logged_in_the_second_pass_of_the_repeated_hour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, command: str
) -> None:
    """Issue #14: `take` and `skip` at 01:30 in the second pass were refused as "in the future"."""
    from rpltrack.cli.main import main

    zone, utc_now, stored = SECOND_PASS[where]
    db = tmp_path / "journal.db"

    def run(*args: str) -> int:
        return main(["--db", str(db), "--tz", zone, *args])

    with freeze_time("2026-10-20 12:00:00"):
        assert run("med", "add", "pio", "--dose", "1 mL", "--every", "1h", "--times", "00:00") == 0
        assert run("med", "add", "paracetamol", "--dose", "500 mg", "--prn") == 0
    with freeze_time(utc_now):
        assert run(command, "pio") == 0, capsys.readouterr().err
        if command == "take":
            assert run("take", "paracetamol") == 0, capsys.readouterr().err
        assert run("today") == 0
    conn = sqlite3.connect(db)
    try:
        logged = {row[0] for row in conn.execute("SELECT logged_utc FROM doses")}
        taken = {row[0] for row in conn.execute("SELECT taken_utc FROM doses WHERE taken_utc IS NOT NULL")}
    finally:
        conn.close()
    assert logged == {stored}
    if command == "take":
        assert taken == {stored}


def test_two_betas_an_hour_apart_leave_every_reader_working(filled: Cli, tmp_path: Path) -> None:
    """Issue #14: the 48-h rise of a 1-hour pair overflowed and broke `betas`, `brief` and `export csv`."""
    with freeze_time("2026-11-23 08:40:00"):
        filled.ok("beta", "add", "100", "--at", "2026-11-22 08:00")
        filled.ok("beta", "add", "300", "--at", "2026-11-22 09:00")
        out = filled.ok("betas")
        assert "not judged" in out
        (pair,) = filled.json("betas")["pairs"]
        assert pair["rise_48h_percent"] is None
        filled.ok("brief", "--out", str(tmp_path / "brief.html"))
        filled.ok("export", "csv", "--out", str(tmp_path / "export"))
        filled.ok("flags")


def test_a_medication_until_2199_still_lists(filled: Cli) -> None:
    with freeze_time("2026-11-23 08:40:00"):
        filled.ok(
            "med", "add", "folic acid", "--dose", "400 mcg", "--times", "08:00", "--until", "2199-12-31"
        )
        assert "folic acid" in filled.ok("med", "list")
        filled.ok("today", "--as-of", "2199-12-31 23:00")


# --- ids, counts and seconds at the argparse edge ------------------------------------------------------


@pytest.mark.parametrize("text", ["1", "7", " 42 ", str(MAX_ID), "007"])
def test_entry_id_reads_ids_in_sqlite_range(text: str) -> None:
    assert entry_id(text) == int(text)


@pytest.mark.parametrize(
    "text", ["0", "-1", str(MAX_ID + 1), "99999999999999999999999", "9" * 5000, "1.5", "abc", "", "\u0663"]
)
def test_entry_id_refuses_what_no_entry_can_have(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as caught:
        entry_id(text)
    assert len(str(caught.value)) < 300


def test_an_id_beyond_sqlite_is_a_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="rpltrack beta delete")
    parser.add_argument("id", type=entry_id)
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["99999999999999999999999"])
    assert exited.value.code == 2
    assert "ids run from 1 to" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("3", 3), (str(MAX_ID), MAX_ID)])
def test_whole_number_reads_counts(text: str, value: int) -> None:
    assert whole_number(text) == value


@pytest.mark.parametrize("text", ["-1", "NaN", str(MAX_ID + 1), "1e3", "2.5"])
def test_whole_number_refuses_the_rest(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        whole_number(text)


@pytest.mark.parametrize(("text", "value"), [("30", 30.0), ("2.5", 2.5), ("0", 0.0)])
def test_seconds_reads_plain_numbers(text: str, value: float) -> None:
    assert seconds(text) == value


@pytest.mark.parametrize("text", ["NaN", "inf", "-1", "1e3", str(10**12), ""])
def test_seconds_refuses_nan_infinities_and_the_absurd(text: str) -> None:
    """Issue #14: `remind --for NaN` ended in "unexpected error"."""
    with pytest.raises(argparse.ArgumentTypeError):
        seconds(text)
