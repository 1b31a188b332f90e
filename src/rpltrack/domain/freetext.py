"""The one limit on free text (notes, reasons, places, names of people and labs, questions): long enough for
anything she writes by hand, short enough that every screen, export and brief can show it."""

from __future__ import annotations

FREE_TEXT_LIMIT = 2000  # characters [app convention]
QUOTE_LIMIT = 80  # a refusal quotes at most this many characters of what was typed


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` in quotes for a message, cut to `limit` characters with an ellipsis when longer."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}")
