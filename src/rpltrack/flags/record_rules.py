"""Rules over her records rather than single lab values: loss history against the RPL definitions (§1),
missed doses (§6e) and refills. The beta-hCG rules (§4) live in beta_rules, the APS loss pattern (§2c) in
aps_rules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from rpltrack.domain.doses import entered_after, remaining_doses, slot_state
from rpltrack.domain.models import DoseLog, DoseSlot, DoseStatus, Medication
from rpltrack.domain.pregnancies import NOT_COUNTED, LossCounts, Outcome, Pregnancy, count_losses
from rpltrack.domain.records import record
from rpltrack.domain.schedule import expand
from rpltrack.flags import wording
from rpltrack.flags.common import is_heparin
from rpltrack.flags.model import Flag, JournalSnapshot, Unjudged
from rpltrack.flags.wording import plural, utc_iso

RPL_DEFINITION_MET = "rpl-definition-met"
MISSED_ANTICOAGULANT = "missed-anticoagulant"
MISSED_DOSES = "missed-doses"
REFILL_DUE = "refill-due"

# How far back the missed-dose rules look [app convention].
ANTICOAGULANT_LOOKBACK_DAYS = 14
OTHER_LOOKBACK_DAYS = 7
# refill-due compares what is on hand with the doses of the next week [app convention].
REFILL_HORIZON_DAYS = 7

DESCRIPTIONS: dict[str, str] = {
    RPL_DEFINITION_MET: (
        "Counts the pregnancy losses in your journal under three definitions of recurrent pregnancy loss: "
        "ESHRE 2022, 2 or more losses before 24 weeks including those seen only on a pregnancy test [S1] "
        "[S2]; ASRM, 2 or more losses confirmed by ultrasound or tissue examination [S4] [S5]; RCOG 2023, 3 "
        "or more first-trimester losses [S6]. Ectopic and molar pregnancies and terminations are not "
        "counted. It shows which definitions your record meets and which it does not."
    ),
    MISSED_ANTICOAGULANT: (
        "Checks the scheduled heparin and LMWH doses of the past 14 days: a dose with no 'taken' log once "
        "its reminder grace period after the scheduled time has passed, or a dose logged as skipped, is "
        "listed [app convention; no clinical threshold exists]. Doses that were already past when the "
        "medication was added are not counted."
    ),
    MISSED_DOSES: (
        "Checks the scheduled doses of every other medication over the past 7 days: a dose with no 'taken' "
        "log once its grace period has passed, or a dose logged as skipped, is listed [app convention]. "
        "As-needed medications have no schedule and are not checked."
    ),
    REFILL_DUE: (
        "For a medication whose supply you counted, subtracts the doses logged as taken since then and "
        "compares what is left with the doses scheduled in the next 7 days [app convention]. It fires when "
        "fewer are on hand than the week needs."
    ),
}


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


# -- loss history (§1) --------------------------------------------------------------------------------

_UNCOUNTED_WORDS = {
    Outcome.ECTOPIC: "an ectopic pregnancy",
    Outcome.MOLAR: "a molar pregnancy",
    Outcome.TERMINATION: "a termination",
}


def _uncounted_between_losses(history: Sequence[Pregnancy]) -> list[Outcome]:
    """Ectopic, molar and termination outcomes that sit between two counted losses of one run (§1)."""
    found: list[Outcome] = []
    pending: list[Outcome] = []
    in_run = False
    for p in history:
        if p.counted_loss:
            found.extend(o for o in pending if o not in found)
            pending, in_run = [], True
        elif p.outcome in NOT_COUNTED:
            if in_run:
                pending.append(p.outcome)
        elif p.outcome is Outcome.LIVE_BIRTH or (p.ga_at_end_days is not None and p.ga_at_end_days >= 24 * 7):
            pending, in_run = [], False
    return found


def _definition_parts(counts: LossCounts, losses: Sequence[Pregnancy]) -> list[str]:
    meets = counts.meets
    early = [
        plural(n, words, words)
        for n, words in (
            (sum(p.outcome is Outcome.BIOCHEMICAL for p in losses), "biochemical"),
            (sum(p.outcome is Outcome.PUL for p in losses), "of unknown location"),
        )
        if n
    ]
    including = f" incl. {' and '.join(early)}" if early else ""
    eshre = f"ESHRE 2022 ({plural(counts.eshre, 'loss', 'losses')}{including}"
    asrm = f"ASRM ({plural(counts.asrm, 'clinical loss', 'clinical losses')}"
    rcog = f"RCOG 2023 ({plural(counts.rcog, 'first-trimester loss', 'first-trimester losses')}"
    parts: list[str] = []
    for name, text, needed in (("ESHRE", eshre, 2), ("ASRM", asrm, 2), ("RCOG", rcog, 3)):
        if meets[name]:
            parts.append(f"meets {text})")
        else:
            parts.append(f"does not meet {text}; {name} uses {needed})")
    return parts


def rpl_definition_met(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """§1: the journal's losses meet the ESHRE, ASRM or RCOG definition of recurrent pregnancy loss; lists
    which are met and which are not, and the longest run of losses in a row."""
    history = wording.history(snap)
    counts = count_losses(history)
    if not any(counts.meets.values()):
        return
    losses = [p for p in history if p.counted_loss]
    detail = (
        f"Your journal records {plural(counts.eshre, 'pregnancy loss', 'pregnancy losses')}. The ESHRE 2022 "
        "guideline uses 2 or more losses, including early losses seen only on a pregnancy test, to define "
        "recurrent pregnancy loss. By definition, your record "
        f"{'; '.join(_definition_parts(counts, losses))}. The longest run of losses in a row is "
        f"{counts.longest_run}."
    )
    if counts.run_has_uncounted:
        kinds = _uncounted_between_losses(history)
        what = " or ".join(_UNCOUNTED_WORDS[o] for o in kinds) if kinds else "an ectopic pregnancy"
        detail += (
            f" That run has {what} between losses, which is neither counted nor breaks the run: ask your "
            f"care team how {what} between losses is counted."
        )
    context = [
        "ESHRE 2022 [S1] [S2]: 2 or more pregnancy losses before 24 weeks, including losses seen only on a "
        "pregnancy test; ectopic and molar pregnancies are not counted; the losses need not be in a row.",
        "ASRM [S4] [S5]: 2 or more failed clinical pregnancies, seen on ultrasound or in tissue examination.",
        "RCOG 2023 [S6]: 3 or more first-trimester miscarriages, in a row or not; clinicians may start an "
        "evaluation after 2. rpltrack reads the first trimester as before 14+0 weeks [app convention].",
    ]
    if counts.ga_unknown:
        context.append(
            f"{plural(counts.ga_unknown, 'loss has', 'losses have')} no gestational age recorded; a "
            "miscarriage without one is not counted as first-trimester."
        )
    yield Flag(
        rule=RPL_DEFINITION_MET,
        subject=f"losses:{counts.eshre}",
        title="Your record meets a definition of recurrent pregnancy loss",
        detail=detail,
        ask="Ask your care team whether an RPL evaluation is right for you.",
        numbers={
            "eshre_count": counts.eshre,
            "asrm_count": counts.asrm,
            "rcog_count": counts.rcog,
            "meets_eshre": counts.meets["ESHRE"],
            "meets_asrm": counts.meets["ASRM"],
            "meets_rcog": counts.meets["RCOG"],
            "longest_run": counts.longest_run,
            "run_has_uncounted": counts.run_has_uncounted,
            "ga_unknown": counts.ga_unknown,
            "latest_loss_on": losses[-1].sort_on.isoformat(),
        },
        sources=("S1", "S2", "S4", "S5", "S6"),
        since=max(p.sort_on for p in losses),
        context=tuple(context),
    )


# -- doses (§6e) and refills -------------------------------------------------------------------------------


@record(frozen=True)
class _NotTaken:
    slot: DoseSlot
    skipped: bool


def _logs_by_slot(snap: JournalSnapshot) -> dict[tuple[int, datetime], DoseLog]:
    """Each slot's log; when a slot has several, a 'taken' one wins, else the first."""
    by_slot: dict[tuple[int, datetime], DoseLog] = {}
    for log in snap.doses:
        if log.slot_at is None:
            continue
        key = (log.medication_id, log.slot_at.astimezone(UTC))
        held = by_slot.get(key)
        if held is None or (held.status is not DoseStatus.TAKEN and log.status is DoseStatus.TAKEN):
            by_slot[key] = log
    return by_slot


def _not_taken(
    snap: JournalSnapshot, med: Medication, days: int, logs: dict[tuple[int, datetime], DoseLog]
) -> list[_NotTaken]:
    """Scheduled slots of the last `days` days (never before doses_since) whose window has ended without a
    'taken' log, leaving out slots already past their window when the medication was entered."""
    if med.id is None:
        return []
    now = snap.now.astimezone(UTC)  # a fold=1 local time would lose its fold in the arithmetic below
    start = now - timedelta(days=days)
    if snap.doses_since is not None:
        start = max(start, snap.doses_since.astimezone(UTC))
    found: list[_NotTaken] = []
    for slot in expand(med, start, now):
        if slot.slot_at.astimezone(UTC) + snap.grace > now:
            continue  # still inside its dose window
        log = logs.get((med.id, slot.slot_at.astimezone(UTC)))
        status, _ = slot_state(slot, log, now, snap.grace)
        if status is DoseStatus.TAKEN or (log is None and entered_after(med, slot, snap.grace)):
            continue
        found.append(_NotTaken(slot, status is DoseStatus.SKIPPED))
    return found


def _missed_flag(
    snap: JournalSnapshot, med: Medication, missed: Sequence[_NotTaken], rule: str, days: int
) -> Flag:
    assert med.id is not None
    name = med.name
    skipped = sum(m.skipped for m in missed)
    latest = missed[-1].slot

    def when(item: _NotTaken) -> str:
        at = wording.local(item.slot.slot_at, snap)
        return f"{at:%Y-%m-%d} at {at:%H:%M}"

    if len(missed) == 1:
        article = "An" if name[:1].casefold() in "aeiou" else "A"
        detail = f"{article} {name} dose on {when(missed[0])} is not logged as taken"
        detail += ": it was logged as skipped." if missed[0].skipped else "."
        title = f"{name}: a dose not logged as taken"
    else:
        listed = "; ".join(f"{when(m)} ({'skipped' if m.skipped else 'not logged'})" for m in missed)
        detail = f"{len(missed)} {name} doses in the last {days} days are not logged as taken: {listed}."
        title = f"{name}: {len(missed)} doses not logged as taken"
    heparin = rule == MISSED_ANTICOAGULANT
    ask = (
        "Ask your care team what to do about missed doses."
        if heparin
        else f"Ask your care team what to do about missed doses of {name}."
    )
    return Flag(
        rule=rule,
        subject=f"med{med.id}:{utc_iso(latest.slot_at)}",
        title=title,
        detail=detail,
        ask=ask,
        numbers={
            "medication_id": med.id,
            "medication": name,
            "not_taken": len(missed),
            "not_logged": len(missed) - skipped,
            "skipped": skipped,
            "first_slot_at": utc_iso(missed[0].slot.slot_at),
            "latest_slot_at": utc_iso(latest.slot_at),
            "lookback_days": days,
            "grace_minutes": int(snap.grace.total_seconds() // 60),
        },
        sources=("app",),
        since=wording.local(latest.slot_at, snap).date(),
        context=(
            f"rpltrack looks back {days} days and lists a dose once {_duration(snap.grace)} have passed "
            "after its scheduled time without a 'taken' log, or when it was logged as skipped [app "
            "convention].",
            "Doses that were already past when the medication was added are not counted.",
            "rpltrack never suggests a late or extra dose: what to do comes from your care team.",
        ),
    )


def missed_anticoagulant(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """§6e: a scheduled heparin/LMWH dose of the last 14 days not logged as taken by the end of its window
    (or logged as skipped). One flag per medication; a new missed dose makes a new subject."""
    logs = _logs_by_slot(snap)
    for med in snap.medications:
        if not is_heparin(med):
            continue
        missed = _not_taken(snap, med, ANTICOAGULANT_LOOKBACK_DAYS, logs)
        if missed:
            yield _missed_flag(snap, med, missed, MISSED_ANTICOAGULANT, ANTICOAGULANT_LOOKBACK_DAYS)


def missed_doses(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """The same over the last 7 days for every other scheduled medication [app convention]."""
    logs = _logs_by_slot(snap)
    for med in snap.medications:
        if is_heparin(med):
            continue
        missed = _not_taken(snap, med, OTHER_LOOKBACK_DAYS, logs)
        if missed:
            yield _missed_flag(snap, med, missed, MISSED_DOSES, OTHER_LOOKBACK_DAYS)


def refill_due(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """Fewer doses on hand (the counted supply minus doses taken since) than the next 7 days schedule."""
    for med in snap.medications:
        if med.supply is None or med.id is None:
            continue
        taken = snap.taken_since_supply.get(med.id, 0)
        on_hand = max(0, med.supply - taken)
        now = snap.now.astimezone(UTC)
        upcoming = len(expand(med, now, now + timedelta(days=REFILL_HORIZON_DAYS)))
        if on_hand >= upcoming:
            continue
        remaining = remaining_doses(med, snap.now)
        counted = (
            f"counted on {wording.local(med.supply_at, snap):%Y-%m-%d}"
            if med.supply_at is not None
            else "as counted"
        )
        detail = (
            f"You have {plural(on_hand, 'dose')} of {med.name} on hand ({med.supply} {counted}, minus "
            f"{taken} logged as taken since) and {plural(upcoming, 'dose is', 'doses are')} scheduled in "
            f"the next {REFILL_HORIZON_DAYS} days."
        )
        if remaining is not None and med.last_day is not None:
            detail += (
                f" Until the schedule ends on {med.last_day.isoformat()}, {plural(remaining, 'dose')} "
                f"{'remains' if remaining == 1 else 'remain'}."
            )
        since = wording.local(med.supply_at, snap).date() if med.supply_at is not None else snap.today
        yield Flag(
            rule=REFILL_DUE,
            subject=f"med{med.id}:{utc_iso(med.supply_at) if med.supply_at is not None else 'none'}",
            title=f"{med.name}: refill due soon",
            detail=detail,
            ask=f"Ask your care team or pharmacy about a refill of {med.name}.",
            numbers={
                "medication_id": med.id,
                "medication": med.name,
                "supply": med.supply,
                "supply_at": utc_iso(med.supply_at) if med.supply_at is not None else None,
                "taken_since_supply": taken,
                "on_hand": on_hand,
                "next_7_days": upcoming,
                "remaining": remaining,
            },
            sources=("app",),
            since=since,
            context=(
                "On hand is the supply you last counted minus the doses logged as taken since then.",
                f"rpltrack compares it with the doses scheduled in the next {REFILL_HORIZON_DAYS} days "
                "[app convention].",
            ),
        )
