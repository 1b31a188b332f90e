"""Seeing ahead and looking back (#18) from the command palette: the plan, the month of adherence and the
search, offered on every screen (their keys: p on Today, m on the Plan and History, / on every section)."""

from __future__ import annotations

from collections.abc import Callable


def palette_commands(app: object, seen: set[str]) -> list[tuple[str, str, Callable[[], object]]]:
    """(name, help, run) of each command not already offered by a key of the screen (`seen`: the names of
    the keys offered)."""
    from rpltrack.tui.app import RpltrackApp
    from rpltrack.tui.screens.adherence import AdherenceScreen
    from rpltrack.tui.screens.plan import PlanScreen
    from rpltrack.tui.screens.search import SearchScreen, open_search

    if not isinstance(app, RpltrackApp):
        return []
    screen = app.screen
    found: list[tuple[str, str, Callable[[], object]]] = []
    if "Plan" not in seen and not isinstance(screen, PlanScreen):
        found.append(
            (
                "Plan of the coming days",
                "key p on Today: each day's doses, appointments and changes",
                lambda: app.push_screen(PlanScreen()),
            )
        )
    if "Adherence month" not in seen and not isinstance(screen, AdherenceScreen):
        found.append(
            (
                "Adherence month",
                "doses taken day by day, a month at a time",
                lambda: app.push_screen(AdherenceScreen()),
            )
        )
    if not isinstance(screen, SearchScreen):
        found.append(
            ("Search your journal", "key /: notes, medications, labs, appointments", lambda: open_search(app))
        )
    return found
