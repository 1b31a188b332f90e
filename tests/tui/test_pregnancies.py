"""The Pregnancies screen: pregnancies and losses, the counts under each definition, and the forms."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable, Static

from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.store.journal import Journal
from rpltrack.tui.app import RpltrackApp
from rpltrack.tui.screens.entry_form import EntryForm
from rpltrack.tui.screens.pregnancies import EMPTY_TEXT, PregnanciesScreen
from tests.tui.helpers import SIZE, field_error, fill_and_save, notices

ESHRE_SENTENCE = (
    "Your journal records 4 pregnancy losses. The ESHRE 2022 guideline uses 2 or more losses, including "
    "early losses seen only on a pregnancy test, to define recurrent pregnancy loss. Ask your care team "
    "whether an RPL evaluation is right for you."
)


def rows(app: RpltrackApp) -> list[list[str]]:
    table = app.screen.query_one("#pregnancies", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def counts(app: RpltrackApp) -> str:
    return str(app.screen.query_one("#pregnancy-counts", Static).render())


def reopened(journal: Journal) -> list[Pregnancy]:
    with Journal.open(journal.path) as again:
        return again.pregnancies()


def loss(on: date, outcome: Outcome, ga: int | None = None) -> Pregnancy:
    return Pregnancy(None, outcome, on, ga, Confirmation.ULTRASOUND)


async def test_pregnancies_list_the_history_and_the_counts_under_each_definition(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await pilot.pause()
        assert isinstance(demo_app.screen, PregnanciesScreen)
        assert rows(demo_app) == [
            ["8 Nov 2026", "pregnancy, ongoing", "", "blood test (hCG)", ""],
            ["4 Jul 2026", "miscarriage", "7w 5d", "ultrasound", ""],
            ["16 Jan 2026", "biochemical pregnancy loss", "4w 5d", "blood test (hCG)", ""],
            ["7 May 2025", "biochemical pregnancy loss", "", "blood test (hCG)", "approximate"],
            ["19 Oct 2024", "miscarriage", "8w 2d", "ultrasound", ""],
        ]
        text = counts(demo_app)
    assert text.startswith(ESHRE_SENTENCE.replace("  ", " "))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "ESHRE 2022 [S1] 4 losses before 24 weeks, including early ones seen only on a test" in lines
    assert "ASRM [S5] 2 losses confirmed by ultrasound or tissue" in lines
    assert "RCOG 2023 [S6] 4 losses in the first trimester" in lines
    assert "Longest run 4 losses in a row" in lines


async def test_pregnancies_with_nothing_recorded_say_how_to_start(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await pilot.pause()
        assert app.screen.has_class("-empty")
        assert str(app.screen.query_one("#pregnancies-empty", Static).render()) == EMPTY_TEXT


async def test_an_ectopic_inside_the_run_is_explained(journal, clock):
    for on, outcome in (
        (date(2025, 1, 10), Outcome.MISCARRIAGE),
        (date(2025, 5, 10), Outcome.ECTOPIC),
        (date(2025, 9, 10), Outcome.MISCARRIAGE),
    ):
        journal.add_pregnancy(loss(on, outcome, 50), clock.now())
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await pilot.pause()
        text = " ".join(counts(app).split())
    assert "The longest run includes an ectopic or molar pregnancy or a termination" in text
    assert "Ask your care team how it is counted." in text


async def test_n_records_a_positive_test(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "n")
        await pilot.pause()
        await fill_and_save(pilot, date="2026-11-20", how="urine")
        assert rows(app) == [["20 Nov 2026", "pregnancy, ongoing", "", "urine test", ""]]
    [saved] = reopened(journal)
    assert (saved.started_on, saved.outcome, saved.how_found) == (
        date(2026, 11, 20),
        Outcome.ONGOING,
        Confirmation.URINE,
    )


async def test_e_records_how_it_ended_gently_and_a_bad_ga_is_refused_first(demo_app, demo_journal):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "x")
        await pilot.pause()
        await fill_and_save(pilot, outcome="miscarriage", date="2026-11-23", ga="45w", confirmed="ultrasound")
        assert isinstance(demo_app.screen, EntryForm)
        assert field_error(demo_app, "ga").startswith("'45w' is beyond 44 weeks")
        assert reopened(demo_journal)[-1].outcome is Outcome.ONGOING
        await fill_and_save(pilot, ga="")
        assert isinstance(demo_app.screen, PregnanciesScreen)
        assert rows(demo_app)[0][:3] == ["23 Nov 2026", "miscarriage", "6w 1d"]
        said = notices(demo_app)[-1]
    assert said == "Saved: Miscarriage at 6w 1d, 23 Nov 2026. It is part of your record — u to undo."
    assert "congrat" not in said.lower()
    ended = reopened(demo_journal)[-1]
    assert (ended.outcome, ended.ended_on, ended.ga_at_end_days) == (
        Outcome.MISCARRIAGE,
        date(2026, 11, 23),
        43,
    )


async def test_l_adds_a_past_loss_marked_approximate(journal, clock):
    app = RpltrackApp(journal=journal, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "l")
        await pilot.pause()
        await fill_and_save(pilot, kind="biochemical", date="2024-03-01", approx=True)
        assert rows(app) == [["1 Mar 2024", "biochemical pregnancy loss", "", "", "approximate"]]
        assert " ".join(counts(app).split()).startswith("Your journal records 1 pregnancy loss. ESHRE")
    [saved] = reopened(journal)
    assert (saved.outcome, saved.ended_on, saved.approximate) == (Outcome.BIOCHEMICAL, date(2024, 3, 1), True)


async def test_a_second_ongoing_pregnancy_is_refused_beside_the_date(demo_app, demo_journal):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "n")
        await pilot.pause()
        await fill_and_save(pilot, date="2026-11-22")
        assert isinstance(demo_app.screen, EntryForm)
        assert field_error(demo_app, "date").startswith("A pregnancy is already recorded as ongoing")
    assert len(reopened(demo_journal)) == 5
