"""Time is total for the readers (#14): in the second pass of the repeated hour when clocks go back, a `now`
read on the local clock (fold=1) gives the same reminders, missed-dose flags, brief and calendar as the same
instant read in UTC. Python's arithmetic on a fold=1 local time drops the fold and lands an hour off, so every
reader adds and subtracts in UTC and goes back to the local zone only for display and day boundaries.

A medication at 02:00 every day puts a slot one hour inside every look-back window (two days for reminders,
seven and fourteen for the missed-dose rules, thirty for the brief): an hour's error in a window's start
counts that slot where it does not belong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain import reminders
from rpltrack.domain.appointments import Appointment, AppointmentKind
from rpltrack.domain.records import replace
from rpltrack.domain.reminder_words import Notice
from rpltrack.export.brief import render_brief
from rpltrack.flags.record_rules import missed_anticoagulant, missed_doses, refill_due
from rpltrack.flags.rules import board
from rpltrack.store.exporting import brief_input, calendar_export
from rpltrack.store.journal import Journal
from rpltrack.store.reminder_ledger import computed_dues, run_due
from tests.reminders.support import at_times

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# 01:30 the second time, once the clocks went back: GMT in London, EST in New York.
SECOND_PASS = [
    pytest.param(datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1), id="london-0130-second-pass"),
    pytest.param(datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK, fold=1), id="new-york-0130-second-pass"),
]
ENTERED = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)


def _zone(now: datetime) -> ZoneInfo:
    assert isinstance(now.tzinfo, ZoneInfo)
    return now.tzinfo


def _journal(path: Path, now: datetime) -> Journal:
    """Aspirin at 02:00 and enoxaparin at 02:00 and 14:00 since August (nothing logged: every past slot
    is missed), a counted supply that runs short, and an appointment the next morning."""
    zone = _zone(now)
    journal = Journal.open(path, now=ENTERED)
    journal.add_medication(at_times("02:00", zone=zone), ENTERED)
    enoxaparin = replace(
        at_times("02:00,14:00", name="enoxaparin", dose="40 mg", zone=zone), generic="enoxaparin", supply=3
    )
    journal.add_medication(enoxaparin, ENTERED)
    morning = datetime(now.year, now.month, now.day, 9, 0, tzinfo=zone)
    appointment = Appointment(
        at=morning.replace(day=now.day + 1),
        with_name="Dr Lee",
        kind=AppointmentKind.HEMATOLOGY,
        where="Clinic",
        purpose="Review",
    )
    journal.add_appointment(appointment, ENTERED)
    return journal


@pytest.fixture
def journal_at(tmp_path: Path):
    opened: list[Journal] = []

    def make(now: datetime, name: str = "journal.db") -> Journal:
        journal = _journal(tmp_path / name, now)
        opened.append(journal)
        return journal

    yield make
    for journal in opened:
        journal.close()


def _assert_second_pass(now: datetime) -> datetime:
    """The UTC instant of `now`, after checking that `now` really is the second pass (fold=1 changes it)."""
    assert now.fold == 1
    assert now.utcoffset() != now.replace(fold=0).utcoffset()
    return now.astimezone(UTC)


@pytest.mark.parametrize("now", SECOND_PASS)
def test_reminders_due_in_the_repeated_hour_are_those_of_the_same_utc_instant(now, journal_at):
    at_utc = _assert_second_pass(now)
    journal = journal_at(now)
    zone = _zone(now)
    local, utc = computed_dues(journal, now, zone), computed_dues(journal, at_utc, zone)
    assert local == utc
    assert local, "the fixture should have reminders in the look-back window"
    earliest = min(d.due_at for d in utc)
    assert earliest >= at_utc - reminders.LOOKBACK


@pytest.mark.parametrize("now", SECOND_PASS)
def test_reminder_decisions_in_the_repeated_hour_are_those_of_the_same_utc_instant(now, journal_at):
    at_utc = _assert_second_pass(now)
    zone = _zone(now)
    first, second = journal_at(now, "first.db"), journal_at(now, "second.db")
    sent: dict[str, list[Notice]] = {"local": [], "utc": []}

    def recorder(key: str):
        def deliver(notice: Notice) -> str:
            sent[key].append(notice)
            return "test"

        return deliver

    local = run_due(first, recorder("local"), now, zone, flags=False)
    utc = run_due(second, recorder("utc"), at_utc, zone, flags=False)
    assert [n.subject for n in sent["local"]] == [n.subject for n in sent["utc"]]
    assert [(d.kind, d.subject) for d in local.missed] == [(d.kind, d.subject) for d in utc.missed]


@pytest.mark.parametrize("now", SECOND_PASS)
def test_a_due_decided_in_the_repeated_hour_is_that_of_the_same_utc_instant(now):
    at_utc = _assert_second_pass(now)
    zone = _zone(now)
    # Due 59 minutes ago, read on the same local clock: 01:31 the first pass. Compared naively with 01:30 the
    # second pass it would look a minute ahead, not 59 minutes past.
    due_at = (at_utc - timedelta(minutes=59)).astimezone(zone)
    due = reminders.Due(
        reminders.Kind.DOSE,
        "dose:1:x",
        due_at,
        (at_utc + reminders.DOSE_CATCH_UP_MIN).astimezone(zone),
        "med:1",
        "aspirin 81 mg",
    )
    decided = reminders.decide([due], {}, at_utc)
    assert [o.due.subject for o in decided.send] == ["dose:1:x"]
    assert reminders.decide([due], {}, now) == decided
    entry = reminders.Entry(
        reminders.Kind.DOSE,
        "dose:1:x",
        due.due_at,
        reminders.State.SNOOZED,
        snooze_until=(at_utc - timedelta(minutes=5)).astimezone(zone),
    )
    assert reminders.decide([due], {due.key: entry}, now) == reminders.decide([due], {due.key: entry}, at_utc)


@pytest.mark.parametrize("now", SECOND_PASS)
def test_the_next_flag_check_from_the_repeated_hour_is_that_of_the_same_utc_instant(now):
    at_utc = _assert_second_pass(now)
    zone = _zone(now)
    assert reminders.next_flag_check(now, zone) == reminders.next_flag_check(at_utc, zone)
    assert reminders.flag_due(reminders.Kind.RETEST, "k", "t", "a", now) == reminders.flag_due(
        reminders.Kind.RETEST, "k", "t", "a", at_utc
    )


def _flag_words(flags: object) -> list[tuple[str, str, str]]:
    return [(f.rule, f.subject, f.detail) for f in flags]  # type: ignore[attr-defined]


@pytest.mark.parametrize("now", SECOND_PASS)
def test_missed_dose_flags_in_the_repeated_hour_are_those_of_the_same_utc_instant(now, journal_at):
    at_utc = _assert_second_pass(now)
    journal = journal_at(now)
    zone = _zone(now)
    snap = journal.snapshot(at_utc, zone)
    local_snap = replace(snap, now=now)
    for rule in (missed_doses, missed_anticoagulant, refill_due):
        local, utc = list(rule(local_snap)), list(rule(snap))
        assert _flag_words(local) == _flag_words(utc), rule.__name__
        assert utc, f"the fixture should raise {rule.__name__}"
    local_board = board(journal.snapshot(now, zone), journal.flag_marks())
    utc_board = board(snap, journal.flag_marks())
    assert _flag_words(local_board.active) == _flag_words(utc_board.active)


@pytest.mark.parametrize("now", SECOND_PASS)
def test_the_brief_in_the_repeated_hour_is_that_of_the_same_utc_instant(now, journal_at):
    at_utc = _assert_second_pass(now)
    journal = journal_at(now)
    zone = _zone(now)
    local = render_brief(brief_input(journal, now, zone, None))
    utc = render_brief(brief_input(journal, at_utc, zone, None))
    assert local == utc


@pytest.mark.parametrize("now", SECOND_PASS)
def test_the_calendar_in_the_repeated_hour_is_that_of_the_same_utc_instant(now, journal_at):
    at_utc = _assert_second_pass(now)
    journal = journal_at(now)
    zone = _zone(now)
    local = calendar_export(journal, now=now, zone=zone, doses=True).text
    utc = calendar_export(journal, now=at_utc, zone=zone, doses=True).text
    assert local == utc
    assert "enoxaparin" in local
