"""Rules over her records rather than single lab values: beta-hCG pairs (§4), loss history against the RPL
definitions (§1) and the APS loss pattern (§2c), missed doses (§6e) and refills."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from rpltrack.domain.betas import (
    BARNHART_2004,
    HCG_UNIT,
    MAX_JUDGED_HOURS,
    MIN_JUDGED_HOURS,
    SEEBER_2006,
    BetaDraw,
    BetaPair,
    HcgValue,
    MinimumRise,
    Verdict,
    assess_pair,
    split_series,
)
from rpltrack.domain.dating import format_ga
from rpltrack.domain.doses import entered_after, remaining_doses, slot_state
from rpltrack.domain.models import DoseLog, DoseSlot, DoseStatus, Medication
from rpltrack.domain.pregnancies import (
    NOT_COUNTED,
    SPONTANEOUS_LOSSES,
    LossCounts,
    Outcome,
    Pregnancy,
    count_losses,
)
from rpltrack.domain.records import record
from rpltrack.domain.schedule import expand
from rpltrack.flags.common import is_heparin
from rpltrack.flags.model import Flag, JournalSnapshot, Number, Unjudged

BETA_SLOW_RISE = "beta-slow-rise"
BETA_FALLING = "beta-falling"
RPL_DEFINITION_MET = "rpl-definition-met"
APS_CLINICAL_PATTERN = "aps-clinical-pattern"
MISSED_ANTICOAGULANT = "missed-anticoagulant"
MISSED_DOSES = "missed-doses"
REFILL_DUE = "refill-due"

# Only a series whose latest draw is this recent is judged; older series are history [app convention].
BETA_RECENT = timedelta(days=14)
# How far back the missed-dose rules look [app convention].
ANTICOAGULANT_LOOKBACK_DAYS = 14
OTHER_LOOKBACK_DAYS = 7
# refill-due compares what is on hand with the doses of the next week [app convention].
REFILL_HORIZON_DAYS = 7

EARLY_LOSS_DAYS = 10 * 7  # "before the 10th week" = < 10+0 w; 10+0 is "at or beyond" (§2a) [app convention]
PRETERM_BIRTH_DAYS = 34 * 7  # Sapporo (b): a birth before 34 weeks [S7]

DESCRIPTIONS: dict[str, str] = {
    BETA_SLOW_RISE: (
        "Checks the latest two beta-hCG draws of each series whose last draw is within the past 14 days "
        "(older series are history) [app convention]. The rise is normalised to 48 hours from the UTC times "
        "of the draws, rounded to one decimal, and compared with the Barnhart 2016 minimum for the first "
        "value: 49 % below 1,500, 40 % at 1,500-3,000, 33 % above 3,000 mIU/mL [S15]; no change at all also "
        "counts. rpltrack judges only draws 24-96 h apart [app convention] and shows Barnhart 2004 (53 %) "
        "[S13], Seeber 2006 (35 %) [S14] and an IVF study [S19] as context."
    ),
    BETA_FALLING: (
        "Checks whether the latest beta-hCG of a series from the past 14 days is lower than the one before "
        "it, including a later result such as <5 below an earlier value [app convention]. Any fall counts. "
        "Study numbers for how fast hCG falls after a spontaneous loss (21-35 % in 2 days) are shown as "
        "context [S16]."
    ),
    RPL_DEFINITION_MET: (
        "Counts the pregnancy losses in your journal under three definitions of recurrent pregnancy loss: "
        "ESHRE 2022, 2 or more losses before 24 weeks including those seen only on a pregnancy test [S1] "
        "[S2]; ASRM, 2 or more losses confirmed by ultrasound or tissue examination [S4] [S5]; RCOG 2023, 3 "
        "or more first-trimester losses [S6]. Ectopic and molar pregnancies and terminations are not "
        "counted. It shows which definitions your record meets and which it does not."
    ),
    APS_CLINICAL_PATTERN: (
        "Looks for the loss patterns that are clinical criteria for antiphospholipid syndrome (revised "
        "Sapporo 2006 [S7]): 3 or more losses in a row before 10+0 weeks, or a loss at 10+0 weeks or later. "
        "The 2023 ACR/EULAR criteria weigh these patterns differently [S8]; rpltrack does not classify. A "
        "birth before 34 weeks because of pre-eclampsia or placental insufficiency is also a criterion, but "
        "the journal does not record why a birth was early, so that part is not checked."
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


# -- shared formatting -------------------------------------------------------------------------------------


def _utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _plain(number: Decimal) -> str:
    """40.0 -> '40', 29.5 -> '29.5': a rounded figure without a trailing '.0'."""
    return f"{number.normalize():f}"


def _hcg(value: HcgValue) -> str:
    """1500 -> '1,500', <5 -> '<5'."""
    number = f"{value.value.normalize():,f}"
    return number if value.exact else f"{value.op.value}{number}"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def _local(at: datetime, snap: JournalSnapshot) -> datetime:
    return at.astimezone(snap.zone)


# -- beta-hCG (§4) -----------------------------------------------------------------------------------------


def _latest_pairs(snap: JournalSnapshot) -> list[BetaPair]:
    """The latest pair of each series whose latest draw is within BETA_RECENT of now, oldest series first."""
    now = snap.now.astimezone(UTC)
    drawn = [d for d in snap.betas if d.drawn_at.astimezone(UTC) <= now]
    pairs: list[BetaPair] = []
    for series in split_series(drawn):
        if len(series) < 2 or now - series[-1].drawn_at.astimezone(UTC) > BETA_RECENT:
            continue
        pairs.append(assess_pair(series[-2], series[-1]))
    return pairs


def _pair_subject(pair: BetaPair) -> str:
    return f"{_utc_iso(pair.first.drawn_at)}/{_utc_iso(pair.second.drawn_at)}"


def _exact_hours(pair: BetaPair) -> float:
    return (pair.second.drawn_at.astimezone(UTC) - pair.first.drawn_at.astimezone(UTC)).total_seconds() / 3600


def _draw_words(draw: BetaDraw, snap: JournalSnapshot) -> str:
    return f"{_hcg(draw.value)} {HCG_UNIT} on {_local(draw.drawn_at, snap):%Y-%m-%d %H:%M}"


def _pair_numbers(pair: BetaPair) -> dict[str, Number]:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "first": str(pair.first.value),
        "second": str(pair.second.value),
        "unit": HCG_UNIT,
        "first_at": _utc_iso(pair.first.drawn_at),
        "second_at": _utc_iso(pair.second.drawn_at),
        "hours": str(pair.hours),
        "change_percent": text(pair.change_percent),
        "rise_48h_percent": text(pair.rise_48h_percent),
        "fall_percent": text(pair.fall_percent),
        "doubling_hours": text(pair.doubling_hours),
        "minimum_percent": text(pair.minimum.percent) if pair.minimum else None,
        "minimum_source": pair.minimum.source if pair.minimum else None,
        "different_labs": pair.different_labs,
        "verdict": pair.verdict.value,
    }


# The Barnhart 2016 buckets in words, by their minimum (the thresholds themselves live in domain.betas).
_BUCKET_WORDS = {Decimal(49): "below 1,500", Decimal(40): "of 1,500 to 3,000", Decimal(33): "above 3,000"}


def _minimum_words(minimum: MinimumRise) -> str:
    words = _BUCKET_WORDS.get(minimum.percent)
    if words is None:
        return f"The lowest rise for this starting value is {minimum.label} [{minimum.source}]."
    return (
        f"The lowest rise Barnhart 2016 [{minimum.source}] describes for a starting value {words} is "
        f"{_plain(minimum.percent)} % in 2 days."
    )


def beta_slow_rise(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """§4b: the latest pair of a recent series rises less per 48 h than the Barnhart 2016 minimum, or not at
    all. Pairs outside 24-96 h and pairs a censored value leaves open are reported as not judged."""
    for pair in _latest_pairs(snap):
        subject = _pair_subject(pair)
        draws = f"Your betas of {_draw_words(pair.first, snap)} and {_draw_words(pair.second, snap)}"
        hours = _exact_hours(pair)
        if pair.verdict is Verdict.NOT_JUDGED or (
            pair.verdict is Verdict.CENSORED and not MIN_JUDGED_HOURS <= hours <= MAX_JUDGED_HOURS
        ):
            yield Unjudged(
                BETA_SLOW_RISE,
                subject,
                f"{draws} are {_plain(pair.hours)} h apart, outside the 1-4 day spacing the studies "
                "describe: rpltrack does not judge this rise.",
                ("S15",),
            )
        elif pair.verdict is Verdict.CENSORED:
            reason = (
                "cannot be judged from a censored value"
                if not (pair.first.value.exact and pair.second.value.exact)
                else "cannot be compared (a first value of 0 or draws at the same time)"
            )
            yield Unjudged(BETA_SLOW_RISE, subject, f"{draws}: the rise {reason}.", ("S15",))
        elif pair.verdict in (Verdict.BELOW, Verdict.PLATEAU) and pair.minimum is not None:
            yield _slow_rise_flag(snap, pair, subject)


def _slow_rise_flag(snap: JournalSnapshot, pair: BetaPair, subject: str) -> Flag:
    minimum = pair.minimum
    assert minimum is not None
    first, second = _hcg(pair.first.value), _hcg(pair.second.value)
    hours = _plain(pair.hours)
    study = _minimum_words(minimum)
    rise = pair.rise_48h_percent
    if pair.verdict is Verdict.PLATEAU:
        title = "Beta unchanged between two draws"
        detail = (
            f"Your beta was {first} {HCG_UNIT} and the same, {second} {HCG_UNIT}, {hours} h later "
            "(no change)."
        )
    elif rise is not None:
        title = "Beta rising more slowly than the studies' minimum"
        detail = (
            f"Your beta went from {first} to {second} {HCG_UNIT} in {hours} h, a rise of {_plain(rise)} % "
            "per 48 h."
        )
    else:
        title = "Beta rising more slowly than the studies' minimum"
        detail = (
            f"Your beta went from {first} to {second} {HCG_UNIT} in {hours} h: whatever the exact values "
            "behind the lab's notation, the rise per 48 h is below the minimum."
        )
    detail += f" {study} The draws were on {_local(pair.first.drawn_at, snap):%Y-%m-%d %H:%M} and "
    detail += f"{_local(pair.second.drawn_at, snap):%Y-%m-%d %H:%M}."
    context: list[str] = []
    for other in (BARNHART_2004, SEEBER_2006):
        if rise is not None:
            verdict = "this rise meets it" if rise >= other.percent else "this rise is below it"
            context.append(f"{other.label} [{other.source}]: {verdict}.")
        else:
            context.append(f"{other.label} [{other.source}].")
    context.append(
        "These curves come from women with pain or bleeding in natural pregnancies, not from IVF pregnancies."
    )
    ivf = (
        "In an IVF study of frozen blastocyst transfers with a low first beta, a 48-h fold rise of 1.4 went "
        "with clinical pregnancy and 1.9 with live birth [S19]"
    )
    if rise is not None:
        fold = (Decimal(1) + rise / 100).quantize(Decimal("0.01"))
        ivf += f"; this pair's 48-h fold rise is {fold}"
    context.append(ivf + ".")
    if pair.different_labs:
        context.append("The two draws come from different labs, and results can differ between assays.")
    context.append("rpltrack judges only the latest two draws, 24-96 h apart [app convention].")
    return Flag(
        rule=BETA_SLOW_RISE,
        subject=subject,
        title=title,
        detail=detail,
        ask="Ask your care team about these beta results.",
        numbers=_pair_numbers(pair),
        sources=("S15", "S13", "S14", "S19"),
        since=_local(pair.second.drawn_at, snap).date(),
        context=tuple(context),
    )


def beta_falling(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """§4c: the latest beta of a recent series is below the one before it (a quantitative fall, or a later
    censored <X under the earlier value). Never names an outcome."""
    for pair in _latest_pairs(snap):
        if pair.verdict is not Verdict.FALLING:
            continue
        first, second = _hcg(pair.first.value), _hcg(pair.second.value)
        hours = _plain(pair.hours)
        if pair.fall_percent is not None:
            fall = _plain(pair.fall_percent)
            detail = f"Your beta went from {first} to {second} {HCG_UNIT} in {hours} h (a {fall} % fall)."
        else:
            detail = (
                f"Your beta went from {first} to {second} {HCG_UNIT} in {hours} h, lower than the result "
                "before."
            )
        detail += f" The draws were on {_local(pair.first.drawn_at, snap):%Y-%m-%d %H:%M} and "
        detail += f"{_local(pair.second.drawn_at, snap):%Y-%m-%d %H:%M}."
        context = [
            "For comparison only: one study found that after a spontaneous pregnancy loss hCG fell by "
            "21-35 % in 2 days and by 60-84 % in 7 days, faster from higher starting values [S16]. These are "
            "study numbers; your care team can say what your results mean.",
        ]
        if pair.different_labs:
            context.append("The two draws come from different labs, and results can differ between assays.")
        yield Flag(
            rule=BETA_FALLING,
            subject=_pair_subject(pair),
            title="Beta lower than the result before",
            detail=detail,
            ask="Ask your care team soon about this result.",
            numbers=_pair_numbers(pair),
            sources=("S16",),
            since=_local(pair.second.drawn_at, snap).date(),
            context=tuple(context),
        )


# -- loss history (§1, §2c) --------------------------------------------------------------------------------

_UNCOUNTED_WORDS = {
    Outcome.ECTOPIC: "an ectopic pregnancy",
    Outcome.MOLAR: "a molar pregnancy",
    Outcome.TERMINATION: "a termination",
}


def _history(snap: JournalSnapshot) -> list[Pregnancy]:
    """Pregnancies recorded up to today, in the order count_losses reads them."""
    known = [p for p in snap.pregnancies if p.sort_on <= snap.today]
    return sorted(known, key=lambda p: (p.sort_on, p.id or 0))


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
        _plural(n, words, words)
        for n, words in (
            (sum(p.outcome is Outcome.BIOCHEMICAL for p in losses), "biochemical"),
            (sum(p.outcome is Outcome.PUL for p in losses), "of unknown location"),
        )
        if n
    ]
    including = f" incl. {' and '.join(early)}" if early else ""
    eshre = f"ESHRE 2022 ({_plural(counts.eshre, 'loss', 'losses')}{including}"
    asrm = f"ASRM ({_plural(counts.asrm, 'clinical loss', 'clinical losses')}"
    rcog = f"RCOG 2023 ({_plural(counts.rcog, 'first-trimester loss', 'first-trimester losses')}"
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
    history = _history(snap)
    counts = count_losses(history)
    if not any(counts.meets.values()):
        return
    losses = [p for p in history if p.counted_loss]
    detail = (
        f"Your journal records {_plural(counts.eshre, 'pregnancy loss', 'pregnancy losses')}. The ESHRE 2022 "
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
            f"{_plural(counts.ga_unknown, 'loss has', 'losses have')} no gestational age recorded; a "
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


def _early_loss(p: Pregnancy) -> bool:
    """A spontaneous loss known to be before 10+0 weeks; a biochemical loss or PUL without a recorded age is
    early by its nature (as domain.pregnancies reads it for the first trimester)."""
    if p.outcome not in SPONTANEOUS_LOSSES:
        return False
    if p.ga_at_end_days is None:
        return p.outcome in (Outcome.BIOCHEMICAL, Outcome.PUL)
    return p.ga_at_end_days < EARLY_LOSS_DAYS


def _fetal_death(p: Pregnancy) -> bool:
    """A spontaneous loss at or beyond 10+0 weeks (a stillbirth without a recorded age is one too)."""
    if p.outcome not in SPONTANEOUS_LOSSES:
        return False
    if p.ga_at_end_days is None:
        return p.outcome is Outcome.STILLBIRTH
    return p.ga_at_end_days >= EARLY_LOSS_DAYS


def _early_runs(history: Sequence[Pregnancy]) -> list[tuple[list[Pregnancy], bool]]:
    """Runs of losses in a row known to be before 10+0 weeks, each with whether an ectopic, molar pregnancy or
    termination sits inside it (those neither count nor break a run, §1). Any other ended pregnancy breaks it,
    including a loss whose age is not known to be early."""
    runs: list[tuple[list[Pregnancy], bool]] = []
    run: list[Pregnancy] = []
    uncounted = inside = False
    for p in history:
        if _early_loss(p):
            inside = inside or (uncounted and bool(run))
            run.append(p)
            uncounted = False
        elif p.outcome in NOT_COUNTED:
            uncounted = True
        elif p.outcome is not Outcome.ONGOING:
            if run:
                runs.append((run, inside))
            run, uncounted, inside = [], False, False
    if run:
        runs.append((run, inside))
    return runs


def aps_clinical_pattern(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """§2c: 3 or more losses in a row before 10+0 weeks, or a loss at 10+0 weeks or later, is one of the
    clinical criteria for APS (revised Sapporo 2006). A loss whose age is unknown, or a birth before 34 weeks
    whose cause the journal cannot hold, is reported as not judged when nothing else fires."""
    history = _history(snap)
    qualifying = [(run, inside) for run, inside in _early_runs(history) if len(run) >= 3]
    fetal = [p for p in history if _fetal_death(p)]
    if not qualifying and not fetal:
        yield from _aps_unjudged(history)
        return
    parts: list[str] = []
    context: list[str] = []
    triggering: list[Pregnancy] = []
    branches: list[str] = []
    numbers: dict[str, Number] = {"early_run": 0, "fetal_deaths": len(fetal)}
    if qualifying:
        run, inside = qualifying[-1]
        branches.append("early-run")
        triggering.extend(run)
        numbers["early_run"] = len(run)
        numbers["early_run_from"] = run[0].sort_on.isoformat()
        numbers["early_run_to"] = run[-1].sort_on.isoformat()
        dates = ", ".join(p.sort_on.isoformat() for p in run)
        parts.append(f"{len(run)} losses in a row before 10 weeks ({dates})")
        context.append(
            "Under the 2023 ACR/EULAR criteria, 3 or more early losses in a row give 1 of the 3 clinical "
            "points needed [S8]; rpltrack does not classify."
        )
        if inside:
            context.append(
                "An ectopic or molar pregnancy or a termination sits between these losses; rpltrack neither "
                "counts it nor lets it break the run: ask your care team how it is counted."
            )
    if fetal:
        branches.append("fetal-death")
        triggering.extend(fetal)
        for p in fetal:
            at = f"at {format_ga(p.ga_at_end_days)} " if p.ga_at_end_days is not None else ""
            word = "a stillbirth" if p.outcome is Outcome.STILLBIRTH else "a loss"
            parts.append(f"{word} {at}on {p.sort_on.isoformat()}")
        numbers["latest_fetal_death_on"] = fetal[-1].sort_on.isoformat()
        numbers["latest_fetal_death_ga_days"] = fetal[-1].ga_at_end_days
        context.append(
            "Under the 2023 ACR/EULAR criteria, a fetal death at 10w 0d-15w 6d, or at 16w 0d-33w 6d without "
            "severe pre-eclampsia or placental insufficiency, gives 1 of the 3 clinical points needed [S8]; "
            "rpltrack does not classify."
        )
    context.append(
        "The criteria also ask that other causes be ruled out and that antiphospholipid antibody tests be "
        "positive twice, at least 12 weeks apart [S7]. rpltrack cannot know whether a loss was unexplained."
    )
    context.append("A loss at exactly 10w 0d counts as 'at or beyond the 10th week' [app convention].")
    context.append(
        "The journal does not record why a birth was early, so a birth before 34 weeks because of "
        "pre-eclampsia or placental insufficiency (another criterion) is not checked."
    )
    since = max(p.sort_on for p in triggering)
    yield Flag(
        rule=APS_CLINICAL_PATTERN,
        subject=f"{'+'.join(branches)}:{since.isoformat()}",
        title="A loss pattern used in the APS criteria",
        detail=(
            "Your record shows a loss pattern that is one of the clinical criteria used for antiphospholipid "
            f"syndrome (revised Sapporo 2006): {' and '.join(parts)}."
        ),
        ask="Ask your care team whether antiphospholipid antibody testing is appropriate.",
        numbers=numbers,
        sources=("S7", "S8"),
        since=since,
        context=tuple(context),
    )


def _aps_unjudged(history: Sequence[Pregnancy]) -> Iterator[Unjudged]:
    unknown = [
        p for p in history if p.outcome in SPONTANEOUS_LOSSES and not (_early_loss(p) or _fetal_death(p))
    ]
    if unknown:
        dates = ", ".join(p.sort_on.isoformat() for p in unknown)
        yield Unjudged(
            APS_CLINICAL_PATTERN,
            f"ga-unknown:{unknown[-1].sort_on.isoformat()}",
            f"{_plural(len(unknown), 'loss', 'losses')} ({dates}) {'has' if len(unknown) == 1 else 'have'} "
            "no gestational age recorded. A loss at 10 weeks or later, or 3 or more losses in a row before "
            "10 weeks, is one of the clinical criteria used for antiphospholipid syndrome: add the "
            "gestational age (an estimate is fine) so rpltrack can check.",
            ("S7",),
        )
    for p in history:
        if (
            p.outcome is Outcome.LIVE_BIRTH
            and p.ga_at_end_days is not None
            and p.ga_at_end_days < PRETERM_BIRTH_DAYS
        ):
            yield Unjudged(
                APS_CLINICAL_PATTERN,
                f"preterm:{p.sort_on.isoformat()}",
                f"A birth at {format_ga(p.ga_at_end_days)} on {p.sort_on.isoformat()} is recorded. A "
                "birth before 34 weeks because of severe pre-eclampsia or placental insufficiency is "
                "one of the clinical criteria used for antiphospholipid syndrome; the journal does not "
                "record the cause, so rpltrack cannot check it.",
                ("S7",),
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
        local = _local(item.slot.slot_at, snap)
        return f"{local:%Y-%m-%d} at {local:%H:%M}"

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
        subject=f"med{med.id}:{_utc_iso(latest.slot_at)}",
        title=title,
        detail=detail,
        ask=ask,
        numbers={
            "medication_id": med.id,
            "medication": name,
            "not_taken": len(missed),
            "not_logged": len(missed) - skipped,
            "skipped": skipped,
            "first_slot_at": _utc_iso(missed[0].slot.slot_at),
            "latest_slot_at": _utc_iso(latest.slot_at),
            "lookback_days": days,
            "grace_minutes": int(snap.grace.total_seconds() // 60),
        },
        sources=("app",),
        since=_local(latest.slot_at, snap).date(),
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
            f"counted on {_local(med.supply_at, snap):%Y-%m-%d}"
            if med.supply_at is not None
            else "as counted"
        )
        detail = (
            f"You have {_plural(on_hand, 'dose')} of {med.name} on hand ({med.supply} {counted}, minus "
            f"{taken} logged as taken since) and {_plural(upcoming, 'dose is', 'doses are')} scheduled in "
            f"the next {REFILL_HORIZON_DAYS} days."
        )
        if remaining is not None and med.last_day is not None:
            detail += (
                f" Until the schedule ends on {med.last_day.isoformat()}, {_plural(remaining, 'dose')} "
                f"{'remains' if remaining == 1 else 'remain'}."
            )
        since = _local(med.supply_at, snap).date() if med.supply_at is not None else snap.today
        yield Flag(
            rule=REFILL_DUE,
            subject=f"med{med.id}:{_utc_iso(med.supply_at) if med.supply_at is not None else 'none'}",
            title=f"{med.name}: refill due soon",
            detail=detail,
            ask=f"Ask your care team or pharmacy about a refill of {med.name}.",
            numbers={
                "medication_id": med.id,
                "medication": med.name,
                "supply": med.supply,
                "supply_at": _utc_iso(med.supply_at) if med.supply_at is not None else None,
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
