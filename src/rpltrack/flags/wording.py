"""Small helpers the record rules share: instants and figures in words, plurals, local times, and her
pregnancy history up to today."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from rpltrack.domain.pregnancies import Pregnancy
from rpltrack.flags.model import JournalSnapshot


def utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def plain(number: Decimal) -> str:
    """40.0 -> '40', 29.5 -> '29.5': a rounded figure without a trailing '.0'."""
    return f"{number.normalize():f}"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def local(at: datetime, snap: JournalSnapshot) -> datetime:
    return at.astimezone(snap.zone)


def history(snap: JournalSnapshot) -> list[Pregnancy]:
    """Pregnancies recorded up to today, in the order count_losses reads them."""
    known = [p for p in snap.pregnancies if p.sort_on <= snap.today]
    return sorted(known, key=lambda p: (p.sort_on, p.id or 0))
