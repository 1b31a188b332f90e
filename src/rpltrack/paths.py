"""Where the journal lives: platformdirs' user data dir, or --db / RPLTRACK_DB; owner-only from the start."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "rpltrack"
DB_ENV = "RPLTRACK_DB"
DB_FILENAME = "journal.db"


def data_dir() -> Path:
    """The user data dir for rpltrack (not created here)."""
    # quick path: `today` with --db or RPLTRACK_DB would import platformdirs, shutil and 7 more (+8.6 ms)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The journal path when neither --db nor RPLTRACK_DB is given."""
    return data_dir() / DB_FILENAME


def resolve_db_path(cli_value: str | None) -> Path:
    """--db wins over RPLTRACK_DB, which wins over the platform default."""
    return journal_location(cli_value)[0]


def journal_location(cli_value: str | None) -> tuple[Path, str]:
    """The journal path and who named it: "--db", "RPLTRACK_DB", or "" for the platform default. Only the
    default location's folder is made when missing: a folder named by hand that is not there is more likely
    a typo than a wish."""
    if cli_value:
        return Path(cli_value).expanduser(), "--db"
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser(), DB_ENV
    return default_db_path(), ""


def documents_dir() -> Path:
    """The user's documents folder (platformdirs: XDG_DOCUMENTS_DIR, ~/Documents, ...), or the home folder
    when there is none: where an export goes when no folder is named."""
    # quick path: `today` with --db or RPLTRACK_DB would import platformdirs, shutil and 7 more (+8.6 ms)
    import platformdirs

    try:
        found = Path(platformdirs.user_documents_dir())
    except (OSError, RuntimeError, ValueError):
        found = None
    if found is not None and found.is_dir():
        return found
    return Path.home()
