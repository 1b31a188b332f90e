"""Whether a file's schema is exactly what rpltrack's own migrations make for its version: the tables with
their columns, the indexes, and no triggers or views of anyone else's (a restored backup must carry none)."""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path

from rpltrack.store.db import raw_connection
from rpltrack.store.migrations import MIGRATIONS

# A schema's shape: for each object in sqlite_master, its type and what it is made of (a table's columns with
# their declared type, NOT NULL, default and key position; an index's table and columns; a trigger's or view's
# SQL text). Names SQLite keeps for itself (sqlite_*) are left out.
Shape = dict[tuple[str, str], tuple[object, ...]]


def shape_of(conn: sqlite3.Connection) -> Shape:
    shape: Shape = {}
    for kind, name, table, sql in conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ):
        if kind == "table":
            columns = tuple(
                (r[1], str(r[2]).upper(), r[3], r[4], r[5])
                for r in conn.execute("SELECT * FROM pragma_table_xinfo(?)", (name,))
            )
            shape[(kind, name)] = (columns, " ".join(str(sql).split()).upper().endswith("STRICT"))
        elif kind == "index":
            columns = tuple(r[2] for r in conn.execute("SELECT * FROM pragma_index_info(?)", (name,)))
            shape[(kind, name)] = (table, columns)
        else:
            shape[(kind, name)] = (table, " ".join(str(sql).split()))
    return shape


@cache
def expected_shape(version: int) -> Shape:
    """The shape rpltrack's migrations give a new journal at schema `version`."""
    conn = raw_connection(Path(":memory:"), None)
    try:
        for migration in MIGRATIONS[:version]:
            migration(conn)
        return shape_of(conn)
    finally:
        conn.close()


def schema_differences(conn: sqlite3.Connection, version: int) -> list[str]:
    """What differs from rpltrack's own schema of `version`, in words (an empty list when nothing does)."""
    found, wanted = shape_of(conn), expected_shape(version)
    problems = [f"an extra {kind} {name!r}" for kind, name in sorted(found.keys() - wanted.keys())]
    problems += [f"no {kind} {name!r}" for kind, name in sorted(wanted.keys() - found.keys())]
    problems += [
        f"the {kind} {name!r} is not as rpltrack makes it"
        for kind, name in sorted(found.keys() & wanted.keys())
        if found[(kind, name)] != wanted[(kind, name)]
    ]
    return problems
