"""Lab results, flag marks and the snapshot the flag rules read."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import DuplicateEntry, NeedsConfirmation, ValidationError
from rpltrack.domain.records import replace
from rpltrack.store import rows
from rpltrack.store.base import lab_conv, mark_words
from rpltrack.store.doses import DoseStore

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rpltrack.domain.labs import LabResult
    from rpltrack.flags.model import Flag, FlagMark, JournalSnapshot, MarkState
    from rpltrack.flags.rules import Board


# The missed-dose flag rules look back this far; the snapshot carries the dose logs of this window only.
FLAG_DOSE_WINDOW = timedelta(days=15)


class LabStore(DoseStore):
    """Lab results, flag marks, and what the flag rules read."""

    def labs(self, test: str | None = None) -> list[LabResult]:
        """Lab results, oldest first (by day, then entry); only those of `test` (a catalog key or her own
        test name) when given."""
        sql, params = "SELECT * FROM labs", tuple[str, ...]()
        if test is not None:
            sql, params = "SELECT * FROM labs WHERE test = ?", (test,)
        return [lab_conv().lab_of(r) for r in self._conn.execute(sql + " ORDER BY on_date, id", params)]

    def lab(self, lab_id: int) -> LabResult:
        row = self._conn.execute("SELECT * FROM labs WHERE id = ?", (lab_id,)).fetchone()
        if row is None:
            raise ValidationError(code="lab.unknown_id", field="id", values={"id": lab_id})
        found: LabResult = lab_conv().lab_of(row)
        return found

    def add_lab(
        self, result: LabResult, now: datetime, *, again: bool = False, sure: bool = False
    ) -> LabResult:
        """Store a result as entered. An unusual value (a typo guard of the lab catalog) is a question
        (NeedsConfirmation) unless it is marked confirmed or `sure`: she has checked the number and unit.
        The same test, day and value already stored is refused (DuplicateEntry) unless `again`."""
        # quick path: `today` would import domain.labcatalog, domain.betas, domain.labs and 2 more (+4.3 ms)
        from rpltrack.domain.labcatalog import resolve

        # quick path: `today` would import domain.labs, domain.betas, fractions (+2.5 ms)
        from rpltrack.domain.labs import day_words, value_words

        self._writable()
        test = resolve(result.test)
        result = self._checked_unusual(result, test.name, confirmed=result.confirmed_unusual or sure)
        if not again:
            existing = self._same_result(result)
            if existing is not None and existing.id is not None:
                raise DuplicateEntry(
                    f"{test.name} {value_words(result.value)} of {day_words(result.on)} is already recorded "
                    f"(lab {existing.id})",
                    existing_id=existing.id,
                    field="value",
                )
        with self._w.txn():
            summary = f"added {test.name} {value_words(result.value)} of {day_words(result.on)}"
            change = self._w.open_change("lab add", summary, now)
            lab_id = self._w.insert(change, "labs", lab_conv().lab_values(result, now))
        return self.lab(lab_id)

    def _checked_unusual(self, result: LabResult, name: str, *, confirmed: bool) -> LabResult:
        """`result` marked checked when its value is unusual and she confirmed it (unmarked when it is not
        unusual); a question (NeedsConfirmation) when it is unusual and not confirmed."""
        # quick path: `today` would import domain.labcatalog, domain.betas, domain.labs and 2 more (+4.3 ms)
        from rpltrack.domain.labcatalog import is_unusual, resolve

        # quick path: `today` would import domain.labs, domain.betas, fractions (+2.5 ms)
        from rpltrack.domain.labs import value_words

        unusual = is_unusual(resolve(result.test), result.value)
        if unusual and not confirmed:
            raise NeedsConfirmation(
                f"{name} {value_words(result.value)} is unusual — check the number and unit on the report. "
                "Keep it?",
                field="value",
            )
        return replace(result, confirmed_unusual=unusual)

    def _same_result(self, result: LabResult) -> LabResult | None:
        """A stored result of the same test, day and value as `result` (another entry than itself)."""
        # quick path: `today` would import domain.labs, domain.betas, fractions (+2.5 ms)
        from rpltrack.domain.labs import same_result

        for row in self._conn.execute(
            "SELECT * FROM labs WHERE test = ? AND on_date = ? ORDER BY id",
            (result.test, result.on.isoformat()),
        ):
            found: LabResult = lab_conv().lab_of(row)
            if found.id != result.id and same_result(found, result):
                return found
        return None

    def edit_lab(self, lab_id: int, now: datetime, *, sure: bool = False, **fields: Any) -> LabResult:
        """Correct a result: only the fields given change (test, on, value, reference, on_anticoagulant,
        note, lab, confirmed_unusual), checked by the model; nothing changed is no change. An edited value
        that is unusual is a question (NeedsConfirmation) unless `sure` or confirmed_unusual=True."""
        # quick path: `today` would import domain.labcatalog, domain.betas, domain.labs and 2 more (+4.3 ms)
        from rpltrack.domain.labcatalog import resolve

        # quick path: `today` would import domain.labs, domain.betas, fractions (+2.5 ms)
        from rpltrack.domain.labs import EDITABLE_LAB_FIELDS, day_words, lab_differences

        unknown = set(fields) - EDITABLE_LAB_FIELDS
        if unknown:
            raise TypeError(f"edit_lab() cannot change {', '.join(sorted(unknown))}")
        self._writable()
        current = self.lab(lab_id)
        updated = replace(current, **fields)
        value_kept = (updated.test, updated.value) == (current.test, current.value)
        confirmed = (
            sure or bool(fields.get("confirmed_unusual")) or (value_kept and current.confirmed_unusual)
        )
        updated = self._checked_unusual(updated, resolve(updated.test).name, confirmed=confirmed)
        conv = lab_conv()
        old, new = conv.lab_values(current, now), conv.lab_values(updated, now)
        changed = {k: v for k, v in new.items() if old[k] != v and k != "created_utc"}
        if not changed:
            return current
        words = lab_differences(current, updated, lambda key: resolve(key).name)
        summary = f"changed {resolve(current.test).name} of {day_words(current.on)}: {'; '.join(words)}"
        with self._w.txn():
            change = self._w.open_change("lab edit", summary, now)
            self._w.update(change, "labs", lab_id, changed)
        return self.lab(lab_id)

    def _marks_on_lab(self, lab_id: int) -> list[sqlite3.Row]:
        """Her marks on the flags this result raised (their keys name it: tsh-above-target:lab12)."""
        subject = f"lab{lab_id}"
        return [
            row
            for row in self._conn.execute("SELECT * FROM flag_marks ORDER BY id")
            if subject in str(row["flag_key"]).split(":")[1:]
        ]

    def dependents_of_lab(self, lab_id: int) -> list[str]:
        """What goes with a result when it is deleted, in words ("1 flag you acknowledged"); [] when none."""
        self.lab(lab_id)
        return mark_words(self._marks_on_lab(lab_id))

    def delete_lab(self, lab_id: int, now: datetime, *, with_dependents: bool = False) -> LabResult:
        """Remove a result; her marks on the flags it raised go with it (HasDependents unless
        `with_dependents`). One change: undo brings both back."""
        # quick path: `today` would import domain.labcatalog, domain.betas, domain.labs and 2 more (+4.3 ms)
        from rpltrack.domain.labcatalog import resolve

        # quick path: `today` would import domain.labs, domain.betas, fractions (+2.5 ms)
        from rpltrack.domain.labs import day_words, value_words

        self._writable()
        current = self.lab(lab_id)
        marks = self._marks_on_lab(lab_id)
        what = f"{resolve(current.test).name} {value_words(current.value)} of {day_words(current.on)}"
        self._delete_with_marks(
            "lab delete", "labs", lab_id, what, marks, now, with_dependents=with_dependents
        )
        return current

    def snapshot(self, now: datetime, zone: ZoneInfo) -> JournalSnapshot:
        """What the flag rules read, as of `now`: everything clinical, and the dose logs of the short
        window the missed-dose rules look back over."""
        # quick path: `today` would import flags.model, domain.betas, domain.sessions and 2 more (+7.1 ms)
        from rpltrack.flags.model import JournalSnapshot

        at = now.astimezone(UTC)  # arithmetic and comparisons in UTC: a repeated hour's fold is kept
        since = at - FLAG_DOSE_WINDOW
        today = now.astimezone(zone).date()
        counts = {
            int(r["medication_id"]): int(r["n"])
            for r in self._conn.execute(
                "SELECT d.medication_id, count(*) AS n FROM doses d JOIN medications m "
                "ON m.id = d.medication_id WHERE d.status = 'taken' AND m.supply_utc IS NOT NULL "
                "AND d.taken_utc >= m.supply_utc GROUP BY d.medication_id"
            )
        }
        return JournalSnapshot(
            now=now,
            zone=zone,
            labs=tuple(r for r in self.labs() if r.on <= today),
            betas=tuple(b for b in self.betas() if b.drawn_at.astimezone(UTC) <= at),
            pregnancies=tuple(self.pregnancies()),
            cycles=tuple(self.cycles()),
            medications=tuple(self.medications()),
            doses=tuple(self.logs_between(since, at + timedelta(days=1))),
            doses_since=since,
            settings=self.stored_settings(),
            grace=self.grace(),
            taken_since_supply=counts,
        )

    def flag_board(self, now: datetime, zone: ZoneInfo) -> Board:
        """The flags as of `now`: those to raise, those she marked, and the rules that could not judge."""
        # quick path: `today` would import flags.rules, domain.labcatalog, domain.betas and 16 more (+13 ms)
        from rpltrack.flags.rules import board

        return board(self.snapshot(now, zone), self.flag_marks())

    def flag_marks(self) -> dict[str, FlagMark]:
        """Her marks on flags, by flag key."""
        return {
            m.key: m
            for m in map(lab_conv().mark_of, self._conn.execute("SELECT * FROM flag_marks ORDER BY id"))
        }

    def mark_flag(
        self,
        flag: Flag,
        state: MarkState,
        now: datetime,
        *,
        note: str = "",
        appointment_id: int | None = None,
    ) -> FlagMark:
        """Acknowledge a flag, or mark it raised at an appointment (replacing an earlier mark on it)."""
        if len(note) > 2000:
            raise ValidationError("a note can be at most 2000 characters", field="note")
        self._writable()
        values = {
            "flag_key": flag.key,
            "rule": flag.rule,
            "state": state.value,
            "title": flag.title,
            "note": note,
            "appointment_id": appointment_id,
            "at_utc": rows.utc_text(now),
        }
        with self._w.txn():
            change = self._w.open_change(f"flag {state.value}", f"{state.value}: {flag.title}", now)
            old = self._conn.execute("SELECT id FROM flag_marks WHERE flag_key = ?", (flag.key,)).fetchone()
            if old is None:
                self._w.insert(change, "flag_marks", values)
            else:
                self._w.update(change, "flag_marks", int(old["id"]), values)
        return self.flag_marks()[flag.key]

    def unmark_flag(self, key: str, now: datetime) -> None:
        """Take a mark back: the flag is active again."""
        self._writable()
        row = self._conn.execute("SELECT id, title FROM flag_marks WHERE flag_key = ?", (key,)).fetchone()
        if row is None:
            raise ValidationError(f"the flag {key} has no mark to take back", field="id")
        with self._w.txn():
            change = self._w.open_change("flag unmark", f"active again: {row['title']}", now)
            self._w.delete(change, "flag_marks", int(row["id"]))

    def flag_mark_titles(self) -> dict[str, str]:
        """Each mark's flag title as stored when it was marked, by flag key: the export lists marks whose
        flag no longer shows under that title."""
        return {
            str(r["flag_key"]): str(r["title"])
            for r in self._conn.execute("SELECT flag_key, title FROM flag_marks")
        }
