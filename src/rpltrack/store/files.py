"""Writing files that must never be seen half-written, and readable only by her: the one home for it.

Every file rpltrack writes beside the journal or for her (exports, the brief, the calendar, backups, the
reminder timer's units and state) is written under a temporary name of this process in the same folder
(.<name>.<pid>.partial), owner-only (0600) from its first byte, flushed to disk, then renamed over the
target, so a crash leaves the old file or the new one, never a part. Temporary files whose writer was
killed are recognised by their process id and removed.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

PARTIAL_SUFFIX = ".partial"


def partial_for(path: Path) -> Path:
    """The temporary name this process writes `path` under: .<name>.<pid>.partial beside it."""
    return path.with_name(f".{path.name}.{os.getpid()}{PARTIAL_SUFFIX}")


def open_private(path: Path) -> int:
    """A new file at `path`, 0600 from the first byte, never following a link and never an existing file."""
    return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)


def atomic_write(path: Path, payload: bytes, *, durable: bool = True) -> Path:
    """`payload` at `path`, owner-only: written under partial_for(path), flushed (fsync when `durable`),
    then renamed over `path`. On any failure the temporary file is removed and `path` is as it was."""
    partial = partial_for(path)
    partial.unlink(missing_ok=True)  # this process's own, from an attempt that failed before its cleanup
    fd = open_private(partial)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def fsync_dir(folder: Path) -> None:
    """Make the renames in `folder` durable (not possible on every platform; skipped where it is not)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def process_gone(pid: int) -> bool:
    """Whether no process `pid` runs any more (POSIX; elsewhere nothing is assumed gone: os.kill(pid, 0) is
    a liveness check only on POSIX, on Windows it sends CTRL_C_EVENT)."""
    if os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def partial_pid(stale: Path, name: str) -> int | None:
    """The writer's process id in `stale`, a temporary name for `name` (.<name>.<pid>.partial), or None."""
    prefix = f".{name}."
    if not (stale.name.startswith(prefix) and stale.name.endswith(PARTIAL_SUFFIX)):
        return None
    text = stale.name[len(prefix) : -len(PARTIAL_SUFFIX)]
    return int(text) if text.isdigit() else None


def remove_killed_partials(dest: Path) -> None:
    """Half-written files for `dest` whose writer was killed (.<name>.<pid>.partial, that process gone)."""
    for stale in dest.parent.glob(f".{glob.escape(dest.name)}.*{PARTIAL_SUFFIX}"):
        pid = partial_pid(stale, dest.name)
        if pid is not None and stale.is_file() and not stale.is_symlink() and process_gone(pid):
            stale.unlink(missing_ok=True)
