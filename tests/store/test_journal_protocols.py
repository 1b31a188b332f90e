"""Protocol templates in the journal: applied in one change, anchored doses follow events, kept templates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rpltrack.clock import FixedClock
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import build_change
from rpltrack.domain.models import Medication
from rpltrack.domain.protocol_writing import render_template
from rpltrack.domain.protocols import (
    AlreadyApplied,
    DuplicateMedications,
    TemplateError,
    builtin_template,
    parse_template,
)
from rpltrack.domain.records import replace
from rpltrack.domain.schedule import expand
from rpltrack.store.db import errors
from rpltrack.store.journal import Journal
from rpltrack.store.migrations import HEAD
from tests.cli.support import checksum

LONDON = ZoneInfo("Europe/London")
APPLIED = ("medications", "regimens", "protocol_uses")
FET_DOSES = {"estradiol": "2 mg", "progesterone in oil": "1 mL"}


def fet_cycle(journal: Journal, now: datetime, *, positive: bool = True) -> Cycle:
    """CD1 2026-10-20, a day-5 transfer on 2026-11-08, and (optionally) a positive beta on 2026-11-17."""
    cycle = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 10, 20)), now)
    assert cycle.id is not None
    journal.add_transfer(cycle.id, Transfer(date(2026, 11, 8), 5), now)
    if positive:
        journal.add_event(cycle.id, CycleEvent(EventKind.POSITIVE_BETA, date(2026, 11, 17)), now)
    return journal.cycle(cycle.id)


def apply_both(journal: Journal, cycle: Cycle, now: datetime) -> list[Medication]:
    fet = builtin_template("medicated-fet-pio")
    aps = builtin_template("aspirin-lmwh")
    assert fet is not None
    assert aps is not None
    return [
        *journal.apply_protocol(fet, cycle.id, LONDON, now, doses=FET_DOSES),
        *journal.apply_protocol(aps, cycle.id, LONDON, now),
    ]


def days(med: Medication) -> tuple[date | None, date | None]:
    return (None if med.waiting else med.start_on, med.last_day)


def doses(med: Medication) -> list[tuple[str, date]]:
    """The dose in force from each date (the regimen dated the day it was added repeats the first)."""
    found: list[tuple[str, date]] = []
    for regimen in med.schedule_regimens:
        if not found or found[-1][0] != str(regimen.amount):
            found.append((str(regimen.amount), regimen.effective_on))
    return found


def test_a_fresh_journal_has_the_protocol_tables(journal: Journal) -> None:
    assert journal.schema_version == HEAD
    assert journal.protocols() == []
    assert journal.protocol_uses() == []


def test_moving_the_transfer_moves_every_dose_that_depends_on_it(journal: Journal, clock: FixedClock) -> None:
    now = clock.now()
    cycle = fet_cycle(journal, now)
    apply_both(journal, cycle, now)
    before = {m.name: m for m in journal.medications()}
    assert {name: days(m) for name, m in before.items()} == {
        # 36w0d of a day-5 transfer on 2026-11-08 is 2027-06-29 (LMP-equivalent 2026-10-20 + 252 days)
        "aspirin": (date(2026, 11, 23), date(2027, 6, 28)),
        "enoxaparin": (date(2026, 11, 17), date(2027, 6, 28)),
        "estradiol": (date(2026, 10, 20), None),
        "progesterone in oil": (date(2026, 11, 3), None),
    }
    (transfer,) = cycle.transfers
    assert transfer.id is not None
    journal.edit_transfer(transfer.id, date(2026, 11, 10), 5, now)
    after = {m.name: m for m in Journal.open(journal.path).medications()}
    two = timedelta(days=2)
    assert {name: days(m) for name, m in after.items()} == {
        "aspirin": (date(2026, 11, 23), date(2027, 6, 28) + two),
        "enoxaparin": (date(2026, 11, 17), date(2027, 6, 28) + two),
        "estradiol": (date(2026, 10, 20), None),
        "progesterone in oil": (date(2026, 11, 3) + two, None),
    }
    window = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    pio_before = [s.local_at + two for s in expand(before["progesterone in oil"], *window)]
    pio_after = [s.local_at for s in expand(after["progesterone in oil"], *window)]
    assert pio_after == [at for at in pio_before if at < window[1]]
    assert pio_after[0].date() == date(2026, 11, 5)
    (positive,) = journal.cycle(cycle.id or 0).events
    assert positive.id is not None
    journal.move_event(positive.id, date(2026, 11, 19), now)
    enoxaparin = next(m for m in journal.medications() if m.name == "enoxaparin")
    assert days(enoxaparin) == (date(2026, 11, 19), date(2027, 6, 30))


def test_applying_before_the_events_leaves_medications_waiting_for_them(
    journal: Journal, clock: FixedClock
) -> None:
    now = clock.now()
    cycle = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 11, 10)), now)
    fet = builtin_template("medicated-fet-pio")
    assert fet is not None
    estradiol, pio = journal.apply_protocol(fet, cycle.id, LONDON, now, doses=FET_DOSES)
    assert not estradiol.waiting
    assert pio.waiting
    assert pio.anchor_dates is not None
    assert pio.anchor_dates.waiting_for == "transfer"


def test_a_failure_on_the_third_medication_writes_nothing(journal: Journal, clock: FixedClock) -> None:
    now = clock.now()
    cycle = fet_cycle(journal, now)
    text = render_template(
        parse_template(
            """
name = "three"
title = "Three"
[[medication]]
name = "aspirin"
dose = "81 mg"
times = ["08:00"]
[[medication]]
name = "folic acid"
dose = "0.4 mg"
times = ["08:00"]
[[medication]]
name = "pio"
dose = "1 mL"
times = ["20:00"]
start = "transfer"
until = "cd1+1d"
"""
        )
    )
    before = checksum(journal.path)
    with pytest.raises(ValidationError, match="pio: this schedule would end"):
        journal.apply_protocol(parse_template(text), cycle.id, LONDON, now)
    assert checksum(journal.path) == before
    # The same at the database: the third insert breaks a constraint, the first two are rolled back.
    aspirin, folic, pio = journal.plan_protocol(
        parse_template(text.replace('until = "cd1+1d"\n', "")), cycle.id, LONDON, now
    )
    with pytest.raises(errors("IntegrityError")):  # sqlite3's, or SQLCipher's for a locked journal
        journal.add_medications([aspirin, folic, replace(pio, zone="")], now, protocol="three")
    assert checksum(journal.path) == before
    assert not journal.in_transaction


def test_one_undo_takes_back_everything_a_template_added(journal: Journal, clock: FixedClock) -> None:
    now = clock.now()
    cycle = fet_cycle(journal, now)
    before = checksum(journal.path, APPLIED)
    fet = builtin_template("medicated-fet-pio")
    assert fet is not None
    added = journal.apply_protocol(fet, cycle.id, LONDON, now, doses=FET_DOSES)
    assert [m.name for m in added] == ["estradiol", "progesterone in oil"]
    assert journal.changes(1)[0].summary == "applied medicated-fet-pio: added estradiol, progesterone in oil"
    assert [(u.protocol, u.cycle_id, u.medications) for u in journal.protocol_uses()] == [
        ("medicated-fet-pio", cycle.id, 2)
    ]
    journal.undo(now)
    assert checksum(journal.path, APPLIED) == before
    assert journal.medications() == []
    # Undone, it may be applied again without --again.
    assert len(journal.apply_protocol(fet, cycle.id, LONDON, now, doses=FET_DOSES)) == 2


def test_applying_twice_or_doubling_a_medication_is_refused_unless_again(
    journal: Journal, clock: FixedClock
) -> None:
    now = clock.now()
    cycle = fet_cycle(journal, now)
    apply_both(journal, cycle, now)
    fet = builtin_template("medicated-fet-pio")
    folic = builtin_template("folic-acid-daily")
    assert fet is not None
    assert folic is not None
    with pytest.raises(AlreadyApplied, match="already applied to cycle 1 on 2026-11-23"):
        journal.apply_protocol(fet, cycle.id, LONDON, now, doses=FET_DOSES)
    assert len(journal.apply_protocol(fet, cycle.id, LONDON, now, doses=FET_DOSES, again=True)) == 2
    journal.apply_protocol(folic, None, LONDON, now)
    with pytest.raises(DuplicateMedications, match="you already have folic acid"):
        journal.apply_protocol(folic, None, LONDON, now)


def test_a_medication_waiting_for_another_cycle_is_not_a_duplicate(
    journal: Journal, clock: FixedClock
) -> None:
    now = clock.now()
    old = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 9, 1)), now)
    assert old.id is not None
    journal.end_cycle(old.id, date(2026, 9, 30), "cancelled", now)
    fet = builtin_template("medicated-fet-pio")
    assert fet is not None
    journal.apply_protocol(fet, old.id, LONDON, now, doses=FET_DOSES, without=["estradiol"])
    cycle = fet_cycle(journal, now)
    added = journal.apply_protocol(fet, cycle.id, LONDON, now, doses=FET_DOSES, without=["estradiol"])
    assert [m.cycle_id for m in added] == [cycle.id]


def test_a_dose_changed_at_a_visit_is_an_edit_from_a_date_and_the_old_dose_stays(
    journal: Journal, clock: FixedClock
) -> None:
    now = clock.now()
    cycle = fet_cycle(journal, now)
    apply_both(journal, cycle, now)
    pio = journal.find_medication("pio", now)
    assert pio.id is not None
    regimen = build_change(pio, "1.5 mL", "", "", "2026-11-25", LONDON, now)
    journal.change_regimen(pio.id, regimen, now)
    changed = Journal.open(journal.path).medication(pio.id)
    assert doses(changed) == [
        ("1 mL", date(2026, 11, 3)),
        ("1.5 mL", date(2026, 11, 25)),
    ]
    # The transfer moves: the start follows it, the dated change stays on its date.
    (transfer,) = cycle.transfers
    journal.edit_transfer(transfer.id or 0, date(2026, 11, 9), 5, now)
    moved = journal.medication(pio.id)
    assert doses(moved) == [
        ("1 mL", date(2026, 11, 4)),
        ("1.5 mL", date(2026, 11, 25)),
    ]


def test_her_templates_are_kept_in_the_journal_file(journal: Journal, clock: FixedClock) -> None:
    now = clock.now()
    builtin = builtin_template("natural-fet")
    assert builtin is not None
    text = builtin.text.replace('name = "natural-fet"', 'name = "my-natural"')
    saved = journal.save_protocol("my-natural", text, now)
    assert saved.text == text
    reopened = Journal.open(journal.path)
    assert [p.name for p in reopened.protocols()] == ["my-natural"]
    assert reopened.protocol_template("MY-NATURAL").medications == builtin.medications
    assert not reopened.protocol_template("my-natural").builtin
    names = [t.name for t in reopened.protocol_templates()]
    assert names[-1] == "my-natural"
    assert "natural-fet" in names


@pytest.mark.parametrize(
    ("name", "text_name", "words"),
    [
        pytest.param("natural-fet", "natural-fet", "name of a built-in template", id="builtin-name"),
        pytest.param("mine", "other", "called other, not mine", id="name-mismatch"),
        pytest.param("mine", "mine", "already have a template called mine", id="exists"),
    ],
)
def test_saving_a_template_refuses_a_name_it_cannot_take(
    journal: Journal, clock: FixedClock, name: str, text_name: str, words: str
) -> None:
    now = clock.now()
    template = builtin_template("folic-acid-daily")
    assert template is not None
    journal.save_protocol("mine", render_template(replace(template, name="mine")), now)
    before = checksum(journal.path)
    with pytest.raises(ValidationError, match=words):
        journal.save_protocol(name, render_template(replace(template, name=text_name)), now)
    assert checksum(journal.path) == before


def test_replace_delete_and_undo_of_her_templates(journal: Journal, clock: FixedClock) -> None:
    now = clock.now()
    template = builtin_template("folic-acid-daily")
    assert template is not None
    first = render_template(replace(template, name="mine"))
    second = render_template(replace(template, name="mine", title="Second"))
    journal.save_protocol("mine", first, now)
    journal.save_protocol("mine", second, now, replace=True)
    assert journal.protocol_template("mine").title == "Second"
    journal.undo(now)
    assert journal.protocol_template("mine").title == template.title
    journal.delete_protocol("mine", now)
    assert journal.protocol("mine") is None
    journal.undo(now)
    assert journal.protocol("mine") is not None


def test_a_stored_text_that_does_not_read_is_never_saved(journal: Journal, clock: FixedClock) -> None:
    before = checksum(journal.path)
    with pytest.raises(TemplateError, match="line 1"):
        journal.save_protocol("mine", "name = ", clock.now())
    assert checksum(journal.path) == before
