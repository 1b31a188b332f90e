"""The reminder ledger and `run_due`, the one function every trigger calls (timer, TUI, daemon).

`run_due` reads what is due (doses, appointments, the time-zone question, and now and then retests and
refills from the flag rules), decides under BEGIN IMMEDIATE what to send and what passed unseen, claims what
it sends, delivers outside the lock through the `deliver` it is given, and records each receipt. Two
processes ticking at once never both send one reminder: the second sees the first's claim. A delivery with
no receipt stays pending and is tried again on the next run, until its window closes.

Every read and write of the reminders table is a method of `Ledger`, which the journal hands out bound to
its connection (`JournalBase.reminder_ledger`). A row's `note` holds JSON: the reminder's words (what,
when, detail), and once delivered with buttons, `shown` (where the notification is, so that its buttons
can be taken back if the process answering them is gone) and `answer` ('taken' or 'snooze', the button
she pressed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain import reminders as rules
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.models import DoseStatus
from rpltrack.domain.records import field, record
from rpltrack.domain.reminders import Due, Entry, Kind, State, Travel
from rpltrack.domain.settings import SETTINGS, grace_from
from rpltrack.store.db import write_txn
from rpltrack.store.rows import opt_utc, utc_parse, utc_text

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from contextlib import AbstractContextManager
    from typing import Any

    from rpltrack.domain.appointments import Appointment
    from rpltrack.domain.reminder_words import Notice
    from rpltrack.store.journal import Journal

    # Delivers one notification; returns the backend that gave a receipt ('dbus', 'notify-send', 'in-app'),
    # or None when nothing confirmed it (it stays pending).
    Deliver = Callable[[Notice], str | None]
    Key = tuple[Kind, str]

FLAG_RULES = {"retest-due": Kind.RETEST, "apl-repeat-due": Kind.RETEST, "refill-due": Kind.REFILL}
STORED_KINDS = (Kind.RETEST.value, Kind.REFILL.value)
FLAG_CHECK = (Kind.CHECK, "flags")
SHOWN_WITHIN = timedelta(days=7)  # how far back a notification with buttons is looked for (dunst keeps some)
ALL_STATES = tuple(state.value for state in State)  # lets the (state, due_utc) index serve a due_utc range


@record(frozen=True)
class RunReport:
    """What one run did: notifications delivered (with the backend), not delivered, and passed unseen."""

    sent: tuple[tuple[Notice, str], ...] = ()
    failed: tuple[Notice, ...] = ()
    missed: tuple[Due, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> int:
        """How many things passed unseen (a dose's reminder and its overdue one count once)."""
        return len({due.subject for due in self.missed})

    @property
    def travel_question(self) -> Notice | None:
        return next((n for n, _ in self.sent if n.kind is Kind.TRAVEL), None) or next(
            (n for n in self.failed if n.kind is Kind.TRAVEL), None
        )


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        Kind(row["kind"]),
        row["subject"],
        utc_parse(row["due_utc"]),
        State(row["state"]),
        int(row["attempts"]),
        opt_utc(row["claimed_utc"]),
        opt_utc(row["snooze_until_utc"]),
        opt_utc(row["sent_utc"]),
        row["backend"],
        row["note"],
    )


def note_of(text: str) -> dict[str, Any]:
    """A row's note as a dict ({} when empty or not JSON)."""
    # quick path: `remind --once` would import json (+1.5 ms)
    import json

    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _note(due: Due) -> str:
    # quick path: `remind --once` would import json (+1.5 ms)
    import json

    return json.dumps({"what": due.what, "when": due.when, "detail": due.detail}, ensure_ascii=False)


class Ledger:
    """The reminders table over one journal's connection: what run_due, the buttons, the app and
    `remind --status` read and write. Got from `journal.reminder_ledger()`."""

    def __init__(self, conn: sqlite3.Connection, writable: Callable[[], None]) -> None:
        self._conn = conn
        self._writable = writable

    def txn(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE): the claim and its re-read happen under one lock."""
        return write_txn(self._conn)

    # -- what run_due reads and claims ----------------------------------------------------------------

    def entries(self, keys: Iterable[Key]) -> dict[Key, Entry]:
        """The rows of `keys`, and every retest/refill row still pending or snoozed."""
        wanted = list(dict.fromkeys(keys))
        found: dict[Key, Entry] = {}
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            values = ", ".join("(?, ?)" for _ in chunk)
            params = [part for kind, subject in chunk for part in (kind.value, subject)]
            sql = f"SELECT * FROM reminders WHERE (kind, subject) IN (VALUES {values})"
            for row in self._conn.execute(sql, params):
                entry = _entry(row)
                found[entry.key] = entry
        stored = ", ".join("?" for _ in STORED_KINDS)
        for row in self._conn.execute(
            f"SELECT * FROM reminders WHERE state IN ('pending', 'snoozed') AND kind IN ({stored})",
            STORED_KINDS,
        ):
            entry = _entry(row)
            found[entry.key] = entry
        return found

    def upcoming_appointments(self, now: datetime) -> list[Appointment]:
        """Appointments around now that are still to come (their rows are read first: the appointment code
        is imported only when there is one)."""
        now = now.astimezone(UTC)  # a fold=1 local time would lose its fold in the arithmetic
        lo, hi = utc_text(now - rules.LOOKBACK), utc_text(now + timedelta(days=2))
        found = self._conn.execute(
            "SELECT * FROM appointments WHERE at_utc > ? AND at_utc <= ? AND cancelled = 0 "
            "AND done_utc IS NULL ORDER BY at_utc, id",
            (lo, hi),
        ).fetchall()
        if not found:
            return []
        # quick path: `remind --once` would import store.appointment_rows, domain.appointments (+0.9 ms)
        from rpltrack.store import appointment_rows

        return [appointment_rows.appointment_of(row, ()) for row in found]

    def add_flag_due(self, due: Due, now: datetime) -> None:
        """A retest or refill reminder from a flag, pending (inside `txn`)."""
        self._conn.execute(
            "INSERT INTO reminders (kind, subject, due_utc, state, note, updated_utc) "
            "VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (kind, subject) DO NOTHING",
            (due.kind.value, due.subject, utc_text(due.due_at), _note(due), utc_text(now)),
        )

    def next_flag_check(self, following: datetime, now: datetime) -> None:
        """When the flag rules are next read for reminders (inside `txn`)."""
        self._conn.execute(
            "INSERT INTO reminders (kind, subject, due_utc, state, updated_utc) "
            "VALUES (?, ?, ?, 'done', ?) ON CONFLICT (kind, subject) "
            "DO UPDATE SET due_utc = excluded.due_utc, updated_utc = excluded.updated_utc",
            (Kind.CHECK.value, FLAG_CHECK[1], utc_text(following), utc_text(now)),
        )

    def upsert(self, due: Due, state: State, now: datetime, *, claim: bool = False) -> None:
        """Set a reminder's state (inside `txn`); `claim` marks a delivery in flight."""
        stamp = utc_text(now)
        self._conn.execute(
            "INSERT INTO reminders (kind, subject, due_utc, state, attempts, claimed_utc, note, updated_utc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, subject) DO UPDATE SET state = excluded.state, "
            "attempts = attempts + excluded.attempts, claimed_utc = excluded.claimed_utc, "
            "updated_utc = excluded.updated_utc",
            (
                due.kind.value,
                due.subject,
                utc_text(due.due_at),
                state.value,
                1 if claim else 0,
                stamp if claim else None,
                _note(due),
                stamp,
            ),
        )

    def record(
        self,
        sent: Sequence[tuple[Notice, str]],
        failed: Sequence[Notice],
        unsent: Sequence[Notice],
        now: datetime,
    ) -> None:
        """Receipts: sent, with the backend's name; a failure or a delivery cut short goes back to pending."""
        if not (sent or failed or unsent):
            return
        stamp = utc_text(now)
        with write_txn(self._conn):
            for notice, backend in sent:
                for kind, subject in notice.covers:
                    self._conn.execute(
                        "UPDATE reminders SET state = 'sent', sent_utc = ?, backend = ?, claimed_utc = NULL, "
                        "updated_utc = ? WHERE kind = ? AND subject = ? AND state = 'pending'",
                        (stamp, backend, stamp, kind.value, subject),
                    )
            for notice in (*failed, *unsent):
                for kind, subject in notice.covers:
                    self._conn.execute(
                        "UPDATE reminders SET claimed_utc = NULL, updated_utc = ? "
                        "WHERE kind = ? AND subject = ? AND state = 'pending'",
                        (stamp, kind.value, subject),
                    )

    # -- the buttons ----------------------------------------------------------------------------------

    def snooze(self, key: Key, until: datetime, now: datetime) -> None:
        """Snooze pressed: the reminder comes back at `until`."""
        self._writable()
        stamp = utc_text(now)
        with write_txn(self._conn):
            self._conn.execute(
                "INSERT INTO reminders (kind, subject, due_utc, state, snooze_until_utc, updated_utc) "
                "VALUES (?, ?, ?, 'snoozed', ?, ?) ON CONFLICT (kind, subject) DO UPDATE SET "
                "state = 'snoozed', snooze_until_utc = excluded.snooze_until_utc, claimed_utc = NULL, "
                "updated_utc = excluded.updated_utc",
                (key[0].value, key[1], stamp, utc_text(until), stamp),
            )
            self._edit_note(key, now, shown=None, answer="snooze")

    def close_dose(self, key: Key, now: datetime) -> None:
        """Taken pressed (the dose is logged): its due and overdue reminders are done."""
        self._writable()
        stamp = utc_text(now)
        with write_txn(self._conn):
            self._conn.execute(
                "UPDATE reminders SET state = 'done', claimed_utc = NULL, updated_utc = ? "
                "WHERE kind IN ('dose', 'overdue') AND subject = ?",
                (stamp, key[1]),
            )
            self._edit_note(key, now, shown=None, answer="taken")

    def mark_shown(self, key: Key, where: Mapping[str, str | int], now: datetime) -> None:
        """A notification with buttons is on screen: where it is (bus, server, listener, id), so that a
        later run can take its buttons back if the process answering them is gone."""
        self._writable()
        with write_txn(self._conn):
            self._edit_note(key, now, shown=dict(where))

    def shown(self, now: datetime) -> list[tuple[Key, dict[str, Any]]]:
        """The notifications with buttons recorded on screen (of the last SHOWN_WITHIN)."""
        since = utc_text(now.astimezone(UTC) - SHOWN_WITHIN)
        states = ", ".join("?" for _ in ALL_STATES)
        found = []
        for row in self._conn.execute(
            f"SELECT kind, subject, note FROM reminders WHERE state IN ({states}) AND due_utc >= ? "
            "AND note LIKE '%\"shown\"%'",
            (*ALL_STATES, since),
        ):
            where = note_of(row["note"]).get("shown")
            if isinstance(where, dict):
                found.append(((Kind(row["kind"]), row["subject"]), where))
        return found

    def released(self, keys: Iterable[Key], now: datetime) -> None:
        """These notifications' buttons are gone (taken back by their listener, withdrawn, or closed): their
        records of where they were on screen are dropped."""
        keys = list(keys)
        if not keys:
            return
        self._writable()
        with write_txn(self._conn):
            for key in keys:
                self._edit_note(key, now, shown=None)

    def _edit_note(self, key: Key, now: datetime, **changes: Any) -> None:
        """Set (or, with None, remove) keys of a row's note (inside a transaction)."""
        row = self._conn.execute(
            "SELECT note FROM reminders WHERE kind = ? AND subject = ?", (key[0].value, key[1])
        ).fetchone()
        if row is None:
            return

        note = note_of(row["note"])
        for name, value in changes.items():
            if value is None:
                note.pop(name, None)
            else:
                note[name] = value
        # quick path: `remind --once` would import json (+1.5 ms)
        import json

        text = json.dumps(note, ensure_ascii=False) if note else ""
        if text != row["note"]:
            self._conn.execute(
                "UPDATE reminders SET note = ?, updated_utc = ? WHERE kind = ? AND subject = ?",
                (text, utc_text(now), key[0].value, key[1]),
            )

    # -- what the app and `remind --status` show -------------------------------------------------------

    def take_unshown_missed(self, now: datetime) -> list[Entry]:
        """Missed dose and appointment reminders of the last LOOKBACK not yet told in the app, minus those
        whose dose or appointment did pop up; all of them are marked told."""
        where = (
            "WHERE state = 'missed' AND sent_utc IS NULL AND due_utc >= ? "
            "AND kind IN ('dose', 'overdue', 'appointment')"
        )
        since = utc_text(now.astimezone(UTC) - rules.LOOKBACK)
        if self._conn.execute(f"SELECT count(*) FROM reminders {where}", (since,)).fetchone()[0] == 0:
            return []
        with write_txn(self._conn):
            found = [
                _entry(row)
                for row in self._conn.execute(f"SELECT * FROM reminders {where} ORDER BY due_utc", (since,))
            ]
            # A dose or appointment that did pop up (its overdue or a later reminder was sent) is not
            # told again.
            reminded = {
                _thing(row["kind"], row["subject"])
                for row in self._conn.execute(
                    "SELECT kind, subject FROM reminders WHERE due_utc >= ? AND state != 'missed'", (since,)
                )
            }
            self._conn.execute(
                f"UPDATE reminders SET sent_utc = ?, backend = 'in-app', updated_utc = ? {where}",
                (utc_text(now), utc_text(now), since),
            )
        return [e for e in found if _thing(e.kind.value, e.subject) not in reminded]

    def add_trial(self, notice: Notice, backend: str | None, now: datetime) -> None:
        """`remind --test`: sent (with its backend) or missed (nothing delivered it)."""
        stamp = utc_text(now)
        with write_txn(self._conn):
            self._conn.execute(
                "INSERT INTO reminders (kind, subject, due_utc, state, attempts, sent_utc, backend, "
                "updated_utc) VALUES ('test', ?, ?, ?, 1, ?, ?, ?) ON CONFLICT (kind, subject) DO NOTHING",
                (
                    notice.subject,
                    stamp,
                    "sent" if backend else "missed",
                    stamp if backend else None,
                    backend or "",
                    stamp,
                ),
            )

    def since(self, start: datetime) -> list[Entry]:
        """Rows due from `start` on (not the flag-check row), newest first."""
        return [
            _entry(row)
            for row in self._conn.execute(
                "SELECT * FROM reminders WHERE due_utc >= ? AND kind != 'check' "
                "ORDER BY due_utc DESC, id DESC",
                (utc_text(start.astimezone(UTC)),),
            )
        ]


def _words(entry: Entry) -> tuple[str, str]:
    note = note_of(entry.note)
    return str(note.get("what", "")), str(note.get("detail", ""))


def _stored_dues(found: dict[Key, Entry]) -> list[Due]:
    return [
        rules.stored_due(e, *_words(e))
        for e in found.values()
        if e.kind.value in STORED_KINDS and e.state in (State.PENDING, State.SNOOZED)
    ]


def _settings(journal: Journal) -> tuple[dict[str, str], dict[str, str]]:
    stored = journal.stored_settings()
    return {**{key: s.default for key, s in SETTINGS.items()}, **stored}, stored


def computed_dues(journal: Journal, now: datetime, zone: ZoneInfo) -> list[Due]:
    """Dose, overdue, appointment reminders and the time-zone question that exist around `now`."""
    values, stored = _settings(journal)
    travel = Travel(values.get("reminders.travel") or Travel.HOME.value)
    now = now.astimezone(UTC)  # a fold=1 local time would lose its fold in the arithmetic
    start = now - rules.LOOKBACK - rules.LOOKAHEAD
    meds = journal.medications(in_force_on=start.astimezone(zone).date() - timedelta(days=1))
    logs = journal.logs_between(start - timedelta(days=1), now + rules.LOOKAHEAD + timedelta(days=1))
    dues = rules.dose_dues(meds, logs, now, zone, grace_from(values), travel)
    minutes = int(values.get("reminders.appointment-minutes") or 60)
    dues += rules.appointment_dues(journal.reminder_ledger().upcoming_appointments(now), now, minutes)
    dues += journal.session_reminder_dues(now, minutes)  # before each planned treatment session
    question = rules.travel_due(meds, now, zone, travel, "reminders.travel" in stored)
    if question is not None:
        dues.append(question)
    return dues


def _flag_dues(journal: Journal, now: datetime, zone: ZoneInfo) -> list[Due]:
    """Retest and refill reminders from the active flags (acknowledged ones are left out)."""

    board = journal.flag_board(now, zone)
    return [
        rules.flag_due(FLAG_RULES[flag.rule], flag.key, flag.title, flag.ask, now)
        for flag in board.active
        if flag.rule in FLAG_RULES
    ]


def _flag_check_due(found: dict[Key, Entry], now: datetime) -> bool:
    check = found.get(FLAG_CHECK)
    return check is None or check.due_at <= now


def run_due(
    journal: Journal,
    deliver: Deliver,
    now: datetime,
    zone: ZoneInfo,
    *,
    discreet: bool | None = None,
    flags: bool = True,
) -> RunReport:
    """Send what is due now, once, and mark what passed unseen; see the module docstring.

    Nothing is written when nothing is due (the usual case, every minute). `discreet` overrides the
    reminders.discreet setting (the TUI shows its own words in the app); `flags=False` leaves out retests and
    refills (tests that count deliveries).
    """
    if journal.readonly:
        return RunReport(notes=("the journal is open read-only: no reminders were sent",))
    ledger = journal.reminder_ledger()
    dues = computed_dues(journal, now, zone)
    keys = [d.key for d in dues]
    if flags:
        keys.append(FLAG_CHECK)
    found = ledger.entries(keys)
    check_flags = flags and _flag_check_due(found, now)
    decision = rules.decide([*dues, *_stored_dues(found)], found, now)
    if decision.empty and not check_flags:
        return RunReport()
    flag_dues: list[Due] = []
    notes: list[str] = []
    if check_flags and rules.flag_hours(now, zone):
        try:
            flag_dues = _flag_dues(journal, now, zone)
        except Exception as exc:  # a flag problem must never hold back a dose reminder
            notes.append(f"retests and refills were not checked ({type(exc).__name__}: {exc})")

    with ledger.txn():
        # Read again under the write lock: another process may have claimed or sent meanwhile.
        found = ledger.entries(keys)
        if check_flags and _flag_check_due(found, now):
            for due in flag_dues:
                ledger.add_flag_due(due, now)
            daytime = rules.flag_hours(now, zone)
            following = rules.next_flag_check(now, zone) if daytime else rules.first_flag_hour(now, zone)
            ledger.next_flag_check(following, now)
            found = ledger.entries(keys)
        decision = rules.decide([*dues, *_stored_dues(found)], found, now)
        values, _ = _settings(journal)
        hide = values.get("reminders.discreet") == "on" if discreet is None else discreet
        notices: list[Notice] = []
        if decision.send:
            # quick path: `remind --once` would import domain.reminder_words (+0.4 ms)
            from rpltrack.domain import reminder_words as words

            notices = words.notices(decision, now, discreet=hide)
        by_key = {o.due.key: o.due for o in decision.send}
        for due in decision.missed:
            ledger.upsert(due, State.MISSED, now)
        for notice in notices:
            for key in notice.covers:
                ledger.upsert(by_key[key], State.PENDING, now, claim=True)
    sent: list[tuple[Notice, str]] = []
    failed: list[Notice] = []
    try:
        for notice in notices:
            backend = deliver(notice)
            if backend:
                sent.append((notice, backend))
            else:
                failed.append(notice)
    finally:
        done = {notice for notice, _ in sent} | set(failed)
        ledger.record(sent, failed, [n for n in notices if n not in done], now)
    return RunReport(tuple(sent), tuple(failed), decision.missed, tuple(notes))


# -- answers from a notification's buttons ----------------------------------------------------------------


def answer(journal: Journal, kind: Kind, subject: str, action: str, now: datetime, zone: ZoneInfo) -> str:
    """Act on a button: 'taken' logs the dose (the slot the reminder was for) and closes its reminders;
    'snooze' brings the reminder back in rules.SNOOZE. Returns what was done, in words."""
    ledger = journal.reminder_ledger()
    if action == "snooze":
        until = now.astimezone(UTC) + rules.SNOOZE
        ledger.snooze((kind, subject), until, now)
        return f"snoozed until {until.astimezone(zone):%H:%M}"
    if action != "taken":
        raise ValidationError(f"unknown reminder action {action!r}")
    parsed = rules.parse_dose_subject(subject)
    if parsed is None:
        raise ValidationError(f"this reminder ({kind.value}) has no dose to log")
    med_id, slot_at = parsed
    med = journal.medication(med_id)
    result = journal.record_dose(med, DoseStatus.TAKEN, now, zone, slot_at=slot_at)
    ledger.close_dose((kind, subject), now)
    taken = result.log.taken_at or now
    verb = "logged" if result.created else "already logged"
    return f"{med.name} {verb} as taken at {taken.astimezone(zone):%H:%M}"


# -- what the app and `remind --status` show ----------------------------------------------------------------


@record(frozen=True)
class Passed:
    """A reminder that passed without a pop-up, as the app tells her about it."""

    kind: Kind
    what: str
    when: str
    due_at: datetime


def _thing(kind: str, subject: str) -> str:
    """What a reminder is about: the dose slot (its due and overdue reminders), or the appointment (its
    evening-before and minutes-before reminders)."""
    return subject.rsplit(":", 1)[0] if kind == Kind.APPOINTMENT.value else subject


def take_unshown_missed(journal: Journal, now: datetime) -> list[Passed]:
    """Reminders of the last LOOKBACK that passed unseen and that the app has not told her about yet; they
    are marked shown (the TUI calls this once per tick)."""
    if journal.readonly:
        return []
    passed: dict[str, Passed] = {}
    for entry in journal.reminder_ledger().take_unshown_missed(now):
        note = note_of(entry.note)
        passed.setdefault(
            _thing(entry.kind.value, entry.subject),
            Passed(entry.kind, str(note.get("what", "")), str(note.get("when", "")), entry.due_at),
        )
    return list(passed.values())


def record_trial(journal: Journal, notice: Notice, backend: str | None, now: datetime) -> None:
    """Keep `remind --test` in the ledger: sent (with its backend) or missed (nothing delivered it)."""
    if journal.readonly:
        return
    journal.reminder_ledger().add_trial(notice, backend, now)


def recent(journal: Journal, now: datetime, days: int = 2) -> list[Entry]:
    """Ledger rows of the last `days` days (not the flag-check row), newest first."""
    return journal.reminder_ledger().since(now.astimezone(UTC) - timedelta(days=days))
