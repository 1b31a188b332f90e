"""Issue 15 from the command line: combination folate brands show their parts in `med add` and `med list`
(text and JSON) and count as folic acid for a template; genotype results are taken as reports print them,
with the value apart or in the test's name. In process through main(argv), clock frozen (tests/cli)."""

from __future__ import annotations

import pytest

from tests.cli.support import Cli, checksum

FOLGARD = "Folgard \N{EM DASH} folic acid + vitamin B6 + vitamin B12"


@pytest.mark.parametrize("brand", ["Folgard", "Folbic", "Foltx", "Folbee", "FaBB", "Folgard RX 2.2"])
def test_med_add_a_combination_brand_stores_the_combination_and_shows_its_parts(cli: Cli, brand: str) -> None:
    out = cli.ok("med", "add", brand, "--dose", "1 tablet", "--times", "08:00")
    assert out.startswith(f"Saved: {brand} \N{EM DASH} folic acid + vitamin B6 + vitamin B12: 1 tablet, ")
    assert "Strengths vary by product" in out
    assert "rpltrack med edit 1 --notes" in out
    [med] = cli.json("med", "list")
    assert (med["name"], med["generic"]) == (brand, "folic-b6-b12")
    assert med["parts"] == ["folic acid", "vitamin B6", "vitamin B12"]
    assert med["display_name"] == f"{brand} \N{EM DASH} folic acid + vitamin B6 + vitamin B12"


def test_med_list_shows_the_parts_and_keeps_every_other_key(cli: Cli) -> None:
    cli.ok("med", "add", "Folgard", "--dose", "1 tablet", "--times", "08:00", "--notes", "FA 2.2 mg")
    cli.ok("med", "add", "Lovenox", "--dose", "40 mg", "--times", "20:00")
    out = cli.ok("med", "list")
    assert f"  1  {FOLGARD}: 1 tablet, 08:00 daily (from 2026-11-23; active)" in out
    assert "  2  Lovenox: 40 mg, 20:00 daily" in out
    folgard, lovenox = cli.json("med", "list")
    for key in ("id", "name", "generic", "route", "state", "dose", "schedule", "dose_today", "notes"):
        assert key in folgard
    assert folgard["dose"]["unit"] == "tablet"
    assert folgard["notes"] == "FA 2.2 mg"
    assert (lovenox["parts"], lovenox["display_name"]) == ([], "Lovenox")


def test_a_combination_given_in_mg_is_refused_with_the_label_hint(cli: Cli) -> None:
    rc, _, err = cli("med", "add", "Foltx", "--dose", "2.5 mg", "--times", "08:00")
    assert rc == 2
    assert "is counted in tablets (e.g. 1 tablet)" in err
    assert "note the amounts on your label" in err
    assert cli.json("med", "list") == []


def test_methylfolate_stays_its_own_entry(cli: Cli) -> None:
    out = cli.ok("med", "add", "L-methylfolate", "--dose", "1 mg", "--times", "08:00")
    assert out.startswith("Saved: L-methylfolate 1 mg, ")
    [med] = cli.json("med", "list")
    assert (med["generic"], med["parts"], med["display_name"]) == ("methylfolate", [], "L-methylfolate")


def test_the_folic_acid_template_sees_the_folic_acid_in_folgard(cli: Cli) -> None:
    """Applying 'folic acid 0.4 mg a day' while on Folgard would add folic acid a second time."""
    cli.ok("med", "add", "Folgard", "--dose", "1 tablet", "--times", "08:00")
    rc, _, err = cli("protocol", "apply", "folic-acid-daily")
    assert rc == 2
    assert "you already have folic acid in your journal" in err
    assert len(cli.json("med", "list")) == 1


def test_a_med_found_by_its_brand_or_the_combination_spelling(cli: Cli) -> None:
    cli.ok("med", "add", "Folbic", "--dose", "1 tablet", "--times", "08:00")
    out = cli.ok("med", "stop", "folic acid/b6/b12")
    assert out.startswith("Stopped: Folbic")


# -- genotype words -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "key", "word", "shown"),
    [
        (("Factor V Leiden", "negative"), "fvl", "not detected", 'not detected (entered as "negative")'),
        (("Factor V Leiden negative",), "fvl", "not detected", 'not detected (entered as "negative")'),
        (("FVL", "wild type"), "fvl", "not detected", 'not detected (entered as "wild type")'),
        (("FVL", "normal"), "fvl", "not detected", 'not detected (entered as "normal")'),
        (("MTHFR C677T heterozygous",), "mthfr-c677t", "heterozygous", "heterozygous"),
        (("MTHFR C677T", "het"), "mthfr-c677t", "heterozygous", 'heterozygous (entered as "het")'),
        (("MTHFR A1298C homozygous",), "mthfr-a1298c", "homozygous", "homozygous"),
        (("prothrombin G20210A not detected",), "prothrombin", "not detected", "not detected"),
        (("prothrombin", "positive"), "prothrombin", "detected", 'detected (entered as "positive")'),
        (("prothrombin G20210A detected",), "prothrombin", "detected", "detected"),
    ],
    ids=lambda v: "|".join(v) if isinstance(v, tuple) else None,
)
def test_lab_add_takes_genotypes_as_reports_print_them(
    cli: Cli, args: tuple[str, ...], key: str, word: str, shown: str
) -> None:
    out = cli.ok("lab", "add", *args, "--date", "2026-11-20")
    assert f" {shown} on 2026-11-20 (lab 1)." in out
    [row] = cli.json("labs")
    assert (row["test"], row["text"], row["value"], row["unit"]) == (key, word, None, None)
    assert shown in cli.ok("labs")
    assert cli.ok("flags").startswith("Nothing to raise")  # §9, §12: no flag for a genotype


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("Factor V Leiden", "maybe"), "'maybe' is not a result rpltrack knows for Factor V Leiden"),
        (("MTHFR C677T", "compound heterozygous"), "is not a result rpltrack knows for MTHFR C677T"),
        (("MTHFR C677T maybe",), "cannot read 'MTHFR C677T maybe' as MTHFR C677T and its result"),
        (("Factor V Leiden negative", "negative"), "give the result once"),
        (("Factor V Leiden",), 'give the result of Factor V Leiden, e.g. rpltrack lab add "Factor V Leiden"'),
    ],
    ids=["unknown-word", "compound-for-a-variant", "unknown-in-name", "twice", "no-result"],
)
def test_lab_add_refuses_what_it_cannot_read_and_writes_nothing(
    cli: Cli, args: tuple[str, ...], words: str
) -> None:
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-01")
    before = checksum(cli.db)
    rc, _, err = cli("lab", "add", *args)
    assert rc == 2
    assert words in err
    if "result once" not in words and "give the result of" not in words:
        assert "not detected, heterozygous, homozygous" in err
    assert checksum(cli.db) == before


def test_an_earlier_plain_mthfr_result_stays_readable_beside_the_variants(cli: Cli) -> None:
    cli.ok("lab", "add", "MTHFR", "heterozygous", "--date", "2026-01-10")
    cli.ok("lab", "add", "MTHFR C677T heterozygous", "--date", "2026-11-20")
    rows = {row["test"]: row for row in cli.json("labs")}
    assert set(rows) == {"mthfr", "mthfr-c677t"}
    assert (rows["mthfr"]["name"], rows["mthfr"]["text"]) == ("MTHFR", "heterozygous")
    assert rows["mthfr-c677t"]["name"] == "MTHFR C677T"
    assert "MTHFR: 1 result" in cli.ok("labs", "MTHFR")
    assert "MTHFR C677T: 1 result" in cli.ok("labs", "MTHFR C677T")


def test_lab_edit_takes_the_test_and_its_result_together(cli: Cli) -> None:
    cli.ok("lab", "add", "MTHFR", "heterozygous", "--date", "2026-01-10")
    out = cli.ok("lab", "edit", "1", "--test", "MTHFR A1298C wild type")
    assert "the test from MTHFR to MTHFR A1298C" in out
    [row] = cli.json("labs")
    assert (row["test"], row["text"], row["raw"]) == ("mthfr-a1298c", "not detected", "wild type")
