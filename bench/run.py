"""rpltrack benchmarks: start-up, dose logging, TUI first paint, memory; each against a same-run baseline.

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
TZ = "Europe/London"
DEMO_SEED = 7  # the default of `rpltrack demo --seed`
TAKE_CANDIDATES = ("aspirin", "folic acid")  # the brief's command first; folic acid is the fallback
TODAY_MAX_MS = 80.0
TODAY_MAX_RATIO = 7.0
TUI_MAX_RATIO = 1.5
GROWTH_MAX_RATIO = 1.2
GNU_TIME = "/usr/bin/time"
RSS_RUNS = 3


# -- running children --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One finished child: wall time from launch to exit, exit code and output."""

    wall_s: float
    returncode: int
    stdout: str
    stderr: str


def run_child(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Run:
    """Run `cmd` to completion, timed with perf_counter from just before the spawn to just after the reap.

    Output goes to temp files, not pipes, so the parent sleeps in wait() while the child runs."""
    env = {**env, "RPLTRACK_BENCH_T0": repr(time.monotonic())}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        returncode = proc.wait()
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return Run(wall, returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"))


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
                    f"{' '.join(cmd[:3])}…: exit {result.returncode}: {result.stderr.strip()[-300:]}"
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

    def spread_ms(self) -> str:
        walls = sorted(r.wall_s * 1000 for r in self.runs)
        return f"{walls[0]:.0f}-{walls[-1]:.0f} ms"


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
) -> tuple[Series, Series]:
    """Time `subject` and `baseline` alternately (ABAB…, the order flipped each round, so drift and caches hit
    both alike), `warmups` untimed rounds first. `after_subject` runs untimed after each subject run."""
    subj, base = Series(subject[0]), Series(baseline[0])
    for i in range(warmups + n):
        pair = [(subj, subject[1]), (base, baseline[1])]
        for series, cmd in pair if i % 2 == 0 else reversed(pair):
            result = run_child(cmd, env, cwd)
            problem = check_subject(result) if check_subject and series is subj else None
            if problem is None and result.returncode != 0:
                problem = f"exit code {result.returncode}: {result.stderr.strip()[-400:]}"
            if problem:
                raise BenchError(f"{series.label}: {problem}")
            if series is subj and after_subject:
                after_subject()
            if i >= warmups:
                series.runs.append(result)
    return subj, base


class BenchError(Exception):
    """A figure could not be measured; the message says why."""


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
    beside = Path(sys.executable).parent / "rpltrack"
    script = str(beside) if beside.exists() else shutil.which("rpltrack")
    if script is None:
        raise SystemExit("bench: no `rpltrack` script found; run with the project's venv: .venv/bin/python")
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


def build_journal(path: Path, years: int, as_of: datetime, zone: ZoneInfo) -> tuple[int, float, float]:
    """A demo journal written by the code of `rpltrack demo --years N`; returns (dose rows, MB, seconds)."""
    from rpltrack.store.demo import fill_demo
    from rpltrack.store.journal import Journal

    start = time.perf_counter()
    with Journal.open(path, now=as_of) as journal:
        fill_demo(journal, as_of, zone, years, DEMO_SEED)
        doses = journal.count("doses")
    return doses, path.stat().st_size / 1e6, time.perf_counter() - start


def prepare(root: Path) -> tuple[Setup, list[Row]]:
    from rpltrack.clock import SystemClock

    script, python = find_rpltrack()
    zone = ZoneInfo(TZ)
    # The demo is written as of 00:01 yesterday, so yesterday's 08:00 doses are still open: `take --at
    # "<yesterday> 08:00"` then always logs a real dose (and `undo` reopens it for the next run).
    yesterday = SystemClock(zone).today() - timedelta(days=1)
    as_of = datetime.combine(yesterday, clock_time(0, 1), tzinfo=zone)
    journals: dict[int, Path] = {}
    rows: list[Row] = []
    for years in (1, 10):
        path = root / f"journal-{years}y.db"
        doses, size_mb, seconds = build_journal(path, years, as_of, zone)
        journals[years] = path
        rows.append(
            Row(
                f"demo journal, {years} year{'s' if years > 1 else ''}",
                f"{doses:,} doses, {size_mb:.1f} MB",
                ratio="—",
                target="—",
                result=f"built in {seconds:.1f} s",
            )
        )
    env = clean_env(root, python, journals[10])
    return Setup(root, python, script, env, zone, journals, yesterday), rows


# -- the figures ---------------------------------------------------------------------------------------------


def bench_today(setup: Setup, n: int, warmups: int) -> tuple[list[Row], Series]:
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
    ]
    return rows, today


def bench_today_rss(setup: Setup) -> list[Row]:
    today = peak_rss_mb([setup.rpltrack, "today"], setup.env, setup.root, RSS_RUNS)
    bare = peak_rss_mb([setup.python, "-c", "pass"], setup.env, setup.root, RSS_RUNS)
    return [Row("`rpltrack today` peak RSS", mb(today), mb(bare), f"{today / bare:.2f}x")]


def logged_at_slot(setup: Setup, med: str, slot_at: datetime) -> list[dict[str, object]]:
    """`rpltrack log --json` entries of `med` for the dose scheduled at `slot_at`."""
    day = slot_at.date().isoformat()
    result = run_child([setup.rpltrack, "log", "--from", day, "--to", day, "--json"], setup.env, setup.root)
    if result.returncode != 0:
        raise BenchError(f"rpltrack log failed: {result.stderr.strip()}")
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
                f"`rpltrack take {med}` refused (exit {result.returncode}): {result.stderr.strip()[:160]}…"
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
        )
    ]
    return rows, note


def bench_growth(setup: Setup, n: int, warmups: int) -> list[Row]:
    cmd = [setup.rpltrack, "today", "--db"]
    big, small = compare(
        ("today, 10-year journal", [*cmd, str(setup.journals[10])]),
        ("today, 1-year journal", [*cmd, str(setup.journals[1])]),
        setup.env,
        setup.root,
        n,
        warmups,
    )
    ratio = big.median_s / small.median_s
    return [
        Row(
            "growth: `rpltrack today`, 10-year vs 1-year journal",
            ms(big.median_s),
            ms(small.median_s),
            f"{ratio:.2f}x",
            f"≤ {GROWTH_MAX_RATIO}x (flat)",
            verdict(ratio <= GROWTH_MAX_RATIO),
        )
    ]


def paint_of(result: Run) -> tuple[float, str]:
    lines = result.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}
    if result.returncode == 3:
        raise BenchError(str(report.get("error", "the TUI module is missing")))
    if result.returncode != 0 or report.get("first_paint_s") is None:
        raise BenchError(f"first_paint.py exit {result.returncode}: {result.stderr.strip()[-600:]}")
    return float(report["first_paint_s"]), str(report.get("screen", "?"))


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
        Row("TUI peak RSS (to first paint)", mb(tui_rss), mb(minimal_rss), f"{tui_rss / minimal_rss:.2f}x"),
    ]


# -- import time ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportTime:
    module: str
    depth: int
    self_us: float
    cumulative_us: float


def import_times(setup: Setup, runs: int) -> list[ImportTime]:
    """Per-module medians over `runs` runs of `python -X importtime rpltrack today` (warm caches)."""
    cmd = [setup.python, "-X", "importtime", setup.rpltrack, "today"]
    samples: dict[str, list[tuple[int, int, int]]] = {}
    for _ in range(runs):
        result = run_child(cmd, setup.env, setup.root)
        for line in result.stderr.splitlines():
            if not line.startswith("import time:") or "imported package" in line:
                continue
            self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
            depth = (len(name) - len(name.lstrip(" "))) // 2
            samples.setdefault(name.strip(), []).append((depth, int(self_us), int(cumulative_us)))
    return [
        ImportTime(
            module,
            values[0][0],
            statistics.median(v[1] for v in values),
            statistics.median(v[2] for v in values),
        )
        for module, values in samples.items()
    ]


def print_import_times(times: list[ImportTime], total_s: float) -> None:
    def show(title: str, chosen: list[ImportTime]) -> None:
        print(title)
        print(f"  {'cumulative':>10}  {'self':>8}  module (indent = imported by the line above it)")
        for t in chosen:
            indent = "  " * t.depth
            print(f"  {t.cumulative_us / 1000:>7.1f} ms  {t.self_us / 1000:>5.1f} ms  {indent}{t.module}")

    print()
    show(
        "`rpltrack today`: top 10 modules by cumulative import time (python -X importtime, median)",
        sorted(times, key=lambda t: t.cumulative_us, reverse=True)[:10],
    )
    print()
    show(
        "… and top 10 by self time (the module's own code, imports excluded)",
        sorted(times, key=lambda t: t.self_us, reverse=True)[:10],
    )
    top_level = sum(t.cumulative_us for t in times if t.depth == 0) / 1e6
    textual = "yes" if any(t.module == "textual" for t in times) else "no"
    print(
        f"  all imports: {top_level * 1000:.0f} ms of the {total_s * 1000:.0f} ms median run; "
        f"{len(times)} modules; textual imported: {textual}"
    )


# -- main ----------------------------------------------------------------------------------------------------


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
        today_series: Series | None = None

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

        def today() -> list[Row]:
            nonlocal today_series
            measured, today_series = bench_today(setup, n, warmups)
            return measured

        def take() -> list[Row]:
            measured, note = bench_take(setup, n, warmups)
            if note:
                notes.append(note)
            return measured

        section("rpltrack today", today)
        section("rpltrack today peak RSS", lambda: bench_today_rss(setup))
        section("rpltrack take", take)
        section("growth", lambda: bench_growth(setup, n, warmups))
        section("TUI first paint", lambda: bench_tui(setup, n, warmups))
        print()
        print_table(rows)
        for note in notes:
            print(f"note: {note}")
        try:
            times = import_times(setup, max(3, n // 3))
            print_import_times(times, today_series.median_s if today_series else float("nan"))
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
    except Exception:
        traceback.print_exc()
    sys.exit(0)
