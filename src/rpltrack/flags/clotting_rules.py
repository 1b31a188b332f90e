"""Antiphospholipid repeats (§2c, apl-repeat-due) and a platelet fall on heparin (§6a,
platelets-fall-on-heparin)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from rpltrack.domain import settings
from rpltrack.domain.betas import Op
from rpltrack.domain.labs import (
    LabResult,
    LabTest,
    LabValue,
    canonical,
    compare_to_threshold,
    format_fraction,
    in_unit,
)
from rpltrack.domain.models import Medication
from rpltrack.domain.records import record
from rpltrack.flags import common
from rpltrack.flags.lab_common import (
    CENSORED,
    above_printed_high,
    clinic_interval,
    dec,
    in_sentence,
    is_above,
    round_half_up,
    subject,
    test_for,
    test_name,
    unjudged_text,
    value_text,
)
from rpltrack.flags.model import Flag, JournalSnapshot, Unjudged

HEPARIN_AFTER_DAYS = 30  # HIT can start after heparin stops (§6a) [app convention]
BASELINE_BEFORE_DAYS = 30
PLATELET_FALL_MIN = Decimal("30.0")
PLATELET_FALL_TWO_POINTS = Decimal("50.0")
ACL_MODERATE = Decimal(40)
ACL_HIGH = Decimal(80)
APL_TESTS = ("la", "acl-igg", "acl-igm", "b2gpi-igg", "b2gpi-igm")
PLATELET_UNIT_SHOWN = (
    "\N{MULTIPLICATION SIGN}10⁹/L"  # the catalog stores it as x10^9/L; shown as the reference writes it
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
    test = test_for(result)
    word = value.positive_word
    above_range = above_printed_high(result)
    moderate: bool | None = False
    high: bool | None = False
    above_40 = False
    if result.test.startswith("acl") and value.number is not None:
        moderate = _at_least(test, value, ACL_MODERATE)
        high = _at_least(test, value, ACL_HIGH)
        above_40 = is_above(test, value, ACL_MODERATE) is True
    if word or above_range is True or moderate is True:
        bucket = "high" if high is True else "moderate" if moderate is True else ""
        return _AplReading(True, word or above_range is True or above_40, bucket)
    return _AplReading(None if above_range is None or moderate is None else False)


def apl_repeat_due(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """A positive antiphospholipid test with no repeat of the same test at least 12 weeks later (§2c).

    Per test, results are read in date order: a positive opens a repeat; a later result at least the
    interval after it closes it. A positive that confirms an earlier one (at least the interval after it)
    opens no new repeat, and neither do positives after it until a negative result [app convention]."""
    interval, clinic = clinic_interval(snap, "retest.apl")
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
                yield Unjudged("apl-repeat-due", subject(found[-1]), CENSORED, ("S7", "S8"))
            continue
        yield _apl_flag(open_positive[0], open_positive[1], interval, clinic, default)


def _apl_flag(
    result: LabResult,
    reading: _AplReading,
    interval: settings.Interval,
    clinic: bool,
    default: settings.Interval,
) -> Flag:
    name = in_sentence(test_name(result.test))
    value = result.value
    due = interval.after(result.on)
    if value.number is not None:
        unit = f" {value.unit}" if value.unit else ""
        what = f"Your {name} of {value_text(value)}{unit} ({result.on.isoformat()}) was positive"
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
                else f"not met by {value_text(value)} {unit_word} unless above the lab's 99th percentile."
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
        subject=subject(result),
        title=f"Repeat {name} due",
        detail=detail,
        ask=(
            "Ask your care team about repeating this test; criteria require two positives at least 12 weeks "
            "apart."
        ),
        numbers={
            "test": result.test,
            "value": value_text(value),
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
        test = test_for(result)
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
                    subject(result),
                    "no baseline platelet count recorded — cannot judge a fall",
                    ("S23", "S25"),
                )
            continue  # a count on day 0 with nothing before it is the baseline itself
        reference, reference_result = max(earlier, key=lambda pair: (pair[0], pair[1].on))
        count = canonical(test, result.value)
        if count is None or reference == 0:
            yield Unjudged(
                "platelets-fall-on-heparin",
                subject(result),
                unjudged_text(result.value),
            )
            continue
        fall = round_half_up((reference - count) / reference * 100)
        op = result.value.op
        fires: bool | None
        if op is Op.EQ:
            fires = fall >= PLATELET_FALL_MIN
        elif op in (Op.LT, Op.LE):  # the real count is lower: the fall is at least this
            fires = fall >= PLATELET_FALL_MIN or None
        else:  # the real count is higher: the fall is at most this
            fires = False if fall < PLATELET_FALL_MIN else None
        if fires is None:
            yield Unjudged("platelets-fall-on-heparin", subject(result), CENSORED, ("S23", "S25"))
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
        f"Your platelet count fell {at_least}{dec(fall)} % (from {format_fraction(reference, 1)} to "
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
        subject=subject(result),
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
            "unit": test_for(result).canonical_unit,
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
