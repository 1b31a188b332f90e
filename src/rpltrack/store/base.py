"""The journal's common ground: its connection, the audited writer, settings and the change log."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from rpltrack.domain.errors import HasDependents, ValidationError
from rpltrack.domain.settings import SETTINGS, grace_from, setting_for
from rpltrack.store import rows
from rpltrack.store.calendar_state import CalendarState
from rpltrack.store.db import JournalError
from rpltrack.store.migrations import user_version
from rpltrack.store.writer import TABLES_WITH_AUDIT, AuditedWriter, ChangeRecord

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

    from rpltrack.store.reminder_ledger import Ledger


def appointment_conv() -> ModuleType:
    """Appointment row conversions, imported on first use (see appointment_rows)."""
    # quick path: `today` would import store.appointment_rows, domain.appointments (+0.9 ms)
    from rpltrack.store import appointment_rows

    return appointment_rows


def lab_conv() -> ModuleType:
    """Lab and flag-mark row conversions, imported on first use (see lab_rows)."""
    # quick path: `today` would import store.lab_rows, domain.betas, domain.sessions and 3 more (+6.4 ms)
    from rpltrack.store import lab_rows

    return lab_rows


def timeline_conv() -> ModuleType:
    """The timeline's row conversions, imported on first use (see timeline_rows)."""
    # quick path: `take` would import store.timeline_rows, domain.cycles, domain.dating (+1.5 ms)
    from rpltrack.store import timeline_rows

    return timeline_rows


class JournalReadOnly(JournalError):
    """A write was asked of a journal opened read-only (newer schema or damaged file)."""


class JournalBase:
    """The connection and the audited writer every part of the journal writes through."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        readonly: bool,
        notes: Sequence[str] = (),
        backup: Path | None = None,
        readonly_reason: str = "",
    ) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly
        self.readonly_reason = readonly_reason
        self.notes = list(notes)
        self.migration_backup = backup

    @property
    def schema_version(self) -> int:
        return user_version(self._conn)

    def pragma(self, name: str) -> Any:
        return self._conn.execute(f"PRAGMA {name}").fetchone()[0]

    def change_mark(self) -> tuple[int, int]:
        """Moves whenever the journal's contents may have changed: SQLite's data_version (moved by a commit
        of any other connection: the command line, the reminder timer, a thread of the app) and this
        connection's own count of changed rows. Two equal marks: nothing was written in between."""
        return int(self.pragma("data_version")), self._conn.total_changes

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def reminder_ledger(self) -> Ledger:
        """The reminder ledger (the reminders table) over this journal's connection: what reminders,
        their buttons and `remind --status` read and write."""
        # quick path: `today` would import store.reminder_ledger, domain.reminders, shlex (+2.0 ms)
        from rpltrack.store.reminder_ledger import Ledger

        return Ledger(self._conn, self._writable)

    def _writable(self) -> None:
        if self.readonly:
            raise JournalReadOnly(self.readonly_reason or "the journal is open read-only; nothing was saved")

    def settings(self) -> dict[str, str]:
        """Every setting's value in force: hers where she set one, else the default ("" = the guideline
        default applies). Clinic retests she added (retest.after.*) are included."""
        values = {key: s.default for key, s in SETTINGS.items()}
        values.update(self.stored_settings())
        return values

    def stored_settings(self) -> dict[str, str]:
        """Only the settings she (or her clinic) set: what overrides a default."""
        return {
            row["key"]: row["value"]
            for row in self._conn.execute("SELECT key, value FROM settings WHERE value != ''")
        }

    def set_setting(self, key: str, value: str, now: datetime) -> str:
        """Set `key` (validated; returns the canonical spelling). An empty value resets it to the default."""
        setting = setting_for(key)
        if setting is None:
            raise ValidationError(
                f"unknown setting {key!r}: known settings are {', '.join(sorted(SETTINGS))}, "
                "and retest.after.<medication> for a clinic retest after a course"
            )
        canonical = setting.parse(value) if value.strip() else ""
        if not canonical and setting.default and key in SETTINGS:
            canonical = setting.default
        self._writable()
        with self._w.txn():
            summary = f"set {key} to {canonical}" if canonical else f"reset {key} to its default"
            change = self._w.open_change("setting", summary, now)
            before = self._conn.execute("SELECT * FROM settings WHERE key = ?", (key,)).fetchone()
            self._conn.execute(
                "INSERT INTO settings (key, value, updated_utc) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_utc = excluded.updated_utc",
                (key, canonical, rows.utc_text(now)),
            )
            after = self._conn.execute(
                "SELECT rowid AS rid, * FROM settings WHERE key = ?", (key,)
            ).fetchone()
            after_d = dict(after)
            rid = after_d.pop("rid")
            self._w.audit(change, "settings", int(rid), dict(before) if before else None, after_d)
        return canonical

    def grace(self) -> timedelta:
        return grace_from(self.settings())

    def count(self, table: str) -> int:
        if table not in (*TABLES_WITH_AUDIT, "changes", "audit"):
            raise ValueError(table)
        return int(self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    @property
    def _w(self) -> AuditedWriter:
        """The audited writer over this journal's connection (every write goes through it)."""
        return AuditedWriter(self._conn)

    # -- the change log ------------------------------------------------------------------------------

    def changes(self, limit: int = 50) -> list[ChangeRecord]:
        """Recent changes, newest first, with what each did in words."""
        return self._w.changes(limit)

    def next_undo(self) -> ChangeRecord | None:
        """What `undo` would take back now."""
        return self._w.next_undo()

    def next_redo(self) -> ChangeRecord | None:
        """What `redo` would re-apply now."""
        return self._w.next_redo()

    def undo(self, now: datetime) -> ChangeRecord | None:
        """Take back the most recent change not yet undone (repeatable); None when there is none."""
        self._writable()
        return self._w.undo(now)

    def redo(self, now: datetime) -> ChangeRecord | None:
        """Re-apply what the last undo took back, until a new change is made; None when there is none."""
        self._writable()
        return self._w.redo(now)

    def _delete_with_marks(
        self,
        action: str,
        table: str,
        entry_id: int,
        what: str,
        marks: Sequence[sqlite3.Row],
        now: datetime,
        *,
        with_dependents: bool,
    ) -> None:
        """Delete one entry (`what`, in words) with her marks on the flags it raised, as one change; with
        marks and without `with_dependents`, HasDependents names them and nothing is deleted."""
        dependents = mark_words(marks)
        if dependents and not with_dependents:
            raise HasDependents(
                f"{what} has {' and '.join(dependents)}: deleting it deletes those marks too",
                dependents=dependents,
                field="id",
            )
        summary = f"deleted {what}" + (
            f" and the marks on its flags ({', '.join(dependents)})" if marks else ""
        )
        with self._w.txn():
            change = self._w.open_change(action, summary, now)
            for mark in marks:
                self._w.delete(change, "flag_marks", int(mark["id"]))
            self._w.delete(change, table, entry_id)

    def calendar_state(self) -> CalendarState:
        """The calendar export's bookkeeping (its calendar id, what the last export held): not her record,
        so outside the change log; a read-only journal keeps none."""
        return CalendarState(self._conn, writable=not self.readonly)


def mark_words(marks: Sequence[sqlite3.Row]) -> list[str]:
    """Marks on flags in words: ['1 flag you acknowledged', '2 flags marked raised']."""
    acknowledged = sum(1 for m in marks if m["state"] == "acknowledged")
    raised = len(marks) - acknowledged
    words = []
    if acknowledged:
        words.append(f"{acknowledged} flag{'s' if acknowledged != 1 else ''} you acknowledged")
    if raised:
        words.append(f"{raised} flag{'s' if raised != 1 else ''} marked raised")
    return words
