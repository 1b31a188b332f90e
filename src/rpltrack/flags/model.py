"""The flag record, what the engine reads (a snapshot of the journal at `now`), and acknowledgement marks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rpltrack.domain.betas import BetaDraw
from rpltrack.domain.cycles import Cycle
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import DoseLog, Medication
from rpltrack.domain.pregnancies import Pregnancy
from rpltrack.domain.records import field, record
from rpltrack.domain.sessions import Course, TreatmentSession

# A JSON-able number or label that triggered a flag: Decimals are passed as strings to keep them exact.
Number = str | int | float | bool | None


@record(frozen=True)
class Flag:
    """Something to raise with the care team: never a diagnosis, never advice to change a dose (§0).

    `rule` is the stable rule id from the clinical reference; `subject` names what triggered it so that the
    same rule on new data is a new flag (`key`): an acknowledged flag returns when new data triggers it.
    """

    rule: str
    subject: str
    title: str  # plain, short: "TSH above your target"
    detail: (
        str  # the numbers in words: "Your TSH of 2.8 mIU/L (2026-03-02) is above the 2.5 mIU/L target ..."
    )
    ask: str  # "Ask your care team about your thyroid results."
    numbers: Mapping[str, Number]
    sources: tuple[str, ...]  # reference ids: ("S10", "S12")
    since: date  # the day of the data that triggered it
    context: tuple[str, ...] = ()  # guideline default beside a clinic target, comparisons, caveats
    clinic_target: bool = False  # driven by a target her clinic set (settings)

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}"


@record(frozen=True)
class Unjudged:
    """A rule that had data but could not judge it, and says so instead of guessing:
    "no baseline platelet count recorded — cannot judge a fall"."""

    rule: str
    subject: str
    text: str
    sources: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}"


@record(frozen=True)
class Evaluation:
    flags: tuple[Flag, ...]
    unjudged: tuple[Unjudged, ...] = ()


@record(frozen=True)
class JournalSnapshot:
    """Everything the rules read, as of `now`. Built by the journal; the rules never touch storage.

    `doses` holds the logs from `doses_since` on (the missed-dose rules look back a short window only), and
    `medications` every medication with its anchors placed.
    """

    now: datetime
    zone: ZoneInfo
    labs: tuple[LabResult, ...] = ()
    betas: tuple[BetaDraw, ...] = ()
    pregnancies: tuple[Pregnancy, ...] = ()
    cycles: tuple[Cycle, ...] = ()
    medications: tuple[Medication, ...] = ()
    doses: tuple[DoseLog, ...] = ()
    doses_since: datetime | None = None
    settings: Mapping[str, str] = field(default_factory=dict)
    grace: timedelta = timedelta(hours=2)
    # Doses taken since each medication's supply was last counted (medication id -> count): refill-due.
    taken_since_supply: Mapping[int, int] = field(default_factory=dict)
    # Treatment sessions recorded up to today, and the planned courses (session_rules).
    sessions: tuple[TreatmentSession, ...] = ()
    courses: tuple[Course, ...] = ()

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


class MarkState(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    RAISED = "raised"  # raised at an appointment


@record(frozen=True)
class FlagMark:
    """Her mark on one flag (by key): acknowledged, or raised at an appointment, with a note."""

    key: str
    state: MarkState
    at: datetime
    note: str = ""
    appointment_id: int | None = None
    id: int | None = None
