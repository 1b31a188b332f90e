"""Every argument slot of every command, with hostile values (#14): exit 0 or 2, never 1 ("unexpected
error"); on 2 the journal is byte-identical; after an accepted write every read command still exits 0.

The real CLI runs in process (`main(argv)`) on a real journal file. Each command has a valid baseline; one
of its slots (a positional or an option's value) is replaced by a generated value."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpltrack.cli.main import main

AS_OF = "2026-12-01 09:00"
# A valid command line for each command that takes input; the slots are the indexes of the words that hold
# values (positionals and option values), found below.
BASELINES: tuple[tuple[str, ...], ...] = (
    ("med", "add", "baby aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-11-01"),
    ("med", "add", "enoxaparin", "--dose", "40 mg", "--every", "12h", "--supply", "30"),
    (
        "med",
        "add",
        "prednisone",
        "--taper",
        "20 mg x 6w; 10 mg x 1w",
        "--times",
        "08:00",
        "--start",
        "2026-11-18",
    ),
    (
        "med",
        "add",
        "folic acid",
        "--dose",
        "1 mg",
        "--times",
        "09:00",
        "--every-days",
        "2",
        "--until",
        "2027-06-01",
    ),
    ("med", "edit", "aspirin", "--dose", "100 mg", "--from", "2026-12-02"),
    ("med", "stop", "aspirin", "--date", "2026-12-02"),
    ("take", "aspirin", "--at", "2026-11-30 08:05", "--amount", "81 mg", "--note", "with food"),
    ("take", "enoxaparin", "--site", "left abdomen"),
    ("skip", "aspirin", "--at", "2026-11-29 08:00", "--reason", "nausea"),
    ("log", "--from", "2026-11-01", "--to", "2026-12-01"),
    ("today", "--as-of", AS_OF),
    ("cycle", "add", "--kind", "fet", "--cd1", "2026-11-01"),
    ("event", "add", "transfer", "--date", "2026-11-16"),
    ("transfer", "add", "--date", "2026-11-16", "--embryo-day", "5", "--count", "1", "--grade", "4AA"),
    ("beta", "add", "120", "--at", "2026-11-27 09:00", "--lab", "Riverside"),
    ("beta", "add", "<5", "--at", "2026-11-26 09:00"),
    ("pregnancy", "add", "--date", "2026-11-27", "--how", "hcg"),
    (
        "loss",
        "add",
        "--date",
        "2025-03-01",
        "--ga",
        "7w2d",
        "--kind",
        "miscarriage",
        "--confirmed",
        "ultrasound",
    ),
    ("lab", "add", "TSH", "2.1", "--date", "2026-11-01", "--range", "0.4-4.0", "--note", "fasting"),
    ("lab", "add", "vitamin-d", "24", "--unit", "ng/mL", "--date", "2026-11-02"),
    ("labs", "TSH"),
    ("settings", "set", "tsh.target", "2.5"),
    ("settings", "set", "reminders.grace", "2h"),
    ("appt", "add", "--at", "2026-12-20 10:00", "--with", "Dr Lee", "--kind", "re", "--where", "Clinic"),
    ("appt", "ask", "1", "Should I keep taking aspirin?"),
    ("flags", "--as-of", AS_OF),
    ("history",),
    ("betas",),
    ("changes", "--limit", "5"),
)
READS: tuple[tuple[str, ...], ...] = (
    ("today",),
    ("med", "list"),
    ("log",),
    ("betas",),
    ("labs",),
    ("flags",),
    ("history",),
    ("brief", "--out", "{out}/brief.html"),
    ("export", "csv", "--out", "{out}/csv"),
    ("export", "ics", "--out", "{out}/cal.ics"),
)
HOSTILE = (
    "",
    " ",
    "0",
    "-1",
    "-0",
    "4,9",
    "12,34",
    "1,500",
    "1e3",
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "99999999999999999999999",
    "9223372036854775808",
    "0001-01-01",
    "9999-12-31",
    "2026-02-31",
    "2026-13-01",
    "2026-11-30 25:61",
    "2026-03-29 01:30",
    "\x1b[2J\x1b]52;c;aGk=\x07",
    "a\rb",
    "\u202eevil",
    "x" * 5000,
    "\x00",
    "../../etc/passwd",
    "--help",
    "7w99d",
    "<",
    ">-5",
)


GROUPS = {"med", "cycle", "event", "transfer", "beta", "pregnancy", "loss", "lab", "appt", "settings"}


def _value_slots(argv: tuple[str, ...]) -> list[int]:
    """Indexes of the words that are values: after the command words, anything not an option name."""
    first = (
        2
        if argv[0]
        in {"med", "cycle", "event", "transfer", "beta", "pregnancy", "loss", "lab", "appt", "settings"}
        else 1
    )
    return [i for i in range(first, len(argv)) if not argv[i].startswith("--")]


def _checkpointed_digest(path: Path) -> str:
    """The journal's bytes once everything committed is in the main file (no WAL left over)."""
    if path.exists():
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def test_every_baseline_is_accepted(tmp_path: Path) -> None:
    """The baselines are valid: a refused value in a slot is the value's doing, not the baseline's."""
    for argv in BASELINES:
        assert main(["--db", str(tmp_path / "journal.db"), "--tz", "Europe/London", *argv]) == 0, argv


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A journal holding one of each kind of record, made by the baselines themselves."""
    folder = tmp_path_factory.mktemp("seed")
    path = folder / "journal.db"
    for argv in BASELINES:
        main(["--db", str(path), "--tz", "Europe/London", *argv])
    return path


SLOTS = [(b, i) for b in range(len(BASELINES)) for i in _value_slots(BASELINES[b])]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    slot=st.sampled_from(SLOTS),
    value=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)),
)
def test_e7_hostile_values_in_every_slot(
    seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], slot: tuple[int, int], value: str
) -> None:
    baseline, index = slot
    argv = list(BASELINES[baseline])
    argv[index] = value
    path = tmp_path / "journal.db"
    path.write_bytes(seeded.read_bytes())
    before = _checkpointed_digest(path)
    try:
        code = main(["--db", str(path), "--tz", "Europe/London", *argv])
    except SystemExit as exc:  # argparse's own refusals
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert code in (0, 2), (argv, out.err[-300:])
    assert "unexpected error" not in out.err, argv
    if code == 2:
        assert _checkpointed_digest(path) == before, ("refused but changed", argv)
        return
    for read in READS:
        words = [w.format(out=tmp_path) for w in read]
        assert main(["--db", str(path), "--tz", "Europe/London", *words]) == 0, (
            argv,
            words,
            capsys.readouterr().err[-300:],
        )
        capsys.readouterr()
