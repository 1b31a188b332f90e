"""Frozen domain records: medications, their regimens and timings, dose slots and dose log entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import field, record, replace


def require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a tz-aware datetime")


class TimingKind(StrEnum):
    TIMES = "times"  # set wall-clock times of day, every N days or on weekdays
    INTERVAL = "interval"  # every N hours of elapsed time
    PRN = "prn"  # as needed: no slots


@record(frozen=True)
class Timing:
    """When doses fall. Wall-clock times are local to the medication's zone."""

    kind: TimingKind
    times: tuple[time, ...] = ()
    every_days: int = 1
    weekdays: tuple[int, ...] = ()  # 0 = Monday; empty = every day
    interval_hours: int = 0
    interval_anchor_at: datetime | None = None  # UTC instant of the first interval dose

    def __post_init__(self) -> None:
        if self.kind is TimingKind.TIMES:
            if not self.times:
                raise ValidationError(code="medication.no_times", field="times")
            if len(set(self.times)) != len(self.times):
                raise ValidationError("the same time is given twice", field="times")
            if list(self.times) != sorted(self.times):
                object.__setattr__(self, "times", tuple(sorted(self.times)))
            if not 1 <= self.every_days <= 366:
                raise ValidationError(
                    f"every {self.every_days} days is not possible: use 1 to 366", field="every_days"
                )
            if any(not 0 <= d <= 6 for d in self.weekdays):
                raise ValidationError("weekdays run from mon to sun", field="weekdays")
            if self.weekdays and self.every_days != 1:
                raise ValidationError("use either weekdays or every N days, not both", field="weekdays")
        elif self.kind is TimingKind.INTERVAL:
            if not 1 <= self.interval_hours <= 168:
                raise ValidationError(
                    f"every {self.interval_hours} hours is not possible: use 1 to 168 hours",
                    field="every",
                )
            if self.interval_anchor_at is None:
                raise ValidationError("an every-N-hours schedule needs its first dose time", field="start")
            require_aware(self.interval_anchor_at, "interval_anchor_at")

    def describe(self) -> str:
        if self.kind is TimingKind.PRN:
            return "as needed"
        if self.kind is TimingKind.INTERVAL:
            return f"every {self.interval_hours} h"
        times = ", ".join(t.strftime("%H:%M") for t in self.times)
        if self.weekdays:
            names = ",".join(WEEKDAY_NAMES[d] for d in self.weekdays)
            return f"{times} on {names}"
        if self.every_days == 2:
            return f"{times} every other day"
        if self.every_days > 1:
            return f"{times} every {self.every_days} days"
        return f"{times} daily"


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@record(frozen=True)
class Regimen:
    """A dose and its timing, in force from `effective_on` (local date) until the next regimen starts."""

    effective_on: date
    amount: Quantity
    timing: Timing
    id: int | None = None


class MedicationState(StrEnum):
    WAITING = "waiting"  # anchored to a cycle event that is not recorded yet
    ACTIVE = "active"
    STOPPED = "stopped"
    ENDED = "ended"
    NOT_STARTED = "not started"


@record(frozen=True)
class AnchorDates:
    """An anchored schedule's start and end as the cycle's events place them today (domain.anchors)."""

    start_on: date | None  # None: the start event is not recorded yet
    end_on: date | None = None  # last day (inclusive) from the end anchor, when it can be placed
    waiting_for: str = ""  # what the start waits for, e.g. "transfer"
    end_waiting_for: str = ""  # what the end waits for, e.g. "transfer" for "until 36w0d"


@record(frozen=True)
class Medication:
    """A medication she takes, with its regimens (dose history) in effective-date order.

    A schedule may be anchored to her cycle: `start_anchor` ("transfer-5d", "positive-beta") and
    `end_anchor` ("36w0d", "transfer+14d", "for:10d") are kept as she gave them, and `anchor_dates` (filled
    in by the journal from the cycle's events) places them; when an event moves, the doses follow.
    """

    name: str
    generic: str | None  # catalog key, None for her own medication
    route: str
    zone: str  # IANA zone the wall-clock times are read in
    regimens: tuple[Regimen, ...]
    end_on: date | None = None  # last day of the schedule (inclusive), if known
    stopped_at: datetime | None = None  # no slots at or after this instant
    supply: int | None = None
    notes: str = ""
    id: int | None = None
    created_at: datetime | None = None
    supply_at: datetime | None = None  # when the supply on hand was last counted (refill-due)
    cycle_id: int | None = None
    start_anchor: str | None = None
    end_anchor: str | None = None
    anchor_dates: AnchorDates | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("a medication needs a name", field="name")
        if len(self.name) > 120:
            raise ValidationError("a medication name can be at most 120 characters", field="name")
        if not self.regimens:
            raise ValidationError("a medication needs a dose", field="dose")
        dates = [r.effective_on for r in self.regimens]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValidationError("dose changes must have distinct effective dates", field="start")
        if self.start_anchor is None and self.end_on is not None and self.end_on < self.start_on:
            raise ValidationError(
                f"the end date {self.end_on} is before the start date {self.start_on}", field="until"
            )
        if self.stopped_at is not None:
            require_aware(self.stopped_at, "stopped_at")
        if self.supply is not None and self.supply < 0:
            raise ValidationError("the supply cannot be negative", field="supply")

    @property
    def anchored(self) -> bool:
        return self.start_anchor is not None or self.end_anchor is not None

    @property
    def waiting(self) -> bool:
        """Anchored to an event that is not recorded yet: no doses are due until it is."""
        return self.start_anchor is not None and (
            self.anchor_dates is None or self.anchor_dates.start_on is None
        )

    @property
    def start_on(self) -> date:
        """The first day of the schedule (placed by its anchor when it has one)."""
        if self.start_anchor is not None and self.anchor_dates is not None and self.anchor_dates.start_on:
            return self.anchor_dates.start_on
        return self.regimens[0].effective_on

    @property
    def last_day(self) -> date | None:
        """The last day of the schedule: the earlier of its end date and its end anchor's date."""
        anchored = self.anchor_dates.end_on if self.anchor_dates is not None else None
        ends = [d for d in (self.end_on, anchored) if d is not None]
        return min(ends) if ends else None

    @property
    def schedule_regimens(self) -> tuple[Regimen, ...]:
        """The regimens as they apply: an anchored start moves the first one (the dose she entered with
        the medication, whatever day she entered it) to the anchor's date; a change dated on or before
        that date is folded into it. Empty while waiting for the start event."""
        if self.start_anchor is None:
            return self.regimens
        placed = [(d, r) for d, r in zip(self.effective_days(), self.regimens, strict=True) if d is not None]
        return tuple(replace(r, effective_on=d) for d, r in sorted(placed, key=lambda p: p[0]))

    def effective_days(self) -> tuple[date | None, ...]:
        """For each regimen as entered (in order), the day it takes effect as the schedule applies it: its
        own date; with an anchored start, the anchor's date for the one entered with the medication (or the
        last change dated on or before that date), and None for one that change replaced before the start.
        All None while waiting for the start event."""
        if self.start_anchor is None:
            return tuple(r.effective_on for r in self.regimens)
        if self.waiting:
            return (None,) * len(self.regimens)
        start = self.start_on
        # The regimen entered with the medication has the lowest id (unsaved ones: the first). Its
        # effective date is the day it was entered, which may be after the anchor (an event already past).
        indexed = list(enumerate(self.regimens))
        base = min(indexed, key=lambda p: (p[1].id is None, p[1].id or 0))[0]
        folded = [i for i, r in indexed if i != base and r.effective_on <= start]
        initial = folded[-1] if folded else base
        return tuple(
            start if i == initial else r.effective_on if i != base and r.effective_on > start else None
            for i, r in indexed
        )

    @property
    def schedule_end_on(self) -> date | None:
        """The last local day the schedule reaches: its last day, or the last day before it was stopped when
        that came first (a stop at midnight leaves that day out); None while it has no end."""
        ends = [d for d in (self.last_day,) if d is not None]
        if self.stopped_at is not None:
            before_stop = self.stopped_at.astimezone(UTC) - timedelta(microseconds=1)
            ends.append(before_stop.astimezone(ZoneInfo(self.zone)).date())
        return min(ends) if ends else None

    @property
    def current(self) -> Regimen:
        return self.regimens[-1]

    @property
    def prn(self) -> bool:
        return self.current.timing.kind is TimingKind.PRN

    def regimen_on(self, day: date) -> Regimen | None:
        """The regimen in force on local `day`, or None before the first one starts (for an anchored
        schedule, as placed on the cycle's events)."""
        placed = self.start_anchor is not None and not self.waiting
        found: Regimen | None = None
        for regimen in self.schedule_regimens if placed else self.regimens:
            if regimen.effective_on <= day:
                found = regimen
        return found

    def _applied(self) -> tuple[Regimen, ...]:
        """The regimens as they apply (placed on the cycle's events when anchored), or as entered."""
        return self.schedule_regimens or self.regimens

    def _shown_day(self, day: date) -> date:
        """`day`, held at the schedule's last day or the day it was stopped when those came first."""
        end = self.schedule_end_on
        return day if end is None else min(day, end)

    def dose_on(self, day: date) -> Regimen:
        """Her dose and timing on local `day`, the one every list shows: the taper step or dated change in
        force that day; before the schedule starts, its first; after it ends or was stopped, its last."""
        applied = self._applied()
        return self.regimen_on(self._shown_day(day)) or applied[0]

    def next_change(self, day: date) -> Regimen | None:
        """The next taper step or dated change after local `day` that the schedule still reaches (none past
        its last day or after it was stopped), or None. Its start is not a change: lists show it apart."""
        end = self._shown_day(date.max)
        return next((r for r in self._applied()[1:] if day < r.effective_on <= end), None)

    def regimens_in_force(self) -> tuple[Regimen, ...]:
        """The regimens the schedule reaches: a step dated after its end or stop is left out."""
        end = self._shown_day(date.max)
        return tuple(r for r in self._applied() if r.effective_on <= end) or self._applied()[:1]

    def state(self, now: datetime, today: date) -> MedicationState:
        if self.stopped_at is not None and self.stopped_at <= now:
            return MedicationState.STOPPED
        if self.waiting:
            return MedicationState.WAITING
        last_day = self.last_day
        if last_day is not None and last_day < today:
            return MedicationState.ENDED
        if self.start_on > today:
            return MedicationState.NOT_STARTED
        return MedicationState.ACTIVE


class DoseStatus(StrEnum):
    TAKEN = "taken"
    SKIPPED = "skipped"
    DUE = "due"  # open, before its time or within the grace period
    MISSED = "missed"  # open, past the grace period


@record(frozen=True)
class DoseSlot:
    """One scheduled occurrence: an instant (UTC) and how it reads on the medication's wall clock."""

    medication_id: int
    slot_at: datetime  # UTC
    local_at: datetime  # in the medication's zone
    amount: Quantity
    shifted: bool = False  # the wall time did not exist that day (spring forward) and moved later
    clock_change_day: bool = False


@record(frozen=True)
class DoseLog:
    """A logged dose: taken or skipped, for a slot or as needed (slot_at None)."""

    medication_id: int
    status: DoseStatus
    logged_at: datetime
    zone: str
    slot_at: datetime | None = None
    taken_at: datetime | None = None
    amount: Quantity | None = None
    site: str | None = None
    reason: str = ""
    note: str = ""
    logged_later: bool = False
    id: int | None = None

    def __post_init__(self) -> None:
        if self.status not in (DoseStatus.TAKEN, DoseStatus.SKIPPED):
            raise ValueError("a dose log is taken or skipped")
        require_aware(self.logged_at, "logged_at")
        if self.status is DoseStatus.TAKEN and self.taken_at is None:
            raise ValueError("a taken dose needs taken_at")
        if self.slot_at is None and self.status is DoseStatus.SKIPPED:
            raise ValidationError("only a scheduled dose can be skipped")


@record(frozen=True)
class ClockGap:
    """A dose that comes sooner or later than usual after the previous one of its schedule because the clocks
    changed between them: 08:00 after 20:00 is 11 h on spring-forward day and 13 h on fall-back day, not 12 h
    (domain.doses.clock_change_gap)."""

    elapsed: timedelta  # from the previous slot to this one, in real (UTC) time
    usual: timedelta  # the spacing of the two wall-clock times on a day without a clock change
    previous_at: datetime  # the previous slot, in the medication's zone
    changed_on: date  # the local day the clocks changed: the dose's own day or the day before


@record(frozen=True)
class DoseView:
    """A dose as the Today screen and `rpltrack today` show it: the slot, its log if any, and its state."""

    medication: Medication
    status: DoseStatus
    slot: DoseSlot | None = None
    log: DoseLog | None = None
    overdue: bool = False  # due, past its time, still inside the grace period
    # Open, but already past its grace period when the medication was entered: shown as "not logged" rather
    # than "missed", and left out of adherence (she was not tracking it yet).
    before_entry: bool = False
    # On and just after a clock-change day: how long after the previous scheduled dose this one comes, when a
    # clock change makes that differ from the usual spacing; None on every other slot.
    clock_gap: ClockGap | None = None

    @property
    def sort_at(self) -> datetime:
        if self.slot is not None:
            return self.slot.slot_at
        assert self.log is not None
        assert self.log.taken_at is not None
        return self.log.taken_at.astimezone(UTC)


@record(frozen=True)
class Adherence:
    """Doses taken out of doses that were due and decided (taken, skipped or missed) in a window."""

    medication_id: int | None
    days: int
    taken: int
    skipped: int
    missed: int

    @property
    def due(self) -> int:
        return self.taken + self.skipped + self.missed

    @property
    def percent(self) -> float | None:
        return None if self.due == 0 else round(100.0 * self.taken / self.due, 1)
