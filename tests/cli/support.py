"""The in-process CLI runner and a row checksum shared by the command-line tests."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rpltrack.cli.main import main


class Cli:
    """Runs `rpltrack --db <tmp> --tz Europe/London ...` in process and captures its output."""

    def __init__(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        rc = main(["--db", str(self.db), "--tz", "Europe/London", *args])
        out, err = self.capsys.readouterr()
        return rc, out, err

    def ok(self, *args: str) -> str:
        rc, out, err = self(*args)
        assert rc == 0, err
        assert err == ""
        return out

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))


def checksum(path: Path, tables: tuple[str, ...] | None = None) -> str:
    """A digest of every row of every table (or of `tables`), read through a fresh connection."""
    from tests.store._support import open_file  # the store's seam: a locked journal opens too (#17)

    conn = open_file(path)
    try:
        names = tables or tuple(
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        )
        digest = hashlib.sha256()
        for name in names:
            digest.update(name.encode())
            for row in conn.execute(f"SELECT * FROM {name} ORDER BY rowid"):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        conn.close()


def run_rpltrack(
    db: Path, *args: str, preexec: Callable[[], None] | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m rpltrack --db DB --tz Europe/London ARGS` as a real process (extra environment in `env`)."""
    return subprocess.run(
        [sys.executable, "-m", "rpltrack", "--db", str(db), "--tz", "Europe/London", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=preexec,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
    )
