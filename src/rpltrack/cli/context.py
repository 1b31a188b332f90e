"""What every command needs: the journal path, the clock and zone, output mode; opened lazily."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from rpltrack.clock import Clock, FixedClock, SystemClock, local_zone, zone_named
from rpltrack.domain.display import terminal_json
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.freetext import FREE_TEXT_LIMIT, QUOTE_LIMIT, quoted
from rpltrack.domain.records import field, record
from rpltrack.paths import journal_location
from rpltrack.store.db import NotSaved, is_encrypted
from rpltrack.store.journal import Journal

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class Context:
    """Parsed global options plus the lazily opened journal."""

    args: argparse.Namespace
    db_path: Path
    zone: ZoneInfo
    clock: Clock
    as_json: bool = False
    check_integrity: bool = False  # the app's start runs SQLite's integrity checks first (RELIABILITY A8)
    command: str = "ui"  # the command path, e.g. "med add" (see command_path)
    db_named_by: str = ""  # "--db", "RPLTRACK_DB", or "" for the default location
    _journal: Journal | None = field(default=None, repr=False)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        check_arguments(args)
        tz = getattr(args, "tz", None)
        try:
            zone = zone_named(tz) if tz else local_zone()
        except ValueError as exc:
            raise ValidationError(str(exc), field="tz") from None
        clock: Clock = SystemClock(zone)
        as_of = getattr(args, "as_of", None)
        if as_of:
            clock = FixedClock(parse_as_of(as_of, zone), zone)
        db_path, named_by = journal_location(getattr(args, "db", None))
        return cls(
            args,
            db_path,
            zone,
            clock,
            as_json=bool(getattr(args, "json", False)),
            command=command_path(args),
            db_named_by=named_by,
        )

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def writes(self) -> bool:
        """Whether this command may change the journal (and so may create it)."""
        return command_writes(self.args)

    @property
    def journal(self) -> Journal:
        if self._journal is None:
            self._journal = self._open()
            for note in self._journal.notes:
                print(f"rpltrack: {note}", file=sys.stderr)
            if self._journal.readonly and self.db_path.exists():
                print(f"rpltrack: {self._journal.readonly_reason}", file=sys.stderr)
        return self._journal

    def _open(self) -> Journal:
        """The journal at db_path. A journal that does not exist yet is made only by a command that writes;
        a command that reads sees an empty one and leaves nothing on disk. The folder is made only for the
        default location: a folder named with --db or RPLTRACK_DB must be there already."""
        path = self.db_path

        def opened() -> Journal:
            now, check = self.clock.now(), self.check_integrity
            if not is_encrypted(path):
                return Journal.open(path, now=now, check=check)
            # quick path: `today` would import cli.lock, cli.confirm (+0.5 ms)
            from rpltrack.cli.lock import open_journal  # a locked journal: its passphrase asked for as needed

            return open_journal(path, args=self.args, command=self.command, now=now, check=check)

        if path.exists() or path.is_symlink():
            return opened()
        folder = path.parent
        if self.db_named_by and not folder.is_dir():
            problem = (
                f"{shown_path(folder)} is a file, not a folder"
                if folder.exists()
                else f"there is no folder {shown_path(folder)}"
            )
            raise ValidationError(
                f"{problem}: create it first, or check {self.db_named_by}. Nothing was saved.", field="db"
            )
        if not self.writes:
            if self.command == "backup":
                raise ValidationError(
                    f"there is no journal at {shown_path(path)} yet, so there is nothing to back up. "
                    f"Check {self.db_named_by or 'the journal location'}. Nothing was written.",
                    field="db",
                )
            # quick path: `today` would import store.absent (+2.1 ms)
            from rpltrack.store.absent import empty_journal

            return empty_journal(path, self.clock.now())
        try:
            return opened()
        except NotSaved as exc:
            raise ValidationError(str(exc), field="db") from None

    @property
    def opened_readonly(self) -> bool:
        return self._journal is not None and self._journal.readonly and self.db_path.exists()

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def emit_json(self, payload: Any) -> None:
        # quick path: `today` would import json (+1.5 ms)
        import json

        print(terminal_json(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False)))


# -- which commands write -------------------------------------------------------------------------------

# Every command, by its path ("med add", "remind --once", "ui" for the app), is either here or in
# READING_COMMANDS (tests/cli/test_db_location.py checks that the two sets cover the whole parser). Only these
# may create a journal that does not exist yet; a reading command sees a missing journal as an empty one.
WRITING_COMMANDS = frozenset(
    {
        "ui",
        "med add", "med edit", "med delete", "med stop",
        "take", "skip", "dose edit", "dose delete",
        "undo", "redo",
        "cycle add", "cycle edit", "cycle delete", "cycle end",
        "event add", "event edit", "event delete",
        "transfer add", "transfer edit", "transfer delete",
        "beta add", "beta edit", "beta delete",
        "pregnancy add", "pregnancy end", "pregnancy edit", "pregnancy delete",
        "loss add", "loss edit", "loss delete",
        "lab add", "lab edit", "lab delete",
        "flag ack", "flag raised", "flag unmark",
        "appt add", "appt edit", "appt delete", "appt done", "appt ask",
        "question edit", "question delete",
        "session add", "session edit", "session delete", "session course",
        "course edit", "course stop", "course delete",
        "demo", "settings set", "settings reset", "restore", "import csv",
        "protocol apply", "protocol import", "protocol save", "protocol delete",
        "remind --once", "remind --daemon", "remind --test",
        "lock", "unlock", "passphrase",
    }
)  # fmt: skip
READING_COMMANDS = frozenset(
    {
        "med list", "adherence", "today", "log", "changes", "cycle list", "betas", "history", "labs", "flags",
        "appt list", "appt show", "settings list", "settings get", "backup", "check", "export csv",
        "export ics", "brief", "protocol list", "protocol show", "protocol export",
        "remind --install", "remind --uninstall", "remind --status", "session list", "course list",
        "plan", "search", "forget-key",
    }
)  # fmt: skip
REMIND_MODES = ("once", "daemon", "install", "uninstall", "status", "test")


def command_path(args: argparse.Namespace) -> str:
    """The command being run, as its words: "med add", "betas", "remind --once", "ui" (the app)."""
    command = getattr(args, "command", None) or "ui"
    if command == "remind":
        mode = next((m for m in REMIND_MODES if getattr(args, m, False) is True), "")
        return f"remind --{mode}" if mode else command
    sub = getattr(args, f"{command}_command", None) or getattr(args, f"{command}_format", None)
    return f"{command} {sub}" if isinstance(sub, str) else command


def command_writes(args: argparse.Namespace) -> bool:
    """Whether the command may change the journal. Anything not known to read counts as writing, so a new
    command can never lose an entry; `protocol apply --dry-run` only shows."""
    path = command_path(args)
    if getattr(args, "dry_run", False) is True:
        return False
    return path not in READING_COMMANDS


# -- what arguments may hold ----------------------------------------------------------------------------

# Arguments that name files: a file name may be any bytes the file system allows (but never a NUL).
PATH_ARGUMENTS = frozenset({"db", "dir", "out", "file", "passphrase_file", "new_passphrase_file"})
# Free text she writes in her own words, by argparse's name for it: each at most FREE_TEXT_LIMIT characters.
FREE_TEXT_ARGUMENTS = frozenset(
    {
        "note", "notes", "reason", "purpose", "where", "with_name", "decided", "text", "answer", "grade",
        "pgt", "lab", "clinic", "site", "outcome", "title",
    }
)  # fmt: skip
# How a message names an argument; the option is named too, so she can find what to retype.
_ARGUMENT_WORDS = {
    "db": "the journal file name (--db)",
    "tz": "the time zone (--tz)",
    "dir": "the folder name",
    "out": "the file name after --out",
    "file": "the file name",
    "name": "the name",
    "which": "the medication",
    "test": "the test",
    "value": "the value",
    "key": "the setting's name",
    "text": "the question",
    "note": "the note (--note)",
    "notes": "the notes (--notes)",
    "reason": "the reason (--reason)",
    "purpose": "the purpose (--purpose)",
    "where": "the place (--where)",
    "with_name": "the name after --with",
    "decided": "what was decided (--decided)",
    "answer": "the answer (--answer)",
    "grade": "the embryo grade (--grade)",
    "pgt": "the PGT status (--pgt)",
    "lab": "the lab's name (--lab)",
    "clinic": "the clinic's name (--clinic)",
    "site": "the injection site (--site)",
    "outcome": "the outcome (--outcome)",
    "title": "the title (--title)",
    "rename": "the new name (--name)",
    "dose": "the dose (--dose)",
    "amount": "the amount (--amount)",
    "kind": "the kind",
    "as_of": "the time after --as-of",
    "at": "the time after --at",
    "date": "the date after --date",
    "effective": "the date after --from",
    "from_": "the date after --from",
    "for_": "the course length after --for",
    "run_for": "the time after --for",
}
_COMMAND_ARGUMENT_WORDS = {
    ("med add", "name"): "the medication name",
    ("take", "name"): "the medication name",
    ("skip", "name"): "the medication name",
    ("protocol import", "name"): "the template name (--name)",
    ("question edit", "text"): "the question (--text)",
    ("lab edit", "test"): "the test (--test)",
    ("export csv", "start"): "the date after --from",
    ("export csv", "end"): "the date after --to",
    ("event add", "kind"): "the kind of event",
}


def argument_words(name: str, command: str = "") -> str:
    """How a message names the argument argparse calls `name` in `command`: "the medication name", "the note
    (--note)"."""
    if command.startswith("protocol ") and name == "name":
        return _COMMAND_ARGUMENT_WORDS.get((command, name), "the template name")
    words = _COMMAND_ARGUMENT_WORDS.get((command, name)) or _ARGUMENT_WORDS.get(name)
    return words or f"the value after --{name.rstrip('_').replace('_', '-')}"


def _texts(value: object) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else [value]
    return [item for item in items if isinstance(item, str)]


def _shown(text: str) -> str:
    """At most QUOTE_LIMIT characters of an input, for a message that names it without quotes."""
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "\N{HORIZONTAL ELLIPSIS}"


def shown_path(path: Path) -> str:
    """A path she typed, for a message: whole up to QUOTE_LIMIT characters, else its end (which names the
    folder or file in question) after an ellipsis."""
    text = str(path)
    return text if len(text) <= QUOTE_LIMIT else "\N{HORIZONTAL ELLIPSIS}" + text[-(QUOTE_LIMIT - 1) :]


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse, before anything is opened or written, an argument that could not be stored or shown whole:
    a NUL character (SQLite and the file system end text there), bytes that are not UTF-8 text, or free
    text longer than FREE_TEXT_LIMIT. The message names the option and quotes at most QUOTE_LIMIT
    characters of what was typed."""
    command = command_path(args)
    for name, value in vars(args).items():
        for text in _texts(value):
            words = argument_words(name, command)
            if "\x00" in text:
                raise ValidationError(
                    f"{words} holds a NUL character, which cannot be stored ({quoted(text)}): retype it "
                    "without it. Nothing was saved.",
                    field=name,
                )
            if name not in PATH_ARGUMENTS and any("\udc80" <= char <= "\udcff" for char in text):
                stray = "".join(
                    f"\\x{ord(char) - 0xDC00:02x}" for char in text if "\udc80" <= char <= "\udcff"
                )
                raise ValidationError(
                    f"the {name.replace('_', ' ')} you gave has bytes that are not UTF-8 text "
                    f"({_shown(stray)}); retype it, or set your terminal to UTF-8. Nothing was saved.",
                    field=name,
                )
            if name in FREE_TEXT_ARGUMENTS and len(text) > FREE_TEXT_LIMIT:
                raise ValidationError(
                    f"{words} has {len(text)} characters: at most {FREE_TEXT_LIMIT} can be kept. Shorten it "
                    f"(it begins {quoted(text)}). Nothing was saved.",
                    field=name,
                )


def parse_as_of(text: str, zone: ZoneInfo) -> datetime:
    """--as-of 'YYYY-MM-DD' (the end of that day) or 'YYYY-MM-DD HH:MM' in `zone`."""
    # quick path: `today` would import domain.datetext (+0.4 ms)
    from rpltrack.domain.datetext import parse_date, parse_local_datetime

    if len(text.strip()) <= 10:
        day = parse_date(text, "as-of")
        return datetime.combine(day, time(23, 59), tzinfo=zone)
    return parse_local_datetime(text, zone, "as-of")
