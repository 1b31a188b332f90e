"""From what she typed to a validated Medication or Regimen: every field's parser and its messages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.datetext import parse_date, parse_local_datetime
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import (
    MedicationInput,
    build_change,
    build_medication,
    parse_every,
    parse_supply,
    parse_taper,
    parse_time,
    parse_times,
    parse_weekdays,
)
from rpltrack.domain.models import TimingKind
from rpltrack.domain.quantities import Quantity
from rpltrack.domain.records import replace

LONDON = ZoneInfo("Europe/London")
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", time(8)),
        ("8:00", time(8)),
        ("20.30", time(20, 30)),
        ("0730", time(7, 30)),
        ("7h15", time(7, 15)),
        (" 23:59 ", time(23, 59)),
        ("00:00", time(0)),
    ],
    ids=lambda v: str(v),
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "25:00", "8", "08:60", "noon", "8pm", ""], ids=repr)
def test_parse_time_rejects(text):
    with pytest.raises(ValidationError, match="use 24-hour HH:MM, like 08:00 or 20:30"):
        parse_time(text)


def test_parse_times_splits_on_commas_and_spaces():
    assert parse_times("08:00, 20:00") == (time(8), time(20))
    assert parse_times("08:00 14:00 20:00") == (time(8), time(14), time(20))
    with pytest.raises(ValidationError, match="give at least one time"):
        parse_times(" , ")
    with pytest.raises(ValidationError, match="at most 24 times a day"):
        parse_times(",".join(f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)))


@pytest.mark.parametrize(("text", "hours"), [("8h", 8), ("12 hours", 12), ("6 hrs", 6), ("24H", 24)], ids=str)
def test_parse_every(text, hours):
    assert parse_every(text) == hours


@pytest.mark.parametrize("text", ["8", "8x", "every 8h", "1.5h", "8d"], ids=repr)
def test_parse_every_rejects(text):
    with pytest.raises(ValidationError, match="write hours like 8h or 12h"):
        parse_every(text)


def test_parse_weekdays():
    assert parse_weekdays("mon,thu") == (0, 3)
    assert parse_weekdays("Friday, Monday, mon") == (0, 4)
    with pytest.raises(ValidationError, match="unknown weekday 'fun': use mon,tue"):
        parse_weekdays("funday")
    with pytest.raises(ValidationError, match="give at least one weekday"):
        parse_weekdays(",")


def test_parse_date():
    assert parse_date(" 2026-11-23 ") == date(2026, 11, 23)
    with pytest.raises(ValidationError, match=r"cannot read the date '23/11/2026': use YYYY-MM-DD") as caught:
        parse_date("23/11/2026", "start")
    assert caught.value.field == "start"
    with pytest.raises(ValidationError, match="'transfer' is a cycle event"):
        parse_date("transfer")


@pytest.mark.parametrize(
    ("text", "zone", "instant"),
    [
        ("2026-11-22 21:00", LONDON, datetime(2026, 11, 22, 21, tzinfo=UTC)),
        ("2026-11-22T21:00", LONDON, datetime(2026, 11, 22, 21, tzinfo=UTC)),
        ("2026-07-01 09:00", LONDON, datetime(2026, 7, 1, 8, tzinfo=UTC)),
        ("2026-03-08 02:30", NY, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # in the gap: shifted, like a slot
        ("2026-11-01 01:30", NY, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # repeated: the first one
    ],
    ids=["winter", "iso-T", "summer", "gap", "fold"],
)
def test_parse_local_datetime(text, zone, instant):
    parsed = parse_local_datetime(text, zone)
    assert parsed.astimezone(UTC) == instant  # (an ambiguous local time never == another zone's instant)
    assert parsed.tzinfo == zone


@pytest.mark.parametrize("text", ["2026-11-22", "21:00", "yesterday 21:00", "2026-11-31 08:00"], ids=repr)
def test_parse_local_datetime_rejects(text):
    with pytest.raises(ValidationError, match=r'use "YYYY-MM-DD HH:MM", like "2026-11-23 08:00"'):
        parse_local_datetime(text, LONDON)


def test_parse_taper():
    steps = parse_taper("20 mg x 6w; 10 mg x 1w; 5 mg for 7 days", None)
    assert steps == [
        (Quantity(Decimal(20), "mg"), 42),
        (Quantity(Decimal(10), "mg"), 7),
        (Quantity(Decimal(5), "mg"), 7),
    ]
    assert parse_taper("20 x 2w", "mg") == [(Quantity(Decimal(20), "mg"), 14)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("garbage", "cannot read the taper step 'garbage'"),
        ("20 mg x 0w", "each taper step lasts at least one day"),
        (" ; ", "the taper has no steps"),
        ("20 x 2w", "has no unit"),
    ],
    ids=["garbage", "zero-length", "empty", "no-unit"],
)
def test_parse_taper_rejects(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_taper(text, None)


def build(**fields: object) -> MedicationInput:
    values: dict[str, object] = {"name": "aspirin", "dose": "81 mg", "times": "08:00"}
    values.update(fields)
    return MedicationInput(**values)  # type: ignore[arg-type]  # test-only keyword table


def test_build_medication_defaults():
    med = build_medication(build(name="  Baby   Aspirin "), LONDON, NOW)
    assert med.name == "Baby Aspirin"
    assert med.generic == "aspirin"
    assert med.route == "oral"
    assert med.zone == "Europe/London"
    assert med.start_on == date(2026, 11, 23)
    assert med.created_at == NOW.astimezone(UTC)
    assert med.current.timing.describe() == "08:00 daily"
    assert str(med.current.amount) == "81 mg"


@pytest.mark.parametrize(
    ("fields", "describe"),
    [
        ({"times": "20:00,08:00"}, "08:00, 20:00 daily"),
        ({"every_days": "2"}, "08:00 every other day"),
        ({"every_days": "3"}, "08:00 every 3 days"),
        ({"weekdays": "mon,thu"}, "08:00 on mon,thu"),
        ({"times": "", "every": "8h"}, "every 8 h"),
        ({"times": "22:00", "every": "8h"}, "every 8 h"),
        ({"times": "", "prn": True}, "as needed"),
    ],
    ids=[
        "bid-sorted",
        "every-other-day",
        "every-3-days",
        "weekdays",
        "every-8h-at-0800",
        "every-8h-first-2200",
        "prn",
    ],
)
def test_build_medication_timings(fields, describe):
    assert build_medication(build(**fields), LONDON, NOW).current.timing.describe() == describe


def test_every_hours_without_times_starts_at_0800_on_the_start_day():
    med = build_medication(build(times="", every="12h", start="2026-07-01"), LONDON, NOW)
    assert med.current.timing.interval_anchor_at == datetime(2026, 7, 1, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "   "}, "name", "a medication needs a name"),
        ({"name": "x" * 121}, "name", "at most 120 characters"),
        ({"name": "progesterone"}, "name", "which progesterone?"),
        ({"dose": ""}, "dose", "give the dose, like '81 mg'"),
        ({"name": "CoQ10", "dose": "100"}, "dose", "the dose '100' needs a unit"),
        ({"name": "levothyroxine", "dose": "100 mg"}, "dose", "did you mean 100 mcg?"),
        ({"name": "fragmin", "dose": "50 mg"}, "dose", "enter the IU on your syringe"),
        ({"times": ""}, "times", "when is it taken?"),
        ({"times": "08:00", "prn": True}, "times", "choose one of"),
        ({"times": "08:00,08:00"}, "times", "the same time is given twice"),
        ({"every": "200h", "times": ""}, "every", "every 200 hours is not possible: use 1 to 168 hours"),
        ({"every_days": "x"}, "every_days", "every N days needs a whole number, not 'x'"),
        ({"every_days": "0"}, "every_days", "every 0 days is not possible: use 1 to 366"),
        ({"every_days": "2", "weekdays": "mon"}, "weekdays", "use either weekdays or every N days, not both"),
        ({"start": "2026-13-01"}, "start", "cannot read the date '2026-13-01'"),
        (
            {"start": "2026-02-01", "until": "2026-01-01"},
            "until",
            "the end date 2026-01-01 is before the start",
        ),
        ({"supply": "lots"}, "supply", "the supply is a count of doses on hand, not 'lots'"),
        ({"supply": "-1"}, "supply", "the supply cannot be negative"),
        ({"route": "vaginal"}, "route", "aspirin (low dose) is taken oral, not vaginal"),
        ({"notes": "x" * 2001}, "notes", "notes can be at most 2000 characters"),
        ({"taper": "81 mg x 1w"}, "dose", "give either a dose or a taper, not both"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_build_medication_rejects_with_the_field_at_fault(fields, field, message):
    with pytest.raises(ValidationError) as caught:
        build_medication(build(**fields), LONDON, NOW)
    assert message in caught.value.message
    assert caught.value.field == field


def test_own_medication_keeps_the_unit_as_entered():
    med = build_medication(build(name="CoQ10", dose="2 capsules", route=""), LONDON, NOW)
    assert med.generic is None
    assert med.route == "oral"
    assert str(med.current.amount) == "2 capsule"


def test_taper_until_is_the_earlier_of_until_and_the_last_step():
    med = build_medication(
        build(
            name="prednisone", dose="", start="2026-01-05", until="2026-01-20", taper="20 mg x 6w; 10 mg x 1w"
        ),
        LONDON,
        NOW,
    )
    assert med.end_on == date(2026, 1, 20)


def test_interval_taper_steps_keep_the_time_of_day():
    med = build_medication(
        build(
            name="prednisone",
            dose="",
            times="22:00",
            every="12h",
            start="2026-10-20",
            taper="20 mg x 1w; 10 mg x 1w",
        ),
        NY,
        NOW,
    )
    anchors = [r.timing.interval_anchor_at for r in med.regimens]
    assert anchors == [datetime(2026, 10, 21, 2, tzinfo=UTC), datetime(2026, 10, 28, 2, tzinfo=UTC)]


def test_build_change_new_dose_from_a_date_keeps_timing():
    med = replace(
        build_medication(
            build(name="levothyroxine", dose="50 mcg", times="07:00", start="2026-11-01"), LONDON, NOW
        ),
        id=1,
    )
    regimen = build_change(med, "0.075 mg", "", "", "2026-11-24", LONDON, NOW)
    assert regimen.effective_on == date(2026, 11, 24)
    assert str(regimen.amount) == "75 mcg"
    assert regimen.timing == med.current.timing
    bare = build_change(med, "88", "", "", "", LONDON, NOW)  # a bare number takes the current unit
    assert str(bare.amount) == "88 mcg"
    assert bare.effective_on == date(2026, 11, 23)


def test_build_change_times_only():
    med = replace(build_medication(build(), LONDON, NOW), id=1)
    regimen = build_change(med, "", "09:00,21:00", "", "2026-12-01", LONDON, NOW)
    assert regimen.amount == med.current.amount
    assert regimen.timing.times == (time(9), time(21))


@pytest.mark.parametrize(
    ("dose", "times", "message"),
    [
        ("", "", "nothing to change"),
        ("81 mg", "08:00", "nothing to change"),
        ("100 mg", "", "not measured in"),
        ("", "8pm", "cannot read the time '8pm'"),
    ],
    ids=["nothing", "same", "unit-family", "bad-time"],
)
def test_build_change_rejects(dose, times, message):
    med = replace(build_medication(build(), LONDON, NOW), id=1)
    with pytest.raises(ValidationError, match=message):
        build_change(med, dose.replace("100 mg", "100 IU"), times, "", "", LONDON, NOW)


def test_build_change_of_an_interval_keeps_the_time_of_day():
    med = replace(build_medication(build(times="22:00", every="8h", start="2026-10-20"), NY, NOW), id=1)
    regimen = build_change(med, "75 mg", "", "", "2026-11-05", NY, NOW)
    assert regimen.timing.kind is TimingKind.INTERVAL
    anchor = regimen.timing.interval_anchor_at
    assert anchor is not None
    assert anchor.astimezone(NY).strftime("%Y-%m-%d %H:%M") == "2026-11-05 22:00"
    assert anchor - med.current.timing.interval_anchor_at != timedelta(0)  # type: ignore[operator]


# --- dates at the edge (issue #14) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2026-02-31", "February 2026 has 28 days"),
        ("2028-02-30", "February 2028 has 29 days"),
        ("2026-04-31", "April 2026 has 30 days"),
        ("2026-13-01", "there is no month 13"),
        ("2026-00-10", "there is no month 0"),
        ("2026-01-00", "days of the month start at 01"),
        ("0001-01-01", "outside the years rpltrack keeps (1900 to 2199)"),
        ("9999-12-31", "outside the years rpltrack keeps (1900 to 2199)"),
        ("1899-12-31", "outside the years"),
        ("2200-01-01", "outside the years"),
        ("yesterday", "cannot read the date 'yesterday': use YYYY-MM-DD"),
    ],
)
def test_a_date_that_is_not_one_says_why(text: str, words: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(words)) as caught:
        parse_date(text, "until")
    assert caught.value.field == "until"


@pytest.mark.parametrize("text", ["1900-01-01", "2199-12-31", "2026-02-28", "2028-02-29"])
def test_dates_from_1900_to_2199_are_read(text: str) -> None:
    assert parse_date(text) == date.fromisoformat(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2026-02-29 08:00", "February 2026 has 28 days"),
        ("2026-11-23 24:00", "there is no hour 24"),
        ("2026-11-23 08:60", "there is no minute 60"),
        ("9999-12-31 23:59", "outside the years"),
        ("0001-01-01 00:00", "outside the years"),
    ],
)
def test_a_time_that_is_not_one_says_why(text: str, words: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(words)):
        parse_local_datetime(text, LONDON)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("99999999999999999999999", "more than rpltrack counts"),
        ("9" * 5000, "more than rpltrack counts"),
        ("-1", "cannot be negative"),
        ("2.5", "whole number"),
        ("\N{ARABIC-INDIC DIGIT THREE}", "whole number"),
    ],
)
def test_a_supply_beyond_what_can_be_counted_is_refused(text: str, words: str) -> None:
    """Issue #14: `--supply 99999999999999999999999` failed inside SQLite (exit 1)."""
    with pytest.raises(ValidationError, match=words):
        parse_supply(text)


def test_a_taper_step_longer_than_ten_years_is_refused() -> None:
    with pytest.raises(ValidationError, match="at most 3660 days"):
        parse_taper("20 mg x 9999w", "mg")
