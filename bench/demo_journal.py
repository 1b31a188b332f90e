"""Child of bench/run.py: write a demo journal with the code of `rpltrack demo`, as of a given time.

    python bench/demo_journal.py JOURNAL YEARS AS_OF ZONE SEED     prints the number of dose rows

AS_OF is an ISO datetime read in ZONE (an IANA name); the journal must not exist yet.
"""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from rpltrack.store.demo import fill_demo
from rpltrack.store.journal import Journal


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    path, years, as_of_text, zone_name, seed = argv
    zone = ZoneInfo(zone_name)
    as_of = datetime.fromisoformat(as_of_text).replace(tzinfo=zone)
    with Journal.open(path, now=as_of) as journal:
        fill_demo(journal, as_of, zone, int(years), int(seed))
        print(journal.count("doses"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
