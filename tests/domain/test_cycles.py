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
from rpltrack.domain.records import replace

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


@pytest.mark.parametrize(
    ("cd1", "ended_on", "new_cd1", "stale"),
    [
        pytest.param(date(2026, 8, 1), None, date(2026, 9, 30), False, id="day-60-the-day-before"),
        pytest.param(date(2026, 8, 1), None, date(2026, 10, 1), True, id="day-61-the-day-before"),
        pytest.param(date(2026, 8, 1), date(2026, 8, 29), date(2026, 12, 1), False, id="ended"),
        pytest.param(date(2026, 8, 1), None, date(2026, 8, 1), False, id="same-day"),
    ],
)
def test_a_cycle_left_open_past_day_60_is_stale(
    cd1: date, ended_on: date | None, new_cd1: date, stale: bool
) -> None:
    assert Cycle(CycleKind.NATURAL, cd1, ended_on=ended_on).stale_on(new_cd1) is stale


@pytest.mark.parametrize(
    ("cd1", "message"),
    [
        pytest.param(date(2026, 10, 1), None, id="as-recorded"),
        pytest.param(date(2026, 10, 21), "before this cycle's CD1", id="cd1-after-the-transfer"),
    ],
)
def test_a_corrected_cd1_keeps_every_event_inside_the_cycle(cd1: date, message: str | None) -> None:
    cycle = replace(FET, cd1=cd1, events=(CycleEvent(EventKind.RETRIEVAL, date(2026, 10, 15)),))
    if message is None:
        cycle.check_timeline()
    else:
        with pytest.raises(ValidationError, match=message):
            cycle.check_timeline()


def test_entries_describe_themselves_in_one_line() -> None:
    cycle = Cycle(CycleKind.FET, date(2026, 10, 20), "CCRM")
    assert cycle.describe() == "medicated FET from 2026-10-20 at CCRM"
    assert (
        Transfer(date(2026, 11, 10), 5, 2, "4AA").describe()
        == "day-5 transfer on 2026-11-10, 2 embryos (4AA)"
    )
    assert CycleEvent(EventKind.RETRIEVAL, date(2026, 11, 1), "x" * 100).describe().endswith("x…")
