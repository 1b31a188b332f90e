"""Opening files that are not ours to change: another program's database, a newer rpltrack's journal."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rpltrack.store.db import JournalError
from rpltrack.store.journal import Journal, JournalReadOnly
from rpltrack.store.migrations import HEAD

NOW = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    """A --db pointing at some other SQLite file: refused before WAL mode or tables could be added."""
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    path.chmod(0o644)
    before = sha256(path)
    with pytest.raises(JournalError, match="another program"):
        Journal.open(path)
    assert sha256(path) == before
    assert path.stat().st_mode & 0o777 == 0o644  # not even its permissions were changed
    assert not Path(f"{path}-wal").exists()


def test_a_newer_journal_in_rollback_mode_is_opened_read_only_untouched(tmp_path: Path) -> None:
    """B7 for a file not in WAL mode: the version is read before anything could change the header."""
    path = tmp_path / "journal.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {HEAD + 1}")
    conn.commit()
    conn.close()
    before = sha256(path)
    with Journal.open(path) as journal:
        assert journal.readonly
        assert "newer rpltrack" in journal.readonly_reason
        with pytest.raises(JournalReadOnly):
            journal.undo(NOW)
    assert sha256(path) == before
