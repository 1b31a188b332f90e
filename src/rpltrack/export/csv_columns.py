"""The CSV column model (pure): a column declares its header, unit and cell getter once, and a file is a tuple
of columns, so the header row and every row's cells come from the same declaration and cannot drift.

Files open cleanly in Excel, LibreOffice and Google Sheets: UTF-8 with a byte-order mark (so µ and β survive
Excel), RFC 4180 quoting with CRLF line ends, plain header names, instants as ISO 8601 with the offset beside
the local time. A text cell that a spreadsheet would run as a formula gets a leading apostrophe
(RELIABILITY D1, `neutralise`); numbers in the columns declared numeric stay numbers, negative ones too (D2).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from rpltrack.domain.records import record

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Generic, TypeVar

    R = TypeVar("R")
else:

    class Generic:
        """Run-time stand-in for typing.Generic: `Column[Row]` is `Column`, as subscripting erases anyway."""

        __slots__ = ()

        def __class_getitem__(cls, item):
            return cls

    R = Any = object

BOM = "\ufeff"

# A cell a spreadsheet may run as a formula: one starting with = + - @ (or their full-width forms, which some
# spreadsheets fold), also after leading spaces, or starting with a tab, CR or LF (defusedcsv misses those).
_FORMULA_FIRST = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_LINE_BREAKS = frozenset("\t\r\n")
# Cheap test before the real one: only a cell starting with one of these can need an apostrophe.
# Every character str.isspace() accepts, so a cell starting with any of them is looked at.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_RISKY_FIRST = _FORMULA_FIRST | frozenset("'") | frozenset(_WHITESPACE)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def neutralise(text: str) -> str:
    """`text` as a spreadsheet will show it, never run it: an apostrophe before a cell that starts (after any
    leading whitespace) with = + - @, or starts with whitespace holding a tab, CR or LF; and before a cell
    that already starts with an apostrophe, so the importer can always remove exactly one (`unneutralise`)."""
    if not text or text[0] not in _RISKY_FIRST:
        return text
    body = text.lstrip()
    leading = text[: len(text) - len(body)]
    if text[0] == "'" or body[:1] in _FORMULA_FIRST or any(c in _LINE_BREAKS for c in leading):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """The inverse of `neutralise`: a cell of an rpltrack export starting with an apostrophe had one added."""
    return text[1:] if text[:1] == "'" else text


def is_number(text: str) -> bool:
    """A plain decimal number (optionally signed), as the numeric columns hold: no exponent, no spaces."""
    return _NUMBER.fullmatch(text) is not None


class Column(Generic[R]):
    """One column: its words, its unit (shown in the header: "hCG (mIU/mL)"), whether it holds numbers, and
    `get`, which gives the cell of a row (text; "" for an empty cell). The importer reads a cell by the same
    column object, so a header is written in one place only."""

    __slots__ = ("get", "header", "numeric", "unit", "words")

    def __init__(self, words: str, get: Callable[[R], str], *, unit: str = "", numeric: bool = False) -> None:
        self.words = words
        self.get = get
        self.unit = unit
        self.numeric = numeric
        self.header = f"{words} ({unit})" if unit else words

    def __repr__(self) -> str:
        return f"Column({self.header!r}{', numeric' if self.numeric else ''})"


Columns = tuple[Column[Any], ...]


@record(frozen=True)
class Table:
    """One CSV file: its name, columns and rows of cells (text; "" for an empty cell)."""

    name: str
    columns: Columns
    rows: Sequence[Sequence[str]]


def table(name: str, columns: tuple[Column[R], ...], rows: Iterable[R]) -> Table:
    """The file `name`: each row's cells from the getters of `columns`, in their order."""
    getters = [c.get for c in columns]
    return Table(name, columns, [[get(row) for get in getters] for row in rows])


def headers(columns: Sequence[Column[Any]]) -> list[str]:
    return [c.header for c in columns]


def render(table: Table) -> str:
    """The CSV text of `table`: BOM, header row, RFC 4180 quoting, CRLF. Text cells are neutralised; a cell of
    a numeric column that is a plain number is written as it is (a negative number stays a number)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in table.columns])
    numeric = [c.numeric for c in table.columns]
    width = len(numeric)
    for row in table.rows:
        if len(row) != width:
            raise ValueError(f"{table.name}: a row has {len(row)} cells for {width} columns")
        writer.writerow(
            [
                cell
                if not cell or cell[0] not in _RISKY_FIRST or (num and is_number(cell))
                else neutralise(cell)
                for cell, num in zip(row, numeric, strict=True)
            ]
        )
    return BOM + out.getvalue()


# -- cell formatting --------------------------------------------------------------------------------------


def iso(at: datetime | None, zone: ZoneInfo) -> str:
    """An instant as ISO 8601 with the offset of `zone`; "" for none."""
    return "" if at is None else at.astimezone(zone).isoformat(timespec="seconds")


def local(at: datetime | None, zone: ZoneInfo) -> str:
    """An instant as 'YYYY-MM-DD HH:MM' in `zone`; "" for none."""
    return "" if at is None else at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def stamps(at: datetime | None, zone: ZoneInfo) -> tuple[str, str]:
    """(ISO 8601 with offset, local 'YYYY-MM-DD HH:MM') of an instant in `zone`, from one conversion."""
    if at is None:
        return "", ""
    text = at.astimezone(zone).isoformat(timespec="seconds")
    return text, f"{text[:10]} {text[11:16]}"


def day(on: date | None) -> str:
    return "" if on is None else on.isoformat()


def dec(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def whole(value: int | None) -> str:
    return "" if value is None else str(value)


def yes(value: bool) -> str:
    return "yes" if value else "no"


def lines(items: Iterable[str]) -> str:
    return "\n".join(items)


def zone_name(at: datetime) -> str:
    """The IANA name of an instant's zone ("UTC" for a fixed offset)."""
    return at.tzinfo.key if isinstance(at.tzinfo, ZoneInfo) else "UTC"
