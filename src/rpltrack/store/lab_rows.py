"""Row <-> model conversion for lab results and flag marks (imported on first use, like timeline_rows)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal

from rpltrack.domain.betas import Op
from rpltrack.domain.labs import LabResult, LabValue, ReferenceRange
from rpltrack.flags.model import FlagMark, MarkState
from rpltrack.store.rows import utc_parse, utc_text

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _number_text(value: Decimal | None) -> str | None:
    """A non-negative Decimal exactly as written (0.010 stays 0.010), never in exponent form."""
    if value is None:
        return None
    return f"{value:f}"


def lab_values(result: LabResult, now: datetime) -> dict[str, Any]:
    rng = result.reference
    return {
        "test": result.test,
        "on_date": result.on.isoformat(),
        "op": result.value.op.value,
        "value": _number_text(result.value.number),
        "unit": result.value.unit,
        "text": result.value.text,
        "raw": result.value.raw,
        "range_low": _number_text(rng.low) if rng else None,
        "range_high": _number_text(rng.high) if rng else None,
        "range_raw": rng.raw if rng else "",
        "on_anticoagulant": int(result.on_anticoagulant),
        "confirmed_unusual": int(result.confirmed_unusual),
        "lab": result.lab,
        "note": result.note,
        "created_utc": utc_text(result.created_at or now),
    }


def lab_of(row: sqlite3.Row) -> LabResult:
    low, high = row["range_low"], row["range_high"]
    reference = (
        ReferenceRange(
            Decimal(low) if low is not None else None,
            Decimal(high) if high is not None else None,
            row["range_raw"],
        )
        if low is not None or high is not None
        else None
    )
    value = LabValue(
        Op(row["op"]),
        Decimal(row["value"]) if row["value"] is not None else None,
        row["unit"],
        row["text"],
        row["raw"],
    )
    return LabResult(
        test=row["test"],
        on=date.fromisoformat(row["on_date"]),
        value=value,
        reference=reference,
        on_anticoagulant=bool(row["on_anticoagulant"]),
        note=row["note"],
        confirmed_unusual=bool(row["confirmed_unusual"]),
        lab=row["lab"],
        id=row["id"],
        created_at=utc_parse(row["created_utc"]),
    )


def mark_of(row: sqlite3.Row) -> FlagMark:
    return FlagMark(
        key=row["flag_key"],
        state=MarkState(row["state"]),
        at=utc_parse(row["at_utc"]),
        note=row["note"],
        appointment_id=row["appointment_id"],
        id=row["id"],
    )
