"""Columns that give way (tui/columns.py): where a cell may wrap, and how widths are shared out (#15)."""

from __future__ import annotations

import pytest

from rpltrack.tui.columns import fit_widths, units, wrap


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("16 Oct 2026 to 07 Dec 2026", ["16 Oct 2026", "to", "07 Dec 2026"]),
        ("from 30 Oct 2026", ["from", "30 Oct 2026"]),
        ("02 Jan 2026, stopped 19 Feb 2026", ["02 Jan 2026,", "stopped", "19 Feb 2026"]),
        ("08:00, 20:00 daily", ["08:00,", "20:00 daily"]),
        ("75 mcg (88 mcg from 8 Dec)", ["75 mcg", "(88 mcg", "from", "8 Dec)"]),
        ("1 applicator", ["1 applicator"]),
        ("100%", ["100%"]),
        ("progesterone in oil", ["progesterone", "in", "oil"]),
        ("", []),
    ],
    ids=[
        "date-span",
        "from-date",
        "stopped",
        "two-times",
        "dated-change",
        "unit",
        "percent",
        "name",
        "empty",
    ],
)
def test_a_number_stays_with_its_unit_and_a_date_stays_whole(text, pieces):
    assert units(text) == pieces


def test_a_label_may_part_a_number_from_its_word():
    assert wrap("7 days", 4, glue=False) == ["7", "days"]
    assert wrap("7 days", 4) == ["7 days"]  # in a cell, '7 days' is one piece


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("16 Oct 2026 to 07 Dec 2026", 14, ["16 Oct 2026 to", "07 Dec 2026"]),
        ("16 Oct 2026 to 07 Dec 2026", 26, ["16 Oct 2026 to 07 Dec 2026"]),
        ("75 mcg (88 mcg from 8 Dec)", 13, ["75 mcg", "(88 mcg from", "8 Dec)"]),
        ("100%", 2, ["100%"]),  # too narrow: whole, never cut
    ],
    ids=["two-lines", "fits", "three-lines", "never-cut"],
)
def test_wrap_breaks_only_between_pieces(text, width, lines):
    assert wrap(text, width) == lines


def test_columns_keep_their_width_when_they_fit():
    rows = [["aspirin", "81 mg", "100%"]]
    assert fit_widths(["Name", "Dose", "7 days"], rows, (0, 1), 40) == [7, 5, 6]


def test_columns_give_way_in_order_first_to_two_lines_then_to_their_longest_piece():
    labels = ["Dates", "Name", "7 days"]
    rows = [["16 Oct 2026 to 07 Dec 2026", "progesterone in oil", "100%"]]
    # 26 + 19 + 6 = 51 wide. Six cells to find: the dates give them all, still on two lines.
    assert fit_widths(labels, rows, (0, 1, 2), 45) == [20, 19, 6]
    # Fourteen: the dates go to two lines (14), the name the rest.
    assert fit_widths(labels, rows, (0, 1, 2), 37) == [14, 17, 6]
    # Far too narrow: every column down to its longest piece; the percentage and its label stay whole.
    assert fit_widths(labels, rows, (0, 1, 2), 10) == [11, 12, 4]
    # A column not listed never gives way.
    assert fit_widths(labels, rows, (0, 1), 10)[2] == 6
