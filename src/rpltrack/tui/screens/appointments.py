"""AppointmentsScreen: upcoming and past appointments, the questions to bring, and what was decided (#5).

Her questions are a checklist: her own (n), and the active flags, added with one key (g). At the visit she
ticks each one off as she asks it (Space or x on the question list, Tab to reach it: one change each,
undoable). After the visit she records what was decided and the questions she asked (v); the flags behind
them are marked raised at that appointment, as `rpltrack appt done` does, and the questions not asked are
offered to carry to the next appointment with the same care team (#18), never moved without asking. A
cancelled appointment stays in the record, marked so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import PurePath
from typing import ClassVar, Literal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rpltrack.domain.appointments import Appointment, Question
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.zones import zone_elsewhere
from rpltrack.store.db import JournalError
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.appointment_form import (
    APPOINTMENT_FIELDS,
    APPOINTMENTS_CSS,
    QUESTION_FIELDS,
    SAVE_KEYS,
    AppointmentForm,
    VisitForm,
    initial_values,
    read_fields,
)
from rpltrack.tui.screens.base import SECTION_KEYS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import Answers, optional
from rpltrack.tui.screens.forms import Picker, ask_delete
from rpltrack.tui.widgets.key_bar import KeyBar

EMPTY_TEXT = "No appointments yet — press a to add one"
NOTHING_UPCOMING = "Nothing booked — press a to add an appointment."
NO_QUESTIONS = "No questions yet — press n to add one, or g to add your flags."
ABOUT = (
    "Your appointments: when, with whom, and the questions to bring. Press g to turn the things to raise "
    "(your flags) into questions; after the visit, press v to record what was decided."
)

ListName = Literal["upcoming", "past"]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def day_and_time(at: datetime) -> str:
    """'Mon 30 Nov 2026 · 10:15'."""
    return f"{at:%a} {at.day} {at:%b %Y} · {at:%H:%M}"


def state_words(appt: Appointment, now: datetime) -> str:
    """How a past appointment stands: cancelled, recorded, or waiting for her record of it."""
    if appt.cancelled:
        return "cancelled"
    if appt.done:
        return "visit recorded"
    if appt.upcoming(now):
        return ""
    return "not recorded yet — press v"


def questions_table(questions: tuple[Question, ...]) -> Table:
    """The checklist: '[x]' or '[ ]' beside each question, each answer under its question (her words with
    their controls shown)."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column()
    for question in questions:
        cell = fmt.plain(question.text)
        if question.answer:
            cell.append(f"\n{fmt.shown(question.answer)}", style="italic")
        table.add_row(Text("[x]" if question.asked else "[ ]"), cell)
    return table


def question_prompt(question: Question) -> Text:
    """'[x] Should I keep taking aspirin?', its answer (if any) under it in italics."""
    prompt = Text("[x] " if question.asked else "[ ] ")
    prompt.append_text(fmt.plain(question.text))
    if question.answer:
        prompt.append(f"\n    {fmt.shown(question.answer)}", style="italic")
    return prompt


class QuestionList(OptionList):
    """The highlighted appointment's questions as a checklist; Space or x asks the screen to tick the
    highlighted one asked (or not asked again)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "request_tick",
            "Asked",
            tooltip="tick the highlighted question asked, or untick it",
            id="question-tick",
        ),
        Binding(
            "x",
            "request_tick",
            "Asked",
            show=False,
            tooltip="tick the highlighted question asked, or untick it",
            id="question-tick-x",
        ),
    ]

    DEFAULT_CSS = """
    QuestionList {
        height: auto;
        border: none;
        padding: 0;
        background: $background;
    }
    QuestionList:focus {
        border: none;
        background-tint: $foreground 5%;
    }
    """

    class TickRequested(Message):
        """She asked to tick (or untick) the question `question_id`."""

        def __init__(self, question_id: int) -> None:
            super().__init__()
            self.question_id = question_id

    def action_request_tick(self) -> None:
        option = self.highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.TickRequested(int(option.id)))


class AppointmentsScreen(SectionScreen):
    """Upcoming appointments (soonest first) and past ones (newest first), the highlighted one in detail."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [APPOINTMENTS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="appt-add"),
        Binding("e", "edit", "Edit", id="appt-edit"),
        Binding("n", "ask", "Ask", id="appt-ask"),
        Binding("g", "ask_flags", "Ask about flags", id="appt-ask-flags"),
        Binding("v", "record_visit", "Record visit", id="appt-done"),
        Binding("d", "delete", "Delete", id="appt-delete"),
        Binding("delete", "delete", "Delete", show=False, id="appt-delete-key"),
        # Out of the footer, which has no room left at 110 columns: the help lists them, and the palette
        # offers them (PALETTE_ALSO; the export from every screen too, commands.py).
        Binding("x", "cancel_appointment", "Cancel appointment", show=False, id="appt-cancel"),
        Binding("s", "export", "Export for my doctor", show=False, id="appt-export"),
        *go_keys("appointments"),
        *SECTION_KEYS,
    ]

    PALETTE_ALSO: ClassVar[frozenset[str]] = frozenset({"appt-cancel", "appt-export"})

    def __init__(self) -> None:
        super().__init__()
        self.appointments: dict[str, Appointment] = {}
        self.in_use: ListName = "upcoming"

    def compose(self) -> ComposeResult:
        yield Static("Appointments", id="appts-title", classes="top-line")
        yield from self.readonly_banner()
        with Horizontal(id="appts-body"):
            with Vertical(id="appts-lists"):
                yield Static("Upcoming", id="appts-upcoming-heading", classes="appts-heading")
                yield OptionList(id="appts-upcoming")
                yield Static(NOTHING_UPCOMING, id="appts-nothing-upcoming", markup=False)
                yield Static("Past", id="appts-past-heading", classes="appts-heading")
                yield OptionList(id="appts-past")
            with VerticalScroll(id="appt-info"):
                yield Static(ABOUT, id="appt-info-text", markup=False)
                yield QuestionList(id="appt-questions")
                yield Static(id="appt-info-after", markup=False)
        yield Static(EMPTY_TEXT, id="appts-empty", markup=False)
        yield KeyBar()

    # -- reading --------------------------------------------------------------------------------------

    async def reload(self, follow: int | None = None) -> None:
        """Read the journal again; keep each list's highlight (or move to `follow`, one just saved)."""
        now = self.clock.now()
        every = self.journal.appointments()
        self.appointments = {str(a.id): a for a in every}
        upcoming = [a for a in every if a.upcoming(now)]
        past = [a for a in reversed(every) if not a.upcoming(now)]
        wanted = str(follow) if follow is not None else None
        self.fill("upcoming", upcoming, now, wanted)
        self.fill("past", past, now, wanted)
        self.set_class(not every, "-empty")
        self.set_class(not upcoming, "-nothing-upcoming")
        self.set_class(not past, "-nothing-past")
        if wanted is not None:
            self.in_use = "upcoming" if wanted in {str(a.id) for a in upcoming} else "past"
        self.place_focus(wanted is not None)
        self.show_info()

    def option_list(self, name: ListName) -> OptionList:
        return self.query_one(f"#appts-{name}", OptionList)

    def fill(self, name: ListName, appts: list[Appointment], now: datetime, wanted: str | None) -> None:
        options = self.option_list(name)
        previous = options.highlighted_option
        key = wanted if wanted is not None else (previous.id if previous is not None else None)
        index = options.highlighted or 0
        shown: list[Option | None] = []
        for appt in appts:
            shown += [self.option(appt, now), None]  # a faint rule between appointments
        options.set_options(shown[:-1])
        keys = [str(a.id) for a in appts]
        if key in keys:
            options.highlighted = keys.index(key)
        elif keys:
            options.highlighted = min(index, len(keys) - 1)

    def option(self, appt: Appointment, now: datetime) -> Option:
        at = appt.at.astimezone(self.zone)
        prompt = fmt.plain(appt.title + "\n", style="dim" if appt.cancelled else "")
        second = [day_and_time(at)]
        state = state_words(appt, now)
        if state:
            second.append(state)
        elif appt.questions:
            second.append(plural(len(appt.questions), "question"))
        prompt.append(" · ".join(second), style="dim")
        return Option(prompt, id=str(appt.id))

    def place_focus(self, moved: bool) -> None:
        """Keep the focus on the list in use; when it is empty, the other list takes it."""
        here = self.option_list(self.in_use)
        other_name: ListName = "past" if self.in_use == "upcoming" else "upcoming"
        if here.option_count == 0 and self.option_list(other_name).option_count > 0:
            self.in_use = other_name
            here = self.option_list(other_name)
        on_a_list = isinstance(self.focused, OptionList) and not isinstance(self.focused, QuestionList)
        if here.option_count and (moved or self.focused is None or on_a_list):
            here.focus()

    def selected(self) -> Appointment | None:
        option = self.option_list(self.in_use).highlighted_option
        return None if option is None or option.id is None else self.appointments.get(option.id)

    def show_info(self) -> None:
        appt = self.selected()
        info = self.query_one("#appt-info-text", Static)
        questions = self.query_one("#appt-questions", QuestionList)
        after = self.query_one("#appt-info-after", Static)
        if appt is None:
            info.update(ABOUT)
            questions.clear_options()
            questions.display = after.display = False
        else:
            head, checklist, tail = self.info_parts(appt)
            info.update(head)
            kept = questions.highlighted
            questions.set_options(
                Option(question_prompt(q), id=str(q.id)) for q in checklist if q.id is not None
            )
            questions.display = bool(checklist)
            if checklist:
                questions.highlighted = min(kept or 0, len(checklist) - 1)
            after.update(tail)
            after.display = bool(tail.renderables)
        if not isinstance(self.focused, QuestionList):
            self.query_one("#appt-info", VerticalScroll).scroll_home(animate=False)

    def info(self, appt: Appointment) -> RenderableType:
        """The detail pane as one renderable: who, when, where, why, notes, the questions, what was decided
        (what the pane shows, in its three parts)."""
        head, checklist, tail = self.info_parts(appt)
        parts: list[RenderableType] = [head]
        if checklist:
            parts.append(questions_table(checklist))
        parts.extend(tail.renderables)
        return Group(*parts)

    def info_parts(self, appt: Appointment) -> tuple[RenderableType, tuple[Question, ...], Group]:
        """The detail pane: who, when (in her zone), where, why, notes and the questions' heading; the
        questions (drawn as a checklist that Space ticks); what was decided. Her words are drawn with their
        controls shown (fmt.shown), as Text: never read as markup."""
        at = appt.at.astimezone(self.zone)
        head = Text()
        head.append(fmt.shown(appt.title) + "\n", style="bold")
        head.append(f"{at:%A} {at.day} {at:%B %Y} at {at:%H:%M}")
        # Entered in another zone whose clock reads otherwise at that moment: the time there too.
        entered_zone = getattr(appt.at.tzinfo, "key", None)
        if entered_zone is not None and zone_elsewhere(entered_zone, appt.at, self.zone) is not None:
            head.append(f" ({appt.at:%H:%M} {entered_zone} time)")
        head.append("\n")
        if appt.cancelled:
            head.append("Cancelled — kept in your record.\n", style="bold")
        elif appt.done_at is not None:
            head.append(f"Visit recorded {appt.done_at.astimezone(self.zone):%-d %b %Y}.\n", style="italic")
        if appt.where:
            head.append(f"Where: {fmt.shown(appt.where)}\n")
        if appt.purpose:
            head.append(f"For: {fmt.shown(appt.purpose)}\n")
        if appt.notes:
            head.append(f"Notes: {fmt.shown(appt.notes)}\n")
        head.rstrip()
        parts: list[RenderableType] = [head]
        asked = sum(1 for q in appt.questions if q.asked)
        tail: list[RenderableType] = []
        if appt.questions:
            count = len(appt.questions)
            heading = (
                f"\nQuestions ({asked} of {count} asked)" if asked or appt.done else f"\nQuestions ({count})"
            )
            parts.append(Text(heading, style="bold"))
            if not appt.cancelled and not appt.done:
                parts.append(Text("Tab to the list, Space ticks one asked", style="dim"))
        elif not appt.cancelled:
            tail.append(Text("\n" + NO_QUESTIONS, style="dim"))
        if appt.decided:
            tail.append(Text("\nDecided", style="bold"))
            tail.append(fmt.plain(appt.decided))
        elif not appt.cancelled and not appt.done and not appt.upcoming(self.clock.now()):
            tail.append(Text("\nAfter the visit, press v to record what was decided.", style="dim"))
        return Group(*parts), appt.questions, Group(*tail)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == f"appts-{self.in_use}":
            self.show_info()

    @on(events.DescendantFocus)
    def _focused(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, OptionList) and event.widget.id in ("appts-upcoming", "appts-past"):
            name: ListName = "upcoming" if event.widget.id == "appts-upcoming" else "past"
            if name != self.in_use:
                self.in_use = name
                self.show_info()

    async def select_by_id(self, entry_id: int) -> bool:
        """Select appointment `entry_id` (a search result); False when it is not listed."""
        if str(entry_id) not in self.appointments:
            return False
        await self.reload(follow=entry_id)
        return True

    def chosen_or_say(self, *, open_only: bool = False) -> Appointment | None:
        """The highlighted appointment; None (said gently) when there is none, or when it was cancelled and
        the action needs one that is not (`open_only`)."""
        appt = self.selected()
        if appt is None:
            self.notify(EMPTY_TEXT, title="Appointments")
            return None
        if open_only and appt.cancelled:
            self.notify(f"{appt.title} was cancelled.", title="Appointments", markup=False)
            return None
        return appt

    def when(self, appt: Appointment) -> str:
        return day_and_time(appt.at.astimezone(self.zone))

    async def saved(self, words: str, appt_id: int | None) -> None:
        self.announce(words, self.clock.now())
        await self.reload(follow=appt_id)

    # -- adding and changing --------------------------------------------------------------------------

    def action_add(self) -> None:
        if not self.can_write():
            return

        def submit(entered: dict[str, str], answers: Answers) -> Appointment:
            appt = Appointment(**read_fields(entered, self.zone))
            return self.journal.add_appointment(appt, self.clock.now(), **answers.given())

        async def done(saved: Appointment | None) -> None:
            if saved is not None:
                await self.saved(f"{saved.title}, {self.when(saved)}.", saved.id)

        form = AppointmentForm(
            "Add an appointment",
            APPOINTMENT_FIELDS,
            submit,
            intro=f"When is in your time zone ({self.zone.key}). {SAVE_KEYS}",
            form_id="appointment-form",
        )
        self.app.push_screen(form, done)

    def choose_entry(self, verb: str, then: Callable[[Appointment, Question | None], None]) -> None:
        """The highlighted appointment, or one of its questions (a picker, the appointment first)."""
        appt = self.chosen_or_say()
        if appt is None or appt.id is None:
            return
        if not appt.questions:
            then(appt, None)
            return
        by_id = {str(q.id): q for q in appt.questions}
        choices = [("appointment", f"The appointment: {appt.title}, {self.when(appt)}")]
        choices += [(str(q.id), f"Question: {q.text}") for q in appt.questions]

        def picked(key: str | None) -> None:
            if key is not None:
                then(appt, by_id.get(key))

        self.app.push_screen(Picker(f"What {verb}?", choices), picked)

    def action_edit(self) -> None:
        if self.can_write():
            self.choose_entry("to change", self.edit_entry)

    def edit_entry(self, appt: Appointment, question: Question | None) -> None:
        assert appt.id is not None
        appt_id = appt.id
        if question is not None and question.id is not None:
            question_id = question.id

            def submit_question(entered: dict[str, str], answers: Answers) -> Appointment:
                self.journal.edit_question(question_id, self.clock.now(), text=optional(entered["question"]))
                return self.journal.appointment(appt_id)

            async def question_done(saved: Appointment | None) -> None:
                if saved is not None:
                    await self.reload(follow=appt_id)
                    self.announce(f"Question changed for {saved.title}", self.clock.now())

            form = AppointmentForm(
                "Change the question",
                QUESTION_FIELDS,
                submit_question,
                initial={"question": question.text},
                intro=f"For {appt.title}, {self.when(appt)}. {SAVE_KEYS}",
                form_id="question-form",
            )
            self.app.push_screen(form, question_done)
            return
        initial = initial_values(appt, self.zone)

        def submit(entered: dict[str, str], answers: Answers) -> Appointment:
            fields = read_fields(entered, self.zone)
            if entered["when"].strip() == initial["when"]:
                del fields["at"]  # unchanged: keep the zone it was entered in
            return self.journal.edit_appointment(appt_id, self.clock.now(), **answers.given(), **fields)

        async def done(saved: Appointment | None) -> None:
            if saved is not None:
                await self.saved(f"{saved.title}, {self.when(saved)}.", saved.id)

        form = AppointmentForm(
            "Change the appointment",
            APPOINTMENT_FIELDS,
            submit,
            initial=initial,
            intro=SAVE_KEYS,
            form_id="appointment-form",
            what="appointment",
        )
        self.app.push_screen(form, done)

    def action_delete(self) -> None:
        self.choose_entry("to delete", self.delete_entry)

    def delete_entry(self, appt: Appointment, question: Question | None) -> None:
        assert appt.id is not None
        appt_id = appt.id

        async def after() -> None:
            await self.reload(follow=appt_id)

        if question is not None and question.id is not None:
            question_id = question.id
            ask_delete(
                self,
                f"the question “{question.text}” of {appt.title}",
                lambda: self.journal.dependents_of_question(question_id),
                lambda now: self.journal.delete_question(question_id, now, with_dependents=True),
                after,
            )
            return
        ask_delete(
            self,
            f"{appt.title}, {self.when(appt)}",
            lambda: self.journal.dependents_of_appointment(appt_id),
            lambda now: self.journal.delete_appointment(appt_id, now, with_dependents=True),
            self.reload,
        )

    def action_cancel_appointment(self) -> None:
        appt = self.chosen_or_say()
        if appt is None or appt.id is None:
            return
        if appt.cancelled:
            self.notify(f"{appt.title} is already cancelled.", title="Appointments", markup=False)
            return
        if not self.can_write():
            return
        appt_id = appt.id

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            ok, saved = self.write(
                partial(self.journal.edit_appointment, appt_id, self.clock.now(), cancelled=True)
            )
            if ok and saved is not None:
                await self.saved(
                    f"Cancelled: {saved.title}, {self.when(saved)}. It stays in your record.", appt_id
                )

        from rpltrack.tui.screens.forms import ConfirmDialog

        question = f"Cancel {appt.title} on {self.when(appt)}? It stays in your record, marked cancelled."
        self.app.push_screen(ConfirmDialog(question, yes="Cancel it", no="Keep it"), answered)

    # -- questions ------------------------------------------------------------------------------------

    def action_ask(self) -> None:
        appt = self.chosen_or_say(open_only=True)
        if appt is None or appt.id is None or not self.can_write():
            return
        appt_id, before = appt.id, len(appt.questions)

        def submit(entered: dict[str, str], answers: Answers) -> Appointment:
            question = Question(optional(entered["question"]))
            return self.journal.add_questions(appt_id, [question], self.clock.now())

        async def done(saved: Appointment | None) -> None:
            if saved is None:
                return
            if len(saved.questions) == before:
                self.notify("That question is already on the list.", title="Appointments")
                return
            count = plural(len(saved.questions), "question")
            await self.saved(f"Question added to {saved.title} ({count} in all).", appt_id)

        form = AppointmentForm(
            "Add a question",
            QUESTION_FIELDS,
            submit,
            intro=f"For {appt.title}, {self.when(appt)}. {SAVE_KEYS}",
            form_id="question-form",
        )
        self.app.push_screen(form, done)

    async def action_ask_flags(self) -> None:
        """Every active flag becomes a question for the highlighted appointment (once: no duplicates)."""
        appt = self.chosen_or_say(open_only=True)
        if appt is None or appt.id is None or not self.can_write():
            return

        now = self.clock.now()
        active = self.journal.flag_board(now, self.zone).active
        if not active:
            self.notify("There are no active flags to ask about.", title="Appointments")
            return
        questions = [Question(f"{f.title}: {f.ask}", flag_key=f.key) for f in active]
        appt_id, before = appt.id, len(appt.questions)
        ok, saved = self.write(partial(self.journal.add_questions, appt_id, questions, now))
        if not ok or saved is None:
            return
        added = len(saved.questions) - before
        if not added:
            self.notify("Your flags are already on this appointment's list.", title="Appointments")
            return
        count = plural(len(saved.questions), "question")
        await self.saved(
            f"Added {plural(added, 'question')} from your flags to {saved.title} ({count} in all).", appt_id
        )

    @on(QuestionList.TickRequested)
    async def _tick_requested(self, event: QuestionList.TickRequested) -> None:
        """Tick a question asked at the visit (or untick it): one change, undoable, said."""
        appt = self.chosen_or_say(open_only=True)
        if appt is None or not self.can_write():
            return
        question = next((q for q in appt.questions if q.id == event.question_id), None)
        if question is None or question.id is None:
            return
        now = self.clock.now()
        asked = not question.asked
        # The answer she gave stays as it is: only the tick changes.
        ok, _ = self.write(
            partial(self.journal.answer_question, question.id, now, asked=asked, answer=question.answer)
        )
        if not ok:
            return
        await self.reload()
        self.query_one("#appt-questions", QuestionList).focus()
        words = "Asked" if asked else "Not asked yet"
        self.announce(f"{words}: “{fmt.shown(question.text)}” ({appt.title})", now)

    # -- the visit ------------------------------------------------------------------------------------

    def action_record_visit(self) -> None:
        appt = self.chosen_or_say(open_only=True)
        if appt is None or appt.id is None or not self.can_write():
            return
        now = self.clock.now()
        if appt.at.date() > now.astimezone(appt.at.tzinfo).date():
            self.notify(
                f"{appt.title} is on {self.when(appt)}: record the visit on or after that day.",
                title="Appointments",
                markup=False,
            )
            return
        appt_id = appt.id

        def save(decided: str, asked_ids: list[int]) -> Appointment:

            at = self.clock.now()
            showing = self.journal.flag_board(at, self.zone)
            return self.journal.appointment_done(
                appt_id,
                at,
                decided=decided,
                asked_ids=asked_ids,
                raised=(*showing.active, *showing.marked),
            )

        async def done(saved: Appointment | None) -> None:
            if saved is None:
                return
            raised = sum(1 for q in saved.questions if q.asked and q.flag_key)
            extra = f" {plural(raised, 'flag')} marked raised at this appointment." if raised else ""
            await self.saved(f"Visit recorded: {saved.title}.{extra}", appt_id)
            self.offer_to_carry(saved)

        self.app.push_screen(VisitForm(appt, self.when(appt), save), done)

    def offer_to_carry(self, visit: Appointment) -> None:
        """The questions not asked at `visit`: asked whether to carry them to the next appointment with the
        same care team, when there is one (never moved without asking)."""
        open_questions = [q.id for q in visit.questions if not q.asked and q.id is not None]
        if not open_questions or visit.id is None:
            return
        visit_id = visit.id
        try:
            target = self.journal.next_with_same_team(visit_id, self.clock.now())
        except (JournalError, ValidationError):
            return  # nothing is offered; the questions stay where they are
        if target is None or target.id is None:
            return
        target_id = target.id
        count = plural(len(open_questions), "question")
        were = "was" if len(open_questions) == 1 else "were"

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            now = self.clock.now()
            ok, carried = self.write(
                partial(self.journal.carry_questions, visit_id, target_id, open_questions, now)
            )
            if ok and carried is not None:
                self.announce(f"Carried {count} to {carried.title}, {self.when(carried)}", now)
                await self.reload(follow=visit_id)

        from rpltrack.tui.screens.forms import ConfirmDialog

        them = "it" if len(open_questions) == 1 else "them"
        question = (
            f"{count.capitalize()} {were} not asked at this visit. Carry {them} to the next appointment with "
            f"the same care team: {target.title}, {self.when(target)}?"
        )
        self.app.push_screen(
            ConfirmDialog(question, yes="Carry them", no="Leave them", title="Questions not asked"), answered
        )

    # -- export ---------------------------------------------------------------------------------------

    def action_export(self) -> None:
        from rpltrack.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen())
