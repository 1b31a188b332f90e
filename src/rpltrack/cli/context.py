"""What every command needs: the journal path, the clock and zone, output mode; opened lazily."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from rpltrack.clock import Clock, FixedClock, SystemClock, local_zone, zone_named
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import field, record
from rpltrack.paths import resolve_db_path

# typing costs ~10 ms to import on a slow laptop; the CLI's fast commands never need it at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rpltrack.store.journal import Journal


@record
class Context:
    """Parsed global options plus the lazily opened journal."""

    args: argparse.Namespace
    db_path: Path
    zone: ZoneInfo
    clock: Clock
    as_json: bool = False
    check_integrity: bool = False  # the app's start runs SQLite's integrity checks first (RELIABILITY A8)
    _journal: Journal | None = field(default=None, repr=False)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        tz = getattr(args, "tz", None)
        try:
            zone = zone_named(tz) if tz else local_zone()
        except ValueError as exc:
            raise ValidationError(str(exc), field="tz") from None
        _refuse_undecodable(args)
        clock: Clock = SystemClock(zone)
        as_of = getattr(args, "as_of", None)
        if as_of:
            clock = FixedClock(parse_as_of(as_of, zone), zone)
        return cls(
            args,
            resolve_db_path(getattr(args, "db", None)),
            zone,
            clock,
            as_json=bool(getattr(args, "json", False)),
        )

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def journal(self) -> Journal:
        if self._journal is None:
            from rpltrack.store.journal import Journal

            self._journal = Journal.open(self.db_path, now=self.clock.now(), check=self.check_integrity)
            for note in self._journal.notes:
                print(f"rpltrack: {note}", file=sys.stderr)
            if self._journal.readonly:
                print(f"rpltrack: {self._journal.readonly_reason}", file=sys.stderr)
        return self._journal

    @property
    def opened_readonly(self) -> bool:
        return self._journal is not None and self._journal.readonly

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def emit_json(self, payload: Any) -> None:
        import json

        from rpltrack.domain.display import terminal_json

        print(terminal_json(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False)))


# Arguments that name files: a file name may be any bytes the file system allows.
PATH_ARGUMENTS = frozenset({"db", "dir", "out", "file"})


def _refuse_undecodable(args: argparse.Namespace) -> None:
    """Text that is not valid UTF-8 (Python keeps the stray bytes as lone surrogates) could never be stored:
    refuse it before anything is written, naming the option, instead of failing half-way."""
    for name, value in vars(args).items():
        if name in PATH_ARGUMENTS:
            continue
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and any("\udc80" <= char <= "\udcff" for char in text):
                stray = "".join(
                    f"\\x{ord(char) - 0xDC00:02x}" for char in text if "\udc80" <= char <= "\udcff"
                )
                raise ValidationError(
                    f"the {name.replace('_', ' ')} you gave has bytes that are not UTF-8 text ({stray}); "
                    "retype it, or set your terminal to UTF-8. Nothing was saved.",
                    field=name,
                )


def parse_as_of(text: str, zone: ZoneInfo) -> datetime:
    """--as-of 'YYYY-MM-DD' (the end of that day) or 'YYYY-MM-DD HH:MM' in `zone`."""
    from rpltrack.domain.medspec import parse_date, parse_local_datetime

    if len(text.strip()) <= 10:
        day = parse_date(text, "as-of")
        return datetime.combine(day, time(23, 59), tzinfo=zone)
    return parse_local_datetime(text, zone, "as-of")
