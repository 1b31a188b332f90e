"""The `rpltrack` command: argparse tree, exit codes (0 done, 1 failure, 2 bad input, nothing written)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rpltrack import __version__
from rpltrack.cli import cycles, doses, meds, misc
from rpltrack.cli.context import Context
from rpltrack.domain.errors import ValidationError

EPILOG = "rpltrack records and reminds; it never gives medical advice. Your journal stays on this computer."


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
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
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="rpltrack",
        description="A private tracker for recurrent pregnancy loss and IVF/FET: medications, doses and "
        "more. With no command it opens the terminal app.",
        epilog=EPILOG,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"rpltrack {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    meds.register(sub, common)
    doses.register(sub, common)
    cycles.register(sub, common)
    misc.register(sub, common)
    ui = sub.add_parser(
        "ui",
        parents=[common],
        help="open the terminal app (the same as no command)",
        description="Open the terminal app.",
    )
    ui.set_defaults(func=open_ui)
    return parser


def open_ui(ctx: Context) -> int:
    from rpltrack.tui.app import RpltrackApp

    journal = ctx.journal
    app = RpltrackApp(journal=journal, clock=ctx.clock)
    app.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None) or open_ui
    debug = bool(getattr(args, "debug", False))
    from rpltrack.store.db import JournalError

    ctx: Context | None = None
    try:
        ctx = Context.from_args(args)
        return int(func(ctx))
    except ValidationError as exc:
        print(f"rpltrack: {exc.message}", file=sys.stderr)
        if debug:
            raise
        return 2
    except JournalError as exc:
        print(f"rpltrack: {exc}", file=sys.stderr)
        if debug:
            raise
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; anything written was already committed.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if debug:
            raise
        print(
            f"rpltrack: unexpected error: {exc.__class__.__name__}: {exc} "
            "(run again with --debug for details)",
            file=sys.stderr,
        )
        return 1
    finally:
        if ctx is not None:
            ctx.close()


def run() -> None:
    sys.exit(main())
