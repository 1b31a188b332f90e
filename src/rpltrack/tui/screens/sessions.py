"""TreatmentsScreen: treatment sessions (LIT, IVIG, intralipid infusions, or her own words) and the courses of
them she planned (clinical-reference §11), as `rpltrack session` and `rpltrack course` keep them.

Two lists: the planned courses (a running course's planned sessions with their state, the next one first in
sight; a course that ended or was stopped in one line), then the sessions she recorded, newest first. The
highlighted entry is said in full under them. The screen records and plans; it never recommends a treatment.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from rpltrack.domain.sessions import (
    KIND_NAMES,
    Course,
    Planned,
    PlanState,
    SessionKind,
    TreatmentSession,
    course_differences,
    session_differences,
    session_words,
)
from rpltrack.tui import format as fmt
from rpltrack.tui.columns import fit_widths, wrap
from rpltrack.tui.screens.base import SECTION_KEYS, SECTIONS_CSS, SectionScreen, go_keys
from rpltrack.tui.screens.entry_form import Answers
from rpltrack.tui.screens.forms import ConfirmDialog, ask_delete
from rpltrack.tui.screens.session_form import (
    COURSE_FIELDS,
    SESSION_FIELDS,
    SESSIONS_CSS,
    STOP_FIELDS,
    STOPPED_FIELD,
    SessionForm,
    course_changes,
    course_values,
    read_course,
    read_session,
    read_stop,
    session_changes,
    session_values,
)
from rpltrack.tui.widgets.key_bar import KeyBar

EMPTY_TEXT = (
    "No treatment sessions yet — press a to record one (LIT, IVIG, intralipid infusions, or your own words), "
    "or c to plan a course of them."
)
NO_COURSE = "Planned: none — press c to plan a course"
NO_SESSION = "Recorded: none yet — press a to record a session"
PLANNED_HEADING = "Planned"
RECORDED_HEADING = "Recorded, newest first"
# As the lab catalog says it (§11): the screen records LIT, it does not endorse it.
LIT_NOTE = "Guidelines (ESHRE 2017; Cochrane 2014) do not recommend LIT [S2] [S34]."
NOTHING_CHOSEN = "Nothing to choose yet — press a to record a session, or c to plan a course."

PLANNED_COLUMNS = (("Date", "date"), ("What", "what"), ("Session", "session"), ("State", "state"))
RECORDED_COLUMNS = (("Date", "date"), ("What", "what"), ("Where", "where"), ("Note", "note"))
# The columns that give way, in order, on a narrow terminal (indexes into the columns above); the date and
# time never wrap.
PLANNED_GIVE_WAY = (1, 3, 2)
RECORDED_GIVE_WAY = (3, 2, 1)
# A cell shows the start of a long place or note (the line under the lists shows it whole).
CELL_MOST = 40

TableName = Literal["planned", "recorded"]
Row = tuple[str, list[str]]  # a row's key and its cells as text


def day_words(day: date, at_time: time | None = None) -> str:
    """'Tue 1 Dec 2026', with ' 09:30' when the time of day is known."""
    text = f"{day:%a} {fmt.long_day(day)}"
    return f"{text} {at_time:%H:%M}" if at_time is not None else text


def span_words(course: Course) -> str:
    """'6 Jul to 31 Aug 2026', '6 Dec 2025 to 31 Jan 2026': a course, first to last planned day."""
    first, last = course.start_on, course.last_on
    if first == last:
        return fmt.long_day(first)
    start = f"{first.day} {first:%b}" if first.year == last.year else fmt.long_day(first)
    return f"{start} to {fmt.long_day(last)}"


def first_line(text: str, most: int = CELL_MOST) -> str:
    """The first line of her text, cut to `most` characters with an ellipsis."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= most else line[: most - 1].rstrip() + "…"


def short_what(kind: SessionKind, name: str) -> str:
    """What a list calls a session: 'LIT', 'IVIG', 'Intralipid', or her own words."""
    return name if kind is SessionKind.OTHER else KIND_NAMES[kind]


def course_said(course: Course) -> str:
    """'LIT course every 3 weeks from 3 Nov 2026 at 09:30, 3 sessions': a course named in a sentence."""
    return f"{short_what(course.kind, course.name)} course {course.plan_words()}"


def counts_for(planned: Planned) -> str:
    """'session 2 of 3 of the LIT course': the planned session a recorded one counts for."""
    course = planned.course
    return f"session {planned.label} of the {short_what(course.kind, course.name)} course"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def tally(items: list[Planned]) -> str:
    """'2 done, 1 not recorded, 1 to come'."""
    counts = [
        (sum(1 for p in items if p.state is state), words)
        for state, words in (
            (PlanState.DONE, "done"),
            (PlanState.NOT_RECORDED, "not recorded"),
            (PlanState.UPCOMING, "to come"),
        )
    ]
    return ", ".join(f"{n} {words}" for n, words in counts if n) or "no session planned"


def planned_rows(courses: list[Course], planned: list[Planned]) -> list[Row]:
    """The planned list: each course still running (a planned session to come) with all its planned sessions
    in date order, the soonest next session first; then each course that ended or was stopped, in one line,
    the latest first. Keys: 'course:<id>:<n>' for a planned session, 'course:<id>:all' for a course's line."""
    by_course: dict[int, list[Planned]] = {}
    for item in planned:
        by_course.setdefault(item.course.id or 0, []).append(item)

    def next_on(course: Course) -> date | None:
        return next((p.on for p in by_course.get(course.id or 0, []) if p.state is PlanState.UPCOMING), None)

    running = sorted((c for c in courses if next_on(c) is not None), key=lambda c: (next_on(c), c.id or 0))
    ended = sorted(
        (c for c in courses if next_on(c) is None), key=lambda c: (c.last_on, c.id or 0), reverse=True
    )
    rows: list[Row] = []
    for course in running:
        first = True
        for item in by_course.get(course.id or 0, []):
            state = item.state.value
            if item.state is PlanState.UPCOMING and first:
                state, first = "next", False
            rows.append(
                (
                    f"course:{course.id}:{item.index}",
                    [
                        day_words(item.on, course.at_time),
                        short_what(course.kind, course.name),
                        item.label,
                        state,
                    ],
                )
            )
    for course in ended:
        items = by_course.get(course.id or 0, [])
        stopped = course.stopped_on
        state = (f"stopped {fmt.long_day(stopped)}: " if stopped else "ended: ") + tally(items)
        rows.append(
            (
                f"course:{course.id}:all",
                [
                    span_words(course),
                    short_what(course.kind, course.name),
                    plural(len(items), "session"),
                    state,
                ],
            )
        )
    return [(key, [fmt.shown(cell) for cell in cells]) for key, cells in rows]


def recorded_rows(sessions: list[TreatmentSession]) -> list[Row]:
    """The recorded list, newest first. Key: 'session:<id>'."""
    return [
        (
            f"session:{s.id}",
            [
                fmt.shown(cell)
                for cell in (
                    day_words(s.on, s.at_time),
                    short_what(s.kind, s.name),
                    first_line(s.where),
                    first_line(s.note),
                )
            ],
        )
        for s in reversed(sessions)
    ]


def lay_out(
    table: DataTable[Text],
    columns: tuple[tuple[str, str], ...],
    rows: list[Row],
    give_way: tuple[int, ...],
    width: int,
) -> None:
    """Fill `table` with `rows`, its columns fitted to `width` (wrapping between words, never cutting a
    number or a date), the highlighted row kept."""
    selected = row_key(table)
    labels = [label for label, _ in columns]
    gaps = 2 * table.cell_padding * len(columns)
    widths = fit_widths(labels, [cells for _, cells in rows], give_way, width - gaps)
    table.clear(columns=True)
    for (label, key), column_width in zip(columns, widths, strict=True):
        table.add_column(label, key=key, width=column_width)
    for key, cells in rows:
        lines = [wrap(cell, column_width) for cell, column_width in zip(cells, widths, strict=True)]
        table.add_row(
            *(Text("\n".join(cell_lines), no_wrap=True, end="") for cell_lines in lines),
            key=key,
            height=max(len(cell_lines) for cell_lines in lines),
        )
    keys = [key for key, _ in rows]
    if selected in keys:
        table.move_cursor(row=keys.index(selected), animate=False)


def row_key(table: DataTable[Any]) -> str | None:
    if table.row_count == 0:
        return None
    value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    return str(value) if value is not None else None


class TreatmentsScreen(SectionScreen):
    """Planned courses and recorded treatment sessions; the highlighted one said in full below them."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [SECTIONS_CSS, SESSIONS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_session", "Add session", tooltip="record a session you had", id="session-add"),
        Binding(
            "c",
            "plan_course",
            "Plan course",
            tooltip="plan a course of sessions, e.g. LIT every 3 weeks, 3 sessions",
            id="session-course",
        ),
        Binding("e", "edit", "Edit", tooltip="change the highlighted session or course", id="session-edit"),
        Binding(
            "d",
            "delete",
            "Delete",
            tooltip="delete the highlighted session or course (it asks first)",
            id="session-delete",
        ),
        Binding("delete", "delete", "Delete", show=False, id="session-delete-key"),
        # Out of the key line, which has no room left at 80 columns: the help lists it, the palette offers
        # it (PALETTE_ALSO), and the line under the lists names it when a course is highlighted.
        Binding(
            "s",
            "stop_course",
            "Stop course",
            show=False,
            tooltip="stop the highlighted course: planned sessions after the day you give are dropped",
            id="session-stop",
        ),
        *go_keys("sessions"),
        *SECTION_KEYS,
    ]

    PALETTE_ALSO: ClassVar[frozenset[str]] = frozenset({"session-stop"})

    def __init__(self) -> None:
        super().__init__()
        self.sessions: dict[int, TreatmentSession] = {}
        self.courses: dict[int, Course] = {}
        self.planned: list[Planned] = []
        self.rows: dict[TableName, list[Row]] = {"planned": [], "recorded": []}
        self.in_use: TableName = "planned"
        self.laid_out_for = 0

    def compose(self) -> ComposeResult:
        yield Static("Treatments", id="sessions-title", classes="top-line")
        yield from self.readonly_banner()
        yield Static(PLANNED_HEADING, id="sessions-planned-heading", classes="sessions-heading", markup=False)
        planned: DataTable[Text] = DataTable(id="sessions-planned", cursor_type="row", zebra_stripes=True)
        yield planned
        yield Static(
            RECORDED_HEADING, id="sessions-recorded-heading", classes="sessions-heading", markup=False
        )
        recorded: DataTable[Text] = DataTable(id="sessions-recorded", cursor_type="row", zebra_stripes=True)
        yield recorded
        yield Static(id="sessions-detail", markup=False)
        yield Static(LIT_NOTE, id="sessions-note", markup=False)
        yield Static(EMPTY_TEXT, id="sessions-empty", markup=False)
        yield KeyBar()

    # -- reading ------------------------------------------------------------------------------------------

    def table(self, name: TableName) -> DataTable[Text]:
        return self.query_one(f"#sessions-{name}", DataTable)

    async def reload(self, follow: str | None = None) -> None:
        """Read the journal again; keep each list's highlight (or move to `follow`, an entry just saved:
        'session:<id>' or 'course:<id>')."""
        sessions = self.journal.sessions()
        courses = self.journal.courses()
        self.sessions = {s.id: s for s in sessions if s.id is not None}
        self.courses = {c.id: c for c in courses if c.id is not None}
        self.planned = self.journal.planned_sessions(self.clock.today())
        self.rows = {"planned": planned_rows(courses, self.planned), "recorded": recorded_rows(sessions)}
        width = self.table_width()
        for name in ("planned", "recorded"):
            self.fill(name, width)
        self.laid_out_for = width
        has_lit = any(s.kind is SessionKind.LIT for s in sessions) or any(
            c.kind is SessionKind.LIT for c in courses
        )
        self.set_class(not sessions and not courses, "-empty")
        self.set_class(not courses, "-no-courses")
        self.set_class(not sessions, "-no-sessions")
        self.set_class(not has_lit, "-no-lit")
        self.query_one("#sessions-planned-heading", Static).update(PLANNED_HEADING if courses else NO_COURSE)
        self.query_one("#sessions-recorded-heading", Static).update(
            RECORDED_HEADING if sessions else NO_SESSION
        )
        self.place_cursor(follow)
        self.show_detail()
        # The vertical scrollbar, if the rows need one, takes its columns once the lists are laid out.
        self.call_after_refresh(self.fit_to_width)

    def fill(self, name: TableName, width: int) -> None:
        if name == "planned":
            lay_out(self.table(name), PLANNED_COLUMNS, self.rows[name], PLANNED_GIVE_WAY, width)
        else:
            lay_out(self.table(name), RECORDED_COLUMNS, self.rows[name], RECORDED_GIVE_WAY, width)

    def table_width(self) -> int:
        """The cells a list can draw across: its width inside any scrollbar, or the screen's before its first
        layout."""
        width = min(
            self.table(name).scrollable_content_region.width or self.size.width or self.app.size.width
            for name in ("planned", "recorded")
        )
        return width if width > 0 else self.app.size.width

    def fit_to_width(self) -> None:
        """Lay the lists out again when the width they can draw across changed (a scrollbar, a resize)."""
        width = self.table_width()
        if width != self.laid_out_for:
            for name in ("planned", "recorded"):
                self.fill(name, width)
            self.laid_out_for = width

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_to_width)

    def place_cursor(self, follow: str | None) -> None:
        """Move to `follow` when given (a course: its next planned session, else its first row); as the
        screen first opens, to the next planned session (the most useful), else the newest recorded one.
        A list left empty (its last entry deleted) hands the focus to the other."""
        wanted = follow
        if wanted is None and self._read_mark is None:
            wanted = next((key for key, cells in self.rows["planned"] if cells[-1] == "next"), None)
        for name in ("planned", "recorded"):
            key = self.row_of(name, wanted) if wanted is not None else None
            if key is not None:
                self.table(name).move_cursor(row=[k for k, _ in self.rows[name]].index(key), animate=False)
                self.use(name)
                return
        other: TableName = "recorded" if self.in_use == "planned" else "planned"
        if not self.rows[self.in_use] and self.rows[other]:
            self.use(other)
        elif self.rows[self.in_use] and not isinstance(self.focused, DataTable):
            self.use(self.in_use)

    def use(self, name: TableName) -> None:
        """Take the highlighted entry from list `name`, and give it the focus."""
        self.in_use = name
        self.table(name).focus()

    def row_of(self, name: TableName, wanted: str) -> str | None:
        """The row key in list `name` for `wanted` (a row key, 'session:<id>' or 'course:<id>'), or None."""
        rows = self.rows[name]
        if any(key == wanted for key, _ in rows):
            return wanted
        mine = [(key, cells) for key, cells in rows if key.startswith(f"{wanted}:")]
        upcoming = [key for key, cells in mine if cells[-1] in ("next", PlanState.UPCOMING.value)]
        found = upcoming or [key for key, _ in mine]
        return found[0] if found else None

    # -- the highlighted entry ---------------------------------------------------------------------------

    def selected(self) -> tuple[str, int] | None:
        """('session' | 'course', id) of the highlighted entry in the list in use (or the other list when
        that one is empty)."""
        for name in (self.in_use, "recorded" if self.in_use == "planned" else "planned"):
            key = row_key(self.table(name))
            if key is not None:
                kind, entry_id = key.split(":")[:2]
                return kind, int(entry_id)
        return None

    def show_detail(self) -> None:
        chosen = self.selected()
        detail = self.query_one("#sessions-detail", Static)
        if chosen is None:
            detail.update("")
            return
        kind, entry_id = chosen
        if kind == "session" and entry_id in self.sessions:
            detail.update(self.session_detail(self.sessions[entry_id]))
        elif kind == "course" and entry_id in self.courses:
            detail.update(self.course_detail(self.courses[entry_id]))

    def session_detail(self, session: TreatmentSession) -> str:
        parts = [session_words(session)]
        if session.where:
            parts.append(f"at {session.where}")
        counts = next((p for p in self.planned if p.session_id == session.id), None)
        if counts is not None:
            parts.append(f"counts for {counts_for(counts)}")
        text = " · ".join(parts) + "."
        if session.note:
            text += f"\nNote: {session.note}"
        return fmt.shown(text)

    def course_detail(self, course: Course) -> str:
        items = [p for p in self.planned if p.course.id == course.id]
        parts = [course_said(course)]
        if course.where:
            parts.append(f"at {course.where}")
        parts.append(tally(items))
        running = any(p.state is PlanState.UPCOMING for p in items)
        if course.stopped_on is not None:
            parts.append(f"{'stops' if running else 'stopped'} on {day_words(course.stopped_on)}")
        elif running:
            parts.append("s stops it")
        text = " · ".join(parts) + "."
        if course.note:
            text += f"\nNote: {course.note}"
        return fmt.shown(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == f"sessions-{self.in_use}":
            self.show_detail()

    @on(events.DescendantFocus)
    def _focused(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, DataTable) and event.widget.id in (
            "sessions-planned",
            "sessions-recorded",
        ):
            name: TableName = "planned" if event.widget.id == "sessions-planned" else "recorded"
            if name != self.in_use:
                self.in_use = name
                self.show_detail()

    async def saved(self, words: str, made_at: datetime, follow: str | None) -> None:
        await self.reload(follow=follow)
        self.announce(words, made_at)

    async def edited(self, what: str, differences: list[str], made_at: datetime, follow: str) -> None:
        """What a correction changed ('Changed X: the day from … to …'), or that nothing did."""
        if not differences:
            self.notify(f"Nothing changed: {what} already says that.", title="Treatments", markup=False)
            return
        await self.saved(f"Changed {what}: {'; '.join(differences)}", made_at, follow)

    # -- sessions ------------------------------------------------------------------------------------------

    def action_add_session(self) -> None:
        if not self.can_write():
            return
        made: list[datetime] = []

        def submit(entered: dict[str, str], answers: Answers) -> TreatmentSession:
            session = read_session(entered, self.clock.today(), self.zone.key)
            made.append(self.clock.now())
            return self.journal.add_session(session, made[-1], again=answers.again)

        async def done(saved: TreatmentSession | None) -> None:
            if saved is None or saved.id is None:
                return
            words = f"Added {session_words(saved)}"
            await self.reload(follow=f"session:{saved.id}")
            counts = next((p for p in self.planned if p.session_id == saved.id), None)
            if counts is not None:
                words += f"; it counts for planned {counts_for(counts)}"
            self.announce(words, made[-1])

        form = SessionForm(
            "Record a treatment session",
            SESSION_FIELDS,
            submit,
            initial={"on": self.clock.today().isoformat()},
            intro=f"A session you had (plan coming ones as a course: c). A time is in {self.zone.key}.",
            form_id="session-form",
            what="treatment session",
        )
        self.app.push_screen(form, done)

    def edit_session(self, current: TreatmentSession) -> None:
        session_id = current.id
        assert session_id is not None
        made: list[datetime] = []

        def submit(entered: dict[str, str], answers: Answers) -> TreatmentSession:
            session = read_session(entered, self.clock.today(), self.zone.key)
            made.append(self.clock.now())
            return self.journal.edit_session(session_id, made[-1], **session_changes(current, session))

        async def done(saved: TreatmentSession | None) -> None:
            if saved is None:
                return
            differences = session_differences(current, saved)
            await self.edited(session_words(current), differences, made[-1], f"session:{session_id}")

        form = SessionForm(
            "Change the treatment session",
            SESSION_FIELDS,
            submit,
            initial=session_values(current),
            form_id="session-form",
            what="treatment session",
        )
        self.app.push_screen(form, done)

    # -- courses -------------------------------------------------------------------------------------------

    def action_plan_course(self) -> None:
        if not self.can_write():
            return
        made: list[datetime] = []

        def submit(entered: dict[str, str], answers: Answers) -> Course:
            course = read_course(entered, self.zone.key)
            made.append(self.clock.now())
            return self.journal.add_course(course, made[-1])

        async def done(saved: Course | None) -> None:
            if saved is None or saved.id is None:
                return
            await self.saved(f"Planned: {course_said(saved)}", made[-1], f"course:{saved.id}")

        form = SessionForm(
            "Plan a course of sessions",
            COURSE_FIELDS,
            submit,
            initial={"from": self.clock.today().isoformat()},
            intro=(
                "Sessions every few days, weeks or months from the first one, for a number of sessions or "
                "until a day; each is reminded the evening before."
            ),
            form_id="course-form",
            what="course",
        )
        self.app.push_screen(form, done)

    def edit_course(self, current: Course) -> None:
        course_id = current.id
        assert course_id is not None
        made: list[datetime] = []

        def submit(entered: dict[str, str], answers: Answers) -> Course:
            course = read_course(entered, self.zone.key, current=current)
            made.append(self.clock.now())
            return self.journal.edit_course(course_id, made[-1], **course_changes(course))

        async def done(saved: Course | None) -> None:
            if saved is None:
                return
            differences = course_differences(current, saved)
            await self.edited(f"the {course_said(current)}", differences, made[-1], f"course:{course_id}")

        form = SessionForm(
            "Change the course",
            (*COURSE_FIELDS, STOPPED_FIELD),
            submit,
            initial=course_values(current),
            intro="The sessions you recorded stay as they are.",
            form_id="course-form",
            what="course",
        )
        self.app.push_screen(form, done)

    def action_stop_course(self) -> None:
        chosen = self.selected()
        if not self.courses:
            self.notify("No course is planned — press c to plan one.", title="Treatments")
            return
        if chosen is None or chosen[0] != "course" or chosen[1] not in self.courses:
            self.notify("Highlight a course in the planned list first (Tab moves there).", title="Treatments")
            return
        current = self.courses[chosen[1]]
        if current.stopped_on is not None:
            self.notify(
                f"The {course_said(current)} was already stopped on {day_words(current.stopped_on)}; "
                "e changes the day.",
                title="Treatments",
                markup=False,
            )
            return
        if not self.can_write():
            return
        course_id = chosen[1]
        made: list[datetime] = []

        def submit(entered: dict[str, str], answers: Answers) -> Course:
            on = read_stop(entered, self.clock.today())
            made.append(self.clock.now())
            return self.journal.stop_course(course_id, on, made[-1])

        async def done(saved: Course | None) -> None:
            if saved is None or saved.stopped_on is None:
                return
            await self.saved(
                f"Stopped the {course_said(saved)} on {day_words(saved.stopped_on)}: no session is planned "
                "after it",
                made[-1],
                f"course:{course_id}",
            )

        form = SessionForm(
            "Stop the course",
            STOP_FIELDS,
            submit,
            initial={"stopped": self.clock.today().isoformat()},
            intro=(
                f"The {course_said(current)}. Planned sessions after this day are dropped; those before it, "
                "and the sessions you recorded, stay."
            ),
            save_label="Stop it",
            form_id="stop-form",
            what="course",
        )
        self.app.push_screen(form, done)

    # -- the highlighted entry: change or delete -------------------------------------------------------------

    def chosen_or_say(self) -> TreatmentSession | Course | None:
        chosen = self.selected()
        if chosen is not None:
            kind, entry_id = chosen
            found = self.sessions.get(entry_id) if kind == "session" else self.courses.get(entry_id)
            if found is not None:
                return found
        self.notify(NOTHING_CHOSEN, title="Treatments")
        return None

    def action_edit(self) -> None:
        if not self.can_write():
            return
        entry = self.chosen_or_say()
        if isinstance(entry, TreatmentSession):
            self.edit_session(entry)
        elif isinstance(entry, Course):
            self.edit_course(entry)

    def action_delete(self) -> None:
        entry = self.chosen_or_say()
        if isinstance(entry, TreatmentSession) and entry.id is not None:
            session_id = entry.id
            ask_delete(
                self,
                session_words(entry),
                lambda: self.journal.dependents_of_session(session_id),
                lambda now: self.journal.delete_session(session_id, now, with_dependents=True),
                self.reload,
            )
        elif isinstance(entry, Course) and entry.id is not None:
            self.delete_course(entry)

    def delete_course(self, course: Course) -> None:
        """Ask, naming the course; the sessions she recorded are kept (nothing is stored under a course)."""
        if not self.can_write():
            return
        course_id = course.id
        assert course_id is not None
        what = f"the {course_said(course)}"
        ok, found = self.write(lambda: self.journal.dependents_of_course(course_id))
        if not ok:
            return
        with_it = f" With it: {', '.join(found)}." if found else ""

        async def answered(sure: bool | None) -> None:
            if not sure:
                return
            now = self.clock.now()
            done, _ = self.write(lambda: self.journal.delete_course(course_id, now, with_dependents=True))
            if done:
                await self.reload()
                self.announce(f"Deleted {what}", now)

        self.app.push_screen(
            ConfirmDialog(
                f"Delete {what}?",
                yes="Delete",
                no="Keep it",
                title="Delete this course",
                after=f"Its planned sessions and their reminders go.{with_it} The sessions you recorded are "
                "kept. u undoes it afterwards.",
            ),
            answered,
        )
