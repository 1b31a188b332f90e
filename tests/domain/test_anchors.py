"""Schedules anchored to cycle events and gestational ages (clinical-reference §5 conventions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain import anchors
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import MedicationInput, build_medication
from rpltrack.domain.models import MedicationState
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import replace
from rpltrack.domain.schedule import expand

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)
CYCLE = Cycle(CycleKind.FET, date(2026, 10, 25), id=1)
WITH_TRANSFER = replace(CYCLE, transfers=(Transfer(date(2025, 3, 1), 5),), cd1=date(2025, 2, 10))


def med(start: str = "", until: str = "", for_: str = "", cycle: Cycle | None = CYCLE):
    spec = MedicationInput("lovenox", "40 mg", times="20:00", start=start, until=until, for_=for_)
    return replace(build_medication(spec, LONDON, NOW, cycle), id=7)


@pytest.mark.parametrize(
    ("text", "canonical", "words"),
    [
        ("transfer", "transfer", "transfer"),
        ("Transfer-5d", "transfer-5d", "5 days before transfer"),
        ("transfer + 3", "transfer+3d", "3 days after transfer"),
        ("positive-beta", "positive-beta", "the first positive beta"),
        ("cd1+1d", "cd1+1d", "1 day after CD1"),
    ],
)
def test_event_anchors_are_read_and_said_plainly(text: str, canonical: str, words: str) -> None:
    assert str(anchors.parse_event_anchor(text)) == canonical
    assert anchors.describe_anchor(canonical) == words


@pytest.mark.parametrize(
    ("text", "canonical"), [("10 days", "for:10d"), ("for 6 weeks", "for:6w"), ("3 months", "for:3mo")]
)
def test_course_lengths(text: str, canonical: str) -> None:
    assert anchors.parse_for(text) == canonical


def test_a_schedule_from_transfer_waits_until_the_transfer_is_recorded() -> None:
    lovenox = med(start="transfer")
    assert lovenox.waiting
    assert lovenox.state(NOW, NOW.date()) is MedicationState.WAITING
    assert expand(lovenox, NOW.replace(year=2025), NOW.replace(year=2027)) == []
    placed = replace(lovenox, anchor_dates=anchors.place(lovenox, WITH_TRANSFER))
    slots = expand(placed, datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 3, tzinfo=UTC))
    assert [s.local_at.date() for s in slots] == [date(2025, 3, 1), date(2025, 3, 2)]


def test_until_36_weeks_is_exclusive_after_a_day5_transfer() -> None:
    """§5: transfer 2025-03-01 (day 5) reaches 36w0d on 2025-10-20: the last dose is on 2025-10-19."""
    lovenox = med(start="2025-03-01", until="36w0d", cycle=WITH_TRANSFER)
    assert lovenox.last_day == date(2025, 10, 19)
    last = expand(lovenox, datetime(2025, 10, 18, tzinfo=UTC), datetime(2025, 10, 25, tzinfo=UTC))
    assert [s.local_at.date() for s in last] == [date(2025, 10, 18), date(2025, 10, 19)]


def test_the_doses_follow_when_the_transfer_is_corrected() -> None:
    aspirin = med(start="transfer-5d", for_="10 days")
    first = anchors.place(aspirin, WITH_TRANSFER)
    moved = anchors.place(aspirin, replace(WITH_TRANSFER, transfers=(Transfer(date(2025, 3, 4), 5),)))
    assert (first.start_on, first.end_on) == (date(2025, 2, 24), date(2025, 3, 5))
    assert (moved.start_on, moved.end_on) == (date(2025, 2, 27), date(2025, 3, 8))


def test_positive_beta_comes_from_the_event_or_the_pregnancy_record() -> None:
    lovenox = med(start="positive-beta")
    assert anchors.place(lovenox, CYCLE, positive_on=date(2026, 11, 19)).start_on == date(2026, 11, 19)
    with_event = replace(CYCLE, events=(CycleEvent(EventKind.POSITIVE_BETA, date(2026, 11, 18)),))
    assert anchors.place(lovenox, with_event, positive_on=date(2026, 11, 19)).start_on == date(2026, 11, 18)


def test_a_month_course_counts_calendar_months() -> None:
    placed = anchors.place(med(start="2026-01-31", for_="1 month"), CYCLE)
    assert placed.end_on == date(2026, 2, 27)


def test_a_dose_change_before_the_anchored_start_becomes_the_starting_dose() -> None:
    lovenox = med(start="transfer")
    changed = replace(
        lovenox,
        regimens=(
            *lovenox.regimens,
            replace(lovenox.regimens[0], effective_on=date(2026, 11, 24), amount=Quantity(Decimal(60), "mg")),
        ),
    )
    placed = replace(
        changed,
        anchor_dates=anchors.place(changed, replace(CYCLE, transfers=(Transfer(date(2026, 12, 1), 5),))),
    )
    assert [(r.effective_on, str(r.amount)) for r in placed.schedule_regimens] == [
        (date(2026, 12, 1), "60 mg")
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "transfer", "cycle": None}, "needs a cycle"),
        ({"until": "36w0d", "cycle": None}, "needs a cycle"),
        ({"until": "45w"}, "beyond 44 weeks"),
        ({"start": "egg-day"}, "cannot read the date"),
        ({"until": "36w", "for_": "10 days"}, "either an end"),
        (
            {
                "start": "2026-11-01",
                "until": "transfer-30d",
                "cycle": replace(CYCLE, transfers=(Transfer(date(2026, 11, 10), 5),)),
            },
            "would end",
        ),
    ],
)
def test_anchors_that_cannot_work_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        med(**kwargs)  # type: ignore[arg-type]


def test_wall_time_is_kept_on_anchored_days() -> None:
    placed = replace(med(start="transfer"), anchor_dates=anchors.place(med(start="transfer"), WITH_TRANSFER))
    (slot,) = expand(placed, datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 2, tzinfo=UTC))
    assert slot.local_at.time() == time(20, 0)
