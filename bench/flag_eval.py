"""Child of bench/run.py: time the flag engine in process on a journal.

    python bench/flag_eval.py JOURNAL AS_OF ZONE RUNS     prints: read_ms eval_ms total_ms flags

Each figure is the median of RUNS rounds: `read` is Journal.snapshot (every clinical table, the recent
dose logs), `eval` the rules over it (flags.rules.board, marks included), `total` both.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from rpltrack.flags.rules import board
from rpltrack.store.journal import Journal


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, as_of_text, zone_name, runs_text = argv
    zone = ZoneInfo(zone_name)
    now = datetime.fromisoformat(as_of_text).replace(tzinfo=zone)
    reads: list[float] = []
    evals: list[float] = []
    count = 0
    with Journal.open(path, now=now) as journal:
        for _ in range(int(runs_text) + 1):  # the first round warms the caches and is not counted
            t0 = time.perf_counter()
            snap = journal.snapshot(now, zone)
            t1 = time.perf_counter()
            count = len(board(snap, journal.flag_marks()).active)
            t2 = time.perf_counter()
            reads.append(t1 - t0)
            evals.append(t2 - t1)
    read, ev = statistics.median(reads[1:]) * 1000, statistics.median(evals[1:]) * 1000
    print(f"{read:.2f} {ev:.2f} {read + ev:.2f} {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
