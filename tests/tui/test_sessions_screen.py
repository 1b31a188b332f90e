"""The Treatments screen (#15): treatment sessions and planned courses of them, recorded, planned, changed,
stopped and deleted from the keyboard, each write on disk (proved by reopening the file) and undoable."""

from __future__ import annotations

from datetime import date, time

from textual.widgets import Button, DataTable, Static

from rpltrack.domain.sessions import Course, Every, EveryUnit, SessionKind, TreatmentSession
from rpltrack.flags.model import MarkState
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.entry_form import EntryForm
from rpltrack.tui.screens.forms import ConfirmDialog
from rpltrack.tui.screens.labs import LabsScreen
from rpltrack.tui.screens.session_form import SessionForm
from rpltrack.tui.screens.sessions import EMPTY_TEXT, LIT_NOTE, TreatmentsScreen
from rpltrack.tui.widgets.key_bar import KeyBar
from tests.tui.helpers import SIZE, field_error, fill_and_save, notices

SMALL = (80, 24)
FIRST_LIT = TreatmentSession(
    date(2026, 11, 3),
    SessionKind.LIT,
    at_time=time(9, 30),
    zone="Europe/London",
    where="City Fertility Clinic",
    note="first of three",
)
LIT_COURSE = Course(
    SessionKind.LIT,
    date(2026, 11, 3),
    Every(3, EveryUnit.WEEKS),
    count=3,
    at_time=time(9, 30),
    zone="Europe/London",
    where="City Fertility Clinic",
)


def rows(app: RpltrackApp, name: str) -> list[list[str]]:
    """A list's rows as plain text (a wrapped cell's lines joined by a space)."""
    table = app.screen.query_one(f"#sessions-{name}", DataTable)
    return [[" ".join(str(c).split()) for c in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(app: RpltrackApp, widget_id: str) -> str:
    return " ".join(str(app.screen.query_one(f"#{widget_id}", Static).render()).split())


def reopened(journal: Journal) -> tuple[list[TreatmentSession], list[Course]]:
    with Journal.open(journal.path) as again:
        return again.sessions(), again.courses()


def in_use(screen: TreatmentsScreen) -> str:
    """The list the highlighted entry is taken from."""
    return screen.in_use


async def open_treatments(pilot) -> TreatmentsScreen:
    await pilot.press("0")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TreatmentsScreen)
    return screen


async def test_key_0_reaches_treatments_from_another_section_and_the_key_line_reads_0_9(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("7")
        await pilot.pause()
        assert isinstance(app.screen, LabsScreen)  # where the lab form sends her for a LIT session
        await open_treatments(pilot)
        assert app.current_mode == "sessions"
        assert text_of(app, "sessions-empty") == " ".join(EMPTY_TEXT.split())
        bar = str(app.screen.query_one(KeyBar).render())
        assert bar.startswith(
            " a Add session c Plan course e Edit d Delete 0-9 Sections u Undo ? Help q Quit"
        )
        await pilot.press("9")
        await pilot.pause()
        assert app.current_mode == "appointments"


async def test_a_session_added_is_listed_saved_and_announced(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, SessionForm)
        await fill_and_save(
            pilot, what="lit", on="2026-11-20", at="09:30", where="City Clinic", note="left arm"
        )
        assert isinstance(app.screen, TreatmentsScreen)
        assert rows(app, "recorded") == [["Fri 20 Nov 2026 09:30", "LIT", "City Clinic", "left arm"]]
        assert "Saved: Added LIT session on Fri 20 Nov 2026 at 09:30 — u to undo." in notices(app)
        assert text_of(app, "sessions-note") == LIT_NOTE
    [saved], courses = reopened(journal)
    assert (saved.kind, saved.on, saved.at_time, saved.zone) == (
        SessionKind.LIT,
        date(2026, 11, 20),
        time(9, 30),
        "Europe/London",
    )
    assert (saved.where, saved.note, courses) == ("City Clinic", "left arm", [])


async def test_a_course_planned_shows_its_sessions_and_a_session_near_one_counts_for_it(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        await pilot.press("c")
        await pilot.pause()
        await fill_and_save(pilot, what="IVIG", **{"from": "2026-11-16"}, every="4 weeks", count="3")
        assert isinstance(app.screen, TreatmentsScreen)
        assert rows(app, "planned") == [
            ["Mon 16 Nov 2026", "IVIG", "1 of 3", "not recorded"],
            ["Mon 14 Dec 2026", "IVIG", "2 of 3", "next"],
            ["Mon 11 Jan 2027", "IVIG", "3 of 3", "upcoming"],
        ]
        assert any(
            n.startswith("Saved: Planned: IVIG course every 4 weeks from 16 Nov 2026") for n in notices(app)
        )
        assert "s stops it" in text_of(app, "sessions-detail")
        assert app.screen.has_class("-no-lit")  # no LIT, no LIT note
        await pilot.press("a")
        await pilot.pause()
        await fill_and_save(pilot, what="ivig", on="2026-11-18")
        assert rows(app, "planned")[0] == ["Mon 16 Nov 2026", "IVIG", "1 of 3", "done"]
        assert (
            "Saved: Added IVIG infusion on Wed 18 Nov 2026; it counts for planned session 1 of 3 of the IVIG "
            "course — u to undo."
        ) in notices(app)
    _, [course] = reopened(journal)
    assert (course.kind, course.start_on, course.every, course.count) == (
        SessionKind.IVIG,
        date(2026, 11, 16),
        Every(4, EveryUnit.WEEKS),
        3,
    )
    assert course.zone == "Europe/London"


async def test_edit_changes_the_highlighted_session_and_the_highlighted_course(journal, clock):
    journal.add_session(FIRST_LIT, clock.now())
    journal.add_course(LIT_COURSE, clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_treatments(pilot)
        assert in_use(screen) == "planned"  # the next planned session first
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryForm)
        assert form.values()["every"] == "3 weeks"
        assert form.values()["what"] == "LIT"
        await fill_and_save(pilot, every="4 weeks")
        assert [r[0] for r in rows(app, "planned")] == [
            "Tue 3 Nov 2026 09:30",
            "Tue 1 Dec 2026 09:30",
            "Tue 29 Dec 2026 09:30",
        ]
        assert any("the plan from every 3 weeks" in n for n in notices(app))
        await pilot.press("tab")  # to the recorded list
        await pilot.pause()
        assert in_use(screen) == "recorded"
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryForm)
        assert form.values()["note"] == "first of three"
        await fill_and_save(pilot, note="first of three, left arm")
        assert rows(app, "recorded")[0][-1] == "first of three, left arm"
        assert (
            'Saved: Changed LIT session on Tue 3 Nov 2026 at 09:30: the note from "first of three" to '
            '"first of three, left arm" — u to undo.'
        ) in notices(app)
        # Saving a form that changes nothing says so and writes nothing.
        changes = journal.count("changes")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert journal.count("changes") == changes
        assert any(n.startswith("Treatments: Nothing changed") for n in notices(app))
    [session], [course] = reopened(journal)
    assert session.note == "first of three, left arm"
    assert course.every == Every(4, EveryUnit.WEEKS)


async def test_delete_asks_first_naming_what_goes_with_it_then_undo_brings_it_back(journal, clock):
    saved = journal.add_session(TreatmentSession(date(2026, 4, 10), SessionKind.LIT), clock.now())
    [flag] = [f for f in journal.flag_board(clock.now(), clock.zone).active if f.subject == f"lit:{saved.id}"]
    journal.mark_flag(flag, MarkState.ACKNOWLEDGED, clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.question == "Delete LIT session on Fri 10 Apr 2026?"
        assert dialog.removes == ("With it: 1 flag you acknowledged.",)
        await pilot.press("enter")  # No has the focus: nothing is deleted
        await pilot.pause()
        assert len(rows(app, "recorded")) == 1
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.screen.has_class("-empty")
        assert "Saved: Deleted LIT session on Fri 10 Apr 2026 — u to undo." in notices(app)
        assert reopened(journal) == ([], [])
        await pilot.press("u")
        await pilot.pause()
        assert rows(app, "recorded") == [["Fri 10 Apr 2026", "LIT", "", ""]]
    [back], _ = reopened(journal)
    assert back.id == saved.id
    with Journal.open(journal.path) as again:
        assert list(again.flag_marks()) == [flag.key]


async def test_deleting_a_course_keeps_the_sessions_she_recorded(journal, clock):
    journal.add_session(FIRST_LIT, clock.now())
    journal.add_course(LIT_COURSE, clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.question == "Delete the LIT course every 3 weeks from 3 Nov 2026 at 09:30, 3 sessions?"
        assert "The sessions you recorded are kept." in dialog.after
        await pilot.press("y")
        await pilot.pause()
        assert app.screen.has_class("-no-courses")
        assert len(rows(app, "recorded")) == 1
        # The planned list is gone: the recorded one takes the focus, and e changes its session.
        screen = app.screen
        assert isinstance(screen, TreatmentsScreen)
        assert in_use(screen) == "recorded"
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, SessionForm)
        assert form.values()["what"] == "LIT"
    sessions, courses = reopened(journal)
    assert (len(sessions), courses) == (1, [])


async def test_a_course_that_ended_or_was_stopped_reads_in_one_line(journal, clock):
    now = clock.now()
    journal.add_course(Course(SessionKind.IVIG, date(2026, 7, 6), Every(4, EveryUnit.WEEKS), count=3), now)
    journal.add_session(TreatmentSession(date(2026, 7, 6), SessionKind.IVIG), now)
    journal.add_session(TreatmentSession(date(2026, 8, 4), SessionKind.IVIG), now)
    monthly = Every(1, EveryUnit.MONTHS)
    other = Course(SessionKind.OTHER, date(2026, 5, 1), monthly, name="acupuncture", count=6)
    stopped = journal.add_course(other, now)
    journal.stop_course(stopped.id or 0, date(2026, 6, 15), now)
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        assert rows(app, "planned") == [
            ["6 Jul to 31 Aug 2026", "IVIG", "3 sessions", "ended: 2 done, 1 not recorded"],
            ["1 May to 1 Jun 2026", "acupuncture", "2 sessions", "stopped 15 Jun 2026: 2 not recorded"],
        ]
        assert text_of(app, "sessions-detail").startswith("IVIG course every 4 weeks from 6 Jul 2026")


async def test_her_words_are_drawn_as_written_without_terminal_controls(journal, clock):
    from tests.tui.test_hostile_text import terminal_hazards

    hostile = "[b]Clinic[/b] \u202eevil\u202c csi\x9b31m end"
    session = TreatmentSession(date(2026, 11, 2), SessionKind.OTHER, name="[i]acu[/i]", where=hostile)
    journal.add_session(session, clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        drawn = app.export_screenshot()
        [row] = rows(app, "recorded")
    assert row[1] == "[i]acu[/i]"
    assert row[2].startswith("[b]Clinic[/b]")
    assert "[b]Clinic[/b]" in drawn
    assert terminal_hazards(drawn) == []


async def test_undo_takes_back_a_session_just_added(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill_and_save(pilot, what="intralipid")
        assert rows(app, "recorded") == [["Mon 23 Nov 2026", "Intralipid", "", ""]]
        await pilot.press("u")  # made here a moment ago: undone at once
        await pilot.pause()
        assert app.screen.has_class("-empty")
        assert any(n.startswith("Undo: Undone: added Intralipid infusion") for n in notices(app))
    assert reopened(journal) == ([], [])


async def test_s_stops_the_highlighted_course_from_the_day_given(journal, clock):
    journal.add_course(LIT_COURSE, clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SessionForm)
        await fill_and_save(pilot, stopped="2026-11-30")
        assert rows(app, "planned") == [
            ["Tue 3 Nov 2026 09:30", "LIT", "1 of 2", "not recorded"],
            ["Tue 24 Nov 2026 09:30", "LIT", "2 of 2", "next"],
        ]
        assert "stops on Mon 30 Nov 2026" in text_of(app, "sessions-detail")
        assert any(n.startswith("Saved: Stopped the LIT course") for n in notices(app))
        await pilot.press("s")
        await pilot.pause()
        assert any("was already stopped on Mon 30 Nov 2026" in n for n in notices(app))
    _, [course] = reopened(journal)
    assert course.stopped_on == date(2026, 11, 30)
    assert course.planned() == [date(2026, 11, 3), date(2026, 11, 24)]


async def test_every_field_that_cannot_be_read_is_said_beside_it_and_nothing_is_saved(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SMALL) as pilot:
        await open_treatments(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill_and_save(pilot, what="other", on="2026-13-01", at="25:00")
        assert isinstance(app.screen, SessionForm)  # still open, her entry kept
        assert field_error(app, "what").startswith("Say in a few words what the session is")
        assert "month 13" in field_error(app, "on")
        assert field_error(app, "at").startswith("Cannot read the time '25:00'")
        assert field_error(app, "where") == "e.g. the clinic"  # a field that is fine keeps its hint
        await fill_and_save(pilot, what="LIT", on="2026-12-01", at="")
        assert field_error(app, "on").startswith("2026-12-01 is after today")
        assert field_error(app, "what") == "or a few words of your own"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        await fill_and_save(pilot, what="other", **{"from": "x"}, every="3", count="3", until="2027-01-01")
        assert field_error(app, "what").startswith("Say in a few words what the session is")
        assert field_error(app, "from").startswith("Cannot read the date 'x'")
        assert field_error(app, "every").startswith("Cannot read how often '3'")
        assert field_error(app, "count").startswith("Give the number of sessions or the last day")
        # Save and Cancel stay in sight at 80x24 with messages beside the fields.
        dialog = app.screen.query_one("#course-form")
        assert dialog.region.bottom <= SMALL[1]
        assert dialog.region.contains_region(app.screen.query_one("#save", Button).region)
    assert reopened(journal) == ([], [])


async def test_the_same_session_twice_is_asked_about(journal, clock):
    journal.add_session(TreatmentSession(clock.today(), SessionKind.IVIG), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill_and_save(pilot, what="IVIG")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.question == "The same treatment session is already recorded (entry 1). Add it again?"
        await pilot.press("y")
        await pilot.pause()
        assert len(rows(app, "recorded")) == 2
    sessions, _ = reopened(journal)
    assert len(sessions) == 2


async def test_the_palette_offers_every_key_of_the_screen_and_the_way_there(journal, clock):
    from rpltrack.tui.commands import RpltrackCommands

    journal.add_course(LIT_COURSE, clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_treatments(pilot)
        commands = {c.name: c.help for c in RpltrackCommands(app.screen).commands()}
        assert list(commands)[:5] == ["Add session", "Plan course", "Edit", "Delete", "Stop course"]
        assert commands["Stop course"] == "key: s"  # out of the key line, but here
        assert commands["Go to Treatments (LIT, IVIG, intralipid sessions)"] == "key: 0"
        await pilot.press("1")
        await pilot.pause()
        commands = {c.name: c.help for c in RpltrackCommands(app.screen).commands()}
        assert commands["Go to Treatments (LIT, IVIG, intralipid sessions)"] == "key: 0"
