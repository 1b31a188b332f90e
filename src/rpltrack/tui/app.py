"""RpltrackApp: the terminal app. Everything it needs (the journal, the clock) is passed in."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.notifications import SeverityLevel
from textual.screen import Screen

from rpltrack.clock import Clock
from rpltrack.domain.display import terminal_text
from rpltrack.domain.reminder_words import Notice, Urgency
from rpltrack.store.journal import Journal
from rpltrack.tui.commands import RpltrackCommands
from rpltrack.tui.screens.base import SECTION_GO_KEYS, SectionScreen
from rpltrack.tui.screens.help import HelpScreen
from rpltrack.tui.screens.today import TodayScreen

# The other sections are imported when they first open, so starting on Today loads only what Today needs
# (Betas also brings its chart, plotext).


def medications_screen() -> Screen[Any]:
    from rpltrack.tui.screens.medications import MedicationsScreen

    return MedicationsScreen()


def history_screen() -> Screen[Any]:
    from rpltrack.tui.screens.history import HistoryScreen

    return HistoryScreen()


def cycles_screen() -> Screen[Any]:
    from rpltrack.tui.screens.cycles import CyclesScreen

    return CyclesScreen()


def betas_screen() -> Screen[Any]:
    from rpltrack.tui.screens.betas import BetasScreen

    return BetasScreen()


def pregnancies_screen() -> Screen[Any]:
    from rpltrack.tui.screens.pregnancies import PregnanciesScreen

    return PregnanciesScreen()


def labs_screen() -> Screen[Any]:
    from rpltrack.tui.screens.labs import LabsScreen

    return LabsScreen()


def flags_screen() -> Screen[Any]:
    from rpltrack.tui.screens.flags import FlagsScreen

    return FlagsScreen()


def appointments_screen() -> Screen[Any]:
    from rpltrack.tui.screens.appointments import AppointmentsScreen

    return AppointmentsScreen()


def sessions_screen() -> Screen[Any]:
    from rpltrack.tui.screens.sessions import TreatmentsScreen

    return TreatmentsScreen()


# Everything imported so far (Textual, Rich, the domain) lives as long as the app. Frozen, it is left out of
# the collector's full passes, one of which would otherwise fall in the first paint (20-35 ms on 2 cores).
gc.freeze()

# Dose states move on with the clock (due -> overdue -> missed), so Today is re-read this often.
REFRESH_SECONDS = 30.0


# What makes a journal hers: a journal without any of these opens on the welcome flow. On a journal with data
# the first count (medications) answers, a few microseconds before the first paint.
RECORD_TABLES = ("medications", "cycles", "pregnancies", "labs", "appointments", "betas")


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


class RpltrackApp(App[None]):
    """Today, Medications, History (doses), Cycles, Betas, Pregnancies, Labs, Flags and Appointments, over
    one journal, with time read only from `clock`."""

    CSS_PATH = "rpltrack.tcss"
    TITLE = "rpltrack"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "today": TodayScreen,
        "medications": medications_screen,
        "history": history_screen,
        "cycles": cycles_screen,
        "betas": betas_screen,
        "pregnancies": pregnancies_screen,
        "labs": labs_screen,
        "flags": flags_screen,
        "appointments": appointments_screen,
        "sessions": sessions_screen,
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

    def __init__(
        self,
        *,
        journal: Journal,
        clock: Clock,
        install_reminders: Callable[[Path], list[str]] | None = None,
        welcome: bool = False,
        start_notice: str = "",
    ) -> None:
        super().__init__()
        self.journal = journal
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

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self.tick, name="refresh")
        if self.start_notice:
            self.notify(self.start_notice, title="Sorry", severity="warning", timeout=20, markup=False)
        if self.welcome and not self.journal.readonly and journal_is_empty(self.journal):
            self.open_welcome()

    def open_welcome(self) -> None:
        """The first-run flow (#8); also the palette's "Welcome and set-up"."""
        from rpltrack.tui.screens.welcome import WelcomeScreen

        self.push_screen(WelcomeScreen(first_run=journal_is_empty(self.journal)))

    async def tick(self) -> None:
        """Re-read the section on show: states change with time; after midnight Today shows the new day."""
        # Other sections re-read when she goes back to them, if the journal changed or a tick's time passed
        # (SectionScreen.show_current).
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
            with Journal.open(self.journal.path, now=now) as journal:
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
            self.error_log = write_error_log(self.journal.path.parent, error, self.clock.now()) or Path()
        self._return_code = 1
        self._close_messages_no_wait()

    def action_show_changes(self) -> None:
        """The recent changes in words (what `rpltrack changes` lists)."""
        from rpltrack.tui.screens.changes import SHOWN, ChangesScreen

        self.push_screen(ChangesScreen(self.journal.changes(SHOWN), self.clock.zone.key))

    def action_help(self) -> None:
        """The keys of the screen she is on, read from its bindings."""
        if not isinstance(self.screen, HelpScreen):
            names = {mode: name for mode, _, name in SECTION_GO_KEYS}
            here = names.get(self.current_mode) if isinstance(self.screen, SectionScreen) else None
            self.push_screen(HelpScreen(self.screen, here or "this screen"))
