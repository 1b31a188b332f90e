"""The dose the app highlights first: the one `take` would log now."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.doses import day_views, likely_now
from rpltrack.domain.models import Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity

LONDON = ZoneInfo("Europe/London")
BID = Medication(
    "lovenox",
    "enoxaparin",
    "subcutaneous",
    "Europe/London",
    (
        Regimen(
            date(2026, 11, 1),
            Quantity(Decimal(40), "mg"),
            Timing(TimingKind.TIMES, times=(time(8), time(20))),
        ),
    ),
    id=1,
)


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        pytest.param(7, 0, id="an-hour-early-is-the-morning-dose"),
        pytest.param(13, 0, id="afternoon-the-missed-morning-dose"),
        pytest.param(19, 1, id="an-hour-before-the-evening-dose"),
        pytest.param(21, 1, id="after-the-evening-dose"),
        pytest.param(5, 0, id="before-everything-the-next-dose"),
    ],
)
def test_likely_now_follows_the_take_rule(hour: int, expected: int) -> None:
    now = datetime(2026, 11, 23, hour, tzinfo=LONDON)
    views = day_views([BID], [], now.date(), LONDON, now, timedelta(hours=2))
    assert likely_now(views, now.astimezone(UTC)) == expected


def test_nothing_to_highlight_when_every_dose_is_logged() -> None:
    assert likely_now([], datetime(2026, 11, 23, 9, tzinfo=UTC)) is None
