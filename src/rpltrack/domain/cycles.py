"""Treatment cycles, their dated events and transfers, with the checks that keep a timeline consistent."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from rpltrack.domain.dating import (
    Dating,
    check_embryo_day,
    cycle_day,
    days_past_transfer,
    dpo_equivalent,
    due_date,
    ga_days,
    lmp_from_transfer,
)
from rpltrack.domain.errors import ValidationError, parse_choice
from rpltrack.domain.records import field, record, replace

STALE_CYCLE_DAYS = 60  # a cycle left open past this many days was most likely never ended [app convention]


class CycleKind(StrEnum):
    NATURAL = "natural"
    FET = "fet"
    IVF = "ivf"
    IUI = "iui"
    TI = "ti"
    OTHER = "other"


CYCLE_KIND_WORDS: dict[CycleKind, str] = {
    CycleKind.NATURAL: "natural cycle",
    CycleKind.FET: "medicated FET",
    CycleKind.IVF: "IVF (fresh)",
    CycleKind.IUI: "IUI",
    CycleKind.TI: "timed intercourse",
    CycleKind.OTHER: "other",
}


class EventKind(StrEnum):
    STIMS = "stims"
    TRIGGER = "trigger"
    RETRIEVAL = "retrieval"
    TRANSFER = "transfer"
    BETA = "beta"
    POSITIVE_BETA = "positive-beta"
    ULTRASOUND = "ultrasound"
    OTHER = "other"


def clip(text: str, limit: int = 80) -> str:
    """Her text quoted in a message: at most `limit` characters, an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_cycle_kind(text: str) -> CycleKind:
    return parse_choice(CycleKind, text, "cycle kind", "kind")


def parse_event_kind(text: str) -> EventKind:
    return parse_choice(EventKind, text, "event", "kind")


@record(frozen=True)
class CycleEvent:
    kind: EventKind
    on: date
    note: str = ""
    id: int | None = None
    cycle_id: int | None = field(default=None, compare=False)  # set when read from the journal

    def describe(self) -> str:
        """'retrieval on 2026-11-05: 12 eggs' (her note quoted at most 80 characters)."""
        note = f": {clip(self.note)}" if self.note else ""
        return f"{self.kind.value} on {self.on}{note}"


@record(frozen=True)
class Transfer:
    """An embryo transfer as the clinic charts it: embryo day 3, 5, 6 or 7."""

    on: date
    embryo_day: int
    embryo_count: int = 1
    grade: str = ""
    pgt: str = ""
    id: int | None = None
    cycle_id: int | None = field(default=None, compare=False)  # set when read from the journal

    def __post_init__(self) -> None:
        check_embryo_day(self.embryo_day)
        if not 1 <= self.embryo_count <= 5:
            raise ValidationError(f"the number of embryos is 1 to 5, not {self.embryo_count}", field="count")
        if len(self.grade) > 60 or len(self.pgt) > 60:
            raise ValidationError("grade and PGT notes can be at most 60 characters", field="grade")

    def describe(self) -> str:
        """'day-5 transfer on 2026-11-10, 1 embryo (4AA, euploid)'."""
        embryos = f"{self.embryo_count} embryo{'s' if self.embryo_count > 1 else ''}"
        extra = ", ".join(clip(x) for x in (self.grade, self.pgt) if x)
        return f"day-{self.embryo_day} transfer on {self.on}, {embryos}" + (f" ({extra})" if extra else "")


@record(frozen=True)
class Cycle:
    """A cycle from CD1, with its events and transfers in date order."""

    kind: CycleKind
    cd1: date
    clinic: str = ""
    notes: str = ""
    ended_on: date | None = None
    outcome: str = ""
    events: tuple[CycleEvent, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    id: int | None = None

    def __post_init__(self) -> None:
        if self.ended_on is not None and self.ended_on < self.cd1:
            raise ValidationError(
                f"the cycle cannot end ({self.ended_on}) before CD1 ({self.cd1})", field="date"
            )

    def check_event(self, event: CycleEvent) -> None:
        """An event belongs inside the cycle; a retrieval does not come after a transfer."""
        if event.on < self.cd1:
            raise ValidationError(
                f"{event.kind.value} on {event.on} is before this cycle's CD1 ({self.cd1})", field="date"
            )
        transfers = [t.on for t in self.transfers] + [
            e.on for e in self.events if e.kind is EventKind.TRANSFER
        ]
        retrievals = [e.on for e in self.events if e.kind is EventKind.RETRIEVAL]
        if event.kind is EventKind.RETRIEVAL and any(t < event.on for t in transfers):
            raise ValidationError(
                f"a retrieval on {event.on} would come after this cycle's transfer on {min(transfers)}",
                field="date",
            )
        if event.kind is EventKind.TRANSFER and any(r > event.on for r in retrievals):
            raise ValidationError(
                f"a transfer on {event.on} would come before this cycle's retrieval on {max(retrievals)}",
                field="date",
            )

    def check_transfer(self, transfer: Transfer) -> None:
        self.check_event(CycleEvent(EventKind.TRANSFER, transfer.on))

    def check_timeline(self) -> None:
        """Every recorded event and transfer still fits the cycle (after a correction to CD1 or an event):
        each is checked against all the others."""
        for event in self.events:
            others = replace(self, events=tuple(e for e in self.events if e is not event))
            others.check_event(event)
        for transfer in self.transfers:
            others = replace(self, transfers=tuple(t for t in self.transfers if t is not transfer))
            others.check_transfer(transfer)

    def describe(self) -> str:
        """'medicated FET from 2026-10-20 at CCRM' (to 2026-11-30 once ended)."""
        span = f"{self.cd1} to {self.ended_on}" if self.ended_on else f"from {self.cd1}"
        where = f" at {clip(self.clinic)}" if self.clinic else ""
        return f"{CYCLE_KIND_WORDS[self.kind]} {span}{where}"

    def stale_on(self, cd1: date) -> bool:
        """Still open when a new cycle starts on `cd1`, and past day STALE_CYCLE_DAYS the day before: most
        likely a cycle that ended without being marked ended."""
        if self.ended_on is not None or self.cd1 >= cd1:
            return False
        return cycle_day(self.cd1, cd1 - timedelta(days=1)) > STALE_CYCLE_DAYS

    def event_on(self, kind: EventKind) -> date | None:
        """The first date of an event of `kind` (a transfer from either record)."""
        dates = [e.on for e in self.events if e.kind is kind]
        if kind is EventKind.TRANSFER:
            dates += [t.on for t in self.transfers]
        return min(dates) if dates else None

    @property
    def last_transfer(self) -> Transfer | None:
        return max(self.transfers, key=lambda t: t.on) if self.transfers else None

    def active_on(self, day: date) -> bool:
        return self.cd1 <= day and (self.ended_on is None or day <= self.ended_on)

    def dating_on(self, day: date, *, pregnant: bool = False) -> Dating:
        """Cycle day, days past the latest transfer and dpo-equivalent; gestational age and due date only
        while a pregnancy is ongoing (from the transfer, or from CD1 as the LMP otherwise)."""
        transfer = self.last_transfer
        if transfer is not None and transfer.on <= day:
            lmp = lmp_from_transfer(transfer.on, transfer.embryo_day)
            return Dating(
                cycle_day=cycle_day(self.cd1, day),
                dpt=days_past_transfer(transfer.on, day),
                embryo_day=transfer.embryo_day,
                dpo=dpo_equivalent(transfer.on, transfer.embryo_day, day),
                ga_days=ga_days(lmp, day) if pregnant else None,
                edd=due_date(lmp) if pregnant else None,
            )
        if pregnant:
            return Dating(
                cycle_day=cycle_day(self.cd1, day), ga_days=ga_days(self.cd1, day), edd=due_date(self.cd1)
            )
        return Dating(cycle_day=cycle_day(self.cd1, day))
