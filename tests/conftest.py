"""Shared fixtures: an isolated environment, a fixed clock, a real journal file, demo data, the app."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rpltrack.clock import FixedClock
from rpltrack.store.journal import Journal

# A real OS keyring on a private bus, and no journal key left in memory between tests (journal locking, #17).
pytest_plugins = ["tests.keyring_fixture"]

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)  # a Monday morning


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can open a real journal: XDG folders point into tmp_path and RPLTRACK_DB is unset."""
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.delenv("RPLTRACK_DB", raising=False)
    monkeypatch.setenv("TZ", "Europe/London")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """RELIABILITY F3: any attempt to open a network connection fails the test that made it. Local
    (AF_UNIX) sockets stay allowed: the session D-Bus that carries desktop notifications is one."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"rpltrack tried to use the network: {args!r}")

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(sock: socket.socket, *args: Any, **kwargs: Any) -> Any:
        if sock.family == socket.AF_UNIX:
            return real_connect(sock, *args, **kwargs)
        return refuse(sock, *args)

    def connect_ex(sock: socket.socket, *args: Any, **kwargs: Any) -> Any:
        if sock.family == socket.AF_UNIX:
            return real_connect_ex(sock, *args, **kwargs)
        return refuse(sock, *args)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def zone() -> ZoneInfo:
    return LONDON


@pytest.fixture
def clock() -> FixedClock:
    """Monday 23 November 2026, 08:40 in London."""
    return FixedClock(NOW, LONDON)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's journal goes: a file not made yet, in a folder that exists (as a `--db` she chose)."""
    (tmp_path / "data").mkdir(mode=0o700, exist_ok=True)
    return tmp_path / "data" / "journal.db"


@pytest.fixture
def journal(db_path: Path, clock: FixedClock) -> Iterator[Journal]:
    """A real journal file in tmp_path (reopen it with Journal.open(journal.path) to prove durability)."""
    j = Journal.open(db_path, now=clock.now())
    yield j
    j.close()


@pytest.fixture
def demo_journal(journal: Journal, clock: FixedClock) -> Journal:
    """A journal with a year of demo data ending at the fixed clock's now."""
    from rpltrack.store.demo import fill_demo

    fill_demo(journal, clock.now(), clock.zone, years=1)
    return journal


@pytest.fixture
def demo_app(demo_journal: Journal, clock: FixedClock) -> Any:
    """The real app on demo data with the fixed clock (for pilot and snapshot tests)."""
    from rpltrack.tui.app import RpltrackApp

    return RpltrackApp(journal=demo_journal, clock=clock)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: every component a test needs must be installed there."""
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        print(f"\n{skipped} test(s) skipped in CI: install what they need instead of skipping them")
        session.exitstatus = 1
