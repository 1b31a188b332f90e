"""SectionScreen: what every top-level screen shares (journal access, the read-only banner, safe writes,
saying what was written and undoing it), and the keys that mean the same on every section."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast
from zoneinfo import ZoneInfo

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static

from rpltrack.clock import Clock
from rpltrack.domain.errors import ValidationError
from rpltrack.store.db import JournalError, NotSaved
from rpltrack.store.journal import ChangeRecord, Journal, JournalReadOnly
from rpltrack.tui.errors import app_text
from rpltrack.tui.format import shown
from rpltrack.tui.sections import SECTION_KEY as SECTION_KEY
from rpltrack.tui.sections import SECTIONS
from rpltrack.tui.widgets.dating_badge import DatingBadge

if TYPE_CHECKING:
    from rpltrack.tui.app import RpltrackApp

T = TypeVar("T")

# The stylesheets beyond the app's rpltrack.tcss (which has Today's rules): a screen names the one it needs
# in its CSS_PATH, and Textual loads it when the first such screen opens, so start-up parses only Today's.
SECTIONS_CSS = str(Path(__file__).resolve().parent.parent / "sections.tcss")
DIALOGS_CSS = str(Path(__file__).resolve().parent.parent / "dialogs.tcss")

SHORT_TERMINAL = 32  # rows: below this forms and dialogs close up and their buttons go flat, so all shows


def fit_to_terminal(screen: Screen[Any], buttons: str = "Button") -> None:
    """On a short terminal, the `-short` class (tighter rows: see dialogs.tcss and the screens' own CSS) and
    flat buttons (those `buttons` selects)."""
    short = screen.app.size.height < SHORT_TERMINAL
    screen.set_class(short, "-short")
    for button in screen.query(buttons).results(Button):
        button.compact = short


NOT_SAVED = "NOT saved — your entry is kept. Please try again in a moment."
READ_ONLY = "This journal is read-only, so nothing was changed."


# The sections, their keys and their names are declared once, in tui/sections.py; SECTION_KEY (mode -> key),
# what a screen names when it says "press 8", is imported from there with them.

# Ten sections do not fit the key line one by one beside a screen's own keys, so they share one entry
# ("0-9 Sections"); each key keeps its own description for the help and the palette.
SECTIONS_GROUP = Binding.Group("Sections")


def go_keys(here: str) -> list[BindingType]:
    """A key for every section, `here` (the section asking) included, so the digits read the same on every
    screen (pressing here's own key stays put)."""
    return [
        Binding(
            section.key,
            f"app.switch_mode('{section.mode}')",
            section.label,
            tooltip=f"{section.label} (you are here)" if section.mode == here else f"go to {section.label}",
            id=f"go-{section.mode}",
            group=SECTIONS_GROUP,
        )
        for section in SECTIONS
    ]


# Every section ends its BINDINGS with these, so the key line reads left to right from the section's own keys.
SECTION_KEYS: list[BindingType] = [
    Binding(
        "u",
        "undo",
        "Undo",
        tooltip="undo the last change; unless you just made it here, it names the change and asks first",
        id="undo",
    ),
    Binding(
        "U,ctrl+y",
        "redo",
        "Redo",
        show=False,
        tooltip="redo what undo took back; unless you just undid it here, it asks first",
        id="redo",
    ),
    Binding(
        "z",
        "app.show_changes",
        "Changes",
        show=False,
        tooltip="the recent changes in words, newest first: what u would take back",
        id="changes",
    ),
    Binding(
        "slash", "search", "Search", key_display="/", show=False, tooltip="find words anywhere", id="search"
    ),
    Binding("question_mark", "app.help", "Help", key_display="?", tooltip="this help", id="help"),
    Binding("f1", "app.help", "Help", show=False, tooltip="this help", id="help-f1"),
    Binding("q", "app.quit", "Quit", tooltip="quit (everything is already saved)", id="quit"),
]
# The ids of SECTION_KEYS and go_keys: the keys that mean the same on every section (the help lists them
# once, under "Everywhere" and "Sections", apart from the screen's own).
EVERYWHERE_IDS = frozenset({"undo", "redo", "changes", "search", "help", "help-f1", "quit", "palette"})

# `u` takes back at once a change made on the same screen this long ago at most (and still the newest
# change); anything else it names first and asks. Read on the app's clock.
UNDO_AT_ONCE_WITHIN = timedelta(minutes=1)
# How long a "… — u to undo" notice stays up.
ANNOUNCE_SECONDS = 8.0
# A section shown again within this long of its last read, with the journal unchanged, is not read again
# (the app's tick re-reads the section on screen as often).
REREAD_AFTER = timedelta(seconds=30)


class AppParts:
    """The app's journal, clock and zone at hand, for a screen or a widget of RpltrackApp."""

    if TYPE_CHECKING:
        app: App[object]  # a Screen's or Widget's

    @property
    def rpl(self) -> RpltrackApp:
        return cast("RpltrackApp", self.app)

    @property
    def journal(self) -> Journal:
        return self.rpl.journal

    @property
    def clock(self) -> Clock:
        return self.rpl.clock

    @property
    def zone(self) -> ZoneInfo:
        return self.clock.zone


class AppScreen(AppParts, Screen[None]):
    """A full screen of the app, with the app's journal, clock and zone at hand."""


class SectionScreen(AppScreen):
    """A top-level section (a mode). Subclasses compose their body and implement `reload`."""

    def readonly_banner(self) -> ComposeResult:
        if self.journal.readonly:
            reason = (
                self.journal.readonly_reason or "this journal is open read-only: you can look, but not save"
            )
            reason = reason[0].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
            yield Static(shown(reason), id="readonly-banner", markup=False)

    # The journal's change mark when this section last read it, and when (app clock): what tells a section
    # shown again whether it must read again.
    _read_mark: tuple[int, int] | None = None
    _read_at: datetime | None = None

    # The gestational age and due date at the right of the title line while a pregnancy is ongoing; a
    # section whose own heading says where she is (Today) sets this False.
    DATING_BADGE: ClassVar[bool] = True

    async def on_mount(self) -> None:
        if self.DATING_BADGE:
            await self.mount(DatingBadge(id="dating-badge"))
        await self.show_current()

    async def on_screen_resume(self) -> None:
        await self.show_current()

    async def show_current(self, *, force: bool = False) -> None:
        """Show the journal as it is now, whatever changed it (another section, the command line, the
        reminder timer): read again when it changed since this section last read it, or when that was
        REREAD_AFTER ago or more (what is due moves with the clock); else keep what is shown, so moving
        between sections stays instant. `force` reads again in any case (the app's tick)."""
        mark = self.journal.change_mark()
        now = self.clock.now()
        read_at = self._read_at
        if (
            not force
            and mark == self._read_mark
            and read_at is not None
            and timedelta(0) <= now - read_at < REREAD_AFTER
        ):
            return
        await self.reload()
        self._read_mark, self._read_at = mark, now
        self.show_dating()

    async def reload(self) -> None:
        """Read the journal again and show what it says now."""

    def action_search(self) -> None:
        """Find her words anywhere in the journal; a result opens where it is listed (#18)."""
        from rpltrack.tui.screens.search import open_search

        open_search(self.rpl)

    def show_dating(self) -> None:
        """The header's gestational age and due date, while a pregnancy is ongoing (domain dating); read
        when the section is shown and after each change made on it."""
        badges = list(self.query(DatingBadge).results(DatingBadge))
        if not badges:
            return
        try:
            dating = self.journal.dating_on(self.clock.now().astimezone(self.zone).date())
        except (JournalError, ValidationError):
            dating = None  # the Cycles and Pregnancies screens say what is wrong; the header stays quiet
        for badge in badges:
            badge.show_dating(dating)

    def can_write(self) -> bool:
        """False (with a gentle note) when the journal is read-only."""
        if self.journal.readonly:
            self.explain(JournalReadOnly())
            return False
        return True

    def explain(self, exc: Exception) -> str:
        """Tell her, gently, why nothing was saved; returns the words used (forms show them too)."""
        severity: SeverityLevel = "warning"
        title = "Not saved"
        if isinstance(exc, NotSaved):
            text, severity = NOT_SAVED, "error"
        elif isinstance(exc, JournalReadOnly):
            text, title = READ_ONLY, "Read-only"
        elif isinstance(exc, ValidationError):
            text = app_text(exc)
        else:
            text, severity = f"Not saved: {exc}", "error"
        # A message may quote what she typed: its controls are shown, in the notice and in a form.
        text = shown(text)
        self.notify(text, title=title, severity=severity, timeout=10, markup=False)
        return text

    def write(self, call: Callable[[], T]) -> tuple[bool, T | None]:
        """Run one Journal write: (True, its result), or (False, None) after saying why nothing was saved."""
        try:
            return True, call()
        except (JournalError, ValidationError) as exc:
            self.explain(exc)
            return False, None

    # -- saying what was written, and taking it back -----------------------------------------------------

    # (change id, when) of the last change made on this screen and announced, and of the last change undone
    # here: what `u` and `U` may take back or re-apply without asking first.
    _made_here: tuple[int, datetime] | None = None
    _undone_here: tuple[int, datetime] | None = None

    def announce(self, what: str, made_at: datetime | None = None) -> None:
        """Say what a write did, '<what> — u to undo.', right after it returns. With `made_at` (the `now` the
        write was given), the change is remembered as made here: `u` pressed on this screen within
        UNDO_AT_ONCE_WITHIN takes it back without asking. Without it (or when the write changed nothing),
        `u` names the change and asks first."""
        self.notify(f"{what.rstrip('.')} — u to undo.", title="Saved", timeout=ANNOUNCE_SECONDS, markup=False)
        self.show_dating()
        self._made_here = None
        if made_at is None:
            return
        try:
            change = self.journal.next_undo()
        except JournalError:
            return  # `u` will ask first: the safe side
        # The change log keeps whole seconds; a change that does not carry this write's time is not this
        # write's (a write that changed nothing opens no change).
        if change is not None and change.at == made_at.astimezone(UTC).replace(microsecond=0):
            self._made_here = (change.id, self.clock.now())

    def _just_here(self, mark: tuple[int, datetime] | None, change: ChangeRecord) -> bool:
        """True when `change` is the one `mark` remembers, marked on this screen a moment ago."""
        return (
            mark is not None
            and mark[0] == change.id
            and timedelta(0) <= self.clock.now() - mark[1] <= UNDO_AT_ONCE_WITHIN
        )

    async def action_undo(self) -> None:
        """Undo the newest change: at once if it was made on this screen a moment ago, else after saying
        what it is ("Undo: took aspirin (2026-11-23 08:00 dose)?")."""
        if not self.can_write():
            return
        try:
            target = self.journal.next_undo()
        except JournalError as exc:
            self.explain(exc)
            return
        if target is None:
            self.notify("There is nothing to undo.", title="Undo")
            return
        if self._just_here(self._made_here, target):
            await self._undo(target.id)
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                await self._undo(target.id)

        self.app.push_screen(ChangeDialog("Undo", target, self.zone), answered)

    async def _undo(self, expected: int) -> None:
        now = self.clock.now()

        def undo() -> ChangeRecord | None:
            # The question named one change: undo nothing if another became the newest meanwhile.
            current = self.journal.next_undo()
            return None if current is None or current.id != expected else self.journal.undo(now)

        ok, undone = self.write(undo)
        if not ok:
            return
        self._made_here = None
        if undone is None:
            self.notify("The journal changed meanwhile, so nothing was undone. Press u again.", title="Undo")
            return
        self._undone_here = (undone.id, now)
        self.notify(
            f"Undone: {undone.summary} — U to redo.", title="Undo", timeout=ANNOUNCE_SECONDS, markup=False
        )
        await self.reload()
        self.show_dating()

    async def action_redo(self) -> None:
        """Re-apply what the last undo took back: at once if it was undone on this screen a moment ago, else
        after saying what it is."""
        if not self.can_write():
            return
        try:
            target = self.journal.next_redo()
        except JournalError as exc:
            self.explain(exc)
            return
        if target is None:
            self.notify("There is nothing to redo.", title="Redo")
            return
        if self._just_here(self._undone_here, target):
            await self._redo(target.id)
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                await self._redo(target.id)

        self.app.push_screen(ChangeDialog("Redo", target, self.zone), answered)

    async def _redo(self, expected: int) -> None:
        now = self.clock.now()

        def redo() -> ChangeRecord | None:
            current = self.journal.next_redo()
            return None if current is None or current.id != expected else self.journal.redo(now)

        ok, redone = self.write(redo)
        if not ok:
            return
        self._undone_here = None
        if redone is None:
            self.notify("The journal changed meanwhile, so nothing was redone. Press U again.", title="Redo")
            return
        self._made_here = (redone.id, now)
        self.notify(
            f"Redone: {redone.summary} — u to undo.", title="Redo", timeout=ANNOUNCE_SECONDS, markup=False
        )
        await self.reload()
        self.show_dating()


class ChangeDialog(ModalScreen[bool]):
    """'Undo: took aspirin (2026-11-23 08:00 dose)?' with when the change was made. Enter (or y) does it;
    Escape (or n) leaves the journal as it is."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "Keep it", id="change-dialog-no"),
        Binding("n", "answer(False)", "Keep it", show=False, id="change-dialog-n"),
        Binding("y", "answer(True)", "Yes", show=False, id="change-dialog-yes"),
    ]

    def __init__(self, verb: str, change: ChangeRecord, zone: ZoneInfo) -> None:
        super().__init__()
        self.verb = verb
        self.change = change
        self.zone = zone

    def compose(self) -> ComposeResult:
        made = self.change.at.astimezone(self.zone)
        with Vertical(id="change-dialog", classes="dialog"):
            yield Static(shown(f"{self.verb}: {self.change.summary}?"), classes="dialog-title", markup=False)
            yield Static(
                f"A change made {made:%a} {made.day} {made:%b %Y} at {made:%H:%M}.", classes="dialog-text"
            )
            with Horizontal(classes="form-buttons"):
                yield Button(self.verb, variant="warning", id="yes")
                yield Button("Keep it as it is", variant="primary", id="no")
            yield Static(f"Enter: {self.verb.lower()} · Escape: keep it as it is", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class FormScreen(ModalScreen[T | None]):
    """A modal form: Enter in a field or the Save button saves, Escape or Cancel closes it with None."""

    def action_save(self) -> None:
        """Validate what she entered and dismiss the result (each form says how)."""

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
