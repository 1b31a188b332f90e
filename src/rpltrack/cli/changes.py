"""`rpltrack undo|redo|changes`: walking the change log back and forth, and reading it."""

from __future__ import annotations

import argparse

from rpltrack.cli.context import Context
from rpltrack.cli.output import iso, say


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    undo = sub.add_parser(
        "undo",
        parents=[common],
        help="undo the last change (repeat to go further back)",
        description=(
            "Put the journal back exactly as it was before the last change that is not undone yet. "
            "Run it again to go further back, across sessions; rpltrack redo re-applies it."
        ),
    )
    undo.set_defaults(func=cmd_undo)

    redo = sub.add_parser(
        "redo",
        parents=[common],
        help="re-apply what the last undo took back",
        description="Re-apply what the last undo took back (repeatable), until a new change is made.",
    )
    redo.set_defaults(func=cmd_redo)

    changes = sub.add_parser(
        "changes",
        parents=[common],
        help="recent changes, newest first",
        description="Recent changes to the journal, newest first, with what each did in words.",
    )
    changes.add_argument("--limit", type=_limit, default=20, help="how many (default 20, at most 10000)")
    changes.add_argument("--json", action="store_true", help="machine-readable output")
    changes.set_defaults(func=cmd_changes)


def _limit(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 10000:
        raise argparse.ArgumentTypeError(f"{text[:80]!r} is not a whole number from 1 to 10000")
    return int(text)


def cmd_undo(ctx: Context) -> int:
    undone = ctx.journal.undo(ctx.now())
    if undone is None:
        say("Nothing to undo.")
        return 0
    say(f"Undone: {undone.summary}. The journal is back as it was before. (rpltrack redo puts it back.)")
    return 0


def cmd_redo(ctx: Context) -> int:
    redone = ctx.journal.redo(ctx.now())
    if redone is None:
        say("Nothing to redo: redo re-applies what undo took back, until a new change is made.")
        return 0
    say(f"Redone: {redone.summary}.")
    return 0


def cmd_changes(ctx: Context) -> int:
    found = ctx.journal.changes(ctx.args.limit)
    if ctx.args.json:
        ctx.emit_json(
            [
                {
                    "id": c.id,
                    "at": iso(c.at, ctx.zone),
                    "action": c.action,
                    "summary": c.summary,
                    "undone": c.undone,
                }
                for c in found
            ]
        )
        return 0
    if not found:
        say("No changes yet.")
        return 0
    for c in found:
        mark = "  (undone)" if c.undone else ""
        say(f"{c.id:>5}  {c.at.astimezone(ctx.zone):%Y-%m-%d %H:%M}  {c.summary}{mark}")
    return 0
