"""`rpltrack plan` (#18): the plan's doses are Today's of each day; changes, starts, ends, appointments,
what waits for the transfer, and the day a counted supply runs out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpltrack.store.demo import fill_demo
from rpltrack.store.journal import Journal
from tests.cli.support import Cli

LONDON = ZoneInfo("Europe/London")
DEMO_AT = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "journal.db"
    with Journal.open(path, now=DEMO_AT) as journal:
        fill_demo(journal, DEMO_AT, LONDON, 1)
    return path


@pytest.fixture
def demo_cli(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    with freeze_time("2026-11-23 08:40:00"):
        yield Cli(demo_db, capsys)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(min_value=-120, max_value=40), hour=st.integers(0, 23), before=st.integers(0, 3))
def test_plan_doses_of_a_day_are_todays_of_that_day(
    demo_cli: Cli, offset: int, hour: int, before: int
) -> None:
    """Property: whatever day and time, the plan's doses of a day (in a plan that starts days earlier) are
    exactly what `today --as-of` that day shows: medications, times, amounts, states."""
    day = DEMO_AT.date() + timedelta(days=offset)
    as_of = f"{day} {hour:02d}:30"
    today = demo_cli.json("today", "--as-of", as_of)
    start = day - timedelta(days=before)
    plan = demo_cli.json("plan", "--from", str(start), "--days", str(before + 2), "--as-of", as_of)
    (found,) = [d for d in plan["days"] if d["date"] == str(day)]
    assert found["doses"] == today["doses"]
    assert found["where"] == today["where"]


def test_plan_defaults_to_seven_days_from_today(demo_cli: Cli) -> None:
    plan = demo_cli.json("plan")
    assert [d["date"] for d in plan["days"]] == [str(DEMO_AT.date() + timedelta(days=n)) for n in range(7)]
    text = demo_cli.ok("plan", "--days", "4")
    assert "Mon 23 Nov · CD 44 · 24dp5dt · 6w 1d" in text
    # The hematology visit 3 days ahead, in time order among the doses of that day.
    assert "14:00  appointment: Dr Lee (hematologist) — anticoagulation in pregnancy" in text
    assert "(2 questions)" in text


def test_plan_shows_last_days_and_weeks_of_pregnancy(demo_cli: Cli) -> None:
    plan = demo_cli.json("plan", "--days", "20")
    notes = {d["date"]: [n["text"] for n in d["notes"]] for d in plan["days"]}
    assert "last day of prednisone" in notes[str(DEMO_AT.date() + timedelta(days=14))]
    assert "7 weeks (7w 0d)" in notes[str(DEMO_AT.date() + timedelta(days=6))]


@pytest.mark.parametrize(
    ("days", "message"),
    [("0", "--days runs from 1 to 366"), ("400", "--days runs from 1 to 366"), ("x", "a number of days")],
    ids=["zero", "too-many", "not-a-number"],
)
def test_plan_refuses_a_bad_number_of_days(demo_cli: Cli, days: str, message: str) -> None:
    rc, _, err = demo_cli("plan", "--days", days)
    assert rc == 2
    assert message in err


def test_plan_refuses_a_bad_date(demo_cli: Cli) -> None:
    rc, _, err = demo_cli("plan", "--from", "2026-02-30")
    assert rc == 2
    assert "February 2026 has 28 days" in err


def test_a_dated_change_shows_on_its_day_with_the_new_amount(cli: Cli) -> None:
    cli.ok("med", "add", "prednisone", "--dose", "20 mg", "--times", "08:00")
    cli.ok("med", "edit", "prednisone", "--dose", "10 mg", "--from", "2026-11-26")
    plan = cli.json("plan", "--days", "5")
    by_day = {d["date"]: d for d in plan["days"]}
    assert [d["amount"]["text"] for d in by_day["2026-11-25"]["doses"]] == ["20 mg"]
    assert [d["amount"]["text"] for d in by_day["2026-11-26"]["doses"]] == ["10 mg"]
    assert [n["text"] for n in by_day["2026-11-26"]["notes"]] == ["prednisone goes to 10 mg (from 20 mg)"]
    assert all(not by_day[day]["notes"] for day in ("2026-11-24", "2026-11-25", "2026-11-27"))


def test_a_taper_shows_each_step(cli: Cli) -> None:
    cli.ok("med", "add", "prednisone", "--taper", "20 mg x 2d; 10 mg x 2d; 5 mg x 1d", "--times", "08:00")
    plan = cli.json("plan", "--days", "6")
    doses = [[d["amount"]["text"] for d in day["doses"]] for day in plan["days"]]
    assert doses == [["20 mg"], ["20 mg"], ["10 mg"], ["10 mg"], ["5 mg"], []]
    notes = [[n["text"] for n in day["notes"]] for day in plan["days"]]
    assert notes[2] == ["prednisone goes to 10 mg (from 20 mg)"]
    assert notes[3] == []
    assert notes[4] == ["prednisone goes to 5 mg (from 10 mg)", "last day of prednisone"]


def test_starts_and_ends_show_on_their_days(cli: Cli) -> None:
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-11-25")
    cli.ok(
        "med", "add", "Crinone", "--dose", "1 applicator", "--times", "08:00,20:00", "--until", "2026-11-24"
    )
    plan = cli.json("plan", "--days", "4")
    notes = {d["date"]: [n["text"] for n in d["notes"]] for d in plan["days"]}
    assert notes["2026-11-25"] == ["aspirin starts: 81 mg 08:00 daily"]
    assert notes["2026-11-24"] == ["last day of Crinone"]
    assert [len(d["doses"]) for d in plan["days"]] == [2, 2, 1, 1]


def test_supply_runs_out_on_the_day_of_the_first_dose_not_covered(cli: Cli) -> None:
    """5 doses counted at 08:40 on Monday: Tuesday to Saturday are covered; Sunday's is not."""
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--supply", "5")
    plan = cli.json("plan", "--days", "8")
    (supply,) = plan["supply"]
    assert supply == {
        "medication": "aspirin",
        "medication_id": 1,
        "on_hand": 5,
        "last_covered_on": "2026-11-28",
        "runs_out_on": "2026-11-29",
    }
    refills = [(d["date"], n["text"]) for d in plan["days"] for n in d["notes"] if n["kind"] == "refill"]
    assert refills == [("2026-11-29", "aspirin runs out around 29 Nov (5 doses on hand, the last on 28 Nov)")]


def test_a_taken_dose_is_taken_from_the_supply(cli: Cli) -> None:
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00,20:00", "--supply", "4")
    cli.ok("take", "aspirin", "--at", "2026-11-23 08:40")
    (supply,) = cli.json("plan")["supply"]
    # 4 counted at 08:40 (after the 08:00 dose), 1 taken since: 3 left for 20:00, 08:00, 20:00.
    assert supply["on_hand"] == 3
    assert supply["last_covered_on"] == "2026-11-24"
    assert supply["runs_out_on"] == "2026-11-25"


def test_a_supply_that_outlasts_the_schedule_never_runs_out(cli: Cli) -> None:
    cli.ok(
        "med",
        "add",
        "aspirin",
        "--dose",
        "81 mg",
        "--times",
        "08:00",
        "--supply",
        "30",
        "--until",
        "2026-11-30",
    )
    (supply,) = cli.json("plan")["supply"]
    assert supply["runs_out_on"] is None
    assert supply["last_covered_on"] == "2026-11-30"


def test_the_evening_before_a_transfer_shows_what_starts_from_it(cli: Cli) -> None:
    """A new user the evening before her transfer: tomorrow's doses, the transfer appointment, and what
    starts from the transfer (waiting until it is recorded)."""
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-05")
    cli.ok("med", "add", "estradiol", "--dose", "2 mg", "--times", "08:00,20:00", "--start", "2026-11-06")
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "transfer")
    cli.ok(
        "appt", "add", "--at", "2026-11-24 11:00", "--with", "Dr Patel", "--kind", "re",
        "--purpose", "embryo transfer",
    )  # fmt: skip
    with freeze_time("2026-11-23 20:30:00"):
        plan = cli.json("plan", "--days", "2")
        text = cli.ok("plan", "--days", "2")
    tomorrow = plan["days"][1]
    assert tomorrow["date"] == "2026-11-24"
    assert [(d["medication"], d["time"]) for d in tomorrow["doses"]] == [
        ("estradiol", "08:00"),
        ("estradiol", "20:00"),
    ]
    kinds = [(n["kind"], n["text"]) for n in tomorrow["notes"]]
    assert kinds[0][0] == "appointment"
    assert "embryo transfer" in kinds[0][1]
    assert (
        "waiting",
        "aspirin starts from the transfer: 81 mg 08:00 daily; its doses show once the transfer is recorded",
    ) in kinds
    assert plan["waiting"] == [{"medication": "aspirin", "medication_id": 2, "start": "transfer"}]
    assert "11:00  appointment: Dr Patel (reproductive endocrinologist) — embryo transfer" in text


def test_a_waiting_schedule_without_an_appointment_is_noted_on_the_first_day(cli: Cli) -> None:
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-05")
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "transfer-1d")
    plan = cli.json("plan", "--days", "3")
    assert [n["text"] for n in plan["days"][0]["notes"]] == [
        "aspirin waits for the transfer to be recorded (1 day before transfer): 81 mg 08:00 daily"
    ]


def test_an_empty_journal_plans_nothing(cli: Cli) -> None:
    text = cli.ok("plan", "--days", "2")
    assert text.count("nothing scheduled") == 2
    assert not (cli.db).exists()


def test_plan_on_a_gestational_age_end(cli: Cli) -> None:
    """Lovenox until 36w0d after a day-5 transfer on 2026-11-20: the LMP-equivalent is 2026-11-01, 36w0d is
    LMP + 252 days = 2027-07-11, so its last day is 2027-07-10."""
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-01")
    cli.ok("transfer", "add", "--date", "2026-11-20", "--embryo-day", "5")
    cli.ok("med", "add", "Lovenox", "--dose", "40 mg", "--times", "20:00", "--until", "36w0d")
    last = date(2027, 7, 10)
    plan = cli.json("plan", "--from", str(last - timedelta(days=1)), "--days", "3")
    notes = {d["date"]: [n["text"] for n in d["notes"]] for d in plan["days"]}
    assert "last day of Lovenox: it stops at 36w 0d of pregnancy" in notes[str(last)]
    assert [len(d["doses"]) for d in plan["days"]] == [1, 1, 0]


# -- rpltrack log: filters and pages (#18) ----------------------------------------------------------------


def test_log_without_new_options_is_unchanged(demo_cli: Cli) -> None:
    """Oldest first, logged doses only, the last 7 days."""
    entries = demo_cli.json("log")
    assert {e["status"] for e in entries} <= {"taken", "skipped"}
    slots = [e["slot"] or e["taken_at"] for e in entries]
    assert slots == sorted(slots)
    assert slots[0] >= "2026-11-17"


def test_log_filters_by_medication_and_state_in_pages(demo_cli: Cli) -> None:
    first = demo_cli.json("log", "--from", "2025-01-01", "--med", "aspirin", "--state", "taken,missed",
                          "--limit", "10")  # fmt: skip
    second = demo_cli.json("log", "--from", "2025-01-01", "--med", "aspirin", "--state", "taken,missed",
                           "--limit", "10", "--page", "2")  # fmt: skip
    assert len(first) == len(second) == 10
    assert {e["medication"] for e in first + second} == {"aspirin"}
    assert {e["status"] for e in first + second} <= {"taken", "missed"}
    instants = [e["slot"] for e in first + second]
    assert instants == sorted(instants, reverse=True)
    assert len(set(instants)) == 20
    text = demo_cli.ok("log", "--from", "2025-01-01", "--med", "aspirin", "--limit", "3")
    assert text.splitlines()[-1] == "Page 1, newest first; older entries: --page 2."


def test_log_missed_only(demo_cli: Cli) -> None:
    missed = demo_cli.json("log", "--from", "2026-01-01", "--state", "missed")
    assert missed
    assert all(e["status"] == "missed" and e["id"] is None for e in missed)
    out = demo_cli.ok("log", "--from", "2026-01-01", "--state", "missed", "--limit", "1")
    assert ": missed " in out.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--state", "lost"), "--state takes taken, skipped, missed, late"),
        (("--kind", "pill"), "--kind is scheduled or as-needed"),
        (("--page", "2"), "--page needs --limit"),
        (("--limit", "0"), "--limit is at least 1"),
        (("--limit", "ten"), "--limit takes a number"),
        (("--med", "unknownium"), "no medication called 'unknownium'"),
    ],
    ids=["state", "kind", "page-without-limit", "limit-zero", "limit-word", "unknown-med"],
)
def test_log_refuses_bad_filters(demo_cli: Cli, args: tuple[str, ...], message: str) -> None:
    rc, _, err = demo_cli("log", *args)
    assert rc == 2
    assert message in err


def test_log_past_the_last_page(demo_cli: Cli) -> None:
    assert demo_cli.ok("log", "--limit", "1000", "--page", "5") == "There is no page 5.\n"
