"""Make the README screenshots from the real app at a fixed time (SVG, then PNG): the sections on a demo
journal, and the first run (the welcome flow, a template being applied) on an empty one; and the appointment
brief of the 2-year demo as headless Chromium shows it (brief.png)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cairosvg
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from rpltrack.clock import FixedClock
from rpltrack.export.brief import render_brief
from rpltrack.store.demo import fill_demo
from rpltrack.store.exporting import brief_input
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
    await pilot.app.workers.wait_for_complete()
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


async def plan(pilot: Pilot[None]) -> None:
    """The Plan (#18), three days ahead: Thursday's doses with the hematology visit at 14:00 among them."""
    await pilot.press("p", "right", "right", "right")
    await pilot.pause()


async def adherence_month(pilot: Pilot[None]) -> None:
    """The month of doses taken (#18), from the Plan: November day by day, each a symbol and a count."""
    await pilot.press("p", "m")
    await pilot.pause()


async def search_results(pilot: Pilot[None]) -> None:
    """Search (#18): '/' and 'lovenox': each result's day, kind, entry and the words that matched."""
    await pilot.press("slash")
    await pilot.pause()
    pilot.app.screen.query_one("#search-text", Input).value = "lovenox"
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def treatments(pilot: Pilot[None]) -> None:
    """Treatments (key 0): an intralipid course of three, one session recorded, the next two planned."""
    await pilot.press("0")
    await pilot.pause()


async def taper_medications(pilot: Pilot[None]) -> None:
    await pilot.press("2")
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
# Seeing ahead and looking back (#18), at the usual size and on a small terminal.
SEEING_SHOTS: tuple[tuple[str, Steps, tuple[int, int]], ...] = (
    ("plan", plan, SIZE),
    ("adherence-month", adherence_month, SIZE),
    ("search-results", search_results, SIZE),
    ("plan-80x24", plan, SMALL),
    ("adherence-month-80x24", adherence_month, SMALL),
    ("search-results-80x24", search_results, SMALL),
)
# The dose of the day (#15): a prednisone taper in its first step with its next step shown, and a
# levothyroxine change dated ahead, on Today and Medications.
TAPER_SHOTS: tuple[tuple[str, Steps], ...] = (
    ("today-taper", today),
    ("medications-taper", taper_medications),
)
# On an empty journal, as a new user first sees rpltrack.
FIRST_RUN_SHOTS: tuple[tuple[str, Steps], ...] = (
    ("welcome", welcome),
    ("welcome-template", welcome_template),
    ("welcome-applied", welcome_applied),
)


# A journal locked at rest (#17): the passphrase asked for at start when its key is not kept (after a wrong
# one), and the palette's "Lock the journal" with a passphrase typed and its strength shown.
PASSPHRASE = "quiet harbour lantern violet"
LOCK_SHOTS: tuple[tuple[str, tuple[int, int]], ...] = (("lock-dialog", SIZE), ("lock-dialog-80x24", SMALL))
UNLOCK_SHOTS: tuple[tuple[str, tuple[int, int]], ...] = (
    ("passphrase-dialog", SIZE),
    ("passphrase-dialog-80x24", SMALL),
)


async def wrong_passphrase(pilot: Pilot[None]) -> None:
    """The passphrase dialog after a mistyped passphrase: the calm message, the field empty to try again."""
    await pilot.pause()
    field = pilot.app.screen.query_one("#unlock-passphrase", Input)
    field.value = "quiet harbour lantern"
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def lock_dialog(pilot: Pilot[None]) -> None:
    """ctrl+p, "Lock the journal": the passphrase typed twice, its strength, the keyring ticked."""
    from rpltrack.tui.screens.lock import LOCK, open_dialog

    await today(pilot)
    app = pilot.app
    assert isinstance(app, RpltrackApp)
    open_dialog(app, LOCK)
    await pilot.pause()
    for field_id in ("#lock-new", "#lock-again"):
        app.screen.query_one(field_id, Input).value = PASSPHRASE
    app.screen.query_one("#lock-again", Input).focus()
    await app.workers.wait_for_complete()
    await pilot.pause()


def locked_demo_journal(db: Path) -> Path:
    """The demo journal locked from its first byte with PASSPHRASE, its key kept nowhere."""
    from rpltrack.store import crypto

    db.parent.mkdir(parents=True, exist_ok=True)
    with Journal.open(db, now=NOW, key=crypto.new_key(PASSPHRASE)) as journal:
        fill_demo(journal, NOW, LONDON, years=1)
    crypto.forget_in_process()
    return db


async def shoot_unlock(name: str, out: Path, size: tuple[int, int]) -> Path:
    """The app started on a locked journal whose key is not kept (what `rpltrack` does then). The dialog
    names the journal's path: one that is the same at every run, so the picture is too."""
    folder = Path(tempfile.gettempdir()) / "rpltrack-screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        db = locked_demo_journal(folder / "journal.db")
        app = RpltrackApp.unlocking(db, clock=FixedClock(NOW, LONDON))
        async with app.run_test(size=size) as pilot:
            await wrong_passphrase(pilot)
            svg = Path(app.save_screenshot(f"{name}.svg", str(out)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    width = 1400 * size[0] // SIZE[0]
    cairosvg.svg2png(url=str(svg), write_to=str(out / f"{name}.png"), output_width=width)
    return svg


@contextlib.contextmanager
def private_keyring() -> Iterator[None]:
    """A private, unlocked Secret Service (gnome-keyring on its own D-Bus) for the lock dialog, as on a
    desktop; without gnome-keyring and dbus the dialog shows what it says with no keyring."""
    import keyring
    import keyring.core

    if str(OUT.parent) not in sys.path:
        sys.path.insert(0, str(OUT.parent))  # the checkout, for the tests' keyring helpers
    from tests.keyring_fixture import BUSCONF, _wait_for_secret_service

    if not (shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon")):
        yield
        return
    saved = dict(os.environ)
    root = Path(tempfile.mkdtemp(prefix="rpltrack-shots-keyring-"))
    bus = subprocess.Popen(
        ["dbus-daemon", f"--config-file={BUSCONF}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    keyring_pid = None
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        (root / "run").mkdir(mode=0o700)
        (root / "home").mkdir(mode=0o700)
        os.environ.update(
            DBUS_SESSION_BUS_ADDRESS=address,
            XDG_RUNTIME_DIR=str(root / "run"),
            HOME=str(root / "home"),
            XDG_DATA_HOME=str(root / "home" / "data"),
            XDG_CONFIG_HOME=str(root / "home" / "config"),
        )
        subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"],
            input="screenshots\n",
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        keyring_pid = _wait_for_secret_service(address)
        keyring.set_keyring(keyring.core.load_keyring("keyring.backends.SecretService.Keyring"))
        yield
    finally:
        if keyring_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(keyring_pid, 15)
        bus.terminate()
        bus.wait(timeout=5)
        os.environ.clear()
        os.environ.update(saved)
        keyring.core._keyring_backend = None
        shutil.rmtree(root, ignore_errors=True)


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


def with_treatments(db: Path) -> Path:
    """The demo journal with an intralipid course of three from 9 Nov (every 2 weeks), the first recorded."""
    from datetime import date, time

    from rpltrack.domain.sessions import Course, Every, EveryUnit, SessionKind, TreatmentSession

    with Journal.open(db, now=NOW) as journal:
        every = Every(2, EveryUnit.WEEKS)
        journal.add_course(
            Course(
                SessionKind.INTRALIPID,
                date(2026, 11, 9),
                every,
                count=3,
                at_time=time(9, 30),
                zone=LONDON.key,
                where="Riverside Fertility, infusion suite",
            ),
            NOW,
        )
        journal.add_session(
            TreatmentSession(
                date(2026, 11, 9),
                SessionKind.INTRALIPID,
                at_time=time(9, 40),
                zone=LONDON.key,
                where="Riverside Fertility, infusion suite",
                note="no reaction; home by noon",
            ),
            NOW,
        )
    return db


def taper_journal(db: Path) -> Path:
    """A journal with a taper and a dose change dated ahead: prednisone 20 mg for 6 weeks from 20 Oct, then
    10 mg and 5 mg a week each; levothyroxine 75 mcg, 88 mcg from 26 Nov; aspirin."""
    from rpltrack.domain.medspec import MedicationInput, build_change, build_medication

    with Journal.open(db, now=NOW) as journal:
        for spec in (
            MedicationInput("levothyroxine", "75 mcg", times="07:00", start="2026-09-01"),
            MedicationInput("aspirin", "81 mg", times="08:00", start="2026-10-20"),
            MedicationInput(
                "prednisone", "", times="08:00", start="2026-10-20", taper="20 mg x 6w; 10 mg x 1w; 5 mg x 1w"
            ),
        ):
            journal.add_medication(build_medication(spec, LONDON, NOW), NOW)
        levo = next(m for m in journal.medications() if m.name == "levothyroxine")
        assert levo.id is not None
        journal.change_regimen(levo.id, build_change(levo, "88 mcg", "", "", "2026-11-26", LONDON, NOW), NOW)
    return db


def two_year_demo(db: Path) -> Path:
    with Journal.open(db, now=NOW) as journal:
        fill_demo(journal, NOW, LONDON, years=2)
    return db


def brief_shot(
    out: Path, tmp: Path, name: str = "brief", journal_of: Callable[[Path], Path] = two_year_demo
) -> Path:
    """The appointment brief of the 2-year demo (`rpltrack demo --years 2`, then `rpltrack brief`), or of
    another journal, as a browser shows it: the A4 sheet on its grey desk, at 1.5x for sharp text."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary is None:
        raise SystemExit("brief.png needs headless Chromium: apt-get install chromium")
    db = journal_of(tmp / name / "journal.db")
    with Journal.open(db, now=NOW) as journal:
        page = render_brief(brief_input(journal, NOW, LONDON, None))
    html = db.parent / "brief.html"
    html.write_text(page, encoding="utf-8")
    png = out / f"{name}.png"
    subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=850,1170",
            "--force-device-scale-factor=1.5",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return png


async def main(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, steps in SHOTS:
            made.append(await shoot(name, steps, demo_journal(Path(tmp) / name / "journal.db"), out))
        for name, steps, size in (*CORRECTION_SHOTS, *SEEING_SHOTS):
            made.append(await shoot(name, steps, demo_journal(Path(tmp) / name / "journal.db"), out, size))
        for name, steps in TAPER_SHOTS:
            made.append(await shoot(name, steps, taper_journal(Path(tmp) / name / "journal.db"), out))
        for name, size in (("treatments", SIZE), ("treatments-80x24", SMALL)):
            db = with_treatments(demo_journal(Path(tmp) / name / "journal.db"))
            made.append(await shoot(name, treatments, db, out, size))
        for name, steps in FIRST_RUN_SHOTS:
            made.append(await shoot(name, steps, Path(tmp) / name / "journal.db", out))
        for name, size in UNLOCK_SHOTS:
            made.append(await shoot_unlock(name, out, size))
        with private_keyring():
            for name, size in LOCK_SHOTS:
                made.append(
                    await shoot(name, lock_dialog, demo_journal(Path(tmp) / name / "journal.db"), out, size)
                )
        made.append(brief_shot(out, Path(tmp)))
        made.append(brief_shot(out, Path(tmp), "brief-taper", taper_journal))
    return made


if __name__ == "__main__":
    for path in asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)):
        print(path, path.with_suffix(".png"))
