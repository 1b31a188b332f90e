"""Hostile text in her free-text fields (issue #7): very long, control characters, right-to-left.

Each text is either stored exactly (byte for byte in the journal, and through a CSV export and import) or
refused with one sentence, exit 2 and nothing written. Whatever is stored is never written raw to her
terminal: an ESC from a note would start an escape sequence (clear the screen, retitle the window), a
carriage return or backspace would overwrite what was printed, a right-to-left override would reverse the
line. The commands show such characters as visible placeholders (␛, ␍, <U+202E>); --json keeps them as JSON
escapes, so the values decode exactly.

The clock is frozen at Monday 2026-11-23 08:40 UTC (London wall time in November).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from freezegun import freeze_time

from rpltrack.store.journal import Journal
from tests.cli.support import Cli, checksum

# ESC sequences (clear the screen; set the window title, ended by BEL), NUL, backspace, carriage return, DEL
# and a C1 CSI (U+009B, an escape sequence's start on some terminals). Starts and ends with a letter, so the
# fields that strip surrounding blanks leave it as it is.
CONTROL = "x\x1b[2J\x1b]0;pwned\x07 bs\x08 cr\r del\x7f csi\x9b31m end"  # NUL: test_db_location
# Hebrew and Arabic (kept and shown as they are) and a right-to-left override (kept, never obeyed).
RTL = "שלום, עולם — مرحبا بالعالم \u202eexe.txt\u202c end"
LONG = "0123456789" * 10_000  # 100,000 characters
LONGEST = "0123456789" * 200  # the most any free-text field keeps (FREE_TEXT_LIMIT)
TOO_LONG = (
    "has 100000 characters: at most 2000 can be kept. Shorten it (it begins "
    f"'{LONG[:79]}…'). Nothing was saved."
)
# Appointments refuse C0 controls (but tab and line break); what they let through must be shown safely.
APPT_TEXT = "שלום \u202eevil\u202c csi\x9b31m del\x7f end"
EVIL_NAME = "aspirin\x1b]0;pwned\x07\x1b[2J\x08\x7f\x9b31m\u202eevil"

BIDI_CONTROLS = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def terminal_hazards(text: str) -> list[str]:
    """Characters a terminal would obey rather than show: C0 controls but tab and line feed, DEL, C1 controls
    and bidi embeddings, overrides and isolates."""
    return sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if (unicodedata.category(c) == "Cc" and c not in "\t\n") or c in BIDI_CONTROLS
        }
    )


def stored(db: Path, table: str, column: str) -> list[bytes]:
    """The column's values as the bytes SQLite holds, read through a fresh connection."""
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute(f"SELECT CAST({column} AS BLOB) FROM {table} ORDER BY id")]
    finally:
        conn.close()


# -- stored exactly, or refused with one sentence ----------------------------------------------------------


FIELDS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # field: (the command that takes the text last, the table and column that keep it)
    "dose note": (("take", "paracetamol", "--note"), "doses", "note"),
    "medication notes": (
        ("med", "add", "prednisone", "--dose", "5 mg", "--times", "20:00", "--notes"),
        "medications",
        "notes",
    ),
    "appointment notes": (
        ("appt", "add", "--at", "2026-11-30 10:15", "--with", "Dr Lee", "--kind", "re", "--notes"),
        "appointments",
        "notes",
    ),
    "lab note": (("lab", "add", "TSH", "2.8", "--date", "2026-11-18", "--note"), "labs", "note"),
}
# (field, text, None when it is stored exactly, else the sentence that refuses it)
CASES = [
    ("dose note", CONTROL, None),
    ("dose note", RTL, None),
    ("dose note", LONG, f"the note (--note) {TOO_LONG}"),
    ("dose note", LONGEST, None),
    ("medication notes", CONTROL, None),
    ("medication notes", RTL, None),
    ("medication notes", LONG, f"the notes (--notes) {TOO_LONG}"),
    ("appointment notes", CONTROL, "the notes contains a control character: please retype it"),
    ("appointment notes", RTL, None),
    ("appointment notes", LONG, f"the notes (--notes) {TOO_LONG}"),
    ("lab note", CONTROL, None),
    ("lab note", RTL, None),
    ("lab note", LONG, f"the note (--note) {TOO_LONG}"),
]


@pytest.mark.parametrize(
    ("field", "text", "refusal"),
    CASES,
    ids=[f"{case[0]}-{case[1][:7].encode('unicode_escape').decode()}-{len(case[1])}" for case in CASES],
)
def test_free_text_is_stored_byte_for_byte_or_refused_with_nothing_written(
    cli: Cli, field: str, text: str, refusal: str | None
) -> None:
    """A 100,000-character text, ESC sequences with NUL, backspace, CR, DEL and a C1 control, and Hebrew and
    Arabic with a right-to-left override, in each note field: stored exactly as typed (the bytes in the
    journal are the text's UTF-8, read back through a fresh connection and through the Journal), or refused
    by the field's own rule with one sentence, exit 2, and the journal unchanged."""
    command, table, column = FIELDS[field]
    cli.ok("med", "add", "paracetamol", "--dose", "500 mg", "--prn")
    before = checksum(cli.db)
    rc, out, err = cli(*command, text)
    if refusal is not None:
        assert (rc, out, err) == (2, "", f"rpltrack: {refusal}\n")
        assert checksum(cli.db) == before
        return
    assert rc == 0, err
    assert stored(cli.db, table, column)[-1] == text.encode("utf-8")
    with Journal.open(cli.db) as journal:
        found = {
            "doses": lambda: [log.note for log in journal.iter_all_doses()],
            "medications": lambda: [m.notes for m in journal.medications()],
            "appointments": lambda: [a.notes for a in journal.appointments()],
            "labs": lambda: [r.note for r in journal.labs()],
        }[table]()
    assert text in found


def holds(db: Path, text: str) -> bool:
    """Some column of some row of the journal is exactly `text`."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(text in row for table in tables for row in conn.execute(f"SELECT * FROM {table}"))
    finally:
        conn.close()


LONG_OPTIONS = {
    "take --note": ("take", "paracetamol", "--note", LONG),
    "take --site": ("take", "paracetamol", "--site", LONG),
    "skip --reason": ("skip", "aspirin", "--at", "2026-11-20 08:00", "--reason", LONG),
    "med add NAME": ("med", "add", LONG, "--dose", "1 mg", "--prn"),
    "med add --notes": ("med", "add", "ibuprofen", "--dose", "200 mg", "--prn", "--notes", LONG),
    "med edit --notes": ("med", "edit", "paracetamol", "--notes", LONG),
    "lab add --note": ("lab", "add", "TSH", "2.1", "--note", LONG),
    "lab add --lab": ("lab", "add", "TSH", "2.1", "--lab", LONG),
    "lab add TEST": ("lab", "add", LONG, "5"),
    "cycle add --notes": ("cycle", "add", "--kind", "ivf", "--cd1", "2026-10-01", "--notes", LONG),
    "cycle add --clinic": ("cycle", "add", "--kind", "ivf", "--cd1", "2026-10-01", "--clinic", LONG),
    "cycle end --outcome": ("cycle", "end", "--outcome", LONG),
    "event add --note": ("event", "add", "other", "--date", "2026-11-05", "--note", LONG),
    "transfer add --grade": ("transfer", "add", "--date", "2026-11-06", "--embryo-day", "5", "--grade", LONG),
    "beta add --lab": ("beta", "add", "112", "--at", "2026-11-20 08:00", "--lab", LONG),
    "appt add --notes": ("appt", "add", "--at", "2026-12-01 10:00", "--kind", "re", "--notes", LONG),
    "appt add --with": ("appt", "add", "--at", "2026-12-01 10:00", "--kind", "re", "--with", LONG),
    "appt edit --where": ("appt", "edit", "1", "--where", LONG),
    "appt ask TEXT": ("appt", "ask", "1", LONG),
}


@pytest.mark.parametrize("command", LONG_OPTIONS.values(), ids=LONG_OPTIONS.keys())
def test_every_free_text_option_keeps_100000_characters_or_refuses_them(
    cli: Cli, command: tuple[str, ...]
) -> None:
    """Each free-text option given 100,000 characters either keeps them exactly (exit 0, the whole text is
    in the journal) or refuses them as invalid input: exit 2, one sentence on stderr, the journal unchanged
    (CLI.md) — never exit 1 with an "unexpected error" from the database's own limits."""
    cli.ok("med", "add", "paracetamol", "--dose", "500 mg", "--prn")
    cli.ok("med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-11-01")
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-01")
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--kind", "re")
    before = checksum(cli.db)
    rc, _, err = cli(*command)
    assert rc in (0, 2), err[:300]
    if rc == 0:
        assert holds(cli.db, LONG)
        return
    assert err.startswith("rpltrack: ")
    assert err.count("\n") == 1
    assert checksum(cli.db) == before


def test_hostile_notes_survive_a_csv_export_and_import_exactly(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every stored hostile text (dose notes, medication notes, lab notes, an appointment's notes and its
    question, a medication's name) comes back byte for byte after `export csv` and `import csv` into a new
    journal: the export's cell neutralising and quoting lose nothing."""
    cli.ok("med", "add", EVIL_NAME, "--dose", "500 mg", "--prn", "--notes", CONTROL)
    cli.ok("med", "add", "prednisone", "--dose", "5 mg", "--times", "20:00", "--notes", RTL)
    for n, text in enumerate((CONTROL, RTL, LONGEST)):
        cli.ok("take", EVIL_NAME, "--at", f"2026-11-2{n} 09:00", "--note", text)
    cli.ok("lab", "add", "TSH", "2.8", "--date", "2026-11-18", "--note", CONTROL)
    cli.ok("lab", "add", "TSH", "2.1", "--date", "2026-11-19", "--note", RTL)
    cli.ok("appt", "add", "--at", "2026-11-30 10:15", "--kind", "re", "--notes", APPT_TEXT)
    cli.ok("appt", "ask", "1", APPT_TEXT)
    cli.ok("export", "csv", "--out", str(tmp_path / "export"))

    imported = Cli(tmp_path / "imported.db", capsys)
    imported.ok("import", "csv", str(tmp_path / "export"))
    for table, column in (
        ("doses", "note"),
        ("medications", "notes"),
        ("medications", "name"),
        ("labs", "note"),
        ("appointments", "notes"),
        ("appointment_questions", "text"),
    ):
        assert sorted(stored(imported.db, table, column)) == sorted(stored(cli.db, table, column)), table
    assert LONGEST.encode() in stored(imported.db, "doses", "note")


def test_text_that_is_not_utf8_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """A note typed in a terminal that is not set to UTF-8 reaches rpltrack as bytes that are not text (here
    0xFF): the real command refuses it with one sentence naming the field and the bytes, exit 2, and writes
    nothing — not an "unexpected error" after a half-done write."""
    db = tmp_path / "journal.db"
    base = [sys.executable, "-m", "rpltrack", "--db", str(db), "--tz", "Europe/London"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    added = subprocess.run(
        [*base, "med", "add", "paracetamol", "--dose", "500 mg", "--prn"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    before = checksum(db)
    done = subprocess.run(
        [*[os.fsencode(a) for a in base], b"take", b"paracetamol", b"--note", b"bad \xff byte"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == b""
    assert done.stderr == (
        b"rpltrack: the note you gave has bytes that are not UTF-8 text (\\xff); retype it, or set your "
        b"terminal to UTF-8. Nothing was saved.\n"
    )
    assert checksum(db) == before


# -- never written raw to her terminal ----------------------------------------------------------------------


@pytest.fixture
def hostile(cli: Cli) -> Cli:
    """A journal whose free text is hostile: a medication's name and notes, a dose's note, a lab's note and
    laboratory, a cycle's clinic and notes, an event's note, a beta's laboratory, appointments' place,
    purpose, notes and question."""
    daily = ("--dose", "81 mg", "--times", "08:00", "--start", "2026-11-20", "--notes", CONTROL)
    with freeze_time("2026-11-19 12:00:00"):  # entered before its first dose, so adherence counts them
        cli.ok("med", "add", EVIL_NAME, *daily)
    cli.ok("take", EVIL_NAME, "--at", "2026-11-23 08:00", "--note", CONTROL)
    cli.ok("lab", "add", "TSH", "2.8", "--date", "2026-11-18", "--note", CONTROL, "--lab", CONTROL)
    cli.ok("cycle", "add", "--kind", "fet", "--cd1", "2026-11-01", "--clinic", CONTROL, "--notes", CONTROL)
    cli.ok("event", "add", "other", "--date", "2026-11-05", "--note", CONTROL)
    cli.ok("beta", "add", "112", "--at", "2026-11-20 08:00", "--lab", CONTROL)
    cli.ok(
        "appt", "add", "--at", "2026-11-30 10:15", "--kind", "re", "--where", APPT_TEXT, "--notes", APPT_TEXT
    )
    cli.ok("appt", "ask", "1", APPT_TEXT)
    cli.ok("appt", "add", "--at", "2026-11-20 10:15", "--kind", "ob", "--purpose", APPT_TEXT)
    return cli


SHOWING_COMMANDS = [
    ("med", "add", "x\x1b[2Jmed", "--dose", "1 mg", "--prn"),
    ("med", "list"),
    ("med", "list", "--all"),
    ("med", "edit", EVIL_NAME, "--notes", CONTROL),
    ("adherence",),
    ("lab", "add", "x\x1bcustom", "5", "--note", CONTROL),
    ("labs",),
    ("labs", "TSH"),
    ("cycle", "list"),
    ("betas",),
    ("appt", "list"),
    ("appt", "list", "--all"),
    ("appt", "show", "1"),
    ("appt", "ask", "1", APPT_TEXT),
    ("appt", "edit", "2", "--with", APPT_TEXT),
    ("appt", "done", "2", "--decided", APPT_TEXT),
    ("med", "stop", EVIL_NAME),
]


SHOWING_IDS = [
    "med add",
    "med list",
    "med list --all",
    "med edit",
    "adherence",
    "lab add refused custom test",
    "labs",
    "labs TSH",
    "cycle list",
    "betas",
    "appt list",
    "appt list --all",
    "appt show",
    "appt ask",
    "appt edit",
    "appt done",
    "med stop",
]


@pytest.mark.parametrize("command", SHOWING_COMMANDS, ids=SHOWING_IDS)
def test_commands_show_her_text_without_letting_the_terminal_obey_it(
    hostile: Cli, command: tuple[str, ...]
) -> None:
    """Medications, labs, cycles, betas and appointments show names, notes and questions with every control
    character and bidi override replaced by a visible placeholder: no ESC, BEL, NUL, BS, CR, DEL, C1
    control or U+202E reaches stdout or stderr (the text is still there to read, ␛ for ESC)."""
    rc, out, err = hostile(*command)
    assert rc in (0, 2), err
    assert terminal_hazards(out) == [], out
    assert terminal_hazards(err) == [], err


def test_the_placeholders_show_what_was_there(hostile: Cli) -> None:
    """The shown text is not hidden: each control is replaced by a visible stand-in where it was."""
    out = hostile.ok("med", "list")
    assert "aspirin␛]0;pwned␇␛[2J␈␡<U+009B>31m<U+202E>evil: 81 mg" in out
    assert "notes: x␛[2J␛]0;pwned␇ bs␈ cr␍ del␡ csi<U+009B>31m end" in out
    assert "שלום <U+202E>evil<U+202C>" in hostile.ok("appt", "show", "1")


def strings(value: object) -> set[str]:
    """Every string in decoded JSON."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(strings(v) for v in value)) if value else set()
    return set()


@pytest.mark.parametrize(
    ("command", "exact"),
    [
        (("med", "list"), CONTROL),
        (("med", "list"), EVIL_NAME),
        (("labs",), CONTROL),
        (("appt", "show", "1"), APPT_TEXT),
        (("cycle", "list"), CONTROL),
        (("today",), EVIL_NAME),
        (("log", "--from", "2026-11-01"), CONTROL),
    ],
    ids=["med list notes", "med list name", "labs", "appt show", "cycle list", "today", "log"],
)
def test_json_keeps_hostile_text_exact_as_escapes(hostile: Cli, command: tuple[str, ...], exact: str) -> None:
    """--json output decodes to the exact stored text, yet carries no raw control or bidi character: JSON
    escapes C0 controls itself, and DEL, C1 controls and bidi overrides are written as \\u escapes too."""
    out = hostile.ok(*command, "--json")
    assert terminal_hazards(out) == []
    assert exact in strings(json.loads(out))


def test_dose_commands_show_her_text_without_letting_the_terminal_obey_it(hostile: Cli) -> None:
    """`take`, `skip`, `today` and `log` show the medication's name, the injection site and the reason
    skipped: with controls and bidi overrides as placeholders, never raw."""
    site = "left\x1b[2J\x1b]0;pwned\x07 abdomen"
    raw: dict[str, list[str]] = {}
    for command in (
        ("take", EVIL_NAME, "--at", "2026-11-22 08:00", "--site", site),
        ("skip", EVIL_NAME, "--at", "2026-11-21 08:00", "--reason", CONTROL),
        ("today",),
        ("log",),
    ):
        rc, out, err = hostile(*command)
        assert rc == 0, err
        if hazards := terminal_hazards(out + err):
            raw[command[0]] = hazards
    assert raw == {}


def test_error_messages_show_her_text_without_letting_the_terminal_obey_it(hostile: Cli) -> None:
    """A name that matches no medication is answered with the names she has: those are her text too, and
    are shown with placeholders on stderr, never raw."""
    rc, _, err = hostile("take", "ibuprofen")
    assert rc == 2
    assert "no medication called 'ibuprofen'" in err
    assert terminal_hazards(err) == [], err
