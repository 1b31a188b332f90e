"""`import csv` reads an export back into an empty journal with nothing lost: export -> import -> export is
byte-identical; the rows match the original's; one transaction; a journal with records is refused."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.betas import BetaDraw, HcgValue, Op
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labs import LabResult, LabValue, ReferenceRange
from rpltrack.domain.models import DoseLog, DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.pregnancies import Outcome, Pregnancy
from rpltrack.domain.quantities import Quantity
from rpltrack.export import csv_export as ex
from rpltrack.export.csv_import import ImportedMark, parse_export
from rpltrack.store.exporting import import_csv_export, read_export_files, write_csv_export
from rpltrack.store.journal import Journal
from rpltrack.store.writer import AuditedWriter
from tests.cli.support import checksum
from tests.export.csv_support import LONDON, NOW, build_small_journal

# Columns that record when a row was written (the import writes them as of its own time) and the regimen
# ids (never shown, renumbered by the import); every other column of every table must come back as it was.
WRITTEN_AT = {"created_utc", "updated_utc"}
KEPT_WRITTEN_AT = {"medications", "labs", "appointments"}  # these keep their `created_utc` (Entered at)
TABLES = (
    "medications",
    "regimens",
    "doses",
    "cycles",
    "cycle_events",
    "transfers",
    "betas",
    "pregnancies",
    "labs",
    "appointments",
    "appointment_questions",
    "flag_marks",
    "settings",
)


def table_rows(path: Path, table: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        keep = [
            n
            for n in names
            if not (n in WRITTEN_AT and table not in KEPT_WRITTEN_AT)
            and not (table == "regimens" and n == "id")
        ]
        rows = conn.execute(f"SELECT {', '.join(keep)} FROM {table}").fetchall()
        return sorted(rows, key=repr)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small journal and its export at NOW."""
    root = tmp_path_factory.mktemp("roundtrip")
    with build_small_journal(root / "journal.db") as journal:
        write_csv_export(journal, root / "first", now=NOW, zone=LONDON)
    return root / "journal.db", root / "first"


def import_into(folder: Path, db: Path, now: datetime = NOW) -> Journal:
    journal = Journal.open(db, now=now)
    import_csv_export(journal, folder, now + timedelta(days=3))
    return journal


def test_export_import_export_is_byte_identical(original: tuple[Path, Path], tmp_path: Path) -> None:
    _, first = original
    with import_into(first, tmp_path / "copy.db") as copy:
        write_csv_export(copy, tmp_path / "second", now=NOW, zone=LONDON)
    for name in ex.FILE_NAMES:
        assert (tmp_path / "second" / name).read_bytes() == (first / name).read_bytes(), name


def test_the_import_holds_every_row_of_the_original(original: tuple[Path, Path], tmp_path: Path) -> None:
    """Nothing lost: every column of every clinical table (ids kept), apart from when rows were written."""
    source, first = original
    import_into(first, tmp_path / "copy.db").close()
    for table in TABLES:
        assert table_rows(tmp_path / "copy.db", table) == table_rows(source, table), table


def test_undo_takes_the_whole_import_back(original: tuple[Path, Path], tmp_path: Path) -> None:
    _, first = original
    with import_into(first, tmp_path / "copy.db") as copy:
        assert copy.count("doses") > 0
        undone = copy.undo(NOW + timedelta(days=3))
        assert undone is not None
        assert undone.action == "import"
        assert all(copy.count(t) == 0 for t in TABLES if t != "settings")
        assert copy.stored_settings() == {}


def test_a_journal_with_records_is_refused_and_left_unchanged(original: tuple[Path, Path]) -> None:
    source, first = original
    before = checksum(source)
    with (
        Journal.open(source, now=NOW) as journal,
        pytest.raises(ValidationError, match="already has records"),
    ):
        import_csv_export(journal, first, NOW)
    assert checksum(source) == before


def test_the_import_is_one_transaction(
    original: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while writing the last kind of record leaves the journal as empty as it was."""
    _, first = original
    journal = Journal.open(tmp_path / "copy.db", now=NOW)
    real_insert = AuditedWriter.insert

    def failing(self: AuditedWriter, change_id: int, table: str, values: dict[str, object]) -> int:
        if table == "flag_marks":
            raise sqlite3.OperationalError("disk I/O error")
        return real_insert(self, change_id, table, values)

    monkeypatch.setattr(AuditedWriter, "insert", failing)
    with pytest.raises(sqlite3.OperationalError):
        import_csv_export(journal, first, NOW)
    monkeypatch.undo()
    journal.close()
    with Journal.open(tmp_path / "copy.db", now=NOW) as reopened:
        assert [reopened.count(t) for t in (*TABLES, "changes", "audit")] == [0] * (len(TABLES) + 2)


def _copy_export(first: Path, target: Path) -> Path:
    target.mkdir()
    for name in ex.FILE_NAMES:
        (target / name).write_bytes((first / name).read_bytes())
    return target


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_bytes().decode("utf-8")
    assert old in text
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            ex.LABS,
            "2026-11-18,TSH",
            "18/11/2026,TSH",
            r"labs\.csv, line \d+: Date '18/11/2026' is not a date",
        ),
        (ex.DOSES, "Dose amount", "Dose", "labs|doses.csv does not have the columns rpltrack exports"),
        (ex.SETTINGS, "tsh.target,2,", "tsh.target,banana,", r"settings\.csv, line 2"),
        (ex.DOSES, ",no,Europe/London,2,9", ",maybe,Europe/London,2,9", "Logged later is 'maybe'"),
        (ex.CYCLES, "fet,medicated FET", "ivx,medicated FET", "Kind 'ivx' is not one of"),
        (
            ex.BETAS,
            ",Europe/London,S15,1,2",
            ",Mars/Olympus,S15,1,2",
            "Time zone 'Mars/Olympus' is not a time zone",
        ),
    ],
    ids=["date", "header", "setting", "yes-no", "choice", "zone"],
)
def test_a_changed_file_is_refused_with_its_file_and_line(
    original: tuple[Path, Path], tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    _, first = original
    folder = _copy_export(first, tmp_path / "edited")
    _edit(folder, name, old, new)
    with Journal.open(tmp_path / "copy.db", now=NOW) as journal:
        with pytest.raises(ValidationError, match=message):
            import_csv_export(journal, folder, NOW)
        assert journal.count("changes") == 0


def test_a_missing_file_or_folder_is_refused(original: tuple[Path, Path], tmp_path: Path) -> None:
    _, first = original
    folder = _copy_export(first, tmp_path / "partial")
    (folder / ex.LABS).unlink()
    with pytest.raises(ValidationError, match=r"has no labs\.csv"):
        read_export_files(folder)
    with pytest.raises(ValidationError, match="there is no folder"):
        read_export_files(tmp_path / "nowhere")


def test_a_record_pointing_at_a_missing_cycle_is_refused(original: tuple[Path, Path], tmp_path: Path) -> None:
    """What an export filtered with --from/--to can look like: a clear sentence, not a foreign-key error."""
    _, first = original
    folder = _copy_export(first, tmp_path / "filtered")
    lines = (folder / ex.CYCLES).read_bytes().split(b"\r\n")
    (folder / ex.CYCLES).write_bytes(b"\r\n".join([lines[0], b""]))
    (folder / ex.EVENTS).write_bytes((folder / ex.EVENTS).read_bytes().split(b"\r\n")[0] + b"\r\n")
    with pytest.raises(ValidationError, match=r"belongs to cycle 1, not in cycles\.csv .*full export"):
        parse_export(read_export_files(folder))


def test_an_apostrophe_of_her_own_survives(tmp_path: Path) -> None:
    """A note that starts with an apostrophe gets a second one on export and loses only that on import."""
    journal = Journal.open(tmp_path / "a.db", now=NOW)
    med = Medication(
        "aspirin",
        "aspirin",
        "oral",
        LONDON.key,
        (Regimen(date(2026, 11, 1), Quantity(Decimal(81), "mg"), Timing(TimingKind.PRN)),),
        notes="'tis the season",
        created_at=NOW,
    )
    journal.add_medication(med, NOW)
    write_csv_export(journal, tmp_path / "out", now=NOW, zone=LONDON)
    journal.close()
    assert "''tis the season" in (tmp_path / "out" / ex.MEDICATIONS).read_text(encoding="utf-8-sig")
    with import_into(tmp_path / "out", tmp_path / "b.db") as copy:
        assert copy.medications()[0].notes == "'tis the season"


# -- property: awkward text survives, in every text field -------------------------------------------------

CONTROL_FREE = st.text(
    st.one_of(
        st.sampled_from(list(",\"\n\t '=+-@µβéשׁ\u202e\u200f")),
        st.characters(codec="utf-8", exclude_categories=["Cc"]),
    ),
    max_size=30,
)
AWKWARD = st.text(
    st.one_of(
        st.sampled_from(list(",\"\r\n\t '=+-@µβéשׁ\u202e\u200f")),
        st.characters(codec="utf-8", exclude_characters="\x00"),
    ),
    max_size=30,
)


def _name(text: str) -> str:
    return text if text.strip() else f"x{text}"


@st.composite
def records(draw: st.DrawFn) -> ex.ExportData:
    """One record of each kind, every text field awkward, ids linking them as a journal would."""
    text, line = draw(AWKWARD), draw(CONTROL_FREE)
    zone = ZoneInfo(draw(st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe"])))
    start = date(2026, 11, 1)
    med = Medication(
        name=_name(draw(AWKWARD))[:120],
        generic=draw(st.none() | st.just("aspirin")),
        route=draw(AWKWARD),
        zone=zone.key,
        regimens=(
            Regimen(start, Quantity(Decimal("81"), "mg"), Timing(TimingKind.TIMES, times=(time(8),))),
            Regimen(start + timedelta(days=3), Quantity(Decimal("0.5"), "mg"), Timing(TimingKind.PRN)),
        ),
        end_on=draw(st.none() | st.just(date(2027, 1, 1))),
        supply=draw(st.none() | st.integers(0, 500)),
        notes=text,
        id=1,
        created_at=datetime(2026, 10, 31, 20, tzinfo=UTC),
        cycle_id=1,
        start_anchor=draw(st.none() | st.just("transfer-5d")),
    )
    log = DoseLog(
        medication_id=1,
        status=DoseStatus.TAKEN,
        logged_at=datetime(2026, 11, 5, 12, tzinfo=UTC),
        zone=zone.key,
        taken_at=datetime(2026, 11, 5, 11, 59, tzinfo=UTC),
        amount=Quantity(Decimal("0.5"), "mg"),
        site=draw(st.none() | AWKWARD.filter(bool)),
        reason=draw(AWKWARD),
        note=draw(AWKWARD),
        id=7,
    )
    cycle = Cycle(
        CycleKind.FET,
        date(2026, 10, 10),
        clinic=draw(AWKWARD),
        notes=draw(AWKWARD),
        events=(CycleEvent(EventKind.OTHER, date(2026, 10, 12), draw(AWKWARD), id=3),),
        transfers=(Transfer(date(2026, 10, 29), 5, 1, draw(AWKWARD)[:60], draw(AWKWARD)[:60], id=4),),
        id=1,
    )
    beta = BetaDraw(
        datetime(2026, 11, 7, 8, tzinfo=zone),
        HcgValue(draw(st.sampled_from(list(Op))), Decimal("45"), draw(AWKWARD)),
        draw(AWKWARD),
        id=2,
        cycle_id=1,
    )
    lab = LabResult(
        test=_name(draw(AWKWARD))[:80],
        on=date(2026, 11, 2),
        value=draw(
            st.sampled_from(
                [
                    LabValue(Op.LT, Decimal("0.010"), "µg/L", "", text),
                    LabValue(text=text or "positive", raw=text),
                ]
            )
        ),
        reference=ReferenceRange(Decimal("0.4"), None, text),
        note=draw(AWKWARD),
        lab=draw(AWKWARD)[:120],
        id=9,
        created_at=datetime(2026, 11, 2, 18, tzinfo=UTC),
    )
    pregnancy = Pregnancy(None, Outcome.MISCARRIAGE, date(2025, 3, 2), 59, notes=draw(AWKWARD), id=5)
    appt = Appointment(
        at=datetime(2026, 11, 26, 10, 30, tzinfo=zone),
        kind=AppointmentKind.OTHER,
        with_name=line[:200],
        where=draw(CONTROL_FREE),
        purpose=draw(CONTROL_FREE),
        notes=draw(CONTROL_FREE),
        decided=draw(CONTROL_FREE),
        questions=(
            Question(_name(line), draw(st.none() | AWKWARD.filter(bool)), True, draw(CONTROL_FREE), id=6),
        ),
        id=3,
        created_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    mark = ex.FlagEntry(
        key=f"rule-x:{_name(text)}"[:300],
        rule="rule-x",
        state="acknowledged (not showing now)",
        title=draw(AWKWARD),
        mark_id=4,
        marked_at=datetime(2026, 11, 21, 9, tzinfo=UTC),
        mark_note=draw(AWKWARD),
        appointment_id=3,
    )
    return ex.ExportData(
        now=datetime(2026, 11, 23, 8, 40, tzinfo=UTC),
        zone=zone,
        medications=(med,),
        logs=(log,),
        cycles=(cycle,),
        betas=(beta,),
        pregnancies=(pregnancy,),
        labs=(lab,),
        appointments=(appt,),
        flags=(mark,),
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_every_field_survives_the_round_trip(data: ex.ExportData) -> None:
    """Awkward text (commas, quotes, CR/LF, tabs, µ, β, right-to-left, leading = + - @) in every text field of
    every kind of record comes back exactly, ids and links included."""
    back = parse_export(ex.render_export(data))
    assert back.medications == data.medications
    assert back.doses == data.logs
    assert back.cycles == data.cycles
    assert back.betas == data.betas
    assert [b.drawn_at.tzinfo for b in back.betas] == [b.drawn_at.tzinfo for b in data.betas]
    assert back.pregnancies == data.pregnancies
    assert back.labs == data.labs
    assert back.appointments == data.appointments
    (flag,) = data.flags
    assert flag.marked_at is not None
    expected = ImportedMark(
        flag.key, "rule-x", "acknowledged", flag.title, flag.marked_at, flag.mark_note, 3, 4
    )
    assert back.marks == (expected,)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=AWKWARD, line=CONTROL_FREE)
def test_awkward_text_survives_a_real_journal(tmp_path: Path, note: str, line: str) -> None:
    """The same through SQLite: export -> import -> export of a journal holding the text is byte-identical."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))  # a fresh folder per example
    journal = Journal.open(root / "a.db", now=NOW)
    med = journal.add_medication(
        Medication(
            _name(note)[:120],
            None,
            "oral",
            LONDON.key,
            (
                Regimen(
                    date(2026, 11, 20), Quantity(Decimal(1), "tablet"), Timing(TimingKind.TIMES, (time(8),))
                ),
            ),
            notes=note,
            created_at=NOW - timedelta(days=4),
        ),
        NOW,
    )
    journal.record_dose(
        med, DoseStatus.SKIPPED, NOW, LONDON, slot_at=datetime(2026, 11, 21, 8, tzinfo=LONDON), reason=note
    )
    journal.add_appointment(
        Appointment(
            NOW + timedelta(days=2),
            AppointmentKind.NURSE,
            with_name=line[:200],
            notes=line,
            questions=(Question(_name(line)),),
        ),
        NOW,
    )
    write_csv_export(journal, root / "first", now=NOW, zone=LONDON)
    journal.close()
    with import_into(root / "first", root / "b.db") as copy:
        assert copy.medications()[0].notes == note
        write_csv_export(copy, root / "second", now=NOW, zone=LONDON)
    for name in ex.FILE_NAMES:
        assert (root / "second" / name).read_bytes() == (root / "first" / name).read_bytes(), name
