"""summary.csv (pure): one page for a doctor: current medications, adherence, anticoagulant doses not taken,
the latest lab of each test against its target, loss counts, the next appointment and the active flags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

from rpltrack.domain import catalog
from rpltrack.domain.labs import LabResult
from rpltrack.domain.models import Adherence, DoseStatus, Medication, MedicationState
from rpltrack.domain.pregnancies import count_losses
from rpltrack.domain.settings import threshold
from rpltrack.export.csv_columns import Column, Table, local, table
from rpltrack.export.csv_data import ExportData, FlagEntry, between, period_words
from rpltrack.export.csv_doses import DoseRow
from rpltrack.export.csv_labs import lab_name
from rpltrack.export.csv_medications import next_change_words

FORMAT = "rpltrack CSV export, format 2"

# -- the summary page -------------------------------------------------------------------------------------

SUMMARY = "summary.csv"
SummaryRow = list[str]  # section, item, value, details
SECTION = Column[SummaryRow]("Section", lambda r: r[0])
ITEM = Column[SummaryRow]("Item", lambda r: r[1])
VALUE = Column[SummaryRow]("Value", lambda r: r[2])
DETAILS = Column[SummaryRow]("Details", lambda r: r[3])
SUMMARY_COLUMNS = (SECTION, ITEM, VALUE, DETAILS)
MAX_LISTED = 20
_LAB_TARGETS = {
    "progesterone": ("progesterone.threshold", "ng/mL", "around transfer"),
    "vitamin-d": ("vitamin-d.threshold", "ng/mL", ""),
}


def _adherence_row(label: str, a: Adherence | None) -> list[str]:
    if a is None or a.percent is None:
        return ["Adherence", label, "no scheduled doses due", ""]
    value = f"{a.percent:g}% ({a.taken} of {a.due} due doses taken)"
    return ["Adherence", label, value, f"{a.skipped} skipped, {a.missed} missed (not logged)"]


def _is_anticoagulant(med: Medication) -> bool:
    try:
        return med.generic is not None and catalog.by_key(med.generic).anticoagulant
    except KeyError:
        return False


def _lab_target(data: ExportData, key: str) -> str:
    values = data.stored_settings
    if key == "tsh":
        target = values.get("tsh.target", "")
        return f"clinic target: at most {target} mIU/L" if target else ""
    if key in _LAB_TARGETS:
        setting, unit, when = _LAB_TARGETS[key]
        level, clinic = threshold(values, setting)
        whose = "clinic" if clinic else "guideline default"
        return f"{whose}: at least {level} {unit}{' ' + when if when else ''}"
    return ""


def _lab_flags(data: ExportData, result: LabResult) -> list[str]:
    if result.id is None:
        return []
    pattern = re.compile(rf"\blab{result.id}\b")
    return [f.title for f in data.flags if f.state == "active" and pattern.search(f.key)]


def summary_table(data: ExportData, dose_lines: Sequence[DoseRow]) -> Table:
    """One page for a doctor: current medications, adherence, missed anticoagulant doses, the latest lab of
    each test against its target, loss counts, the next appointment and the active flags as questions."""
    zone = data.zone
    rows: list[list[str]] = [
        ["About", "Export", FORMAT, f"made {local(data.now, zone)} ({zone.key})"],
        [
            "About",
            "Period",
            period_words(data),
            "medications and cycles overlapping it; other records dated in it",
        ],
        [
            "About",
            "Source",
            "self-reported by the patient in rpltrack, a personal tracker",
            "not a medical record",
        ],
    ]
    current = [
        m
        for m in data.medications
        if m.state(data.now, data.now.astimezone(ZoneInfo(m.zone)).date()) is MedicationState.ACTIVE
    ]
    for med in current:
        today = data.now.astimezone(ZoneInfo(med.zone)).date()
        regimen, change = med.dose_on(today), next_change_words(med, today)
        details = [f"since {med.start_on}", *([f"until {med.last_day}"] if med.last_day else [])]
        details += [change] if change else []
        if _is_anticoagulant(med):
            details.append("anticoagulant")
        if med.notes:
            details.append(med.notes)
        rows.append(
            [
                "Current medication",
                med.name,
                f"{regimen.amount} {regimen.timing.describe()}",
                "; ".join(details),
            ]
        )
    if not current:
        rows.append(["Current medication", "none", "", ""])
    rows.append(_adherence_row("last 7 days", data.adherence_7))
    rows.append(_adherence_row("last 30 days", data.adherence_30))
    rows.append(_anticoagulant_row(data, dose_lines))
    rows.extend(_latest_labs(data))
    rows.extend(_loss_rows(data))
    upcoming = sorted(
        (a for a in data.appointments if a.upcoming(data.now)), key=lambda a: a.at.astimezone(UTC)
    )
    if upcoming:
        nxt = upcoming[0]
        where = "; ".join(part for part in (nxt.where, nxt.purpose) if part)
        rows.append(["Next appointment", nxt.title, local(nxt.at, zone), where])
    active = [f for f in data.flags if f.state == "active"]
    for f in active:
        rows.append(["Question for the care team", f.title, f.ask, _with_sources(f.detail, f)])
    if not active:
        rows.append(["Question for the care team", "none from rpltrack's flags", "", ""])
    return table(SUMMARY, SUMMARY_COLUMNS, rows)


def _with_sources(detail: str, flag: FlagEntry) -> str:
    """'Your TSH ... target of 2.0 mIU/L. Sources: [S10] American Thyroid Association ...; [S12] ...'"""
    cited = flag.citations or tuple(f"[{s}]" for s in flag.sources)
    if not cited:
        return detail
    sources = f"{'Source' if len(cited) == 1 else 'Sources'}: {'; '.join(cited)}"
    if not detail:
        return sources
    return f"{detail}{'' if detail.endswith(('.', '?', '!')) else '.'} {sources}"


def _anticoagulant_row(data: ExportData, dose_lines: Sequence[DoseRow]) -> list[str]:
    anticoagulants = {m.id for m in data.medications if _is_anticoagulant(m)}
    not_taken = (DoseStatus.MISSED.value, DoseStatus.SKIPPED.value)
    missed = [r for r in dose_lines if r.state in not_taken and r.medication.id in anticoagulants]
    label = f"in the period ({period_words(data)})"
    if not missed:
        return ["Anticoagulant doses not taken", label, "none", ""]
    skipped = sum(r.state == DoseStatus.SKIPPED.value for r in missed)
    value = f"{len(missed) - skipped} missed, {skipped} skipped"
    listed = [f"{local(r.at, data.zone)} {r.medication.name} ({r.state})" for r in missed[-MAX_LISTED:]]
    more = f"{len(missed) - MAX_LISTED} earlier ones; " if len(missed) > MAX_LISTED else ""
    return ["Anticoagulant doses not taken", label, value, more + "; ".join(listed)]


def _latest_labs(data: ExportData) -> list[list[str]]:
    latest: dict[str, LabResult] = {}
    for result in data.labs:
        if between(data, result.on):
            held = latest.get(result.test)
            if held is None or (result.on, result.id or 0) >= (held.on, held.id or 0):
                latest[result.test] = result
    rows = []
    for key in sorted(latest, key=lambda k: lab_name(k).casefold()):
        result = latest[key]
        shown = str(result.value) or "session"
        details = []
        if result.reference is not None:
            details.append(f"printed range {result.reference}")
        target = _lab_target(data, key)
        if target:
            details.append(target)
        if result.on_anticoagulant:
            details.append("drawn on an anticoagulant")
        details += [f"flag: {title}" for title in _lab_flags(data, result)]
        rows.append(["Latest lab", lab_name(key), f"{shown} on {result.on}", "; ".join(details)])
    return rows


def _loss_rows(data: ExportData) -> list[list[str]]:
    counts = count_losses(list(data.pregnancies))
    meets = counts.meets

    def met(name: str, needed: str) -> str:
        return f"{needed} or more: {'met' if meets[name] else 'not met'} (all records)"

    rows = [
        [
            "Pregnancy losses",
            "ESHRE 2022: losses before 24 weeks, early ones included",
            str(counts.eshre),
            met("ESHRE", "2"),
        ],
        ["Pregnancy losses", "ASRM: confirmed by ultrasound or tissue", str(counts.asrm), met("ASRM", "2")],
        ["Pregnancy losses", "RCOG 2023: first-trimester losses", str(counts.rcog), met("RCOG", "3")],
        ["Pregnancy losses", "longest run of consecutive losses", str(counts.longest_run), ""],
    ]
    if counts.ga_unknown:
        rows.append(
            ["Pregnancy losses", "losses with no gestational age recorded", str(counts.ga_unknown), ""]
        )
    return rows
