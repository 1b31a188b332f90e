"""A journal locked at rest: its 256-bit key (from a passphrase), what kind a file is, where the key is kept.

A locked journal is an SQLCipher 4 database (sqlcipher3, an optional extra: `rpltrack[encrypted]`). Its key
is PBKDF2-HMAC-SHA512 of the passphrase over 256,000 rounds with the 16-byte salt SQLCipher keeps at the start
of the file: exactly what SQLCipher 4 derives itself from `PRAGMA key = 'passphrase'`, so any SQLCipher 4
tool opens the journal and its backups with the passphrase alone. The derivation (about 0.2 s) runs only
when a passphrase is typed; every other open uses the raw key (`PRAGMA key = "x'…'"`), kept in the OS
keyring under the service "rpltrack" and the journal's id (its salt, which its backups share), and in this
process's memory while it runs. The key is never written anywhere else.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rpltrack.store.db import PLAIN_HEADER, JournalError, is_encrypted

# A quick command imports this module: typing (2-3 ms) stays out (tests/test_deferred_imports.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

SERVICE = "rpltrack"
KDF_ITERATIONS = 256_000  # SQLCipher 4's default (cipher_default_kdf_iter)
KDF_HASH = "sha512"  # SQLCipher 4's default (PBKDF2_HMAC_SHA512)
SALT_BYTES = 16
KEY_BYTES = 32
# In backups/ while a lock, unlock or passphrase change has not yet rewritten every backup: the locked
# journal's id; the next open of that locked journal finishes the job (lock_leftover_backups).
UNFINISHED = ".unfinished-lock"
INSTALL_HINT = "install rpltrack with its encryption extra: pip install 'rpltrack[encrypted]'"


class EncryptionUnavailable(JournalError):
    """This Python has no SQLCipher (sqlcipher3 is not installed or has no build for this platform)."""

    exit_status = 1


class KeyMissing(JournalError):
    """The journal is locked and its key is neither in the keyring nor given: the front end asks for the
    passphrase (the app in a dialog, the CLI with getpass) and opens again with it."""

    exit_status = 2

    def __init__(self, path: Path, message: str = "") -> None:
        super().__init__(
            message
            or f"the journal at {path} is locked and its key is not in your keyring (or it is not an "
            "rpltrack journal at all): type its passphrase on a terminal, or give it with --passphrase-file "
            "FILE. Nothing was changed."
        )
        self.path = path


class WrongKey(JournalError):
    """The passphrase (or key) given does not open the journal; nothing was changed."""

    exit_status = 2


class JournalKey:
    """A journal's raw 256-bit key and the salt its file starts with (the journal's id). Its repr hides it."""

    __slots__ = ("raw", "salt")

    def __init__(self, raw: bytes, salt: bytes) -> None:
        if len(raw) != KEY_BYTES or len(salt) != SALT_BYTES:
            raise ValueError("a journal key is 32 bytes with a 16-byte salt")
        self.raw = raw
        self.salt = salt

    def __repr__(self) -> str:
        return f"JournalKey(id={self.journal_id}, key hidden)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JournalKey) and (self.raw, self.salt) == (other.raw, other.salt)

    def __hash__(self) -> int:
        return hash((self.raw, self.salt))

    @property
    def journal_id(self) -> str:
        return self.salt.hex()

    def pragma_value(self) -> str:
        """The value for PRAGMA key / ATTACH … KEY: the raw key and the salt, so a new file (a backup, a
        converted journal) starts with the same salt and opens with the same passphrase."""
        return f"\"x'{self.raw.hex()}{self.salt.hex()}'\""


def derive_key(passphrase: str, salt: bytes) -> JournalKey:
    """The key SQLCipher 4 derives from `passphrase` for a file starting with `salt` (about 0.2 s)."""
    # heavy: hashlib
    import hashlib  # only here: a daily open never derives a key (and hashlib costs ~2 ms to import)

    raw = hashlib.pbkdf2_hmac(KDF_HASH, passphrase.encode("utf-8"), salt, KDF_ITERATIONS, KEY_BYTES)
    return JournalKey(raw, salt)


def new_key(passphrase: str) -> JournalKey:
    """A key for a journal about to be locked (or re-keyed): a fresh random salt, so a new id."""
    return derive_key(passphrase, os.urandom(SALT_BYTES))


# -- what kind a file is -------------------------------------------------------------------------------------


def file_header(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(len(PLAIN_HEADER))
    except OSError:
        return b""


def salt_of(path: Path) -> bytes:
    """The salt a locked file starts with (its id): readable without the key, as SQLCipher keeps it."""
    return file_header(path)[:SALT_BYTES]


def kind_words(path: Path) -> str:
    """'a locked (encrypted)' or 'a plain' — how a message names a file's kind."""
    return "a locked (encrypted)" if is_encrypted(path) else "a plain"


# -- the driver -------------------------------------------------------------------------------------------


def cipher_available() -> bool:
    """Whether SQLCipher can be used here (sqlcipher3 imports)."""
    try:
        cipher_module()
    except EncryptionUnavailable:
        return False
    return True


def cipher_module() -> ModuleType:
    """sqlcipher3's DB-API module, or EncryptionUnavailable with what to install."""
    try:
        # optional extra: sqlcipher3 (rpltrack[encrypted])
        import sqlcipher3.dbapi2 as cipher
    except ImportError:
        raise EncryptionUnavailable(
            "encryption is unavailable in this rpltrack: SQLCipher (sqlcipher3) is not installed "
            f"or has no build for this computer; {INSTALL_HINT}. Nothing was changed."
        ) from None
    module: ModuleType = cipher
    return module


# -- where the key is kept -------------------------------------------------------------------------------

_IN_MEMORY: dict[bytes, JournalKey] = {}  # salt -> key, for this process only (the app's workers reopen)


def keyring_name(salt: bytes) -> str:
    """The keyring entry's user name: one per journal id (the journal, its backups and copies share it)."""
    return f"journal-{salt.hex()}"


def remember_in_process(key: JournalKey) -> None:
    """Keep the key in this process's memory while it runs, so the app's workers can reopen the journal
    without asking again. Never written anywhere."""
    _IN_MEMORY[key.salt] = key


def forget_in_process(salt: bytes | None = None) -> None:
    """Drop a key (or every key) this process kept in memory."""
    if salt is None:
        _IN_MEMORY.clear()
    else:
        _IN_MEMORY.pop(salt, None)


def _key_from_text(text: str | None, salt: bytes) -> JournalKey | None:
    if not text:
        return None
    try:
        raw = bytes.fromhex(text.strip())
        return JournalKey(raw, salt)
    except ValueError:
        return None  # not a key rpltrack wrote: ask for the passphrase instead


def _fast_path_applies() -> bool:
    """Whether `keyring` would use the Secret Service on its own: Linux, and no backend chosen by hand."""
    if not sys.platform.startswith("linux") or os.environ.get("PYTHON_KEYRING_BACKEND"):
        return False
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return not os.path.exists(os.path.join(config, "python_keyring", "keyringrc.cfg"))


def stored_key(salt: bytes, *, prompts_allowed: bool = True, slow: bool = True) -> JournalKey | None:
    """The key kept for the journal `salt` names: in this process's memory, else in the OS keyring; None
    when neither has it. `prompts_allowed=False` (the reminder timer) never lets the keyring ask to be
    unlocked: a locked keyring then counts as no key. `slow=False` skips `keyring`'s own lookup (about
    0.2 s) where the fast path does not find the key."""
    found = _IN_MEMORY.get(salt)
    if found is not None:
        return found
    name = keyring_name(salt)
    if _fast_path_applies():
        # quick path: `remind --once` would import store.secret_service (+0.3 ms)
        from rpltrack.store.secret_service import SecretServiceUnavailable, lookup

        try:
            key = _key_from_text(lookup(SERVICE, name), salt)
        except SecretServiceUnavailable as exc:
            if exc.locked and not prompts_allowed:
                return None
        else:
            if key is not None:
                return key
    if not slow:
        return None
    try:
        # optional extra: keyring (rpltrack[encrypted])
        import keyring

        # optional extra: keyring (rpltrack[encrypted])
        import keyring.errors
    except ImportError:
        return None
    try:
        return _key_from_text(keyring.get_password(SERVICE, name), salt)
    except (keyring.errors.KeyringError, RuntimeError, OSError):
        return None


def keyring_problem() -> str:
    """Why the key cannot be kept in an OS keyring here, or "" when it can."""
    try:
        # optional extra: keyring (rpltrack[encrypted])
        import keyring
    except ImportError:
        return f"the keyring library is not installed ({INSTALL_HINT})"
    backend = keyring.get_keyring()
    found = getattr(backend, "backends", None) or [backend]
    usable = [
        b
        for b in found
        if not type(b).__module__.startswith(
            ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")
        )
    ]
    if not usable:
        return "no OS keyring is available (no Secret Service, Keychain or Credential Locker answered)"
    return ""


def store_key(key: JournalKey) -> str:
    """Keep the key in the OS keyring; returns "" when kept, else why not (the journal then asks for its
    passphrase at every open). A keyring that would keep it in a plain file is never used."""
    problem = keyring_problem()
    if problem:
        return problem
    # optional extra: keyring (rpltrack[encrypted])
    import keyring

    # optional extra: keyring (rpltrack[encrypted])
    import keyring.errors

    try:
        keyring.set_password(SERVICE, keyring_name(key.salt), key.raw.hex())
    except (keyring.errors.KeyringError, RuntimeError, OSError) as exc:
        return f"the keyring refused it ({type(exc).__name__}: {exc})"
    return ""


def delete_stored_key(salt: bytes) -> bool:
    """Remove the journal's key from the OS keyring (and this process's memory); whether one was there."""
    forget_in_process(salt)
    try:
        # optional extra: keyring (rpltrack[encrypted])
        import keyring

        # optional extra: keyring (rpltrack[encrypted])
        import keyring.errors
    except ImportError:
        return False
    try:
        keyring.delete_password(SERVICE, keyring_name(salt))
    except (keyring.errors.PasswordDeleteError, keyring.errors.KeyringError, RuntimeError, OSError):
        return False
    return True


def key_for(
    path: Path, passphrase: str | Callable[[], str] | None, *, prompts_allowed: bool = True
) -> JournalKey:
    """The key that opens the locked journal at `path`: kept (memory, keyring), else derived from the
    passphrase (asked for only now when `passphrase` is a function). Raises KeyMissing when there is none;
    whether the key is right is found when the journal opens (WrongKey)."""
    salt = salt_of(path)
    cipher_module()  # say "unavailable" before asking for a passphrase that could not be used
    kept = stored_key(salt, prompts_allowed=prompts_allowed)
    if kept is not None:
        return kept
    if passphrase is None:
        raise KeyMissing(path)
    text = passphrase if isinstance(passphrase, str) else passphrase()
    if not text:
        raise KeyMissing(
            path, f"no passphrase was given for the locked journal at {path}. Nothing was changed."
        )
    return derive_key(text, salt)


# -- how strong a passphrase is (the command line's `lock` and `passphrase`, and the app's dialogs) ----------

STRENGTH_WORDS = ("very weak", "weak", "fair", "good", "strong")
MIN_SCORE = 2  # zxcvbn's scale 0-4; below it a passphrase from a file is refused, a typed one asked about


def passphrase_strength(passphrase: str) -> tuple[int, str]:
    """zxcvbn's score (0-4) and one line saying it: strength, how long guessing would take against a slow
    hash (the key derivation is one), and its warning if it has one."""
    # optional extra: zxcvbn (rpltrack[encrypted])
    from zxcvbn import zxcvbn

    result = zxcvbn(passphrase[:100])  # zxcvbn's matching slows down on very long input; 100 is plenty
    score = int(result["score"])
    took = result["crack_times_display"]["offline_slow_hashing_1e4_per_second"]
    warning = str(result["feedback"].get("warning") or "")
    hints = [str(h) for h in result["feedback"].get("suggestions") or []]
    line = f"Passphrase strength: {STRENGTH_WORDS[score]} ({score} of 4); guessing it would take {took}."
    extra = " ".join(x for x in [warning, *hints] if x)
    return score, line + (f" {extra}" if extra else "")
