"""The export's files on disk: owner-only, written atomically, nothing half-written on failure or kill
(RELIABILITY B, D5), the default folder, and warnings about risky places (D6)."""

from __future__ import annotations

import os
import random
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpltrack.export.csv_export import FILE_NAMES, SUMMARY
from rpltrack.paths import documents_dir
from rpltrack.store.exporting import (
    ExportFailed,
    default_export_dir,
    location_warnings,
    write_csv_export,
    write_files,
)
from rpltrack.store.journal import Journal
from tests.export.csv_support import LONDON, NOW, build_small_journal


@pytest.fixture
def umask_022() -> Iterator[None]:
    """Run as a user with the usual umask: the modes must not depend on it being strict."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journal]:
    journal = build_small_journal(tmp_path_factory.mktemp("files") / "journal.db")
    yield journal
    journal.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def test_a_new_folder_is_0700_and_every_file_0600(small: Journal, tmp_path: Path, umask_022: None) -> None:
    written = write_csv_export(small, tmp_path / "docs" / "export", now=NOW, zone=LONDON)
    assert [p.name for p in written] == list(FILE_NAMES)
    assert mode(tmp_path / "docs" / "export") == 0o700
    assert {p.name: mode(p) for p in written} == dict.fromkeys(FILE_NAMES, 0o600)
    assert leftovers(tmp_path / "docs") == []


def test_an_existing_folder_keeps_its_mode_and_gets_0600_files(
    small: Journal, tmp_path: Path, umask_022: None
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o755)
    (folder / SUMMARY).write_text("old", encoding="utf-8")
    os.chmod(folder / SUMMARY, 0o644)
    write_csv_export(small, folder, now=NOW, zone=LONDON)
    assert mode(folder) == 0o755
    assert mode(folder / SUMMARY) == 0o600
    assert (folder / SUMMARY).read_bytes().startswith(b"\xef\xbb\xbfSection,")


def test_a_failure_midway_leaves_the_older_export_whole(
    small: Journal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file holds either the older export's complete content or the new one's; no temporary files."""
    folder = tmp_path / "export"
    folder.mkdir()
    for name in FILE_NAMES:
        (folder / name).write_bytes(b"older export of " + name.encode())
    real_replace = os.replace
    calls = []

    def disk_full_on_the_third(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr("rpltrack.store.exporting.os.replace", disk_full_on_the_third)
    with pytest.raises(ExportFailed, match="No space left on device"):
        write_csv_export(small, folder, now=NOW, zone=LONDON)
    contents = {name: (folder / name).read_bytes() for name in FILE_NAMES}
    assert [n for n, c in contents.items() if c.startswith(b"\xef\xbb\xbf")] == list(FILE_NAMES[:2])
    assert all(c == b"older export of " + n.encode() for n, c in contents.items() if n not in FILE_NAMES[:2])
    assert leftovers(folder) == []


def test_a_failure_leaves_no_new_folder_behind(
    small: Journal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: str | Path, dst: str | Path) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr("rpltrack.store.exporting.os.rename", refuse)
    with pytest.raises(ExportFailed, match="Permission denied"):
        write_csv_export(small, tmp_path / "export", now=NOW, zone=LONDON)
    assert list(tmp_path.iterdir()) == []


def test_temporary_files_of_an_interrupted_export_are_cleaned_up(small: Journal, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / f".{SUMMARY}.999999999.partial").write_bytes(b"half")
    (folder / "her-own-file.partial").write_bytes(b"not ours")
    stale = tmp_path / ".rpltrack-export-20261101-0900.999999999.partial"
    stale.mkdir()
    (stale / SUMMARY).write_bytes(b"half")
    write_csv_export(small, folder, now=NOW, zone=LONDON)
    assert leftovers(folder) == ["her-own-file.partial"]
    write_csv_export(small, tmp_path / "second", now=NOW, zone=LONDON)
    assert not stale.exists()


CHILD = """
import sys
from pathlib import Path
from rpltrack.export.csv_export import FILE_NAMES
from rpltrack.store.exporting import write_files

folder, size = Path(sys.argv[1]), int(sys.argv[2])
versions = [b"A" * size, b"B" * (size + 7)]
print("ready", flush=True)
n = 0
while True:
    write_files(folder, [(name, versions[n % 2]) for name in FILE_NAMES])
    n += 1
"""


@pytest.mark.slow
def test_d5_export_is_0600_and_atomic(tmp_path: Path, umask_022: None) -> None:
    """SIGKILL at random points while exports are written over an older one: every file is always one whole
    version (never truncated), owner-only; the next export removes the temporary files a kill left."""
    folder = tmp_path / "export"
    size = 1 << 19
    whole = {b"A" * size, b"B" * (size + 7)}
    write_files(folder, [(name, b"B" * (size + 7)) for name in FILE_NAMES])
    rng = random.Random(5)
    for _ in range(5):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(folder), str(size)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.01, 0.25))  # the child writes for a random while
        finally:
            child.kill()
            child.wait()
        for name in FILE_NAMES:
            assert (folder / name).read_bytes() in whole, name
            assert mode(folder / name) == 0o600
    write_files(folder, [(name, b"A" * size) for name in FILE_NAMES])
    assert leftovers(folder) == []


def test_default_folder_is_dated_and_never_reused(tmp_path: Path) -> None:
    first = default_export_dir(NOW, LONDON, base=tmp_path)
    assert first == tmp_path / "rpltrack-export-20261123-0840"
    first.mkdir()
    assert default_export_dir(NOW, LONDON, base=tmp_path).name == "rpltrack-export-20261123-0840-2"


def test_documents_dir_falls_back_to_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert documents_dir() == tmp_path
    (tmp_path / "Documents").mkdir()
    assert documents_dir() == tmp_path / "Documents"
    assert default_export_dir(NOW, LONDON).parent == tmp_path / "Documents"


def test_d6_export_location_warning(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    (warning,) = location_warnings(shared / "export")
    assert "every user" in warning
    (warning,) = location_warnings(tmp_path / "Dropbox" / "export")
    assert "synced folder (dropbox)" in warning
    os.chmod(tmp_path, 0o700)
    assert location_warnings(tmp_path / "export") == []
