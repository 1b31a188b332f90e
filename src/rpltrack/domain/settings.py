"""Typed settings with defaults, stored in the journal so they travel with backups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from rpltrack.domain.errors import ValidationError

_DURATION_RE = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")


def parse_duration(text: str) -> timedelta:
    """'2h', '90m', '1h30m' -> timedelta; a ValidationError otherwise."""
    match = _DURATION_RE.match(text or "")
    if not match or not any(match.groups()):
        raise ValidationError(f"cannot read the duration {text!r}: write it like 2h, 90m or 1h30m")
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(hours=hours, minutes=minutes)


def format_duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours}h{minutes}m"
    return f"{hours}h" if hours else f"{minutes}m"


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    description: str

    def parse(self, text: str) -> str:
        """Validate `text` for this key and return its canonical spelling."""
        if self.key == "reminders.grace":
            value = parse_duration(text)
            if not timedelta(minutes=5) <= value <= timedelta(hours=24):
                raise ValidationError("the grace period must be between 5m and 24h")
            return format_duration(value)
        return text


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "reminders.grace",
            "2h",
            "how long after its time an open dose counts as overdue before it counts as missed",
        ),
    )
}


def grace_from(values: dict[str, str]) -> timedelta:
    return parse_duration(values.get("reminders.grace", SETTINGS["reminders.grace"].default))
