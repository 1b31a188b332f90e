"""The reminder ledger and `run_due`, the one function every trigger calls (timer, TUI, daemon).

`run_due` reads what is due (doses, appointments, the time-zone question, and now and then retests and
refills from the flag rules), decides under BEGIN IMMEDIATE what to send and what passed unseen, claims what
it sends, delivers outside the lock through the `deliver` it is given, and records each receipt. Two
processes ticking at once never both send one reminder: the second sees the first's claim. A delivery with
no receipt stays pending and is tried again on the next run, until its window closes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rpltrack.domain import reminders as rules
from rpltrack.domain.records import field, record
from rpltrack.domain.reminders import Due, Entry, Kind, State, Travel
from rpltrack.domain.settings import SETTINGS, grace_from
from rpltrack.store.db import write_txn
from rpltrack.store.rows import opt_utc, utc_parse, utc_text

# typing is kept out of the command line's start-up (see cli/main.py); annotations are never evaluated.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterable, Sequence

    from rpltrack.domain.appointments import Appointment
    from rpltrack.domain.reminder_words import Notice
    from rpltrack.store.journal import Journal

    # Delivers one notification; returns the backend that gave a receipt ('dbus', 'notify-send', 'in-app'),
    # or None when nothing confirmed it (it stays pending).
    Deliver = Callable[[Notice], str | None]

FLAG_RULES = {"retest-due": Kind.RETEST, "apl-repeat-due": Kind.RETEST, "refill-due": Kind.REFILL}
STORED_KINDS = (Kind.RETEST.value, Kind.REFILL.value)
FLAG_CHECK = (Kind.CHECK, "flags")


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


def entries(conn: sqlite3.Connection, keys: Iterable[tuple[Kind, str]]) -> dict[tuple[Kind, str], Entry]:
    """The ledger rows of `keys`, and every retest/refill row still pending or snoozed."""
    wanted = list(dict.fromkeys(keys))
    found: dict[tuple[Kind, str], Entry] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        values = ", ".join("(?, ?)" for _ in chunk)
        params = [part for kind, subject in chunk for part in (kind.value, subject)]
        sql = f"SELECT * FROM reminders WHERE (kind, subject) IN (VALUES {values})"
        for row in conn.execute(sql, params):
            entry = _entry(row)
            found[entry.key] = entry
    stored = ", ".join("?" for _ in STORED_KINDS)
    for row in conn.execute(
        f"SELECT * FROM reminders WHERE state IN ('pending', 'snoozed') AND kind IN ({stored})", STORED_KINDS
    ):
        entry = _entry(row)
        found[entry.key] = entry
    return found


def _words(entry: Entry) -> tuple[str, str]:
    import json

    try:
        note = json.loads(entry.note) if entry.note else {}
    except ValueError:
        note = {}
    return str(note.get("what", "")), str(note.get("detail", ""))


def _stored_dues(found: dict[tuple[Kind, str], Entry]) -> list[Due]:
    return [
        rules.stored_due(e, *_words(e))
        for e in found.values()
        if e.kind.value in STORED_KINDS and e.state in (State.PENDING, State.SNOOZED)
    ]


def _upcoming_appointments(conn: sqlite3.Connection, now: datetime) -> list[Appointment]:
    """Appointments around now that are still to come (their rows are read first: the appointment code is
    imported only when there is one)."""
    now = now.astimezone(UTC)  # a fold=1 local time would lose its fold in the arithmetic
    lo, hi = utc_text(now - rules.LOOKBACK), utc_text(now + timedelta(days=2))
    found = conn.execute(
        "SELECT * FROM appointments WHERE at_utc > ? AND at_utc <= ? AND cancelled = 0 "
        "AND done_utc IS NULL ORDER BY at_utc, id",
        (lo, hi),
    ).fetchall()
    if not found:
        return []
    from rpltrack.store import appointment_rows

    return [appointment_rows.appointment_of(row, ()) for row in found]


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
    dues += rules.appointment_dues(_upcoming_appointments(journal._conn, now), now, minutes)
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


def _note(due: Due) -> str:
    import json

    return json.dumps({"what": due.what, "when": due.when, "detail": due.detail}, ensure_ascii=False)


def _upsert(conn: sqlite3.Connection, due: Due, state: State, now: datetime, *, claim: bool = False) -> None:
    stamp = utc_text(now)
    conn.execute(
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


def _flag_check_due(found: dict[tuple[Kind, str], Entry], now: datetime) -> bool:
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
    conn = journal._conn
    dues = computed_dues(journal, now, zone)
    keys = [d.key for d in dues]
    if flags:
        keys.append(FLAG_CHECK)
    found = entries(conn, keys)
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
    from rpltrack.domain import reminder_words as words

    with write_txn(conn):
        # Read again under the write lock: another process may have claimed or sent meanwhile.
        found = entries(conn, keys)
        if check_flags and _flag_check_due(found, now):
            for due in flag_dues:
                conn.execute(
                    "INSERT INTO reminders (kind, subject, due_utc, state, note, updated_utc) "
                    "VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (kind, subject) DO NOTHING",
                    (due.kind.value, due.subject, utc_text(due.due_at), _note(due), utc_text(now)),
                )
            daytime = rules.flag_hours(now, zone)
            following = rules.next_flag_check(now, zone) if daytime else rules.first_flag_hour(now, zone)
            conn.execute(
                "INSERT INTO reminders (kind, subject, due_utc, state, updated_utc) "
                "VALUES (?, ?, ?, 'done', ?) ON CONFLICT (kind, subject) "
                "DO UPDATE SET due_utc = excluded.due_utc, updated_utc = excluded.updated_utc",
                (Kind.CHECK.value, FLAG_CHECK[1], utc_text(following), utc_text(now)),
            )
            found = entries(conn, keys)
        decision = rules.decide([*dues, *_stored_dues(found)], found, now)
        values, _ = _settings(journal)
        hide = values.get("reminders.discreet") == "on" if discreet is None else discreet
        notices = words.notices(decision, now, discreet=hide) if decision.send else []
        by_key = {o.due.key: o.due for o in decision.send}
        for due in decision.missed:
            _upsert(conn, due, State.MISSED, now)
        for notice in notices:
            for key in notice.covers:
                _upsert(conn, by_key[key], State.PENDING, now, claim=True)
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
        _record(conn, sent, failed, [n for n in notices if n not in done], now)
    return RunReport(tuple(sent), tuple(failed), decision.missed, tuple(notes))


def _record(
    conn: sqlite3.Connection,
    sent: Sequence[tuple[Notice, str]],
    failed: Sequence[Notice],
    unsent: Sequence[Notice],
    now: datetime,
) -> None:
    """Receipts: sent, with the backend's name; a failure or a delivery cut short goes back to pending."""
    if not (sent or failed or unsent):
        return
    stamp = utc_text(now)
    with write_txn(conn):
        for notice, backend in sent:
            for kind, subject in notice.covers:
                conn.execute(
                    "UPDATE reminders SET state = 'sent', sent_utc = ?, backend = ?, claimed_utc = NULL, "
                    "updated_utc = ? WHERE kind = ? AND subject = ? AND state = 'pending'",
                    (stamp, backend, stamp, kind.value, subject),
                )
        for notice in (*failed, *unsent):
            for kind, subject in notice.covers:
                conn.execute(
                    "UPDATE reminders SET claimed_utc = NULL, updated_utc = ? "
                    "WHERE kind = ? AND subject = ? AND state = 'pending'",
                    (stamp, kind.value, subject),
                )


# -- answers from a notification's buttons ----------------------------------------------------------------


def answer(journal: Journal, kind: Kind, subject: str, action: str, now: datetime, zone: ZoneInfo) -> str:
    """Act on a button: 'taken' logs the dose (the slot the reminder was for) and closes its reminders;
    'snooze' brings the reminder back in rules.SNOOZE. Returns what was done, in words."""
    from rpltrack.domain.errors import ValidationError
    from rpltrack.domain.models import DoseStatus

    journal._writable()
    conn = journal._conn
    stamp = utc_text(now)
    if action == "snooze":
        until = now.astimezone(UTC) + rules.SNOOZE
        with write_txn(conn):
            conn.execute(
                "INSERT INTO reminders (kind, subject, due_utc, state, snooze_until_utc, updated_utc) "
                "VALUES (?, ?, ?, 'snoozed', ?, ?) ON CONFLICT (kind, subject) DO UPDATE SET "
                "state = 'snoozed', snooze_until_utc = excluded.snooze_until_utc, claimed_utc = NULL, "
                "updated_utc = excluded.updated_utc",
                (kind.value, subject, stamp, utc_text(until), stamp),
            )
        return f"snoozed until {until.astimezone(zone):%H:%M}"
    if action != "taken":
        raise ValidationError(f"unknown reminder action {action!r}")
    parsed = rules.parse_dose_subject(subject)
    if parsed is None:
        raise ValidationError(f"this reminder ({kind.value}) has no dose to log")
    med_id, slot_at = parsed
    med = journal.medication(med_id)
    result = journal.record_dose(med, DoseStatus.TAKEN, now, zone, slot_at=slot_at)
    with write_txn(conn):
        conn.execute(
            "UPDATE reminders SET state = 'done', claimed_utc = NULL, updated_utc = ? "
            "WHERE kind IN ('dose', 'overdue') AND subject = ?",
            (stamp, subject),
        )
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
    import json

    conn = journal._conn
    where = (
        "WHERE state = 'missed' AND sent_utc IS NULL AND due_utc >= ? "
        "AND kind IN ('dose', 'overdue', 'appointment')"
    )
    since = utc_text(now.astimezone(UTC) - rules.LOOKBACK)
    if conn.execute(f"SELECT count(*) FROM reminders {where}", (since,)).fetchone()[0] == 0:
        return []
    with write_txn(conn):
        found = [
            _entry(row) for row in conn.execute(f"SELECT * FROM reminders {where} ORDER BY due_utc", (since,))
        ]
        # A dose or appointment that did pop up (its overdue or later reminder was sent) is not told again.
        reminded = {
            _thing(row["kind"], row["subject"])
            for row in conn.execute(
                "SELECT kind, subject FROM reminders WHERE due_utc >= ? AND state != 'missed'", (since,)
            )
        }
        conn.execute(
            f"UPDATE reminders SET sent_utc = ?, backend = 'in-app', updated_utc = ? {where}",
            (utc_text(now), utc_text(now), since),
        )
    passed: dict[str, Passed] = {}
    for entry in found:
        if _thing(entry.kind.value, entry.subject) in reminded:
            continue
        try:
            note = json.loads(entry.note) if entry.note else {}
        except ValueError:
            note = {}
        passed.setdefault(
            _thing(entry.kind.value, entry.subject),
            Passed(entry.kind, str(note.get("what", "")), str(note.get("when", "")), entry.due_at),
        )
    return list(passed.values())


def record_trial(journal: Journal, notice: Notice, backend: str | None, now: datetime) -> None:
    """Keep `remind --test` in the ledger: sent (with its backend) or missed (nothing delivered it)."""
    if journal.readonly:
        return
    stamp = utc_text(now)
    with write_txn(journal._conn):
        journal._conn.execute(
            "INSERT INTO reminders (kind, subject, due_utc, state, attempts, sent_utc, backend, updated_utc) "
            "VALUES ('test', ?, ?, ?, 1, ?, ?, ?) ON CONFLICT (kind, subject) DO NOTHING",
            (
                notice.subject,
                stamp,
                "sent" if backend else "missed",
                stamp if backend else None,
                backend or "",
                stamp,
            ),
        )


def recent(journal: Journal, now: datetime, days: int = 2) -> list[Entry]:
    """Ledger rows of the last `days` days (not the flag-check row), newest first."""
    since = utc_text(now.astimezone(UTC) - timedelta(days=days))
    return [
        _entry(row)
        for row in journal._conn.execute(
            "SELECT * FROM reminders WHERE due_utc >= ? AND kind != 'check' ORDER BY due_utc DESC, id DESC",
            (since,),
        )
    ]
