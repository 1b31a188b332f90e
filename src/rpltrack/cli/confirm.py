"""Questions before a write: asked on a terminal, refused (exit 2, nothing written) without one."""

from __future__ import annotations

import sys

from rpltrack.domain.display import terminal_text
from rpltrack.domain.errors import DuplicateEntry, NeedsConfirmation, ValidationError

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")


def interactive() -> bool:
    """Whether a person can answer: standard input and output are both a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def ask(question: str) -> bool:
    """Put a yes/no question on the terminal; anything but yes (or no terminal) is no."""
    if not interactive():
        return False
    try:
        answer = input(f"{terminal_text(question)} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def confirm_or_refuse(question: str, *, yes: bool, flag: str = "--yes") -> None:
    """Go ahead when `yes` was given or she answers yes; otherwise refuse with exit 2 (nothing written),
    quoting the question and the option that says it is meant."""
    if yes or ask(question):
        return
    raise ValidationError(f"{question} Nothing was changed; add {flag} if it is meant.")


def with_confirmation(attempt: Callable[[bool], T], *, yes: bool, flag: str = "--yes") -> T:
    """Run `attempt(yes)`; when it needs confirmation (NeedsConfirmation), ask on a terminal and run
    `attempt(True)` on a yes, else refuse with exit 2 naming `flag`."""
    try:
        return attempt(yes)
    except NeedsConfirmation as exc:
        # quick path: `today` would import cli.errors, domain.error_codes (+2.9 ms)
        from rpltrack.cli.errors import cli_text

        confirm_or_refuse(cli_text(exc), yes=False, flag=flag)
        return attempt(True)


def refuse_duplicate(attempt: Callable[[], T], remedy: Callable[[DuplicateEntry], str]) -> T:
    """`attempt()` (an add); a match with a recorded entry is refused with exit 2 and nothing written, in
    the words `remedy` gives (naming the entry there and --again)."""
    try:
        return attempt()
    except DuplicateEntry as exc:
        raise ValidationError(remedy(exc), field=exc.field) from None
