"""One place for each thing (#19): the sections, declared once, feed the keys, the modes, the palette and the
help; the help lists exactly the keys that work; the key line fits 80 columns; the palette has one Quit and a
Screenshot that saves; q quits the welcome screen; the sections are warmed after the first paint."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.screen import Screen

from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.commands import RpltrackCommands
from rpltrack.tui.screens.base import SectionScreen
from rpltrack.tui.screens.help import SILENT, HelpScreen, target
from rpltrack.tui.screens.welcome import WelcomeScreen
from rpltrack.tui.sections import SECTIONS
from rpltrack.tui.widgets.key_bar import KeyBar
from tests.tui.helpers import SIZE, notices

SIZES = [(80, 24), SIZE]
MODES = [section.mode for section in SECTIONS]


async def go(pilot: Any, mode: str) -> SectionScreen:
    section = next(s for s in SECTIONS if s.mode == mode)
    await pilot.press(section.key)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SectionScreen)
    assert pilot.app.current_mode == mode
    return screen


def working_keys(app: Any, screen: Screen[Any]) -> list[str]:
    """Every key the screen binds now (with its focused part's), as drawn, less those that do nothing."""
    return sorted(
        app.get_key_display(active.binding)
        for active in screen.active_bindings.values()
        if not (active.binding.id is None and target(active)[0] in SILENT)
    )


def help_keys(help_screen: HelpScreen) -> list[str]:
    return sorted(key for _, lines in help_screen.sections for keys, _ in lines for key in keys)


# -- one registry --------------------------------------------------------------------------------------------


def test_the_modes_and_the_palette_come_from_the_one_list_of_sections():
    assert list(RpltrackApp.MODES) == MODES
    assert len({s.key for s in SECTIONS}) == len(SECTIONS) == 10
    assert all(s.key.isdigit() for s in SECTIONS)


async def test_each_sections_key_and_palette_entry_opens_its_screen(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        commands = {c.name: c for c in RpltrackCommands(demo_app.screen).commands()}
        for section in SECTIONS:
            assert commands[section.palette].help == f"key: {section.key}"
            commands[section.palette].run()
            await pilot.pause()
            assert demo_app.current_mode == section.mode
            assert type(demo_app.screen) is section.screen_class()
        for section in reversed(SECTIONS):
            await go(pilot, section.mode)
            await pilot.press("question_mark")
            await pilot.pause()
            help_screen = demo_app.screen
            assert isinstance(help_screen, HelpScreen)
            assert help_screen.title_words == section.label  # "Keys on Labs (results)"
            await pilot.press("escape")
            await pilot.pause()


# -- the help lists exactly the keys that work there ------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x34"])
@pytest.mark.parametrize("mode", MODES)
async def test_help_lists_exactly_the_keys_that_work_there(demo_app, mode, size):
    async with demo_app.run_test(size=size) as pilot:
        screen = await go(pilot, mode)
        # Each part of the screen in turn: a list's own keys work only while it has the focus.
        for part in [screen.focused, *screen.focus_chain]:
            if part is not None:
                part.focus()
                await pilot.pause()
            expected = working_keys(demo_app, screen)
            shown = screen.query_one(KeyBar).shown_keys
            await pilot.press("f1")
            await pilot.pause()
            help_screen = demo_app.screen
            assert isinstance(help_screen, HelpScreen)
            assert help_keys(help_screen) == expected, (mode, part)
            # Every key on the key line is in the help, with its words.
            drawn_keys = set(help_keys(help_screen))
            display = {key: demo_app.get_key_display(screen.active_bindings[key].binding) for key in shown}
            assert set(display.values()) <= drawn_keys
            # Every line is drawn inside the screen: the dialog fits and its lines are as wide as it.
            dialog = help_screen.query_one("#help").region
            assert dialog.right <= size[0]
            assert dialog.bottom <= size[1]
            lines = list(help_screen.query(".help-line"))
            assert len(lines) == sum(len(part_lines) for _, part_lines in help_screen.sections)
            assert all(0 < line.size.width <= dialog.width for line in lines)
            await pilot.press("escape")
            await pilot.pause()
            assert demo_app.screen is screen


async def test_textual_keys_share_a_line_by_meaning_and_quit_keys_share_one(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await go(pilot, "medications")
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = demo_app.screen
        assert isinstance(help_screen, HelpScreen)
        parts = dict(help_screen.sections)
    moving = [keys for keys, words in parts["This screen"] if words == "move in a list"]
    assert len(moving) == 1
    assert {"↑", "↓", "home", "end", "pgup", "pgdn"} <= set(moving[0])
    assert "enter" not in help_keys(help_screen)  # selects the highlighted row: nothing opens from it
    assert (("q", "^q"), "quit (everything is already saved)") in parts["Everywhere"]


# -- the key line fits 80 columns ---------------------------------------------------------------------------


def bar_line(screen: Screen[Any]) -> str:
    return str(screen.query_one(KeyBar).render()).rstrip()


@pytest.mark.parametrize("mode", MODES)
async def test_the_key_line_fits_80_columns_on_every_section(demo_app, mode):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await go(pilot, mode)
        line = bar_line(screen)
        assert len(line) <= 80
        # The keys that mean the same everywhere are never the ones left out.
        assert line.endswith("0-9 Sections u Undo ? Help q Quit"), line
        bar = screen.query_one(KeyBar)
        own = [b.key for b, _ in bar.shown_bindings() if b.group is None and not b.action.startswith("app.")]
        assert bar.shown_keys[:1] == own[:1]  # the most important key stays
        # What the line leaves out is still in the palette.
        offered = {c.name for c in RpltrackCommands(screen).commands()}
        left_out = [b.description for b, _ in bar.shown_bindings() if b.key not in bar.shown_keys]
        assert set(left_out) <= offered


async def test_a_wide_terminal_shows_every_key_of_the_section(demo_app):
    async with demo_app.run_test(size=(140, 30)) as pilot:
        screen = await go(pilot, "appointments")
        bar = screen.query_one(KeyBar)
        assert bar.shown_keys == [b.key for b, _ in bar.shown_bindings()]
        assert "v Record visit d Delete 0-9 Sections" in bar_line(screen)


def pushed_screens() -> list[tuple[str, Any]]:
    """The full screens pushed over a section that have a key line of their own."""
    from rpltrack.tui.screens.adherence import AdherenceScreen
    from rpltrack.tui.screens.plan import PlanScreen

    return [
        ("welcome", lambda: WelcomeScreen(first_run=False)),
        ("plan", PlanScreen),
        ("adherence", AdherenceScreen),
    ]


@pytest.mark.parametrize(("name", "make"), pushed_screens(), ids=[name for name, _ in pushed_screens()])
async def test_the_key_line_fits_80_columns_on_every_pushed_screen(demo_app, name, make):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        demo_app.push_screen(make())
        await pilot.pause()
        screen = demo_app.screen
        bar = screen.query_one(KeyBar)
        line = bar_line(screen)
        assert len(line) <= 80
        assert bar.shown_keys, line
        for key in bar.shown_keys:  # each key drawn whole
            assert demo_app.get_key_display(screen.active_bindings[key].binding) in line


# -- the palette: one Quit, a Screenshot that saves --------------------------------------------------------


async def palette_names(pilot: Any) -> list[str]:
    """The names the palette lists when it opens (nothing typed), once it has gathered them all."""
    await pilot.press("ctrl+p")
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    listed = palette.query_one(CommandList)
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()  # the palette gathers every provider's commands in a worker
    await pilot.pause()
    names = [str(listed.get_option_at_index(n).prompt).split("\n")[0] for n in range(listed.option_count)]
    await pilot.press("escape")
    await pilot.pause()
    return names


async def choose_in_palette(pilot: Any, words: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.press(*words)
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    listed = pilot.app.screen.query_one(CommandList)
    assert str(listed.get_option_at_index(0).prompt).startswith(words)
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.parametrize("where", ["today", "welcome", "plan"])
async def test_the_palette_lists_quit_once(demo_app, where):
    from rpltrack.tui.screens.plan import PlanScreen

    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        if where == "welcome":
            demo_app.push_screen(WelcomeScreen(first_run=False))
        elif where == "plan":
            demo_app.push_screen(PlanScreen())
        await pilot.pause()
        names = await palette_names(pilot)
    assert Counter(names)["Quit"] == 1, names
    assert "Screenshot" in names


async def test_quit_in_the_palette_closes_the_app(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await choose_in_palette(pilot, "Quit")
        await pilot.pause()
        assert demo_app.return_code == 0


async def test_screenshot_in_the_palette_saves_an_svg_in_her_documents_and_says_where(
    demo_app, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))
    documents = tmp_path / "Documents"
    documents.mkdir()
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(2):  # a second picture in the same second gets a name of its own
            await choose_in_palette(pilot, "Screenshot")
            for _ in range(100):
                await pilot.pause()
                if len(list(documents.glob("*.svg"))) == _ + 1:
                    break
        said = [n for n in notices(demo_app) if n.startswith("Screenshot: ")]
    pictures = sorted(documents.glob("*.svg"), key=lambda p: len(p.name))
    assert [p.name for p in pictures] == [
        "rpltrack-screen-2026-11-23-084000.svg",
        "rpltrack-screen-2026-11-23-084000-2.svg",
    ]
    assert said == [f"Screenshot: Saved a picture of this screen to {p}" for p in pictures]
    svg = pictures[0].read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    assert "Monday&#160;23&#160;November" in svg
    assert "Search&#160;for&#160;commands" not in svg  # the palette had closed
    assert pictures[0].stat().st_mode & 0o777 == 0o600  # it shows her records


async def test_a_screenshot_that_cannot_be_saved_says_why(demo_app, tmp_path, monkeypatch):
    import rpltrack.paths

    missing = tmp_path / "gone"
    monkeypatch.setattr(rpltrack.paths, "documents_dir", lambda: missing)
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert demo_app.save_screenshot_svg() is None
        await pilot.pause()
        said = notices(demo_app)
    assert said[-1].startswith(f"Screenshot: The picture could not be saved in {missing}: ")
    assert not missing.exists()


# -- q on the welcome screen ----------------------------------------------------------------------------


async def test_q_on_the_welcome_screen_quits(journal, clock):
    """Regression (#19): the README says q quits; on the welcome screen it did nothing."""
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        assert "q Quit" in bar_line(app.screen)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0


async def test_q_types_a_letter_in_a_welcome_field_and_does_not_quit(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#start")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WelcomeScreen)
        assert screen.pane == "targets"
        assert "q Quit" not in bar_line(screen)  # a step with fields: q is a letter there
        focused = screen.focused
        assert focused is not None
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code is None
        assert getattr(focused, "value", "") == "q"


# -- warming the sections after the first paint ----------------------------------------------------------


async def test_the_sections_are_warmed_after_the_first_paint(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert await asyncio.to_thread(demo_app.sections_warm.wait, 30)
        await pilot.pause()
        css = {str(path) for path, _ in demo_app.stylesheet.source}
        # Each section's stylesheet is read before her first visit to it.
        from rpltrack.tui.app import css_paths

        for section in SECTIONS:
            assert {str(p) for p in css_paths(section.screen_class())} <= css
        # A first visit then shows the section as it would have, from the journal.
        for section in SECTIONS[1:]:
            screen = await go(pilot, section.mode)
            assert screen._read_at is not None


async def test_warming_never_blocks_the_first_screen(demo_app):
    """The warm-up runs in a thread after Today is shown: Today answers keys while it runs."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("2")
        assert await asyncio.to_thread(demo_app.sections_warm.wait, 30)
        await pilot.pause()
        assert demo_app.current_mode == "medications"
        for section in SECTIONS[2:]:
            await go(pilot, section.mode)


async def test_a_theme_chosen_later_reaches_every_section_opened_before_or_after(demo_app):
    """A section's new screen starts at the app's CSS generation (tui/app.py open_section): a theme chosen
    later still restyles the sections opened before it, and those opened after it start in it."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await go(pilot, "medications")
        before = demo_app.screen.styles.background
        await go(pilot, "today")
        demo_app.theme = "textual-light"
        await pilot.pause()
        light = demo_app.screen.styles.background  # Today, restyled at once
        assert light != before
        for mode in ("medications", "labs"):  # opened before the change, and after it
            screen = await go(pilot, mode)
            assert screen.styles.background == light, mode
