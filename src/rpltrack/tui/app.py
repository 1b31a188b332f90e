"""RpltrackApp: the terminal app. Everything it needs (the journal, the clock) is passed in."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.notifications import SeverityLevel
from textual.screen import Screen

from rpltrack.clock import Clock
from rpltrack.domain.display import terminal_text
from rpltrack.domain.reminder_words import Notice, Urgency
from rpltrack.store.db import JournalError
from rpltrack.store.journal import Journal
from rpltrack.tui.commands import RpltrackCommands
from rpltrack.tui.screens.base import SectionScreen
from rpltrack.tui.screens.help import HelpScreen
from rpltrack.tui.sections import SECTION_OF, SECTIONS, Section
from rpltrack.tui.stylesheet import KeptStylesheet

if TYPE_CHECKING:
    from textual.worker import Worker

    from rpltrack.store.crypto import JournalKey

# A section's screen is imported when it first opens, or a moment earlier when the app warms it after its
# first paint (RpltrackApp.warm_sections). Today, the first screen, is imported with the app, so that it is
# frozen with it below.
SECTION_OF["today"].screen_class()


class Warmed(NamedTuple):
    """A section's first read, made by the warm-up thread (RpltrackApp.take_warmed)."""

    mark: tuple[int, int]  # the journal's change mark (the app's connection) taken before it was read
    read_at: datetime  # the clock's time it was read as of
    answer: object


# How long a warmed read may wait for her first visit to its section: later (or on another day), the section
# reads afresh, so nothing shown is read as of a time long past.
WARMED_FOR = timedelta(minutes=5)


def open_section(section: Section) -> Screen[Any]:
    """A section's new screen, for its mode's stack (the app's MODES), made when the section first opens.

    What the sections opened before it built (their screens, kept in their modes' stacks) lives as long as
    the app: it is frozen first, as the imports are (below), so that the collector's full passes, which
    would otherwise walk every screen built so far, fall in no later first visit (20-40 ms each on ten
    years of data). The young generations are collected just before, so that little garbage is frozen
    with it (a section opens once per run)."""
    gc.collect(1)
    gc.freeze()
    return section.open()


def css_paths(screen_class: type[Screen[Any]]) -> list[Path]:
    """The stylesheets a screen class names in its CSS_PATH, as Textual reads them (a relative one beside the
    module of the class)."""
    import inspect

    named = screen_class.CSS_PATH
    if named is None:
        return []
    folder = Path(inspect.getfile(screen_class)).parent
    return [
        Path(os.path.abspath(folder / path))
        for path in ([named] if isinstance(named, str | PurePath) else named)
    ]


# Everything imported so far (Textual, Rich, the domain) lives as long as the app. Frozen, it is left out of
# the collector's full passes, one of which would otherwise fall in the first paint (20-35 ms on 2 cores).
gc.freeze()

# How long after the first paint the other sections start getting ready (RpltrackApp.warm_sections): no key
# is pressed sooner, and the first screen's own reads in threads (Today's flag count) go first.
WARM_AFTER_SECONDS = 0.25

# What the palette's Screenshot says it does.
SCREENSHOT_HELP = "Save a picture of this screen (SVG) in your documents folder"

# Dose states move on with the clock (due -> overdue -> missed), so Today is re-read this often.
REFRESH_SECONDS = 30.0


# What makes a journal hers: a journal without any of these opens on the welcome flow. On a journal with data
# the first count (medications) answers, a few microseconds before the first paint.
RECORD_TABLES = (
    "medications",
    "cycles",
    "pregnancies",
    "labs",
    "appointments",
    "betas",
    "sessions",
    "session_courses",
)


# After an error the app starts again with a notice; after this many in one session it stays closed.
RESTARTS_AFTER_ERRORS = 3
SAVED_IS_KEPT = "Nothing you had saved is lost."


def error_words(log: Path) -> str:
    return f"The details are in {log}." if log != Path() else "The details could not be written down."


def run_app(make_app: Callable[[str], RpltrackApp], *, headless: bool = False) -> int:
    """Run the app; when an error closed it, start it again with a calm notice (at most
    RESTARTS_AFTER_ERRORS times), then stop with the same calm words on the terminal, never a traceback."""
    import sys

    notice, details = "", ""
    for _ in range(RESTARTS_AFTER_ERRORS + 1):
        app = make_app(notice)
        app.run(headless=headless)
        if app.error_log is None:
            return app.return_code or 0
        details = error_words(app.error_log)
        notice = f"Something went wrong, so rpltrack started again. {SAVED_IS_KEPT} {details}"
    print(f"rpltrack had to close after an error. {SAVED_IS_KEPT} {details}", file=sys.stderr)
    return 1


def write_error_log(folder: Path, error: BaseException, now: datetime) -> Path | None:
    """Append the error and its traceback to errors.log in `folder` (0600 from its first byte); its path, or
    None when it cannot be written (nothing else is tried: the app must keep running)."""
    import os
    import traceback

    path = folder / "errors.log"
    text = f"--- {now.isoformat()} ---\n" + "".join(traceback.format_exception(error))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as log:
            log.write(text)
    except OSError:
        return None
    return path


def journal_is_empty(journal: Journal) -> bool:
    return not any(journal.count(table) for table in RECORD_TABLES)


def open_unlock() -> Screen[Any]:
    """The passphrase screen of a locked journal whose key is not kept (RpltrackApp.unlocking)."""
    from rpltrack.tui.screens.unlock import UnlockScreen

    return UnlockScreen()


class RpltrackApp(App[None]):
    """Today, Medications, History (doses), Cycles, Betas, Pregnancies, Labs, Flags and Appointments, over
    one journal, with time read only from `clock`."""

    CSS_PATH = "rpltrack.tcss"
    TITLE = "rpltrack"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        section.mode: partial(open_section, section) for section in SECTIONS
    }
    DEFAULT_MODE = "today"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = App.COMMANDS | {RpltrackCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+p",
            "command_palette",
            "Search actions",
            show=False,
            priority=True,
            tooltip="search every action by name, such as “Welcome and set-up” or “Export for my doctor”",
            id="palette",
        ),
    ]

    journal: Journal  # set once the journal is open: at once, or after its passphrase (unlocking)

    def __init__(
        self,
        *,
        journal: Journal | None,
        clock: Clock,
        install_reminders: Callable[[Path], list[str]] | None = None,
        welcome: bool = False,
        start_notice: str = "",
        journal_path: Path | None = None,
        note_locked: Callable[[Path, str], None] | None = None,
    ) -> None:
        super().__init__()
        # Parsed again only when the theme changes, not at each section's first visit (which restyles the
        # app twice). Made with the variables App.__init__ has just computed for its own stylesheet.
        self.stylesheet = KeptStylesheet(variables=self.theme_variables)
        if journal is not None:
            self.journal = journal
        elif journal_path is None:
            raise ValueError("the app needs a journal, or the path of the locked journal to ask about")
        self.journal_path: Path = journal.path if journal is not None else Path(journal_path or "")
        # Tells the reminder timer a locked file is her journal (its id, never its key), after a lock from the
        # app: reminders.daemon.note_locked_journal, passed by the command line (tui and reminders do not
        # import each other).
        self.note_locked = note_locked
        # True while a lock, unlock or passphrase change has the journal closed (tui/screens/lock.py).
        self.journal_busy = False
        self.clock = clock
        # Open the welcome flow on an empty journal (the command line does; a test of another screen starts
        # on an empty journal and expects that screen).
        self.welcome = welcome
        # Installs the reminder timer for a journal and says what it did (the welcome flow's last step). The
        # command line passes reminders.service.install: tui and reminders do not import each other.
        self.install_reminders = install_reminders
        self.shown_day: date = clock.now().astimezone(clock.zone).date()
        # None: calm (see _handle_exception) unless headless; tests set True to check the calm path itself.
        self.calm_errors: bool | None = None
        # Where the error that closed the app was written (Path() when it could not be), else None.
        self.error_log: Path | None = None
        # Said once the app has started (after a restart that followed an error).
        self.start_notice = start_notice
        # Set once warm_sections has done what it could (tests wait on it; a thread may set it).
        self.sections_warm = threading.Event()
        # What the warm-up thread read for the sections whose screens take it (take_warmed), by mode.
        self.warmed: dict[str, Warmed] = {}

    @classmethod
    def unlocking(
        cls,
        path: Path,
        *,
        clock: Clock,
        install_reminders: Callable[[Path], list[str]] | None = None,
        welcome: bool = False,
        start_notice: str = "",
        note_locked: Callable[[Path, str], None] | None = None,
    ) -> RpltrackApp:
        """The app on the locked journal at `path` whose key is not kept: it starts on its passphrase
        (UnlockScreen), then opens the journal and goes on as it always starts."""
        return UnlockingApp(
            journal=None,
            journal_path=path,
            clock=clock,
            install_reminders=install_reminders,
            welcome=welcome,
            start_notice=start_notice,
            note_locked=note_locked,
        )

    @property
    def journal_is_open(self) -> bool:
        """Whether the journal is open (not before its passphrase, nor during a lock or an unlock)."""
        return "journal" in self.__dict__ and not self.journal_busy

    def on_mount(self) -> None:
        if self.start_notice:
            self.notify(self.start_notice, title="Sorry", severity="warning", timeout=20, markup=False)
        if "journal" in self.__dict__:
            self.start_with_journal()

    def start_with_journal(self) -> None:
        """What starts once the journal is open: the tick, the welcome flow on an empty journal, warming."""
        self.set_interval(REFRESH_SECONDS, self.tick, name="refresh")
        if self.welcome and not self.journal.readonly and journal_is_empty(self.journal):
            self.open_welcome()
        # Once the first screen is painted (and has started its own follow-up reads), the sections she may
        # open next get ready in the background.
        self.call_after_refresh(self.set_timer, WARM_AFTER_SECONDS, self.start_warming, name="warm")

    def open_locked_journal(self, key: JournalKey) -> str:
        """Open the locked journal with the key its passphrase gave (UnlockScreen), show Today and start as
        usual; the key stays in this process's memory, so the app's threads open the journal without asking.
        Returns why it could not be opened, or ""."""
        try:
            journal = Journal.open(self.journal_path, now=self.clock.now(), check=True, key=key)
        except JournalError as exc:
            return str(exc)
        self.journal = journal
        for note in journal.notes:
            self.notify(note, title="Journal", timeout=15, markup=False)
        self.switch_mode("today")
        if "unlock" in self.MODES:
            self.call_later(self.remove_mode, "unlock")  # its screen goes; Escape can no longer reach it
        self.start_with_journal()
        return ""

    def close_journal_for_conversion(self) -> None:
        """A lock, unlock or passphrase change needs the file to itself: the app's connection is closed until
        reopen_journal_after_conversion (the tick leaves the screens alone meanwhile)."""
        self.journal_busy = True
        self.journal.close()

    def reopen_journal_after_conversion(self) -> str:
        """Open the journal again after a conversion (in its new form, or as it was when the conversion
        failed): a locked one with the key kept in this process. Returns what went wrong, or ""."""
        try:
            self.journal = Journal.open(self.journal_path, now=self.clock.now())
        except JournalError as exc:
            return f"The journal could not be opened again ({exc}); close rpltrack and start it again."
        finally:
            self.journal_busy = False
        return ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing to offer in the palette before the journal is open.
        return action != "command_palette" or self.journal_is_open

    def open_welcome(self) -> None:
        """The first-run flow (#8); also the palette's "Welcome and set-up"."""
        from rpltrack.tui.screens.welcome import WelcomeScreen

        self.push_screen(WelcomeScreen(first_run=journal_is_empty(self.journal)))

    def start_warming(self) -> None:
        """Note the journal's change mark, then warm the sections in a thread (warm_sections): what the
        thread reads is taken by a screen only while the mark has not moved since (take_warmed)."""
        self.warm_sections(self.journal.change_mark() if self.journal_is_open else None)

    @work(thread=True, exclusive=True, group="warm", exit_on_error=False)
    def warm_sections(self, mark: tuple[int, int] | None = None) -> None:
        """Get the other sections ready before her first visit to each, in a thread, after the first paint:
        import their screens, read what each reads first (with this thread's own connection), and have their
        stylesheets parsed on the event loop in one go. The imports and the file's cached pages stay; a
        section whose screen takes its first read (Section.first_read) finds it kept with `mark`, the
        journal's change mark taken before this thread started, and the others' answers are dropped. A first
        visit then only builds and fills its screen. Warming is only speed: when anything here fails, each
        section opens as it would have."""
        from textual.worker import get_current_worker

        try:
            self._warm(get_current_worker(), mark)
        finally:
            self.sections_warm.set()

    def take_warmed(self, mode: str) -> object:
        """What the warm-up thread read for section `mode`, once; None when it read nothing for it, or when
        the journal may have changed since (its change mark moved: a write here, or a commit by any other
        connection), so that what a screen shows is never older than the journal; nor when it was read more
        than WARMED_FOR ago or on another day."""
        kept = self.warmed.pop(mode, None)
        if kept is None or not self.journal_is_open or kept.mark != self.journal.change_mark():
            return None
        now = self.clock.now()
        zone = self.clock.zone
        if not timedelta(0) <= now - kept.read_at <= WARMED_FOR:
            return None
        if now.astimezone(zone).date() != kept.read_at.astimezone(zone).date():
            return None
        return kept.answer

    def _warm(self, worker: Worker[None], mark: tuple[int, int] | None) -> None:
        others = [section for section in SECTIONS if section.mode != self.current_mode]
        try:
            classes = []
            for section in others:
                if worker.is_cancelled:  # the app is closing: it waits for this thread
                    return
                classes.append(section.screen_class())
            self.call_from_thread(self.load_stylesheets, [path for cls in classes for path in css_paths(cls)])
            if self.journal.readonly:
                return  # a damaged or newer journal is read only through the app's own connection
            now = self.clock.now()
            with Journal.open(self.journal_path, now=now) as journal:
                for section in others:
                    if worker.is_cancelled:
                        return
                    if section.warm is not None:
                        answer = section.warm(journal, now, self.clock.zone)
                        if section.first_read and mark is not None:
                            self.warmed[section.mode] = Warmed(mark, now, answer)
        except Exception:
            return
        # What was just imported lives as long as the app, as what was imported before the first paint
        # (frozen at import, above): kept out of the collector's full passes, which would otherwise walk it
        # again during her first visits.
        gc.freeze()

    def load_stylesheets(self, paths: list[Path]) -> None:
        """Read and parse the stylesheets not read yet, and restyle the screen shown, as Textual does when a
        screen naming them first opens (on the event loop: the stylesheet is the app's)."""
        new = [path for path in dict.fromkeys(paths) if not self.stylesheet.has_source(str(path), "")]
        if not new:
            return
        for path in new:
            self.stylesheet.read(path)
        self.stylesheet.parse()
        self.stylesheet.update(self)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own palette entries, less its Quit (the palette offers rpltrack's, with its key) and with
        a Screenshot that saves where she can find it and says where."""
        for command in super().get_system_commands(screen):
            if command.title == "Quit":
                continue
            if command.title == "Screenshot":
                command = SystemCommand(
                    "Screenshot", SCREENSHOT_HELP, lambda: self.call_after_refresh(self.save_screenshot_svg)
                )
            yield command

    def save_screenshot_svg(self) -> Path | None:
        """A picture of the screen as shown (SVG), in her documents folder, owner-only as it shows her
        records; a notice says where. Its path, or None when it could not be written (the notice says why)."""
        from rpltrack.paths import documents_dir
        from rpltrack.store.files import atomic_write

        folder = documents_dir()
        stamp = self.clock.now().astimezone(self.clock.zone).strftime("%Y-%m-%d-%H%M%S")
        path = folder / f"rpltrack-screen-{stamp}.svg"
        count = 1
        while path.exists():
            count += 1
            path = folder / f"rpltrack-screen-{stamp}-{count}.svg"
        try:
            atomic_write(path, self.export_screenshot().encode("utf-8"), durable=False)
        except OSError as exc:
            self.notify(
                f"The picture could not be saved in {folder}: {exc.strerror or exc}.",
                title="Screenshot",
                severity="error",
                timeout=15,
                markup=False,
            )
            return None
        self.notify(f"Saved a picture of this screen to {path}", title="Screenshot", timeout=15, markup=False)
        return path

    async def tick(self) -> None:
        """Re-read the section on show: states change with time; after midnight Today shows the new day."""
        # Other sections re-read when she goes back to them, if the journal changed or a tick's time passed
        # (SectionScreen.show_current).
        if not self.journal_is_open:
            return
        self.shown_day = self.clock.now().astimezone(self.clock.zone).date()
        for screen in self.screen_stack:
            if isinstance(screen, SectionScreen):
                await screen.show_current(force=True)
        self.check_reminders()

    @work(thread=True, exclusive=True, group="reminders", exit_on_error=False)
    def check_reminders(self) -> None:
        """Reminders while the app is open, shown in the app. They go through the same ledger as the timer's
        `rpltrack remind --once`, so one shown here is not shown again on the desktop (nor the other way
        round); reminders that passed while nothing was checking are told once. In a thread, with its own
        connection (a SQLite connection belongs to its thread)."""
        from rpltrack.store.reminder_ledger import run_due, take_unshown_missed

        now = self.clock.now()
        try:
            with Journal.open(self.journal_path, now=now) as journal:
                if journal.readonly:
                    return
                run_due(journal, self.show_reminder, now, self.clock.zone, discreet=False)
                passed = take_unshown_missed(journal, now)
                journal.daily_backup(now)
        except Exception:
            return  # the timer, or the next tick, tries again; the app stays calm
        if passed:
            names = "; ".join(f"{p.what} ({p.when})" if p.when else p.what for p in passed[:4])
            more = f" and {len(passed) - 4} more" if len(passed) > 4 else ""
            self.call_from_thread(
                self.notify,
                f"{names}{more}. Doses not logged show as missed on Today and History.",
                title="Reminders passed while nothing was checking",
                timeout=30,
                markup=False,
            )

    def show_reminder(self, notice: Notice) -> str:
        """One reminder as an in-app notice (called from the reminder thread); the ledger records it."""
        body = notice.body
        if notice.buttons:
            body = f"{body} Log it on Today with t." if body else "Log it on Today with t."
        severity: SeverityLevel = "warning" if notice.urgency is Urgency.CRITICAL else "information"
        self.call_from_thread(
            self.notify, body, title=notice.title, severity=severity, timeout=30, markup=False
        )
        return "in-app"

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice of the app passes here (a screen's and a widget's notify call the app's): her words in
        it, a medication's name or a site, have their controls shown, never written raw to the terminal. A
        notice with her words in it passes markup=False, so '[b]' in a name is shown as typed."""
        super().notify(
            terminal_text(message),
            title=terminal_text(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def _handle_exception(self, error: Exception) -> None:
        """An error never puts a traceback on her screen. Textual stops the part of the app it happened in,
        so the app closes without one: the error is written to errors.log beside the journal (owner-only)
        and `error_log` names it; run_app then starts the app again with a calm notice. Headless runs
        (tests) keep Textual's own handling, so a bug fails its test, unless `calm_errors` is set."""
        calm = self.calm_errors if self.calm_errors is not None else not self.is_headless
        if not calm:
            super()._handle_exception(error)
            return
        if self.error_log is None:
            self.error_log = write_error_log(self.journal_path.parent, error, self.clock.now()) or Path()
        self._return_code = 1
        self._close_messages_no_wait()

    def action_show_changes(self) -> None:
        """The recent changes in words (what `rpltrack changes` lists)."""
        from rpltrack.tui.screens.changes import SHOWN, ChangesScreen

        self.push_screen(ChangesScreen(self.journal.changes(SHOWN), self.clock.zone.key))

    def action_help(self) -> None:
        """The keys of the screen she is on, read from its bindings."""
        if not isinstance(self.screen, HelpScreen):
            section = SECTION_OF.get(self.current_mode)
            here = section.label if section is not None and isinstance(self.screen, SectionScreen) else None
            self.push_screen(HelpScreen(self.screen, here or "this screen"))


class UnlockingApp(RpltrackApp):
    """The app on a locked journal whose key is not kept: its first mode asks for the passphrase."""

    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {**RpltrackApp.MODES, "unlock": open_unlock}
    DEFAULT_MODE = "unlock"
