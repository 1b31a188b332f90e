"""Appointments, their questions, and the visit record."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from rpltrack.domain.errors import HasDependents, NeedsConfirmation, ValidationError
from rpltrack.domain.records import replace
from rpltrack.store import rows
from rpltrack.store.base import appointment_conv
from rpltrack.store.labs import LabStore

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rpltrack.domain.appointments import Appointment, Question
    from rpltrack.flags.model import Flag


class AppointmentStore(LabStore):
    """Appointments and their questions."""

    def appointments(self) -> list[Appointment]:
        """Every appointment with its questions, in time order (cancelled ones included, marked)."""
        conv = appointment_conv()
        questions: dict[int, list[Question]] = {}
        for row in self._conn.execute("SELECT * FROM appointment_questions ORDER BY id"):
            questions.setdefault(int(row["appointment_id"]), []).append(conv.question_of(row))
        return [
            conv.appointment_of(r, tuple(questions.get(int(r["id"]), ())))
            for r in self._conn.execute("SELECT * FROM appointments ORDER BY at_utc, id")
        ]

    def appointment(self, appointment_id: int) -> Appointment:
        """One appointment with its questions; an unknown id is a ValidationError (field "id")."""
        conv = appointment_conv()
        row = self._conn.execute("SELECT * FROM appointments WHERE id = ?", (appointment_id,)).fetchone()
        if row is None:
            raise ValidationError(code="appointment.unknown_id", field="id", values={"id": appointment_id})
        questions = tuple(
            conv.question_of(q)
            for q in self._conn.execute(
                "SELECT * FROM appointment_questions WHERE appointment_id = ? ORDER BY id", (appointment_id,)
            )
        )
        found: Appointment = conv.appointment_of(row, questions)
        return found

    def add_appointment(self, appt: Appointment, now: datetime, *, sure: bool = False) -> Appointment:
        """Store an appointment with its questions. One more than two years ahead is a question
        (NeedsConfirmation) unless `sure`."""
        # quick path: `today` would import domain.appointments (+0.7 ms)
        from rpltrack.domain.appointments import appointment_words, far_ahead_question

        self._writable()
        question = None if sure else far_ahead_question(appt.at, now)
        if question is not None:
            raise NeedsConfirmation(question, field="at")
        conv = appointment_conv()
        with self._w.txn():
            change = self._w.open_change("appt add", f"added {appointment_words(appt)}", now)
            appt_id = self._w.insert(change, "appointments", conv.appointment_values(appt, now))
            for question_ in appt.questions:
                self._w.insert(change, "appointment_questions", conv.question_values(appt_id, question_, now))
        return self.appointment(appt_id)

    def edit_appointment(
        self, appointment_id: int, now: datetime, *, sure: bool = False, **fields: Any
    ) -> Appointment:
        """Change when, with whom, where, why, notes, what was decided, whether done, or cancel: only the
        fields given, checked by the model; nothing changed is no change. A new time more than two years
        ahead is a question (NeedsConfirmation) unless `sure`."""
        # quick path: `today` would import domain.appointments (+0.7 ms)
        from rpltrack.domain.appointments import (
            EDITABLE_APPOINTMENT_FIELDS,
            appointment_differences,
            appointment_words,
            far_ahead_question,
        )

        unknown = set(fields) - EDITABLE_APPOINTMENT_FIELDS
        if unknown:
            raise TypeError(f"edit_appointment() cannot change {', '.join(sorted(unknown))}")
        self._writable()
        current = self.appointment(appointment_id)
        updated = replace(current, **fields)
        conv = appointment_conv()
        old, new = conv.appointment_values(current, now), conv.appointment_values(updated, now)
        changed = {k: v for k, v in new.items() if old[k] != v and k != "created_utc"}
        if not changed:
            return current
        if not sure and ("at_utc" in changed or "tz" in changed):
            question = far_ahead_question(updated.at, now)
            if question is not None:
                raise NeedsConfirmation(question, field="at")
        words = appointment_differences(current, updated)
        with self._w.txn():
            change = self._w.open_change(
                "appt edit", f"changed {appointment_words(current)}: {'; '.join(words)}", now
            )
            self._w.update(change, "appointments", appointment_id, changed)
        return self.appointment(appointment_id)

    def _flag_marks_at(self, appointment_id: int) -> list[int]:
        """The ids of her flag marks that say a flag was raised at this appointment."""
        return [
            int(r["id"])
            for r in self._conn.execute(
                "SELECT id FROM flag_marks WHERE appointment_id = ? ORDER BY id", (appointment_id,)
            )
        ]

    def dependents_of_appointment(self, appointment_id: int) -> list[str]:
        """What a delete would touch, in words ('3 questions', '1 flag marked raised there'); [] if none."""
        appt = self.appointment(appointment_id)
        return _dependent_words(len(appt.questions), len(self._flag_marks_at(appointment_id)))

    def delete_appointment(
        self, appointment_id: int, now: datetime, *, with_dependents: bool = False
    ) -> Appointment:
        """Remove an appointment: its questions go with it and flag marks raised there no longer point at
        it (HasDependents unless `with_dependents`). One change: undo brings it all back."""
        # quick path: `today` would import domain.appointments (+0.7 ms)
        from rpltrack.domain.appointments import appointment_words

        self._writable()
        current = self.appointment(appointment_id)
        marks = self._flag_marks_at(appointment_id)
        dependents = _dependent_words(len(current.questions), len(marks))
        what = appointment_words(current)
        if dependents and not with_dependents:
            raise HasDependents(
                f"{what} has {' and '.join(dependents)}: deleting it deletes its questions "
                "(flag marks are kept, without the appointment)",
                dependents=dependents,
                field="id",
            )
        summary = f"deleted {what}" + (f" ({', '.join(dependents)})" if dependents else "")
        with self._w.txn():
            change = self._w.open_change("appt delete", summary, now)
            for mark_id in marks:
                self._w.update(change, "flag_marks", mark_id, {"appointment_id": None})
            for q in current.questions:
                if q.id is not None:
                    self._w.delete(change, "appointment_questions", q.id)
            self._w.delete(change, "appointments", appointment_id)
        return current

    def add_questions(self, appointment_id: int, questions: Sequence[Question], now: datetime) -> Appointment:
        """Add questions to an appointment; a flag already asked about there is not added twice."""
        # quick path: `today` would import domain.appointments (+0.7 ms)
        from rpltrack.domain.appointments import appointment_words

        self._writable()
        current = self.appointment(appointment_id)
        have = {q.flag_key for q in current.questions if q.flag_key} | {q.text for q in current.questions}
        new = [q for q in questions if (q.flag_key or q.text) not in have]
        if new:
            conv = appointment_conv()
            with self._w.txn():
                count = f"{len(new)} question{'s' if len(new) != 1 else ''}"
                change = self._w.open_change(
                    "appt ask", f"added {count} for {appointment_words(current)}", now
                )
                for question in new:
                    self._w.insert(
                        change, "appointment_questions", conv.question_values(appointment_id, question, now)
                    )
        return self.appointment(appointment_id)

    def _question_row(self, question_id: int) -> sqlite3.Row:
        row: sqlite3.Row | None = self._conn.execute(
            "SELECT * FROM appointment_questions WHERE id = ?", (question_id,)
        ).fetchone()
        if row is None:
            raise ValidationError(code="question.unknown_id", field="id", values={"id": question_id})
        return row

    def question(self, question_id: int) -> Question:
        """One question; an unknown id is a ValidationError (field "id")."""
        found: Question = appointment_conv().question_of(self._question_row(question_id))
        return found

    def appointment_of_question(self, question_id: int) -> Appointment:
        """The appointment a question is for."""
        return self.appointment(int(self._question_row(question_id)["appointment_id"]))

    def edit_question(self, question_id: int, now: datetime, **fields: Any) -> Question:
        """Correct a question: its words (`text`), whether it was `asked`, its `answer`; only the fields
        given, checked by the model; nothing changed is no change."""
        # quick path: `today` would import domain.appointments (+0.7 ms)
        from rpltrack.domain.appointments import (
            EDITABLE_QUESTION_FIELDS,
            appointment_words,
            question_differences,
            question_words,
        )

        unknown = set(fields) - EDITABLE_QUESTION_FIELDS
        if unknown:
            raise TypeError(f"edit_question() cannot change {', '.join(sorted(unknown))}")
        self._writable()
        current = self.question(question_id)
        updated = replace(current, **fields)
        old, new = _question_columns(current), _question_columns(updated)
        changed = {k: v for k, v in new.items() if old[k] != v}
        if not changed:
            return current
        appt = self.appointment_of_question(question_id)
        words = question_differences(current, updated)
        summary = (
            f"changed the question {question_words(current)} for {appointment_words(appt)}: "
            + "; ".join(words)
        )
        with self._w.txn():
            change = self._w.open_change("question edit", summary, now)
            self._w.update(change, "appointment_questions", question_id, changed)
        return self.question(question_id)

    def dependents_of_question(self, question_id: int) -> list[str]:
        """Nothing depends on a question: [] (an unknown id is a ValidationError)."""
        self.question(question_id)
        return []

    def delete_question(self, question_id: int, now: datetime, *, with_dependents: bool = False) -> Question:
        """Remove one question from its appointment; returns it."""
        # quick path: `today` would import domain.appointments (+0.7 ms)
        from rpltrack.domain.appointments import appointment_words, question_words

        self._writable()
        current = self.question(question_id)
        appt = self.appointment_of_question(question_id)
        summary = f"deleted the question {question_words(current)} for {appointment_words(appt)}"
        with self._w.txn():
            change = self._w.open_change("question delete", summary, now)
            self._w.delete(change, "appointment_questions", question_id)
        return current

    def answer_question(
        self, question_id: int, now: datetime, *, asked: bool, answer: str | None = None
    ) -> None:
        """Tick a question off (or not); `answer` replaces the answer kept; without it, the answer stays."""
        fields: dict[str, Any] = {"asked": asked} if answer is None else {"asked": asked, "answer": answer}
        self.edit_question(question_id, now, **fields)

    def appointment_done(
        self,
        appointment_id: int,
        now: datetime,
        *,
        decided: str = "",
        asked_ids: Sequence[int] | None = None,
        raised: Sequence[Flag] = (),
    ) -> Appointment:
        """Record the visit: what was decided, which questions were asked (default: all), and mark the flags
        behind the asked questions (`raised`, those still showing) raised at this appointment; one change."""
        self._writable()
        current = self.appointment(appointment_id)
        if current.cancelled:
            raise ValidationError(f"{current.title} was cancelled: nothing to record", field="appt")
        if current.at.date() > now.astimezone(current.at.tzinfo).date():
            raise ValidationError(
                f"{current.title} is on {current.at:%d %b %Y}: record the visit on or after that day",
                field="appt",
            )
        replace(current, decided=decided)  # validates the text
        asked = {q.id for q in current.questions} if asked_ids is None else set(asked_ids)
        unknown = asked - {q.id for q in current.questions}
        if unknown:
            raise ValidationError(
                f"question {min(q for q in unknown if q is not None)} is not one of this appointment's",
                field="question",
            )
        asked_flags = {q.flag_key for q in current.questions if q.id in asked and q.flag_key}
        with self._w.txn():
            change = self._w.open_change("appt done", f"visit recorded: {current.title}", now)
            self._w.update(
                change,
                "appointments",
                appointment_id,
                {"done_utc": rows.utc_text(now), "decided": decided},
            )
            for q in current.questions:
                if q.id is not None and (q.id in asked) != q.asked:
                    self._w.update(change, "appointment_questions", q.id, {"asked": int(q.id in asked)})
            for flag in raised:
                if flag.key not in asked_flags:
                    continue
                values = {
                    "flag_key": flag.key,
                    "rule": flag.rule,
                    "state": "raised",
                    "title": flag.title,
                    "note": decided[:2000],
                    "appointment_id": appointment_id,
                    "at_utc": rows.utc_text(now),
                }
                old = self._conn.execute(
                    "SELECT id FROM flag_marks WHERE flag_key = ?", (flag.key,)
                ).fetchone()
                if old is None:
                    self._w.insert(change, "flag_marks", values)
                else:
                    self._w.update(change, "flag_marks", int(old["id"]), values)
        return self.appointment(appointment_id)

    def next_with_same_team(self, appointment_id: int, now: datetime) -> Appointment | None:
        """The soonest upcoming appointment (not cancelled, not done) with the same care team as this one
        (same_care_team), or None: where the questions not asked there may be carried (#18)."""
        current = self.appointment(appointment_id)
        later = [
            a
            for a in self.appointments()
            if a.id != appointment_id and a.upcoming(now) and a.at > current.at and same_care_team(current, a)
        ]
        return min(later, key=lambda a: a.at) if later else None

    def carry_questions(
        self, from_id: int, to_id: int, question_ids: Sequence[int], now: datetime
    ) -> Appointment:
        """Copy questions not asked at one appointment to another (one change, undone as one): each keeps its
        words and flag, and is not asked yet there. The first appointment keeps them as they were (its
        record stays true); a question already on the second's list is not added twice."""
        # quick path: `today` would import domain.appointments (+0.7 ms)
        from rpltrack.domain.appointments import Question, appointment_words

        self._writable()
        source, target = self.appointment(from_id), self.appointment(to_id)
        if target.cancelled or target.done:
            raise ValidationError(
                f"{target.title} is {'cancelled' if target.cancelled else 'already recorded'}: "
                "questions can only be carried to an appointment still to come",
                field="appt",
            )
        by_id = {q.id: q for q in source.questions}
        unknown = [qid for qid in question_ids if qid not in by_id]
        if unknown:
            raise ValidationError(
                f"question {unknown[0]} is not one of {appointment_words(source)}'s", field="question"
            )
        have = {q.flag_key for q in target.questions if q.flag_key} | {q.text for q in target.questions}
        carried = [by_id[qid] for qid in dict.fromkeys(question_ids)]
        new = [Question(q.text, flag_key=q.flag_key) for q in carried if (q.flag_key or q.text) not in have]
        if not new:
            return target
        conv = appointment_conv()
        count = f"{len(new)} question{'s' if len(new) != 1 else ''}"
        summary = f"carried {count} from {appointment_words(source)} to {appointment_words(target)}"
        with self._w.txn():
            change = self._w.open_change("appt carry", summary, now)
            for question in new:
                self._w.insert(change, "appointment_questions", conv.question_values(to_id, question, now))
        return self.appointment(to_id)


def same_care_team(first: Appointment, second: Appointment) -> bool:
    """Whether two appointments are with the same care team: the same person or clinic when both name one
    (ignoring case and spacing), else the same kind of appointment."""
    if first.with_name.strip() and second.with_name.strip():
        return " ".join(first.with_name.split()).casefold() == " ".join(second.with_name.split()).casefold()
    return first.kind is second.kind


def _question_columns(q: Question) -> dict[str, Any]:
    """The columns of a question a correction may change."""
    return {"text": q.text, "asked": int(q.asked), "answer": q.answer}


def _dependent_words(questions: int, marks: int) -> list[str]:
    """['3 questions', '1 flag marked raised there'] (only what there is)."""
    words = []
    if questions:
        words.append(f"{questions} question{'s' if questions != 1 else ''}")
    if marks:
        words.append(f"{marks} flag{'s' if marks != 1 else ''} marked raised there")
    return words
