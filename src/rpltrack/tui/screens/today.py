"""TodayScreen: every dose due today in time order, marked taken or skipped with one key."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from rpltrack.domain.doses import injection_sites, next_site
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseStatus, DoseView, Medication, MedicationState
from rpltrack.store.db import JournalError
from rpltrack.tui import format as fmt
from rpltrack.tui.screens.base import SECTION_KEYS, SectionScreen, go_keys
from rpltrack.tui.widgets.dose_list import DoseList
from rpltrack.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from rpltrack.domain.appointments import Appointment
    from rpltrack.tui.screens.forms import MedicationForm

# The dialogs (rpltrack.tui.screens.forms) are imported when one first opens: their widgets (Input, Button,
# Checkbox, OptionList) need not load before Today's first paint.

EMPTY_TEXT = "No doses today — press a to add a medication"

# The count of things to raise starts this long after Today is read, so the thread that evaluates the flags
# does not compete with the first paint of the doses (measured: 0 ms added to first paint with the delay,
# about 10 ms without it).
FLAG_COUNT_DELAY = 0.1


def appointment_line(appt: Appointment, now: datetime, zone: ZoneInfo) -> str:
    """'Next: Dr Lee (reproductive endocrinologist) · Mon 30 Nov 10:15 · 2 questions — press o'."""
    at = appt.at.astimezone(zone)
    days = (at.date() - now.astimezone(zone).date()).days
    if days == 0:
        day = "today"
    elif days == 1:
        day = "tomorrow"
    else:
        day = f"{at:%a} {at.day} {at:%b}" + (f" {at.year}" if at.year != now.year else "")
    parts = [f"Next: {fmt.shown(appt.title)}", f"{day} {at:%H:%M}"]
    if appt.questions:
        count = len(appt.questions)
        parts.append(f"{count} question" if count == 1 else f"{count} questions")
    return " · ".join(parts) + " — press o"


def flags_line(active: int) -> str:
    """'2 things to raise with your care team — press f', or '' when there is nothing to raise."""
    if not active:
        return ""
    things = "thing" if active == 1 else "things"
    return f"{active} {things} to raise with your care team — press f"


class TodayScreen(SectionScreen):
    """The day's doses, the time, and a modest line about the last seven days."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "undo", "Undo", id="undo"),
        Binding("a", "add_medication", "Add medication", id="add-medication"),
        Binding("l", "log_prn", "As needed", id="log-prn"),
        *go_keys("today"),
        *SECTION_KEYS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.flags_counted = asyncio.Event()  # set once the count of things to raise is on screen

    def compose(self) -> ComposeResult:
        with Horizontal(id="today-top", classes="top-line"):
            yield Static(id="today-date")
            yield Static(id="today-clock")
        yield Static(id="today-flags", markup=False)
        yield Static(id="today-appointment", markup=False)
        yield from self.readonly_banner()
        yield DoseList(self.zone, id="doses")
        yield Static(EMPTY_TEXT, id="today-empty")
        yield Static(id="today-adherence")
        yield KeyBar()

    async def reload(self) -> None:
        """Read today's doses and the week's adherence (a few milliseconds: no thread needed); the count of
        things to raise follows once the doses are on screen."""
        now = self.clock.now().astimezone(self.zone)
        views = self.journal.day(now.date(), self.zone, now)
        _, week = self.journal.adherence(now, 7)
        dating = self.journal.dating_on(now.date())
        self.query_one("#today-date", Static).update(fmt.day_heading(now, dating))
        self.query_one("#today-clock", Static).update(f"{now:%H:%M}")
        self.query_one("#today-adherence", Static).update(fmt.week_summary(week))
        doses = self.query_one("#doses", DoseList)
        doses.show_doses(views, now)
        self.set_class(not views, "-empty")
        if views and self.focused is None:
            doses.focus()
        self.flags_counted.clear()
        self.set_timer(FLAG_COUNT_DELAY, self.count_flags)
        self.call_after_refresh(self.show_next_appointment)

    def show_next_appointment(self) -> None:
        """'Next: Dr Lee (...) · Mon 30 Nov 10:15 · 2 questions — press o', or nothing when none is booked.
        A small read, after the doses paint (the appointment code loads on first use)."""
        now = self.clock.now()
        try:
            upcoming = [a for a in self.journal.appointments() if a.upcoming(now)]
        except JournalError:
            upcoming = []  # the Appointments screen says what went wrong; Today stays calm
        line = self.query_one("#today-appointment", Static)
        line.update(appointment_line(min(upcoming, key=lambda a: a.at), now, self.zone) if upcoming else "")
        line.display = bool(upcoming)
        # On the flags line, not the screen: a class on the screen restyles every row of the dose list.
        self.query_one("#today-flags", Static).set_class(bool(upcoming), "-before-appointment")

    @work(thread=True, exclusive=True, group="flag-count", exit_on_error=False)
    def count_flags(self) -> None:
        """'2 things to raise with your care team — press f'. The flag engine reads the whole journal (about
        15 ms on ten years of data, and 20-35 ms to import the first time), so it runs in a thread with its
        own connection (a SQLite connection belongs to its thread) and the doses paint without waiting."""
        from rpltrack.flags.rules import board
        from rpltrack.store.journal import Journal

        now = self.clock.now()
        try:
            with Journal.open(self.journal.path, now=now) as journal:
                active = len(board(journal.snapshot(now, self.zone), journal.flag_marks()).active)
        except Exception:
            active = -1  # the Flags screen shows what went wrong; Today stays calm
        self.app.call_from_thread(self.show_flag_count, active)

    def show_flag_count(self, active: int) -> None:
        line = self.query_one("#today-flags", Static)
        line.update(flags_line(active) if active > 0 else "")
        line.display = active > 0
        self.flags_counted.set()

    # -- taking and skipping -------------------------------------------------------------------------

    def _already(self, view: DoseView) -> bool:
        """True (and says so) when the dose is logged already: one dose is never logged twice."""
        if view.log is None:
            return False
        self.notify(
            f"{view.medication.name} is already marked {fmt.dose_state(view, self.zone)}. "
            "Press u to undo the last change.",
            title="Already logged",
            markup=False,
        )
        return True

    @on(DoseList.TakeRequested)
    async def _take_requested(self, event: DoseList.TakeRequested) -> None:
        view = event.view
        if not self.can_write() or self._already(view):
            return
        med = view.medication
        sites = injection_sites(med)
        if not sites:
            await self.take(view, None)
            return
        assert med.id is not None
        last = self.journal.last_site(med.id)

        async def picked(site: str | None) -> None:
            if site is not None:
                await self.take(view, site)

        from rpltrack.tui.screens.forms import SitePicker

        self.app.push_screen(SitePicker(med.name, sites, next_site(med, last), last), picked)

    async def take(self, view: DoseView, site: str | None) -> None:
        now = self.clock.now()
        slot_at = view.slot.slot_at if view.slot else None
        ok, result = self.write(
            lambda: self.journal.record_dose(
                view.medication, DoseStatus.TAKEN, now, self.zone, slot_at=slot_at, site=site
            )
        )
        if not ok or result is None:
            return
        if result.created:
            where = f", {site}" if site else ""
            self.notify(
                f"{view.medication.name} taken at {now.astimezone(self.zone):%H:%M}{where}.",
                title="Saved",
                markup=False,
            )
        else:
            self.notify(
                f"{view.medication.name} was already logged; nothing changed.",
                title="Already logged",
                markup=False,
            )
        await self.reload()

    @on(DoseList.SkipRequested)
    def _skip_requested(self, event: DoseList.SkipRequested) -> None:
        view = event.view
        if not self.can_write() or self._already(view) or view.slot is None:
            return

        async def reasoned(reason: str | None) -> None:
            if reason is not None:
                await self.skip(view, reason)

        from rpltrack.tui.screens.forms import ReasonDialog

        self.app.push_screen(
            ReasonDialog(f"{view.medication.name} at {fmt.dose_time(view, self.zone)}"), reasoned
        )

    async def skip(self, view: DoseView, reason: str) -> None:
        assert view.slot is not None
        slot_at = view.slot.slot_at
        now = self.clock.now()
        ok, _ = self.write(
            lambda: self.journal.record_dose(
                view.medication, DoseStatus.SKIPPED, now, self.zone, slot_at=slot_at, reason=reason
            )
        )
        if not ok:
            return
        self.notify(
            f"{view.medication.name} at {fmt.dose_time(view, self.zone)} marked skipped.",
            title="Saved",
            markup=False,
        )
        await self.reload()

    # -- undo and add --------------------------------------------------------------------------------

    async def action_undo(self) -> None:
        if not self.can_write():
            return
        now = self.clock.now()
        ok, undone = self.write(lambda: self.journal.undo(now))
        if not ok:
            return
        if undone is None:
            self.notify("There is nothing to undo.", title="Undo")
            return
        self.notify(f"Undone: {undone.summary}.", title="Saved", markup=False)
        await self.reload()

    def action_add_medication(self) -> None:
        if self.can_write():
            from rpltrack.tui.screens.forms import MedicationForm

            add_medication(self, MedicationForm(self.clock, cycle=self.journal.cycle_on(self.clock.today())))

    # -- as-needed doses -----------------------------------------------------------------------------

    def action_log_prn(self) -> None:
        """Ask which as-needed medication she took, then log it taken now."""
        if not self.can_write():
            return
        now = self.clock.now()
        today = now.astimezone(self.zone).date()
        prn = sorted(
            (
                m
                for m in self.journal.medications()
                if m.prn and m.state(now, today) is MedicationState.ACTIVE and m.id is not None
            ),
            key=lambda m: m.name.casefold(),
        )
        if not prn:
            self.notify(
                "There is no as-needed medication to log. Add one with a and tick 'As needed'.",
                title="As needed",
            )
            return
        by_id = {str(m.id): m for m in prn}

        async def picked(med_id: str | None) -> None:
            if med_id is not None and med_id in by_id:
                await self.take_prn(by_id[med_id])

        from rpltrack.tui.screens.forms import PrnPicker

        self.app.push_screen(PrnPicker([(str(m.id), f"{m.name} {m.current.amount}") for m in prn]), picked)

    async def take_prn(self, med: Medication) -> None:
        now = self.clock.now()
        ok, _ = self.write(lambda: self.journal.record_dose(med, DoseStatus.TAKEN, now, self.zone))
        if not ok:
            return
        self.notify(
            f"{med.name} taken at {now.astimezone(self.zone):%H:%M} (as needed).", title="Saved", markup=False
        )
        await self.reload()


def add_medication(screen: SectionScreen, form: MedicationForm) -> None:
    """Open the form and save what it returns. If saving fails, reopen it with her entry kept."""
    from rpltrack.tui.screens.forms import MedicationForm

    async def done(med: Medication | None) -> None:
        if med is None:
            return
        try:
            saved = screen.journal.add_medication(med, screen.clock.now())
        except (JournalError, ValidationError) as exc:
            notice = screen.explain(exc)
            errors = {exc.field: exc.message} if isinstance(exc, ValidationError) and exc.field else {}
            add_medication(
                screen,
                MedicationForm(
                    screen.clock,
                    initial=form.entered,
                    errors=errors,
                    notice="" if errors else notice,
                    cycle=form.cycle,
                ),
            )
            return
        screen.notify(
            f"{saved.name} {saved.current.amount}, {saved.current.timing.describe()}.",
            title="Saved",
            markup=False,
        )
        await screen.reload()

    screen.app.push_screen(form, done)
