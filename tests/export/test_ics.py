"""The calendar export: RFC 5545 text parsed back, stable UIDs, VTIMEZONEs, clock changes, discreet mode."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar, Component, Timezone

from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.models import Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import replace
from rpltrack.export.ics import RetestDue, build_calendar, uid_for

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)


def appointment(appt_id: int = 1, at: datetime | None = None, **fields: object) -> Appointment:
    base = Appointment(
        at=at or datetime(2026, 11, 26, 10, 30, tzinfo=LONDON),
        kind=AppointmentKind.HEMATOLOGY,
        with_name="Dr Lee",
        where="Riverside Fertility, 2nd floor",
        purpose="Review the Lovenox plan",
        questions=(Question("Should Lovenox go on until 36 weeks?"), Question("When is the next TSH?")),
        id=appt_id,
    )
    return replace(base, **fields)  # type: ignore[arg-type]  # test helper: fields are Appointment's own


def medication(
    name: str = "Lovenox",
    generic: str | None = "enoxaparin",
    zone: ZoneInfo = LONDON,
    times: tuple[time, ...] = (time(8, 0),),
    med_id: int = 7,
    start: date = date(2026, 1, 1),
) -> Medication:
    return Medication(
        name=name,
        generic=generic,
        route="subcutaneous",
        zone=zone.key,
        regimens=(Regimen(start, Quantity(Decimal(40), "mg"), Timing(TimingKind.TIMES, times=times)),),
        id=med_id,
    )


RETEST = RetestDue(
    key="apl-repeat-due:lab12",
    title="Repeat anticardiolipin IgG due",
    due_on=date(2027, 1, 4),
    ask="Ask your care team about repeating this test.",
    detail="Your anticardiolipin IgG of 45 GPL (2026-10-12) was positive.",
)


def parse(text: str) -> Calendar:
    return Calendar.from_ical(text)


def events(cal: Calendar) -> dict[str, Component]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def unfolded(text: str) -> str:
    """RFC 5545 §3.1: a CRLF followed by one space or tab continues the line before."""
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def test_the_calendar_parses_back_with_every_event_and_its_fields() -> None:
    export = build_calendar([appointment()], [RETEST], [medication()], now=NOW, doses=True, dose_days=2)
    cal = parse(export.text)
    found = events(cal)
    appt = found["appt-1@rpltrack.local"]
    assert appt.decoded("DTSTART") == datetime(2026, 11, 26, 10, 30, tzinfo=LONDON)
    assert appt.decoded("DURATION") == timedelta(hours=1)
    assert str(appt["SUMMARY"]) == "Dr Lee (hematologist)"
    assert str(appt["LOCATION"]) == "Riverside Fertility, 2nd floor"
    description = str(appt["DESCRIPTION"])
    assert "Purpose: Review the Lovenox plan" in description
    assert "- Should Lovenox go on until 36 weeks?\n- When is the next TSH?" in description
    retest = found["retest-apl-repeat-due.lab12@rpltrack.local"]
    assert retest.decoded("DTSTART") == date(2027, 1, 4)
    assert retest.decoded("DTEND") == date(2027, 1, 5)
    assert str(retest["SUMMARY"]) == "Repeat anticardiolipin IgG due"
    doses = sorted(uid for uid in found if uid.startswith("dose-"))
    assert doses == ["dose-med7-r2026-01-01-0800@rpltrack.local"]  # one series: a regimen at one time
    series = found[doses[0]]
    assert series.decoded("DTSTART") == datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)
    assert series["RRULE"].to_ical() == b"FREQ=DAILY;UNTIL=20261124T080000Z"
    assert (export.appointments, export.retests, export.doses, export.dose_times) == (1, 1, 1, 2)
    assert str(cal["VERSION"]) == "2.0"
    assert all(e.decoded("DTSTAMP") == NOW.astimezone(UTC) for e in cal.walk("VEVENT"))


def test_two_exports_at_the_same_instant_are_identical() -> None:
    args = (
        [appointment(1), appointment(2, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))],
        [RETEST],
        [medication()],
    )
    first = build_calendar(*args, now=NOW, doses=True)
    second = build_calendar(*args, now=NOW, doses=True)
    assert first.text == second.text


def test_uids_stay_the_same_across_exports_so_a_reimport_updates() -> None:
    appts = [appointment(1), appointment(2, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))]
    first = events(parse(build_calendar(appts, [RETEST], [medication()], now=NOW, doses=True).text))
    later = NOW + timedelta(minutes=5)
    second = events(parse(build_calendar(appts, [RETEST], [medication()], now=later, doses=True).text))
    assert set(first) == set(second)
    assert len(first) == 2 + 1 + 1  # two appointments, a retest, one dose series
    assert second["appt-1@rpltrack.local"].decoded("DTSTAMP") == later.astimezone(UTC)


def test_an_edited_appointment_keeps_its_uid_and_moves() -> None:
    before = appointment(4)
    after = replace(before, at=datetime(2026, 11, 27, 15, 0, tzinfo=LONDON), where="Room 12")
    old = events(parse(build_calendar([before], [], now=NOW).text))
    new = events(parse(build_calendar([after], [], now=NOW + timedelta(hours=1)).text))
    assert list(old) == list(new) == ["appt-4@rpltrack.local"]
    assert new["appt-4@rpltrack.local"].decoded("DTSTART") == datetime(2026, 11, 27, 15, 0, tzinfo=LONDON)
    assert str(new["appt-4@rpltrack.local"]["LOCATION"]) == "Room 12"


def test_a_cancelled_appointment_stays_in_the_file_marked_cancelled() -> None:
    found = events(parse(build_calendar([appointment(5, cancelled=True)], [], now=NOW).text))
    assert str(found["appt-5@rpltrack.local"]["STATUS"]) == "CANCELLED"


def test_each_zone_used_has_a_vtimezone_and_utc_needs_none() -> None:
    appts = [
        appointment(1),
        appointment(2, datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK)),
        appointment(3, datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("UTC"))),
    ]
    text = build_calendar(appts, [], [medication(zone=SYDNEY)], now=NOW, doses=True, dose_days=3).text
    cal = parse(text)
    zones = sorted(str(tz["TZID"]) for tz in cal.walk("VTIMEZONE"))
    assert zones == ["America/New_York", "Australia/Sydney", "Europe/London"]
    lines = unfolded(text).split("\r\n")
    assert "DTSTART;TZID=America/New_York:20261201T090000" in lines
    assert "DTSTART:20261202T090000Z" in lines  # UTC: written with Z, no VTIMEZONE
    # Every TZID used by an event has its VTIMEZONE.
    used = {line.split("TZID=", 1)[1].split(":", 1)[0] for line in lines if line.startswith("DTSTART;TZID=")}
    assert used == set(zones)


@pytest.mark.parametrize(
    ("local", "expected_utc"),
    [
        ("20260307T080000", datetime(2026, 3, 7, 13, 0, tzinfo=UTC)),  # EST, before the change
        ("20260308T080000", datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),  # spring-forward day, EDT
        ("20260309T080000", datetime(2026, 3, 9, 12, 0, tzinfo=UTC)),  # EDT
    ],
    ids=["before", "change-day", "after"],
)
def test_a_dose_across_the_spring_forward_keeps_its_wall_time(local: str, expected_utc: datetime) -> None:
    now = datetime(2026, 3, 6, 12, 0, tzinfo=NEW_YORK)
    text = build_calendar([], [], [medication(zone=NEW_YORK)], now=now, doses=True, dose_days=5).text
    cal = parse(text)
    assert "DTSTART;TZID=America/New_York:20260306T080000" in unfolded(text).split("\r\n")
    starts = [
        e.decoded("DTSTART") for e in recurring_ical_events.of(cal).between(now, now + timedelta(days=5))
    ]
    day = date(int(local[:4]), int(local[4:6]), int(local[6:8]))
    assert [s.astimezone(UTC) for s in starts if s.date() == day] == [expected_utc]
    # A client that reads only the VTIMEZONE (not the zone name) gets the same instant.
    vtimezone = next(tz for tz in cal.walk("VTIMEZONE") if str(tz["TZID"]) == "America/New_York")
    assert isinstance(vtimezone, Timezone)
    own = vtimezone.to_tz()
    wall = datetime.strptime(local, "%Y%m%dT%H%M%S").replace(tzinfo=own)
    assert wall.astimezone(UTC) == expected_utc


def test_a_dose_time_missing_on_the_change_day_moves_forward_once() -> None:
    """02:30 does not exist in New York on 8 March 2026: the dose is at 03:30 EDT (07:30Z), once; the series
    reads the gap as RFC 5545 §3.3.5 says, as the schedule does, so it needs no exception."""
    now = datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)
    med = medication(zone=NEW_YORK, times=(time(2, 30),))
    text = build_calendar([], [], [med], now=now, doses=True, dose_days=3).text
    cal = parse(text)
    assert "EXDATE" not in unfolded(text)
    starts = [
        e.decoded("DTSTART").astimezone(UTC)
        for e in recurring_ical_events.of(cal).between(now, now + timedelta(days=3))
    ]
    assert starts == [
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 6, 30, tzinfo=UTC),
    ]


def test_discreet_mode_hides_drug_and_lab_names() -> None:
    appts = [appointment(1), appointment(2, kind=AppointmentKind.LAB, with_name="", purpose="TSH draw")]
    meds = [medication(), medication("progesterone in oil", "progesterone-in-oil", med_id=8)]
    text = unfolded(build_calendar(appts, [RETEST], meds, now=NOW, doses=True, discreet=True).text)
    for word in (
        "Lovenox",
        "enoxaparin",
        "progesterone",
        "anticardiolipin",
        "TSH",
        "hematologist",
        "36 weeks",
    ):
        assert word.casefold() not in text.casefold(), word
    found = events(parse(text))
    summaries = {str(e["SUMMARY"]) for e in found.values()}
    assert summaries == {"Appointment with Dr Lee", "Lab test", "Lab test due", "Medication"}
    assert str(found["appt-1@rpltrack.local"]["LOCATION"]) == "Riverside Fertility, 2nd floor"


def test_no_alarms_are_exported() -> None:
    text = build_calendar([appointment()], [RETEST], [medication()], now=NOW, doses=True).text
    assert "VALARM" not in text
    assert "TRIGGER" not in text


def test_lines_end_in_crlf_and_fold_at_75_octets() -> None:
    long_question = Question("Is it safe to " + "keep going with the same plan, " * 8 + "µ β — ok?")
    text = build_calendar([appointment(questions=(long_question,))], [], now=NOW).text
    assert text.endswith("END:VCALENDAR\r\n")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert "\n" not in text.replace("\r\n", "")
    assert "µ β — ok?" in str(events(parse(text))["appt-1@rpltrack.local"]["DESCRIPTION"])


def test_text_is_escaped_not_interpreted() -> None:
    tricky = appointment(where="Suite 5; Building B, 2nd floor\\annex", purpose="END:VEVENT\nBEGIN:VALARM")
    found = events(parse(build_calendar([tricky], [], now=NOW).text))
    assert list(found) == ["appt-1@rpltrack.local"]
    assert str(found["appt-1@rpltrack.local"]["LOCATION"]) == "Suite 5; Building B, 2nd floor\\annex"
    assert "END:VEVENT\nBEGIN:VALARM" in str(found["appt-1@rpltrack.local"]["DESCRIPTION"])


def test_many_dose_times_are_one_series_each() -> None:
    hourly = medication(times=tuple(time(h, 0) for h in range(24)))
    export = build_calendar([], [], [hourly], now=NOW, doses=True)
    assert export.doses == 24
    assert export.dose_times == 24 * 30
    assert len(events(parse(export.text))) == 24


def test_a_skipped_dose_is_left_out_of_its_series() -> None:
    med = medication()
    skipped = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    text = build_calendar([], [], [med], now=NOW, doses=True, dose_days=5, skipped=[(7, skipped)]).text
    assert "EXDATE;TZID=Europe/London:20261125T080000" in unfolded(text)
    starts = [
        e.decoded("DTSTART").astimezone(UTC)
        for e in recurring_ical_events.of(parse(text)).between(NOW, NOW + timedelta(days=5))
    ]
    assert skipped not in starts
    assert len(starts) == 4 - 1 + 0  # 24 .. 27 Nov at 08:00 after now, less the skipped one


def test_doses_are_left_out_unless_asked_and_as_needed_ones_always() -> None:
    prn = replace(
        medication(med_id=9),
        regimens=(Regimen(date(2026, 1, 1), Quantity(Decimal(40), "mg"), Timing(TimingKind.PRN)),),
    )
    assert build_calendar([], [], [medication()], now=NOW).doses == 0
    assert build_calendar([], [], [prn], now=NOW, doses=True).doses == 0


def test_uid_characters_are_kept_safe() -> None:
    assert (
        uid_for("retest", "retest-due:after:3:2026-01-01")
        == "retest-retest-due.after.3.2026-01-01@rpltrack.local"
    )
    assert uid_for("retest", "a b/c") == "retest-a_b_c@rpltrack.local"


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        build_calendar([], [], now=datetime(2026, 11, 23, 8, 40))  # noqa: DTZ001  # the point of the test
