"""Snapshots of the main screens on demo data at the fixed clock (Monday 23 November 2026, 08:40 London)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.helpers import flags_counted

SIZE = (110, 34)


def test_today_on_demo_data(snap_compare, demo_app):
    """The header 'Monday 23 November · CD 44 · 24dp5dt · 6w 1d · due 18 Jul 2027' and 08:40 on the right.
    08:40: levothyroxine, aspirin, folic acid and prednisone taken; Lovenox (08:00) overdue, highlighted
    and selected; prednisone and progesterone in oil due at 20:00; the 7-day line at the bottom. Under the
    header, once counted: '7 things to raise with your care team — press 8', then the next appointment:
    'Next: Dr Lee (hematologist) · Thu 26 Nov 14:00 · 2 questions — press 9'."""
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=flags_counted)


def test_medications_on_demo_data(snap_compare, demo_app):
    """The six current medications first, with 7- and 30-day percentages; then those of past cycles. At the
    right of the title line, the pregnancy in the header: '6w 1d · due 18 Jul 2027'."""
    assert snap_compare(demo_app, terminal_size=SIZE, press=["2"])


def test_medications_at_80_columns(snap_compare, demo_app):
    """At 80x24 every column stays: the dates wrap first ('16 Oct 2026 to' over '07 Dec 2026'), then the
    schedule ('08:00,' over '20:00 daily') and the name ('progesterone' over 'in oil'); '7 days' and '30
    days' read '7'/'30' over 'days' and their percentages are whole ('100%'); nothing scrolls sideways."""
    assert snap_compare(demo_app, terminal_size=(80, 24), press=["2"])


def test_medication_form_with_a_unit_slip(snap_compare, demo_app):
    """The add form for levothyroxine 100 mg at 07:00: the unit-slip message in red beside the Dose field,
    which keeps '100 mg' and the focus."""

    async def fill_and_save(pilot: Pilot[None]) -> None:
        await pilot.press("a")
        await pilot.pause()
        for input_id, text in (("med-name", "levothyroxine"), ("med-dose", "100 mg"), ("med-times", "07:00")):
            pilot.app.screen.query_one(f"#{input_id}", Input).value = text
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=SIZE, run_before=fill_and_save)


def test_help_screen(snap_compare, demo_app):
    """Keys on Today, read from its bindings: its own (t, s, the moving keys, a, l, p, then Textual's tab and
    ^c), those that mean the same everywhere (u, U, z, /, ?, q ^q, ^p) and the sections 1-9 and 0, in plain
    words, over the dimmed Today screen."""
    assert snap_compare(demo_app, terminal_size=SIZE, press=["question_mark"])


def test_betas_on_demo_data(snap_compare, demo_app):
    """Eight draws newest first (547 highlighted) beside a log-scale chart of the current series 112, 251,
    547 (8-12 Nov); five pairs with hours, rise per 48 h or fall, doubling time, minimum 49 % [S15] and the
    verdict; the context line (Barnhart 2004 [S13], Seeber 2006 [S14]) and the caveat once, dim."""
    assert snap_compare(demo_app, terminal_size=SIZE, press=["5"])


def test_cycles_on_demo_data(snap_compare, demo_app):
    """Three medicated FET cycles newest first: the current one highlighted with 'current · CD 44 · 24dp5dt ·
    6w 1d', its transfer, positive beta and first scan; the two ended ones with their outcome."""
    assert snap_compare(demo_app, terminal_size=SIZE, press=["4"])


def test_pregnancies_on_demo_data(snap_compare, demo_app):
    """The ongoing pregnancy and four losses newest first (one approximate); the §1 sentence; ESHRE 4 [S1],
    ASRM 2 [S5], RCOG 4 [S6], longest run 4; the dim note that one loss has no weeks recorded."""
    assert snap_compare(demo_app, terminal_size=SIZE, press=["6"])
