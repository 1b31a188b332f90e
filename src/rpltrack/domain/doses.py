"""Dose states (due, overdue, missed, taken, skipped), which slot a 'take' means, adherence, site rotation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import Adherence, DoseLog, DoseSlot, DoseStatus, DoseView, Medication
from rpltrack.domain.schedule import day_bounds, expand

# A backdated entry is marked "logged later" when it was logged this long after the dose [app convention].
LOGGED_LATER_AFTER = timedelta(minutes=30)
# `take` without --at picks an open slot of today no more than this far in the future [app convention].
TAKE_AHEAD = timedelta(hours=12)
# A dose taken up to this long before its time is that dose, not an older open one [app convention].
TAKE_EARLY = timedelta(hours=1)


def slot_state(
    slot: DoseSlot, log: DoseLog | None, now: datetime, grace: timedelta
) -> tuple[DoseStatus, bool]:
    """(status, overdue) of a slot: a log decides; otherwise due until slot + grace, then missed."""
    if log is not None:
        return log.status, False
    if now >= slot.slot_at + grace:
        return DoseStatus.MISSED, False
    return DoseStatus.DUE, now >= slot.slot_at


def entered_after(med: Medication, slot: DoseSlot, grace: timedelta) -> bool:
    """True when the slot's grace period had already ended when the medication was entered."""
    return med.created_at is not None and slot.slot_at + grace <= med.created_at


def day_views(
    meds: Sequence[Medication],
    logs: Iterable[DoseLog],
    day: date,
    zone: ZoneInfo,
    now: datetime,
    grace: timedelta,
) -> list[DoseView]:
    """Every dose of local `day`: scheduled slots with their state, plus as-needed doses logged that day."""
    start, end = day_bounds(day, zone)
    by_slot: dict[tuple[int, datetime], DoseLog] = {}
    prn_logs: list[DoseLog] = []
    for log in logs:
        if log.slot_at is None:
            if log.taken_at is not None and start <= log.taken_at.astimezone(UTC) < end:
                prn_logs.append(log)
        else:
            by_slot[(log.medication_id, log.slot_at.astimezone(UTC))] = log
    views: list[DoseView] = []
    meds_by_id = {m.id: m for m in meds}
    for med in meds:
        for slot in expand(med, start, end):
            slot_log = by_slot.get((slot.medication_id, slot.slot_at))
            status, overdue = slot_state(slot, slot_log, now, grace)
            before_entry = slot_log is None and entered_after(med, slot, grace)
            views.append(DoseView(med, status, slot, slot_log, overdue, before_entry))
    for prn_log in prn_logs:
        prn_med = meds_by_id.get(prn_log.medication_id)
        if prn_med is not None:
            views.append(DoseView(prn_med, DoseStatus.TAKEN, None, prn_log))
    views.sort(key=lambda v: (v.sort_at, v.medication.name.casefold()))
    return views


def pick_slot(
    med: Medication,
    logged_slots: set[datetime],
    target_at: datetime,
    now: datetime,
    *,
    explicit: bool,
) -> DoseSlot | None:
    """The scheduled slot a take/skip at `target_at` is for.

    Without --at: the latest open slot from the last 24 h up to TAKE_EARLY after now (so a late morning dose
    is not mistaken for the evening one, and an older open dose from yesterday does not take today's); else
    the slot nearest now up to TAKE_AHEAD ahead, even when it is already logged (so a second tap after the
    08:00 dose finds the 08:00 dose, already logged, instead of logging the 20:00 one). With --at: the slot
    nearest the time given, within 12 h, logged or not (a second backdated entry for a logged dose finds that
    dose, never the next one). The caller leaves a slot that is already logged as it is. None when there is
    no slot at all in the window.
    """
    if explicit:
        lo, hi = target_at - timedelta(hours=12), target_at + timedelta(hours=12)
    else:
        lo, hi = now - timedelta(hours=24), now + TAKE_AHEAD
    slots = expand(med, lo, hi)
    if not slots:
        return None
    if explicit:
        return min(slots, key=lambda s: (abs(s.slot_at - target_at), s.slot_at))
    recent = [s for s in slots if s.slot_at not in logged_slots and s.slot_at <= now + TAKE_EARLY]
    if recent:
        return recent[-1]
    return min(slots, key=lambda s: (abs(s.slot_at - now), s.slot_at))


def is_logged_later(taken_at: datetime, logged_at: datetime) -> bool:
    return logged_at - taken_at > LOGGED_LATER_AFTER


def check_dose_time(at: datetime, now: datetime) -> None:
    """A dose cannot be logged in the future (five minutes of clock slack are allowed)."""
    if at > now + timedelta(minutes=5):
        raise ValidationError(
            f"{at:%Y-%m-%d %H:%M} is in the future: log a dose when it has been taken", field="at"
        )


def adherence(
    med: Medication,
    logs: Iterable[DoseLog],
    now: datetime,
    days: int,
    grace: timedelta,
) -> Adherence:
    """Taken vs due over the last `days` days (slots whose grace period has ended count; later ones wait)."""
    end = now - grace
    start = now - timedelta(days=days)
    by_slot = {log.slot_at.astimezone(UTC): log for log in logs if log.slot_at is not None}
    taken = skipped = missed = 0
    for slot in expand(med, start, max(start, end)):
        log = by_slot.get(slot.slot_at)
        if log is None and entered_after(med, slot, grace):
            continue  # not tracked yet when it fell due
        if log is None:
            missed += 1
        elif log.status is DoseStatus.TAKEN:
            taken += 1
        else:
            skipped += 1
    return Adherence(med.id, days, taken, skipped, missed)


def combine(parts: Iterable[Adherence], days: int) -> Adherence:
    items = list(parts)
    return Adherence(
        None,
        days,
        sum(a.taken for a in items),
        sum(a.skipped for a in items),
        sum(a.missed for a in items),
    )


def next_site(med: Medication, last_site: str | None) -> str | None:
    """The next injection site in the rotation after `last_site`, for an injectable catalog drug."""
    drug = catalog.by_key(med.generic) if med.generic else None
    sites = drug.injection_sites if drug else ()
    if not sites:
        return None
    if last_site not in sites:
        return sites[0]
    return sites[(sites.index(last_site) + 1) % len(sites)]


def injection_sites(med: Medication) -> tuple[str, ...]:
    drug = catalog.by_key(med.generic) if med.generic else None
    return drug.injection_sites if drug else ()


def remaining_doses(med: Medication, now: datetime) -> int | None:
    """Scheduled doses from now to the schedule's last day (None when it has no end or is waiting): what a
    supply has to cover, e.g. syringes needed "until 36 weeks"."""
    if med.waiting or med.prn or med.last_day is None:
        return None
    zone = ZoneInfo(med.zone)
    _, end = day_bounds(med.last_day, zone)
    return len(expand(med, now, end)) if end > now else 0


def likely_now(views: Sequence[DoseView], now: datetime) -> int | None:
    """Which of today's doses she most likely means when she presses "taken" now (the TUI's starting
    highlight), by the same rule `take` uses: the latest open dose due up to TAKE_EARLY from now, else the
    next open dose, else none."""
    open_slots = [
        (i, v.slot.slot_at)
        for i, v in enumerate(views)
        if v.slot is not None and v.status in (DoseStatus.DUE, DoseStatus.MISSED)
    ]
    recent = [i for i, at in open_slots if now - timedelta(hours=24) <= at <= now + TAKE_EARLY]
    if recent:
        return recent[-1]
    upcoming = [i for i, at in open_slots if at > now]
    return upcoming[0] if upcoming else None
