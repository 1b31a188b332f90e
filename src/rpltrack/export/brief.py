"""The appointment brief: one printable HTML page to take to a visit (pure: domain objects in, HTML out).

The page holds the visit, where she is in her cycle or pregnancy, her medications with adherence and any
anticoagulant doses not logged as taken, the latest lab results beside their targets, the beta table and a
chart (inline SVG, no script), her loss history with the counts under each definition, the active flags as
questions with their sources, and her own questions. It names no one but the people she typed in: rpltrack
has no name field. Everything she typed is HTML-escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog, labcatalog
from rpltrack.domain.appointments import Appointment
from rpltrack.domain.betas import BetaDraw, BetaPair, Op, Verdict, assess_series, barnhart_2016, split_series
from rpltrack.domain.cycles import CYCLE_KIND_WORDS, Cycle
from rpltrack.domain.dating import Dating
from rpltrack.domain.doses import adherence, entered_after, slot_state
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import Adherence, DoseLog, DoseStatus, Medication, MedicationState
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy, count_losses, dating_cycle
from rpltrack.domain.records import field, record
from rpltrack.domain.schedule import expand
from rpltrack.domain.thyroid import guideline_tsh_target

ADHERENCE_DAYS = 30  # the brief's adherence window, as `rpltrack adherence` shows it [app convention]
BETA_RECENT_DAYS = 120  # an older beta series is left off the page [app convention]
LAB_RECENT_DAYS = 180  # older results (unless flagged) share one line under the table [app convention]
MISSED_LISTED = 8  # anticoagulant doses listed by time; more are counted
SELF_REPORTED = (
    "Self-reported: entered by the patient in rpltrack, a personal tracker, and not checked by a clinician. "
    "rpltrack gives no medical advice: it does not diagnose or suggest doses; its flags are questions."
)


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
    """What the brief shows, read from the journal at `now` (see cli.export.brief)."""

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

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


# -- small formatting helpers --------------------------------------------------------------------------


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _when(at: datetime, zone: ZoneInfo) -> str:
    """'Thu 26 Nov 2026, 10:30', with the zone named when it is not hers."""
    text = f"{_day(at.date())}, {at:%H:%M}"
    own = at.tzinfo
    if isinstance(own, ZoneInfo) and own.key != zone.key:
        text += f" ({own.key})"
    return text


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _pretty_unit(text: str) -> str:
    """Stored unit spellings as a printed report writes them: x10^9/L with a multiplication sign and a
    superscript."""
    return (
        text.replace("x10^", "\N{MULTIPLICATION SIGN}10^")
        .replace("10^9", "10\N{SUPERSCRIPT NINE}")
        .replace("10^3", "10\N{SUPERSCRIPT THREE}")
    )


def _percent(a: Adherence) -> str:
    if a.percent is None:
        return "—"
    value = a.percent
    shown = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return f"{shown}%"


def _sources(ids: Sequence[str]) -> str:
    return "".join(f'<span class="src">[{_e(s)}]</span>' for s in ids)


# -- sections ------------------------------------------------------------------------------------------


def _ongoing(data: BriefInput) -> Pregnancy | None:
    ongoing = [p for p in data.pregnancies if p.outcome is Outcome.ONGOING]
    return max(ongoing, key=lambda p: (p.sort_on, p.id or 0)) if ongoing else None


def _dating_text(dating: Dating) -> str:
    parts = [dating.label()]
    if dating.edd is not None:
        parts.append(f"due date {dating.edd.isoformat()}")
    return " · ".join(p for p in parts if p)


_HOW_FOUND = {
    Confirmation.HCG: "positive blood hCG",
    Confirmation.URINE: "positive urine test",
    Confirmation.ULTRASOUND: "seen on ultrasound",
    Confirmation.HISTOLOGY: "confirmed in tissue",
}


def _status(data: BriefInput) -> str:
    """Where she is today (and on the visit day): cycle day, days past transfer, gestational age."""
    found = dating_cycle(data.cycles, data.pregnancies, data.today)
    cycle, pregnant = found if found is not None else (None, False)
    pregnancy = _ongoing(data)
    rows: list[tuple[str, str]] = []
    if cycle is not None:
        dating = cycle.dating_on(data.today, pregnant=pregnant)
        rows.append((f"Today ({_short_day(data.today)})", _e(_dating_text(dating))))
        appt = data.appointment
        visit_day = appt.at.astimezone(data.zone).date() if appt is not None else None
        if visit_day is not None and visit_day > data.today:
            at_visit = cycle.dating_on(visit_day, pregnant=pregnant)
            rows.append((f"At the visit ({_short_day(visit_day)})", _e(at_visit.label())))
        what = CYCLE_KIND_WORDS[cycle.kind]
        line = f"{what[0].upper()}{what[1:]} from CD1 {cycle.cd1.isoformat()}"
        if cycle.clinic:
            line += f" at {cycle.clinic}"
        rows.append(("Cycle", _e(line)))
        transfer = cycle.last_transfer
        if transfer is not None:
            embryos = "1 embryo" if transfer.embryo_count == 1 else f"{transfer.embryo_count} embryos"
            bits = [f"{transfer.on.isoformat()}: {embryos}, day {transfer.embryo_day}"]
            bits += [b for b in (transfer.grade, transfer.pgt) if b]
            rows.append(("Transfer", _e(", ".join(bits))))
    if pregnancy is not None:
        since = f" since {pregnancy.started_on.isoformat()}" if pregnancy.started_on else ""
        how = _HOW_FOUND.get(pregnancy.how_found, "") if pregnancy.how_found else ""
        rows.append(("Pregnancy", _e(f"ongoing{since}" + (f" ({how})" if how else ""))))
    if not rows:
        rows.append(("Now", "No cycle or pregnancy in progress is recorded."))
    items = "".join(f"<div><b>{label}</b> {value}</div>" for label, value in rows)
    return f'<div class="status">{items}</div>'


def _is_anticoagulant(med: Medication) -> bool:
    drug = catalog.lookup(med.generic) if med.generic else None
    return bool(drug and drug.anticoagulant)


def _not_taken(data: BriefInput, med: Medication) -> list[tuple[datetime, bool]]:
    """(local slot time, skipped) of each scheduled dose of the adherence window whose time (plus the grace
    period) has passed without a 'taken' log; doses already past when the medication was entered are left
    out, as adherence leaves them out."""
    assert med.id is not None
    by_slot = {
        log.slot_at.astimezone(UTC): log
        for log in data.dose_logs
        if log.medication_id == med.id and log.slot_at is not None
    }
    now = data.now.astimezone(UTC)  # a fold=1 local time would lose its fold in the arithmetic below
    start = now - timedelta(days=ADHERENCE_DAYS)
    found: list[tuple[datetime, bool]] = []
    for slot in expand(med, start, max(start, now - data.grace)):
        log = by_slot.get(slot.slot_at.astimezone(UTC))
        if log is None and entered_after(med, slot, data.grace):
            continue
        status, _ = slot_state(slot, log, now, data.grace)
        if status is not DoseStatus.TAKEN:
            found.append((slot.slot_at.astimezone(data.zone), status is DoseStatus.SKIPPED))
    return found


def _medications(data: BriefInput) -> str:
    shown_states = (MedicationState.ACTIVE, MedicationState.NOT_STARTED, MedicationState.WAITING)
    meds = [m for m in data.medications if m.state(data.now, data.today) in shown_states]
    # An anticoagulant that ended inside the window still shows: missed doses of it matter at the visit.
    window_start = data.today - timedelta(days=ADHERENCE_DAYS)
    meds += [
        m
        for m in data.medications
        if m not in meds
        and _is_anticoagulant(m)
        and not m.waiting
        and (m.last_day is None or m.last_day >= window_start)
        and m.start_on <= data.today
    ]
    if not meds:
        return '<p class="none">No current medications are recorded.</p>'
    rows: list[str] = []
    missed_notes: list[str] = []
    for med in sorted(meds, key=lambda m: (not _is_anticoagulant(m), m.name.casefold(), m.id or 0)):
        regimen, upcoming = med.dose_on(data.today), med.next_change(data.today)
        state = med.state(data.now, data.today)
        schedule, dose = regimen.timing.describe(), _e(regimen.amount)
        if upcoming is not None:  # "75 mcg", under it "(88 mcg from 8 Dec)", as the Medications screen says
            timing = "" if upcoming.timing.describe() == schedule else f", {upcoming.timing.describe()}"
            change = f"{upcoming.amount}{timing} from {_short_day(upcoming.effective_on)}"
            dose += f'<br><span class="dim">({_e(change)})</span>'
        if state is MedicationState.WAITING and med.anchor_dates is not None:
            schedule += f" (waits for {med.anchor_dates.waiting_for or 'its start'})"
        elif state is MedicationState.NOT_STARTED:
            schedule += f", from {_short_day(med.start_on)}"
        elif state is MedicationState.ENDED and med.last_day is not None:
            schedule += f", ended {_short_day(med.last_day)}"
        elif med.last_day is not None:
            schedule += f", until {_short_day(med.last_day)}"
        taken_text, missed_text = "as needed", ""
        if not med.prn and med.id is not None:
            own_logs = [log for log in data.dose_logs if log.medication_id == med.id]
            a = adherence(med, own_logs, data.now, ADHERENCE_DAYS, data.grace)
            taken_text = f'{_percent(a)} <span class="dim">({a.taken}/{a.due})</span>' if a.due else "—"
            gaps = [f"{a.missed} missed"] if a.missed else []
            gaps += [f"{a.skipped} skipped"] if a.skipped else []
            missed_text = ", ".join(gaps)
        anticoagulant = _is_anticoagulant(med)
        css = ' class="ac"' if anticoagulant else ""
        name = _e(med.name) + (' <span class="tag">◆</span>' if anticoagulant else "")
        rows.append(
            f'<tr{css}><td>{name}</td><td class="d">{dose}</td><td>{_e(schedule)}</td>'
            f'<td class="num">{taken_text}</td><td class="d">{_e(missed_text)}</td></tr>'
        )
        if anticoagulant and med.id is not None:
            gaps_at = _not_taken(data, med)
            if gaps_at:
                listed = [
                    f"{at:%a} {at.day} {at:%b} {at:%H:%M}" + (" (skipped)" if skipped else "")
                    for at, skipped in gaps_at[-MISSED_LISTED:]
                ]
                more = len(gaps_at) - len(listed)
                text = ", ".join(listed) + (f" and {more} earlier" if more > 0 else "")
                missed_notes.append(
                    f'<p class="missed"><b>◆ {_e(med.name)} (anticoagulant): {len(gaps_at)} dose'
                    f"{'s' if len(gaps_at) != 1 else ''} not logged as taken in {ADHERENCE_DAYS} days:</b> "
                    f"{_e(text)}</p>"
                )
            else:
                missed_notes.append(
                    f'<p class="ok">{_e(med.name)} (anticoagulant): every dose of the last '
                    f"{ADHERENCE_DAYS} days is logged as taken.</p>"
                )
    head = (
        "<tr><th>Medication</th><th>Dose</th><th>Schedule</th>"
        f'<th class="num">Taken, {ADHERENCE_DAYS} days</th><th>Not taken</th></tr>'
    )
    return f'<table class="meds">{head}{"".join(rows)}</table>{"".join(missed_notes)}'


def _test_name(key: str) -> str:
    """The catalog name of a stored test key, or her own test name as she wrote it."""
    try:
        return labcatalog.by_key(key).name
    except KeyError:
        return key


def _pregnant_on(data: BriefInput, day: date) -> bool:
    for p in data.pregnancies:
        if p.started_on is None or p.started_on > day:
            continue
        if p.outcome is Outcome.ONGOING or (p.ended_on is not None and p.ended_on >= day):
            return True
    return False


def _on_levothyroxine(data: BriefInput, day: date) -> bool:
    """Her levothyroxine schedule reaches `day`: started, not past its last day or the day it was stopped."""
    return any(
        med.generic == "levothyroxine"
        and not med.waiting
        and med.start_on <= day
        and (med.schedule_end_on is None or med.schedule_end_on >= day)
        for med in data.medications
    )


def _target(data: BriefInput, result: LabResult) -> str:
    """The target a result is read against: her clinic's setting, else the guideline default of the
    clinical reference (TSH: the §3 ladder; progesterone §7; vitamin D §12), else the printed range."""
    clinic = data.clinic_settings
    printed = f"range {result.reference}" if result.reference is not None else ""
    if result.test == "tsh":
        if clinic.get("tsh.target"):
            return f"≤ {clinic['tsh.target']} mIU/L, your clinic"
        target = guideline_tsh_target(
            result,
            labcatalog.resolve(result.test),
            _pregnant_on(data, result.on),
            _on_levothyroxine(data, result.on),
        )
        cited = _sources(list(target.sources))
        if target.ladder_rung == 2 and result.reference is not None:
            return f"≤ {result.reference.high:f}, printed limit in pregnancy {cited}"
        if target.ladder_rung == 3:
            return f"≤ {target.value} mIU/L, pregnant on levothyroxine {cited}"
        if target.ladder_rung == 4:
            return f"≤ {target.value} mIU/L in pregnancy {cited}"
        return f"≤ {target.value} mIU/L {cited}" + (f"; {_e(printed)}" if printed else "")
    if result.test == "progesterone":
        if clinic.get("progesterone.threshold"):
            return f"≥ {_e(clinic['progesterone.threshold'])} ng/mL at transfer, your clinic"
        return f"≥ 10 ng/mL at transfer {_sources(['S29'])}"
    if result.test == "vitamin-d":
        base = (
            f"≥ {_e(clinic['vitamin-d.threshold'])} ng/mL, your clinic"
            if clinic.get("vitamin-d.threshold")
            else f"≥ 20 ng/mL {_sources(['S35'])}"
        )
        return base + (f"; {_e(printed)}" if printed else "")
    return _e(printed) if printed else '<span class="dim">—</span>'


def _labs(data: BriefInput, question_of: Mapping[int, list[int]]) -> str:
    latest: dict[str, LabResult] = {}
    for result in sorted(data.labs, key=lambda r: (r.on, r.id or 0)):
        if result.on <= data.today:
            latest[result.test] = result
    if not latest:
        return '<p class="none">No lab results are recorded.</p>'
    rows: list[str] = []
    recent_from = data.today - timedelta(days=LAB_RECENT_DAYS)
    ordered = sorted(latest.values(), key=lambda r: (-r.on.toordinal(), _test_name(r.test)))
    older = [r for r in ordered if r.on < recent_from and not question_of.get(r.id or -1)]
    for result in ordered:
        if result in older:
            continue
        value = _pretty_unit(str(result.value)) or "session"
        if result.on_anticoagulant:
            value += " (on an anticoagulant)"
        numbers = question_of.get(result.id or -1, [])
        flag = (
            '<span class="flagged">▲ see ' + ", ".join(f"Q{n}" for n in numbers) + "</span>"
            if numbers
            else ""
        )
        row_class = ' class="hit"' if numbers else ""
        rows.append(
            f"<tr{row_class}><td>{_e(_test_name(result.test))}</td>"
            f'<td class="d">{result.on.isoformat()}</td><td class="d">{_e(value)}</td>'
            f"<td>{_target(data, result)}</td>"
            f"<td>{flag}</td></tr>"
        )
    head = "<tr><th>Test</th><th>Date</th><th>Result</th><th>Target or printed range</th><th>Flag</th></tr>"
    table = f'<table class="labs">{head}{"".join(rows)}</table>' if rows else ""
    return table + _older_labs(older)


def _older_labs(older: Sequence[LabResult]) -> str:
    """Results older than LAB_RECENT_DAYS that no flag is about, on one line per day: a work-up done long
    ago stays on the page without taking a row per test."""
    if not older:
        return ""
    by_day: dict[date, list[str]] = {}
    for result in older:
        text = f"{_test_name(result.test)} {_pretty_unit(str(result.value)) or 'session'}"
        if result.reference is not None:
            text += f" (range {result.reference})"
        by_day.setdefault(result.on, []).append(text)
    lines = "".join(
        f'<p class="older"><span class="d">{day.isoformat()}</span> {_e(" · ".join(items))}</p>'
        for day, items in sorted(by_day.items(), reverse=True)
    )
    caption = '<span class="dim">Earlier results (the latest of each test):</span>'
    return f'<div class="older-block">{caption}{lines}</div>'


# -- betas ---------------------------------------------------------------------------------------------


def _latest_series(data: BriefInput) -> list[BetaDraw]:
    now = data.now.astimezone(UTC)
    draws = [b for b in data.betas if b.drawn_at.astimezone(UTC) <= now]
    if not draws:
        return []
    series = split_series(draws)
    last = max(series, key=lambda s: s[-1].drawn_at.astimezone(UTC))
    if (now - last[-1].drawn_at.astimezone(UTC)).days > BETA_RECENT_DAYS:
        return []
    return last


def _transfer_for(data: BriefInput, draws: Sequence[BetaDraw]) -> tuple[date, int] | None:
    cycle_ids = {d.cycle_id for d in draws if d.cycle_id is not None}
    for cycle in data.cycles:
        if cycle.id in cycle_ids and cycle.last_transfer is not None:
            return cycle.last_transfer.on, cycle.last_transfer.embryo_day
    return None


_VERDICT_SHORT = {
    Verdict.MEETS: "met",
    Verdict.BELOW: "not met",
    Verdict.PLATEAU: "no change",
    Verdict.FALLING: "falling",
    Verdict.NOT_JUDGED: "not judged (24-96 h)",
    Verdict.CENSORED: "not judged (censored)",
}


def _betas(data: BriefInput) -> str:
    draws = _latest_series(data)
    if not draws:
        return ""
    pairs = {p.second.drawn_at: p for p in assess_series(list(draws))}
    transfer = _transfer_for(data, draws)
    rows: list[str] = []
    minimum_sources: list[str] = []
    for draw in draws:
        local = draw.drawn_at.astimezone(data.zone)
        dpt = ""
        if transfer is not None:
            dpt = f"{(local.date() - transfer[0]).days}dp{transfer[1]}dt"
        pair: BetaPair | None = pairs.get(draw.drawn_at)
        rise = doubling = verdict = ""
        if pair is not None:
            if pair.fall_percent is not None:
                rise = f"\N{MINUS SIGN}{pair.fall_percent}%"
            elif pair.rise_48h_percent is not None:
                rise = f"+{pair.rise_48h_percent}%"
            if pair.doubling_hours is not None:
                doubling = f"{pair.doubling_hours} h"
            verdict = _VERDICT_SHORT[pair.verdict]
            if pair.minimum is not None:
                verdict += f" ({pair.minimum.percent}%)"
                if pair.minimum.source not in minimum_sources:
                    minimum_sources.append(pair.minimum.source)
            if pair.different_labs:
                verdict += "; different labs"
        rows.append(
            f'<tr><td class="d">{local.day} {local:%b %H:%M}</td><td class="d">{_e(dpt)}</td>'
            f'<td class="num">{_e(draw.value)}</td>'
            f'<td class="num">{_e(rise)}</td><td class="num">{_e(doubling)}</td>'
            f'<td class="d">{_e(verdict)}</td></tr>'
        )
    head = (
        '<tr><th>Drawn</th><th></th><th class="num">mIU/mL</th><th class="num">per 48 h</th>'
        '<th class="num">Doubling</th><th>Minimum rise</th></tr>'
    )
    note = (
        '<p class="note">Minimum expected rise per 48 h by starting value (Barnhart 2016) '
        f"{_sources(minimum_sources)}; pairs 24 to 96 h apart are judged. Dashed line: that minimum from "
        "the first draw.</p>"
        if minimum_sources
        else ""
    )
    return f'<table class="betas">{head}{"".join(rows)}</table>{_beta_chart(data, draws, transfer)}{note}'


def _beta_chart(data: BriefInput, draws: Sequence[BetaDraw], transfer: tuple[date, int] | None) -> str:
    """An inline SVG: each draw on a log scale against days (past transfer when known), joined by a line; a
    censored value (<5) as an open marker at its bound; the minimum expected rise from the first draw
    dashed."""
    if len(draws) < 1:
        return ""
    width, height = 330.0, 106.0
    left, right, top, bottom = 38.0, 10.0, 10.0, 24.0
    origin = (
        datetime.combine(transfer[0], datetime.min.time(), tzinfo=data.zone)
        if transfer is not None
        else draws[0].drawn_at
    )

    def days_of(at: datetime) -> float:
        return (at.astimezone(UTC) - origin.astimezone(UTC)).total_seconds() / 86400.0

    xs = [days_of(d.drawn_at) for d in draws]
    values = [max(float(d.value.value), 1.0) for d in draws]
    x_lo, x_hi = math.floor(min(xs)) - 1, math.ceil(max(xs)) + 1
    y_lo = math.floor(math.log10(min(values)))
    y_hi = max(math.ceil(math.log10(max(values) * 1.05)), y_lo + 1)

    def px(day: float) -> float:
        return left + (day - x_lo) / (x_hi - x_lo) * (width - left - right)

    def py(value: float) -> float:
        return top + (y_hi - math.log10(max(value, 10.0**y_lo))) / (y_hi - y_lo) * (height - top - bottom)

    parts: list[str] = []
    for power in range(y_lo, y_hi + 1):
        y = py(10.0**power)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" class="ylab">{10**power:,}</text>')
    step = max(1, math.ceil((x_hi - x_lo) / 10))
    for day in range(x_lo, x_hi + 1, step):
        x = px(day)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{height - bottom}" y2="{height - bottom + 3}" '
            'class="axis"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 12}" class="xlab">{day}</text>')
    axis_word = (
        f"days past transfer (day-{transfer[1]} embryo)"
        if transfer is not None
        else "days since the first draw"
    )
    parts.append(
        f'<text x="{(left + width - right) / 2:.1f}" y="{height - 2}" class="xlab">{_e(axis_word)}</text>'
    )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" y2="{height - bottom}" class="axis"/>'
    )
    first = draws[0]
    if first.value.exact and first.value.value > 0 and len(draws) > 1:
        minimum = barnhart_2016(first.value.value)
        rate = 1.0 + float(minimum.percent) / 100.0
        x0, x1 = xs[0], xs[-1]
        v0 = float(first.value.value)
        v1 = v0 * rate ** ((x1 - x0) / 2.0)
        parts.append(
            f'<line x1="{px(x0):.1f}" y1="{py(v0):.1f}" x2="{px(x1):.1f}" y2="{py(v1):.1f}" class="minimum"/>'
        )
    exact_points = [(px(x), py(v)) for x, v, d in zip(xs, values, draws, strict=True) if d.value.exact]
    if len(exact_points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in exact_points)
        parts.append(f'<polyline points="{path}" class="series"/>')
    for x_day, value, draw in zip(xs, values, draws, strict=True):
        x, y = px(x_day), py(value)
        if draw.value.exact:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="point"/>')
        else:
            down = draw.value.op in (Op.LT, Op.LE)
            tip = y + 3.5 if down else y - 3.5
            base = y - 3 if down else y + 3
            parts.append(
                f'<polygon points="{x - 3.5:.1f},{base:.1f} {x + 3.5:.1f},{base:.1f} {x:.1f},{tip:.1f}" '
                'class="censored"/>'
            )
        parts.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" class="vlab">{_e(draw.value)}</text>')
    body = "".join(parts)
    return (
        f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="Beta-hCG values on a log scale">{body}</svg>'
    )


# -- history -------------------------------------------------------------------------------------------


def _history(data: BriefInput) -> str:
    ended = [p for p in data.pregnancies if p.outcome is not Outcome.ONGOING]
    if not ended:
        return '<p class="none">No earlier pregnancies or losses are recorded.</p>'
    counts = count_losses(list(data.pregnancies))
    rows: list[str] = []
    for p in sorted(ended, key=lambda p: (p.sort_on, p.id or 0)):
        when = p.ended_on or p.started_on
        approx = " (date approximate)" if p.approximate else ""
        confirmed = p.confirmed.value if isinstance(p.confirmed, Confirmation) else ""
        if confirmed == "hcg":
            confirmed = "hCG"
        rows.append(
            f'<tr><td class="d">{when.isoformat() if when else ""}</td>'
            f"<td>{_e(p.describe())}{_e(approx)}</td>"
            f"<td>{_e(confirmed)}</td></tr>"
        )
    head = "<tr><th>Date</th><th>Outcome</th><th>Confirmed</th></tr>"
    table = f'<table class="history">{head}{"".join(rows)}</table>'
    summary = (
        '<table class="counts">'
        f'<tr><td class="big">{counts.eshre}</td><td>ESHRE 2022: before 24 weeks, incl. biochemical '
        f"{_sources(['S1'])}</td></tr>"
        f'<tr><td class="big">{counts.asrm}</td><td>ASRM: seen on ultrasound or in tissue '
        f"{_sources(['S5'])}</td></tr>"
        f'<tr><td class="big">{counts.rcog}</td><td>RCOG 2023: first trimester, before 14+0 weeks '
        f"{_sources(['S6'])}</td></tr>"
        f'</table><p class="note">Longest run of losses in a row: {counts.longest_run}.'
        + (
            f" {counts.ga_unknown} loss{'es have' if counts.ga_unknown != 1 else ' has'} no gestational "
            "age recorded."
            if counts.ga_unknown
            else ""
        )
        + " Ectopic and molar pregnancies and terminations are not counted.</p>"
    )
    return table + summary


# -- questions -----------------------------------------------------------------------------------------


def _questions(data: BriefInput) -> tuple[str, dict[int, list[int]]]:
    """Her own questions, then the active flags as questions; and the question numbers per lab id."""
    appt = data.appointment
    active_keys = {f.key for f in data.flags}
    own = [q for q in (appt.questions if appt else ()) if not (q.flag_key and q.flag_key in active_keys)]
    listed_keys = {q.flag_key for q in (appt.questions if appt else ()) if q.flag_key}
    items: list[str] = []
    number = 0
    for q in own:
        number += 1
        answer = f' <span class="dim">— {_e(q.answer)}</span>' if q.answer else ""
        tick = "☑" if q.asked else "☐"
        items.append(f'<li><span class="box">{tick}</span><b>Q{number}.</b> {_e(q.text)}{answer}</li>')
    by_lab: dict[int, list[int]] = {}
    for flag in sorted(data.flags, key=lambda f: (-f.since.toordinal(), f.key)):
        number += 1
        for lab_id in flag.lab_ids:
            by_lab.setdefault(lab_id, []).append(number)
        on_list = ' <span class="dim">(on your list for this visit)</span>' if flag.key in listed_keys else ""
        items.append(
            f'<li class="fq"><span class="box">☐</span><b>Q{number}. {_e(flag.ask)}</b>{on_list}'
            f'<div class="why"><span class="ftitle">{_e(flag.title)}.</span> '
            f"{_e(flag.detail)} {_sources(flag.sources)}</div></li>"
        )
    if not items:
        return '<p class="none">No questions yet, and no active flags.</p>', by_lab
    return f'<ol class="questions">{"".join(items)}</ol>', by_lab


_SOURCE_RE = re.compile(r'<span class="src">\[([^\]<]+)\]</span>')


def _source_list(data: BriefInput, body: str) -> str:
    """The short citation of every source id cited on the page, in order of first appearance."""
    shown: list[str] = []
    for source in _SOURCE_RE.findall(body):
        if source in data.citations and source not in shown:
            shown.append(source)
    if not shown:
        return ""
    items = "; ".join(f'<span class="src">[{_e(s)}]</span> {_e(data.citations[s])}' for s in shown)
    return f'<p class="sources">Sources: {items}.</p>'


# -- the page ------------------------------------------------------------------------------------------

CSS = """
@page { margin: 10mm 11mm; }
:root { --ink: #1d2731; --muted: #5b6773; --rule: #cfd7de; --faint: #edf1f4; --accent: #2d5a78;
        --flag: #94451c; --flag-bg: #fbf3ee; --ac: #f3f6fa; }
* { box-sizing: border-box; }
html { font: 7.6pt/1.27 "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif; color: var(--ink);
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #e6eaee; }
.page { background: #fff; width: 210mm; min-height: 297mm; margin: 6mm auto; padding: 10mm 12mm 9mm;
        box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }
header { display: flex; justify-content: space-between; align-items: flex-end; gap: 6mm;
         border-bottom: 2px solid var(--accent); padding-bottom: 2mm; }
h1 { font-size: 14pt; font-weight: 600; margin: 0; color: var(--accent); letter-spacing: -.01em; }
.visit { font-size: 10.5pt; font-weight: 600; margin-top: .8mm; }
.visit .where { font-weight: 400; color: var(--muted); }
.meta { text-align: right; color: var(--muted); font-size: 7.4pt; white-space: nowrap; }
.purpose { margin: 1.5mm 0 0; }
.purpose b { color: var(--muted); font-weight: 600; }
h2 { font-size: 8.2pt; font-weight: 700; text-transform: uppercase; letter-spacing: .07em;
     color: var(--accent); margin: 2.3mm 0 .9mm; padding-bottom: .5mm; border-bottom: 1px solid var(--rule); }
.cols { display: grid; grid-template-columns: 59fr 41fr; column-gap: 5mm; }
.d { white-space: nowrap; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 7pt; padding: 0 1.4mm .4mm 0;
     white-space: nowrap; border-bottom: 1px solid var(--rule); vertical-align: bottom; }
td { padding: .45mm 1.4mm .45mm 0; vertical-align: top; border-bottom: 1px solid var(--faint); }
.num { text-align: right; white-space: nowrap; }
.status { display: grid; grid-template-columns: 1fr 1fr; column-gap: 5mm; row-gap: .5mm; margin-top: 2mm;
          padding: 1.4mm 2mm; background: var(--faint); border-radius: 1.5mm; }
.status b { color: var(--accent); font-weight: 600; margin-right: 1mm; }
tr.ac td { background: var(--ac); }
.tag { font-size: 6.4pt; color: var(--flag); }
.missed { margin: 1mm 0 0; padding: .8mm 1.6mm; background: var(--flag-bg);
          border-left: 2px solid var(--flag); }
.missed b { color: var(--flag); font-weight: 600; }
.ok { margin: 1mm 0 0; color: var(--muted); }
.older-block { margin-top: 1mm; font-size: 7.2pt; }
.older { margin: .3mm 0 0; color: var(--ink); }
.older .d { color: var(--muted); margin-right: 1mm; }
tr.hit td { background: var(--flag-bg); }
.flagged { color: var(--flag); font-weight: 600; white-space: nowrap; }
.dim { color: var(--muted); font-weight: 400; }
.none { color: var(--muted); margin: .5mm 0; }
.note { color: var(--muted); font-size: 7pt; margin: .8mm 0 0; }
.src { color: var(--accent); font-size: 6.8pt; white-space: nowrap; }
.chart { width: 100%; height: auto; display: block; margin-top: 1mm; }
.chart .grid { stroke: #e3e8ec; stroke-width: .6; }
.chart .axis { stroke: #9aa7b2; stroke-width: .7; }
.chart .ylab { font-size: 7px; fill: #5b6773; text-anchor: end; }
.chart .xlab { font-size: 7px; fill: #5b6773; text-anchor: middle; }
.chart .vlab { font-size: 7.5px; fill: #1d2731; text-anchor: middle; font-weight: 600; }
.chart .series { fill: none; stroke: #2d5a78; stroke-width: 1.4; }
.chart .point { fill: #2d5a78; }
.chart .censored { fill: #fff; stroke: #2d5a78; stroke-width: 1; }
.chart .minimum { stroke: #94451c; stroke-width: 1; stroke-dasharray: 3 2.5; }
.counts td { border: 0; padding: .2mm 1.4mm .2mm 0; }
.counts .big { font-size: 11pt; font-weight: 700; color: var(--accent); width: 7mm; text-align: right;
               line-height: 1.1; }
.questions { list-style: none; padding: 0; margin: 0; columns: 2; column-gap: 6mm; }
.questions li { break-inside: avoid; margin: 0 0 1.1mm; padding-left: 4.2mm; text-indent: -4.2mm; }
.questions .box { display: inline-block; width: 4.2mm; text-indent: 0; color: var(--muted); }
.questions .why { text-indent: 0; color: var(--muted); font-size: 7pt; line-height: 1.25; margin-top: .1mm; }
.questions .ftitle { color: var(--flag); font-weight: 600; }
.sources { margin: 1mm 0 0; font-size: 6.6pt; line-height: 1.25; color: var(--muted); }
footer { margin-top: 3mm; padding-top: 1.5mm; border-top: 1px solid var(--rule); color: var(--muted);
         font-size: 7pt; }
@media print {
  h2 { break-after: avoid; }
  tr, .missed, .status, .chart { break-inside: avoid; }
  body { background: none; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
"""


def _header(data: BriefInput) -> str:
    appt = data.appointment
    prepared = f"Prepared {_when(data.now.astimezone(data.zone), data.zone)}"
    meta = f'<div class="meta">{_e(prepared)}<br>from rpltrack · self-reported</div>'
    if appt is None:
        title = "<h1>Health summary</h1>"
        visit = (
            '<div class="visit">No upcoming appointment is recorded '
            '<span class="where">(rpltrack appt add)</span></div>'
        )
        return f"<header><div>{title}{visit}</div>{meta}</header>"
    where = f' <span class="where">· {_e(appt.where)}</span>' if appt.where else ""
    marked = "(cancelled)" if appt.cancelled else "(done)" if appt.done else ""
    state = f' <span class="where">{marked}</span>' if marked else ""
    visit = f'<div class="visit">{_e(_when(appt.at, data.zone))} · {_e(appt.title)}{where}{state}</div>'
    lines = []
    if appt.purpose:
        lines.append(f"<b>Purpose</b> {_e(appt.purpose)}")
    if appt.notes:
        lines.append(f"<b>My notes</b> {_e(appt.notes)}")
    if appt.decided:
        lines.append(f"<b>Decided</b> {_e(appt.decided)}")
    about = f'<p class="purpose">{" &nbsp;·&nbsp; ".join(lines)}</p>' if lines else ""
    return f"<header><div><h1>Appointment brief</h1>{visit}</div>{meta}</header>{about}"


def render_brief(data: BriefInput) -> str:
    """The whole page as one HTML document (UTF-8, print CSS, inline SVG, no script, no external files)."""
    questions, question_of = _questions(data)
    betas = _betas(data)
    beta_section = f"<h2>Beta-hCG, latest series</h2>{betas}" if betas else ""
    body = (
        f"{_header(data)}{_status(data)}"
        '<div class="cols"><div class="left">'
        f'<section class="meds"><h2>Medications</h2>{_medications(data)}</section>'
        f'<section class="labs"><h2>Latest lab results</h2>{_labs(data, question_of)}</section>'
        '</div><div class="right">'
        f'<section class="betas">{beta_section}</section>'
        f'<section class="history"><h2>Pregnancy history</h2>{_history(data)}</section>'
        "</div></div>"
        f"<h2>Questions for this visit</h2>{questions}"
    )
    title = "Appointment brief" if data.appointment else "Health summary"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} — {data.today.isoformat()}</title>"
        f'<style>{CSS}</style></head><body><div class="page">'
        f"{body}{_source_list(data, body)}"
        f"<footer>{_e(SELF_REPORTED)}</footer>"
        "</div></body></html>\n"
    )
