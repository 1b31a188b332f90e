"""Treatment sessions and planned courses of them: audited writes, corrections, what is planned, the reminders
before a planned session, and the sessions the flag rules read."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import DuplicateEntry, ValidationError
from rpltrack.domain.records import replace
from rpltrack.store.base import mark_words
from rpltrack.store.portability import PortabilityStore

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

    from rpltrack.domain.reminders import Due
    from rpltrack.domain.sessions import Course, Planned, TreatmentSession
    from rpltrack.export.csv_import import CsvImport
    from rpltrack.flags.model import JournalSnapshot


def session_conv() -> ModuleType:
    """Session and course row conversions, imported on first use (see session_rows)."""
    # quick path: `today` would import store.session_rows, domain.sessions (+1.8 ms)
    from rpltrack.store import session_rows

    return session_rows


def _mark_subjects(session_id: int) -> tuple[str, ...]:
    """The flag subjects that name a session: the LIT retest window, a clinic retest after a course."""
    return (f"lit:{session_id}", f"session{session_id}")


class SessionStore(PortabilityStore):
    """Treatment sessions (LIT, IVIG, intralipid, her own words) and courses of them."""

    # -- sessions -----------------------------------------------------------------------------------------

    def sessions(self) -> list[TreatmentSession]:
        """Every recorded session, oldest first (by day, time, then entry)."""
        conv = session_conv()
        return [
            conv.session_of(r)
            for r in self._conn.execute("SELECT * FROM sessions ORDER BY on_date, coalesce(at_time, ''), id")
        ]

    def session(self, session_id: int) -> TreatmentSession:
        """One session; an unknown id is a ValidationError (field "id")."""
        row = self._conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise ValidationError(code="session.unknown_id", field="id", values={"id": session_id})
        found: TreatmentSession = session_conv().session_of(row)
        return found

    def _same_session(self, session: TreatmentSession) -> TreatmentSession | None:
        for found in self.sessions():
            if (
                found.id != session.id
                and found.on == session.on
                and found.kind is session.kind
                and found.name.casefold() == session.name.casefold()
            ):
                return found
        return None

    def add_session(
        self, session: TreatmentSession, now: datetime, *, again: bool = False
    ) -> TreatmentSession:
        """Record a session. One of the same kind on the same day is refused (DuplicateEntry) unless
        `again`."""
        # quick path: `today` would import domain.sessions (+1.2 ms)
        from rpltrack.domain.sessions import session_words

        self._writable()
        if not again:
            existing = self._same_session(session)
            if existing is not None and existing.id is not None:
                raise DuplicateEntry(
                    f"{session_words(existing)} is already recorded (session {existing.id})",
                    existing_id=existing.id,
                    field="on",
                )
        with self._w.txn():
            change = self._w.open_change("session add", f"added {session_words(session)}", now)
            session_id = self._w.insert(change, "sessions", session_conv().session_values(session, now))
        return self.session(session_id)

    def edit_session(self, session_id: int, now: datetime, **fields: Any) -> TreatmentSession:
        """Correct a session: only the fields given change (on, kind, name, at_time, zone, where, note),
        checked by the model; nothing changed is no change."""
        # quick path: `today` would import domain.sessions (+1.2 ms)
        from rpltrack.domain.sessions import EDITABLE_SESSION_FIELDS, session_differences, session_words

        unknown = set(fields) - EDITABLE_SESSION_FIELDS
        if unknown:
            raise TypeError(f"edit_session() cannot change {', '.join(sorted(unknown))}")
        self._writable()
        current = self.session(session_id)
        updated = replace(current, **fields)
        conv = session_conv()
        old, new = conv.session_values(current, now), conv.session_values(updated, now)
        changed = {k: v for k, v in new.items() if old[k] != v and k != "created_utc"}
        if not changed:
            return current
        words = session_differences(current, updated)
        with self._w.txn():
            change = self._w.open_change(
                "session edit", f"changed {session_words(current)}: {'; '.join(words)}", now
            )
            self._w.update(change, "sessions", session_id, changed)
        return self.session(session_id)

    def _marks_on_session(self, session_id: int) -> list[sqlite3.Row]:
        """Her marks on the flags this session raised (their keys name it: retest-due:lit:12)."""
        subjects = _mark_subjects(session_id)
        found = []
        for row in self._conn.execute("SELECT * FROM flag_marks ORDER BY id"):
            key = str(row["flag_key"])
            parts = key.split(":")
            if any(key.endswith(f":{s}") for s in subjects) or subjects[1] in parts:
                found.append(row)
        return found

    def dependents_of_session(self, session_id: int) -> list[str]:
        """What goes with a session when it is deleted, in words ('1 flag you acknowledged'); [] when none."""
        self.session(session_id)
        return mark_words(self._marks_on_session(session_id))

    def delete_session(
        self, session_id: int, now: datetime, *, with_dependents: bool = False
    ) -> TreatmentSession:
        """Remove a session; her marks on the flags it raised go with it (HasDependents unless
        `with_dependents`). One change: undo brings both back."""
        # quick path: `today` would import domain.sessions (+1.2 ms)
        from rpltrack.domain.sessions import session_words

        self._writable()
        current = self.session(session_id)
        marks = self._marks_on_session(session_id)
        what = session_words(current)
        self._delete_with_marks(
            "session delete", "sessions", session_id, what, marks, now, with_dependents=with_dependents
        )
        return current

    # -- courses ------------------------------------------------------------------------------------------

    def courses(self) -> list[Course]:
        """Every planned course, oldest start first (stopped ones included)."""
        conv = session_conv()
        return [
            conv.course_of(r)
            for r in self._conn.execute("SELECT * FROM session_courses ORDER BY start_on, id")
        ]

    def course(self, course_id: int) -> Course:
        """One course; an unknown id is a ValidationError (field "id")."""
        row = self._conn.execute("SELECT * FROM session_courses WHERE id = ?", (course_id,)).fetchone()
        if row is None:
            raise ValidationError(code="course.unknown_id", field="id", values={"id": course_id})
        found: Course = session_conv().course_of(row)
        return found

    def add_course(self, course: Course, now: datetime) -> Course:
        """Plan a course of sessions."""
        # quick path: `today` would import domain.sessions (+1.2 ms)
        from rpltrack.domain.sessions import course_words

        self._writable()
        with self._w.txn():
            change = self._w.open_change("course add", f"planned a {course_words(course)}", now)
            course_id = self._w.insert(change, "session_courses", session_conv().course_values(course, now))
        return self.course(course_id)

    def edit_course(self, course_id: int, now: datetime, **fields: Any) -> Course:
        """Change a course (what, start, spacing, count or end, time, place, note, stop day): only the fields
        given, checked by the model; nothing changed is no change. Giving `count` clears `until_on` and the
        other way round, so a course always has one."""
        # quick path: `today` would import domain.sessions (+1.2 ms)
        from rpltrack.domain.sessions import EDITABLE_COURSE_FIELDS, course_differences, course_words

        unknown = set(fields) - EDITABLE_COURSE_FIELDS
        if unknown:
            raise TypeError(f"edit_course() cannot change {', '.join(sorted(unknown))}")
        self._writable()
        current = self.course(course_id)
        if fields.get("count") is not None and "until_on" not in fields:
            fields["until_on"] = None
        if fields.get("until_on") is not None and "count" not in fields:
            fields["count"] = None
        updated = replace(current, **fields)
        conv = session_conv()
        old, new = conv.course_values(current, now), conv.course_values(updated, now)
        changed = {k: v for k, v in new.items() if old[k] != v and k != "created_utc"}
        if not changed:
            return current
        words = course_differences(current, updated)
        with self._w.txn():
            change = self._w.open_change(
                "course edit", f"changed the {course_words(current)}: {'; '.join(words)}", now
            )
            self._w.update(change, "session_courses", course_id, changed)
        return self.course(course_id)

    def stop_course(self, course_id: int, on: date, now: datetime) -> Course:
        """Stop a course on `on`: planned sessions after that day are dropped (those before stay)."""
        current = self.course(course_id)
        if current.stopped_on is not None:
            raise ValidationError(
                f"course {course_id} was already stopped on {current.stopped_on.isoformat()}", field="id"
            )
        return self.edit_course(course_id, now, stopped_on=on)

    def dependents_of_course(self, course_id: int) -> list[str]:
        """Nothing is stored under a course (recorded sessions stand on their own): []."""
        self.course(course_id)
        return []

    def delete_course(self, course_id: int, now: datetime, *, with_dependents: bool = False) -> Course:
        """Remove a planned course entered by mistake; sessions she recorded are kept."""
        # quick path: `today` would import domain.sessions (+1.2 ms)
        from rpltrack.domain.sessions import course_words

        self._writable()
        current = self.course(course_id)
        with self._w.txn():
            change = self._w.open_change("course delete", f"deleted the {course_words(current)}", now)
            self._w.delete(change, "session_courses", course_id)
        return current

    # -- what is planned ------------------------------------------------------------------------------------

    def planned_sessions(self, today: date) -> list[Planned]:
        """Every planned session of every course with its state (done, upcoming, not recorded)."""
        # quick path: `today` would import domain.sessions (+1.2 ms)
        from rpltrack.domain.sessions import plan

        return plan(self.courses(), self.sessions(), today)

    def session_reminder_dues(self, now: datetime, minutes: int) -> list[Due]:
        """The reminders before planned sessions that exist around `now` (none without a course: a cheap
        check first, as the reminder timer asks every minute)."""
        if not self._conn.execute("SELECT EXISTS (SELECT 1 FROM session_courses)").fetchone()[0]:
            return []
        # quick path: `today` would import domain.sessions (+1.2 ms)
        from rpltrack.domain.sessions import session_dues

        zone_name = next((c.zone for c in self.courses() if c.zone), "UTC")
        today = now.astimezone(ZoneInfo(zone_name)).date()
        return session_dues(self.planned_sessions(today - timedelta(days=1)), now.astimezone(UTC), minutes)

    def snapshot(self, now: datetime, zone: ZoneInfo) -> JournalSnapshot:
        """What the flag rules read (see LabStore.snapshot), with the sessions and courses."""
        snap = super().snapshot(now, zone)
        today = now.astimezone(zone).date()
        return replace(
            snap,
            sessions=tuple(s for s in self.sessions() if s.on <= today),
            courses=tuple(self.courses()),
        )

    # -- import ---------------------------------------------------------------------------------------------

    def _import_more(self, change: int, records: CsvImport, now: datetime) -> None:
        """Write the sessions and courses of a CSV export with their ids, inside the import's change."""
        conv = session_conv()
        for session in records.sessions:
            self._w.insert(change, "sessions", {"id": session.id, **conv.session_values(session, now)})
        for course in records.courses:
            self._w.insert(change, "session_courses", {"id": course.id, **conv.course_values(course, now)})
