"""Cycles, their events and transfers, beta results, pregnancies and losses."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import replace
from rpltrack.store import rows
from rpltrack.store.base import JournalBase, timeline_conv

# typing costs ~10 ms to import on a slow laptop; the CLI's fast commands never need it at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rpltrack.domain.betas import BetaDraw
    from rpltrack.domain.cycles import Cycle, CycleEvent, Transfer
    from rpltrack.domain.dating import Dating
    from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy


class TimelineStore(JournalBase):
    """Cycles, events, transfers, betas, pregnancies and losses."""

    def cycles(self) -> list[Cycle]:
        """Every cycle, newest CD1 first, with its events and transfers in date order."""
        return self._load_cycles()

    def _load_cycles(self, where: str = "", params: tuple[Any, ...] = ()) -> list[Cycle]:
        timeline = timeline_conv()
        found = self._conn.execute(
            f"SELECT * FROM cycles {where} ORDER BY cd1 DESC, id DESC", params
        ).fetchall()
        ids = tuple(r["id"] for r in found)
        marks = ", ".join("?" for _ in ids)
        events: dict[int, list[CycleEvent]] = {}
        transfers: dict[int, list[Transfer]] = {}
        if ids:
            for row in self._conn.execute(
                f"SELECT * FROM cycle_events WHERE cycle_id IN ({marks}) ORDER BY on_date, id", ids
            ):
                events.setdefault(row["cycle_id"], []).append(timeline.event_of(row))
            for row in self._conn.execute(
                f"SELECT * FROM transfers WHERE cycle_id IN ({marks}) ORDER BY on_date, id", ids
            ):
                transfers.setdefault(row["cycle_id"], []).append(timeline.transfer_of(row))
        return [
            timeline.cycle_of(row, tuple(events.get(row["id"], ())), tuple(transfers.get(row["id"], ())))
            for row in found
        ]

    def cycle(self, cycle_id: int) -> Cycle:
        found = self._load_cycles("WHERE id = ?", (cycle_id,))
        if found:
            return found[0]
        raise ValidationError(f"there is no cycle with id {cycle_id}: see rpltrack cycle list", field="cycle")

    def cycle_on(self, day: date) -> Cycle | None:
        """The latest cycle that covers `day` (started on or before it and not ended before it)."""
        return next((c for c in self.cycles() if c.active_on(day)), None)

    def add_cycle(self, cycle: Cycle, now: datetime) -> Cycle:
        self._writable()
        previous = self.cycle_on(cycle.cd1)
        if previous is not None and previous.cd1 == cycle.cd1 and previous.kind is cycle.kind:
            raise ValidationError(
                f"a {cycle.kind.value} cycle from {cycle.cd1} is already recorded (cycle {previous.id})",
                field="cd1",
            )
        with self._w.txn():
            change = self._w.open_change(
                "cycle add", f"started a {cycle.kind.value} cycle on {cycle.cd1}", now
            )
            cycle_id = self._w.insert(change, "cycles", timeline_conv().cycle_values(cycle, now))
        return self.cycle(cycle_id)

    def end_cycle(self, cycle_id: int, on: date, outcome: str, now: datetime) -> Cycle:
        self._writable()
        cycle = self.cycle(cycle_id)
        replace(cycle, ended_on=on)  # validates the date against CD1
        with self._w.txn():
            change = self._w.open_change("cycle end", f"ended cycle {cycle_id} on {on}", now)
            self._w.update(change, "cycles", cycle_id, {"ended_on": on.isoformat(), "outcome": outcome})
        return self.cycle(cycle_id)

    def add_event(self, cycle_id: int, event: CycleEvent, now: datetime) -> Cycle:
        self._writable()
        cycle = self.cycle(cycle_id)
        cycle.check_event(event)
        values = {
            "cycle_id": cycle_id,
            "kind": event.kind.value,
            "on_date": event.on.isoformat(),
            "note": event.note,
            "created_utc": rows.utc_text(now),
        }
        with self._w.txn():
            change = self._w.open_change("event add", f"{event.kind.value} on {event.on}", now)
            self._w.insert(change, "cycle_events", values)
        return self.cycle(cycle_id)

    def add_transfer(self, cycle_id: int, transfer: Transfer, now: datetime) -> Cycle:
        self._writable()
        cycle = self.cycle(cycle_id)
        cycle.check_transfer(transfer)
        values = {
            "cycle_id": cycle_id,
            "on_date": transfer.on.isoformat(),
            "embryo_day": transfer.embryo_day,
            "embryo_count": transfer.embryo_count,
            "grade": transfer.grade,
            "pgt": transfer.pgt,
            "created_utc": rows.utc_text(now),
        }
        with self._w.txn():
            change = self._w.open_change(
                "transfer add", f"day-{transfer.embryo_day} transfer on {transfer.on}", now
            )
            self._w.insert(change, "transfers", values)
        return self.cycle(cycle_id)

    def betas(self) -> list[BetaDraw]:
        """Every beta result, oldest first."""
        return [
            timeline_conv().beta_of(r)
            for r in self._conn.execute("SELECT * FROM betas ORDER BY drawn_utc, id")
        ]

    def add_beta(self, draw: BetaDraw, now: datetime, *, confirmed_unusual: bool = False) -> BetaDraw:
        self._writable()
        zone = draw.drawn_at.tzinfo
        zone_name = zone.key if isinstance(zone, ZoneInfo) else "UTC"
        if draw.cycle_id is None:
            cycle = self.cycle_on(draw.drawn_at.date())
            draw = replace(draw, cycle_id=cycle.id if cycle else None)
        else:
            self.cycle(draw.cycle_id)
        with self._w.txn():
            change = self._w.open_change(
                "beta add", f"beta {draw.value} drawn {rows.utc_text(draw.drawn_at)}", now
            )
            beta_id = self._w.insert(
                change, "betas", timeline_conv().beta_values(draw, zone_name, confirmed_unusual, now)
            )
        row = self._conn.execute("SELECT * FROM betas WHERE id = ?", (beta_id,)).fetchone()
        stored: BetaDraw = timeline_conv().beta_of(row)
        return stored

    def pregnancies(self) -> list[Pregnancy]:
        """Every pregnancy and past loss, oldest first."""
        found = [
            timeline_conv().pregnancy_of(r)
            for r in self._conn.execute("SELECT * FROM pregnancies ORDER BY id")
        ]
        return sorted(found, key=lambda p: (p.sort_on, p.id or 0))

    def add_pregnancy(self, pregnancy: Pregnancy, now: datetime) -> Pregnancy:
        self._writable()
        if pregnancy.cycle_id is not None:
            self.cycle(pregnancy.cycle_id)
        if pregnancy.outcome.value == "ongoing" and any(
            p.outcome.value == "ongoing" for p in self.pregnancies()
        ):
            raise ValidationError(
                "a pregnancy is already recorded as ongoing: record how it ended first "
                "(rpltrack pregnancy end)",
                field="date",
            )
        summary = f"recorded a pregnancy ({pregnancy.describe()})"
        with self._w.txn():
            change = self._w.open_change("pregnancy add", summary, now)
            preg_id = self._w.insert(change, "pregnancies", timeline_conv().pregnancy_values(pregnancy, now))
        row = self._conn.execute("SELECT * FROM pregnancies WHERE id = ?", (preg_id,)).fetchone()
        saved: Pregnancy = timeline_conv().pregnancy_of(row)
        return saved

    def end_pregnancy(
        self,
        pregnancy_id: int | None,
        outcome: Outcome,
        on: date,
        ga_days: int | None,
        confirmed: Confirmation | None,
        now: datetime,
    ) -> Pregnancy:
        """Record how a pregnancy ended (the ongoing one unless an id is given)."""
        self._writable()
        candidates = [
            p
            for p in self.pregnancies()
            if (p.id == pregnancy_id if pregnancy_id is not None else p.outcome.value == "ongoing")
        ]
        if not candidates:
            raise ValidationError(
                "no ongoing pregnancy is recorded: add one with rpltrack pregnancy add, "
                "or record a past loss with rpltrack loss add",
                field="id",
            )
        current = candidates[0]
        assert current.id is not None
        if ga_days is None and current.cycle_id is not None:
            dating = self.cycle(current.cycle_id).dating_on(on, pregnant=True)
            ga_days = dating.ga_days
        ended = replace(current, outcome=outcome, ended_on=on, ga_at_end_days=ga_days, confirmed=confirmed)
        values = timeline_conv().pregnancy_values(ended, now)
        values.pop("created_utc")
        with self._w.txn():
            change = self._w.open_change("pregnancy end", f"recorded {ended.describe()}", now)
            self._w.update(change, "pregnancies", current.id, values)
        row = self._conn.execute("SELECT * FROM pregnancies WHERE id = ?", (current.id,)).fetchone()
        saved: Pregnancy = timeline_conv().pregnancy_of(row)
        return saved

    def dating_on(self, day: date) -> Dating | None:
        """Where she is on `day`: cycle day, days past transfer, GA while a pregnancy is ongoing."""
        row = self._conn.execute(
            "SELECT id FROM cycles WHERE cd1 <= :day AND (ended_on IS NULL OR ended_on >= :day) "
            "ORDER BY cd1 DESC, id DESC LIMIT 1",
            {"day": day.isoformat()},
        ).fetchone()
        if row is None:
            return None
        pregnant = self._conn.execute("SELECT EXISTS (SELECT 1 FROM pregnancies WHERE outcome = 'ongoing')")
        cycle: Cycle = self._load_cycles("WHERE id = ?", (row["id"],))[0]
        return cycle.dating_on(day, pregnant=bool(pregnant.fetchone()[0]))

    def _cycle_of(self, table: str, row_id: int) -> Cycle:
        row = self._conn.execute(f"SELECT cycle_id FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            what = "event" if table == "cycle_events" else "transfer"
            raise ValidationError(f"there is no {what} with id {row_id}: see rpltrack cycle list", field="id")
        return self.cycle(int(row["cycle_id"]))

    def move_event(self, event_id: int, on: date, now: datetime) -> Cycle:
        """Correct an event's date; schedules anchored to it follow."""
        self._writable()
        cycle = self._cycle_of("cycle_events", event_id)
        assert cycle.id is not None
        (event,) = (e for e in cycle.events if e.id == event_id)
        others = replace(cycle, events=tuple(e for e in cycle.events if e.id != event_id))
        others.check_event(replace(event, on=on))
        with self._w.txn():
            change = self._w.open_change(
                "event edit", f"moved {event.kind.value} from {event.on} to {on}", now
            )
            self._w.update(change, "cycle_events", event_id, {"on_date": on.isoformat()})
        return self.cycle(cycle.id)

    def edit_transfer(self, transfer_id: int, on: date, embryo_day: int, now: datetime) -> Cycle:
        """Correct a transfer's date or embryo day; anchored schedules and dating follow."""
        self._writable()
        cycle = self._cycle_of("transfers", transfer_id)
        assert cycle.id is not None
        (transfer,) = (t for t in cycle.transfers if t.id == transfer_id)
        changed = replace(transfer, on=on, embryo_day=embryo_day)
        replace(cycle, transfers=tuple(t for t in cycle.transfers if t.id != transfer_id)).check_transfer(
            changed
        )
        summary = f"changed the transfer of {transfer.on} to {on}, day {embryo_day}"
        with self._w.txn():
            change = self._w.open_change("transfer edit", summary, now)
            self._w.update(
                change, "transfers", transfer_id, {"on_date": on.isoformat(), "embryo_day": embryo_day}
            )
        return self.cycle(cycle.id)

    def cycle_of_transfer(self, transfer_id: int) -> Cycle:
        return self._cycle_of("transfers", transfer_id)
