"""The `rpltrack` command: argparse tree, exit codes (0 done, 1 failure, 2 bad input, nothing written)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from rpltrack import __version__
from rpltrack.cli import stream
from rpltrack.cli.context import Context
from rpltrack.domain.display import terminal_text
from rpltrack.domain.errors import ValidationError
from rpltrack.store.crypto import (
    WrongKey,
    cipher_module,
    forget_in_process,
    remember_in_process,
    salt_of,
    stored_key,
)
from rpltrack.store.db import JournalError, errors, is_encrypted
from rpltrack.store.journal import Journal

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


EPILOG = "rpltrack records and reminds; it never gives medical advice. Your journal stays on this computer."


def _terminal_columns() -> int:
    """The terminal's width as shutil.get_terminal_size() reads it (COLUMNS, else the terminal, else 80),
    without importing shutil, which brings bz2 and lzma with it (about 3 ms a quick command never needs)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno() if sys.__stdout__ else 1).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's own help layout; only the width is found without shutil."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(prog, indent_increment, max_help_position, width or _terminal_columns() - 2)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help is laid out by _Formatter; its subparsers are _Parsers too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def _common() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="journal file (default: RPLTRACK_DB, else journal.db in your user data folder)",
    )
    common.add_argument(
        "--tz",
        default=argparse.SUPPRESS,
        metavar="ZONE",
        help="IANA time zone for reading and showing times (default: the system's)",
    )
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show a traceback on failure"
    )
    common.add_argument(
        "--passphrase-file",
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="a locked journal's passphrase, from the first line of FILE (for scripts; else it is asked)",
    )
    return common


def _as_parser(obj: object) -> argparse.ArgumentParser:
    """Hands a stand-in (or argparse's untyped return) to code that expects a parser."""
    return obj  # type: ignore[return-value]  # _Unused answers every parser call


class _Unused:
    """Stands in for the parsers of commands not being run: accepts every call and ignores it."""

    def __getattr__(self, name: str) -> Callable[..., _Unused]:
        return lambda *args, **kwargs: self


class _OnlySubParsers(argparse._SubParsersAction):  # type: ignore[type-arg]  # argparse's own generic
    """Builds the full parser only for the command being run: each ArgumentParser costs a round of
    gettext look-ups, and a quick `rpltrack today` should not pay for thirty of them."""

    wanted: str | None = None

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if self.wanted is not None and name != self.wanted:
            return _as_parser(_Unused())
        return _as_parser(super().add_parser(name, **kwargs))


def _command_word(argv: Sequence[str]) -> str | None:
    """The command in argv (skipping global options and their values), if there is one."""
    takes_value = {"--db", "--tz", "--passphrase-file"}
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in takes_value:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command tree, or (with `only`) the tree for that one command."""
    common = _common()
    parser = _Parser(
        prog="rpltrack",
        description="A private tracker for recurrent pregnancy loss and IVF/FET: medications, doses and "
        "more. With no command it opens the terminal app.",
        epilog=EPILOG,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"rpltrack {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", action=_OnlySubParsers)
    assert isinstance(sub, _OnlySubParsers)
    sub.wanted = only
    for module, function in REGISTRARS:
        if only is None or (module, function) == _registrar_of(only):
            # __import__ with a fromlist gives the submodule itself (importlib costs ~2 ms to import).
            register = getattr(__import__(f"rpltrack.cli.{module}", fromlist=[function]), function)
            register(sub, common)
    ui = sub.add_parser(
        "ui",
        parents=[common],
        help="open the terminal app (the same as no command)",
        description="Open the terminal app.",
    )
    ui.set_defaults(func=open_ui)
    return parser


def install_reminders(db_path: Path) -> list[str]:
    """`rpltrack remind --install`, for the app's welcome flow (the TUI does not import reminders)."""
    # quick path: `today` would import reminders.service (+3.6 ms)
    from rpltrack.reminders.service import install

    return install(db_path)


def note_locked_journal(db_path: Path, journal_id: str) -> None:
    """Tell the reminder timer a file is her locked journal, for a lock made in the app (the TUI does not
    import reminders)."""
    # quick path: `today` would import reminders.daemon, store.reminder_ledger and 2 more (+2.0 ms)
    from rpltrack.reminders.daemon import note_locked_journal as note

    note(db_path, journal_id)


def key_to_ask_for(ctx: Context) -> Path | None:
    """The path of the locked journal whose key is neither kept nor given (--passphrase-file): the app then
    starts on its passphrase dialog. None when the journal opens as usual (a kept key is put in this
    process's memory, so the open does not look it up again). Raises EncryptionUnavailable without
    SQLCipher."""
    path = ctx.db_path
    if getattr(ctx.args, "passphrase_file", None) or not path.is_file():
        return None

    if not is_encrypted(path):
        return None

    cipher_module()
    kept = stored_key(salt_of(path))
    if kept is None:
        return path
    remember_in_process(kept)
    return None


def open_ui(ctx: Context) -> int:

    # quick path: `today` would import tui.app with Textual and Rich (+269 ms)
    from rpltrack.tui.app import RpltrackApp, run_app

    ctx.check_integrity = True
    locked = key_to_ask_for(ctx)
    if locked is None:
        try:
            _ = ctx.journal  # opened here: a refusal is said on the terminal, before the app starts
        except WrongKey:
            if getattr(ctx.args, "passphrase_file", None):
                raise
            forget_in_process(salt_of(ctx.db_path))  # the keyring's key is not this journal's: ask
            locked = ctx.db_path
    apps: list[RpltrackApp] = []

    def make_app(notice: str) -> RpltrackApp:
        previous = apps[-1] if apps else None
        journal: Journal | None = None
        if previous is not None and previous.journal_is_open:
            journal = previous.journal  # after an error: the journal as the app left it (maybe locked since)
        elif previous is not None and previous.journal_busy:
            journal = Journal.open(ctx.db_path, now=ctx.now(), check=True)  # an error stopped a conversion
        elif locked is None or stored_key(salt_of(locked), slow=False) is not None:
            journal = ctx.journal
        if journal is None:
            app = RpltrackApp.unlocking(
                ctx.db_path,
                clock=ctx.clock,
                install_reminders=install_reminders,
                welcome=not notice,
                start_notice=notice,
                note_locked=note_locked_journal,
            )
        else:
            app = RpltrackApp(
                journal=journal,
                clock=ctx.clock,
                install_reminders=install_reminders,
                welcome=not notice,
                start_notice=notice,
                note_locked=note_locked_journal,
            )
        apps.append(app)
        return app

    try:
        return run_app(make_app)
    finally:
        for app in apps:
            if app.journal_is_open:
                app.journal.close()


# Which module registers each command: only the one being run is imported, so `rpltrack today` does not
# pay for the lab catalog, the exporters or the reminder code. The order is the order of `rpltrack --help`.
REGISTRARS = (
    ("meds", "register"),
    ("doses", "register"),
    ("plan", "register"),
    ("search", "register"),
    ("changes", "register"),
    ("cycles", "register"),
    ("pregnancies", "register"),
    ("labs", "register"),
    ("appointments", "register"),
    ("sessions", "register"),
    ("misc", "register"),
    ("misc", "register_files"),
    ("export", "register"),
    ("remind", "register"),
    ("protocols", "register"),
    ("lock", "register"),
)
COMMAND_REGISTRAR = {
    "med": ("meds", "register"),
    "adherence": ("meds", "register"),
    "today": ("doses", "register"),
    "take": ("doses", "register"),
    "skip": ("doses", "register"),
    "dose": ("doses", "register"),
    "log": ("doses", "register"),
    "plan": ("plan", "register"),
    "search": ("search", "register"),
    "undo": ("changes", "register"),
    "redo": ("changes", "register"),
    "changes": ("changes", "register"),
    "cycle": ("cycles", "register"),
    "event": ("cycles", "register"),
    "transfer": ("cycles", "register"),
    "beta": ("pregnancies", "register"),
    "betas": ("pregnancies", "register"),
    "pregnancy": ("pregnancies", "register"),
    "loss": ("pregnancies", "register"),
    "history": ("pregnancies", "register"),
    "lab": ("labs", "register"),
    "labs": ("labs", "register"),
    "flags": ("labs", "register"),
    "flag": ("labs", "register"),
    "appt": ("appointments", "register"),
    "question": ("appointments", "register"),
    "session": ("sessions", "register"),
    "course": ("sessions", "register"),
    "demo": ("misc", "register"),
    "settings": ("misc", "register"),
    "backup": ("misc", "register_files"),
    "restore": ("misc", "register_files"),
    "check": ("misc", "register_files"),
    "export": ("export", "register"),
    "import": ("export", "register"),
    "brief": ("export", "register"),
    "remind": ("remind", "register"),
    "protocol": ("protocols", "register"),
    "lock": ("lock", "register"),
    "unlock": ("lock", "register"),
    "passphrase": ("lock", "register"),
    "forget-key": ("lock", "register"),
}
COMMANDS = (*COMMAND_REGISTRAR, "ui")


def _registrar_of(command: str) -> tuple[str, str] | None:
    return COMMAND_REGISTRAR.get(command)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if _command_word(words) in (None, "ui"):
        return _main(words)  # the app draws the screen itself

    saved = stream.install()
    try:
        return _main(words)
    finally:
        stream.restore(saved)


def _is_damage(exc: BaseException) -> bool:
    """SQLite reporting a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB) while a command read or wrote it."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return isinstance(exc, errors("DatabaseError")) and name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def _main(words: list[str]) -> int:
    command = _command_word(words)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(words)
    func = getattr(args, "func", None) or open_ui
    debug = bool(getattr(args, "debug", False))

    ctx: Context | None = None
    try:
        ctx = Context.from_args(args)
        return int(func(ctx))
    except ValidationError as exc:
        # quick path: `today` would import cli.errors, domain.error_codes (+2.9 ms)
        from rpltrack.cli.errors import cli_text

        print(f"rpltrack: {terminal_text(cli_text(exc))}", file=sys.stderr)
        if debug:
            raise
        return 2
    except JournalError as exc:
        print(f"rpltrack: {terminal_text(exc)}", file=sys.stderr)
        if debug:
            raise
        return int(getattr(exc, "exit_status", 1))  # a locked journal without its key: 2 (store.crypto)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; anything written was already committed.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if debug:
            raise
        if _is_damage(exc):
            print(
                f"rpltrack: the journal looks damaged ({terminal_text(exc)}). Anything this command said was "
                "saved is on disk; nothing else was changed. `rpltrack check` names the damage and the "
                "backups to restore from.",
                file=sys.stderr,
            )
            return 1
        if ctx is not None and ctx.opened_readonly:
            print(
                "rpltrack: this journal was made by a newer rpltrack and this version cannot read all of it; "
                "update rpltrack. Nothing was changed.",
                file=sys.stderr,
            )
            return 1
        print(
            f"rpltrack: unexpected error: {exc.__class__.__name__}: {terminal_text(exc)} "
            "(run again with --debug for details)",
            file=sys.stderr,
        )
        return 1
    finally:
        if ctx is not None:
            ctx.close()
