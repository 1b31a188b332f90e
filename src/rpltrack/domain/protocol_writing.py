"""Her regimen back into a template, and a template as TOML text (domain.protocols reads them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import WEEKDAY_NAMES, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.protocols import (
    FORMAT,
    Template,
    TemplateEntry,
    check_name,
    for_words,
    parse_template,
)
from rpltrack.domain.records import replace

# -- writing ---------------------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    escaped = []
    for ch in value:
        if ch == "\\":
            escaped.append("\\\\")
        elif ch == '"':
            escaped.append('\\"')
        elif ch == "\n":
            escaped.append("\\n")
        elif ch == "\t":
            escaped.append("\\t")
        elif ch == "\r":
            escaped.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


def render_template(template: Template) -> str:
    """The template as TOML text that parse_template reads back to an equal Template."""
    out = [
        "# rpltrack protocol template: match it to your clinic's written instructions.",
        "# start/until: a cycle event with an optional offset (transfer-5d) or a gestational age (36w0d,",
        "# exclusive); a medication without start begins on the day the template is applied.",
        f"format = {FORMAT}",
        f"name = {_toml_string(template.name)}",
        f"title = {_toml_string(template.title)}",
    ]
    if template.note:
        out.append(f"note = {_toml_string(template.note)}")
    if template.cycle:
        out.append(f"cycle = {_toml_string(template.cycle)}")
    if template.expected_events:
        out.append(f"events = {_toml_list(template.expected_events)}")
    for entry in template.medications:
        out += ["", "[[medication]]", f"name = {_toml_string(entry.name)}"]
        if entry.dose:
            out.append(f"dose = {_toml_string(entry.dose)}")
        elif not entry.taper:
            out.append(
                '# dose = "..."  (not in this template: your clinic\'s dose is given when applying it)'
            )
        if entry.times:
            out.append(f"times = {_toml_list(entry.times)}")
        if entry.every:
            out.append(f"every = {_toml_string(entry.every)}")
        if entry.every_days != 1:
            out.append(f"every_days = {entry.every_days}")
        if entry.weekdays:
            out.append(f"weekdays = {_toml_list(entry.weekdays)}")
        if entry.prn:
            out.append("prn = true")
        for key, value in (
            ("start", entry.start),
            ("until", entry.until),
            ("for", entry.for_),
            ("taper", entry.taper),
            ("route", entry.route),
        ):
            if value:
                out.append(f"{key} = {_toml_string(value)}")
        if entry.supply is not None:
            out.append(f"supply = {entry.supply}")
        if entry.notes:
            out.append(f"notes = {_toml_string(entry.notes)}")
    return "\n".join(out) + "\n"


# -- built-in templates ----------------------------------------------------------------------------------


def _with_timing(entry: TemplateEntry, regimen: Regimen, zone: ZoneInfo) -> TemplateEntry:
    """`entry` with the times of `regimen` as a template writes them (an interval's first dose local)."""
    timing = regimen.timing
    if timing.kind is TimingKind.PRN:
        return replace(entry, prn=True)
    if timing.kind is TimingKind.INTERVAL:
        assert timing.interval_anchor_at is not None
        first = timing.interval_anchor_at.astimezone(zone).strftime("%H:%M")
        return replace(entry, every=f"{timing.interval_hours}h", times=(first,))
    return replace(
        entry,
        times=tuple(t.strftime("%H:%M") for t in timing.times),
        every_days=timing.every_days,
        weekdays=tuple(WEEKDAY_NAMES[d] for d in timing.weekdays),
    )


def _same_timing(a: Timing, b: Timing, zone: ZoneInfo) -> bool:
    if a.kind is TimingKind.INTERVAL and b.kind is TimingKind.INTERVAL:
        assert a.interval_anchor_at is not None
        assert b.interval_anchor_at is not None
        return (a.interval_hours, a.interval_anchor_at.astimezone(zone).time()) == (
            b.interval_hours,
            b.interval_anchor_at.astimezone(zone).time(),
        )
    return a == b


def _length(days: int) -> str:
    """A taper step's length: whole weeks as '6w', otherwise days as '10d'."""
    return f"{days // 7}w" if days % 7 == 0 else f"{days}d"


def entry_from_medication(med: Medication) -> tuple[TemplateEntry, list[str]]:
    """Her medication as a template entry, and sentences about anything a template cannot keep.

    An anchored schedule keeps its anchors and its starting dose; a dated course keeps its length (`for`)
    or its steps (a taper); the dates themselves are dropped, since the template is for another cycle."""
    zone = ZoneInfo(med.zone)
    notes: list[str] = []
    drug = catalog.by_key(med.generic) if med.generic else None
    usual_route = drug.routes[0] if drug else "oral"
    base = TemplateEntry(name=med.name, route="" if med.route == usual_route else med.route, notes=med.notes)
    first, regimens = med.regimens[0], med.regimens
    dropped_end = f"{med.name}: its end date {med.end_on} is not kept (a template has no dates)"
    if med.anchored:
        end = med.end_anchor or ""
        course = end.startswith("for:")
        entry = replace(
            base,
            dose=str(first.amount),
            start=med.start_anchor or "",
            until="" if course else end,
            for_=for_words(end) if course else "",
        )
        if len(regimens) > 1:
            later = "; ".join(f"{r.amount} from {r.effective_on}" for r in regimens[1:])
            notes.append(
                f"{med.name}: the template keeps the starting dose {first.amount}, not the later changes "
                f"({later})"
            )
        if med.end_on is not None:
            notes.append(dropped_end)
        return _with_timing(entry, first, zone), notes
    if len(regimens) == 1:
        days = (med.end_on - first.effective_on).days + 1 if med.end_on else 0
        entry = replace(
            base, dose=str(first.amount), for_=f"{days} day{'s' if days != 1 else ''}" if days else ""
        )
        return _with_timing(entry, first, zone), notes
    if med.end_on is not None and all(_same_timing(r.timing, first.timing, zone) for r in regimens):
        bounds = [r.effective_on for r in regimens[1:]] + [med.end_on + timedelta(days=1)]
        steps = [
            f"{r.amount} x {_length((bound - r.effective_on).days)}"
            for r, bound in zip(regimens, bounds, strict=True)
            if bound > r.effective_on
        ]
        return _with_timing(replace(base, taper="; ".join(steps)), first, zone), notes
    current = regimens[-1]
    notes.append(f"{med.name}: the template keeps the current dose {current.amount}, not the earlier ones")
    if med.end_on is not None:
        notes.append(dropped_end)
    return _with_timing(replace(base, dose=str(current.amount)), current, zone), notes


def template_from_medications(
    name: str,
    meds: Sequence[Medication],
    *,
    title: str = "",
    note: str = "",
    cycle_kind: str = "",
) -> tuple[Template, list[str]]:
    """Her medications as a template to reuse next cycle, checked by reading its own TOML back."""
    name = check_name(name)
    if not meds:
        raise ValidationError("there are no medications to save in a template", field="name")
    entries: list[TemplateEntry] = []
    notes: list[str] = []
    for med in meds:
        entry, said = entry_from_medication(med)
        if any(e.name.casefold() == entry.name.casefold() for e in entries):
            raise ValidationError(code="medication.name_twice", field="name", values={"name": entry.name})
        entries.append(entry)
        notes += said
    template = Template(
        name=name,
        title=title.strip() or f"My regimen ({name})",
        medications=tuple(entries),
        note=note.strip(),
        cycle=cycle_kind,
    )
    return parse_template(render_template(template), source=name), notes
