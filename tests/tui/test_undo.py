"""Undo and redo in the app (#13): `u` takes back at once only what she just did on the screen she is on;
anything else it names and asks about first. Every undo and redo says what it did in words."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from textual.widgets import Static

from rpltrack.domain.models import DoseStatus
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.base import UNDO_AT_ONCE_WITHIN, ChangeDialog, SectionScreen
from rpltrack.tui.screens.history import HistoryScreen
from rpltrack.tui.screens.today import TodayScreen
from tests.tui.helpers import SIZE, add_med, notices, statuses

TOOK_ASPIRIN = "took aspirin (2026-11-23 08:00 dose)"


def dialog_title(app: RpltrackApp) -> str:
    assert isinstance(app.screen, ChangeDialog)
    return str(app.screen.query_one(".dialog-title", Static).render())


def medication_names(journal: Journal) -> list[str]:
    with Journal.open(journal.path) as reopened:
        return [m.name for m in reopened.medications()]


async def test_u_right_after_a_take_undoes_it_at_once_and_says_what(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert "Saved: aspirin taken at 08:40 — u to undo." in notices(app)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)  # no question: she just did it, here
        assert f"Undo: Undone: {TOOK_ASPIRIN} — U to redo." in notices(app)
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE)]


async def test_a_second_u_names_the_older_change_and_escape_keeps_it(journal, clock):
    """Regression (#13): a second `u` silently undid a medication just added."""
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "u")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert dialog_title(app) == "Undo: added aspirin 81 mg 08:00 daily?"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert medication_names(journal) == ["aspirin"]


async def test_enter_in_the_question_undoes_the_change_it_named(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert dialog_title(app) == "Undo: added aspirin 81 mg 08:00 daily?"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert "Undo: Undone: added aspirin 81 mg 08:00 daily — U to redo." in notices(app)
    assert medication_names(journal) == []


async def test_u_asks_first_once_the_moment_has_passed(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        clock.advance(UNDO_AT_ONCE_WITHIN + timedelta(seconds=1))
        await pilot.press("u")
        await pilot.pause()
        assert dialog_title(app) == f"Undo: {TOOK_ASPIRIN}?"
        await pilot.press("n")
        await pilot.pause()
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.TAKEN)]


async def test_u_on_another_section_asks_about_a_change_made_on_today(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "3")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("u")
        await pilot.pause()
        assert dialog_title(app) == f"Undo: {TOOK_ASPIRIN}?"
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE)]


async def test_a_change_made_elsewhere_after_the_take_is_named_first(journal, clock):
    """Made from this screen a moment ago is not enough: it has to still be the newest change."""
    aspirin = add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert aspirin.id is not None
        with Journal.open(journal.path) as cli:  # as `rpltrack med add` from another terminal would
            add_med(cli, clock, "folic acid", "0.4 mg", "09:00")
        await pilot.press("u")
        await pilot.pause()
        assert dialog_title(app) == "Undo: added folic acid 0.4 mg 09:00 daily?"
        await pilot.press("escape")
        await pilot.pause()
    assert medication_names(journal) == ["aspirin", "folic acid"]


async def test_nothing_is_undone_when_the_journal_changed_while_she_was_asked(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert dialog_title(app) == "Undo: added aspirin 81 mg 08:00 daily?"
        with Journal.open(journal.path) as cli:
            add_med(cli, clock, "folic acid", "0.4 mg", "09:00")
        await pilot.press("enter")
        await pilot.pause()
        assert any("changed meanwhile, so nothing was undone" in n for n in notices(app))
    assert medication_names(journal) == ["aspirin", "folic acid"]


async def test_capital_u_redoes_what_u_just_undid(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "u")
        await pilot.pause()
        await pilot.press("U")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert f"Redo: Redone: {TOOK_ASPIRIN} — u to undo." in notices(app)
        assert statuses(journal.path, clock) == [("aspirin", DoseStatus.TAKEN)]
        await pilot.press("u")  # redone here a moment ago: at once again
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE)]


async def test_redo_of_an_undo_made_elsewhere_asks_first(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    journal.undo(clock.now())  # `rpltrack undo`
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert dialog_title(app) == "Redo: added aspirin 81 mg 08:00 daily?"
        await pilot.press("enter")
        await pilot.pause()
        assert "Redo: Redone: added aspirin 81 mg 08:00 daily — u to undo." in notices(app)
    assert medication_names(journal) == ["aspirin"]


async def test_u_walks_back_several_changes_one_question_at_a_time(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    add_med(journal, clock, "folic acid", "0.4 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("home", "t")
        await pilot.pause()
        await pilot.press("down", "t")
        await pilot.pause()
        assert statuses(journal.path, clock) == [
            ("aspirin", DoseStatus.TAKEN),
            ("folic acid", DoseStatus.TAKEN),
        ]
        await pilot.press("u")  # the folic acid, just taken here
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert dialog_title(app) == f"Undo: {TOOK_ASPIRIN}?"
        await pilot.press("enter")
        await pilot.pause()
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE), ("folic acid", DoseStatus.DUE)]


async def test_nothing_to_undo_or_redo_says_so(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "U")
        await pilot.pause()
        assert "Undo: There is nothing to undo." in notices(app)
        assert "Redo: There is nothing to redo." in notices(app)


async def test_an_announce_without_its_write_time_never_undoes_without_asking(journal, clock):
    """A write that changed nothing opens no change: the newest change is an older one, never taken back
    without its name."""
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SectionScreen)
        screen.announce("nothing changed", clock.now() + timedelta(seconds=2))
        screen.announce("nothing changed")
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ChangeDialog)


async def palette(pilot, words: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*words)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


async def test_undo_and_redo_are_in_the_palette(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "Undo")
        assert dialog_title(app) == "Undo: added aspirin 81 mg 08:00 daily?"
        await pilot.press("enter")
        await pilot.pause()
        assert medication_names(journal) == []
        await palette(pilot, "Redo")  # undone here a moment ago: at once
        assert isinstance(app.screen, TodayScreen)
    assert medication_names(journal) == ["aspirin"]


async def test_the_palette_offers_undo_on_flags_where_u_has_another_meaning(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await pilot.pause()
        await palette(pilot, "Undo")
        assert dialog_title(app) == "Undo: added aspirin 81 mg 08:00 daily?"


async def test_undo_on_a_read_only_journal_changes_nothing(journal, clock):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    journal.close()
    with sqlite3.connect(journal.path) as conn:
        conn.execute("PRAGMA user_version = 99")
    readonly = Journal.open(journal.path)
    app = RpltrackApp(journal=readonly, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert "Read-only: This journal is read-only, so nothing was changed." in notices(app)
    readonly.close()


async def test_z_lists_the_changes_in_words_and_marks_what_is_undone(journal, clock):
    """The app lists the changes as `rpltrack changes` does (#13): newest first, in words, undone marked."""
    from textual.widgets import DataTable

    from rpltrack.tui.screens.changes import ChangesScreen

    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, ChangesScreen)
        table = app.screen.query_one("#changes-table", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[1:] for row in rows] == [
            [f"undid: {TOOK_ASPIRIN}", ""],
            [TOOK_ASPIRIN, "undone"],
            [rows[2][1], ""],
        ]
        assert rows[2][1].startswith("added aspirin")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    with Journal.open(journal.path) as reopened:
        assert [c.summary for c in reopened.changes(3)] == [r[1] for r in rows]
