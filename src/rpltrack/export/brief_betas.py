"""The brief's beta-hCG section: the latest series as a table (rise per 48 h, doubling time, the minimum
expected rise, or why a pair is not judged) and an inline SVG chart on a log scale."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime

from rpltrack.domain.betas import (
    BetaDraw,
    BetaPair,
    ChangeKind,
    Op,
    Spacing,
    Verdict,
    assess_series,
    barnhart_2016,
    split_series,
)
from rpltrack.export.brief_model import BriefInput
from rpltrack.export.brief_text import cite, esc

BETA_RECENT_DAYS = 120  # an older beta series is left off the page [app convention]


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
}
_SPACING_SHORT = {
    Spacing.SAME_TIME: "drawn at the same time",
    Spacing.TOO_CLOSE: "<24 h apart",
    Spacing.TOO_FAR: ">96 h apart",
}


def change_text(pair: BetaPair) -> str:
    """The change per 48 h as the table prints it: a rise ('+123.2%') or a fall (a minus sign), or what a lab
    bound supports: at least a rise ('≥+62.3%'), less than a rise ('<+35%'; '≤' for an inclusive bound), at
    least a fall ('≥' and a minus sign); '' when nothing can be said."""
    minus = "\N{MINUS SIGN}"
    kind, value = pair.change
    shown = f"{value:f}" if value is not None else ""
    if kind is ChangeKind.RISE_UNDER:
        return f"{'≤' if pair.rise_under_inclusive else '<'}+{shown}%"
    return {
        ChangeKind.FALL: f"{minus}{shown}%",
        ChangeKind.RISE: f"+{shown}%",
        ChangeKind.FALL_AT_LEAST: f"≥{minus}{shown}%",
        ChangeKind.RISE_AT_LEAST: f"≥+{shown}%",
        ChangeKind.NO_RISE: "no rise",
    }.get(kind, "")


def verdict_text(pair: BetaPair) -> str:
    """The judgement in a word or two, or why there is none: 'not judged (<24 h apart)', 'not judged (' +
    the pair's reason + ')'."""
    if pair.verdict in _VERDICT_SHORT:
        return _VERDICT_SHORT[pair.verdict]
    if pair.spacing is not None:
        return f"not judged ({_SPACING_SHORT[pair.spacing]})"
    if pair.reason:
        return f"not judged ({pair.reason})"
    return "not judged"


def betas_section(data: BriefInput) -> str:
    """The latest beta series (within BETA_RECENT_DAYS) as a table and a chart; '' when there is none."""
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
            rise = change_text(pair)
            if pair.doubling_hours is not None:
                doubling = f"{pair.doubling_hours} h"
            verdict = verdict_text(pair)
            if pair.minimum is not None and pair.verdict in _VERDICT_SHORT:
                verdict += f" ({pair.minimum.percent}%)"
            if pair.minimum is not None and pair.minimum.source not in minimum_sources:
                minimum_sources.append(pair.minimum.source)
            if pair.different_labs:
                verdict += "; different labs"
        rows.append(
            f'<tr><td class="d">{local.day} {local:%b %H:%M}</td><td class="d">{esc(dpt)}</td>'
            f'<td class="num">{esc(draw.value)}</td>'
            f'<td class="num">{esc(rise)}</td><td class="num">{esc(doubling)}</td>'
            f"<td>{esc(verdict)}</td></tr>"
        )
    head = (
        '<tr><th>Drawn</th><th></th><th class="num">mIU/mL</th><th class="num">per 48 h</th>'
        '<th class="num">Doubling</th><th>Minimum rise</th></tr>'
    )
    note = (
        f'<p class="note">Minimum rise per 48 h by starting value, Barnhart 2016 {cite(minimum_sources)}, '
        "judged for pairs 24 to 96 h apart; dashed: that minimum from the first draw.</p>"
        if minimum_sources
        else ""
    )
    return f'<table class="betas">{head}{"".join(rows)}</table>{beta_chart(data, draws, transfer)}{note}'


def beta_chart(data: BriefInput, draws: Sequence[BetaDraw], transfer: tuple[date, int] | None) -> str:
    """An inline SVG: each draw on a log scale against days (past transfer when known), joined by a line; a
    censored value (<5) as an open marker at its bound; the minimum expected rise from the first draw
    dashed."""
    if len(draws) < 1:
        return ""
    width, height = 330.0, 84.0
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
        f'<text x="{(left + width - right) / 2:.1f}" y="{height - 2}" class="xlab">{esc(axis_word)}</text>'
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
        parts.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" class="vlab">{esc(draw.value)}</text>')
    body = "".join(parts)
    return (
        f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="Beta-hCG values on a log scale">{body}</svg>'
    )
