"""The lab rules of the clinical reference: TSH above target, progesterone low around transfer, vitamin D
low and results outside the printed range (antiphospholipid repeats and a platelet fall on heparin are in
clotting_rules, retests due in retest_rules).

Every threshold is compared in the unit she entered (`compare_to_threshold`: the threshold is converted, the
value is compared unrounded), strictly ("above" is >, "below" is <), and a censored value (`<0.01`) is used
only when its bound alone decides; otherwise the rule says it cannot judge it (§0).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from rpltrack.domain import settings
from rpltrack.domain.cycles import CycleKind, EventKind
from rpltrack.domain.thyroid import (
    GUIDELINE_TSH_LOW_TARGET,
    RUNG_CLINIC,
    RUNG_PRINTED_STRICTER,
    TshTarget,
    guideline_tsh_default,
    guideline_tsh_target,
)
from rpltrack.flags import common, lab_common
from rpltrack.flags.clotting_rules import PLATELET_UNIT_SHOWN
from rpltrack.flags.lab_common import (
    CENSORED,
    clinic_threshold,
    dec,
    in_sentence,
    in_unit_text,
    is_above,
    is_below,
    on_levothyroxine,
    one_place,
    printed,
    subject,
    test_for,
    test_name,
    unjudged_text,
    value_text,
)
from rpltrack.flags.model import Flag, JournalSnapshot, Number, Unjudged

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from rpltrack.domain.labs import LabTest, LabValue

DESCRIPTIONS: dict[str, str] = {
    "tsh-above-target": (
        "Checks your latest TSH against an upper target: your clinic's, else 2.5 mIU/L when pregnant on "
        "levothyroxine, 4.0 mIU/L when pregnant without levothyroxine, and 2.5 mIU/L when not pregnant "
        "(ATA 2017 [S10], ATA 2025 [S11], ASRM 2015 [S12]). In pregnancy the upper limit printed on the "
        "report is used instead when it is lower; a printed range never raises the target. Without a clinic "
        "target it also fires when TSH is above 2.5 mIU/L and your latest TPO antibody result is positive. "
        "A TSH equal to the target does not fire."
    ),
    "progesterone-low": (
        "Checks progesterone results from the day before to the day after a recorded transfer, while a "
        "progesterone schedule or a natural-cycle frozen transfer is recorded. It fires below 10 ng/mL "
        "(31.8 nmol/L) or your clinic's level; some frozen-transfer studies link lower levels to fewer "
        "live births and others do not [S29]."
    ),
    "vitamin-d-low": (
        "Checks your latest 25-OH vitamin D against 20 ng/mL (49.92 nmol/L), or your clinic's level; 20 "
        "exactly does not fire (Endocrine Society 2011, IOM 2011 [S35]). The Endocrine Society 2024 "
        "guideline no longer endorses any threshold."
    ),
    "lab-out-of-range": (
        "Checks the latest result of each lab against the reference range printed on its report, entered "
        "with the result; without a printed range it does not fire. A value equal to an end of the range "
        "is inside it. This is an rpltrack convention, not a clinical threshold."
    ),
    "apl-repeat-due": (
        "Fires after a positive lupus anticoagulant, an anticardiolipin of 40 GPL/MPL or more (or above the "
        "printed range), or an anti-beta2-glycoprotein-I above the printed range, until the same test is "
        "repeated at least 12 weeks (84 days) later, or your clinic's interval. Classification criteria "
        "need two positives at least 12 weeks apart (Sydney 2006 [S7], ACR/EULAR 2023 [S8], ACOG [S9])."
    ),
    "platelets-fall-on-heparin": (
        "Checks platelet counts from the first day of a heparin or LMWH schedule until 30 days after its "
        "last dose against the highest count from 30 days before the start. It fires when the fall is 30 % "
        "or more (rounded to 1 decimal) and shows the 4Ts points for the fall and the heparin day "
        "(4Ts [S23], BCSH 2012 [S25]). Without an earlier count it says it cannot judge a fall."
    ),
    "retest-due": (
        "Shows a TSH check due every 4 weeks until 20 weeks and once near 30 weeks while pregnant on "
        "levothyroxine or with positive TPO antibodies (ATA 2017 [S10]); anything due 6 months after the "
        "last LIT session per your clinic's protocol [S34]; and retests your clinic set after a treatment "
        "course ends or its dose changes. Repeats of antiphospholipid tests are shown by apl-repeat-due."
    ),
}

NOT_JUDGED_BY_RANGE = frozenset({"hcg", "beta", "beta-hcg"})
RANGE_SOURCES = {
    "platelets": "S37",
    "glucose": "S36",
    "hba1c": "S36",
    "protein-c": "S6",
    "protein-s": "S6",
    "antithrombin": "S6",
}
ANTICOAGULANT_SENSITIVE = frozenset({"protein-c", "protein-s", "antithrombin"})


# ------------------------------------------------------------------------------------ tsh-above-target


def tsh_above_target(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """The latest TSH above the upper target of §3 (first match wins), or above 2.5 mIU/L with positive
    TPO antibodies even when the pregnancy limit is higher."""
    result = common.latest(snap, "tsh")
    if result is None or result.value.number is None:
        return
    test = test_for(result)
    value = result.value
    pregnant = common.pregnancy_on(snap, result.on) is not None
    on_lt4 = on_levothyroxine(snap, result.on)
    guideline = guideline_tsh_target(result, test, pregnant, on_lt4)
    clinic_text = settings.clinic_value(snap.settings, "tsh.target")
    target = guideline
    if clinic_text is not None:
        try:
            target = TshTarget(Decimal(clinic_text), "clinic", "your clinic's target", ("S10",), RUNG_CLINIC)
        except ArithmeticError:
            target = guideline
    clinic = target.ladder_rung == RUNG_CLINIC
    tpo = common.latest(snap, "tpo-ab")
    tpo_positive = lab_common.tpo_positive(tpo)

    above_target = is_above(test, value, target.value)
    above_low = is_above(test, value, GUIDELINE_TSH_LOW_TARGET)
    tpo_reason = not clinic and tpo_positive and target.value > GUIDELINE_TSH_LOW_TARGET and above_low is True
    if not above_target and not tpo_reason:
        if above_target is None:
            yield Unjudged(
                "tsh-above-target",
                subject(result),
                unjudged_text(value),
                target.sources,
            )
        return

    unit = value.unit or "mIU/L"
    shown = f"{value_text(value)} {unit}"
    context: list[str] = []
    sources = list(target.sources)
    if above_target:
        title = "TSH above your clinic's target" if clinic else "TSH above target"
        if clinic:
            detail = (
                f"Your TSH of {shown} ({result.on.isoformat()}) is above your clinic's target of "
                f"{one_place(target.value)} mIU/L."
            )
            context.extend(_tsh_default_context(guideline, guideline_tsh_default(pregnant, on_lt4)))
            sources = list(guideline.sources)
        else:
            detail = (
                f"Your TSH of {shown} ({result.on.isoformat()}) is above the {one_place(target.value)} "
                f"mIU/L target ({target.label})."
            )
        shown_target = target
    else:
        title = "TSH above 2.5 with positive TPO antibodies"
        assert tpo is not None
        against = (
            f"cannot be compared with the {one_place(target.value)} mIU/L limit ({target.label})"
            if above_target is None
            else f"is within the {one_place(target.value)} mIU/L limit ({target.label})"
        )
        detail = (
            f"Your TSH of {shown} ({result.on.isoformat()}) {against} but is above 2.5 mIU/L, and your "
            f"latest TPO antibody result ({tpo.on.isoformat()}) is positive."
        )
        shown_target = TshTarget(
            GUIDELINE_TSH_LOW_TARGET, "ATA 2017/ASRM 2015", "TPO antibodies positive", ("S10", "S12"), 0
        )
        sources = [*target.sources, "S12"]
    if tpo_positive and above_low and tpo is not None:
        context.append(
            f"Your latest TPO antibody result ({tpo.on.isoformat()}) is positive: ATA 2017 and ASRM 2015 "
            "discuss treatment when TSH is above 2.5 mIU/L with TPO antibodies."
        )
        for source in ("S10", "S12"):
            if source not in sources:
                sources.append(source)
    numbers: dict[str, Number] = {
        "value": value_text(value),
        "unit": unit,
        "target": dec(shown_target.value),
        "target_source": shown_target.source,
        "date": result.on.isoformat(),
        "tpo_positive": tpo_positive,
        "clinic_target": clinic,
        "pregnant": pregnant,
        "on_levothyroxine": on_lt4,
    }
    yield Flag(
        rule="tsh-above-target",
        subject=subject(result),
        title=title,
        detail=detail,
        ask="Ask your care team about your thyroid results.",
        numbers=numbers,
        sources=tuple(sources),
        since=result.on,
        context=tuple(context),
        clinic_target=clinic,
    )


def _tsh_default_context(target: TshTarget, default: TshTarget) -> list[str]:
    """Beside a clinic target: the guideline default for her situation and, when a stricter printed limit
    would have replaced it, that limit named as the report's (never as a guideline default)."""
    lines = [f"Guideline default for your situation: {one_place(default.value)} mIU/L ({default.label})."]
    if target.ladder_rung == RUNG_PRINTED_STRICTER:
        lines.append(
            f"The upper limit printed on your report, {one_place(target.value)} mIU/L, is lower, so without "
            "your clinic's target rpltrack would use it."
        )
    return lines


# ------------------------------------------------------------------------------------ progesterone-low


def _transfer_days(snap: JournalSnapshot) -> list[tuple[date, bool]]:
    """Every recorded transfer day (transfers and transfer events) and whether its cycle is natural."""
    found: set[tuple[date, bool]] = set()
    for cycle in snap.cycles:
        natural = cycle.kind is CycleKind.NATURAL
        for transfer in cycle.transfers:
            found.add((transfer.on, natural))
        for event in cycle.events:
            if event.kind is EventKind.TRANSFER:
                found.add((event.on, natural))
    return sorted(found)


_TRANSFER_TIMING = {-1: "the day before transfer", 0: "on transfer day", 1: "the day after transfer"}


def _below_words(
    test: LabTest, value: LabValue, threshold: Decimal, limit_places: int
) -> tuple[str, str | None, str, str | None, str]:
    """A ng/mL-or-nmol/L value below a level, in words: (unit, equivalent, shown, level in nmol/L, level),
    e.g. ('ng/mL', '25.0 nmol/L', '8 ng/mL (25.0 nmol/L)', '31.8', '10 ng/mL (31.8 nmol/L)')."""
    unit = value.unit or "ng/mL"
    other_unit, places = ("ng/mL", 2) if unit != "ng/mL" else ("nmol/L", 1)
    equivalent = lab_common.equivalent(test, value, other_unit, places)
    shown = f"{value_text(value)} {unit}" + (f" ({equivalent})" if equivalent else "")
    limit_nmol = in_unit_text(test, threshold, "nmol/L", limit_places)
    level = f"{dec(threshold)} ng/mL" + (f" ({limit_nmol} nmol/L)" if limit_nmol else "")
    return unit, equivalent, shown, limit_nmol, level


def progesterone_low(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """Progesterone below the level some frozen-transfer studies link to fewer live births (§7), judged only
    from the day before to the day after a transfer while on progesterone or in a natural-cycle FET."""
    transfers = _transfer_days(snap)
    if not transfers:
        return
    progesterone_meds = [m for m in snap.medications if common.category(m) == common.PROGESTERONE_CATEGORY]
    threshold, clinic = clinic_threshold(snap, "progesterone.threshold")
    default = Decimal(settings.DEFAULTS["progesterone.threshold"])
    for result in common.results(snap, "progesterone"):
        near = [(abs((result.on - day).days), (result.on - day).days, natural) for day, natural in transfers]
        near = [n for n in near if n[0] <= 1]
        if not near:
            continue  # no reference for this timing: shown, not judged
        on_support = any(common.scheduled_on(m, result.on) for m in progesterone_meds)
        natural_fet = any(natural for _, _, natural in near)
        if not (on_support or natural_fet):
            continue
        offset = min(near)[1]
        test = test_for(result)
        value = result.value
        if value.number is None:
            continue
        below = is_below(test, value, threshold)
        if below is None:
            yield Unjudged("progesterone-low", subject(result), unjudged_text(value), ("S29",))
            continue
        if not below:
            continue
        unit, equivalent, shown, limit_nmol, level = _below_words(test, value, threshold, 1)
        if clinic:
            detail = (
                f"Your progesterone {_TRANSFER_TIMING[offset]} was {shown}, below your clinic's level of "
                f"{level}."
            )
        else:
            detail = (
                f"Your progesterone {_TRANSFER_TIMING[offset]} was {shown}, below the {level} level linked "
                "to lower live-birth rates in some FET studies (Gaggiotti-Marre 2020; not in others)."
            )
        context = [
            "Blood (serum) levels with vaginal progesterone can be low while levels in the uterus are "
            "adequate, and studies disagree on which level matters.",
        ]
        if clinic:
            context.insert(
                0,
                f"Guideline default: {dec(default)} ng/mL (31.8 nmol/L), from natural-cycle FET "
                "(Gaggiotti-Marre 2020); other studies use 9.2 ng/mL or 35 nmol/L, and some find no "
                "difference.",
            )
        yield Flag(
            rule="progesterone-low",
            subject=subject(result),
            title="Progesterone low around transfer",
            detail=detail,
            ask="Ask your care team whether your luteal support should be reviewed.",
            numbers={
                "value": value_text(value),
                "unit": unit,
                "equivalent": equivalent,
                "threshold_ng_ml": dec(threshold),
                "threshold_nmol_l": limit_nmol,
                "date": result.on.isoformat(),
                "days_from_transfer": offset,
                "natural_cycle_fet": natural_fet,
                "clinic_target": clinic,
            },
            sources=("S29",),
            since=result.on,
            context=tuple(context),
            clinic_target=clinic,
        )


# --------------------------------------------------------------------------------------- vitamin-d-low


def vitamin_d_low(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """The latest 25-OH vitamin D below 20 ng/mL (or the clinic's level), compared in her unit (§12)."""
    result = common.latest(snap, "vitamin-d")
    if result is None or result.value.number is None:
        return
    test = test_for(result)
    value = result.value
    threshold, clinic = clinic_threshold(snap, "vitamin-d.threshold")
    default = Decimal(settings.DEFAULTS["vitamin-d.threshold"])
    below = is_below(test, value, threshold)
    if below is None:
        yield Unjudged("vitamin-d-low", subject(result), unjudged_text(value), ("S35",))
        return
    if not below:
        return
    unit, equivalent, shown, limit_nmol, level = _below_words(test, value, threshold, 2)
    if clinic:
        detail = (
            f"Your vitamin D of {shown} on {result.on.isoformat()} is below your clinic's level of {level}."
        )
    else:
        detail = (
            f"Your vitamin D of {shown} on {result.on.isoformat()} is below {level}, the level the Endocrine "
            "Society 2011 used for deficiency and IOM 2011 for sufficiency."
        )
    context = [
        "The Endocrine Society (2024) no longer endorses any vitamin D threshold and advises against routine "
        "testing.",
    ]
    if clinic:
        context.insert(
            0,
            f"Guideline default: below {dec(default)} ng/mL (49.92 nmol/L) (Endocrine Society 2011).",
        )
    yield Flag(
        rule="vitamin-d-low",
        subject=subject(result),
        title="Vitamin D below your clinic's level" if clinic else "Vitamin D low",
        detail=detail,
        ask="Ask your care team about your vitamin D result.",
        numbers={
            "value": value_text(value),
            "unit": unit,
            "equivalent": equivalent,
            "threshold_ng_ml": dec(threshold),
            "threshold_nmol_l": limit_nmol,
            "date": result.on.isoformat(),
            "clinic_target": clinic,
        },
        sources=("S35",),
        since=result.on,
        context=tuple(context),
        clinic_target=clinic,
    )


# ------------------------------------------------------------------------------------ lab-out-of-range


def lab_out_of_range(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """The latest result of each lab outside the reference range printed on its report (no printed range:
    no flag). Compared in the result's own unit, strictly: a value equal to an end is inside."""
    keys = sorted({r.test for r in snap.labs} - NOT_JUDGED_BY_RANGE)
    for key in keys:
        result = common.latest(snap, key)
        if result is None or result.reference is None or result.value.number is None:
            continue
        value, reference = result.value, result.reference
        # False: that end is missing, so nothing is outside on that side
        below = is_below(*printed(value), reference.low) if reference.low is not None else False
        above = is_above(*printed(value), reference.high) if reference.high is not None else False
        source = RANGE_SOURCES.get(key, "app")
        if below:
            side, limit = "below", reference.low
        elif above:
            side, limit = "above", reference.high
        else:
            if below is None or above is None:
                yield Unjudged("lab-out-of-range", subject(result), CENSORED, (source,))
            continue
        assert limit is not None
        name = test_name(key)
        unit = f" {value.unit}" if value.unit else ""
        context = ["rpltrack compares with the range printed on your report only."]
        if key in ANTICOAGULANT_SENSITIVE:
            context.append(
                "Protein C, protein S and antithrombin levels are unreliable on anticoagulants, and "
                "protein S falls in pregnancy."
            )
        if key == "platelets":
            context.append(
                f"A usual platelet range is 150-450 {PLATELET_UNIT_SHOWN}; counts are often a little lower "
                "in pregnancy."
            )
        yield Flag(
            rule="lab-out-of-range",
            subject=subject(result),
            title=f"{name} {side} the printed range",
            detail=(
                f"Your {in_sentence(name)} result of {value_text(value)}{unit} ({result.on.isoformat()}) "
                f"is {side} the reference range printed on your report ({reference})."
            ),
            ask="Ask your care team about this result.",
            numbers={
                "test": key,
                "value": value_text(value),
                "unit": value.unit,
                "low": dec(reference.low) if reference.low is not None else None,
                "high": dec(reference.high) if reference.high is not None else None,
                "side": side,
                "limit": dec(limit),
                "date": result.on.isoformat(),
            },
            sources=(source,),
            since=result.on,
            context=tuple(context),
        )
