"""Coded errors (#19): every code worded by both fronts, the app never naming a command-line option or
command, and no message in the core naming command-line syntax (an AST scan, so none can creep back)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpltrack.cli.errors import CLI_WORDS, cli_text
from rpltrack.cli.main import COMMANDS
from rpltrack.domain.error_codes import CODES
from rpltrack.domain.errors import ValidationError
from rpltrack.tui.errors import APP_WORDS, app_text

SRC = Path(__file__).resolve().parents[1] / "src" / "rpltrack"
CORE = ("domain", "store", "flags", "export")

OPTION = re.compile(r"(?<![\w-])--[a-z]")
COMMAND = re.compile(rf"\brpltrack (?:--[a-z]|(?:{'|'.join(map(re.escape, COMMANDS))})\b)")


def cli_syntax(text: str) -> list[str]:
    """The command-line options (--x) and `rpltrack <command>`s that `text` names."""
    return [m.group(0) for m in (*OPTION.finditer(text), *COMMAND.finditer(text))]


def example(code: str) -> ValidationError:
    return ValidationError(code=code, field="value", values=CODES[code].example)


def test_the_syntax_finder_finds_options_and_commands_only() -> None:
    assert cli_syntax("cannot read --every '3x'") == ["--e"]
    assert cli_syntax("see rpltrack session list") == ["rpltrack session"]
    assert cli_syntax("rpltrack --db new.db import csv DIR") == ["--d", "rpltrack --d"]
    assert cli_syntax("rpltrack takes mIU/mL; rpltrack keeps 2 decimals; 2026-03-01 - 2026-03-02") == []


def test_every_code_is_worded_by_both_fronts() -> None:
    assert set(CLI_WORDS) == set(CODES)
    assert set(APP_WORDS) == set(CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_a_code_in_the_app_names_no_command_line_option_or_command(code: str) -> None:
    exc = example(code)
    for words in (app_text(exc), exc.message):
        assert words.strip()
        assert not set("{}") & set(words), words
        assert cli_syntax(words) == [], words


@pytest.mark.parametrize("code", sorted(CODES))
def test_a_code_on_the_command_line_is_complete(code: str) -> None:
    """Every value is said by each front (nothing dropped), and nothing is left unfilled."""
    exc = example(code)
    cli, app = cli_text(exc), app_text(exc)
    assert not set("{}") & set(cli), cli
    for value in exc.values.values():
        if isinstance(value, ValidationError):
            assert cli_text(value) in cli
            assert app_text(value) in app
        else:
            assert str(value) in cli, (value, cli)
            assert str(value) in app, (value, app)


def test_an_error_about_one_medication_of_a_template_is_worded_by_each_front() -> None:
    exc = example("template.medication")
    assert cli_text(exc) == "aspirin: give at least one time of day, like --times 08:00"
    assert app_text(exc) == "aspirin: give at least one time of day in Times, like 08:00"
    assert exc.message == "aspirin: give at least one time of day, like 08:00"


def test_a_coded_error_said_about_another_field_keeps_its_code_and_values() -> None:
    exc = ValidationError(code="cycle.unknown_id", field="cycle", values={"id": 4}).with_field("id")
    assert (exc.field, exc.code, dict(exc.values)) == ("id", "cycle.unknown_id", {"id": 4})
    assert cli_text(exc) == "there is no cycle with id 4: see rpltrack cycle list"


def test_an_error_without_a_message_or_a_code_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        ValidationError()


# -- no command-line syntax in the core's messages -----------------------------------------------------


def _error_classes() -> set[str]:
    """ValidationError and every class in src/ that derives from it (by name, transitively)."""
    bases: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                bases.setdefault(node.name, set()).update(names)
    found = {"ValidationError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


# Helpers that wrap their message in a ValidationError (csv_read.Row.fail, protocols' fail).
_WRAPPERS = {"fail"}


def _strings(node: ast.AST, assigned: dict[str, list[ast.AST]]) -> Iterator[ast.Constant]:
    """The string constants of a message expression, following names bound in the same function or module
    (`message = f"..."; raise ValidationError(message)`, `TEMPLATE.format(...)`)."""
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            yield part
        elif isinstance(part, ast.Name):
            for value in assigned.get(part.id, []):
                yield from (
                    c for c in ast.walk(value) if isinstance(c, ast.Constant) and isinstance(c.value, str)
                )


def _bindings(scope: ast.AST) -> dict[str, list[ast.AST]]:
    found: dict[str, list[ast.AST]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif (
            isinstance(node, ast.AnnAssign | ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            found.setdefault(node.target.id, []).append(node.value)
    return found


def offending_messages(source: str, classes: set[str]) -> list[tuple[int, str]]:
    """(line, text) of each string in a message given to one of `classes` that names CLI syntax."""
    tree = ast.parse(source)
    module = _bindings(tree)
    scopes: dict[ast.AST, dict[str, list[ast.AST]]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            local = _bindings(node)
            for inner in ast.walk(node):
                scopes.setdefault(inner, local)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in classes | _WRAPPERS:
            continue
        assigned = {**module, **scopes.get(node, {})}
        messages = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "message")]
        for message in messages:
            for constant in _strings(message, assigned):
                assert isinstance(constant.value, str)
                if cli_syntax(constant.value):
                    found.append((constant.lineno, constant.value))
    return found


def test_the_scan_finds_cli_syntax_however_the_message_is_built() -> None:
    classes = {"ValidationError", "NeedsConfirmation"}
    source = """
HINT = "see rpltrack cycle list"
def f(x):
    message = f"bad {x}: give --dose"
    if x:
        raise ValidationError(message, field="dose")
    raise NeedsConfirmation(f"sure? {x} " "(rpltrack undo takes it back)")
def g(row):
    raise row.fail(HINT.format())
def h():
    raise ValidationError("rpltrack takes mIU/mL", field="unit")
"""
    assert sorted(line for line, _ in offending_messages(source, classes)) == [2, 4, 7]


def test_no_message_in_the_core_names_command_line_syntax() -> None:
    """Messages from domain, store, flags and export are shown by the app too: a remedy that names an
    option or a command belongs in a code's words of cli/errors.py (and the app's in tui/errors.py)."""
    classes = _error_classes()
    assert {"ValidationError", "NeedsConfirmation", "DuplicateEntry", "HasDependents"} <= classes
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {text!r}"
        for package in CORE
        for path in sorted((SRC / package).rglob("*.py"))
        for line, text in offending_messages(path.read_text(encoding="utf-8"), classes)
    ]
    assert offenders == []


def test_the_core_codes_name_no_command_line_syntax() -> None:
    for code, entry in CODES.items():
        assert cli_syntax(entry.words) == [], code
