"""Dating: cycle day, days past transfer, dpo-equivalent, gestational age, due date (clinical-reference §5).

Day arithmetic only (never month rules): EDD = LMP(-equivalent) + 280 days; after a transfer the
LMP-equivalent is transfer date - (14 + embryo day) days [S22].
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import record

EMBRYO_DAYS = (3, 5, 6, 7)
MAX_GA_DAYS = 44 * 7 + 6  # nothing in a pregnancy record lies beyond 44w6d [app convention]
_GA_RE = re.compile(r"^\s*(\d{1,2})\s*w\s*(?:(\d)\s*d?)?\s*$", re.IGNORECASE)


def check_embryo_day(embryo_day: int) -> int:
    if embryo_day not in EMBRYO_DAYS:
        raise ValidationError(
            f"an embryo is charted as day 3, 5, 6 or 7 (as your clinic wrote it), not day {embryo_day}",
            field="embryo_day",
        )
    return embryo_day


def parse_ga(text: str, field: str = "ga") -> int:
    """'7w', '7w3d', '36w0d' -> days; a ValidationError for anything else or beyond 44w6d."""
    match = _GA_RE.match(text or "")
    if not match:
        raise ValidationError(
            f"cannot read the gestational age {text.strip()!r}: write weeks and days like 7w3d or 36w0d",
            field=field,
        )
    weeks, days = int(match.group(1)), int(match.group(2) or 0)
    if days > 6:
        raise ValidationError(f"{text.strip()!r}: the days part runs from 0 to 6", field=field)
    total = weeks * 7 + days
    if total > MAX_GA_DAYS:
        raise ValidationError(
            f"{text.strip()!r} is beyond 44 weeks: check the number (write it like 36w0d)", field=field
        )
    return total


def format_ga(days: int) -> str:
    """Days -> '7w 3d'."""
    return f"{days // 7}w {days % 7}d"


def day_words(day: date) -> str:
    """'3 Dec 2026': a day as she reads it in the change log."""
    return f"{day.day} {day:%b %Y}"


def cycle_day(cd1: date, on: date) -> int:
    """CD1 is day 1."""
    return (on - cd1).days + 1


def days_past_transfer(transfer_on: date, on: date) -> int:
    """Transfer day is 0dp."""
    return (on - transfer_on).days


def dpo_equivalent(transfer_on: date, embryo_day: int, on: date) -> int:
    return days_past_transfer(transfer_on, on) + embryo_day


def lmp_from_transfer(transfer_on: date, embryo_day: int) -> date:
    """The LMP-equivalent date: transfer - (14 + embryo day) days (day 5: -19)."""
    check_embryo_day(embryo_day)
    return transfer_on - timedelta(days=14 + embryo_day)


def ga_days(lmp: date, on: date) -> int:
    return (on - lmp).days


def due_date(lmp: date) -> date:
    """EDD = LMP(-equivalent) + 280 days."""
    return lmp + timedelta(days=280)


def date_at_ga(lmp: date, days: int) -> date:
    """The date on which the pregnancy reaches `days` of gestation (36w0d = LMP + 252)."""
    return lmp + timedelta(days=days)


@record(frozen=True)
class Dating:
    """Where she is on a day: whichever of these the record supports."""

    cycle_day: int | None = None
    dpt: int | None = None
    embryo_day: int | None = None
    dpo: int | None = None
    ga_days: int | None = None
    edd: date | None = None

    def label(self) -> str:
        """'CD 24 · 9dp5dt · 4w 0d', with only the parts that are known and meaningful."""
        parts: list[str] = []
        if self.cycle_day is not None and self.cycle_day >= 1:
            parts.append(f"CD {self.cycle_day}")
        if self.dpt is not None and self.embryo_day is not None and self.dpt >= 0:
            parts.append(f"{self.dpt}dp{self.embryo_day}dt")
        if self.ga_days is not None and self.ga_days >= 0:
            parts.append(format_ga(self.ga_days))
        return " · ".join(parts)
