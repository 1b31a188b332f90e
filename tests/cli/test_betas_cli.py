"""`rpltrack betas` (issue #15): days past transfer per draw, the dates of each pair, what a lab bound
supports, and pairs too close together to judge, in text and JSON (keys only ever added)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_timeline_cli import fet, run

__all__ = ["fet"]


def betas(db: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert run(db, "betas", *argv) == 0
    return capsys.readouterr().out


@pytest.fixture
def drawn(fet: Path) -> Path:
    for value, at in (
        ("112", "2026-11-19 08:00"),
        (">300", "2026-11-21 08:00"),
        ("<5", "2026-11-23 08:00"),
        ("<5", "2026-11-23 20:00"),
    ):
        assert run(fet, "beta", "add", value, "--at", at, "--lab", "Quest") == 0
    return fet


def test_betas_json_adds_dpt_pair_dates_and_what_a_bound_supports(
    drawn: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads(betas(drawn, capsys, "--json"))
    assert [(d["dpt"], d["embryo_day"], d["dpt_label"]) for d in report["draws"]] == [
        (9, 5, "9dp5dt"),
        (11, 5, "11dp5dt"),
        (13, 5, "13dp5dt"),
        (13, 5, "13dp5dt"),
    ]
    rise, fall, close = report["pairs"]
    # The keys that were there before are all still there.
    for key in ("from", "to", "hours", "rise_48h_percent", "fall_percent", "minimum_source", "verdict"):
        assert key in rise
    assert rise["from_drawn_at"] == "2026-11-19T08:00:00+00:00"
    assert rise["to_drawn_at"] == "2026-11-21T08:00:00+00:00"
    assert (rise["verdict"], rise["rise_48h_at_least_percent"], rise["rise_48h_percent"]) == (
        "meets",
        167.9,
        None,
    )
    assert rise["bound_text"] == "a rise of at least 167.9 % per 48 h"
    assert (fall["verdict"], fall["fall_at_least_percent"]) == ("falling", 98.3)
    assert (close["verdict"], close["spacing"]) == ("not_judged", "too_close")
    assert (
        close["verdict_words"]
        == "not judged: drawn less than 24 hours apart, too close together to judge a rise"
    )
    assert "censored" not in close["verdict_words"]


def test_betas_text_shows_dpt_dates_and_the_bound(drawn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = betas(drawn, capsys).splitlines()
    assert lines[0].split() == ["1", "2026-11-19", "08:00", "112", "mIU/mL", "9dp5dt", "(Quest)"]
    assert lines[4] == (
        "112 → >300 (2026-11-19 08:00 → 2026-11-21 08:00) in 48.0 h: a rise of at least 167.9 % per 48 h — "
        "meets the minimum rise (minimum 49 %, Barnhart 2016, starting below 1,500: 49 % in 2 days [S15])"
    )
    assert lines[5].endswith(": a fall of at least 98.3 % — falling")
    assert lines[6].endswith(
        "in 12.0 h — not judged: drawn less than 24 hours apart, too close together to judge a rise"
    )
