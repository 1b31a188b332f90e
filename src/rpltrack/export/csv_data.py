"""What the CSV export is made of (pure): the records as of `now`, the period they are limited to, and the
flags as the caller found them; plus the tests of whether a record falls in the period."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.appointments import Appointment
from rpltrack.domain.betas import BetaDraw
from rpltrack.domain.cycles import Cycle
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import Adherence, DoseLog, Medication
from rpltrack.domain.pregnancies import Pregnancy
from rpltrack.domain.records import field, record
from rpltrack.domain.schedule import day_bounds

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from rpltrack.domain.sessions import Course, TreatmentSession

# Far enough apart to hold any record; the schema's instants are four-digit years.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


@record(frozen=True)
class FlagEntry:
    """A flag as the export lists it: active, acknowledged or raised (with her mark), or a mark whose flag no
    longer shows. Built by the caller from the flag engine (export and flags are independent layers)."""

    key: str
    rule: str
    state: str  # "active", "acknowledged", "raised"; "raised (not showing now)" for a mark alone
    title: str
    detail: str = ""
    ask: str = ""
    since: date | None = None
    sources: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()  # "[S15] Barnhart 2016: ..." for each source
    numbers: Mapping[str, object] = field(default_factory=dict)
    context: tuple[str, ...] = ()
    clinic_target: bool = False
    mark_id: int | None = None
    marked_at: datetime | None = None
    mark_note: str = ""
    appointment_id: int | None = None


@record(frozen=True)
class ExportData:
    """Everything the export shows, as of `now`; `start`/`end` (local days, inclusive) limit what is listed.

    `medications` (anchors placed), `cycles`, `betas`, `pregnancies`, `labs` and `appointments` hold every
    record: the beta rise and the loss counts need the whole history. `logs` holds the dose logs of the
    period (range_instants), `stored_settings` the settings she or her clinic set."""

    now: datetime
    zone: ZoneInfo
    start: date | None = None
    end: date | None = None
    medications: tuple[Medication, ...] = ()
    logs: tuple[DoseLog, ...] = ()
    grace: timedelta = timedelta(hours=2)
    cycles: tuple[Cycle, ...] = ()
    betas: tuple[BetaDraw, ...] = ()
    pregnancies: tuple[Pregnancy, ...] = ()
    labs: tuple[LabResult, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    flags: tuple[FlagEntry, ...] = ()
    stored_settings: Mapping[str, str] = field(default_factory=dict)
    adherence_7: Adherence | None = None
    adherence_30: Adherence | None = None
    sessions: tuple[TreatmentSession, ...] = ()  # treatment sessions and courses: csv_sessions
    courses: tuple[Course, ...] = ()
    # Source id -> its citation ("S15" -> "Barnhart 2016: ..."), from the clinical reference's list.
    citations: Mapping[str, str] = field(default_factory=dict)


def cite(data: ExportData, source_id: str) -> str:
    """'[S15] Barnhart 2016: ...' (the id alone when the list does not have it)."""
    text = data.citations.get(source_id)
    return f"[{source_id}] {text}" if text else f"[{source_id}]"


def range_instants(start: date | None, end: date | None, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as UTC instants [from, to): the start of local day `start`, the end of local day `end`."""
    lo = day_bounds(start, zone)[0] if start is not None else EARLIEST
    hi = day_bounds(end, zone)[1] if end is not None else LATEST
    return lo, hi


def between(data: ExportData, day: date | None) -> bool:
    """A day (None: undated) is in the period."""
    if day is None:
        return True
    return (data.start is None or day >= data.start) and (data.end is None or day <= data.end)


def overlaps(data: ExportData, first: date | None, last: date | None) -> bool:
    """A span [first, last] (None: open) overlaps the period."""
    if data.end is not None and first is not None and first > data.end:
        return False
    return not (data.start is not None and last is not None and last < data.start)


def local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def period_words(data: ExportData) -> str:
    """'all records', 'up to 2026-11-30', 'from 2026-11-01', '2026-11-01 to 2026-11-30'."""
    if data.start is None and data.end is None:
        return "all records"
    if data.start is None:
        return f"up to {data.end}"
    if data.end is None:
        return f"from {data.start}"
    return f"{data.start} to {data.end}"
