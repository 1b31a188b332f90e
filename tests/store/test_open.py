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


# -- a journal that does not exist yet (#14) ---------------------------------------------------------------


def test_a_missing_journal_reads_as_an_empty_one_and_nothing_is_written(tmp_path: Path) -> None:
    """What a reading command opens for a journal that does not exist: the current schema, empty,
    read-only, and nothing at all on disk."""
    from rpltrack.store.absent import empty_journal

    path = tmp_path / "journal.db"
    with empty_journal(path, NOW) as journal:
        assert journal.readonly
        assert journal.schema_version == HEAD
        assert journal.medications() == []
        assert journal.check() == []
        with pytest.raises(JournalReadOnly, match="no journal at"):
            journal.set_setting("reminders.grace", "3h", NOW)
    assert list(tmp_path.iterdir()) == []


def test_a_journal_that_cannot_be_created_says_not_saved_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder she cannot write to (simulated: the tests may run as root) gives NOT saved and the reason,
    never a bare PermissionError."""
    import errno
    import os

    from rpltrack.store.db import NotSaved, prepare_file

    path = tmp_path / "journal.db"
    real_open = os.open

    def refusing_open(name: object, *args: object, **kwargs: object) -> int:
        if Path(os.fsdecode(name)) == path:  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(
        NotSaved, match=r"NOT saved: a new journal cannot be made at .* \(Permission denied\)"
    ):
        prepare_file(path)
    assert not path.exists()


def test_a_file_where_the_journal_folder_should_be_says_not_saved(tmp_path: Path) -> None:
    from rpltrack.store.db import NotSaved, prepare_file

    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(NotSaved, match="NOT saved"):
        prepare_file(blocker / "journal.db")
    assert blocker.read_text() == "not a folder"
