"""Keys that cannot write by accident (#13): section keys never write, on any screen; no key goes somewhere on
one screen and writes on another; the help and the key line show the keys the screen actually binds."""

from __future__ import annotations

from typing import Any

from rpltrack.store.writer import TABLES_WITH_AUDIT
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.base import SectionScreen
from rpltrack.tui.screens.help import HelpScreen
from rpltrack.tui.sections import SECTIONS
from tests.cli.support import checksum
from tests.tui.helpers import SIZE

MODES = [section.mode for section in SECTIONS]
KEY_OF = {section.mode: section.key for section in SECTIONS}


async def go(pilot: Any, mode: str) -> SectionScreen:
    await pilot.press(KEY_OF[mode])
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SectionScreen)
    assert pilot.app.current_mode == mode
    return screen


# Her record and its change log; the reminder ledger is left out: the app's own timer (every 30 s of real
# time) may note a reminder while a slow run goes through the screens, and that is not a key writing.
RECORD = (*TABLES_WITH_AUDIT, "changes", "audit")


async def test_every_section_key_on_every_screen_leaves_the_journal_as_it_was(demo_journal, clock):
    before = checksum(demo_journal.path, RECORD)
    changes = demo_journal.count("changes")
    app = RpltrackApp(journal=demo_journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        for here in MODES:
            await go(pilot, here)
            for there in MODES:
                await go(pilot, there)
                await go(pilot, here)
    assert demo_journal.count("changes") == changes
    assert checksum(demo_journal.path, RECORD) == before


async def bindings_of_every_part(pilot: Any) -> list[tuple[str, str]]:
    """(key, action) of every binding active on the current screen, with each of its focusable parts
    focused in turn (a list's own keys count only while it has the focus)."""
    screen = pilot.app.screen
    found = [(key, active.binding.action) for key, active in screen.active_bindings.items()]
    for widget in list(screen.focus_chain):
        widget.focus()
        await pilot.pause()
        found += [(key, active.binding.action) for key, active in screen.active_bindings.items()]
    return found


async def test_no_key_goes_somewhere_on_one_screen_and_acts_on_another(demo_app):
    going: dict[str, set[str]] = {}
    acting: dict[str, set[str]] = {}
    async with demo_app.run_test(size=SIZE) as pilot:
        for mode in MODES:
            await go(pilot, mode)
            for key, action in await bindings_of_every_part(pilot):
                kind = going if action.startswith("app.switch_mode") else acting
                kind.setdefault(key, set()).add(mode)
    both = {key: (going[key], acting[key]) for key in going.keys() & acting.keys()}
    assert both == {}
    assert set(going) == set("0123456789")


async def test_the_section_keys_go_to_the_same_section_from_everywhere(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        for here in MODES:
            await go(pilot, here)
            actions = {
                key: active.binding.action
                for key, active in pilot.app.screen.active_bindings.items()
                if active.binding.action.startswith("app.switch_mode")
            }
            assert actions == {KEY_OF[mode]: f"app.switch_mode('{mode}')" for mode in MODES}, here


async def test_help_on_today_says_what_each_key_does(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        parts = dict(help_screen.sections)
    assert parts["This screen"] == [
        (("t",), "mark the highlighted dose taken (a late one asks when; an injection asks where)"),
        (("s",), "skip the highlighted dose, with a reason if you like"),
        (("↑", "k", "↓", "j", "home", "end", "pgup", "pgdn"), "move between doses"),
        (("a",), "add a medication"),
        (("l",), "log an as-needed medication taken now"),
        (("p",), "the coming days: doses, appointments, changes"),
        (("tab", "shift+tab"), "move to the next part of the screen, or back"),
        (("^c", "super+c"), "copy the text selected with the mouse"),
    ]
    assert parts["Sections"][0] == (("1",), "Today (you are here)")
    assert parts["Sections"][-2] == (("9",), "go to Appointments")
    assert parts["Sections"][-1] == (("0",), "go to Treatments")
    assert [keys for keys, _ in parts["Everywhere"]] == [
        ("u",),
        ("U", "^y"),
        ("z",),
        ("/",),
        ("?", "f1"),
        ("q", "^q"),  # Textual's ctrl+q quits too: the same line
        ("^p",),
    ]


async def test_the_old_letter_keys_no_longer_go_anywhere(demo_app):
    """Regression (#13): `t`, pressed on another screen to go to Today, logged a dose taken on Today."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await go(pilot, "history")
        for letter in "mhcbpo":  # the old section letters that are no screen's action
            await pilot.press(letter)
            await pilot.pause()
            assert pilot.app.current_mode == "history"
