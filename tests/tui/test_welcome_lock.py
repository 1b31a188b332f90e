"""The welcome flow's optional lock step (#17): offered after reminders where encryption is available,
skippable, locking through the same dialog as the palette; where SQLCipher is missing, no step, and one line
on Done saying so and how to add it."""

from __future__ import annotations

import sys
from pathlib import Path

import keyring
import pytest
from textual.widgets import Button, Input, Static

from rpltrack.clock import FixedClock
from rpltrack.store import crypto
from rpltrack.store.db import is_encrypted
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.commands import RpltrackCommands
from rpltrack.tui.screens import lock
from rpltrack.tui.screens.today import TodayScreen
from rpltrack.tui.screens.welcome import WelcomeScreen
from rpltrack.tui.screens.welcome_lock import STEPS_WITH_LOCK, UNAVAILABLE_LINE
from rpltrack.tui.screens.welcome_steps import STEPS_TEXT
from tests.keyring_fixture import OsKeyring
from tests.tui.helpers import SIZE, notices

PASSPHRASE = "quiet harbour lantern violet"


def welcome(app: RpltrackApp) -> WelcomeScreen:
    for screen in reversed(app.screen_stack):
        if isinstance(screen, WelcomeScreen):
            return screen
    raise AssertionError("no welcome screen")


def text(app: RpltrackApp, selector: str) -> str:
    return str(welcome(app).query_one(selector, Static).render())


def shown_text(screen: WelcomeScreen) -> str:
    return " ".join(str(s.render()) for s in screen.query(Static) if s.display)


async def to_the_lock_step(pilot) -> None:
    await pilot.press("enter")  # Start set-up
    await pilot.pause()
    for _ in range(4):  # targets, cycle, medications, reminders: skipped
        await pilot.press("escape")
        await pilot.pause()


async def test_the_lock_step_locks_the_journal_and_done_says_so(
    journal: Journal, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert STEPS_WITH_LOCK in shown_text(welcome(app))
        await to_the_lock_step(pilot)
        screen = welcome(app)
        assert screen.pane == "lock"
        assert text(app, "#welcome-top") == "Set-up · step 5 of 5 · Lock your journal (optional)"
        assert lock.UNRECOVERABLE in shown_text(screen)
        assert screen.focused is screen.query_one("#lock-start", Button)
        await pilot.press("enter")  # Lock with a passphrase…
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, lock.LockDialog)
        dialog.query_one("#lock-new", Input).value = PASSPHRASE
        dialog.query_one("#lock-again", Input).value = PASSPHRASE
        dialog.query_one("#lock-go", Button).press()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Locked the journal at" in str(dialog.query_one("#lock-result", Static).render())
        await pilot.press("enter")  # Close
        await pilot.pause()
        assert app.screen is screen
        assert screen.pane == "lock"
        assert "Locked the journal at" in text(app, "#lock-step-result")
        assert screen.focused is screen.query_one("#lock-continue", Button)
        await pilot.press("enter")  # Continue
        await pilot.pause()
        assert screen.pane == "done"
        assert "Lock: locked, its key kept in your keyring" in text(app, "#done-summary")
        await pilot.press("enter")  # Go to Today
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert app.journal.encrypted
    assert is_encrypted(journal.path)
    assert keyring.get_password(crypto.SERVICE, crypto.keyring_name(crypto.salt_of(journal.path)))


async def test_the_lock_step_can_be_skipped_and_done_says_how_to_lock_later(
    journal: Journal, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await to_the_lock_step(pilot)
        assert welcome(app).pane == "lock"
        await pilot.press("escape")  # Skip
        await pilot.pause()
        assert welcome(app).pane == "done"
        assert f"Lock: not locked (ctrl+p, then “{lock.LOCK}”, whenever you like)" in text(
            app, "#done-summary"
        )
    assert not is_encrypted(journal.path)


async def test_back_from_the_lock_step_goes_to_reminders(journal: Journal, clock: FixedClock) -> None:
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await to_the_lock_step(pilot)
        welcome(app).query_one("#lock-back", Button).press()
        await pilot.pause()
        assert welcome(app).pane == "reminders"


async def test_without_sqlcipher_there_is_no_lock_step_and_done_says_how_to_add_it(
    journal: Journal, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3.dbapi2", None)
    assert not crypto.cipher_available()
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert STEPS_TEXT in shown_text(welcome(app))
        await pilot.press("enter")
        await pilot.pause()
        assert text(app, "#welcome-top") == "Set-up · step 1 of 4 · Your clinic's targets (optional)"
        for _ in range(4):
            await pilot.press("escape")
            await pilot.pause()
        assert welcome(app).pane == "done"
        summary = text(app, "#done-summary").splitlines()
        assert (
            summary[-1]
            == UNAVAILABLE_LINE
            == ('Lock: unavailable in this rpltrack; to add it: pip install "rpltrack[encrypted]"')
        )
        await pilot.press("enter")
        await pilot.pause()
        # The palette's Lock says the same, and nothing is changed.
        [run] = [c.run for c in RpltrackCommands(app.screen).commands() if c.name == lock.LOCK]
        run()
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert any('pip install "rpltrack[encrypted]"' in n for n in notices(app))
    assert not is_encrypted(Path(journal.path))
