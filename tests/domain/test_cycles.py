"""Cycles, events and transfers: timeline checks and where she is on a given day."""

from __future__ import annotations

from datetime import date

import pytest

from rpltrack.domain.cycles import (
    Cycle,
    CycleEvent,
    CycleKind,
    EventKind,
    Transfer,
    parse_cycle_kind,
    parse_event_kind,
)
from rpltrack.domain.errors import ValidationError

FET = Cycle(CycleKind.FET, date(2026, 10, 1), transfers=(Transfer(date(2026, 10, 20), 5),))


def test_dating_after_a_day5_transfer_shows_ga_only_while_pregnant() -> None:
    day = date(2026, 10, 29)
    assert FET.dating_on(day).label() == "CD 29 · 9dp5dt"
    pregnant = FET.dating_on(day, pregnant=True)
    assert pregnant.label() == "CD 29 · 9dp5dt · 4w 0d"
    assert pregnant.dpo == 14
    assert pregnant.edd == date(2027, 7, 8)  # transfer + 261 days


def test_natural_cycle_dates_a_pregnancy_from_cd1() -> None:
    natural = Cycle(CycleKind.NATURAL, date(2026, 9, 1))
    dating = natural.dating_on(date(2026, 10, 13), pregnant=True)
    assert dating.label() == "CD 43 · 6w 0d"
    assert dating.edd == date(2027, 6, 8)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        pytest.param(
            CycleEvent(EventKind.STIMS, date(2026, 9, 30)), "before this cycle's CD1", id="before-cd1"
        ),
        pytest.param(
            CycleEvent(EventKind.RETRIEVAL, date(2026, 10, 21)),
            "would come after this cycle's transfer",
            id="late",
        ),
    ],
)
def test_events_that_break_the_timeline_are_refused(event: CycleEvent, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FET.check_event(event)


def test_a_transfer_before_cd1_is_refused() -> None:
    with pytest.raises(ValidationError, match="before this cycle's CD1"):
        FET.check_transfer(Transfer(date(2026, 9, 20), 5))


def test_a_transfer_before_the_retrieval_is_refused() -> None:
    ivf = Cycle(
        CycleKind.IVF, date(2026, 10, 1), events=(CycleEvent(EventKind.RETRIEVAL, date(2026, 10, 15)),)
    )
    with pytest.raises(ValidationError, match="before this cycle's retrieval"):
        ivf.check_transfer(Transfer(date(2026, 10, 14), 3))


@pytest.mark.parametrize(("day", "count"), [(9, 1), (5, 0), (5, 6)])
def test_transfer_embryo_day_and_count_are_checked(day: int, count: int) -> None:
    with pytest.raises(ValidationError):
        Transfer(date(2026, 10, 20), day, count)


def test_kind_words_are_parsed_with_clear_errors() -> None:
    assert parse_cycle_kind(" FET ") is CycleKind.FET
    assert parse_event_kind("positive-beta") is EventKind.POSITIVE_BETA
    with pytest.raises(ValidationError, match="unknown cycle kind 'frozen'"):
        parse_cycle_kind("frozen")
    with pytest.raises(ValidationError, match="unknown event 'egg'"):
        parse_event_kind("egg")
