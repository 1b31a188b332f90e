"""`rpltrack export ics` and `rpltrack brief` through main(argv): files, defaults, messages, modes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.cli.support import Cli


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with a Documents folder in it: where exports go by default."""
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home / "Documents"


@pytest.fixture
def demo(cli: Cli) -> Cli:
    """The one-year demo journal at the frozen time (three appointments of its own: ids 1-3), with Thursday
    morning's appointment (id 4, the next one) and a question."""
    cli.ok("demo", "--years", "1")
    cli.ok("appt", "add", "--at", "2026-11-26 10:30", "--with", "Dr Lee", "--kind", "hematology",
           "--where", "Riverside Fertility", "--purpose", "Review the Lovenox plan")  # fmt: skip
    cli.ok("appt", "ask", "4", "Should Lovenox go on until 36 weeks?")
    return cli


def uids(path: Path) -> dict[str, object]:
    """The events in force (not cancelled) by UID, with their start."""
    cal = Calendar.from_ical(path.read_bytes())
    return {
        str(e["UID"]): e.decoded("DTSTART") for e in cal.walk("VEVENT") if str(e.get("STATUS")) != "CANCELLED"
    }


def calendar_id(path: Path) -> str:
    """The journal's calendar id, as its appointment UIDs carry it."""
    appt = next(uid for uid in uids(path) if uid.startswith("appt-"))
    return appt.split("@", 1)[0].rsplit("-", 1)[1]


def owner_only(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_export_ics_writes_an_owner_only_calendar_to_documents(demo: Cli, documents: Path) -> None:
    out = demo.ok("export", "ics")
    path = documents / "rpltrack.ics"
    assert f"Saved 4 appointments, 0 retest due dates in {path}" in out
    assert "rpltrack's reminders are the alerts" in out
    assert owner_only(path)
    ident = calendar_id(path)
    assert len(ident) == 16
    assert sorted(uids(path)) == [f"appt-{n}-{ident}@rpltrack.local" for n in (1, 2, 3, 4)]
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n" in path.read_bytes()


def test_export_ics_with_doses_adds_the_next_30_days(demo: Cli, tmp_path: Path) -> None:
    path = tmp_path / "cal.ics"
    out = demo.ok("export", "ics", "--doses", "--out", str(path))
    found = uids(path)
    doses = [u for u in found if u.startswith("dose-")]
    assert f"{len(doses)} dose schedules (" in out
    times = int(out.split(" dose schedules (", 1)[1].split(" dose times", 1)[0])
    # Six scheduled medications (prednisone twice a day until 7 Dec): well over a hundred doses in 30 days,
    # as one series per regimen and time of day.
    assert 6 <= len(doses) < 20
    assert 150 < times < 300
    assert "VALARM" not in path.read_text(encoding="utf-8")


def test_a_reexport_after_an_edit_keeps_the_uid_and_moves_the_event(demo: Cli, tmp_path: Path) -> None:
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    demo.ok("export", "ics", "--out", str(first))
    demo.ok("appt", "edit", "4", "--at", "2026-11-27 15:00")
    demo.ok("export", "ics", "--out", str(second))
    before, after = uids(first), uids(second)
    assert sorted(before) == sorted(after)
    appt = f"appt-4-{calendar_id(first)}@rpltrack.local"
    assert str(before[appt]) == "2026-11-26 10:30:00+00:00"
    assert str(after[appt]) == "2026-11-27 15:00:00+00:00"


def test_two_exports_at_the_same_time_are_identical(demo: Cli, tmp_path: Path) -> None:
    # The first export also cancels the UIDs of exports made before journals had a calendar id; after
    # that, nothing changing means nothing in the file changes.
    demo.ok("export", "ics", "--doses", "--out", str(tmp_path / "first.ics"))
    demo.ok("export", "ics", "--doses", "--out", str(tmp_path / "a.ics"))
    demo.ok("export", "ics", "--doses", "--out", str(tmp_path / "b.ics"))
    assert (tmp_path / "a.ics").read_bytes() == (tmp_path / "b.ics").read_bytes()


def test_discreet_mode_keeps_drug_names_out_of_the_calendar(demo: Cli, tmp_path: Path) -> None:
    demo.ok("settings", "set", "reminders.discreet", "on")
    path = tmp_path / "cal.ics"
    demo.ok("export", "ics", "--doses", "--out", str(path))
    text = path.read_text(encoding="utf-8").replace("\r\n ", "")
    for word in (
        "Lovenox",
        "aspirin",
        "prednisone",
        "progesterone",
        "levothyroxine",
        "folic",
        "hematologist",
    ):
        assert word.casefold() not in text.casefold(), word
    assert "SUMMARY:Medication" in text
    assert "SUMMARY:Appointment with Dr Lee" in text


def test_a_retest_due_date_becomes_an_all_day_event(cli: Cli, tmp_path: Path) -> None:
    cli.ok("lab", "add", "aCL-IgG", "45", "--date", "2026-11-02")
    path = tmp_path / "cal.ics"
    out = cli.ok("export", "ics", "--out", str(path))
    assert "0 appointments, 1 retest due date in" in out
    (uid, due), *_ = uids(path).items()
    assert uid.startswith("retest-apl-repeat-due.lab")
    assert str(due) == "2027-01-25"  # 12 weeks after the positive result


def test_brief_writes_the_next_appointment_to_documents(demo: Cli, documents: Path) -> None:
    out = demo.ok("brief")
    path = documents / "rpltrack-brief-2026-11-26.html"
    assert out.splitlines()[0] == (
        f"Saved the appointment brief for Dr Lee (hematologist) on Thu 26 Nov 2026 at 10:30 in {path}"
    )
    assert owner_only(path)
    page = path.read_text(encoding="utf-8")
    assert "Thu 26 Nov 2026, 10:30 · Dr Lee (hematologist)" in page
    assert "Should Lovenox go on until 36 weeks?" in page


def test_brief_for_a_chosen_appointment_into_a_folder(demo: Cli, tmp_path: Path) -> None:
    demo.ok("appt", "add", "--at", "2026-12-10 09:00", "--kind", "ultrasound")
    out = demo.ok("brief", "--appt", "5", "--out", str(tmp_path))
    path = tmp_path / "rpltrack-brief-2026-12-10.html"
    assert f"for Ultrasound on Thu 10 Dec 2026 at 09:00 in {path}" in out
    assert "Thu 10 Dec 2026, 09:00 · Ultrasound" in path.read_text(encoding="utf-8")


def test_brief_without_an_appointment_is_a_summary(cli: Cli, documents: Path) -> None:
    out = cli.ok("brief")
    assert "(no upcoming appointment: a summary of your record)" in out
    assert "Health summary" in (documents / "rpltrack-brief-2026-11-23.html").read_text(encoding="utf-8")


def test_brief_of_an_unknown_appointment_is_refused_and_writes_nothing(cli: Cli, documents: Path) -> None:
    rc, _, err = cli("brief", "--appt", "9")
    assert rc == 2
    assert err == "rpltrack: there is no appointment with id 9: see rpltrack appt list\n"
    assert list(documents.iterdir()) == []


def test_an_out_folder_that_does_not_exist_is_made_owner_only(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "new" / "cal.ics"
    cli.ok("export", "ics", "--out", str(path))
    assert owner_only(path)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_file_is_replaced_whole_and_stays_owner_only(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "cal.ics"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    cli.ok("export", "ics", "--out", str(path))
    assert path.read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
    assert owner_only(path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == []


@pytest.mark.parametrize("argv", [("export", "ics", "--help"), ("brief", "--help")], ids=["ics", "brief"])
def test_help_says_what_the_command_does(cli: Cli, argv: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli(*argv)
    assert exit_info.value.code == 0
    out = cli.capsys.readouterr().out
    assert "--out" in out
    assert "printable one-page summary" in out or "iCalendar (.ics) file" in out


def test_brief_and_ics_start_without_textual(tmp_path: Path) -> None:
    """Commands that do not open the TUI must not import Textual (CLI.md): one subprocess smoke test."""
    script = (
        "import sys\n"
        "from rpltrack.cli.main import main\n"
        f"db, out = {str(tmp_path / 'j.db')!r}, {str(tmp_path)!r}\n"
        "assert main(['--db', db, 'export', 'ics', '--out', out + '/c.ics']) == 0\n"
        "assert main(['--db', db, 'brief', '--out', out + '/b.html']) == 0\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
    )
    env = {**os.environ, "TZ": "Europe/London"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c.ics").is_file()
    assert (tmp_path / "b.html").is_file()
