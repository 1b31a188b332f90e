"""Labs, settings and flags from the command line, in process through main(argv) on a real journal file.

The clock is frozen at 2026-11-23 08:40 UTC (London wall time in November).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.cli.support import Cli, checksum


def file_bytes(path: Path) -> str:
    """The journal file's bytes (and its -wal, if any): 'byte-for-byte unchanged' means this is equal."""
    digest = hashlib.sha256(path.read_bytes())
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        digest.update(wal.read_bytes())
    return digest.hexdigest()


def test_lab_add_stores_the_value_as_entered_and_lists_it(cli: Cli) -> None:
    out = cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-20", "--range", "0.4-4.0")
    assert out.startswith("Saved: TSH 2.1 mIU/L on 2026-11-20 (lab 1).")
    [row] = cli.json("labs")
    assert row["test"] == "tsh"
    assert row["value"] == "2.1"
    assert row["unit"] == "mIU/L"
    assert row["range"] == {"low": "0.4", "high": "4.0", "raw": "0.4-4.0"}
    assert "TSH" in cli.ok("labs")
    assert "2026-11-20  2.1 mIU/L  (range 0.4-4.0)" in cli.ok("labs", "tsh")


@pytest.mark.parametrize(
    ("value", "unit", "stored_unit", "raw"),
    [
        ("2.5", "µIU/mL", "mIU/L", "2.5 µIU/mL"),
        ("2.5", "uIU/mL", "mIU/L", "2.5 uIU/mL"),
        ("2.5", "mU/L", "mIU/L", "2.5 mU/L"),
        ("2.5", "mIU/L", "mIU/L", "2.5 mIU/L"),
    ],
    ids=["micro-IU-per-mL", "u-IU-per-mL", "mU-per-L", "canonical"],
)
def test_e3_lab_unit_equivalence(cli: Cli, value: str, unit: str, stored_unit: str, raw: str) -> None:
    """E3: the same TSH written four ways is stored as 2.5 mIU/L, the text as entered kept."""
    cli.ok("lab", "add", "TSH", value, "--unit", unit, "--date", "2026-11-20")
    [row] = cli.json("labs")
    assert (row["value"], row["unit"]) == ("2.5", stored_unit)
    assert row["raw"].replace(" ", "") == raw.replace(" ", "")


def test_e6_censored_and_qualitative_results_are_kept_as_such(cli: Cli) -> None:
    """E6: `<0.01` is an operator and a bound, never 0.01; words stay words."""
    cli.ok("lab", "add", "TSH", "<0.01", "--date", "2026-11-01")
    cli.ok("lab", "add", "LA", "positive", "--date", "2026-11-02", "--on-anticoagulant")
    cli.ok("lab", "add", "FVL", "heterozygous", "--date", "2026-11-03")
    cli.ok("lab", "add", "karyotype", "46,XX,t(11;22)(q23;q11.2)", "--date", "2026-11-04")
    rows = {r["test"]: r for r in cli.json("labs")}
    assert (rows["tsh"]["op"], rows["tsh"]["value"]) == ("<", "0.01")
    assert rows["la"]["text"] == "positive"
    assert rows["la"]["on_anticoagulant"] is True
    assert rows["la"]["value"] is None
    assert rows["fvl"]["text"] == "heterozygous"
    assert rows["karyotype"]["text"] == "46,XX,t(11;22)(q23;q11.2)"


def test_progesterone_in_nmol_is_kept_in_nmol_and_converted_for_display(cli: Cli) -> None:
    cli.ok("lab", "add", "progesterone", "31.8", "--unit", "nmol/L", "--date", "2026-11-20")
    [row] = cli.json("labs")
    assert (row["value"], row["unit"]) == ("31.8", "nmol/L")
    assert row["canonical_value"] == "10"
    assert row["canonical_unit"] == "ng/mL"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("TSH", "-1"), "cannot be negative"),
        (("TSH", "abc"), "abc"),
        (("TSH", "2.5", "--unit", "ng/mL"), "unknown unit for TSH: ng/mL"),
        (("TSH", "2.5", "--date", "2026-12-01"), "future"),
        (("TSH", "2.5", "--date", "2026-02-30"), "2026-02-30"),
        (("TSH", "2.5", "--range", "4-0.4"), "low end above its high end"),
        (("LA", "maybe"), "maybe"),
        (("TSH", "500"), "unusual"),
        (("vitamin-d", "25", "--on-anticoagulant"), "lupus anticoagulant"),
    ],
    ids=[
        "negative",
        "not-a-number",
        "unknown-unit",
        "future-date",
        "no-such-day",
        "range-backwards",
        "unknown-word",
        "implausible",
        "anticoagulant-irrelevant",
    ],
)
def test_bad_lab_input_is_refused_and_the_journal_is_byte_for_byte_unchanged(
    cli: Cli, args: tuple[str, ...], words: str
) -> None:
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-01")
    before = file_bytes(cli.db)
    rc, out, err = cli("lab", "add", *args)
    assert rc == 2
    assert out == ""
    assert words in err
    assert len(err.strip().splitlines()) == 1
    assert file_bytes(cli.db) == before


def test_e2_implausible_value_is_kept_when_confirmed(cli: Cli) -> None:
    """E2: TSH 500 asks for a check; with --confirm it is stored as entered, marked confirmed."""
    cli.ok("lab", "add", "TSH", "500", "--confirm", "--date", "2026-11-20")
    [row] = cli.json("labs")
    assert (row["value"], row["confirmed_unusual"]) == ("500", True)


def test_lab_add_lit_points_to_sessions_and_a_custom_lab_takes_any_unit(cli: Cli) -> None:
    rc, _, err = cli("lab", "add", "LIT", "--date", "2026-05-01")
    assert rc == 2
    assert "session add lit" in err
    cli.ok("lab", "add", "NK cells", "12", "--unit", "%", "--date", "2026-05-02")
    rows = {r["test"]: r for r in cli.json("labs")}
    assert "lit" not in rows
    assert rows["NK cells"]["unit"] == "%"


def test_flags_json_is_identical_on_two_runs_and_has_the_contract_keys(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "3.1", "--date", "2026-11-20")
    cli.ok("loss", "add", "--date", "2025-03-01", "--ga", "5w", "--kind", "biochemical")
    cli.ok(
        "loss",
        "add",
        "--date",
        "2025-09-01",
        "--ga",
        "8w",
        "--kind",
        "miscarriage",
        "--confirmed",
        "ultrasound",
    )
    first = cli.ok("flags", "--json")
    assert cli.ok("flags", "--json") == first
    flags = cli.json("flags")
    rules = {f["id"] for f in flags}
    assert {"tsh-above-target", "rpl-definition-met"} <= rules
    for flag in flags:
        assert {"id", "title", "detail", "numbers", "sources", "ask", "since"} <= set(flag)
        assert flag["ask"].startswith("Ask your care team")
        assert flag["sources"]
    tsh = next(f for f in flags if f["id"] == "tsh-above-target")
    assert "S10" in tsh["sources"]
    assert tsh["numbers"]["value"] == "3.1"


def test_flag_ack_moves_it_off_the_active_list_until_new_data_triggers_it(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "3.1", "--date", "2026-11-01")
    out = cli.ok("flag", "ack", "tsh-above-target", "--note", "discussed by phone")
    assert out.startswith("Acknowledged: ")
    assert [f["id"] for f in cli.json("flags")] == []
    marked = cli.json("flags", "--all")
    assert [(f["id"], f["state"], f["note"]) for f in marked] == [
        ("tsh-above-target", "acknowledged", "discussed by phone")
    ]
    cli.ok("lab", "add", "TSH", "3.4", "--date", "2026-11-20")
    [again] = cli.json("flags")
    assert again["id"] == "tsh-above-target"
    assert again["numbers"]["value"] == "3.4"


def test_flag_raised_and_unmark(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "3.1", "--date", "2026-11-01")
    cli.ok("flag", "raised", "tsh-above-target", "--note", "retest in 4 weeks")
    [flag] = cli.json("flags", "--all")
    assert (flag["state"], flag["note"]) == ("raised", "retest in 4 weeks")
    cli.ok("flag", "unmark", "tsh-above-target")
    [flag] = cli.json("flags")
    assert flag["state"] == "active"


def test_flag_ack_of_an_unknown_id_is_a_usage_error_and_writes_nothing(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "3.1", "--date", "2026-11-01")
    before = checksum(cli.db)
    rc, _, err = cli("flag", "ack", "no-such-flag")
    assert rc == 2
    assert "no flag 'no-such-flag'" in err
    assert checksum(cli.db) == before


def test_a_clinic_target_drives_the_flag_and_the_default_is_shown(cli: Cli) -> None:
    cli.ok("lab", "add", "TSH", "2.2", "--date", "2026-11-20")
    assert cli.json("flags") == []
    assert cli.ok("settings", "set", "tsh.target", "2.0") == "Saved: tsh.target = 2\n"
    [flag] = cli.json("flags")
    assert flag["clinic_target"] is True
    assert "clinic" in flag["detail"]
    assert any("2.5" in line for line in flag["context"])
    assert cli.ok("settings", "reset", "tsh.target").startswith("Reset: tsh.target")
    assert cli.json("flags") == []


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("tsh.target", "abc", "must be a number"),
        ("tsh.target", "-1", "must be above 0"),
        ("vitamin-d.threshold", "0", "must be above 0"),
        ("retest.apl", "soon", "cannot read the interval"),
        ("retest.after.levothyroxine", "TSH", "like 'TSH 6w'"),
        ("no.such", "1", "unknown setting"),
    ],
    ids=["not-a-number", "negative", "zero", "bad-interval", "retest-without-interval", "unknown-key"],
)
def test_bad_settings_are_refused_and_change_nothing(cli: Cli, key: str, value: str, words: str) -> None:
    cli.ok("settings", "set", "reminders.grace", "90m")
    before = file_bytes(cli.db)
    rc, _, err = cli("settings", "set", key, value)
    assert rc == 2
    assert words in err
    assert file_bytes(cli.db) == before


def test_flags_as_of_evaluates_then(cli: Cli) -> None:
    """--as-of: a result from after that moment does not count yet."""
    cli.ok("lab", "add", "TSH", "3.1", "--date", "2026-11-20")
    assert cli.json("flags", "--as-of", "2026-11-19") == []
    assert [f["id"] for f in cli.json("flags", "--as-of", "2026-11-21")] == ["tsh-above-target"]


def test_flags_text_says_nothing_to_raise_on_an_empty_journal(cli: Cli) -> None:
    assert cli.ok("flags").startswith("Nothing to raise right now")
