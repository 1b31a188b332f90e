"""The command palette (ctrl+p): every key of the current screen plus going anywhere, found by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from rpltrack.domain.records import record
from rpltrack.tui.screens.base import SectionScreen
from rpltrack.tui.sections import SECTIONS

# Kept out of the key line (no room), offered here on every section: (binding id, name, action, help).
UNDO_REDO = (
    ("undo", "Undo", "undo", "the last change, said in words"),
    ("redo", "Redo", "redo", "what undo took back"),
)
WARNING_SIGNS = "Warning signs (anticoagulants)"
EXPORT = "Export for my doctor"
WELCOME = "Welcome and set-up"
# Offered once on every screen: a screen's own q (its key shown) where it binds one, else this (Textual's own
# Quit is left out of the palette, RpltrackApp.get_system_commands).
QUIT = "Quit"


@record(frozen=True)
class Command:
    name: str
    help: str
    run: Callable[[], object]


def seeing_commands(app: object, seen: set[str]) -> Iterator[Command]:
    """The plan, the month of adherence and the search (#18), from every screen (tui.screens.seeing)."""
    from rpltrack.tui.screens.seeing import palette_commands

    for name, words, run in palette_commands(app, seen):
        yield Command(name, words, run)


def locking_commands(app: object) -> Iterator[Command]:
    """Lock the journal, or change its passphrase, forget its key, unlock it (#17; tui.screens.lock)."""
    from rpltrack.tui.screens.lock import palette_commands

    for name, words, run in palette_commands(app):
        yield Command(name, words, run)


class RpltrackCommands(Provider):
    """Offers each binding of the screen the palette was opened on (with its key) and the sections.

    A key kept out of the footer (no room) is offered too when its screen names its id in PALETTE_ALSO."""

    def commands(self) -> Iterator[Command]:
        seen: set[str] = set()
        seen_ids: set[str] = set()
        also: frozenset[str] = getattr(self.screen, "PALETTE_ALSO", frozenset()) | {"redo", "changes"}
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.system or not active.enabled:
                continue
            if not binding.show and binding.id not in also:
                continue
            if binding.action.startswith("app.switch_mode") or binding.description in seen:
                continue
            seen.add(binding.description)
            seen_ids.add(binding.id or "")
            shown = binding.key_display or self.app.get_key_display(binding)
            yield Command(
                binding.description,
                f"key: {shown or key}",
                partial(self.app.run_action, binding.action, active.node),
            )
        if isinstance(self.screen, SectionScreen):
            # A section that binds u (or U) to an action of its own still offers undo and redo here.
            for binding_id, name, action, words in UNDO_REDO:
                if binding_id not in seen_ids and name not in seen:
                    yield Command(name, words, partial(self.app.run_action, action, self.screen))
        for section in SECTIONS:
            yield Command(section.palette, f"key: {section.key}", partial(self.app.switch_mode, section.mode))
        if not any(words.startswith("Warning signs") for words in seen):
            yield Command(WARNING_SIGNS, "bleeding and clot signs to know", self.show_warning_signs)
        if EXPORT not in seen:
            yield Command(EXPORT, "files for your doctor or a spreadsheet", self.show_export)
        yield from seeing_commands(self.app, seen)
        yield from locking_commands(self.app)
        if self.screen.id != "welcome-screen":
            yield Command(
                WELCOME, "what rpltrack is; targets, cycle, medications, reminders", self.show_welcome
            )
        if QUIT not in seen:
            yield Command(QUIT, "close rpltrack; key: ctrl+q", self.app.exit)

    def show_warning_signs(self) -> None:
        from rpltrack.tui.screens.warning_signs import WarningSignsScreen

        self.app.push_screen(WarningSignsScreen())

    def show_export(self) -> None:
        from rpltrack.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen())

    def show_welcome(self) -> None:
        from rpltrack.tui.app import RpltrackApp

        app = self.app
        if not isinstance(app, RpltrackApp):
            return
        if app.journal.readonly:
            app.notify("This journal is read-only, so set-up cannot change it.", title="Read-only")
            return
        app.open_welcome()

    async def discover(self) -> Hits:
        for command in self.commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run, help=command.help)
