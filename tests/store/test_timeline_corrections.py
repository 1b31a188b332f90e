"""Correcting the timeline (#13): edit and delete of cycles, events, transfers, betas, pregnancies and losses;
duplicates and plausibility questions. Every check reads a reopened journal file."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from rpltrack.domain.betas import BetaDraw, parse_hcg
from rpltrack.domain.cycles import Cycle, CycleEvent, CycleKind, EventKind, Transfer
from rpltrack.domain.errors import DuplicateEntry, HasDependents, NeedsConfirmation, ValidationError
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy, count_losses
from rpltrack.domain.records import replace
from rpltrack.store.journal import TABLES_WITH_AUDIT, Journal
from tests.store import _support as s

NOW = s.NOW
LONDON = s.LONDON


def at(day: str, hm: str = "08:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=LONDON)


def record_rows(journal: Journal) -> dict[str, list[dict[str, Any]]]:
    return {t: list(journal._w.rows_of(t)) for t in TABLES_WITH_AUDIT if t != "settings"}


def reopened(journal: Journal) -> Journal:
    return Journal.open(journal.path)


def label(journal: Journal, day: date) -> str:
    dating = journal.dating_on(day)
    assert dating is not None
    return dating.label()


@pytest.fixture
def fet(journal: Journal) -> Cycle:
    """A FET cycle from 20 Oct with a retrieval, a day-5 transfer on 10 Nov, two betas and an ongoing
    pregnancy, two medications scheduled from the transfer (applied as a protocol)."""
    cycle = journal.add_cycle(Cycle(CycleKind.FET, date(2026, 10, 20), "CCRM"), NOW)
    assert cycle.id is not None
    journal.add_event(cycle.id, CycleEvent(EventKind.RETRIEVAL, date(2026, 10, 30), "12 eggs"), NOW)
    journal.add_transfer(cycle.id, Transfer(date(2026, 11, 10), 5, grade="4AA"), NOW)
    journal.add_beta(BetaDraw(at("2026-11-19"), parse_hcg("112"), "Quest"), NOW)
    journal.add_beta(BetaDraw(at("2026-11-21"), parse_hcg("250"), "Quest"), NOW)
    journal.add_pregnancy(Pregnancy(date(2026, 11, 19), cycle_id=cycle.id), NOW)
    anchored = [
        replace(s.daily("progesterone", "50 mg", "20:00"), cycle_id=cycle.id, start_anchor="transfer-5d"),
        replace(s.daily("lovenox", "40 mg", "20:00"), cycle_id=cycle.id, start_anchor="transfer"),
    ]
    journal.add_medications(anchored, NOW, protocol="medicated-fet-pio")
    return journal.cycle(cycle.id)


# -- betas --------------------------------------------------------------------------------------------------


def test_a_mistyped_beta_is_corrected_on_disk_and_undo_restores_it(journal: Journal, fet: Cycle) -> None:
    """The issue's example: 30100 typed for 301."""
    saved = journal.add_beta(BetaDraw(at("2026-11-23"), parse_hcg("30100")), NOW)
    assert saved.id is not None
    journal.edit_beta(saved.id, NOW, value=parse_hcg("301"))
    with reopened(journal) as again:
        assert str(again.beta(saved.id).value) == "301"
        assert again.changes(1)[0].summary == "changed the beta of 23 Nov 2026 08:00 from 30100 to 301"
        assert again.beta(saved.id).cycle_id == fet.id
        again.undo(NOW)
    with reopened(journal) as again:
        assert str(again.beta(saved.id).value) == "30100"


def test_an_edit_that_changes_nothing_writes_nothing(journal: Journal, fet: Cycle) -> None:
    (first, _) = journal.betas()
    assert first.id is not None
    changes = journal.count("changes")
    assert journal.edit_beta(first.id, NOW, lab="Quest") == first
    assert journal.edit_transfer(fet.transfers[0].id or 0, NOW, embryo_day=5) == fet.transfers[0]
    assert journal.edit_cycle(fet.id or 0, NOW, clinic=" CCRM ") == fet
    assert journal.count("changes") == changes


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        pytest.param("edit_cycle", {"clinic": "x"}, id="cycle"),
        pytest.param("edit_event", {"note": "x"}, id="event"),
        pytest.param("edit_transfer", {"grade": "x"}, id="transfer"),
        pytest.param("edit_beta", {"lab": "x"}, id="beta"),
        pytest.param("edit_pregnancy", {"notes": "x"}, id="pregnancy"),
        pytest.param("delete_cycle", {}, id="delete-cycle"),
        pytest.param("delete_event", {}, id="delete-event"),
        pytest.param("delete_transfer", {}, id="delete-transfer"),
        pytest.param("delete_beta", {}, id="delete-beta"),
        pytest.param("delete_pregnancy", {}, id="delete-pregnancy"),
    ],
)
def test_an_unknown_id_is_refused_against_the_id(
    journal: Journal, method: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        getattr(journal, method)(99, NOW, **kwargs)
    assert caught.value.field == "id"
    assert "99" in caught.value.message
    assert journal.count("changes") == 0


def test_an_unusually_high_corrected_beta_is_asked_about_first(journal: Journal, fet: Cycle) -> None:
    (first, _) = journal.betas()
    assert first.id is not None
    with pytest.raises(NeedsConfirmation, match="unusually high"):
        journal.edit_beta(first.id, NOW, value=parse_hcg("300000"))
    journal.edit_beta(first.id, NOW, value=parse_hcg("300000"), sure=True)
    with reopened(journal) as again:
        assert str(again.beta(first.id).value) == "300000"


def test_a_beta_moved_outside_its_cycle_follows_the_cycle_that_covers_it(
    journal: Journal, fet: Cycle
) -> None:
    (first, _) = journal.betas()
    assert first.id is not None
    journal.edit_beta(first.id, NOW, drawn_at=at("2026-10-01"))
    with reopened(journal) as again:
        moved = again.beta(first.id)
        assert (moved.drawn_at, moved.cycle_id) == (at("2026-10-01"), None)


def test_a_beta_in_the_future_is_refused(journal: Journal, fet: Cycle) -> None:
    (first, _) = journal.betas()
    with pytest.raises(ValidationError, match="in the future"):
        journal.edit_beta(first.id or 0, NOW, drawn_at=NOW + timedelta(days=1))


def test_the_same_beta_entered_twice_is_a_duplicate_unless_again(journal: Journal, fet: Cycle) -> None:
    (first, _) = journal.betas()
    same = BetaDraw(at("2026-11-19"), parse_hcg("112.0"), "another lab")
    with pytest.raises(DuplicateEntry) as caught:
        journal.add_beta(same, NOW)
    assert caught.value.existing_id == first.id
    assert len(journal.betas()) == 2
    journal.add_beta(same, NOW, again=True)
    with reopened(journal) as again:
        assert len(again.betas()) == 3


def test_deleting_a_beta_leaves_the_rest(journal: Journal, fet: Cycle) -> None:
    (first, second) = journal.betas()
    assert journal.dependents_of_beta(first.id or 0) == []
    removed = journal.delete_beta(first.id or 0, NOW)
    assert removed == first
    with reopened(journal) as again:
        assert again.betas() == [second]
        again.undo(NOW)
    with reopened(journal) as again:
        assert again.betas() == [first, second]


# -- cycles -------------------------------------------------------------------------------------------------


def test_a_cycle_with_entries_names_them_and_is_not_deleted_without_saying_so(
    journal: Journal, fet: Cycle
) -> None:
    assert fet.id is not None
    words = journal.dependents_of_cycle(fet.id)
    assert words == [
        "1 transfer",
        "1 event",
        "2 beta results",
        "1 pregnancy or loss",
        "2 medications scheduled from its events",
        "1 protocol applied to it",
    ]
    before = record_rows(journal)
    with pytest.raises(HasDependents) as caught:
        journal.delete_cycle(fet.id, NOW)
    assert caught.value.dependents == words
    assert record_rows(journal) == before


def test_deleting_a_cycle_takes_its_events_and_unlinks_the_rest_and_undo_restores_every_row(
    journal: Journal, fet: Cycle
) -> None:
    assert fet.id is not None
    before = record_rows(journal)
    removed = journal.delete_cycle(fet.id, NOW, with_dependents=True)
    assert removed == fet
    with reopened(journal) as again:
        assert again.cycles() == []
        assert again.count("cycle_events") == again.count("transfers") == 0
        assert {b.cycle_id for b in again.betas()} == {None}
        assert {p.cycle_id for p in again.pregnancies()} == {None}
        assert {m.cycle_id for m in again.medications()} == {None}
        assert [r["cycle_id"] for r in again._w.rows_of("protocol_uses")] == [None]
        assert again._conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert again.undo(NOW) is not None
    with reopened(journal) as again:
        assert record_rows(again) == before
        assert again.redo(NOW) is not None
        assert again.cycles() == []


def test_a_cycle_correction_keeps_its_events_inside_it(journal: Journal, fet: Cycle) -> None:
    assert fet.id is not None
    with pytest.raises(ValidationError, match="before this cycle's CD1"):
        journal.edit_cycle(fet.id, NOW, cd1=date(2026, 11, 1))
    journal.edit_cycle(fet.id, NOW, cd1=date(2026, 10, 19), clinic="", ended_on=date(2026, 12, 1))
    with reopened(journal) as again:
        cycle = again.cycle(fet.id)
        assert (cycle.cd1, cycle.clinic, cycle.ended_on) == (date(2026, 10, 19), "", date(2026, 12, 1))
        assert again.changes(1)[0].summary == (
            "changed cycle 1 (medicated FET from 2026-10-20 at CCRM): CD1 from 20 Oct 2026 to 19 Oct 2026; "
            "clinic cleared (was CCRM); end set to 1 Dec 2026"
        )
    journal.edit_cycle(fet.id, NOW, ended_on=None)
    assert journal.cycle(fet.id).ended_on is None


# -- events and transfers -----------------------------------------------------------------------------------


def test_an_event_is_corrected_in_kind_date_and_note(journal: Journal, fet: Cycle) -> None:
    (event,) = fet.events
    assert event.id is not None
    journal.edit_event(event.id, NOW, kind=EventKind.ULTRASOUND, on=date(2026, 10, 31), note="")
    with reopened(journal) as again:
        assert again.event(event.id) == CycleEvent(EventKind.ULTRASOUND, date(2026, 10, 31), "", id=event.id)
    with pytest.raises(ValidationError, match="after this cycle's transfer"):
        journal.edit_event(event.id, NOW, kind=EventKind.RETRIEVAL, on=date(2026, 11, 12))


def test_deleting_the_transfer_warns_of_schedules_that_start_from_it(journal: Journal, fet: Cycle) -> None:
    (transfer,) = fet.transfers
    assert transfer.id is not None
    assert journal.dependents_of_transfer(transfer.id) == ["2 medications scheduled from the transfer"]
    with pytest.raises(HasDependents):
        journal.delete_transfer(transfer.id, NOW)
    journal.delete_transfer(transfer.id, NOW, with_dependents=True)
    with reopened(journal) as again:
        assert again.cycle(fet.id or 0).transfers == ()
        assert {m.anchor_dates.waiting_for for m in again.medications() if m.anchor_dates} == {"transfer"}
        again.undo(NOW)
        assert again.cycle(fet.id or 0).transfers == (transfer,)


def test_an_event_nothing_is_scheduled_from_is_deleted_without_a_question(
    journal: Journal, fet: Cycle
) -> None:
    (event,) = fet.events
    assert journal.dependents_of_event(event.id or 0) == []
    journal.delete_event(event.id or 0, NOW)
    with reopened(journal) as again:
        assert again.cycle(fet.id or 0).events == ()


def test_the_earlier_edit_transfer_form_still_works(journal: Journal, fet: Cycle) -> None:
    (transfer,) = fet.transfers
    journal.edit_transfer(transfer.id or 0, date(2026, 11, 11), 6, NOW)
    with reopened(journal) as again:
        moved = again.transfer(transfer.id or 0)
        assert (moved.on, moved.embryo_day, moved.grade) == (date(2026, 11, 11), 6, "4AA")


# -- pregnancies and losses ---------------------------------------------------------------------------------


def loss(on: date, ga: int | None, outcome: Outcome = Outcome.MISCARRIAGE, **kw: Any) -> Pregnancy:
    return Pregnancy(None, outcome, on, ga, Confirmation.ULTRASOUND, **kw)


def test_two_losses_on_one_day_are_a_duplicate_and_not_counted_twice(journal: Journal) -> None:
    """The ESHRE count read the same loss entered twice as two (#13)."""
    first = journal.add_pregnancy(loss(date(2025, 1, 10), 50), NOW)
    with pytest.raises(DuplicateEntry) as caught:
        journal.add_pregnancy(loss(date(2025, 1, 10), None, Outcome.BIOCHEMICAL), NOW)
    assert caught.value.existing_id == first.id
    with reopened(journal) as again:
        assert count_losses(again.pregnancies()).eshre == 1


def test_ending_a_pregnancy_on_the_day_of_a_recorded_loss_is_a_duplicate(
    journal: Journal, fet: Cycle
) -> None:
    journal.add_pregnancy(loss(date(2026, 11, 22), 30, Outcome.BIOCHEMICAL), NOW)
    with pytest.raises(DuplicateEntry):
        journal.end_pregnancy(None, Outcome.BIOCHEMICAL, date(2026, 11, 22), None, None, NOW)
    journal.end_pregnancy(None, Outcome.BIOCHEMICAL, date(2026, 11, 22), None, None, NOW, again=True)
    assert count_losses(journal.pregnancies()).eshre == 2


def test_a_live_birth_before_20_weeks_is_asked_about(journal: Journal) -> None:
    early = Pregnancy(None, Outcome.LIVE_BIRTH, date(2024, 3, 1), 18 * 7)
    with pytest.raises(NeedsConfirmation, match="before 20 weeks"):
        journal.add_pregnancy(early, NOW)
    assert journal.count("pregnancies") == 0
    saved = journal.add_pregnancy(early, NOW, sure=True)
    with pytest.raises(NeedsConfirmation, match="before 20 weeks"):
        journal.edit_pregnancy(saved.id or 0, NOW, ga_at_end_days=19 * 7)
    journal.edit_pregnancy(saved.id or 0, NOW, ga_at_end_days=39 * 7)
    with reopened(journal) as again:
        assert again.pregnancy(saved.id or 0).ga_at_end_days == 39 * 7


def test_a_loss_that_overlaps_another_in_time_is_asked_about(journal: Journal) -> None:
    """A loss on 1 May at 7w began around 27 Mar; a loss recorded on 20 Apr at 12w would have begun around
    9 Feb: both pregnancies under way at once, which cannot be. One ended on 1 Mar at 12w could."""
    journal.add_pregnancy(loss(date(2025, 5, 1), 49), NOW)
    with pytest.raises(NeedsConfirmation, match="two pregnancies cannot overlap"):
        journal.add_pregnancy(loss(date(2025, 4, 20), 84), NOW)
    journal.add_pregnancy(loss(date(2025, 3, 1), 84), NOW)
    journal.add_pregnancy(loss(date(2024, 12, 20), 84, approximate=True), NOW)
    assert journal.count("pregnancies") == 3


def test_a_pregnancy_is_corrected_and_reopened(journal: Journal, fet: Cycle) -> None:
    journal.end_pregnancy(None, Outcome.MISCARRIAGE, date(2026, 11, 22), None, None, NOW)
    (pregnancy,) = journal.pregnancies()
    assert pregnancy.id is not None
    journal.edit_pregnancy(pregnancy.id, NOW, outcome=Outcome.BIOCHEMICAL, confirmed=Confirmation.HCG)
    with reopened(journal) as again:
        edited = again.pregnancy(pregnancy.id)
        assert (edited.outcome, edited.confirmed, edited.ended_on) == (
            Outcome.BIOCHEMICAL,
            Confirmation.HCG,
            date(2026, 11, 22),
        )
    journal.edit_pregnancy(pregnancy.id, NOW, outcome=Outcome.ONGOING)
    reopened_pregnancy = journal.pregnancy(pregnancy.id)
    assert (reopened_pregnancy.ended_on, reopened_pregnancy.ga_at_end_days) == (None, None)
    journal.delete_pregnancy(pregnancy.id, NOW)
    with reopened(journal) as again:
        assert again.pregnancies() == []


# -- a new cycle while pregnant, or after a cycle left open -------------------------------------------------


def test_a_new_cycle_while_pregnant_asks_and_never_redates_the_pregnancy(
    journal: Journal, fet: Cycle
) -> None:
    """Regression (#13): `cycle add` while pregnant turned the Today header from CD 35 · 13dp5dt · 4w 4d
    into CD 1 · 0w 0d."""
    day = date(2026, 11, 23)
    assert label(journal, day) == "CD 35 · 13dp5dt · 4w 4d"
    natural = Cycle(CycleKind.NATURAL, day)
    with pytest.raises(NeedsConfirmation, match="recorded as ongoing"):
        journal.add_cycle(natural, NOW)
    assert len(journal.cycles()) == 1
    journal.add_cycle(natural, NOW, sure=True)
    with reopened(journal) as again:
        assert label(again, day) == "CD 35 · 13dp5dt · 4w 4d"
        assert [p.outcome for p in again.pregnancies()] == [Outcome.ONGOING]


def test_a_new_cycle_offers_to_end_one_left_open_past_day_60(journal: Journal) -> None:
    old = journal.add_cycle(Cycle(CycleKind.NATURAL, date(2026, 8, 1)), NOW)
    new = Cycle(CycleKind.FET, date(2026, 10, 20))
    with pytest.raises(NeedsConfirmation) as caught:
        journal.add_cycle(new, NOW)
    assert "will be ended on 2026-10-19, the day before the new CD1" in caught.value.message
    assert "day 80" in caught.value.message
    journal.add_cycle(new, NOW, sure=True)
    with reopened(journal) as again:
        assert again.cycle(old.id or 0).ended_on == date(2026, 10, 19)
        assert again.undo(NOW) is not None
    with reopened(journal) as again:
        assert [(c.id, c.ended_on) for c in again.cycles()] == [(old.id, None)]


def test_a_new_cycle_after_a_short_open_one_is_not_questioned(journal: Journal) -> None:
    journal.add_cycle(Cycle(CycleKind.NATURAL, date(2026, 9, 1)), NOW)
    journal.add_cycle(Cycle(CycleKind.NATURAL, date(2026, 9, 29)), NOW)
    assert len(journal.cycles()) == 2


def test_a_pregnancy_without_a_cycle_is_not_dated_from_a_later_cycle(journal: Journal, fet: Cycle) -> None:
    """After the pregnancy's own cycle is deleted, a cycle that began after the positive test gives cycle
    days only, never a gestational age."""
    journal.add_cycle(Cycle(CycleKind.NATURAL, date(2026, 11, 22)), NOW, sure=True)
    journal.delete_cycle(fet.id or 0, NOW, with_dependents=True)
    assert label(journal, date(2026, 11, 23)) == "CD 2"
