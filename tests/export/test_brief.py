"""The appointment brief: rendered for the demo journal, its sections and key lines, escaping, and a picture.

The picture test renders the page in headless Chromium (Debian's `chromium` package): a PNG to look at, and
a PDF on Letter and on A4 paper that must be exactly one page.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rpltrack.clock import FixedClock
from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.betas import BetaDraw, parse_hcg
from rpltrack.domain.records import replace
from rpltrack.export.brief import BriefInput, render_brief
from rpltrack.store.exporting import brief_input
from rpltrack.store.journal import Journal
from tests.export.brief_support import PAPERS, chromium, png_size, printed_pages, run_chromium, text_of

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def visit(demo_journal: Journal, clock: FixedClock) -> Appointment:
    """Thursday's hematology visit in the demo journal, with two questions of her own."""
    return demo_journal.add_appointment(
        Appointment(
            at=datetime(2026, 11, 26, 10, 30, tzinfo=LONDON),
            kind=AppointmentKind.HEMATOLOGY,
            with_name="Dr Lee",
            where="Riverside Fertility, 2nd floor",
            purpose="Review the Lovenox plan and the platelet count",
            notes="bring the syringe box <script>alert('x')</script> & the diary",
            questions=(
                Question("Should Lovenox go on until 36 weeks or longer?"),
                Question("When should platelets be checked again? <b>soon</b>"),
            ),
        ),
        clock.now(),
    )


@pytest.fixture
def demo_data(demo_journal: Journal, clock: FixedClock, visit: Appointment) -> BriefInput:
    return brief_input(demo_journal, clock.now(), clock.zone, None)


@pytest.fixture
def page(demo_data: BriefInput) -> str:
    return render_brief(demo_data)


def test_the_brief_defaults_to_the_next_appointment(demo_data: BriefInput, visit: Appointment) -> None:
    assert demo_data.appointment is not None
    assert demo_data.appointment.id == visit.id


def test_every_section_is_on_the_page(page: str) -> None:
    for heading in (
        "Appointment brief",
        "Medications",
        "Lab results",
        "Beta-hCG, latest series",
        "Pregnancy history",
        "Questions for this visit",
    ):
        assert heading in page, heading
    assert "Self-reported: entered by the patient in rpltrack" in page
    assert "rpltrack gives no medical advice" in page


def test_key_lines_of_the_demo_brief(page: str) -> None:
    words = text_of(page)
    # The visit and where she is: 24 days past a day-5 transfer today, 27 at the visit.
    assert "Thu 26 Nov 2026, 10:30 · Dr Lee (hematologist) · Riverside Fertility, 2nd floor" in words
    assert "Today (23 Nov) CD 44 · 24dp5dt · 6w 1d · due date 2027-07-18" in words
    assert "At the visit (26 Nov) CD 47 · 27dp5dt · 6w 4d" in words
    assert "Transfer 2026-10-30: 1 embryo, day 5, 4AA, euploid" in words
    # Medications: the anticoagulant first, with the doses not logged as taken listed by time.
    assert words.index("Lovenox ◆") < words.index("aspirin")
    assert (
        "◆ Lovenox (anticoagulant): 2 doses not logged as taken in 30 days: "
        "Sat 14 Nov 08:00, Mon 16 Nov 08:00 (skipped)"
    ) in words
    assert "Lovenox ◆ 40 mg 08:00 daily 85.7% (12/14) 1 missed, 1 skipped" in words
    # Labs beside their targets; the flagged ones point at their question.
    # Pregnant on levothyroxine: 2.5 (ATA 2017); the printed 0.4-4.0 cannot loosen it (reference §3).
    # Each test with a target shows its earlier values with their days (#16).
    assert re.search(
        r"TSH 19 Nov 2\.8 mIU/L ▲ see Q\d ← 2\.1 \(8 Nov\) ← 2\.2 \(12 Sep\) "
        r"≤ 2\.5 mIU/L, pregnant on levothyroxine \[S10\]",
        words,
    )
    assert (
        "25-OH vitamin D 20 Sep 31 ng/mL ← 48 nmol/L (13 Dec 2025) ≥ 20 ng/mL [S35] ; range 30-100" in words
    )
    assert "Platelets 16 Nov 231 \N{MULTIPLICATION SIGN}10\N{SUPERSCRIPT NINE}/L range 150-450" in words
    assert re.search(r"TPO antibodies 13 Dec 2025 61 IU/mL ▲ see Q\d range &lt;34", words)
    assert "Last done more than 6 months ago: 13 Dec 2025 Anti-β2GPI IgG negative" in words
    # Betas and their arithmetic.
    assert "10 Nov 07:45 11dp5dt 251 +123.2% 41.4 h met (49%)" in words
    # Losses counted under each definition, with their sources.
    assert "4 ESHRE 2022: before 24 weeks, incl. biochemical [S1]" in words
    assert "2 ASRM: seen on ultrasound or in tissue [S5]" in words
    assert "4 RCOG 2023: first trimester, before 14+0 weeks [S6]" in words
    # Her own questions first, then each active flag as a question with its sources.
    assert "Q1. Should Lovenox go on until 36 weeks or longer?" in words
    assert "Ask your care team whether an RPL evaluation is right for you." in words
    assert "Sources: [S1] ESHRE guideline: recurrent pregnancy loss, 2022 update" in words
    assert "[S10] American Thyroid Association pregnancy guideline (Thyroid 2017)" in words
    assert "[S15] Barnhart 2016: hCG rise by value at presentation (Obstet Gynecol)" in words


def test_every_active_flag_is_asked_with_its_sources(demo_data: BriefInput, page: str) -> None:
    assert len(demo_data.flags) >= 5
    for flag in demo_data.flags:
        assert f"{flag.ask}</b>" in page.replace("&#x27;", "'")
        for source in flag.sources:
            assert f"[{source}]" in page


def test_her_text_is_escaped(page: str) -> None:
    assert "<script" not in page.lower()  # neither hers nor any of the page's own: no JavaScript at all
    assert "bring the syringe box &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; the diary" in page
    assert "checked again? &lt;b&gt;soon&lt;/b&gt;" in page


def test_the_chart_is_inline_svg_with_a_point_per_draw(page: str) -> None:
    chart = page.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    assert chart.count('class="point"') == 3
    assert chart.count('class="vlab"') == 3
    assert 'class="minimum"' in chart  # the minimum expected rise from the first draw, dashed
    assert "days past transfer (day-5 embryo)" in chart


def test_a_censored_beta_is_drawn_as_an_open_marker(demo_data: BriefInput) -> None:
    at = demo_data.now - timedelta(hours=1)
    later = (*demo_data.betas, BetaDraw(at, parse_hcg("<5"), cycle_id=demo_data.betas[-1].cycle_id))
    page = render_brief(replace(demo_data, betas=later))
    chart = page.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    assert chart.count('class="censored"') == 1
    assert "&lt;5" in chart
    assert "falling" in text_of(page)


def test_without_an_appointment_it_is_still_a_summary(demo_data: BriefInput) -> None:
    page = render_brief(replace(demo_data, appointment=None))
    words = text_of(page)
    assert "Health summary" in words
    assert "No upcoming appointment is recorded" in words
    assert "Q1. Should Lovenox" not in words  # her questions belong to that appointment
    assert "Ask your care team about your thyroid results." in words


def test_an_empty_journal_gives_a_calm_page(journal: Journal, clock: FixedClock) -> None:
    words = text_of(render_brief(brief_input(journal, clock.now(), clock.zone, None)))
    for line in (
        "No cycle or pregnancy in progress is recorded.",
        "No current medications are recorded.",
        "No lab results are recorded.",
        "No earlier pregnancies or losses are recorded.",
        "No questions yet, and no active flags.",
    ):
        assert line in words
    assert "Beta-hCG" not in words


def test_the_page_names_no_one_she_did_not_type(page: str) -> None:
    """rpltrack has no name field: the only names on the page are the ones she entered (Dr Lee, the lab)."""
    words = text_of(page)
    assert "Name:" not in words
    assert "Patient:" not in words
    assert "Date of birth" not in words


# -- the picture ---------------------------------------------------------------------------------------


def test_the_demo_brief_looks_right_and_prints_on_one_page(page: str, tmp_path: Path) -> None:
    """Rendered by a real browser: a screenshot (looked at while building this page: a calm two-column
    layout, the visit in the header, the status band, tables, the chart, questions with checkboxes) and a
    printout that fits one Letter page and one A4 page."""
    binary = chromium()
    html = tmp_path / "brief.html"
    html.write_text(page, encoding="utf-8")
    png = tmp_path / "brief.png"
    run_chromium(binary, "--window-size=900,1250", f"--screenshot={png}", html.as_uri())
    assert png_size(png) == (900, 1250)
    assert png.stat().st_size > 50_000  # a page full of text and a chart, not a blank window
    for paper in PAPERS:
        pages = printed_pages(binary, page, tmp_path, paper)
        assert pages == 1, f"the demo brief takes {pages} pages on {paper} paper"
