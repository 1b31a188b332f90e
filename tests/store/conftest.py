"""Store-test fixtures: an explicit umask, so file-mode tests never rely on the user's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpltrack.clock import FixedClock
from rpltrack.store.journal import Journal


@pytest.fixture
def umask_022() -> Iterator[None]:
    """Run with umask 022 (group/other readable by default): owner-only modes must come from the app."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture(params=["plain", "locked"])
def journal(request: pytest.FixtureRequest, db_path: Path, clock: FixedClock) -> Iterator[Journal]:
    """The store tests' journal, twice: a plain file and one locked at rest (SQLCipher, #17), made locked
    from its first byte with a random key that this process keeps in memory (so Journal.open(path) finds it,
    as the app's workers do). Reopen it with Journal.open(journal.path) to prove durability."""
    key = None
    if request.param == "locked":
        from rpltrack.store.crypto import JournalKey

        key = JournalKey(os.urandom(32), os.urandom(16))
    j = Journal.open(db_path, now=clock.now(), key=key)
    yield j
    j.close()
