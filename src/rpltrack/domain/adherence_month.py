"""Looking back a month at a time (pure): each day's scheduled doses tallied as all taken, some taken,
skipped or none logged, from the same day views Today shows.

Plain words, never a verdict: a day is described by what was logged, as-needed doses are not counted, and a
dose from before a medication was entered ("not logged" on Today) is left out, as adherence leaves it out.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum

from rpltrack.domain.models import DoseStatus, DoseView
from rpltrack.domain.records import record


class DayMark(StrEnum):
    """How a day's scheduled doses went, in the words the month view uses."""

    ALL_TAKEN = "all taken"
    SOME_TAKEN = "some taken"
    SKIPPED = "skipped"  # logged as skipped, none taken
    NONE_LOGGED = "none logged"  # every dose of the day passed unlogged
    TO_COME = "to come"  # doses still due (today, or later)
    NOTHING_DUE = "nothing due"


# A symbol beside each mark, so the grid never speaks by colour alone.
MARK_SYMBOLS: dict[DayMark, str] = {
    DayMark.ALL_TAKEN: "✓",
    DayMark.SOME_TAKEN: "◐",
    DayMark.SKIPPED: "\u2013",  # an en dash: logged, not taken
    DayMark.NONE_LOGGED: "○",
    DayMark.TO_COME: "·",
    DayMark.NOTHING_DUE: " ",
}

# The marks the legend explains, in its order.
LEGEND = (DayMark.ALL_TAKEN, DayMark.SOME_TAKEN, DayMark.SKIPPED, DayMark.NONE_LOGGED, DayMark.TO_COME)


@record(frozen=True)
class DayTally:
    """One day's scheduled doses: taken, skipped, missed (passed unlogged) and still to come."""

    day: date
    taken: int = 0
    skipped: int = 0
    missed: int = 0
    to_come: int = 0

    @property
    def decided(self) -> int:
        """Doses whose time (and grace) has passed: taken, skipped or missed."""
        return self.taken + self.skipped + self.missed

    @property
    def mark(self) -> DayMark:
        if self.decided == 0:
            return DayMark.TO_COME if self.to_come else DayMark.NOTHING_DUE
        if self.taken == self.decided:
            return DayMark.ALL_TAKEN
        if self.taken:
            return DayMark.SOME_TAKEN
        return DayMark.SKIPPED if self.skipped else DayMark.NONE_LOGGED

    @property
    def count_words(self) -> str:
        """'2/3': doses taken of those decided ('' when none is decided yet)."""
        return f"{self.taken}/{self.decided}" if self.decided else ""


def tally_day(day: date, views: Iterable[DoseView]) -> DayTally:
    """The tally of one day's views (as Today shows them at `now`): scheduled doses only."""
    counts = {status: 0 for status in DoseStatus}
    for view in views:
        if view.slot is None or view.before_entry:
            continue
        counts[view.status] += 1
    return DayTally(
        day,
        taken=counts[DoseStatus.TAKEN],
        skipped=counts[DoseStatus.SKIPPED],
        missed=counts[DoseStatus.MISSED],
        to_come=counts[DoseStatus.DUE],
    )


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    """(year, month) `by` months later (earlier when negative)."""
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def month_weeks(year: int, month: int) -> list[list[date | None]]:
    """The month as weeks Monday to Sunday; days of the neighbouring months are None."""
    first, last = month_bounds(year, month)
    start = first - timedelta(days=first.weekday())
    weeks: list[list[date | None]] = []
    day = start
    while day <= last:
        week: list[date | None] = []
        for _ in range(7):
            week.append(day if day.month == month and day.year == year else None)
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


@record(frozen=True)
class MonthTally:
    """Every day of a month tallied, and the totals the summary line says."""

    year: int
    month: int
    days: tuple[DayTally, ...]

    def count(self, mark: DayMark) -> int:
        return sum(1 for d in self.days if d.mark is mark)

    @property
    def taken(self) -> int:
        return sum(d.taken for d in self.days)

    @property
    def decided(self) -> int:
        return sum(d.decided for d in self.days)


def tally_month(year: int, month: int, views: Mapping[date, Sequence[DoseView]]) -> MonthTally:
    """Each day of the month from `views` (days missing from it, such as days to come, count nothing)."""
    first, last = month_bounds(year, month)
    days = tuple(
        tally_day(first + timedelta(days=n), views.get(first + timedelta(days=n), ()))
        for n in range((last - first).days + 1)
    )
    return MonthTally(year, month, days)


def summary_words(tally: MonthTally) -> str:
    """'26 days all taken, 2 some taken, 1 none logged · 84 of 87 scheduled doses taken', or a calm line
    when nothing was due."""
    if tally.decided == 0:
        return "No scheduled doses were due this month."
    parts = [
        f"{tally.count(mark)} day{'s' if tally.count(mark) != 1 else ''} {mark.value}"
        for mark in (DayMark.ALL_TAKEN, DayMark.SOME_TAKEN, DayMark.SKIPPED, DayMark.NONE_LOGGED)
        if tally.count(mark)
    ]
    doses = "dose" if tally.decided == 1 else "doses"
    return f"{', '.join(parts)} · {tally.taken} of {tally.decided} scheduled {doses} taken"
