"""ValidationError: bad input, with a full sentence the user can act on."""

from __future__ import annotations

# typing is kept out of the command line's start-up (see cli/main.py); annotations are never evaluated.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from enum import StrEnum
    from typing import TypeVar

    Choice = TypeVar("Choice", bound=StrEnum)


class ValidationError(ValueError):
    """Input that cannot be accepted; `message` says what was wrong, the value seen and how to do it right.

    `field` names the form field or CLI option the message belongs beside, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


def parse_choice(kind: type[Choice], text: str, what: str, field: str) -> Choice:
    """`text` as one of the words of `kind` (case and spaces forgiven), or an error listing them."""
    try:
        return kind(text.strip().lower())
    except ValueError:
        names = ", ".join(choice.value for choice in kind)
        raise ValidationError(f"unknown {what} {text.strip()!r}: use one of {names}", field=field) from None


class NeedsConfirmation(ValidationError):
    """A value that is possible but unlikely, or a step with consequences: `message` is the question to
    put to her. Nothing was written; the same call with its confirming argument (`sure=True`) goes ahead."""


class DuplicateEntry(ValidationError):
    """An entry that matches one already recorded (`existing_id`); nothing was written. The same call with
    `again=True` records it anyway."""

    def __init__(self, message: str, *, existing_id: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.existing_id = existing_id


class HasDependents(NeedsConfirmation):
    """A delete that would take other entries with it or leave them pointing at nothing: `dependents` names
    them in words ("2 transfers"); nothing was written. `with_dependents=True` goes ahead."""

    def __init__(self, message: str, *, dependents: list[str], field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.dependents = dependents
