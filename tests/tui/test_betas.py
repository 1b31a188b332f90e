"""The Betas screen: draws, the arithmetic of each pair, the chart, and adding a result."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from rpltrack.domain.betas import BetaDraw, Op, parse_hcg
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.betas import (
    CAVEAT,
    DIFFERENT_LABS,
    EMPTY_TEXT,
    PAIR_COLUMNS,
    BetasScreen,
    fit_widths,
)
from rpltrack.tui.screens.entry_form import EntryForm
from rpltrack.tui.screens.forms import ConfirmDialog
from tests.tui.helpers import SIZE, field_error, fill_and_save, notices


def table_rows(app: RpltrackApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(f"#{table_id}", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(app: RpltrackApp, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Static).render())


def reopened_betas(journal: Journal) -> list[BetaDraw]:
    with Journal.open(journal.path) as reopened:
        return reopened.betas()


def draw(journal: Journal, clock, at: str, value: str, lab: str = "") -> None:
    drawn = datetime.fromisoformat(at).replace(tzinfo=clock.zone)
    journal.add_beta(BetaDraw(drawn, parse_hcg(value), lab), clock.now())


async def test_betas_show_draws_pairs_minimum_verdict_and_the_caveat_once(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        assert isinstance(demo_app.screen, BetasScreen)
        draws = table_rows(demo_app, "beta-draws")
        pairs = table_rows(demo_app, "beta-pairs")
        # Days past transfer for each draw (the current cycle's day-5 transfer was on 30 Oct).
        assert draws[0] == ["12 Nov 07:35", "547", "13dp5dt", "Quest Diagnostics"]
        assert len(draws) == 8
        assert pairs[1] == [
            "112 → 251",
            "8\N{EN DASH}10 Nov 2026",
            "48.3",
            "rise 123.2 % per 48 h",
            "41.4 h",
            "49 % [S15]",
            "meets the minimum rise",
        ]
        # The falling pair of an old series: its fall, no doubling time, and no question for today.
        assert pairs[-1] == [
            "48 → 41",
            "11\N{EN DASH}13 Jan 2026",
            "48.2",
            "fall 14.6 %",
            "—",
            "—",
            "falling",
        ]
        assert not demo_app.screen.query_one("#beta-ask", Static).display
        assert not demo_app.screen.query_one("#beta-labs", Static).display
        assert text_of(demo_app, "beta-caveat") == CAVEAT
        assert "miscarriage" not in " ".join(" ".join(r) for r in pairs)
        assert demo_app.screen.query_one("#beta-chart", PlotextPlot).display


async def test_betas_with_no_draw_invite_her_to_add_one(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        assert app.screen.has_class("-empty")
        assert text_of(app, "betas-empty") == EMPTY_TEXT


async def test_a_falling_current_series_from_two_labs_asks_her_to_call_and_cautions(journal, clock):
    draw(journal, clock, "2026-11-19 08:00", "300", "Quest")
    draw(journal, clock, "2026-11-21 08:00", "210", "LabCorp")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        assert text_of(app, "beta-ask") == (
            "Your beta went from 300 to 210 mIU/mL in 48.0 h (a 30.0 % fall). "
            "Ask your care team soon about this result."
        )
        assert text_of(app, "beta-labs") == DIFFERENT_LABS
        assert table_rows(app, "beta-pairs")[0][-1] == "falling · different labs"


async def test_a_adds_a_censored_beta_kept_as_a_bound(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "a")
        await pilot.pause()
        await fill_and_save(pilot, value="<5", at="2026-11-23 07:30", lab="Quest")
        assert isinstance(app.screen, BetasScreen)
        assert table_rows(app, "beta-draws") == [["23 Nov 07:30", "<5", "—", "Quest"]]
        assert "Saved: Added beta <5 mIU/mL drawn 23 Nov 2026 07:30 — u to undo." in notices(app)
    [saved] = reopened_betas(journal)
    assert (saved.value.op, saved.value.value, saved.lab) == (Op.LT, Decimal(5), "Quest")


async def test_a_beta_in_ng_per_ml_is_refused_beside_the_result_and_nothing_is_written(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "a")
        await pilot.pause()
        await fill_and_save(pilot, value="112 ng/mL", at="2026-11-23 07:30")
        assert isinstance(app.screen, EntryForm)
        assert field_error(app, "value").startswith("Unknown unit for hCG: ng/mL")
    assert reopened_betas(journal) == []


async def test_an_unusual_beta_asks_first_and_going_back_keeps_her_entry(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "a")
        await pilot.pause()
        await fill_and_save(pilot, value="300000", at="2026-11-23 07:30")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, EntryForm)
        assert reopened_betas(journal) == []
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert table_rows(app, "beta-draws")[0][1] == "300000"
    assert [str(d.value) for d in reopened_betas(journal)] == ["300000"]


async def test_a_bound_that_decides_shows_what_it_supports_and_one_that_does_not_says_why(journal, clock):
    """Issue #15: a pair with a lab bound showed nothing; now the bound's figure and the reason."""
    draw(journal, clock, "2026-11-17 08:00", "1000")
    draw(journal, clock, "2026-11-19 08:00", ">2000")
    draw(journal, clock, "2026-11-21 08:00", ">2400")
    draw(journal, clock, "2026-11-23 08:00", "<5")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        newest, middle, oldest = table_rows(app, "beta-pairs")
        assert oldest[3:] == ["rise at least 100.0 % per 48 h", "—", "49 % [S15]", "meets the minimum rise"]
        assert middle[-1] == "cannot be judged: a lab bound leaves open whether the beta rose or fell"
        assert newest[3] == "fall at least 99.8 %"
        assert newest[-1] == "falling"
        assert text_of(app, "beta-ask") == (
            "Your beta went from >2400 to <5 mIU/mL in 48.0 h (a fall of at least 99.8 %). "
            "Ask your care team soon about this result."
        )


async def test_the_same_value_twice_at_the_same_time_says_so_not_censored(journal, clock):
    """Issue #15: it read 'cannot be judged from a censored value'."""
    drawn = datetime.fromisoformat("2026-11-21 08:00").replace(tzinfo=clock.zone)
    for _ in range(2):
        journal.add_beta(BetaDraw(drawn, parse_hcg("250")), clock.now(), again=True)
    draw(journal, clock, "2026-11-21 20:00", "300")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        close, same = table_rows(app, "beta-pairs")
        assert same[-1] == "not judged: drawn at the same time, so there is no change to judge"
        assert close[-1] == "not judged: drawn less than 24 hours apart, too close together to judge a rise"
        assert "censored" not in " ".join(same + close)


@pytest.mark.parametrize("size", [(80, 24), (110, 34)])
async def test_at_80_and_110_columns_no_number_or_word_is_cut(journal, clock, size):
    """Issue #15: at 80 columns the verdict was cut mid-word ('meets the mini'). Every cell's words are
    whole on screen: the columns shrink and wrap by priority instead."""
    draw(journal, clock, "2026-11-17 08:00", "1000", "Quest Diagnostics")
    draw(journal, clock, "2026-11-19 08:00", ">1200", "Quest Diagnostics")
    draw(journal, clock, "2026-11-21 08:00", "1900", "Quest Diagnostics")
    draw(journal, clock, "2026-11-21 09:00", "1950", "Quest Diagnostics")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press("5")
        await pilot.pause()
        await pilot.pause()
        for table_id in ("beta-pairs", "beta-draws"):
            table = app.screen.query_one(f"#{table_id}", DataTable)
            # Nothing runs past the table's right edge, so nothing is cut off ...
            assert table.virtual_size.width <= table.scrollable_content_region.width, table_id
            # ... and no word or number is wider than its column, so none is broken mid-word.
            for column in table.columns.values():
                for row_key in table.rows:
                    cell = str(table.get_cell(row_key, column.key))
                    assert all(len(word) <= column.width for word in cell.split()), (column.label, cell)
        verdicts = [row[-1] for row in table_rows(app, "beta-pairs")]
        assert "not judged: drawn less than 24 hours apart, too close together to judge a rise" in verdicts


@pytest.mark.parametrize(
    ("room", "expected"),
    [
        pytest.param(200, [9, 14, 5, 21, 8, 10, 22], id="wide-everything-on-one-line"),
        pytest.param(62, [9, 8, 5, 10, 8, 7, 15], id="80-columns-words-wrap"),
        pytest.param(40, [9, 5, 5, 6, 8, 7, 13], id="too-narrow-numbers-keep-their-width"),
    ],
)
def test_fit_widths_never_narrows_numbers_and_wraps_words_by_priority(room: int, expected: list[int]) -> None:
    row = (
        "251 → 547",
        "10\N{EN DASH}12 Nov 2026",
        "47.8",
        "rise 118.5 % per 48 h",
        "42.6 h",
        "49 % [S15]",
        "meets the minimum rise",
    )
    widths = fit_widths(room, PAIR_COLUMNS, [row])
    assert widths == expected
    assert sum(widths) <= room or widths[0] == 9  # numbers never shrink; the table scrolls instead


async def test_the_chart_survives_resizing_again_and_again(demo_app):
    """Each resize builds the chart again: it keeps drawing the same series (plotext used to take the log of
    its ticks in place at each build, and the fourth build failed)."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        chart = demo_app.screen.query_one("#beta-chart", PlotextPlot)
        first = str(chart.render())
        assert "│" in first or "┤" in first or len(first.strip()) > 0
        for width, height in [(100, 30), (120, 40), (90, 28), (130, 44), (110, 34)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            assert str(chart.render()).strip()
        assert demo_app.is_running
        assert str(chart.render()) == first  # back at the first size, the same chart
