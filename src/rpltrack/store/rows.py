"""Row <-> model conversion: UTC text timestamps, dates, decimals and timings."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache

from rpltrack.domain.models import (
    DoseLog,
    DoseStatus,
    Medication,
    Regimen,
    Timing,
    TimingKind,
)
from rpltrack.domain.quantities import Quantity

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def utc_text(value: datetime) -> str:
    """An aware datetime as '2026-11-23T08:00:00Z' (the only instant format the schema accepts)."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are never stored")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_parse(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def opt_utc(text: str | None) -> datetime | None:
    return None if text is None else utc_parse(text)


def opt_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def amount_real(quantity: Quantity) -> float:
    return float(quantity.value)


@lru_cache(maxsize=1024)  # a journal holds a handful of distinct amounts over thousands of rows
def quantity_of(amount: float | None, unit: str | None) -> Quantity | None:
    if amount is None or unit is None:
        return None
    return Quantity(Decimal(repr(amount)).normalize(), unit)


def regimen_values(medication_id: int, regimen: Regimen, now: datetime) -> dict[str, Any]:
    timing = regimen.timing
    return {
        "medication_id": medication_id,
        "effective_on": regimen.effective_on.isoformat(),
        "amount": amount_real(regimen.amount),
        "unit": regimen.amount.unit,
        "kind": timing.kind.value,
        "times": ",".join(t.strftime("%H:%M") for t in timing.times),
        "every_days": timing.every_days,
        "weekdays": ",".join(str(d) for d in timing.weekdays),
        "interval_hours": timing.interval_hours,
        "interval_anchor_utc": utc_text(timing.interval_anchor_at) if timing.interval_anchor_at else None,
        "created_utc": utc_text(now),
    }


def regimen_of(row: sqlite3.Row) -> Regimen:
    times = tuple(time.fromisoformat(t) for t in row["times"].split(",") if t)
    weekdays = tuple(int(d) for d in row["weekdays"].split(",") if d)
    timing = Timing(
        TimingKind(row["kind"]),
        times=times,
        every_days=row["every_days"],
        weekdays=weekdays,
        interval_hours=row["interval_hours"],
        interval_anchor_at=opt_utc(row["interval_anchor_utc"]),
    )
    quantity = quantity_of(row["amount"], row["unit"])
    assert quantity is not None
    return Regimen(date.fromisoformat(row["effective_on"]), quantity, timing, id=row["id"])


def medication_values(med: Medication, now: datetime) -> dict[str, Any]:
    return {
        "name": med.name,
        "generic": med.generic,
        "route": med.route,
        "zone": med.zone,
        "end_on": med.end_on.isoformat() if med.end_on else None,
        "stopped_utc": utc_text(med.stopped_at) if med.stopped_at else None,
        "supply": med.supply,
        "supply_utc": utc_text(med.supply_at or now) if med.supply is not None else None,
        "notes": med.notes,
        "created_utc": utc_text(med.created_at or now),
        "cycle_id": med.cycle_id,
        "start_anchor": med.start_anchor,
        "end_anchor": med.end_anchor,
    }


def medication_of(row: sqlite3.Row, regimens: tuple[Regimen, ...]) -> Medication:
    return Medication(
        name=row["name"],
        generic=row["generic"],
        route=row["route"],
        zone=row["zone"],
        regimens=regimens,
        end_on=opt_date(row["end_on"]),
        stopped_at=opt_utc(row["stopped_utc"]),
        supply=row["supply"],
        supply_at=opt_utc(row["supply_utc"]),
        notes=row["notes"],
        id=row["id"],
        created_at=utc_parse(row["created_utc"]),
        cycle_id=row["cycle_id"],
        start_anchor=row["start_anchor"],
        end_anchor=row["end_anchor"],
    )


def dose_values(log: DoseLog) -> dict[str, Any]:
    return {
        "medication_id": log.medication_id,
        "slot_utc": utc_text(log.slot_at) if log.slot_at else None,
        "status": log.status.value,
        "taken_utc": utc_text(log.taken_at) if log.taken_at else None,
        "logged_utc": utc_text(log.logged_at),
        "tz": log.zone,
        "amount": amount_real(log.amount) if log.amount else None,
        "unit": log.amount.unit if log.amount else None,
        "site": log.site,
        "reason": log.reason,
        "note": log.note,
        "logged_later": int(log.logged_later),
    }


def dose_of(row: sqlite3.Row) -> DoseLog:
    return DoseLog(
        medication_id=row["medication_id"],
        status=DoseStatus(row["status"]),
        logged_at=utc_parse(row["logged_utc"]),
        zone=row["tz"],
        slot_at=opt_utc(row["slot_utc"]),
        taken_at=opt_utc(row["taken_utc"]),
        amount=quantity_of(row["amount"], row["unit"]),
        site=row["site"],
        reason=row["reason"],
        note=row["note"],
        logged_later=bool(row["logged_later"]),
        id=row["id"],
    )
