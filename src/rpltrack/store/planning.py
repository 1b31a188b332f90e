"""What the plan of the coming days reads from the journal (domain.plan works it out): for `rpltrack plan`
and the app's Plan screen."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain.plan import PlanDay, PlanInput, RetestDate, plan_days
from rpltrack.store.journal import Journal

# The flags whose due date is a retest falling due: numbers["due"] (else `since`), as the calendar reads them.
RETEST_RULES = ("retest-due", "apl-repeat-due")


def retest_dates(journal: Journal, now: datetime, zone: ZoneInfo) -> list[RetestDate]:
    """The retests falling due among the active flags at `now`."""
    found = []
    for flag in journal.flag_board(now, zone).active:
        if flag.rule not in RETEST_RULES:
            continue
        due = flag.numbers.get("due")
        found.append(RetestDate(flag.title, date.fromisoformat(due) if isinstance(due, str) else flag.since))
    return found


def plan_input(
    journal: Journal, first: date, last: date, zone: ZoneInfo, now: datetime, *, retests: bool = True
) -> PlanInput:
    """Everything the plan of [first, last] reads: the day views (what Today shows of each day), the
    medications that can have a dose then, appointments, cycles and pregnancies, retests due and each counted
    supply on hand now."""
    meds = journal.medications(in_force_on=first - timedelta(days=1))
    on_hand = {}
    for med in meds:
        if med.id is not None and med.supply is not None:
            count = journal.on_hand(med)
            if count is not None:
                on_hand[med.id] = count
    return PlanInput(
        first=first,
        last=last,
        zone=zone,
        now=now,
        views=journal.days(first, last, zone, now),
        medications=meds,
        appointments=journal.appointments(),
        cycles=journal.cycles(),
        pregnancies=journal.pregnancies(),
        retests=retest_dates(journal, now, zone) if retests else (),
        on_hand=on_hand,
    )


def plan(journal: Journal, first: date, last: date, zone: ZoneInfo, now: datetime) -> list[PlanDay]:
    """The plan of each day from `first` to `last` (inclusive) as of `now`."""
    return plan_days(plan_input(journal, first, last, zone, now))
