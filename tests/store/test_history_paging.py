"""History without the 30-day limit (#18): filters and pages over the 10-year demo journal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.models import DoseStatus
from rpltrack.store.demo import fill_demo
from rpltrack.store.doses import HistoryEntry, HistoryFilter
from rpltrack.store.journal import Journal
from rpltrack.store.missed import missed_doses

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)
TEN_YEARS_AGO = NOW - timedelta(days=3660)


@pytest.fixture(scope="module")
def ten_years(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journal]:
    path = tmp_path_factory.mktemp("history") / "journal.db"
    with Journal.open(path, now=NOW) as journal:
        fill_demo(journal, NOW, LONDON, 10)
    with Journal.open(path, now=NOW) as journal:
        yield journal


def _all_pages(journal: Journal, wanted: HistoryFilter, limit: int) -> list[list[HistoryEntry]]:
    pages = []
    before = None
    while True:
        page = journal.history_page(wanted, LONDON, NOW, before=before, limit=limit)
        pages.append(list(page.entries))
        if page.before is None:
            return pages
        before = page.before


def _key(entry: HistoryEntry) -> tuple[str, int | None, datetime]:
    if entry.log is not None:
        return ("log", entry.log.id, entry.at)
    assert entry.view is not None
    assert entry.view.slot is not None
    return ("missed", entry.medication.id, entry.at)


def test_pages_of_one_medication_over_ten_years_hold_every_dose_once(ten_years: Journal) -> None:
    ids = ten_years.medication_ids_named("aspirin")
    assert len(ids) > 20  # a course a cycle, over ten years
    wanted = HistoryFilter(TEN_YEARS_AGO, NOW + timedelta(days=1), ids)
    pages = _all_pages(ten_years, wanted, 50)
    entries = [e for page in pages for e in page]
    assert all(len(page) <= 52 for page in pages)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    keys = [_key(e) for e in entries]
    assert len(keys) == len(set(keys))
    logged = ten_years.logs_between(TEN_YEARS_AGO, NOW + timedelta(days=1))
    expected_logs = {log.id for log in logged if log.medication_id in ids}
    assert {k[1] for k in keys if k[0] == "log"} == expected_logs
    assert {e.medication.id for e in entries} <= set(ids)
    assert any(e.log is None for e in entries)  # the demo leaves some doses missed


def test_missed_doses_are_those_today_calls_missed(ten_years: Journal) -> None:
    """Over the last year (every medication): the history's missed doses are store.missed's, which reads
    the day views Today shows."""
    start = NOW - timedelta(days=365)
    wanted = HistoryFilter(start, NOW, states=("missed",))
    entries = [e for page in _all_pages(ten_years, wanted, 40) for e in page]
    expected = missed_doses(ten_years, start, NOW, LONDON, NOW)
    assert sorted((e.medication.id, e.at) for e in entries) == sorted(
        (v.medication.id, v.sort_at.astimezone(UTC)) for v in expected
    )
    assert all(e.log is None and e.view is not None for e in entries)
    assert all(e.view.status is DoseStatus.MISSED for e in entries if e.view is not None)


@pytest.mark.parametrize(
    ("states", "check"),
    [
        (("taken",), lambda e: e.log is not None and e.log.status is DoseStatus.TAKEN),
        (("skipped",), lambda e: e.log is not None and e.log.status is DoseStatus.SKIPPED and e.log.reason),
        (("late",), lambda e: e.log is not None and e.log.logged_later),
    ],
    ids=["taken", "skipped", "logged-later"],
)
def test_state_filters(ten_years: Journal, states: tuple[str, ...], check: object) -> None:
    wanted = HistoryFilter(TEN_YEARS_AGO, NOW, states=states)
    page = ten_years.history_page(wanted, LONDON, NOW, limit=200)
    assert len(page.entries) >= 200
    assert all(check(e) for e in page.entries)  # type: ignore[operator]  # the parametrized predicate
    assert page.before is not None


def test_a_page_in_the_middle_of_ten_years_starts_where_asked(ten_years: Journal) -> None:
    middle = NOW - timedelta(days=1800)
    wanted = HistoryFilter(TEN_YEARS_AGO, NOW)
    page = ten_years.history_page(wanted, LONDON, NOW, before=middle, limit=30)
    assert 30 <= len(page.entries) <= 40
    assert all(e.at < middle for e in page.entries)
    assert page.before == page.entries[-1].at


def test_an_empty_span_has_no_entries(ten_years: Journal) -> None:
    wanted = HistoryFilter(NOW - timedelta(days=1), NOW - timedelta(days=2))
    page = ten_years.history_page(wanted, LONDON, NOW)
    assert page.entries == ()
    assert page.before is None


def test_as_needed_kind(db_path: Path) -> None:
    from freezegun import freeze_time

    from rpltrack.cli.main import main

    base = ["--db", str(db_path), "--tz", "Europe/London"]
    with freeze_time("2026-11-23 08:40:00"):
        assert main([*base, "med", "add", "paracetamol", "--dose", "500 mg", "--prn"]) == 0
        assert main([*base, "med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00"]) == 0
        assert main([*base, "take", "paracetamol"]) == 0
        assert main([*base, "take", "aspirin"]) == 0
    with Journal.open(db_path) as journal:
        span = (NOW - timedelta(days=2), NOW + timedelta(days=1))
        prn = journal.history_page(HistoryFilter(*span, kinds=("as-needed",)), LONDON, NOW)
        scheduled = journal.history_page(HistoryFilter(*span, kinds=("scheduled",)), LONDON, NOW)
    assert [e.medication.name for e in prn.entries] == ["paracetamol"]
    assert [e.medication.name for e in scheduled.entries] == ["aspirin"]
