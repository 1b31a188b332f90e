"""Locking the journal from the app's palette (#17): Lock, Change the passphrase, Forget the key and Unlock,
each through its dialog, with a real OS keyring (gnome-keyring on a private bus)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import keyring
import pytest
from textual.widgets import Button, Checkbox, Input, Static

from rpltrack.cli import lock as cli_lock
from rpltrack.clock import FixedClock
from rpltrack.store import crypto
from rpltrack.store.backups import backup_dir
from rpltrack.store.db import is_encrypted
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.commands import RpltrackCommands
from rpltrack.tui.screens import lock
from rpltrack.tui.screens.today import TodayScreen
from rpltrack.tui.screens.unlock import key_opens
from tests.keyring_fixture import OsKeyring
from tests.tui.helpers import SIZE, add_med

PASSPHRASE = "quiet harbour lantern violet"
NEW = "seven brisk otters juggle plums"
SENTINEL = "ZEBRA-SENTINEL-app"


def with_data(journal: Journal, clock: FixedClock) -> None:
    med = add_med(journal, clock, "aspirin", "81 mg", "08:00")
    assert med.id is not None
    journal.make_backup(clock.now())


def with_note(journal: Journal, clock: FixedClock) -> None:
    from rpltrack.domain.medspec import MedicationInput, build_medication

    journal.add_medication(
        build_medication(
            MedicationInput(name="folic acid", dose="400 mcg", times="09:00", notes=SENTINEL),
            clock.zone,
            clock.now(),
        ),
        clock.now(),
    )
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    journal.make_backup(clock.now())


def palette(app: RpltrackApp) -> dict[str, object]:
    return {c.name: c.run for c in RpltrackCommands(app.screen).commands()}


def result(app: RpltrackApp) -> str:
    return str(app.screen.query_one("#lock-result", Static).render())


def said(app: RpltrackApp) -> str:
    return str(app.screen.query_one("#lock-message", Static).render())


async def run_palette(pilot, name: str) -> None:
    run = palette(pilot.app)[name]
    assert callable(run)
    run()
    await pilot.pause()


def fill(app: RpltrackApp, **values: str) -> None:
    for name, value in values.items():
        app.screen.query_one(f"#lock-{name}", Input).value = value


async def press_go(pilot) -> None:
    """The dialog's main button (press(): Enter on a button is ignored within 0.2 s of its last press)."""
    pilot.app.screen.query_one("#lock-go", Button).press()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def plain_sqlite_cannot_read(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        return True
    finally:
        conn.close()
    return False


def files_of(path: Path) -> list[Path]:
    return [p for p in [path, Path(f"{path}-wal"), Path(f"{path}-shm")] if p.exists()] + sorted(
        backup_dir(path).glob("*.db")
    )


async def test_lock_from_the_palette_encrypts_the_journal_and_keeps_the_key(
    journal: Journal, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    with_note(journal, clock)
    assert any(SENTINEL.encode() in p.read_bytes() for p in files_of(journal.path))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        names = palette(app)
        assert lock.LOCK in names
        assert lock.UNLOCK not in names
        assert lock.CHANGE not in names
        await run_palette(pilot, lock.LOCK)
        assert isinstance(app.screen, lock.LockDialog)
        text = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert lock.UNRECOVERABLE in text
        # The strength as she types.
        fill(app, new="password")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(app.screen.query_one("#lock-strength", Static).render()).startswith(
            "Passphrase strength: very weak (0 of 4)"
        )
        # Two that differ: said, nothing done.
        fill(app, new=PASSPHRASE, again=PASSPHRASE + "x")
        await press_go(pilot)
        assert said(app) == lock.DIFFER
        assert not is_encrypted(app.journal_path)
        # A weak one is asked about first.
        fill(app, new="password", again="password")
        await press_go(pilot)
        assert said(app) == lock.WEAK
        assert not is_encrypted(app.journal_path)
        # A good one, its key kept in the keyring.
        fill(app, new=PASSPHRASE, again=PASSPHRASE)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "strong (4 of 4)" in str(app.screen.query_one("#lock-strength", Static).render())
        assert app.screen.query_one("#lock-keep", Checkbox).value
        await press_go(pilot)
        done = result(app)
        assert done.startswith(f"Locked the journal at {app.journal_path}:")
        assert "written encrypted and checked; the plain file is gone." in done
        assert "1 backup locked too." in done
        assert "Its key is kept in your OS keyring" in done
        await pilot.press("enter")  # Close
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        # The app goes on with the locked journal.
        assert app.journal_is_open
        assert app.journal.encrypted
        assert {m.name for m in app.journal.medications()} == {"aspirin", "folic acid"}
        names = palette(app)
        assert lock.LOCK not in names
        assert {lock.CHANGE, lock.FORGET, lock.UNLOCK} <= set(names)
    path = journal.path
    assert plain_sqlite_cannot_read(path)
    for found in files_of(path):
        assert SENTINEL.encode() not in found.read_bytes(), found
    # The keyring opens it in a new process's place (nothing in memory).
    crypto.forget_in_process()
    assert keyring.get_password(crypto.SERVICE, crypto.keyring_name(crypto.salt_of(path)))
    with Journal.open(path) as reopened:
        assert reopened.encrypted
        assert {m.name for m in reopened.medications()} == {"aspirin", "folic acid"}
    crypto.forget_in_process()
    with Journal.open(path, passphrase=lambda: pytest.fail("asked")) as again:  # the keyring's key
        assert again.encrypted


async def lock_it(pilot, passphrase: str = PASSPHRASE, *, keep: bool = True) -> None:
    await run_palette(pilot, lock.LOCK)
    fill(pilot.app, new=passphrase, again=passphrase)
    pilot.app.screen.query_one("#lock-keep", Checkbox).value = keep
    await press_go(pilot)
    await pilot.press("enter")
    await pilot.pause()


async def test_unlock_from_the_palette_asks_then_makes_the_files_plain(
    journal: Journal, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    with_note(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await lock_it(pilot)
        salt = crypto.salt_of(app.journal_path)
        assert is_encrypted(app.journal_path)
        await run_palette(pilot, lock.UNLOCK)
        assert isinstance(app.screen, lock.UnlockJournalDialog)
        assert app.screen.focused is app.screen.query_one("#lock-cancel")  # the safe answer first
        await pilot.press("enter")  # Keep it locked
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert is_encrypted(app.journal_path)
        await run_palette(pilot, lock.UNLOCK)
        await press_go(pilot)
        done = result(app)
        assert done.startswith(f"Unlocked the journal at {app.journal_path}:")
        assert "1 backup made plain too." in done
        assert "Its key was removed from your OS keyring." in done
        await pilot.press("enter")
        await pilot.pause()
        assert not app.journal.encrypted
        assert {m.name for m in app.journal.medications()} == {"aspirin", "folic acid"}
        assert lock.LOCK in palette(app)
    assert not is_encrypted(journal.path)
    assert not plain_sqlite_cannot_read(journal.path)
    assert keyring.get_password(crypto.SERVICE, crypto.keyring_name(salt)) is None


async def test_change_the_passphrase_needs_the_current_one(
    journal: Journal, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    with_data(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await lock_it(pilot, keep=False)
        before = app.journal_path.read_bytes()
        await run_palette(pilot, lock.CHANGE)
        fill(app, current="not it", new=NEW, again=NEW)
        await press_go(pilot)
        assert said(app) == lock.WRONG_CURRENT
        assert app.journal_path.read_bytes() == before
        assert app.journal_is_open
        fill(app, current=PASSPHRASE)
        await press_go(pilot)
        done = result(app)
        assert "Changed the passphrase of the journal at" in done
        assert "The old passphrase no longer opens the journal or its backups." in done
        await pilot.press("enter")
        await pilot.pause()
        assert app.journal.encrypted
        assert [m.name for m in app.journal.medications()] == ["aspirin"]
    path = journal.path
    with pytest.raises(crypto.WrongKey):
        key_opens(path, PASSPHRASE)
    crypto.forget_in_process()
    # Kept in the keyring (the box was ticked, as by default), so a new process opens it without asking.
    with Journal.open(path, passphrase=lambda: pytest.fail("asked")) as reopened:
        assert reopened.journal_key == key_opens(path, NEW)
        assert [m.name for m in reopened.medications()] == ["aspirin"]


async def test_forget_the_key_takes_it_out_of_the_keyring_but_this_run_goes_on(
    journal: Journal, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    with_data(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await lock_it(pilot, keep=True)
        salt = crypto.salt_of(app.journal_path)
        assert keyring.get_password(crypto.SERVICE, crypto.keyring_name(salt))
        await run_palette(pilot, lock.FORGET)
        await press_go(pilot)
        assert result(app).startswith(f"Removed the key of the journal at {app.journal_path} from your OS")
        await pilot.press("enter")
        await pilot.pause()
        assert keyring.get_password(crypto.SERVICE, crypto.keyring_name(salt)) is None
        with Journal.open(app.journal_path) as second:  # the app's threads: the key kept in memory
            assert [m.name for m in second.medications()] == ["aspirin"]
    crypto.forget_in_process()
    with pytest.raises(crypto.KeyMissing):
        Journal.open(journal.path)


async def test_a_read_only_journal_is_not_converted(
    journal: Journal, clock: FixedClock, os_keyring: OsKeyring
) -> None:
    with_data(journal, clock)
    path = journal.path
    journal.close()
    readonly = Journal.open(path, now=clock.now())
    readonly.readonly = True  # as a newer or damaged journal opens
    app = RpltrackApp(journal=readonly, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await run_palette(pilot, lock.LOCK)
        assert isinstance(app.screen, TodayScreen)
        assert any(lock.READ_ONLY in n.message for n in app._notifications)
    readonly.close()
    assert not is_encrypted(path)


def test_the_app_says_what_the_command_line_says() -> None:
    assert lock.UNRECOVERABLE == cli_lock.UNRECOVERABLE
    assert cli_lock._strength(PASSPHRASE) == crypto.passphrase_strength(PASSPHRASE)
    assert crypto.passphrase_strength("password")[1].startswith("Passphrase strength: very weak (0 of 4);")


async def test_while_a_conversion_has_the_journal_closed_the_tick_leaves_the_screens_alone(
    journal: Journal, clock: FixedClock
) -> None:
    with_data(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.close_journal_for_conversion()
        assert not app.journal_is_open
        assert lock.palette_commands(app) == []
        await app.tick()  # would read the closed connection
        assert app.reopen_journal_after_conversion() == ""
        assert app.journal_is_open
        await app.tick()
        assert [m.name for m in app.journal.medications()] == ["aspirin"]
