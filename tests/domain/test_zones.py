"""Where a time was: which logged zones need a label, and the label ('EDT (New York)')."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.zones import zone_elsewhere, zone_label

SUMMER = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)  # 21:00 EDT, 02:00 BST, 10:00 JST
WINTER = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)  # London on GMT, Lisbon on WET


@pytest.mark.parametrize(
    ("logged_in", "shown", "at", "expected"),
    [
        pytest.param("America/New_York", "America/New_York", SUMMER, None, id="same-zone"),
        pytest.param(
            "America/New_York", "Asia/Tokyo", SUMMER, "America/New_York", id="new-york-seen-from-tokyo"
        ),
        pytest.param(
            "Europe/London", "America/New_York", WINTER, "Europe/London", id="london-seen-from-new-york"
        ),
        pytest.param("Europe/London", "UTC", WINTER, None, id="gmt-reads-as-utc-in-winter"),
        pytest.param("Europe/London", "UTC", SUMMER, "Europe/London", id="bst-does-not-read-as-utc"),
        pytest.param("Etc/UTC", "UTC", SUMMER, None, id="utc-aliases"),
        pytest.param("Europe/Paris", "Europe/Berlin", SUMMER, None, id="same-clock-same-abbreviation"),
        pytest.param("Europe/Lisbon", "Europe/London", WINTER, None, id="same-clock-other-name"),
        pytest.param("Not/AZone", "Europe/London", WINTER, None, id="unknown-name-read-here"),
        pytest.param("", "Europe/London", WINTER, None, id="empty-name-read-here"),
    ],
)
def test_zone_elsewhere_only_when_the_time_reads_differently(
    logged_in: str, shown: str, at: datetime, expected: str | None
) -> None:
    zone = zone_elsewhere(logged_in, at, ZoneInfo(shown))
    assert (zone.key if zone is not None else None) == expected


@pytest.mark.parametrize(
    ("zone", "at", "expected"),
    [
        pytest.param("America/New_York", SUMMER, "EDT (New York)", id="abbreviation-and-city"),
        pytest.param("America/New_York", WINTER, "EST (New York)", id="winter-abbreviation"),
        pytest.param("Asia/Tokyo", SUMMER, "JST (Tokyo)", id="tokyo"),
        pytest.param("America/Argentina/Buenos_Aires", SUMMER, "UTC-03 (Buenos Aires)", id="numeric-offset"),
        pytest.param("Asia/Dubai", SUMMER, "UTC+04 (Dubai)", id="numeric-offset-east"),
        pytest.param("UTC", SUMMER, "UTC", id="utc"),
        pytest.param("Etc/GMT+5", SUMMER, "UTC-05", id="etc-zone-no-city"),
    ],
)
def test_zone_label_names_the_abbreviation_and_the_city(zone: str, at: datetime, expected: str) -> None:
    assert zone_label(at.astimezone(ZoneInfo(zone))) == expected
