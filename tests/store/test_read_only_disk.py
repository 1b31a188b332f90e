"""A journal on a read-only file system (#14): it opens read-only, reads, exports and backs up elsewhere;
writes say why not and change nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpltrack.cli.main import main


def _mount_read_only(source: Path, target: Path) -> bool:
    bind = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True, check=False)
    if bind.returncode != 0:
        return False
    remount = ["mount", "-o", "remount,bind,ro", str(target)]
    if subprocess.run(remount, capture_output=True, check=False).returncode != 0:
        subprocess.run(["umount", str(target)], check=False)
        return False
    return True


@pytest.fixture
def read_only_journal(tmp_path: Path) -> Iterator[Path]:
    """A demo journal seen through a read-only bind mount (needs root; CI runs as root and must have it)."""
    source, mounted = tmp_path / "source", tmp_path / "mounted"
    source.mkdir()
    mounted.mkdir()
    assert main(["--db", str(source / "journal.db"), "demo"]) == 0
    if not _mount_read_only(source, mounted):
        if os.environ.get("CI"):
            pytest.fail("CI must be able to make a read-only bind mount (it runs as root)")
        pytest.skip("a read-only bind mount needs root")
    try:
        yield mounted / "journal.db"
    finally:
        subprocess.run(["umount", str(mounted)], check=False)


def test_a10_a_journal_on_a_read_only_disk_reads_and_refuses_writes(
    read_only_journal: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(read_only_journal)
    before = hashlib.sha256(read_only_journal.read_bytes()).hexdigest()
    for argv in (["today"], ["med", "list"], ["betas"], ["labs"], ["flags"], ["check"], ["history"]):
        assert main(["--db", db, *argv]) == 0, argv
    assert main(["--db", db, "backup", str(tmp_path / "copy.db")]) == 0
    assert main(["--db", db, "export", "csv", "--out", str(tmp_path / "export")]) == 0
    assert (tmp_path / "export" / "summary.csv").is_file()
    capsys.readouterr()
    assert main(["--db", db, "lab", "add", "TSH", "2.1"]) == 1
    err = capsys.readouterr().err
    assert "read-only disk" in err
    assert "Saved" not in err
    assert hashlib.sha256(read_only_journal.read_bytes()).hexdigest() == before
