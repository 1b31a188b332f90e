"""CSV cells: formula neutralisation (RELIABILITY D1), numbers kept numeric (D2), RFC 4180 round trip (D3),
BOM and encoding (D4), read back the way a user's tools read them (Python's csv module)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpltrack.export.csv_export import BOM, Column, Table, is_number, neutralise, render, unneutralise
from rpltrack.export.csv_read import read_table
from tests.export.csv_support import FORMULAS


def cell(text: str) -> str:
    return text


TEXT = Column[str]("Note", cell)
NUMBER = Column[str]("Value", cell, numeric=True)


def cells_of(text: str) -> list[list[str]]:
    """The rows of CSV text as csv.reader gives them from a file opened with newline="" and utf-8-sig."""
    raw = text.encode("utf-8")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def one_column(column: Column[str], *values: str) -> list[str]:
    rows = cells_of(render(Table("t.csv", (column,), [[v] for v in values])))
    assert rows[0] == [column.header]
    return [r[0] for r in rows[1:]]


@pytest.mark.parametrize("formula", FORMULAS, ids=repr)
def test_d1_formula_cells_neutralised(formula: str) -> None:
    """Each formula-like cell reaches the spreadsheet with a leading apostrophe and nothing else changed;
    tab, CR, LF and leading-space cases included (defusedcsv 3.0.0 misses them)."""
    (cell,) = one_column(TEXT, formula)
    assert cell == "'" + formula
    assert unneutralise(cell) == formula


@pytest.mark.parametrize(
    "text",
    ["  =1", "\t\tx", " \tx", "\u3000=1", "\uff1d1", "\uff0b1", "\uff0d1", "\uff20x", "'already quoted", "'"],
    ids=repr,
)
def test_other_risky_cells_get_the_apostrophe_too(text: str) -> None:
    """Whitespace before a trigger, a leading tab, full-width triggers, and a cell that already starts with an
    apostrophe (so the importer can always remove exactly one)."""
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    ["", "aspirin", "81 mg", "<5", ">10000", "2,5", "a=b", "x-y", "e@mail", " plain", "β-hCG", "µIU/mL"],
    ids=repr,
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text
    (cell,) = one_column(TEXT, text) if text else [""]
    assert cell == text


@pytest.mark.parametrize("value", ["-1.5", "-3", "0.05", "+2", "-0", "12", "3.", ".5"])
def test_d2_negative_numbers_stay_numeric(value: str) -> None:
    """A number in a numeric column is written as it is (no apostrophe), so a spreadsheet reads a number."""
    (cell,) = one_column(NUMBER, value)
    assert cell == value
    assert float(cell) == float(value)


@pytest.mark.parametrize("value", ["-2+3", "=1", "-", "1e3", "- 3", "@1"])
def test_text_in_a_numeric_column_is_still_neutralised(value: str) -> None:
    """A numeric column never lets a formula through: only a plain number skips the apostrophe."""
    assert not is_number(value)
    (cell,) = one_column(NUMBER, value)
    assert cell == neutralise(value)


def test_d4_utf8_bom_present() -> None:
    text = render(Table("t.csv", (Column[str]("Test", cell), TEXT), [["β-hCG", "µIU/mL, é"]]))
    data = text.encode("utf-8")
    assert data[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["Test", "Note"], ["β-hCG", "µIU/mL, é"]]
    assert not rows[0][0].startswith("\ufeff")


def test_records_end_with_crlf_and_quotes_follow_rfc_4180() -> None:
    text = render(Table("t.csv", (TEXT, NUMBER), [['say "hi", twice', "1"], ["line\nbreak", "-2"]]))
    assert text == BOM + 'Note,Value\r\n"say ""hi"", twice",1\r\n"line\nbreak",-2\r\n'


def test_a_row_of_the_wrong_width_is_a_bug_not_a_file() -> None:
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        render(Table("t.csv", (TEXT,), [["a", "b"]]))


# NUL-free text with everything else: commas, quotes, CR/LF, tabs, β-hCG, µIU/mL, right-to-left, formulas.
AWKWARD = st.text(
    st.one_of(
        st.sampled_from(list(",\"\r\n\t '=+-@µβéשׁ\u202e\u200f")),
        st.characters(codec="utf-8", exclude_characters="\x00"),
    ),
    max_size=40,
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(AWKWARD, min_size=1, max_size=4))
def test_d3_rfc4180_round_trip(values: list[str]) -> None:
    """csv.reader gives back exactly the cells (after the neutralising apostrophe), the header row is there,
    and records end in CRLF; the importer's reader gives back the original text."""
    columns = tuple(Column[str](f"Col {i}", cell) for i in range(len(values)))
    text = render(Table("t.csv", columns, [values, values]))
    rows = cells_of(text)
    assert rows[0] == [c.header for c in columns]
    assert rows[1] == rows[2] == [neutralise(v) for v in values]
    assert text.endswith("\r\n")
    assert [unneutralise(c) for c in rows[1]] == values
    back = read_table("t.csv", text, columns)
    assert [list(r.cells.values()) for r in back] == [values, values]
