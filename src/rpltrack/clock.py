"""Clocks: the only code that reads the wall clock. SystemClock for real use, FixedClock for tests."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
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


MAX_ZONE_NAME = 255  # longer than any IANA name or path: refused before the file system sees it
_ZONE_HOW = "use an IANA name such as Europe/London or America/New_York"


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:79] + "\N{HORIZONTAL ELLIPSIS}")


def _zone_or_none(key: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or a ValueError that says how to write one."""
    if len(name) > MAX_ZONE_NAME:
        raise ValueError(
            f"the time zone name is {len(name)} characters long, too long to be one: {_ZONE_HOW}"
        )
    zone = _zone_or_none(name) if name.strip() == name and name else None
    if zone is None:
        raise ValueError(f"unknown time zone {_quoted(name)}: {_ZONE_HOW}")
    return zone


def zone_from_tz(value: str) -> ZoneInfo:
    """The zone the TZ variable names, read the way the C library reads it, or a ValueError naming TZ.

    An IANA name (`Europe/Berlin`, with or without the leading `:`) and a path into a zoneinfo folder
    (`/usr/share/zoneinfo/Europe/Berlin`) both work. A POSIX rule (`EST5EDT,M3.2.0,M11.1.0`) and a name
    that is no zone (`Mars/Olympus`) are refused: rpltrack stores the zone's IANA name with every dose, so
    a zone it cannot name would be a silent guess."""
    name = value.removeprefix(":")
    where = f"the TZ variable is set to {_quoted(value)}"
    if len(value) > MAX_ZONE_NAME:
        raise ValueError(
            f"the TZ variable is {len(value)} characters long, too long to be a time zone: set TZ to an IANA "
            "name such as Europe/London, or give --tz"
        )
    if name.startswith("/"):
        try:
            target = str(Path(name).resolve())
        except (OSError, RuntimeError):
            target = name
        marker = "zoneinfo/"
        key = target.split(marker, 1)[1] if marker in target else ""
        for prefix in ("posix/", "right/"):
            key = key.removeprefix(prefix)
        zone = _zone_or_none(key) if key else None
        if zone is None:
            raise ValueError(
                f"{where}, a file that is not a time zone rpltrack can name: set TZ to an IANA name such as "
                "Europe/London, or give --tz"
            )
        return zone
    zone = _zone_or_none(name) if name.strip() == name and name else None
    if zone is not None:
        return zone
    if any(c.isdigit() for c in name) or "," in name:
        raise ValueError(
            f"{where}, a POSIX rule: rpltrack needs the zone's IANA name to keep your times, such as "
            "America/New_York. Set TZ to one, or give --tz"
        )
    raise ValueError(f"{where}, which is not a time zone: {_ZONE_HOW} (set TZ, or give --tz)")


def local_zone() -> ZoneInfo:
    """The system's IANA zone: $TZ (validated: a ValueError says what is wrong with it), else
    /etc/localtime's target, else UTC."""
    tz = os.environ.get("TZ", "")
    if tz.removeprefix(":"):
        return zone_from_tz(tz)
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


def in_zone(at: datetime, zone: ZoneInfo) -> datetime:
    """The instant `at` read in `zone`, its fold set from the UTC instant: in the repeated hour when clocks
    go back, the second pass keeps fold=1 even from a datetime subclass whose conversion drops it."""
    utc = at.astimezone(UTC)
    local = utc.astimezone(zone)
    if local.astimezone(UTC) != utc:
        local = local.replace(fold=1 - local.fold)
    return local


class SystemClock:
    """The real wall clock, read in `zone` (default: the system's zone)."""

    def __init__(self, zone: ZoneInfo | None = None) -> None:
        self._zone = zone if zone is not None else local_zone()

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def now(self) -> datetime:
        return in_zone(datetime.now(UTC), self._zone)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that stands still at `at` until moved with `advance` or `set` (tests, screenshots, --as-of)."""

    def __init__(self, at: datetime, zone: ZoneInfo | None = None) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a tz-aware datetime")
        self._zone = zone if zone is not None else _zone_of(at)
        self._at = in_zone(at, self._zone)

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.date()

    def advance(self, delta: timedelta) -> None:
        self._at = in_zone(self._at.astimezone(UTC) + delta, self._zone)

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a tz-aware datetime")
        self._at = in_zone(at, self._zone)


def _zone_of(at: datetime) -> ZoneInfo:
    return at.tzinfo if isinstance(at.tzinfo, ZoneInfo) else ZoneInfo("UTC")
