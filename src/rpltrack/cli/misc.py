"""`rpltrack demo` and `rpltrack settings`."""

from __future__ import annotations

import argparse
from pathlib import Path

from rpltrack.cli.context import Context
from rpltrack.cli.entry import whole_number
from rpltrack.cli.lock import passphrase_asker
from rpltrack.cli.output import say
from rpltrack.domain.errors import ValidationError
from rpltrack.domain.settings import DEFAULTS, SETTINGS, setting_for
from rpltrack.store.crypto import kind_words
from rpltrack.store.db import JournalError, errors
from rpltrack.store.demo import fill_demo
from rpltrack.store.portability import backups_of


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="fill the journal with realistic demo data",
        description="Fill an empty journal with years of realistic demo data (try rpltrack "
        "with --db demo.db first). Refuses a journal that has data, unless --force.",
    )
    demo.add_argument("--years", type=whole_number, default=1, help="years of history (1 to 20, default 1)")
    demo.add_argument("--force", action="store_true", help="add demo data to a journal that already has data")
    demo.add_argument("--seed", type=whole_number, default=7, help=argparse.SUPPRESS)
    demo.set_defaults(func=cmd_demo)

    settings = sub.add_parser(
        "settings",
        parents=[common],
        help="list, read or change settings",
        description="Settings are stored in the journal, so they travel with backups. Clinic targets "
        "(tsh.target, progesterone.threshold, vitamin-d.threshold, retest.*) override the guideline "
        "defaults; a flag they drive says so. A clinic retest after a course: "
        "rpltrack settings set retest.after.levothyroxine 'TSH 6w'.",
    )
    s_sub = settings.add_subparsers(dest="settings_command", metavar="COMMAND", required=True)
    lst = s_sub.add_parser("list", parents=[common], help="every setting and its value")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=settings_list)
    get = s_sub.add_parser("get", parents=[common], help="one setting's value")
    get.add_argument("key")
    get.set_defaults(func=settings_get)
    put = s_sub.add_parser("set", parents=[common], help="change a setting")
    put.add_argument("key")
    put.add_argument("value")
    put.set_defaults(func=settings_set)
    reset = s_sub.add_parser("reset", parents=[common], help="back to the default")
    reset.add_argument("key")
    reset.set_defaults(func=settings_reset)


def register_files(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    backup = sub.add_parser(
        "backup",
        parents=[common],
        help="copy the journal safely",
        description="A consistent, owner-only copy of the journal, even while rpltrack is running elsewhere "
        "(default: the backups folder beside the journal).",
    )
    backup.add_argument("file", nargs="?", help="where to write the copy (must not exist yet)")
    backup.add_argument(
        "--even-damaged",
        action="store_true",
        help="copy a journal that looks damaged anyway (never rotated into the daily backups)",
    )
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser(
        "restore",
        parents=[common],
        help="put a backup back in place",
        description="Replace the journal's contents with a backup. The current state is saved to the backups "
        "folder first, so a restore can itself be taken back.",
    )
    restore.add_argument("file", help="the backup to restore")
    restore.set_defaults(func=cmd_restore)
    check = sub.add_parser(
        "check",
        parents=[common],
        help="check the journal file for damage",
        description="Run SQLite's integrity and foreign-key checks on the journal.",
    )
    check.set_defaults(func=cmd_check)


def cmd_backup(ctx: Context) -> int:
    dest = Path(ctx.args.file).expanduser() if ctx.args.file else None
    failures: tuple[type[Exception], ...] = (OSError, *errors())  # and SQLCipher's, when locked
    try:
        written = ctx.journal.make_backup(ctx.now(), dest, even_damaged=ctx.args.even_damaged)
    except failures as exc:
        raise JournalError(
            f"NOT saved: the backup could not be written ({exc}); is the disk full, or the folder "
            "read-only? No partial backup was left, and the journal is unchanged."
        ) from exc
    locked = " (locked with the journal's passphrase)" if ctx.journal.encrypted else ""
    print(f"Saved a backup: {written}{locked}")
    return 0


def cmd_restore(ctx: Context) -> int:
    source = Path(ctx.args.file).expanduser()
    kind, asker = kind_words(source), passphrase_asker(ctx.args, ctx.command, source)
    safety = ctx.journal.restore(source, ctx.now(), passphrase=asker)
    print(f"Restored {ctx.args.file}, {kind} backup. The journal as it was before is saved at {safety}.")
    return 0


def cmd_check(ctx: Context) -> int:
    if not ctx.db_path.exists():
        print(f"There is no journal at {ctx.db_path} yet: it is made by the first entry you save.")
        return 0
    journal = ctx.journal
    problems = journal.check()
    if problems:
        print(f"The journal at {ctx.db_path} looks damaged. SQLite found:")
        for problem in problems[:20]:
            say(f"  {problem}")
        if len(problems) > 20:
            print(f"  … and {len(problems) - 20} more")
        backups = backups_of(ctx.db_path)
        if backups:
            print("Your newest backups (restore one with: rpltrack restore FILE):")
            for found in backups[:5]:
                say(f"  {found}")
        else:
            print("No backups were found beside it. Keep the file as it is; rpltrack will not change it.")
        return 1
    print(
        f"The journal at {ctx.db_path} is healthy: schema v{journal.schema_version}, "
        f"{journal.count('medications')} medications, {journal.count('doses')} logged doses."
    )
    return 0


def cmd_demo(ctx: Context) -> int:
    years = ctx.args.years
    if not 1 <= years <= 20:
        raise ValidationError(f"--years must be from 1 to 20, not {years}", field="years")
    journal = ctx.journal
    if journal.count("medications") and not ctx.args.force:
        raise ValidationError(
            f"the journal at {ctx.db_path} already has data; demo data goes in an empty journal "
            "(try --db demo.db), or add --force to mix it in"
        )
    meds, doses = fill_demo(journal, ctx.now(), ctx.zone, years, ctx.args.seed)
    print(
        f"Added demo data to {ctx.db_path}: {meds} medications and {doses} logged doses over {years} "
        f"year{'s' if years > 1 else ''}."
    )
    return 0


def settings_list(ctx: Context) -> int:
    values = ctx.journal.settings()
    if ctx.as_json:
        ctx.emit_json({k: values[k] for k in sorted(values)})
        return 0
    for key in sorted(values):
        setting = setting_for(key)
        about = setting.description if setting else ""
        shown = values[key] or (f"(default {DEFAULTS[key]})" if key in DEFAULTS else "(guideline default)")
        print(f"{key} = {shown}    # {about}")
    return 0


def settings_get(ctx: Context) -> int:
    values = ctx.journal.settings()
    if setting_for(ctx.args.key) is None:
        raise ValidationError(
            f"unknown setting {ctx.args.key!r}: known settings are {', '.join(sorted(SETTINGS))}", field="key"
        )
    print(values.get(ctx.args.key, ""))
    return 0


def settings_set(ctx: Context) -> int:
    if not ctx.args.value.strip():
        raise ValidationError(
            f"give a value for {ctx.args.key}, or use rpltrack settings reset {ctx.args.key}", field="value"
        )
    value = ctx.journal.set_setting(ctx.args.key, ctx.args.value, ctx.now())
    print(f"Saved: {ctx.args.key} = {value}")
    return 0


def settings_reset(ctx: Context) -> int:
    value = ctx.journal.set_setting(ctx.args.key, "", ctx.now())
    print(f"Reset: {ctx.args.key} = {value or 'the guideline default'}")
    return 0
