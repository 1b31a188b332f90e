"""The command line still says what it said before errors carried codes (#19): the domain and the store now
raise a code with its values, and cli/errors.py words the remedy in options and commands — the same words."""

from __future__ import annotations

import pytest

from rpltrack.store.journal import Journal
from tests.cli.support import Cli, checksum

CASES = [
    (
        ["med", "add", "aspirin", "--dose", "81mg", "--every", "often"],
        "cannot read --every 'often': write hours like 8h or 12h",
    ),
    (
        ["med", "add", "aspirin", "--dose", "81mg", "--times", "08:00", "--start", "transfer"],
        "a schedule tied to a cycle event or a gestational age needs a cycle: start one first "
        "(rpltrack cycle add) or give --cycle ID",
    ),
    (
        ["session", "edit", "99", "--note", "x"],
        "there is no treatment session with id 99: see rpltrack session list",
    ),
    (["appt", "edit", "99", "--where", "x"], "there is no appointment with id 99: see rpltrack appt list"),
    (
        ["question", "edit", "99", "--text", "x"],
        "there is no question with id 99: rpltrack appt show APPT lists an appointment's questions with "
        "their ids",
    ),
    (["cycle", "edit", "99", "--note", "x"], "there is no cycle with id 99: see rpltrack cycle list"),
    (["lab", "edit", "99", "--note", "x"], "there is no lab result with id 99: see rpltrack labs"),
    (["beta", "edit", "99", "--value", "5"], "there is no beta result with id 99: see rpltrack betas"),
    (
        ["dose", "edit", "99", "--note", "x"],
        "there is no logged dose with id 99: rpltrack log shows each one's id",
    ),
    (["take", "99"], "there is no medication with id 99: rpltrack med list --all shows each one's id"),
    (
        ["med", "edit", "99", "--dose", "5mg"],
        "there is no medication with id 99: rpltrack med list --all shows each one's id",
    ),
    (
        ["take", "zzz"],
        "no medication called 'zzz' in your journal (yours: none yet); add it with: rpltrack med add zzz "
        "--dose ... --times ...",
    ),
    (["take", ""], "give the medication's name or id, e.g. rpltrack take aspirin"),
    (
        ["pregnancy", "end", "--date", "2026-11-01", "--outcome", "miscarriage"],
        "no ongoing pregnancy is recorded: add one with rpltrack pregnancy add, or record a past loss with "
        "rpltrack loss add",
    ),
    (["search", ""], "give some words to search for, e.g. rpltrack search lovenox"),
    (
        ["export", "csv", "--from", "2026-03-10", "--to", "2026-03-01"],
        "--from 2026-03-10 is after --to 2026-03-01: give the earlier day first",
    ),
    (
        ["session", "add", "lit", "--on", "2030-01-01"],
        "2030-01-01 is after today: record a session once it happened, and plan coming ones with rpltrack "
        "session course",
    ),
    (
        ["lab", "add", "LIT", "done"],
        "Lymphocyte immunotherapy (LIT) is a treatment session, not a lab result: record it with rpltrack "
        "session add lit --on YYYY-MM-DD (or on the Treatments screen, key 0). Nothing was saved.",
    ),
    (
        ["beta", "add", "120 IU/L", "--unit", "IU/L", "--at", "2026-11-20 08:00"],
        "give the unit once, either after the number or with --unit",
    ),
]


@pytest.mark.parametrize(("argv", "said"), CASES, ids=[" ".join(argv[:3]) for argv, _ in CASES])
def test_a_common_error_is_worded_as_before_and_changes_nothing(cli: Cli, argv: list[str], said: str) -> None:
    Journal.open(cli.db).close()  # the journal exists, so "changes nothing" is a comparison
    before = checksum(cli.db)
    rc, out, err = cli(*argv)
    assert (rc, out) == (2, "")
    # (reading the checksum leaves the journal's side files to the SQLite defaults: rpltrack may say first
    # that it tightened their permissions)
    assert err.splitlines()[-1] == f"rpltrack: {said}"
    assert checksum(cli.db) == before
