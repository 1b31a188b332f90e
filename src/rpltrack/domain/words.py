"""The words for what happened to a dose and for adherence, written once for every surface (the app, the
command line, the brief, the CSV and reminders), so one surface never says it differently from another; and
how a correction quotes what she wrote ('the note from "…" to "…"') in the change log of every kind."""

from __future__ import annotations

LOGGED_LATER = "logged later"  # a dose entered well after it was taken (domain.doses.LATE_LOG_AFTER)
AS_NEEDED = "as needed"
NO_PERCENT = "—"  # nothing was due, so there is no percentage


def number_short(value: float) -> str:
    """A whole number without decimals, else one decimal: '100', '85.7'."""
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def percent_words(percent: float | None) -> str:
    """An adherence percentage: '100%', '85.7%'; '—' when nothing was due."""
    return NO_PERCENT if percent is None else f"{number_short(percent)}%"


def adherence_words(percent: float | None, taken: int, due: int) -> str:
    """'85.7% (6/7)': the percentage and the doses behind it; '—' when nothing was due."""
    return NO_PERCENT if percent is None else f"{percent_words(percent)} ({taken}/{due})"


def taken_words(at: str, *, logged_later: bool = False, as_needed: bool = False) -> str:
    """'taken 08:04', 'taken 21:00 EDT (New York), logged later', 'taken 14:10 (as needed)'; `at` is the
    time as the surface shows it."""
    text = f"taken {at}"
    if logged_later:
        text += f", {LOGGED_LATER}"
    if as_needed:
        text += f" ({AS_NEEDED})"
    return text


def skipped_words(reason: str = "") -> str:
    """'skipped', 'skipped: nausea'."""
    return f"skipped: {reason}" if reason else "skipped"


def quoted(text: str, limit: int = 60) -> str:
    """Her words in quotes, cut to `limit` characters with '...': how a correction names what she wrote."""
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 3]}..."'


def text_change(what: str, before: str, after: str) -> str:
    """A correction of a text field: 'the note set to "…"', 'the note removed', 'the note from "…" to "…"'."""
    if not before:
        return f"{what} set to {quoted(after)}"
    if not after:
        return f"{what} removed"
    return f"{what} from {quoted(before)} to {quoted(after)}"
