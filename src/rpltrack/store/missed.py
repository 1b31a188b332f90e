"""Missed doses over a span of days: scheduled slots past their grace period that were never logged."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.models import DoseStatus, DoseView
from rpltrack.store.journal import Journal


def missed_doses(
    journal: Journal, start: datetime, end: datetime, zone: ZoneInfo, now: datetime
) -> list[DoseView]:
    """Every scheduled dose with start <= slot < end that Today would call missed at `now`, oldest first.

    The local days of `zone` in the span are read with `Journal.days`, so a slot is missed exactly when the
    Today screen says so: not logged, past its grace period, on the schedule as it was (stopped medications
    and ended regimens have no slots after they end; as-needed ones have none at all). A slot that was past
    before the medication was entered is left out: she was not tracking it yet (the export's "not logged")."""
    end = min(end, now)
    if end <= start:
        return []
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [
        view
        for views in journal.days(first, last, zone, now).values()
        for view in views
        if view.status is DoseStatus.MISSED
        and view.log is None
        and not view.before_entry
        and view.slot is not None
        and start <= view.slot.slot_at < end
    ]
