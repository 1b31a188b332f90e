"""One answer to "what is her dose of X on day D", read by every surface (#15).

`Medication.dose_on(day)` answers it (taper step, dated change, end date, stop, cycle anchors). Each surface
is read here the way she reads it, from a real journal file: `med list --json` and `today --as-of DAY
--json` (the CLI in process), the printed brief (`rpltrack brief --as-of`), medications.csv and summary.csv
of the CSV export, and the dose reminder of a slot that day (the ledger's own reading of the journal, in
the words of the notification). The issue's cases are pinned on the days before, on and after each change
(the Today and Medications screens too); a property test does the same for random regimens and days.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rpltrack.clock import FixedClock
from rpltrack.domain.models import Medication, MedicationState
from rpltrack.domain.reminder_words import render
from rpltrack.domain.reminders import Kind, Outgoing, utc_key
from rpltrack.domain.schedule import day_bounds, expand
from rpltrack.export.csv_medications import ENTERED_FROM, REPLACED
from rpltrack.export.csv_medications import regimen_spans as csv_regimen_spans
from rpltrack.store.exporting import import_csv_export, write_csv_export
from rpltrack.store.journal import Journal
from rpltrack.store.reminder_ledger import computed_dues
from tests.cli.support import Cli

LONDON = ZoneInfo("Europe/London")
BUILT = "2026-11-23 08:40:00"  # UTC (= London): when every entry below is made
SHOWN_IN_BRIEF = (MedicationState.ACTIVE, MedicationState.NOT_STARTED, MedicationState.WAITING)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=LONDON)


@dataclass
class Seen:
    """What every surface shows for one medication on one day (None: the surface does not show it)."""

    listed: str  # med list --json "dose"
    listed_today: str | None  # med list --json "dose_today"
    listed_next: tuple[str, str] | None  # med list --json "next_change": (from, dose)
    today: list[str]  # today --json: the amount of each slot
    brief: tuple[str, str | None] | None  # the brief's dose cell: (dose, "(next change)")
    csv: list[str]  # medications.csv: the dose of each row whose dates hold the day
    summary: str | None  # summary.csv "Current medication": the dose and schedule
    reminders: list[str]  # the title of each dose reminder of the day's slots


def _brief_rows(html: str) -> dict[str, tuple[str, str | None]]:
    """The brief's medications table: name -> (dose, the next change's words or None)."""
    table = re.search(r'<table class="meds">(.*?)</table>', html)
    if table is None:
        return {}
    found: dict[str, tuple[str, str | None]] = {}
    row_re = r'<tr[^>]*><td>([^<]+?)(?: <span class="tag">◆</span>)?</td><td class="d">(.*?)</td>'
    for name, cell in re.findall(row_re, table.group(1)):
        dose, _, change = cell.partition('<br><span class="dim">')
        found[name] = (dose, change.removesuffix("</span>") or None)
    return found


def _csv_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _covers(row: dict[str, str], day: date) -> bool:
    """A medications.csv row whose "Regimen from" / "Regimen to" dates hold `day`."""
    try:
        first = date.fromisoformat(row["Regimen from"])
    except ValueError:
        return False  # waiting, replaced or not reached: no dates
    last = date.fromisoformat(row["Regimen to"]) if row["Regimen to"] else date.max
    return first <= day <= last


def read_surfaces(cli: Cli, folder: Path, day: date) -> dict[str, Seen]:
    """Every surface on `day` (at noon; Today and the reminders for the whole day), by medication name."""
    listed = {m["name"]: m for m in cli.json("med", "list", "--all", "--as-of", f"{day} 12:00")}
    doses = cli.json("today", "--as-of", f"{day} 23:59")["doses"]
    page = folder / f"brief-{day}.html"
    cli.ok("brief", "--as-of", f"{day} 12:00", "--out", str(page))
    brief = _brief_rows(page.read_text(encoding="utf-8"))
    out = folder / f"csv-{day}"
    with Journal.open(cli.db) as journal:
        write_csv_export(journal, out, now=noon(day), zone=LONDON)
        meds = {m.name: m for m in journal.medications()}
        titles: dict[str, list[str]] = {}
        for med in meds.values():
            assert med.id is not None
            titles[med.name] = []
            for slot in expand(med, *day_bounds(day, LONDON)):
                at = slot.slot_at + timedelta(minutes=1)
                subject = f"dose:{med.id}:{utc_key(slot.slot_at)}"
                (due,) = [
                    d
                    for d in computed_dues(journal, at, LONDON)
                    if (d.kind, d.subject) == (Kind.DOSE, subject)
                ]
                titles[med.name].append(render(Outgoing(due, timedelta(0)), at, discreet=False).title)
    rows = _csv_rows(out, "medications.csv")
    summary = {
        r["Item"]: r["Value"] for r in _csv_rows(out, "summary.csv") if r["Section"] == "Current medication"
    }
    seen: dict[str, Seen] = {}
    for name, entry in listed.items():
        upcoming = entry["next_change"]
        seen[name] = Seen(
            listed=entry["dose"]["text"],
            listed_today=entry["dose_today"]["text"] if entry["dose_today"] else None,
            listed_next=(upcoming["from"], upcoming["dose"]["text"]) if upcoming else None,
            today=[d["amount"]["text"] for d in doses if d["medication"] == name and not d["as_needed"]],
            brief=brief.get(name),
            csv=[
                f"{r['Dose amount']} {r['Dose unit']}" for r in rows if r["Name"] == name and _covers(r, day)
            ],
            summary=summary.get(name),
            reminders=titles[name],
        )
    return seen


def assert_all_agree(med: Medication, seen: Seen, day: date) -> None:
    """Every surface shows `med.dose_on(day)`, and only where it should show a dose at all."""
    now = noon(day)
    state = med.state(now, day)
    dose = str(med.dose_on(day).amount)
    schedule = med.dose_on(day).timing.describe()
    upcoming = med.next_change(day)
    assert seen.listed == dose
    assert seen.listed_today == (dose if state is MedicationState.ACTIVE else None)
    assert seen.listed_next == (
        None if upcoming is None else (upcoming.effective_on.isoformat(), str(upcoming.amount))
    )
    slots = expand(med, *day_bounds(day, LONDON))
    assert seen.today == [dose] * len(slots)
    assert [t.split(" at ")[0] for t in seen.reminders] == [
        f"{med.name[:1].upper()}{med.name[1:]} {dose}"
    ] * len(slots)
    if state in SHOWN_IN_BRIEF:
        assert seen.brief is not None
        change = None
        if upcoming is not None:
            timing = upcoming.timing.describe()
            timing = "" if timing == schedule else f", {timing}"
            change = (
                f"({upcoming.amount}{timing} from {upcoming.effective_on.day} {upcoming.effective_on:%b})"
            )
        assert seen.brief == (dose, change)
    else:
        assert seen.brief is None
    end = med.schedule_end_on
    in_schedule = not med.waiting and med.start_on <= day and (end is None or day <= end)
    assert seen.csv == ([dose] if in_schedule else [])
    if state is MedicationState.ACTIVE:
        assert seen.summary == f"{dose} {schedule}"
    else:
        assert seen.summary is None


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    with freeze_time(BUILT):
        yield Cli(tmp_path / "journal.db", capsys)


def _medication(cli: Cli, name: str) -> Medication:
    with Journal.open(cli.db) as journal:
        (med,) = [m for m in journal.medications() if m.name == name]
        return med


# -- the issue's cases --------------------------------------------------------------------------------------

TAPER = "20 mg x 6w; 10 mg x 1w; 5 mg x 1w"


def enter_the_issue_cases(cli: Cli) -> Cli:
    """prednisone tapering from 18 Nov (20 mg to 29 Dec, 10 mg from 30 Dec, 5 mg from 6 Jan to 12 Jan) and
    levothyroxine 75 mcg changed to 88 mcg from 8 Dec."""
    cli.ok("med", "add", "prednisone", "--taper", TAPER, "--times", "08:00", "--start", "2026-11-18")
    cli.ok("med", "add", "levothyroxine", "--dose", "75 mcg", "--times", "07:00", "--start", "2026-11-01")
    cli.ok("med", "edit", "levothyroxine", "--dose", "88 mcg", "--from", "2026-12-08")
    return cli


@pytest.fixture
def issue_journal(cli: Cli) -> Cli:
    return enter_the_issue_cases(cli)


@pytest.mark.parametrize(
    ("day", "prednisone", "levothyroxine"),
    [
        pytest.param(
            "2026-12-06", ("20 mg", "(10 mg from 30 Dec)"), ("75 mcg", "(88 mcg from 8 Dec)"), id="6-dec"
        ),
        pytest.param(
            "2026-12-07", ("20 mg", "(10 mg from 30 Dec)"), ("75 mcg", "(88 mcg from 8 Dec)"), id="7-dec"
        ),
        pytest.param("2026-12-08", ("20 mg", "(10 mg from 30 Dec)"), ("88 mcg", None), id="8-dec-the-change"),
        pytest.param("2026-12-09", ("20 mg", "(10 mg from 30 Dec)"), ("88 mcg", None), id="9-dec"),
        pytest.param("2026-12-29", ("20 mg", "(10 mg from 30 Dec)"), ("88 mcg", None), id="29-dec"),
        pytest.param("2026-12-30", ("10 mg", "(5 mg from 6 Jan)"), ("88 mcg", None), id="30-dec-a-step"),
        pytest.param("2026-12-31", ("10 mg", "(5 mg from 6 Jan)"), ("88 mcg", None), id="31-dec"),
        pytest.param("2027-01-06", ("5 mg", None), ("88 mcg", None), id="6-jan-the-last-step"),
    ],
)
def test_the_taper_and_the_dated_change_read_the_same_everywhere(
    issue_journal: Cli,
    tmp_path: Path,
    day: str,
    prednisone: tuple[str, str | None],
    levothyroxine: tuple[str, str | None],
) -> None:
    on = date.fromisoformat(day)
    seen = read_surfaces(issue_journal, tmp_path, on)
    for name, (dose, change) in (("prednisone", prednisone), ("levothyroxine", levothyroxine)):
        med = _medication(issue_journal, name)
        assert str(med.dose_on(on).amount) == dose
        assert seen[name].brief == (dose, change)
        assert seen[name].csv == [dose]
        assert seen[name].today == [dose]
        assert seen[name].listed_today == dose
        assert_all_agree(med, seen[name], on)


@pytest.mark.parametrize("day", ["2026-12-19", "2026-12-20", "2026-12-21", "2027-01-08"])
def test_a_new_end_date_leaves_no_step_after_it(issue_journal: Cli, tmp_path: Path, day: str) -> None:
    issue_journal.ok("med", "edit", "prednisone", "--until", "2026-12-20")
    on = date.fromisoformat(day)
    med = _medication(issue_journal, "prednisone")
    seen = read_surfaces(issue_journal, tmp_path, on)["prednisone"]
    assert_all_agree(med, seen, on)
    assert seen.listed == "20 mg"
    assert seen.listed_next is None
    ended = on > date(2026, 12, 20)
    assert seen.today == ([] if ended else ["20 mg"])
    assert seen.brief == (None if ended else ("20 mg", None))
    assert seen.csv == ([] if ended else ["20 mg"])
    spans = {
        r[ENTERED_FROM]: (r["Regimen from"], r["Regimen to"])
        for r in _csv_rows(tmp_path / f"csv-{day}", "medications.csv")
        if r["Name"] == "prednisone"
    }
    assert spans == {
        "2026-11-18": ("2026-11-18", "2026-12-20"),
        "2026-12-30": ("not reached (ends 2026-12-20)", ""),
        "2027-01-06": ("not reached (ends 2026-12-20)", ""),
    }


def test_med_edit_says_no_step_after_a_new_end(issue_journal: Cli) -> None:
    out = issue_journal.ok("med", "edit", "prednisone", "--until", "2026-12-20")
    assert "10 mg" not in out
    assert "5 mg" not in out


async def test_today_and_medications_screens_show_the_dose_of_each_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The screens on the days before, on and after the changes (the app runs on a FixedClock: freezegun
    would hang its event loop, so only the entries are made at a frozen time)."""
    from textual.widgets import DataTable

    from rpltrack.tui.app import RpltrackApp
    from rpltrack.tui.widgets.dose_list import DoseList

    with freeze_time(BUILT):
        issue_journal = enter_the_issue_cases(Cli(tmp_path / "journal.db", capsys))

    expected = {
        date(2026, 12, 7): ("20 mg (10 mg from 30 Dec)", "75 mcg (88 mcg from 8 Dec)"),
        date(2026, 12, 8): ("20 mg (10 mg from 30 Dec)", "88 mcg"),
        date(2026, 12, 30): ("10 mg (5 mg from 6 Jan)", "88 mcg"),
    }
    for day, (prednisone, levothyroxine) in expected.items():
        clock = FixedClock(datetime.combine(day, time(9, 0), tzinfo=LONDON), LONDON)
        with Journal.open(issue_journal.db) as journal:
            app = RpltrackApp(journal=journal, clock=clock)
            async with app.run_test(size=(110, 34)) as pilot:
                await pilot.pause()
                rows = [[plain for plain, _ in row] for row in app.screen.query_one(DoseList).rendered_rows()]
                assert {(r[1], r[2]) for r in rows} == {
                    ("levothyroxine", levothyroxine.split(" (")[0]),
                    ("prednisone", prednisone.split(" (")[0]),
                }
                await pilot.press("2")
                await pilot.pause()
                table = app.screen.query_one("#medications", DataTable)
                shown = {
                    str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)
                }
                assert shown == {"prednisone": prednisone, "levothyroxine": levothyroxine}


# -- medications.csv: when each regimen applies ------------------------------------------------------------


def test_anchored_medications_export_when_they_apply(cli: Cli, tmp_path: Path) -> None:
    """The issue's export: estradiol from 5 days before the transfer to 14 days after it, Lovenox from the
    positive beta; a waiting one says what it waits for. The round trip keeps every file byte for byte."""
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-10")
    cli.ok(
        "med",
        "add",
        "estradiol",
        "--dose",
        "2 mg",
        "--times",
        "08:00,20:00",
        "--start",
        "transfer-5d",
        "--until",
        "transfer+14d",
    )
    cli.ok("med", "add", "Lovenox", "--dose", "40 mg", "--times", "20:00", "--start", "positive-beta")
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "21:00", "--start", "positive-beta")
    # A change entered before the transfer is recorded, dated on or before the day the anchor places the
    # start: the start takes the changed dose, the first one never applies.
    cli.ok("med", "edit", "estradiol", "--dose", "4 mg", "--from", "2026-11-25")
    cli.ok("med", "edit", "estradiol", "--dose", "6 mg", "--from", "2026-12-04")
    with freeze_time("2026-12-02 09:00:00"):
        cli.ok("transfer", "add", "--date", "2026-12-01", "--embryo-day", "5")
    with freeze_time("2026-12-11 09:00:00"):
        cli.ok("event", "add", "positive-beta", "--date", "2026-12-10")
    first = tmp_path / "first"
    with Journal.open(cli.db) as journal:
        meds = {m.name: m for m in journal.medications()}
        write_csv_export(journal, first, now=noon(date(2026, 12, 12)), zone=LONDON)
    rows = [
        (r["Name"], r["Regimen from"], r["Regimen to"], r[ENTERED_FROM], r["Dose amount"])
        for r in _csv_rows(first, "medications.csv")
    ]
    assert rows == [
        ("aspirin", "2026-12-10", "", "2026-11-23", "81"),
        ("estradiol", REPLACED, "", "2026-11-23", "2"),
        ("estradiol", "2026-11-26", "2026-12-03", "2026-11-25", "4"),
        ("estradiol", "2026-12-04", "2026-12-15", "2026-12-04", "6"),
        ("Lovenox", "2026-12-10", "", "2026-11-23", "40"),
    ]
    summary = {
        r["Item"]: r["Details"]
        for r in _csv_rows(first, "summary.csv")
        if r["Section"] == "Current medication"
    }
    assert summary["Lovenox"].startswith("since 2026-12-10")
    # Every row's dates agree with the dose of each of its days.
    for med in meds.values():
        for row, (from_cell, to_cell) in zip(
            (r for r in _csv_rows(first, "medications.csv") if r["Name"] == med.name),
            csv_regimen_spans(med),
            strict=True,
        ):
            assert (row["Regimen from"], row["Regimen to"]) == (from_cell, to_cell)
            if not re.fullmatch(r"\d{4}-\d\d-\d\d", from_cell):
                continue
            last = (
                date.fromisoformat(to_cell) if to_cell else date.fromisoformat(from_cell) + timedelta(days=30)
            )
            day = date.fromisoformat(from_cell)
            while day <= last:
                assert f"{med.dose_on(day).amount.value:f}" == row["Dose amount"], (med.name, day)
                day += timedelta(days=1)
    # The round trip: export -> import into a fresh journal -> export is byte-identical.
    with Journal.open(tmp_path / "copy.db", now=noon(date(2026, 12, 12))) as copy:
        import_csv_export(copy, first, noon(date(2026, 12, 12)))
        write_csv_export(copy, tmp_path / "second", now=noon(date(2026, 12, 12)), zone=LONDON)
    for path in sorted(first.iterdir()):
        assert (tmp_path / "second" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_waiting_medication_says_what_it_waits_for(cli: Cli, tmp_path: Path) -> None:
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-10")
    cli.ok(
        "med",
        "add",
        "estradiol",
        "--dose",
        "2 mg",
        "--times",
        "08:00",
        "--start",
        "transfer-5d",
        "--until",
        "transfer+14d",
    )
    with Journal.open(cli.db) as journal:
        write_csv_export(journal, tmp_path / "out", now=noon(date(2026, 11, 23)), zone=LONDON)
    (row,) = _csv_rows(tmp_path / "out", "medications.csv")
    assert (row["State now"], row["Regimen from"], row["Regimen to"], row["Starts on"]) == (
        "waiting",
        "waiting for transfer",
        "",
        "waiting for transfer",
    )
    assert (row["Start anchor"], row["End anchor"], row[ENTERED_FROM]) == (
        "transfer-5d",
        "transfer+14d",
        "2026-11-23",
    )


def test_a_stopped_medication_exports_no_step_after_the_stop(cli: Cli, tmp_path: Path) -> None:
    cli.ok("med", "add", "prednisone", "--taper", TAPER, "--times", "08:00", "--start", "2026-11-18")
    cli.ok("med", "stop", "prednisone", "--date", "2026-12-30")  # the first day without doses: the step's day
    with Journal.open(cli.db) as journal:
        (med,) = journal.medications()
        write_csv_export(journal, tmp_path / "out", now=noon(date(2027, 1, 2)), zone=LONDON)
    assert str(med.dose_on(date(2027, 1, 2)).amount) == "20 mg"  # the last dose it had, not the step
    cells = [(r["Regimen from"], r["Regimen to"]) for r in _csv_rows(tmp_path / "out", "medications.csv")]
    assert cells == [
        ("2026-11-18", "2026-12-29"),
        ("not reached (stopped 2026-12-30 00:00)", ""),
        ("not reached (stopped 2026-12-30 00:00)", ""),
    ]


def test_an_export_without_the_as_entered_column_still_imports(cli: Cli, tmp_path: Path) -> None:
    """medications.csv as exports wrote it before "Regimen from (as entered)": its "Regimen from" held the
    date as entered (for an anchored start, the day she entered it), and it reads back as it was."""
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-10")
    cli.ok("med", "add", "estradiol", "--dose", "2 mg", "--times", "08:00", "--start", "transfer-5d")
    cli.ok("med", "edit", "estradiol", "--dose", "6 mg", "--from", "2026-12-04")
    with freeze_time("2026-12-02 09:00:00"):
        cli.ok("transfer", "add", "--date", "2026-12-01", "--embryo-day", "5")
    first = tmp_path / "first"
    with Journal.open(cli.db) as journal:
        write_csv_export(journal, first, now=noon(date(2026, 12, 12)), zone=LONDON)
        (original,) = journal.medications()
    path = first / "medications.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    entered, applied = table[0].index(ENTERED_FROM), table[0].index("Regimen from")
    assert [row[applied] for row in table[1:]] == ["2026-11-26", "2026-12-04"]  # placed by the transfer
    for row in table[1:]:
        row[applied] = row[entered]
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(
            [c for i, c in enumerate(row) if i != entered] for row in table
        )
    with Journal.open(tmp_path / "copy.db", now=noon(date(2026, 12, 12))) as copy:
        import_csv_export(copy, first, noon(date(2026, 12, 12)))
        (back,) = copy.medications()
    assert [r.effective_on for r in back.regimens] == [date(2026, 11, 23), date(2026, 12, 4)]
    assert back.schedule_regimens == original.schedule_regimens
    assert [(r.effective_on, r.amount) for r in back.regimens] == [
        (r.effective_on, r.amount) for r in original.regimens
    ]


# -- property: random regimens, random days -----------------------------------------------------------------

AMOUNTS = ("40 mg", "30 mg", "25 mg", "12.5 mg", "7 mg", "5 mg")


Command = tuple[str, list[str]]  # when it is entered (UTC, for freezegun) and its arguments


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[Command], date]:
    """The commands that build one medication, and a day to read every surface on. The medication is a
    taper or a dose with dated changes, may get an end date or a stop, or starts from a transfer (which may
    not be recorded: waiting; recorded after a change was entered, the change may be folded into the
    start)."""
    day0 = date(2026, 11, 23)  # the day of BUILT
    anchored = draw(st.booleans())
    commands: list[Command] = [(BUILT, ["cycle", "add", "--kind", "fet", "--cd1", "2026-11-10"])]
    add = ["med", "add", "drug", "--times", draw(st.sampled_from(["08:00", "08:00,20:00", "21:00"]))]
    if anchored:
        offset = draw(st.integers(-6, 3))
        add += ["--dose", draw(st.sampled_from(AMOUNTS))]
        add += ["--start", f"transfer{offset:+d}d" if offset else "transfer"]
        if draw(st.booleans()):
            add += ["--until", f"transfer+{draw(st.integers(5, 40))}d"]
        start = day0  # while it waits, a change cannot be dated before the day it was entered
    else:
        start = day0 + timedelta(days=draw(st.integers(-20, 15)))
        add += ["--start", start.isoformat()]
        if draw(st.booleans()):
            steps = draw(
                st.lists(st.tuples(st.sampled_from(AMOUNTS), st.integers(1, 3)), min_size=2, max_size=3)
            )
            add += ["--taper", "; ".join(f"{a} x {n}w" for a, n in steps)]
        else:
            add += ["--dose", draw(st.sampled_from(AMOUNTS))]
    commands.append((BUILT, add))
    for change in sorted(set(draw(st.lists(st.integers(1, 45), min_size=1, max_size=2)))):
        on = start + timedelta(days=change)
        edit = ["med", "edit", "drug", "--dose", draw(st.sampled_from(AMOUNTS)), "--from", on.isoformat()]
        commands.append((BUILT, edit))
    if not anchored and draw(st.booleans()):
        until = start + timedelta(days=draw(st.integers(0, 60)))
        commands.append((BUILT, ["med", "edit", "drug", "--until", until.isoformat()]))
    if draw(st.integers(0, 4)) == 0:
        stop = day0 + timedelta(days=draw(st.integers(0, 50)))
        commands.append((BUILT, ["med", "stop", "drug", "--date", stop.isoformat()]))
    transfer = day0 + timedelta(days=draw(st.integers(-5, 20)))
    if anchored and draw(st.integers(0, 3)) > 0:
        entered = max(transfer + timedelta(days=1), day0)  # recorded once it has happened
        commands.append(
            (f"{entered} 09:00:00", ["transfer", "add", "--date", transfer.isoformat(), "--embryo-day", "5"])
        )
    day = (transfer if anchored else start) + timedelta(days=draw(st.integers(-10, 50)))
    return commands, day


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans())
def test_every_surface_agrees_with_dose_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plan: tuple[list[Command], date]
) -> None:
    commands, day = plan
    root = Path(tempfile.mkdtemp(dir=tmp_path))  # a fresh journal per example
    cli = Cli(root / "journal.db", capsys)
    for at, command in commands:
        with freeze_time(at):
            rc, _, err = cli(*command)
        # 2: a change the app refuses (the dose it already has, an end before the start): nothing is
        # written, and the example goes on without it.
        assert rc in (0, 2), err
        event(f"{' '.join(command[:2])}: exit {rc}")
    with freeze_time(BUILT):
        med = _medication(cli, "drug")
        seen = read_surfaces(cli, root, day)["drug"]
    event(f"on the day: {med.state(noon(day), day).value}")
    event(f"regimens in force: {len(med.regimens_in_force())}")
    if not med.waiting and None in med.effective_days():
        event("a dose replaced before an anchored start")
    assert_all_agree(med, seen, day)
