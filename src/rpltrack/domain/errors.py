"""ValidationError: bad input, with a full sentence the user can act on."""

from __future__ import annotations


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
