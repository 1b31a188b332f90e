"""`rpltrack session ...` and `rpltrack course ...`: record, list (ids; --json), correct, delete with a
question, plan a course; bad input exits 2 with nothing written; `lab add LIT` points to sessions."""

from __future__ import annotations

import pytest

from tests.cli.support import Cli, checksum


def test_add_list_edit_delete_a_session(cli: Cli) -> None:
    out = cli.ok("session", "add", "lit", "--on", "2026-11-20", "--where", "Clinic X", "--note", "first")
    assert out == "Saved: LIT session on Fri 20 Nov 2026 (session 1).\n"
    cli.ok("session", "add", "acupuncture", "--at", "09:30")
    [lit, own] = cli.json("session", "list")
    assert lit == {
        "id": 1,
        "on": "2026-11-20",
        "at": None,
        "zone": None,
        "kind": "lit",
        "what": "LIT session",
        "name": "lit",
        "where": "Clinic X",
        "note": "first",
    }
    assert (own["kind"], own["name"], own["on"], own["at"], own["zone"]) == (
        "other",
        "acupuncture",
        "2026-11-23",
        "09:30",
        "Europe/London",
    )
    text = cli.ok("session", "list")
    assert "  1  Fri 20 Nov 2026        LIT session  at Clinic X  — first" in text
    out = cli.ok("session", "edit", "1", "--what", "ivig", "--note", "")
    assert out.startswith(
        "Changed LIT session on Fri 20 Nov 2026 (session 1): what it is from LIT session to IVIG"
    )
    rc, _, err = cli("session", "delete", "2")
    assert rc == 2
    assert "add --yes" in err
    cli.ok("session", "delete", "2", "--yes")
    assert [s["id"] for s in cli.json("session", "list")] == [1]
    cli.ok("undo")
    assert [s["id"] for s in cli.json("session", "list")] == [1, 2]


def test_bad_input_exits_2_and_writes_nothing(cli: Cli) -> None:
    cli.ok("session", "add", "lit", "--on", "2026-11-20")
    before = checksum(cli.db)
    for args in (
        ("session", "add", "lit", "--on", "2026-11-20"),
        ("session", "add", "lit", "--on", "2026-12-25"),
        ("session", "add", "", "--on", "2026-11-20"),
        ("session", "add", "ivig", "--at", "25:00"),
        ("session", "edit", "1"),
        ("session", "edit", "7", "--note", "x"),
        ("session", "course", "lit", "--every", "3 fortnights", "--from", "2026-12-01", "--count", "3"),
        ("session", "course", "lit", "--every", "3 weeks", "--from", "2026-12-01", "--count", "60"),
        ("session", "course", "lit", "--every", "3 weeks", "--from", "2026-12-01", "--until", "2026-11-01"),
        ("course", "stop", "9"),
        ("lab", "add", "LIT", "--date", "2026-11-20"),
    ):
        rc, _, err = cli(*args)
        assert rc == 2, (args, err)
        assert err.startswith("rpltrack: ") or "usage" in err, err
    assert checksum(cli.db) == before
    rc, _, err = cli("session", "add", "lit", "--on", "2026-11-20")
    assert "--again" in err
    rc, _, err = cli("lab", "add", "LIT", "--date", "2026-11-20")
    assert "rpltrack session add lit" in err


def test_plan_a_course_see_it_fulfilled_and_stop_it(cli: Cli) -> None:
    out = cli.ok(
        "session", "course", "intralipid", "--every", "3 weeks", "--from", "2026-11-02", "--count", "3",
        "--at", "10:00", "--where", "Day unit",
    )  # fmt: skip
    assert out == (
        "Planned: Intralipid infusion course every 3 weeks from 2 Nov 2026 at 10:00, 3 sessions (course 1): "
        "Mon 2 Nov 2026, Mon 23 Nov 2026, Mon 14 Dec 2026.\n"
    )
    out = cli.ok("session", "add", "intralipids", "--on", "2026-11-04")
    assert "It counts for planned session 1 of 3 of course 1 (2026-11-02)." in out
    [course] = cli.json("course", "list")
    assert (course["id"], course["every"], course["count"], course["until"], course["at"]) == (
        1,
        "3 weeks",
        3,
        None,
        "10:00",
    )
    assert [(p["on"], p["state"], p["session"]) for p in course["planned"]] == [
        ("2026-11-02", "done", 1),
        ("2026-11-23", "upcoming", None),
        ("2026-12-14", "upcoming", None),
    ]
    assert (
        "Planned:\n       Mon 23 Nov 2026 10:00  Intralipid infusion at Day unit (2 of 3, course 1)"
        in cli.ok("session", "list")
    )
    cli.ok("course", "edit", "1", "--every", "4 weeks", "--until", "2027-01-31")
    [course] = cli.json("course", "list")
    assert (course["every"], course["count"], course["until"]) == ("4 weeks", None, "2027-01-31")
    cli.ok("course", "stop", "1", "--on", "2026-12-01")
    [course] = cli.json("course", "list")
    assert [p["on"] for p in course["planned"]] == ["2026-11-02", "2026-11-30"]
    rc, _, _ = cli("course", "delete", "1")
    assert rc == 2
    cli.ok("course", "delete", "1", "--yes")
    assert cli.json("course", "list") == []
    assert len(cli.json("session", "list")) == 1


def test_session_commands_have_help(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (("session",), ("session", "add"), ("session", "course"), ("course",), ("course", "stop")):
        with pytest.raises(SystemExit) as done:
            cli(*command, "--help")
        assert done.value.code == 0
        assert capsys.readouterr().out.startswith("usage: rpltrack")
