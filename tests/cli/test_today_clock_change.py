"""`rpltrack today` on clock-change days (RELIABILITY C3): the dose that comes sooner or later than usual
after the previous one says by how much, in text and (additively) in --json; other days and every-N-hours
schedules say nothing."""

from __future__ import annotations

from freezegun import freeze_time

from tests.cli.support import Cli


def add_meds(cli: Cli) -> None:
    """Enoxaparin 08:00/20:00, aspirin 08:00 and progesterone every 8 h from 06:00, entered in March 2026."""
    with freeze_time("2026-03-20 12:00:00"):
        cli.ok(
            "med", "add", "enoxaparin", "--dose", "40 mg", "--times", "08:00,20:00", "--start", "2026-03-21"
        )
        cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-03-21")
        cli.ok(
            "med",
            "add",
            "pio",
            "--dose",
            "1 mL",
            "--every",
            "8h",
            "--times",
            "06:00",
            "--start",
            "2026-03-21",
        )


def test_today_on_spring_forward_day_shows_the_11_h_gap(cli):
    add_meds(cli)
    lines = cli.ok("today", "--as-of", "2026-03-29 07:30").splitlines()
    assert lines[0] == "Sunday 29 March 2026, 07:30 (Europe/London)"
    marked = [line.split(None, 1)[1] for line in lines[1:] if "clock change" in line]
    assert [" ".join(line.split()) for line in marked] == [
        "aspirin 81 mg due [clock change: 23 h after the last dose, usually 24 h]",
        "enoxaparin 40 mg due [clock change: 11 h after the last dose, usually 12 h]",
    ]
    evening = [line for line in lines if line.split()[:2] == ["20:00", "enoxaparin"]]
    assert [" ".join(line.split()) for line in evening] == ["20:00 enoxaparin 40 mg due"]
    # Every 8 hours keeps 8 hours of elapsed time: its wall times moved an hour, nothing else to say.
    assert [line for line in lines if "pio" in line and "clock change" in line] == []


def test_today_on_fall_back_day_shows_the_13_h_gap(cli):
    add_meds(cli)
    out = cli.ok("today", "--as-of", "2026-10-25 09:00")
    assert "enoxaparin 40 mg" in out
    assert "[clock change: 13 h after the last dose, usually 12 h]" in out
    assert "[clock change: 25 h after the last dose, usually 24 h]" in out


def test_today_on_an_ordinary_day_has_no_clock_change_mark(cli):
    add_meds(cli)
    assert "clock change" not in cli.ok("today", "--as-of", "2026-03-30 07:30")


def test_today_json_adds_the_gap_and_keeps_the_old_keys(cli):
    add_meds(cli)
    doses = cli.json("today", "--as-of", "2026-03-29 07:30")["doses"]
    by_slot = {(d["medication"], d["time"]): d for d in doses}
    morning = by_slot[("enoxaparin", "08:00")]
    assert morning["clock_change_day"] is True
    assert morning["shifted"] is False
    assert morning["clock_change_gap"] == {
        "minutes": 660,
        "usual_minutes": 720,
        "previous_slot": "2026-03-28T20:00:00+00:00",
        "text": "clock change: 11 h after the last dose, usually 12 h",
    }
    assert by_slot[("enoxaparin", "20:00")]["clock_change_gap"] is None
    assert [d["clock_change_gap"] for d in doses if d["medication"] == "pio"] == [None, None, None]
    ordinary = cli.json("today", "--as-of", "2026-03-30 07:30")["doses"]
    assert {d["clock_change_gap"] is None for d in ordinary} == {True}
