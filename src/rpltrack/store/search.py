"""Searching her words across the journal: notes, medication names, lab names and results, appointment
questions and decisions, cycle notes. A `%` or `_` she types is literal; matching ignores case, non-ASCII
letters too (a broad SQL filter, then casefold in Python)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from rpltrack.domain.errors import ValidationError
from rpltrack.domain.records import record

# At most this many hits are listed, newest first [app convention].
SEARCH_LIMIT = 200
SNIPPET = 90  # characters of the matching text shown around the match

# Entry kinds, in words, as a result names them.
KIND_WORDS = {
    "dose": "dose",
    "medication": "medication",
    "lab": "lab result",
    "appointment": "appointment",
    "question": "question",
    "cycle": "cycle",
    "event": "cycle event",
    "transfer": "transfer",
    "pregnancy": "pregnancy",
    "beta": "beta-hCG",
}


# How a hit names the text that matched.
FIELD_WORDS = {"with_name": "with", "where_text": "where", "test": "name", "raw": "result", "text": "words"}


@record(frozen=True)
class SearchHit:
    """One entry whose words match: its kind and id, its day, a title, and the matching text."""

    kind: str  # a key of KIND_WORDS
    id: int
    on: date
    title: str
    field: str  # which of its texts matched: "note", "name", "decided", ...
    text: str  # the matching text, shortened around the match
    parent_id: int | None = None  # a question's appointment, an event's or transfer's cycle


def like_pattern(text: str) -> str:
    """'%' + text + '%' for LIKE ... ESCAPE '\\', with her own %, _ and \\ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _broad_filter(column: str, needle: str) -> tuple[str, list[str]]:
    """A SQL condition that keeps every row whose `column` may hold `needle` ignoring case: LIKE (which
    ignores the case of ASCII letters only) on each run of ASCII characters of the needle; rows with only
    non-ASCII in common are kept by a plain non-empty test and decided in Python."""
    runs = [run for run in "".join(c if c.isascii() else "\0" for c in needle).split("\0") if run]
    if not runs:
        return f"{column} != ''", []
    return " AND ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in runs), [like_pattern(r) for r in runs]


def snippet(text: str, needle: str) -> str:
    """The part of `text` around the first case-insensitive match of `needle`, on one line."""
    flat = " ".join(text.split())
    at = flat.casefold().find(needle.casefold())
    if len(flat) <= SNIPPET or at < 0:
        return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1] + "…"
    start = max(0, at - SNIPPET // 3)
    end = min(len(flat), start + SNIPPET)
    start = max(0, end - SNIPPET)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def _local_day(utc_text: str, zone_name: str) -> date:
    at = datetime.fromisoformat(utc_text.replace("Z", "+00:00")).astimezone(UTC)
    try:
        zone = ZoneInfo(zone_name)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return at.astimezone(zone).date()


def _lab_keys(needle: str) -> list[str]:
    """Catalog tests whose key, name or an alias holds `needle` (ignoring case)."""
    # quick path: `today` would import domain.labcatalog, domain.betas, domain.labs and 2 more (+4.3 ms)
    from rpltrack.domain.labcatalog import LABS

    wanted = needle.casefold()
    return [
        key
        for key, test in LABS.items()
        if any(wanted in name.casefold() for name in (key, test.name, *test.aliases))
    ]


class SearchStore:
    """The journal's search (a mixin of Journal)."""

    _conn: sqlite3.Connection

    def search(self, text: str, *, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
        """Every entry whose words hold `text` (case ignored; %, _ literal), newest first, at most `limit`."""
        needle = " ".join(text.split())
        if not needle:
            raise ValidationError(code="search.no_words", field="text")
        if len(needle) > 200:
            raise ValidationError(f"search for at most 200 characters (this has {len(needle)})", field="text")
        wanted = needle.casefold()
        hits: list[SearchHit] = []
        for table, columns, make in _SOURCES:
            seen: set[int] = set()
            for column in columns:
                where, params = _broad_filter(column, needle)
                for row in self._conn.execute(f"SELECT * FROM {table} WHERE {where}", params):
                    value = str(row[column] or "")
                    if int(row["id"]) in seen or wanted not in " ".join(value.split()).casefold():
                        continue
                    seen.add(int(row["id"]))
                    field = (
                        "result" if (table, column) == ("labs", "text") else FIELD_WORDS.get(column, column)
                    )
                    hits.append(make(self._conn, row, field, snippet(value, needle)))
            if table == "labs":
                hits += self._lab_name_hits(needle, seen)
        hits.sort(key=lambda h: (h.on, h.kind, h.id), reverse=True)
        return hits[:limit]

    def _lab_name_hits(self, needle: str, seen: set[int]) -> list[SearchHit]:
        """Lab results of a catalog test whose name or alias holds the words ('thyroid' finds TSH)."""
        keys = _lab_keys(needle)
        if not keys:
            return []
        marks = ", ".join("?" for _ in keys)
        found = []
        for row in self._conn.execute(f"SELECT * FROM labs WHERE test IN ({marks})", keys):
            if int(row["id"]) not in seen:
                seen.add(int(row["id"]))
                found.append(_lab_hit(self._conn, row, "name", _lab_name(str(row["test"]))))
        return found


def _lab_name(test: str) -> str:
    # quick path: `today` would import domain.labcatalog, domain.betas, domain.labs and 2 more (+4.3 ms)
    from rpltrack.domain.labcatalog import LABS

    found = LABS.get(test)
    return found.name if found is not None else test


def _dose_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    med = conn.execute("SELECT name FROM medications WHERE id = ?", (row["medication_id"],)).fetchone()
    at_text = str(row["slot_utc"] or row["taken_utc"] or row["logged_utc"])
    zone = str(row["tz"])
    at = datetime.fromisoformat(at_text.replace("Z", "+00:00"))
    try:
        local = at.astimezone(ZoneInfo(zone))
    except (ValueError, KeyError):
        local = at
    name = str(med["name"]) if med is not None else "a medication"
    title = f"{name} dose of {local:%Y-%m-%d %H:%M}, {row['status']}"
    return SearchHit("dose", int(row["id"]), local.date(), title, column, text)


def _medication_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    first = conn.execute(
        "SELECT min(effective_on) FROM regimens WHERE medication_id = ?", (row["id"],)
    ).fetchone()[0]
    on = date.fromisoformat(first) if first else _local_day(str(row["created_utc"]), str(row["zone"]))
    return SearchHit("medication", int(row["id"]), on, str(row["name"]), column, text)


def _lab_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    result = str(row["raw"] or row["text"] or row["value"] or "")
    unit = f" {row['unit']}" if row["unit"] and not row["raw"] else ""
    title = f"{_lab_name(str(row['test']))} {result}{unit}".strip()
    return SearchHit("lab", int(row["id"]), date.fromisoformat(row["on_date"]), title, column, text)


def _appointment_title(row: sqlite3.Row) -> tuple[str, date]:
    # quick path: `today` would import domain.appointments (+0.7 ms)
    from rpltrack.domain.appointments import KIND_WORDS as APPT_WORDS

    # quick path: `today` would import domain.appointments (+0.7 ms)
    from rpltrack.domain.appointments import AppointmentKind

    kind = APPT_WORDS[AppointmentKind(row["kind"])]
    who = f"{row['with_name']} ({kind})" if row["with_name"] else kind[0].upper() + kind[1:]
    return who, _local_day(str(row["at_utc"]), str(row["tz"]))


def _appointment_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    title, on = _appointment_title(row)
    return SearchHit("appointment", int(row["id"]), on, title, column, text)


def _question_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    appt = conn.execute("SELECT * FROM appointments WHERE id = ?", (row["appointment_id"],)).fetchone()
    title, on = _appointment_title(appt)
    asked = "asked" if row["asked"] else "not asked yet"
    return SearchHit(
        "question", int(row["id"]), on, f"question for {title} ({asked})", column, text, int(appt["id"])
    )


def _cycle_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    # quick path: `take` would import domain.cycles, domain.dating (+1.5 ms)
    from rpltrack.domain.cycles import CYCLE_KIND_WORDS, CycleKind

    title = f"{CYCLE_KIND_WORDS[CycleKind(row['kind'])]} from {row['cd1']}"
    return SearchHit("cycle", int(row["id"]), date.fromisoformat(row["cd1"]), title, column, text)


def _event_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    on = date.fromisoformat(row["on_date"])
    return SearchHit(
        "event", int(row["id"]), on, f"{row['kind']} on {on}", column, text, int(row["cycle_id"])
    )


def _transfer_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    on = date.fromisoformat(row["on_date"])
    title = f"day-{row['embryo_day']} transfer on {on}"
    return SearchHit("transfer", int(row["id"]), on, title, column, text, int(row["cycle_id"]))


def _pregnancy_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    on = date.fromisoformat(row["started_on"] or row["ended_on"])
    return SearchHit("pregnancy", int(row["id"]), on, f"pregnancy ({row['outcome']})", column, text)


def _beta_hit(conn: sqlite3.Connection, row: sqlite3.Row, column: str, text: str) -> SearchHit:
    on = _local_day(str(row["drawn_utc"]), str(row["tz"]))
    return SearchHit("beta", int(row["id"]), on, f"beta-hCG {row['raw'] or row['value']}", column, text)


# Each table searched, the columns holding her words, and how a matching row becomes a hit.
_SOURCES = (
    ("doses", ("note", "reason", "site"), _dose_hit),
    ("medications", ("name", "notes"), _medication_hit),
    ("labs", ("test", "raw", "text", "note", "lab"), _lab_hit),
    ("appointments", ("purpose", "decided", "notes", "with_name", "where_text"), _appointment_hit),
    ("appointment_questions", ("text", "answer"), _question_hit),
    ("cycles", ("notes", "clinic", "outcome"), _cycle_hit),
    ("cycle_events", ("note",), _event_hit),
    ("transfers", ("grade", "pgt"), _transfer_hit),
    ("pregnancies", ("notes",), _pregnancy_hit),
    ("betas", ("lab",), _beta_hit),
)
