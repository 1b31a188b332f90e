"""flags.csv and settings.csv (pure): the flags as of `now` with her marks, and the settings she or her
clinic set. A flag reads on its own: its rule by name, its numbers in words with units and its sources as
citations; the rule, flag and source ids (which the importer reads) are in id columns."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rpltrack.domain.records import record
from rpltrack.domain.settings import setting_for
from rpltrack.export.csv_columns import Column, Table, day, iso, lines, table, whole, yes
from rpltrack.export.csv_data import ExportData, FlagEntry
from rpltrack.export.csv_flag_words import numbers_words, rule_name

FLAGS = "flags.csv"
SETTINGS = "settings.csv"
NOT_SHOWING = "not showing now"


@record(frozen=True)
class FlagLine:
    flag: FlagEntry
    zone: ZoneInfo


F = FlagLine
STATE = Column[F]("State", lambda r: r.flag.state)
SINCE = Column[F]("Since", lambda r: day(r.flag.since))
TITLE = Column[F]("Title", lambda r: r.flag.title)
RULE = Column[F]("Rule", lambda r: rule_name(r.flag.rule))
DETAIL = Column[F]("Detail", lambda r: r.flag.detail)
ASK = Column[F]("Ask your care team", lambda r: r.flag.ask)
NUMBERS = Column[F]("Numbers", lambda r: numbers_words(r.flag.rule, r.flag.numbers, r.zone))
CONTEXT = Column[F]("Context", lambda r: lines(r.flag.context))
SOURCES = Column[F]("Sources", lambda r: lines(r.flag.citations))
CLINIC_TARGET = Column[F]("Clinic target", lambda r: yes(r.flag.clinic_target))
MARKED_AT = Column[F]("Marked at (ISO 8601)", lambda r: iso(r.flag.marked_at, r.zone))
MARK_NOTE = Column[F]("Mark note", lambda r: r.flag.mark_note)
RAISED_AT = Column[F]("Raised at appointment ID", lambda r: whole(r.flag.appointment_id), numeric=True)
RULE_ID = Column[F]("Rule ID", lambda r: r.flag.rule)
FLAG_ID = Column[F]("Flag ID", lambda r: r.flag.key)
SOURCE_IDS = Column[F]("Source IDs", lambda r: "; ".join(r.flag.sources))
MARK_ID = Column[F]("Mark ID", lambda r: whole(r.flag.mark_id), numeric=True)

FLAG_COLUMNS = (
    STATE,
    SINCE,
    TITLE,
    RULE,
    DETAIL,
    ASK,
    NUMBERS,
    CONTEXT,
    SOURCES,
    CLINIC_TARGET,
    MARKED_AT,
    MARK_NOTE,
    RAISED_AT,
    RULE_ID,
    FLAG_ID,
    SOURCE_IDS,
    MARK_ID,
)


def flags_table(data: ExportData) -> Table:
    """Flags as of `now` (not limited to the period): active ones, marked ones, and marks whose flag no
    longer shows (kept so that a re-import keeps every mark)."""
    return table(FLAGS, FLAG_COLUMNS, (FlagLine(f, data.zone) for f in data.flags))


# -- settings ---------------------------------------------------------------------------------------------

S = tuple[str, str]  # (key, value)
SETTING = Column[S]("Setting", lambda s: s[0])
SETTING_VALUE = Column[S]("Value", lambda s: s[1])
ABOUT = Column[S]("About", lambda s: _about(s[0]))
SETTING_COLUMNS = (SETTING, SETTING_VALUE, ABOUT)


def _about(key: str) -> str:
    setting = setting_for(key)
    return setting.description if setting else ""


def settings_table(data: ExportData) -> Table:
    """The settings she or her clinic set (the defaults are not listed)."""
    stored = data.stored_settings
    return table(SETTINGS, SETTING_COLUMNS, ((key, stored[key]) for key in sorted(stored)))
