"""ExportScreen: write her record to files for the doctor (the CSV files), and say where they went (#5).

The export reads the whole journal and writes several files, so it runs in a thread with its own Journal (a
SQLite connection belongs to its thread) and posts what happened; the dialog stays responsive meanwhile.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import record
from rpltrack.store.export_formats import BY_KEY, FORMATS, Format
from rpltrack.tui.errors import app_text
from rpltrack.tui.format import shown
from rpltrack.tui.screens.appointment_form import APPOINTMENTS_CSS
from rpltrack.tui.screens.base import DIALOGS_CSS, fit_to_terminal
from rpltrack.tui.widgets.safe_input import SafeInput

if TYPE_CHECKING:
    from rpltrack.tui.app import RpltrackApp

ABOUT = "Files for your doctor or a spreadsheet. They stay on this computer until you share them."


def default_folder() -> Path:
    """Her documents folder (or home, when there is none)."""
    from rpltrack.paths import documents_dir

    return documents_dir()


def read_day(text: str, field: str) -> date | None:
    """'2026-01-31' as a date; None when empty."""
    from rpltrack.domain.datetext import parse_date

    return parse_date(text, field) if text.strip() else None


def saved_words(paths: list[Path]) -> str:
    """'Saved 10 files to /home/.../rpltrack-export-20261123-0840'."""
    if not paths:
        return "Nothing was written."
    folder = Path(os.path.commonpath([p.parent for p in paths]))
    files = "1 file" if len(paths) == 1 else f"{len(paths)} files"
    return f"Saved {files} to {folder}"


class ExportScreen(ModalScreen[None]):
    """Choose what to export, an optional date range and the folder; Export writes it in a thread."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, APPOINTMENTS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="export-close"),
        Binding("ctrl+s", "export", "Export", id="export-go"),
    ]

    @record
    class Finished(Message):
        """The export wrote `paths`."""

        paths: list[Path]
        warnings: list[str]  # about where they went (a folder others can write to, a synced folder)

    @record
    class Failed(Message):
        """The export did not finish; `words` say why, for her."""

        words: str

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.running = False

    @property
    def rpl(self) -> RpltrackApp:
        return cast("RpltrackApp", self.app)

    def compose(self) -> ComposeResult:
        folder = self.folder if self.folder is not None else default_folder()
        with Vertical(id="export-dialog", classes="dialog"):
            yield Static("Export for your doctor", classes="dialog-title")
            yield Static(ABOUT, classes="dialog-text")
            with Horizontal(classes="form-row"):
                yield Label("What", classes="form-label")
                what: Select[str] = Select(
                    [(f.words, f.key) for f in FORMATS],
                    value=FORMATS[0].key,
                    allow_blank=False,
                    id="export-what",
                    classes="form-input",
                    compact=True,
                )
                yield what
            yield Static(FORMATS[0].about, id="export-about", markup=False)
            with Horizontal(id="export-range", classes="form-row"):
                yield Label("Dates", classes="form-label")
                yield SafeInput(
                    placeholder="from YYYY-MM-DD",
                    id="export-from",
                    classes="form-input export-day",
                    compact=True,
                )
                yield Label(" to ")
                yield SafeInput(
                    placeholder="to YYYY-MM-DD", id="export-to", classes="form-input export-day", compact=True
                )
                yield Label(" optional", classes="export-optional")
            yield Static("", id="error-dates", classes="field-error export-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Save in", classes="form-label")
                yield SafeInput(str(folder), id="export-folder", classes="form-input", compact=True)
            yield Static("", id="error-folder", classes="field-error export-error", markup=False)
            yield Static("", id="export-result", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Close", id="export-close")

    def on_mount(self) -> None:
        fit_to_terminal(self)
        self.query_one("#export-go", Button).focus()

    def on_resize(self) -> None:
        fit_to_terminal(self)

    def chosen(self) -> Format:
        value = self.query_one("#export-what", Select).value
        return BY_KEY.get(str(value), FORMATS[0])

    @on(Select.Changed, "#export-what")
    def _format_changed(self) -> None:
        chosen = self.chosen()
        self.query_one("#export-about", Static).update(chosen.about)
        self.query_one("#export-range").display = chosen.ranged

    @on(Button.Pressed, "#export-go")
    @on(Input.Submitted)
    def _go(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#export-close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)

    def show_error(self, exc: ValidationError) -> None:
        """Under the dates or the folder, with that field focused."""
        field = exc.field if exc.field in ("from", "to") else "folder"
        where = "dates" if field in ("from", "to") else "folder"
        error = self.query_one(f"#error-{where}", Static)
        message = app_text(exc)
        error.update(shown(message[0].upper() + message[1:]))
        error.display = True
        self.query_one(f"#export-{field}", Input).focus()

    def action_export(self) -> None:
        """Check what she entered, then write the files in a thread."""
        if self.running:
            return
        for error in self.query(".export-error").results(Static):
            error.update("")
            error.display = False
        chosen = self.chosen()
        try:
            start = read_day(self.query_one("#export-from", Input).value, "from") if chosen.ranged else None
            end = read_day(self.query_one("#export-to", Input).value, "to") if chosen.ranged else None
            if start is not None and end is not None and end < start:
                raise ValidationError("the end date is before the start date", field="to")
            entered = self.query_one("#export-folder", Input).value.strip()
            if not entered:
                raise ValidationError("name the folder to save in", field="folder")
            base = Path(entered).expanduser()
            if not base.is_dir():
                raise ValidationError(f"there is no folder {base}: choose one that exists", field="folder")
        except ValidationError as exc:
            self.show_error(exc)
            return
        self.running = True  # a second press waits for this one (the button keeps the focus)
        self.show_result("Exporting…", failed=False)
        self.write_files(chosen, base, start, end)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def write_files(self, chosen: Format, base: Path, start: date | None, end: date | None) -> None:
        """Write the files with a Journal of this thread's own; post Finished or Failed, never touching a
        widget from here."""
        from rpltrack.store.db import JournalError
        from rpltrack.store.exporting import location_warnings
        from rpltrack.store.journal import Journal

        clock = self.rpl.clock
        now = clock.now()
        try:
            with Journal.open(self.rpl.journal.path, now=now) as journal:
                paths = chosen.write(journal, base, start, end, now, clock.zone)
            warnings = location_warnings(paths[0].parent) if paths else []
        except ValidationError as exc:
            self.post_message(self.Failed(f"Not saved: {app_text(exc)}."))
        except JournalError as exc:
            self.post_message(self.Failed(f"Not saved: {exc}"))
        except OSError as exc:
            self.post_message(self.Failed(f"Not saved: could not write in {base} ({exc.strerror or exc})."))
        except Exception as exc:  # she is told, rather than left at "Exporting…"
            self.post_message(self.Failed(f"Not saved: the export stopped ({type(exc).__name__}: {exc})."))
        else:
            self.post_message(self.Finished(paths, warnings))

    def show_result(self, words: str, *, failed: bool) -> None:
        result = self.query_one("#export-result", Static)
        result.update(shown(words))  # a folder's name can hold any character
        result.set_class(failed, "-failed")
        result.display = True

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        self.running = False
        words = saved_words(event.paths)
        self.show_result("\n".join([words + ".", *event.warnings]), failed=False)
        self.notify(words + ".", title="Exported", markup=False, timeout=10)

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.running = False
        self.show_result(event.words, failed=True)
        self.notify(event.words, title="Not exported", severity="error", markup=False, timeout=10)
