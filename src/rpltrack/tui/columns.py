"""Table columns that fit the terminal: the widest columns give way first, down to their longest unbreakable
piece, and their cells wrap between pieces; a number is never cut, nor parted from its unit or date."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len

_MONTHS = frozenset(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
_YEAR = re.compile(r"^\d{4}[),.;]?$")


def _starts_with_number(word: str) -> bool:
    return word.lstrip("(")[:1].isdigit()


def _is_month(word: str) -> bool:
    return word.lower()[:3] in _MONTHS and word.isalpha()


def units(text: str, *, glue: bool = True) -> list[str]:
    """The pieces a cell may wrap between: its words, with a number kept with the word after it ('81 mg',
    '20:00 daily', '(88 mcg'; a year is not one) and a month with the year after it ('30 Oct 2026'). Without
    `glue`, every word is a piece (a column's label: '7 days' may read '7' over 'days')."""
    pieces: list[str] = []
    for word in text.split():
        if pieces and glue:
            last = pieces[-1].split(" ")[-1]
            number_then_word = (
                _starts_with_number(last) and not _starts_with_number(word) and _YEAR.match(last) is None
            )
            month_then_year = _is_month(last) and _YEAR.match(word) is not None
            if number_then_word or month_then_year:
                pieces[-1] += f" {word}"
                continue
        pieces.append(word)
    return pieces


def shortest_width(text: str, *, glue: bool = True) -> int:
    """The narrowest a cell can be drawn without cutting a piece."""
    return max((cell_len(piece) for piece in units(text, glue=glue)), default=0)


def wrap(text: str, width: int, *, glue: bool = True) -> list[str]:
    """`text` in lines of at most `width` cells, broken only between pieces (a piece wider than `width`
    keeps a line of its own, whole: a table scrolls rather than cut a number)."""
    lines: list[str] = []
    for piece in units(text, glue=glue):
        if lines and cell_len(lines[-1]) + 1 + cell_len(piece) <= width:
            lines[-1] += f" {piece}"
        else:
            lines.append(piece)
    return lines or [""]


def _narrowest(label: str, cells: Sequence[str], widest: int, most_lines: int | None) -> int:
    """The narrowest width at which the label and every cell fit in `most_lines` lines (None: any number),
    never cutting a piece; `widest` when only that does."""
    floor = max([shortest_width(label, glue=False), *(shortest_width(cell) for cell in cells)])
    if most_lines is None:
        return min(floor, widest)
    for width in range(floor, widest):
        if len(wrap(label, width, glue=False)) <= most_lines and all(
            len(wrap(cell, width)) <= most_lines for cell in cells
        ):
            return width
    return widest


def fit_widths(
    labels: Sequence[str], rows: Sequence[Sequence[str]], give_way: Sequence[int], available: int
) -> list[int]:
    """Each column's width, so that they fit in `available` cells (the space between columns not counted):
    each column as wide as its widest cell, then, while they do not fit, the columns in `give_way` order
    narrow as far as keeps every cell (and label) on two lines, then, if that is not enough, down to their
    longest piece. Columns not in `give_way` keep their width."""
    widths = [
        max([cell_len(label), *(cell_len(row[index]) for row in rows)]) for index, label in enumerate(labels)
    ]
    excess = sum(widths) - available
    for most_lines in (2, None):
        for index in give_way:
            if excess <= 0:
                return widths
            cells = [row[index] for row in rows]
            cut = min(excess, widths[index] - _narrowest(labels[index], cells, widths[index], most_lines))
            if cut > 0:
                widths[index] -= cut
                excess -= cut
    return widths
