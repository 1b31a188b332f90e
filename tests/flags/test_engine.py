"""The engine over all rules: order, determinism, and one failing rule not hiding the others."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from rpltrack.flags.model import Flag, JournalSnapshot, Unjudged
from rpltrack.flags.rules import DESCRIPTIONS, RULES, evaluate

NOW = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)


def _flag(rule: str, since: date) -> Iterator[Flag | Unjudged]:
    yield Flag(rule, "x", "t", "d", "Ask your care team about it.", {}, ("app",), since)


def test_every_rule_of_the_reference_is_registered_and_described() -> None:
    assert set(RULES) == {
        "tsh-above-target",
        "beta-slow-rise",
        "beta-falling",
        "rpl-definition-met",
        "aps-clinical-pattern",
        "apl-repeat-due",
        "platelets-fall-on-heparin",
        "missed-anticoagulant",
        "missed-doses",
        "progesterone-low",
        "vitamin-d-low",
        "lab-out-of-range",
        "retest-due",
        "refill-due",
    }
    assert set(DESCRIPTIONS) == set(RULES)


def test_an_empty_journal_raises_nothing() -> None:
    result = evaluate(JournalSnapshot(NOW, ZoneInfo("Europe/London")))
    assert result.flags == ()
    assert result.unjudged == ()


def test_flags_come_newest_first_and_a_failing_rule_is_listed_not_judged() -> None:
    def broken(_: JournalSnapshot) -> Iterator[Flag | Unjudged]:
        raise ZeroDivisionError
        yield  # pragma: no cover

    rules = {
        "tsh-above-target": lambda _: _flag("tsh-above-target", date(2026, 1, 1)),
        "beta-falling": broken,
        "missed-doses": lambda _: _flag("missed-doses", date(2026, 11, 20)),
    }
    snap = JournalSnapshot(NOW, ZoneInfo("Europe/London"))
    result = evaluate(snap, rules)
    assert [f.rule for f in result.flags] == ["missed-doses", "tsh-above-target"]
    assert [(u.rule, u.text) for u in result.unjudged] == [
        ("beta-falling", "rpltrack could not check this rule (ZeroDivisionError).")
    ]
    assert evaluate(snap, rules) == result
