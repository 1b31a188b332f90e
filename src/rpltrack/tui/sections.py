"""The sections of the app, declared once: each one's mode, the key that opens it, its names and its screen.

The keys that go to a section (screens/base.py go_keys), the app's MODES, the command palette's "Go to …"
entries and the help's titles all read SECTIONS. A section's screen module is imported when the section first
opens, or a moment earlier when the app warms it after its first paint (RpltrackApp.warm_sections), so
starting on Today loads only what Today needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rpltrack.domain.records import record

if TYPE_CHECKING:
    from textual.screen import Screen

    from rpltrack.store.journal import Journal

# What a section reads when it is first shown, read once in a thread before her first visit (with the
# thread's own connection): the first read of a kind imports its code and brings the file's pages into the
# cache, so the section's own read, on the event loop, is the quick second one. A section whose screen takes
# the answer itself (`first_read`) does not read on the event loop at all while the journal is unchanged
# (RpltrackApp.take_warmed); the other answers are dropped.
Warm = Callable[["Journal", datetime, ZoneInfo], object]


def _medications(journal: Journal, now: datetime, zone: ZoneInfo) -> object:
    return journal.medications(), journal.adherence(now, 30)


def _cycles(journal: Journal, now: datetime, zone: ZoneInfo) -> object:
    return journal.cycles(), journal.dating_cycle_on(now.astimezone(zone).date())


def _betas(journal: Journal, now: datetime, zone: ZoneInfo) -> object:
    from rpltrack.tui.screens.betas import warm_betas

    return warm_betas(journal, now, zone)


def _pregnancies(journal: Journal, now: datetime, zone: ZoneInfo) -> object:
    return journal.pregnancies()


def _labs(journal: Journal, now: datetime, zone: ZoneInfo) -> object:
    from rpltrack.tui.screens.labs import warm_labs

    return warm_labs(journal, now, zone)


def _flags(journal: Journal, now: datetime, zone: ZoneInfo) -> object:
    return journal.flag_board(now, zone)


def _appointments(journal: Journal, now: datetime, zone: ZoneInfo) -> object:
    return journal.appointments()


def _sessions(journal: Journal, now: datetime, zone: ZoneInfo) -> object:
    return journal.sessions(), journal.courses(), journal.planned_sessions(now.astimezone(zone).date())


@record(frozen=True)
class Section:
    """One top-level section: a mode of the app."""

    mode: str  # the app's mode name ("labs")
    key: str  # the key that opens it from any section: a digit, as no section uses one for an action (#13)
    label: str  # its name on the keys and in the help ("Labs (results)")
    palette: str  # what the command palette offers ("Go to Labs (results)")
    screen: str  # "module:Class" of its screen, imported when the section first opens
    warm: Warm | None = None  # what it reads first, read ahead in a thread (None: nothing worth it)
    first_read: bool = False  # its screen takes what `warm` read instead of reading it again

    def screen_class(self) -> type[Screen[Any]]:
        """Its screen's class (importing the module the first time)."""
        module, name = self.screen.split(":")
        found: type[Screen[Any]] = getattr(importlib.import_module(module), name)
        return found

    def open(self) -> Screen[Any]:
        """A new screen for the section (what its mode's stack starts with)."""
        return self.screen_class()()


SCREENS = "rpltrack.tui.screens"

# In the order of their keys, which is the order of the key line and the help.
SECTIONS: tuple[Section, ...] = (
    Section("today", "1", "Today", "Go to Today", f"{SCREENS}.today:TodayScreen"),
    Section(
        "medications",
        "2",
        "Medications",
        "Go to Medications",
        f"{SCREENS}.medications:MedicationsScreen",
        _medications,
    ),
    # History reads its pages in a thread of its own already.
    Section("history", "3", "History", "Go to History (doses)", f"{SCREENS}.history:HistoryScreen"),
    Section("cycles", "4", "Cycles", "Go to Cycles", f"{SCREENS}.cycles:CyclesScreen", _cycles),
    Section("betas", "5", "Betas", "Go to Betas", f"{SCREENS}.betas:BetasScreen", _betas, first_read=True),
    Section(
        "pregnancies",
        "6",
        "Pregnancies",
        "Go to Pregnancies and losses",
        f"{SCREENS}.pregnancies:PregnanciesScreen",
        _pregnancies,
    ),
    Section(
        "labs",
        "7",
        "Labs (results)",
        "Go to Labs (results)",
        f"{SCREENS}.labs:LabsScreen",
        _labs,
        first_read=True,
    ),
    Section("flags", "8", "Flags", "Go to Flags (things to raise)", f"{SCREENS}.flags:FlagsScreen", _flags),
    Section(
        "appointments",
        "9",
        "Appointments",
        "Go to Appointments",
        f"{SCREENS}.appointments:AppointmentsScreen",
        _appointments,
    ),
    Section(
        "sessions",
        "0",
        "Treatments",
        "Go to Treatments (LIT, IVIG, intralipid sessions)",
        f"{SCREENS}.sessions:TreatmentsScreen",
        _sessions,
    ),
)
SECTION_OF: dict[str, Section] = {section.mode: section for section in SECTIONS}
# The key that opens each section, by mode (what a screen names when it says "press 8").
SECTION_KEY: dict[str, str] = {section.mode: section.key for section in SECTIONS}
