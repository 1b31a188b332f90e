"""Genotype results as reports print them (issue 15): the report's words read as the closed words of §13,
a test name with its result after it, and MTHFR C677T / A1298C as tests of their own."""

from __future__ import annotations

import pytest

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.labcatalog import (
    LABS,
    by_key,
    known_word,
    lookup,
    parse_lab_value,
    resolve_entry,
    split_result,
)
from rpltrack.domain.labs import LabKind, LabValue, value_words

GENOTYPE_TESTS = ("fvl", "prothrombin", "mthfr", "mthfr-c677t", "mthfr-a1298c")


@pytest.mark.parametrize("key", GENOTYPE_TESTS)
@pytest.mark.parametrize(
    ("said", "word"),
    [
        ("negative", "not detected"),
        ("Negative", "not detected"),
        ("not detected", "not detected"),
        ("Not-Detected", "not detected"),
        ("wild type", "not detected"),
        ("Wild-type", "not detected"),
        ("wildtype", "not detected"),
        ("normal", "not detected"),
        ("heterozygous", "heterozygous"),
        ("het", "heterozygous"),
        ("HET", "heterozygous"),
        ("homozygous", "homozygous"),
        ("positive", "detected"),
        ("detected", "detected"),
    ],
)
def test_a_genotype_word_from_a_report_is_stored_as_the_closed_word(key: str, said: str, word: str) -> None:
    value = parse_lab_value(by_key(key), said)
    assert (value.text, value.number, value.unit, value.raw) == (word, None, None, said)


@pytest.mark.parametrize("key", GENOTYPE_TESTS)
@pytest.mark.parametrize("said", ["hom", "carrier", "abnormal", "mutated", "weakly positive", "2", "maybe"])
def test_any_other_word_is_refused_with_the_accepted_words(key: str, said: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_lab_value(by_key(key), said)
    message = caught.value.message
    assert caught.value.field == "value"
    assert repr(said) in message
    assert "not detected, heterozygous, homozygous" in message
    assert "negative, wild type, wildtype or normal as not detected" in message
    assert "het as heterozygous" in message
    assert "positive as detected" in message


def test_only_the_plain_mthfr_takes_compound_heterozygous() -> None:
    assert known_word(by_key("mthfr"), "compound heterozygous") == "compound heterozygous"
    for key in ("mthfr-c677t", "mthfr-a1298c"):
        assert known_word(by_key(key), "compound heterozygous") is None


@pytest.mark.parametrize(("key", "word"), [("la", "positive"), ("hiv", "negative"), ("acl-igg", "positive")])
def test_other_tests_keep_their_own_words_unmapped(key: str, word: str) -> None:
    """'negative' is a word of its own for an antibody or infection test: nothing is read as another."""
    assert parse_lab_value(by_key(key), word).text == word
    assert by_key(key).synonyms == ()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("MTHFR C677T", "mthfr-c677t"),
        ("mthfr c677t", "mthfr-c677t"),
        ("C677T", "mthfr-c677t"),
        ("MTHFR 677C>T", "mthfr-c677t"),
        ("MTHFR A1298C", "mthfr-a1298c"),
        ("A1298C", "mthfr-a1298c"),
        ("MTHFR 1298", "mthfr-a1298c"),
        ("MTHFR", "mthfr"),
        ("MTHFR mutation", "mthfr"),
    ],
)
def test_the_mthfr_variants_are_tests_of_their_own_and_plain_mthfr_stays(name: str, key: str) -> None:
    test = lookup(name)
    assert test is not None
    assert test.key == key
    assert test.group == "genetics"
    assert test.kind is LabKind.QUALITATIVE


def test_mthfr_tests_carry_no_note_or_advice() -> None:
    """§9: an MTHFR result is recorded, with no flag and no dose advice attached."""
    for key in ("mthfr", "mthfr-c677t", "mthfr-a1298c"):
        assert by_key(key).note == ""


@pytest.mark.parametrize(
    ("phrase", "key", "word", "said"),
    [
        ("Factor V Leiden negative", "fvl", "not detected", "negative"),
        ("MTHFR C677T heterozygous", "mthfr-c677t", "heterozygous", "heterozygous"),
        ("MTHFR A1298C homozygous", "mthfr-a1298c", "homozygous", "homozygous"),
        ("prothrombin G20210A not detected", "prothrombin", "not detected", "not detected"),
        ("  factor v leiden   Wild Type ", "fvl", "not detected", "Wild Type"),
        ("FVL het", "fvl", "heterozygous", "het"),
        ("MTHFR compound heterozygous", "mthfr", "compound heterozygous", "compound heterozygous"),
        ("MTHFR C677T positive", "mthfr-c677t", "detected", "positive"),
        ("Lupus anticoagulant positive", "la", "positive", "positive"),
    ],
)
def test_a_test_named_with_its_result_is_read_as_both(phrase: str, key: str, word: str, said: str) -> None:
    test, text = resolve_entry(phrase)
    assert (test.key, text) == (key, said)
    assert parse_lab_value(test, text).text == word
    assert split_result(phrase) == (test, said)


@pytest.mark.parametrize(
    "name",
    ["Factor V Leiden", "MTHFR C677T", "TSH", "Ferritin", "TSH receptor antibodies", "karyotype 46,XX"],
)
def test_a_name_without_a_result_after_it_is_not_split(name: str) -> None:
    assert split_result(name) is None
    test, text = resolve_entry(name, "")
    assert text == ""
    known = lookup(name)
    assert test.key == (known.key if known is not None else " ".join(name.split()))


def test_a_value_given_apart_is_read_with_the_test() -> None:
    test, text = resolve_entry("Factor V Leiden", "negative")
    assert (test.key, text) == ("fvl", "negative")
    assert parse_lab_value(test, text).text == "not detected"


def test_a_result_given_twice_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        resolve_entry("Factor V Leiden negative", "negative")
    assert "give the result once" in caught.value.message


@pytest.mark.parametrize(
    ("phrase", "test_name"),
    [
        ("MTHFR C677T maybe", "MTHFR C677T"),
        ("Factor V Leiden carrier", "Factor V Leiden"),
        ("prothrombin G20210A hom", "Prothrombin G20210A"),
    ],
)
def test_a_test_name_with_an_unknown_result_after_it_is_refused_with_the_words(phrase, test_name) -> None:
    with pytest.raises(ValidationError) as caught:
        resolve_entry(phrase, "")
    message = caught.value.message
    assert f"as {test_name} and its result" in message
    assert "not detected, heterozygous, homozygous or detected" in message
    assert "for a test of your own, give its result after the name" in message


def test_her_own_test_with_a_value_apart_is_still_her_own() -> None:
    """'prothrombin time 12.5' is a test of her own, not a genotype."""
    test, text = resolve_entry("prothrombin time", "12.5")
    assert test.custom
    assert (test.name, text) == ("prothrombin time", "12.5")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (LabValue(text="not detected", raw="negative"), 'not detected (entered as "negative")'),
        (LabValue(text="heterozygous", raw="het"), 'heterozygous (entered as "het")'),
        (LabValue(text="not detected", raw="Not-Detected"), "not detected"),
        (LabValue(text="positive", raw="Positive"), "positive"),
        (LabValue(text="46,XX", raw="46,XX"), "46,XX"),
        (LabValue(), "a session"),
    ],
)
def test_a_word_read_from_hers_is_shown_back_in_her_words(value: LabValue, shown: str) -> None:
    assert value_words(value) == shown


def test_every_synonym_means_a_word_its_test_takes() -> None:
    for test in LABS.values():
        for said, meant in test.synonyms:
            assert meant in test.words, (test.key, said)
            assert said not in test.words, (test.key, said)
