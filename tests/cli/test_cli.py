"""The command line, in process through main(argv) on a real journal file, plus one subprocess smoke test.

Commands that read the system clock run under freezegun; read commands use --as-of. London is on UTC in
November, so 08:40 on the wall is 08:40Z.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable

from rpltrack import __version__
from rpltrack.cli.main import build_parser, main
from rpltrack.clock import FixedClock, local_zone
from rpltrack.domain.models import DoseStatus
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from tests.cli.support import Cli, checksum

NOW = "2026-11-23 08:40:00"  # UTC, = London wall time in November
AS_OF = "2026-11-23 08:40"
CLINICAL = ("medications", "regimens", "doses", "settings")


def dose_rows(path: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM doses ORDER BY id").fetchall()
    finally:
        conn.close()


def add_usual(cli: Cli) -> None:
    """Aspirin and lovenox from 1 Nov, entered the day before (so their open doses since count as missed)."""
    with freeze_time("2026-10-31 18:00:00"):
        cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-11-01")
        cli.ok("med", "add", "lovenox", "--dose", "40 mg", "--times", "08:00,20:00", "--start", "2026-11-01")


# -- medications ------------------------------------------------------------------------------------------


def test_med_add_saves_and_the_file_reopens_with_it(cli):
    out = cli.ok(
        "med",
        "add",
        "Clexane",
        "--dose",
        "40 mg",
        "--times",
        "20:00,08:00",
        "--start",
        "2026-11-20",
        "--until",
        "2027-06-30",
        "--supply",
        "10",
        "--notes",
        "fridge",
    )
    assert out == "Saved: Clexane 40 mg, 08:00, 20:00 daily, from 2026-11-20 until 2027-06-30.\n"
    with Journal.open(cli.db) as journal:
        (med,) = journal.medications()
    assert (med.name, med.generic, med.route, med.zone) == (
        "Clexane",
        "enoxaparin",
        "subcutaneous",
        "Europe/London",
    )
    assert str(med.current.amount) == "40 mg"
    assert med.supply == 10
    assert med.notes == "fridge"
    assert str(med.end_on) == "2027-06-30"


def test_med_add_levothyroxine_in_mg_is_stored_in_mcg(cli):
    saved = cli.json("med", "add", "synthroid", "--dose", "0.1 mg", "--times", "07:00")
    assert saved["dose"] == {"value": 100.0, "unit": "mcg", "text": "100 mcg"}
    assert saved["generic"] == "levothyroxine"
    assert saved["start"] == "2026-11-23"


def test_med_add_every_8_hours_with_a_first_time(cli):
    saved = cli.json("med", "add", "aspirin", "--dose", "81 mg", "--every", "8h", "--times", "06:00")
    assert saved["schedule"] == "every 8 h"
    assert saved["regimens"][0]["interval_hours"] == 8


def test_med_add_taper_shows_its_steps(cli):
    out = cli.ok(
        "med",
        "add",
        "prednisone",
        "--times",
        "08:00",
        "--start",
        "2026-11-02",
        "--taper",
        "20 mg x 6w; 10 mg x 1w; 5 mg x 1w",
    )
    assert out == (
        "Saved: prednisone 20 mg, 08:00 daily, from 2026-11-02 until 2026-12-27; "
        "then 10 mg from 2026-12-14 then 5 mg from 2026-12-21.\n"
    )


def test_med_list_text_and_json(cli):
    add_usual(cli)
    out = cli.ok("med", "list", "--as-of", AS_OF)
    assert "aspirin: 81 mg, 08:00 daily (from 2026-11-01; active)" in out
    assert "lovenox: 40 mg, 08:00, 20:00 daily (from 2026-11-01; active)" in out
    listed = cli.json("med", "list", "--as-of", AS_OF)
    assert [m["name"] for m in listed] == ["aspirin", "lovenox"]
    first = listed[0]
    assert set(first) >= {
        "id",
        "name",
        "generic",
        "route",
        "zone",
        "state",
        "dose",
        "schedule",
        "start",
        "end",
        "stopped_at",
        "supply",
        "notes",
        "regimens",
        "adherence",
    }
    assert first["dose"] == {"value": 81.0, "unit": "mg", "text": "81 mg"}
    # the window starts 16 Nov 08:40: 17..22 Nov 08:00 are missed; 23 Nov's is inside its grace
    assert first["adherence"]["7d"]["missed"] == 6


def test_med_edit_dose_change_keeps_history(cli):
    cli.ok("med", "add", "levothyroxine", "--dose", "50 mcg", "--times", "07:00", "--start", "2026-11-01")
    out = cli.ok("med", "edit", "levothyroxine", "--dose", "75 mcg", "--from", "2026-11-25")
    assert out.splitlines()[0] == (
        "Saved: levothyroxine — 75 mcg 07:00 daily from 2026-11-25. (rpltrack undo takes it back.)"
    )
    assert "50 mcg from 2026-11-01; 75 mcg from 2026-11-25" in out
    listed = cli.json("med", "list", "--as-of", AS_OF)
    assert [(r["from"], r["dose"]["text"]) for r in listed[0]["regimens"]] == [
        ("2026-11-01", "50 mcg"),
        ("2026-11-25", "75 mcg"),
    ]
    today = cli.json("today", "--as-of", AS_OF)
    assert [d["amount"]["text"] for d in today["doses"]] == ["50 mcg"]
    later = cli.json("today", "--as-of", "2026-11-26 09:00")
    assert [d["amount"]["text"] for d in later["doses"]] == ["75 mcg"]


def test_med_edit_other_fields(cli):
    add_usual(cli)
    out = cli.ok(
        "med", "edit", "aspirin", "--rename", "baby aspirin", "--notes", "with food", "--until", "2026-12-31"
    )
    assert out == (
        "Saved: baby aspirin — renamed to baby aspirin; notes changed; until 2026-12-31. "
        "(rpltrack undo takes it back.)\n"
    )
    (med,) = [m for m in cli.json("med", "list", "--as-of", AS_OF) if m["generic"] == "aspirin"]
    assert (med["name"], med["notes"], med["end"]) == ("baby aspirin", "with food", "2026-12-31")


def test_med_edit_notes_have_the_same_limit_as_a_new_medication(cli):
    """2000 characters, as `med add` allows: more is refused (exit 2, nothing written); exactly 2000 saves."""
    add_usual(cli)
    before = checksum(cli.db)
    rc, _, err = cli("med", "edit", "aspirin", "--notes", "x" * 2001)
    assert rc == 2
    assert "at most 2000" in err.replace(",", "")
    assert checksum(cli.db) == before
    cli.ok("med", "edit", "aspirin", "--notes", "x" * 2000)
    (med,) = [m for m in cli.json("med", "list", "--as-of", AS_OF) if m["generic"] == "aspirin"]
    assert med["notes"] == "x" * 2000


def test_med_stop_ends_doses_and_keeps_history(cli):
    add_usual(cli)
    cli.ok("take", "aspirin")
    out = cli.ok("med", "stop", "aspirin", "--date", "2026-11-24")
    assert out.startswith("Stopped: aspirin — no doses from 2026-11-24 00:00 on.")
    assert [d["medication"] for d in cli.json("today", "--as-of", "2026-11-24 09:00")["doses"]] == [
        "lovenox",
        "lovenox",
    ]
    assert len(dose_rows(cli.db)) == 1
    listed = cli.json("med", "list", "--as-of", "2026-11-25 09:00", "--all")
    assert [m["state"] for m in listed if m["name"] == "aspirin"] == ["stopped"]


# -- today, take, skip, undo, log -------------------------------------------------------------------------


def test_today_text(cli):
    add_usual(cli)
    out = cli.ok("today", "--as-of", AS_OF)
    lines = out.splitlines()
    assert lines[0] == "Monday 23 November 2026, 08:40 (Europe/London)"
    assert lines[1].split() == ["08:00", "aspirin", "81", "mg", "due", "(overdue)"]
    assert lines[2].split() == ["08:00", "lovenox", "40", "mg", "due", "(overdue)"]
    assert lines[3].split() == ["20:00", "lovenox", "40", "mg", "due"]


def test_today_empty_says_how_to_add(cli):
    assert "No doses scheduled today. Add a medication" in cli.ok("today", "--as-of", AS_OF)


def test_today_json_shape(cli):
    add_usual(cli)
    cli.ok("take", "lovenox", "--site", "left thigh")
    today = cli.json("today", "--as-of", "2026-11-23 10:30")
    assert (today["date"], today["zone"], today["as_of"]) == (
        "2026-11-23",
        "Europe/London",
        "2026-11-23T10:30:00+00:00",
    )
    doses = today["doses"]
    assert [(d["medication"], d["time"], d["status"], d["overdue"]) for d in doses] == [
        ("aspirin", "08:00", "missed", False),
        ("lovenox", "08:00", "taken", False),
        ("lovenox", "20:00", "due", False),
    ]
    taken = doses[1]
    assert set(taken) >= {
        "medication",
        "slot",
        "time",
        "amount",
        "status",
        "overdue",
        "taken_at",
        "logged_later",
    }
    assert taken["slot"] == "2026-11-23T08:00:00+00:00"
    assert taken["amount"] == {"value": 40.0, "unit": "mg", "text": "40 mg"}
    assert taken["taken_at"] == "2026-11-23T08:40:00+00:00"
    assert taken["logged_later"] is False
    assert taken["site"] == "left thigh"
    assert doses[0]["taken_at"] is None


def test_take_logs_the_open_slot_nearest_now(cli):
    add_usual(cli)
    out = cli.ok("take", "lovenox")
    assert out.splitlines() == [
        "Saved: lovenox 40 mg taken at 2026-11-23 08:40 — the Mon 08:00 dose.",
        "Next site in your rotation: left abdomen.",
    ]
    with Journal.open(cli.db) as journal:
        (log,) = list(journal.iter_all_doses())
    assert log.status is DoseStatus.TAKEN
    assert log.slot_at is not None
    assert log.slot_at.isoformat() == "2026-11-23T08:00:00+00:00"
    assert log.taken_at is not None
    assert log.taken_at.isoformat() == "2026-11-23T08:40:00+00:00"
    assert not log.logged_later


def test_take_with_site_suggests_the_next_one(cli):
    add_usual(cli)
    out = cli.ok("take", "clexane", "--site", "  left   abdomen ")
    assert "Site: left abdomen." in out
    assert out.endswith("Next site in your rotation: right abdomen.\n")


@pytest.mark.parametrize("again", [(), ("--at", "2026-11-23 08:41")], ids=["now", "at"])
def test_take_twice_logs_one_row_and_never_the_next_dose(cli, again):
    """E8: a second `take` of lovenox after the 08:00 dose must not become the 20:00 dose: it says the
    08:00 dose is already logged and changes nothing."""
    add_usual(cli)
    cli.ok("take", "lovenox", "--at", "2026-11-22 20:00")
    cli.ok("take", "lovenox")
    before = checksum(cli.db)
    rc, out, err = cli("take", "lovenox", *again)
    assert rc == 0
    assert err == ""
    assert out.startswith("Already logged: lovenox, the Mon 08:00 dose, taken at 08:40. Nothing changed.")
    assert checksum(cli.db) == before
    assert [r["slot_utc"] for r in dose_rows(cli.db)] == ["2026-11-22T20:00:00Z", "2026-11-23T08:00:00Z"]


def test_take_backdated_is_marked_logged_later(cli):
    add_usual(cli)
    out = cli.ok("take", "lovenox", "--at", "2026-11-22 21:00")
    assert out.startswith(
        "Saved: lovenox 40 mg taken at 2026-11-22 21:00, logged later — the Sun 20:00 dose."
    )
    (row,) = dose_rows(cli.db)
    assert (row["slot_utc"], row["taken_utc"], row["logged_utc"], row["logged_later"]) == (
        "2026-11-22T20:00:00Z",
        "2026-11-22T21:00:00Z",
        "2026-11-23T08:40:00Z",
        1,
    )
    logged = cli.json("log", "--from", "2026-11-22", "--to", "2026-11-22")
    assert [(e["slot"], e["logged_later"]) for e in logged] == [("2026-11-22T20:00:00+00:00", True)]
    assert "taken 21:00, logged later" in cli.ok("today", "--as-of", "2026-11-22 23:00")


def test_take_with_a_different_amount(cli):
    add_usual(cli)
    cli.ok("take", "lovenox", "--amount", "60 mg")
    cli.ok("take", "aspirin", "--amount", "0.081 g")
    assert [(r["amount"], r["unit"]) for r in dose_rows(cli.db)] == [(60.0, "mg"), (81.0, "mg")]


def test_take_as_needed(cli):
    cli.ok("med", "add", "paracetamol", "--dose", "500 mg", "--prn")
    out = cli.ok("take", "paracetamol")
    assert out == "Saved: paracetamol 500 mg taken at 2026-11-23 08:40 — as needed.\n"
    today = cli.json("today", "--as-of", AS_OF)
    assert [(d["medication"], d["as_needed"], d["status"]) for d in today["doses"]] == [
        ("paracetamol", True, "taken")
    ]


def test_skip_with_reason(cli):
    add_usual(cli)
    out = cli.ok("skip", "lovenox", "--reason", " told to pause by the clinic ")
    assert out == "Saved: lovenox, the Mon 08:00 dose, skipped (told to pause by the clinic).\n"
    (row,) = dose_rows(cli.db)
    assert (row["status"], row["taken_utc"], row["amount"], row["reason"]) == (
        "skipped",
        None,
        None,
        "told to pause by the clinic",
    )
    assert "skipped: told to pause by the clinic" in cli.ok("today", "--as-of", AS_OF)


def test_undo_restores_exactly_and_then_has_nothing_to_undo(cli):
    add_usual(cli)
    clinical = checksum(cli.db, CLINICAL)
    cli.ok("take", "lovenox", "--site", "left thigh")
    cli.ok("settings", "set", "reminders.grace", "90m")
    cli.ok("med", "edit", "aspirin", "--dose", "75 mg", "--from", "2026-11-24")
    assert checksum(cli.db, CLINICAL) != clinical
    assert cli.ok("undo").startswith("Undone: changed aspirin to 75 mg")
    assert cli.ok("undo").startswith("Undone: set reminders.grace to 1h30m")
    assert cli.ok("undo").startswith("Undone: took lovenox")
    assert checksum(cli.db, CLINICAL) == clinical
    cli.ok("undo")
    cli.ok("undo")
    assert cli.ok("undo") == "Nothing to undo.\n"
    with Journal.open(cli.db) as journal:
        assert journal.count("medications") == 0
        assert journal.count("doses") == 0
        assert journal.count("audit") > 0  # the audit keeps every event


def test_undo_then_take_again_reuses_the_slot(cli):
    add_usual(cli)
    cli.ok("take", "aspirin")
    cli.ok("undo")
    assert dose_rows(cli.db) == []
    assert "Saved: aspirin 81 mg" in cli.ok("take", "aspirin")
    assert len(dose_rows(cli.db)) == 1


def test_log_from_to_json_and_text(cli):
    add_usual(cli)
    cli.ok("take", "aspirin", "--at", "2026-11-21 08:05")
    cli.ok("skip", "lovenox", "--at", "2026-11-22 20:00", "--reason", "felt unwell")
    cli.ok("take", "lovenox")
    entries = cli.json("log", "--from", "2026-11-21", "--to", "2026-11-22")
    assert [(e["medication"], e["status"], e["slot"]) for e in entries] == [
        ("aspirin", "taken", "2026-11-21T08:00:00+00:00"),
        ("lovenox", "skipped", "2026-11-22T20:00:00+00:00"),
    ]
    assert set(entries[0]) >= {
        "id",
        "medication",
        "status",
        "slot",
        "taken_at",
        "logged_at",
        "logged_later",
        "amount",
        "site",
        "reason",
        "note",
        "zone",
    }
    assert entries[1]["reason"] == "felt unwell"
    assert entries[1]["amount"] is None
    entries_today = cli.json("log", "--from", "2026-11-23", "--to", "2026-11-23")
    text = cli.ok("log", "--from", "2026-11-23", "--to", "2026-11-23")
    assert text == f"{entries_today[0]['id']:>3}  2026-11-23 08:40  lovenox (08:00 dose): taken 40 mg\n"
    assert cli.ok("log", "--from", "2026-10-01", "--to", "2026-10-02") == (
        "Nothing logged from 2026-10-01 to 2026-10-02.\n"
    )


# -- time zones -------------------------------------------------------------------------------------------


@pytest.fixture
def system_zone() -> Iterator[Callable[[str], None]]:
    """`system_zone("Asia/Tokyo")` moves the machine to another zone the way the OS does: TZ, then
    time.tzset(); both are put back afterwards."""
    with pytest.MonkeyPatch.context() as patch:

        def switch(name: str) -> None:
            patch.setenv("TZ", name)
            time.tzset()

        yield switch
    time.tzset()


async def test_c10_history_shows_original_local_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], system_zone: Callable[[str], None]
) -> None:
    """C10: a dose logged at 21:00 in New York (EDT) still reads 21:00 with its zone after the machine moves
    to Asia/Tokyo (TZ + tzset, no --tz): in `rpltrack log` and on the app's History screen. The JSON log and
    the CSV export keep the exact instant (ISO 8601 with its offset: the taken_utc of RELIABILITY) and the
    zone it was logged in (taken_tz); nothing in the journal is rewritten by reading or exporting it."""
    db = tmp_path / "journal.db"

    def run(*args: str) -> str:
        """rpltrack without --tz: the zone is the system's."""
        capsys.readouterr()
        rc = main(["--db", str(db), *args])
        out, err = capsys.readouterr()
        assert (rc, err) == (0, "")
        return out

    system_zone("America/New_York")
    with freeze_time("2026-05-01 12:00:00"):
        run("med", "add", "enoxaparin", "--dose", "40 mg", "--times", "21:00", "--start", "2026-05-01")
    with freeze_time("2026-05-11 01:05:00"):  # 21:05 EDT on Sunday 10 May
        run("take", "enoxaparin", "--at", "2026-05-10 21:00")
    taken_at = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)
    (row,) = dose_rows(db)
    assert (row["slot_utc"], row["taken_utc"], row["tz"]) == (
        "2026-05-11T01:00:00Z",
        "2026-05-11T01:00:00Z",
        "America/New_York",
    )
    journal_before = checksum(db)

    system_zone("Asia/Tokyo")
    assert local_zone() == ZoneInfo("Asia/Tokyo")
    assert time.tzname[0] == "JST"
    with freeze_time("2026-05-12 03:00:00"):  # 12:00 JST on Tuesday 12 May
        text = run("log", "--from", "2026-05-10", "--to", "2026-05-12")
        (entry,) = json.loads(run("log", "--from", "2026-05-10", "--to", "2026-05-12", "--json"))
        run("export", "csv", "--out", str(tmp_path / "export"))
    assert entry["zone"] == "America/New_York"
    assert datetime.fromisoformat(entry["taken_at"]) == taken_at
    with (tmp_path / "export" / "doses.csv").open(encoding="utf-8-sig", newline="") as exported:
        (taken,) = [r for r in csv.DictReader(exported) if r["State"] == "taken"]
    assert datetime.fromisoformat(taken["Taken at (ISO 8601)"]) == taken_at  # taken_utc: the exact instant
    assert taken["Logged in time zone"] == "America/New_York"  # taken_tz

    app = RpltrackApp(journal=Journal.open(db), clock=FixedClock(taken_at + timedelta(days=1), local_zone()))
    async with app.run_test(size=(110, 34)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#history", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    # History also lists 1-9 May's slots, never logged, as missed (C8); the dose logged is the one taken.
    (history,) = [r for r in rows if r[4].startswith("taken")]
    app.journal.close()
    assert checksum(db) == journal_before  # nothing rewritten
    assert [dict(r) for r in dose_rows(db)] == [dict(row)]

    # Both must show 21:00 and say where ("EDT" or "New York"); the problems of both are reported at once.
    problems = [
        f"{where} reads {shown!r}"
        for where, shown, due in (("rpltrack log", text, text), ("History", " | ".join(history), history[1]))
        if "21:00" not in due or not ("EDT" in shown or "New York" in shown)
    ]
    assert problems == [], f"the dose taken at 21:00 EDT does not read 21:00 New York time: {problems}"


def test_adherence_json(cli):
    add_usual(cli)
    cli.ok("take", "aspirin", "--at", "2026-11-22 08:00")
    cli.ok("skip", "aspirin", "--at", "2026-11-21 08:00")
    report = cli.json("adherence", "--as-of", AS_OF)
    assert report["as_of"] == "2026-11-23T08:40:00+00:00"
    aspirin = next(m for m in report["medications"] if m["medication"] == "aspirin")
    assert aspirin["7d"] == {"days": 7, "taken": 1, "skipped": 1, "missed": 4, "due": 6, "percent": 16.7}
    assert aspirin["30d"]["due"] == 22  # 1..22 Nov
    assert report["overall"]["7d"]["due"] == 6 + 13  # lovenox: 16 Nov 20:00 and 17..22 Nov twice
    assert "overall" in cli.ok("adherence", "--as-of", AS_OF)


def test_settings_list_get_set(cli):
    listed = cli.json("settings", "list")
    assert listed["reminders.grace"] == "2h"
    assert listed["tsh.target"] == ""
    assert cli.ok("settings", "get", "reminders.grace") == "2h\n"
    assert cli.ok("settings", "set", "reminders.grace", "90m") == "Saved: reminders.grace = 1h30m\n"
    assert cli.ok("settings", "get", "reminders.grace") == "1h30m\n"
    assert "reminders.grace = 1h30m" in cli.ok("settings", "list")


def test_grace_setting_changes_missed_vs_overdue(cli):
    add_usual(cli)
    cli.ok("settings", "set", "reminders.grace", "30m")
    statuses = [d["status"] for d in cli.json("today", "--as-of", AS_OF)["doses"]]
    assert statuses == ["missed", "missed", "due"]


def test_demo_fills_an_empty_journal_and_refuses_a_full_one(cli):
    out = cli.ok("demo")
    assert out.startswith(f"Added demo data to {cli.db}: ")
    before = checksum(cli.db)
    rc, out, err = cli("demo")
    assert rc == 2
    assert out == ""
    assert "already has data" in err
    assert "--force" in err
    assert len(err.splitlines()) == 1
    assert checksum(cli.db) == before
    with Journal.open(cli.db) as journal:
        meds = journal.count("medications")
    cli.ok("demo", "--force")
    with Journal.open(cli.db) as journal:
        assert journal.count("medications") == 2 * meds


# -- bad input: exit 2, one line, nothing written ---------------------------------------------------------

BAD_INPUT = [
    (("med", "add", "levothyroxine", "--dose", "100 mg", "--times", "07:00"), "did you mean 100 mcg?"),
    (("med", "add", "fragmin", "--dose", "50 mg", "--times", "08:00"), "enter the IU on your syringe"),
    (("med", "add", "progesterone", "--dose", "50 mg", "--times", "08:00"), "which progesterone?"),
    (("med", "add", "aspirin", "--dose", "81", "--times", "8pm"), "cannot read the time '8pm'"),
    (("med", "add", "heparin", "--dose", "1,500 units", "--times", "08:00"), "read two ways"),
    (("med", "add", "aspirin", "--dose", "81 mg"), "when is it taken?"),
    (("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "transfer"), "cycle event"),
    (("med", "edit", "aspirin"), "nothing to change"),
    (("med", "edit", "aspirin", "--dose", "81 mg"), "nothing to change"),
    (("med", "edit", "aspirin", "--dose", "5 mg", "--from", "2026-10-01"), "before aspirin starts"),
    (("med", "edit", "aspirin", "--supply", "lots"), "the supply is a count of doses on hand"),
    (("med", "stop", "warfarin"), "no medication called 'warfarin'"),
    (("take", "warfarin"), "no medication called 'warfarin' in your journal (yours: aspirin, lovenox)"),
    (("take", "aspirin", "--at", "2026-11-23 12:00"), "is in the future"),
    (("take", "aspirin", "--at", "yesterday"), 'use "YYYY-MM-DD HH:MM"'),
    (("take", "aspirin", "--at", "2026-10-01 08:00"), "no open aspirin dose near 2026-10-01 08:00"),
    (("take", "lovenox", "--amount", "1 tablet"), "enoxaparin is not measured in tablet"),
    (("take", "lovenox", "--amount", "lots"), "cannot read the amount 'lots'"),
    (("take", "lovenox", "--site", "x" * 61), "at most 60 characters"),
    (("take", ""), "give the medication's name"),
    (("skip", "warfarin"), "no medication called 'warfarin'"),
    (("log", "--from", "2026-11-23", "--to", "2026-11-01"), "--from 2026-11-23 is after --to 2026-11-01"),
    (("log", "--from", "23/11/2026"), "cannot read the date '23/11/2026'"),
    (("today", "--as-of", "tomorrow"), "cannot read the date 'tomorrow'"),
    (("settings", "set", "reminders.grace", "forever"), "cannot read the duration 'forever'"),
    (("settings", "set", "reminders.grace", "1m"), "between 5m and 24h"),
    (("settings", "set", "colour", "pink"), "unknown setting 'colour'"),
    (("settings", "get", "colour"), "unknown setting 'colour'"),
    (("demo", "--years", "0"), "--years must be from 1 to 20"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT, ids=[" ".join(a)[:50] for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(cli, args, message):
    add_usual(cli)
    cli.ok("take", "aspirin", "--at", "2026-11-22 08:00")
    before = checksum(cli.db)
    rc, out, err = cli(*args)
    assert rc == 2
    assert out == ""
    assert err.startswith("rpltrack: ")
    assert err.endswith("\n")
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err
    assert checksum(cli.db) == before


def test_bad_time_zone_exits_2(cli, capsys):
    rc = main(["--db", str(cli.db), "--tz", "Mars/Olympus", "today"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err == (
        "rpltrack: unknown time zone 'Mars/Olympus': use an IANA name such as Europe/London or "
        "America/New_York\n"
    )
    assert not cli.db.exists()


def test_unknown_option_is_a_usage_error(cli, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--db", str(cli.db), "take"])
    assert caught.value.code == 2
    assert "the following arguments are required: ID|NAME" in capsys.readouterr().err


def test_skip_of_an_as_needed_medication_is_refused(cli):
    cli.ok("med", "add", "paracetamol", "--dose", "500 mg", "--prn")
    before = checksum(cli.db)
    rc, _, err = cli("skip", "paracetamol")
    assert rc == 2
    assert "taken as needed; there is no scheduled dose to skip" in err
    assert checksum(cli.db) == before


# -- help and the installed entry points ------------------------------------------------------------------


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], str, str]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), helps.get(name) or "", sub.description or ""
                yield from _walk(sub, (*path, name))


def test_every_command_has_help_text(capsys):
    commands = list(_walk(build_parser(), ()))
    names = {" ".join(p) for p, _, _ in commands}
    assert {
        "med add",
        "med list",
        "med edit",
        "med stop",
        "today",
        "take",
        "skip",
        "undo",
        "log",
        "adherence",
        "settings list",
        "settings get",
        "settings set",
        "demo",
    } <= names
    for path, summary, _ in commands:
        assert summary.strip(), f"rpltrack {' '.join(path)} has no help summary"
        with pytest.raises(SystemExit) as caught:
            main([*path, "--help"])
        assert caught.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: rpltrack " + " ".join(path))
        for action in build_parser()._actions:
            assert action.help or isinstance(action, argparse._SubParsersAction)


def test_every_option_has_help_text():
    def options(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, argparse.Action]]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from options(sub, f"{path} {name}")
            elif action.option_strings and action.help is not argparse.SUPPRESS:
                yield path, action

    missing = [
        f"{path} {a.option_strings[0]}" for path, a in options(build_parser(), "rpltrack") if not a.help
    ]
    assert missing == []


def _script() -> str:
    found = Path(sys.executable).parent / "rpltrack"
    return str(found)


def test_console_script_and_module_smoke(tmp_path):
    db = tmp_path / "smoke.db"
    env = {**os.environ, "TZ": "Europe/London"}
    added = subprocess.run(
        [
            _script(),
            "--db",
            str(db),
            "med",
            "add",
            "aspirin",
            "--dose",
            "81 mg",
            "--times",
            "08:00",
            "--start",
            "2026-01-01",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    today = subprocess.run(
        [_script(), "--db", str(db), "--tz", "Europe/London", "today", "--json", "--as-of", AS_OF],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert today.returncode == 0, today.stderr
    assert [d["medication"] for d in json.loads(today.stdout)["doses"]] == ["aspirin"]
    version = subprocess.run(
        [sys.executable, "-m", "rpltrack", "--version"], capture_output=True, text=True, env=env, check=False
    )
    assert version.returncode == 0
    assert version.stdout == f"rpltrack {__version__}\n"
    bad = subprocess.run(
        [_script(), "--db", str(db), "take", "warfarin"], capture_output=True, text=True, env=env, check=False
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.count("\n") == 1


def test_doses_already_past_when_a_medication_is_entered_are_not_logged_not_missed(cli):
    """Entered at 08:40 on 23 Nov with a start on 20 Nov: the earlier doses were never tracked, so they read
    "not logged" and stay out of adherence; the day's own dose still counts."""
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "06:00", "--start", "2026-11-20")
    (dose,) = cli.json("today", "--as-of", "2026-11-23 09:00")["doses"]
    assert (dose["status"], dose["before_entry"]) == ("missed", True)
    assert "not logged" in cli.ok("today", "--as-of", "2026-11-23 09:00")
    aspirin = cli.json("adherence", "--as-of", "2026-11-24 09:00")["medications"][0]
    assert aspirin["7d"]["missed"] == 1  # only 24 Nov's dose, due after she entered it
