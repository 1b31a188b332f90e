"""One answer to "what is her dose of X on day D" (#15): the taper step or dated change in force, the next
change as such, and nothing past the schedule's end or stop."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.medspec import MedicationInput, build_medication
from rpltrack.domain.models import Medication
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import replace

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=LONDON)


def taper() -> Medication:
    spec = MedicationInput(
        name="prednisone",
        dose="",
        taper="20 mg x 6w; 10 mg x 1w; 5 mg x 1w",
        times="08:00",
        start="2026-11-18",
    )
    return build_medication(spec, LONDON, NOW)


def mg(n: int) -> Quantity:
    return Quantity(Decimal(n), "mg")


@pytest.mark.parametrize(
    ("day", "dose", "next_change"),
    [
        pytest.param(date(2026, 11, 10), mg(20), (date(2026, 12, 30), mg(10)), id="before-it-starts"),
        pytest.param(date(2026, 12, 6), mg(20), (date(2026, 12, 30), mg(10)), id="first-step"),
        pytest.param(date(2026, 12, 29), mg(20), (date(2026, 12, 30), mg(10)), id="eve-of-the-change"),
        pytest.param(date(2026, 12, 30), mg(10), (date(2027, 1, 6), mg(5)), id="day-of-the-change"),
        pytest.param(date(2027, 1, 8), mg(5), None, id="last-step"),
        pytest.param(date(2027, 3, 1), mg(5), None, id="after-the-end"),
    ],
)
def test_the_dose_of_a_taper_on_each_day(
    day: date, dose: Quantity, next_change: tuple[date, Quantity] | None
) -> None:
    med = taper()
    assert med.dose_on(day).amount == dose
    upcoming = med.next_change(day)
    assert (None if upcoming is None else (upcoming.effective_on, upcoming.amount)) == next_change


def test_steps_after_a_new_end_date_are_not_reached() -> None:
    med = replace(taper(), end_on=date(2026, 12, 20))
    assert med.next_change(date(2026, 12, 6)) is None
    assert [r.amount for r in med.regimens_in_force()] == [mg(20)]
    assert med.dose_on(date(2027, 1, 8)).amount == mg(20)  # the last dose it had


def test_a_stopped_medication_keeps_the_dose_it_was_stopped_on() -> None:
    med = replace(taper(), stopped_at=datetime(2027, 1, 2, 12, 0, tzinfo=UTC))
    assert med.dose_on(date(2027, 2, 1)).amount == mg(10)
    assert med.next_change(date(2026, 12, 31)) is None
