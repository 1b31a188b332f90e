"""sessions.csv: sessions and courses go out and come back with nothing lost (ids, words, times, the stop
day), an export made before sessions.csv existed still imports, and its LIT lab rows become sessions."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import timedelta
from pathlib import Path

from rpltrack.export import csv_export as ex
from rpltrack.store.exporting import import_csv_export, write_csv_export
from rpltrack.store.journal import Journal
from tests.export.csv_support import LONDON, NOW, build_small_journal

SESSION_TABLES = ("sessions", "session_courses")


def table_rows(path: Path, table: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


def test_sessions_and_courses_come_back_whole(tmp_path: Path) -> None:
    with build_small_journal(tmp_path / "journal.db") as journal:
        course = journal.courses()[0]
        assert course.id is not None
        journal.stop_course(course.id, course.start_on + timedelta(days=22), NOW)
        write_csv_export(journal, tmp_path / "first", now=NOW, zone=LONDON)
    with Journal.open(tmp_path / "copy.db", now=NOW) as copy:
        counts = import_csv_export(copy, tmp_path / "first", NOW + timedelta(days=1))
        assert (counts["treatment sessions"], counts["planned courses"]) == (3, 1)
        write_csv_export(copy, tmp_path / "second", now=NOW, zone=LONDON)
    for table in SESSION_TABLES:
        assert table_rows(tmp_path / "copy.db", table) == table_rows(tmp_path / "journal.db", table), table
    for name in ex.FILE_NAMES:
        assert (tmp_path / "second" / name).read_bytes() == (tmp_path / "first" / name).read_bytes(), name


def test_an_export_from_before_sessions_imports_and_its_lit_labs_become_sessions(tmp_path: Path) -> None:
    with build_small_journal(tmp_path / "journal.db") as journal:
        write_csv_export(journal, tmp_path / "export", now=NOW, zone=LONDON)
    folder = tmp_path / "export"
    (folder / ex.SESSIONS).unlink()
    rows = list(csv.reader(io.StringIO((folder / ex.LABS).read_text(encoding="utf-8-sig"), newline="")))
    columns = rows[0]
    lit = dict(zip(columns, rows[1], strict=True))
    lit.update(
        {
            "Date": "2026-01-10",
            "Test": "Lymphocyte immunotherapy (LIT)",
            "Result (as entered)": "done",
            "Reported as a limit": "",
            "Value": "",
            "Unit": "",
            "Result text": "",
            "Value in the usual unit": "",
            "Usual unit": "",
            "Reference range (as printed)": "",
            "Range low": "",
            "Range high": "",
            "Note": "from an older export",
            "Test key": "lit",
            "Lab ID": "77",
        }
    )
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([*rows, [lit[c] for c in columns]])
    old_labs = "\ufeff" + out.getvalue()
    (folder / ex.LABS).write_bytes(old_labs.encode("utf-8"))
    with Journal.open(tmp_path / "copy.db", now=NOW) as copy:
        import_csv_export(copy, folder, NOW)
        assert "lit" not in {r.test for r in copy.labs()}
        [moved] = [x for x in copy.sessions() if x.id == 77]
        assert (moved.on.isoformat(), moved.kind.value, moved.where, moved.note) == (
            "2026-01-10",
            "lit",
            "Lab A",
            "from an older export",
        )
