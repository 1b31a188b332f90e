"""Shared pieces of the TUI tests: medications built through the domain, and what the app said."""

from __future__ import annotations

from typing import Any

from rpltrack.clock import FixedClock
from rpltrack.domain.medspec import MedicationInput, build_medication
from rpltrack.domain.models import DoseStatus, Medication
from rpltrack.store.journal import Journal

SIZE = (110, 34)


def add_med(
    journal: Journal, clock: FixedClock, name: str, dose: str, times: str, start: str = ""
) -> Medication:
    med = build_medication(
        MedicationInput(name=name, dose=dose, times=times, start=start), clock.zone, clock.now()
    )
    return journal.add_medication(med, clock.now())


def statuses(path: Any, clock: FixedClock) -> list[tuple[str, DoseStatus]]:
    """Today's doses as a freshly opened journal sees them (proves the write reached the file)."""
    with Journal.open(path) as reopened:
        return [(v.medication.name, v.status) for v in reopened.day(clock.today(), clock.zone, clock.now())]


def notices(app: Any) -> list[str]:
    """Every toast the app showed, as 'title: message'."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def fill_and_save(pilot: Any, **values: str | bool) -> None:
    """Fill an EntryForm (fields by name: text, a choice's value, or a tick) and press ctrl+s."""
    from textual.widgets import Checkbox, Input, Select

    screen = pilot.app.screen
    for name, value in values.items():
        widget = screen.query_one(f"#entry-{name}")
        if isinstance(widget, Checkbox):
            widget.value = bool(value)
        elif isinstance(widget, Select):
            widget.value = value
        else:
            assert isinstance(widget, Input)
            widget.value = str(value)
    await pilot.press("ctrl+s")
    await pilot.pause()


def field_error(app: Any, name: str) -> str:
    """The message shown beside a form field ('' when none)."""
    from textual.widgets import Static

    return str(app.screen.query_one(f"#error-{name}", Static).render())


async def flags_counted(pilot: Any) -> None:
    """Wait (on the app's own event, never a fixed sleep) until Today shows its count of things to raise;
    it is worked out in a thread a moment after Today is read."""
    import asyncio

    from rpltrack.tui.screens.today import TodayScreen

    await pilot.pause()  # let a pending reload run first: it starts a new count
    for screen in pilot.app.screen_stack:
        if isinstance(screen, TodayScreen):
            await asyncio.wait_for(screen.flags_counted.wait(), timeout=10)
    await pilot.pause()
