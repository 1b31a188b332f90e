"""Typed settings: durations, the reminder grace period, defaults."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.settings import (
    DEFAULTS,
    SETTINGS,
    format_duration,
    grace_from,
    interval,
    parse_duration,
    parse_interval,
    setting_for,
    threshold,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", timedelta(hours=2)),
        ("90m", timedelta(minutes=90)),
        ("90min", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 1h 30m ", timedelta(hours=1, minutes=30)),
        ("0m", timedelta(0)),
    ],
    ids=lambda v: str(v),
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "2", "2 hours", "-1h", "1.5h", "h"], ids=repr)
def test_parse_duration_rejects(text):
    with pytest.raises(ValidationError, match=r"cannot read the duration .*: write it like 2h, 90m or 1h30m"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(hours=2), "2h"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=24), "24h"),
    ],
    ids=str,
)
def test_format_duration_round_trips(value, text):
    assert format_duration(value) == text
    assert parse_duration(text) == value


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("2h", "2h"), ("90m", "1h30m"), ("5m", "5m"), ("24h", "24h"), ("120m", "2h")],
    ids=str,
)
def test_grace_setting_is_stored_canonically(text, canonical):
    assert SETTINGS["reminders.grace"].parse(text) == canonical


@pytest.mark.parametrize("text", ["4m", "0m", "25h", "24h1m"], ids=str)
def test_grace_setting_range(text):
    with pytest.raises(ValidationError, match="the grace period must be between 5m and 24h"):
        SETTINGS["reminders.grace"].parse(text)


def test_grace_from_values_and_default():
    assert grace_from({}) == timedelta(hours=2)
    assert grace_from({"reminders.grace": "45m"}) == timedelta(minutes=45)


def test_every_setting_default_is_valid_and_described():
    for key, setting in SETTINGS.items():
        assert setting.key == key
        assert setting.description
        if setting.default:
            assert setting.parse(setting.default) == setting.default
        else:  # unset: the guideline default in DEFAULTS applies, and it must be valid for the key
            assert key in DEFAULTS or key == "tsh.target"
            if key in DEFAULTS:
                assert setting.parse(DEFAULTS[key]) == DEFAULTS[key]


@pytest.mark.parametrize(
    ("text", "stored", "start", "due"),
    [
        ("12w", "12w", date(2026, 1, 10), date(2026, 4, 4)),
        ("84d", "12w", date(2026, 1, 10), date(2026, 4, 4)),
        ("10 days", "10d", date(2026, 1, 10), date(2026, 1, 20)),
        ("6m", "6m", date(2026, 1, 10), date(2026, 7, 10)),
        ("6 months", "6m", date(2025, 8, 31), date(2026, 2, 28)),
        ("6m", "6m", date(2023, 8, 31), date(2024, 2, 29)),
    ],
    ids=["weeks", "days-as-weeks", "days", "months", "month-end", "leap-year"],
)
def test_retest_intervals_parse_and_add_calendar_months(text, stored, start, due):
    interval = parse_interval(text)
    assert interval.text == stored
    assert interval.after(start) == due


@pytest.mark.parametrize(
    ("key", "text", "stored"),
    [
        ("tsh.target", "2.50", "2.5"),
        ("tsh.target", " 2 ", "2"),
        ("progesterone.threshold", "9.2", "9.2"),
        ("vitamin-d.threshold", "30", "30"),
        ("reminders.discreet", "ON", "on"),
        ("reminders.discreet", "no", "off"),
        ("retest.lit", "26w", "26w"),
        ("retest.after.levothyroxine", "TSH 6w", "TSH 6w"),
        ("retest.after.prednisone", "fasting glucose 4w", "fasting glucose 4w"),
    ],
)
def test_settings_store_a_canonical_spelling(key, text, stored):
    setting = setting_for(key)
    assert setting is not None
    assert setting.parse(text) == stored


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("tsh.target", "abc"),
        ("tsh.target", "0"),
        ("tsh.target", "25"),
        ("tsh.target", "nan"),
        ("reminders.discreet", "maybe"),
        ("retest.apl", "0w"),
        ("retest.apl", "soon"),
        ("retest.after.levothyroxine", "6w"),
    ],
)
def test_bad_setting_values_are_refused(key, text):
    setting = setting_for(key)
    assert setting is not None
    with pytest.raises(ValidationError):
        setting.parse(text)


def test_clinic_values_override_the_guideline_defaults():
    assert threshold({}, "vitamin-d.threshold") == (Decimal(20), False)
    assert threshold({"vitamin-d.threshold": "30"}, "vitamin-d.threshold") == (Decimal(30), True)
    assert interval({}, "retest.lit") == (parse_interval("6m"), False)
    assert setting_for("retest.after.") is None
    assert setting_for("no.such") is None
