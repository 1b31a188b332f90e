"""Retests due after treatment sessions (clinical-reference §11), counted from the sessions themselves.

- LIT: due 6 calendar months after the last recorded session, or her clinic's interval (`retest.lit`)
  [app convention; S34]. The wording never endorses LIT: guidelines (ESHRE 2017 [S2]; Cochrane 2014 [S34])
  do not recommend it.
- After a course of sessions: a retest her clinic set (`retest.after.<lit|ivig|intralipid|her words>`, e.g.
  'TSH 6w'), due that long after the last session once no planned session of that kind is still to come.

§11 gives no other number (the "effective within six months" window is clinic lore), so nothing else fires.
"""

from __future__ import annotations

from collections.abc import Iterator

from rpltrack.domain import settings
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.sessions import (
    KIND_NAMES,
    SessionKind,
    TreatmentSession,
    parse_what,
    plan,
    upcoming,
)
from rpltrack.flags import common
from rpltrack.flags.model import Flag, JournalSnapshot


def _clinic_interval(snap: JournalSnapshot, key: str) -> tuple[settings.Interval, bool]:
    try:
        return settings.interval(snap.settings, key)
    except ValidationError:
        return settings.parse_interval(settings.DEFAULTS[key]), False


def _sessions(snap: JournalSnapshot, kind: SessionKind, name: str = "") -> list[TreatmentSession]:
    """Her sessions of `kind` (for OTHER: of the same words) up to today, oldest first."""
    today = snap.today
    found = [
        s
        for s in snap.sessions
        if s.kind is kind
        and s.on <= today
        and (kind is not SessionKind.OTHER or s.name.casefold() == name.casefold())
    ]
    return sorted(found, key=lambda s: (s.on, s.id or 0))


def retest_due(snap: JournalSnapshot) -> Iterator[Flag]:
    """The retest-due flags that come from treatment sessions."""
    yield from lit_due(snap)
    yield from after_course_due(snap)


def lit_due(snap: JournalSnapshot) -> Iterator[Flag]:
    """Anything due 6 calendar months (or her clinic's interval) after the last LIT session."""
    sessions = _sessions(snap, SessionKind.LIT)
    if not sessions:
        return
    last = sessions[-1]
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
        # The subject names the session's id, as when LIT sessions were kept as labs (the upgrade kept the
        # ids), so a mark she made then still applies.
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


def after_course_due(snap: JournalSnapshot) -> Iterator[Flag]:
    """A retest her clinic set after a course of sessions (`retest.after.ivig` = 'TSH 6w'): due that long
    after the last session of that kind, once no planned session of that kind is still to come, until a
    result of that test is recorded after the session."""
    today = snap.today
    planned = upcoming(plan(snap.courses, snap.sessions, today))
    for key in sorted(k for k in snap.settings if k.startswith(settings.RETEST_AFTER_PREFIX)):
        suffix, text = key[len(settings.RETEST_AFTER_PREFIX) :], snap.settings[key]
        if not suffix or not text:
            continue
        try:
            kind, name = parse_what(suffix)
            retest = settings.parse_retest(text)
        except ValidationError:
            continue
        sessions = _sessions(snap, kind, name)
        if not sessions:
            continue
        if any(
            p.course.kind is kind
            and (kind is not SessionKind.OTHER or p.course.name.casefold() == name.casefold())
            for p in planned
        ):
            continue  # the course is still running
        last = sessions[-1]
        due = retest.interval.after(last.on)
        lab_name, results = common.lab_results_named(snap, retest.test)
        if today < due or any(r.on > last.on for r in results):
            continue
        what, course = last.what, name or KIND_NAMES[kind]
        yield Flag(
            rule="retest-due",
            subject=f"after:session{last.id if last.id is not None else last.on.isoformat()}:{suffix}",
            title=f"{lab_name} retest due",
            detail=(
                f"Your clinic asks for {lab_name} {retest.interval} after a course of {course}: your last "
                f"{what} was on {last.on.isoformat()}, so a {lab_name} test was due from {due.isoformat()}. "
                f"No {lab_name} result is recorded since {last.on.isoformat()}."
            ),
            ask=f"Ask your care team whether a {lab_name} test is due.",
            numbers={
                "session": what,
                "last_session": last.on.isoformat(),
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
