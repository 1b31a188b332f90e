"""The beta-hCG rules (clinical-reference §4): a rise slower than the studies' minimum, and a falling beta.

A pair with a lab bound (<5, >10000) is judged only when the bound alone decides, and then says what the
bound supports ("a rise of at least 62.3 % per 48 h", "a fall of at least 90 %"); otherwise it says what
cannot be judged and why. Pairs drawn at the same time or under 24 hours apart say so in plain words.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta
from decimal import Decimal

from rpltrack.domain.betas import (
    BARNHART_2004,
    HCG_UNIT,
    SEEBER_2006,
    BetaDraw,
    BetaPair,
    HcgValue,
    MinimumRise,
    Spacing,
    Verdict,
    assess_pair,
    split_series,
)
from rpltrack.flags.model import Flag, JournalSnapshot, Number, Unjudged
from rpltrack.flags.wording import local, plain, utc_iso

BETA_SLOW_RISE = "beta-slow-rise"
BETA_FALLING = "beta-falling"

# Only a series whose latest draw is this recent is judged; older series are history [app convention].
BETA_RECENT = timedelta(days=14)

DESCRIPTIONS: dict[str, str] = {
    BETA_SLOW_RISE: (
        "Checks the latest two beta-hCG draws of each series whose last draw is within the past 14 days "
        "(older series are history) [app convention]. The rise is normalised to 48 hours from the UTC times "
        "of the draws, rounded to one decimal, and compared with the Barnhart 2016 minimum for the first "
        "value: 49 % below 1,500, 40 % at 1,500-3,000, 33 % above 3,000 mIU/mL [S15]; no change at all also "
        "counts. rpltrack judges only draws 24-96 h apart [app convention] and shows Barnhart 2004 (53 %) "
        "[S13], Seeber 2006 (35 %) [S14] and an IVF study [S19] as context. A result the lab printed as a "
        "bound (such as >10000) is judged only when the bound alone decides, and the flag says what the "
        "bound supports (a rise of at least, or less than, a figure)."
    ),
    BETA_FALLING: (
        "Checks whether the latest beta-hCG of a series from the past 14 days is lower than the one before "
        "it, including a later result such as <5 below an earlier value, which shows a fall of at least a "
        "figure [app convention]. Any fall counts. Study numbers for how fast hCG falls after a spontaneous "
        "loss (21-35 % in 2 days) are shown as context [S16]."
    ),
}


def _hcg(value: HcgValue) -> str:
    """1500 -> '1,500', <5 -> '<5'."""
    number = f"{value.value.normalize():,f}"
    return number if value.exact else f"{value.op.value}{number}"


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
    return f"{utc_iso(pair.first.drawn_at)}/{utc_iso(pair.second.drawn_at)}"


def _draw_words(draw: BetaDraw, snap: JournalSnapshot) -> str:
    return f"{_hcg(draw.value)} {HCG_UNIT} on {local(draw.drawn_at, snap):%Y-%m-%d %H:%M}"


def _pair_numbers(pair: BetaPair) -> dict[str, Number]:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "first": str(pair.first.value),
        "second": str(pair.second.value),
        "unit": HCG_UNIT,
        "first_at": utc_iso(pair.first.drawn_at),
        "second_at": utc_iso(pair.second.drawn_at),
        "hours": str(pair.hours),
        "change_percent": text(pair.change_percent),
        "rise_48h_percent": text(pair.rise_48h_percent),
        "fall_percent": text(pair.fall_percent),
        "doubling_hours": text(pair.doubling_hours),
        "minimum_percent": text(pair.minimum.percent) if pair.minimum else None,
        "minimum_source": pair.minimum.source if pair.minimum else None,
        "different_labs": pair.different_labs,
        "verdict": pair.verdict.value,
        "rise_48h_at_least_percent": text(pair.rise_48h_at_least),
        "rise_48h_under_percent": text(pair.rise_48h_under),
        "fall_at_least_percent": text(pair.fall_at_least),
    }


# The Barnhart 2016 buckets in words, by their minimum (the thresholds themselves live in domain.betas).
_BUCKET_WORDS = {Decimal(49): "below 1,500", Decimal(40): "of 1,500 to 3,000", Decimal(33): "above 3,000"}


def _minimum_words(minimum: MinimumRise) -> str:
    words = _BUCKET_WORDS.get(minimum.percent)
    if words is None:
        return f"The lowest rise for this starting value is {minimum.label} [{minimum.source}]."
    return (
        f"The lowest rise Barnhart 2016 [{minimum.source}] describes for a starting value {words} is "
        f"{plain(minimum.percent)} % in 2 days."
    )


def _not_judged_text(pair: BetaPair, snap: JournalSnapshot) -> str:
    """Why the latest pair is not judged, in plain words: its spacing, or a bound that leaves it open."""
    draws = f"Your betas of {_draw_words(pair.first, snap)} and {_draw_words(pair.second, snap)}"
    hours = plain(pair.hours)
    if pair.verdict is Verdict.CENSORED:
        return f"{draws}: the rise cannot be judged: {pair.reason}."
    if pair.spacing is Spacing.SAME_TIME:
        twice = (
            " If the same result was entered twice, delete the extra one."
            if (pair.first.value.op, pair.first.value.value)
            == (pair.second.value.op, pair.second.value.value)
            else ""
        )
        return f"{draws} were {Spacing.SAME_TIME.value}.{twice}"
    if pair.spacing is Spacing.TOO_CLOSE:
        return (
            f"{draws} were drawn {hours} h apart, less than 24 hours: too close together to judge a rise "
            "(rpltrack judges draws 24-96 h apart, the 1-4 day spacing the studies describe)."
        )
    return (
        f"{draws} are {hours} h apart, outside the 1-4 day spacing the studies describe: rpltrack does not "
        "judge this rise."
    )


def beta_slow_rise(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """§4b: the latest pair of a recent series rises less per 48 h than the Barnhart 2016 minimum, or not at
    all. Pairs drawn at the same time, under 24 h or over 96 h apart, and pairs a lab bound leaves open, are
    reported as not judged, saying why."""
    for pair in _latest_pairs(snap):
        if pair.verdict in (Verdict.NOT_JUDGED, Verdict.CENSORED):
            yield Unjudged(BETA_SLOW_RISE, _pair_subject(pair), _not_judged_text(pair, snap), ("S15",))
        elif pair.verdict in (Verdict.BELOW, Verdict.PLATEAU) and pair.minimum is not None:
            yield _slow_rise_flag(snap, pair, _pair_subject(pair))


def _slow_rise_detail(pair: BetaPair) -> tuple[str, str]:
    """The flag's title and the first sentence of its detail."""
    first, second = _hcg(pair.first.value), _hcg(pair.second.value)
    hours = plain(pair.hours)
    rise = pair.rise_48h_percent
    if pair.verdict is Verdict.PLATEAU:
        return "Beta unchanged between two draws", (
            f"Your beta was {first} {HCG_UNIT} and the same, {second} {HCG_UNIT}, {hours} h later "
            "(no change)."
        )
    title = "Beta rising more slowly than the studies' minimum"
    if rise is not None:
        return title, (
            f"Your beta went from {first} to {second} {HCG_UNIT} in {hours} h, a rise of {plain(rise)} % "
            "per 48 h."
        )
    if pair.bound_words:
        return title, (
            f"Your beta went from {first} to {second} {HCG_UNIT} in {hours} h: the lab's bound shows "
            f"{pair.bound_words}."
        )
    return title, (
        f"Your beta went from {first} to {second} {HCG_UNIT} in {hours} h: whatever the exact values behind "
        "the lab's notation, the rise per 48 h is below the minimum."
    )


def _slow_rise_flag(snap: JournalSnapshot, pair: BetaPair, subject: str) -> Flag:
    minimum = pair.minimum
    assert minimum is not None
    title, detail = _slow_rise_detail(pair)
    detail += (
        f" {_minimum_words(minimum)} The draws were on {local(pair.first.drawn_at, snap):%Y-%m-%d %H:%M} "
    )
    detail += f"and {local(pair.second.drawn_at, snap):%Y-%m-%d %H:%M}."
    rise = pair.rise_48h_percent
    context: list[str] = []
    for other in (BARNHART_2004, SEEBER_2006):
        if rise is not None:
            verdict = "this rise meets it" if rise >= other.percent else "this rise is below it"
            context.append(f"{other.label} [{other.source}]: {verdict}.")
        elif pair.rise_48h_under is not None and pair.rise_48h_under < other.percent:
            context.append(f"{other.label} [{other.source}]: this rise is below it.")
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
        since=local(pair.second.drawn_at, snap).date(),
        context=tuple(context),
    )


def beta_falling(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """§4c: the latest beta of a recent series is below the one before it (a quantitative fall, or a later
    censored <X under the earlier value, with the fall that bound shows). Never names an outcome."""
    for pair in _latest_pairs(snap):
        if pair.verdict is not Verdict.FALLING:
            continue
        first, second = _hcg(pair.first.value), _hcg(pair.second.value)
        hours = plain(pair.hours)
        went = f"Your beta went from {first} to {second} {HCG_UNIT} in {hours} h"
        if pair.fall_percent is not None:
            detail = f"{went} (a {plain(pair.fall_percent)} % fall)."
        elif pair.fall_at_least is not None:
            detail = f"{went} (a fall of at least {plain(pair.fall_at_least)} %)."
        else:
            detail = f"{went}, lower than the result before."
        detail += f" The draws were on {local(pair.first.drawn_at, snap):%Y-%m-%d %H:%M} and "
        detail += f"{local(pair.second.drawn_at, snap):%Y-%m-%d %H:%M}."
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
            since=local(pair.second.drawn_at, snap).date(),
            context=tuple(context),
        )
