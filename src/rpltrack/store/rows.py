"""Row <-> model conversion: UTC text timestamps, dates, decimals and timings."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.models import (
    DoseLog,
    DoseStatus,
    Medication,
    Regimen,
    Timing,
    TimingKind,
)
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.domain.quantities import Quantity

if TYPE_CHECKING:  # beta arithmetic is imported only where betas are read
    from rpltrack.domain.betas import BetaDraw


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


def cycle_values(cycle: Cycle, now: datetime) -> dict[str, Any]:
    return {
        "kind": cycle.kind.value,
        "cd1": cycle.cd1.isoformat(),
        "clinic": cycle.clinic,
        "notes": cycle.notes,
        "ended_on": cycle.ended_on.isoformat() if cycle.ended_on else None,
        "outcome": cycle.outcome,
        "created_utc": utc_text(now),
    }


def cycle_of(row: sqlite3.Row, events: tuple[CycleEvent, ...], transfers: tuple[Transfer, ...]) -> Cycle:
    return Cycle(
        kind=CycleKind(row["kind"]),
        cd1=date.fromisoformat(row["cd1"]),
        clinic=row["clinic"],
        notes=row["notes"],
        ended_on=opt_date(row["ended_on"]),
        outcome=row["outcome"],
        events=events,
        transfers=transfers,
        id=row["id"],
    )


def event_of(row: sqlite3.Row) -> CycleEvent:
    return CycleEvent(EventKind(row["kind"]), date.fromisoformat(row["on_date"]), row["note"], id=row["id"])


def transfer_of(row: sqlite3.Row) -> Transfer:
    return Transfer(
        date.fromisoformat(row["on_date"]),
        row["embryo_day"],
        row["embryo_count"],
        row["grade"],
        row["pgt"],
        id=row["id"],
    )


def beta_values(draw: BetaDraw, zone: str, confirmed_unusual: bool, now: datetime) -> dict[str, Any]:
    return {
        "drawn_utc": utc_text(draw.drawn_at),
        "tz": zone,
        "cycle_id": draw.cycle_id,
        "op": draw.value.op.value,
        "value": float(draw.value.value),
        "raw": draw.value.raw,
        "lab": draw.lab,
        "confirmed_unusual": int(confirmed_unusual),
        "created_utc": utc_text(now),
    }


def beta_of(row: sqlite3.Row) -> BetaDraw:
    from rpltrack.domain.betas import BetaDraw, HcgValue, Op

    value = HcgValue(Op(row["op"]), Decimal(repr(row["value"])).normalize(), row["raw"])
    return BetaDraw(
        utc_parse(row["drawn_utc"]).astimezone(ZoneInfo(row["tz"])),
        value,
        row["lab"],
        id=row["id"],
        cycle_id=row["cycle_id"],
    )


def pregnancy_values(p: Pregnancy, now: datetime) -> dict[str, Any]:
    return {
        "cycle_id": p.cycle_id,
        "started_on": p.started_on.isoformat() if p.started_on else None,
        "how_found": p.how_found.value if p.how_found else None,
        "outcome": p.outcome.value,
        "ended_on": p.ended_on.isoformat() if p.ended_on else None,
        "ga_days": p.ga_at_end_days,
        "confirmed": p.confirmed.value if p.confirmed else None,
        "approximate": int(p.approximate),
        "notes": p.notes,
        "created_utc": utc_text(now),
    }


def pregnancy_of(row: sqlite3.Row) -> Pregnancy:
    return Pregnancy(
        started_on=opt_date(row["started_on"]),
        outcome=Outcome(row["outcome"]),
        ended_on=opt_date(row["ended_on"]),
        ga_at_end_days=row["ga_days"],
        confirmed=Confirmation(row["confirmed"]) if row["confirmed"] else None,
        how_found=Confirmation(row["how_found"]) if row["how_found"] else None,
        approximate=bool(row["approximate"]),
        cycle_id=row["cycle_id"],
        notes=row["notes"],
        id=row["id"],
    )
