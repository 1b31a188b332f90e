"""Hostile text on the app's screens (issue #7): controls and bidi overrides never reach the terminal.

Her medication's name, an injection site, notes, an appointment's text: what the app draws is written to her
terminal, so an ESC in it would start an escape sequence there (clear the screen, retitle the window), and a
right-to-left override would reverse what follows. Rich's Text drops BEL, BS, VT, FF and CR, but not ESC, NUL,
DEL, the C1 controls or the bidi controls. The check reads the screen as the app exports it
(app.export_screenshot(), the same segments the driver writes), after proving the hostile text is on screen.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest

from rpltrack.clock import FixedClock
from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import DoseStatus
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from tests.tui.helpers import SIZE, add_med

EVIL_NAME = "aspirin\x1b]0;pwned\x07\x1b[2J\x00\x7f\x9b31m\u202eevil"
CONTROL = "note\x1b[2J\x1b]0;pwned\x07 nul\x00 del\x7f csi\x9b31m \u202eevil"
APPT_TEXT = "שלום \u202eevil\u202c csi\x9b31m del\x7f end"  # appointments refuse C0 controls themselves
BIDI_CONTROLS = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def terminal_hazards(text: str) -> list[str]:
    """Characters a terminal would obey rather than show: C0 but tab and line feed, DEL, C1, bidi controls."""
    return sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if (unicodedata.category(c) == "Cc" and c not in "\t\n") or c in BIDI_CONTROLS
        }
    )


@pytest.fixture
def hostile_journal(journal: Journal, clock: FixedClock) -> Journal:
    """A medication whose name and notes hold ESC sequences, NUL, DEL, a C1 control and a right-to-left
    override, a dose taken at an injection site like that, a lab note like that, and an appointment whose
    place, purpose, notes and question hold what appointments accept (C1, DEL, bidi controls)."""
    now = clock.now()
    med = add_med(journal, clock, EVIL_NAME, "81 mg", "08:00", start="2026-11-20")
    journal.update_medication(med.id or 0, now, notes=CONTROL)
    journal.record_dose(
        med,
        DoseStatus.TAKEN,
        now,
        clock.zone,
        at=datetime(2026, 11, 23, 8, 5, tzinfo=clock.zone),
        site=CONTROL,
    )
    journal.add_lab(LabResult(test="tsh", on=clock.today(), note=CONTROL), now)
    journal.add_appointment(
        Appointment(
            at=datetime(2026, 11, 30, 10, 15, tzinfo=clock.zone),
            kind=AppointmentKind.RE,
            with_name="Dr Lee",
            where=APPT_TEXT,
            purpose=APPT_TEXT,
            notes=APPT_TEXT,
            questions=(Question(APPT_TEXT),),
        ),
        now,
    )
    return journal


# (section, what of the hostile text shows there: proves it was drawn before checking how). On Today the
# name's visible placeholders (␛, <U+009B>, ...) fill its 30-cell column before "evil", so the ESC sequence's
# own words show it there, after a visible ␛.
SECTIONS = [
    ("today", "aspirin\u241b]0;pwned"),
    ("medications", "evil"),
    ("history", "evil"),
    ("labs", "pwned"),
    ("appointments", "evil"),
]


@pytest.mark.parametrize(("mode", "shown"), SECTIONS, ids=[mode for mode, _ in SECTIONS])
async def test_hostile_text_is_drawn_without_terminal_controls(
    hostile_journal: Journal, clock: FixedClock, mode: str, shown: str
) -> None:
    """Today, Medications, History, Labs and Appointments draw the medication's name, the injection site,
    notes and an appointment's text with no ESC, NUL, DEL, C1 control or bidi override in what goes to the
    terminal."""
    app = RpltrackApp(journal=hostile_journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await app.switch_mode(mode)
        await pilot.pause()
        await pilot.pause()
        screen = app.export_screenshot()
    assert shown in screen
    hazards = terminal_hazards(screen)
    assert hazards == [], f"written raw to the terminal: {', '.join(hazards)}"


# Rich and Textual read a str as markup in a Static, a notice or a DataTable cell: "[b]" would turn bold and
# vanish, ":pill:" would become an emoji, and a stray closing tag would stop the screen with a MarkupError.
MARKUP_NAME = "[b]aspirin[/b]"
STRAY_TAG_NAME = "[/i] :pill: heparin"


@pytest.mark.parametrize("mode", ["today", "medications", "history"])
async def test_a_name_that_looks_like_markup_is_shown_as_typed(
    journal: Journal, clock: FixedClock, mode: str
) -> None:
    """A medication named "[b]aspirin[/b]" reads so on Today, Medications and History (its dose taken), and
    one named "[/i] :pill: heparin" neither stops the screen nor becomes an emoji."""
    now = clock.now()
    for name in (MARKUP_NAME, STRAY_TAG_NAME):
        med = add_med(journal, clock, name, "81 mg", "08:00", start="2026-11-20")
        journal.record_dose(
            med, DoseStatus.TAKEN, now, clock.zone, at=datetime(2026, 11, 23, 8, 5, tzinfo=clock.zone)
        )
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await app.switch_mode(mode)
        await pilot.pause()
        screen = app.export_screenshot()
    assert MARKUP_NAME in screen
    assert "[/i]\u00a0:pill:\u00a0heparin" in screen.replace("&#160;", "\u00a0")


async def test_a_notice_shows_her_words_without_terminal_controls(
    hostile_journal: Journal, clock: FixedClock
) -> None:
    """t on a dose already taken says so, naming the medication and its site: with their controls shown."""
    app = RpltrackApp(journal=hostile_journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        said = [f"{n.title}: {n.message}" for n in app._notifications]
    assert any(words.startswith("Already logged: aspirin\u241b]0;pwned") for words in said), said
    assert terminal_hazards("\n".join(said)) == []


async def test_her_text_in_a_form_is_kept_exactly_and_drawn_with_controls_shown(
    hostile_journal: Journal, clock: FixedClock
) -> None:
    """e on the appointment opens its form with her place, purpose and notes as they are stored (a
    right-to-left override, a C1 control, DEL); the form draws them visibly, and saving it unchanged keeps
    them exactly."""
    from textual.widgets import Input

    app = RpltrackApp(journal=hostile_journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await app.switch_mode("appointments")
        await pilot.pause()
        await pilot.press("e", "enter")
        await pilot.pause()
        assert app.screen.query_one("#entry-where", Input).value == APPT_TEXT
        screen = app.export_screenshot()
        assert "evil\ufffd" in screen  # the pop of the override, one visible character in a field
        assert terminal_hazards(screen) == []
        await pilot.press("ctrl+s")
        await pilot.pause()
    with Journal.open(hostile_journal.path) as reopened:
        [saved] = reopened.appointments()
    assert (saved.where, saved.purpose, saved.notes) == (APPT_TEXT, APPT_TEXT, APPT_TEXT)


async def test_a_text_field_keeps_its_cursor_on_the_character_it_means() -> None:
    """A field holding controls draws one visible character for each, so the cursor at the end sits one cell
    past the drawn text, and a click on a cell lands on the character drawn there."""
    from textual.app import App, ComposeResult

    from rpltrack.tui.format import field_text
    from rpltrack.tui.widgets.safe_input import SafeInput

    value = "a\x1bb\u202ec\x9bd"

    class FieldApp(App[None]):
        def compose(self) -> ComposeResult:
            yield SafeInput(value, id="field")

    app = FieldApp()
    async with app.run_test(size=(40, 3)) as pilot:
        await pilot.pause()
        field = app.query_one("#field", SafeInput)
        screen = app.export_screenshot()
        assert field.value == value
        assert field_text(value) == "a\u241bb\ufffdc\ufffdd"
        assert "a\u241bb\ufffdc\ufffdd" in screen
        assert terminal_hazards(screen) == []
        assert field._position_to_cell(len(value)) == len(value)
        assert field._cell_offset_to_index(4) == 4
