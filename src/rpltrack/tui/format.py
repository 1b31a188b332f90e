"""Plain-word text for doses, medications, adherence, cycles, betas and pregnancies, and her words made safe.

Her own words (a name, a site, a reason, a clinic, a note) reach the screen with their controls shown, never
obeyed, and never read as markup: everything here that puts them into a sentence passes them through `shown`,
and `plain` and `cell` make Rich Text of them for the screens that build their own. The journal keeps the
exact text; only what is drawn changes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from rich.text import Text

from rpltrack.domain import words
from rpltrack.domain.betas import BetaDraw, BetaPair, ChangeKind, Verdict
from rpltrack.domain.cycles import CYCLE_KIND_WORDS, Cycle, CycleEvent, EventKind, Transfer
from rpltrack.domain.dating import Dating, format_ga
from rpltrack.domain.display import BIDI_CONTROLS, terminal_text
from rpltrack.domain.models import Adherence, DoseLog, DoseStatus, DoseView, Medication, MedicationState
from rpltrack.domain.pregnancies import OUTCOME_WORDS, Confirmation, LossCounts, Outcome, Pregnancy
from rpltrack.domain.zones import zone_elsewhere, zone_label


def shown(text: object) -> str:
    """Her text as it may be drawn: every control character but tab and line feed, and every bidi embedding,
    override or isolate, as a visible placeholder (␛, ␀, <U+202E>). The journal keeps the exact text."""
    return terminal_text(text)


def plain(text: object, style: str = "") -> Text:
    """Her text as a Rich Text: drawn as written, never read as markup ('[b]aspirin[/b]' stays so)."""
    return Text(terminal_text(text), style=style)


def cell(value: object) -> Text:
    """A DataTable cell drawn as written. A str cell would be read as markup (and ':pill:' as an emoji) and
    its controls written raw; this is the Text the table makes of a plain str, with its controls shown."""
    if isinstance(value, Text):
        return value
    return Text(terminal_text(value), no_wrap=True, end="")


def cells(*values: object) -> list[Text]:
    """A DataTable row of cells drawn as written (see `cell`)."""
    return [cell(value) for value in values]


# One character for one, for a text field (widgets.safe_input.SafeInput): its cursor and selection count the
# characters of the value, so each control is drawn as a single visible one. C0 controls and DEL as
# `terminal_text` draws them (␛, ␀, ␡), a line feed as ␤ (a field is one line), and the C1, line-separator
# and bidi controls, whose `terminal_text` placeholder is several characters long, as U+FFFD (�).
_FIELD_SHOWN: dict[int, str] = {
    code: "\u2424" if code == 0x0A else (placeholder if len(placeholder) == 1 else "\ufffd")
    for code in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *BIDI_CONTROLS)
    if (placeholder := terminal_text(chr(code))) != chr(code) or code == 0x0A
}


def field_text(value: str) -> str:
    """A text field's value as it may be drawn, one character for each of the value's (see _FIELD_SHOWN)."""
    return value.translate(_FIELD_SHOWN)


def day_heading(now: datetime, dating: Dating | None = None) -> str:
    """'Monday 23 November' (no leading zero, no year: the year is obvious on a daily screen), then where she
    is in a cycle when the journal knows: 'Monday 23 November · CD 44 · 24dp5dt · 6w 1d'."""
    heading = f"{now:%A} {now.day} {now:%B}"
    label = dating.label() if dating is not None else ""
    return f"{heading} · {label}" if label else heading


def dose_time(view: DoseView, zone: ZoneInfo) -> str:
    at = view.slot.local_at if view.slot is not None else view.sort_at
    return at.astimezone(zone).strftime("%H:%M")


def dose_amount(view: DoseView) -> str:
    log, slot = view.log, view.slot
    amount = log.amount if log is not None and log.amount is not None else (slot.amount if slot else None)
    return str(amount) if amount is not None else ""


def dose_state_class(view: DoseView) -> str:
    """The CSS state class of a dose row: -overdue, -due, -taken, -skipped or -missed."""
    if view.status is DoseStatus.DUE and view.overdue:
        return "-overdue"
    return f"-{view.status.value}"


def dose_state(view: DoseView, zone: ZoneInfo) -> str:
    """What happened to a dose, in a few plain words: 'taken 08:04', 'skipped', 'due', 'overdue'."""
    log = view.log
    if log is not None and log.status is DoseStatus.TAKEN and log.taken_at is not None:
        text = words.taken_words(
            f"{log.taken_at.astimezone(zone):%H:%M}",
            logged_later=log.logged_later,
            as_needed=view.slot is None,
        )
        return text + (f" · {shown(log.site)}" if log.site else "")
    if log is not None and log.status is DoseStatus.SKIPPED:
        return words.skipped_words(shown(log.reason) if log.reason else "")
    if view.status is DoseStatus.DUE:
        return "overdue" if view.overdue else "due"
    # Past its time before the medication was entered: nothing to reproach, just not in the journal.
    return "not logged" if view.before_entry else "missed"


def percent_text(adherence: Adherence | None) -> str:
    """'100%', '85.7%'; '—' when nothing was due (domain.words)."""
    return words.percent_words(adherence.percent if adherence is not None else None)


def week_summary(adherence: Adherence) -> str:
    """The modest line under Today's list."""
    if adherence.due == 0:
        return "Last 7 days: nothing was due yet."
    return f"Last 7 days: {adherence.taken} of {adherence.due} doses taken ({percent_text(adherence)})."


STATE_ORDER = {
    MedicationState.ACTIVE: 0,
    MedicationState.NOT_STARTED: 1,
    MedicationState.WAITING: 1,
    MedicationState.ENDED: 2,
    MedicationState.STOPPED: 3,
}


def date_span(med: Medication) -> str:
    if med.waiting and med.anchor_dates is not None:
        return f"waiting for {med.anchor_dates.waiting_for}"
    start = f"{med.start_on:%d %b %Y}"
    if med.stopped_at is not None:
        return f"{start}, stopped {med.stopped_at.astimezone(ZoneInfo(med.zone)):%d %b %Y}"
    if med.last_day is not None:
        return f"{start} to {med.last_day:%d %b %Y}"
    return f"from {start}"


def log_state(log: DoseLog, zone: ZoneInfo, label: str = "") -> str:
    """'taken 08:04, logged later', 'skipped: nausea'; a `label` follows the time: 'taken 21:00 EDT (New
    York)'."""
    if log.status is DoseStatus.SKIPPED:
        return words.skipped_words(shown(log.reason) if log.reason else "")
    assert log.taken_at is not None
    at = f"{log.taken_at.astimezone(zone):%H:%M}" + (f" {label}" if label else "")
    return words.taken_words(at, logged_later=log.logged_later, as_needed=log.slot_at is None)


# What History says of a scheduled dose that passed unlogged: Today's word for it, and why, without reproach.
MISSED_WORDS = f"{DoseStatus.MISSED.value} — not logged"

HistoryRow = tuple[str, str, str, str, str, str]  # day, due, medication, amount, what happened, site


def history_row(log: DoseLog, med: Medication, zone: ZoneInfo) -> HistoryRow:
    """History's cells for a logged dose. Its times read as they did where it was logged: in `zone`, or, when
    it was logged in a zone where they read differently, in that zone with a label: '21:00 EDT (New York)'."""
    at = log.slot_at or log.taken_at or log.logged_at
    elsewhere = zone_elsewhere(log.zone, at, zone)
    where = elsewhere or zone
    when = at.astimezone(where)
    label = zone_label(when) if elsewhere is not None else ""
    due = f"{when:%H:%M}" if log.slot_at else ""
    if due and label:
        due, label = f"{due} {label}", ""
    return (
        short_day(when.date()),
        due,
        shown(med.name),
        str(log.amount) if log.amount else "",
        log_state(log, where, label),
        shown(log.site or ""),
    )


def missed_row(view: DoseView, zone: ZoneInfo) -> HistoryRow:
    """History's cells for a scheduled dose that passed unlogged (store.missed.missed_doses). Like a logged
    dose, it reads where it was due: in the medication's zone, labelled, when its time reads differently there
    ('21:00 EDT (New York)' for a New York schedule seen from Tokyo)."""
    assert view.slot is not None
    elsewhere = zone_elsewhere(view.medication.zone, view.slot.slot_at, zone)
    when = view.slot.slot_at.astimezone(elsewhere or zone)
    due = f"{when:%H:%M} {zone_label(when)}" if elsewhere is not None else f"{when:%H:%M}"
    return (short_day(when.date()), due, shown(view.medication.name), dose_amount(view), MISSED_WORDS, "")


def short_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def long_day(day: date) -> str:
    """'30 Oct 2026': past records need the year."""
    return f"{day.day} {day:%b %Y}"


# -- cycles ------------------------------------------------------------------------------------------

EVENT_WORDS: dict[EventKind, str] = {
    EventKind.STIMS: "stims started",
    EventKind.TRIGGER: "trigger",
    EventKind.RETRIEVAL: "retrieval",
    EventKind.TRANSFER: "transfer",
    EventKind.BETA: "beta",
    EventKind.POSITIVE_BETA: "positive beta",
    EventKind.ULTRASOUND: "ultrasound",
    EventKind.OTHER: "other",
}


def cycle_heading(cycle: Cycle) -> str:
    """'Medicated FET · Riverside Fertility · CD1 11 Oct 2026' (the span and outcome follow separately)."""
    kind = CYCLE_KIND_WORDS[cycle.kind]
    parts = [kind[0].upper() + kind[1:]]
    if cycle.clinic:
        parts.append(shown(cycle.clinic))
    parts.append(f"CD1 {long_day(cycle.cd1)}")
    return " · ".join(parts)


def cycle_span(cycle: Cycle) -> str:
    """'ended 31 Jul 2026: miscarriage' in her own words, or 'current'."""
    if cycle.ended_on is None:
        return "current"
    text = f"ended {long_day(cycle.ended_on)}"
    return f"{text}: {shown(cycle.outcome)}" if cycle.outcome else text


def transfer_text(transfer: Transfer) -> str:
    """'transfer: day 5, 1 embryo (4AA, euploid)', as the CLI says it."""
    extra = ", ".join(shown(x) for x in (transfer.grade, transfer.pgt) if x)
    embryos = f"{transfer.embryo_count} embryo{'s' if transfer.embryo_count > 1 else ''}"
    return f"transfer: day {transfer.embryo_day}, {embryos}" + (f" ({extra})" if extra else "")


def event_text(event: CycleEvent) -> str:
    return EVENT_WORDS[event.kind] + (f": {shown(event.note)}" if event.note else "")


def cycle_timeline(cycle: Cycle) -> list[tuple[date, str]]:
    """Transfers and events in date order (a transfer first on the same day)."""
    entries = [(t.on, 0, transfer_text(t)) for t in cycle.transfers]
    entries += [(e.on, 1, event_text(e)) for e in cycle.events]
    return [(on, text) for on, _, text in sorted(entries, key=lambda e: (e[0], e[1]))]


# -- betas -------------------------------------------------------------------------------------------


def beta_value(draw: BetaDraw) -> str:
    """'112' or a lab notation kept as written ('<5', '>10000'): never a bare number for a bound."""
    return shown(draw.value)


def number(value: Decimal) -> str:
    """A Decimal as the domain rounded it: '48.3', '43.0', '49' (never '4.9E+1')."""
    return f"{value:f}"


def pair_change(pair: BetaPair) -> str:
    """'rise 123.2 % per 48 h', 'fall 14.6 %', what a lab bound shows ('rise at least 100.0 % per 48 h',
    'fall at least 66.7 %'), or '' when nothing can be said (the kind is BetaPair.change's)."""
    kind, value = pair.change
    shown = number(value) if value is not None else ""
    if kind is ChangeKind.RISE_UNDER:
        limit = "at most" if pair.rise_under_inclusive else "under"
        return f"rise {limit} {shown} % per 48 h, or a fall"
    return {
        ChangeKind.FALL: f"fall {shown} %",
        ChangeKind.FALL_AT_LEAST: f"fall at least {shown} %",
        ChangeKind.FALLING: "falling",
        ChangeKind.RISE: f"rise {shown} % per 48 h",
        ChangeKind.RISE_AT_LEAST: f"rise at least {shown} % per 48 h",
        ChangeKind.NO_RISE: "no rise",
    }.get(kind, "")


def pair_doubling(pair: BetaPair) -> str:
    # A falling or flat series has no doubling time: never a negative one (§4a).
    return f"{number(pair.doubling_hours)} h" if pair.doubling_hours is not None else "—"


def pair_minimum(pair: BetaPair) -> str:
    if pair.minimum is None:
        return "—"
    return f"{number(pair.minimum.percent)} % [{pair.minimum.source}]"


def pair_days(pair: BetaPair, zone: ZoneInfo) -> str:
    """The local days of a pair's two draws, as short as is clear, joined by an en dash: '10-12 Nov 2026',
    '30 Nov - 2 Dec 2026', '31 Dec 2025 - 2 Jan 2026', or '10 Nov 2026' for one day (the hours between them
    are beside it)."""
    first, second = (d.drawn_at.astimezone(zone).date() for d in (pair.first, pair.second))
    if first == second:
        return long_day(second)
    if (first.year, first.month) == (second.year, second.month):
        return f"{first.day}\N{EN DASH}{long_day(second)}"
    if first.year == second.year:
        return f"{first.day} {first:%b} \N{EN DASH} {long_day(second)}"
    return f"{long_day(first)} \N{EN DASH} {long_day(second)}"


# The verdicts as the Betas screen words them; a pair not judged says why (BetaPair.verdict_words).
VERDICT_WORDS: dict[Verdict, str] = {
    Verdict.MEETS: "meets the minimum rise",
    Verdict.BELOW: "below the minimum rise",
    Verdict.PLATEAU: "no change (a plateau)",
    Verdict.FALLING: "falling",
    Verdict.NOT_JUDGED: "not judged: drawn under 24 h or over 96 h apart",
    Verdict.CENSORED: "cannot be judged from a lab bound such as <5",
}


def verdict_words(pair: BetaPair) -> str:
    """The verdict of a pair, and for a pair not judged, why: 'not judged: drawn less than 24 hours apart,
    too close together to judge a rise', 'cannot be judged: a rise of at least 20.0 % per 48 h, not enough to
    tell whether it reaches the 49 % minimum'."""
    if pair.verdict in (Verdict.NOT_JUDGED, Verdict.CENSORED) and pair.reason:
        return pair.verdict_words
    return VERDICT_WORDS[pair.verdict]


def ask_about(pair: BetaPair) -> str:
    """The 'ask your care team' line for a pair that needs one (§4b, §4c); '' for the others."""
    first, second = beta_value(pair.first), beta_value(pair.second)
    if pair.verdict is Verdict.FALLING:
        if pair.fall_percent is not None:
            fall = f" (a {number(pair.fall_percent)} % fall)"
        elif pair.fall_at_least is not None:
            fall = f" (a fall of at least {number(pair.fall_at_least)} %)"
        else:
            fall = ""
        return (
            f"Your beta went from {first} to {second} mIU/mL in {number(pair.hours)} h{fall}. "
            "Ask your care team soon about this result."
        )
    if pair.verdict in (Verdict.BELOW, Verdict.PLATEAU) and pair.minimum is not None:
        if pair.rise_48h_percent:
            rise = f"rose {number(pair.rise_48h_percent)} % per 48 h"
        elif pair.bound_words:
            rise = f"showed {pair.bound_words}"
        else:
            rise = "did not rise"
        return (
            f"Your beta {rise} ({first} to {second} mIU/mL), below the {number(pair.minimum.percent)} % "
            f"in the guideline [{pair.minimum.source}]. Ask your care team about this result."
        )
    return ""


# -- pregnancies -------------------------------------------------------------------------------------

CONFIRMATION_WORDS: dict[Confirmation, str] = {
    Confirmation.HCG: "blood test (hCG)",
    Confirmation.URINE: "urine test",
    Confirmation.ULTRASOUND: "ultrasound",
    Confirmation.HISTOLOGY: "tissue (histology)",
}


def pregnancy_row(p: Pregnancy) -> tuple[str, str, str, str, str]:
    """(date, what, GA, how confirmed, approximate) for the Pregnancies table: facts, no celebration."""
    on = p.ended_on or p.started_on
    what = "pregnancy, ongoing" if p.outcome is Outcome.ONGOING else OUTCOME_WORDS[p.outcome]
    ga = format_ga(p.ga_at_end_days) if p.ga_at_end_days is not None else ""
    how = p.confirmed or p.how_found
    return (
        long_day(on) if on else "",
        what,
        ga,
        CONFIRMATION_WORDS[how] if how else "",
        "approximate" if p.approximate else "",
    )


def losses_sentence(counts: LossCounts) -> str:
    """The §1 wording, shown as information (and only the count when no definition is met)."""
    if counts.eshre == 0:
        return ""
    noun = "pregnancy loss" if counts.eshre == 1 else "pregnancy losses"
    text = f"Your journal records {counts.eshre} {noun}."
    if any(counts.meets.values()):
        text += (
            " The ESHRE 2022 guideline uses 2 or more losses, including early losses seen only on a "
            "pregnancy test, to define recurrent pregnancy loss. Ask your care team whether an RPL "
            "evaluation is right for you."
        )
    return text


def count_lines(counts: LossCounts) -> list[tuple[str, str]]:
    """(definition with its source, what it counts) for each guideline, then the longest run."""

    def losses(n: int) -> str:
        return f"{n} loss" if n == 1 else f"{n} losses"

    return [
        (
            "ESHRE 2022 [S1]",
            f"{losses(counts.eshre)} before 24 weeks, including early ones seen only on a test",
        ),
        ("ASRM [S5]", f"{losses(counts.asrm)} confirmed by ultrasound or tissue"),
        ("RCOG 2023 [S6]", f"{losses(counts.rcog)} in the first trimester"),
        ("Longest run", f"{losses(counts.longest_run)} in a row"),
    ]


RUN_NOTE = (
    "The longest run includes an ectopic or molar pregnancy or a termination: it is not counted as a loss "
    "and does not break the run. Ask your care team how it is counted."
)
