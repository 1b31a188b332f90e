"""The brief's medications section: each current medication with its dose, schedule and adherence, and the
anticoagulant doses not logged as taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rpltrack.domain import catalog
from rpltrack.domain.doses import adherence, entered_after, slot_state
from rpltrack.domain.models import DoseStatus, Medication, MedicationState
from rpltrack.domain.schedule import expand
from rpltrack.export.brief_model import BriefInput
from rpltrack.export.brief_text import esc, percent_text, short_day

ADHERENCE_DAYS = 30  # the brief's adherence window, as `rpltrack adherence` shows it [app convention]
MISSED_LISTED = 8  # anticoagulant doses listed by time; more are counted


def is_anticoagulant(med: Medication) -> bool:
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


def _shown_medications(data: BriefInput) -> list[Medication]:
    shown_states = (MedicationState.ACTIVE, MedicationState.NOT_STARTED, MedicationState.WAITING)
    meds = [m for m in data.medications if m.state(data.now, data.today) in shown_states]
    # An anticoagulant that ended inside the window still shows: missed doses of it matter at the visit.
    window_start = data.today - timedelta(days=ADHERENCE_DAYS)
    meds += [
        m
        for m in data.medications
        if m not in meds
        and is_anticoagulant(m)
        and not m.waiting
        and (m.last_day is None or m.last_day >= window_start)
        and m.start_on <= data.today
    ]
    return sorted(meds, key=lambda m: (not is_anticoagulant(m), m.name.casefold(), m.id or 0))


def _schedule(data: BriefInput, med: Medication) -> str:
    schedule = med.dose_on(data.today).timing.describe()
    state = med.state(data.now, data.today)
    if state is MedicationState.WAITING and med.anchor_dates is not None:
        schedule += f" (waits for {med.anchor_dates.waiting_for or 'its start'})"
    elif state is MedicationState.NOT_STARTED:
        schedule += f", from {short_day(med.start_on)}"
    elif state is MedicationState.ENDED and med.last_day is not None:
        schedule += f", ended {short_day(med.last_day)}"
    elif med.last_day is not None:
        schedule += f", until {short_day(med.last_day)}"
    return schedule


def _missed_note(data: BriefInput, med: Medication, name: str) -> str:
    gaps_at = _not_taken(data, med)
    if not gaps_at:
        return (
            f'<p class="ok">{esc(name)} (anticoagulant): every dose of the last '
            f"{ADHERENCE_DAYS} days is logged as taken.</p>"
        )
    listed = [
        f"{at:%a} {at.day} {at:%b} {at:%H:%M}" + (" (skipped)" if skipped else "")
        for at, skipped in gaps_at[-MISSED_LISTED:]
    ]
    more = len(gaps_at) - len(listed)
    text = ", ".join(listed) + (f" and {more} earlier" if more > 0 else "")
    return (
        f'<p class="missed"><b>◆ {esc(name)} (anticoagulant): {len(gaps_at)} dose'
        f"{'s' if len(gaps_at) != 1 else ''} not logged as taken in {ADHERENCE_DAYS} days:</b> "
        f"{esc(text)}</p>"
    )


def medications_section(data: BriefInput) -> str:
    """The medications table (anticoagulants first) and, under it, each anticoagulant's doses not logged as
    taken in the adherence window."""
    meds = _shown_medications(data)
    if not meds:
        return '<p class="none">No current medications are recorded.</p>'
    rows: list[str] = []
    missed_notes: list[str] = []
    for med in meds:
        regimen, upcoming = med.dose_on(data.today), med.next_change(data.today)
        schedule, dose = regimen.timing.describe(), esc(regimen.amount)
        if upcoming is not None:  # "75 mcg", under it "(88 mcg from 8 Dec)", as the Medications screen says
            timing = "" if upcoming.timing.describe() == schedule else f", {upcoming.timing.describe()}"
            change = f"{upcoming.amount}{timing} from {short_day(upcoming.effective_on)}"
            dose += f'<br><span class="dim">({esc(change)})</span>'
        taken_text, missed_text = "as needed", ""
        if not med.prn and med.id is not None:
            own_logs = [log for log in data.dose_logs if log.medication_id == med.id]
            a = adherence(med, own_logs, data.now, ADHERENCE_DAYS, data.grace)
            taken_text = f'{percent_text(a)} <span class="dim">({a.taken}/{a.due})</span>' if a.due else "—"
            gaps = [f"{a.missed} missed"] if a.missed else []
            gaps += [f"{a.skipped} skipped"] if a.skipped else []
            missed_text = ", ".join(gaps)
        anticoagulant = is_anticoagulant(med)
        css = ' class="ac"' if anticoagulant else ""
        # A combination shows its parts, so her care team sees what is in it (Folgard — folic acid + ...).
        name = catalog.display_name(med.name, med.generic)
        shown_name = esc(name) + (' <span class="tag">◆</span>' if anticoagulant else "")
        rows.append(
            f'<tr{css}><td>{shown_name}</td><td class="d">{dose}</td><td>{esc(_schedule(data, med))}</td>'
            f'<td class="num">{taken_text}</td><td class="d">{esc(missed_text)}</td></tr>'
        )
        if anticoagulant and med.id is not None:
            missed_notes.append(_missed_note(data, med, name))
    head = (
        "<tr><th>Medication</th><th>Dose</th><th>Schedule</th>"
        f'<th class="num">Taken, {ADHERENCE_DAYS} days</th><th>Not taken</th></tr>'
    )
    return f'<table class="meds">{head}{"".join(rows)}</table>{"".join(missed_notes)}'
