"""The brief's other sections: the header, where she is today (with her treatment sessions), her pregnancy
history (summarised when long), the questions for the visit and the list of the sources the page cites."""

from __future__ import annotations

import re
from datetime import timedelta

from rpltrack.domain.cycles import CYCLE_KIND_WORDS
from rpltrack.domain.dating import Dating
from rpltrack.domain.pregnancies import (
    FIRST_TRIMESTER_DAYS,
    LOSS_LIMIT_DAYS,
    OUTCOME_WORDS,
    SPONTANEOUS_LOSSES,
    Confirmation,
    Outcome,
    Pregnancy,
    count_losses,
    dating_cycle,
)
from rpltrack.domain.sessions import PlanState
from rpltrack.export.brief_model import BriefInput
from rpltrack.export.brief_text import SOURCE_RE, cite, esc, near_day, plural, short_day, when_text

HISTORY_LISTED = 6  # up to this many ended pregnancies are listed; more are summarised [app convention]
HISTORY_RECENT = 3  # a summarised history still lists its most recent ones [app convention]
EARLY_DAYS = 10 * 7  # "before 10 weeks" = < 10+0 w, as the APS criteria count it (reference §2a)
DETAIL_CHARS = 260  # a flag's detail longer than this is cut at a clause; flags.csv holds it whole
SESSIONS_RECENT_DAYS = 365  # recorded sessions of the last year are listed [app convention]
SESSIONS_LISTED = 4  # at most this many recorded and this many planned sessions [app convention]


# -- header and status ---------------------------------------------------------------------------------


def header(data: BriefInput) -> str:
    """The title, the visit (when, with whom, where) and what she wrote about it."""
    appt = data.appointment
    prepared = f"Prepared {when_text(data.now.astimezone(data.zone), data.zone)}"
    meta = f'<div class="meta">{esc(prepared)}<br>from rpltrack · self-reported</div>'
    if appt is None:
        title = "<h1>Health summary</h1>"
        visit = (
            '<div class="visit">No upcoming appointment is recorded '
            '<span class="where">(rpltrack appt add)</span></div>'
        )
        return f"<header><div>{title}{visit}</div>{meta}</header>"
    where = f' <span class="where">· {esc(appt.where)}</span>' if appt.where else ""
    marked = "(cancelled)" if appt.cancelled else "(done)" if appt.done else ""
    state = f' <span class="where">{marked}</span>' if marked else ""
    visit = f'<div class="visit">{esc(when_text(appt.at, data.zone))} · {esc(appt.title)}{where}{state}</div>'
    lines = []
    if appt.purpose:
        lines.append(f"<b>Purpose</b> {esc(appt.purpose)}")
    if appt.notes:
        lines.append(f"<b>My notes</b> {esc(appt.notes)}")
    if appt.decided:
        lines.append(f"<b>Decided</b> {esc(appt.decided)}")
    about = f'<p class="purpose">{" &nbsp;·&nbsp; ".join(lines)}</p>' if lines else ""
    return f"<header><div><h1>Appointment brief</h1>{visit}</div>{meta}</header>{about}"


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


def status(data: BriefInput) -> str:
    """Where she is today (and on the visit day): cycle day, days past transfer, gestational age."""
    found = dating_cycle(data.cycles, data.pregnancies, data.today)
    cycle, pregnant = found if found is not None else (None, False)
    pregnancy = _ongoing(data)
    rows: list[tuple[str, str]] = []
    if cycle is not None:
        dating = cycle.dating_on(data.today, pregnant=pregnant)
        rows.append((f"Today ({short_day(data.today)})", esc(_dating_text(dating))))
        appt = data.appointment
        visit_day = appt.at.astimezone(data.zone).date() if appt is not None else None
        if visit_day is not None and visit_day > data.today:
            at_visit = cycle.dating_on(visit_day, pregnant=pregnant)
            rows.append((f"At the visit ({short_day(visit_day)})", esc(at_visit.label())))
        what = CYCLE_KIND_WORDS[cycle.kind]
        line = f"{what[0].upper()}{what[1:]} from CD1 {cycle.cd1.isoformat()}"
        if cycle.clinic:
            line += f" at {cycle.clinic}"
        rows.append(("Cycle", esc(line)))
        transfer = cycle.last_transfer
        if transfer is not None:
            embryos = "1 embryo" if transfer.embryo_count == 1 else f"{transfer.embryo_count} embryos"
            bits = [f"{transfer.on.isoformat()}: {embryos}, day {transfer.embryo_day}"]
            bits += [b for b in (transfer.grade, transfer.pgt) if b]
            rows.append(("Transfer", esc(", ".join(bits))))
    if pregnancy is not None:
        since = f" since {pregnancy.started_on.isoformat()}" if pregnancy.started_on else ""
        how = _HOW_FOUND.get(pregnancy.how_found, "") if pregnancy.how_found else ""
        rows.append(("Pregnancy", esc(f"ongoing{since}" + (f" ({how})" if how else ""))))
    if not rows:
        rows.append(("Now", "No cycle or pregnancy in progress is recorded."))
    rows += session_rows(data)
    items = "".join(f"<div><b>{label}</b> {value}</div>" for label, value in rows)
    return f'<div class="status">{items}</div>'


# -- history -------------------------------------------------------------------------------------------


def _plural_outcome(outcome: Outcome, count: int) -> str:
    words = OUTCOME_WORDS[outcome]
    if count == 1:
        return f"1 {words}"
    head, _, last = words.rpartition(" ")
    last = last[:-1] + "ies" if last.endswith("y") else last + "s"
    return f"{count} {head + ' ' if head else ''}{last}"


def loss_summary(ended: list[Pregnancy]) -> str:
    """'26 pregnancy losses on record: 23 before 10 weeks, 1 at 10-13 weeks, 1 at 14-23 weeks, 1 with no
    weeks recorded; 9 of them biochemical. Also recorded: 1 ectopic pregnancy.' Plain counts by
    gestational age at the end, for a history too long to list."""
    losses = [p for p in ended if p.outcome in SPONTANEOUS_LOSSES]
    bands = (  # (words, from, before) in days of gestation
        ("before 10 weeks", 0, EARLY_DAYS),
        ("at 10\N{EN DASH}13 weeks", EARLY_DAYS, FIRST_TRIMESTER_DAYS),
        ("at 14\N{EN DASH}23 weeks", FIRST_TRIMESTER_DAYS, LOSS_LIMIT_DAYS),
        ("at 24 weeks or later", LOSS_LIMIT_DAYS, None),
    )
    parts = []
    for words, low, high in bands:
        count = sum(
            1
            for p in losses
            if p.ga_at_end_days is not None
            and low <= p.ga_at_end_days
            and (high is None or p.ga_at_end_days < high)
        )
        if count:
            parts.append(f"{count} {words}")
    unknown = sum(1 for p in losses if p.ga_at_end_days is None)
    if unknown:
        parts.append(f"{unknown} with no weeks recorded")
    text = f"{plural(len(losses), 'pregnancy loss', 'pregnancy losses')} on record"
    if parts:
        text += ": " + ", ".join(parts)
    early_kinds = [
        (n, words)
        for n, words in (
            (sum(1 for p in losses if p.outcome is Outcome.BIOCHEMICAL), "biochemical"),
            (sum(1 for p in losses if p.outcome is Outcome.PUL), "of unknown location"),
        )
        if n
    ]
    if early_kinds:
        text += "; " + " and ".join(
            f"{n} of them {words}" if i == 0 else f"{n} {words}" for i, (n, words) in enumerate(early_kinds)
        )
    text += "."
    others: dict[Outcome, int] = {}
    for p in ended:
        if p.outcome not in SPONTANEOUS_LOSSES:
            others[p.outcome] = others.get(p.outcome, 0) + 1
    if others:
        text += " Also recorded: " + ", ".join(_plural_outcome(o, n) for o, n in others.items()) + "."
    return text


def _history_row(p: Pregnancy) -> str:
    when = p.ended_on or p.started_on
    approx = " (date approximate)" if p.approximate else ""
    confirmed = p.confirmed.value if isinstance(p.confirmed, Confirmation) else ""
    if confirmed == "hcg":
        confirmed = "hCG"
    return (
        f'<tr><td class="d">{when.isoformat() if when else ""}</td>'
        f"<td>{esc(p.describe())}{esc(approx)}</td>"
        f"<td>{esc(confirmed)}</td></tr>"
    )


def history(data: BriefInput) -> str:
    """Each ended pregnancy (or, for a long history, a summary and the most recent ones) and the loss
    counts under each definition."""
    ended = sorted(
        (p for p in data.pregnancies if p.outcome is not Outcome.ONGOING),
        key=lambda p: (p.sort_on, p.id or 0),
    )
    if not ended:
        return '<p class="none">No earlier pregnancies or losses are recorded.</p>'
    counts = count_losses(list(data.pregnancies))
    summary_line = ""
    listed = ended
    if len(ended) > HISTORY_LISTED:
        listed = ended[-HISTORY_RECENT:]
        summary_line = (
            f'<p class="summary">{esc(loss_summary(ended))} The latest {len(listed)} are listed; the full '
            "list is in the CSV export.</p>"
        )
    head = "<tr><th>Date</th><th>Outcome</th><th>Confirmed</th></tr>"
    table = f'<table class="history">{head}{"".join(_history_row(p) for p in listed)}</table>'
    ga_unknown = ""
    if counts.ga_unknown and not summary_line:  # a summary already counts the losses with no weeks recorded
        verb = "losses have" if counts.ga_unknown != 1 else "loss has"
        ga_unknown = f" {counts.ga_unknown} {verb} no gestational age recorded."
    summary = (
        '<table class="counts">'
        f'<tr><td class="big">{counts.eshre}</td><td>ESHRE 2022: before 24 weeks, incl. biochemical '
        f"{cite(['S1'])}</td></tr>"
        f'<tr><td class="big">{counts.asrm}</td><td>ASRM: seen on ultrasound or in tissue '
        f"{cite(['S5'])}</td></tr>"
        f'<tr><td class="big">{counts.rcog}</td><td>RCOG 2023: first trimester, before 14+0 weeks '
        f"{cite(['S6'])}</td></tr>"
        f'</table><p class="note">Longest run in a row: {counts.longest_run}.{ga_unknown}'
        " Ectopic, molar and terminated pregnancies are not counted.</p>"
    )
    return summary_line + table + summary


# -- treatment sessions --------------------------------------------------------------------------------


def _grouped(items: list[tuple[str, str]]) -> str:
    """(what, when) pairs as 'LIT session 10 Nov, 20 Oct · IVIG infusion 1 Sep': each run of the same kind
    named once."""
    runs: list[tuple[str, list[str]]] = []
    for what, when in items:
        if runs and runs[-1][0] == what:
            runs[-1][1].append(when)
        else:
            runs.append((what, [when]))
    return " · ".join(f"{what} {', '.join(days)}" for what, days in runs)


def session_rows(data: BriefInput) -> list[tuple[str, str]]:
    """(label, escaped text) cells for the status band: her treatment sessions of the last year, newest
    first, and the next planned ones, as facts. The brief neither recommends nor questions a treatment (a
    flag does that, with its sources). No cells when there is nothing to show."""
    since = data.today - timedelta(days=SESSIONS_RECENT_DAYS)
    recent = [s for s in data.sessions if since <= s.on <= data.today]
    upcoming = [p for p in data.planned if p.state is PlanState.UPCOMING]
    missed = [p for p in data.planned if p.state is PlanState.NOT_RECORDED and since <= p.on]
    rows: list[tuple[str, str]] = []
    if recent:
        shown = recent[-SESSIONS_LISTED:]
        text = _grouped([(s.what, near_day(s.on, data.today)) for s in reversed(shown)])
        more = len(recent) - len(shown)
        rows.append(("Sessions", esc(text + (f" and {plural(more, 'earlier one')}" if more else ""))))
    if upcoming:
        shown_plan = upcoming[:SESSIONS_LISTED]
        text = _grouped([(p.what, f"{near_day(p.on, data.today)} ({p.label})") for p in shown_plan])
        more = len(upcoming) - len(shown_plan)
        rows.append(("Planned", esc(text + (f" and {more} more" if more else ""))))
    if missed:
        text = _grouped(
            [(p.what, f"{near_day(p.on, data.today)} ({p.label})") for p in missed[-SESSIONS_LISTED:]]
        )
        rows.append(("Planned, none recorded", esc(text)))
    return rows


# -- questions -----------------------------------------------------------------------------------------


_SENTENCE_END = re.compile(r"[.!?](?= [A-Z])")


def clip(text: str, limit: int = DETAIL_CHARS) -> str:
    """`text` whole when it is short; else cut at the last sentence or clause that fits, marked '…' (the
    footer says where the whole text is)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(cut)]  # "incl. 9" ends no sentence: a capital follows
    if ends and ends[-1] >= limit // 2:
        return cut[: ends[-1]] + " …"
    clause = max(cut.rfind(", "), cut.rfind("; "))
    if clause >= limit // 2:
        return cut[:clause] + " …"
    return cut.rsplit(" ", 1)[0] + " …"


def questions(data: BriefInput) -> tuple[str, dict[int, list[int]]]:
    """Her own questions, then the active flags as questions; and the question numbers per lab id."""
    appt = data.appointment
    active_keys = {f.key for f in data.flags}
    own = [q for q in (appt.questions if appt else ()) if not (q.flag_key and q.flag_key in active_keys)]
    listed_keys = {q.flag_key for q in (appt.questions if appt else ()) if q.flag_key}
    items: list[str] = []
    number = 0
    for q in own:
        number += 1
        answer = f' <span class="dim">— {esc(q.answer)}</span>' if q.answer else ""
        tick = "☑" if q.asked else "☐"
        items.append(f'<li><span class="box">{tick}</span><b>Q{number}.</b> {esc(q.text)}{answer}</li>')
    by_lab: dict[int, list[int]] = {}
    for flag in sorted(data.flags, key=lambda f: (-f.since.toordinal(), f.key)):
        number += 1
        for lab_id in flag.lab_ids:
            by_lab.setdefault(lab_id, []).append(number)
        on_list = ' <span class="dim">(on your list for this visit)</span>' if flag.key in listed_keys else ""
        detail = clip(flag.detail)
        items.append(
            f'<li class="fq"><span class="box">☐</span><b>Q{number}. {esc(flag.ask)}</b>{on_list}'
            f'<div class="why"><span class="ftitle">{esc(flag.title)}.</span> '
            f"{esc(detail)} {cite(flag.sources)}</div></li>"
        )
    if not items:
        return '<p class="none">No questions yet, and no active flags.</p>', by_lab
    return f'<ol class="questions">{"".join(items)}</ol>', by_lab


# -- sources -------------------------------------------------------------------------------------------

_SOURCE_NUMBER = re.compile(r"S(\d+)([a-z]*)")


def _source_order(source: str) -> tuple[int, int, str]:
    """S2 before S10, S3 before S3b; an id that is not S<number> (the app's own conventions) last."""
    found = _SOURCE_NUMBER.fullmatch(source)
    return (0, int(found.group(1)), found.group(2)) if found else (1, 0, source)


def source_list(data: BriefInput, body: str) -> str:
    """The short citation of every source id cited on the page, by number."""
    shown = sorted({s for s in SOURCE_RE.findall(body) if s in data.citations}, key=_source_order)
    if not shown:
        return ""
    items = "; ".join(f'<span class="src">[{esc(s)}]</span> {esc(data.citations[s])}' for s in shown)
    return f'<p class="sources">Sources: {items}.</p>'
