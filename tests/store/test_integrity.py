"""RELIABILITY A8: the app's start checks the journal's integrity; a damaged file is never written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rpltrack.cli.main import main
from rpltrack.domain.models import DoseStatus
from rpltrack.store.demo import fill_demo
from rpltrack.store.journal import Journal, JournalReadOnly
from tests.store import _support as s


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damage_page_2(path: Path) -> None:
    """Overwrite the second page of the (checkpointed) file with garbage, as a bad sector would."""
    page = 4096
    with open(path, "r+b") as raw:
        raw.seek(page)
        raw.write(b"\xa5" * page)


@pytest.fixture
def demo_file(db_path: Path) -> Path:
    with Journal.open(db_path, now=s.NOW) as journal:
        fill_demo(journal, s.NOW, s.LONDON, 2)
        journal.make_backup(s.NOW)
    return db_path


def test_a8_startup_integrity_check_passes_a_healthy_journal(demo_file: Path) -> None:
    """(a) A healthy journal with two years of data opens writable with the check on."""
    with Journal.open(demo_file, now=s.NOW, check=True) as journal:
        assert not journal.readonly
        assert journal.check() == []


def test_a8_startup_integrity_check_opens_a_damaged_journal_read_only(demo_file: Path) -> None:
    """(b) Page 2 overwritten: the app's open is read-only, says it is damaged and names the backup to
    restore from; nothing is written and the file's bytes are unchanged."""
    damage_page_2(demo_file)
    before = sha256(demo_file)
    with Journal.open(demo_file, now=s.NOW, check=True) as journal:
        assert journal.readonly
        assert "looks damaged" in journal.readonly_reason
        assert "rpltrack restore FILE" in journal.readonly_reason
        assert "backups" in journal.readonly_reason
        aspirin = s.daily()
        with pytest.raises(JournalReadOnly):
            journal.add_medication(aspirin, s.NOW)
    assert sha256(demo_file) == before


def test_a8_rpltrack_check_reports_the_damage_and_changes_nothing(
    demo_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damage_page_2(demo_file)
    before = sha256(demo_file)
    rc = main(["--db", str(demo_file), "check"])
    out, err = capsys.readouterr()
    assert rc != 0
    assert "damaged" in (out + err) or "malformed" in (out + err)
    assert sha256(demo_file) == before


def test_a8_a_dose_can_still_be_logged_after_a_clean_check(demo_file: Path) -> None:
    with Journal.open(demo_file, now=s.NOW, check=True) as journal:
        med = journal.add_medication(s.daily(), s.NOW, again=True)  # the demo has an aspirin already
        result = journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON)
    assert result.created
