"""The Export screen (#5): the CSV export written in a thread into the folder she names, and where it went."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from rpltrack.store.exporting import ExportFailed
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.commands import EXPORT, RpltrackCommands
from rpltrack.tui.screens.appointments import AppointmentsScreen
from rpltrack.tui.screens.export import ExportScreen
from tests.tui.helpers import SIZE, add_med, notices

FOLDER = "rpltrack-export-20261123-0840"  # the fixed clock's local time


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The folder she chooses to save in (tmp_path also holds the journal)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def shown(app: Any, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Static).render())


async def open_export(pilot: Any, folder: Path) -> ExportScreen:
    """Open the Export screen from Appointments (s) and point it at `folder`."""
    await pilot.press("9")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AppointmentsScreen)
    await pilot.press("s")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    screen.query_one("#export-folder", Input).value = str(folder)
    return screen


async def export(pilot: Any) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_export_writes_the_csv_files_into_the_folder_and_says_where(journal, clock, out):
    add_med(journal, clock, "aspirin", "81 mg", "08:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_export(pilot, out)
        await export(pilot)
        written = sorted((out / FOLDER).iterdir())
        words = f"Saved {len(written)} files to {out / FOLDER}."
        assert shown(app, "export-result").startswith(words)
        assert f"Exported: {words}" in notices(app)
        assert isinstance(app.screen, ExportScreen)  # it stays open, showing where the files went
    names = [p.name for p in written]
    assert "summary.csv" in names
    assert "medications.csv" in names
    assert "aspirin" in (out / FOLDER / "medications.csv").read_text(encoding="utf-8-sig")


async def test_a_second_export_goes_to_a_new_folder(journal, clock, out):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_export(pilot, out)
        await export(pilot)
        await export(pilot)
        assert shown(app, "export-result").startswith("Saved ")
        assert str(out / f"{FOLDER}-2") in shown(app, "export-result")
    assert sorted(p.name for p in out.iterdir()) == [FOLDER, f"{FOLDER}-2"]


async def test_the_palette_offers_the_export_from_any_screen(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        [command] = [c for c in RpltrackCommands(app.screen).commands() if c.name == EXPORT]
        command.run()
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)


async def test_a_bad_date_or_a_missing_folder_is_shown_and_nothing_is_written(journal, clock, out):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(pilot, out)
        screen.query_one("#export-from", Input).value = "1/11/2026"
        await export(pilot)
        assert "Cannot read the date '1/11/2026'" in shown(app, "error-dates")
        assert app.focused is screen.query_one("#export-from", Input)
        screen.query_one("#export-from", Input).value = "2026-11-01"
        screen.query_one("#export-to", Input).value = "2026-10-01"
        await export(pilot)
        assert "The end date is before the start date" in shown(app, "error-dates")
        screen.query_one("#export-to", Input).value = ""
        screen.query_one("#export-folder", Input).value = str(out / "nowhere")
        await export(pilot)
        assert not screen.query_one("#error-dates", Static).display
        assert f"There is no folder {out / 'nowhere'}" in shown(app, "error-folder")
    assert list(out.iterdir()) == []


async def test_a_date_range_is_passed_to_the_export(journal, clock, out, monkeypatch: pytest.MonkeyPatch):
    from rpltrack.store import exporting

    seen: dict[str, Any] = {}
    real = exporting.write_csv_export

    def spy(journal: Any, out_dir: Path, **kwargs: Any) -> list[Path]:
        seen.update(kwargs)
        return real(journal, out_dir, **kwargs)

    monkeypatch.setattr(exporting, "write_csv_export", spy)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(pilot, out)
        screen.query_one("#export-from", Input).value = "2026-11-01"
        screen.query_one("#export-to", Input).value = "2026-11-23"
        await export(pilot)
        assert shown(app, "export-result").startswith("Saved ")
    assert (str(seen["start"]), str(seen["end"]), seen["now"], seen["zone"]) == (
        "2026-11-01",
        "2026-11-23",
        clock.now(),
        clock.zone,
    )


async def test_a_failed_export_says_so_and_the_screen_stays_usable(
    journal, clock, out, monkeypatch: pytest.MonkeyPatch
):
    from rpltrack.store import exporting

    def fail(*args: Any, **kwargs: Any) -> list[Path]:
        raise ExportFailed(f"could not write the export to {out}: No space left on device.")

    monkeypatch.setattr(exporting, "write_csv_export", fail)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(pilot, out)
        await export(pilot)
        result = screen.query_one("#export-result", Static)
        assert (
            str(result.render())
            == f"Not saved: could not write the export to {out}: No space left on device."
        )
        assert result.has_class("-failed")
        assert any(n.startswith("Not exported: Not saved") for n in notices(app))
        assert not screen.running
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("what", "name", "words"),
    [
        ("brief", "rpltrack-brief-2026-11-23.html", "no medical advice"),
        ("ics", "rpltrack.ics", "BEGIN:VCALENDAR"),
        ("ics-doses", "rpltrack.ics", "aspirin"),
    ],
    ids=["brief", "calendar", "calendar-with-doses"],
)
async def test_the_brief_and_the_calendar_are_written_from_the_export_screen(
    journal, clock, out, what, name, words
):
    from textual.widgets import Select

    add_med(journal, clock, "aspirin", "81 mg", "20:00")
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(pilot, out)
        screen.query_one("#export-what", Select).value = what
        await pilot.pause()
        assert not screen.query_one("#export-range").display  # no date range for these
        await export(pilot)
        assert shown(app, "export-result").startswith("Saved 1 file")
    written = out / name
    assert (written.stat().st_mode & 0o777) == 0o600
    assert words in written.read_text(encoding="utf-8")
