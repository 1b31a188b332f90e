"""Schedules anchored to cycle events and gestational ages: parsing what she wrote, placing it on dates.

Conventions (clinical-reference §5): "from <event>" is inclusive of the event day; "until Xw Yd" is
exclusive (no dose on or after the day the pregnancy reaches Xw Yd, LMP-equivalent + 7X + Y days);
"for N days/weeks/months" counts the start day as day 1 (months by calendar, via relativedelta).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from rpltrack.domain.cycles import Cycle, CycleKind, EventKind
from rpltrack.domain.dating import date_at_ga, format_ga, lmp_from_transfer, parse_ga
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import AnchorDates, Medication
from rpltrack.domain.records import record

ANCHOR_EVENTS = ("cd1", "stims", "trigger", "retrieval", "transfer", "positive-beta")
_EVENT_RE = re.compile(r"^\s*(?P<event>[a-z0-9-]+?)\s*(?:(?P<sign>[+-])\s*(?P<days>\d{1,3})\s*d?)?\s*$")
_GA_RE = re.compile(r"^\s*\d{1,2}\s*w(\s*\d\s*d?)?\s*$", re.IGNORECASE)
_FOR_RE = re.compile(
    r"^\s*(?:for\s+)?(?P<n>\d{1,3})\s*(?P<unit>d|days?|w|wks?|weeks?|mo|months?)\s*$", re.IGNORECASE
)


@record(frozen=True)
class EventAnchor:
    """A cycle event with an offset in days: transfer-5d, positive-beta, cd1+2d."""

    event: str
    offset_days: int = 0

    def __str__(self) -> str:
        if self.offset_days == 0:
            return self.event
        return f"{self.event}{'+' if self.offset_days > 0 else '-'}{abs(self.offset_days)}d"


def looks_like_event(text: str) -> bool:
    match = _EVENT_RE.match(text.lower())
    return bool(match and match.group("event") in ANCHOR_EVENTS)


def looks_like_ga(text: str) -> bool:
    return bool(_GA_RE.match(text))


def parse_event_anchor(text: str, field: str = "start") -> EventAnchor:
    match = _EVENT_RE.match(text.lower())
    if not match or match.group("event") not in ANCHOR_EVENTS:
        raise ValidationError(
            f"cannot read {text.strip()!r}: use a date (YYYY-MM-DD) or a cycle event such as "
            f"{', '.join(ANCHOR_EVENTS)}, with an optional offset like transfer-5d",
            field=field,
        )
    days = int(match.group("days") or 0)
    return EventAnchor(match.group("event"), -days if match.group("sign") == "-" else days)


def parse_end_anchor(text: str) -> str:
    """An --until that is not a date: a gestational age ('36w0d', canonical) or an event ('transfer+14d')."""
    if looks_like_ga(text):
        return format_ga(parse_ga(text, "until")).replace(" ", "")
    return str(parse_event_anchor(text, "until"))


def parse_for(text: str) -> str:
    """'10 days', 'for 6 weeks', '3 months', '10d' -> 'for:10d' / 'for:6w' / 'for:3mo'."""
    match = _FOR_RE.match(text or "")
    if not match:
        raise ValidationError(
            f"cannot read the length {text.strip()!r}: write it like '10 days', '6 weeks' or '3 months'",
            field="for",
        )
    n, unit = int(match.group("n")), match.group("unit").lower()
    if n < 1:
        raise ValidationError("a course lasts at least one day", field="for")
    code = "mo" if unit.startswith("mo") else unit[0]
    return f"for:{n}{code}"


def describe_anchor(text: str) -> str:
    """Plain words for a stored anchor: 'transfer-5d' -> '5 days before transfer', '36w0d' -> '36w 0d'."""
    if text.startswith("for:"):
        body = text[4:]
        n, unit = int(body.rstrip("dwmo")), body.lstrip("0123456789")
        word = {"d": "day", "w": "week", "mo": "month"}[unit]
        return f"for {n} {word}{'s' if n != 1 else ''}"
    if looks_like_ga(text):
        return f"{format_ga(parse_ga(text))} of pregnancy"
    anchor = parse_event_anchor(text)
    name = {"cd1": "CD1", "positive-beta": "the first positive beta"}.get(anchor.event, anchor.event)
    if anchor.offset_days == 0:
        return name
    days = abs(anchor.offset_days)
    side = "before" if anchor.offset_days < 0 else "after"
    return f"{days} day{'s' if days != 1 else ''} {side} {name}"


def event_date(cycle: Cycle | None, event: str, positive_on: date | None) -> date | None:
    """The date of `event` in `cycle` (the first positive beta may come from the pregnancy record)."""
    if cycle is None:
        return None
    if event == "cd1":
        return cycle.cd1
    if event == "positive-beta":
        return cycle.event_on(EventKind.POSITIVE_BETA) or positive_on
    return cycle.event_on(EventKind(event))


def lmp_equivalent(cycle: Cycle | None) -> date | None:
    """The date gestational age counts from: the transfer's LMP-equivalent, or CD1 in a natural cycle."""
    if cycle is None:
        return None
    if cycle.last_transfer is not None:
        return lmp_from_transfer(cycle.last_transfer.on, cycle.last_transfer.embryo_day)
    if cycle.kind in (CycleKind.NATURAL, CycleKind.TI, CycleKind.IUI):
        return cycle.cd1
    return None


def place(med: Medication, cycle: Cycle | None, positive_on: date | None = None) -> AnchorDates:
    """Where the cycle's recorded events put the medication's anchored start and end today."""
    start: date | None = med.regimens[0].effective_on
    waiting_for = ""
    if med.start_anchor is not None:
        anchor = parse_event_anchor(med.start_anchor)
        found = event_date(cycle, anchor.event, positive_on)
        start = found + timedelta(days=anchor.offset_days) if found else None
        waiting_for = "" if found else anchor.event
    end: date | None = None
    end_waiting_for = ""
    if med.end_anchor is not None:
        end, end_waiting_for = _place_end(med.end_anchor, start, cycle, positive_on)
    return AnchorDates(start, end, waiting_for, end_waiting_for)


def _place_end(
    text: str, start: date | None, cycle: Cycle | None, positive_on: date | None
) -> tuple[date | None, str]:
    if text.startswith("for:"):
        if start is None:
            return None, "the start"
        body = text[4:]
        n, unit = int(body.rstrip("dwmo")), body.lstrip("0123456789")
        if unit == "mo":
            return start + relativedelta(months=n) - timedelta(days=1), ""
        return start + timedelta(days=n * (7 if unit == "w" else 1) - 1), ""
    if looks_like_ga(text):
        lmp = lmp_equivalent(cycle)
        if lmp is None:
            return None, "transfer"
        return date_at_ga(lmp, parse_ga(text)) - timedelta(days=1), ""
    anchor = parse_event_anchor(text, "until")
    found = event_date(cycle, anchor.event, positive_on)
    if found is None:
        return None, anchor.event
    return found + timedelta(days=anchor.offset_days), ""
