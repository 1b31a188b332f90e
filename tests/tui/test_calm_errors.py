"""No traceback reaches her screen (#14): an error is written to errors.log beside the journal, the app
starts again with a calm notice, and after repeated errors it closes with the same calm words."""

from __future__ import annotations

import stat
from typing import Any

import pytest

from rpltrack.clock import FixedClock
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RESTARTS_AFTER_ERRORS, RpltrackApp, run_app
from rpltrack.tui.screens.today import TodayScreen


def _boom(self: Any) -> None:
    raise RuntimeError("a bug, with her words: folic acid")


def test_e8_an_error_closes_without_a_traceback_and_is_logged(
    journal: Journal, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(TodayScreen, "on_mount", _boom)
    app = RpltrackApp(journal=journal, clock=clock)
    app.calm_errors = True
    app.run(headless=True)
    assert app.return_code == 1
    assert app.error_log == journal.path.parent / "errors.log"
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert "RuntimeError" not in out + err
    text = app.error_log.read_text(encoding="utf-8")
    assert "Traceback" in text
    assert "RuntimeError: a bug" in text
    assert stat.S_IMODE(app.error_log.stat().st_mode) == 0o600


def test_e8_tests_still_see_the_error(
    journal: Journal, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Without calm_errors a headless run keeps Textual's handling, so a bug fails its test."""
    monkeypatch.setattr(TodayScreen, "on_mount", _boom)
    app = RpltrackApp(journal=journal, clock=clock)
    app.run(headless=True)
    assert app.error_log is None
    assert app.return_code == 1
    assert "RuntimeError" in "".join(capfd.readouterr())  # Textual's own report


def test_e8_the_app_starts_again_with_a_calm_notice(
    journal: Journal, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run fails as it starts; run_app starts a second one, which says what happened and runs on."""
    runs: list[RpltrackApp] = []
    original_mount = TodayScreen.on_mount

    async def failing_once(self: TodayScreen) -> None:
        if len(runs) == 1:
            raise RuntimeError("a bug on the first start")
        await original_mount(self)
        self.app.set_timer(0.3, self.app.exit)  # the second run works; end it once it has started

    monkeypatch.setattr(TodayScreen, "on_mount", failing_once)

    def make_app(notice: str) -> RpltrackApp:
        app = RpltrackApp(journal=journal, clock=clock, start_notice=notice)
        app.calm_errors = True
        runs.append(app)
        return app

    assert run_app(make_app, headless=True) == 0
    assert len(runs) == 2
    assert runs[1].start_notice.startswith("Something went wrong, so rpltrack started again.")
    assert "Nothing you had saved is lost" in runs[1].start_notice
    assert str(journal.path.parent / "errors.log") in runs[1].start_notice


def test_e8_repeated_errors_close_it_calmly(
    journal: Journal, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def always(self: TodayScreen) -> None:
        raise RuntimeError("a bug every time")

    monkeypatch.setattr(TodayScreen, "on_mount", always)
    made: list[RpltrackApp] = []

    def make_app(notice: str) -> RpltrackApp:
        app = RpltrackApp(journal=journal, clock=clock, start_notice=notice)
        app.calm_errors = True
        made.append(app)
        return app

    assert run_app(make_app, headless=True) == 1
    assert len(made) == RESTARTS_AFTER_ERRORS + 1
    err = capsys.readouterr().err
    assert "rpltrack had to close after an error. Nothing you had saved is lost." in err
    assert "Traceback" not in err
