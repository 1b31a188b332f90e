"""Small formatting helpers the appointment brief's sections share: escaping, dates, units, citations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from rpltrack.domain.models import Adherence

SOURCE_RE = re.compile(r'<span class="src">\[([^\]<]+)\]</span>')


def esc(text: object) -> str:
    """`text` HTML-escaped, quotes included."""
    return escape(str(text), quote=True)


def day_text(day: date) -> str:
    """'Thu 26 Nov 2026'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def short_day(day: date) -> str:
    """'26 Nov'."""
    return f"{day.day} {day:%b}"


def near_day(day: date, today: date) -> str:
    """'26 Nov' in this year, '26 Nov 2025' in any other: short, and never ambiguous."""
    return short_day(day) if day.year == today.year else f"{short_day(day)} {day.year}"


def when_text(at: datetime, zone: ZoneInfo) -> str:
    """'Thu 26 Nov 2026, 10:30', with the zone named when it is not hers."""
    text = f"{day_text(at.date())}, {at:%H:%M}"
    own = at.tzinfo
    if isinstance(own, ZoneInfo) and own.key != zone.key:
        text += f" ({own.key})"
    return text


def pretty_unit(text: str) -> str:
    """Stored unit spellings as a printed report writes them: x10^9/L with a multiplication sign and a
    superscript."""
    return (
        text.replace("x10^", "\N{MULTIPLICATION SIGN}10^")
        .replace("10^9", "10\N{SUPERSCRIPT NINE}")
        .replace("10^3", "10\N{SUPERSCRIPT THREE}")
    )


def percent_text(a: Adherence) -> str:
    """An adherence percentage as the brief prints it ('85.7%', '100%'), '—' when nothing was due."""
    if a.percent is None:
        return "—"
    value = a.percent
    shown = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return f"{shown}%"


def cite(ids: Sequence[str]) -> str:
    """Source ids as the page marks them ('[S10][S12]'); the source list at the foot is built from these."""
    return "".join(f'<span class="src">[{esc(s)}]</span>' for s in ids)


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 loss', '3 losses'."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
