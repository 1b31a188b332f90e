"""Importing successive calendar exports updates a calendar to what the journal holds (#16).

`UpdatingCalendar` imports a file the way calendar programs that update by UID do (khal, Thunderbird,
CalDAV servers): an event replaces the one with its UID unless it has a lower SEQUENCE, and a cancelled
event removes it. The calendar it ends with is expanded by recurring-ical-events (software nobody here
wrote) and compared with the schedule engine over the next 30 days: every dose, appointment and retest,
nothing stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from freezegun import freeze_time
from icalendar import Calendar, Component

from rpltrack.domain.models import DoseStatus
from rpltrack.domain.schedule import expand
from rpltrack.store.journal import Journal
from tests.cli.support import Cli

LONDON = ZoneInfo("Europe/London")
NOW_1 = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)
NOW_2 = datetime(2026, 11, 24, 8, 40, tzinfo=UTC)


class UpdatingCalendar:
    """A calendar that imports files by UID, SEQUENCE and STATUS, as calendar programs do."""

    def __init__(self) -> None:
        self.events: dict[str, Component] = {}
        self.timezones: dict[str, Component] = {}

    def import_file(self, path: Path) -> None:
        cal = Calendar.from_ical(path.read_bytes())
        for tz in cal.walk("VTIMEZONE"):
            self.timezones[str(tz["TZID"])] = tz
        for event in cal.walk("VEVENT"):
            uid = str(event["UID"])
            old = self.events.get(uid)
            if old is not None and int(old.get("SEQUENCE", 0)) > int(event.get("SEQUENCE", 0)):
                continue
            if str(event.get("STATUS", "")) == "CANCELLED":
                self.events.pop(uid, None)
            else:
                self.events[uid] = event

    def occurrences(self, lo: datetime, hi: datetime) -> set[tuple[str, datetime | date]]:
        cal = Calendar()
        cal.add("prodid", "-//test//updater//EN")
        cal.add("version", "2.0")
        for tz in self.timezones.values():
            cal.add_component(tz)
        for event in self.events.values():
            cal.add_component(event)
        found: set[tuple[str, datetime | date]] = set()
        for event in recurring_ical_events.of(cal).between(lo, hi):
            start = event.decoded("DTSTART")
            when = start.astimezone(UTC) if isinstance(start, datetime) else start
            found.add((str(event["SUMMARY"]), when))
        return found


@pytest.fixture
def clock() -> Iterator[object]:
    with freeze_time("2026-11-23 08:40:00") as frozen:
        yield frozen


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: object) -> Cli:
    return Cli(tmp_path / "journal.db", capsys)


def expected(db: Path, today: date, now: datetime, days: int = 30) -> set[tuple[str, datetime | date]]:
    """What the journal says the next `days` days hold: each scheduled dose not logged as skipped, each
    appointment not cancelled, each retest due date (an overdue one today)."""
    from rpltrack.store.exporting import calendar_retests

    lo = datetime.combine(today, datetime.min.time(), tzinfo=LONDON)
    hi = lo + timedelta(days=days)
    found: set[tuple[str, datetime | date]] = set()
    with Journal.open(db, now=now) as journal:
        skipped = {
            (log.medication_id, log.slot_at)
            for log in journal.logs_between(lo - timedelta(days=1), hi)
            if log.status is DoseStatus.SKIPPED
        }
        for med in journal.medications(in_force_on=today):
            if med.prn or med.id is None:
                continue
            for slot in expand(med, lo, hi):
                if (med.id, slot.slot_at) not in skipped:
                    found.add((f"{med.name} {med.dose_on(slot.local_at.date()).amount}", slot.slot_at))
        for appt in journal.appointments():
            if not appt.cancelled and lo <= appt.at < hi:
                found.add((appt.title, appt.at.astimezone(UTC)))
        for retest in calendar_retests(journal.flag_board(now, LONDON).active):
            found.add((retest.title, max(retest.due_on, today)))
    return found


def window(today: date, days: int = 30) -> tuple[datetime, datetime]:
    lo = datetime.combine(today, datetime.min.time(), tzinfo=LONDON)
    return lo, lo + timedelta(days=days)


def test_two_successive_exports_leave_the_calendar_equal_to_the_journal(
    cli: Cli, tmp_path: Path, clock: object
) -> None:
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00")
    cli.ok("med", "add", "folic acid", "--dose", "0.4 mg", "--times", "08:00")
    cli.ok("med", "add", "prednisone", "--dose", "5 mg", "--times", "08:00,20:00")
    cli.ok("appt", "add", "--at", "2026-11-26 10:30", "--with", "Dr Lee", "--kind", "hematology")
    cli.ok("appt", "add", "--at", "2026-12-03 09:00", "--with", "Dr Shah", "--kind", "re")
    calendar = UpdatingCalendar()
    first = tmp_path / "first.ics"
    cli.ok("export", "ics", "--doses", "--out", str(first))
    calendar.import_file(first)
    today = date(2026, 11, 23)
    assert calendar.occurrences(*window(today)) == expected(cli.db, today, NOW_1)
    # A day later: the aspirin moves to 09:15 from 26 Nov, folic acid stops, an appointment is deleted,
    # a prednisone dose is skipped.
    clock.move_to("2026-11-24 08:40:00")  # type: ignore[attr-defined]  # freezegun's frozen clock
    cli.ok("med", "edit", "aspirin", "--times", "09:15", "--from", "2026-11-26")
    cli.ok("med", "stop", "folic acid")
    cli.ok("appt", "delete", "2", "--yes")
    cli.ok("skip", "prednisone", "--at", "2026-11-24 08:00")
    second = tmp_path / "second.ics"
    out = cli.ok("export", "ics", "--doses", "--out", str(second))
    assert "no longer apply: marked cancelled" in out
    calendar.import_file(second)
    today = date(2026, 11, 24)
    got = calendar.occurrences(*window(today))
    want = expected(cli.db, today, NOW_2)
    assert got == want
    summaries = {summary for summary, _ in got}
    folic = [when for summary, when in got if summary.startswith("folic acid")]
    assert folic == [datetime(2026, 11, 24, 8, 0, tzinfo=UTC)]  # taken before it was stopped at 08:40
    assert any(s.startswith("prednisone") for s in summaries)
    aspirin = sorted(when for summary, when in got if summary.startswith("aspirin"))
    assert aspirin[:3] == [
        datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 9, 15, tzinfo=UTC),
    ]
    assert ("prednisone 5 mg", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)) not in got


def test_an_unchanged_event_keeps_its_sequence_and_a_changed_one_raises_it(cli: Cli, tmp_path: Path) -> None:
    cli.ok("appt", "add", "--at", "2026-11-26 10:30", "--with", "Dr Lee", "--kind", "hematology")
    cli.ok("appt", "add", "--at", "2026-12-03 09:00", "--with", "Dr Shah", "--kind", "re")
    paths = [tmp_path / f"{n}.ics" for n in range(3)]
    cli.ok("export", "ics", "--out", str(paths[0]))
    cli.ok("export", "ics", "--out", str(paths[1]))
    cli.ok("appt", "edit", "2", "--at", "2026-12-04 09:00")
    cli.ok("export", "ics", "--out", str(paths[2]))

    def sequences(path: Path) -> dict[str, int]:
        cal = Calendar.from_ical(path.read_bytes())
        return {
            str(e["SUMMARY"]): int(str(e["SEQUENCE"]))
            for e in cal.walk("VEVENT")
            if "rpltrack.local" in str(e["UID"]) and str(e.get("STATUS")) != "CANCELLED"
        }

    first, again, edited = (sequences(p) for p in paths)
    assert set(first.values()) == {0}
    assert again == first
    moved = next(name for name in edited if "Shah" in name)
    kept = next(name for name in edited if "Lee" in name)
    assert (edited[moved], edited[kept]) == (1, 0)


def test_two_journals_never_share_a_uid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: object
) -> None:
    found: list[set[str]] = []
    for name in ("one", "two"):
        cli = Cli(tmp_path / f"{name}.db", capsys)
        cli.ok("appt", "add", "--at", "2026-11-26 10:30", "--with", "Dr Lee", "--kind", "hematology")
        cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00")
        out = tmp_path / f"{name}.ics"
        cli.ok("export", "ics", "--doses", "--out", str(out))
        cal = Calendar.from_ical(out.read_bytes())
        found.append({str(e["UID"]) for e in cal.walk("VEVENT") if str(e.get("STATUS")) != "CANCELLED"})
    assert len(found[0]) == len(found[1]) == 2
    assert not found[0] & found[1]


def test_the_first_export_replaces_what_an_export_without_ids_left(cli: Cli, tmp_path: Path) -> None:
    """An export made before journals had a calendar id used UIDs like appt-1@rpltrack.local: exporting over
    such a file cancels what it held, so a calendar that imported it is not left with copies; a first export
    to a new file cancels nothing (a calendar shows a cancelled event it never had)."""
    from rpltrack.export.ics import build_calendar
    from rpltrack.store.journal import Journal

    cli.ok("appt", "add", "--at", "2026-11-26 10:30", "--with", "Dr Lee", "--kind", "hematology")
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00")
    fresh = tmp_path / "fresh.ics"
    cli.ok("export", "ics", "--doses", "--out", str(fresh))
    assert "CANCELLED" not in fresh.read_text(encoding="utf-8")
    out = tmp_path / "cal.ics"
    with Journal.open(cli.db, now=NOW_1) as journal:
        old = build_calendar(journal.appointments(), [], journal.medications(), now=NOW_1, doses=True)
    out.write_text(old.text, encoding="utf-8")
    legacy = {str(e["UID"]) for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    assert "appt-1@rpltrack.local" in legacy
    assert len(legacy) == 2
    cli.ok("export", "ics", "--doses", "--out", str(out))
    cal = Calendar.from_ical(out.read_bytes())
    status = {str(e["UID"]): str(e.get("STATUS")) for e in cal.walk("VEVENT")}
    assert all(status[uid] == "CANCELLED" for uid in legacy)
    assert sum(1 for uid, s in status.items() if uid.startswith("appt-1-") and s == "CONFIRMED") == 1
    calendar = UpdatingCalendar()
    # A calendar that had imported the old file ends with exactly what the journal holds.
    (tmp_path / "cal-old.ics").write_text(old.text, encoding="utf-8")
    calendar.import_file(tmp_path / "cal-old.ics")
    calendar.import_file(out)
    assert calendar.occurrences(*window(date(2026, 11, 23))) == expected(cli.db, date(2026, 11, 23), NOW_1)


def test_an_overdue_retest_is_shown_as_due_today(cli: Cli, tmp_path: Path) -> None:
    cli.ok("lab", "add", "aCL-IgG", "45", "--unit", "GPL", "--date", "2026-08-01")  # due 24 Oct: overdue
    out = tmp_path / "cal.ics"
    cli.ok("export", "ics", "--out", str(out))
    cal = Calendar.from_ical(out.read_bytes())
    retests = [
        e
        for e in cal.walk("VEVENT")
        if str(e["UID"]).startswith("retest-") and str(e.get("STATUS")) != "CANCELLED"
    ]
    assert len(retests) == 1
    assert retests[0].decoded("DTSTART") == date(2026, 11, 23)
    assert "Due on or after 2026-10-24" in str(retests[0]["DESCRIPTION"])


def test_discreet_mode_keeps_names_out_of_series_and_cancellations(cli: Cli, tmp_path: Path) -> None:
    cli.ok("med", "add", "Lovenox", "--dose", "40 mg", "--times", "20:00")
    cli.ok("settings", "set", "reminders.discreet", "on")
    first = tmp_path / "a.ics"
    cli.ok("export", "ics", "--doses", "--out", str(first))
    cli.ok("med", "delete", "Lovenox", "--yes")
    second = tmp_path / "b.ics"
    cli.ok("export", "ics", "--doses", "--out", str(second))
    for path in (first, second):
        text = path.read_text(encoding="utf-8")
        assert "lovenox" not in text.casefold()
        assert "enoxaparin" not in text.casefold()
    cancelled = [
        e
        for e in Calendar.from_ical(second.read_bytes()).walk("VEVENT")
        if str(e.get("STATUS")) == "CANCELLED"
    ]
    assert [str(e["SUMMARY"]) for e in cancelled] == ["Medication"]
