"""Protocol templates: a clinic's calendar as medications whose starts and ends are offsets from cycle events.

A template is a small TOML file (format 1). Every medication is the text of a `rpltrack med add`, checked
by the same code (domain.medspec), with starts and ends relative to the cycle it is applied to:

    format = 1                         # optional; a file of a newer format is refused
    name = "medicated-fet-pio"          # lower-case letters, digits, '-', '_' or '.'
    title = "Medicated FET with progesterone in oil"
    note = "An example to match to your clinic's written instructions, not a recommendation."
    cycle = "fet"                       # optional: natural, fet, ivf, iui, ti or other
    events = ["cd1", "transfer"]        # optional: the events it expects (must list every event it uses)

    [[medication]]
    name = "progesterone in oil"        # a catalog name or brand, or any name she uses
    dose = "1 mL"                       # optional: left out, she gives her clinic's dose when applying
    times = ["20:00"]                   # 24-hour times; or every = "12h" (times: the first dose); or
    prn = false                         # true: as needed, no schedule
    every_days = 2                      # optional; or weekdays = ["mon", "thu"]
    start = "transfer-5d"               # an event (cd1, stims, trigger, retrieval, transfer, positive-beta)
                                        # with an optional offset; left out = the day the template is applied
    until = "10w0d"                     # a gestational age (exclusive) or an event with an offset, or
    for = "10 days"                     # a course length (days, weeks, months) counted from the start
    taper = "20 mg x 6w; 10 mg x 1w"    # steps instead of a dose (starts the day the template is applied)
    route = "intramuscular"             # optional: the catalog's usual route otherwise
    supply = 10                         # optional: doses on hand
    notes = "anything to remember"      # optional

Dates are not allowed in `start` and `until`: a template is reused from cycle to cycle. Applying a template
(`plan`) gives unsaved Medications anchored to the cycle: doses wait for events not yet recorded and follow
an event when its date is corrected. `template_from_medications` turns her own regimen back into a template.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from difflib import get_close_matches
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from rpltrack.domain import anchors, catalog
from rpltrack.domain.cycles import Cycle, CycleKind, parse_cycle_kind
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import MedicationInput, build_medication, parse_every, parse_time
from rpltrack.domain.models import Medication
from rpltrack.domain.records import field, record, replace

FORMAT = 1
MAX_MEDICATIONS = 40
MAX_TEXT = 100_000
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,59}$")
EXAMPLE_NOTE = "An example to match to your clinic's written instructions, not a recommendation."
_TOP_KEYS = ("format", "name", "title", "note", "cycle", "events", "medication")
_ENTRY_KEYS = (
    "name",
    "dose",
    "times",
    "every",
    "every_days",
    "weekdays",
    "prn",
    "start",
    "until",
    "for",
    "taper",
    "route",
    "supply",
    "notes",
)
# Fields medspec names in its errors -> the template's key for them.
_FIELD_KEYS = {"for": "for", "every_days": "every_days", "weekdays": "weekdays", "cycle": "start"}
_GA_FROM_CD1 = (CycleKind.NATURAL, CycleKind.TI, CycleKind.IUI)
_CHECK_ZONE = ZoneInfo("UTC")
_CHECK_AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
_CHECK_CYCLE = Cycle(CycleKind.FET, date(2026, 1, 1))


class TemplateError(ValidationError):
    """A template that cannot be read: the message names the file, the line, the [[medication]] and the
    field where they are known; the same facts are kept as attributes for a form to point at."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        line: int | None = None,
        medication: int | None = None,
        medication_name: str = "",
        key: str | None = None,
    ) -> None:
        where = [source] if source else []
        if line is not None:
            where.append(f"line {line}")
        if medication is not None:
            label = f"[[medication]] {medication}"
            where.append(f"{label} ({medication_name})" if medication_name else label)
        if key is not None:
            where.append(f"field {key}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message, field=key or "file")
        self.detail = message
        self.source = source
        self.line = line
        self.medication = medication
        self.key = key


class MissingDoses(ValidationError):
    """The template leaves the dose of these medications to her clinic and none was given."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        listed = " and ".join(self.names) if len(self.names) < 3 else ", ".join(self.names)
        super().__init__(
            f"the template has no dose for {listed}: give your clinic's dose for each", field="dose"
        )


class MedicationRefused(ValidationError):
    """One medication of the template cannot be added as it is: `index` is its place in the template
    (0-based), `name` its name and `problem` its own error (about `problem.field`, e.g. its dose)."""

    def __init__(self, index: int, name: str, problem: ValidationError) -> None:
        self.index, self.name, self.problem = index, name, problem
        super().__init__(
            code="template.medication", field=problem.field, values={"medication": name, "problem": problem}
        )


class AlreadyApplied(ValidationError):
    """The template was applied to this cycle before (applying it again would double every dose)."""

    def __init__(self, name: str, cycle_id: int, on: date) -> None:
        self.name, self.cycle_id, self.on = name, cycle_id, on
        super().__init__(f"{name} was already applied to cycle {cycle_id} on {on}", field="name")


class DuplicateMedications(ValidationError):
    """Medications of the template that she already takes or has planned (the same name or generic)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        super().__init__(
            f"you already have {' and '.join(self.names)} in your journal: applying would add "
            f"{'them' if len(self.names) > 1 else 'it'} a second time",
            field="name",
        )


@record(frozen=True)
class TemplateEntry:
    """One [[medication]]: what `rpltrack med add` would be given, with starts and ends relative to events."""

    name: str
    dose: str = ""  # "" = her clinic's dose, given when the template is applied
    times: tuple[str, ...] = ()
    every: str = ""
    every_days: int = 1
    weekdays: tuple[str, ...] = ()
    prn: bool = False
    start: str = ""  # an event anchor; "" = the day the template is applied
    until: str = ""  # a gestational age or an event anchor
    for_: str = ""  # a course length
    taper: str = ""
    route: str = ""
    supply: int | None = None
    notes: str = ""

    @property
    def needs_dose(self) -> bool:
        return not self.dose.strip() and not self.taper.strip()

    @property
    def anchored(self) -> bool:
        """Starts or ends at a cycle event or a gestational age (so it needs a cycle)."""
        return bool(self.start.strip() or self.until.strip())

    def to_input(self, dose: str | None = None, start_on: date | None = None) -> MedicationInput:
        """The `med add` text for this entry; `dose` fills (or replaces) the dose, `start_on` dates an entry
        that has no start of its own."""
        start = self.start
        if not start.strip() and start_on is not None:
            start = start_on.isoformat()
        return MedicationInput(
            name=self.name,
            dose=self.dose if dose is None else dose,
            times=",".join(self.times),
            every=self.every,
            every_days=str(self.every_days) if self.every_days != 1 else "",
            weekdays=",".join(self.weekdays),
            start=start,
            until=self.until,
            prn=self.prn,
            supply="" if self.supply is None else str(self.supply),
            route=self.route,
            notes=self.notes,
            taper=self.taper,
            for_=self.for_,
        )

    def describe(self) -> str:
        """'20:00 daily, from 5 days before transfer, until 36w 0d of pregnancy' for `protocol show`."""
        if self.prn:
            parts = ["as needed"]
        elif self.every:
            first = f" (first dose {self.times[0]})" if self.times else ""
            parts = [f"every {parse_every(self.every)} h{first}"]
        elif self.weekdays:
            parts = [f"{', '.join(self.times)} on {','.join(self.weekdays)}"]
        elif self.every_days > 1:
            parts = [f"{', '.join(self.times)} every {self.every_days} days"]
        else:
            parts = [f"{', '.join(self.times)} daily"]
        start = anchors.describe_anchor(str(anchors.parse_event_anchor(self.start))) if self.start else ""
        parts.append(f"from {start}" if start else "from the day it is applied")
        if self.until:
            parts.append(f"until {anchors.describe_anchor(anchors.parse_end_anchor(self.until))}")
        elif self.for_:
            parts.append(anchors.describe_anchor(anchors.parse_for(self.for_)))
        return ", ".join(parts)


@record(frozen=True)
class Template:
    """A protocol template: medications to add together, anchored to the events of one cycle."""

    name: str
    title: str
    medications: tuple[TemplateEntry, ...]
    note: str = ""
    cycle: str = ""  # the kind of cycle it is for, "" for any
    events: tuple[str, ...] = ()  # as the file declares them; see expected_events
    builtin: bool = field(default=False, compare=False)
    text: str = field(default="", compare=False, repr=False)  # the file it was read from, comments kept

    @property
    def needs_cycle(self) -> bool:
        return any(entry.anchored for entry in self.medications)

    @property
    def expected_events(self) -> tuple[str, ...]:
        """The events the template waits for: those it declares and those its medications use."""
        used = set(self.events)
        for entry in self.medications:
            used.update(_events_of(entry, self.cycle))
        return tuple(e for e in anchors.ANCHOR_EVENTS if e in used)

    @property
    def missing_doses(self) -> tuple[str, ...]:
        """Names of the medications whose dose she gives when applying (her clinic's)."""
        return tuple(entry.name for entry in self.medications if entry.needs_dose)

    def index_of(self, name: str, what: str = "medication") -> int:
        """The position of the medication called `name` (its name, a brand or spelling of the same drug)."""
        wanted = " ".join(name.split()).casefold()
        for i, entry in enumerate(self.medications):
            if entry.name.casefold() == wanted:
                return i
        drug = catalog.lookup(wanted)
        if drug is not None:
            for i, entry in enumerate(self.medications):
                if catalog.lookup(entry.name) == drug:
                    return i
        names = ", ".join(entry.name for entry in self.medications)
        raise ValidationError(
            f"{self.name} has no {what} called {name.strip()!r} (it has: {names})", field="name"
        )

    def render(self) -> str:
        # cycle: domain.protocol_writing imports domain.protocols at module level
        from rpltrack.domain.protocol_writing import render_template

        return render_template(self)


@record(frozen=True)
class SavedProtocol:
    """One of her own templates as the journal keeps it: the TOML text she imported or saved."""

    name: str
    text: str
    saved_at: datetime
    id: int | None = None

    def template(self) -> Template:
        return parse_template(self.text, source=self.name)


@record(frozen=True)
class ProtocolUse:
    """A template applied: to which cycle (None: to none), how many medications it added, and when."""

    protocol: str
    cycle_id: int | None
    medications: int
    applied_at: datetime
    id: int | None = None


def _events_of(entry: TemplateEntry, cycle_kind: str) -> set[str]:
    found: set[str] = set()
    if entry.start.strip():
        found.add(anchors.parse_event_anchor(entry.start).event)
    if entry.until.strip():
        if anchors.looks_like_ga(entry.until):
            found.add("cd1" if cycle_kind in _GA_FROM_CD1 else "transfer")
        else:
            found.add(anchors.parse_event_anchor(entry.until, "until").event)
    return found


# -- reading ---------------------------------------------------------------------------------------------

_SYNTAX_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")
_HEADER = re.compile(r"^\s*\[")
_MED_HEADER = re.compile(r"^\s*\[\[\s*medication\s*\]\]")


def parse_template(text: str, source: str = "") -> Template:
    """A validated Template from TOML text; a TemplateError names the line and field of the first problem.

    Every medication is checked through medspec (names, units, times, anchors, tapers) exactly as
    `rpltrack med add` would check it."""
    if len(text) > MAX_TEXT:
        raise TemplateError(
            f"the file is {len(text)} characters long: a template is at most {MAX_TEXT}", source=source
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib ends its message with "(at line L, column C)" or "(at end of document)".
        found = _SYNTAX_AT.search(str(exc))
        line, column = None, ""
        if found and found.group(1):
            line, column = int(found.group(1)), f"column {found.group(2)}: "
        elif found:
            line = max(1, len(text.splitlines()))
        reason = _SYNTAX_AT.sub("", str(exc))
        raise TemplateError(f"{column}not valid TOML ({reason})", source=source, line=line) from None
    return _Reader(text, source).template(data)


class _Reader:
    """Turns the parsed TOML into a Template, finding the line of each problem in the source text."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.text = text
        self.source = source

    def fail(
        self, message: str, key: str | None = None, index: int | None = None, med_name: str = ""
    ) -> TemplateError:
        return TemplateError(
            message,
            source=self.source,
            line=self.line_of(key, index),
            medication=None if index is None else index + 1,
            medication_name=med_name,
            key=key,
        )

    def line_of(self, key: str | None, index: int | None) -> int | None:
        """The line of `key` in the top of the file or in the index-th [[medication]] (best effort)."""
        first, end = 0, len(self.lines)
        if index is not None:
            headers = [i for i, line in enumerate(self.lines) if _MED_HEADER.match(line)]
            if index >= len(headers):
                return None
            first = headers[index]
            end = next((i for i in range(first + 1, end) if _HEADER.match(self.lines[i])), end)
        else:
            end = next((i for i, line in enumerate(self.lines) if _HEADER.match(line)), end)
        if key is not None:
            pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
            for i in range(first, end):
                if pattern.match(self.lines[i]):
                    return i + 1
        return first + 1 if index is not None else None

    def template(self, data: dict[str, object]) -> Template:
        for key in data:
            if key not in _TOP_KEYS:
                hint = _suggest(key, _TOP_KEYS)
                raise self.fail(f"unknown field {key!r}{hint}; a template has {', '.join(_TOP_KEYS)}", key)
        version = data.get("format", FORMAT)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail(f"the format is a whole number ({FORMAT}), not {version!r}", "format")
        if version > FORMAT:
            raise self.fail(
                f"this template is in format {version}, made by a newer rpltrack (this one reads format "
                f"{FORMAT}): update rpltrack",
                "format",
            )
        try:
            name = check_name(self.string(data, "name", required=True))
        except TemplateError:
            raise
        except ValidationError as exc:
            raise self.fail(exc.message, "name") from None
        title = " ".join(self.string(data, "title").split()) or name
        if len(title) > 120:
            raise self.fail("the title can be at most 120 characters", "title")
        note = self.string(data, "note").strip()
        if len(note) > 2000:
            raise self.fail("the note can be at most 2000 characters", "note")
        cycle = self.string(data, "cycle").strip().lower()
        if cycle:
            try:
                cycle = parse_cycle_kind(cycle).value
            except ValidationError as exc:
                raise self.fail(exc.message, "cycle") from None
        events = self.events(data)
        raw = data.get("medication")
        if raw is None:
            raise self.fail("the template has no medications: add a [[medication]] table for each")
        if isinstance(raw, dict):
            raise self.fail("write each medication as [[medication]] (two brackets)", "medication")
        if not isinstance(raw, list) or not raw or not all(isinstance(m, dict) for m in raw):
            raise self.fail("write each medication as a [[medication]] table", "medication")
        if len(raw) > MAX_MEDICATIONS:
            raise self.fail(f"a template has at most {MAX_MEDICATIONS} medications", "medication")
        entries: list[TemplateEntry] = []
        for index, table in enumerate(raw):
            entry = self.entry(table, index, cycle, events)
            same = [i for i, e in enumerate(entries) if e.name.casefold() == entry.name.casefold()]
            if same:
                raise self.fail(
                    f"{entry.name} is already [[medication]] {same[0] + 1}: give each medication once "
                    "(name a second schedule differently)",
                    "name",
                    index,
                    entry.name,
                )
            entries.append(entry)
        return Template(
            name=name,
            title=title,
            medications=tuple(entries),
            note=note,
            cycle=cycle,
            events=events,
            text=self.text,
        )

    def string(
        self,
        table: Mapping[str, object],
        key: str,
        *,
        required: bool = False,
        index: int | None = None,
        med_name: str = "",
    ) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise self.fail(f"{key} is text in quotes, not {value!r}", key, index, med_name)
        if required and not value.strip():
            raise self.fail(f"{key} is required", key, index, med_name)
        return value

    def words(
        self, table: Mapping[str, object], key: str, index: int | None, med_name: str
    ) -> tuple[str, ...]:
        """A list of short strings, also accepted as one comma-separated string."""
        value = table.get(key, [])
        if isinstance(value, str):
            value = [p for p in re.split(r"[,\s]+", value) if p]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(
                f'{key} is a list of text, like ["08:00", "20:00"], not {value!r}', key, index, med_name
            )
        return tuple(v.strip() for v in value if v.strip())

    def events(self, data: Mapping[str, object]) -> tuple[str, ...]:
        found: list[str] = []
        for event in (e.lower() for e in self.words(data, "events", None, "")):
            if event not in anchors.ANCHOR_EVENTS:
                raise self.fail(
                    f"unknown event {event!r}{_suggest(event, anchors.ANCHOR_EVENTS)}; "
                    f"events are {', '.join(anchors.ANCHOR_EVENTS)}",
                    "events",
                )
            if event not in found:
                found.append(event)
        return tuple(e for e in anchors.ANCHOR_EVENTS if e in found)

    def entry(
        self, table: dict[str, object], index: int, cycle: str, declared: tuple[str, ...]
    ) -> TemplateEntry:
        raw_name = table.get("name")
        med_name = raw_name.strip() if isinstance(raw_name, str) else ""
        for key in table:
            if key not in _ENTRY_KEYS:
                hint = _suggest(key, _ENTRY_KEYS)
                raise self.fail(
                    f"unknown field {key!r}{hint}; a medication has {', '.join(_ENTRY_KEYS)}",
                    key,
                    index,
                    med_name,
                )

        def text(key: str) -> str:
            return self.string(table, key, index=index, med_name=med_name).strip()

        def whole(key: str, default: int | None, low: int) -> int | None:
            value = table.get(key, default)
            if value is None:
                return None
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise self.fail(f"{key} is a whole number from {low}, not {value!r}", key, index, med_name)
            return value

        name = " ".join(self.string(table, "name", required=True, index=index).split())
        prn = table.get("prn", False)
        if not isinstance(prn, bool):
            raise self.fail(f"prn is true or false, not {prn!r}", "prn", index, med_name)
        entry = TemplateEntry(
            name=name,
            dose=" ".join(text("dose").split()),
            times=self.words(table, "times", index, med_name),
            every=text("every"),
            every_days=whole("every_days", 1, 1) or 1,
            weekdays=tuple(w.lower() for w in self.words(table, "weekdays", index, med_name)),
            prn=prn,
            start=text("start"),
            until=text("until"),
            for_=text("for"),
            taper=text("taper"),
            route=text("route"),
            supply=whole("supply", None, 0),
            notes=self.string(table, "notes", index=index, med_name=med_name).strip(),
        )
        return self.checked(entry, index, cycle, declared)

    def checked(
        self, entry: TemplateEntry, index: int, cycle: str, declared: tuple[str, ...]
    ) -> TemplateEntry:
        """Template rules first (events, not dates), then medspec's own checks on the `med add` text."""

        def fail(message: str, key: str) -> TemplateError:
            return self.fail(message, key, index, entry.name)

        for time_text in entry.times:
            try:
                parse_time(time_text)
            except ValidationError as exc:
                raise fail(exc.message, "times") from None
        start = None
        if entry.start:
            if not anchors.looks_like_event(entry.start):
                raise fail(_not_an_event(entry.start, "start"), "start")
            start = anchors.parse_event_anchor(entry.start)
            entry = replace(entry, start=str(start))
        if entry.until:
            if anchors.looks_like_ga(entry.until):
                try:
                    entry = replace(entry, until=anchors.parse_end_anchor(entry.until))
                except ValidationError as exc:
                    raise fail(exc.message, "until") from None
            elif anchors.looks_like_event(entry.until):
                until = anchors.parse_event_anchor(entry.until, "until")
                if start is not None and until.event == start.event and until.offset_days < start.offset_days:
                    raise fail(f"it would end ({until}) before it starts ({start})", "until")
                entry = replace(entry, until=str(until))
            else:
                raise fail(_not_an_event(entry.until, "until"), "until")
        if entry.until and entry.for_:
            raise fail("give either until or for, not both", "for")
        if entry.taper and entry.start:
            raise fail(
                "a taper starts on the day the template is applied (or the start date given then): "
                "leave start out",
                "start",
            )
        if entry.taper and entry.dose:
            raise fail("give either a dose or a taper, not both", "dose")
        used = [("start", entry.start)] + ([] if _is_ga(entry.until) else [("until", entry.until)])
        for key, anchor in used:
            event = anchors.parse_event_anchor(anchor, key).event if anchor else ""
            if declared and event and event not in declared:
                raise fail(
                    f"it uses {event!r}, but the template's events list only {', '.join(declared)}: "
                    f"add {event!r} to events",
                    key,
                )
        spec = entry.to_input(dose=entry.dose or (None if entry.taper else _placeholder_dose(entry.name)))
        try:
            med = build_medication(spec, _CHECK_ZONE, _CHECK_AT, _CHECK_CYCLE)
        except ValidationError as exc:
            key = _FIELD_KEYS.get(exc.field or "", exc.field or "name")
            raise fail(exc.message, key if key in _ENTRY_KEYS else "name") from None
        if entry.for_:
            entry = replace(entry, for_=for_words(anchors.parse_for(entry.for_)))
        return replace(entry, name=med.name)


def _is_ga(text: str) -> bool:
    return bool(text) and anchors.looks_like_ga(text)


def _not_an_event(text: str, key: str) -> str:
    wanted = "an event" if key == "start" else "a gestational age such as 36w0d or an event"
    head = re.split(r"[+\-\s]", text.strip().lower(), maxsplit=1)[0]
    hint = _suggest(head, anchors.ANCHOR_EVENTS)
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text.strip()):
        reason = "a template is reused from cycle to cycle, so it has no dates"
    else:
        reason = f"cannot read {text.strip()!r}{hint}"
    return (
        f"{reason}: {key} is {wanted} ({', '.join(anchors.ANCHOR_EVENTS)}) with an optional offset like "
        f"transfer-5d"
        + ("; leave start out to begin on the day the template is applied" if key == "start" else "")
    )


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _placeholder_dose(name: str) -> str:
    """A dose in the drug's own unit, so that a template without a dose is checked for everything else."""
    drug = catalog.lookup(name)
    return f"1 {drug.default_unit}" if drug else "1 tablet"


def for_words(code: str) -> str:
    """'for:10d' -> '10 days', 'for:1w' -> '1 week', 'for:3mo' -> '3 months'."""
    body = code.removeprefix("for:")
    n, unit = int(body.rstrip("dwmo")), body.lstrip("0123456789")
    word = {"d": "day", "w": "week", "mo": "month"}[unit]
    return f"{n} {word}{'s' if n != 1 else ''}"


def check_name(text: str) -> str:
    """A template's name, lower-cased: letters, digits, '-', '_' or '.', up to 60 characters."""
    name = text.strip().lower()
    if not NAME_RE.match(name):
        raise ValidationError(
            f"cannot use {text.strip()!r} as a template name: use lower-case letters, digits and dashes, "
            "like my-fet-2026",
            field="name",
        )
    return name


@cache
def builtin_templates() -> tuple[Template, ...]:
    """The examples shipped with rpltrack (package data in domain/protocol_templates), by name."""
    folder = resources.files("rpltrack.domain.protocol_templates")
    found = [
        replace(parse_template(item.read_text(encoding="utf-8"), source=item.name), builtin=True)
        for item in folder.iterdir()
        if item.name.endswith(".toml")
    ]
    return tuple(sorted(found, key=lambda t: t.name))


def builtin_template(name: str) -> Template | None:
    wanted = name.strip().lower()
    return next((t for t in builtin_templates() if t.name == wanted), None)


# -- applying --------------------------------------------------------------------------------------------


def parse_dose_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """["progesterone in oil=1 mL", "pio = 1 mL"] -> {name: dose}; the names are matched when applying."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, dose = pair.partition("=")
        if not sep or not name.strip() or not dose.strip():
            raise ValidationError(
                f"cannot read the dose {pair.strip()!r}: write it as NAME=AMOUNT, like 'aspirin=81 mg'",
                field="dose",
            )
        found[" ".join(name.split())] = " ".join(dose.split())
    return found


def plan(
    template: Template,
    cycle: Cycle | None,
    zone: ZoneInfo,
    now: datetime,
    *,
    doses: Mapping[str, str] | None = None,
    without: Sequence[str] = (),
    start_on: date | None = None,
) -> list[Medication]:
    """The template's medications for `cycle`, validated and not yet saved, in template order.

    `doses` gives (or replaces) doses by medication name or brand, `without` leaves medications out,
    `start_on` dates the medications that have no start of their own (default: today). A medication whose
    event is not recorded yet waits for it; every anchored one follows its event when its date changes."""
    overrides: dict[int, str] = {}
    for name, dose in (doses or {}).items():
        index = template.index_of(name)
        if template.medications[index].taper:
            raise ValidationError(
                f"{template.medications[index].name} follows a taper: its doses are the taper's steps",
                field="dose",
            )
        overrides[index] = dose
    left_out = {template.index_of(name) for name in without}
    chosen = [(i, e) for i, e in enumerate(template.medications) if i not in left_out]
    if not chosen:
        raise ValidationError("every medication of the template is left out: nothing to apply", field="name")
    missing = [e.name for i, e in chosen if e.needs_dose and i not in overrides]
    if missing:
        raise MissingDoses(missing)
    if cycle is None and any(e.anchored for _, e in chosen):
        events = ", ".join(template.expected_events) or "a gestational age"
        raise ValidationError(
            f"{template.name} starts or ends medications at cycle events ({events}): record the cycle "
            "first, or choose the cycle it is for",
            field="cycle",
        )
    meds: list[Medication] = []
    for i, entry in chosen:
        try:
            meds.append(build_medication(entry.to_input(overrides.get(i), start_on), zone, now, cycle))
        except ValidationError as exc:
            raise MedicationRefused(i, entry.name, exc) from None
    return meds


# -- her regimen as a template ---------------------------------------------------------------------------
