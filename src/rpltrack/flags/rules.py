"""The rule registry and the engine: a pure function of the journal snapshot and its `now`.

Each rule is a small function in lab_rules, clotting_rules, retest_rules, beta_rules, aps_rules or
record_rules (one per rule id of the clinical reference); this module lists them and evaluates them in a
fixed order, so two runs over an unchanged journal are identical.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rpltrack.domain.records import record
from rpltrack.flags import aps_rules, beta_rules, clotting_rules, lab_rules, record_rules, retest_rules
from rpltrack.flags.model import Evaluation, Flag, FlagMark, JournalSnapshot, Unjudged

Rule = Callable[[JournalSnapshot], Iterable[Flag | Unjudged]]

RULES: dict[str, Rule] = {
    "tsh-above-target": lab_rules.tsh_above_target,
    "beta-slow-rise": beta_rules.beta_slow_rise,
    "beta-falling": beta_rules.beta_falling,
    "rpl-definition-met": record_rules.rpl_definition_met,
    "aps-clinical-pattern": aps_rules.aps_clinical_pattern,
    "apl-repeat-due": clotting_rules.apl_repeat_due,
    "platelets-fall-on-heparin": clotting_rules.platelets_fall_on_heparin,
    "missed-anticoagulant": record_rules.missed_anticoagulant,
    "missed-doses": record_rules.missed_doses,
    "progesterone-low": lab_rules.progesterone_low,
    "vitamin-d-low": lab_rules.vitamin_d_low,
    "lab-out-of-range": lab_rules.lab_out_of_range,
    "retest-due": retest_rules.retest_due,
    "refill-due": record_rules.refill_due,
}

# What each rule checks, in plain words with its sources: the Flags screen's info pane.
DESCRIPTIONS: dict[str, str] = {
    **lab_rules.DESCRIPTIONS,
    **beta_rules.DESCRIPTIONS,
    **record_rules.DESCRIPTIONS,
    **aps_rules.DESCRIPTIONS,
}


def evaluate(snap: JournalSnapshot, rules: Mapping[str, Rule] | None = None) -> Evaluation:
    """Every rule over `snap`: flags newest first (then by rule order and subject), and what could not be
    judged. A rule that yields the same key twice keeps the first."""
    flags: dict[str, Flag] = {}
    unjudged: dict[str, Unjudged] = {}
    order = {rule_id: n for n, rule_id in enumerate(RULES)}
    for rule_id, rule in (rules or RULES).items():
        try:
            items = list(rule(snap))
        except Exception as exc:
            # One rule failing on odd data must not hide every other flag: it is listed as not judged.
            items = [
                Unjudged(rule_id, "error", f"rpltrack could not check this rule ({type(exc).__name__}).")
            ]
        for item in items:
            target: dict[str, Flag] | dict[str, Unjudged] = flags if isinstance(item, Flag) else unjudged
            target.setdefault(item.key, item)  # type: ignore[arg-type]  # same key type in both
    ordered = sorted(flags.values(), key=lambda f: (-f.since.toordinal(), order.get(f.rule, 99), f.subject))
    pending = sorted(unjudged.values(), key=lambda u: (order.get(u.rule, 99), u.subject))
    return Evaluation(tuple(ordered), tuple(pending))


@record(frozen=True)
class Board:
    """The flags as she sees them: active ones, those she acknowledged or raised (a mark on the same key),
    and what could not be judged. A flag whose data changed has a new key, so it is active again."""

    active: tuple[Flag, ...]
    marked: tuple[Flag, ...]
    unjudged: tuple[Unjudged, ...]
    marks: Mapping[str, FlagMark]


def board(snap: JournalSnapshot, marks: Mapping[str, FlagMark]) -> Board:
    evaluation = evaluate(snap)
    active = tuple(f for f in evaluation.flags if f.key not in marks)
    marked = tuple(f for f in evaluation.flags if f.key in marks)
    return Board(active, marked, evaluation.unjudged, marks)
