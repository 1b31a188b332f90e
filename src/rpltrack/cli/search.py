"""`rpltrack search TEXT`: her words across the journal, each hit with its kind of entry, day and id."""

from __future__ import annotations

import argparse

from rpltrack.cli.context import Context
from rpltrack.cli.output import say
from rpltrack.domain.errors import ValidationError
from rpltrack.store.search import KIND_WORDS


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    search = sub.add_parser(
        "search",
        parents=[common],
        help="find words in notes, medications, labs, appointments and cycles",
        description="Find words anywhere she wrote them: dose notes and reasons, medication names and "
        "notes, lab names and results, appointment purposes, decisions and questions, cycle and event notes. "
        "Case is ignored; %% and _ are matched as typed. Newest first.",
    )
    search.add_argument("text", nargs="+", help="the words to find")
    search.add_argument("--limit", default="200", help="at most this many hits (default 200)")
    search.add_argument("--json", action="store_true", help="machine-readable output")
    search.set_defaults(func=cmd_search)


def cmd_search(ctx: Context) -> int:
    a = ctx.args
    text = " ".join(a.text)
    try:
        limit = int(a.limit)
    except ValueError:
        raise ValidationError(
            f"--limit takes a number, like 50 (not {a.limit.strip()!r})", field="limit"
        ) from None
    if limit < 1:
        raise ValidationError(f"--limit is at least 1, not {limit}", field="limit")
    hits = ctx.journal.search(text, limit=limit)
    if ctx.as_json:
        ctx.emit_json(
            [
                {
                    "kind": h.kind,
                    "id": h.id,
                    "date": h.on.isoformat(),
                    "title": h.title,
                    "field": h.field,
                    "text": h.text,
                    "parent_id": h.parent_id,
                }
                for h in hits
            ]
        )
        return 0
    if not hits:
        say(f"Nothing found for {text!r}.")
        return 0
    for h in hits:
        say(f"{h.on}  {KIND_WORDS[h.kind]} {h.id}: {h.title} — {h.field}: {h.text}")
    more = " (the newest; --limit shows more)" if len(hits) == limit else ""
    say(f"{len(hits)} found{more}.")
    return 0
