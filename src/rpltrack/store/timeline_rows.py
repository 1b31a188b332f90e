"""Row <-> model conversion for the treatment timeline: cycles, events, transfers, betas, pregnancies.

Kept apart from rows.py so that commands which never touch the timeline do not import it.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.store.rows import opt_date, utc_parse, utc_text

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rpltrack.domain.betas import BetaDraw


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
    return CycleEvent(
        EventKind(row["kind"]),
        date.fromisoformat(row["on_date"]),
        row["note"],
        id=row["id"],
        cycle_id=row["cycle_id"],
    )


def transfer_of(row: sqlite3.Row) -> Transfer:
    return Transfer(
        date.fromisoformat(row["on_date"]),
        row["embryo_day"],
        row["embryo_count"],
        row["grade"],
        row["pgt"],
        id=row["id"],
        cycle_id=row["cycle_id"],
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
    # quick path: `today` would import domain.betas (+1.6 ms)
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
