"""Lab results, flag marks and the snapshot the flag rules read."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import ValidationError
from rpltrack.store import rows
from rpltrack.store.base import lab_conv
from rpltrack.store.medications import MedicationStore

# typing costs ~10 ms to import on a slow laptop; the CLI's fast commands never need it at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from rpltrack.domain.labs import LabResult
    from rpltrack.flags.model import Flag, FlagMark, JournalSnapshot, MarkState


# The missed-dose flag rules look back this far; the snapshot carries the dose logs of this window only.
FLAG_DOSE_WINDOW = timedelta(days=15)


class LabStore(MedicationStore):
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
            raise ValidationError(f"there is no lab result with id {lab_id}: see rpltrack labs", field="id")
        found: LabResult = lab_conv().lab_of(row)
        return found

    def add_lab(self, result: LabResult, now: datetime) -> LabResult:
        """Store a result as entered. An unusual value (a typo guard of the lab catalog) is refused unless
        it is marked confirmed: she has checked the number and unit."""
        from rpltrack.domain.labcatalog import is_unusual, resolve

        self._writable()
        if is_unusual(resolve(result.test), result.value) and not result.confirmed_unusual:
            raise ValidationError(
                f"{result.value} is unusual for this test: check the number and unit on the report, then "
                "confirm to keep it",
                field="value",
            )
        with self._w.txn():
            change = self._w.open_change("lab add", f"{result.test} {result.value} on {result.on}", now)
            lab_id = self._w.insert(change, "labs", lab_conv().lab_values(result, now))
        return self.lab(lab_id)

    def snapshot(self, now: datetime, zone: ZoneInfo) -> JournalSnapshot:
        """What the flag rules read, as of `now`: everything clinical, and the dose logs of the short
        window the missed-dose rules look back over."""
        from rpltrack.flags.model import JournalSnapshot

        since = now - FLAG_DOSE_WINDOW
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
            betas=tuple(b for b in self.betas() if b.drawn_at <= now),
            pregnancies=tuple(self.pregnancies()),
            cycles=tuple(self.cycles()),
            medications=tuple(self.medications()),
            doses=tuple(self.logs_between(since, now + timedelta(days=1))),
            doses_since=since,
            settings=self.stored_settings(),
            grace=self.grace(),
            taken_since_supply=counts,
        )

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
