"""`rpltrack protocol ...`: list, show, apply (one undo), export, import (nothing kept from a bad file), save.

The clock is frozen at Monday 2026-11-23 08:40 UTC (London wall time in November).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rpltrack.domain.protocols import builtin_template, parse_template
from rpltrack.store.journal import Journal
from tests.cli.support import Cli, checksum

FET_DOSES = ("--dose", "estradiol=2 mg", "--dose", "pio=1 mL")


def fet_cycle(cli: Cli, transfer: bool = True) -> None:
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-10-20")
    if transfer:
        cli.ok("transfer", "add", "--date", "2026-11-08", "--embryo-day", "5")


def test_list_shows_the_examples_and_says_they_are_not_recommendations(cli: Cli) -> None:
    out = cli.ok("protocol", "list")
    assert out.startswith("Built-in examples:\n")
    assert (
        "  medicated-fet-pio    Medicated FET with progesterone in oil (2 medications; expects cd1, " in out
    )
    assert "not recommendations" in out
    listed = cli.json("protocol", "list")
    assert [t["name"] for t in listed] == [
        "aspirin-lmwh",
        "folic-acid-daily",
        "levothyroxine-daily",
        "medicated-fet-pio",
        "natural-fet",
        "prednisolone-taper",
    ]
    assert listed[3] == {
        "name": "medicated-fet-pio",
        "title": "Medicated FET with progesterone in oil",
        "builtin": True,
        "cycle": "fet",
        "events": ["cd1", "transfer"],
        "medications": 2,
        "missing_doses": ["estradiol", "progesterone in oil"],
    }


def test_show_gives_every_medication_its_schedule_and_the_file(cli: Cli) -> None:
    out = cli.ok("protocol", "show", "aspirin-lmwh")
    assert (
        out.splitlines()[0]
        == "aspirin-lmwh: Low-dose aspirin, then LMWH from a positive test (built-in example)"
    )
    assert "  1. aspirin: 81 mg; 08:00 daily, from the day it is applied, until 36w 0d of pregnancy" in out
    assert (
        "  2. enoxaparin: 40 mg; 20:00 daily, from the first positive beta, until 36w 0d of pregnancy" in out
    )
    pio = cli.json("protocol", "show", "medicated-fet-pio")["medications"][1]
    assert (pio["dose"], pio["start"], pio["schedule"]) == (
        None,
        "transfer-5d",
        "20:00 daily, from 5 days before transfer",
    )
    text = cli.ok("protocol", "show", "prednisolone-taper", "--toml")
    assert parse_template(text) == builtin_template("prednisolone-taper")


def test_apply_ties_the_doses_to_the_cycle_and_one_undo_takes_them_back(cli: Cli) -> None:
    fet_cycle(cli, transfer=False)
    before = checksum(cli.db, ("medications", "regimens", "protocol_uses"))
    out = cli.ok("protocol", "apply", "medicated-fet-pio", *FET_DOSES)
    assert out.splitlines()[:3] == [
        "Applied medicated-fet-pio (Medicated FET with progesterone in oil) to cycle 1 (medicated FET from "
        "2026-10-20): 2 medications.",
        "  estradiol 2 mg, 08:00 daily, from 2026-10-20 (CD1)",
        "  progesterone in oil 1 mL, 20:00 daily, starts at 5 days before transfer, waiting for it to be "
        "recorded",
    ]
    assert "rpltrack undo" in out
    cli.ok("transfer", "add", "--date", "2026-11-08", "--embryo-day", "5")
    meds = {m["name"]: m for m in cli.json("med", "list")}
    assert (meds["progesterone in oil"]["start"], meds["progesterone in oil"]["start_anchor"]) == (
        "2026-11-03",
        "transfer-5d",
    )
    cli.ok("transfer", "edit", "1", "--date", "2026-11-10")
    assert cli.json("med", "list")[1]["start"] == "2026-11-05"
    cli.ok("undo")  # the transfer edit
    cli.ok("undo")  # the transfer
    assert cli.ok("undo").startswith(
        "Undone: applied medicated-fet-pio: added estradiol, progesterone in oil."
    )
    assert checksum(cli.db, ("medications", "regimens", "protocol_uses")) == before


def test_a_dose_told_at_a_visit_is_an_edit_from_a_date(cli: Cli) -> None:
    fet_cycle(cli)
    cli.ok("protocol", "apply", "medicated-fet-pio", *FET_DOSES)
    out = cli.ok("med", "edit", "pio", "--dose", "1.5 mL", "--from", "2026-11-25")
    assert out.startswith("Saved: progesterone in oil — 1.5 mL 20:00 daily from 2026-11-25.")
    (pio,) = [m for m in cli.json("med", "list") if m["name"] == "progesterone in oil"]
    assert [(r["from"], r["dose"]["value"]) for r in pio["regimens"]][-1] == ("2026-11-25", 1.5)
    assert pio["start_anchor"] == "transfer-5d"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        pytest.param(
            ("medicated-fet-pio",),
            "no dose for estradiol and progesterone in oil: give your clinic's dose for each with "
            "--dose 'estradiol=AMOUNT' --dose 'progesterone in oil=AMOUNT'",
            id="missing-doses",
        ),
        pytest.param(("medicated-fet-pio", "--dose", "estradiol"), "NAME=AMOUNT", id="dose-without-amount"),
        pytest.param(
            ("medicated-fet-pio", *FET_DOSES, "--dose", "tylenol=1 mg"),
            "has no medication called 'tylenol'",
            id="dose-for-another-medication",
        ),
        pytest.param(
            ("medicated-fet-pio", "--dose", "estradiol=2 mg", "--dose", "pio=1 tablet"),
            "not measured in tablet",
            id="wrong-unit",
        ),
        pytest.param(("nope",), "there is no template called 'nope'", id="unknown-template"),
        pytest.param(
            ("medicated-fet-pio", *FET_DOSES, "--cycle", "9"), "no cycle with id 9", id="no-such-cycle"
        ),
        pytest.param(("folic-acid-daily", "--start", "2026-13-01"), "cannot read the date", id="bad-start"),
    ],
)
def test_bad_apply_input_exits_2_and_writes_nothing(cli: Cli, argv: tuple[str, ...], words: str) -> None:
    fet_cycle(cli)
    before = checksum(cli.db)
    rc, out, err = cli("protocol", "apply", *argv)
    assert (rc, out) == (2, "")
    assert words in err
    assert err.count("\n") == 1
    assert checksum(cli.db) == before


def test_apply_without_a_cycle_in_progress_says_how_to_start_one(cli: Cli) -> None:
    rc, _, err = cli("protocol", "apply", "natural-fet", "--dose", "vaginal progesterone=1 applicator")
    assert rc == 2
    assert "no cycle is in progress today: record it first (rpltrack cycle add --kind natural" in err
    assert cli.ok("protocol", "apply", "levothyroxine-daily", "--dose", "levothyroxine=50 mcg").startswith(
        "Applied levothyroxine-daily (Levothyroxine once a day): 1 medication."
    )


def test_apply_twice_is_refused_unless_again_and_dry_run_saves_nothing(cli: Cli) -> None:
    fet_cycle(cli)
    before = checksum(cli.db)
    out = cli.ok("protocol", "apply", "medicated-fet-pio", *FET_DOSES, "--dry-run")
    assert out.startswith("Would apply medicated-fet-pio")
    assert "(nothing saved)" in out
    assert checksum(cli.db) == before
    cli.ok("protocol", "apply", "medicated-fet-pio", *FET_DOSES)
    rc, _, err = cli("protocol", "apply", "medicated-fet-pio", *FET_DOSES)
    assert rc == 2
    assert "medicated-fet-pio was already applied to cycle 1 on 2026-11-23" in err
    assert "--again" in err
    applied = cli.json("protocol", "apply", "medicated-fet-pio", *FET_DOSES, "--again")
    assert [m["name"] for m in applied["medications"]] == ["estradiol", "progesterone in oil"]
    assert applied["cycle_id"] == 1
    assert len(cli.json("protocol", "show", "medicated-fet-pio")["applied"]) == 2


def test_a_medication_she_already_takes_is_not_added_twice(cli: Cli) -> None:
    fet_cycle(cli)
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00")
    rc, _, err = cli("protocol", "apply", "aspirin-lmwh")
    assert rc == 2
    assert "you already have aspirin in your journal" in err
    assert "--without 'aspirin'" in err
    out = cli.ok("protocol", "apply", "aspirin-lmwh", "--without", "aspirin")
    assert "enoxaparin 40 mg, 20:00 daily, starts at the first positive beta, waiting for it" in out


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PIO = 'name = "mine"\n[[medication]]\nname = "pio"\ndose = "1 mL"\ntimes = ["20:00"]\n'
BAD_FILES = [
    pytest.param('name = "mine"\ntitle "x"\n', "line 2: column", id="syntax"),
    pytest.param(
        'name = "mine"\n[[medication]]\nname = "aspirin"\ndose = "81 mg"\ntimes = ["25:00"]\n',
        "line 5, [[medication]] 1 (aspirin), field times: cannot read the time '25:00'",
        id="bad-time",
    ),
    pytest.param(
        PIO + 'start = "transfr-5d"\n',
        "line 6, [[medication]] 1 (pio), field start: cannot read 'transfr-5d' (did you mean 'transfer'?)",
        id="bad-anchor",
    ),
    pytest.param(
        PIO + 'until = "36w9d"\n',
        "line 6, [[medication]] 1 (pio), field until: '36w9d': the days part runs from 0 to 6",
        id="bad-ga",
    ),
    pytest.param(
        'name = "mine"\n[[medication]]\nname = "aspirin"\ndoze = "81 mg"\n',
        "line 4, [[medication]] 1 (aspirin), field doze: unknown field 'doze' (did you mean 'dose'?)",
        id="unknown-field",
    ),
]


@pytest.mark.parametrize(("text", "words"), BAD_FILES)
def test_import_of_a_malformed_file_names_line_and_field_and_keeps_nothing(
    cli: Cli, tmp_path: Path, text: str, words: str
) -> None:
    fet_cycle(cli)
    before = checksum(cli.db)
    rc, out, err = cli("protocol", "import", str(write(tmp_path, text)))
    assert (rc, out) == (2, "")
    assert err.startswith("rpltrack: mine.toml, ")
    assert words in err
    assert checksum(cli.db) == before


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param(None, "there is no file at", id="missing"),
        pytest.param(b"\xff\xfe\x00name", "is not a UTF-8 text file", id="binary"),
    ],
)
def test_import_of_what_is_not_a_template_file(
    cli: Cli, tmp_path: Path, content: bytes | None, words: str
) -> None:
    path = tmp_path / "odd.toml"
    if content is not None:
        path.write_bytes(content)
    rc, _, err = cli("protocol", "import", str(path))
    assert rc == 2
    assert words in err


def test_export_edit_import_apply(cli: Cli, tmp_path: Path) -> None:
    fet_cycle(cli)
    path = tmp_path / "fet.toml"
    assert cli.ok("protocol", "export", "medicated-fet-pio", str(path)).startswith(
        f"Wrote medicated-fet-pio to {path}"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    edited = path.read_text(encoding="utf-8").replace('name = "medicated-fet-pio"', 'name = "my-fet"')
    edited = edited.replace('start = "transfer-5d"', 'start = "transfer-5d"\ndose = "1 mL"\nuntil = "10w0d"')
    path.write_text(edited, encoding="utf-8")
    out = cli.ok("protocol", "import", str(path))
    assert out.startswith("Imported my-fet (Medicated FET with progesterone in oil): 2 medications.")
    assert "given when applying it for: estradiol." in out
    # Her file comes back as she wrote it, comments included.
    assert cli.ok("protocol", "export", "my-fet", "-") == edited
    applied = cli.json("protocol", "apply", "my-fet", "--dose", "estradiol=2 mg")
    assert applied["medications"][1]["end"] == "2026-12-28"  # 10w0d of a day-5 transfer on 11-08, exclusive
    rc, _, err = cli("protocol", "import", str(path))
    assert rc == 2
    assert "already have a template called my-fet" in err
    assert cli.ok("protocol", "import", str(path), "--replace").startswith("Imported my-fet")
    renamed = cli.ok("protocol", "import", str(path), "--name", "my-fet-2")
    assert renamed.startswith("Imported my-fet-2")
    assert cli.json("protocol", "show", "my-fet-2")["builtin"] is False


def test_export_never_overwrites_a_file_without_force(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "her notes\n", "notes.toml")
    rc, _, err = cli("protocol", "export", "natural-fet", str(path))
    assert rc == 2
    assert "already exists: choose another file name, or add --force" in err
    assert path.read_text(encoding="utf-8") == "her notes\n"
    cli.ok("protocol", "export", "natural-fet", str(path), "--force")
    assert parse_template(path.read_text(encoding="utf-8")).name == "natural-fet"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    rc, _, err = cli("protocol", "export", "natural-fet", str(tmp_path / "no-folder" / "x.toml"))
    assert rc == 2
    assert "there is no folder" in err


def test_import_refuses_a_builtin_name(cli: Cli, tmp_path: Path) -> None:
    template = builtin_template("folic-acid-daily")
    assert template is not None
    rc, _, err = cli("protocol", "import", str(write(tmp_path, template.text)))
    assert rc == 2
    assert "folic-acid-daily is the name of a built-in template" in err


def test_save_her_regimen_and_apply_it_to_the_next_cycle(cli: Cli) -> None:
    fet_cycle(cli)
    cli.ok("event", "add", "positive-beta", "--date", "2026-11-17")
    cli.ok("protocol", "apply", "medicated-fet-pio", *FET_DOSES)
    cli.ok("protocol", "apply", "aspirin-lmwh")
    cli.ok("med", "add", "prednisolone", "--taper", "10 mg x 2w; 5 mg x 1w", "--times", "08:00")
    cli.ok("med", "add", "ondansetron", "--dose", "4 mg", "--prn")
    first = {m["name"]: m for m in cli.json("med", "list")}
    out = cli.ok("protocol", "save", "my-regimen", "--without", "ondansetron")
    assert out.startswith(
        "Saved my-regimen: aspirin, enoxaparin, estradiol, prednisolone, progesterone in oil."
    )
    shown = cli.json("protocol", "show", "my-regimen")
    assert shown["events"] == ["cd1", "transfer", "positive-beta"]
    assert [m["taper"] for m in shown["medications"]][3] == "10 mg x 2w; 5 mg x 1w"
    cli.ok("cycle", "end", "--date", "2026-11-22", "--outcome", "for the test")
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-23")
    applied = cli.json("protocol", "apply", "my-regimen", "--again")
    again = {m["name"]: m for m in applied["medications"]}
    assert sorted(again) == sorted(set(first) - {"ondansetron"})
    for name, med in again.items():
        keys = ("dose", "schedule", "start_anchor", "end_anchor", "route", "generic", "notes")
        assert {k: med[k] for k in keys} == {k: first[name][k] for k in keys}, name
    assert again["progesterone in oil"]["waiting_for"] == "transfer"
    assert [(r["dose"]["value"], r["from"]) for r in again["prednisolone"]["regimens"]] == [
        (10, "2026-11-23"),
        (5, "2026-12-07"),
    ]
    with Journal.open(cli.db) as journal:
        assert [u.cycle_id for u in journal.protocol_uses("my-regimen")] == [2]


def test_save_from_a_finished_cycle_and_delete(cli: Cli) -> None:
    fet_cycle(cli)
    cli.ok("protocol", "apply", "medicated-fet-pio", *FET_DOSES)
    cli.ok("cycle", "end", "--date", "2026-11-22", "--outcome", "negative beta")
    rc, _, err = cli("protocol", "save", "nothing", "--from-cycle", "7")
    assert rc == 2
    assert "no cycle with id 7" in err
    out = cli.ok("protocol", "save", "last-fet", "--from-cycle", "1", "--title", "Last FET")
    assert out.startswith("Saved last-fet: estradiol, progesterone in oil.")
    assert cli.json("protocol", "show", "last-fet")["title"] == "Last FET"
    assert cli.ok("protocol", "delete", "last-fet").startswith("Deleted your template last-fet")
    rc, _, err = cli("protocol", "show", "last-fet")
    assert rc == 2
    cli.ok("undo")
    assert cli.json("protocol", "show", "last-fet")["title"] == "Last FET"


def test_protocol_commands_do_not_import_textual(tmp_path: Path) -> None:
    probe = (
        "import json, sys\n"
        "from rpltrack.cli.main import main\n"
        "rc = main(json.loads(sys.argv[1]))\n"
        "print(json.dumps({'rc': rc, 'textual': 'textual' in sys.modules}))\n"
    )
    argv = ["--db", str(tmp_path / "j.db"), "protocol", "show", "aspirin-lmwh"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(argv)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"rc": 0, "textual": False}
