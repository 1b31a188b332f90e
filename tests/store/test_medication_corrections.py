"""Correcting the record (#13) in the store: editing and deleting medications and logged doses, duplicate
medications, and picking a medication by its id. Every test proves what it wrote by reopening the file."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rpltrack.clock import FixedClock
from rpltrack.domain.errors import DuplicateEntry, HasDependents, ValidationError
from rpltrack.domain.models import DoseStatus, Medication, Regimen, Timing, TimingKind
from rpltrack.domain.quantities import Quantity
from rpltrack.store.journal import Journal
from rpltrack.store.writer import TABLES_WITH_AUDIT
from tests.store import _support as s

LONDON = ZoneInfo("Europe/London")


def snapshot(journal: Journal) -> dict[str, list[dict[str, Any]]]:
    """Every row of the record, table by table (settings' stamps aside)."""
    return {t: list(journal._w.rows_of(t)) for t in TABLES_WITH_AUDIT if t != "settings"}


def reopened(path: Path) -> Journal:
    return Journal.open(path)


def mg(value: str) -> Quantity:
    return Quantity(Decimal(value), "mg")


@pytest.fixture
def now(clock: FixedClock) -> datetime:
    return clock.now()


@pytest.fixture
def aspirin(journal: Journal, now: datetime) -> Medication:
    """Aspirin 81 mg at 08:00 from 1 Nov; the 22 Nov dose taken at 08:05 with a site (id 1)."""
    return journal.add_medication(s.daily(), now)


def take(journal: Journal, med: Medication, at: datetime, now: datetime, **extra: Any) -> int:
    result = journal.record_dose(med, DoseStatus.TAKEN, now, LONDON, at=at, **extra)
    assert result.created
    assert result.log.id is not None
    return result.log.id


# -- editing a medication ----------------------------------------------------------------------------------


def test_edit_medication_changes_only_the_fields_given_in_one_change_that_undo_takes_back(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    assert aspirin.id is not None
    before = snapshot(journal)
    changes_before = len(journal.changes(1000))
    edited = journal.edit_medication(
        aspirin.id,
        now,
        name="baby aspirin",
        notes="with food",
        supply=30,
        start_on=date(2026, 11, 3),
        end_on=date(2026, 12, 31),
        regimen=Regimen(date(2026, 11, 25), mg("75"), aspirin.current.timing),
    )
    assert len(journal.changes(1000)) == changes_before + 1
    with reopened(journal.path) as again:
        med = again.medication(aspirin.id)
        (change, *_) = again.changes(1)
    assert (med.name, med.notes, med.supply, med.end_on, med.route) == (
        "baby aspirin",
        "with food",
        30,
        date(2026, 12, 31),
        "oral",
    )
    assert [(r.effective_on, str(r.amount)) for r in med.regimens] == [
        (date(2026, 11, 3), "81 mg"),
        (date(2026, 11, 25), "75 mg"),
    ]
    assert med == edited
    assert change.summary == (
        "edited aspirin: renamed to baby aspirin; notes changed; 30 on hand; starts 2026-11-03; "
        "until 2026-12-31; 75 mg 08:00 daily from 2026-11-25"
    )
    journal.undo(now)
    with reopened(journal.path) as again:
        assert snapshot(again) == before


def test_a_dose_change_alone_keeps_its_words_and_the_old_dose_as_history(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    assert aspirin.id is not None
    journal.change_regimen(aspirin.id, Regimen(date(2026, 11, 25), mg("75"), aspirin.current.timing), now)
    assert journal.changes(1)[0].summary == "changed aspirin to 75 mg 08:00 daily from 2026-11-25"
    with reopened(journal.path) as again:
        assert [str(r.amount) for r in again.medication(aspirin.id).regimens] == ["81 mg", "75 mg"]


def test_editing_nothing_new_records_no_change(journal: Journal, aspirin: Medication, now: datetime) -> None:
    assert aspirin.id is not None
    count = len(journal.changes(1000))
    assert journal.edit_medication(aspirin.id, now, name="aspirin", notes="") == aspirin
    assert len(journal.changes(1000)) == count


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"name": "  "}, "name", id="empty-name"),
        pytest.param({"notes": "x" * 2001}, "notes", id="notes-too-long"),
        pytest.param({"supply": -1}, "supply", id="negative-supply"),
        pytest.param({"end_on": date(2026, 10, 1)}, "until", id="ends-before-it-starts"),
        pytest.param({"route": ""}, "route", id="no-route"),
        pytest.param({"colour": "red"}, "colour", id="unknown-field"),
    ],
)
def test_edit_medication_refuses_what_add_would_refuse_and_writes_nothing(
    journal: Journal, aspirin: Medication, now: datetime, fields: dict[str, Any], field: str
) -> None:
    assert aspirin.id is not None
    before = snapshot(journal)
    with pytest.raises(ValidationError) as caught:
        journal.edit_medication(aspirin.id, now, **fields)
    assert caught.value.field == field
    assert snapshot(journal) == before


def test_a_catalog_drug_keeps_to_its_routes(journal: Journal, now: datetime) -> None:
    timing = Timing(TimingKind.TIMES, times=(time(20, 0),))
    lovenox = Medication(
        "lovenox",
        "enoxaparin",
        "subcutaneous",
        "Europe/London",
        (Regimen(date(2026, 11, 1), mg("40"), timing),),
    )
    saved = journal.add_medication(lovenox, now)
    assert saved.id is not None
    with pytest.raises(ValidationError, match="taken subcutaneous, not oral"):
        journal.edit_medication(saved.id, now, route="oral")


def test_the_start_cannot_move_past_a_later_dose_change(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    assert aspirin.id is not None
    journal.change_regimen(aspirin.id, Regimen(date(2026, 11, 10), mg("75"), aspirin.current.timing), now)
    with pytest.raises(ValidationError, match="dose changes on 2026-11-10") as caught:
        journal.edit_medication(aspirin.id, now, start_on=date(2026, 11, 12))
    assert caught.value.field == "start"


def test_an_unknown_medication_id_names_the_id_field(journal: Journal, now: datetime) -> None:
    with pytest.raises(ValidationError) as caught:
        journal.edit_medication(99, now, notes="x")
    assert caught.value.field == "id"
    assert "no medication with id 99" in caught.value.message


# -- deleting a medication ---------------------------------------------------------------------------------


def test_a_medication_without_logged_doses_is_deleted_with_its_regimens_and_undo_brings_it_back(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    assert aspirin.id is not None
    journal.change_regimen(aspirin.id, Regimen(date(2026, 11, 25), mg("75"), aspirin.current.timing), now)
    before = snapshot(journal)
    assert journal.dependents_of_medication(aspirin.id) == []
    removed = journal.delete_medication(aspirin.id, now)
    assert removed.name == "aspirin"
    with reopened(journal.path) as again:
        assert again.count("medications") == 0
        assert again.count("regimens") == 0
        assert again.changes(1)[0].summary == "deleted aspirin (75 mg 08:00 daily)"
        again.undo(now)
    with reopened(journal.path) as again:
        assert snapshot(again) == before
        again.redo(now)
    with reopened(journal.path) as again:
        assert again.count("medications") == 0


def test_reliability_logged_doses_are_never_deleted_with_their_medication_it_is_stopped_instead(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    """A medication with history "deleted" is stopped; its logged doses stay, and undo restarts it."""
    assert aspirin.id is not None
    take(journal, aspirin, datetime(2026, 11, 21, 8, 5, tzinfo=LONDON), now)
    take(journal, aspirin, datetime(2026, 11, 22, 8, 5, tzinfo=LONDON), now)
    assert journal.dependents_of_medication(aspirin.id) == ["2 logged doses"]
    before = snapshot(journal)
    with pytest.raises(HasDependents) as caught:
        journal.delete_medication(aspirin.id, now)
    assert caught.value.dependents == ["2 logged doses"]
    assert "never deleted" in caught.value.message
    assert snapshot(journal) == before
    stopped = journal.delete_medication(aspirin.id, now, with_dependents=True)
    assert stopped.stopped_at == now
    with reopened(journal.path) as again:
        assert again.count("doses") == 2
        assert again.medication(aspirin.id).stopped_at == now
        assert "instead of deleting it" in again.changes(1)[0].summary
        with pytest.raises(ValidationError, match="already stopped"):
            again.delete_medication(aspirin.id, now, with_dependents=True)
        again.undo(now)
    with reopened(journal.path) as again:
        assert snapshot(again) == before


# -- duplicates and picking by id --------------------------------------------------------------------------


def test_a_current_medication_of_the_same_name_is_a_duplicate_unless_again(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    with pytest.raises(DuplicateEntry) as caught:
        journal.add_medication(s.daily(name="  ASPIRIN "), now)
    assert caught.value.existing_id == aspirin.id
    assert f"id {aspirin.id}" in caught.value.message
    second = journal.add_medication(s.daily(name="aspirin", at="20:00"), now, again=True)
    with reopened(journal.path) as again:
        assert [m.id for m in again.medications()] == [aspirin.id, second.id]


def test_a_stopped_medication_of_the_same_name_is_no_duplicate(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    assert aspirin.id is not None
    journal.stop_medication(aspirin.id, now - timedelta(days=1), now)
    journal.add_medication(s.daily(), now)
    assert journal.count("medications") == 2


def test_two_medications_of_one_name_are_picked_by_id_and_the_name_says_which_ids(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    second = journal.add_medication(s.daily(at="20:00"), now, again=True)
    with pytest.raises(ValidationError) as caught:
        journal.find_medication("aspirin", now, command="rpltrack take")
    message = caught.value.message
    assert message.startswith("'aspirin' matches more than one medication (id 1: aspirin, 81 mg 08:00 daily")
    assert message.endswith("Give its id instead of the name: rpltrack take 1 or rpltrack take 2")
    assert journal.find_medication(str(second.id), now) == second
    assert journal.find_medication(f"#{aspirin.id}", now) == aspirin
    with pytest.raises(ValidationError, match="no medication with id 42"):
        journal.find_medication("42", now)


# -- editing and deleting logged doses ---------------------------------------------------------------------


def test_a_dose_edited_from_taken_to_skipped_and_back(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    """Taken -> skipped clears the time, amount and site; skipped -> taken is taken at the slot's time with
    the scheduled amount, unless told otherwise. Each edit is one change; undo walks them back."""
    dose_id = take(journal, aspirin, datetime(2026, 11, 22, 8, 5, tzinfo=LONDON), now, site="left thigh")
    before = snapshot(journal)
    skipped = journal.edit_dose(dose_id, now, status=DoseStatus.SKIPPED, reason="nausea")
    with reopened(journal.path) as again:
        stored = again.dose(dose_id)
        assert stored == skipped
        assert again.changes(1)[0].summary == (
            "changed the aspirin dose of 2026-11-22 08:00: skipped (was taken); reason: nausea"
        )
    assert (stored.status, stored.taken_at, stored.amount, stored.site, stored.reason) == (
        DoseStatus.SKIPPED,
        None,
        None,
        None,
        "nausea",
    )
    taken = journal.edit_dose(dose_id, now, status=DoseStatus.TAKEN)
    with reopened(journal.path) as again:
        stored = again.dose(dose_id)
    assert stored == taken
    assert (stored.status, stored.taken_at, str(stored.amount), stored.reason) == (
        DoseStatus.TAKEN,
        datetime(2026, 11, 22, 8, 0, tzinfo=LONDON),
        "81 mg",
        "",
    )
    assert stored.logged_later  # she wrote down that it was taken a day later
    journal.undo(now)
    journal.undo(now)
    assert snapshot(journal) == before


def test_a_dose_edit_changes_time_amount_site_and_note_and_works_out_logged_later_again(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    dose_id = take(journal, aspirin, datetime(2026, 11, 23, 8, 30, tzinfo=LONDON), now)
    assert not journal.dose(dose_id).logged_later
    edited = journal.edit_dose(
        dose_id,
        now,
        taken_at=datetime(2026, 11, 23, 7, 50, tzinfo=LONDON),
        amount=mg("75"),
        site="  left   abdomen ",
        note="half a tablet left",
    )
    with reopened(journal.path) as again:
        stored = again.dose(dose_id)
        summary = again.changes(1)[0].summary
    assert stored == edited
    assert (stored.taken_at, str(stored.amount), stored.site, stored.note, stored.logged_later) == (
        datetime(2026, 11, 23, 7, 50, tzinfo=LONDON),
        "75 mg",
        "left abdomen",
        "half a tablet left",
        True,
    )
    assert summary == (
        "changed the aspirin dose of 2026-11-23 08:00: taken at 2026-11-23 07:50 (was 2026-11-23 08:30); "
        "amount 75 mg (was 81 mg); site left abdomen; note changed"
    )


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        pytest.param(
            {"taken_at": datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)}, "at", "in the future", id="future"
        ),
        pytest.param(
            {"taken_at": datetime(2026, 11, 20, 8, 0, tzinfo=LONDON)},
            "at",
            "more than a day",
            id="another-day",
        ),
        pytest.param(
            {"amount": Quantity(Decimal(1), "tablet")}, "amount", "different kind", id="unit-family"
        ),
        pytest.param({"site": "x" * 61}, "site", "60 characters", id="site-too-long"),
        pytest.param(
            {"status": DoseStatus.SKIPPED, "site": "arm"}, "site", "skipped dose", id="skip-with-site"
        ),
        pytest.param({"slot_at": None}, "slot_at", "no slot_at", id="unknown-field"),
    ],
)
def test_a_dose_edit_is_checked_like_a_new_log_and_writes_nothing_when_refused(
    journal: Journal, aspirin: Medication, now: datetime, fields: dict[str, Any], field: str, words: str
) -> None:
    dose_id = take(journal, aspirin, datetime(2026, 11, 22, 8, 5, tzinfo=LONDON), now)
    before = snapshot(journal)
    with pytest.raises(ValidationError, match=words) as caught:
        journal.edit_dose(dose_id, now, **fields)
    assert caught.value.field == field
    assert snapshot(journal) == before


def test_an_as_needed_dose_cannot_be_made_skipped(journal: Journal, now: datetime) -> None:
    med = journal.add_medication(s.as_needed(), now)
    dose_id = take(journal, med, now - timedelta(hours=1), now)
    with pytest.raises(ValidationError, match="only a scheduled dose can be skipped"):
        journal.edit_dose(dose_id, now, status=DoseStatus.SKIPPED)


def test_a_deleted_dose_opens_its_slot_again_and_undo_brings_it_back(
    journal: Journal, aspirin: Medication, now: datetime
) -> None:
    dose_id = take(journal, aspirin, datetime(2026, 11, 22, 8, 5, tzinfo=LONDON), now)
    before = snapshot(journal)
    assert journal.dependents_of_dose(dose_id) == []
    removed = journal.delete_dose(dose_id, now)
    assert removed.id == dose_id
    with reopened(journal.path) as again:
        assert again.count("doses") == 0
        assert again.changes(1)[0].summary == "deleted the aspirin dose of 2026-11-22 08:00 (taken 81 mg)"
        with pytest.raises(ValidationError) as caught:
            again.dose(dose_id)
        assert caught.value.field == "id"
        again.undo(now)
    with reopened(journal.path) as again:
        assert snapshot(again) == before
