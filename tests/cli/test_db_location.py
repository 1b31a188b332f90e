"""What the command line checks before it opens or writes the journal (#14): where the journal is, and what
text an argument may hold.

- A journal that does not exist is created only by a command that writes; a command that reads sees an empty
  journal and leaves nothing on disk (`rpltrack --db /typo/dir/x.db today` used to make the folders and an
  empty journal).
- Only the default location's folder is made when missing: a folder named with --db or RPLTRACK_DB that is not
  there is refused with exit 2, naming it. A new journal that cannot be made says NOT saved, exit 2.
- A NUL character in any argument, and free text over the one limit, are refused with exit 2, the option
  named and at most 80 characters of the input quoted, before anything is opened.

In process through `main(argv)`; "nothing created" is checked on every file under tmp_path (the XDG folders
point there too).
"""

from __future__ import annotations

import argparse
import errno
import os
import subprocess
from pathlib import Path

import pytest
from freezegun import freeze_time

from rpltrack.cli.context import (
    FREE_TEXT_ARGUMENTS,
    READING_COMMANDS,
    REMIND_MODES,
    WRITING_COMMANDS,
    shown_path,
)
from rpltrack.cli.main import build_parser, main
from rpltrack.domain.freetext import FREE_TEXT_LIMIT
from rpltrack.paths import default_db_path
from rpltrack.store.journal import Journal
from tests.cli.support import checksum

NOW = "2026-11-23 08:40:00"  # UTC, = London wall time in November


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW):
        yield


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["--tz", "Europe/London", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


# -- which commands write ------------------------------------------------------------------------------------


def command_paths() -> set[str]:
    """Every command of the real parser as its words ("med add", "betas", "remind --once", "ui")."""
    found: set[str] = set()

    def walk(parser: argparse.ArgumentParser, words: list[str]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            if words == ["remind"]:
                found.update(f"remind --{mode}" for mode in REMIND_MODES)
            else:
                found.add(" ".join(words))
            return
        for action in subs:
            for name, sub in action.choices.items():
                walk(sub, [*words, name])

    walk(build_parser(), [])
    return found


def test_every_command_is_marked_as_writing_or_reading_and_only_once():
    """One place says which commands write: a new command must be put in one of the two sets."""
    paths = command_paths()
    assert not WRITING_COMMANDS & READING_COMMANDS
    assert paths - (WRITING_COMMANDS | READING_COMMANDS) == set(), "mark these in cli/context.py"
    assert (WRITING_COMMANDS | READING_COMMANDS) - paths == set(), "these commands do not exist"


READS = [
    ["today"],
    ["today", "--json"],
    ["med", "list"],
    ["med", "list", "--json"],
    ["log"],
    ["betas"],
    ["betas", "--json"],
    ["labs"],
    ["flags"],
    ["flags", "--json"],
    ["history"],
    ["changes"],
    ["cycle", "list"],
    ["appt", "list"],
    ["adherence"],
    ["settings", "list"],
    ["settings", "get", "reminders.grace"],
    ["check"],
    ["protocol", "list"],
    ["remind", "--status"],
]


@pytest.mark.parametrize("argv", READS, ids=" ".join)
def test_a_read_on_a_missing_journal_shows_an_empty_one_and_creates_nothing(tmp_path, capsys, argv):
    db = tmp_path / "journal.db"
    before = files_under(tmp_path)
    rc, _, err = run(capsys, "--db", str(db), *argv)
    assert (rc, err) == (0, "")
    assert files_under(tmp_path) == before
    assert not db.exists()


def test_a_read_shows_nothing_yet_in_words_and_in_json(tmp_path, capsys):
    db = tmp_path / "journal.db"
    rc, out, _ = run(capsys, "--db", str(db), "med", "list", "--json")
    assert (rc, out.strip()) == (0, "[]")
    rc, out, _ = run(capsys, "--db", str(db), "betas", "--json")
    assert rc == 0
    assert '"draws": []' in out


def test_an_export_of_a_missing_journal_writes_only_the_export(tmp_path, capsys):
    db, out = tmp_path / "journal.db", tmp_path / "calendar.ics"
    rc, _, err = run(capsys, "--db", str(db), "export", "ics", "--out", str(out))
    assert rc == 0, err
    assert files_under(tmp_path) == {out}


def test_a_backup_of_a_missing_journal_is_refused_and_writes_nothing(tmp_path, capsys):
    db = tmp_path / "journal.db"
    rc, out, err = run(capsys, "--db", str(db), "backup", str(tmp_path / "copy.db"))
    assert (rc, out) == (2, "")
    assert "there is no journal at" in err
    assert files_under(tmp_path) == set()


def test_a_write_on_a_missing_journal_in_an_existing_folder_creates_it(tmp_path, capsys):
    db = tmp_path / "journal.db"
    rc, _, err = run(capsys, "--db", str(db), "med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00")
    assert rc == 0, err
    with Journal.open(db) as journal:
        assert [m.name for m in journal.medications()] == ["aspirin"]


def test_a_dry_run_reads_and_creates_nothing(tmp_path, capsys):
    db = tmp_path / "journal.db"
    rc, out, err = run(capsys, "--db", str(db), "protocol", "apply", "folic-acid-daily", "--dry-run")
    assert rc == 0, err
    assert "olic acid" in out
    assert files_under(tmp_path) == set()


# -- where the journal may be ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["today"],
        ["med", "list"],
        ["med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00"],
        ["beta", "add", "112", "--at", "2026-11-20 08:00"],
        ["settings", "set", "reminders.grace", "2h"],
    ],
    ids=" ".join,
)
def test_a_db_in_a_missing_folder_is_refused_naming_the_folder(tmp_path, capsys, argv):
    """RELIABILITY: --db /typo/dir/x.db makes no folders and no journal, for reads and writes alike."""
    db = tmp_path / "typo" / "dir" / "x.db"
    rc, out, err = run(capsys, "--db", str(db), *argv)
    assert (rc, out) == (2, "")
    assert err == (
        f"rpltrack: there is no folder {shown_path(db.parent)}: create it first, or check --db. "
        "Nothing was saved.\n"
    )
    assert files_under(tmp_path) == set()


def test_rpltrack_db_in_a_missing_folder_is_refused_naming_the_variable(tmp_path, capsys, monkeypatch):
    db = tmp_path / "nowhere" / "journal.db"
    monkeypatch.setenv("RPLTRACK_DB", str(db))
    rc, _, err = run(capsys, "take", "aspirin")
    assert rc == 2
    assert f"there is no folder {shown_path(db.parent)}: create it first, or check RPLTRACK_DB" in err
    assert files_under(tmp_path) == set()


def test_a_long_missing_folder_is_named_by_its_end(capsys):
    folder = Path("/no-such-place") / ("deep" * 30) / "typo"
    rc, _, err = run(capsys, "--db", str(folder / "x.db"), "today")
    assert rc == 2
    assert err.startswith("rpltrack: there is no folder \N{HORIZONTAL ELLIPSIS}")
    assert "deepdeep/typo: create it first, or check --db" in err
    assert not Path("/no-such-place").exists()


def test_a_db_whose_folder_is_a_file_is_refused(tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    rc, _, err = run(capsys, "--db", str(blocker / "journal.db"), "med", "list")
    assert rc == 2
    assert f"{shown_path(blocker)} is a file, not a folder" in err
    assert blocker.read_text() == "mine"


def test_the_default_location_is_made_only_by_a_write(tmp_path, capsys):
    """The platform's data folder is made (owner-only) by the first command that writes, never by a read."""
    db = default_db_path()
    assert tmp_path in db.parents
    rc, _, err = run(capsys, "today")
    assert (rc, err) == (0, "")
    assert files_under(tmp_path) == set()
    rc, _, err = run(capsys, "med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00")
    assert rc == 0, err
    assert db.exists()
    assert db.parent.stat().st_mode & 0o777 == 0o700
    assert db.stat().st_mode & 0o777 == 0o600


def test_a_new_journal_that_cannot_be_made_is_not_saved_with_exit_2(tmp_path, capsys, monkeypatch):
    """A folder she cannot write to (simulated: the tests may run as root, who can write anywhere): the
    command says NOT saved and why, exit 2, never "unexpected error", and leaves nothing behind."""
    folder = tmp_path / "locked"
    folder.mkdir()
    db = folder / "journal.db"
    real_open = os.open

    def refusing_open(path: object, *args: object, **kwargs: object) -> int:
        if Path(os.fsdecode(path)) == db:  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing_open)
    rc, out, err = run(
        capsys, "--db", str(db), "med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00"
    )
    assert (rc, out) == (2, "")
    assert err.startswith(f"rpltrack: NOT saved: a new journal cannot be made at {db} (Permission denied)")
    assert "unexpected error" not in err
    assert files_under(folder) == set()


def test_a_new_journal_in_a_read_only_folder_is_not_saved_with_exit_2(tmp_path, capsys):
    """A folder nobody can write, root included: one on a read-only mount (CI runs as root and makes it)."""
    from tests.store.test_read_only_disk import _mount_read_only

    source, folder = tmp_path / "source", tmp_path / "locked"
    source.mkdir()
    folder.mkdir()
    if not _mount_read_only(source, folder):
        if os.environ.get("CI"):
            pytest.fail("CI must be able to make a read-only bind mount (it runs as root)")
        pytest.skip("a read-only bind mount needs root")
    try:
        rc, _, err = run(capsys, "--db", str(folder / "journal.db"), "take", "aspirin")
        assert files_under(folder) == set()
    finally:
        subprocess.run(["umount", str(folder)], check=False)
    assert rc == 2
    assert "NOT saved" in err
    assert "unexpected error" not in err


# -- what an argument may hold -----------------------------------------------------------------------------


@pytest.fixture
def journal_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A journal with aspirin, an appointment (id 1) and a cycle (id 1)."""
    db = tmp_path / "journal.db"
    for argv in (
        ["med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00"],
        ["appt", "add", "--at", "2026-11-30 10:15", "--with", "Dr Lee", "--kind", "re"],
        ["cycle", "add", "--kind", "fet", "--cd1", "2026-11-01"],
    ):
        rc, _, err = run(capsys, "--db", str(db), *argv)
        assert rc == 0, err
    return db


NUL = "asp\x00irin"
NUL_CASES = [
    (["med", "add", NUL, "--dose", "81 mg", "--times", "08:00"], "the medication name"),
    (["take", NUL], "the medication name"),
    (["skip", "aspirin", "--reason", NUL], "the reason (--reason)"),
    (["take", "aspirin", "--note", NUL], "the note (--note)"),
    (["take", "aspirin", "--site", NUL], "the injection site (--site)"),
    (["lab", "add", NUL, "2.1"], "the test"),
    (["lab", "add", "TSH", "2.1", "--lab", NUL], "the lab's name (--lab)"),
    (["beta", "add", "112", "--at", "2026-11-20 08:00", "--lab", NUL], "the lab's name (--lab)"),
    (["appt", "add", "--at", "2026-12-01 09:00", "--kind", "re", "--with", NUL], "the name after --with"),
    (["appt", "ask", "1", NUL], "the question"),
    (["cycle", "edit", "1", "--clinic", NUL], "the clinic's name (--clinic)"),
    (["settings", "set", "reminders.grace", NUL], "the value"),
    (["med", "list", "--as-of", NUL], "the time after --as-of"),
    (["med", "add", "aspirin", "--dose", "81 mg", "--weekdays", NUL], "the value after --weekdays"),
    (["export", "ics", "--out", NUL], "the file name after --out"),
]


@pytest.mark.parametrize(("argv", "words"), NUL_CASES, ids=[" ".join(c[0][:2]) + c[1] for c in NUL_CASES])
def test_a_nul_character_in_any_argument_is_refused_naming_it(journal_db, capsys, argv, words):
    """`med add $'\\x00' ...` used to end in "unexpected error: IntegrityError"."""
    before = checksum(journal_db)
    rc, out, err = run(capsys, "--db", str(journal_db), *argv)
    assert (rc, out) == (2, "")
    assert err.startswith(f"rpltrack: {words} holds a NUL character, which cannot be stored ('asp\\x00irin')")
    assert checksum(journal_db) == before


def test_a_nul_in_the_journal_path_is_refused(tmp_path, capsys):
    rc, _, err = run(capsys, "--db", str(tmp_path / "jour\x00nal.db"), "today")
    assert rc == 2
    assert "the journal file name (--db) holds a NUL character" in err
    assert files_under(tmp_path) == set()


# The free-text options, each on a command that takes it (the text goes last).
FREE_TEXT_CASES = {
    "note": ["take", "aspirin", "--note"],
    "notes": ["med", "edit", "aspirin", "--notes"],
    "reason": ["skip", "aspirin", "--reason"],
    "purpose": ["appt", "edit", "1", "--purpose"],
    "where": ["appt", "add", "--at", "2026-12-01 09:00", "--kind", "re", "--where"],
    "with_name": ["appt", "edit", "1", "--with"],
    "decided": ["appt", "done", "1", "--decided"],
    "text": ["appt", "ask", "1"],
    "answer": ["question", "edit", "1", "--answer"],
    "grade": ["transfer", "add", "--date", "2026-11-20", "--embryo-day", "5", "--grade"],
    "pgt": ["transfer", "add", "--date", "2026-11-20", "--embryo-day", "5", "--pgt"],
    "lab": ["lab", "add", "TSH", "2.1", "--lab"],
    "clinic": ["cycle", "edit", "1", "--clinic"],
    "site": ["take", "aspirin", "--site"],
    "outcome": ["cycle", "end", "--outcome"],
    "title": ["protocol", "save", "my-fet", "--from-cycle", "1", "--title"],
}


def test_every_free_text_option_has_a_case():
    assert set(FREE_TEXT_CASES) == FREE_TEXT_ARGUMENTS


@pytest.mark.parametrize("name", sorted(FREE_TEXT_CASES))
def test_free_text_over_the_one_limit_is_refused_quoting_at_most_80_characters(journal_db, capsys, name):
    before = checksum(journal_db)
    text = "é" * (FREE_TEXT_LIMIT + 1)
    rc, out, err = run(capsys, "--db", str(journal_db), *FREE_TEXT_CASES[name], text)
    assert (rc, out) == (2, "")
    assert f"has {FREE_TEXT_LIMIT + 1} characters: at most {FREE_TEXT_LIMIT} can be kept" in err
    assert "é" * 80 not in err
    assert "é" * 79 + "\N{HORIZONTAL ELLIPSIS}" in err
    assert len(err) < 400
    assert checksum(journal_db) == before


@pytest.mark.parametrize("argv", [["take", "aspirin", "--note"], ["lab", "add", "TSH", "2.1", "--note"]])
def test_free_text_at_the_limit_is_kept_whole(journal_db, capsys, argv):
    text = "n" * FREE_TEXT_LIMIT
    rc, _, err = run(capsys, "--db", str(journal_db), *argv, text)
    assert rc == 0, err
    with Journal.open(journal_db) as journal:
        kept = [log.note for log in journal.iter_all_doses()] + [r.note for r in journal.labs()]
    assert text in kept
