"""The app on a locked journal whose key is not kept (#17): it starts on the passphrase dialog; a wrong
passphrase is said plainly and changes nothing; the right one opens Today, and the app's own threads open
the journal without asking. A real OS keyring (gnome-keyring on a private bus) that does not hold the key."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from rpltrack.cli import main as cli_main
from rpltrack.cli.context import Context
from rpltrack.clock import FixedClock
from rpltrack.store import crypto
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.today import TodayScreen
from rpltrack.tui.screens.unlock import WRONG, UnlockScreen
from tests.keyring_fixture import OsKeyring
from tests.tui.helpers import SIZE, add_med

PASSPHRASE = "quiet harbour lantern violet"


def locked_journal(path: Path, clock: FixedClock) -> crypto.JournalKey:
    """A journal locked from its first byte with PASSPHRASE's key, holding aspirin at 08:00; no key is kept
    anywhere afterwards (not in the keyring, not in this process)."""
    key = crypto.new_key(PASSPHRASE)
    with Journal.open(path, now=clock.now(), key=key) as journal:
        add_med(journal, clock, "aspirin", "81 mg", "08:00")
    crypto.forget_in_process()
    return key


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def message(app: RpltrackApp) -> str:
    return str(app.screen.query_one("#unlock-message", Static).render())


async def type_passphrase(pilot, text: str) -> None:
    field = pilot.app.screen.query_one("#unlock-passphrase", Input)
    field.value = text
    field.focus()
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_locked_journal_without_its_key_starts_on_the_passphrase_dialog(
    db_path: Path, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    locked_journal(db_path, clock)
    before = digest(db_path)
    app = RpltrackApp.unlocking(db_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        field = app.screen.query_one("#unlock-passphrase", Input)
        assert field.password
        assert app.screen.focused is field
        assert not app.journal_is_open
        # Nothing behind it answers: the palette and the section keys wait for the journal.
        await pilot.press("ctrl+p", "2")
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        # q is a letter of the passphrase while she types it.
        await pilot.press("q")
        await pilot.pause()
        assert field.value == "2q"
        assert app.is_running
        # A wrong passphrase: said plainly, the field empties for another try, nothing changes.
        await type_passphrase(pilot, "not the passphrase")
        assert message(app) == WRONG
        assert "SQLCipher" not in message(app)
        assert "file is not a database" not in message(app)
        assert isinstance(app.screen, UnlockScreen)
        assert field.value == ""
        assert app.screen.focused is field
        assert digest(db_path) == before
        # The right one: Today, with her medication.
        await type_passphrase(pilot, PASSPHRASE)
        assert isinstance(app.screen, TodayScreen)
        assert app.journal_is_open
        assert app.journal.encrypted
        assert [m.name for m in app.journal.medications()] == ["aspirin"]
        # The app's threads open the journal with the key kept in this process, without asking.
        with Journal.open(db_path) as second:
            assert [m.name for m in second.medications()] == ["aspirin"]
    # Kept in this process's memory only: never written to the keyring by opening it.
    crypto.forget_in_process()
    assert crypto.stored_key(crypto.salt_of(db_path), slow=True) is None


async def test_escape_on_the_passphrase_dialog_quits_with_nothing_changed(
    db_path: Path, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    locked_journal(db_path, clock)
    before = digest(db_path)
    app = RpltrackApp.unlocking(db_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not app.is_running
    assert digest(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["journal.db"]


async def test_an_empty_passphrase_asks_for_one(
    db_path: Path, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    locked_journal(db_path, clock)
    app = RpltrackApp.unlocking(db_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert message(app) == "Type the passphrase first."
        assert isinstance(app.screen, UnlockScreen)


def test_the_command_line_asks_in_the_app_only_when_no_key_is_kept(
    db_path: Path, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    """`rpltrack` (the app) on a locked journal: the dialog when the keyring does not hold its key; none when
    it does (the key is then kept in this process, so the open does not look it up again)."""
    key = locked_journal(db_path, clock)
    args = cli_main.build_parser("ui").parse_args(["--db", str(db_path), "ui"])
    ctx = Context.from_args(args)
    assert cli_main.key_to_ask_for(ctx) == db_path
    assert crypto.store_key(key) == ""
    crypto.forget_in_process()
    assert cli_main.key_to_ask_for(ctx) is None
    assert crypto.stored_key(key.salt, slow=False) == key


@pytest.mark.parametrize("size", [(110, 34), (80, 24)], ids=["110x34", "80x24"])
async def test_the_dialog_fits_the_terminal(db_path: Path, clock: FixedClock, os_keyring, size) -> None:
    locked_journal(db_path, clock)
    app = RpltrackApp.unlocking(db_path, clock=clock)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for widget_id in ("#unlock-passphrase", "#unlock-open", "#unlock-cancel"):
            region = app.screen.query_one(widget_id).region
            assert region.height > 0
            assert region.bottom <= size[1]
            assert region.right <= size[0]
