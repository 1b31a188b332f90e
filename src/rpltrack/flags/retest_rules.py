"""Retests due (§12 table): TSH while pregnant, retests her clinic set after a course, and those after
treatment sessions (session_rules)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from rpltrack.domain import settings
from rpltrack.domain.dating import format_ga
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labs import (
    LabResult,
)
from rpltrack.domain.pregnancies import Pregnancy
from rpltrack.flags import common, lab_common, session_rules
from rpltrack.flags.model import Flag, JournalSnapshot, Unjudged

MID_GESTATION_DAYS = 20 * 7  # "until mid-gestation" read as 20+0 weeks [app convention]
NEAR_30_WEEKS = (28 * 7, 32 * 7)  # "once near 30 weeks": due from 28+0 w, shown until 32+0 w [app convention]


# ------------------------------------------------------------------------------------------ retest-due


def retest_due(snap: JournalSnapshot) -> Iterator[Flag | Unjudged]:
    """Retests that are due (§12 table): TSH while pregnant on levothyroxine or with TPO antibodies, retests
    her clinic set after a course, and those after treatment sessions (session_rules: anything after the
    last LIT session, a clinic retest after a course of sessions). Antiphospholipid repeats are
    apl-repeat-due's."""
    yield from _tsh_pregnant_due(snap)
    yield from session_rules.retest_due(snap)
    yield from _clinic_retests_due(snap)


def _tsh_pregnant_due(snap: JournalSnapshot) -> Iterator[Flag]:
    today = snap.today
    pregnancy = common.pregnancy_on(snap, today)
    if pregnancy is None or pregnancy.ended or pregnancy.started_on is None:
        return
    on_lt4 = lab_common.on_levothyroxine(snap, today)
    tpo = common.latest(snap, "tpo-ab")
    tpo_positive = lab_common.tpo_positive(tpo)
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
    interval, clinic = lab_common.clinic_interval(snap, "retest.tsh-pregnant")
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
        lab_name, lab_results = common.lab_results_named(snap, retest.test)
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
