"""The command line's one output boundary: every line printed passes terminal_text, whatever its source
(her journal, a template, a file name, an argument): control, bidi and NUL characters are shown, not run."""

from __future__ import annotations

import sys

from rpltrack.domain.display import terminal_text

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO


class SafeStream:
    """A text stream whose writes are made safe for a terminal; `exact` is the stream underneath."""

    def __init__(self, exact: TextIO) -> None:
        self.exact = exact

    def write(self, text: str) -> int:
        self.exact.write(terminal_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.exact, name)


def install() -> tuple[Any, Any]:
    """Put SafeStream over standard output and error; returns what was there, for restore()."""
    saved = (sys.stdout, sys.stderr)
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout)
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr)
    return saved


def restore(saved: tuple[Any, Any]) -> None:
    sys.stdout, sys.stderr = saved


def write_exact(text: str) -> None:
    """Write `text` byte for byte when standard output is a file or a pipe (`protocol export NAME -`); on a
    terminal it is shown safely like everything else."""
    out: Any = sys.stdout
    exact = getattr(out, "exact", out)
    if exact.isatty():
        out.write(text)
    else:
        exact.write(text)
