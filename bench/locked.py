"""The locked journal (#17) in bench/run.py: the quick commands and the TUI's first paint on a 10-year journal
locked at rest (SQLCipher, key in a real OS keyring) against the same journal plain, in the same run.

The keyring is gnome-keyring's Secret Service on a private D-Bus, started here and stopped at the end (as the
tests do, tests/keyring_fixture.py): the locked journal opens as on her machine, with its raw key read from
the keyring, no passphrase. Target: locked at most LOCKED_MAX_RATIO times plain for each figure.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from datetime import time as clock_time
from pathlib import Path

import run as bench

LOCKED_MAX_RATIO = 1.25
PASSPHRASE = "bench passphrase of four plain words"
BUSCONF = bench.BENCH_DIR.parent / "tests" / "reminders" / "busconf.xml"


@contextmanager
def os_keyring(root: Path) -> Iterator[dict[str, str]]:
    """A private bus with an unlocked gnome-keyring on it; yields the environment that reaches them."""
    missing = [tool for tool in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        raise bench.BenchError(f"needs {', '.join(missing)} (Debian: apt-get install -y dbus gnome-keyring)")
    runtime = root / "keyring-run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    bus = subprocess.Popen(
        ["dbus-daemon", f"--config-file={BUSCONF}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    keyring_pid = None
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        env = {"DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": str(runtime)}
        subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"],
            input="bench-login\n",
            capture_output=True,
            text=True,
            env={**os.environ, **env, "HOME": str(root / "home")},
            timeout=30,
            check=True,
        )
        keyring_pid = _secret_service_pid(env)
        yield env
    finally:
        if keyring_pid is not None:
            with suppress(ProcessLookupError):
                os.kill(keyring_pid, signal.SIGTERM)
        bus.terminate()
        bus.wait(timeout=5)


def _secret_service_pid(env: dict[str, str]) -> int:
    """The process that owns org.freedesktop.secrets on the bus, once it does (gnome-keyring registers just
    after daemonizing and, started with --unlock, prints no process id of its own)."""
    ask = [
        "dbus-send",
        "--session",
        "--print-reply",
        "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.GetConnectionUnixProcessID",
        "string:org.freedesktop.secrets",
    ]
    for _ in range(200):
        done = subprocess.run(ask, capture_output=True, text=True, env={**os.environ, **env}, check=False)
        words = done.stdout.split()
        if done.returncode == 0 and "uint32" in words:
            return int(words[words.index("uint32") + 1])
        time.sleep(0.05)
    raise bench.BenchError("gnome-keyring-daemon did not register the Secret Service on the private bus")


def _copy(source: Path, dest: Path) -> None:
    src, out = sqlite3.connect(source), sqlite3.connect(dest)
    try:
        src.backup(out)
    finally:
        src.close()
        out.close()


def _row(figure: str, locked: float, plain: float, unit: str = "ms") -> bench.Row:
    ratio = locked / plain

    def shown(seconds: float) -> str:
        return bench.ms(seconds) if unit == "ms" else f"{seconds:.3f} s"

    return bench.Row(
        figure,
        shown(locked),
        shown(plain),
        f"{ratio:.2f}x",
        f"≤ {LOCKED_MAX_RATIO}x plain",
        bench.verdict(ratio <= LOCKED_MAX_RATIO),
    )


def bench_locked(setup: bench.Setup, n: int, warmups: int) -> list[bench.Row]:
    """`today`, `take` (+ undo, untimed), `remind --once` with nothing due, and the TUI's first paint: the
    locked copy of the 10-year journal (the subject) against a plain copy (the baseline), alternately."""
    plain = setup.root / "journal-10y-plain.db"
    locked = setup.root / "journal-10y-locked.db"
    for copy in (plain, locked):
        _copy(setup.journals[10], copy)
    passphrase = setup.root / "passphrase.txt"
    passphrase.write_text(PASSPHRASE + "\n", encoding="utf-8")
    rows: list[bench.Row] = []
    with os_keyring(setup.root) as keyring_env:
        env = {**setup.env, **keyring_env}
        lock = bench.run_child(
            [setup.rpltrack, "--db", str(locked), "--passphrase-file", str(passphrase), "lock", "--keyring"],
            env,
            setup.root,
        )
        if lock.returncode != 0 or "kept in your OS keyring" not in lock.stdout:
            raise bench.BenchError(f"rpltrack lock: {bench.last_line(lock.stderr or lock.stdout)}")

        def pair(*args: str) -> tuple[list[str], list[str]]:
            return (
                [setup.rpltrack, "--db", str(locked), *args],
                [setup.rpltrack, "--db", str(plain), *args],
            )

        def compare(
            label: str,
            cmds: tuple[list[str], list[str]],
            *,
            check_subject: bench.Check | None = None,
            after_subject: Callable[[], None] | None = None,
            after_baseline: Callable[[], None] | None = None,
        ) -> tuple[bench.Series, bench.Series]:
            return bench.compare(
                (f"{label}, locked", cmds[0]),
                (f"{label}, plain", cmds[1]),
                env,
                setup.root,
                n,
                warmups,
                check_subject=check_subject,
                after_subject=after_subject,
                after_baseline=after_baseline,
            )

        today_locked, today_plain = compare("today", pair("today"))
        rows.append(
            _row(
                "`rpltrack today`, locked vs plain (10-year journal), median",
                today_locked.median_s,
                today_plain.median_s,
            )
        )

        slot_at = datetime.combine(setup.take_on, clock_time(8, 0), tzinfo=setup.zone)
        at = f"{slot_at:%Y-%m-%d %H:%M}"
        med = bench.TAKE_CANDIDATES[0]

        def undo(path: Path) -> Callable[[], None]:
            def run_undo() -> None:
                done = bench.run_child([setup.rpltrack, "--db", str(path), "undo"], env, setup.root)
                if done.returncode != 0 or not done.stdout.startswith("Undone:"):
                    raise bench.BenchError(f"undo failed: {done.stdout} {done.stderr}")

            return run_undo

        def wrote(result: bench.Run) -> str | None:
            return (
                None if result.stdout.startswith("Saved:") else f"did not log a dose: {result.stdout.strip()}"
            )

        take_locked, take_plain = compare(
            "take",
            pair("take", med, "--at", at),
            check_subject=wrote,
            after_subject=undo(locked),
            after_baseline=undo(plain),
        )
        rows.append(
            _row(f"`rpltrack take {med}`, locked vs plain, median", take_locked.median_s, take_plain.median_s)
        )

        settle_cmds = {
            path: [setup.python, str(bench.SETTLE_REMINDERS), str(path), bench.TZ] for path in (locked, plain)
        }
        for path, cmd in settle_cmds.items():
            first = bench.run_child(cmd, env, setup.root)
            if first.returncode != 0:
                raise bench.BenchError(
                    f"settling the reminders of {path.name}: {bench.last_line(first.stderr)}"
                )

        def settle(path: Path) -> Callable[[], None]:
            return lambda: bench.settle_again(
                settle_cmds[path], bench.Setup(**{**setup.__dict__, "env": env})
            )

        def nothing_sent(result: bench.Run) -> str | None:
            return (
                f"a reminder was due after all: {bench.last_line(result.stdout)}"
                if result.stdout.strip()
                else None
            )

        remind_locked, remind_plain = compare(
            "remind --once",
            pair("remind", "--once", "--wait", "0"),
            check_subject=nothing_sent,
            after_subject=settle(locked),
            after_baseline=settle(plain),
        )
        rows.append(
            _row(
                "`rpltrack remind --once`, nothing due, locked vs plain, median",
                remind_locked.median_s,
                remind_plain.median_s,
            )
        )

        tui_locked, tui_plain = bench.compare(
            ("first paint, locked", [setup.python, str(bench.FIRST_PAINT), "rpltrack", str(locked)]),
            ("first paint, plain", [setup.python, str(bench.FIRST_PAINT), "rpltrack", str(plain)]),
            env,
            setup.root,
            n,
            warmups,
        )
        paint_locked = statistics.median(bench.paint_of(r)[0] for r in tui_locked.runs)
        paint_plain = statistics.median(bench.paint_of(r)[0] for r in tui_plain.runs)
        rows.append(
            _row("TUI launch → first paint, locked vs plain, median", paint_locked, paint_plain, unit="s")
        )
        for label, subject, baseline in (
            ("today", today_locked, today_plain),
            ("take", take_locked, take_plain),
            ("remind --once", remind_locked, remind_plain),
        ):
            rows.append(
                bench.cpu_row(f"`rpltrack {label}`, locked vs plain, CPU time, median", subject, baseline)
            )
    return rows
