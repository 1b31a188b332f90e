"""Treatment sessions and courses (pure): reading what she typed, planning a course (rrule, calendar months,
DST-safe wall times), which recorded session fulfils a planned one, and the reminders before each."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain import reminder_words
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.reminders import Kind, decide
from rpltrack.domain.sessions import (
    Course,
    Every,
    EveryUnit,
    PlanState,
    SessionKind,
    TreatmentSession,
    parse_every,
    parse_what,
    plan,
    planned_dates,
    session_dues,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("LIT", SessionKind.LIT, ""),
        ("lymphocyte immunotherapy", SessionKind.LIT, ""),
        ("PLIT", SessionKind.LIT, ""),
        ("IVIg", SessionKind.IVIG, ""),
        ("intravenous immunoglobulin", SessionKind.IVIG, ""),
        ("Intralipids", SessionKind.INTRALIPID, ""),
        ("  lipid   infusion ", SessionKind.INTRALIPID, ""),
        ("acupuncture  session", SessionKind.OTHER, "acupuncture session"),
    ],
    ids=["lit", "lit-words", "plit", "ivig", "ivig-words", "intralipids", "spaces", "own-words"],
)
def test_what_is_read_forgivingly(text: str, kind: SessionKind, name: str) -> None:
    assert parse_what(text) == (kind, name)


@pytest.mark.parametrize(
    "text", ["", "   ", "other", "x" * 81, "a\x1bb"], ids=["empty", "blank", "other", "long", "control"]
)
def test_what_refuses_nothing_other_overlong_and_controls(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_what(text)
    assert caught.value.field == "what"


@pytest.mark.parametrize(
    ("text", "every"),
    [
        ("3 weeks", Every(3, EveryUnit.WEEKS)),
        ("every 4 weeks", Every(4, EveryUnit.WEEKS)),
        ("21 days", Every(21, EveryUnit.DAYS)),
        ("3w", Every(3, EveryUnit.WEEKS)),
        ("1 month", Every(1, EveryUnit.MONTHS)),
        ("week", Every(1, EveryUnit.WEEKS)),
    ],
    ids=["3-weeks", "every-4-weeks", "21-days", "3w", "month", "week"],
)
def test_every_is_read(text: str, every: Every) -> None:
    assert parse_every(text) == every


@pytest.mark.parametrize("text", ["", "3 fortnights", "0 weeks", "53 weeks", "-3 weeks", "3.5 weeks"])
def test_every_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_every(text)


@pytest.mark.parametrize(
    ("every", "count", "until", "expected"),
    [
        (Every(3, EveryUnit.WEEKS), 3, None, ["2026-12-01", "2026-12-22", "2027-01-12"]),
        (Every(4, EveryUnit.WEEKS), None, date(2027, 2, 1), ["2026-12-01", "2026-12-29", "2027-01-26"]),
        (Every(4, EveryUnit.WEEKS), None, date(2027, 1, 26), ["2026-12-01", "2026-12-29", "2027-01-26"]),
        (Every(10, EveryUnit.DAYS), 2, None, ["2026-12-01", "2026-12-11"]),
    ],
    ids=["3-weeks-x3", "4-weeks-until", "until-inclusive", "10-days"],
)
def test_planned_dates_from_rrule(
    every: Every, count: int | None, until: date | None, expected: list[str]
) -> None:
    dates = planned_dates(date(2026, 12, 1), every, count=count, until=until)
    assert [d.isoformat() for d in dates] == expected


def test_monthly_course_never_skips_a_short_month() -> None:
    """31 Jan + 1 month is 28 Feb (not March, as RFC 5545's BYMONTHDAY would skip it)."""
    dates = planned_dates(date(2027, 1, 31), Every(1, EveryUnit.MONTHS), count=4)
    assert [d.isoformat() for d in dates] == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]


def course(**changes: object) -> Course:
    values: dict[str, object] = {
        "kind": SessionKind.LIT,
        "start_on": date(2026, 12, 1),
        "every": Every(3, EveryUnit.WEEKS),
        "count": 3,
        "zone": LONDON.key,
        "id": 1,
        "created_at": CREATED,
    }
    values.update(changes)
    return Course(**values)  # type: ignore[arg-type]  # test builder: the model checks every field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"count": None}, "count"),
        ({"until_on": date(2027, 1, 1)}, "count"),
        ({"count": 0}, "count"),
        ({"count": 53}, "count"),
        ({"count": None, "until_on": date(2026, 11, 1)}, "until"),
        ({"count": None, "until_on": date(2030, 1, 1)}, "until"),
        ({"kind": SessionKind.OTHER}, "what"),
        ({"at_time": time(9, 30), "zone": ""}, "at"),
        ({"stopped_on": date(2026, 11, 1)}, "stopped"),
    ],
    ids=[
        "no-length",
        "both-lengths",
        "zero",
        "too-many",
        "ends-before",
        "too-long",
        "other-unnamed",
        "no-zone",
        "stop",
    ],
)
def test_a_course_refuses_what_cannot_be_planned(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        course(**changes)
    assert caught.value.field == field


def test_a_stop_drops_the_planned_sessions_after_it() -> None:
    assert course(stopped_on=date(2026, 12, 22)).planned() == [date(2026, 12, 1), date(2026, 12, 22)]


def session(on: date, kind: SessionKind = SessionKind.LIT, id: int = 10, name: str = "") -> TreatmentSession:
    return TreatmentSession(on, kind, name, id=id)


@pytest.mark.parametrize(
    ("recorded", "states"),
    [
        ([], ["upcoming", "upcoming", "upcoming"]),
        ([date(2026, 12, 1)], ["done", "upcoming", "upcoming"]),
        ([date(2026, 11, 24)], ["done", "upcoming", "upcoming"]),
        ([date(2026, 12, 8)], ["done", "upcoming", "upcoming"]),
        ([date(2026, 11, 23)], ["upcoming", "upcoming", "upcoming"]),
        ([date(2026, 12, 12)], ["upcoming", "upcoming", "upcoming"]),
        ([date(2026, 12, 11)], ["upcoming", "upcoming", "upcoming"]),
        ([date(2026, 12, 16)], ["upcoming", "done", "upcoming"]),
    ],
    ids=["none", "on-the-day", "7-days-early", "7-days-late", "8-early", "11-late", "10-late", "6-early-2nd"],
)
def test_a_session_on_or_near_a_planned_date_fulfils_it(recorded: list[date], states: list[str]) -> None:
    """Within 7 days before or after a planned date [app convention]."""
    found = plan([course()], [session(d, id=n) for n, d in enumerate(recorded, 1)], date(2026, 11, 20))
    assert [p.state.value for p in found] == states


def test_each_session_fulfils_one_planned_date_of_its_own_kind() -> None:
    weekly = course(every=Every(1, EveryUnit.WEEKS), count=3)
    recorded = [session(date(2026, 12, 4), id=1), session(date(2026, 12, 8), SessionKind.IVIG, id=2)]
    found = plan([weekly], recorded, date(2026, 12, 9))
    assert [(p.state, p.session_id) for p in found] == [
        (PlanState.DONE, 1),
        (PlanState.NOT_RECORDED, None),
        (PlanState.UPCOMING, None),
    ]


def test_her_own_words_match_a_course_of_the_same_words() -> None:
    own = course(kind=SessionKind.OTHER, name="Acupuncture", count=1)
    found = plan(
        [own], [session(date(2026, 12, 1), SessionKind.OTHER, name="acupuncture")], date(2026, 12, 5)
    )
    assert [p.state for p in found] == [PlanState.DONE]


# -- reminders ---------------------------------------------------------------------------------------------


def dues_at(c: Course, now: datetime, recorded: list[TreatmentSession] = ()) -> list[tuple[str, datetime]]:  # type: ignore[assignment]  # default: no sessions
    planned = plan([c], recorded, now.astimezone(LONDON).date() - timedelta(days=1))
    return [(d.subject, d.due_at.astimezone(UTC)) for d in session_dues(planned, now, 60)]


def test_a_timed_session_is_reminded_the_evening_before_and_an_hour_before() -> None:
    c = course(at_time=time(9, 30), where="Riverside")
    evening = dues_at(c, datetime(2026, 11, 30, 18, 0, tzinfo=LONDON))
    assert evening == [("session:1:2026-12-01:evening", datetime(2026, 11, 30, 18, 0, tzinfo=UTC))]
    both = dues_at(c, datetime(2026, 12, 1, 8, 31, tzinfo=LONDON))
    assert [s for s, _ in both] == ["session:1:2026-12-01:evening", "session:1:2026-12-01:60m"]
    assert both[1][1] == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def test_an_untimed_session_is_reminded_the_evening_before_only() -> None:
    assert dues_at(course(), datetime(2026, 12, 1, 12, 0, tzinfo=LONDON)) == [
        ("session:1:2026-12-01:evening", datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
    ]


def test_a_recorded_session_has_no_reminder() -> None:
    assert dues_at(course(), datetime(2026, 12, 1, 12, 0, tzinfo=LONDON), [session(date(2026, 11, 30))]) == []


@pytest.mark.parametrize(
    ("zone", "start", "first", "after"),
    [
        (LONDON, date(2026, 3, 15), "2026-03-15T09:30:00+00:00", "2026-04-05T09:30:00+01:00"),
        (LONDON, date(2026, 10, 11), "2026-10-11T09:30:00+01:00", "2026-11-01T09:30:00+00:00"),
        (NEW_YORK, date(2026, 3, 1), "2026-03-01T09:30:00-05:00", "2026-03-22T09:30:00-04:00"),
        (NEW_YORK, date(2026, 10, 18), "2026-10-18T09:30:00-04:00", "2026-11-08T09:30:00-05:00"),
    ],
    ids=["london-spring", "london-autumn", "ny-spring", "ny-autumn"],
)
def test_a_course_keeps_its_wall_time_across_a_clock_change(
    zone: ZoneInfo, start: date, first: str, after: str
) -> None:
    """Planned dates are calendar dates; each session's reminder is worked out in its zone on its day."""
    c = course(start_on=start, at_time=time(9, 30), zone=zone.key, count=2)
    starts = []
    for day in c.planned():
        now = datetime.combine(day, time(9, 0), tzinfo=zone)
        [minutes_before] = [d for d in session_dues(plan([c], [], day), now, 60) if d.subject.endswith("60m")]
        assert minutes_before.at is not None
        starts.append(minutes_before.at.astimezone(zone).isoformat())
    assert starts == [first, after]


def test_reminder_words_discreet_hide_what_the_session_is() -> None:
    c = course(at_time=time(9, 30), where="Riverside")
    now = datetime(2026, 11, 30, 18, 1, tzinfo=LONDON)
    dues = session_dues(plan([c], [], now.date()), now, 60)
    assert {d.kind for d in dues} == {Kind.APPOINTMENT}
    decision = decide(dues, {}, now)
    [plain] = reminder_words.notices(decision, now, discreet=False)
    [discreet] = reminder_words.notices(decision, now, discreet=True)
    assert plain.title == "Tomorrow 09:30: LIT session"
    assert "Riverside" in plain.body
    assert (discreet.title, discreet.body) == ("Reminder", "Something planned tomorrow at 09:30.")
    untimed = session_dues(plan([course()], [], now.date()), now, 60)
    [words] = reminder_words.notices(decide(untimed, {}, now), now, discreet=True)
    assert words.body == "Something planned tomorrow."
    for text in (discreet.title, discreet.body, words.title, words.body):
        assert "LIT" not in text
        assert "session" not in text.lower()
