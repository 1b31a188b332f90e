"""Clocks: the only code that reads the wall clock. SystemClock for real use, FixedClock for tests."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# typing costs ~10 ms to import on a slow laptop; the CLI's fast commands never need it at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class Clock(Protocol):
        """Tells the current instant (tz-aware) and the zone local days are counted in."""

        @property
        def zone(self) -> ZoneInfo: ...

        def now(self) -> datetime: ...

        def today(self) -> date: ...

else:

    class Clock:
        """At run time only a name: SystemClock and FixedClock are the clocks (see the protocol above)."""


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or a ValueError that says how to write one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/London or America/New_York"
        ) from exc


def local_zone() -> ZoneInfo:
    """The system's IANA zone: $TZ, else /etc/localtime's target, else UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
            pass
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    marker = "zoneinfo/"
    if marker in target:
        try:
            return ZoneInfo(target.split(marker, 1)[1])
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


class SystemClock:
    """The real wall clock, read in `zone` (default: the system's zone)."""

    def __init__(self, zone: ZoneInfo | None = None) -> None:
        self._zone = zone if zone is not None else local_zone()

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(self._zone)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that stands still at `at` until moved with `advance` or `set` (tests, screenshots, --as-of)."""

    def __init__(self, at: datetime, zone: ZoneInfo | None = None) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a tz-aware datetime")
        self._zone = zone if zone is not None else _zone_of(at)
        self._at = at.astimezone(self._zone)

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.date()

    def advance(self, delta: timedelta) -> None:
        self._at = (self._at.astimezone(UTC) + delta).astimezone(self._zone)

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a tz-aware datetime")
        self._at = at.astimezone(self._zone)


def _zone_of(at: datetime) -> ZoneInfo:
    return at.tzinfo if isinstance(at.tzinfo, ZoneInfo) else ZoneInfo("UTC")
