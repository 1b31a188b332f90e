"""The appointment brief's test journals and a real browser to print them with.

Two journals the brief must fit on one page (issue #16): the 2-year demo with a visit that has her own
questions, and a loss-heavy 10-year journal (the 10-year demo, ten more losses before it began, a course of
treatment sessions). Printing uses headless Chromium (Debian's `chromium`): CI installs it (.ci/run), so
there a missing browser fails the test; elsewhere the test is skipped with the command that installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain.appointments import Appointment, AppointmentKind, Question
from rpltrack.domain.pregnancies import Confirmation, Outcome, Pregnancy
from rpltrack.domain.sessions import Course, Every, EveryUnit, SessionKind, TreatmentSession
from rpltrack.store.demo import fill_demo
from rpltrack.store.journal import Journal

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=LONDON)
PAPERS = ("letter", "A4")
EXTRA_LOSSES = 10  # added to the 10-year demo's own losses
# Gestational ages of the extra losses in days (None: a biochemical loss with no weeks recorded).
EXTRA_GA: tuple[int | None, ...] = (38, 45, 52, 60, 66, 75, 49, 90, None, 110)


def text_of(html: str) -> str:
    """The page's words with tags removed and whitespace collapsed (entities left as written)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def add_visit(journal: Journal, questions: int = 3) -> Appointment:
    """A hematology visit on Thursday with `questions` questions of her own and a long note."""
    own = (
        "Should Lovenox go on until 36 weeks or longer?",
        "When should platelets be checked again?",
        "Is the prednisone dose still needed after 12 weeks?",
        "Can the progesterone injections move to the morning?",
        "Who do I call at the weekend if I bleed?",
    )
    return journal.add_appointment(
        Appointment(
            at=datetime(2026, 11, 26, 10, 30, tzinfo=LONDON),
            kind=AppointmentKind.HEMATOLOGY,
            with_name="Dr Lee",
            where="Riverside Fertility, 2nd floor",
            purpose="Review the Lovenox plan and the platelet count",
            notes="bring the syringe box and the diary",
            questions=tuple(Question(text) for text in own[:questions]),
        ),
        NOW,
    )


def two_year_journal(path: Path) -> Journal:
    """The 2-year demo (`rpltrack demo --years 2`) at NOW, with a visit that has her own questions."""
    journal = Journal.open(path, now=NOW)
    fill_demo(journal, NOW, LONDON, years=2)
    add_visit(journal)
    return journal


def loss_heavy_journal(path: Path) -> Journal:
    """The 10-year demo at NOW with EXTRA_LOSSES more losses before it began (26 in all), a course of LIT
    sessions (two recorded, two planned), an IVIG session and the visit."""
    journal = Journal.open(path, now=NOW)
    fill_demo(journal, NOW, LONDON, years=10)
    first = NOW.date() - timedelta(days=365 * 10)
    for k, ga in enumerate(EXTRA_GA[:EXTRA_LOSSES]):
        outcome = Outcome.BIOCHEMICAL if ga is None else Outcome.MISCARRIAGE
        confirmed = Confirmation.HCG if ga is None else Confirmation.ULTRASOUND
        ended = first - timedelta(days=480 + 150 * k)
        journal.add_pregnancy(Pregnancy(None, outcome, ended, ga, confirmed), NOW)
    at = time(9, 30)
    journal.add_course(
        Course(
            SessionKind.LIT,
            date(2026, 10, 20),
            Every(3, EveryUnit.WEEKS),
            count=4,
            at_time=at,
            zone=LONDON.key,
            where="Riverside Clinic",
        ),
        NOW,
    )
    for day in (date(2026, 10, 20), date(2026, 11, 10)):
        journal.add_session(
            TreatmentSession(day, SessionKind.LIT, at_time=at, zone=LONDON.key, where="Riverside Clinic"), NOW
        )
    journal.add_session(TreatmentSession(date(2026, 9, 1), SessionKind.IVIG), NOW)
    add_visit(journal)
    return journal


# -- the browser ---------------------------------------------------------------------------------------


def chromium() -> str:
    """The headless browser; in CI its absence fails the test (a skipped test is a failure there)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: .ci/run installs Debian's chromium for this test")
    pytest.skip("chromium is not installed here (apt-get install chromium); CI installs it")


def run_chromium(binary: str, *args: str) -> None:
    subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": os.environ.get("HOME", "/tmp")},
    )


def pdf_pages(pdf: Path) -> int:
    """Pages in a PDF Chromium wrote: its page objects (`/Type /Page`, not the `/Type /Pages` tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))


def printed_pages(binary: str, page: str, folder: Path, paper: str) -> int:
    """How many sheets of `paper` ('letter', 'A4') the page prints on, as the browser's Print does it."""
    sized = folder / f"brief-{paper}.html"
    sized.write_text(page.replace("</style>", f"@page {{ size: {paper}; }}</style>", 1), encoding="utf-8")
    pdf = folder / f"brief-{paper}.pdf"
    run_chromium(binary, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", sized.as_uri())
    return pdf_pages(pdf)


def png_size(png: Path) -> tuple[int, int]:
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
