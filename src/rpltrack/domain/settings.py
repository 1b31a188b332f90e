"""Typed settings with defaults, stored in the journal so they travel with backups.

Clinic targets override the guideline defaults of the clinical reference; a flag driven by one says so and
still shows the default. A setting she never set (or reset) is not in the journal: the default applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.quantities import MINUS_SIGNS, leading_number, quoted, refuse_non_numbers
from rpltrack.domain.records import record

_DURATION_RE = re.compile(r"^\s*(?:([0-9]{1,5})\s*h)?\s*(?:([0-9]{1,6})\s*m(?:in)?)?\s*$")
_INTERVAL_RE = re.compile(r"^\s*([0-9]{1,4})\s*(d|days?|w|weeks?|m|months?)\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """'2h', '90m', '1h30m' -> timedelta; a ValidationError otherwise."""
    match = _DURATION_RE.match(text or "")
    if not match or not any(match.groups()):
        raise ValidationError(
            f"cannot read the duration {quoted(text or '')}: write it like 2h, 90m or 1h30m"
        )
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(hours=hours, minutes=minutes)


def format_duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours}h{minutes}m"
    return f"{hours}h" if hours else f"{minutes}m"


@record(frozen=True)
class Interval:
    """A retest interval: days (weeks are 7 days) or calendar months (6 months after 31 Aug is 28/29 Feb)."""

    days: int = 0
    months: int = 0

    def after(self, day: date) -> date:
        if self.months:
            # heavy: dateutil
            from dateutil.relativedelta import relativedelta

            return day + relativedelta(months=self.months)
        return day + timedelta(days=self.days)

    def __str__(self) -> str:
        if self.months:
            return f"{self.months} month{'s' if self.months != 1 else ''}"
        if self.days % 7 == 0:
            weeks = self.days // 7
            return f"{weeks} week{'s' if weeks != 1 else ''}"
        return f"{self.days} day{'s' if self.days != 1 else ''}"

    @property
    def text(self) -> str:
        """The canonical spelling stored in the journal: 84d is kept as 12w, months as 6m."""
        if self.months:
            return f"{self.months}m"
        return f"{self.days // 7}w" if self.days % 7 == 0 else f"{self.days}d"


def parse_interval(text: str) -> Interval:
    """'12w', '84d', '6m' (calendar months) -> Interval; a ValidationError otherwise."""
    match = _INTERVAL_RE.match(text or "")
    if not match:
        raise ValidationError(
            f"cannot read the interval {quoted(text or '')}: write it like 84d, 12w or 6m (months)"
        )
    count, unit = int(match.group(1)), match.group(2).lower()
    if count == 0:
        raise ValidationError("an interval must be at least 1 day")
    if unit.startswith("m"):
        if count > 60:
            raise ValidationError("an interval can be at most 60 months")
        return Interval(months=count)
    days = count * 7 if unit.startswith("w") else count
    if days > 1830:
        raise ValidationError("an interval can be at most 1830 days (5 years)")
    return Interval(days=days)


def parse_number(text: str, what: str, low: Decimal, high: Decimal) -> Decimal:
    """A number setting above `low` and at most `high`, read by the one number grammar
    (quantities.read_number): '2,5' is refused with both readings, like everywhere else."""
    seen = (text or "").strip()
    example = f"{low + (high - low) / 4:f}"
    negative = leading_number(seen[1:], field="value") if seen[:1] in MINUS_SIGNS else None
    if negative is not None and not negative[1]:
        raise ValidationError(
            f"{what} must be above {low} and at most {high}; got {quoted(seen)}", field="value"
        )
    refuse_non_numbers(seen, what=what, field="value")
    found = leading_number(seen, field="value")
    if found is None or found[1]:
        raise ValidationError(f"{what} must be a number, like {example}; got {quoted(seen)}", field="value")
    value = found[0]
    if not low < value <= high:
        raise ValidationError(
            f"{what} must be above {low} and at most {high}; got {quoted(seen)}", field="value"
        )
    return value


@record(frozen=True)
class Setting:
    key: str
    default: str  # "" = no value unless she sets one (the guideline ladder applies)
    description: str
    kind: str = "text"  # duration | number | interval | switch | retest | minutes | choice
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(1000)
    unit: str = ""
    choices: tuple[str, ...] = ()  # the words a "choice" setting accepts

    def parse(self, text: str) -> str:
        """Validate `text` for this key and return its canonical spelling."""
        if self.kind == "duration":
            value = parse_duration(text)
            if not timedelta(minutes=5) <= value <= timedelta(hours=24):
                raise ValidationError("the grace period must be between 5m and 24h")
            return format_duration(value)
        if self.kind == "number":
            number = parse_number(text, self.key, self.low, self.high)
            return f"{number.normalize():f}"
        if self.kind == "interval":
            return parse_interval(text).text
        if self.kind == "switch":
            word = (text or "").strip().lower()
            if word in ("on", "yes", "true", "1"):
                return "on"
            if word in ("off", "no", "false", "0"):
                return "off"
            raise ValidationError(f"{self.key} is on or off, not {text!r}")
        if self.kind == "retest":
            return parse_retest(text).text
        if self.kind == "minutes":
            word = (text or "").strip().lower().removesuffix("min").removesuffix("m").strip()
            if not word.isdigit() or not self.low <= int(word) <= self.high:
                raise ValidationError(
                    f"{self.key} is a number of minutes from {self.low} to {self.high}, like 60; got {text!r}"
                )
            return str(int(word))
        if self.kind == "choice":
            word = (text or "").strip().lower()
            if word not in self.choices:
                raise ValidationError(f"{self.key} is one of {', '.join(self.choices)}, not {text!r}")
            return word
        return text


@record(frozen=True)
class Retest:
    """A clinic-set retest after a treatment course: which lab, how long after the course ends."""

    test: str  # lab name as she wrote it (resolved against the lab catalog by the rule)
    interval: Interval

    @property
    def text(self) -> str:
        return f"{self.test} {self.interval.text}"


def parse_retest(text: str) -> Retest:
    """'TSH 6w' -> Retest('TSH', 6 weeks)."""
    parts = (text or "").strip().rsplit(None, 1)
    if len(parts) != 2:
        raise ValidationError(
            f"write a clinic retest as the lab and the interval, like 'TSH 6w'; got {text!r}"
        )
    return Retest(parts[0], parse_interval(parts[1]))


RETEST_AFTER_PREFIX = "retest.after."

SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "reminders.grace",
            "2h",
            "how long after its time an open dose counts as overdue before it counts as missed",
            kind="duration",
        ),
        Setting(
            "reminders.discreet",
            "off",
            "on: reminders show no drug or clinical words (a shared laptop)",
            kind="switch",
        ),
        Setting(
            "reminders.appointment-minutes",
            "60",
            "how many minutes before an appointment its reminder comes (another comes the evening before)",
            kind="minutes",
            low=Decimal(5),
            high=Decimal(1440),
            unit="min",
        ),
        Setting(
            "reminders.travel",
            "home",
            "in another time zone, reminders keep your home time (home) or follow the local clock (local)",
            kind="choice",
            choices=("home", "local"),
        ),
        Setting(
            "tsh.target",
            "",
            "your clinic's upper TSH target in mIU/L (unset: the guideline default for your situation)",
            kind="number",
            high=Decimal(20),
            unit="mIU/L",
        ),
        Setting(
            "progesterone.threshold",
            "",
            "your clinic's progesterone level around transfer, in ng/mL (unset: 10 ng/mL)",
            kind="number",
            high=Decimal(100),
            unit="ng/mL",
        ),
        Setting(
            "vitamin-d.threshold",
            "",
            "your clinic's vitamin D level in ng/mL (unset: 20 ng/mL)",
            kind="number",
            high=Decimal(150),
            unit="ng/mL",
        ),
        Setting(
            "retest.apl",
            "",
            "repeat a positive antiphospholipid test after (unset: 12w)",
            kind="interval",
        ),
        Setting(
            "retest.tsh-pregnant",
            "",
            "TSH every ... while pregnant on levothyroxine or TPO-Ab positive (unset: 4w)",
            kind="interval",
        ),
        Setting(
            "retest.lit",
            "",
            "lymphocyte immunotherapy: anything due after the last session, per your clinic (unset: 6m)",
            kind="interval",
        ),
    )
}

# Guideline defaults behind the clinic settings (clinical-reference §3, §7, §12).
DEFAULTS: dict[str, str] = {
    "progesterone.threshold": "10",
    "vitamin-d.threshold": "20",
    "retest.apl": "12w",
    "retest.tsh-pregnant": "4w",
    "retest.lit": "6m",
}


def setting_for(key: str) -> Setting | None:
    """The setting `key`, including clinic retests after a treatment course: `retest.after.<medication>`
    (value 'TSH 6w': retest TSH 6 weeks after that medication's course or dose change)."""
    found = SETTINGS.get(key)
    if found is not None:
        return found
    if key.startswith(RETEST_AFTER_PREFIX) and len(key) > len(RETEST_AFTER_PREFIX):
        return Setting(
            key,
            "",
            f"your clinic's retest after a {key[len(RETEST_AFTER_PREFIX) :]} course, like 'TSH 6w'",
            kind="retest",
        )
    return None


def clinic_value(values: Mapping[str, str], key: str) -> str | None:
    """What her clinic set for `key` (a value stored in the journal), or None."""
    value = values.get(key, "")
    return value or None


def threshold(values: Mapping[str, str], key: str) -> tuple[Decimal, bool]:
    """(value, set by her clinic) of a numeric threshold: the clinic's, else the guideline default."""
    clinic = clinic_value(values, key)
    return (Decimal(clinic), True) if clinic is not None else (Decimal(DEFAULTS[key]), False)


def interval(values: Mapping[str, str], key: str) -> tuple[Interval, bool]:
    clinic = clinic_value(values, key)
    return (parse_interval(clinic), True) if clinic is not None else (parse_interval(DEFAULTS[key]), False)


def grace_from(values: Mapping[str, str]) -> timedelta:
    return parse_duration(values.get("reminders.grace") or SETTINGS["reminders.grace"].default)
