"""Where a time was: the zone a dose was logged in, when it reads differently there, and its short label."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_elsewhere(name: str, at: datetime, shown: ZoneInfo) -> ZoneInfo | None:
    """The zone called `name` (where a dose was logged) when the instant `at` reads differently there than in
    `shown`, else None: the same zone, an unknown name, or a zone whose clock reads the same at that instant
    (UTC and London in winter, Paris and Berlin) needs no label: the time shown is the time it was there."""
    if name == shown.key:
        return None
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        return None
    here, there = at.astimezone(shown), at.astimezone(zone)
    if here.utcoffset() == there.utcoffset():
        return None
    return zone


def zone_label(at: datetime) -> str:
    """The short name of the zone an aware `at` is in, at that instant: 'EDT (New York)', 'JST (Tokyo)',
    'UTC', or 'UTC+04 (Dubai)' for a zone with no abbreviation."""
    abbreviation = at.tzname() or ""
    if abbreviation[:1] in ("+", "-"):
        abbreviation = f"UTC{abbreviation}"
    key = at.tzinfo.key if isinstance(at.tzinfo, ZoneInfo) else None
    if not key or "/" not in key or key.startswith("Etc/"):
        return abbreviation or key or ""
    city = key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{abbreviation} ({city})" if abbreviation else city
