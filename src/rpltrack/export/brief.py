"""The appointment brief: one printable HTML page to take to a visit (pure: domain objects in, HTML out).

The page holds the visit, where she is in her cycle or pregnancy, her medications with adherence and any
anticoagulant doses not logged as taken, the latest lab results beside their targets (with the last few
values of each test that has a target), the beta table and a chart (inline SVG, no script), her loss history
with the counts under each definition (summarised when long: the CSV export holds every entry), her
treatment sessions, the active flags as questions with their sources, and her own questions. It names no one
but the people she typed in: rpltrack has no name field. Everything she typed is HTML-escaped.

The sections live in brief_meds, brief_labs, brief_betas and brief_sections; this module puts them on the
page and keeps the public names importable from one place.
"""

from __future__ import annotations

from rpltrack.export.brief_betas import BETA_RECENT_DAYS, betas_section
from rpltrack.export.brief_labs import LAB_RECENT_DAYS, TREND_VALUES, labs_section
from rpltrack.export.brief_meds import ADHERENCE_DAYS, MISSED_LISTED, medications_section
from rpltrack.export.brief_model import BriefInput, FlagQuestion
from rpltrack.export.brief_sections import (
    HISTORY_LISTED,
    header,
    history,
    questions,
    source_list,
    status,
)
from rpltrack.export.brief_style import CSS
from rpltrack.export.brief_text import esc

__all__ = [
    "ADHERENCE_DAYS",
    "BETA_RECENT_DAYS",
    "CSS",
    "HISTORY_LISTED",
    "LAB_RECENT_DAYS",
    "MISSED_LISTED",
    "SELF_REPORTED",
    "TREND_VALUES",
    "BriefInput",
    "FlagQuestion",
    "render_brief",
]

SELF_REPORTED = (
    "Self-reported: entered by the patient in rpltrack, a personal tracker, and not checked by a clinician. "
    "rpltrack gives no medical advice: it does not diagnose or suggest doses; its flags are questions. "
    "Long entries are shortened here (…); the CSV export (rpltrack export csv) holds every one in full."
)


def render_brief(data: BriefInput) -> str:
    """The whole page as one HTML document (UTF-8, print CSS, inline SVG, no script, no external files)."""
    asked, question_of = questions(data)
    betas = betas_section(data)
    beta_section = f"<h2>Beta-hCG, latest series</h2>{betas}" if betas else ""
    body = (
        f"{header(data)}{status(data)}"
        '<div class="cols"><div class="left">'
        f'<section class="meds"><h2>Medications</h2>{medications_section(data)}</section>'
        f'<section class="labs"><h2>Lab results</h2>{labs_section(data, question_of)}</section>'
        '</div><div class="right">'
        f'<section class="betas">{beta_section}</section>'
        f'<section class="history"><h2>Pregnancy history</h2>{history(data)}</section>'
        "</div></div>"
        f"<h2>Questions for this visit</h2>{asked}"
    )
    title = "Appointment brief" if data.appointment else "Health summary"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} — {data.today.isoformat()}</title>"
        f'<style>{CSS}</style></head><body><div class="page">'
        f"{body}{source_list(data, body)}"
        f"<footer>{esc(SELF_REPORTED)}</footer>"
        "</div></body></html>\n"
    )
