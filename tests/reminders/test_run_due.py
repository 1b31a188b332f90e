"""run_due over a real journal file: once, retried, snoozed, answered, caught up, two processes at once.

Deliveries go to a recorder (support.Outbox); the real notification servers are in test_delivery.py.
"""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.appointments import Appointment, AppointmentKind
from rpltrack.domain.models import DoseStatus
from rpltrack.domain.records import replace
from rpltrack.domain.reminders import Kind
from rpltrack.store.journal import Journal
from rpltrack.store.reminder_ledger import answer, run_due, take_unshown_missed

from . import support as s
from .support import LONDON, NEW_YORK, Outbox, at_times, journal_with, ledger, tick

EIGHT = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def journal(db_path: Path) -> Any:
    j = journal_with(db_path, at_times("08:00,20:00"))
    yield j
    j.close()


def test_a_due_dose_is_sent_once_and_recorded(journal: Journal) -> None:
    outbox = Outbox()
    tick(journal, outbox, EIGHT - timedelta(days=1))  # yesterday's and older ones are settled first
    outbox.shown.clear()
    report = tick(journal, outbox, EIGHT + timedelta(seconds=20))
    assert outbox.titles == ["Aspirin 81 mg at 08:00"]
    assert [(n.title, backend) for n, backend in report.sent] == [("Aspirin 81 mg at 08:00", "recorder")]
    tick(journal, outbox, EIGHT + timedelta(minutes=1))
    assert len(outbox.shown) == 1
    with Journal.open(journal.path) as reopened:
        assert ("dose", "dose:1:2026-11-23T08:00:00Z", "sent") in ledger(reopened)


def test_nothing_due_writes_nothing(journal: Journal) -> None:
    tick(journal, Outbox(), EIGHT)
    before = journal._conn.total_changes
    version = journal.pragma("data_version")
    assert tick(journal, Outbox(), EIGHT + timedelta(minutes=1)).sent == ()
    assert journal._conn.total_changes == before
    assert journal.pragma("data_version") == version


def test_a_failed_delivery_stays_pending_and_is_retried(journal: Journal) -> None:
    tick(journal, Outbox(), EIGHT - timedelta(hours=1))
    report = tick(journal, Outbox(fail=True), EIGHT)
    assert [n.title for n in report.failed] == ["Aspirin 81 mg at 08:00"]
    assert ("dose", "dose:1:2026-11-23T08:00:00Z", "pending") in ledger(journal)
    outbox = Outbox()
    tick(journal, outbox, EIGHT + timedelta(minutes=1))
    assert outbox.titles == ["Aspirin 81 mg at 08:00"]  # on time enough: not yet "missed N min ago"
    row = journal._conn.execute(
        "SELECT attempts, state, backend FROM reminders WHERE kind = 'dose' "
        "AND subject = 'dose:1:2026-11-23T08:00:00Z'"
    ).fetchone()
    assert tuple(row) == (2, "sent", "recorder")


def test_a_failed_delivery_whose_window_closed_is_marked_missed(journal: Journal) -> None:
    tick(journal, Outbox(), EIGHT - timedelta(hours=1))
    tick(journal, Outbox(fail=True), EIGHT)
    tick(journal, Outbox(fail=True), EIGHT + timedelta(hours=2))  # the overdue one fails too
    outbox = Outbox()
    tick(journal, outbox, EIGHT + timedelta(hours=9))
    assert outbox.shown == []
    assert {state for kind, _, state in ledger(journal) if kind in ("dose", "overdue")} == {"missed"}


def test_a_delivery_in_flight_in_another_process_is_not_sent_again(journal: Journal) -> None:
    """While one process delivers (claimed, no receipt yet) another tick sends nothing."""
    tick(journal, Outbox(), EIGHT - timedelta(hours=1))
    seen_by_other: list[int] = []

    def deliver_slowly(notice: Any) -> str:
        with Journal.open(journal.path) as other:
            other_outbox = Outbox()
            tick(other, other_outbox, EIGHT + timedelta(seconds=30))
            seen_by_other.append(len(other_outbox.shown))
        return "slow"

    run_due(journal, deliver_slowly, EIGHT, LONDON, flags=False)
    assert seen_by_other == [0]


def test_taken_button_logs_the_dose_and_stops_the_overdue_reminder(journal: Journal) -> None:
    tick(journal, Outbox(), EIGHT - timedelta(hours=1))
    outbox = Outbox()
    tick(journal, outbox, EIGHT)
    (notice,) = outbox.shown
    said = answer(journal, notice.kind, notice.subject, "taken", EIGHT + timedelta(minutes=3), LONDON)
    assert said == "aspirin logged as taken at 08:03"
    with Journal.open(journal.path) as reopened:
        views = reopened.day(EIGHT.date(), LONDON, EIGHT + timedelta(minutes=5))
        assert next((v.medication.name, v.status) for v in views) == ("aspirin", DoseStatus.TAKEN)
    tick(journal, outbox, EIGHT + timedelta(hours=3))
    assert len(outbox.shown) == 1
    assert ("dose", "dose:1:2026-11-23T08:00:00Z", "done") in ledger(journal)
    again = answer(journal, notice.kind, notice.subject, "taken", EIGHT + timedelta(minutes=4), LONDON)
    assert again == "aspirin already logged as taken at 08:03"  # a second press changes nothing


def test_snooze_button_brings_the_reminder_back_ten_minutes_later(journal: Journal) -> None:
    tick(journal, Outbox(), EIGHT - timedelta(hours=1))
    outbox = Outbox()
    tick(journal, outbox, EIGHT)
    (notice,) = outbox.shown
    assert answer(journal, notice.kind, notice.subject, "snooze", EIGHT, LONDON) == "snoozed until 08:10"
    tick(journal, outbox, EIGHT + timedelta(minutes=9))
    assert len(outbox.shown) == 1
    tick(journal, outbox, EIGHT + timedelta(minutes=10))
    assert [n.body for n in outbox.shown] == ["Due now.", "Snoozed reminder: still not logged."]


def test_catch_up_after_a_20_minute_sleep(journal: Journal) -> None:
    tick(journal, Outbox(), EIGHT - timedelta(minutes=5))
    outbox = Outbox()
    tick(journal, outbox, EIGHT + timedelta(minutes=20))
    assert outbox.titles == ["Missed 20 min ago: Aspirin 81 mg at 08:00"]
    tick(Journal.open(journal.path), outbox, EIGHT + timedelta(minutes=21))  # a restart sends nothing again
    assert len(outbox.shown) == 1


def test_catch_up_after_three_days_off_no_burst_and_the_app_is_told(journal: Journal) -> None:
    tick(journal, Outbox(), EIGHT - timedelta(days=3, hours=1))
    outbox = Outbox()
    back = datetime(2026, 11, 23, 21, 0, tzinfo=LONDON)
    report = tick(journal, outbox, back)
    assert outbox.titles == ["Missed 1 h ago: Aspirin 81 mg at 20:00"]
    assert "Also not logged: 3 earlier doses" in outbox.shown[0].body
    assert len({d.subject for d in report.missed}) == 3
    passed = take_unshown_missed(journal, back)
    assert sorted(p.when for p in passed) == ["08:00", "Sun 08:00", "Sun 20:00"]
    assert take_unshown_missed(journal, back) == []  # told once


def test_the_app_is_not_told_of_a_dose_that_popped_up_as_overdue(journal: Journal) -> None:
    """C6: asleep 19:50 -> 23:10: the 20:00 dose came as 'not logged yet' (its first reminder passed
    unseen); the app's 'passed while nothing was checking' notice does not list it again."""
    tick(journal, Outbox(), datetime(2026, 11, 23, 19, 50, tzinfo=LONDON))
    take_unshown_missed(journal, datetime(2026, 11, 23, 19, 50, tzinfo=LONDON))
    outbox = Outbox()
    after = datetime(2026, 11, 23, 23, 10, tzinfo=LONDON)
    tick(journal, outbox, after)
    assert outbox.titles == ["Not logged yet: Aspirin 81 mg (20:00)"]
    assert ("dose", "dose:1:2026-11-23T20:00:00Z", "missed") in ledger(journal)
    assert take_unshown_missed(journal, after) == []


def test_two_processes_ticking_at_once_send_nothing_twice(tmp_path: Path) -> None:
    """Ten medications due at 08:00; two processes tick the same minutes at the same moment (spawn, released
    together by a barrier), over eight fresh journals: every reminder is delivered exactly once."""
    meds = [at_times("08:00", name=f"medication {i}") for i in range(10)]
    instants = [(EIGHT + timedelta(seconds=sec)).isoformat() for sec in (0, 10, 20, 40, 60)]
    paths = []
    for round_ in range(8):
        path = tmp_path / f"round{round_}" / "journal.db"
        with journal_with(path, *meds) as journal:
            tick(journal, Outbox(), EIGHT - timedelta(hours=1))
        paths.append(str(path))
    log = tmp_path / "deliveries.log"
    barrier, queue = SPAWN.Barrier(2), SPAWN.Queue()
    procs = [
        SPAWN.Process(target=s.tick_worker, args=(paths, barrier, instants, str(log), queue))
        for _ in range(2)
    ]
    for proc in procs:
        proc.start()
    reports = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert [r["errors"] for r in reports] == [[], []]
    lines = log.read_text().splitlines()
    assert len(lines) == 80
    assert len(set(lines)) == 80  # (journal, reminder) pairs: none delivered twice
    for db in paths:
        with Journal.open(db) as journal:
            assert [state for kind, _, state in ledger(journal) if kind == "dose"][-10:] == ["sent"] * 10


def test_appointment_reminders_come_from_the_journal(journal: Journal) -> None:
    appt = Appointment(
        datetime(2026, 11, 24, 9, 30, tzinfo=LONDON), AppointmentKind.ULTRASOUND, where="Ward 3"
    )
    journal.add_appointment(appt, datetime(2026, 11, 1, tzinfo=UTC))
    tick(journal, Outbox(), datetime(2026, 11, 23, 17, 0, tzinfo=LONDON))
    outbox = Outbox()
    tick(journal, outbox, datetime(2026, 11, 23, 18, 0, tzinfo=LONDON))
    tick(journal, outbox, datetime(2026, 11, 24, 8, 30, tzinfo=LONDON))
    shown = [n.title for n in outbox.shown if n.kind is Kind.APPOINTMENT]
    assert shown == ["Tomorrow 09:30: Ultrasound", "In 1 h: Ultrasound, 09:30"]


def test_the_appointment_lead_time_is_her_setting(journal: Journal) -> None:
    journal.set_setting("reminders.appointment-minutes", "30", EIGHT)
    appt = Appointment(datetime(2026, 11, 23, 12, 0, tzinfo=LONDON), AppointmentKind.LAB)
    journal.add_appointment(appt, datetime(2026, 11, 1, tzinfo=UTC))
    tick(journal, Outbox(), datetime(2026, 11, 23, 11, 0, tzinfo=LONDON))
    outbox = Outbox()
    tick(journal, outbox, datetime(2026, 11, 23, 11, 30, tzinfo=LONDON))
    assert outbox.titles == ["In 30 min: Blood draw, 12:00"]


def test_refill_due_reminds_once_in_the_daytime(db_path: Path) -> None:
    journal = journal_with(db_path, replace(at_times("08:00,20:00"), supply=3))
    night = datetime(2026, 11, 23, 3, 0, tzinfo=LONDON)
    outbox = Outbox()
    run_due(journal, outbox, night, LONDON)
    assert [n.kind for n in outbox.shown if n.kind is Kind.REFILL] == []
    morning = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    run_due(journal, outbox, morning, LONDON)
    refills = [n for n in outbox.shown if n.kind is Kind.REFILL]
    assert [n.title for n in refills] == ["aspirin: refill due soon"]
    assert refills[0].body == "Ask your care team or pharmacy about a refill of aspirin."
    run_due(journal, outbox, morning + timedelta(hours=4), LONDON)
    assert len([n for n in outbox.shown if n.kind is Kind.REFILL]) == 1
    journal.close()


def test_a_refill_reminder_that_failed_is_retried_without_reading_the_flags_again(db_path: Path) -> None:
    journal = journal_with(db_path, replace(at_times("08:00,20:00"), supply=3))
    morning = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    run_due(journal, Outbox(fail=True), morning, LONDON)
    outbox = Outbox()
    run_due(journal, outbox, morning + timedelta(minutes=1), LONDON)
    assert [n.title for n in outbox.shown if n.kind is Kind.REFILL] == ["aspirin: refill due soon"]
    journal.close()


def test_the_time_zone_question_is_asked_once_and_not_after_she_chooses(db_path: Path) -> None:
    journal = journal_with(db_path, at_times("21:00", zone=NEW_YORK))
    london = ZoneInfo("Europe/London")
    landed = datetime(2026, 5, 10, 17, 0, tzinfo=london)
    outbox = Outbox()
    tick(journal, outbox, landed - timedelta(hours=1), NEW_YORK)
    outbox.shown.clear()
    report = tick(journal, outbox, landed, london)
    assert report.travel_question is not None
    assert [n.title for n in outbox.shown] == ["New time zone: Europe/London"]
    tick(journal, outbox, landed + timedelta(minutes=1), london)
    assert len(outbox.shown) == 1
    journal.set_setting("reminders.travel", "local", landed)
    tick(journal, outbox, landed + timedelta(hours=5), london)  # 22:00 BST: the 21:00 local dose, late
    assert [n.title for n in outbox.shown[1:]] == ["Missed 1 h ago: Aspirin 81 mg at 21:00"]
    journal.close()


def test_discreet_setting_hides_the_words(journal: Journal) -> None:
    journal.set_setting("reminders.discreet", "on", EIGHT)
    tick(journal, Outbox(), EIGHT - timedelta(hours=1))
    outbox = Outbox()
    tick(journal, outbox, EIGHT)
    (notice,) = outbox.shown
    assert (notice.title, notice.body, notice.discreet) == ("Reminder", "Something is due at 08:00.", True)


def test_a_read_only_journal_sends_nothing(journal: Journal) -> None:
    journal.readonly = True
    report = tick(journal, Outbox(), EIGHT)
    assert report.sent == ()
    assert "read-only" in report.notes[0]
