"""The one audited writer: every change to the journal goes through it (BEGIN IMMEDIATE, the change log with
each row's before and after, undo and redo)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from rpltrack.domain.records import record
from rpltrack.store import rows
from rpltrack.store.db import JournalError, write_txn

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager
    from typing import Any

TABLES_WITH_AUDIT = (
    "medications",
    "regimens",
    "doses",
    "settings",
    "cycles",
    "cycle_events",
    "transfers",
    "betas",
    "pregnancies",
    "labs",
    "flag_marks",
    "appointments",
    "appointment_questions",
    "protocols",
    "protocol_uses",
    "sessions",
    "session_courses",
)

# Changes that walk the log rather than change the record: never undone themselves.
_WALKS = ("undo", "redo")


def _dumps(row: dict[str, Any]) -> str:
    # quick path: `today` would import json (+1.5 ms)
    import json

    return json.dumps(row)


@record(frozen=True)
class ChangeRecord:
    """One change in the log: what it did in words, and whether it is undone now."""

    id: int
    at: datetime
    action: str
    summary: str
    undone: bool


def _change_of(row: sqlite3.Row) -> ChangeRecord:
    return ChangeRecord(
        row["id"], rows.utc_parse(row["at_utc"]), row["action"], row["summary"], row["undone_by"] is not None
    )


class AuditedWriter:
    """Writes rows inside a change: each insert, update and delete is audited with the row before and after,
    so any change can be undone row for row (ids kept) and redone."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def txn(self) -> AbstractContextManager[sqlite3.Connection]:
        """The write transaction (BEGIN IMMEDIATE … COMMIT); see db.write_txn."""
        return write_txn(self._conn)

    def open_change(self, action: str, summary: str, now: datetime) -> int:
        """Start a change (inside txn()); returns its id for the row writes that follow."""
        cur = self._conn.execute(
            "INSERT INTO changes (at_utc, action, summary) VALUES (?, ?, ?)",
            (rows.utc_text(now), action, summary),
        )
        return int(cur.lastrowid or 0)

    def row(self, table: str, row_id: int) -> dict[str, Any] | None:
        if table not in TABLES_WITH_AUDIT:
            raise JournalError(f"{table} is not a table of the record")
        key = "key" if table == "settings" else "id"
        found = self._conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (row_id,)).fetchone()
        return dict(found) if found else None

    def audit(
        self,
        change_id: int,
        table: str,
        row_id: int,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self._conn.execute(
            "INSERT INTO audit (change_id, tbl, row_id, before, after) VALUES (?, ?, ?, ?, ?)",
            (
                change_id,
                table,
                row_id,
                _dumps(before) if before else None,
                _dumps(after) if after else None,
            ),
        )

    def insert(self, change_id: int, table: str, values: dict[str, Any]) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = self._conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
        row_id = int(cur.lastrowid or 0)
        self.audit(change_id, table, row_id, None, self.row(table, row_id))
        return row_id

    def update(self, change_id: int, table: str, row_id: int, values: dict[str, Any]) -> None:
        before = self.row(table, row_id)
        sets = ", ".join(f"{c} = ?" for c in values)
        self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), row_id))
        self.audit(change_id, table, row_id, before, self.row(table, row_id))

    def delete(self, change_id: int, table: str, row_id: int) -> None:
        before = self.row(table, row_id)
        self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
        self.audit(change_id, table, row_id, before, None)

    # -- the log ------------------------------------------------------------------------------------

    def changes(self, limit: int = 50) -> list[ChangeRecord]:
        """The newest `limit` changes, newest first (undos and redos included, as they happened)."""
        return [
            _change_of(r)
            for r in self._conn.execute("SELECT * FROM changes ORDER BY id DESC LIMIT ?", (limit,))
        ]

    def _undo_target(self) -> sqlite3.Row | None:
        marks = ", ".join("?" for _ in _WALKS)
        found: sqlite3.Row | None = self._conn.execute(
            f"SELECT * FROM changes WHERE undone_by IS NULL AND action NOT IN ({marks}) "
            "ORDER BY id DESC LIMIT 1",
            _WALKS,
        ).fetchone()
        return found

    def _redo_target(self) -> sqlite3.Row | None:
        """The last undo not yet redone, if no new change was made after it."""
        marks = ", ".join("?" for _ in _WALKS)
        found: sqlite3.Row | None = self._conn.execute(
            "SELECT * FROM changes u WHERE u.action = 'undo' AND u.undone_by IS NULL AND NOT EXISTS "
            f"(SELECT 1 FROM changes c WHERE c.id > u.id AND c.action NOT IN ({marks})) "
            "ORDER BY u.id DESC LIMIT 1",
            _WALKS,
        ).fetchone()
        return found

    def next_undo(self) -> ChangeRecord | None:
        """What `undo` would take back now (for a question before it does)."""
        target = self._undo_target()
        return None if target is None else _change_of(target)

    def next_redo(self) -> ChangeRecord | None:
        """What `redo` would re-apply now: the change the last undo took back."""
        walked = self._redo_target()
        if walked is None:
            return None
        original = self._conn.execute("SELECT * FROM changes WHERE id = ?", (walked["undoes"],)).fetchone()
        return _change_of(original)

    def undo(self, now: datetime) -> ChangeRecord | None:
        """Revert the most recent change not yet undone, row for row, ids kept; the audit keeps both."""
        with write_txn(self._conn):
            target = self._undo_target()
            if target is None:
                return None
            change = self.open_change("undo", f"undid: {target['summary']}", now)
            self._walk_back(change, target["id"])
            self._conn.execute("UPDATE changes SET undone_by = ? WHERE id = ?", (change, target["id"]))
            self._conn.execute("UPDATE changes SET undoes = ? WHERE id = ?", (target["id"], change))
        return ChangeRecord(
            target["id"], rows.utc_parse(target["at_utc"]), target["action"], target["summary"], True
        )

    def redo(self, now: datetime) -> ChangeRecord | None:
        """Re-apply what the last undo took back (repeatable, newest undo first), until a new change is
        made; None when there is nothing to redo."""
        with write_txn(self._conn):
            walked = self._redo_target()
            if walked is None:
                return None
            original = self._conn.execute(
                "SELECT * FROM changes WHERE id = ?", (walked["undoes"],)
            ).fetchone()
            change = self.open_change("redo", f"redid: {original['summary']}", now)
            self._walk_back(change, walked["id"])
            self._conn.execute("UPDATE changes SET undone_by = ? WHERE id = ?", (change, walked["id"]))
            self._conn.execute("UPDATE changes SET undone_by = NULL WHERE id = ?", (original["id"],))
            self._conn.execute("UPDATE changes SET undoes = ? WHERE id = ?", (walked["id"], change))
        return ChangeRecord(
            original["id"], rows.utc_parse(original["at_utc"]), original["action"], original["summary"], False
        )

    def _walk_back(self, change_id: int, target_id: int) -> None:
        entries = self._conn.execute(
            "SELECT * FROM audit WHERE change_id = ? ORDER BY id DESC", (target_id,)
        ).fetchall()
        for entry in entries:
            self._revert(change_id, entry)

    def _revert(self, change_id: int, entry: sqlite3.Row) -> None:
        table = entry["tbl"]
        if table not in TABLES_WITH_AUDIT:
            raise JournalError(f"cannot undo a change to {table}")

        # quick path: `today` would import json (+1.5 ms)
        import json

        before = json.loads(entry["before"]) if entry["before"] else None
        after = json.loads(entry["after"]) if entry["after"] else None
        key = "key" if table == "settings" else "id"
        key_value = (before or after or {})[key]
        current = self._conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (key_value,)).fetchone()
        current_d = dict(current) if current else None
        if before is None:
            self._conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (key_value,))
        elif current is None:
            cols = ", ".join(before)
            self._conn.execute(
                f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in before)})",
                tuple(before.values()),
            )
        else:
            sets = ", ".join(f"{c} = ?" for c in before)
            self._conn.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", (*before.values(), key_value))
        self.audit(change_id, table, int(entry["row_id"]), current_d, before)

    def rows_of(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of a table of the record, by id (tests and checks compare journals row by row)."""
        if table not in TABLES_WITH_AUDIT:
            raise JournalError(f"{table} is not a table of the record")
        order = "key" if table == "settings" else "id"
        for found in self._conn.execute(f"SELECT * FROM {table} ORDER BY {order}"):
            yield dict(found)
