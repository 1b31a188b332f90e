"""TodayScreen: every dose due today in time order, marked taken or skipped with one key."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from rpltrack.domain.datetext import parse_local_datetime
from rpltrack.domain.doses import injection_sites, next_site, taken_past_grace
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.medspec import parse_time
from rpltrack.domain.models import DoseStatus, DoseView, Medication, MedicationState
from rpltrack.domain.records import record
from rpltrack.domain.schedule import resolve_wall_time
from rpltrack.store.db import JournalError
from rpltrack.tui import format as fmt
from rpltrack.tui.errors import app_text
from rpltrack.tui.screens.base import (
    DIALOGS_CSS,
    SECTION_KEY,
    SECTION_KEYS,
    SECTIONS_CSS,
    SectionScreen,
    go_keys,
)
from rpltrack.tui.widgets.dating_badge import pregnancy_words
from rpltrack.tui.widgets.dose_list import DoseList
from rpltrack.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from pathlib import PurePath

    from textual.widgets import Input, OptionList

    from rpltrack.clock import Clock
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
    """'Next: Dr Lee (reproductive endocrinologist) · Mon 30 Nov 10:15 · 2 questions — press 9'."""
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
    return " · ".join(parts) + f" — press {SECTION_KEY['appointments']}"


def flags_line(active: int) -> str:
    """'2 things to raise with your care team — press 8', or '' when there is nothing to raise."""
    if not active:
        return ""
    things = "thing" if active == 1 else "things"
    return f"{active} {things} to raise with your care team — press {SECTION_KEY['flags']}"


class TodayScreen(SectionScreen):
    """The day's doses, the time, and a modest line about the last seven days."""

    DATING_BADGE = False  # the heading says where she is, the due date included

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_medication", "Add medication", tooltip="add a medication", id="add-medication"),
        Binding("l", "log_prn", "As needed", tooltip="log an as-needed medication taken now", id="log-prn"),
        Binding("p", "show_plan", "Plan", tooltip="the coming days: doses, appointments, changes", id="plan"),
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
        heading = fmt.day_heading(now, dating)
        due = pregnancy_words(dating, with_ga=False)  # the header's due date; the heading has the weeks
        self.query_one("#today-date", Static).update(f"{heading} · {due}" if due else heading)
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
        """'Next: Dr Lee (...) · Mon 30 Nov 10:15 · 2 questions — press 9', or nothing when none is booked.
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
        """'2 things to raise with your care team — press 8'. The flag engine reads the whole journal (about
        15 ms on ten years of data, and 20-35 ms to import the first time), so it runs in a thread with its
        own connection (a SQLite connection belongs to its thread) and the doses paint without waiting."""
        from rpltrack.store.journal import Journal

        now = self.clock.now()
        try:
            with Journal.open(self.journal.path, now=now) as journal:
                active = len(journal.flag_board(now, self.zone).active)
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
        """Taken: a dose past its grace period asks when first, an injection asks where; then it is saved."""
        view = event.view
        if not self.can_write() or self._already(view):
            return
        if view.slot is None or not self._past_grace(view.slot.slot_at):
            await self._ask_site(view, None)
            return
        slot = view.slot

        async def chosen(when: TakenAt | None) -> None:
            if when is not None:
                await self._ask_site(view, when.at)

        self.app.push_screen(
            TakenWhenDialog(f"{view.medication.name} {fmt.dose_amount(view)}", slot.slot_at, self.clock),
            chosen,
        )

    def _past_grace(self, slot_at: datetime) -> bool:
        """True when a dose due at `slot_at` is more than the grace period late now (the grace is read only
        for a dose already past its time)."""
        now = self.clock.now()
        if not taken_past_grace(slot_at, now, timedelta(0)):
            return False
        try:
            return taken_past_grace(slot_at, now, self.journal.grace())
        except JournalError:
            return False  # the write that follows says what is wrong

    async def _ask_site(self, view: DoseView, at: datetime | None) -> None:
        """Save the dose taken `at` (None: now); an injection first asks where it went."""
        med = view.medication
        sites = injection_sites(med)
        if not sites:
            await self.take(view, None, at)
            return
        assert med.id is not None
        last = self.journal.last_site(med.id)

        async def picked(site: str | None) -> None:
            if site is not None:
                await self.take(view, site, at)

        from rpltrack.tui.screens.forms import SitePicker

        self.app.push_screen(SitePicker(med.name, sites, next_site(med, last), last), picked)

    async def take(self, view: DoseView, site: str | None, at: datetime | None = None) -> None:
        """Log `view` taken `at` (None: now), as `rpltrack take --at` would: a time well before now is marked
        "logged later" by the journal."""
        now = self.clock.now()
        slot_at = view.slot.slot_at if view.slot else None
        ok, result = self.write(
            lambda: self.journal.record_dose(
                view.medication, DoseStatus.TAKEN, now, self.zone, at=at, slot_at=slot_at, site=site
            )
        )
        if not ok or result is None:
            return
        if result.created:
            taken = (at or now).astimezone(self.zone)
            when = f"{taken:%H:%M}"
            if taken.date() != now.astimezone(self.zone).date():
                when += f" on {taken:%a} {taken.day} {taken:%b}"
            later = ", logged later" if result.log.logged_later else ""
            where = f", {site}" if site else ""
            self.announce(f"{view.medication.name} taken at {when}{later}{where}", now)
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
        ok, result = self.write(
            lambda: self.journal.record_dose(
                view.medication, DoseStatus.SKIPPED, now, self.zone, slot_at=slot_at, reason=reason
            )
        )
        if not ok or result is None:
            return
        if not result.created:
            self.notify(
                f"{view.medication.name} was already logged; nothing changed.",
                title="Already logged",
                markup=False,
            )
        else:
            self.announce(f"{view.medication.name} at {fmt.dose_time(view, self.zone)} marked skipped", now)
        await self.reload()

    def action_show_plan(self) -> None:
        """The coming days one at a time, as `rpltrack plan` works them out (#18)."""
        from rpltrack.tui.screens.plan import PlanScreen

        self.app.push_screen(PlanScreen())

    # -- adding a medication ---------------------------------------------------------------------------

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
        self.announce(f"{med.name} taken at {now.astimezone(self.zone):%H:%M} (as needed)", now)
        await self.reload()


def add_medication(screen: SectionScreen, form: MedicationForm) -> None:
    """Open the form and save what it returns. If saving fails, reopen it with her entry kept."""
    from rpltrack.tui.screens.forms import MedicationForm

    async def done(med: Medication | None) -> None:
        if med is None:
            return
        now = screen.clock.now()
        try:
            saved = screen.journal.add_medication(med, now)
        except (JournalError, ValidationError) as exc:
            notice = screen.explain(exc)
            errors = {exc.field: app_text(exc)} if isinstance(exc, ValidationError) and exc.field else {}
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
        screen.announce(f"{saved.name} {saved.current.amount}, {saved.current.timing.describe()}", now)
        await screen.reload()

    screen.app.push_screen(form, done)


# -- taken when? ---------------------------------------------------------------------------------------

# A typed time may be this far from the dose's time at most: as `rpltrack take --at`, which takes the dose
# nearest the time given within 12 hours; further away it would be another dose.
TYPED_TIME_REACH = timedelta(hours=12)


@record(frozen=True)
class TakenAt:
    """The answer to "taken when?": `at`, or now when `at` is None."""

    at: datetime | None


def parse_taken_at(text: str, slot_at: datetime, now: datetime, zone: ZoneInfo) -> datetime:
    """The time she typed for a dose due at `slot_at`: 'HH:MM' on the dose's day, or 'YYYY-MM-DD HH:MM', in
    `zone`; never after `now`, and within TYPED_TIME_REACH of the dose's time (ValidationError otherwise)."""
    typed = text.strip()
    quoted = fmt.shown(typed[:80])
    how = "type a time as HH:MM, like 09:15, or as YYYY-MM-DD HH:MM"
    if not typed:
        raise ValidationError(f"No time given: {how}.", field="at")
    day = slot_at.astimezone(zone).date()
    try:
        if "-" in typed:
            at = parse_local_datetime(typed, zone)
        else:
            at, _ = resolve_wall_time(day, parse_time(typed), zone)
    except ValidationError:
        raise ValidationError(f"Cannot read the time '{quoted}': {how}.", field="at") from None
    at = at.astimezone(zone)
    if at > now:
        raise ValidationError(
            f"{at:%H:%M} on {at:%a} {at.day} {at:%b} is still to come (it is {now.astimezone(zone):%H:%M} "
            "now): type the time you took it.",
            field="at",
        )
    if abs(at - slot_at) > TYPED_TIME_REACH:
        due = slot_at.astimezone(zone)
        raise ValidationError(
            f"{at:%H:%M} on {at:%a} {at.day} {at:%b} is more than 12 hours from this dose's time "
            f"({due:%H:%M} on {due:%a} {due.day} {due:%b}): type when you took this dose.",
            field="at",
        )
    return at


class TakenWhenDialog(ModalScreen[TakenAt | None]):
    """A dose marked taken well after its time: when was it taken? At its time (the default), now, or a
    time she types. Dismisses a TakenAt, or None (Escape) to save nothing."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [DIALOGS_CSS, SECTIONS_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="taken-when-cancel"),
    ]

    def __init__(self, what: str, slot_at: datetime, clock: Clock) -> None:
        super().__init__()
        self.what = what
        self.slot_at = slot_at
        self.clock = clock

    def compose(self) -> ComposeResult:
        from textual.widgets import OptionList
        from textual.widgets.option_list import Option

        from rpltrack.tui.widgets.safe_input import SafeInput

        zone = self.clock.zone
        due = self.slot_at.astimezone(zone)
        with Vertical(id="taken-when", classes="dialog"):
            yield Static(
                f"{fmt.shown(self.what)} was due at {due:%H:%M}. When did you take it?",
                classes="dialog-title",
                markup=False,
            )
            yield OptionList(
                Option(f"At {due:%H:%M}, its time", id="scheduled"),
                Option(f"Now, {self.clock.now().astimezone(zone):%H:%M}", id="now"),
                Option("At another time…", id="other"),
                id="taken-when-options",
                markup=False,
            )
            yield SafeInput(placeholder="HH:MM, or YYYY-MM-DD HH:MM", id="taken-when-at", compact=True)
            yield Static(id="taken-when-error", markup=False)
            yield Static(
                "A time before now is marked “logged later”. Enter to choose · Escape to go back",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        from textual.widgets import OptionList

        options = self.query_one("#taken-when-options", OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == "scheduled":
            self.dismiss(TakenAt(self.slot_at))
        elif event.option.id == "now":
            self.dismiss(TakenAt(None))
        else:
            self.add_class("-typing")
            self.query_one("#taken-when-at").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            at = parse_taken_at(event.value, self.slot_at, self.clock.now(), self.clock.zone)
        except ValidationError as exc:
            self.query_one("#taken-when-error", Static).update(app_text(exc))
            self.add_class("-rejected")
            return
        self.dismiss(TakenAt(at))

    def action_cancel(self) -> None:
        self.dismiss(None)
