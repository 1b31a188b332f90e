"""The brief's lab section: the latest result of each test beside its target, the last few values of each
test that has one (TSH, vitamin D, progesterone), and older work-up results on one line a day."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from rpltrack.domain import labcatalog
from rpltrack.domain.betas import Op
from rpltrack.domain.labs import LabResult
from rpltrack.domain.pregnancies import Outcome
from rpltrack.domain.thyroid import guideline_tsh_target
from rpltrack.export.brief_model import BriefInput
from rpltrack.export.brief_text import cite, esc, near_day, pretty_unit

LAB_RECENT_DAYS = 180  # older results (unless flagged) share one line under the table [app convention]
TREND_VALUES = 3  # a test with a target shows its last few values, newest first [app convention]
TARGETED_TESTS = ("tsh", "vitamin-d", "progesterone")  # the tests _target reads against a target


def test_name(key: str) -> str:
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
            return f"≤ {esc(clinic['tsh.target'])} mIU/L, your clinic"
        target = guideline_tsh_target(
            result,
            labcatalog.resolve(result.test),
            _pregnant_on(data, result.on),
            _on_levothyroxine(data, result.on),
        )
        cited = cite(list(target.sources))
        if target.ladder_rung == 2 and result.reference is not None:
            return f"≤ {result.reference.high:f}, printed limit in pregnancy {cited}"
        if target.ladder_rung == 3:
            return f"≤ {target.value} mIU/L, pregnant on levothyroxine {cited}"
        if target.ladder_rung == 4:
            return f"≤ {target.value} mIU/L in pregnancy {cited}"
        return f"≤ {target.value} mIU/L {cited}" + (f"; {esc(printed)}" if printed else "")
    if result.test == "progesterone":
        if clinic.get("progesterone.threshold"):
            return f"≥ {esc(clinic['progesterone.threshold'])} ng/mL at transfer, your clinic"
        return f"≥ 10 ng/mL at transfer {cite(['S29'])}"
    if result.test == "vitamin-d":
        base = (
            f"≥ {esc(clinic['vitamin-d.threshold'])} ng/mL, your clinic"
            if clinic.get("vitamin-d.threshold")
            else f"≥ 20 ng/mL {cite(['S35'])}"
        )
        return base + (f"; {esc(printed)}" if printed else "")
    return esc(printed) if printed else '<span class="dim">—</span>'


def _value_text(result: LabResult) -> str:
    value = pretty_unit(str(result.value)) or "session"
    if result.on_anticoagulant:
        value += " (on an anticoagulant)"
    return value


def _trend(data: BriefInput, latest: LabResult, history: Sequence[LabResult]) -> str:
    """The values before the latest, newest first, each with its day: '← 2.1 (8 Nov) ← 1.8 (2 Aug)'. A value
    in another unit than the latest keeps its unit; '' when there is no earlier value."""
    earlier = [r for r in history if r is not latest][-(TREND_VALUES - 1) :]
    if latest.test not in TARGETED_TESTS or not earlier:
        return ""
    steps: list[str] = []
    for result in reversed(earlier):
        value = result.value
        if value.number is not None and value.unit == latest.value.unit:
            prefix = "" if value.op is Op.EQ else value.op.value
            text = f"{prefix}{value.number.normalize():f}"
        else:
            text = pretty_unit(str(value)) or "session"
        steps.append(f"← {text} ({near_day(result.on, data.today)})")
    return f'<br><span class="trend">{esc(" ".join(steps))}</span>'


def labs_section(data: BriefInput, question_of: Mapping[int, list[int]]) -> str:
    """The lab table (with the question numbers of the flags about a result) and the older results."""
    by_test: dict[str, list[LabResult]] = {}
    for result in sorted(data.labs, key=lambda r: (r.on, r.id or 0)):
        if result.on <= data.today:
            by_test.setdefault(result.test, []).append(result)
    if not by_test:
        return '<p class="none">No lab results are recorded.</p>'
    rows: list[str] = []
    recent_from = data.today - timedelta(days=LAB_RECENT_DAYS)
    latest = [history[-1] for history in by_test.values()]
    ordered = sorted(latest, key=lambda r: (-r.on.toordinal(), test_name(r.test)))
    older = [r for r in ordered if r.on < recent_from and not question_of.get(r.id or -1)]
    for result in ordered:
        if result in older:
            continue
        numbers = question_of.get(result.id or -1, [])
        flag = (
            ' <span class="flagged">▲ see ' + ", ".join(f"Q{n}" for n in numbers) + "</span>"
            if numbers
            else ""
        )
        row_class = ' class="hit"' if numbers else ""
        trend = _trend(data, result, by_test[result.test])
        rows.append(
            f"<tr{row_class}><td>{esc(test_name(result.test))}</td>"
            f'<td class="d">{near_day(result.on, data.today)}</td>'
            f"<td>{esc(_value_text(result))}{flag}{trend}</td><td>{_target(data, result)}</td></tr>"
        )
    head = "<tr><th>Test</th><th>Date</th><th>Result ← earlier</th><th>Target or printed range</th></tr>"
    table = f'<table class="labs">{head}{"".join(rows)}</table>' if rows else ""
    return table + _older_labs(older, data.today)


def _older_labs(older: Sequence[LabResult], today: date) -> str:
    """Tests last done more than LAB_RECENT_DAYS ago that no flag is about, on one line per day: a work-up
    done long ago stays on the page without taking a row per test."""
    if not older:
        return ""
    by_day: dict[date, list[str]] = {}
    for result in older:
        text = f"{test_name(result.test)} {pretty_unit(str(result.value)) or 'session'}"
        if result.reference is not None:
            text += f" (range {result.reference})"
        by_day.setdefault(result.on, []).append(text)
    caption = '<span class="dim">Last done more than 6 months ago:</span> '
    lines = "".join(
        f'<p class="older">{caption if n == 0 else ""}<span class="d">{near_day(day, today)}</span> '
        f"{esc(' · '.join(items))}</p>"
        for n, (day, items) in enumerate(sorted(by_day.items(), reverse=True))
    )
    return f'<div class="older-block">{lines}</div>'
