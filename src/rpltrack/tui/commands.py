"""The command palette (ctrl+p): every key of the current screen plus going anywhere, found by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from rpltrack.domain.records import record
from rpltrack.tui.screens.base import SECTION_KEY, SectionScreen

SECTIONS = (
    ("today", "Go to Today"),
    ("medications", "Go to Medications"),
    ("history", "Go to History (doses)"),
    ("cycles", "Go to Cycles"),
    ("betas", "Go to Betas"),
    ("pregnancies", "Go to Pregnancies and losses"),
    ("labs", "Go to Labs (results)"),
    ("flags", "Go to Flags (things to raise)"),
    ("appointments", "Go to Appointments"),
    ("sessions", "Go to Treatments (LIT, IVIG, intralipid sessions)"),
)
# Kept out of the key line (no room), offered here on every section: (binding id, name, action, help).
UNDO_REDO = (
    ("undo", "Undo", "undo", "the last change, said in words"),
    ("redo", "Redo", "redo", "what undo took back"),
)
WARNING_SIGNS = "Warning signs (anticoagulants)"
EXPORT = "Export for my doctor"
WELCOME = "Welcome and set-up"


@record(frozen=True)
class Command:
    name: str
    help: str
    run: Callable[[], object]


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
        for mode, name in SECTIONS:
            yield Command(name, f"key: {SECTION_KEY[mode]}", partial(self.app.switch_mode, mode))
        if not any(words.startswith("Warning signs") for words in seen):
            yield Command(WARNING_SIGNS, "bleeding and clot signs to know", self.show_warning_signs)
        if EXPORT not in seen:
            yield Command(EXPORT, "files for your doctor or a spreadsheet", self.show_export)
        if self.screen.id != "welcome-screen":
            yield Command(
                WELCOME, "what rpltrack is; targets, cycle, medications, reminders", self.show_welcome
            )

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
