"""Undo and redo as a whole (#13): any sequence of adds, edits, deletes, undos and redos leaves the journal
equal, row by row, to a fresh journal where only the surviving changes were made; undoing all empties it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpltrack.domain.appointments import Appointment, AppointmentKind
from rpltrack.domain.betas import BetaDraw, HcgValue, Op
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labs import LabResult, LabValue
from rpltrack.store.journal import Journal
from rpltrack.store.writer import TABLES_WITH_AUDIT
from tests.store import _support as s

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 1, 9, 0, tzinfo=LONDON)

# An operation: a name (for the failure report) and what it does to a journal at `now`. Its arguments are
# fixed when it is first run (ids resolved against that journal): a replay elsewhere does the same thing.
Step = tuple[str, Callable[[Journal, datetime], Any]]


def lab_value(text: str) -> LabValue:
    from rpltrack.domain.labcatalog import parse_lab_value, resolve

    return parse_lab_value(resolve("TSH"), text)


def _ids(journal: Journal, table: str) -> list[int]:
    return [int(r["id"]) for r in journal._w.rows_of(table)]


def _pick(journal: Journal, table: str, n: int) -> int | None:
    ids = _ids(journal, table)
    return ids[n % len(ids)] if ids else None


def make_step(journal: Journal, kind: str, n: int) -> Step | None:
    """The concrete step `kind` would be on this journal now (None when it has nothing to act on)."""
    if kind == "med add":
        med = s.daily(name=f"drug {n}", dose=f"{1 + n % 50} mg")
        return kind, lambda j, now: j.add_medication(med, now)
    if kind == "med edit":
        med_id = _pick(journal, "medications", n)
        if med_id is None:
            return None
        return kind, lambda j, now: j.update_medication(med_id, now, notes=f"note {n}")
    if kind == "cycle add":
        cycle = Cycle(CycleKind.NATURAL, date(2026, 1, 1) + timedelta(days=35 * (n % 8)))
        return kind, lambda j, now: j.add_cycle(cycle, now)
    if kind == "beta add":
        draw = BetaDraw(START - timedelta(days=n % 20, hours=n % 7), HcgValue(Op.EQ, Decimal(10 + n)))
        return kind, lambda j, now: j.add_beta(draw, now)
    if kind == "appt add":
        appt = Appointment(START + timedelta(days=1 + n % 30), AppointmentKind.RE, "Dr Lee")
        return kind, lambda j, now: j.add_appointment(appt, now)
    if kind == "appt edit":
        appt_id = _pick(journal, "appointments", n)
        if appt_id is None:
            return None
        return kind, lambda j, now: j.edit_appointment(appt_id, now, where=f"room {n}")
    if kind == "cycle edit":
        cycle_id = _pick(journal, "cycles", n)
        if cycle_id is None:
            return None
        return kind, lambda j, now: j.edit_cycle(cycle_id, now, notes=f"notes {n}", clinic="Riverside")
    if kind == "cycle delete":
        cycle_id = _pick(journal, "cycles", n)
        if cycle_id is None:
            return None
        return kind, lambda j, now: j.delete_cycle(cycle_id, now, with_dependents=True)
    if kind == "event add":
        cycle_id = _pick(journal, "cycles", n)
        if cycle_id is None:
            return None
        cycle = journal.cycle(cycle_id)
        event = CycleEvent(EventKind.ULTRASOUND, cycle.cd1 + timedelta(days=n % 20))
        return kind, lambda j, now: j.add_event(cycle_id, event, now)
    if kind == "event delete":
        event_id = _pick(journal, "cycle_events", n)
        if event_id is None:
            return None
        return kind, lambda j, now: j.delete_event(event_id, now, with_dependents=True)
    if kind == "beta edit":
        beta_id = _pick(journal, "betas", n)
        if beta_id is None:
            return None
        corrected = HcgValue(Op.EQ, Decimal(20 + n))
        return kind, lambda j, now: j.edit_beta(beta_id, now, value=corrected)
    if kind == "beta delete":
        beta_id = _pick(journal, "betas", n)
        if beta_id is None:
            return None
        return kind, lambda j, now: j.delete_beta(beta_id, now)
    if kind == "med rename":
        med_id = _pick(journal, "medications", n)
        if med_id is None:
            return None
        return kind, lambda j, now: j.edit_medication(med_id, now, name=f"renamed {n}", notes="fixed")
    if kind == "med delete":
        med_id = _pick(journal, "medications", n)
        if med_id is None:
            return None
        return kind, lambda j, now: j.delete_medication(med_id, now, with_dependents=True)
    if kind == "lab add":
        result = LabResult(
            "tsh", date(2026, 10, 1) + timedelta(days=n % 30), lab_value(f"{1 + n % 4}.{n % 10}")
        )
        return kind, lambda j, now: j.add_lab(result, now)
    if kind == "lab edit":
        lab_id = _pick(journal, "labs", n)
        if lab_id is None:
            return None
        return kind, lambda j, now: j.edit_lab(lab_id, now, note=f"note {n}")
    if kind == "lab delete":
        lab_id = _pick(journal, "labs", n)
        if lab_id is None:
            return None
        return kind, lambda j, now: j.delete_lab(lab_id, now, with_dependents=True)
    if kind == "appt delete":
        appt_id = _pick(journal, "appointments", n)
        if appt_id is None:
            return None
        return kind, lambda j, now: j.delete_appointment(appt_id, now, with_dependents=True)
    if kind == "setting":
        grace = f"{1 + n % 5}h"
        return kind, lambda j, now: j.set_setting("reminders.grace", grace, now)
    raise AssertionError(kind)


KINDS = (
    "med add",
    "med edit",
    "cycle add",
    "cycle edit",
    "cycle delete",
    "event add",
    "event delete",
    "beta add",
    "beta edit",
    "beta delete",
    "appt add",
    "appt edit",
    "appt delete",
    "med rename",
    "med delete",
    "lab add",
    "lab edit",
    "lab delete",
    "setting",
)
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(KINDS), st.integers(0, 1000)),
        st.tuples(st.sampled_from(("undo", "redo")), st.just(0)),
    ),
    max_size=20,
)


def table_rows(journal: Journal) -> dict[str, list[dict[str, Any]]]:
    found = {t: list(journal._w.rows_of(t)) for t in TABLES_WITH_AUDIT}
    for row in found["settings"]:
        row.pop("updated_utc")  # when it was set (the replay sets it at another moment, by design)
    return found


def run(journal: Journal, actions: list[tuple[str, int]]) -> list[tuple[Step, datetime]]:
    """Do `actions`; return the surviving steps (made, not undone) in the order they were made."""
    done: list[tuple[Step, datetime]] = []
    undone: list[tuple[Step, datetime]] = []
    for i, (kind, n) in enumerate(actions):
        now = START + timedelta(minutes=i)
        if kind == "undo":
            if journal.undo(now) is not None:
                undone.append(done.pop())
            else:
                assert done == []
            continue
        if kind == "redo":
            if journal.redo(now) is not None:
                done.append(undone.pop())
            else:
                assert undone == []
            continue
        step = make_step(journal, kind, n)
        if step is None:
            continue
        before = journal.count("changes")
        try:
            step[1](journal, now)
        except ValidationError:
            assert journal.count("changes") == before  # a refusal writes nothing
            continue
        if journal.count("changes") > before:
            done.append((step, now))
            undone.clear()
    return done


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_undo_redo_equal_replaying_the_surviving_changes(actions: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        journal = Journal.open(Path(folder) / "walked.db", now=START)
        survivors = run(journal, actions)
        walked = table_rows(journal)
        replayed_journal = Journal.open(Path(folder) / "replayed.db", now=START)
        for (_, do), now in survivors:
            do(replayed_journal, now)
        assert table_rows(replayed_journal) == walked, [name for (name, _), _ in survivors]
        replayed_journal.close()

        while journal.undo(START + timedelta(days=1)) is not None:
            pass
        assert all(rows == [] for table, rows in table_rows(journal).items() if table != "settings")
        assert [r for r in journal._w.rows_of("settings") if r["value"] != ""] == []
        journal.close()
        # Durable: the emptied journal reads empty when opened again.
        with Journal.open(Path(folder) / "walked.db", now=START) as reopened:
            assert all(rows == [] for table, rows in table_rows(reopened).items() if table != "settings")
