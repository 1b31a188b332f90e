"""missed_doses: the scheduled doses History lists as missed, read day by day through Journal.day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.models import DoseStatus, DoseView, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity
from rpltrack.store.journal import Journal
from rpltrack.store.missed import missed_doses

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
ENTERED = datetime(2026, 10, 31, 18, 0, tzinfo=LONDON)  # the day before the schedules start
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)
WEEK = NOW - timedelta(days=7)


def scheduled(
    name: str = "aspirin",
    times: str = "08:00,20:00",
    *,
    start: date = date(2026, 11, 1),
    end_on: date | None = None,
    zone: ZoneInfo = LONDON,
    prn: bool = False,
) -> Medication:
    timing = (
        Timing(TimingKind.PRN)
        if prn
        else Timing(TimingKind.TIMES, times=tuple(time.fromisoformat(t) for t in times.split(",")))
    )
    return Medication(
        name=name,
        generic=None,
        route="oral",
        zone=zone.key,
        regimens=(Regimen(start, Quantity(Decimal("81"), "mg"), timing),),
        end_on=end_on,
    )


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal.open(tmp_path / "journal.db", now=ENTERED) as j:
        yield j


def slot_times(views: list[DoseView]) -> list[datetime]:
    return [v.slot.slot_at for v in views if v.slot is not None]


def local(views: list[DoseView], zone: ZoneInfo = LONDON) -> list[str]:
    """'Sun 22 20:00' for each missed dose, in order."""
    return [f"{at.astimezone(zone):%a %d %H:%M}" for at in slot_times(views)]


def test_every_unlogged_slot_past_its_grace_is_missed_oldest_first(journal: Journal) -> None:
    journal.add_medication(scheduled(), ENTERED)
    missed = missed_doses(journal, NOW - timedelta(days=2), NOW + timedelta(days=1), LONDON, NOW)
    # 23 Nov 08:00 is still inside its two hours of grace at 08:40: overdue on Today, not missed yet.
    assert local(missed) == ["Sat 21 20:00", "Sun 22 08:00", "Sun 22 20:00"]
    assert {v.status for v in missed} == {DoseStatus.MISSED}
    assert all(v.log is None for v in missed)


@pytest.mark.parametrize(
    ("now", "listed"),
    [
        pytest.param(datetime(2026, 11, 23, 9, 59, tzinfo=LONDON), False, id="inside-grace-not-yet"),
        pytest.param(datetime(2026, 11, 23, 10, 0, tzinfo=LONDON), True, id="grace-over-missed"),
    ],
)
def test_a_slot_is_not_missed_until_its_grace_period_has_passed(
    journal: Journal, now: datetime, listed: bool
) -> None:
    journal.add_medication(scheduled(times="08:00"), ENTERED)
    missed = missed_doses(journal, now - timedelta(hours=12), now, LONDON, now)
    assert ("Mon 23 08:00" in local(missed)) is listed


def test_a_longer_grace_setting_is_respected(journal: Journal) -> None:
    journal.add_medication(scheduled(times="08:00"), ENTERED)
    journal.set_setting("reminders.grace", "3h", ENTERED)
    now = datetime(2026, 11, 23, 10, 30, tzinfo=LONDON)
    assert local(missed_doses(journal, now - timedelta(hours=12), now, LONDON, now)) == []


def test_logged_doses_taken_or_skipped_are_not_missed(journal: Journal) -> None:
    med = journal.add_medication(scheduled(), ENTERED)
    journal.record_dose(med, DoseStatus.TAKEN, NOW, LONDON, at=datetime(2026, 11, 22, 8, 5, tzinfo=LONDON))
    journal.record_dose(
        med, DoseStatus.SKIPPED, NOW, LONDON, at=datetime(2026, 11, 22, 20, 0, tzinfo=LONDON), reason="nausea"
    )
    missed = missed_doses(journal, datetime(2026, 11, 21, tzinfo=LONDON), NOW, LONDON, NOW)
    assert local(missed) == ["Sat 21 08:00", "Sat 21 20:00"]


def test_as_needed_medications_have_no_missed_doses(journal: Journal) -> None:
    med = journal.add_medication(scheduled("paracetamol", prn=True), ENTERED)
    journal.record_dose(med, DoseStatus.TAKEN, NOW, LONDON, at=datetime(2026, 11, 22, 14, 0, tzinfo=LONDON))
    assert missed_doses(journal, WEEK, NOW, LONDON, NOW) == []


def test_slots_past_before_the_medication_was_entered_are_not_missed(journal: Journal) -> None:
    """Entered on 20 Nov at 12:00 with a start of 1 Nov: she was not tracking the older doses yet (the Today
    screen and the export call them "not logged"); the 08:00 dose's grace had ended at 10:00."""
    journal.add_medication(scheduled(), datetime(2026, 11, 20, 12, 0, tzinfo=LONDON))
    missed = missed_doses(journal, datetime(2026, 11, 18, tzinfo=LONDON), NOW, LONDON, NOW)
    assert local(missed)[:2] == ["Fri 20 20:00", "Sat 21 08:00"]
    assert len(missed) == 5  # 20 Nov 20:00, 21 and 22 Nov twice (23 Nov 08:00 is inside its grace)


def test_a_stopped_medication_has_no_missed_doses_after_it_stopped(journal: Journal) -> None:
    med = journal.add_medication(scheduled(), ENTERED)
    assert med.id is not None
    journal.stop_medication(med.id, datetime(2026, 11, 21, 12, 0, tzinfo=LONDON), NOW)
    missed = missed_doses(journal, datetime(2026, 11, 20, tzinfo=LONDON), NOW, LONDON, NOW)
    assert local(missed) == ["Fri 20 08:00", "Fri 20 20:00", "Sat 21 08:00"]


def test_an_ended_schedule_has_no_missed_doses_after_its_last_day(journal: Journal) -> None:
    journal.add_medication(scheduled(end_on=date(2026, 11, 21)), ENTERED)
    missed = missed_doses(journal, datetime(2026, 11, 21, tzinfo=LONDON), NOW, LONDON, NOW)
    assert local(missed) == ["Sat 21 08:00", "Sat 21 20:00"]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        pytest.param(
            (date(2026, 3, 28), date(2026, 3, 31)),
            ["Sat 28 01:30", "Sun 29 02:30", "Mon 30 01:30"],
            id="spring-forward-01:30-moves-to-02:30-once",
        ),
        pytest.param(
            (date(2026, 10, 24), date(2026, 10, 27)),
            ["Sat 24 01:30", "Sun 25 01:30", "Mon 26 01:30"],
            id="fall-back-01:30-happens-once",
        ),
    ],
)
def test_a_clock_change_day_has_each_missed_dose_once(
    tmp_path: Path, days: tuple[date, date], expected: list[str]
) -> None:
    entered = datetime(2026, 1, 1, 12, 0, tzinfo=LONDON)
    first, after = days
    now = datetime.combine(after, time(12), tzinfo=LONDON)
    with Journal.open(tmp_path / "dst.db", now=entered) as journal:
        journal.add_medication(scheduled(times="01:30", start=date(2026, 1, 2)), entered)
        start = datetime.combine(first, time(0), tzinfo=LONDON)
        missed = missed_doses(journal, start, datetime.combine(after, time(0), tzinfo=LONDON), LONDON, now)
    assert local(missed) == expected


def test_each_slot_once_when_the_days_are_counted_in_another_zone(journal: Journal) -> None:
    """A New York schedule read in London days: 21:00 EDT falls at 02:00 the next London day, each once."""
    journal.add_medication(scheduled("enoxaparin", "21:00", zone=NEW_YORK), ENTERED)
    missed = missed_doses(journal, WEEK, NOW, LONDON, NOW)
    at = slot_times(missed)
    assert len(at) == len(set(at)) == 7
    assert at == sorted(at)
    assert {f"{a.astimezone(NEW_YORK):%H:%M}" for a in at} == {"21:00"}


def test_the_window_is_cut_at_now_and_an_empty_window_lists_nothing(journal: Journal) -> None:
    journal.add_medication(scheduled(), ENTERED)
    later = missed_doses(journal, NOW, NOW + timedelta(days=2), LONDON, NOW)
    assert later == []
    assert missed_doses(journal, NOW, NOW - timedelta(days=1), LONDON, NOW) == []
    just = missed_doses(
        journal, datetime(2026, 11, 22, 20, 0, tzinfo=LONDON), NOW + timedelta(days=1), LONDON, NOW
    )
    assert local(just) == ["Sun 22 20:00"]


def test_reading_writes_nothing(journal: Journal) -> None:
    journal.add_medication(scheduled(), ENTERED)
    changes = journal.count("changes")
    missed_doses(journal, NOW - timedelta(days=30), NOW, LONDON, NOW.astimezone(UTC))
    assert journal.count("changes") == changes
    assert journal.count("doses") == 0
