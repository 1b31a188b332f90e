"""The command map of cli/main.py (which module registers each command, so a quick command imports only
its own module) is checked against what each module really registers: a command added to a module but not
to the map, or mapped to the wrong module, fails here instead of at her prompt."""

from __future__ import annotations

import argparse

import pytest

from rpltrack.cli.main import COMMAND_REGISTRAR, REGISTRARS, _common, build_parser


@pytest.mark.parametrize(("module", "function"), REGISTRARS, ids=[f"{m}.{f}" for m, f in REGISTRARS])
def test_each_module_registers_exactly_the_commands_mapped_to_it(module: str, function: str) -> None:
    parser = argparse.ArgumentParser(prog="rpltrack")
    sub = parser.add_subparsers(dest="command")
    register = getattr(__import__(f"rpltrack.cli.{module}", fromlist=[function]), function)
    register(sub, _common())
    registered = set(sub.choices)
    mapped = {command for command, where in COMMAND_REGISTRAR.items() if where == (module, function)}
    assert registered == mapped


def test_every_mapped_command_has_a_registrar() -> None:
    assert set(COMMAND_REGISTRAR.values()) <= set(REGISTRARS)


@pytest.mark.parametrize("command", sorted(COMMAND_REGISTRAR))
def test_the_parser_for_one_command_knows_it(command: str) -> None:
    parser = build_parser(only=command)
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert command in action.choices
