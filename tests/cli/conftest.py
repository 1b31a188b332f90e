"""Fixtures of the command-line tests: `cli` runs rpltrack in process at a frozen time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from tests.cli.support import Cli

NOW = "2026-11-23 08:40:00"  # UTC, = London wall time in November


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    with freeze_time(NOW):
        yield Cli(tmp_path / "journal.db", capsys)
