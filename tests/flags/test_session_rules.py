"""Retests due after treatment sessions (§11), counted from the sessions: the LIT window (6 calendar months
after the last session, or the clinic's), its wording, and a clinic retest after a course of sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.labs import LabResult, LabValue
from rpltrack.domain.sessions import Course, Every, EveryUnit, SessionKind, TreatmentSession
from rpltrack.flags import retest_rules, session_rules
from rpltrack.flags.model import Flag, JournalSnapshot
from rpltrack.flags.rules import evaluate

LONDON = ZoneInfo("Europe/London")


def lit(on: date, id: int = 80) -> TreatmentSession:
    return TreatmentSession(on, SessionKind.LIT, id=id)


def snap(
    *sessions: TreatmentSession,
    now: datetime,
    settings: dict[str, str] | None = None,
    courses: tuple[Course, ...] = (),
    labs: tuple[LabResult, ...] = (),
) -> JournalSnapshot:
    return JournalSnapshot(
        now=now, zone=LONDON, sessions=sessions, courses=courses, settings=settings or {}, labs=labs
    )


def subjects(journal: JournalSnapshot) -> list[str]:
    return [f.subject for f in session_rules.retest_due(journal)]


@pytest.mark.parametrize(
    ("session", "now", "expected"),
    [
        pytest.param(
            date(2026, 1, 10), datetime(2026, 7, 10, 11, tzinfo=UTC), ["lit:80"], id="10-jan-due-10-jul"
        ),
        pytest.param(date(2026, 1, 10), datetime(2026, 7, 9, 11, tzinfo=UTC), [], id="9-jul-not-yet"),
        pytest.param(
            date(2025, 8, 31), datetime(2026, 2, 28, 11, tzinfo=UTC), ["lit:80"], id="31-aug-due-28-feb"
        ),
        pytest.param(date(2025, 8, 31), datetime(2026, 2, 27, 11, tzinfo=UTC), [], id="27-feb-not-yet"),
    ],
)
def test_lit_window_is_six_calendar_months_after_the_last_session(
    session: date, now: datetime, expected: list[str]
) -> None:
    assert subjects(snap(lit(session), now=now)) == expected


def test_the_window_counts_from_the_last_session_not_the_first() -> None:
    journal = snap(lit(date(2026, 1, 10), 1), lit(date(2026, 2, 7), 2), now=datetime(2026, 7, 20, tzinfo=UTC))
    assert subjects(journal) == []
    later = snap(lit(date(2026, 1, 10), 1), lit(date(2026, 2, 7), 2), now=datetime(2026, 8, 7, 9, tzinfo=UTC))
    assert subjects(later) == ["lit:2"]


def test_a_session_of_another_kind_has_no_window() -> None:
    ivig = TreatmentSession(date(2026, 1, 10), SessionKind.IVIG, id=3)
    assert subjects(snap(ivig, now=datetime(2027, 1, 1, tzinfo=UTC))) == []


def test_lit_wording_does_not_endorse_lit() -> None:
    [flag] = session_rules.retest_due(snap(lit(date(2026, 1, 10)), now=datetime(2026, 7, 10, 11, tzinfo=UTC)))
    assert flag.rule == "retest-due"
    assert "over 6 months ago (your clinic's protocol)" in flag.detail
    assert "Note: guidelines (ESHRE; Cochrane 2014) do not recommend LIT." in flag.detail
    assert flag.ask == "Ask your care team whether anything is due."
    assert flag.sources == ("S34", "S2")
    assert "recommend" not in flag.title.lower()


def test_lit_clinic_interval_with_the_default_as_context() -> None:
    journal = snap(
        lit(date(2026, 1, 10)), now=datetime(2026, 4, 10, 11, tzinfo=UTC), settings={"retest.lit": "3m"}
    )
    [flag] = session_rules.retest_due(journal)
    assert flag.clinic_target is True
    assert any("6 months" in line for line in flag.context)


def test_the_engine_reads_the_lit_window_through_retest_due() -> None:
    """The rule id stays retest-due (retest_rules.retest_due yields the session rules too)."""
    journal = snap(lit(date(2026, 1, 10)), now=datetime(2026, 7, 10, 11, tzinfo=UTC))
    assert [f.key for f in retest_rules.retest_due(journal) if isinstance(f, Flag)] == ["retest-due:lit:80"]
    assert [f.key for f in evaluate(journal).flags] == ["retest-due:lit:80"]


IVIG_COURSE = Course(
    SessionKind.IVIG, date(2026, 3, 2), Every(4, EveryUnit.WEEKS), count=2, zone=LONDON.key, id=5
)
IVIGS = (
    TreatmentSession(date(2026, 3, 2), SessionKind.IVIG, id=1),
    TreatmentSession(date(2026, 3, 31), SessionKind.IVIG, id=2),
)
AFTER_IVIG = {"retest.after.ivig": "TSH 6w"}  # due 2026-05-12


@pytest.mark.parametrize(
    ("now", "sessions", "labs", "expected"),
    [
        (datetime(2026, 5, 12, 9, tzinfo=UTC), IVIGS, (), ["after:session2:ivig"]),
        (datetime(2026, 5, 11, 9, tzinfo=UTC), IVIGS, (), []),
        (datetime(2026, 5, 12, 9, tzinfo=UTC), IVIGS[:1], (), ["after:session1:ivig"]),
        (
            datetime(2026, 5, 12, 9, tzinfo=UTC),
            IVIGS,
            (LabResult("tsh", date(2026, 4, 20), LabValue(number=Decimal("2.1"), unit="mIU/L"), id=9),),
            [],
        ),
    ],
    ids=["due-6-weeks-after-the-last", "not-yet", "second-never-recorded", "tsh-recorded-since"],
)
def test_a_clinic_retest_after_a_course_of_sessions(
    now: datetime, sessions: tuple[TreatmentSession, ...], labs: tuple[LabResult, ...], expected: list[str]
) -> None:
    journal = snap(*sessions, now=now, settings=AFTER_IVIG, courses=(IVIG_COURSE,), labs=labs)
    assert subjects(journal) == expected


def test_the_after_course_retest_says_it_is_the_clinics() -> None:
    journal = snap(
        *IVIGS, now=datetime(2026, 5, 12, 9, tzinfo=UTC), settings=AFTER_IVIG, courses=(IVIG_COURSE,)
    )
    [flag] = session_rules.retest_due(journal)
    assert flag.title == "TSH retest due"
    assert "after a course of IVIG: your last IVIG infusion was on 2026-03-31" in flag.detail
    assert flag.ask == "Ask your care team whether a TSH test is due."
    assert flag.clinic_target is True
    assert flag.context == ("This retest is your clinic's setting (retest.after.ivig = TSH 6w).",)


def test_no_retest_while_the_course_still_has_a_session_to_come() -> None:
    journal = snap(
        IVIGS[0],
        now=datetime(2026, 3, 20, 9, tzinfo=UTC),
        settings={"retest.after.ivig": "TSH 1w"},
        courses=(IVIG_COURSE,),
    )
    assert subjects(journal) == []
    done = snap(
        IVIGS[0],
        now=datetime(2026, 4, 20, 9, tzinfo=UTC),
        settings={"retest.after.ivig": "TSH 1w"},
        courses=(IVIG_COURSE,),
    )
    assert subjects(done) == ["after:session1:ivig"]
