"""What the appointment brief is made from: the input record and the active flags as questions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.appointments import Appointment
from rpltrack.domain.betas import BetaDraw
from rpltrack.domain.cycles import Cycle
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import DoseLog, Medication
from rpltrack.domain.pregnancies import Pregnancy
from rpltrack.domain.records import field, record
from rpltrack.domain.sessions import Planned, TreatmentSession


@record(frozen=True)
class FlagQuestion:
    """An active flag as the brief asks it. The caller builds these from flags: export and flags are
    independent layers, so the brief never imports a rule."""

    key: str
    title: str
    ask: str  # "Ask your care team about ..."
    detail: str  # the numbers in words
    sources: tuple[str, ...]  # reference ids, e.g. ("S10", "S12")
    since: date
    lab_ids: tuple[int, ...] = ()  # lab results the flag is about (marked in the labs table)


@record(frozen=True)
class BriefInput:
    """What the brief shows, read from the journal at `now` (see store.exporting.brief_input)."""

    now: datetime
    zone: ZoneInfo
    appointment: Appointment | None
    medications: Sequence[Medication]
    dose_logs: Sequence[DoseLog]  # at least the logs of the adherence window
    grace: timedelta
    labs: Sequence[LabResult]
    betas: Sequence[BetaDraw]
    pregnancies: Sequence[Pregnancy]
    cycles: Sequence[Cycle]
    flags: Sequence[FlagQuestion]
    citations: Mapping[str, str] = field(default_factory=dict)  # "S10" -> "American Thyroid Association ..."
    clinic_settings: Mapping[str, str] = field(default_factory=dict)  # only what she (her clinic) set
    sessions: Sequence[TreatmentSession] = ()  # treatment sessions she recorded
    planned: Sequence[Planned] = ()  # the planned sessions of her courses, with their states

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()
