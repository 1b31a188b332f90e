"""The export formats are declared once (store.export_formats): the Export screen's list, the CLI's help and
the default file names all come from that registry, and each format's writer writes what its CLI command
writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rpltrack.cli.main import main
from rpltrack.clock import FixedClock
from rpltrack.store.export_formats import BY_KEY, CALENDAR_FILE, FORMATS, brief_file_name
from rpltrack.store.journal import Journal


def test_every_format_has_a_key_words_and_a_writer() -> None:
    assert [f.key for f in FORMATS] == list(BY_KEY)
    assert len(set(BY_KEY)) == len(FORMATS)
    for f in FORMATS:
        assert f.words
        assert f.about
        assert callable(f.write)


@pytest.mark.parametrize("key", [f.key for f in FORMATS if f.help])
def test_the_cli_help_line_is_the_registry_one(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    command = BY_KEY[key].command.split()
    parent = command[:-1]
    with pytest.raises(SystemExit):
        main([*parent, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert BY_KEY[key].help in out


def test_the_brief_is_named_by_its_day() -> None:
    assert brief_file_name(date(2026, 12, 9)) == "rpltrack-brief-2026-12-09.html"


def test_each_writer_writes_its_files(tmp_path: Path, demo_journal: Journal, clock: FixedClock) -> None:
    journal, now, zone = demo_journal, clock.now(), clock.zone
    out = tmp_path / "out"
    out.mkdir()
    csv_files = BY_KEY["csv"].write(journal, out, None, None, now, zone)
    assert {p.name for p in csv_files} >= {"medications.csv", "summary.csv"}
    ics = BY_KEY["ics"].write(journal, out, None, None, now, zone)
    assert [p.name for p in ics] == [CALENDAR_FILE]
    plain = ics[0].read_bytes()
    assert b"BEGIN:VCALENDAR" in plain
    with_doses = BY_KEY["ics-doses"].write(journal, out, None, None, now, zone)
    assert with_doses[0].read_bytes().count(b"BEGIN:VEVENT") > plain.count(b"BEGIN:VEVENT")
    brief = BY_KEY["brief"].write(journal, out, None, None, now, zone)
    assert brief[0].name.startswith("rpltrack-brief-")
    assert b"<html" in brief[0].read_bytes().lower()
