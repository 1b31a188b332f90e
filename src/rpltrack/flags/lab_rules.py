"""The lab rules of the clinical reference: TSH above target, progesterone low around transfer, vitamin D
low, results outside the printed range, antiphospholipid repeats, a platelet fall on heparin and retests due.

Every threshold is compared in the unit she entered (`compare_to_threshold`: the threshold is converted, the
value is compared unrounded), strictly ("above" is >, "below" is <), and a censored value (`<0.01`) is used
only when its bound alone decides; otherwise the rule says it cannot judge it (§0).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from rpltrack.domain import labcatalog, settings
from rpltrack.domain.betas import Op
from rpltrack.domain.cycles import CycleKind, EventKind
from rpltrack.domain.dating import format_ga
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labs import (
    LabKind,
    LabResult,
    LabTest,
    LabUnit,
    LabValue,
    canonical,
    compare_to_threshold,
    format_fraction,
    in_unit,
)
from rpltrack.domain.models import Medication
from rpltrack.domain.pregnancies import Pregnancy
from rpltrack.domain.records import record
from rpltrack.domain.thyroid import (
    GUIDELINE_TSH_LOW_TARGET,
    RUNG_CLINIC,
    RUNG_PRINTED_STRICTER,
    TshTarget,
    guideline_tsh_default,
    guideline_tsh_target,
)
from rpltrack.flags import common
from rpltrack.flags.model import Flag, JournalSnapshot, Number, Unjudged

CENSORED = "cannot be judged from a censored value"

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

MID_GESTATION_DAYS = 20 * 7  # "until mid-gestation" read as 20+0 weeks [app convention]
NEAR_30_WEEKS = (28 * 7, 32 * 7)  # "once near 30 weeks": due from 28+0 w, shown until 32+0 w [app convention]
HEPARIN_AFTER_DAYS = 30  # HIT can start after heparin stops (§6a) [app convention]
BASELINE_BEFORE_DAYS = 30
PLATELET_FALL_MIN = Decimal("30.0")
PLATELET_UNIT_SHOWN = (
    "\N{MULTIPLICATION SIGN}10⁹/L"  # the catalog stores it as x10^9/L; shown as the reference writes it
)
PLATELET_FALL_TWO_POINTS = Decimal("50.0")
ACL_MODERATE = Decimal(40)
ACL_HIGH = Decimal(80)
APL_TESTS = ("la", "acl-igg", "acl-igm", "b2gpi-igg", "b2gpi-igm")
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


# ---------------------------------------------------------------------------------------------- helpers


def _subject(result: LabResult) -> str:
    return f"lab{result.id}" if result.id is not None else f"lab:{result.test}:{result.on.isoformat()}"


def _dec(value: Decimal) -> str:
    """2.50 -> '2.5', 300 -> '300' (never exponent notation)."""
    return f"{value.normalize():f}"


def _one_place(value: Decimal) -> str:
    """A target as clinics print it: at least one decimal (4 -> '4.0', 2.5 -> '2.5')."""
    return f"{value:.1f}" if value == value.to_integral_value() else _dec(value)


def _test_for(result: LabResult) -> LabTest:
    """The catalog test of a result, or a stand-in for her own test holding just the unit she entered."""
    try:
        return labcatalog.by_key(result.test)
    except KeyError:
        unit = result.value.unit
        return LabTest(
            result.test,
            result.test,
            LabKind.QUANTITATIVE,
            units=(LabUnit(unit),) if unit else (),
            custom=True,
        )


def _test_name(key: str) -> str:
    try:
        return labcatalog.by_key(key).name
    except KeyError:
        return key


def _in_sentence(name: str) -> str:
    """A test name inside a sentence: 'Lupus anticoagulant' -> 'lupus anticoagulant'; 'TSH' stays."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def _is_above(test: LabTest, value: LabValue, limit: Fraction | Decimal | int) -> bool | None:
    """value > a canonical limit (strictly), in her unit: True/False, None when it cannot be judged.

    Beyond compare_to_threshold: `<=2.5` is not above 2.5 (it cannot be told from 2.5, but it is not above).
    """
    compared = compare_to_threshold(test, value, limit)
    if compared is not None:
        return compared == 1
    bound = _limit_in_unit(test, value, limit)
    if bound is not None and value.op is Op.LE and Fraction(value.number or 0) <= bound:
        return False
    return None


def _is_below(test: LabTest, value: LabValue, limit: Fraction | Decimal | int) -> bool | None:
    """value < a canonical limit (strictly); `>=20` is not below 20."""
    compared = compare_to_threshold(test, value, limit)
    if compared is not None:
        return compared == -1
    bound = _limit_in_unit(test, value, limit)
    if bound is not None and value.op is Op.GE and Fraction(value.number or 0) >= bound:
        return False
    return None


def _limit_in_unit(test: LabTest, value: LabValue, limit: Fraction | Decimal | int) -> Fraction | None:
    if value.number is None or value.unit is None:
        return None
    try:
        return in_unit(test, limit, value.unit)
    except KeyError:
        return None


def _printed(value: LabValue) -> tuple[LabTest, LabValue]:
    """A stand-in test whose only unit is the result's, so a printed range end (in that unit) compares
    without conversion."""
    unit = value.unit or ""
    same_unit = LabTest("printed-range", "printed range", LabKind.QUANTITATIVE, units=(LabUnit(unit),))
    return same_unit, LabValue(value.op, value.number, unit)


def _above_printed_high(result: LabResult) -> bool | None:
    """Above the high end of the printed range: True/False (False also with no range or no number), None
    when a censored value does not decide."""
    if result.reference is None or result.reference.high is None or result.value.number is None:
        return False
    return _is_above(*_printed(result.value), result.reference.high)


def _in_unit_text(test: LabTest, threshold: Decimal, unit: str, places: int) -> str | None:
    """A canonical threshold shown in another unit of the test: 10 ng/mL -> '31.8' (nmol/L)."""
    try:
        return format_fraction(in_unit(test, threshold, unit), places)
    except KeyError:
        return None


def _tpo_positive(result: LabResult | None) -> bool:
    """A TPO antibody result read as positive: a positive word, or a number above the printed range."""
    if result is None:
        return False
    return result.value.positive_word or _above_printed_high(result) is True


def _value_text(value: LabValue) -> str:
    """The number with its operator, without the unit: '2.8', '<0.01'."""
    if value.number is None:
        return value.text
    return ("" if value.op is Op.EQ else value.op.value) + _dec(value.number)


def _unjudged_text(value: LabValue) -> str:
    if value.op is not Op.EQ:
        return CENSORED
    return f"the unit {value.unit} cannot be compared with the threshold"


def _equivalent(test: LabTest, value: LabValue, unit: str, places: int) -> str | None:
    """The value in another unit of the test, exactly converted then shown: '29.9 nmol/L'."""
    exact = canonical(test, value)
    if exact is None or value.number is None:
        return None
    try:
        converted = in_unit(test, exact, unit)
    except KeyError:
        return None
    prefix = "" if value.op is Op.EQ else value.op.value
    return f"{prefix}{format_fraction(converted, places)} {unit}"


def _clinic_interval(snap: JournalSnapshot, key: str) -> tuple[settings.Interval, bool]:
    """A retest interval, falling back to the default when the stored clinic value cannot be read."""
    try:
        return settings.interval(snap.settings, key)
    except ValidationError:
        return settings.parse_interval(settings.DEFAULTS[key]), False


def _clinic_threshold(snap: JournalSnapshot, key: str) -> tuple[Decimal, bool]:
    try:
        return settings.threshold(snap.settings, key)
    except ArithmeticError:
        return Decimal(settings.DEFAULTS[key]), False


def _round_half_up(value: Fraction, places: int = 1) -> Decimal:
    """Exact half-up rounding of a Fraction (§0: derived percentages are rounded, then compared)."""
    scaled = value * 10**places
    magnitude = math.floor(abs(scaled) + Fraction(1, 2))
    return Decimal(magnitude if scaled >= 0 else -magnitude).scaleb(-places)


def _on_levothyroxine(snap: JournalSnapshot, day: date) -> bool:
    return any(common.scheduled_on(m, day) for m in common.meds_where(snap, [common.LEVOTHYROXINE]))


# ------------------------------------------------------------------------------------ tsh-above-target


def tsh_above_target(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """The latest TSH above the upper target of §3 (first match wins), or above 2.5 mIU/L with positive
    TPO antibodies even when the pregnancy limit is higher."""
    result = common.latest(snap, "tsh")
    if result is None or result.value.number is None:
        return
    test = _test_for(result)
    value = result.value
    pregnant = common.pregnancy_on(snap, result.on) is not None
    on_lt4 = _on_levothyroxine(snap, result.on)
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
    tpo_positive = _tpo_positive(tpo)

    above_target = _is_above(test, value, target.value)
    above_low = _is_above(test, value, GUIDELINE_TSH_LOW_TARGET)
    tpo_reason = not clinic and tpo_positive and target.value > GUIDELINE_TSH_LOW_TARGET and above_low is True
    if not above_target and not tpo_reason:
        if above_target is None:
            yield Unjudged("tsh-above-target", _subject(result), _unjudged_text(value), target.sources)
        return

    unit = value.unit or "mIU/L"
    shown = f"{_value_text(value)} {unit}"
    context: list[str] = []
    sources = list(target.sources)
    if above_target:
        title = "TSH above your clinic's target" if clinic else "TSH above target"
        if clinic:
            detail = (
                f"Your TSH of {shown} ({result.on.isoformat()}) is above your clinic's target of "
                f"{_one_place(target.value)} mIU/L."
            )
            context.extend(_tsh_default_context(guideline, guideline_tsh_default(pregnant, on_lt4)))
            sources = list(guideline.sources)
        else:
            detail = (
                f"Your TSH of {shown} ({result.on.isoformat()}) is above the {_one_place(target.value)} "
                f"mIU/L target ({target.label})."
            )
        shown_target = target
    else:
        title = "TSH above 2.5 with positive TPO antibodies"
        assert tpo is not None
        against = (
            f"cannot be compared with the {_one_place(target.value)} mIU/L limit ({target.label})"
            if above_target is None
            else f"is within the {_one_place(target.value)} mIU/L limit ({target.label})"
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
        "value": _value_text(value),
        "unit": unit,
        "target": _dec(shown_target.value),
        "target_source": shown_target.source,
        "date": result.on.isoformat(),
        "tpo_positive": tpo_positive,
        "clinic_target": clinic,
        "pregnant": pregnant,
        "on_levothyroxine": on_lt4,
    }
    yield Flag(
        rule="tsh-above-target",
        subject=_subject(result),
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
    lines = [f"Guideline default for your situation: {_one_place(default.value)} mIU/L ({default.label})."]
    if target.ladder_rung == RUNG_PRINTED_STRICTER:
        lines.append(
            f"The upper limit printed on your report, {_one_place(target.value)} mIU/L, is lower, so without "
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


def progesterone_low(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """Progesterone below the level some frozen-transfer studies link to fewer live births (§7), judged only
    from the day before to the day after a transfer while on progesterone or in a natural-cycle FET."""
    transfers = _transfer_days(snap)
    if not transfers:
        return
    progesterone_meds = [m for m in snap.medications if common.category(m) == common.PROGESTERONE_CATEGORY]
    threshold, clinic = _clinic_threshold(snap, "progesterone.threshold")
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
        test = _test_for(result)
        value = result.value
        if value.number is None:
            continue
        below = _is_below(test, value, threshold)
        if below is None:
            yield Unjudged("progesterone-low", _subject(result), _unjudged_text(value), ("S29",))
            continue
        if not below:
            continue
        unit = value.unit or "ng/mL"
        other_unit, places = ("ng/mL", 2) if unit != "ng/mL" else ("nmol/L", 1)
        equivalent = _equivalent(test, value, other_unit, places)
        shown = f"{_value_text(value)} {unit}" + (f" ({equivalent})" if equivalent else "")
        limit_nmol = _in_unit_text(test, threshold, "nmol/L", 1)
        level = f"{_dec(threshold)} ng/mL" + (f" ({limit_nmol} nmol/L)" if limit_nmol else "")
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
                f"Guideline default: {_dec(default)} ng/mL (31.8 nmol/L), from natural-cycle FET "
                "(Gaggiotti-Marre 2020); other studies use 9.2 ng/mL or 35 nmol/L, and some find no "
                "difference.",
            )
        yield Flag(
            rule="progesterone-low",
            subject=_subject(result),
            title="Progesterone low around transfer",
            detail=detail,
            ask="Ask your care team whether your luteal support should be reviewed.",
            numbers={
                "value": _value_text(value),
                "unit": unit,
                "equivalent": equivalent,
                "threshold_ng_ml": _dec(threshold),
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
    test = _test_for(result)
    value = result.value
    threshold, clinic = _clinic_threshold(snap, "vitamin-d.threshold")
    default = Decimal(settings.DEFAULTS["vitamin-d.threshold"])
    below = _is_below(test, value, threshold)
    if below is None:
        yield Unjudged("vitamin-d-low", _subject(result), _unjudged_text(value), ("S35",))
        return
    if not below:
        return
    unit = value.unit or "ng/mL"
    other_unit, places = ("ng/mL", 2) if unit != "ng/mL" else ("nmol/L", 1)
    equivalent = _equivalent(test, value, other_unit, places)
    shown = f"{_value_text(value)} {unit}" + (f" ({equivalent})" if equivalent else "")
    limit_nmol = _in_unit_text(test, threshold, "nmol/L", 2)
    level = f"{_dec(threshold)} ng/mL" + (f" ({limit_nmol} nmol/L)" if limit_nmol else "")
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
            0, f"Guideline default: below {_dec(default)} ng/mL (49.92 nmol/L) (Endocrine Society 2011)."
        )
    yield Flag(
        rule="vitamin-d-low",
        subject=_subject(result),
        title="Vitamin D below your clinic's level" if clinic else "Vitamin D low",
        detail=detail,
        ask="Ask your care team about your vitamin D result.",
        numbers={
            "value": _value_text(value),
            "unit": unit,
            "equivalent": equivalent,
            "threshold_ng_ml": _dec(threshold),
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
        below = _is_below(*_printed(value), reference.low) if reference.low is not None else False
        above = _is_above(*_printed(value), reference.high) if reference.high is not None else False
        source = RANGE_SOURCES.get(key, "app")
        if below:
            side, limit = "below", reference.low
        elif above:
            side, limit = "above", reference.high
        else:
            if below is None or above is None:
                yield Unjudged("lab-out-of-range", _subject(result), CENSORED, (source,))
            continue
        assert limit is not None
        name = _test_name(key)
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
            subject=_subject(result),
            title=f"{name} {side} the printed range",
            detail=(
                f"Your {_in_sentence(name)} result of {_value_text(value)}{unit} ({result.on.isoformat()}) "
                f"is {side} the reference range printed on your report ({reference})."
            ),
            ask="Ask your care team about this result.",
            numbers={
                "test": key,
                "value": _value_text(value),
                "unit": value.unit,
                "low": _dec(reference.low) if reference.low is not None else None,
                "high": _dec(reference.high) if reference.high is not None else None,
                "side": side,
                "limit": _dec(limit),
                "date": result.on.isoformat(),
            },
            sources=(source,),
            since=result.on,
            context=tuple(context),
        )


# -------------------------------------------------------------------------------------- apl-repeat-due


@record(frozen=True)
class _AplReading:
    positive: bool | None  # None: a censored value that does not decide
    sydney: bool = False  # above 40 GPL/MPL or above the printed range (Sydney 2006)
    bucket: str = ""  # 2023 ACR/EULAR: "moderate" (40-79), "high" (80+), "" otherwise


def _at_least(test: LabTest, value: LabValue, limit: Decimal) -> bool | None:
    """value >= limit: True/False, None when a censored bound does not decide (`<50` against 40)."""
    compared = compare_to_threshold(test, value, limit)
    if compared is not None:
        return compared >= 0
    if value.number is None or value.unit is None or value.op is Op.EQ:
        return False  # a word, or a unit with no conversion: judged by the printed range only
    try:
        bound = in_unit(test, limit, value.unit)
    except KeyError:
        return False
    if value.op is Op.GE and Fraction(value.number) == bound:
        return True
    return None


def _read_apl(result: LabResult) -> _AplReading:
    """Positive (a positive word, aCL >= 40, or above the printed range), negative, or undecided (None)."""
    value = result.value
    test = _test_for(result)
    word = value.positive_word
    above_range = _above_printed_high(result)
    moderate: bool | None = False
    high: bool | None = False
    above_40 = False
    if result.test.startswith("acl") and value.number is not None:
        moderate = _at_least(test, value, ACL_MODERATE)
        high = _at_least(test, value, ACL_HIGH)
        above_40 = _is_above(test, value, ACL_MODERATE) is True
    if word or above_range is True or moderate is True:
        bucket = "high" if high is True else "moderate" if moderate is True else ""
        return _AplReading(True, word or above_range is True or above_40, bucket)
    return _AplReading(None if above_range is None or moderate is None else False)


def apl_repeat_due(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """A positive antiphospholipid test with no repeat of the same test at least 12 weeks later (§2c).

    Per test, results are read in date order: a positive opens a repeat; a later result at least the
    interval after it closes it. A positive that confirms an earlier one (at least the interval after it)
    opens no new repeat, and neither do positives after it until a negative result [app convention]."""
    interval, clinic = _clinic_interval(snap, "retest.apl")
    default = settings.parse_interval(settings.DEFAULTS["retest.apl"])
    for key in APL_TESTS:
        found = common.results(snap, key)
        open_positive: tuple[LabResult, _AplReading] | None = None
        confirmed = False
        for result in found:
            reading = _read_apl(result)
            if open_positive is not None and result.on >= interval.after(open_positive[0].on):
                open_positive = None
                confirmed = reading.positive is True
                continue
            if reading.positive is False:
                confirmed = False
            elif reading.positive and open_positive is None and not confirmed:
                open_positive = (result, reading)
        if open_positive is None:
            if found and _read_apl(found[-1]).positive is None and not confirmed:
                yield Unjudged("apl-repeat-due", _subject(found[-1]), CENSORED, ("S7", "S8"))
            continue
        yield _apl_flag(open_positive[0], open_positive[1], interval, clinic, default)


def _apl_flag(
    result: LabResult,
    reading: _AplReading,
    interval: settings.Interval,
    clinic: bool,
    default: settings.Interval,
) -> Flag:
    name = _in_sentence(_test_name(result.test))
    value = result.value
    due = interval.after(result.on)
    if value.number is not None:
        unit = f" {value.unit}" if value.unit else ""
        what = f"Your {name} of {_value_text(value)}{unit} ({result.on.isoformat()}) was positive"
        if reading.bucket:
            what += f" (2023 ACR/EULAR {reading.bucket} range)"
    else:
        what = f"Your {name} ({result.on.isoformat()}) was {value.text}"
    waiting = f"your clinic's interval of {interval}" if clinic else f"{interval}"
    detail = (
        f"{what}. Criteria require two positives at least 12 weeks apart: a repeat is due on or after "
        f"{due.isoformat()} ({waiting} after this result)."
    )
    context: list[str] = []
    sources = ["S7", "S8", "S9"]
    if result.test.startswith("acl") and value.number is not None:
        unit_word = value.unit or "GPL/MPL"
        context.append(
            "Sydney 2006 (revised Sapporo): above 40 GPL/MPL or above the 99th percentile — "
            + (
                "met."
                if reading.sydney
                else f"not met by {_value_text(value)} {unit_word} unless above the lab's 99th percentile."
            )
        )
        bucket_words = {"moderate": "moderate (40-79)", "high": "high (80 or more)"}
        context.append(
            "2023 ACR/EULAR: moderate 40-79, high 80 or more — "
            + (bucket_words[reading.bucket] + "." if reading.bucket else "below the moderate range.")
        )
    if result.on_anticoagulant and result.test == "la":
        context.append(
            "This lupus anticoagulant test was done while on an anticoagulant, which can give a false "
            "positive result."
        )
        sources.append("S39")
    if clinic:
        context.append(f"Guideline default: {default} ({default.days} days) after the first positive.")
    return Flag(
        rule="apl-repeat-due",
        subject=_subject(result),
        title=f"Repeat {name} due",
        detail=detail,
        ask=(
            "Ask your care team about repeating this test; criteria require two positives at least 12 weeks "
            "apart."
        ),
        numbers={
            "test": result.test,
            "value": _value_text(value),
            "unit": value.unit,
            "date": result.on.isoformat(),
            "due": due.isoformat(),
            "interval": interval.text,
            "sydney_met": reading.sydney,
            "acr_eular_2023": reading.bucket or None,
            "on_anticoagulant": result.on_anticoagulant,
            "clinic_target": clinic,
        },
        sources=tuple(sources),
        since=result.on,
        context=tuple(context),
        clinic_target=clinic,
    )


# ------------------------------------------------------------------------------ platelets-fall-on-heparin


def _heparin_window(med: Medication, today: date) -> tuple[date, date, date | None]:
    """(start, last day judged, last scheduled day) of a heparin schedule."""
    last = common.last_scheduled_day(med)
    until = last + timedelta(days=HEPARIN_AFTER_DAYS) if last is not None else today
    return med.start_on, until, last


def _timing_band(day: int) -> str:
    if day <= 4:
        return "day 4 or earlier"
    if day <= 10:
        return "days 5\N{EN DASH}10"
    return "after day 10"


def platelets_fall_on_heparin(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """A platelet count on (or up to 30 days after) heparin/LMWH 30 % or more below the highest count from
    30 days before the start (§6a). Each result is judged against the first heparin schedule covering it."""
    heparins = sorted(
        (m for m in snap.medications if common.is_heparin(m) and not m.waiting),
        key=lambda m: (m.start_on, m.id or 0),
    )
    if not heparins:
        return
    counts = common.results(snap, "platelets")
    for result in counts:
        windows = [(m, *_heparin_window(m, snap.today)) for m in heparins]
        covering = [w for w in windows if w[1] <= result.on <= w[2]]
        if not covering or result.value.number is None:
            continue
        med, start, _, last = covering[0]
        test = _test_for(result)
        earlier = [
            (exact, r)
            for r in counts
            if start - timedelta(days=BASELINE_BEFORE_DAYS) <= r.on < result.on
            and r.value.op is Op.EQ
            and (exact := canonical(test, r.value)) is not None
        ]
        if not earlier:
            if result.on > start:
                yield Unjudged(
                    "platelets-fall-on-heparin",
                    _subject(result),
                    "no baseline platelet count recorded — cannot judge a fall",
                    ("S23", "S25"),
                )
            continue  # a count on day 0 with nothing before it is the baseline itself
        reference, reference_result = max(earlier, key=lambda pair: (pair[0], pair[1].on))
        count = canonical(test, result.value)
        if count is None or reference == 0:
            yield Unjudged("platelets-fall-on-heparin", _subject(result), _unjudged_text(result.value))
            continue
        fall = _round_half_up((reference - count) / reference * 100)
        op = result.value.op
        fires: bool | None
        if op is Op.EQ:
            fires = fall >= PLATELET_FALL_MIN
        elif op in (Op.LT, Op.LE):  # the real count is lower: the fall is at least this
            fires = fall >= PLATELET_FALL_MIN or None
        else:  # the real count is higher: the fall is at most this
            fires = False if fall < PLATELET_FALL_MIN else None
        if fires is None:
            yield Unjudged("platelets-fall-on-heparin", _subject(result), CENSORED, ("S23", "S25"))
            continue
        if not fires:
            continue
        yield _platelet_flag(result, reference_result, reference, count, fall, med, start, last)


def _platelet_flag(
    result: LabResult,
    reference_result: LabResult,
    reference: Fraction,
    count: Fraction,
    fall: Decimal,
    med: Medication,
    start: date,
    last: date | None,
) -> Flag:
    day = (result.on - start).days
    points = 2 if fall > PLATELET_FALL_TWO_POINTS else 1
    censored = result.value.op is not Op.EQ
    at_least = "at least " if censored else ""
    band = _timing_band(day)
    if last is not None and result.on > last:
        when = f"on day {day} after starting {med.name} ({(result.on - last).days} days after its last dose)"
    else:
        when = f"on day {day} of {med.name}"
    count_text = ("" if not censored else result.value.op.value) + format_fraction(count, 1)
    unit = PLATELET_UNIT_SHOWN
    detail = (
        f"Your platelet count fell {at_least}{_dec(fall)} % (from {format_fraction(reference, 1)} to "
        f"{count_text} {unit}) {when} ({result.on.isoformat()}). On the 4Ts score a fall of this size "
        f"gives {at_least}{points} point{'s' if points != 1 else ''}, and day {day} is in the "
        f'"{band}" timing band.'
    )
    context = (
        f"The reference count is the highest recorded from 30 days before {med.name} started: "
        f"{format_fraction(reference, 1)} {unit} on {reference_result.on.isoformat()}.",
        "The 4Ts score also weighs the lowest count, the timing, clots and other causes; only your care "
        "team can score it. BCSH 2012: a fall of 30 % or more between days 4 and 14 is checked for HIT.",
    )
    return Flag(
        rule="platelets-fall-on-heparin",
        subject=_subject(result),
        title="Platelet count fell on heparin",
        detail=detail,
        ask=(
            "Ask your care team about this result soon (falls like this are checked for heparin-induced "
            "thrombocytopenia)."
        ),
        numbers={
            "fall_percent": str(fall),
            "reference": format_fraction(reference, 1),
            "reference_date": reference_result.on.isoformat(),
            "count": format_fraction(count, 1),
            "censored": censored,
            "unit": _test_for(result).canonical_unit,
            "date": result.on.isoformat(),
            "heparin": med.name,
            "heparin_day": day,
            "timing_band": band,
            "fourts_thrombocytopenia_points": points,
        },
        sources=("S23", "S25"),
        since=result.on,
        context=context,
    )


# ------------------------------------------------------------------------------------------ retest-due


def retest_due(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """Retests that are due (§12 table): TSH while pregnant on levothyroxine or with TPO antibodies, anything
    after the last LIT session, and retests her clinic set after a course. Antiphospholipid repeats are
    apl-repeat-due's."""
    yield from _tsh_pregnant_due(snap)
    yield from _lit_due(snap)
    yield from _clinic_retests_due(snap)


def _tsh_pregnant_due(snap: JournalSnapshot) -> Iterator[Flag]:
    today = snap.today
    pregnancy = common.pregnancy_on(snap, today)
    if pregnancy is None or pregnancy.ended or pregnancy.started_on is None:
        return
    on_lt4 = _on_levothyroxine(snap, today)
    tpo = common.latest(snap, "tpo-ab")
    tpo_positive = _tpo_positive(tpo)
    if not (on_lt4 or tpo_positive):
        return
    why = "on levothyroxine" if on_lt4 else "your latest TPO antibody result is positive"
    if on_lt4 and tpo_positive:
        why = "on levothyroxine, with a positive TPO antibody result"
    ga = common.ga_days_on(snap, today)
    tshs = [r for r in common.results(snap, "tsh") if r.on >= pregnancy.started_on]
    if ga is None or ga < MID_GESTATION_DAYS:
        yield from _tsh_every_interval(snap, pregnancy, tshs, ga, why)
    elif NEAR_30_WEEKS[0] <= ga < NEAR_30_WEEKS[1]:
        from_day = today - timedelta(days=ga - NEAR_30_WEEKS[0])
        if any(r.on >= from_day for r in tshs):
            return
        yield Flag(
            rule="retest-due",
            subject=f"tsh-30w:{_pregnancy_ref(pregnancy)}",
            title="TSH check near 30 weeks",
            detail=(
                f"You are {format_ga(ga)} pregnant and {why}. The ATA 2017 guideline suggests a TSH check "
                f"once near 30 weeks; no TSH is recorded since 28 weeks ({from_day.isoformat()})."
            ),
            ask="Ask your care team whether a TSH check is due.",
            numbers={
                "ga_days": ga,
                "from": from_day.isoformat(),
                "on_levothyroxine": on_lt4,
                "tpo_positive": tpo_positive,
            },
            sources=("S10",),
            since=from_day,
            context=("rpltrack shows this from 28+0 to 32+0 weeks [app convention].",),
        )


def _pregnancy_ref(pregnancy: Pregnancy) -> str:
    if pregnancy.id is not None:
        return str(pregnancy.id)
    return pregnancy.started_on.isoformat() if pregnancy.started_on else "none"


def _tsh_every_interval(
    snap: JournalSnapshot, pregnancy: Pregnancy, tshs: list[LabResult], ga: int | None, why: str
) -> Iterator[Flag]:
    interval, clinic = _clinic_interval(snap, "retest.tsh-pregnant")
    default = settings.parse_interval(settings.DEFAULTS["retest.tsh-pregnant"])
    last = tshs[-1] if tshs else None
    assert pregnancy.started_on is not None
    due = interval.after(last.on) if last is not None else pregnancy.started_on
    if snap.today < due:
        return
    last_ref = str(last.id) if last is not None and last.id is not None else "none"
    where = f"You are {format_ga(ga)} pregnant" if ga is not None else "You are pregnant"
    since_text = (
        f"Your last TSH was on {last.on.isoformat()}, {interval} or more ago."
        if last is not None
        else f"No TSH is recorded since your pregnancy began ({pregnancy.started_on.isoformat()})."
    )
    every = f"every {interval} (your clinic's interval)" if clinic else f"about every {interval}"
    context = ["rpltrack reads mid-gestation as 20+0 weeks [app convention]."]
    if ga is None:
        context.append(
            "No gestational age can be worked out from your record, so rpltrack assumes before 20 weeks."
        )
    if clinic:
        context.insert(0, f"Guideline default: about every {default} until mid-gestation (ATA 2017).")
    yield Flag(
        rule="retest-due",
        subject=f"tsh-pregnant:{_pregnancy_ref(pregnancy)}:{last_ref}",
        title="TSH check due",
        detail=(
            f"{where} and {why}. The ATA 2017 guideline suggests a TSH check {every} until mid-gestation. "
            f"{since_text}"
        ),
        ask="Ask your care team whether a TSH check is due.",
        numbers={
            "ga_days": ga,
            "last_tsh": last.on.isoformat() if last is not None else None,
            "due": due.isoformat(),
            "interval": interval.text,
            "clinic_target": clinic,
        },
        sources=("S10",),
        since=due,
        context=tuple(context),
        clinic_target=clinic,
    )


def _lit_due(snap: JournalSnapshot) -> Iterator[Flag]:
    last = common.latest(snap, "lit")
    if last is None:
        return
    interval, clinic = _clinic_interval(snap, "retest.lit")
    due = interval.after(last.on)
    if snap.today < due:
        return
    context: list[str] = []
    if clinic:
        default = settings.parse_interval(settings.DEFAULTS["retest.lit"])
        context.append(f"rpltrack's default is {default} after the last session.")
    yield Flag(
        rule="retest-due",
        subject=f"lit:{last.id if last.id is not None else last.on.isoformat()}",
        title=f"Last LIT session over {interval} ago",
        detail=(
            f"Your last LIT session ({last.on.isoformat()}) was over {interval} ago (your clinic's "
            "protocol). Note: guidelines (ESHRE; Cochrane 2014) do not recommend LIT."
        ),
        ask="Ask your care team whether anything is due.",
        numbers={
            "last_session": last.on.isoformat(),
            "due": due.isoformat(),
            "interval": interval.text,
            "clinic_target": clinic,
        },
        sources=("S34", "S2"),
        since=due,
        context=tuple(context),
        clinic_target=clinic,
    )


def _lab_results_named(snap: JournalSnapshot, name: str) -> tuple[str, list[LabResult]]:
    """(shown name, results) of the lab a clinic setting names: a catalog test, else her own test name."""
    test = labcatalog.lookup(name)
    if test is not None:
        return test.name, common.results(snap, test.key)
    wanted = name.strip().casefold()
    found = [r for r in snap.labs if r.test.strip().casefold() == wanted and r.on <= snap.today]
    return name.strip(), sorted(found, key=lambda r: (r.on, r.id or 0))


def _clinic_retests_due(snap: JournalSnapshot) -> Iterator[Flag]:
    today = snap.today
    for key in sorted(k for k in snap.settings if k.startswith(settings.RETEST_AFTER_PREFIX)):
        generic = key[len(settings.RETEST_AFTER_PREFIX) :]
        text = snap.settings[key]
        if not generic or not text:
            continue
        try:
            retest = settings.parse_retest(text)
        except ValidationError:
            continue
        lab_name, lab_results = _lab_results_named(snap, retest.test)
        meds = [
            m
            for m in snap.medications
            if m.generic == generic or (m.generic is None and m.name.strip().casefold() == generic.casefold())
        ]
        for med in sorted(meds, key=lambda m: (m.id or 0, m.start_on)):
            references: list[tuple[date, str]] = []
            last = common.last_scheduled_day(med)
            if last is not None and last < today:
                references.append((last, "course ended"))
            if len(med.regimens) > 1 and med.regimens[-1].effective_on <= today:
                references.append((med.regimens[-1].effective_on, "dose changed"))
            if not references:
                continue
            reference_day, what = max(references)
            due = retest.interval.after(reference_day)
            if today < due or any(r.on > reference_day for r in lab_results):
                continue
            happened = (
                f"your {med.name} course ended on {reference_day.isoformat()}"
                if what == "course ended"
                else f"your {med.name} dose changed on {reference_day.isoformat()}"
            )
            yield Flag(
                rule="retest-due",
                subject=f"after:{med.id if med.id is not None else med.name}:{reference_day.isoformat()}",
                title=f"{lab_name} retest due",
                detail=(
                    f"Your clinic asks for {lab_name} {retest.interval} after a {med.name} course or dose "
                    f"change: {happened}, so a {lab_name} test was due from {due.isoformat()}. No {lab_name} "
                    f"result is recorded since {reference_day.isoformat()}."
                ),
                ask=f"Ask your care team whether a {lab_name} test is due.",
                numbers={
                    "medication": med.name,
                    "reference_day": reference_day.isoformat(),
                    "reason": what,
                    "lab": lab_name,
                    "interval": retest.interval.text,
                    "due": due.isoformat(),
                    "clinic_target": True,
                },
                sources=("app",),
                since=due,
                context=(f"This retest is your clinic's setting ({key} = {retest.text}).",),
                clinic_target=True,
            )
