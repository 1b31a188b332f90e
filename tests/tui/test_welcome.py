"""The first run (#8): the welcome flow on an empty journal, each step skippable, to Today with her doses."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from rpltrack.domain.models import DoseStatus
from rpltrack.reminders import service
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.today import EMPTY_TEXT, TodayScreen
from rpltrack.tui.screens.welcome import WelcomeScreen
from rpltrack.tui.screens.welcome_steps import ONE_STEP_LEFT, PROMISE
from tests.tui.helpers import SIZE, add_med, field_error, notices, statuses


class Calls:
    """Stands in for subprocess.run in reminders.service: nothing reaches the real user's systemd."""

    def __init__(self, code: int = 0, said: str = "") -> None:
        self.code = code
        self.said = said
        self.commands: list[list[str]] = []

    def __call__(self, argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(argv))
        return subprocess.CompletedProcess(list(argv), self.code, self.said, "")


def linux_installer(calls: Calls) -> Any:
    """What the command line passes the app, on Linux, with systemctl answered by `calls`. The unit files
    go to XDG_CONFIG_HOME, which tests/conftest.py points into tmp_path."""
    return lambda db_path: service.install(db_path, platform="linux", run=calls)


def pane(app: RpltrackApp) -> str:
    screen = app.screen
    assert isinstance(screen, WelcomeScreen), type(screen).__name__
    return screen.pane


def text(app: RpltrackApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def type_into(app: RpltrackApp, input_id: str, value: str) -> None:
    app.screen.query_one(f"#{input_id}", Input).value = value


async def choose(pilot: Pilot[None], list_id: str, option_id: str) -> None:
    """Move the highlight of a list to `option_id` with the arrow keys, then press Enter."""
    options = pilot.app.screen.query_one(f"#{list_id}", OptionList)
    options.focus()
    await pilot.pause()
    wanted = options.get_option_index(option_id)
    await pilot.press(*(["down"] * (wanted - (options.highlighted or 0))), "enter")
    await pilot.pause()


async def to_medications(pilot: Pilot[None]) -> None:
    """Start set-up, skip the targets, record a medicated FET (CD1 5 Nov, day-5 transfer 20 Nov)."""
    app = pilot.app
    assert isinstance(app, RpltrackApp)
    await pilot.press("enter")  # Start set-up
    await pilot.pause()
    await pilot.press("escape")  # no clinic targets
    await pilot.pause()
    await choose(pilot, "cycle-kind", "fet")
    type_into(app, "cycle-cd1", "2026-11-05")
    type_into(app, "cycle-transfer", "2026-11-20")
    await pilot.press("enter")
    await pilot.pause()


async def open_fet_template(pilot: Pilot[None]) -> None:
    await to_medications(pilot)
    await choose(pilot, "template-list", "template-medicated-fet-pio")


# -- when it opens ------------------------------------------------------------------------------------


async def test_the_welcome_opens_on_an_empty_journal(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert pane(app) == "welcome"
        assert text(app, "#welcome-promise") == PROMISE
        assert "never gives medical advice" in PROMISE
        assert "stays on this computer" in PROMISE


async def test_a_journal_with_data_opens_on_today_after_one_count(journal, clock, monkeypatch):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    counted: list[str] = []
    original = Journal.count

    def count(self: Journal, table: str) -> int:
        counted.append(table)
        return original(self, table)

    monkeypatch.setattr(Journal, "count", count)
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert counted == ["medications"]  # the one cheap query added to start-up


async def test_a_journal_with_only_a_cycle_is_not_empty(journal, clock):
    from datetime import date

    from rpltrack.domain.cycles import Cycle, CycleKind

    journal.add_cycle(Cycle(CycleKind.FET, date(2026, 11, 5)), clock.now())
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)


async def test_a_read_only_empty_journal_opens_on_today(journal, clock):
    journal.close()
    with sqlite3.connect(journal.path) as conn:
        conn.execute("PRAGMA user_version = 99")
    readonly = Journal.open(journal.path)
    assert readonly.readonly
    app = RpltrackApp(journal=readonly, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    readonly.close()


async def test_an_app_made_without_welcome_starts_on_today(journal, clock):
    """Tests of the other screens start on an empty journal: they ask for no welcome."""
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)


def test_the_command_line_opens_the_app_with_the_welcome_and_the_installer(db_path, monkeypatch):
    from rpltrack.cli.main import main

    opened: list[RpltrackApp] = []
    monkeypatch.setattr(RpltrackApp, "run", lambda self, *args, **kwargs: opened.append(self))
    db_path.parent.mkdir(parents=True, exist_ok=True)  # --db names a file in a folder that exists
    assert main(["--db", str(db_path)]) == 0
    [app] = opened
    assert app.welcome
    assert app.install_reminders is not None
    assert app.install_reminders.__module__ == "rpltrack.cli.main"


# -- skipping -----------------------------------------------------------------------------------------


async def test_escape_on_the_welcome_skips_set_up_to_an_empty_today(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert app.screen.has_class("-empty")
        assert text(app, "#today-empty") == EMPTY_TEXT
        assert any("Welcome and set-up" in n for n in notices(app))
    with Journal.open(journal.path) as reopened:
        assert reopened.count("changes") == 0


async def test_skipping_every_step_lands_on_an_empty_today(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        seen = []
        for _ in range(5):  # targets, cycle, medications, reminders, locking (#17)
            seen.append(pane(app))
            await pilot.press("escape")
            await pilot.pause()
        assert seen == ["targets", "cycle", "medications", "reminders", "lock"]
        assert pane(app) == "done"
        assert "Medications: none added yet" in text(app, "#done-summary")
        await pilot.press("enter")  # Go to Today
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert text(app, "#today-empty") == EMPTY_TEXT
    with Journal.open(journal.path) as reopened:
        assert reopened.count("changes") == 0


# -- the whole path -----------------------------------------------------------------------------------


async def test_from_an_empty_journal_to_todays_doses_from_a_template(journal, clock):
    """Welcome → skip targets → a medicated FET (CD1 + transfer) → medicated-fet-pio with its two doses
    given → reminders installed (into tmp XDG_CONFIG_HOME) → Done → Today with both doses due today."""
    calls = Calls()
    app = RpltrackApp(journal=journal, clock=clock, install_reminders=linux_installer(calls), welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_fet_template(pilot)
        assert pane(app) == "template"
        assert "For your cycle: Medicated FET from CD1 5 Nov 2026, transfer 20 Nov 2026" in text(
            app, "#template-cycle"
        )
        type_into(app, "dose-0", "2 mg")  # estradiol
        type_into(app, "dose-1", "1 mL")  # progesterone in oil
        await pilot.press("enter")
        await pilot.pause()
        assert pane(app) == "added"
        assert text(app, "#added-list").splitlines() == [
            "• estradiol 2 mg, 08:00 daily, from CD1",
            "• progesterone in oil 1 mL, 20:00 daily, from 5 days before transfer",
        ]
        await pilot.press("enter")  # Continue
        await pilot.pause()
        assert pane(app) == "reminders"
        await pilot.press("enter")  # Remind me on this computer
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text(app, "#reminders-result").startswith("Wrote ")
        assert calls.commands[-1] == ["systemctl", "--user", "enable", "--now", service.TIMER]
        await pilot.press("enter")  # Continue
        await pilot.pause()
        assert pane(app) == "lock"  # the optional lock step (#17), skipped
        await pilot.press("escape")
        await pilot.pause()
        assert pane(app) == "done"
        summary = text(app, "#done-summary")
        assert "Cycle: Medicated FET from CD1 5 Nov 2026, transfer 20 Nov 2026 (day 5)" in summary
        assert "Medications: 2 added" in summary
        assert "Reminders: on, also with the app closed" in summary
        await pilot.press("enter")  # Go to Today
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert not app.screen.has_class("-empty")
        await pilot.press("t")  # her first logged dose
        await pilot.pause()
    assert statuses(journal.path, clock) == [
        ("estradiol", DoseStatus.TAKEN),
        ("progesterone in oil", DoseStatus.DUE),
    ]
    with Journal.open(journal.path) as reopened:
        [cycle] = reopened.cycles()
        assert [t.on.isoformat() for t in cycle.transfers] == ["2026-11-20"]
        assert [(u.protocol, u.cycle_id) for u in reopened.protocol_uses()] == [
            ("medicated-fet-pio", cycle.id)
        ]
    unit = service.systemd_user_dir() / service.SERVICE
    assert f"--db {journal.path.absolute()}" in unit.read_text()


async def test_the_aspirin_lmwh_template_needs_no_dose_and_waits_for_the_positive_test(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await to_medications(pilot)
        await choose(pilot, "template-list", "template-aspirin-lmwh")
        assert text(app, "#template-cycle").endswith(
            "Doses tied to the positive beta wait until it is recorded."
        )
        assert app.screen.query_one("#dose-0", Input).value == "81 mg"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pane(app) == "added"
    with Journal.open(journal.path) as reopened:
        assert [v.medication.name for v in reopened.day(clock.today(), clock.zone, clock.now())] == [
            "aspirin"
        ]
        assert sorted(m.name for m in reopened.medications()) == ["aspirin", "enoxaparin"]


async def test_a_taper_template_has_no_dose_to_give_and_enter_adds_it(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "escape")
        await pilot.pause()
        await pilot.press("enter")  # not in a cycle
        await pilot.pause()
        await choose(pilot, "template-list", "template-prednisolone-taper")
        assert list(app.screen.query("#template-meds Input")) == []
        assert text(app, "#template-cycle") == "Its doses start today."
        assert app.screen.focused is app.screen.query_one("#template-apply")
        await pilot.press("enter")
        await pilot.pause()
        assert pane(app) == "added"
    assert [name for name, _ in statuses(journal.path, clock)] == ["prednisolone"]


# -- errors: beside the field, nothing written --------------------------------------------------------


async def test_a_bad_cd1_is_shown_beside_the_field_and_nothing_is_written(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "escape")
        await pilot.pause()
        await choose(pilot, "cycle-kind", "fet")
        for key in "2026-13-05":
            await pilot.press(key)
        await pilot.press("enter")
        await pilot.pause()
        assert pane(app) == "cycle"
        assert field_error(app, "cycle-cd1").startswith("Cannot read the date '2026-13-05'")
        assert app.screen.query_one("#cycle-cd1", Input).has_class("-rejected")
        assert app.screen.focused is app.screen.query_one("#cycle-cd1", Input)
        # Put right, the hint comes back and the cycle is saved.
        type_into(app, "cycle-cd1", "2026-11-05")
        await pilot.press("enter")
        await pilot.pause()
        assert pane(app) == "medications"
    with Journal.open(journal.path) as reopened:
        assert [c.cd1.isoformat() for c in reopened.cycles()] == ["2026-11-05"]


async def test_a_future_cd1_an_early_transfer_or_an_odd_embryo_day_writes_nothing(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "escape")
        await pilot.pause()
        await choose(pilot, "cycle-kind", "fet")
        type_into(app, "cycle-cd1", "2026-12-01")
        await pilot.press("enter")
        await pilot.pause()
        assert field_error(app, "cycle-cd1").startswith("2026-12-01 is in the future")
        type_into(app, "cycle-cd1", "2026-11-05")
        type_into(app, "cycle-transfer", "2026-11-01")
        await pilot.press("enter")
        await pilot.pause()
        assert field_error(app, "cycle-cd1") == "YYYY-MM-DD, first day of your period"
        assert "before this cycle's CD1" in field_error(app, "cycle-transfer")
        type_into(app, "cycle-transfer", "2026-11-20")
        type_into(app, "cycle-embryo-day", "4")
        await pilot.press("enter")
        await pilot.pause()
        assert field_error(app, "cycle-embryo-day").startswith("An embryo is charted as day 3, 5, 6 or 7")
        assert pane(app) == "cycle"
    with Journal.open(journal.path) as reopened:
        assert reopened.count("cycles") == 0


async def test_a_dose_left_empty_is_named_and_nothing_is_added(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_fet_template(pilot)
        type_into(app, "dose-0", "2 mg")  # estradiol given, progesterone in oil left empty
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pane(app) == "template"
        assert text(app, "#template-error") == (
            "Nothing was added yet: progesterone in oil needs your clinic's dose."
        )
        missing = app.screen.query_one("#dose-1", Input)
        assert missing.has_class("-rejected")
        assert missing.placeholder == "needed"
        assert not app.screen.query_one("#dose-0", Input).has_class("-rejected")
        assert app.screen.focused is missing
    with Journal.open(journal.path) as reopened:
        assert reopened.count("medications") == 0
        assert reopened.protocol_uses() == []


async def test_a_dose_that_cannot_be_read_is_shown_beside_it_and_nothing_is_added(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_fet_template(pilot)
        type_into(app, "dose-0", "2 mg")
        type_into(app, "dose-1", "1 zz")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert field_error(app, "dose-1").startswith("Unknown unit 'zz'")
        assert text(app, "#template-error") == "Nothing was added."
        # Escape goes back to the list, where the same template can be chosen again.
        await pilot.press("escape")
        await pilot.pause()
        assert pane(app) == "medications"
    with Journal.open(journal.path) as reopened:
        assert reopened.count("medications") == 0


async def test_a_template_applied_twice_says_so_and_adds_nothing_more(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await to_medications(pilot)
        await choose(pilot, "template-list", "template-folic-acid-daily")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pane(app) == "added"
        await pilot.press("escape")  # on to reminders, then back to the list with Back
        await pilot.pause()
        assert pane(app) == "reminders"
        await pilot.click("#reminders-back")
        await pilot.pause()
        assert pane(app) == "medications"
        await choose(pilot, "template-list", "template-folic-acid-daily")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text(app, "#template-error").startswith("You already have folic acid in your journal")
    with Journal.open(journal.path) as reopened:
        assert reopened.count("medications") == 1


# -- the other ways through ---------------------------------------------------------------------------


async def test_clinic_targets_are_checked_then_saved(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        type_into(app, "welcome-tsh-target", "two")
        type_into(app, "welcome-vitamin-d-threshold", "30")
        await pilot.press("enter")
        await pilot.pause()
        assert pane(app) == "targets"
        assert field_error(app, "welcome-tsh-target") != ""
        assert journal.stored_settings() == {}
        type_into(app, "welcome-tsh-target", "2.5")
        await pilot.press("enter")
        await pilot.pause()
        assert pane(app) == "cycle"
    with Journal.open(journal.path) as reopened:
        stored = reopened.stored_settings()
        assert (stored["tsh.target"], stored["vitamin-d.threshold"]) == ("2.5", "30")


async def test_not_in_a_cycle_then_one_medication_by_one_from_the_form(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "escape")
        await pilot.pause()
        await pilot.press("enter")  # "Not in a cycle right now" is highlighted first
        await pilot.pause()
        assert pane(app) == "medications"
        await pilot.press("enter")  # "Add medications one by one" is highlighted first
        await pilot.pause()
        for input_id, value in (("med-name", "aspirin"), ("med-dose", "81 mg"), ("med-times", "09:00")):
            type_into(app, input_id, value)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pane(app) == "added"
        assert text(app, "#added-list") == "• aspirin 81 mg, 09:00 daily"
        await pilot.click("#added-another")
        await pilot.pause()
        assert type(app.screen).__name__ == "MedicationForm"
        await pilot.press("escape")
        await pilot.pause()
        assert pane(app) == "added"
    assert statuses(journal.path, clock) == [("aspirin", DoseStatus.DUE)]


async def test_reminders_that_cannot_be_installed_are_explained_calmly(journal, clock):
    def failing(db_path: Path) -> list[str]:
        raise PermissionError("permission denied: ~/.config/systemd/user")

    app = RpltrackApp(journal=journal, clock=clock, install_reminders=failing, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "escape", "escape")  # start, no targets, no cycle
        await pilot.pause()
        await pilot.press("escape")  # no medications
        await pilot.pause()
        await pilot.press("enter")  # Remind me on this computer
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = text(app, "#reminders-result")
        assert said.startswith("Reminders could not be set up on this computer (permission denied")
        assert said.endswith("You can set them up later in a terminal: rpltrack remind --install")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")  # skip the lock step (#17)
        await pilot.pause()
        assert "Reminders: not set up" in text(app, "#done-summary")


async def test_reminders_without_a_reachable_service_manager_say_the_step_left(journal, clock):
    calls = Calls(1, "Failed to connect to bus: No medium found")
    app = RpltrackApp(journal=journal, clock=clock, install_reminders=linux_installer(calls), welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "escape", "escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = text(app, "#reminders-result").splitlines()
        assert said[0] == ONE_STEP_LEFT
        assert any("systemctl --user enable --now rpltrack-remind.timer" in line for line in said)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")  # skip the lock step (#17)
        await pilot.pause()
        assert "Reminders: not on yet: one step left" in text(app, "#done-summary")


async def test_the_palette_reopens_the_welcome_and_done_lands_on_today(journal, clock):
    from rpltrack.tui.commands import WELCOME, RpltrackCommands

    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        [command] = [c for c in RpltrackCommands(app.screen).commands() if c.name == WELCOME]
        command.run()
        await pilot.pause()
        assert pane(app) == "welcome"
        assert WELCOME not in [c.name for c in RpltrackCommands(app.screen).commands()]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)


# -- snapshots ----------------------------------------------------------------------------------------


def test_welcome_screen(snap_compare, journal, clock):
    """An empty journal at Monday 23 November 2026, 08:40: 'Welcome to rpltrack'; what rpltrack is; the
    promise in bold (records and reminds, never medical advice nor a dose change, data stays here); the five
    steps to come (the fifth, locking, where encryption is available: #17); 'Start set-up' focused beside
    'Skip set-up'; the footer 'esc Skip set-up'."""
    assert snap_compare(RpltrackApp(journal=journal, clock=clock, welcome=True), terminal_size=SIZE)


def test_welcome_template_with_missing_doses(snap_compare, journal, clock):
    """Step 3 of 5 after a medicated FET from CD1 5 Nov with a day-5 transfer on 20 Nov: 'Medicated FET with
    progesterone in oil', its note, 'For your cycle: ...'; estradiol (08:00 daily, from CD1) and
    progesterone in oil (20:00 daily, from 5 days before transfer), both dose fields empty, red and saying
    'needed' after Add these; under them 'Nothing was added yet: estradiol and progesterone in oil need your
    clinic's dose.'; the footer 'esc Back  ^s Save'."""

    async def run_before(pilot: Pilot[None]) -> None:
        await open_fet_template(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(
        RpltrackApp(journal=journal, clock=clock, welcome=True), terminal_size=SIZE, run_before=run_before
    )
