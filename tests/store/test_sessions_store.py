"""Treatment sessions and courses in the journal: audited add, edit, delete, undo and redo (proved by
reopening the file), backups, and the upgrade that moves LIT sessions kept as labs to sessions."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from rpltrack.domain.errors import DuplicateEntry, HasDependents, ValidationError
from rpltrack.domain.labs import LabResult, LabValue
from rpltrack.domain.sessions import Course, Every, EveryUnit, PlanState, SessionKind, TreatmentSession
from rpltrack.flags.model import Flag, MarkState
from rpltrack.store.db import connect, errors, prepare_file, write_txn
from rpltrack.store.journal import Journal
from rpltrack.store.lab_rows import lab_values
from rpltrack.store.migrations import HEAD, MIGRATIONS, migrate
from rpltrack.store.rows import utc_parse
from rpltrack.store.writer import AuditedWriter

from . import _support as s

NOW = s.NOW
LIT = TreatmentSession(date(2026, 11, 20), SessionKind.LIT, where="Clinic", note="first")


def rows(path: Path, table: str) -> list[tuple[object, ...]]:
    conn = s.raw(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


def test_add_edit_delete_undo_redo_are_on_disk(db_path: Path) -> None:
    with Journal.open(db_path, now=NOW) as journal:
        saved = journal.add_session(LIT, NOW)
        assert saved.id is not None
        journal.edit_session(saved.id, NOW, note="changed", at_time=time(9, 30), zone="Europe/London")
    with Journal.open(db_path, now=NOW) as journal:
        [found] = journal.sessions()
        assert (found.note, found.at_time, found.where) == ("changed", time(9, 30), "Clinic")
        assert journal.changes(1)[0].summary == (
            'changed LIT session on Fri 20 Nov 2026: the time set to "09:30"; '
            'the note from "first" to "changed"'
        )
        journal.undo(NOW)
    with Journal.open(db_path, now=NOW) as journal:
        assert journal.session(saved.id).note == "first"
        journal.delete_session(saved.id, NOW)
    with Journal.open(db_path, now=NOW) as journal:
        assert journal.sessions() == []
        journal.undo(NOW)
        assert journal.session(saved.id) == saved
        journal.redo(NOW)
    with Journal.open(db_path, now=NOW) as journal:
        assert journal.count("sessions") == 0
    s.assert_healthy(db_path)


def test_the_same_session_twice_is_refused_unless_again(journal: Journal) -> None:
    first = journal.add_session(LIT, NOW)
    with pytest.raises(DuplicateEntry) as caught:
        journal.add_session(TreatmentSession(LIT.on, SessionKind.LIT), NOW)
    assert caught.value.existing_id == first.id
    assert journal.count("sessions") == 1
    journal.add_session(TreatmentSession(LIT.on, SessionKind.LIT), NOW, again=True)
    journal.add_session(TreatmentSession(LIT.on, SessionKind.IVIG), NOW)
    assert journal.count("sessions") == 3


def test_bad_input_changes_nothing(journal: Journal) -> None:
    saved = journal.add_session(LIT, NOW)
    changes = len(journal.changes())
    with pytest.raises(ValidationError):
        journal.edit_session(saved.id or 0, NOW, note="x" * 3001)
    with pytest.raises(ValidationError, match="no treatment session with id 99"):
        journal.delete_session(99, NOW)
    assert len(journal.changes()) == changes
    assert journal.session(saved.id or 0) == saved


def test_the_schema_refuses_impossible_rows(journal: Journal) -> None:
    conn = s.raw(journal.path)
    try:
        for values in (
            "('2026-11-20', 'lit', 'words', NULL, '', '', '', '2026-11-20T00:00:00Z')",
            "('2026-11-20', 'other', '', NULL, '', '', '', '2026-11-20T00:00:00Z')",
            "('2026-11-20', 'reiki', '', NULL, '', '', '', '2026-11-20T00:00:00Z')",
            "('2026-11-20', 'lit', '', '9:30', 'Europe/London', '', '', '2026-11-20T00:00:00Z')",
            "('2026-11-20', 'lit', '', '09:30', '', '', '', '2026-11-20T00:00:00Z')",
            "('20 Nov', 'lit', '', NULL, '', '', '', '2026-11-20T00:00:00Z')",
        ):
            with pytest.raises(errors("IntegrityError")):
                conn.execute(
                    "INSERT INTO sessions (on_date, kind, name, at_time, tz, where_text, note, created_utc) "
                    f"VALUES {values}"
                )
        with pytest.raises(errors("IntegrityError")):
            conn.execute(
                "INSERT INTO session_courses "
                "(start_on, every_n, every_unit, count, until_on, kind, tz, created_utc) VALUES "
                "('2026-11-20', 3, 'weeks', 3, '2026-12-31', 'lit', 'UTC', '2026-11-20T00:00:00Z')"
            )
    finally:
        conn.close()
    assert journal.count("sessions") == 0


COURSE = Course(
    SessionKind.IVIG,
    date(2026, 11, 2),
    Every(3, EveryUnit.WEEKS),
    count=3,
    at_time=time(10, 0),
    zone="Europe/London",
)


def test_a_course_is_planned_changed_stopped_and_undone(db_path: Path) -> None:
    with Journal.open(db_path, now=NOW) as journal:
        course = journal.add_course(COURSE, NOW)
        assert course.id is not None
        journal.add_session(TreatmentSession(date(2026, 11, 3), SessionKind.IVIG), NOW)
        states = [p.state for p in journal.planned_sessions(NOW.date())]
        assert states == [PlanState.DONE, PlanState.UPCOMING, PlanState.UPCOMING]
        journal.edit_course(course.id, NOW, until_on=date(2027, 1, 31))
        changed = journal.course(course.id)
        assert (changed.count, changed.until_on) == (None, date(2027, 1, 31))
        journal.stop_course(course.id, date(2026, 11, 30), NOW)
        with pytest.raises(ValidationError, match="already stopped"):
            journal.stop_course(course.id, date(2026, 12, 1), NOW)
    with Journal.open(db_path, now=NOW) as journal:
        assert [p.on for p in journal.planned_sessions(NOW.date())] == [date(2026, 11, 2), date(2026, 11, 23)]
        journal.undo(NOW)
        journal.undo(NOW)
        assert journal.course(course.id) == replace_id(COURSE, course)
        journal.delete_course(course.id, NOW)
        assert journal.courses() == []
        assert journal.count("sessions") == 1  # recorded sessions are kept
        journal.undo(NOW)
    with Journal.open(db_path, now=NOW) as journal:
        assert journal.course(course.id).every == Every(3, EveryUnit.WEEKS)


def replace_id(template: Course, saved: Course) -> Course:
    from rpltrack.domain.records import replace

    return replace(template, id=saved.id, created_at=saved.created_at)


def test_deleting_a_session_takes_her_marks_on_its_flag_with_it(journal: Journal) -> None:
    saved = journal.add_session(TreatmentSession(date(2026, 1, 10), SessionKind.LIT), NOW)
    later = NOW + timedelta(days=200)
    [flag] = [f for f in journal.flag_board(later, s.LONDON).active if f.subject == f"lit:{saved.id}"]
    journal.mark_flag(flag, MarkState.ACKNOWLEDGED, later)
    assert journal.dependents_of_session(saved.id or 0) == ["1 flag you acknowledged"]
    with pytest.raises(HasDependents):
        journal.delete_session(saved.id or 0, later)
    journal.delete_session(saved.id or 0, later, with_dependents=True)
    assert journal.flag_marks() == {}
    journal.undo(later)
    assert list(journal.flag_marks()) == [flag.key]


def test_reminder_dues_come_from_courses_only(journal: Journal) -> None:
    assert journal.session_reminder_dues(NOW, 60) == []
    journal.add_course(COURSE, NOW - timedelta(days=30))
    evening = datetime(2026, 11, 22, 18, 5, tzinfo=s.LONDON)
    assert [d.subject for d in journal.session_reminder_dues(evening, 60)] == ["session:1:2026-11-23:evening"]


def test_a_backup_holds_the_sessions(journal: Journal, tmp_path: Path) -> None:
    journal.add_session(LIT, NOW)
    journal.add_course(COURSE, NOW)
    copy = journal.make_backup(NOW, tmp_path / "copy.db")
    with Journal.open(copy, now=NOW) as restored:
        assert [x.note for x in restored.sessions()] == ["first"]
        assert len(restored.courses()) == 1


# -- the upgrade: LIT sessions kept as labs ---------------------------------------------------------------


def _lab(day: str, **changes: object) -> dict[str, object]:
    values = lab_values(LabResult("lit", date.fromisoformat(day), LabValue(raw="done")), NOW)
    values.update(changes)
    return values


def make_v4_journal_with_lit_labs(path: Path) -> dict[str, int]:
    """A journal as schema v4 wrote it, with LIT sessions kept as labs (one plain, one with what else the lab
    form took, one entered and deleted), a TSH result, and her mark on a LIT flag."""
    prepare_file(path)
    conn = connect(path)
    ids: dict[str, int] = {}
    try:
        migrate(conn, path, NOW, migrations=MIGRATIONS[:4])
        writer = AuditedWriter(conn)
        with write_txn(conn):
            change = writer.open_change("lab add", "added LIT", NOW)
            ids["plain"] = writer.insert(change, "labs", _lab("2026-01-10", lab="Clinic X", note="first"))
            change = writer.open_change("lab add", "added TSH", NOW)
            tsh = lab_values(LabResult("tsh", date(2026, 2, 1), LabValue(raw="2.1")), NOW)
            ids["tsh"] = writer.insert(change, "labs", {**tsh, "value": "2.1", "unit": "mIU/L"})
            change = writer.open_change("lab add", "added LIT", NOW)
            odd = _lab("2026-02-07", raw="x", range_raw="1-2", on_anticoagulant=1, note="second")
            ids["odd"] = writer.insert(change, "labs", odd)
            change = writer.open_change("lab add", "added LIT", NOW)
            ids["deleted"] = writer.insert(change, "labs", _lab("2026-03-01"))
            change = writer.open_change("lab delete", "deleted LIT", NOW)
            writer.delete(change, "labs", ids["deleted"])
            change = writer.open_change("flag acknowledged", "acknowledged", NOW)
            writer.insert(
                change,
                "flag_marks",
                {
                    "flag_key": f"retest-due:lit:{ids['odd']}",
                    "rule": "retest-due",
                    "state": "acknowledged",
                    "title": "Last LIT session over 6 months ago",
                    "at_utc": "2026-09-01T09:00:00Z",
                },
            )
    finally:
        conn.close()
    return ids


def test_lit_labs_become_sessions_with_nothing_lost(db_path: Path) -> None:
    ids = make_v4_journal_with_lit_labs(db_path)
    before_labs = {r[0]: r for r in rows(db_path, "labs")}
    with Journal.open(db_path, now=NOW) as journal:
        assert journal.schema_version == HEAD
        assert journal.migration_backup is not None
        assert [r.test for r in journal.labs()] == ["tsh"]
        sessions = {x.id or 0: x for x in journal.sessions()}
        assert sorted(sessions) == [ids["plain"], ids["odd"]]
        plain, odd = sessions[ids["plain"]], sessions[ids["odd"]]
        assert (plain.on, plain.kind, plain.where, plain.note) == (
            date(2026, 1, 10),
            SessionKind.LIT,
            "Clinic X",
            "first",
        )
        assert odd.on == date(2026, 2, 7)
        assert odd.note == "second\n(From the lab entry: entered as 'x'; range 1-2; on an anticoagulant.)"
        for session_id in (ids["plain"], ids["odd"]):
            lab = before_labs[session_id]
            assert journal.session(session_id).created_at == utc_parse(str(lab[-1]))
        # Her mark on the LIT flag still applies: the session kept the lab's id.
        later = datetime(2026, 9, 1, 10, tzinfo=s.LONDON)
        board = journal.flag_board(later, s.LONDON)
        assert [f.key for f in board.marked] == [f"retest-due:lit:{ids['odd']}"]
        assert journal.dependents_of_session(ids["odd"]) == ["1 flag you acknowledged"]
        # The change log follows: undoing the old delete brings the session back, as a session.
        journal.undo(NOW)  # the mark
        journal.undo(NOW)  # the delete of the third LIT entry
        assert journal.session(ids["deleted"]).on == date(2026, 3, 1)
        assert [r.test for r in journal.labs()] == ["tsh"]
        journal.undo(NOW)  # its entry
        assert ids["deleted"] not in {x.id for x in journal.sessions()}
    audit = rows(db_path, "audit")
    lab_rows_audited = [json.loads(str(r[4] or r[5])) for r in audit if r[2] == "labs"]
    assert all(r["test"] != "lit" for r in lab_rows_audited)
    s.assert_healthy(db_path)


def test_a_flag_raised_on_a_migrated_session_is_counted_from_it(db_path: Path) -> None:
    make_v4_journal_with_lit_labs(db_path)
    with Journal.open(db_path, now=NOW) as journal:
        flags = journal.flag_board(datetime(2026, 8, 8, 9, tzinfo=s.LONDON), s.LONDON)
        assert [f.key for f in flags.marked] == ["retest-due:lit:3"]
        [flag] = flags.marked
        assert isinstance(flag, Flag)
        assert flag.numbers["last_session"] == "2026-02-07"
