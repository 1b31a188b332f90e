"""What reminds and when (domain.reminders): due, grace, snooze, catch-up, clock changes, travel, words.

Pure: medications are built in memory and the ledger is a dict that the tests update the way the store does
(sent after a delivery, missed when passed unseen). RELIABILITY C1-C4, C6, C8, C9, F6.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain import reminder_words as words
from rpltrack.domain import reminders as r
from rpltrack.domain.appointments import Appointment, AppointmentKind
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseLog, DoseStatus, Medication
from rpltrack.domain.records import replace
from rpltrack.domain.reminders import Entry, Kind, State, Travel
from rpltrack.domain.schedule import day_bounds, expand
from rpltrack.domain.settings import SETTINGS
from tests.reminders.support import LONDON, NEW_YORK, SENSITIVE, at_times, every_hours

GRACE = timedelta(hours=2)
SYDNEY = ZoneInfo("Australia/Sydney")
ENTERED = datetime(2025, 1, 1, tzinfo=UTC)


def saved(med: Medication, med_id: int = 1) -> Medication:
    return replace(med, id=med_id, created_at=ENTERED)


class Ledger:
    """The store's bookkeeping, in memory: what was sent and what passed unseen."""

    def __init__(self) -> None:
        self.entries: dict[tuple[Kind, str], Entry] = {}
        self.sent: list[tuple[datetime, r.Outgoing]] = []

    def tick(self, dues: Iterable[r.Due], now: datetime) -> r.Decision:
        decision = r.decide(dues, self.entries, now)
        for out in decision.send:
            self.entries[out.due.key] = Entry(out.due.kind, out.due.subject, out.due.due_at, State.SENT)
            self.sent.append((now, out))
        for due in decision.missed:
            self.entries[due.key] = Entry(due.kind, due.subject, due.due_at, State.MISSED)
        return decision

    def run(
        self,
        meds: list[Medication],
        start: datetime,
        end: datetime,
        every: timedelta,
        zone: ZoneInfo,
        travel: Travel = Travel.HOME,
        logs: Iterable[DoseLog] = (),
        questions: bool = False,
    ) -> list[tuple[datetime, r.Outgoing]]:
        """Tick from `start` to `end` every `every`; with `questions`, the time-zone question is among what
        exists (asked until she chooses: `chosen` stays False)."""
        now = start
        while now <= end:
            dues = r.dose_dues(meds, logs, now, zone, GRACE, travel)
            question = r.travel_due(meds, now, zone, travel, chosen=False) if questions else None
            self.tick([*dues, question] if question is not None else dues, now)
            now += every
        return self.sent

    def doses(self) -> list[datetime]:
        return [out.due.due_at for _, out in self.sent if out.due.kind is Kind.DOSE]


def taken(med_id: int, slot: datetime, at: datetime | None = None) -> DoseLog:
    when = at or slot
    return DoseLog(med_id, DoseStatus.TAKEN, when, "Europe/London", slot_at=slot, taken_at=when)


# -- due, grace, snooze --------------------------------------------------------------------------------------


def test_a_dose_reminds_at_its_time_and_not_before() -> None:
    med = saved(at_times("08:00"))
    before = datetime(2026, 11, 23, 7, 59, tzinfo=LONDON)
    ledger = Ledger()
    assert ledger.tick(r.dose_dues([med], [], before, LONDON, GRACE), before).send == ()
    on_time = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)
    sent = ledger.tick(r.dose_dues([med], [], on_time, LONDON, GRACE), on_time).send
    assert [(o.due.kind, o.due.subject, o.late) for o in sent] == [
        (Kind.DOSE, "dose:1:2026-11-23T08:00:00Z", timedelta(0))
    ]
    again = on_time + timedelta(minutes=1)
    assert ledger.tick(r.dose_dues([med], [], again, LONDON, GRACE), again).send == ()


def test_an_open_dose_reminds_again_as_overdue_when_the_grace_period_ends() -> None:
    med = saved(at_times("08:00,20:00"))
    ledger = Ledger()
    start = datetime(2026, 11, 23, 7, 0, tzinfo=LONDON)
    ledger.run([med], start, start + timedelta(hours=6), timedelta(minutes=1), LONDON)
    assert [(at.astimezone(LONDON).strftime("%H:%M"), out.due.kind) for at, out in ledger.sent] == [
        ("08:00", Kind.DOSE),
        ("10:00", Kind.OVERDUE),
    ]


def test_a_logged_dose_has_no_overdue_reminder() -> None:
    med = saved(at_times("08:00"))
    slot = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    ledger = Ledger()
    start = datetime(2026, 11, 23, 7, 0, tzinfo=LONDON)
    ledger.run([med], start, start + timedelta(hours=6), timedelta(minutes=5), LONDON, logs=[taken(1, slot)])
    assert ledger.sent == []


@pytest.mark.parametrize("grace", [timedelta(minutes=30), timedelta(hours=4)], ids=["30m", "4h"])
def test_the_overdue_reminder_follows_her_grace_setting(grace: timedelta) -> None:
    med = saved(at_times("08:00"))
    now = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON) + grace
    today = (Kind.OVERDUE, "dose:1:2026-11-23T08:00:00Z")
    assert today in [d.key for d in r.dose_dues([med], [], now, LONDON, grace)]
    just_before = now - timedelta(minutes=1)
    assert today not in [d.key for d in r.dose_dues([med], [], just_before, LONDON, grace)]


def test_no_overdue_reminder_when_the_grace_period_reaches_the_next_dose() -> None:
    """Every 2 hours with a 2 h grace: the next dose's own reminder comes first."""
    med = saved(every_hours(2, datetime(2026, 11, 23, 0, 0, tzinfo=LONDON)))
    now = datetime(2026, 11, 23, 10, 30, tzinfo=LONDON)
    assert {d.kind for d in r.dose_dues([med], [], now, LONDON, GRACE)} == {Kind.DOSE}


def test_snoozed_reminder_comes_back_when_the_snooze_ends() -> None:
    med = saved(at_times("08:00"))
    slot_at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    key = (Kind.DOSE, "dose:1:2026-11-23T08:00:00Z")
    entries = {key: Entry(*key, slot_at, State.SNOOZED, snooze_until=slot_at + r.SNOOZE)}
    during = slot_at + r.SNOOZE - timedelta(minutes=1)
    assert r.decide(r.dose_dues([med], [], during, LONDON, GRACE), entries, during).send == ()
    after = slot_at + r.SNOOZE
    (out,) = r.decide(r.dose_dues([med], [], after, LONDON, GRACE), entries, after).send
    assert (out.due.key, out.snoozed, out.late) == (key, True, timedelta(0))
    assert words.render(out, after, discreet=False).body.startswith("Snoozed reminder")


def test_a_delivery_in_flight_elsewhere_is_left_alone_until_its_lease_ends() -> None:
    med = saved(at_times("08:00"))
    now = datetime(2026, 11, 23, 8, 0, 30, tzinfo=LONDON)
    key = (Kind.DOSE, "dose:1:2026-11-23T08:00:00Z")
    claimed = Entry(*key, now, State.PENDING, attempts=1, claimed_at=now)
    assert r.decide(r.dose_dues([med], [], now, LONDON, GRACE), {key: claimed}, now).send == ()
    later = now + r.LEASE
    assert len(r.decide(r.dose_dues([med], [], later, LONDON, GRACE), {key: claimed}, later).send) == 1
    failed = replace(claimed, claimed_at=None)  # no receipt came: pending, tried again at once
    assert len(r.decide(r.dose_dues([med], [], now, LONDON, GRACE), {key: failed}, now).send) == 1


def test_nothing_from_before_the_medication_was_entered() -> None:
    med = replace(at_times("08:00"), id=1, created_at=datetime(2026, 11, 23, 9, 0, tzinfo=LONDON))
    now = datetime(2026, 11, 23, 9, 5, tzinfo=LONDON)
    assert r.decide(r.dose_dues([med], [], now, LONDON, GRACE), {}, now).empty


# -- catch-up after sleep ------------------------------------------------------------------------------------


def test_after_a_20_minute_sleep_the_reminder_comes_once_saying_how_late() -> None:
    med = saved(at_times("08:00"))
    ledger = Ledger()
    asleep = datetime(2026, 11, 23, 7, 55, tzinfo=LONDON)
    ledger.tick(r.dose_dues([med], [], asleep, LONDON, GRACE), asleep)
    woke = asleep + timedelta(minutes=25)
    (out,) = ledger.tick(r.dose_dues([med], [], woke, LONDON, GRACE), woke).send
    assert out.late == timedelta(minutes=20)
    notice = words.render(out, woke, discreet=False)
    assert notice.title == "Missed 20 min ago: Aspirin 81 mg at 08:00"
    assert ledger.tick(r.dose_dues([med], [], woke + timedelta(minutes=1), LONDON, GRACE), woke).send == ()


def test_resume_from_sleep_catches_up_once() -> None:
    """C6: the clock jumps 20:50 -> 23:10 with no tick between: one 'missed' reminder for 21:00."""
    med = saved(at_times("09:00,21:00", name="enoxaparin", dose="40 mg"))
    ledger = Ledger()
    before = datetime(2026, 11, 23, 20, 50, tzinfo=LONDON)
    ledger.tick(r.dose_dues([med], [], before, LONDON, GRACE), before)
    after = datetime(2026, 11, 23, 23, 10, tzinfo=LONDON)
    decision = ledger.tick(r.dose_dues([med], [], after, LONDON, GRACE), after)
    assert [(o.due.kind, o.due.when, o.earlier) for o in decision.send] == [(Kind.OVERDUE, "21:00", 0)]
    assert [d.kind for d in decision.missed] == [Kind.DOSE]  # superseded by the overdue one, same slot
    assert (
        words.render(decision.send[0], after, discreet=False).title
        == "Not logged yet: Enoxaparin 40 mg (21:00)"
    )


def test_after_three_days_off_older_doses_pass_unseen_and_one_notification_comes() -> None:
    """C8: six doses a day, the laptop off for three days: no burst; what is still in its window comes as
    one notification per schedule, everything older is marked missed without a pop-up."""
    med = saved(at_times("06:00,09:00,12:00,15:00,18:00,21:00"))
    ledger = Ledger()
    off = datetime(2026, 11, 20, 5, 0, tzinfo=LONDON)
    ledger.tick(r.dose_dues([med], [], off, LONDON, GRACE), off)
    back = datetime(2026, 11, 23, 13, 0, tzinfo=LONDON)
    decision = ledger.tick(r.dose_dues([med], [], back, LONDON, GRACE), back)
    assert [(o.due.kind, o.due.when) for o in decision.send] == [(Kind.DOSE, "12:00")]
    assert decision.send[0].earlier >= 10
    missed_slots = {d.subject for d in decision.missed}
    assert len(missed_slots) == decision.send[0].earlier  # every older slot in the lookback, once each
    assert "earlier doses, shown as missed" in words.render(decision.send[0], back, discreet=False).body


def test_several_schedules_late_at_once_come_as_one_summary() -> None:
    meds = [saved(at_times("08:00", name=name), i) for i, name in enumerate(("a", "b", "c", "d"), start=1)]
    now = datetime(2026, 11, 23, 8, 30, tzinfo=LONDON)
    decision = r.decide(r.dose_dues(meds, [], now, LONDON, GRACE), {}, now)
    notices = words.notices(decision, now, discreet=False)
    assert len(notices) == 1
    assert notices[0].title == "While the computer was asleep: 4 reminders"
    assert len(notices[0].covers) == 4


# -- clock changes -------------------------------------------------------------------------------------------


def _slot_sends(ledger: Ledger, slot_utc: datetime) -> list[tuple[datetime, Kind]]:
    """(tick in UTC, kind) of every reminder sent about the dose slot at `slot_utc` (medication 1). In UTC:
    an aware datetime in a clock change's fold never equals one in another zone (PEP 495)."""
    subject = f"dose:1:{r.utc_key(slot_utc)}"
    return [(at.astimezone(UTC), out.due.kind) for at, out in ledger.sent if out.due.subject == subject]


@pytest.mark.parametrize(
    ("zone", "wall", "day", "expected_utc"),
    [
        (NEW_YORK, "02:30", date(2026, 3, 8), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        (LONDON, "01:30", date(2026, 3, 29), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    ],
    ids=["new-york-0230", "london-0130"],
)
def test_c1_spring_forward_0230_fires_once(
    zone: ZoneInfo, wall: str, day: date, expected_utc: datetime
) -> None:
    """C1: a daily time that does not exist on spring-forward day (02:30 New York on 8 March, 01:30 London on
    29 March) reminds exactly once that day, at the gap-shifted time (03:30 EDT = 07:30Z, 02:30 BST = 01:30Z),
    labelled as a clock-change day; never early at the old offset, never skipped. Ticked every minute from
    12:00 the day before to 12:00 the day after; the days either side keep the wall time."""
    med = saved(at_times(wall, zone=zone))
    ledger = Ledger()
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=zone).replace(hour=12)
    ledger.run([med], start, start + timedelta(days=2), timedelta(minutes=1), zone)
    hour, minute = map(int, wall.split(":"))
    day_after = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    day_after = day_after.replace(hour=hour, minute=minute)
    assert ledger.doses() == [expected_utc, day_after.astimezone(UTC)]
    # The dose reminder comes on the first tick at the shifted time, not a minute earlier; being left
    # unlogged, its overdue reminder follows when the grace period ends, and nothing else about that slot.
    assert _slot_sends(ledger, expected_utc) == [
        (expected_utc, Kind.DOSE),
        (expected_utc + GRACE, Kind.OVERDUE),
    ]
    (out,) = [o for _, o in ledger.sent if o.due.due_at == expected_utc and o.due.kind is Kind.DOSE]
    shifted = f"{expected_utc.astimezone(zone):%H:%M}"
    assert out.due.when == shifted
    notice = words.render(out, expected_utc, discreet=False)
    assert notice.body == f"Due now. The clocks went forward today, so this comes at {shifted}."


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        (NEW_YORK, date(2026, 11, 1), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        (LONDON, date(2026, 10, 25), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
    ids=["new-york", "london"],
)
def test_c2_fall_back_0130_fires_once(zone: ZoneInfo, day: date, expected_utc: datetime) -> None:
    """C2: 01:30 happens twice on fall-back day (New York 1 November, London 25 October); the reminder comes
    at the first 01:30 (fold=0: 05:30Z / 00:30Z) only, nothing at the second, and the day has one dose slot.
    Ticked every minute from 12:00 the day before to 12:00 the day after."""
    med = saved(at_times("01:30", zone=zone))
    ledger = Ledger()
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=zone).replace(hour=12)
    ledger.run([med], start, start + timedelta(days=2), timedelta(minutes=1), zone)
    assert [at for at in ledger.doses() if at.astimezone(zone).date() == day] == [expected_utc]
    assert _slot_sends(ledger, expected_utc) == [
        (expected_utc, Kind.DOSE),
        (expected_utc + GRACE, Kind.OVERDUE),
    ]
    second = expected_utc + timedelta(hours=1)  # 01:30 again, an hour later on the clock's second pass
    assert second.astimezone(zone).strftime("%H:%M") == "01:30"
    assert [out for at, out in ledger.sent if at.astimezone(UTC) == second] == []
    assert len(expand(med, *day_bounds(day, zone))) == 1
    (out,) = [o for _, o in ledger.sent if o.due.due_at == expected_utc and o.due.kind is Kind.DOSE]
    assert (
        out.due.detail
        == "The clocks go back today and 01:30 happens twice: this is the first, the only reminder."
    )


def test_every_8_hours_across_fall_back_is_8_hours_of_elapsed_time() -> None:
    """C4: 22:00 EDT -> 05:00 EST -> 13:00 EST -> 21:00 EST, each 8 h after the last in UTC."""
    first = datetime(2026, 10, 31, 22, 0, tzinfo=NEW_YORK)
    med = saved(every_hours(8, first, zone=NEW_YORK))
    ledger = Ledger()
    ledger.run([med], first - timedelta(hours=1), first + timedelta(hours=25), timedelta(minutes=5), NEW_YORK)
    doses = ledger.doses()
    assert [b - a for a, b in itertools.pairwise(doses)] == [timedelta(hours=8)] * 3
    assert [f"{d.astimezone(NEW_YORK):%H:%M %Z}" for d in doses] == [
        "22:00 EDT",
        "05:00 EST",
        "13:00 EST",
        "21:00 EST",
    ]


@pytest.mark.slow  # a year of ticks in three zones: about 4 s
@pytest.mark.parametrize(
    ("zone", "changes"),
    [
        (NEW_YORK, {date(2026, 3, 8): 11, date(2026, 11, 1): 13}),
        (LONDON, {date(2026, 3, 29): 11, date(2026, 10, 25): 13}),
        (SYDNEY, {date(2026, 4, 5): 13, date(2026, 10, 4): 11}),
    ],
    ids=["new-york", "london", "sydney"],
)
def test_c3_twice_daily_keeps_wall_clock(zone: ZoneInfo, changes: dict[date, int]) -> None:
    """C3: enoxaparin at 08:00 and 20:00, reminded through all of 2026 (both clock changes) in New York,
    London and Sydney: every dose reminder is at 08:00 or 20:00 local, exactly two per calendar day on all
    365 days (no extra, no missing slot), and on each clock-change day the 08:00 reminder comes 11 h (clocks
    forward) or 13 h (clocks back) after the evening dose and says so."""
    med = saved(at_times("08:00,20:00", name="enoxaparin", dose="40 mg", zone=zone))
    ledger = Ledger()
    start = datetime(2026, 1, 1, tzinfo=zone)
    # Ticks two hours apart: one always falls between a dose's reminder and its overdue one (2 h grace), so
    # no dose reminder is folded into its overdue one; a late tick still reports the reminder's own time.
    ledger.run(
        [med], start, datetime(2027, 1, 1, tzinfo=zone) - timedelta(minutes=1), timedelta(hours=2), zone
    )
    reminders = [(at, out) for at, out in ledger.sent if out.due.kind is Kind.DOSE]
    local = [out.due.due_at.astimezone(zone) for _, out in reminders]
    assert {f"{at:%H:%M}" for at in local} == {"08:00", "20:00"}
    per_day = Counter(at.date() for at in local)
    assert len(per_day) == 365
    assert set(per_day.values()) == {2}
    assert len({out.due.subject for _, out in reminders}) == 730
    for day, hours in changes.items():
        evening = datetime.combine(day - timedelta(days=1), time(20), tzinfo=zone)
        ((sent_at, morning),) = [
            (at, out)
            for at, out in reminders
            if out.due.due_at.astimezone(zone) == datetime.combine(day, time(8), tzinfo=zone)
        ]
        assert morning.due.due_at - evening.astimezone(UTC) == timedelta(hours=hours)
        notice = words.render(morning, sent_at, discreet=False)
        shown = f"{notice.title} {notice.body}"
        assert "clocks change" in shown
        assert f"{hours} h" in shown, f"{day}: the 08:00 reminder does not show the {hours} h gap: {shown!r}"


# -- travel --------------------------------------------------------------------------------------------------

# She lives in New York (the medication's zone) and lands in London at 12:00 EDT (17:00 BST) on 10 May.
LANDED = datetime(2026, 5, 10, 12, 0, tzinfo=NEW_YORK)


def _travel_run(travel: Travel) -> Ledger:
    med = saved(at_times("21:00", name="enoxaparin", dose="40 mg", zone=NEW_YORK))
    yesterday = datetime(2026, 5, 10, 1, 0, tzinfo=UTC)  # 9 May 21:00 EDT, taken on time
    ledger = Ledger()
    ledger.run(
        [med],
        LANDED,
        LANDED + timedelta(days=2),
        timedelta(minutes=5),
        ZoneInfo("Europe/London"),
        travel,
        logs=[taken(1, yesterday)],
    )
    return ledger


def test_keeping_home_time_abroad_reminds_at_the_home_instant() -> None:
    """C9 keep home: 21:00 in New York is 02:00 in London; the text names both."""
    ledger = _travel_run(Travel.HOME)
    doses = ledger.doses()
    assert doses[0] == datetime(2026, 5, 11, 1, 0, tzinfo=UTC)
    assert [f"{d.astimezone(ZoneInfo('Europe/London')):%H:%M}" for d in doses] == ["02:00", "02:00"]
    first = next(o for _, o in ledger.sent if o.due.kind is Kind.DOSE)
    assert first.due.when == "21:00 New York time (02:00 here)"


# RELIABILITY C9: her clock changes from New York to London at 18:00 EDT (23:00 BST) on 10 May.
ZONE_CHANGE = datetime(2026, 5, 10, 18, 0, tzinfo=NEW_YORK)


def _zone_change_run(travel: Travel) -> Ledger:
    """Daily 21:00 New York enoxaparin, the 9 May dose taken on time; ticks every 5 minutes in New York from
    12:00 EDT, then in London from the zone change for three days, the time-zone question among the dues."""
    med = saved(at_times("21:00", name="enoxaparin", dose="40 mg", zone=NEW_YORK))
    logs = [taken(1, datetime(2026, 5, 10, 1, 0, tzinfo=UTC))]
    every = timedelta(minutes=5)
    ledger = Ledger()
    before = ZONE_CHANGE - timedelta(hours=6)
    ledger.run([med], before, ZONE_CHANGE - every, every, NEW_YORK, travel, logs=logs, questions=True)
    assert ledger.sent == []  # nothing was due in New York that afternoon
    ledger.run(
        [med], ZONE_CHANGE, ZONE_CHANGE + timedelta(days=3), every, LONDON, travel, logs=logs, questions=True
    )
    return ledger


def test_c9_travel_follow_local_vs_keep_home() -> None:
    """C9: the zone changes New York -> London at 18:00 EDT on 10 May, a daily 21:00 schedule, both rules.
    She is asked once, at the zone change. Following local time, the next reminder is for 21:00 BST on 10 May
    (already past when the clock changed, so it comes at once) and says it comes only 19 h after the previous
    dose; then 21:00 BST every day. Keeping home time, the reminder comes at 02:00 BST (= 21:00 EDT). Either
    way exactly one dose slot per calendar day."""
    for travel in (Travel.LOCAL, Travel.HOME):
        ledger = _zone_change_run(travel)
        asked = [(at, out.due.subject) for at, out in ledger.sent if out.due.kind is Kind.TRAVEL]
        assert asked == [(ZONE_CHANGE, "zone:Europe/London")], travel
        doses = [(at, out) for at, out in ledger.sent if out.due.kind in (Kind.DOSE, Kind.OVERDUE)]
        slot_days: dict[str, date] = {}
        for _, out in doses:
            assert out.due.at is not None
            slot_days[out.due.subject] = out.due.at.astimezone(LONDON).date()
        per_day = Counter(slot_days.values())
        assert set(per_day.values()) == {1}, travel
        wall = {f"{out.due.at.astimezone(LONDON):%H:%M}" for _, out in doses if out.due.at is not None}
        first_at, first = doses[0]
        if travel is Travel.LOCAL:
            assert sorted(per_day) == [date(2026, 5, d) for d in (10, 11, 12, 13)]
            assert wall == {"21:00"}
            assert first_at == ZONE_CHANGE
            assert first.due.at == datetime(2026, 5, 10, 21, 0, tzinfo=LONDON)
            assert first.due.subject == "dose:1:2026-05-11T01:00:00Z"  # logging it logs that day's home slot
            assert "This comes 19 h after the previous dose (new time zone)." in first.due.detail
            assert [out for _, out in doses[1:] if "after the previous dose" in out.due.detail] == []
        else:
            assert sorted(per_day) == [date(2026, 5, d) for d in (11, 12, 13)]
            assert wall == {"02:00"}
            assert (first_at, first.due.kind) == (datetime(2026, 5, 11, 1, 0, tzinfo=UTC), Kind.DOSE)
            assert first.due.when == "21:00 New York time (02:00 here)"
            assert [out for _, out in doses if "after the previous dose" in out.due.detail] == []


def test_the_time_zone_question_is_asked_until_she_chooses() -> None:
    med = saved(at_times("21:00", zone=NEW_YORK))
    london = ZoneInfo("Europe/London")
    question = r.travel_due([med], LANDED, london, Travel.HOME, chosen=False)
    assert question is not None
    assert question.subject == "zone:Europe/London"
    assert "21:00 there is 02:00 here" in question.detail
    assert "rpltrack settings set reminders.travel local" in question.detail
    assert r.travel_due([med], LANDED, london, Travel.HOME, chosen=True) is None
    assert r.travel_due([med], LANDED, NEW_YORK, Travel.HOME, chosen=False) is None  # at home: no question
    ledger = Ledger()
    assert len(ledger.tick([question], LANDED).send) == 1
    assert ledger.tick([question], LANDED + timedelta(hours=1)).send == ()  # asked once


# -- appointments and flags ----------------------------------------------------------------------------------


def _appointment(at: datetime, created: datetime = ENTERED) -> Appointment:
    return Appointment(
        at=at,
        kind=AppointmentKind.HEMATOLOGY,
        with_name="Dr Lee",
        where="City Clinic",
        id=7,
        created_at=created,
    )


def test_an_appointment_reminds_the_evening_before_and_minutes_before() -> None:
    appt = _appointment(datetime(2026, 11, 24, 9, 30, tzinfo=LONDON))
    ledger = Ledger()
    start = datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)
    now = start
    while now < start + timedelta(days=1):
        ledger.tick(r.appointment_dues([appt], now, 60), now)
        now += timedelta(minutes=5)
    assert [
        (f"{at.astimezone(LONDON):%d %H:%M}", o.due.subject.rsplit(":", 1)[-1]) for at, o in ledger.sent
    ] == [
        ("23 18:00", "evening"),
        ("24 08:30", "60m"),
    ]
    evening, soon = (o for _, o in ledger.sent)
    assert words.render(evening, datetime(2026, 11, 23, 18, 0, tzinfo=LONDON), discreet=False).title == (
        "Tomorrow 09:30: Dr Lee (hematologist)"
    )
    notice = words.render(soon, datetime(2026, 11, 24, 8, 30, tzinfo=LONDON), discreet=False)
    assert (notice.title, notice.body) == ("In 1 h: Dr Lee (hematologist), 09:30", "At City Clinic.")


def test_an_appointment_made_after_the_evening_before_gets_only_the_later_reminder() -> None:
    appt = _appointment(
        datetime(2026, 11, 24, 9, 30, tzinfo=LONDON), created=datetime(2026, 11, 23, 20, 0, tzinfo=LONDON)
    )
    now = datetime(2026, 11, 23, 20, 5, tzinfo=LONDON)
    assert r.decide(r.appointment_dues([appt], now, 60), {}, now).empty


def test_flag_checks_stay_in_the_daytime() -> None:
    evening = datetime(2026, 11, 23, 19, 0, tzinfo=LONDON)
    assert r.next_flag_check(evening, LONDON) == datetime(2026, 11, 24, 9, 0, tzinfo=LONDON)
    night = datetime(2026, 11, 23, 2, 0, tzinfo=LONDON)
    assert not r.flag_hours(night, LONDON)
    assert r.first_flag_hour(night, LONDON) == datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


# -- words ---------------------------------------------------------------------------------------------------


def test_a_dose_reminder_says_what_how_much_and_when_and_offers_taken_and_snooze() -> None:
    med = saved(at_times("08:00", name="enoxaparin", dose="40 mg"))
    ledger = Ledger()
    day_before = datetime(2026, 11, 22, 23, 0, tzinfo=LONDON)
    ledger.tick(r.dose_dues([med], [], day_before, LONDON, GRACE), day_before)  # older ones handled
    now = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)
    (out,) = ledger.tick(r.dose_dues([med], [], now, LONDON, GRACE), now).send
    notice = words.render(out, now, discreet=False)
    assert (notice.title, notice.body) == ("Enoxaparin 40 mg at 08:00", "Due now.")
    assert notice.buttons == (("taken", "Taken"), ("snooze", "Snooze"))
    assert notice.text(with_buttons=False) == "Due now.\nLog it with: rpltrack take enoxaparin"
    assert notice.urgency is words.Urgency.NORMAL


def test_discreet_reminders_have_no_drug_or_clinical_words() -> None:
    """F6: every kind of reminder, in discreet mode, with or without buttons."""
    med = saved(at_times("08:00,20:00", name="Lovenox", dose="40 mg"))
    appt = _appointment(datetime(2026, 11, 23, 18, 30, tzinfo=LONDON))
    now = datetime(2026, 11, 23, 17, 30, tzinfo=LONDON)
    dues = [
        *r.dose_dues([med], [], datetime(2026, 11, 23, 8, 20, tzinfo=LONDON), LONDON, GRACE),
        *r.dose_dues([med], [], datetime(2026, 11, 23, 10, 0, tzinfo=LONDON), LONDON, GRACE),
        *r.appointment_dues([appt], now, 60),
        r.flag_due(Kind.REFILL, "refill-due:med1", "Lovenox: refill due soon", "Ask your pharmacy.", now),
        r.flag_due(Kind.RETEST, "retest-due:x", "TSH check due", "Ask your care team.", now),
    ]
    question = r.travel_due([saved(at_times("21:00", zone=NEW_YORK))], LANDED, LONDON, Travel.HOME, False)
    assert question is not None
    dues.append(question)
    outgoing = [r.Outgoing(d, timedelta(minutes=20), earlier=2) for d in dues]
    notices = [words.render(o, now, discreet=True) for o in outgoing]
    notices += [words.summary(outgoing, now, discreet=True), words.trial_notice(now, discreet=True)]
    for notice in notices:
        text = " ".join(
            [notice.title, notice.text(with_buttons=False), *(label for _, label in notice.buttons)]
        )
        assert not [w for w in SENSITIVE if w in text.lower()], text
    assert notices[0].buttons == (("taken", "Done"), ("snooze", "Snooze"))


def test_dose_subjects_name_the_medication_and_slot() -> None:
    assert r.parse_dose_subject("dose:3:2026-11-23T08:00:00Z") == (
        3,
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    )
    assert r.parse_dose_subject("appt:3:2026-11-23T08:00:00Z:60m") is None
    assert r.parse_dose_subject("dose:x:2026") is None


@pytest.mark.parametrize(
    ("span", "text"),
    [(timedelta(minutes=20), "20 min"), (timedelta(hours=2), "2 h"), (timedelta(minutes=80), "1 h 20 min")],
)
def test_spans_read_plainly(span: timedelta, text: str) -> None:
    assert r.format_span(span) == text


# -- settings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "text", "stored"),
    [
        ("reminders.appointment-minutes", "30", "30"),
        ("reminders.appointment-minutes", "90 min", "90"),
        ("reminders.appointment-minutes", "45m", "45"),
        ("reminders.travel", "Local", "local"),
        ("reminders.travel", " home ", "home"),
    ],
)
def test_reminder_settings_are_read_and_kept_in_one_spelling(key: str, text: str, stored: str) -> None:
    assert SETTINGS[key].parse(text) == stored


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("reminders.appointment-minutes", "2", "a number of minutes from 5 to 1440, like 60; got '2'"),
        ("reminders.appointment-minutes", "an hour", "a number of minutes from 5 to 1440"),
        ("reminders.travel", "away", "reminders.travel is one of home, local, not 'away'"),
    ],
)
def test_reminder_settings_refuse_what_they_cannot_use(key: str, text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        SETTINGS[key].parse(text)
