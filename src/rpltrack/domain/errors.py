"""ValidationError: bad input, with a full sentence the user can act on, and a code each front can word."""

from __future__ import annotations

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from enum import StrEnum
    from typing import TypeVar

    Choice = TypeVar("Choice", bound=StrEnum)


class ValidationError(ValueError):
    """Input that cannot be accepted; `message` says what was wrong, the value seen and how to do it right.

    `field` names the form field or CLI option the message belongs beside, when there is one. An error with
    a `code` (one of domain.error_codes.CODES) also carries its `values`: `message` is then the code's
    neutral words, and each front (cli/errors.py, tui/errors.py) words the remedy in its own terms — an
    option and a command on the command line, a field and a key in the app.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        self.code = code
        self.values: Mapping[str, object] = dict(values or {})
        if message is None:
            if code is None:
                raise TypeError("a ValidationError needs a message or a code")
            # cycle: domain.error_codes imports domain.errors at module level
            from rpltrack.domain.error_codes import neutral_words

            message = neutral_words(code, self.values)
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

    def with_field(self, field: str | None) -> ValidationError:
        """The same error (message, code and values) said about another field."""
        return ValidationError(self.message, field=field, code=self.code, values=self.values)


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

    def __init__(
        self,
        message: str | None = None,
        *,
        existing_id: int,
        field: str | None = None,
        code: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code, values=values)
        self.existing_id = existing_id


class HasDependents(NeedsConfirmation):
    """A delete that would take other entries with it or leave them pointing at nothing: `dependents` names
    them in words ("2 transfers"); nothing was written. `with_dependents=True` goes ahead."""

    def __init__(
        self,
        message: str | None = None,
        *,
        dependents: list[str],
        field: str | None = None,
        code: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code, values=values)
        self.dependents = dependents
