"""Snapshots of the main screens on demo data at the fixed clock (Monday 23 November 2026, 08:40 London)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

SIZE = (110, 34)


def test_today_on_demo_data(snap_compare, demo_app):
    """08:40: levothyroxine, aspirin, folic acid and prednisone taken; Lovenox (08:00) overdue, highlighted
    and selected; prednisone and progesterone in oil due at 20:00; the 7-day line at the bottom."""
    assert snap_compare(demo_app, terminal_size=SIZE)


def test_medications_on_demo_data(snap_compare, demo_app):
    """The six current medications first, with 7- and 30-day percentages; then those of past cycles."""
    assert snap_compare(demo_app, terminal_size=SIZE, press=["m"])


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
    """The keys in plain words, grouped by Today, Medications and Anywhere, over the dimmed Today screen."""
    assert snap_compare(demo_app, terminal_size=SIZE, press=["question_mark"])
