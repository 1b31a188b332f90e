"""`rpltrack search` and Journal.search (#18): a hit in each kind of text, literal % and _, any case."""

from __future__ import annotations

import pytest

from rpltrack.store.journal import Journal
from rpltrack.store.search import like_pattern, snippet
from tests.cli.support import Cli


@pytest.fixture
def filled(cli: Cli) -> Cli:
    cli.ok(
        "med", "add", "Clexane", "--dose", "40 mg", "--times", "08:00", "--notes", "keep in the fridge door"
    )
    cli.ok("take", "Clexane", "--at", "2026-11-23 08:05", "--note", "bruised, iced it afterwards")
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "20:00", "--start", "2026-11-20")
    cli.ok("skip", "aspirin", "--at", "2026-11-22 20:00", "--reason", "stomach upset after dinner")
    cli.ok("lab", "add", "TSH", "2.8", "--date", "2026-11-20", "--note", "Dr Lee wants 50% more often")
    cli.ok("lab", "add", "karyotype", "46,XX", "--date", "2026-10-02")
    cli.ok("appt", "add", "--at", "2026-11-10 09:30", "--with", "Dr Ämilie Öberg", "--kind", "re",
           "--purpose", "review after_loss results")  # fmt: skip
    cli.ok("appt", "ask", "1", "Is my ÉCHO normal?")
    cli.ok("appt", "done", "1", "--decided", "start progesterone from CD14")
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-01", "--notes", "natural FET, monitoring only")
    cli.ok("event", "add", "ultrasound", "--date", "2026-11-12", "--note", "lining 9mm trilaminar")
    return cli


def _hits(cli: Cli, text: str) -> list[tuple[str, int, str, str]]:
    return [(h["kind"], h["id"], h["date"], h["field"]) for h in cli.json("search", text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FRIDGE", [("medication", 1, "2026-11-23", "notes")]),
        ("clexane", [("medication", 1, "2026-11-23", "name")]),
        ("iced", [("dose", 1, "2026-11-23", "note")]),
        ("upset", [("dose", 2, "2026-11-22", "reason")]),
        ("thyroid", [("lab", 1, "2026-11-20", "name")]),
        ("tsh", [("lab", 1, "2026-11-20", "name")]),
        ("46,xx", [("lab", 2, "2026-10-02", "result")]),
        ("more often", [("lab", 1, "2026-11-20", "note")]),
        ("écho", [("question", 1, "2026-11-10", "words")]),
        ("progesterone from", [("appointment", 1, "2026-11-10", "decided")]),
        ("trilaminar", [("event", 1, "2026-11-12", "note")]),
        ("monitoring", [("cycle", 1, "2026-11-01", "notes")]),
    ],
    ids=[
        "med-notes", "med-name", "dose-note", "skip-reason", "lab-catalog-name", "lab-key", "lab-result",
        "lab-note", "question", "decision", "event-note", "cycle-notes",
    ],
)  # fmt: skip
def test_search_finds_each_kind_of_text(
    filled: Cli, text: str, expected: list[tuple[str, int, str, str]]
) -> None:
    assert _hits(filled, text) == expected


def test_percent_and_underscore_are_literal(filled: Cli) -> None:
    assert _hits(filled, "50%") == [("lab", 1, "2026-11-20", "note")]
    assert _hits(filled, "%") == [("lab", 1, "2026-11-20", "note")]
    assert _hits(filled, "after_loss") == [("appointment", 1, "2026-11-10", "purpose")]
    # An underscore is not "any one character": "after loss" and "afterXloss" hold none.
    assert _hits(filled, "_") == [("appointment", 1, "2026-11-10", "purpose")]
    assert filled.json("search", "r_v") == []


@pytest.mark.parametrize("text", ["ämilie", "ÄMILIE", "öberg", "ÖBERG", "Ämilie Öberg"])
def test_non_ascii_letters_match_in_any_case(filled: Cli, text: str) -> None:
    assert _hits(filled, text) == [("appointment", 1, "2026-11-10", "with")]


def test_search_text_output_names_kind_date_and_id(filled: Cli) -> None:
    out = filled.ok("search", "fridge")
    assert "2026-11-23  medication 1: Clexane — notes: keep in the fridge door" in out
    assert "1 found." in out
    assert filled.ok("search", "nothing", "like", "this") == "Nothing found for 'nothing like this'.\n"


def test_search_refuses_empty_words_and_a_bad_limit(filled: Cli) -> None:
    rc, _, err = filled("search", "   ")
    assert rc == 2
    assert "give some words to search for" in err
    rc, _, err = filled("search", "a", "--limit", "0")
    assert rc == 2
    assert "--limit is at least 1" in err


def test_search_newest_first_and_limited(filled: Cli) -> None:
    found = filled.json("search", "e", "--limit", "3")
    assert len(found) == 3
    assert [h["date"] for h in found] == sorted((h["date"] for h in found), reverse=True)


def test_the_journal_search_reads_a_reopened_file(filled: Cli) -> None:
    with Journal.open(filled.db) as journal:
        (hit,) = journal.search("TRILAMINAR")
    assert (hit.kind, hit.parent_id, hit.text) == ("event", 1, "lining 9mm trilaminar")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("50%", "%50\\%%"), ("a_b", "%a\\_b%"), ("c:\\x", "%c:\\\\x%"), ("plain", "%plain%")],
    ids=["percent", "underscore", "backslash", "plain"],
)
def test_like_pattern_escapes_wildcards(text: str, pattern: str) -> None:
    assert like_pattern(text) == pattern


def test_snippet_is_cut_around_the_match() -> None:
    text = "word " * 40 + "NEEDLE" + " tail" * 40
    cut = snippet(text, "needle")
    assert "NEEDLE" in cut
    assert cut.startswith("…")
    assert cut.endswith("…")
    assert len(cut) <= 92
