"""The welcome flow as one widget per step (#19): each step posts WelcomeStep.Done when it is finished (saved
or skipped) and the screen shows the next; a step's writes are on disk before that message leaves it."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList, Static

from rpltrack.clock import FixedClock
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.today import TodayScreen
from rpltrack.tui.screens.welcome import WelcomeScreen, lock_step_offered
from rpltrack.tui.screens.welcome_base import WelcomeStep
from tests.tui.helpers import SIZE


@dataclass(frozen=True)
class Seen:
    """A step's message, when it first left the step: which step, skipped or not, the pane and the title the
    screen showed then, and what a fresh connection read from the journal file at that moment."""

    kind: str
    step: str
    skipped: bool | None
    pane_then: str
    top_then: str
    on_disk: dict[str, Any]


class Recorder:
    """A message hook: records each WelcomeStep message once (a message reaches the hook at every widget it
    bubbles through), reading the journal file through its own connection at that instant."""

    def __init__(self, journal: Journal) -> None:
        self.path = journal.path
        self.app: RpltrackApp | None = None
        self.seen: list[Seen] = []
        self._messages: list[Message] = []  # kept, so that no id is reused while the test runs

    def __call__(self, message: Message) -> None:
        if not isinstance(message, WelcomeStep.Done | WelcomeStep.BackRequested | WelcomeStep.PaneShown):
            return
        if any(message is earlier for earlier in self._messages):
            return
        self._messages.append(message)
        assert self.app is not None
        screen = next(s for s in reversed(self.app.screen_stack) if isinstance(s, WelcomeScreen))
        with Journal.open(self.path) as reopened:
            on_disk = {
                "settings": reopened.stored_settings(),
                "cycles": [c.cd1.isoformat() for c in reopened.cycles()],
                "medications": sorted(m.name for m in reopened.medications()),
            }
        self.seen.append(
            Seen(
                kind=type(message).__name__,
                step=message.step.id or "",
                skipped=message.skipped if isinstance(message, WelcomeStep.Done) else None,
                pane_then=screen.pane,
                top_then=str(screen.query_one("#welcome-top", Static).render()),
                on_disk=on_disk,
            )
        )

    def done(self) -> list[tuple[str, bool | None]]:
        return [(s.step, s.skipped) for s in self.seen if s.kind == "Done"]


def welcome_app(journal: Journal, clock: FixedClock, recorder: Recorder) -> RpltrackApp:
    app = RpltrackApp(journal=journal, clock=clock, welcome=True)
    recorder.app = app
    return app


def pane(app: RpltrackApp) -> str:
    screen = app.screen
    assert isinstance(screen, WelcomeScreen), type(screen).__name__
    return screen.pane


def the_steps() -> list[str]:
    """The steps after the welcome, in order (locking only where encryption is available: #17)."""
    return ["targets", "cycle", "medications", "reminders", *(["lock"] if lock_step_offered() else [])]


async def choose(pilot: Pilot[None], list_id: str, option_id: str) -> None:
    options = pilot.app.screen.query_one(f"#{list_id}", OptionList)
    options.focus()
    await pilot.pause()
    wanted = options.get_option_index(option_id)
    await pilot.press(*(["down"] * (wanted - (options.highlighted or 0))), "enter")
    await pilot.pause()


def type_into(app: RpltrackApp, values: dict[str, str]) -> None:
    for input_id, value in values.items():
        app.screen.query_one(f"#{input_id}", Input).value = value


async def test_skipping_each_step_posts_its_done_message_and_the_next_step_shows(journal, clock):
    recorder = Recorder(journal)
    app = welcome_app(journal, clock, recorder)
    steps = the_steps()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("enter")  # Start set-up
        await pilot.pause()
        assert recorder.done() == [("welcome", False)]
        for step, following in zip(steps, [*steps[1:], "done"], strict=True):
            assert pane(app) == step
            await pilot.press("escape")
            await pilot.pause()
            assert recorder.done()[-1] == ((step if step != "medications" else "medications-step"), True)
            assert recorder.seen[-1].pane_then == step  # the message left the step before the screen moved
            assert pane(app) == following
        await pilot.press("escape")  # Go to Today: the last step is done, the flow closes
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert recorder.done()[-1] == ("done", False)
    assert [s.kind for s in recorder.seen] == ["Done"] * (len(steps) + 2)


async def test_skip_buttons_post_the_same_message_as_escape(journal, clock):
    recorder = Recorder(journal)
    app = welcome_app(journal, clock, recorder)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.click("#start")
        await pilot.pause()
        for button in ("#targets-skip", "#cycle-skip", "#medications-skip", "#remind-skip"):
            app.screen.query_one(button, Button).press()
            await pilot.pause()
        assert recorder.done()[1:] == [
            ("targets", True),
            ("cycle", True),
            ("medications-step", True),
            ("reminders", True),
        ]
        assert pane(app) == ("lock" if lock_step_offered() else "done")


async def test_skip_set_up_is_the_welcome_step_skipped_and_closes_the_flow(journal, clock):
    recorder = Recorder(journal)
    app = welcome_app(journal, clock, recorder)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.pause()
        app.screen.query_one("#skip-setup", Button).press()
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
    assert recorder.done() == [("welcome", True)]


async def test_each_save_is_on_disk_before_the_next_step_shows(journal, clock):
    """Targets, a cycle with its transfer, a template: each step's message leaves it with its writes already
    in the file (read through a second connection), and only then does the screen move on."""
    recorder = Recorder(journal)
    app = welcome_app(journal, clock, recorder)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        type_into(app, {"welcome-tsh-target": "2.5"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        targets = recorder.seen[-1]
        assert (targets.kind, targets.step, targets.skipped) == ("Done", "targets", False)
        assert targets.pane_then == "targets"
        assert targets.on_disk["settings"] == {"tsh.target": "2.5"}
        assert pane(app) == "cycle"

        await choose(pilot, "cycle-kind", "fet")
        type_into(app, {"cycle-cd1": "2026-11-05", "cycle-transfer": "2026-11-20"})
        await pilot.press("enter")
        await pilot.pause()
        cycle = recorder.seen[-1]
        assert (cycle.kind, cycle.step, cycle.skipped, cycle.pane_then) == ("Done", "cycle", False, "cycle")
        assert cycle.on_disk["cycles"] == ["2026-11-05"]
        assert pane(app) == "medications"

        await choose(pilot, "template-list", "template-medicated-fet-pio")
        assert (recorder.seen[-1].kind, pane(app)) == ("PaneShown", "template")
        type_into(app, {"dose-0": "2 mg", "dose-1": "1 mL"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        added = recorder.seen[-1]
        assert added.kind == "PaneShown"
        assert added.top_then.endswith("Your medications: a template")  # the screen had not moved yet
        assert added.on_disk["medications"] == ["estradiol", "progesterone in oil"]
        assert pane(app) == "added"
        await pilot.press("enter")  # Continue
        await pilot.pause()
        assert recorder.done()[-1] == ("medications-step", False)
        assert pane(app) == "reminders"
    with Journal.open(journal.path) as reopened:
        [saved] = reopened.cycles()
        assert [t.on.isoformat() for t in saved.transfers] == ["2026-11-20"]


async def test_a_step_that_cannot_save_posts_nothing_and_stays(journal, clock):
    recorder = Recorder(journal)
    app = welcome_app(journal, clock, recorder)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        type_into(app, {"welcome-tsh-target": "two", "welcome-vitamin-d-threshold": "30"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert recorder.done() == [("welcome", False)]
        assert pane(app) == "targets"
    with Journal.open(journal.path) as reopened:
        assert reopened.stored_settings() == {}
        assert reopened.count("changes") == 0


async def test_back_asks_the_screen_for_the_step_before(journal, clock):
    recorder = Recorder(journal)
    app = welcome_app(journal, clock, recorder)
    steps = the_steps()
    back_buttons = {
        "cycle": "#cycle-back",
        "medications": "#medications-back",
        "reminders": "#reminders-back",
        "lock": "#lock-back",
    }
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        for _ in steps[:-1]:  # on to the last step
            await pilot.press("escape")
            await pilot.pause()
        for before, step in reversed(list(pairwise(steps))):
            assert pane(app) == step
            app.screen.query_one(back_buttons[step], Button).press()
            await pilot.pause()
            back = recorder.seen[-1]
            assert back.kind == "BackRequested"
            assert back.step == (step if step != "medications" else "medications-step")
            assert pane(app) == before
        assert pane(app) == "targets"


async def test_a_template_is_a_pane_of_the_medications_step_and_escape_goes_back_to_the_list(journal, clock):
    recorder = Recorder(journal)
    app = welcome_app(journal, clock, recorder)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("enter", "escape")  # start, no clinic targets
        await pilot.pause()
        await pilot.press("enter")  # not in a cycle
        await pilot.pause()
        await choose(pilot, "template-list", "template-folic-acid-daily")
        assert pane(app) == "template"
        assert str(app.screen.query_one("#welcome-top").render()).endswith("Your medications: a template")
        await pilot.press("escape")
        await pilot.pause()
        assert pane(app) == "medications"
        assert [(s.kind, s.step) for s in recorder.seen[-2:]] == [
            ("PaneShown", "medications-step"),
            ("PaneShown", "medications-step"),
        ]
        assert recorder.done() == [("welcome", False), ("targets", True), ("cycle", False)]
    with Journal.open(journal.path) as reopened:
        assert reopened.count("medications") == 0
