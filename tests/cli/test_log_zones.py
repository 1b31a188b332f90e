"""`rpltrack log` shows each dose as it read where it was logged: unchanged there, labelled elsewhere."""

from __future__ import annotations

import json

import pytest

from rpltrack.cli.main import main
from tests.cli.support import Cli


def add_and_take(cli: Cli) -> None:
    """Aspirin at 08:00 from 1 Nov; the 22 Nov dose taken at 08:05, logged the next morning, in London."""
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-11-01")
    cli.ok("take", "aspirin", "--at", "2026-11-22 08:05")


def log_in(
    cli: Cli, capsys: pytest.CaptureFixture[str], zone: str, *extra: str, days: tuple[str, str] = ("22", "22")
) -> str:
    """`rpltrack --tz ZONE log` from and to those days of November 2026."""
    capsys.readouterr()
    first, last = (f"2026-11-{day}" for day in days)
    assert main(["--db", str(cli.db), "--tz", zone, "log", "--from", first, "--to", last, *extra]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_log_in_the_zone_it_was_logged_in_is_unchanged(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    add_and_take(cli)
    assert log_in(cli, capsys, "Europe/London") == (
        "  1  2026-11-22 08:05  aspirin (08:00 dose): taken 81 mg — logged later\n"
    )


@pytest.mark.parametrize(
    ("zone", "label"),
    [
        pytest.param("Asia/Tokyo", " GMT (London)", id="tokyo"),
        pytest.param("America/New_York", " GMT (London)", id="new-york"),
        pytest.param("Etc/GMT", "", id="same-clock-same-abbreviation"),
    ],
)
def test_log_elsewhere_keeps_the_logged_clock_and_says_where(
    cli: Cli, capsys: pytest.CaptureFixture[str], zone: str, label: str
) -> None:
    add_and_take(cli)
    # Tokyo's 22 Nov ends at 15:00 London time: ask for the days around it.
    assert log_in(cli, capsys, zone, days=("21", "23")) == (
        f"  1  2026-11-22 08:05{label}  aspirin (08:00 dose): taken 81 mg — logged later\n"
    )


def test_log_json_is_the_same_instant_and_zone_wherever_it_is_read(
    cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    add_and_take(cli)
    here = json.loads(log_in(cli, capsys, "Europe/London", "--json"))
    there = json.loads(log_in(cli, capsys, "Asia/Tokyo", "--json", days=("21", "23")))
    assert [e["zone"] for e in here] == [e["zone"] for e in there] == ["Europe/London"]
    assert here[0]["taken_at"] == "2026-11-22T08:05:00+00:00"
    assert there[0]["taken_at"] == "2026-11-22T17:05:00+09:00"
