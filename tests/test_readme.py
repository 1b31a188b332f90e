"""The README is the manual: every command appears in it, and CI runs exactly its test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rpltrack.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "ui"])
def test_every_command_is_shown_in_the_readme(command: str) -> None:
    assert re.search(rf"rpltrack {re.escape(command)}\b", README), f"`rpltrack {command}` is not in README.md"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.DOTALL)
    test_command = next(b for b in blocks if "tests/check.sh" in b)
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command.strip() in ci_lines


def test_the_readme_has_exactly_two_setup_commands() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", setup, flags=re.DOTALL)
    assert len(commands) == 2
    assert all(c.startswith("python3 -m venv .venv && ") for c in commands)
