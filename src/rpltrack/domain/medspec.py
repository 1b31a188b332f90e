"""Build a Medication or Regimen from what she typed (CLI options or form fields), field by field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog
from rpltrack.domain.datetext import LAST_YEAR, parse_date
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import WEEKDAY_NAMES, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity, parse_amount, parse_quantity, quoted
from rpltrack.domain.records import record, replace
from rpltrack.domain.schedule import resolve_wall_time

if TYPE_CHECKING:
    from rpltrack.domain.cycles import Cycle

_TIME_RE = re.compile(r"^\s*([01]?[0-9]|2[0-3])[:.h]?([0-5][0-9])\s*$")
_EVERY_RE = re.compile(r"^\s*([0-9]{1,4})\s*(h|hr|hrs|hour|hours)\s*$", re.IGNORECASE)
_TAPER_STEP_RE = re.compile(
    r"^\s*(?P<amount>.+?)\s+(?:x|for)\s+(?P<n>[0-9]{1,4})\s*(?P<u>d|days?|w|weeks?)\s*$", re.IGNORECASE
)


def parse_time(text: str) -> time:
    match = _TIME_RE.match(text)
    if not match:
        raise ValidationError(
            f"cannot read the time {text.strip()!r}: use 24-hour HH:MM, like 08:00 or 20:30", field="times"
        )
    return time(int(match.group(1)), int(match.group(2)))


def parse_times(text: str) -> tuple[time, ...]:
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise ValidationError("give at least one time, like 08:00 or 08:00,20:00", field="times")
    if len(parts) > 24:
        raise ValidationError("at most 24 times a day", field="times")
    return tuple(parse_time(p) for p in parts)


def parse_every(text: str) -> int:
    match = _EVERY_RE.match(text)
    if not match:
        raise ValidationError(
            code="medication.every_unreadable", field="every", values={"text": text.strip()}
        )
    return int(match.group(1))


def parse_weekdays(text: str) -> tuple[int, ...]:
    days: list[int] = []
    for part in (p.strip().lower()[:3] for p in text.split(",") if p.strip()):
        if part not in WEEKDAY_NAMES:
            raise ValidationError(
                f"unknown weekday {part!r}: use mon,tue,wed,thu,fri,sat,sun", field="weekdays"
            )
        days.append(WEEKDAY_NAMES.index(part))
    if not days:
        raise ValidationError("give at least one weekday, like mon,thu", field="weekdays")
    return tuple(sorted(set(days)))


MAX_TAPER_STEP_DAYS = 3660  # ten years [app convention]
MAX_SUPPLY = 100_000  # doses on hand: years of any regimen [app convention]
_COUNT_RE = re.compile(r"^\s*([0-9]+)\s*$")


def parse_supply(text: str) -> int | None:
    """'--supply 30' -> 30; '' -> None (not counted); a ValidationError for anything but a whole number from
    0 to MAX_SUPPLY (a count beyond SQLite's integers used to fail only when written)."""
    if not (text or "").strip():
        return None
    seen = quoted(text.strip())
    if re.fullmatch(r"\s*-\s*[0-9]+\s*", text):
        raise ValidationError(f"the supply cannot be negative ({seen}): write 0 or more", field="supply")
    match = _COUNT_RE.match(text)
    if match is None:
        raise ValidationError(
            f"the supply is a count of doses on hand, not {seen}: write a whole number like 30",
            field="supply",
        )
    if len(match.group(1)) > 9 or int(match.group(1)) > MAX_SUPPLY:
        raise ValidationError(
            f"a supply of {seen} doses is more than rpltrack counts (at most {MAX_SUPPLY})", field="supply"
        )
    return int(match.group(1))


def resolve_drug(name: str) -> tuple[str | None, catalog.Drug | None]:
    drug = catalog.lookup(name)
    if drug is None and catalog.family_members(name):
        options = " or ".join(catalog.by_key(k).name for k in catalog.family_members(name))
        raise ValidationError(f"which {name.strip()}? say {options}", field="name")
    return (drug.key if drug else None), drug


def check_amount_for(drug: catalog.Drug | None, quantity: Quantity) -> Quantity:
    return drug.check_dose(quantity) if drug else quantity


@record(frozen=True)
class MedicationInput:
    """The raw text of the add-medication form / `med add` options."""

    name: str
    dose: str
    times: str = ""
    every: str = ""
    every_days: str = ""
    weekdays: str = ""
    start: str = ""
    until: str = ""
    prn: bool = False
    supply: str = ""
    route: str = ""
    notes: str = ""
    taper: str = ""
    for_: str = ""


def build_timing(spec: MedicationInput, start_on: date, zone: ZoneInfo, now: datetime) -> Timing:
    # With --every, --times gives the first dose's time of day, so the two go together.
    chosen = [bool(spec.times.strip()) or bool(spec.every.strip()), spec.prn]
    if sum(chosen) > 1:
        raise ValidationError("choose one of: times of day, every N hours, or as needed", field="times")
    if spec.prn:
        return Timing(TimingKind.PRN)
    if spec.every.strip():
        hours = parse_every(spec.every)
        first = parse_times(spec.times)[0] if spec.times.strip() else time(8, 0)
        anchor, _ = resolve_wall_time(start_on, first, zone)
        return Timing(TimingKind.INTERVAL, interval_hours=hours, interval_anchor_at=anchor.astimezone(UTC))
    if not spec.times.strip():
        raise ValidationError(
            "when is it taken? give times like 08:00,20:00, every 8h, or as needed", field="times"
        )
    every_days = 1
    if spec.every_days.strip():
        try:
            every_days = int(spec.every_days.strip())
        except ValueError:
            raise ValidationError(
                f"every N days needs a whole number, not {spec.every_days!r}", field="every_days"
            ) from None
    weekdays = parse_weekdays(spec.weekdays) if spec.weekdays.strip() else ()
    return Timing(TimingKind.TIMES, times=parse_times(spec.times), every_days=every_days, weekdays=weekdays)


def parse_taper(text: str, default_unit: str | None) -> list[tuple[Quantity, int]]:
    """'20 mg x 6w; 10 mg x 1w; 5 mg x 7d' -> [(20 mg, 42), (10 mg, 7), (5 mg, 7)]."""
    steps: list[tuple[Quantity, int]] = []
    for part in (p for p in text.split(";") if p.strip()):
        match = _TAPER_STEP_RE.match(part)
        if not match:
            raise ValidationError(
                f"cannot read the taper step {part.strip()!r}: write steps like '20 mg x 6w; 10 mg x 7d'",
                field="taper",
            )
        days = int(match.group("n")) * (7 if match.group("u").lower().startswith("w") else 1)
        if days < 1:
            raise ValidationError("each taper step lasts at least one day", field="taper")
        if days > MAX_TAPER_STEP_DAYS:
            raise ValidationError(
                f"a taper step lasts at most {MAX_TAPER_STEP_DAYS} days ({quoted(part.strip())} was given)",
                field="taper",
            )
        steps.append((parse_quantity(match.group("amount"), default_unit), days))
    if not steps:
        raise ValidationError("the taper has no steps", field="taper")
    return steps


def build_medication(
    spec: MedicationInput, zone: ZoneInfo, now: datetime, cycle: Cycle | None = None
) -> Medication:
    """A validated Medication (not yet saved) from form text; ValidationError names the field at fault.

    --start and --until may name a cycle event ("transfer-5d", "positive-beta") or, for --until, a
    gestational age ("36w0d"); --for gives a length ("10 days"). Those anchor the schedule to `cycle`."""
    # quick path: `take` would import domain.anchors, six, dateutil, domain.cycles and 2 more (+5.4 ms)
    from rpltrack.domain import anchors

    name = " ".join(spec.name.split())
    if not name:
        raise ValidationError("a medication needs a name", field="name")
    generic, drug = resolve_drug(name)
    default_unit = drug.default_unit if drug else None
    today = now.astimezone(zone).date()
    start_text, until_text = spec.start.strip(), spec.until.strip()
    start_anchor = (
        str(anchors.parse_event_anchor(start_text)) if anchors.looks_like_event(start_text) else None
    )
    end_anchor: str | None = None
    until_on: date | None = None
    if until_text and (anchors.looks_like_event(until_text) or anchors.looks_like_ga(until_text)):
        end_anchor = anchors.parse_end_anchor(until_text)
    elif until_text:
        until_on = parse_date(until_text, "until")
    if spec.for_.strip():
        if end_anchor is not None:
            raise ValidationError(code="medication.until_and_for", field="for")
        end_anchor = anchors.parse_for(spec.for_)
    if (start_anchor or (end_anchor and not end_anchor.startswith("for:"))) and cycle is None:
        raise ValidationError(code="medication.anchor_needs_cycle", field="start")
    if start_anchor and spec.taper.strip():
        raise ValidationError(code="medication.taper_needs_date", field="taper")
    start_on = today if start_anchor or not start_text else parse_date(start_text, "start")
    timing = build_timing(spec, start_on, zone, now)
    regimens: list[Regimen] = []
    if spec.taper.strip():
        day = start_on
        for quantity, days in parse_taper(spec.taper, default_unit):
            regimens.append(Regimen(day, check_amount_for(drug, quantity), _retime(timing, day, zone)))
            day += timedelta(days=days)
            if day.year > LAST_YEAR:
                raise ValidationError(
                    f"this taper would run past {LAST_YEAR}: check its steps", field="taper"
                )
        taper_end = day - timedelta(days=1)
        until_on = min(until_on, taper_end) if until_on else taper_end
        if spec.dose.strip():
            raise ValidationError("give either a dose or a taper, not both", field="dose")
    else:
        if not spec.dose.strip():
            raise ValidationError("give the dose, like '81 mg' or '40 mg'", field="dose")
        _, unit = parse_amount(spec.dose)
        if unit is None and default_unit is None:
            raise ValidationError(
                f"the dose {spec.dose.strip()!r} needs a unit, like '1 tablet' or '5 mg'", field="dose"
            )
        quantity = parse_quantity(spec.dose, default_unit)
        regimens.append(Regimen(start_on, check_amount_for(drug, quantity), timing))
    supply = parse_supply(spec.supply)
    route = spec.route.strip() or (drug.routes[0] if drug else "oral")
    if drug and route not in drug.routes:
        raise ValidationError(f"{drug.name} is taken {' or '.join(drug.routes)}, not {route}", field="route")
    if len(spec.notes) > 2000:
        raise ValidationError("notes can be at most 2000 characters", field="notes")
    med = Medication(
        name=name,
        generic=generic,
        route=route,
        zone=zone.key,
        regimens=tuple(regimens),
        end_on=until_on,
        supply=supply,
        notes=spec.notes.strip(),
        created_at=now.astimezone(UTC),
        cycle_id=cycle.id if cycle is not None and (start_anchor or end_anchor) else None,
        start_anchor=start_anchor,
        end_anchor=end_anchor,
    )
    if med.anchored:
        med = replace(med, anchor_dates=anchors.place(med, cycle))
        if not med.waiting and med.last_day is not None and med.last_day < med.start_on:
            raise ValidationError(
                f"this schedule would end ({med.last_day}) before it starts ({med.start_on})", field="until"
            )
    return med


def _retime(timing: Timing, day: date, zone: ZoneInfo) -> Timing:
    """For an interval timing, a taper step's anchor keeps the original time of day."""
    if timing.kind is not TimingKind.INTERVAL or timing.interval_anchor_at is None:
        return timing
    first = timing.interval_anchor_at.astimezone(zone).time()
    anchor, _ = resolve_wall_time(day, first, zone)
    return Timing(TimingKind.INTERVAL, interval_hours=timing.interval_hours, interval_anchor_at=anchor)


def build_change(
    med: Medication, dose: str, times: str, every: str, effective: str, zone: ZoneInfo, now: datetime
) -> Regimen:
    """A new regimen for `med` from `effective` (default today): a changed dose and/or timing."""
    effective_on = parse_date(effective, "from") if effective.strip() else now.astimezone(zone).date()
    drug = catalog.by_key(med.generic) if med.generic else None
    current = med.regimen_on(effective_on) or med.current
    amount = current.amount
    if dose.strip():
        amount = check_amount_for(drug, parse_quantity(dose, current.amount.unit))
    timing = current.timing
    if times.strip() or every.strip():
        timing = build_timing(
            MedicationInput(name=med.name, dose="", times=times, every=every), effective_on, zone, now
        )
    elif timing.kind is TimingKind.INTERVAL:
        timing = _retime(timing, effective_on, zone)
    if amount == current.amount and timing == current.timing:
        raise ValidationError(code="medication.nothing_to_change", field="dose")
    return Regimen(effective_on, amount, timing)
