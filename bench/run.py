"""rpltrack benchmarks: start-up, dose logging, TUI first paint and first visits, memory; each against a
same-run baseline.

    python bench/run.py            # ~15 timed runs per figure after 2 warm-ups
    python bench/run.py --quick    # 5 runs after 1 warm-up

Builds 1-year and 10-year demo journals in a temp dir (the code of `rpltrack demo`), runs every command as
a subprocess with a clean environment (HOME and XDG_* in the temp dir, RPLTRACK_DB set, TZ fixed), prints one
table and the modules `rpltrack today` spends most of its import time in. A report, not a test: it always
exits 0. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

BENCH_DIR = Path(__file__).resolve().parent
FIRST_PAINT = BENCH_DIR / "first_paint.py"
FIRST_VISITS = BENCH_DIR / "first_visits.py"
FIRST_VISIT_MAX_MS = 200.0
DEMO_JOURNAL = BENCH_DIR / "demo_journal.py"
FLAG_EVAL = BENCH_DIR / "flag_eval.py"
SCREEN_PAINT = BENCH_DIR / "screen_paint.py"
FLAGS_MAX_MS = 50.0
SETTLE_REMINDERS = BENCH_DIR / "settle_reminders.py"
REMIND_MAX_MS = 80.0
TZ = "Europe/London"
DEMO_SEED = 7  # the default of `rpltrack demo --seed`
TAKE_CANDIDATES = ("aspirin", "folic acid")  # the brief's command first; folic acid is the fallback
TODAY_MAX_MS = 80.0
TODAY_MAX_RATIO = 7.0
TUI_MAX_RATIO = 1.5
GROWTH_MAX_RATIO = 1.2
GNU_TIME = "/usr/bin/time"
CSV_MAX_RATIO = 2.0
SEEING_MAX_RATIO = 2.0  # plan, search and a filtered history against `today`, same run (#18)
# The tables `rpltrack export csv` reads (its CSVs hold the same records, plus computed columns).
CSV_TABLES = (
    "medications",
    "regimens",
    "doses",
    "labs",
    "betas",
    "cycles",
    "cycle_events",
    "transfers",
    "pregnancies",
    "appointments",
    "appointment_questions",
    "flag_marks",
    "settings",
)
RSS_RUNS = 3


# -- running children --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One finished child: wall time from launch to exit, exit code, output, and the CPU time (user + system)
    the child itself used, which a busy or throttled machine disturbs less than the wall time."""

    wall_s: float
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float = 0.0


def run_child(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Run:
    """Run `cmd` to completion, timed with perf_counter from just before the spawn to just after the reap.

    Output goes to temp files, not pipes, so the parent sleeps in wait() while the child runs."""
    env = {**env, "RPLTRACK_BENCH_T0": repr(time.monotonic())}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            wall,
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            usage.ru_utime + usage.ru_stime,
        )


def peak_rss_mb(cmd: Sequence[str], env: dict[str, str], cwd: Path, runs: int) -> float:
    """Median peak RSS of `cmd` over `runs` runs, as GNU time reports it (%M, its child's ru_maxrss).

    Not from our own wait4: a child forked (or vforked) from this process starts with our resident size as its
    high-water mark, and exec keeps it, so a small child would look as big as the bench. GNU time is small."""
    if not Path(GNU_TIME).exists():
        raise BenchError(f"{GNU_TIME} (GNU time) is not installed; peak memory needs it")
    values: list[float] = []
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as report:
        for _ in range(runs):
            result = run_child([GNU_TIME, "-f", "%M", "-o", report.name, *cmd], env, cwd)
            if result.returncode != 0:
                raise BenchError(
                    f"{' '.join(cmd[:3])}…: exit {result.returncode}: {last_line(result.stderr)}"
                )
            report.seek(0)
            values.append(int(report.read().strip().splitlines()[-1]) / 1024)
    return statistics.median(values)


@dataclass
class Series:
    """Timed runs of one command (warm-ups not included)."""

    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(r.wall_s for r in self.runs)

    @property
    def median_cpu_s(self) -> float:
        return statistics.median(r.cpu_s for r in self.runs)


def cpu_row(label: str, subject: Series, baseline: Series) -> Row:
    """The same runs as CPU time (user + system of the child): steadier than wall time on a noisy machine."""
    ratio = subject.median_cpu_s / baseline.median_cpu_s
    return Row(label, ms(subject.median_cpu_s), ms(baseline.median_cpu_s), f"{ratio:.2f}x", "", "info")


Check = Callable[[Run], str | None]  # an error message when a run did not do what it should


def compare(
    subject: tuple[str, Sequence[str]],
    baseline: tuple[str, Sequence[str]],
    env: dict[str, str],
    cwd: Path,
    n: int,
    warmups: int,
    *,
    check_subject: Check | None = None,
    after_subject: Callable[[], None] | None = None,
    after_baseline: Callable[[], None] | None = None,
) -> tuple[Series, Series]:
    """Time `subject` and `baseline` alternately (ABAB…, the order flipped each round, so drift and caches hit
    both alike), `warmups` untimed rounds first. `after_subject` (`after_baseline`) runs untimed after each
    subject (baseline) run."""
    subj, base = Series(subject[0]), Series(baseline[0])
    for i in range(warmups + n):
        pair = [(subj, subject[1]), (base, baseline[1])]
        for series, cmd in pair if i % 2 == 0 else reversed(pair):
            result = run_child(cmd, env, cwd)
            problem = (
                f"exit code {result.returncode}: {last_line(result.stderr)}" if result.returncode else None
            )
            if problem is None and check_subject and series is subj:
                problem = check_subject(result)
            if problem:
                raise BenchError(f"{series.label}: {problem}")
            if series is subj and after_subject:
                after_subject()
            if series is base and after_baseline:
                after_baseline()
            if i >= warmups:
                series.runs.append(result)
    return subj, base


class BenchError(Exception):
    """A figure could not be measured; the message says why."""


def last_line(text: str) -> str:
    """The last non-blank line of a child's output (the error of a traceback), for a one-line note."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


# -- the table -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    figure: str
    value: str
    baseline: str = "—"
    ratio: str = "—"
    target: str = "—"
    result: str = "info"


def print_table(rows: Sequence[Row]) -> None:
    header = Row("figure", "value", "baseline", "ratio", "target", "result")
    cells = [[header.figure, header.value, header.baseline, header.ratio, header.target, header.result]]
    cells += [[r.figure, r.value, r.baseline, r.ratio, r.target, r.result] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(6)]
    rule = "  ".join("-" * w for w in widths)
    for index, line in enumerate(cells):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            print(rule)


def verdict(*ok: bool) -> str:
    return "pass" if all(ok) else "FAIL"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def mb(megabytes: float) -> str:
    return f"{megabytes:.1f} MB"


# -- the setup -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    root: Path
    python: str
    rpltrack: str
    env: dict[str, str]
    zone: ZoneInfo
    journals: dict[int, Path]  # years -> path
    take_on: date  # the day whose 08:00 dose `take` logs (left open by the demo)


def find_rpltrack() -> tuple[str, str]:
    """The `rpltrack` console script and the interpreter in its shebang (the baseline runs that one)."""
    places = [Path(sys.executable).parent / "rpltrack", BENCH_DIR.parent / ".venv" / "bin" / "rpltrack"]
    script = next((str(p) for p in places if p.exists()), None) or shutil.which("rpltrack")
    if script is None:
        raise SystemExit("bench: no `rpltrack` script found; install the project: pip install -e '.[test]'")
    first = Path(script).read_text(errors="replace").splitlines()[0]
    python = first[2:].strip() if first.startswith("#!") else sys.executable
    return script, python


def clean_env(root: Path, python: str, journal: Path) -> dict[str, str]:
    """A bare environment: nothing from the caller's shell reaches the children but PATH's system part."""
    home = root / "home"
    dirs = {
        name: home / sub
        for name, sub in (
            ("XDG_DATA_HOME", ".local/share"),
            ("XDG_CONFIG_HOME", ".config"),
            ("XDG_STATE_HOME", ".local/state"),
            ("XDG_CACHE_HOME", ".cache"),
        )
    }
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        **{name: str(folder) for name, folder in dirs.items()},
        "RPLTRACK_DB": str(journal),
        "TZ": TZ,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
    }


def build_journal(setup: Setup, years: int) -> tuple[Path, Row]:
    """A demo journal written by the code of `rpltrack demo --years N` (bench/demo_journal.py) as of 00:01 on
    `setup.take_on`, so that day's 08:00 doses are still open; returns its path and its table row."""
    path = setup.root / f"journal-{years}y.db"
    as_of = datetime.combine(setup.take_on, clock_time(0, 1))
    cmd = [setup.python, str(DEMO_JOURNAL), str(path), str(years), as_of.isoformat(), TZ, str(DEMO_SEED)]
    result = run_child(cmd, setup.env, setup.root)
    if result.returncode != 0:
        raise SystemExit(f"bench: could not build the demo journal: {last_line(result.stderr)}")
    doses, size_mb = int(result.stdout.strip()), path.stat().st_size / 1e6
    label = f"demo journal, {years} year{'s' if years > 1 else ''}"
    return path, Row(label, f"{doses:,} doses, {size_mb:.1f} MB (built in {result.wall_s:.1f} s)")


def prepare(root: Path) -> tuple[Setup, list[Row]]:
    script, python = find_rpltrack()
    zone = ZoneInfo(TZ)
    # The demo is written as of 00:01 yesterday, so yesterday's 08:00 doses are still open: `take --at
    # "<yesterday> 08:00"` then always logs a real dose (and `undo` reopens it for the next run).
    yesterday = datetime.fromtimestamp(time.time(), tz=zone).date() - timedelta(days=1)
    journals = {years: root / f"journal-{years}y.db" for years in (1, 10)}
    setup = Setup(root, python, script, clean_env(root, python, journals[10]), zone, journals, yesterday)
    rows: list[Row] = []
    for years in journals:
        path, row = build_journal(setup, years)
        assert path == journals[years]
        rows.append(row)
    return setup, rows


# -- the figures ---------------------------------------------------------------------------------------------


def bench_today(setup: Setup, n: int, warmups: int) -> list[Row]:
    today, bare = compare(
        ("rpltrack today", [setup.rpltrack, "today"]),
        ("python -c pass", [setup.python, "-c", "pass"]),
        setup.env,
        setup.root,
        n,
        warmups,
    )
    ratio = today.median_s / bare.median_s
    rows = [
        Row(
            "`rpltrack today` (10-year journal), median",
            ms(today.median_s),
            ms(bare.median_s),
            f"{ratio:.2f}x",
            f"< {TODAY_MAX_MS:.0f} ms, ≤ {TODAY_MAX_RATIO:.0f}x",
            verdict(today.median_s * 1000 < TODAY_MAX_MS, ratio <= TODAY_MAX_RATIO),
        ),
        cpu_row("`rpltrack today`, CPU time (user + system), median", today, bare),
    ]
    return rows


def flag_eval(setup: Setup, years: int, runs: int) -> tuple[float, float, float, int]:
    """(read ms, evaluate ms, total ms, active flags) of the flag engine in process on the demo journal."""
    as_of = datetime.combine(setup.take_on, clock_time(12, 0)).isoformat()
    cmd = [setup.python, str(FLAG_EVAL), str(setup.journals[years]), as_of, TZ, str(runs)]
    result = run_child(cmd, setup.env, setup.root)
    if result.returncode != 0:
        raise BenchError(f"flag evaluation: {last_line(result.stderr)}")
    read, ev, total, count = result.stdout.split()
    return float(read), float(ev), float(total), int(count)


def bench_flags(setup: Setup, n: int, warmups: int) -> list[Row]:
    """The flag engine in process (10-year vs 1-year journal), and `rpltrack flags` vs `python -c pass`."""
    read10, eval10, total10, count = flag_eval(setup, 10, max(n, 10))
    _, _, total1, _ = flag_eval(setup, 1, max(n, 10))
    flags, bare = compare(
        ("rpltrack flags", [setup.rpltrack, "flags", "--json"]),
        ("python -c pass", [setup.python, "-c", "pass"]),
        setup.env,
        setup.root,
        n,
        warmups,
    )
    growth = total10 / total1
    return [
        Row(
            f"flag evaluation in process (10-year journal, {count} active), median",
            f"{total10:.1f} ms",
            f"read {read10:.1f} + rules {eval10:.1f} ms",
            "—",
            f"< {FLAGS_MAX_MS:.0f} ms",
            verdict(total10 < FLAGS_MAX_MS),
        ),
        Row(
            "flag evaluation: 10-year vs 1-year journal",
            f"{total10:.1f} ms",
            f"{total1:.1f} ms",
            f"{growth:.2f}x",
        ),
        Row(
            "`rpltrack flags --json` (10-year journal), median",
            ms(flags.median_s),
            ms(bare.median_s),
            f"{flags.median_s / bare.median_s:.2f}x",
            "",
            "info",
        ),
    ]


def bench_seeing_ahead(setup: Setup, n: int, warmups: int) -> list[Row]:
    """`plan --days 7`, `search` and the History query filtered to one medication over ten years (`log --med
    aspirin --from <10 years ago> --limit 50`, the page the History screen reads first), each against `today`
    in the same run (#18)."""
    ten_years_ago = (setup.take_on - timedelta(days=3660)).isoformat()
    commands = (
        ("`rpltrack plan --days 7`", [setup.rpltrack, "plan", "--days", "7"]),
        ("`rpltrack search lovenox`", [setup.rpltrack, "search", "lovenox"]),
        (
            "`rpltrack log --med aspirin` over 10 years, first page of 50",
            [setup.rpltrack, "log", "--med", "aspirin", "--from", ten_years_ago, "--limit", "50"],
        ),
    )
    rows = []
    for label, cmd in commands:
        subject, today = compare(
            (label, cmd), ("rpltrack today", [setup.rpltrack, "today"]), setup.env, setup.root, n, warmups
        )
        ratio = subject.median_s / today.median_s
        rows.append(
            Row(
                f"{label} (10-year journal) vs `today`, median",
                ms(subject.median_s),
                ms(today.median_s),
                f"{ratio:.2f}x",
                f"≤ {SEEING_MAX_RATIO:.0f}x",
                verdict(ratio <= SEEING_MAX_RATIO),
            )
        )
    return rows


def bench_seeing_screens(setup: Setup, n: int, warmups: int) -> list[Row]:
    """In the app on the 10-year journal: the Plan screen from its push to its first paint; History from the
    switch to it to its first paint; and the filter to one medication (all its courses, ten years) to the
    first paint of its page; each beside `rpltrack today` in the same run (#18). Measured inside one app run
    (bench/screen_paint.py), after Today has painted."""
    cmd = [setup.python, str(SCREEN_PAINT), str(setup.journals[10])]
    figures: list[dict[str, float]] = []

    def painted(result: Run) -> str | None:
        lines = result.stdout.strip().splitlines()
        report = json.loads(lines[-1]) if lines else {}
        if "plan_s" not in report:
            return str(report.get("error", "no figures"))
        figures.append(report)
        return None

    screens, today = compare(
        ("Plan and History in the app", cmd),
        ("rpltrack today", [setup.rpltrack, "today"]),
        setup.env,
        setup.root,
        n,
        warmups,
        check_subject=painted,
    )
    timed = figures[-len(screens.runs) :]
    rows = []
    for key, label in (
        ("plan_s", "Plan screen: push → first paint"),
        ("history_open_s", "History, first visit: switch → first paint of the newest page"),
        ("history_s", "History filtered to aspirin (10 years): filter → first paint of the page"),
    ):
        median = statistics.median(f[key] for f in timed)
        ratio = median / today.median_s
        rows.append(
            Row(
                f"{label} (10-year journal) vs `today`, median",
                ms(median),
                ms(today.median_s),
                f"{ratio:.2f}x",
                f"≤ {SEEING_MAX_RATIO:.0f}x",
                verdict(ratio <= SEEING_MAX_RATIO),
            )
        )
    return rows


def bench_today_rss(setup: Setup) -> list[Row]:
    today = peak_rss_mb([setup.rpltrack, "today"], setup.env, setup.root, RSS_RUNS)
    bare = peak_rss_mb([setup.python, "-c", "pass"], setup.env, setup.root, RSS_RUNS)
    return [Row("`rpltrack today` peak RSS", mb(today), mb(bare), f"{today / bare:.2f}x")]


def settle_again(settle: list[str], setup: Setup) -> None:
    """Untimed, after each timed run: a slot that fell due meanwhile is settled before the next run."""
    result = run_child(settle, setup.env, setup.root)
    if result.returncode != 0:
        raise BenchError(f"settling the reminders: {last_line(result.stderr)}")


def bench_remind(setup: Setup, n: int, warmups: int) -> list[Row]:
    """`rpltrack remind --once` with nothing due, what the timer runs every minute, vs `python -c pass`: on a
    copy of the 10-year journal whose reminders are settled (bench/settle_reminders.py) before each run."""
    journal = setup.root / "journal-remind.db"
    settle = [setup.python, str(SETTLE_REMINDERS), str(journal), TZ]
    first = run_child([*settle, str(setup.journals[10])], setup.env, setup.root)
    if first.returncode != 0:
        raise BenchError(f"settling the reminders: {last_line(first.stderr)}")
    env = {**setup.env, "RPLTRACK_DB": str(journal)}

    def nothing_sent(result: Run) -> str | None:
        return f"a reminder was due after all: {last_line(result.stdout)}" if result.stdout.strip() else None

    remind, bare = compare(
        ("rpltrack remind --once", [setup.rpltrack, "remind", "--once", "--wait", "0"]),
        ("python -c pass", [setup.python, "-c", "pass"]),
        env,
        setup.root,
        n,
        warmups,
        check_subject=nothing_sent,
        after_subject=lambda: settle_again(settle, setup),
    )
    ratio = remind.median_s / bare.median_s
    return [
        Row(
            "`rpltrack remind --once`, nothing due (10-year journal), median",
            ms(remind.median_s),
            ms(bare.median_s),
            f"{ratio:.2f}x",
            f"< {REMIND_MAX_MS:.0f} ms",
            verdict(remind.median_s * 1000 < REMIND_MAX_MS),
        ),
        cpu_row("`rpltrack remind --once`, CPU time (user + system), median", remind, bare),
    ]


def logged_at_slot(setup: Setup, med: str, slot_at: datetime) -> list[dict[str, object]]:
    """`rpltrack log --json` entries of `med` for the dose scheduled at `slot_at`."""
    day = slot_at.date().isoformat()
    result = run_child([setup.rpltrack, "log", "--from", day, "--to", day, "--json"], setup.env, setup.root)
    if result.returncode != 0:
        raise BenchError(f"rpltrack log failed: {last_line(result.stderr)}")
    entries: list[dict[str, object]] = json.loads(result.stdout)
    return [
        e
        for e in entries
        if e.get("medication") == med
        and isinstance(e.get("slot"), str)
        and datetime.fromisoformat(str(e["slot"])) == slot_at
    ]


def choose_take_medication(setup: Setup, at: str, slot_at: datetime) -> tuple[str, str]:
    """The first of TAKE_CANDIDATES that `take` accepts (logged, checked with `log --json`, then undone),
    and a note on any that was refused."""
    notes: list[str] = []
    for med in TAKE_CANDIDATES:
        result = run_child([setup.rpltrack, "take", med, "--at", at], setup.env, setup.root)
        if result.returncode != 0:
            notes.append(
                f"`rpltrack take {med}` refused (exit {result.returncode}): {last_line(result.stderr)}"
            )
            continue
        if not result.stdout.startswith("Saved:") or not logged_at_slot(setup, med, slot_at):
            raise BenchError(f"`take {med} --at {at}` did not log the {slot_at:%H:%M} dose: {result.stdout}")
        undo(setup)
        if logged_at_slot(setup, med, slot_at):
            raise BenchError("`rpltrack undo` left the dose logged; `take` would not write on the next run")
        return med, " ".join(notes)
    raise BenchError(" ".join(notes))


def undo(setup: Setup) -> None:
    result = run_child([setup.rpltrack, "undo"], setup.env, setup.root)
    if result.returncode != 0 or not result.stdout.startswith("Undone:"):
        raise BenchError(f"rpltrack undo failed: {result.stdout.strip()} {result.stderr.strip()}")


def bench_take(setup: Setup, n: int, warmups: int) -> tuple[list[Row], str]:
    slot_at = datetime.combine(setup.take_on, clock_time(8, 0), tzinfo=setup.zone)
    at = f"{slot_at:%Y-%m-%d %H:%M}"
    med, note = choose_take_medication(setup, at, slot_at)
    cmd = [setup.rpltrack, "take", med, "--at", at]

    def wrote(result: Run) -> str | None:
        return None if result.stdout.startswith("Saved:") else f"did not log a dose: {result.stdout.strip()}"

    take, bare = compare(
        (f"rpltrack take {med}", cmd),
        ("python -c pass", [setup.python, "-c", "pass"]),
        setup.env,
        setup.root,
        n,
        warmups,
        check_subject=wrote,
        after_subject=lambda: undo(setup),
    )
    ratio = take.median_s / bare.median_s
    rows = [
        Row(
            f'`rpltrack take {med} --at "{at}"`, median',
            ms(take.median_s),
            ms(bare.median_s),
            f"{ratio:.2f}x",
            f"< {TODAY_MAX_MS:.0f} ms, ≤ {TODAY_MAX_RATIO:.0f}x",
            verdict(take.median_s * 1000 < TODAY_MAX_MS, ratio <= TODAY_MAX_RATIO),
        ),
        cpu_row(f"`rpltrack take {med}`, CPU time (user + system), median", take, bare),
    ]
    return rows, note


def bench_growth(setup: Setup, n: int, warmups: int) -> list[Row]:
    """How the quick commands and the export grow from a 1-year to a 10-year journal: flat for `today`,
    `take` and `remind --once`, at most linear (10x the records) for `export csv`."""
    rows = [_growth_today(setup, n, warmups), _growth_take(setup, n, warmups)]
    rows.append(_growth_remind(setup, n, warmups))
    rows.append(_growth_export(setup, n, warmups))
    return rows


def _growth_row(what: str, big: Series, small: Series, limit: float, target: str) -> Row:
    ratio = big.median_s / small.median_s
    return Row(
        f"growth: {what}, 10-year vs 1-year journal",
        ms(big.median_s),
        ms(small.median_s),
        f"{ratio:.2f}x",
        target,
        verdict(ratio <= limit),
    )


def _growth_today(setup: Setup, n: int, warmups: int) -> Row:
    cmd = [setup.rpltrack, "today", "--db"]
    big, small = compare(
        ("today, 10-year journal", [*cmd, str(setup.journals[10])]),
        ("today, 1-year journal", [*cmd, str(setup.journals[1])]),
        setup.env,
        setup.root,
        n,
        warmups,
    )
    return _growth_row("`rpltrack today`", big, small, GROWTH_MAX_RATIO, f"≤ {GROWTH_MAX_RATIO}x (flat)")


def _growth_take(setup: Setup, n: int, warmups: int) -> Row:
    """The same dose logged (and undone, untimed) on each journal."""
    slot_at = datetime.combine(setup.take_on, clock_time(8, 0), tzinfo=setup.zone)
    at = f"{slot_at:%Y-%m-%d %H:%M}"
    med, _ = choose_take_medication(setup, at, slot_at)

    def take(years: int) -> list[str]:
        return [setup.rpltrack, "take", med, "--at", at, "--db", str(setup.journals[years])]

    def undo_on(years: int) -> Callable[[], None]:
        def run() -> None:
            result = run_child(
                [setup.rpltrack, "undo", "--db", str(setup.journals[years])], setup.env, setup.root
            )
            if result.returncode != 0 or not result.stdout.startswith("Undone:"):
                raise BenchError(f"rpltrack undo failed: {result.stdout.strip()} {result.stderr.strip()}")

        return run

    def wrote(result: Run) -> str | None:
        return None if result.stdout.startswith("Saved:") else f"did not log a dose: {result.stdout.strip()}"

    first = run_child(take(1), setup.env, setup.root)
    if not first.stdout.startswith("Saved:"):
        raise BenchError(f"`take {med}` on the 1-year journal: {first.stdout.strip()} {first.stderr.strip()}")
    undo_on(1)()
    big, small = compare(
        ("take, 10-year journal", take(10)),
        ("take, 1-year journal", take(1)),
        setup.env,
        setup.root,
        n,
        warmups,
        check_subject=wrote,
        after_subject=undo_on(10),
        after_baseline=undo_on(1),
    )
    return _growth_row(
        f"`rpltrack take {med}`", big, small, GROWTH_MAX_RATIO, f"≤ {GROWTH_MAX_RATIO}x (flat)"
    )


def _growth_remind(setup: Setup, n: int, warmups: int) -> Row:
    """`remind --once` with nothing due on settled copies of both journals."""
    copies = {years: setup.root / f"journal-remind-growth-{years}y.db" for years in (1, 10)}
    settles = {years: [setup.python, str(SETTLE_REMINDERS), str(path), TZ] for years, path in copies.items()}
    for years, settle in settles.items():
        first = run_child([*settle, str(setup.journals[years])], setup.env, setup.root)
        if first.returncode != 0:
            raise BenchError(f"settling the reminders: {last_line(first.stderr)}")
    cmd = [setup.rpltrack, "remind", "--once", "--wait", "0", "--db"]
    big, small = compare(
        ("remind --once, 10-year journal", [*cmd, str(copies[10])]),
        ("remind --once, 1-year journal", [*cmd, str(copies[1])]),
        setup.env,
        setup.root,
        n,
        warmups,
        after_subject=lambda: settle_again(settles[10], setup),
        after_baseline=lambda: settle_again(settles[1], setup),
    )
    return _growth_row(
        "`rpltrack remind --once`", big, small, GROWTH_MAX_RATIO, f"≤ {GROWTH_MAX_RATIO}x (flat)"
    )


def _growth_export(setup: Setup, n: int, warmups: int) -> Row:
    """`export csv` of each journal into its own folder: ten times the records may take ten times as long."""
    cmd = [setup.rpltrack, "export", "csv", "--db"]
    big, small = compare(
        (
            "export csv, 10-year journal",
            [*cmd, str(setup.journals[10]), "--out", str(setup.root / "growth-10y")],
        ),
        (
            "export csv, 1-year journal",
            [*cmd, str(setup.journals[1]), "--out", str(setup.root / "growth-1y")],
        ),
        setup.env,
        setup.root,
        max(3, n // 3),
        1,
    )
    return _growth_row("`rpltrack export csv`", big, small, 10.0, "≤ 10x (linear)")


def paint_of(result: Run) -> tuple[float, str]:
    lines = result.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}
    if result.returncode == 3:
        raise BenchError(str(report.get("error", "the TUI module is missing")))
    if result.returncode != 0 or report.get("first_paint_s") is None:
        raise BenchError(f"first_paint.py exit {result.returncode}: {last_line(result.stderr)}")
    return float(report["first_paint_s"]), str(report.get("screen", "?"))


def bench_csv_export(setup: Setup, n: int, warmups: int) -> list[Row]:
    """`rpltrack export csv` of the 10-year journal (every file written, fsynced and renamed into place) vs
    `sqlite3 -csv` dumping the same tables to stdout, the plainest CSV dump of the same rows."""
    sqlite3 = shutil.which("sqlite3", path=setup.env["PATH"])
    if sqlite3 is None:
        raise BenchError("the sqlite3 command-line shell is not installed: no baseline to compare with")
    journal, out = setup.journals[10], setup.root / "csv-export"
    dump = "; ".join(f"SELECT * FROM {table}" for table in CSV_TABLES) + ";"

    def wrote(result: Run) -> str | None:
        return None if result.stdout.startswith("Saved ") else f"did not export: {result.stdout.strip()}"

    export, baseline = compare(
        ("rpltrack export csv", [setup.rpltrack, "export", "csv", "--out", str(out)]),
        ("sqlite3 -csv", [sqlite3, "-csv", "-header", str(journal), dump]),
        setup.env,
        setup.root,
        n,
        warmups,
        check_subject=wrote,
    )
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    ratio = export.median_s / baseline.median_s
    return [
        Row(
            f"`rpltrack export csv` (10-year journal, {size:.1f} MB of CSV), median",
            ms(export.median_s),
            ms(baseline.median_s),
            f"{ratio:.2f}x",
            f"≤ {CSV_MAX_RATIO:.0f}x",
            verdict(ratio <= CSV_MAX_RATIO),
        ),
        cpu_row("`rpltrack export csv`, CPU time (user + system), median", export, baseline),
        *_python_floor(setup, journal, dump, n, warmups),
    ]


# The plainest Python CSV dump of the same tables: what any exporter written in Python pays before doing
# anything of its own (interpreter start, the sqlite3 and csv modules, building a row object per row).
PLAIN_PYTHON_DUMP = """
import csv, sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
out = csv.writer(sys.stdout, lineterminator="\\r\\n")
for table in sys.argv[2:]:
    cursor = conn.execute(f"SELECT * FROM {table}")
    out.writerow([d[0] for d in cursor.description])
    out.writerows(cursor)
"""


def _python_floor(setup: Setup, journal: Path, dump: str, n: int, warmups: int) -> list[Row]:
    sqlite3 = shutil.which("sqlite3", path=setup.env["PATH"])
    assert sqlite3 is not None
    plain, baseline = compare(
        (
            "python sqlite3 + csv dump",
            [setup.python, "-c", PLAIN_PYTHON_DUMP, str(journal), *CSV_TABLES],
        ),
        ("sqlite3 -csv", [sqlite3, "-csv", "-header", str(journal), dump]),
        setup.env,
        setup.root,
        n,
        warmups,
    )
    return [
        Row(
            "floor: a plain Python dump of the same tables (sqlite3 + csv, no formatting), median",
            ms(plain.median_s),
            ms(baseline.median_s),
            f"{plain.median_s / baseline.median_s:.2f}x",
            "—",
            "info",
        )
    ]


def bench_tui(setup: Setup, n: int, warmups: int) -> list[Row]:
    tui_cmd = [setup.python, str(FIRST_PAINT), "rpltrack", str(setup.journals[10])]
    minimal_cmd = [setup.python, str(FIRST_PAINT), "minimal"]
    screens: set[str] = set()

    def painted(result: Run) -> str | None:
        try:
            screens.add(paint_of(result)[1])
        except BenchError as exc:
            return str(exc)
        return None

    tui, minimal = compare(
        ("RpltrackApp", tui_cmd),
        ("minimal Textual app", minimal_cmd),
        setup.env,
        setup.root,
        n,
        warmups,
        check_subject=painted,
    )
    tui_paint = statistics.median(paint_of(r)[0] for r in tui.runs)
    minimal_paint = statistics.median(paint_of(r)[0] for r in minimal.runs)
    ratio = tui_paint / minimal_paint
    exit_ratio = tui.median_s / minimal.median_s
    tui_rss = peak_rss_mb(tui_cmd, setup.env, setup.root, RSS_RUNS)
    minimal_rss = peak_rss_mb(minimal_cmd, setup.env, setup.root, RSS_RUNS)
    shown = ", ".join(sorted(screens))
    return [
        Row(
            f"TUI launch → first paint of {shown} (10-year journal), median",
            f"{tui_paint:.3f} s",
            f"{minimal_paint:.3f} s",
            f"{ratio:.2f}x",
            f"≤ {TUI_MAX_RATIO}x",
            verdict(ratio <= TUI_MAX_RATIO),
        ),
        Row(
            "TUI launch → process exit (after first paint), median",
            f"{tui.median_s:.3f} s",
            f"{minimal.median_s:.3f} s",
            f"{exit_ratio:.2f}x",
        ),
        cpu_row("TUI launch → exit, CPU time (user + system), median", tui, minimal),
        Row("TUI peak RSS (to first paint)", mb(tui_rss), mb(minimal_rss), f"{tui_rss / minimal_rss:.2f}x"),
    ]


def visits_of(result: Run) -> tuple[dict[str, float], dict[str, float]]:
    lines = result.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}
    if result.returncode != 0 or not report.get("first"):
        raise BenchError(f"first_visits.py exit {result.returncode}: {last_line(result.stderr)}")
    return report["first"], report["again"]


def bench_first_visits(setup: Setup, n: int, warmups: int) -> list[Row]:
    """The first visit to each section, pressed a second after Today is shown (the sections are warmed after
    the first paint), against the second visit to the same section in the same run; and the slowest first
    visit when every key is pressed at once, before any warming could help."""
    runs, warmups = max(3, n // 5), min(warmups, 1)
    rows: list[Row] = []
    for look_s, pause_s, label in (
        ("1.0", "0.2", "1 s after Today is shown"),
        ("0", "0", "at once, as Today is shown"),
    ):
        cmd = [setup.python, str(FIRST_VISITS), str(setup.journals[10]), look_s, pause_s]
        first: dict[str, list[float]] = {}
        again: dict[str, list[float]] = {}
        for index in range(warmups + runs):
            result = run_child(cmd, setup.env, setup.root)
            firsts, agains = visits_of(result)
            if index < warmups:
                continue
            for mode, seconds in firsts.items():  # each first and second visit to a section
                first.setdefault(mode, []).append(seconds)
                again.setdefault(mode, []).append(agains[mode])
        if look_s == "0":
            slowest = max(first, key=lambda mode: statistics.median(first[mode]))
            worst, base = statistics.median(first[slowest]), statistics.median(again[slowest])
            rows.append(
                Row(
                    f"TUI first visit, every key {label}: slowest ({slowest}), median of {runs}",
                    ms(worst),
                    ms(base),
                    f"{worst / base:.2f}x",
                )
            )
            continue
        for mode in first:
            value, base = statistics.median(first[mode]), statistics.median(again[mode])
            rows.append(
                Row(
                    f"TUI first visit to {mode}, {label} (10-year journal), median of {runs}",
                    ms(value),
                    ms(base),
                    f"{value / base:.2f}x",
                    f"≤ {FIRST_VISIT_MAX_MS:.0f} ms",
                    verdict(value * 1000 <= FIRST_VISIT_MAX_MS),
                )
            )
    return rows


# -- import time ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportTime:
    module: str
    imported_by: str  # "" at the top level: imported by the script itself
    depth: int
    self_us: float
    cumulative_us: float


def parse_importtime(stderr: str) -> dict[str, tuple[str, int, int, int]]:
    """`-X importtime` lines as {module: (imported_by, depth, self µs, cumulative µs)}, first occurrence each.

    The lines come in post-order: a module's imports are listed before it, one level deeper."""
    lines: list[tuple[str, int, int, int]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        lines.append((name.strip(), depth, int(own), int(cumulative)))
    parsed: dict[str, tuple[str, int, int, int]] = {}
    for index, (module, depth, self_us, cumulative_us) in enumerate(lines):
        parent = next((later[0] for later in lines[index + 1 :] if later[1] < depth), "")
        parsed.setdefault(module, (parent, depth, self_us, cumulative_us))
    return parsed


def import_times(setup: Setup, runs: int) -> tuple[list[ImportTime], float, float]:
    """Per-module medians over `runs` runs of `python -X importtime rpltrack today`, and the medians of plain
    `rpltrack today` and `python -c pass` runs interleaved with them (to split a run into its parts)."""
    cmd = [setup.python, "-X", "importtime", setup.rpltrack, "today"]
    samples: dict[str, list[tuple[str, int, int, int]]] = {}
    today_s: list[float] = []
    bare_s: list[float] = []
    for _ in range(runs):
        bare_s.append(run_child([setup.python, "-c", "pass"], setup.env, setup.root).wall_s)
        today_s.append(run_child([setup.rpltrack, "today"], setup.env, setup.root).wall_s)
        traced = run_child(cmd, setup.env, setup.root)
        if traced.returncode != 0:
            raise BenchError(f"rpltrack today: exit {traced.returncode}: {last_line(traced.stderr)}")
        for module, sample in parse_importtime(traced.stderr).items():
            samples.setdefault(module, []).append(sample)
    times = [
        ImportTime(
            module,
            values[0][0],
            values[0][1],
            statistics.median(v[2] for v in values),
            statistics.median(v[3] for v in values),
        )
        for module, values in samples.items()
    ]
    return times, statistics.median(today_s), statistics.median(bare_s)


def print_import_times(times: list[ImportTime], run_s: float, python_s: float) -> None:
    def show(title: str, chosen: list[ImportTime]) -> None:
        print(title)
        print(f"  {'cumulative':>10}  {'self':>8}  {'module':<32}  imported by")
        for t in chosen:
            print(
                f"  {t.cumulative_us / 1000:>7.1f} ms  {t.self_us / 1000:>5.1f} ms  {t.module:<32}  "
                f"{t.imported_by or '(top level)'}"
            )

    print()
    show(
        "`rpltrack today`: top 10 modules by cumulative import time (python -X importtime, median)",
        sorted(times, key=lambda t: t.cumulative_us, reverse=True)[:10],
    )
    print()
    show(
        "… and top 10 by self time (the module's own code, its imports excluded)",
        sorted(times, key=lambda t: t.self_us, reverse=True)[:10],
    )
    imports_s = sum(t.cumulative_us for t in times if t.depth == 0) / 1e6
    rest_s = run_s - imports_s - python_s
    textual = "yes" if any(t.module == "textual" for t in times) else "no"
    print(
        f"  `rpltrack today` in these rounds: {run_s * 1000:.0f} ms ≈ python start {python_s * 1000:.0f} ms"
        f" + imports {imports_s * 1000:.0f} ms ({len(times)} modules; -X importtime inflates this a little)"
        f" + the command's own work and exit ≈ {max(rest_s, 0) * 1000:.0f} ms. textual imported: {textual}"
    )


# -- main ----------------------------------------------------------------------------------------------------


def bench_locked(setup: Setup, n: int, warmups: int) -> list[Row]:
    """The quick commands and first paint on a locked 10-year journal vs the plain one (bench/locked.py)."""
    sys.modules.setdefault("run", sys.modules[__name__])  # locked.py uses this module's helpers and errors
    import locked

    rows: list[Row] = locked.bench_locked(setup, n, warmups)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="5 timed runs after 1 warm-up (default 15 after 2)"
    )
    parser.add_argument("--runs", type=int, help="timed runs per figure (overrides --quick)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir with the journals and print it"
    )
    args = parser.parse_args(argv)
    n = args.runs or (5 if args.quick else 15)
    warmups = 1 if args.quick else 2

    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="rpltrack-bench-"))
    try:
        setup, rows = prepare(root)
        print(
            f"rpltrack bench: {n} timed runs per figure after {warmups} warm-up(s), medians; "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, TZ={TZ}"
        )
        print(f"  {setup.rpltrack} (interpreter {setup.python}); journals in {root}")
        notes: list[str] = []

        def section(name: str, measure: Callable[[], list[Row]]) -> None:
            print(f"  measuring {name}…", flush=True)
            try:
                rows.extend(measure())
            except BenchError as exc:
                rows.append(Row(name, "not measured", result="n/a"))
                notes.append(f"{name}: {exc}")
            except Exception:
                rows.append(Row(name, "not measured", result="error"))
                notes.append(f"{name}: {traceback.format_exc()}")

        def take() -> list[Row]:
            measured, note = bench_take(setup, n, warmups)
            if note:
                notes.append(note)
            return measured

        section("rpltrack today", lambda: bench_today(setup, n, warmups))
        section("rpltrack today peak RSS", lambda: bench_today_rss(setup))
        section("plan, search, history", lambda: bench_seeing_ahead(setup, n, warmups))
        section("Plan and History screens", lambda: bench_seeing_screens(setup, n, warmups))
        section("rpltrack take", take)
        section("growth", lambda: bench_growth(setup, n, warmups))
        section("TUI first paint", lambda: bench_tui(setup, n, warmups))
        section("TUI first visits", lambda: bench_first_visits(setup, n, warmups))
        section("flag evaluation", lambda: bench_flags(setup, n, warmups))
        section("rpltrack remind --once", lambda: bench_remind(setup, n, warmups))
        section("CSV export", lambda: bench_csv_export(setup, n, warmups))
        section("locked journal (#17)", lambda: bench_locked(setup, n, warmups))
        print()
        print_table(rows)
        for note in notes:
            print(f"note: {note}")
        try:
            print_import_times(*import_times(setup, max(3, n // 3)))
        except Exception:
            print(f"import times not measured: {traceback.format_exc()}")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        main()
    except SystemExit as exc:  # --help, or nothing to measure: say why, still exit 0
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except Exception:
        traceback.print_exc()
    sys.exit(0)
