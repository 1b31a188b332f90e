"""A flag in words for flags.csv and the questions of appointments (pure): each rule's plain name, and the
numbers that triggered a flag as a sentence with units ("TSH 2.8 mIU/L (2026-11-18); target 2 mIU/L
(clinic)") instead of the engine's JSON. Only the flag's own numbers are shown; none is added here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from rpltrack.domain.dating import format_ga
from rpltrack.export.csv_labs import lab_name

# The plain name of each rule of flags/rules.py (a test holds this list to the registry).
RULE_NAMES: dict[str, str] = {
    "tsh-above-target": "TSH above target",
    "beta-slow-rise": "Beta-hCG rising more slowly than the minimum expected",
    "beta-falling": "Beta-hCG falling",
    "rpl-definition-met": "Definitions of recurrent pregnancy loss",
    "aps-clinical-pattern": "Loss pattern used in the APS criteria",
    "apl-repeat-due": "Antiphospholipid test: repeat due",
    "platelets-fall-on-heparin": "Platelet fall on heparin",
    "missed-anticoagulant": "Anticoagulant doses not logged as taken",
    "missed-doses": "Doses not logged as taken",
    "progesterone-low": "Progesterone low around transfer",
    "vitamin-d-low": "Vitamin D low",
    "lab-out-of-range": "Lab result outside the range printed on the report",
    "retest-due": "Test or session due",
    "refill-due": "Refill due",
}

_SUBJECTS = {"tsh-above-target": "TSH", "progesterone-low": "Progesterone", "vitamin-d-low": "Vitamin D"}
# Keys the opening words use, ids (never words) and keys told with another key.
_TOLD_ELSEWHERE = frozenset(
    {
        "value",
        "unit",
        "equivalent",
        "date",
        "test",
        "count",
        "first",
        "second",
        "first_at",
        "second_at",
        "medication",
        "medication_id",
        "target_source",
        "threshold_nmol_l",
        "reference_date",
        "low",
        "high",
        "limit",
        "minimum_source",
    }
)
_INTERVAL = re.compile(r"(\d+)\s*([dwmy])")
_INTERVAL_WORDS = {"d": "day", "w": "week", "m": "month", "y": "year"}


def rule_name(rule: str) -> str:
    """'TSH above target'; a rule this export does not know keeps its id."""
    return RULE_NAMES.get(rule, rule)


def _plain(value: object, zone: ZoneInfo) -> str:
    """A number or label as words: yes/no, an instant in local time, a day as it is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if len(text) > 10 and text[4:5] == "-" and text[10:11] == "T":
        try:
            return datetime.fromisoformat(text).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return text
    return text


def _interval(value: object) -> str:
    """'12w' -> '12 weeks'."""
    found = _INTERVAL.fullmatch(str(value).strip())
    if found is None:
        return str(value)
    count, unit = int(found[1]), _INTERVAL_WORDS[found[2]]
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _ga(value: object) -> str:
    return format_ga(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)


Teller = Callable[[object, Mapping[str, object], ZoneInfo], str]


def _with_unit(label: str, unit: str) -> Teller:
    return lambda v, n, z: f"{label} {_plain(v, z)} {unit}"


def _labelled(label: str) -> Teller:
    return lambda v, n, z: f"{label}: {_plain(v, z)}"


def _target(v: object, n: Mapping[str, object], z: ZoneInfo) -> str:
    unit = f" {n['unit']}" if n.get("unit") else ""
    whose = f" ({n['target_source']})" if n.get("target_source") else ""
    return f"target {_plain(v, z)}{unit}{whose}"


def _threshold(v: object, n: Mapping[str, object], z: ZoneInfo) -> str:
    nmol = f" ({n['threshold_nmol_l']} nmol/L)" if n.get("threshold_nmol_l") else ""
    return f"threshold {_plain(v, z)} ng/mL{nmol}"


def _side(v: object, n: Mapping[str, object], z: ZoneInfo) -> str:
    low, high, unit = n.get("low"), n.get("high"), f" {n['unit']}" if n.get("unit") else ""
    if low is not None and high is not None:
        printed = f"{low}-{high}{unit}"
    elif high is not None:
        printed = f"up to {high}{unit}"
    else:
        printed = f"from {low}{unit}"
    return f"{v} the printed range ({printed})"


def _reference(v: object, n: Mapping[str, object], z: ZoneInfo) -> str:
    unit = f" {n['unit']}" if n.get("unit") else ""
    on = f" ({n['reference_date']})" if n.get("reference_date") else ""
    return f"highest count before heparin {v}{unit}{on}"


def _minimum(v: object, n: Mapping[str, object], z: ZoneInfo) -> str:
    return f"minimum expected rise per 48 h {v} %"


_TELLERS: dict[str, Teller] = {
    "target": _target,
    "threshold_ng_ml": _threshold,
    "side": _side,
    "reference": _reference,
    "minimum_percent": _minimum,
    "tpo_positive": _labelled("TPO antibodies positive"),
    "clinic_target": _labelled("your clinic's target"),
    "pregnant": _labelled("pregnant"),
    "on_levothyroxine": _labelled("on levothyroxine"),
    "on_anticoagulant": _labelled("drawn on an anticoagulant"),
    "days_from_transfer": _labelled("days from transfer"),
    "natural_cycle_fet": _labelled("natural-cycle frozen transfer"),
    "due": _labelled("due"),
    "interval": lambda v, n, z: f"interval: {_interval(v)}",
    "sydney_met": _labelled("revised Sapporo (Sydney) laboratory criterion met"),
    "acr_eular_2023": _labelled("2023 ACR/EULAR range"),
    "fall_percent": _with_unit("fall", "%"),
    "censored": _labelled("count reported as a limit"),
    "heparin": _labelled("heparin"),
    "heparin_day": _labelled("heparin day"),
    "timing_band": _labelled("4Ts timing"),
    "fourts_thrombocytopenia_points": _labelled("4Ts points for the fall"),
    "not_taken": _with_unit("not taken:", "doses"),
    "not_logged": _labelled("not logged"),
    "skipped": _labelled("skipped"),
    "first_slot_at": _labelled("first"),
    "latest_slot_at": _labelled("latest"),
    "lookback_days": _with_unit("looked back", "days"),
    "grace_minutes": _with_unit("grace period", "minutes"),
    "supply": _with_unit("supply counted:", "doses"),
    "supply_at": _labelled("counted at"),
    "taken_since_supply": _with_unit("taken since:", "doses"),
    "on_hand": _with_unit("on hand:", "doses"),
    "next_7_days": _with_unit("scheduled in the next 7 days:", "doses"),
    "remaining": _with_unit("remaining:", "doses"),
    "ga_days": lambda v, n, z: f"gestational age {_ga(v)}",
    "from": _labelled("from"),
    "last_tsh": _labelled("last TSH"),
    "reference_day": _labelled("counted from"),
    "reason": _labelled("reason"),
    "lab": _labelled("test"),
    "session": _labelled("session"),
    "last_session": _labelled("last session"),
    "hours": _with_unit("", "hours apart"),
    "change_percent": _with_unit("change", "%"),
    "rise_48h_percent": _with_unit("rise per 48 h", "%"),
    "doubling_hours": _with_unit("doubling time", "hours"),
    "different_labs": _labelled("different laboratories"),
    "verdict": _labelled("verdict"),
    "rise_48h_at_least_percent": _with_unit("rise per 48 h at least", "%"),
    "rise_48h_under_percent": _with_unit("rise per 48 h under", "%"),
    "fall_at_least_percent": _with_unit("fall at least", "%"),
    "eshre_count": _labelled("losses counted by ESHRE 2022"),
    "asrm_count": _labelled("by ASRM"),
    "rcog_count": _labelled("by RCOG 2023"),
    "meets_eshre": _labelled("meets ESHRE 2022"),
    "meets_asrm": _labelled("meets ASRM"),
    "meets_rcog": _labelled("meets RCOG 2023"),
    "longest_run": _labelled("longest run of losses in a row"),
    "run_has_uncounted": _labelled("an ectopic, molar pregnancy or termination inside that run"),
    "ga_unknown": _labelled("losses with no gestational age recorded"),
    "latest_loss_on": _labelled("latest loss"),
    "early_run": _labelled("early losses in a row"),
    "early_run_from": _labelled("from"),
    "early_run_to": _labelled("to"),
    "early_run_losses": _labelled("losses"),
    "early_run_biochemical": _labelled("biochemical"),
    "early_run_pul": _labelled("of unknown location"),
    "fetal_deaths": _labelled("fetal deaths"),
    "latest_fetal_death_on": _labelled("latest fetal death"),
    "latest_fetal_death_ga_days": lambda v, n, z: f"at {_ga(v)}",
    "apl_results": _labelled("antiphospholipid results on file"),
    "apl_tests": _labelled("tests"),
    "latest_apl_result_on": _labelled("latest antiphospholipid result"),
}


def _opening(rule: str, n: Mapping[str, object], zone: ZoneInfo) -> str:
    """The result that triggered the flag: 'TSH 2.8 mIU/L (2026-11-18)', 'hCG 45 mIU/mL (...) then ...'."""
    unit = f" {n['unit']}" if n.get("unit") else ""
    on = f" ({n['date']})" if n.get("date") else ""
    if "value" in n:
        test = n.get("test")
        subject = lab_name(test) if isinstance(test, str) else _SUBJECTS.get(rule, "")
        other = f" ({n['equivalent']})" if n.get("equivalent") else ""
        return f"{subject} {_plain(n['value'], zone)}{unit}{other}{on}".strip()
    if "count" in n:
        return f"Platelets {n['count']}{unit}{on}"
    if "first" in n and "second" in n:
        first_at, second_at = _plain(n.get("first_at"), zone), _plain(n.get("second_at"), zone)
        return f"hCG {n['first']}{unit} ({first_at}) then {n['second']}{unit} ({second_at})"
    if "medication" in n:
        return str(n["medication"])
    return ""


def numbers_words(rule: str, numbers: Mapping[str, object], zone: ZoneInfo) -> str:
    """The numbers behind a flag in words with their units, '; ' between them; ids are left out (they are in
    the id columns)."""
    parts = [_opening(rule, numbers, zone)]
    for key, value in numbers.items():
        if key in _TOLD_ELSEWHERE or value is None:
            continue
        tell = _TELLERS.get(key) or _labelled(key.replace("_", " "))
        parts.append(tell(value, numbers, zone).strip())
    return "; ".join(p for p in parts if p)
