"""`rpltrack lock|unlock|passphrase|forget-key`: the journal locked at rest, and how every command opens it.

A locked journal opens with the key kept in the OS keyring; without it, with the passphrase from
`--passphrase-file FILE`, else typed on a terminal (getpass), else the command refuses with exit 2. The
reminder timer never asks (reminders/daemon.py sends a discreet notice instead).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rpltrack.cli.confirm import confirm_or_refuse, interactive
from rpltrack.domain.errors import ValidationError
from rpltrack.store.crypto import (
    MIN_SCORE,
    KeyMissing,
    WrongKey,
    cipher_module,
    delete_stored_key,
    derive_key,
    new_key,
    passphrase_strength,
    salt_of,
    stored_key,
)
from rpltrack.store.db import JournalError, is_encrypted, raw_connection
from rpltrack.store.journal import Journal

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from rpltrack.cli.context import Context
    from rpltrack.store.crypto import JournalKey

TRIES = 3  # passphrases typed on a terminal before giving up
TIMER_COMMANDS = ("remind --once", "remind --daemon")  # never ask: nobody may be there to answer
UNRECOVERABLE = (
    "A forgotten passphrase cannot be recovered: without it (or the key kept in your keyring) nobody, "
    "rpltrack included, can open the journal or its backups."
)
PLAIN_EXPORT = (
    "This file is not encrypted, though your journal is locked: anyone who can read the file can read it. "
    "Keep it private, and delete it when you no longer need it."
)


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    lock = sub.add_parser(
        "lock",
        parents=[common],
        help="encrypt the journal and its backups with a passphrase",
        description="Encrypt the journal at rest (SQLCipher) with a passphrase you choose, and its backups "
        "with it. Asks for the passphrase twice and shows how strong it is. " + UNRECOVERABLE + " The "
        "key can be kept in your OS keyring, so rpltrack and its reminders open the journal without asking.",
    )
    _keyring_options(lock)
    lock.set_defaults(func=cmd_lock)
    unlock = sub.add_parser(
        "unlock",
        parents=[common],
        help="turn the journal back into a plain file",
        description="Decrypt the journal and its backups back into plain files, after a confirmation, and "
        "remove its key from your keyring.",
    )
    unlock.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    unlock.set_defaults(func=cmd_unlock)
    change = sub.add_parser(
        "passphrase",
        parents=[common],
        help="change the journal's passphrase",
        description="Change the passphrase of a locked journal (its backups follow). Asks for the current "
        "passphrase (or --passphrase-file), then the new one twice (or --new-passphrase-file).",
    )
    change.add_argument(
        "--new-passphrase-file",
        metavar="FILE",
        help="read the new passphrase from FILE (its first line) instead of asking",
    )
    _keyring_options(change)
    change.set_defaults(func=cmd_passphrase)
    forget = sub.add_parser(
        "forget-key",
        parents=[common],
        help="remove the journal's key from your keyring",
        description="Remove the locked journal's key from your OS keyring: every open then asks for the "
        "passphrase, and reminders only say that rpltrack is locked.",
    )
    forget.set_defaults(func=cmd_forget_key)


def _keyring_options(parser: argparse.ArgumentParser) -> None:
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument(
        "--keyring",
        dest="keyring",
        action="store_const",
        const=True,
        default=None,
        help="keep the key in your OS keyring without asking (the default without a terminal)",
    )
    keep.add_argument(
        "--no-keyring",
        dest="keyring",
        action="store_const",
        const=False,
        help="keep the key nowhere: every open asks for the passphrase",
    )


# -- passphrases --------------------------------------------------------------------------------------------


def read_passphrase_file(name: str, option: str = "--passphrase-file") -> str:
    """The first line of the file `name` (without its line end): a passphrase for scripts and tests."""
    try:
        text = Path(name).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ValidationError(
            f"the passphrase file {name} could not be read ({reason}); check {option}. Nothing was changed.",
            field="passphrase_file",
        ) from None
    line = text.splitlines()[0] if text else ""
    if not line:
        raise ValidationError(
            f"the passphrase file {name} is empty; write the passphrase on its first line. "
            "Nothing was changed.",
            field="passphrase_file",
        )
    return line


def _typed(prompt: str) -> str:
    # heavy: getpass
    import getpass

    try:
        return getpass.getpass(prompt)
    except EOFError:
        return ""


def passphrase_asker(args: argparse.Namespace, command: str, path: Path) -> Callable[[], str] | None:
    """Where the passphrase of a locked journal comes from when its key is not kept: --passphrase-file,
    else a terminal (never for the reminder timer), else nowhere (None: the open refuses with exit 2)."""
    name = getattr(args, "passphrase_file", None)
    if name:
        return lambda: read_passphrase_file(name)
    if command in TIMER_COMMANDS or not interactive():
        return None
    return lambda: _typed(f"Passphrase for the journal at {path}: ")


def open_journal(
    path: Path, *, args: argparse.Namespace, command: str, now: datetime, check: bool
) -> Journal:
    """Journal.open with the passphrase asked for as needed: up to TRIES times on a terminal. A missing or
    wrong passphrase ends with exit 2 and nothing changed."""

    asker = passphrase_asker(args, command, path)
    tries = TRIES if asker is not None and not getattr(args, "passphrase_file", None) else 1
    for attempt in range(tries):
        try:
            return Journal.open(
                path, now=now, check=check, passphrase=asker, prompts_allowed=command not in TIMER_COMMANDS
            )
        except WrongKey:
            if attempt + 1 == tries:
                raise
            print("That passphrase does not open the journal; try again.", file=sys.stderr)
        except KeyMissing as exc:
            if asker is None and not interactive():
                raise KeyMissing(
                    path,
                    f"the journal at {path} is locked and its key is not in your keyring (or it is not an "
                    "rpltrack journal at all): give its passphrase with --passphrase-file FILE, or run the "
                    "command on a terminal to type it. Nothing was changed.",
                ) from None
            raise exc from None
    raise AssertionError("unreachable")


def _strength(passphrase: str) -> tuple[int, str]:
    """zxcvbn's score (0-4) and the line saying it (store.crypto.passphrase_strength, shared with the app)."""

    return passphrase_strength(passphrase)


def new_passphrase(file_name: str | None, option: str) -> str:
    """A new passphrase: from `file_name`, or typed twice on a terminal; its strength is shown, and a weak
    one is refused from a file and asked about when typed. Exit 2 when there is no way to get one."""
    if file_name:
        chosen = read_passphrase_file(file_name, option)
    elif interactive():
        chosen = _typed("New passphrase: ")
        if not chosen:
            raise ValidationError("no passphrase was typed. Nothing was changed.", field="passphrase")
        if _typed("The same passphrase again: ") != chosen:
            raise ValidationError("the two passphrases differ. Nothing was changed.", field="passphrase")
    else:
        raise ValidationError(
            f"a new passphrase is needed: run this on a terminal to type it, or give it with {option} FILE. "
            "Nothing was changed.",
            field="passphrase",
        )

    score, line = _strength(chosen)
    print(line)
    if score < MIN_SCORE:
        question = "This passphrase is easy to guess, so the lock would protect little. Use it anyway?"
        if file_name or not interactive():
            raise ValidationError(
                "the passphrase is easy to guess, so the lock would protect little: choose a longer one "
                "(a few unrelated words). Nothing was changed.",
                field="passphrase",
            )
        confirm_or_refuse(question, yes=False, flag="a stronger passphrase")
    return chosen


def _keep_in_keyring(choice: bool | None) -> bool:
    """Whether to keep the key in the keyring: as the option says, else asked (yes by default), else yes
    when a keyring is there."""
    if choice is not None:
        return choice
    if interactive():
        try:
            answer = input(
                "Keep the key in your OS keyring, so rpltrack and its reminders open the journal without "
                "asking? [Y/n] "
            )
        except EOFError:
            return False
        return answer.strip().lower() not in ("n", "no")
    return True


FORGET_KEY = "`rpltrack forget-key` removes it."


def _waiting() -> None:
    print("Waiting for the other rpltrack (the app or the reminder timer) to close the journal…", flush=True)


# -- the commands -------------------------------------------------------------------------------------------


def _open_for_change(ctx: Context) -> Journal:
    """The journal, opened to be converted: writable and healthy, or exit 1/2 with nothing changed."""

    cipher_module()
    journal = ctx.journal
    if journal.readonly:
        raise JournalError(journal.readonly_reason or "the journal is open read-only. Nothing was changed.")
    damage = journal.check()
    if damage:
        raise JournalError(
            f"the journal looks damaged ({damage[0]}); it was not converted. `rpltrack check` says more. "
            "Nothing was changed."
        )
    return journal


def cmd_lock(ctx: Context) -> int:

    # quick path: `export csv` would import store.locking, hashlib (+5 ms)
    from rpltrack.store.locking import change_key, changed_words

    journal = _open_for_change(ctx)
    if journal.encrypted:
        raise ValidationError(
            f"the journal at {ctx.db_path} is already locked; to change its passphrase: rpltrack passphrase",
            field="db",
        )
    ctx.close()  # a conversion needs the file to itself
    print(UNRECOVERABLE)
    passphrase = new_passphrase(getattr(ctx.args, "passphrase_file", None), "--passphrase-file")
    keep = _keep_in_keyring(ctx.args.keyring)
    key = new_key(passphrase)
    done, problem = change_key(ctx.db_path, None, key, keep=keep, waiting=_waiting)
    _known_to_reminders(ctx.db_path, key)
    for line in changed_words(
        ctx.db_path, done, locked_before=False, keep=keep, problem=problem, forget=FORGET_KEY
    ):
        print(line)
    return 0


def cmd_unlock(ctx: Context) -> int:

    # quick path: `export csv` would import store.locking, hashlib (+5 ms)
    from rpltrack.store.locking import remove_key

    journal = _open_for_change(ctx)
    key = journal.journal_key
    if key is None:
        raise ValidationError(f"the journal at {ctx.db_path} is not locked; nothing to do", field="db")
    confirm_or_refuse(
        f"Turn the journal at {ctx.db_path} and its backups back into plain files that anyone with the "
        "files can read?",
        yes=ctx.args.yes,
    )
    ctx.close()
    for line in remove_key(ctx.db_path, key, waiting=_waiting):
        print(line)
    return 0


def _known_to_reminders(path: Path, key: JournalKey) -> None:
    """Tell the reminder timer this locked file is her journal (its id, beside it, never the key): when the
    key is missing later, it sends the one discreet "rpltrack is locked" notice instead of refusing."""
    # quick path: `export csv` would import reminders.daemon, store.reminder_ledger and 2 more (+3.0 ms)
    from rpltrack.reminders.daemon import note_locked_journal

    note_locked_journal(path, key.journal_id)


def _current_key(ctx: Context) -> JournalKey:
    """The key of the locked journal at db_path from its passphrase (never from the keyring: changing the
    passphrase needs the current one)."""

    cipher_module()
    path = ctx.db_path
    if not path.exists() or not is_encrypted(path):
        raise ValidationError(
            f"the journal at {path} is not locked; lock it first with: rpltrack lock", field="db"
        )
    name = getattr(ctx.args, "passphrase_file", None)
    if name:
        typed = read_passphrase_file(name)
    elif interactive():
        typed = _typed(f"Current passphrase for the journal at {path}: ")
    else:
        raise ValidationError(
            "the current passphrase is needed: run this on a terminal to type it, or give it with "
            "--passphrase-file FILE. Nothing was changed.",
            field="passphrase",
        )
    key = derive_key(typed, salt_of(path))
    raw_connection(path, key, readonly=True).close()  # WrongKey (exit 2) when it does not open
    return key


def cmd_passphrase(ctx: Context) -> int:

    # quick path: `export csv` would import store.locking, hashlib (+5 ms)
    from rpltrack.store.locking import change_key, changed_words

    old = _current_key(ctx)
    journal = _open_for_change_with(ctx, old)
    journal.close()
    was_kept = stored_key(old.salt, prompts_allowed=True) is not None
    chosen = new_passphrase(ctx.args.new_passphrase_file, "--new-passphrase-file")
    keep = ctx.args.keyring if ctx.args.keyring is not None else (was_kept or _keep_in_keyring(None))
    key = new_key(chosen)
    done, problem = change_key(ctx.db_path, old, key, keep=keep, waiting=_waiting)
    _known_to_reminders(ctx.db_path, key)
    for line in changed_words(
        ctx.db_path, done, locked_before=True, keep=keep, problem=problem, forget=FORGET_KEY
    ):
        print(line)
    return 0


def _open_for_change_with(ctx: Context, key: JournalKey) -> Journal:
    """The locked journal opened with `key`: writable and healthy, or exit 1 with nothing changed."""
    journal = Journal.open(ctx.db_path, now=ctx.now(), key=key)
    problem = journal.readonly_reason if journal.readonly else ""
    damage = [] if problem else journal.check()
    if problem or damage:
        journal.close()
        raise JournalError(
            problem or f"the journal looks damaged ({damage[0]}); it was not converted. Nothing was changed."
        )
    return journal


def cmd_forget_key(ctx: Context) -> int:

    path = ctx.db_path
    if not path.exists() or not is_encrypted(path):
        raise ValidationError(f"the journal at {path} is not locked, so no key is kept for it", field="db")
    if delete_stored_key(salt_of(path)):
        print(
            f"Removed the key of the journal at {path} from your OS keyring: every open now asks for the "
            "passphrase, and reminders only say that rpltrack is locked."
        )
    else:
        print(
            f"No key of the journal at {path} was kept in your OS keyring; every open asks for the "
            "passphrase."
        )
    return 0


def plain_export_note(ctx: Context) -> None:
    """After an export of a locked journal: a line saying the file written is plain."""
    if ctx.journal.encrypted:
        print(PLAIN_EXPORT)
