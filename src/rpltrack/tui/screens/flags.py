"""FlagsScreen: things to raise with the care team, each with its numbers, the rule and the sources (§0).

A flag is never a diagnosis and never advice to change a dose: it says what to ask about. She can acknowledge
one (it moves to the second list, and comes back if new data triggers it again), mark it raised at an
appointment, or make it active again. The board is worked out in the handler: a pure evaluation of the whole
journal takes about 15 ms on ten years of data.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar, Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import record
from rpltrack.flags.model import Flag, FlagMark, MarkState
from rpltrack.flags.rules import DESCRIPTIONS, Board
from rpltrack.flags.sources import cite
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import EntryForm, Field, optional
from rpltrack.tui.screens.settings_form import ClinicTargetsForm, saved_words
from rpltrack.tui.screens.warning_signs import FLAGS_CSS, WarningSignsScreen
from rpltrack.tui.widgets.key_bar import KeyBar

EMPTY_TEXT = (
    "Nothing to raise right now. As you add lab results, betas and doses, anything worth asking your care "
    "team about shows here."
)
ABOUT = (
    "rpltrack checks your journal against the guidelines in its clinical reference. When something is worth "
    "asking your care team about, it shows here with the numbers behind it and its source. "
    "rpltrack never diagnoses and never advises a dose change."
)
CLINIC_TARGET = (
    "Your clinic's target: this uses the target your clinic set (press s to see or change it); "
    "the guideline default is shown for context."
)
RETURNS = "It comes back if new data triggers it again."
STATE_WORDS = {MarkState.ACKNOWLEDGED: "Acknowledged", MarkState.RAISED: "Raised at an appointment"}
ACK_FIELDS: tuple[Field, ...] = (Field("note", "Note", "optional, e.g. what you decided"),)
RAISED_FIELDS: tuple[Field, ...] = (
    Field("note", "Note", "optional, e.g. what was decided"),
    Field("appt", "Appointment", "optional: the appointment's number"),
)
MAX_NOTE = 2000

ListName = Literal["active", "marked"]


@record(frozen=True)
class MarkEntry:
    """What she entered in the mark dialog."""

    note: str
    appointment_id: int | None = None


def read_mark(entered: dict[str, str]) -> MarkEntry:
    note = optional(entered.get("note", ""))
    if len(note) > MAX_NOTE:
        raise ValidationError(f"a note can be at most {MAX_NOTE} characters", field="note")
    appt = entered.get("appt", "").strip()
    if not appt:
        return MarkEntry(note)
    if not appt.isdigit() or int(appt) < 1:
        raise ValidationError(f"the appointment is its number, like 3; got {appt!r}", field="appt")
    return MarkEntry(note, int(appt))


def mark_words(mark: FlagMark, zone_day: str) -> str:
    """'Acknowledged 23 Nov 2026: asked at the scan' (the day the mark was made, her note)."""
    words = f"{STATE_WORDS[mark.state]} {zone_day}"
    if mark.appointment_id is not None:
        words += f" (appointment {mark.appointment_id})"
    return words + (f": {fmt.shown(mark.note)}" if mark.note else "")


def flag_info(flag: Flag, mark: FlagMark | None, marked_on: str) -> Text:
    """The info pane: title, the numbers, what to ask, context, the clinic-target note, sources, the rule.
    A flag's words can quote her records (a medication's name, a lab's note): their controls are shown."""
    text = Text()
    text.append(fmt.shown(flag.title) + "\n", style="bold")
    if mark is not None:
        text.append(mark_words(mark, marked_on) + "\n", style="italic")
    text.append("\n" + fmt.shown(flag.detail) + "\n\n")
    text.append(fmt.shown(flag.ask) + "\n", style="bold")
    if flag.context:
        text.append("\n")
        for line in flag.context:
            text.append(f"· {fmt.shown(line)}\n")
    if flag.clinic_target:
        text.append("\n" + CLINIC_TARGET + "\n")
    text.append("\nSources\n", style="bold")
    for source in flag.sources:
        text.append(cite(source) + "\n")
    text.append(f"\nSince {fmt.long_day(flag.since)}\n", style="dim")
    description = DESCRIPTIONS.get(flag.rule)
    if description:
        text.append(f"What rpltrack checks: {description}\n", style="dim")
    text.rstrip()
    return text


class FlagsScreen(SectionScreen):
    """Active flags (newest first), those acknowledged or raised, and what could not be judged."""

    CSS_PATH = FLAGS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "Acknowledge", id="flag-acknowledge"),
        Binding("r", "raised", "Raised", id="flag-raised"),
        Binding("b", "make_active", "Back to active", id="flag-active-again"),
        Binding("s", "clinic_targets", "Clinic targets", id="flag-clinic-targets"),
        # Out of the footer, which has no room left at 110 columns: the help lists it, and the palette offers
        # it everywhere (commands.py).
        Binding("w", "warning_signs", "Warning signs", show=False, id="flag-warning-signs"),
        # r marks a flag raised here, so Labs is reached from the other sections or the palette.
        *go_keys("flags"),
        *SECTION_KEYS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board = Board((), (), (), {})
        self.in_use: ListName = "active"

    def compose(self) -> ComposeResult:
        yield Static("Things to raise with your care team", id="flags-title", classes="top-line")
        yield from self.readonly_banner()
        with Horizontal(id="flags-body"):
            with Vertical(id="flags-lists"):
                yield Static("To raise", classes="flags-heading")
                yield OptionList(id="flags-active")
                yield Static(EMPTY_TEXT, id="flags-empty", markup=False)
                yield Static("Acknowledged or raised", id="flags-marked-heading", classes="flags-heading")
                yield OptionList(id="flags-marked")
            with VerticalScroll(id="flag-info"):
                yield Static(ABOUT, id="flag-info-text", markup=False)
        yield Static(id="flags-unjudged", markup=False)
        yield KeyBar()

    # -- reading --------------------------------------------------------------------------------------

    async def reload(self) -> None:
        now = self.clock.now()
        self.show(self.journal.flag_board(now, self.zone))

    def option_list(self, name: ListName) -> OptionList:
        return self.query_one(f"#flags-{name}", OptionList)

    def show(self, new: Board, *, follow: str | None = None) -> None:
        """Fill both lists from `new`, keeping each list's highlight on the same flag, or at the same place
        when that flag moved away; if the list in use empties, the other takes the focus (on `follow`)."""
        self.board = new
        lists: tuple[tuple[ListName, tuple[Flag, ...]], ...] = (
            ("active", new.active),
            ("marked", new.marked),
        )
        for name, flags in lists:
            options = self.option_list(name)
            previous = options.highlighted_option
            key = previous.id if previous is not None else None
            index = options.highlighted or 0
            # A faint rule between flags: titles wrap, and each has a second line.
            shown: list[Option | None] = []
            for flag in flags:
                shown += [self.option(flag), None]
            options.set_options(shown[:-1])
            keys = [f.key for f in flags]
            if key in keys:
                options.highlighted = keys.index(key)
            elif keys:
                options.highlighted = min(index, len(keys) - 1)
        self.set_class(not new.active, "-nothing-active")
        self.set_class(not new.marked, "-nothing-marked")
        self.query_one("#flags-unjudged", Static).update(self.unjudged_text())
        self.query_one("#flags-unjudged", Static).display = bool(new.unjudged)
        self.place_focus(follow)
        self.show_info()

    def place_focus(self, follow: str | None) -> None:
        here = self.option_list(self.in_use)
        other_name: ListName = "marked" if self.in_use == "active" else "active"
        other = self.option_list(other_name)
        if here.option_count == 0 and other.option_count > 0:
            self.in_use = other_name
            keys = [o.id for o in other.options]
            if follow in keys:
                other.highlighted = keys.index(follow)
            here = other
        if here.option_count and (self.focused is None or isinstance(self.focused, OptionList)):
            here.focus()

    def option(self, flag: Flag) -> Option:
        mark = self.board.marks.get(flag.key)
        prompt = fmt.plain(flag.title + "\n")
        if mark is None:
            prompt.append(f"since {fmt.long_day(flag.since)}", style="dim")
        else:
            prompt.append(mark_words(mark, self.mark_day(mark)), style="dim")
        return Option(prompt, id=flag.key)

    def mark_day(self, mark: FlagMark) -> str:
        return fmt.long_day(mark.at.astimezone(self.zone).date())

    def unjudged_text(self) -> Text:
        text = Text()
        text.append("Could not judge\n", style="bold")
        for item in self.board.unjudged:
            text.append(f"· {fmt.shown(item.text)}\n")
        text.rstrip()
        return text

    def selected(self) -> tuple[Flag, FlagMark | None] | None:
        """The highlighted flag of the list in use, and her mark on it (None while active)."""
        option = self.option_list(self.in_use).highlighted_option
        if option is None:
            return None
        for flag in (*self.board.active, *self.board.marked):
            if flag.key == option.id:
                return flag, self.board.marks.get(flag.key)
        return None

    def show_info(self) -> None:
        chosen = self.selected()
        info = self.query_one("#flag-info-text", Static)
        if chosen is None:
            info.update(ABOUT)
        else:
            flag, mark = chosen
            info.update(flag_info(flag, mark, self.mark_day(mark) if mark else ""))
        self.query_one("#flag-info", VerticalScroll).scroll_home(animate=False)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == f"flags-{self.in_use}":
            self.show_info()

    @on(events.DescendantFocus)
    def _focused(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, OptionList) and event.widget.id in ("flags-active", "flags-marked"):
            name: ListName = "active" if event.widget.id == "flags-active" else "marked"
            if name != self.in_use:
                self.in_use = name
                self.show_info()

    def chosen_or_say(self) -> tuple[Flag, FlagMark | None] | None:
        chosen = self.selected()
        if chosen is None:
            self.notify(EMPTY_TEXT, title="Flags")
        return chosen

    # -- marking --------------------------------------------------------------------------------------

    def action_acknowledge(self) -> None:
        chosen = self.chosen_or_say()
        if chosen is None or not self.can_write():
            return
        flag, mark = chosen
        self.open_mark_form(flag, MarkState.ACKNOWLEDGED, {"note": mark.note if mark else ""})

    def action_raised(self) -> None:
        chosen = self.chosen_or_say()
        if chosen is None or not self.can_write():
            return
        flag, mark = chosen
        initial = {"note": mark.note if mark else ""}
        if mark is not None and mark.appointment_id is not None:
            initial["appt"] = str(mark.appointment_id)
        self.open_mark_form(flag, MarkState.RAISED, initial)

    def open_mark_form(self, flag: Flag, state: MarkState, initial: dict[str, str]) -> None:
        """The note dialog (Enter saves); the mark is written here, and a failed save reopens the dialog
        with her note kept."""
        if state is MarkState.ACKNOWLEDGED:
            title, fields, form_id = "Acknowledge", ACK_FIELDS, "flag-ack-form"
            intro = f"{flag.title}\n\nIt moves to 'Acknowledged or raised'. " + RETURNS
        else:
            title, fields, form_id = "Raised at an appointment", RAISED_FIELDS, "flag-raised-form"
            intro = f"{flag.title}\n\nA note of what was decided can help next time."

        async def done(entry: MarkEntry | None) -> None:
            if entry is None:
                return
            now = self.clock.now()
            ok, _ = self.write(
                lambda: self.journal.mark_flag(
                    flag, state, now, note=entry.note, appointment_id=entry.appointment_id
                )
            )
            if not ok:
                if not self.journal.readonly:
                    kept = {"note": entry.note}
                    if entry.appointment_id is not None:
                        kept["appt"] = str(entry.appointment_id)
                    self.open_mark_form(flag, state, kept)
                return
            if state is MarkState.ACKNOWLEDGED:
                words = f"Acknowledged: {flag.title}. It returns if new data triggers it again."
            else:
                words = f"Marked raised at your appointment: {flag.title}."
            self.notify(words, title="Saved", markup=False)
            await self.reload_following(flag.key)

        form: EntryForm[MarkEntry] = EntryForm(
            title,
            fields,
            lambda entered, _: read_mark(entered),
            initial=initial,
            intro=intro,
            form_id=form_id,
        )
        self.app.push_screen(form, done)

    async def action_make_active(self) -> None:
        chosen = self.chosen_or_say()
        if chosen is None:
            return
        flag, mark = chosen
        if mark is None:
            self.notify("This one is already on the list to raise.", title="Flags")
            return
        if not self.can_write():
            return
        now = self.clock.now()
        ok, _ = self.write(lambda: self.journal.unmark_flag(flag.key, now))
        if ok:
            self.notify(f"Active again: {flag.title}.", title="Saved", markup=False)
            await self.reload_following(flag.key)

    async def reload_following(self, key: str) -> None:
        now = self.clock.now()
        self.show(self.journal.flag_board(now, self.zone), follow=key)

    # -- clinic targets and warning signs -------------------------------------------------------------

    def action_clinic_targets(self) -> None:
        if self.can_write():
            self.open_targets(ClinicTargetsForm(self.journal.stored_settings()))

    def open_targets(self, form: ClinicTargetsForm) -> None:
        """Save what the form returns, one setting at a time; if a save fails, reopen it with her entries."""

        async def done(changes: dict[str, str] | None) -> None:
            if changes is None:
                return
            if not changes:
                self.notify("Nothing changed.", title="Clinic targets")
                return
            now = self.clock.now()
            saved: dict[str, str] = {}
            for key, value in changes.items():
                ok, canonical = self.write(partial(self.journal.set_setting, key, value, now))
                if not ok:
                    if saved:
                        await self.reload()
                    if not self.journal.readonly:
                        notice = f"Saved so far: {saved_words(saved)}" if saved else ""
                        self.open_targets(
                            ClinicTargetsForm(
                                self.journal.stored_settings(), entered=form.entered, notice=notice
                            )
                        )
                    return
                saved[key] = canonical or ""
            self.notify(f"Saved: {saved_words(saved)}", title="Clinic targets", markup=False)
            await self.reload()

        self.app.push_screen(form, done)

    def action_warning_signs(self) -> None:
        self.app.push_screen(WarningSignsScreen())
