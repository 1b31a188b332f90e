"""Treatment sessions (lymphocyte immunotherapy, IVIG, intralipid infusions, or her own words) and courses of
them planned every N days, weeks or months: what she recorded, what is planned, and which planned session a
recorded one fulfils (clinical-reference §11).

A session is a local day with an optional local time of day in a named zone (wall time, so a course planned
for 09:30 stays at 09:30 across a clock change). Planned dates are calendar dates expanded with dateutil's
rrule (days, weeks) or calendar months (relativedelta: 31 Jan + 1 month is 28/29 Feb, never skipped).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import record
from rpltrack.domain.schedule import resolve_wall_time
from rpltrack.domain.words import text_change

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from rpltrack.domain.reminders import Due

MAX_NAME = 80  # her own words for what the session is
MAX_WHERE = 200
MAX_NOTE = 3000  # room for a note moved from a lab entry with what else that entry held
MAX_COUNT = 52  # sessions in one course
MAX_COURSE_YEARS = 3  # a course planned further than this is more likely a mistyped year
# A session recorded this close to a planned date (before or after) fulfils it [app convention: not a
# clinical number; it only matches what she logged to what she planned].
NEAR_DAYS = 7
NEAR = timedelta(days=NEAR_DAYS)


class SessionKind(StrEnum):
    LIT = "lit"  # lymphocyte immunotherapy
    IVIG = "ivig"  # intravenous immunoglobulin
    INTRALIPID = "intralipid"
    OTHER = "other"  # her own words in `name`


# Short names as clinics write them, and longer words for a sentence.
KIND_NAMES: dict[SessionKind, str] = {
    SessionKind.LIT: "LIT",
    SessionKind.IVIG: "IVIG",
    SessionKind.INTRALIPID: "Intralipid",
    SessionKind.OTHER: "Other",
}
KIND_WORDS: dict[SessionKind, str] = {
    SessionKind.LIT: "lymphocyte immunotherapy (LIT)",
    SessionKind.IVIG: "intravenous immunoglobulin (IVIG)",
    SessionKind.INTRALIPID: "intralipid infusion",
    SessionKind.OTHER: "treatment session",
}
# What a session of each kind is called in a list and a reminder.
SESSION_WORDS: dict[SessionKind, str] = {
    SessionKind.LIT: "LIT session",
    SessionKind.IVIG: "IVIG infusion",
    SessionKind.INTRALIPID: "Intralipid infusion",
}

_ALIASES: dict[str, SessionKind] = {
    "lit": SessionKind.LIT,
    "plit": SessionKind.LIT,
    "lymphocyteimmunotherapy": SessionKind.LIT,
    "lymphocyteimmunizationtherapy": SessionKind.LIT,
    "lymphocyteimmunisationtherapy": SessionKind.LIT,
    "paternallymphocyteimmunization": SessionKind.LIT,
    "paternallymphocyteimmunisation": SessionKind.LIT,
    "ivig": SessionKind.IVIG,
    "ivigs": SessionKind.IVIG,
    "ivig infusion": SessionKind.IVIG,
    "intravenousimmunoglobulin": SessionKind.IVIG,
    "intravenousimmunoglobulins": SessionKind.IVIG,
    "immunoglobulininfusion": SessionKind.IVIG,
    "intralipid": SessionKind.INTRALIPID,
    "intralipids": SessionKind.INTRALIPID,
    "intralipidinfusion": SessionKind.INTRALIPID,
    "intralipidinfusions": SessionKind.INTRALIPID,
    "lipidinfusion": SessionKind.INTRALIPID,
    "lipidemulsion": SessionKind.INTRALIPID,
}
_DROP = str.maketrans({" ": None, "-": None, "_": None, ".": None})


def _key(text: str) -> str:
    return text.casefold().translate(_DROP)


_ALIAS_INDEX = {_key(alias): kind for alias, kind in _ALIASES.items()}


def _check_text(value: str, what: str, field: str, limit: int) -> None:
    if len(value) > limit:
        raise ValidationError(
            f"{what} can be at most {limit} characters ({len(value)} were entered)", field=field
        )
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in value):
        raise ValidationError(f"{what} contains a control character: please retype it", field=field)


def parse_what(text: str) -> tuple[SessionKind, str]:
    """(kind, her own words) of what she typed: 'LIT', 'IVIG', 'intralipid' and their usual spellings give a
    kind with no words; anything else is OTHER with her words as typed (one line, spaces tidied)."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise ValidationError(
            "say what the session is: lit, ivig, intralipid, or a few words of your own", field="what"
        )
    found = _ALIAS_INDEX.get(_key(cleaned))
    if found is not None:
        return found, ""
    if _key(cleaned) == "other":
        raise ValidationError("say in a few words what the session is (instead of 'other')", field="what")
    _check_text(cleaned, "what the session is", "what", MAX_NAME)
    return SessionKind.OTHER, cleaned


def what_words(kind: SessionKind, name: str) -> str:
    """'LIT session', 'IVIG infusion', or her own words."""
    return name if kind is SessionKind.OTHER else SESSION_WORDS[kind]


def what_key(kind: SessionKind, name: str) -> str:
    """What she would type to name the kind again: 'lit', 'ivig', 'intralipid', or her words."""
    return name if kind is SessionKind.OTHER else kind.value


def _check_kind_name(kind: SessionKind, name: str) -> None:
    if kind is SessionKind.OTHER:
        if not name.strip():
            raise ValidationError("say in a few words what the session is", field="what")
        _check_text(name, "what the session is", "what", MAX_NAME)
    elif name:
        raise ValidationError(f"a {KIND_NAMES[kind]} session takes no other name", field="what")


def _check_zone(at_time: time | None, zone: str) -> None:
    if at_time is not None and not zone:
        raise ValidationError("a session at a time of day needs the time zone it is in", field="at")
    if at_time is not None and (at_time.second or at_time.microsecond or at_time.tzinfo is not None):
        raise ValidationError("a session time is hours and minutes, like 09:30", field="at")
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"{zone!r} is not a time zone name", field="tz") from None


@record(frozen=True)
class TreatmentSession:
    """A session she had (or has booked for today): the day, an optional time, what, where and a note."""

    on: date
    kind: SessionKind
    name: str = ""  # her own words when kind is OTHER
    at_time: time | None = None  # local wall time in `zone`
    zone: str = ""  # IANA name; "" when no time is given
    where: str = ""
    note: str = ""
    id: int | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_kind_name(self.kind, self.name)
        _check_zone(self.at_time, self.zone)
        _check_text(self.where, "the place", "where", MAX_WHERE)
        _check_text(self.note, "the note", "note", MAX_NOTE)

    @property
    def what(self) -> str:
        return what_words(self.kind, self.name)


EDITABLE_SESSION_FIELDS = frozenset({"on", "kind", "name", "at_time", "zone", "where", "note"})


def day_words(day: date) -> str:
    """'Mon 30 Nov 2026'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def session_words(session: TreatmentSession) -> str:
    """'LIT session on Mon 30 Nov 2026 at 09:30': how a session is named in a sentence."""
    when = day_words(session.on) + (f" at {session.at_time:%H:%M}" if session.at_time else "")
    return f"{session.what} on {when}"


def session_differences(old: TreatmentSession, new: TreatmentSession) -> list[str]:
    """What a correction changed, in words; empty when nothing."""
    words: list[str] = []
    if (old.kind, old.name) != (new.kind, new.name):
        words.append(f"what it is from {old.what} to {new.what}")
    if old.on != new.on:
        words.append(f"the day from {day_words(old.on)} to {day_words(new.on)}")
    if old.at_time != new.at_time:
        before = f"{old.at_time:%H:%M}" if old.at_time else ""
        after = f"{new.at_time:%H:%M}" if new.at_time else ""
        words.append(text_change("the time", before, after))
    for what, before, after in (("the place", old.where, new.where), ("the note", old.note, new.note)):
        if before != after:
            words.append(text_change(what, before, after))
    return words


def check_session_day(on: date, today: date) -> None:
    """A session is recorded on or before today; planned ones belong to a course."""
    if on > today:
        raise ValidationError(code="session.future_day", field="on", values={"day": on.isoformat()})


# -- courses ----------------------------------------------------------------------------------------------


class EveryUnit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"


_EVERY_RE = re.compile(r"^(?:every\s+)?(\d{1,3})?\s*(d|days?|w|wks?|weeks?|m|mo|months?)$", re.IGNORECASE)
_EVERY_LIMITS = {EveryUnit.DAYS: 366, EveryUnit.WEEKS: 52, EveryUnit.MONTHS: 12}


@record(frozen=True)
class Every:
    """A course's spacing: every `n` days, weeks or calendar months."""

    n: int
    unit: EveryUnit

    def __post_init__(self) -> None:
        limit = _EVERY_LIMITS[self.unit]
        if not 1 <= self.n <= limit:
            raise ValidationError(
                f"a course repeats every 1 to {limit} {self.unit.value} ({self.n} was given)", field="every"
            )

    @property
    def text(self) -> str:
        """'3 weeks', '1 month'."""
        unit = self.unit.value if self.n != 1 else self.unit.value[:-1]
        return f"{self.n} {unit}"


def parse_every(text: str) -> Every:
    """'3 weeks', 'every 4 weeks', '21 days', '3w', '1 month', 'week' -> Every."""
    cleaned = " ".join((text or "").split())
    match = _EVERY_RE.match(cleaned)
    if not match:
        raise ValidationError(
            f'cannot read how often {cleaned!r}: write it like "3 weeks", "4 weeks", "21 days" or "1 month"',
            field="every",
        )
    n = int(match.group(1)) if match.group(1) else 1
    word = match.group(2).lower()
    unit = (
        EveryUnit.DAYS
        if word.startswith("d")
        else EveryUnit.WEEKS
        if word.startswith("w")
        else EveryUnit.MONTHS
    )
    return Every(n, unit)


@record(frozen=True)
class Course:
    """A course of sessions planned from `start_on` every `every`, for `count` sessions or until `until_on`
    (inclusive); `stopped_on` ends it early (planned dates after it are dropped)."""

    kind: SessionKind
    start_on: date
    every: Every
    count: int | None = None
    until_on: date | None = None
    name: str = ""
    at_time: time | None = None
    zone: str = ""
    where: str = ""
    note: str = ""
    stopped_on: date | None = None
    id: int | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_kind_name(self.kind, self.name)
        _check_zone(self.at_time, self.zone)
        _check_text(self.where, "the place", "where", MAX_WHERE)
        _check_text(self.note, "the note", "note", MAX_NOTE)
        if (self.count is None) == (self.until_on is None):
            raise ValidationError(code="course.count_or_until", field="count")
        if self.count is not None and not 1 <= self.count <= MAX_COUNT:
            raise ValidationError(
                f"a course has 1 to {MAX_COUNT} sessions ({self.count} was given)", field="count"
            )
        if self.until_on is not None:
            if self.until_on < self.start_on:
                raise ValidationError(
                    f"the course ends ({self.until_on.isoformat()}) before it starts "
                    f"({self.start_on.isoformat()})",
                    field="until",
                )
            if len(self.dates()) > MAX_COUNT:
                raise ValidationError(
                    f"that plans more than {MAX_COUNT} sessions: choose an earlier end or fewer sessions",
                    field="until",
                )
        if self.stopped_on is not None and self.stopped_on < self.start_on:
            raise ValidationError("a course cannot stop before it starts", field="stopped")

    @property
    def what(self) -> str:
        return what_words(self.kind, self.name)

    def dates(self) -> list[date]:
        """Every planned date of the course as set (a stop is not applied here)."""
        return planned_dates(self.start_on, self.every, count=self.count, until=self.until_on)

    def planned(self) -> list[date]:
        """The planned dates still in the course: up to the day it was stopped."""
        stop = self.stopped_on
        return [d for d in self.dates() if stop is None or d <= stop]

    @property
    def last_on(self) -> date:
        """The last planned date (the stop applied; the stop day itself when it stopped before the first)."""
        planned = self.planned()
        return planned[-1] if planned else self.start_on

    def plan_words(self) -> str:
        """'every 3 weeks from 1 Dec 2026, 3 sessions' / '..., until 2 Feb 2027'."""
        start = f"{self.start_on.day} {self.start_on:%b %Y}"
        if self.count is not None:
            length = f"{self.count} session{'s' if self.count != 1 else ''}"
        else:
            assert self.until_on is not None
            length = f"until {self.until_on.day} {self.until_on:%b %Y}"
        time_words = f" at {self.at_time:%H:%M}" if self.at_time else ""
        return f"every {self.every.text} from {start}{time_words}, {length}"


EDITABLE_COURSE_FIELDS = frozenset(
    {
        "kind",
        "name",
        "start_on",
        "every",
        "count",
        "until_on",
        "at_time",
        "zone",
        "where",
        "note",
        "stopped_on",
    }
)


def course_words(course: Course) -> str:
    """'LIT course every 3 weeks from 1 Dec 2026, 3 sessions'."""
    return f"{course.what} course {course.plan_words()}"


def course_differences(old: Course, new: Course) -> list[str]:
    """What a change of a course changed, in words."""
    words: list[str] = []
    if (old.kind, old.name) != (new.kind, new.name):
        words.append(f"what it is from {old.what} to {new.what}")
    if old.plan_words() != new.plan_words():
        words.append(f"the plan from {old.plan_words()} to {new.plan_words()}")
    for what, before, after in (("the place", old.where, new.where), ("the note", old.note, new.note)):
        if before != after:
            words.append(text_change(what, before, after))
    if old.stopped_on != new.stopped_on:
        words.append(f"stopped on {day_words(new.stopped_on)}" if new.stopped_on else "no longer stopped")
    return words


def planned_dates(
    start: date, every: Every, *, count: int | None = None, until: date | None = None
) -> list[date]:
    """The dates of a course: `start`, then every `every`, for `count` dates or up to `until` (inclusive),
    never more than MAX_COUNT + 1 (a caller refuses more). Calendar dates: no clock, no zone, so a clock
    change cannot move them. Months step from the start (31 Jan, 28 Feb, 31 Mar), never skipping a month."""
    limit = count if count is not None else MAX_COUNT + 1
    if every.unit is EveryUnit.MONTHS:
        # heavy: dateutil
        from dateutil.relativedelta import relativedelta

        found: list[date] = []
        k = 0
        while len(found) < limit:
            day = start + relativedelta(months=every.n * k)
            if until is not None and day > until:
                break
            found.append(day)
            k += 1
        return found
    # heavy: dateutil
    from dateutil.rrule import DAILY, rrule

    step = every.n * (7 if every.unit is EveryUnit.WEEKS else 1)
    # Calendar dates: expanded at midnight UTC, which has no clock change, and only the date is kept.
    anchor = datetime(start.year, start.month, start.day, tzinfo=UTC)
    rule = rrule(
        DAILY,
        interval=step,
        dtstart=anchor,
        count=limit if until is None else None,
        until=datetime(until.year, until.month, until.day, tzinfo=UTC) if until is not None else None,
    )
    return [d.date() for d in list(rule)[:limit]]


# -- what is planned, and what fulfils it -----------------------------------------------------------------


class PlanState(StrEnum):
    DONE = "done"  # a recorded session fulfils it
    UPCOMING = "upcoming"  # today or later, not recorded yet
    NOT_RECORDED = "not recorded"  # its day passed with no session recorded near it


@record(frozen=True)
class Planned:
    """One planned session of a course: its date, its place in the course and whether it happened."""

    course: Course
    index: int  # 1-based
    of: int
    on: date
    state: PlanState
    session_id: int | None = None

    @property
    def what(self) -> str:
        return self.course.what

    @property
    def label(self) -> str:
        """'2 of 3'."""
        return f"{self.index} of {self.of}"


def _same_kind(session: TreatmentSession, course: Course) -> bool:
    if session.kind is not course.kind:
        return False
    return course.kind is not SessionKind.OTHER or session.name.casefold() == course.name.casefold()


def plan(courses: Iterable[Course], sessions: Iterable[TreatmentSession], today: date) -> list[Planned]:
    """Every planned session of every course, in date order, with its state. A recorded session of the same
    kind within NEAR_DAYS of a planned date fulfils it; each session fulfils at most one planned date (the
    nearest, the earlier on a tie), and the courses are matched oldest first."""
    pool = sorted(sessions, key=lambda s: (s.on, s.id or 0))
    used: set[int] = set()
    found: list[Planned] = []
    for course in sorted(courses, key=lambda c: (c.start_on, c.id or 0)):
        dates = course.planned()
        for index, day in enumerate(dates, start=1):
            best: tuple[int, int] | None = None
            for position, session in enumerate(pool):
                if position in used or not _same_kind(session, course):
                    continue
                distance = abs((session.on - day).days)
                if distance <= NEAR_DAYS and (best is None or distance < best[0]):
                    best = (distance, position)
            if best is not None:
                used.add(best[1])
                state, session_id = PlanState.DONE, pool[best[1]].id
            else:
                state = PlanState.UPCOMING if day >= today else PlanState.NOT_RECORDED
                session_id = None
            found.append(Planned(course, index, len(dates), day, state, session_id))
    found.sort(key=lambda p: (p.on, p.course.id or 0, p.index))
    return found


def upcoming(planned: Sequence[Planned]) -> list[Planned]:
    return [p for p in planned if p.state is PlanState.UPCOMING]


def course_running(course: Course, planned: Sequence[Planned]) -> bool:
    """True while the course has a planned session still to come."""
    return any(p.course is course and p.state is PlanState.UPCOMING for p in planned)


# -- reminders before a planned session ---------------------------------------------------------------------


def session_dues(planned: Iterable[Planned], now: datetime, minutes: int) -> list[Due]:
    """Reminders before each upcoming planned session, as for an appointment (the same kind of reminder, so
    discreet mode words it as "something planned"): the evening before (18:00 where the course is) and, for a
    session at a set time, `minutes` before it. A planned session already recorded has none."""
    # quick path: `export csv` would import domain.reminders, shlex (+1.6 ms)
    from rpltrack.domain import reminders as rules

    now_utc = now.astimezone(UTC)
    found: list[Due] = []
    for item in planned:
        course = item.course
        if item.state is not PlanState.UPCOMING or course.id is None:
            continue
        zone = ZoneInfo(course.zone) if course.zone else now.tzinfo
        if not isinstance(zone, ZoneInfo):
            zone = ZoneInfo("UTC")
        if course.at_time is not None:
            start, _ = resolve_wall_time(item.on, course.at_time, zone)
        else:
            start, _ = resolve_wall_time(item.on, time(0, 0), zone)
        start = start.astimezone(UTC)
        if start <= now_utc - rules.LOOKBACK or start > now_utc + timedelta(days=2):
            continue
        evening, _ = resolve_wall_time(item.on - timedelta(days=1), rules.DAY_BEFORE_AT, zone)
        group = f"session:{course.id}:{item.on.isoformat()}"
        detail = ". ".join(
            p
            for p in (f"At {course.where}" if course.where else "", f"Session {item.label} of the course")
            if p
        )
        local = start.astimezone(zone)
        when = f"{local:%H:%M}" if course.at_time is not None else ""
        reminders: list[tuple[str, datetime, datetime]] = []
        if course.at_time is not None:
            before = start - timedelta(minutes=minutes)
            if evening < before:
                reminders.append((f"{group}:evening", evening, before))
            reminders.append((f"{group}:{minutes}m", before, start))
        else:
            reminders.append((f"{group}:evening", evening, start))
        for subject, due_at, until in reminders:
            found.append(
                rules.Due(
                    rules.Kind.APPOINTMENT,
                    subject,
                    due_at,
                    until,
                    group,
                    course.what,
                    at=start,
                    when=when,
                    detail=detail,
                    since=course.created_at,
                )
            )
    return [d for d in found if d.due_at.astimezone(UTC) <= now_utc]
