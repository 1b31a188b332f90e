"""Appointments, their questions, and the visit record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import replace
from rpltrack.store import rows
from rpltrack.store.base import appointment_conv
from rpltrack.store.labs import LabStore

# typing costs ~10 ms to import on a slow laptop; the CLI's fast commands never need it at run time.
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
        for appt in self.appointments():
            if appt.id == appointment_id:
                return appt
        raise ValidationError(
            f"there is no appointment with id {appointment_id}: see rpltrack appt list", field="appt"
        )

    def add_appointment(self, appt: Appointment, now: datetime) -> Appointment:
        self._writable()
        conv = appointment_conv()
        with self._w.txn():
            change = self._w.open_change("appt add", f"{appt.title} at {rows.utc_text(appt.at)}", now)
            appt_id = self._w.insert(change, "appointments", conv.appointment_values(appt, now))
            for question in appt.questions:
                self._w.insert(change, "appointment_questions", conv.question_values(appt_id, question, now))
        return self.appointment(appt_id)

    def edit_appointment(self, appointment_id: int, now: datetime, **fields: Any) -> Appointment:
        """Change when, with whom, where, why, notes, what was decided, or cancel (validated by the model)."""
        self._writable()
        current = self.appointment(appointment_id)
        updated = replace(current, **fields)
        conv = appointment_conv()
        old, new = conv.appointment_values(current, now), conv.appointment_values(updated, now)
        changed = {k: v for k, v in new.items() if old[k] != v and k != "created_utc"}
        if not changed:
            return current
        with self._w.txn():
            change = self._w.open_change(
                "appt edit", f"edited {current.title}: {', '.join(sorted(changed))}", now
            )
            self._w.update(change, "appointments", appointment_id, changed)
        return self.appointment(appointment_id)

    def add_questions(self, appointment_id: int, questions: Sequence[Question], now: datetime) -> Appointment:
        """Add questions to an appointment; a flag already asked about there is not added twice."""
        self._writable()
        current = self.appointment(appointment_id)
        have = {q.flag_key for q in current.questions if q.flag_key} | {q.text for q in current.questions}
        new = [q for q in questions if (q.flag_key or q.text) not in have]
        if new:
            conv = appointment_conv()
            with self._w.txn():
                change = self._w.open_change("appt ask", f"{len(new)} question(s) for {current.title}", now)
                for question in new:
                    self._w.insert(
                        change, "appointment_questions", conv.question_values(appointment_id, question, now)
                    )
        return self.appointment(appointment_id)

    def answer_question(self, question_id: int, now: datetime, *, asked: bool, answer: str = "") -> None:
        self._writable()
        row = self._conn.execute(
            "SELECT * FROM appointment_questions WHERE id = ?", (question_id,)
        ).fetchone()
        if row is None:
            raise ValidationError(f"there is no question with id {question_id}", field="question")
        Question(row["text"], asked=asked, answer=answer)  # validates
        with self._w.txn():
            change = self._w.open_change("appt answer", f"question {question_id}", now)
            self._w.update(
                change, "appointment_questions", question_id, {"asked": int(asked), "answer": answer}
            )

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
