"""domain.plan (#18): supply projection and the notes of a day, without a journal."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.models import Medication, Regimen, Timing, TimingKind
from rpltrack.domain.plan import NoteKind, PlanInput, RetestDate, plan_days, project_supply
from rpltrack.domain.quantities import Quantity

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)


def _aspirin(
    times: tuple[str, ...] = ("08:00",), end_on: date | None = None, supply: int | None = 10
) -> Medication:
    timing = Timing(TimingKind.TIMES, times=tuple(time.fromisoformat(t) for t in times))
    return Medication(
        "aspirin",
        "aspirin",
        "oral",
        LONDON.key,
        (Regimen(date(2026, 11, 1), Quantity(Decimal(81), "mg"), timing),),
        end_on=end_on,
        supply=supply,
        id=1,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("on_hand", "times", "end_on", "covered", "runs_out"),
    [
        (10, ("08:00",), None, date(2026, 12, 3), date(2026, 12, 4)),
        (0, ("08:00",), None, None, date(2026, 11, 24)),
        (1, ("08:00", "20:00"), None, date(2026, 11, 23), date(2026, 11, 24)),
        (3, ("08:00", "20:00"), None, date(2026, 11, 24), date(2026, 11, 25)),
        (30, ("08:00",), date(2026, 11, 30), date(2026, 11, 30), None),
        (7, ("08:00",), date(2026, 11, 30), date(2026, 11, 30), None),
        (6, ("08:00",), date(2026, 11, 30), date(2026, 11, 29), date(2026, 11, 30)),
    ],
    ids=["daily", "none-on-hand", "twice-daily-one", "twice-daily-three", "outlasts", "exactly", "one-short"],
)
def test_project_supply(
    on_hand: int, times: tuple[str, ...], end_on: date | None, covered: date | None, runs_out: date | None
) -> None:
    found = project_supply(_aspirin(times, end_on), on_hand, NOW)
    assert (found.last_covered_on, found.runs_out_on) == (covered, runs_out)


def _given(**extra: object) -> PlanInput:
    fields: dict[str, object] = {
        "first": date(2026, 11, 23),
        "last": date(2026, 11, 29),
        "zone": LONDON,
        "now": NOW,
        "views": {},
        "medications": (),
    }
    fields.update(extra)
    return PlanInput(**fields)  # type: ignore[arg-type]  # the fields above are PlanInput's own


def test_retests_show_on_their_due_day_and_an_overdue_one_today() -> None:
    given = _given(
        retests=(
            RetestDate("Repeat TSH due", date(2026, 11, 26)),
            RetestDate("Repeat aCL IgG due", date(2026, 11, 2)),
        )
    )
    days = {d.day: [(n.kind, n.text) for n in d.notes] for d in plan_days(given)}
    assert days[date(2026, 11, 26)] == [(NoteKind.RETEST, "retest due: Repeat TSH due")]
    assert days[date(2026, 11, 23)] == [(NoteKind.RETEST, "retest due since 2 Nov: Repeat aCL IgG due")]


def test_a_refill_shows_on_the_run_out_day() -> None:
    given = _given(medications=(_aspirin(),), on_hand={1: 4})
    notes = {d.day: [n.text for n in d.notes] for d in plan_days(given)}
    assert notes[date(2026, 11, 28)] == [
        "aspirin runs out around 28 Nov (4 doses on hand, the last on 27 Nov)"
    ]
    assert sum(len(n) for n in notes.values()) == 1


def test_a_plan_has_every_day_even_empty_ones() -> None:
    days = plan_days(_given())
    assert [d.day.day for d in days] == [23, 24, 25, 26, 27, 28, 29]
    assert all(not d.doses and not d.notes and d.dating is None for d in days)
