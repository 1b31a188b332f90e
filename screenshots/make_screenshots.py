"""Make the README screenshots from the real app at a fixed time (SVG, then PNG): the sections on a demo
journal, and the first run (the welcome flow, a template being applied) on an empty one."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cairosvg
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from rpltrack.clock import FixedClock
from rpltrack.store.demo import fill_demo
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.today import TodayScreen

OUT = Path(__file__).resolve().parent
SIZE = (110, 34)
SMALL = (80, 24)  # the smallest terminal every form is made for
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)

Steps = Callable[[Pilot[None]], Awaitable[None]]


async def today(pilot: Pilot[None]) -> None:
    """Today once the count of things to raise (worked out in a thread a moment later) is on screen."""
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TodayScreen)
    await asyncio.wait_for(screen.flags_counted.wait(), timeout=10)
    await pilot.pause()


async def medications(pilot: Pilot[None]) -> None:
    await pilot.press("2")
    await pilot.pause()


async def add_medication(pilot: Pilot[None]) -> None:
    """The form after a unit slip: levothyroxine '100 mg' is caught beside the Dose field."""
    await pilot.press("a")
    await pilot.pause()
    for input_id, text in (("med-name", "levothyroxine"), ("med-dose", "100 mg"), ("med-times", "07:00")):
        pilot.app.screen.query_one(f"#{input_id}", Input).value = text
    await pilot.press("ctrl+s")
    await pilot.pause()


async def help_screen(pilot: Pilot[None]) -> None:
    await pilot.press("question_mark")
    await pilot.pause()


async def betas(pilot: Pilot[None]) -> None:
    await pilot.press("5")
    await pilot.pause()


async def beta_edit(pilot: Pilot[None]) -> None:
    """Correcting a beta on Betas: e on the newest draw opens the add form filled in from it; its value is
    selected, so typing the right number replaces it (here 30100, mistyped for 301, being corrected)."""
    await betas(pilot)
    await pilot.press("e")
    await pilot.pause()
    await pilot.press(*"301")
    await pilot.pause()


async def beta_delete(pilot: Pilot[None]) -> None:
    """d on Betas: the draw in plain words, and the question, with Keep it focused."""
    await betas(pilot)
    await pilot.press("d")
    await pilot.pause()


async def cycles(pilot: Pilot[None]) -> None:
    await pilot.press("4")
    await pilot.pause()


async def pregnancies(pilot: Pilot[None]) -> None:
    await pilot.press("6")
    await pilot.pause()


async def labs(pilot: Pilot[None]) -> None:
    """Labs with TSH highlighted: every result and its trend."""
    await pilot.press("7")
    await pilot.pause()


async def flags(pilot: Pilot[None]) -> None:
    await pilot.press("8")
    await pilot.pause()


async def appointments(pilot: Pilot[None]) -> None:
    await pilot.press("9")
    await pilot.pause()


async def welcome(pilot: Pilot[None]) -> None:
    """The first run on an empty journal: what rpltrack is and is not, and the four steps to come."""
    await pilot.pause()


async def choose(pilot: Pilot[None], list_id: str, option_id: str) -> None:
    options = pilot.app.screen.query_one(f"#{list_id}", OptionList)
    options.focus()
    await pilot.pause()
    wanted = options.get_option_index(option_id)
    await pilot.press(*(["down"] * (wanted - (options.highlighted or 0))), "enter")
    await pilot.pause()


async def welcome_template(pilot: Pilot[None]) -> None:
    """Step 3 of 4: the medicated FET template on her cycle (CD1 5 Nov, day-5 transfer 20 Nov), her
    clinic's doses typed in, before Add these."""
    await pilot.press("enter", "escape")  # start set-up, no clinic targets
    await pilot.pause()
    await choose(pilot, "cycle-kind", "fet")
    for input_id, text in (("cycle-cd1", "2026-11-05"), ("cycle-transfer", "2026-11-20")):
        pilot.app.screen.query_one(f"#{input_id}", Input).value = text
    await pilot.press("enter")
    await pilot.pause()
    await choose(pilot, "template-list", "template-medicated-fet-pio")
    for input_id, text in (("dose-0", "2 mg"), ("dose-1", "1 mL")):
        pilot.app.screen.query_one(f"#{input_id}", Input).value = text
    await pilot.pause()


async def welcome_applied(pilot: Pilot[None]) -> None:
    """The template applied: what was added to her journal, placed on her cycle's dates."""
    await welcome_template(pilot)
    await pilot.press("enter")
    await pilot.pause()


SHOTS: tuple[tuple[str, Steps], ...] = (
    ("today", today),
    ("medications", medications),
    ("add-medication", add_medication),
    ("help", help_screen),
    ("betas", betas),
    ("cycles", cycles),
    ("pregnancies", pregnancies),
    ("labs", labs),
    ("flags", flags),
    ("appointments", appointments),
)
# Correcting the record (#13), at the usual size and on a small terminal.
CORRECTION_SHOTS: tuple[tuple[str, Steps, tuple[int, int]], ...] = (
    ("beta-edit", beta_edit, SIZE),
    ("beta-delete", beta_delete, SIZE),
    ("beta-edit-80x24", beta_edit, SMALL),
    ("beta-delete-80x24", beta_delete, SMALL),
)
# On an empty journal, as a new user first sees rpltrack.
FIRST_RUN_SHOTS: tuple[tuple[str, Steps], ...] = (
    ("welcome", welcome),
    ("welcome-template", welcome_template),
    ("welcome-applied", welcome_applied),
)


async def shoot(name: str, steps: Steps, db: Path, out: Path, size: tuple[int, int] = SIZE) -> Path:
    """One screenshot from a fresh copy of the app, so no shot depends on another."""
    clock = FixedClock(NOW, LONDON)
    with Journal.open(db, now=NOW) as journal:
        app = RpltrackApp(journal=journal, clock=clock, welcome=True)
        async with app.run_test(size=size) as pilot:
            await steps(pilot)
            svg = Path(app.save_screenshot(f"{name}.svg", str(out)))
    width = 1400 * size[0] // SIZE[0]  # the same size of letter at every terminal size
    cairosvg.svg2png(url=str(svg), write_to=str(out / f"{name}.png"), output_width=width)
    return svg


def demo_journal(db: Path) -> Path:
    """A fresh demo journal per shot: a shot that writes cannot change the next one."""
    with Journal.open(db, now=NOW) as journal:
        fill_demo(journal, NOW, LONDON, years=1)
    return db


async def main(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, steps in SHOTS:
            made.append(await shoot(name, steps, demo_journal(Path(tmp) / name / "journal.db"), out))
        for name, steps, size in CORRECTION_SHOTS:
            made.append(await shoot(name, steps, demo_journal(Path(tmp) / name / "journal.db"), out, size))
        for name, steps in FIRST_RUN_SHOTS:
            made.append(await shoot(name, steps, Path(tmp) / name / "journal.db", out))
    return made


if __name__ == "__main__":
    for path in asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)):
        print(path, path.with_suffix(".png"))
