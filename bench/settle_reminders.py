"""Child of bench/run.py: settle a journal's reminders now, so `rpltrack remind --once` finds nothing due.

    python bench/settle_reminders.py JOURNAL ZONE [SOURCE]     prints: reminders settled

With SOURCE, JOURNAL is first made a copy of it (SQLite's backup API). Every reminder due now is marked sent
(this script stands in for a notification server and gives the receipt) and every older one missed; the
flag rules are read once, so the next check of them is hours away. That is the state every minute's timer
run meets on a real machine.
"""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from rpltrack.clock import SystemClock
from rpltrack.domain.reminder_words import Notice
from rpltrack.store.journal import Journal
from rpltrack.store.reminder_ledger import run_due


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    path, zone = Path(argv[0]), ZoneInfo(argv[1])
    clock = SystemClock(zone)
    if len(argv) == 3 and not path.exists():
        with Journal.open(argv[2], now=clock.now()) as source:
            source.backup(path)
    settled = 0

    def receipt(notice: Notice) -> str:
        nonlocal settled
        settled += len(notice.covers)
        return "bench"

    with Journal.open(path, now=clock.now()) as journal:
        report = run_due(journal, receipt, clock.now(), zone)
    print(settled + report.passed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
