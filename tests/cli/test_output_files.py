"""Files rpltrack writes (#14): --out never replaces a device, pipe, folder or link; a killed backup leaves
nothing that blocks the next one."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from rpltrack.cli.main import main


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    path = tmp_path / "journal.db"
    assert main(["--db", str(path), "demo"]) == 0
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _target(tmp_path: Path, kind: str) -> Path:
    if kind == "link":
        (tmp_path / "real.html").write_text("hers\n")
        (tmp_path / "link.html").symlink_to(tmp_path / "real.html")
        return tmp_path / "link.html"
    if kind == "fifo":
        os.mkfifo(tmp_path / "pipe")
        return tmp_path / "pipe"
    assert kind == "device"
    return Path("/dev/null")


@pytest.mark.parametrize("command", [["brief"], ["export", "ics"]])
@pytest.mark.parametrize("kind", ["link", "fifo", "device"])
def test_f4_out_refuses_what_is_not_a_regular_file(
    journal_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], kind: str
) -> None:
    target = _target(tmp_path, kind)
    before = digest(journal_path)
    capsys.readouterr()
    assert main(["--db", str(journal_path), *command, "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err
    assert digest(journal_path) == before
    if kind == "link":
        assert target.is_symlink()
        assert (tmp_path / "real.html").read_text() == "hers\n"
    if kind == "fifo":
        assert not target.is_file()
    if kind == "device":
        assert Path("/dev/null").is_char_device()


def test_f4_out_into_a_folder_or_a_new_file_works(
    journal_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(journal_path), "export", "ics", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "rpltrack.ics").is_file()
    assert main(["--db", str(journal_path), "brief", "--out", str(tmp_path / "b.html")]) == 0
    assert (tmp_path / "b.html").stat().st_mode & 0o777 == 0o600


def test_f5_a_killed_backup_does_not_block_the_next(journal_path: Path, tmp_path: Path) -> None:
    """A copy half-written by a killed `backup FILE` (its process gone) is removed; FILE is then written."""
    dest = tmp_path / "copy.db"
    killed = tmp_path / ".copy.db.999999999.partial"  # no process has this id
    killed.write_bytes(b"half a journal")
    assert main(["--db", str(journal_path), "backup", str(dest)]) == 0
    assert dest.is_file()
    assert not killed.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".copy")) == []


def test_f5_backup_never_replaces_an_existing_file(journal_path: Path, tmp_path: Path) -> None:
    dest = tmp_path / "copy.db"
    dest.write_text("something of hers\n")
    assert main(["--db", str(journal_path), "backup", str(dest)]) == 2
    assert dest.read_text() == "something of hers\n"


# -- #14: one output boundary -------------------------------------------------------------------------------

OBEYED = ("\x1b", "\x07", "\x00", "\r", "\u202e")


def test_e6_a_templates_control_characters_are_shown_not_obeyed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """protocol import, list and show print a template's title and note with ESC, BEL, OSC 52, NUL, CR and
    bidi overrides shown as symbols; `protocol export NAME -` into a pipe stays byte-exact."""
    db = str(tmp_path / "journal.db")
    exported = tmp_path / "t.toml"
    assert main(["--db", db, "protocol", "export", "aspirin-lmwh", str(exported)]) == 0
    text = exported.read_text(encoding="utf-8")
    hostile = r"x\u001b]52;c;aGk=\u0007 \u0000 \r\u202e y"
    text = text.replace('name = "aspirin-lmwh"', 'name = "evil"').replace(
        'title = "Low-dose aspirin, then LMWH from a positive test"', f'title = "{hostile}"'
    )
    exported.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", db, "protocol", "import", str(exported)]) == 0
    for argv in (
        ["protocol", "import", str(exported)],
        ["protocol", "list"],
        ["protocol", "show", "evil"],
        ["protocol", "show", "evil", "--json"],
        ["labs", "a\rb"],
    ):
        assert main(["--db", db, *argv]) in (0, 2)
        out = capsys.readouterr()
        for char in OBEYED:
            assert char not in out.out + out.err, (argv, char)
    assert main(["--db", db, "protocol", "export", "evil", "-"]) == 0
    assert capsys.readouterr().out == text  # not a terminal: the template's text exactly
