"""Dose states, which slot a take/skip means, logged-later marking (E10), adherence and site rotation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain import doses
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import (
    Adherence,
    DoseLog,
    DoseSlot,
    DoseStatus,
    Medication,
    Regimen,
    Timing,
    TimingKind,
)
from rpltrack.domain.quantities import Quantity

LONDON = ZoneInfo("Europe/London")
GRACE = timedelta(hours=2)
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)  # London is on UTC in November
MG40 = Quantity(Decimal(40), "mg")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def bid(med_id: int = 1, name: str = "enoxaparin", start: date = date(2026, 11, 1)) -> Medication:
    timing = Timing(TimingKind.TIMES, times=(time(8), time(20)))
    return Medication(
        name, "enoxaparin", "subcutaneous", "Europe/London", (Regimen(start, MG40, timing),), id=med_id
    )


def prn(med_id: int = 2) -> Medication:
    return Medication(
        "paracetamol",
        None,
        "oral",
        "Europe/London",
        (Regimen(date(2026, 11, 1), Quantity(Decimal(500), "mg"), Timing(TimingKind.PRN)),),
        id=med_id,
    )


def slot(at: datetime, med_id: int = 1) -> DoseSlot:
    return DoseSlot(med_id, at, at.astimezone(LONDON), MG40)


def taken(
    slot_at: datetime | None, taken_at: datetime, med_id: int = 1, logged_at: datetime | None = None
) -> DoseLog:
    return DoseLog(med_id, DoseStatus.TAKEN, logged_at or taken_at, "Europe/London", slot_at, taken_at, MG40)


def skipped(slot_at: datetime, med_id: int = 1) -> DoseLog:
    return DoseLog(med_id, DoseStatus.SKIPPED, slot_at, "Europe/London", slot_at, reason="felt unwell")


# -- slot states ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "log", "expected"),
    [
        (utc(2026, 11, 23, 7, 59), None, (DoseStatus.DUE, False)),
        (utc(2026, 11, 23, 8, 0), None, (DoseStatus.DUE, True)),
        (utc(2026, 11, 23, 9, 59), None, (DoseStatus.DUE, True)),
        (utc(2026, 11, 23, 10, 0), None, (DoseStatus.MISSED, False)),
        (utc(2026, 11, 24, 10, 0), None, (DoseStatus.MISSED, False)),
        (
            utc(2026, 11, 23, 12),
            taken(utc(2026, 11, 23, 8), utc(2026, 11, 23, 11)),
            (DoseStatus.TAKEN, False),
        ),
        (utc(2026, 11, 23, 9), skipped(utc(2026, 11, 23, 8)), (DoseStatus.SKIPPED, False)),
    ],
    ids=[
        "before-its-time",
        "at-its-time-overdue",
        "inside-grace",
        "grace-ended",
        "next-day",
        "taken-late",
        "skipped",
    ],
)
def test_slot_state(now, log, expected):
    assert doses.slot_state(slot(utc(2026, 11, 23, 8)), log, now, GRACE) == expected


def test_day_views_orders_slots_and_as_needed_doses_with_states():
    enox, para = bid(), prn()
    logs = [
        taken(utc(2026, 11, 23, 8), utc(2026, 11, 23, 8, 5)),
        taken(None, utc(2026, 11, 23, 7), med_id=2),
        taken(None, utc(2026, 11, 22, 23), med_id=2),  # yesterday: not shown today
        taken(utc(2026, 11, 22, 20), utc(2026, 11, 22, 20, 1)),
    ]
    views = doses.day_views([enox, para], logs, date(2026, 11, 23), LONDON, NOW, GRACE)
    assert [(v.medication.name, v.status, v.sort_at) for v in views] == [
        ("paracetamol", DoseStatus.TAKEN, utc(2026, 11, 23, 7)),
        ("enoxaparin", DoseStatus.TAKEN, utc(2026, 11, 23, 8)),
        ("enoxaparin", DoseStatus.DUE, utc(2026, 11, 23, 20)),
    ]
    assert views[0].slot is None
    assert views[1].log == logs[0]


def test_day_views_on_a_clock_change_day_in_london():
    med = Medication(
        "aspirin",
        "aspirin",
        "oral",
        "Europe/London",
        (
            Regimen(
                date(2026, 3, 1), Quantity(Decimal(81), "mg"), Timing(TimingKind.TIMES, times=(time(1, 30),))
            ),
        ),
        id=1,
    )
    views = doses.day_views([med], [], date(2026, 3, 29), LONDON, utc(2026, 3, 29, 12), GRACE)
    assert len(views) == 1
    assert views[0].slot is not None
    assert views[0].slot.slot_at == utc(2026, 3, 29, 1, 30)
    assert views[0].slot.shifted
    assert views[0].status is DoseStatus.MISSED


# -- pick_slot --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "logged", "expected"),
    [
        (utc(2026, 11, 23, 8, 40), {utc(2026, 11, 22, 20)}, utc(2026, 11, 23, 8)),
        (utc(2026, 11, 23, 7, 50), {utc(2026, 11, 22, 20)}, utc(2026, 11, 23, 8)),
        (utc(2026, 11, 23, 7, 5), {utc(2026, 11, 22, 8), utc(2026, 11, 22, 20)}, utc(2026, 11, 23, 8)),
        (utc(2026, 11, 23, 15), {utc(2026, 11, 22, 20)}, utc(2026, 11, 23, 8)),
        (utc(2026, 11, 23, 15), {utc(2026, 11, 22, 20), utc(2026, 11, 23, 8)}, utc(2026, 11, 23, 20)),
        (utc(2026, 11, 23, 8, 40), set(), utc(2026, 11, 23, 8)),
        (utc(2026, 11, 23, 20, 30), set(), utc(2026, 11, 23, 20)),
    ],
    ids=[
        "overdue-morning",
        "a-little-early-yesterday-morning-open",
        "an-hour-early",
        "late-morning-not-evening",
        "evening-when-morning-logged",
        "yesterday-evening-open-still-today",
        "evening-with-morning-open",
    ],
)
def test_pick_slot_without_at(now, logged, expected):
    picked = doses.pick_slot(bid(), logged, now, now, explicit=False)
    assert picked is not None
    assert picked.slot_at == expected


@pytest.mark.parametrize(
    "now",
    [utc(2026, 11, 23, 8, 40), utc(2026, 11, 23, 8, 1), utc(2026, 11, 23, 13, 59)],
    ids=["double-tap", "right-after", "still-nearer-the-morning"],
)
def test_pick_slot_a_second_take_does_not_log_the_next_dose(now):
    """E8: after the 08:00 dose is logged, `take` again finds the logged 08:00 dose (left as it is by the
    journal); it never becomes the 20:00 dose."""
    logged = {utc(2026, 11, 22, 20), utc(2026, 11, 23, 8)}
    picked = doses.pick_slot(bid(), logged, now, now, explicit=False)
    assert picked is not None
    assert picked.slot_at == utc(2026, 11, 23, 8)


def test_pick_slot_takes_a_daily_dose_early_when_it_is_the_nearest():
    daily = Medication(
        "aspirin",
        "aspirin",
        "oral",
        "Europe/London",
        (
            Regimen(
                date(2026, 11, 1), Quantity(Decimal(81), "mg"), Timing(TimingKind.TIMES, times=(time(8),))
            ),
        ),
        id=1,
    )
    now = utc(2026, 11, 23, 6, 30)
    picked = doses.pick_slot(daily, {utc(2026, 11, 22, 8)}, now, now, explicit=False)
    assert picked is not None
    assert picked.slot_at == utc(2026, 11, 23, 8)


def test_pick_slot_without_at_finds_the_nearest_logged_slot_when_everything_near_is_logged():
    logged = {utc(2026, 11, 22, 20), utc(2026, 11, 23, 8), utc(2026, 11, 23, 20)}
    picked = doses.pick_slot(bid(), logged, NOW, NOW, explicit=False)
    assert picked is not None
    assert picked.slot_at in logged
    assert abs(picked.slot_at - NOW) == min(abs(s - NOW) for s in logged)


@pytest.mark.parametrize(
    ("target", "logged", "expected"),
    [
        (utc(2026, 11, 22, 21), set(), utc(2026, 11, 22, 20)),
        (utc(2026, 11, 22, 13, 59), set(), utc(2026, 11, 22, 8)),
        (utc(2026, 11, 22, 14, 1), set(), utc(2026, 11, 22, 20)),
        (utc(2026, 11, 22, 14), set(), utc(2026, 11, 22, 8)),  # a tie goes to the earlier slot
        (utc(2026, 11, 22, 21), {utc(2026, 11, 22, 8)}, utc(2026, 11, 22, 20)),
    ],
    ids=["nearest-evening", "nearest-morning", "just-past-half-way", "tie-earlier", "other-one-logged"],
)
def test_pick_slot_with_at_is_the_nearest_open_slot(target, logged, expected):
    picked = doses.pick_slot(bid(), logged, target, NOW, explicit=True)
    assert picked is not None
    assert picked.slot_at == expected


@pytest.mark.parametrize(
    "target",
    [utc(2026, 11, 22, 21), utc(2026, 11, 23, 1, 59)],
    ids=["an-hour-after", "nearer-the-logged-one"],
)
def test_pick_slot_with_at_never_moves_a_logged_dose_to_the_next_one(target):
    """A second backdated entry for the logged 20:00 dose finds that dose, never the open 08:00 one."""
    picked = doses.pick_slot(bid(), {utc(2026, 11, 22, 20)}, target, NOW, explicit=True)
    assert picked is not None
    assert picked.slot_at == utc(2026, 11, 22, 20)


def test_pick_slot_with_at_only_within_12_hours():
    daily = Medication(
        "aspirin",
        "aspirin",
        "oral",
        "Europe/London",
        (
            Regimen(
                date(2026, 11, 1), Quantity(Decimal(81), "mg"), Timing(TimingKind.TIMES, times=(time(8),))
            ),
        ),
        id=1,
    )
    assert (
        doses.pick_slot(daily, set(), utc(2026, 10, 31, 20), NOW, explicit=True) is None
    )  # before the start
    picked = doses.pick_slot(daily, set(), utc(2026, 11, 22, 20), NOW, explicit=True)
    assert picked is not None
    assert picked.slot_at == utc(2026, 11, 22, 8)


# -- logged later (E10) and future doses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("taken_at", "logged_at", "later"),
    [
        (utc(2026, 11, 22, 21), utc(2026, 11, 23, 8, 40), True),
        (utc(2026, 11, 23, 8, 0), utc(2026, 11, 23, 8, 30), False),
        (utc(2026, 11, 23, 8, 0), utc(2026, 11, 23, 8, 31), True),
        (utc(2026, 11, 23, 8, 40), utc(2026, 11, 23, 8, 40), False),
    ],
    ids=["yesterday", "exactly-30-min", "31-min", "now"],
)
def test_is_logged_later(taken_at, logged_at, later):
    assert doses.is_logged_later(taken_at, logged_at) is later


def test_a_dose_cannot_be_logged_in_the_future():
    doses.check_dose_time(NOW + timedelta(minutes=5), NOW)
    with pytest.raises(
        ValidationError, match=r"2026-11-23 08:46 is in the future: log a dose when it has been"
    ):
        doses.check_dose_time(NOW + timedelta(minutes=6), NOW)


# -- adherence --------------------------------------------------------------------------------------------


def test_adherence_over_7_and_30_days():
    med = bid(start=date(2026, 11, 16))  # 16 Nov 08:00 .. 23 Nov 08:00 -> 15 slots before now - grace
    slots_7d = [utc(2026, 11, d, h) for d in range(16, 24) for h in (8, 20) if utc(2026, 11, d, h) <= NOW]
    assert len(slots_7d) == 15
    logs = [taken(s, s + timedelta(minutes=3)) for s in slots_7d[:12]] + [skipped(slots_7d[12])]
    week = doses.adherence(med, logs, NOW, 7, GRACE)
    # the 7-day window starts 16 Nov 08:40, so the 16 Nov 08:00 slot is outside it; 23 Nov 08:00 is in grace
    assert week == Adherence(1, 7, taken=11, skipped=1, missed=1)
    assert week.due == 13
    assert week.percent == pytest.approx(84.6)
    month = doses.adherence(med, logs, NOW, 30, GRACE)
    assert (month.taken, month.skipped, month.missed) == (12, 1, 1)
    later = doses.adherence(med, logs, NOW + GRACE, 7, GRACE)
    assert later.missed == 2  # the 08:00 dose counts once its grace has ended


def test_adherence_with_nothing_due_has_no_percent():
    empty = doses.adherence(bid(start=date(2026, 12, 1)), [], NOW, 7, GRACE)
    assert empty.due == 0
    assert empty.percent is None


def test_combine_adds_medications():
    total = doses.combine([Adherence(1, 7, 5, 1, 0), Adherence(2, 7, 3, 0, 2)], 7)
    assert total == Adherence(None, 7, 8, 1, 2)
    assert total.percent == pytest.approx(72.7)


# -- injection sites --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (None, "left abdomen"),
        ("left abdomen", "right abdomen"),
        ("right thigh", "left abdomen"),
        ("somewhere else", "left abdomen"),
    ],
    ids=["first", "next", "wraps", "unknown"],
)
def test_next_site_rotates(last, expected):
    assert doses.next_site(bid(), last) == expected


def test_oral_and_own_medications_have_no_sites():
    assert doses.next_site(prn(), None) is None
    assert doses.injection_sites(prn()) == ()


@pytest.mark.parametrize(
    ("minutes_late", "asked"),
    [(-5, False), (0, False), (119, False), (120, False), (121, True)],
    ids=["early", "on-time", "within", "at-the-end", "past"],
)
def test_taken_past_grace_is_strictly_more_than_the_grace(minutes_late: int, asked: bool) -> None:
    from datetime import UTC, datetime, timedelta

    from rpltrack.domain.doses import taken_past_grace

    slot = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    now = (slot + timedelta(minutes=minutes_late)).astimezone(ZoneInfo("Europe/London"))
    assert taken_past_grace(slot, now, timedelta(hours=2)) is asked
