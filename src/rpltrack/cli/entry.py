"""The `rpltrack` script's entry point, the argparse types that read ids, counts and seconds, and the one
`KIND delete ID` command every kind of entry shares."""

from __future__ import annotations

import gc
import sys
from argparse import ArgumentTypeError

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

MAX_ID = 2**63 - 1  # SQLite's largest integer: no entry can have a larger id
_LONGEST_ID = len(str(MAX_ID))


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:79] + "\N{HORIZONTAL ELLIPSIS}")


def entry_id(text: str) -> int:
    """An argparse type for the id of an entry (`beta edit ID`, `--appt ID`, `--cycle ID`): a whole number
    from 1 to 2**63-1, SQLite's range. Anything else is refused at the edge (argparse: exit 2) instead of
    failing inside the database with an OverflowError. A leading '#' is allowed ('#7'), as for medications."""
    seen = text.strip().removeprefix("#")
    if not (seen.isascii() and seen.isdigit()):
        raise ArgumentTypeError(
            f"an id is a whole number such as 7, as listed by the list commands, not {_shown(text)}"
        )
    if len(seen.lstrip("0")) > _LONGEST_ID or not 1 <= int(seen) <= MAX_ID:
        raise ArgumentTypeError(
            f"there is no entry with the id {_shown(seen)}: ids run from 1 to {MAX_ID}; "
            "the list commands show each entry's id"
        )
    return int(seen)


def whole_number(text: str) -> int:
    """An argparse type for a count (`--count`, `--years`, `--limit`): a whole number from 0 to 2**63-1;
    the command checks its own range after."""
    seen = text.strip()
    if not (seen.isascii() and seen.isdigit()) or len(seen.lstrip("0")) > _LONGEST_ID or int(seen) > MAX_ID:
        raise ArgumentTypeError(f"expected a whole number such as 3, not {_shown(text)}")
    return int(seen)


def seconds(text: str) -> float:
    """An argparse type for a number of seconds (`remind --wait`, `remind --for`): a finite number from 0 to
    one year. NaN, infinities, exponents and negative numbers are refused at the edge."""
    seen = text.strip()
    body = seen.replace(".", "", 1)
    if not (body.isascii() and body.isdigit()) or len(body) > 12:
        raise ArgumentTypeError(f"expected a number of seconds such as 30 or 2.5, not {_shown(text)}")
    value = float(seen)
    if value > 366 * 24 * 3600:
        raise ArgumentTypeError(f"at most a year of seconds ({366 * 24 * 3600}), not {_shown(seen)}")
    return value


def run() -> None:
    """Start-up allocates thousands of long-lived objects (classes, functions, regexes) and no garbage
    cycles; pausing the cycle collector while they are created saves 5-15 ms per command on a slow laptop.
    It runs as usual for the command itself."""
    gc.disable()
    try:
        # quick path: imported while the cycle collector is paused (about 6 ms off every command)
        from rpltrack.cli.main import main
    finally:
        gc.enable()
    sys.exit(main())


def add_delete_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    *,
    func: Callable[..., int],
    help: str,
    description: str,
    id_help: str,
) -> None:
    """`KIND delete ID [--yes]`, the same for every kind of entry (CLI.md, "Correcting the record")."""
    delete = subparsers.add_parser(
        "delete",
        parents=[common],
        help=help,
        description=f"{description} Asks first (on a terminal) unless --yes.",
    )
    delete.add_argument("id", type=entry_id, metavar="ID", help=id_help)
    delete.add_argument("--yes", action="store_true", help="delete without asking")
    delete.set_defaults(func=func)
