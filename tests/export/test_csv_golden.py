"""The CSV export of a fixed small journal, file by file, against the golden files in tests/export/golden/.

A change to what the export writes shows here as a diff. When the change is intended, regenerate them and
review the diff before committing:

    RPLTRACK_UPDATE_GOLDEN=1 .venv/bin/pytest tests/export/test_csv_golden.py

(the files are compared byte for byte; golden/.gitattributes keeps git from touching their CRLF line ends).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rpltrack.export.csv_export import FILE_NAMES
from rpltrack.store.exporting import write_csv_export
from tests.export.csv_support import LONDON, NOW, build_small_journal

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("RPLTRACK_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden")
    journal = build_small_journal(root / "journal.db")
    try:
        write_csv_export(journal, root / "export", now=NOW, zone=LONDON)
    finally:
        journal.close()
    return root / "export"


@pytest.mark.parametrize("name", FILE_NAMES)
def test_csv_content_matches_the_golden_file(small_export: Path, name: str) -> None:
    written = (small_export / name).read_bytes()
    golden = GOLDEN / name
    if UPDATE:
        golden.write_bytes(written)
        return
    assert golden.is_file(), (
        "no golden file yet: RPLTRACK_UPDATE_GOLDEN=1 pytest tests/export/test_csv_golden.py"
    )
    expected = golden.read_bytes()
    # Compared as text first, for a readable diff; then as bytes (BOM, CRLF).
    assert written.decode("utf-8") == expected.decode("utf-8")
    assert written == expected


def test_the_golden_folder_holds_exactly_the_export_files(small_export: Path) -> None:
    assert sorted(p.name for p in small_export.iterdir()) == sorted(FILE_NAMES)
    assert sorted(p.name for p in GOLDEN.glob("*.csv")) == sorted(FILE_NAMES)


def test_every_golden_file_is_bom_utf8_with_crlf_line_ends() -> None:
    for name in FILE_NAMES:
        data = (GOLDEN / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), name
        assert data.endswith(b"\r\n"), name
        text = data.decode("utf-8-sig")
        # Every line break outside a quoted cell is CRLF: the bare LFs left are inside quoted cells.
        outside = text.replace("\r\n", "").split('"')[::2]
        assert all("\n" not in part and "\r" not in part for part in outside), name
