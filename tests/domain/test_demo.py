"""The demo journal (pure part): deterministic for a seed, and every record valid against its schedule."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.demo import demo_logs, demo_medications
from rpltrack.domain.models import DoseStatus, Medication, MedicationState
from rpltrack.domain.records import replace
from rpltrack.domain.schedule import expand

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)


def saved(meds: list[Medication]) -> list[Medication]:
    return [replace(m, id=i) for i, m in enumerate(meds, start=1)]


@pytest.fixture(scope="module")
def meds() -> list[Medication]:
    return saved(demo_medications(NOW, LONDON, years=1))


def test_demo_is_deterministic_for_a_seed(meds):
    assert saved(demo_medications(NOW, LONDON, years=1)) == meds
    assert demo_logs(meds, NOW, LONDON, seed=7) == demo_logs(meds, NOW, LONDON, seed=7)
    assert demo_logs(meds, NOW, LONDON, seed=7) != demo_logs(meds, NOW, LONDON, seed=8)


def test_demo_medications_cover_a_current_cycle(meds):
    today = NOW.date()
    active = {m.generic for m in meds if m.state(NOW, today) is MedicationState.ACTIVE}
    assert {
        "aspirin",
        "enoxaparin",
        "progesterone-in-oil",
        "prednisone",
        "folic-acid",
        "levothyroxine",
    } <= active
    assert all(m.zone == "Europe/London" for m in meds)
    # Each was entered before its first dose, so its history is "missed", never "not logged".
    for m in meds:
        assert m.created_at is not None
        assert m.created_at <= min(NOW, datetime.combine(m.start_on, time(0), tzinfo=LONDON)).astimezone(UTC)
    levo = next(m for m in meds if m.generic == "levothyroxine")
    assert [str(r.amount) for r in levo.regimens] == ["50 mcg", "75 mcg"]


@pytest.mark.parametrize("years", [1, 2, 3])
def test_more_years_make_more_history(years):
    meds = demo_medications(NOW, LONDON, years=years)
    assert min(m.start_on for m in meds) == NOW.date() - timedelta(days=365 * years)


def test_demo_logs_are_valid(meds):
    logs = demo_logs(meds, NOW, LONDON)
    assert len(logs) > 1000
    by_id = {m.id: m for m in meds}
    per_slot = Counter((log.medication_id, log.slot_at) for log in logs)
    assert max(per_slot.values()) == 1  # one log per slot
    for log in logs:
        med = by_id[log.medication_id]
        assert log.slot_at is not None
        slots = expand(med, log.slot_at, log.slot_at + timedelta(seconds=1))
        assert [s.slot_at for s in slots] == [log.slot_at], "every log belongs to a scheduled slot"
        assert log.logged_at <= NOW
        if log.status is DoseStatus.TAKEN:
            assert log.taken_at is not None
            assert log.taken_at <= log.logged_at
            assert log.amount == slots[0].amount
            assert log.logged_later == (log.logged_at - log.taken_at > timedelta(minutes=30))
        else:
            assert log.reason
            assert log.taken_at is None
    statuses = Counter(log.status for log in logs)
    assert statuses[DoseStatus.SKIPPED] > 0
    assert statuses[DoseStatus.TAKEN] > 20 * statuses[DoseStatus.SKIPPED]
    assert any(log.logged_later for log in logs)
    assert any(log.site for log in logs)


def test_demo_leaves_todays_later_doses_open(meds):
    logs = demo_logs(meds, NOW, LONDON)
    today_start = datetime.combine(NOW.date(), time(0), tzinfo=LONDON)
    today = [log for log in logs if log.slot_at is not None and log.slot_at >= today_start]
    assert today, "the 07:00/08:00 pills of today are taken"
    assert all(log.slot_at is not None and log.slot_at.astimezone(LONDON).time() <= time(8) for log in today)
    assert not any(log.medication_id == m.id for log in today for m in meds if m.generic == "enoxaparin")
