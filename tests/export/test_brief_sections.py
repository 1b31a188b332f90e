"""The brief's sections as issue #16 asks: lab trends, the sources by number, what a lab bound supports in the
beta table, combinations named with their parts, treatment sessions, long histories summarised (the CSV
export keeps every loss) and long flag texts shortened."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from rpltrack.clock import FixedClock
from rpltrack.domain import catalog
from rpltrack.domain.betas import BetaDraw, parse_hcg
from rpltrack.domain.labcatalog import by_key, parse_lab_value, parse_range
from rpltrack.domain.labs import LabResult
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.domain.records import replace
from rpltrack.domain.sessions import Course, Every, EveryUnit, SessionKind, plan
from rpltrack.export.brief import BriefInput, FlagQuestion, render_brief
from rpltrack.export.brief_sections import clip, loss_summary
from rpltrack.store.exporting import brief_input, write_csv_export
from rpltrack.store.journal import Journal
from tests.export.brief_support import LONDON, NOW, loss_heavy_journal, text_of


def empty_input(**fields: object) -> BriefInput:
    """A brief of nothing at NOW, with `fields` set."""
    base = BriefInput(
        now=NOW,
        zone=LONDON,
        appointment=None,
        medications=(),
        dose_logs=(),
        grace=timedelta(hours=1),
        labs=(),
        betas=(),
        pregnancies=(),
        cycles=(),
        flags=(),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def lab(key: str, on: date, value: str, rng: str = "", unit: str | None = None, lab_id: int = 0) -> LabResult:
    return LabResult(
        test=key,
        on=on,
        value=parse_lab_value(by_key(key), value, unit),
        reference=parse_range(rng) if rng else None,
        id=lab_id or None,
    )


def labs_row(page: str, test: str) -> str:
    """The words of the lab table row of `test`."""
    table = page.split('<table class="labs">', 1)[1].split("</table>", 1)[0]
    for row in table.split("<tr")[1:]:
        words = text_of("<tr" + row)
        if words.startswith(test + " "):
            return words
    raise AssertionError(f"no {test} row in the labs table")


# -- labs ----------------------------------------------------------------------------------------------


def test_a_test_with_a_target_shows_its_last_values_with_their_days() -> None:
    results = (
        lab("tsh", date(2026, 3, 1), "1.2", lab_id=1),  # the fourth value back: left off
        lab("tsh", date(2026, 8, 2), "4.1", lab_id=2),
        lab("tsh", date(2026, 10, 1), "2.8", lab_id=3),
        lab("tsh", date(2026, 11, 19), "3.6", "0.4-4.0", lab_id=4),
        lab("vitamin-d", date(2025, 12, 13), "48", unit="nmol/L", lab_id=5),
        lab("vitamin-d", date(2026, 9, 20), "31", lab_id=6),
        lab("progesterone", date(2026, 10, 30), "14.6", lab_id=7),
        lab("platelets", date(2026, 10, 1), "248", lab_id=8),
        lab("platelets", date(2026, 11, 16), "231", lab_id=9),
    )
    page = render_brief(empty_input(labs=results))
    assert labs_row(page, "TSH").startswith("TSH 19 Nov 3.6 mIU/L ← 2.8 (1 Oct) ← 4.1 (2 Aug) ≤")
    # A value in another unit keeps its unit; a year other than this one is named.
    assert labs_row(page, "25-OH vitamin D").startswith(
        "25-OH vitamin D 20 Sep 31 ng/mL ← 48 nmol/L (13 Dec 2025)"
    )
    assert "←" not in labs_row(page, "Progesterone")  # one value: nothing before it
    assert "←" not in labs_row(page, "Platelets")  # no target: only the latest value
    assert "Result ← earlier" in text_of(page)


def test_a_censored_earlier_value_keeps_its_sign() -> None:
    results = (lab("tsh", date(2026, 10, 1), "<0.01"), lab("tsh", date(2026, 11, 19), "0.3"))
    assert "TSH 19 Nov 0.3 mIU/L ← &lt;0.01 (1 Oct)" in labs_row(
        render_brief(empty_input(labs=results)), "TSH"
    )


def test_results_not_repeated_for_six_months_share_a_plainly_named_line() -> None:
    results = (lab("fvl", date(2025, 12, 13), "not detected"), lab("tsh", date(2026, 11, 19), "2.0"))
    words = text_of(render_brief(empty_input(labs=results)))
    assert "Last done more than 6 months ago: 13 Dec 2025 Factor V Leiden not detected" in words
    assert "the latest of each test" not in words


# -- sources -------------------------------------------------------------------------------------------


def test_the_sources_are_listed_by_number() -> None:
    flag = FlagQuestion(
        key="k",
        title="A title",
        ask="Ask your care team about this.",
        detail="Numbers.",
        sources=("S10", "app", "S3b", "S2", "S3"),
        since=date(2026, 11, 1),
    )
    citations = {s: f"citation {s}" for s in ("S2", "S3", "S3b", "S10", "app")}
    page = render_brief(empty_input(flags=(flag,), citations=citations))
    listed = page.split('<p class="sources">', 1)[1].split("</p>", 1)[0]
    assert re.findall(r"\[([^\]]+)\]", text_of(listed)) == ["S2", "S3", "S3b", "S10", "app"]


# -- betas ---------------------------------------------------------------------------------------------


def beta_rows(first: str, second: str, hours: float) -> list[str]:
    """The beta table's rows (words) for two draws `hours` apart, the second an hour before NOW."""
    at = NOW - timedelta(hours=1)
    draws = (BetaDraw(at - timedelta(hours=hours), parse_hcg(first)), BetaDraw(at, parse_hcg(second)))
    page = render_brief(empty_input(betas=draws))
    table = page.split('<table class="betas">', 1)[1].split("</table>", 1)[0]
    return [text_of("<tr" + row) for row in table.split("<tr")[2:]]


@pytest.mark.parametrize(
    ("first", "second", "hours", "shown"),
    [
        ("100", ">10000", 48, "&gt;10000 ≥+9900.0% met (49%)"),
        ("500", "<5", 48, "&lt;5 ≥\N{MINUS SIGN}99.0% falling"),
        (">1000", "1200", 48, "1200 &lt;+20.0% not met (33%)"),
        (
            "100",
            ">120",
            48,
            "&gt;120 ≥+20.0% not judged (a rise of at least 20.0 % per 48 h, not enough to tell whether it "
            "reaches the 49 % minimum)",
        ),
        ("100", "150", 0, "150 not judged (drawn at the same time)"),
        ("100", "150", 10, "150 not judged (&lt;24 h apart)"),
        ("100", "300", 120, "300 +55.2% 75.7 h not judged (&gt;96 h apart)"),
        ("1000", "<=1000", 48, "&lt;=1000 no rise not met (49%)"),
    ],
    ids=[
        "rise-at-least",
        "fall-at-least",
        "rise-under",
        "bound-undecided",
        "same-time",
        "under-24h",
        "over-96h",
        "no-rise",
    ],
)
def test_a_beta_pair_shows_what_its_values_support(first: str, second: str, hours: float, shown: str) -> None:
    rows = beta_rows(first, second, hours)
    assert rows[1].endswith(shown), rows[1]
    assert "24-96 h" not in rows[1]
    assert "censored" not in rows[1]


# -- medications ---------------------------------------------------------------------------------------


def test_a_combination_is_named_with_its_parts(demo_journal: Journal, clock: FixedClock) -> None:
    data = brief_input(demo_journal, clock.now(), clock.zone, None)
    drug = catalog.lookup("Folgard")
    assert drug is not None
    meds = tuple(
        replace(m, name="Folgard", generic=drug.key) if m.generic == "folic-acid" else m
        for m in data.medications
    )
    words = text_of(render_brief(replace(data, medications=meds)))
    assert "Folgard — folic acid + vitamin B6 + vitamin B12 0.4 mg 08:00 daily" in words


# -- sessions and long histories -----------------------------------------------------------------------


@pytest.fixture
def heavy(tmp_path: Path) -> BriefInput:
    with loss_heavy_journal(tmp_path / "heavy.db") as journal:
        return brief_input(journal, NOW, LONDON, None)


def status_band(page: str) -> str:
    return text_of(page.split('<div class="status">', 1)[1].split("</div></div>", 1)[0] + "</div>")


def test_sessions_recorded_and_planned_are_in_the_status_band(heavy: BriefInput) -> None:
    page = render_brief(heavy)
    band = status_band(page)
    assert "Sessions LIT session 10 Nov, 20 Oct · IVIG infusion 1 Sep" in band
    assert "Planned LIT session 1 Dec (3 of 4), 22 Dec (4 of 4)" in band
    # Facts only: the brief neither recommends a treatment nor calls one effective.
    for word in ("recommend", "effective", "benefit", "should"):
        assert word not in band.casefold()


def test_without_sessions_the_status_band_has_no_session_line(
    demo_journal: Journal, clock: FixedClock
) -> None:
    band = status_band(render_brief(brief_input(demo_journal, clock.now(), clock.zone, None)))
    assert "Sessions" not in band
    assert "Planned" not in band


def test_planned_sessions_with_nothing_recorded_near_them_are_named() -> None:
    course = Course(SessionKind.LIT, date(2026, 10, 20), Every(3, EveryUnit.WEEKS), count=4)
    band = status_band(render_brief(empty_input(planned=plan([course], [], NOW.date()))))
    assert "Planned LIT session 1 Dec (3 of 4), 22 Dec (4 of 4)" in band
    assert "Planned, none recorded LIT session 20 Oct (1 of 4), 10 Nov (2 of 4)" in band
    assert "Sessions " not in band


def test_a_long_history_is_summarised_and_the_csv_export_lists_every_loss(
    heavy: BriefInput, tmp_path: Path
) -> None:
    page = render_brief(heavy)
    words = text_of(page)
    ended = [p for p in heavy.pregnancies if p.outcome is not Outcome.ONGOING]
    assert len(ended) == 26
    assert (
        "26 pregnancy losses on record: 21 before 10 weeks, 2 at 10\N{EN DASH}13 weeks, "
        "1 at 14\N{EN DASH}23 weeks, 2 with no weeks recorded; 9 of them biochemical. "
        "The latest 3 are listed; the full list is in the CSV export."
    ) in words
    history = page.split('<table class="history">', 1)[1].split("</table>", 1)[0]
    assert history.count("<tr>") == 1 + 3  # the head and the three latest
    assert "2026-08-09 miscarriage at 7w 5d" in text_of(history)
    # The counts still cover every loss.
    assert "26 ESHRE 2022: before 24 weeks, incl. biochemical" in words
    # The CSV export lists all of them.
    with Journal.open(tmp_path / "heavy.db", now=NOW) as journal:
        written = write_csv_export(journal, tmp_path / "csv", now=NOW, zone=LONDON)
    (pregnancies_csv,) = [path for path in written if path.name == "pregnancies.csv"]
    with pregnancies_csv.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(heavy.pregnancies)


def test_a_short_history_is_listed_whole(demo_journal: Journal, clock: FixedClock) -> None:
    page = render_brief(brief_input(demo_journal, clock.now(), clock.zone, None))
    history = page.split('<table class="history">', 1)[1].split("</table>", 1)[0]
    assert history.count("<tr>") == 1 + 4
    assert "on record:" not in text_of(page)


@pytest.mark.parametrize(
    ("ended", "summary"),
    [
        (
            [
                (Outcome.MISCARRIAGE, 60),
                (Outcome.PUL, None),
                (Outcome.ECTOPIC, 50),
                (Outcome.LIVE_BIRTH, 280),
            ],
            "2 pregnancy losses on record: 1 before 10 weeks, 1 with no weeks recorded; 1 of them of unknown "
            "location. Also recorded: 1 ectopic pregnancy, 1 live birth.",
        ),
        (
            [
                (Outcome.STILLBIRTH, 170),
                (Outcome.BIOCHEMICAL, 33),
                (Outcome.ECTOPIC, 45),
                (Outcome.ECTOPIC, 52),
            ],
            "2 pregnancy losses on record: 1 before 10 weeks, 1 at 24 weeks or later; 1 of them biochemical. "
            "Also recorded: 2 ectopic pregnancies.",
        ),
        ([(Outcome.MISCARRIAGE, 70)], "1 pregnancy loss on record: 1 at 10\N{EN DASH}13 weeks."),
    ],
    ids=["pul-ectopic-birth", "stillbirth-and-two-ectopics", "one-at-10-weeks"],
)
def test_the_loss_summary_counts_by_weeks(ended: list[tuple[Outcome, int | None]], summary: str) -> None:
    pregnancies = [
        Pregnancy(None, outcome, date(2020, 1, 1) + timedelta(days=300 * k), ga, Confirmation.HCG)
        for k, (outcome, ga) in enumerate(ended)
    ]
    assert loss_summary(pregnancies) == summary


# -- long flag texts -----------------------------------------------------------------------------------


def test_a_long_flag_text_is_cut_at_a_sentence_and_the_footer_says_where_it_is_whole() -> None:
    long_text = "Your journal records 26 pregnancy losses. " + "A sentence of numbers, and more, " * 20
    flag = FlagQuestion(
        key="k",
        title="Long",
        ask="Ask your care team about this.",
        detail=long_text,
        sources=(),
        since=date(2026, 11, 1),
    )
    words = text_of(render_brief(empty_input(flags=(flag,))))
    assert "Long. Your journal records 26 pregnancy losses. A sentence" in words
    assert long_text not in words
    assert (
        "Long entries are shortened here (…); the CSV export (rpltrack export csv) holds every one in full"
        in words
    )


@pytest.mark.parametrize(
    ("text", "clipped"),
    [
        ("Short.", "Short."),
        ("Meets ESHRE 2022 (26 losses incl. 9 biochemical), meets ASRM. " + "x" * 300, None),
        ("a, " * 200, None),
    ],
    ids=["short", "abbreviation", "clauses"],
)
def test_clip_keeps_short_text_and_cuts_long_text_at_a_boundary(text: str, clipped: str | None) -> None:
    cut = clip(text, 120)
    if clipped is not None:
        assert cut == clipped
        return
    assert cut.endswith(" …")
    assert len(cut) <= 122
    assert "incl. …" not in cut  # "incl." ends no sentence
