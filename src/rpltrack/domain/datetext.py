"""Dates and times as she types them: 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM' in her zone, a past date; read with
patterns (not strptime, whose locale machinery costs ~1 ms on first use), each refusal saying what is wrong
('February 2026 has 28 days', a cycle event or a gestational age where a date is needed). Used by every form
and command that takes a day or a time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.quantities import quoted
from rpltrack.domain.schedule import resolve_wall_time

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

_DATETIME_RE = re.compile(r"^\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[ T]+([0-9]{1,2}):([0-9]{2})\s*$")
EVENT_WORDS = ("cd1", "stims", "trigger", "retrieval", "transfer", "positive-beta")

FIRST_YEAR, LAST_YEAR = 1900, 2199  # the years a date in the journal can fall in [app convention]
_DATE_RE = re.compile(r"^\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\s*$")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def check_year(day: date, text: str, field: str) -> date:
    """`day` when its year is within FIRST_YEAR-LAST_YEAR, else a ValidationError: a date far outside a
    life's span is a typo, and dates near the ends of the calendar break every later sum (9999-12-31 + 1)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            f"the date {quoted(text.strip())} is outside the years rpltrack keeps ({FIRST_YEAR} to "
            f"{LAST_YEAR}): check the year",
            field=field,
        )
    return day


def calendar_problem(year: int, month: int, day: int) -> str:
    """Why year-month-day is not a date, in words: 'February 2026 has 28 days'; '' when it is one."""
    if not 1 <= month <= 12:
        return f"there is no month {month}: months run from 01 to 12"
    if day < 1:
        return "days of the month start at 01"
    # quick path: `take` would import calendar (+0.8 ms)
    import calendar

    length = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if day > length:
        return f"{_MONTHS[month - 1]} {year} has {length} days"
    return ""


def parse_date(text: str, field: str = "date") -> date:
    """'YYYY-MM-DD' (or another ISO 8601 date) between FIRST_YEAR and LAST_YEAR; a ValidationError that says
    what is wrong otherwise ('February 2026 has 28 days', a cycle event or a gestational age where a date is
    needed)."""
    seen = text.strip()
    shaped = _DATE_RE.match(text)
    if shaped:
        year, month, day = (int(g) for g in shaped.groups())
        problem = calendar_problem(year, month, day)
        if problem:
            raise ValidationError(
                f"cannot read the date {quoted(seen)}: {problem}; use YYYY-MM-DD, like 2026-11-23",
                field=field,
            )
        return check_year(date(year, month, day), seen, field)
    try:
        return check_year(date.fromisoformat(seen), seen, field)
    except ValueError as error:
        if isinstance(error, ValidationError):
            raise
        if seen.lower() in EVENT_WORDS:
            raise ValidationError(
                f"{quoted(seen)} is a cycle event; a date is needed here: use YYYY-MM-DD",
                field=field,
            ) from None
        if re.fullmatch(r"[0-9]{1,2}w([0-9]+d?)?", seen.lower()):
            raise ValidationError(
                f"{quoted(seen)} is a gestational age; a date is needed here: use YYYY-MM-DD",
                field=field,
            ) from None
        raise ValidationError(
            f"cannot read the date {quoted(seen)}: use YYYY-MM-DD, like 2026-11-23", field=field
        ) from None


def parse_past_date(text: str, today: date, field: str = "date") -> date:
    """A date that has already happened (events, results, losses are recorded once they happened)."""
    day = parse_date(text, field)
    if day > today:
        raise ValidationError(f"{day} is in the future: record things once they have happened", field=field)
    return day


def parse_local_datetime(
    text: str, zone: ZoneInfo, field: str = "at", *, now: datetime | None = None
) -> datetime:
    """'YYYY-MM-DD HH:MM' in `zone` -> aware datetime (a time that does not exist that day moves forward).

    A wall time that happens twice (the repeated hour when clocks go back) is its first pass, unless `now`
    is given and the second pass has already happened: then the later one, the most recent time she can
    mean ("01:30" typed at 01:40 in the second pass is ten minutes ago, not an hour and ten)."""
    seen = (text or "").strip()
    how = 'use "YYYY-MM-DD HH:MM", like "2026-11-23 08:00"'
    match = _DATETIME_RE.match(text or "")
    if not match:
        raise ValidationError(f"cannot read the time {quoted(seen)}: {how}", field=field)
    year, month, day, hour, minute = (int(g) for g in match.groups())
    problem = calendar_problem(year, month, day)
    if not problem and hour > 23:
        problem = f"there is no hour {hour}: hours run from 00 to 23"
    if not problem and minute > 59:
        problem = f"there is no minute {minute}: minutes run from 00 to 59"
    if problem:
        raise ValidationError(f"cannot read the time {quoted(seen)}: {problem}; {how}", field=field)
    day_on = check_year(date(year, month, day), seen, field)
    at = time(hour, minute)
    instant, _ = resolve_wall_time(day_on, at, zone)
    if now is not None:
        later = datetime.combine(day_on, at, tzinfo=zone).replace(fold=1).astimezone(UTC)
        if later != instant and later <= now.astimezone(UTC):
            instant = later
    return instant.astimezone(zone)
