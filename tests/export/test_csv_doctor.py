"""A CSV a doctor can read (issue 16) and columns declared once (issue 19): numeric columns hold only exact
values (a bound stays as printed in a text column), flags and questions in words with citations (ids only
in id columns), and an export of the previous layout (format 1, tests/export/format1) still imports."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labcatalog import parse_lab_value, resolve
from rpltrack.domain.labs import LabResult
from rpltrack.export import csv_export as ex
from rpltrack.export.csv_columns import Column, render, table
from rpltrack.export.csv_flag_words import RULE_NAMES
from rpltrack.export.csv_import import parse_export
from rpltrack.flags.rules import RULES
from rpltrack.store.exporting import import_csv_export, read_export_files, write_csv_export
from rpltrack.store.journal import Journal
from tests.export.csv_support import LONDON, NOW, build_small_journal

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
FORMAT_1 = HERE / "format1"  # the golden files as rpltrack wrote them before issue 16
FLAG_KEY = re.compile(r"\b[a-z]+(?:-[a-z]+)+:[A-Za-z0-9]")  # 'tsh-above-target:lab1', 'missed-doses:med3'
NUMERIC = {name: {c.header for c in cols if c.numeric} for name, cols in ex.COLUMNS.items()}


def read_back(folder: Path, name: str) -> tuple[list[str], list[dict[str, str]]]:
    """A file as a user's tools read it: UTF-8 with BOM, RFC 4180 (Python's csv module)."""
    text = (folder / name).read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("doctor")
    with build_small_journal(root / "journal.db") as journal:
        journal.add_lab(
            LabResult(
                test="tsh", on=date(2026, 11, 19), value=parse_lab_value(resolve("TSH"), "<0.01", None)
            ),
            NOW,
        )
        write_csv_export(journal, root / "export", now=NOW, zone=LONDON)
    return root / "export"


def test_every_numeric_column_reads_back_as_a_number_or_empty(small_export: Path) -> None:
    """pandas is not in the venv, so the read-back is Python's csv module: each cell of a column declared
    numeric parses as a float or is empty; none holds a bound (<0.01, >1000)."""
    seen = 0
    for name in ex.FILE_NAMES:
        header, rows = read_back(small_export, name)
        assert header == [c.header for c in ex.COLUMNS[name]], name
        for row in rows:
            for column in NUMERIC[name]:
                cell = row[column]
                if cell:
                    float(cell)  # raises on a bound or any text
                    seen += 1
    assert seen > 100


def test_censored_values_stay_as_printed_and_out_of_the_numbers(small_export: Path) -> None:
    _, labs = read_back(small_export, ex.LABS)
    tsh = next(r for r in labs if r["Date"] == "2026-11-19")
    assert (tsh["Value"], tsh["Reported as a limit"], tsh["Value in the usual unit"]) == ("", "<0.01", "")
    assert (tsh["Usual unit"], tsh["Result (as entered)"]) == ("", "<0.01")
    own = next(r for r in labs if r["Test key"].startswith("My own"))
    assert (own["Value"], own["Reported as a limit"], own["Unit"]) == ("", "<0.01", "µg/L")
    exact = next(r for r in labs if r["Test key"] == "tsh" and r["Date"] == "2026-11-18")
    assert (exact["Value"], exact["Reported as a limit"]) == ("2.8", "")
    assert exact["Value in the usual unit"] == "2.8"
    _, betas = read_back(small_export, ex.BETAS)
    assert [(b["hCG (mIU/mL)"], b["hCG reported as a limit (mIU/mL)"]) for b in betas] == [
        ("45", ""),
        ("110", ""),
        ("260", ""),
        ("", ">1000"),
    ]


def test_flags_read_in_words_with_citations_and_ids_only_in_id_columns() -> None:
    header, flags = read_back(GOLDEN, ex.FLAGS)
    id_columns = {h for h in header if h.endswith(" ID") or h.endswith(" IDs")}
    assert id_columns == {"Raised at appointment ID", "Rule ID", "Flag ID", "Source IDs", "Mark ID"}
    tsh = next(f for f in flags if f["Rule ID"] == "tsh-above-target")
    assert tsh["Rule"] == "TSH above target"
    assert tsh["Numbers"].startswith("TSH 2.8 mIU/L (2026-11-18); target 2 mIU/L (clinic)")
    assert tsh["Sources"].splitlines() == [
        "[S10] American Thyroid Association pregnancy guideline (Thyroid 2017)",
        "[S12] ASRM guideline: subclinical hypothyroidism in infertile women (2015; 2024)",
    ]
    assert tsh["Source IDs"] == "S10; S12"
    missed = next(f for f in flags if f["Rule ID"] == "missed-anticoagulant")
    assert "first: 2026-11-18 20:00" in missed["Numbers"]  # an instant in local time, not UTC ISO
    for flag in flags:
        assert not flag["Numbers"].startswith("{"), flag["Numbers"]
        for column in set(header) - id_columns:
            assert not FLAG_KEY.search(flag[column]), (column, flag[column])


def test_an_appointment_is_one_row_and_its_questions_name_their_flag() -> None:
    _, appointments = read_back(GOLDEN, ex.APPOINTMENTS)
    assert [a["Appointment ID"] for a in appointments] == ["1", "2", "3"]
    assert appointments[0]["Questions"] == "When is the first beta? (asked)"
    assert appointments[0]["Kind (words)"] == "reproductive endocrinologist"
    _, questions = read_back(GOLDEN, ex.QUESTIONS)
    from_flags = [q for q in questions if q["Flag ID"]]
    assert {q["From flag"] for q in from_flags} >= {"TSH above your clinic's target"}
    for row in (*appointments, *questions):
        for column, cell in row.items():
            if column != "Flag ID":
                assert not FLAG_KEY.search(cell), (column, cell)


def test_the_summary_cites_sources_by_their_text() -> None:
    _, summary = read_back(GOLDEN, ex.SUMMARY)
    questions = [r for r in summary if r["Section"] == "Question for the care team"]
    tsh = next(r for r in questions if r["Item"] == "TSH above your clinic's target")
    assert tsh["Details"].endswith(
        "target of 2.0 mIU/L. Sources: [S10] American Thyroid Association pregnancy guideline (Thyroid "
        "2017); [S12] ASRM guideline: subclinical hypothyroidism in infertile women (2015; 2024)"
    )
    for row in questions:
        assert ".;" not in row["Details"]
        assert not re.search(r"sources: S\d", row["Details"])


def test_every_rule_of_the_registry_has_a_plain_name() -> None:
    assert set(RULE_NAMES) >= set(RULES)


# -- an export of the previous layout -------------------------------------------------------------------


def test_an_export_of_format_1_imports_and_exports_as_today(tmp_path: Path) -> None:
    """The golden files of format 1 (censored values as Sign + number, flags with JSON and id columns
    named Rule and Flag key, appointments with one row per question, no appointment_questions.csv) import
    into an empty journal, and its export is today's golden files byte for byte."""
    folder = tmp_path / "format1"
    shutil.copytree(FORMAT_1, folder)
    assert not (folder / ex.QUESTIONS).exists()
    with Journal.open(tmp_path / "copy.db", now=NOW) as copy:
        counts = import_csv_export(copy, folder, NOW + timedelta(days=1))
        assert (counts["appointments"], counts["flag marks"], counts["lab results"]) == (3, 2, 5)
        write_csv_export(copy, tmp_path / "again", now=NOW, zone=LONDON)
    for name in ex.FILE_NAMES:
        assert (tmp_path / "again" / name).read_bytes() == (GOLDEN / name).read_bytes(), name


def test_format_1_and_format_2_hold_the_same_records() -> None:
    old = parse_export(read_export_files(FORMAT_1))
    new = parse_export(read_export_files(GOLDEN))
    assert old == new
    assert [str(lab.value) for lab in new.labs if lab.value.op.value != "="] == ["<0.01 µg/L"]


def test_a_new_export_without_its_questions_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "partial"
    shutil.copytree(GOLDEN, folder)
    (folder / ex.QUESTIONS).unlink()
    with pytest.raises(ValidationError, match=r"appointment_questions\.csv is missing"):
        parse_export(read_export_files(folder))


def test_a_limit_that_is_not_one_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "edited"
    shutil.copytree(GOLDEN, folder)
    path = folder / ex.LABS
    path.write_bytes(path.read_bytes().replace(b",<0.01,", b",about 0.01,"))
    with pytest.raises(ValidationError, match=r"labs\.csv, line 5: Reported as a limit 'about 0.01'"):
        parse_export(read_export_files(folder))


# -- the column model -----------------------------------------------------------------------------------


def test_a_column_carries_its_header_unit_and_cell() -> None:
    """The header row and every row's cells come from the same column tuple (issue 19)."""
    hcg = Column[tuple[str, str]]("hCG", lambda r: r[1], unit="mIU/mL", numeric=True)
    when = Column[tuple[str, str]]("Date", lambda r: r[0])
    text = render(table("t.csv", (when, hcg), [("2026-11-07", "45"), ("2026-11-09", "-1")]))
    assert text == "\ufeffDate,hCG (mIU/mL)\r\n2026-11-07,45\r\n2026-11-09,-1\r\n"


@pytest.mark.parametrize("name", ex.FILE_NAMES)
def test_each_file_names_each_column_once(name: str) -> None:
    headers = [c.header for c in ex.COLUMNS[name]]
    assert len(headers) == len(set(headers))
