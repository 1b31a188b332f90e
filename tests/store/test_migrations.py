"""Schema migrations: fresh files, upgrades with a backup first, newer schemas refused, no partial steps."""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from rpltrack.domain.models import DoseStatus
from rpltrack.store.backups import backup_dir
from rpltrack.store.db import connect, prepare_file
from rpltrack.store.journal import Journal, JournalReadOnly
from rpltrack.store.migrations import HEAD, MIGRATIONS, NewerSchema, migrate, user_version

from . import _support as s

V1_DOSE_COLUMNS = ", ".join(
    (
        "id",
        "medication_id",
        "slot_utc",
        "status",
        "taken_utc",
        "logged_utc",
        "tz",
        "amount",
        "unit",
        "site",
        "reason",
        "note",
        "logged_later",
    )
)


V1_FIXTURE = Path(__file__).parent / "fixtures" / "journal-v1.db"


def make_v1_journal(path: Path) -> None:
    """A journal at schema v1 as rpltrack's first schema wrote it (B3: a committed fixture made by that
    release): medications, regimens, doses, a setting, undo history, a cycle with a transfer, betas and a
    past loss. Copied owner-only, as rpltrack creates journals."""
    import os

    prepare_file(path)
    with open(path, "wb") as out:
        out.write(V1_FIXTURE.read_bytes())
        out.flush()
        os.fsync(out.fileno())
    assert version_of(path) == 1


def clinical_state(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every clinical row as written by v1 (new columns added later are ignored)."""
    conn = s.raw(path)
    try:
        return {
            "medications": conn.execute("SELECT * FROM medications ORDER BY id").fetchall(),
            "regimens": conn.execute("SELECT * FROM regimens ORDER BY id").fetchall(),
            "doses": conn.execute(f"SELECT {V1_DOSE_COLUMNS} FROM doses ORDER BY id").fetchall(),
            "settings": conn.execute("SELECT rowid, * FROM settings ORDER BY rowid").fetchall(),
            "changes": conn.execute("SELECT * FROM changes ORDER BY id").fetchall(),
            "audit": conn.execute("SELECT * FROM audit ORDER BY id").fetchall(),
        }
    finally:
        conn.close()


def tables(path: Path) -> set[str]:
    conn = s.raw(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def version_of(path: Path) -> int:
    conn = s.raw(path)
    try:
        return user_version(conn)
    finally:
        conn.close()


def test_fresh_file_reaches_head(db_path: Path) -> None:
    """A first start creates every table at the newest schema, healthy, and makes no backup of an empty
    file."""
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.schema_version == HEAD
        assert journal.migration_backup is None
        assert not journal.readonly
    assert {"medications", "regimens", "doses", "changes", "audit", "settings"} <= tables(db_path)
    assert version_of(db_path) == HEAD == len(MIGRATIONS)
    assert not backup_dir(db_path).exists()
    s.assert_healthy(db_path)


@pytest.mark.usefixtures("umask_022")
def test_b8_backup_before_migration(db_path: Path) -> None:
    """Upgrading a v1 file with data first writes backups/journal-<ts>-v1.db through the backup API:
    owner-only, healthy, still at v1 with every row; the upgraded file keeps every row and reaches the new
    head."""
    make_v1_journal(db_path)
    before = clinical_state(db_path)
    assert len(before["doses"]) == 22

    conn = connect(db_path)
    try:
        backup = migrate(conn, db_path, s.NOW, migrations=s.TWO_STEP)
        assert user_version(conn) == 2
    finally:
        conn.close()

    assert backup is not None
    assert backup.parent == backup_dir(db_path)
    assert re.fullmatch(r"journal-20261123T084000Z-v1\.db", backup.name)
    assert s.mode(backup) == 0o600
    assert s.mode(backup.parent) == 0o700
    s.assert_healthy(backup)
    assert version_of(backup) == 1
    assert "labs" not in tables(backup)
    assert clinical_state(backup) == before

    assert version_of(db_path) == 2
    assert "labs" in tables(db_path)
    assert clinical_state(db_path) == before
    s.assert_healthy(db_path)


def test_b8_migration_backup_reported_by_journal_open(db_path: Path) -> None:
    """Journal.open on an older file (the real MIGRATIONS, if there is more than one) or an up-to-date file: a
    backup is reported in notes exactly when a migration ran; an up-to-date file makes none."""
    make_v1_journal(db_path)
    with Journal.open(db_path, now=s.NOW) as journal:
        if HEAD > 1:
            assert journal.migration_backup is not None
            assert any("backup" in note for note in journal.notes)
        else:
            assert journal.migration_backup is None
            assert not backup_dir(db_path).exists()
        assert journal.schema_version == HEAD


def test_b7_newer_schema_refused(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file made by a newer rpltrack opens read-only with a clear reason; reads work, every write raises
    JournalReadOnly (API and CLI), and the file is byte-for-byte unchanged after the whole session."""
    from rpltrack.cli.main import main

    with Journal.open(db_path, now=s.NOW) as journal:
        med = journal.add_medication(s.daily(), s.NOW)
        journal.record_dose(med, DoseStatus.TAKEN, s.NOW, s.LONDON)
    conn = s.raw(db_path)
    conn.execute(f"PRAGMA user_version = {HEAD + 1}")
    conn.close()
    digest = s.sha256(db_path)

    journal = Journal.open(db_path, now=s.NOW)
    try:
        assert journal.readonly
        assert "made by a newer rpltrack" in journal.readonly_reason
        assert f"v{HEAD + 1}" in journal.readonly_reason
        assert [m.name for m in journal.medications()] == ["aspirin"]
        assert len(journal.day(s.NOW.date(), s.LONDON, s.NOW)) == 1
        med = journal.find_medication("aspirin")
        assert med.id is not None
        writes: dict[str, Callable[[], object]] = {
            "add_medication": lambda: journal.add_medication(s.daily("folic acid", "0.4 mg"), s.NOW),
            "change_regimen": lambda: journal.change_regimen(
                med.id or 0, s.daily(dose="75 mg").regimens[0], s.NOW
            ),
            "update_medication": lambda: journal.update_medication(med.id or 0, s.NOW, notes="x"),
            "stop_medication": lambda: journal.stop_medication(med.id or 0, s.NOW, s.NOW),
            "record_dose": lambda: journal.record_dose(
                med, DoseStatus.SKIPPED, s.NOW + timedelta(days=1), s.LONDON
            ),
            "undo": lambda: journal.undo(s.NOW),
            "set_setting": lambda: journal.set_setting("reminders.grace", "1h", s.NOW),
            "bulk_insert_doses": lambda: journal.bulk_insert_doses([], s.NOW),
        }
        for name, write in writes.items():
            with pytest.raises(JournalReadOnly, match="made by a newer rpltrack"):
                write()
            assert not journal.in_transaction, name
    finally:
        journal.close()

    capsys.readouterr()
    assert main(["--db", str(db_path), "today"]) == 0
    assert "made by a newer rpltrack" in capsys.readouterr().err
    assert main(["--db", str(db_path), "undo"]) == 1
    assert "made by a newer rpltrack" in capsys.readouterr().err
    assert main(["--db", str(db_path), "settings", "set", "reminders.grace", "1h"]) == 1

    assert s.sha256(db_path) == digest
    assert version_of(db_path) == HEAD + 1
    assert not backup_dir(db_path).exists()


def test_b7_migrate_refuses_newer_without_touching(db_path: Path) -> None:
    """migrate() itself raises NewerSchema for a file beyond its migrations and writes nothing."""
    make_v1_journal(db_path)
    conn = connect(db_path)
    try:
        conn.execute("PRAGMA user_version = 7")
        with pytest.raises(NewerSchema) as raised:
            migrate(conn, db_path, s.NOW, migrations=s.TWO_STEP)
        assert raised.value.found == 7
        assert user_version(conn) == 7
        assert not conn.in_transaction
    finally:
        conn.close()
    assert "labs" not in tables(db_path)
    assert not backup_dir(db_path).exists()


def _v2_fails_after_ddl(conn: sqlite3.Connection) -> None:
    s.v2_add_labs(conn)
    conn.execute("INSERT INTO labs (name, value) VALUES ('TSH', 2.5)")
    conn.execute("UPDATE doses SET confirmed_unusual = 1")
    raise RuntimeError("step 2 broke after its DDL")


def test_b12_no_partial_migration(db_path: Path) -> None:
    """A migration step that fails after its DDL leaves no new table or column, the version unchanged and
    every row as it was; the error reaches the caller once, as itself."""
    make_v1_journal(db_path)
    before = clinical_state(db_path)
    conn = connect(db_path)
    try:
        with pytest.raises(RuntimeError, match="step 2 broke"):
            migrate(conn, db_path, s.NOW, migrations=(MIGRATIONS[0], _v2_fails_after_ddl))
        assert not conn.in_transaction
        assert user_version(conn) == 1
        columns = {r[1] for r in conn.execute("PRAGMA table_info(doses)")}
        assert "confirmed_unusual" not in columns
    finally:
        conn.close()
    assert "labs" not in tables(db_path)
    assert clinical_state(db_path) == before
    s.assert_healthy(db_path)


def test_b12_retry_after_failed_migration_succeeds(db_path: Path) -> None:
    """After a failed upgrade the next start (same second, as a quick retry is) migrates cleanly: the second
    pre-migration backup does not collide with the first one."""
    make_v1_journal(db_path)
    before = clinical_state(db_path)
    conn = connect(db_path)
    try:
        with pytest.raises(RuntimeError):
            migrate(conn, db_path, s.NOW, migrations=(MIGRATIONS[0], _v2_fails_after_ddl))
    finally:
        conn.close()
    conn = connect(db_path)
    try:
        second = migrate(conn, db_path, s.NOW, migrations=s.TWO_STEP)
    finally:
        conn.close()
    assert second is not None
    backups = sorted(backup_dir(db_path).iterdir())
    assert len(backups) == 2
    for backup in backups:
        assert s.mode(backup) == 0o600
        assert version_of(backup) == 1
        assert clinical_state(backup) == before
    assert version_of(db_path) == 2
    assert clinical_state(db_path) == before


def test_b4_schema_has_no_cascading_deletes(journal: Journal) -> None:
    """Schema lint: no foreign key deletes or nulls children (ON DELETE/UPDATE CASCADE, SET NULL, SET
    DEFAULT)."""
    conn = s.raw(journal.path)
    try:
        sql = " ".join(r[0] or "" for r in conn.execute("SELECT sql FROM sqlite_master"))
        normalised = " ".join(sql.upper().split())
        for bad in ("CASCADE", "SET NULL", "SET DEFAULT"):
            assert bad not in normalised
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        foreign_keys = 0
        for name in names:
            for fk in conn.execute(f"PRAGMA foreign_key_list({name})"):
                foreign_keys += 1
                assert (fk["on_delete"] if isinstance(fk, sqlite3.Row) else fk[6]) == "NO ACTION", (name, fk)
                assert fk[5] == "NO ACTION", (name, fk)
        assert foreign_keys >= 5  # regimens, doses, changes (2), audit: the lint really looked at them
    finally:
        conn.close()


def _v2_rebuilds_medications(conn: sqlite3.Connection) -> None:
    """The hand-written parent-table rebuild that once deleted every dose."""
    conn.execute("CREATE TABLE medications_new AS SELECT * FROM medications")
    conn.execute("DROP TABLE medications")
    conn.execute("ALTER TABLE medications_new RENAME TO medications")


def test_b4_migration_never_deletes_children(db_path: Path) -> None:
    """A migration that rebuilds a parent table under foreign_keys=ON fails loudly and rolls back: every dose
    and regimen is still there and the version is unchanged."""
    make_v1_journal(db_path)
    before = clinical_state(db_path)
    conn = connect(db_path)
    try:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            migrate(conn, db_path, s.NOW, migrations=(MIGRATIONS[0], _v2_rebuilds_medications))
        assert user_version(conn) == 1
    finally:
        conn.close()
    assert clinical_state(db_path) == before
    s.assert_healthy(db_path)


@pytest.mark.parametrize("round_", range(3))
def test_b6_concurrent_first_start(tmp_path: Path, round_: int) -> None:
    """Two processes start at the same moment on a v1 file and both migrate: each ends at v2 without an error,
    the step ran once (the column exists once, the data is intact)."""
    db = tmp_path / "data" / "journal.db"
    make_v1_journal(db)
    before = clinical_state(db)
    ctx = multiprocessing.get_context("spawn")
    start, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=s.migrate_worker, args=(str(db), start, queue)) for _ in range(2)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert [r["errors"] for r in results] == [[], []]
    assert [r["version"] for r in results] == [2, 2]
    assert version_of(db) == 2
    assert clinical_state(db) == before
    for backup in backup_dir(db).iterdir():
        assert s.mode(backup) == 0o600
        s.assert_healthy(backup)
    s.assert_healthy(db)


def semantic_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """The clinical content every schema version has had, column by column (new columns ignored)."""
    conn = s.raw(path)
    try:
        return {
            "medications": conn.execute(
                "SELECT id, name, generic, route, zone, end_on, stopped_utc, supply, notes, created_utc, "
                "cycle_id, start_anchor, end_anchor FROM medications ORDER BY id"
            ).fetchall(),
            "regimens": conn.execute("SELECT * FROM regimens ORDER BY id").fetchall(),
            "doses": conn.execute(f"SELECT {V1_DOSE_COLUMNS} FROM doses ORDER BY id").fetchall(),
            "cycles": conn.execute("SELECT * FROM cycles ORDER BY id").fetchall(),
            "cycle_events": conn.execute("SELECT * FROM cycle_events ORDER BY id").fetchall(),
            "transfers": conn.execute("SELECT * FROM transfers ORDER BY id").fetchall(),
            "betas": conn.execute("SELECT * FROM betas ORDER BY id").fetchall(),
            "pregnancies": conn.execute("SELECT * FROM pregnancies ORDER BY id").fetchall(),
            "settings": conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall(),
            **{
                table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
                for (table,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('labs', 'flag_marks')"
                ).fetchall()
            },
        }
    finally:
        conn.close()


@pytest.mark.parametrize(
    "fixture", sorted((Path(__file__).parent / "fixtures").glob("journal-v*.db")), ids=lambda p: p.stem
)
def test_b3_migrate_every_fixture_to_head(fixture: Path, db_path: Path) -> None:
    """B3: each committed journal made by a released schema version (doses, a skipped dose, a dose change,
    betas incl. a censored one, a transfer, a past loss; from v2 also labs incl. a censored and a converted
    one, a flag mark and a supply count) reaches the newest schema healthy, with every clinical row as it
    was, and reads back through the Journal API."""
    prepare_file(db_path)
    db_path.write_bytes(fixture.read_bytes())
    before = semantic_rows(db_path)
    assert all(before[table] for table in ("doses", "betas", "pregnancies", "transfers"))
    with Journal.open(db_path, now=s.NOW) as journal:
        assert journal.schema_version == HEAD
        assert journal.migration_backup is not None
        assert [str(b.value) for b in journal.betas()] == ["120", "<5"]
        assert journal.pregnancies()[0].ga_at_end_days == 60
        if "labs" in before:
            assert [str(r.value) for r in journal.labs()] == [
                "31.5 nmol/L",
                "positive",
                "<0.01 mIU/L",
                "3.1 mIU/L",
            ]
            assert len(journal.flag_marks()) == 1
            assert journal.medications()[0].supply == 30
    assert version_of(db_path) == HEAD
    s.assert_healthy(db_path)
    after = semantic_rows(db_path)
    assert {table: after[table] for table in before} == before
