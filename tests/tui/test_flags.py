"""The Flags screen: the two lists, the info pane, marks (proved on disk), clinic targets, warning signs."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import pytest
from textual.widgets import Input, OptionList, Static

from rpltrack.clock import FixedClock
from rpltrack.domain.labcatalog import parse_lab_value, resolve
from rpltrack.domain.labs import LabResult
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.flags.model import MarkState
from rpltrack.flags.rules import board
from rpltrack.store.db import NotSaved
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.entry_form import EntryForm
from rpltrack.tui.screens.flags import EMPTY_TEXT, FlagsScreen
from rpltrack.tui.screens.medications import MedicationsScreen
from rpltrack.tui.screens.settings_form import ClinicTargetsForm
from rpltrack.tui.screens.warning_signs import CONTACT, WarningSignsScreen
from tests.tui.helpers import SIZE, field_error, notices

TSH_KEY = "tsh-above-target:lab1"
TSH = "TSH above target"
RPL = "Your record meets a definition of recurrent pregnancy loss"


def add_lab(journal: Journal, clock: FixedClock, test: str, value: str, on: date) -> LabResult:
    found = resolve(test)
    return journal.add_lab(LabResult(found.key, on, parse_lab_value(found, value)), clock.now())


def tsh_and_two_losses(journal: Journal, clock: FixedClock) -> None:
    """A TSH of 3.1 with no pregnancy (above 2.5) on 2 Nov, and two biochemical losses (ESHRE: RPL)."""
    add_lab(journal, clock, "TSH", "3.1", date(2026, 11, 2))
    for on in (date(2026, 3, 10), date(2026, 7, 4)):
        journal.add_pregnancy(Pregnancy(None, Outcome.BIOCHEMICAL, on, 35, Confirmation.HCG), clock.now())


def titles(app: Any, name: str) -> list[str]:
    """Each option of a list ('active' or 'marked') as its first line: the flag's title."""
    options = app.screen.query_one(f"#flags-{name}", OptionList)
    return [str(option.prompt).split("\n")[0] for option in options.options]


def second_lines(app: Any, name: str) -> list[str]:
    options = app.screen.query_one(f"#flags-{name}", OptionList)
    return [str(option.prompt).split("\n")[1] for option in options.options]


def highlighted(app: Any, name: str) -> str | None:
    option = app.screen.query_one(f"#flags-{name}", OptionList).highlighted_option
    return None if option is None else str(option.prompt).split("\n")[0]


def info(app: Any) -> str:
    return str(app.screen.query_one("#flag-info-text", Static).render())


def marks(journal: Journal) -> dict[str, tuple[MarkState, str, int | None]]:
    """Her marks as a freshly opened journal sees them (proves the write reached the file)."""
    with Journal.open(journal.path) as reopened:
        return {k: (m.state, m.note, m.appointment_id) for k, m in reopened.flag_marks().items()}


def stored(journal: Journal) -> dict[str, str]:
    with Journal.open(journal.path) as reopened:
        return reopened.stored_settings()


async def open_flags(pilot: Any) -> None:
    await pilot.press("8")
    await pilot.pause()
    assert isinstance(pilot.app.screen, FlagsScreen)


async def test_flags_list_active_flags_newest_first_with_the_numbers_and_sources(journal, clock):
    tsh_and_two_losses(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        assert titles(app, "active") == [TSH, RPL]
        assert second_lines(app, "active") == ["since 2 Nov 2026", "since 4 Jul 2026"]
        assert titles(app, "marked") == []
        assert highlighted(app, "active") == TSH
        shown = info(app)
        assert "Your TSH of 3.1 mIU/L" in shown
        assert "Ask your care team" in shown
        assert "[S10] American Thyroid Association pregnancy guideline" in shown
        assert "Since 2 Nov 2026" in shown
        assert "What rpltrack checks: Checks your latest TSH" in shown
        assert "Your clinic's target" not in shown
        await pilot.press("down")
        await pilot.pause()
        assert "ESHRE 2022" in info(app)


async def test_nothing_to_raise_is_said_gently(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        assert app.screen.query_one("#flags-empty", Static).display
        assert str(app.screen.query_one("#flags-empty", Static).render()) == EMPTY_TEXT
        assert not app.screen.query_one("#flags-active", OptionList).display
        assert not app.screen.query_one("#flags-unjudged", Static).display
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen)
        assert f"Flags: {EMPTY_TEXT}" in notices(app)


async def test_a_acknowledges_the_flag_it_moves_and_u_makes_it_active_again(journal, clock):
    tsh_and_two_losses(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, EntryForm)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen)
        assert titles(app, "active") == [RPL]
        assert titles(app, "marked") == [TSH]
        assert second_lines(app, "marked") == ["Acknowledged 23 Nov 2026"]
        assert highlighted(app, "active") == RPL  # the highlight moves on to the next flag
        assert "Saved: Acknowledged: TSH above target. It returns if new data triggers it again." in notices(
            app
        )
        assert marks(journal) == {TSH_KEY: (MarkState.ACKNOWLEDGED, "", None)}

        await pilot.press("tab")  # to the second list
        await pilot.pause()
        assert "Acknowledged 23 Nov 2026" in info(app)
        await pilot.press("b")
        await pilot.pause()
        assert titles(app, "active") == [TSH, RPL]
        assert titles(app, "marked") == []
        assert highlighted(app, "active") == TSH  # the list emptied, so the focus follows the flag
        assert "Saved: Active again: TSH above target." in notices(app)
    assert marks(journal) == {}


async def test_acknowledging_the_last_active_flag_moves_the_focus_to_it(journal, clock):
    add_lab(journal, clock, "TSH", "3.1", date(2026, 11, 2))
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#entry-note", Input).value = "  retest planned   in January "
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one("#flags-empty", Static).display
        assert titles(app, "marked") == [TSH]
        assert isinstance(app.focused, OptionList)
        assert app.focused.id == "flags-marked"
        assert "Acknowledged 23 Nov 2026: retest planned in January" in info(app)
    assert marks(journal) == {TSH_KEY: (MarkState.ACKNOWLEDGED, "retest planned in January", None)}


async def test_r_marks_raised_with_a_note_and_the_appointment(journal, clock):
    tsh_and_two_losses(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        await pilot.press("r")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryForm)
        form.query_one("#entry-note", Input).value = "Dr Lee: retest in 6 weeks"
        form.query_one("#entry-appt", Input).value = "x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # a bad appointment number keeps the dialog open, nothing saved
        assert "The appointment is its number" in field_error(app, "appt")
        assert marks(journal) == {}
        form.query_one("#entry-appt", Input).value = "3"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert titles(app, "marked") == [TSH]
        assert second_lines(app, "marked") == [
            "Raised at an appointment 23 Nov 2026 (appointment 3): Dr Lee: retest in 6 weeks"
        ]
        assert "Saved: Marked raised at your appointment: TSH above target." in notices(app)
    assert marks(journal) == {TSH_KEY: (MarkState.RAISED, "Dr Lee: retest in 6 weeks", 3)}


async def test_a_failed_mark_says_not_saved_and_keeps_her_note(
    journal, clock, monkeypatch: pytest.MonkeyPatch
):
    tsh_and_two_losses(journal, clock)

    def fail(*args: object, **kwargs: object) -> None:
        raise NotSaved("NOT saved: disk I/O error")

    monkeypatch.setattr(journal, "mark_flag", fail)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#entry-note", Input).value = "asked at the scan"
        await pilot.press("enter")
        await pilot.pause()
        assert any("NOT saved — your entry is kept" in n for n in notices(app))
        assert not any(n.startswith("Saved") for n in notices(app))
        assert isinstance(app.screen, EntryForm)  # reopened with her note
        assert app.screen.query_one("#entry-note", Input).value == "asked at the scan"
        await pilot.press("escape")
        await pilot.pause()
        assert titles(app, "active") == [TSH, RPL]
    assert marks(journal) == {}


async def test_a_read_only_journal_marks_nothing(journal, clock):
    tsh_and_two_losses(journal, clock)
    journal.close()
    with sqlite3.connect(journal.path) as conn:
        conn.execute("PRAGMA user_version = 99")
    readonly = Journal.open(journal.path)
    assert readonly.readonly
    app = RpltrackApp(journal=readonly, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        assert titles(app, "active") == [TSH, RPL]
        for key in ("a", "r", "s"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, FlagsScreen)
        assert "Read-only: This journal is read-only, so nothing was changed." in notices(app)
    readonly.close()


async def test_clinic_targets_save_the_tsh_target_and_the_flag_says_so(journal, clock):
    tsh_and_two_losses(journal, clock)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ClinicTargetsForm)
        tsh = form.query_one("#target-tsh-target", Input)
        assert tsh.value == ""
        assert tsh.placeholder == "guideline default"
        assert form.query_one("#target-vitamin-d-threshold", Input).placeholder == "default 20 ng/mL"
        tsh.value = "2.0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen)
        assert "Clinic targets: Saved: TSH target 2 mIU/L." in notices(app)
        assert titles(app, "active")[0] == "TSH above your clinic's target"
        assert "Your clinic's target: this uses the target your clinic set" in info(app)
    assert stored(journal) == {"tsh.target": "2"}


async def test_clinic_targets_with_a_bad_value_save_nothing(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ClinicTargetsForm)
        form.query_one("#target-vitamin-d-threshold", Input).value = "30"
        form.query_one("#target-tsh-target", Input).value = "abc"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        error = form.query_one("#error-tsh-target", Static)
        assert error.display
        assert str(error.render()) == "TSH target must be a number, like 5; got 'abc'"
        assert app.focused is form.query_one("#target-tsh-target", Input)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen)
    assert stored(journal) == {}


async def test_clinic_targets_reset_an_emptied_field(journal, clock):
    journal.set_setting("retest.apl", "8w", clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        await pilot.press("s")
        await pilot.pause()
        field = app.screen.query_one("#target-retest-apl", Input)
        assert field.value == "8w"
        field.value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Clinic targets: Saved: Repeat aPL tests after the guideline default." in notices(app)
    assert stored(journal) == {}


async def test_warning_signs_open_from_flags_and_medications_and_close(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WarningSignsScreen)
        assert str(app.screen.query_one("#warning-signs-contact", Static).render()) == CONTACT
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen)
        await pilot.press("2", "w")
        await pilot.pause()
        assert isinstance(app.screen, WarningSignsScreen)
        await pilot.press("q")  # q closes the page, it does not quit
        await pilot.pause()
        assert isinstance(app.screen, MedicationsScreen)


async def test_a_flag_that_could_not_be_judged_is_listed_quietly(
    journal, clock, monkeypatch: pytest.MonkeyPatch
):
    from rpltrack.flags import rules
    from rpltrack.flags.model import Unjudged

    def unjudged(snap: object) -> list[Unjudged]:
        return [Unjudged("platelets-fall-on-heparin", "x", "no earlier platelet count — cannot judge a fall")]

    monkeypatch.setitem(rules.RULES, "platelets-fall-on-heparin", unjudged)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_flags(pilot)
        shown = app.screen.query_one("#flags-unjudged", Static)
        assert shown.display
        assert str(shown.render()) == "Could not judge\n· no earlier platelet count — cannot judge a fall"


# -- snapshots -------------------------------------------------------------------------------------


def test_flags_with_two_active_and_one_acknowledged(snap_compare, journal, clock):
    """'To raise': TSH above target (since 2 Nov 2026, highlighted) and the recurrent-pregnancy-loss
    definition (since 4 Jul 2026), a faint rule between them; 'Acknowledged or raised': Vitamin D low,
    'Acknowledged 23 Nov 2026: taking 1000 IU daily'. The info pane: the TSH of 3.1 against 2.5 mIU/L, what
    to ask, the sources [S10] and [S12] each on a line, 'Since 2 Nov 2026' and the rule text, dim."""
    tsh_and_two_losses(journal, clock)
    add_lab(journal, clock, "vitamin-d", "12", date(2026, 6, 1))
    now = clock.now()
    vitamin_d = next(
        f for f in board(journal.snapshot(now, clock.zone), {}).active if f.rule == "vitamin-d-low"
    )
    journal.mark_flag(vitamin_d, MarkState.ACKNOWLEDGED, now, note="taking 1000 IU daily")
    app = RpltrackApp(journal=journal, clock=clock)
    assert snap_compare(app, terminal_size=SIZE, press=["8"])
