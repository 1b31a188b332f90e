"""What reminds and when (domain.reminders): due, grace, snooze, catch-up, clock changes, travel, words.

Pure: medications are built in memory and the ledger is a dict that the tests update the way the store does
(sent after a delivery, missed when passed unseen). RELIABILITY C1-C4, C6, C8, C9, F6.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rpltrack.domain import reminder_words as words
from rpltrack.domain import reminders as r
from rpltrack.domain.appointments import Appointment, AppointmentKind
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseLog, DoseStatus, Medication
from rpltrack.domain.records import replace
from rpltrack.domain.reminders import Entry, Kind, State, Travel
from rpltrack.domain.settings import SETTINGS
from tests.reminders.support import LONDON, NEW_YORK, SENSITIVE, at_times, every_hours

GRACE = timedelta(hours=2)
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
        fine: tuple[datetime, datetime] | None = None,
    ) -> list[tuple[datetime, r.Outgoing]]:
        """Tick from `start` to `end` every `every`, and every minute inside `fine`."""
        now = start
        while now <= end:
            self.tick(r.dose_dues(meds, logs, now, zone, GRACE, travel), now)
            minute = fine is not None and fine[0] <= now < fine[1]
            now += timedelta(minutes=1) if minute else every
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


@pytest.mark.parametrize(
    ("zone", "wall", "day", "expected_utc"),
    [
        (NEW_YORK, "02:30", date(2026, 3, 8), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        (LONDON, "01:30", date(2026, 3, 29), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    ],
    ids=["new-york-0230", "london-0130"],
)
def test_spring_forward_time_reminds_once_at_the_shifted_time(
    zone: ZoneInfo, wall: str, day: date, expected_utc: datetime
) -> None:
    """C1: a daily time that does not exist on spring-forward day reminds once, at 03:30 (02:30 + the gap),
    never at the old offset and never skipped; ticked over two days, every minute through the change night
    (a tick between two others only catches a reminder sooner, so the rest ticks every 10 minutes)."""
    med = saved(at_times(wall, zone=zone))
    ledger = Ledger()
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=zone).replace(hour=12)
    night = (start + timedelta(hours=12), start + timedelta(hours=18))
    ledger.run([med], start, start + timedelta(days=2), timedelta(minutes=10), zone, fine=night)
    on_the_day = [at for at in ledger.doses() if at.astimezone(zone).date() == day]
    assert on_the_day == [expected_utc]
    (out,) = [o for _, o in ledger.sent if o.due.due_at == expected_utc and o.due.kind is Kind.DOSE]
    assert "clocks went forward" in out.due.detail
    assert out.due.when == f"{expected_utc.astimezone(zone):%H:%M}"


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        (NEW_YORK, date(2026, 11, 1), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        (LONDON, date(2026, 10, 25), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
    ids=["new-york", "london"],
)
def test_fall_back_0130_reminds_once_at_the_first_0130(
    zone: ZoneInfo, day: date, expected_utc: datetime
) -> None:
    """C2: 01:30 happens twice on fall-back day; the reminder comes at the first one only."""
    med = saved(at_times("01:30", zone=zone))
    ledger = Ledger()
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=zone).replace(hour=12)
    night = (start + timedelta(hours=12), start + timedelta(hours=18))
    ledger.run([med], start, start + timedelta(days=2), timedelta(minutes=10), zone, fine=night)
    assert [at for at in ledger.doses() if at.astimezone(zone).date() == day] == [expected_utc]
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


def test_twice_daily_keeps_the_wall_clock_across_both_changes() -> None:
    """C3 (reminder side): 08:00 and 20:00 stay 08:00 and 20:00 local, two a day, on both change days."""
    med = saved(at_times("08:00,20:00", name="enoxaparin", dose="40 mg"))
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        ledger = Ledger()
        start = datetime.combine(day, datetime.min.time(), tzinfo=LONDON)
        ledger.run([med], start, start + timedelta(hours=23, minutes=59), timedelta(minutes=10), LONDON)
        assert [f"{d.astimezone(LONDON):%H:%M}" for d in ledger.doses()] == ["08:00", "20:00"]


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


def test_following_local_time_abroad_reminds_at_the_same_wall_time_once_a_day() -> None:
    """C9 follow local: the 21:00 dose comes at 21:00 in London, one per calendar day, and the first says it
    comes sooner after the last dose than usual."""
    ledger = _travel_run(Travel.LOCAL)
    london = ZoneInfo("Europe/London")
    doses = ledger.doses()
    assert doses[0] == datetime(2026, 5, 10, 20, 0, tzinfo=UTC)
    assert [f"{d.astimezone(london):%m-%d %H:%M}" for d in doses] == ["05-10 21:00", "05-11 21:00"]
    first = next(o for _, o in ledger.sent if o.due.kind is Kind.DOSE)
    assert first.due.subject == "dose:1:2026-05-11T01:00:00Z"  # logging it logs that day's home slot
    assert "This comes 19 h after the previous dose (new time zone)." in first.due.detail


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
