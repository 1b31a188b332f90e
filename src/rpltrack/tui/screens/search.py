"""SearchScreen: her words across the journal (#18), as `rpltrack search` finds them: `/` on any section.

Each result says its kind of entry, its day, the entry and the text that matched. Enter on a result opens the
section that lists that entry, with it selected, where `e` corrects it. The search runs in a thread with its
own connection (about 45 ms for a one-letter search of ten years), so typing never waits for it.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from rpltrack.store.search import KIND_WORDS, SEARCH_LIMIT, SearchHit
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import DIALOGS_CSS, SectionScreen, fit_to_terminal
from rpltrack.tui.screens.plan import SEEING_CSS
from rpltrack.tui.widgets.safe_input import SafeInput

if TYPE_CHECKING:
    from rpltrack.tui.app import RpltrackApp

# The section that lists each kind of entry, and which id selects it there (the hit's own, or its parent's:
# a question's appointment, a cycle event's or transfer's cycle).
HIT_SECTIONS: dict[str, tuple[str, bool]] = {
    "dose": ("history", False),
    "medication": ("medications", False),
    "lab": ("labs", False),
    "appointment": ("appointments", False),
    "question": ("appointments", True),
    "cycle": ("cycles", False),
    "event": ("cycles", True),
    "transfer": ("cycles", True),
    "pregnancy": ("pregnancies", False),
    "beta": ("betas", False),
}
HINT = "Enter searches · ↓ to the results, Enter opens one (e corrects it there) · Escape closes"
SEARCHING = "Searching…"


def hit_prompt(hit: SearchHit) -> Text:
    """'23 Nov 2026 · lab result · TSH 3.1' over 'note: drawn the morning of the transfer' (dim)."""
    prompt = fmt.plain(f"{fmt.long_day(hit.on)} · {KIND_WORDS[hit.kind]} · {hit.title}\n")
    prompt.append(fmt.shown(f"{hit.field}: {hit.text}"), style="dim")
    return prompt


def found_words(text: str, count: int) -> str:
    if count == 0:
        return f"Nothing found for “{fmt.shown(text)}”."
    more = f" (the newest {SEARCH_LIMIT})" if count >= SEARCH_LIMIT else ""
    return f"{count} found{more}, newest first."


class SearchScreen(ModalScreen[SearchHit | None]):
    """A search box and its results; dismisses the hit chosen, or None (Escape)."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, SEEING_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="search-close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[SearchHit] = []
        self.searched = ""

    @property
    def rpl(self) -> RpltrackApp:
        from rpltrack.tui.app import RpltrackApp

        assert isinstance(self.app, RpltrackApp)
        return self.app

    def compose(self) -> ComposeResult:
        with Vertical(id="search", classes="dialog"):
            yield Static("Search your journal", classes="dialog-title")
            yield SafeInput(placeholder="words to find, e.g. lovenox or TSH", id="search-text")
            yield Static(id="search-said", markup=False)
            yield OptionList(id="search-results")
            yield Static(HINT, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        fit_to_terminal(self)
        self.query_one("#search-results", OptionList).display = False
        self.query_one("#search-text", Input).focus()

    def on_resize(self) -> None:
        fit_to_terminal(self)

    @on(Input.Submitted, "#search-text")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = " ".join(event.value.split())
        if not text:
            self.query_one("#search-said", Static).update("Type some words to find, then Enter.")
            return
        self.searched = text
        self.query_one("#search-said", Static).update(SEARCHING)
        self.search(text)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search(self, text: str) -> None:
        """Search in a thread, with its own connection (a SQLite connection belongs to its thread)."""
        from rpltrack.domain.errors import ValidationError
        from rpltrack.store.journal import Journal

        app = self.rpl
        try:
            with Journal.open(app.journal.path, now=app.clock.now()) as journal:
                hits = journal.search(text)
        except ValidationError as exc:
            app.call_from_thread(self.show_words, exc.message)
            return
        except Exception:
            app.call_from_thread(self.show_words, "The search could not read the journal. Please try again.")
            return
        app.call_from_thread(self.show_hits, text, hits)

    def show_words(self, words: str) -> None:
        self.query_one("#search-said", Static).update(fmt.shown(words))

    def show_hits(self, text: str, hits: list[SearchHit]) -> None:
        if text != self.searched:
            return  # an older search finished after a newer one started
        self.hits = hits
        results = self.query_one("#search-results", OptionList)
        results.set_options(Option(hit_prompt(hit), id=str(n)) for n, hit in enumerate(hits))
        results.display = bool(hits)
        if hits:
            results.highlighted = 0
        self.show_words(found_words(text, len(hits)))

    @on(OptionList.OptionSelected, "#search-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self.hits[int(event.option.id)])

    def action_close(self) -> None:
        self.dismiss(None)


def open_search(app: RpltrackApp) -> None:
    """The search box; the hit she chooses opens where it is listed."""

    async def chosen(hit: SearchHit | None) -> None:
        if hit is not None:
            await open_hit(app, hit)

    app.push_screen(SearchScreen(), chosen)


async def open_hit(app: RpltrackApp, hit: SearchHit) -> None:
    """Go to the section that lists `hit` and select it there (say so gently when it cannot be)."""
    mode, by_parent = HIT_SECTIONS[hit.kind]
    entry_id = hit.parent_id if by_parent and hit.parent_id is not None else hit.id
    await app.switch_mode(mode)
    # A screen pushed over the section (the month of adherence over History) gives way to the section.
    while not isinstance(app.screen, SectionScreen) and len(app.screen_stack) > 1:
        app.pop_screen()
    screen = app.screen
    if not isinstance(screen, SectionScreen):
        return
    await screen.show_current()
    select = getattr(screen, "select_by_id", None)
    if select is None or not await select(entry_id):
        app.notify(f"That {KIND_WORDS[hit.kind]} is not in this list any more.", title="Search", markup=False)
