"""Reading one file of a CSV export (pure): its header checked against the declared columns, each cell read
by the same Column object that wrote it, with errors that name the file, line and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rpltrack.domain.betas import Op
from rpltrack.domain.errors import ValidationError
from rpltrack.export.csv_columns import BOM, Column, headers, is_number, unneutralise

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")
    Col = Column[Any]


class RowError(ValidationError):
    """A ValidationError that already names its file and line."""


class Row:
    """One line of a file: cells by header, with readers that name the file, line and column on error."""

    __slots__ = ("cells", "file", "line")

    def __init__(self, file: str, line: int, cells: dict[str, str]) -> None:
        self.file, self.line, self.cells = file, line, cells

    def fail(self, message: str) -> ValidationError:
        return RowError(f"{self.file}, line {self.line}: {message}", field="dir")

    def text(self, column: Col) -> str:
        return self.cells[column.header]

    def opt_text(self, column: Col) -> str | None:
        return self.cells[column.header] or None

    def _parse(self, column: Col, parse: Callable[[str], T], what: str) -> T:
        value = self.cells[column.header]
        try:
            return parse(value)
        except (ValueError, ArithmeticError, ZoneInfoNotFoundError):
            raise self.fail(f"{column.header} {value!r} is not {what}") from None

    def _opt(self, column: Col, parse: Callable[[str], T], what: str) -> T | None:
        return self._parse(column, parse, what) if self.cells[column.header] else None

    def whole(self, column: Col) -> int:
        return self._parse(column, _whole, "a whole number")

    def opt_whole(self, column: Col) -> int | None:
        return self._opt(column, _whole, "a whole number")

    def dec(self, column: Col) -> Decimal:
        return self._parse(column, _decimal, "a number")

    def opt_dec(self, column: Col) -> Decimal | None:
        return self._opt(column, _decimal, "a number")

    def day(self, column: Col) -> date:
        return self._parse(column, date.fromisoformat, "a date (YYYY-MM-DD)")

    def opt_day(self, column: Col) -> date | None:
        return self._opt(column, date.fromisoformat, "a date (YYYY-MM-DD)")

    def instant(self, column: Col) -> datetime:
        return self._parse(column, _instant, "an ISO 8601 time with its offset")

    def opt_instant(self, column: Col) -> datetime | None:
        return self._opt(column, _instant, "an ISO 8601 time with its offset")

    def zone(self, column: Col) -> ZoneInfo:
        return self._parse(column, _zone, "a time zone name")

    def yes(self, column: Col) -> bool:
        value = self.cells[column.header]
        if value not in ("yes", "no"):
            raise self.fail(f"{column.header} is {value!r}: it is yes or no")
        return value == "yes"

    def choice(self, column: Col, allowed: Sequence[str]) -> str:
        value = self.cells[column.header]
        if value not in allowed:
            raise self.fail(f"{column.header} {value!r} is not one of {', '.join(allowed)}")
        return value

    def limit(self, column: Col) -> tuple[Op, Decimal] | None:
        """A censored value as printed ('<5', '>=10000') in `column`; None when it is empty."""
        text = self.cells[column.header]
        if not text:
            return None
        for op in (Op.LE, Op.GE, Op.LT, Op.GT):
            if text.startswith(op.value) and is_number(text[len(op.value) :]):
                return op, Decimal(text[len(op.value) :])
        raise self.fail(f"{column.header} {text!r} is not a limit such as <5 or >10000")

    def build(self, make: Callable[[], T]) -> T:
        """A domain record, its ValidationError told with the file and line."""
        try:
            return make()
        except RowError:
            raise
        except ValidationError as exc:
            raise self.fail(exc.message) from None
        except ValueError as exc:
            raise self.fail(str(exc)) from None


def _whole(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def _decimal(text: str) -> Decimal:
    if not is_number(text):
        raise ValueError(text)
    return Decimal(text)


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(text)
    return at


def _zone(text: str) -> ZoneInfo:
    if not text:
        raise ValueError(text)
    return ZoneInfo(text)


def header_of(text: str) -> list[str] | None:
    """The first row of a file's text (BOM or not); None when it has none or is not CSV."""
    body = text[1:] if text.startswith(BOM) else text
    try:
        return next(csv.reader(io.StringIO(body, newline="")), None)
    except csv.Error:
        return None


def read_table(name: str, text: str, columns: Sequence[Col] | Sequence[str]) -> list[Row]:
    """The rows of one file as written by the export: the header must be exactly `columns` (Column objects,
    or the header texts of an older layout); apostrophes are removed."""
    body = text[1:] if text.startswith(BOM) else text
    reader = csv.reader(io.StringIO(body, newline=""))
    expected = [c if isinstance(c, str) else c.header for c in columns]
    try:
        header = next(reader, None)
        if header != expected:
            raise ValidationError(
                f"{name} does not have the columns rpltrack exports (it may have been changed in a "
                "spreadsheet); import reads only the files rpltrack wrote",
                field="dir",
            )
        found: list[Row] = []
        for cells in reader:
            if len(cells) != len(expected):
                raise ValidationError(
                    f"{name}, line {reader.line_num}: {len(cells)} cells where the header has "
                    f"{len(expected)}",
                    field="dir",
                )
            found.append(
                Row(name, reader.line_num, dict(zip(expected, map(unneutralise, cells), strict=True)))
            )
    except csv.Error as exc:
        raise ValidationError(f"{name}, line {reader.line_num}: not CSV ({exc})", field="dir") from None
    return found


__all__ = ["Row", "RowError", "header_of", "headers", "read_table"]
