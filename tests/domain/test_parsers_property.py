"""RELIABILITY E11: every parser of what she types either returns a valid value or raises ValidationError with
a message; nothing else escapes, and nothing it returns breaks the schema's rules (positive, finite)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpltrack.domain import anchors, datetext, dating, medspec, quantities
from rpltrack.domain.betas import parse_hcg
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.settings import parse_duration

LONDON = ZoneInfo("Europe/London")

# Plain text, and text built from the characters these fields use, so both garbage and near-misses occur.
NEAR = st.text(alphabet="0123456789 .,:-+<>=wdhmTuµgIUmLcx/abe", max_size=24)
ANY = st.text(max_size=40)
TEXTS = st.one_of(NEAR, ANY)

PARSERS: dict[str, Callable[[str], object]] = {
    "amount": lambda t: quantities.parse_quantity(t, "mg"),
    "hcg": parse_hcg,
    "ga": dating.parse_ga,
    "times": medspec.parse_times,
    "every": medspec.parse_every,
    "weekdays": medspec.parse_weekdays,
    "date": datetext.parse_date,
    "datetime": lambda t: datetext.parse_local_datetime(t, LONDON),
    "duration": parse_duration,
    "taper": lambda t: medspec.parse_taper(t, "mg"),
    "event": anchors.parse_event_anchor,
    "for": anchors.parse_for,
}


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_parsers_never_crash(name: str, text: str) -> None:
    refused = ""
    try:
        value = PARSERS[name](text)
    except ValidationError as exc:
        refused = exc.message or "(empty message)"
        value = None
    if value is None:
        assert refused.strip()
        assert refused != "(empty message)"
        return
    if isinstance(value, quantities.Quantity):
        assert value.value.is_finite()
        assert value.value > 0
    if name == "hcg":
        assert value.value.is_finite()  # type: ignore[attr-defined]
        assert value.value >= 0  # type: ignore[attr-defined]
    if name == "ga":
        assert 0 <= value <= dating.MAX_GA_DAYS  # type: ignore[operator]
