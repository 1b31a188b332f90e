"""The words of a reminder: what, how much and when, discreet or not; one summary instead of a burst.

Imported only when something is to be sent (the every-minute check with nothing due never needs it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rpltrack.domain.records import record
from rpltrack.domain.reminders import (
    SUMMARY_FROM,
    Decision,
    Due,
    Kind,
    Outgoing,
    format_span,
    utc_key,
)

if TYPE_CHECKING:
    from collections.abc import Sequence


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    CRITICAL = "critical"


@record(frozen=True)
class Notice:
    """A notification as the desktop shows it. `covers` are the ledger keys its receipt marks sent."""

    title: str
    body: str
    urgency: Urgency
    covers: tuple[tuple[Kind, str], ...]
    buttons: tuple[tuple[str, str], ...] = ()  # (action, label): ('taken', 'Taken'), ('snooze', 'Snooze')
    fallback: str = ""  # a line added when the server shows no buttons: the command that logs it
    discreet: bool = False

    @property
    def kind(self) -> Kind:
        return self.covers[0][0]

    @property
    def subject(self) -> str:
        return self.covers[0][1]

    def text(self, *, with_buttons: bool) -> str:
        """The body as sent: with the fallback line when the buttons cannot be shown."""
        if with_buttons or not self.fallback:
            return self.body
        return f"{self.body}\n{self.fallback}" if self.body else self.fallback


DISCREET_TITLE = "Reminder"
BUTTONS = (("taken", "Taken"), ("snooze", "Snooze"))
DISCREET_BUTTONS = (("taken", "Done"), ("snooze", "Snooze"))
URGENCY = {
    Kind.DOSE: Urgency.NORMAL,
    Kind.OVERDUE: Urgency.CRITICAL,
    Kind.APPOINTMENT: Urgency.NORMAL,
    Kind.RETEST: Urgency.LOW,
    Kind.REFILL: Urgency.LOW,
    Kind.TRAVEL: Urgency.NORMAL,
    Kind.TEST: Urgency.NORMAL,
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _day_word(at: datetime, now: datetime) -> str:
    zone = at.tzinfo if isinstance(at.tzinfo, ZoneInfo) else UTC
    days = (at.astimezone(zone).date() - now.astimezone(zone).date()).days
    return {0: "Today", 1: "Tomorrow"}.get(days, f"{at.astimezone(zone):%a %d %b}")


def render(outgoing: Outgoing, now: datetime, *, discreet: bool) -> Notice:
    """The words of one reminder: what, how much and when; in discreet mode no drug or clinical word."""
    due, late = outgoing.due, outgoing.late
    urgency = URGENCY.get(due.kind, Urgency.NORMAL)
    buttons = (DISCREET_BUTTONS if discreet else BUTTONS) if due.actionable else ()
    fallback = "" if discreet or not due.command else f"Log it with: {due.command}"
    ago = format_span(late)
    time_only = due.when.split(" ", 1)[0] if due.when else ""
    if due.kind in (Kind.DOSE, Kind.OVERDUE):
        overdue = due.kind is Kind.OVERDUE
        if discreet:
            title = DISCREET_TITLE
            body = (
                f"Something from {due.when} is still open."
                if overdue
                else (
                    f"Missed {ago} ago: something due at {due.when}."
                    if late
                    else f"Something is due at {due.when}."
                )
            )
        else:
            what = _cap(due.what)
            if overdue:
                title = f"Not logged yet: {what} ({due.when})"
                assert due.at is not None
                body = f"It was due at {due.when}, {format_span(now - due.at)} ago."
            elif late:
                title = f"Missed {ago} ago: {what} at {due.when}"
                body = f"It was due at {due.when} and is not logged yet."
            elif outgoing.snoozed:
                title = f"{what} at {due.when}"
                body = "Snoozed reminder: still not logged."
            else:
                title = f"{what} at {due.when}"
                body = "Due now."
            if due.detail:
                body = f"{body} {due.detail}"
        if outgoing.earlier:
            n = outgoing.earlier
            body += (
                f" {n} earlier reminder{'s' if n > 1 else ''} passed while the computer was asleep or off."
                if discreet
                else f" Also not logged: {n} earlier dose{'s' if n > 1 else ''}, shown as missed in rpltrack."
            )
    elif due.kind is Kind.APPOINTMENT:
        assert due.at is not None
        soon = due.subject.endswith("m")
        left = format_span(due.at - now)
        if discreet:
            title = DISCREET_TITLE
            at_time = f" at {time_only}" if time_only else ""  # a planned session may have no time
            body = (
                f"Something planned at {time_only}, in {left}."
                if soon
                else f"Something planned {_day_word(due.at, now).lower()}{at_time}."
            )
        else:
            title = (
                f"In {left}: {due.what}, {due.when}"
                if soon
                else f"{_day_word(due.at, now)}{f' {due.when}' if due.when else ''}: {due.what}"
            )
            body = f"{due.detail}." if due.detail else ""
    elif due.kind in (Kind.RETEST, Kind.REFILL):
        title = DISCREET_TITLE if discreet else due.what
        body = "Something to look at in your tracker when you have a moment." if discreet else due.detail
    elif due.kind is Kind.TRAVEL:
        title = DISCREET_TITLE if discreet else due.what
        body = (
            "New time zone: your reminders keep your home time until you choose otherwise in the settings."
            if discreet
            else due.detail
        )
    else:
        title = DISCREET_TITLE if discreet else "rpltrack test reminder"
        body = "Test reminder: if you can read this, reminders reach you."
    return Notice(title, body, urgency, (due.key,), buttons, fallback, discreet)


def summary(outgoing: Sequence[Outgoing], now: datetime, *, discreet: bool) -> Notice:
    """Several late reminders after a long sleep, as one notification instead of a burst."""
    n = len(outgoing)
    covers = tuple(o.due.key for o in outgoing)
    urgent = any(o.due.kind in (Kind.DOSE, Kind.OVERDUE) for o in outgoing)
    urgency = Urgency.CRITICAL if urgent else Urgency.NORMAL
    if discreet:
        return Notice(
            DISCREET_TITLE,
            f"{n} reminders came due while the computer was asleep or off. Open your tracker to see them.",
            urgency,
            covers,
            discreet=True,
        )
    lines = [f"- {_cap(o.due.what)}, {o.due.when or 'now'} ({format_span(o.late)} ago)" for o in outgoing]
    return Notice(
        f"While the computer was asleep: {n} reminders",
        "\n".join(lines),
        urgency,
        covers,
        fallback="See today's doses with: rpltrack today",
    )


def notices(decision: Decision, now: datetime, *, discreet: bool) -> list[Notice]:
    """The notifications of a decision; SUMMARY_FROM or more late ones come as one summary."""
    late = [o for o in decision.send if o.late and o.due.kind not in (Kind.TRAVEL, Kind.TEST)]
    if len(late) < SUMMARY_FROM:
        late = []
    out = [render(o, now, discreet=discreet) for o in decision.send if o not in late]
    if late:
        out.append(summary(late, now, discreet=discreet))
    return out


def trial_notice(now: datetime, *, discreet: bool) -> Notice:
    """The notification `rpltrack remind --test` sends."""
    due = Due(Kind.TEST, f"test:{utc_key(now)}", now, now, "test", "test")
    return render(Outgoing(due, timedelta(0)), now, discreet=discreet)
