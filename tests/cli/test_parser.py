"""The command tree: building only the command being run must not change what is accepted."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from rpltrack.cli.main import COMMANDS, build_parser, main


def commands_of(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_the_fast_path_knows_every_command() -> None:
    assert set(commands_of(build_parser())) == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_single_command_tree_parses_like_the_full_one(command: str) -> None:
    only = commands_of(build_parser(command))
    assert list(only) == [command]
    assert only[command].format_help() == commands_of(build_parser())[command].format_help()


def test_global_options_before_the_command_are_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--db", str(tmp_path / "j.db"), "--tz", "Europe/London", "today"]) == 0
    assert "No doses scheduled today" in capsys.readouterr().out


def test_an_unknown_command_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["frobnicate"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err
    assert "'history'" in err


@pytest.mark.parametrize("columns", [60, 100])
def test_help_fits_the_terminal_width(
    columns: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Help is laid out to COLUMNS, as argparse does with shutil, which the quick commands never import."""
    monkeypatch.setenv("COLUMNS", str(columns))
    with pytest.raises(SystemExit) as stopped:
        main(["take", "--help"])
    assert stopped.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= columns - 2
    assert max(len(line) for line in lines) > columns - 30  # it uses the width, not a fixed 80
