"""The brief prints on one page (issue #16): the 2-year demo and a loss-heavy 10-year journal, each on Letter
and on A4, printed to PDF by headless Chromium and counted page by page.

Looked at while building this (a print-width screenshot of each): the 10-year journal's history is a
summary and its three latest losses, its sessions sit in the status band, the long APS flag is cut at a
clause, and the page still ends with the sources and the self-reported note.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rpltrack.export.brief import render_brief
from rpltrack.store.exporting import brief_input
from rpltrack.store.journal import Journal
from tests.export.brief_support import (
    LONDON,
    NOW,
    PAPERS,
    chromium,
    loss_heavy_journal,
    pdf_pages,
    png_size,
    printed_pages,
    run_chromium,
    text_of,
    two_year_journal,
)

JOURNALS = {"2-year demo": two_year_journal, "loss-heavy 10-year": loss_heavy_journal}


@pytest.mark.parametrize("name", list(JOURNALS), ids=["two-year-demo", "loss-heavy-ten-years"])
def test_the_brief_prints_on_one_page_on_letter_and_a4(name: str, tmp_path: Path) -> None:
    binary = chromium()
    journal: Journal = JOURNALS[name](tmp_path / "journal.db")
    with journal:
        page = render_brief(brief_input(journal, NOW, LONDON, None))
    words = text_of(page)
    assert "Q3. Is the prednisone dose still needed after 12 weeks?" in words  # her questions are on it
    assert words.endswith("holds every one in full.")  # and the page runs to its last line
    for paper in PAPERS:
        pages = printed_pages(binary, page, tmp_path, paper)
        assert pages == 1, f"the {name} brief takes {pages} pages on {paper} paper"
    png = tmp_path / "brief.png"
    run_chromium(
        binary, "--window-size=900,1250", f"--screenshot={png}", (tmp_path / "brief-A4.html").as_uri()
    )
    assert png_size(png) == (900, 1250)


def test_the_page_counter_sees_every_page(tmp_path: Path) -> None:
    """The counter the one-page tests rely on: a document forced onto three pages counts three."""
    binary = chromium()
    page = (
        "<!DOCTYPE html><html><head><style>p { break-after: page; }</style></head><body>"
        "<p>one</p><p>two</p><div>three</div></body></html>"
    )
    html = tmp_path / "three.html"
    html.write_text(page, encoding="utf-8")
    pdf = tmp_path / "three.pdf"
    run_chromium(binary, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
    assert pdf_pages(pdf) == 3
