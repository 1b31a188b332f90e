"""Checks the import linter cannot make: lazy imports on CLI read paths, the clock, network, writes."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rpltrack.cli.main import main

SRC = Path(__file__).resolve().parents[1] / "src" / "rpltrack"

PROBE = """
import json, sys
from rpltrack.cli.main import main
rc = main(json.loads(sys.argv[1]))
tops = {m.split(".")[0] for m in sys.modules}
heavy = sorted(tops & {"textual", "sqlite_utils", "rich", "typing", "dataclasses", "inspect", "secrets"})
commands = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("rpltrack.cli."))
print(json.dumps({"rc": rc, "heavy": heavy, "cli": commands}))
"""


@pytest.fixture(scope="module")
def journal_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("arch") / "journal.db"
    for args in (
        ["med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-01-01"],
        ["med", "add", "paracetamol", "--dose", "500 mg", "--prn"],
    ):
        assert main(["--db", str(path), "--tz", "Europe/London", *args]) == 0
    return path


@pytest.mark.parametrize(
    "command",
    [["today"], ["today", "--json"], ["take", "paracetamol"], ["med", "list"], ["log"], ["log", "--json"]],
    ids=lambda c: " ".join(c),
)
def test_cli_read_paths_never_import_textual_or_sqlite_utils(journal_path, command, capsys):
    """The quick commands start fast: no Textual, no sqlite-utils (about 0.2 and 0.1 s to import), no
    dataclasses (inspect comes with it: about 9 ms; the domain classes are `record`s) and no secrets (hashlib
    and random: about 7 ms; the calendar id is read from os.urandom) and no typing (2 to 3 ms: the modules
    these commands import say `TYPE_CHECKING = False`, as tests/test_deferred_imports.py holds them to)."""
    capsys.readouterr()
    argv = ["--db", str(journal_path), "--tz", "Europe/London", *command]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["rc"], result["heavy"]) == (0, [])
    # Only the module that registers the command is imported, not the other nine.
    expected = {"med": "meds"}.get(command[0], "doses")
    assert set(result["cli"]) - {"main", "context", "output", "stream", "entry"} == {expected}


def test_remind_once_never_imports_textual_or_sqlite_utils(journal_path, tmp_path):
    """`rpltrack remind --once` runs every minute from a timer: with nothing to send it stays on the quick
    path (no Textual, sqlite-utils, rich or typing; desktop-notifier only when something is sent)."""
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(PYTHONDONTWRITEBYTECODE="1", XDG_RUNTIME_DIR=str(tmp_path))  # never a real desktop
    argv = ["--db", str(journal_path), "--tz", "Europe/London", "remind", "--once", "--wait", "0"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["rc"], result["heavy"]) == (0, [])


def test_csv_export_and_import_never_import_textual_or_sqlite_utils(journal_path, tmp_path):
    """`export csv` and `import csv` do not open the TUI: no Textual (nor sqlite-utils, rich or typing)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    folder = str(tmp_path / "export")
    for argv in (
        ["--db", str(journal_path), "--tz", "Europe/London", "export", "csv", "--out", folder],
        ["--db", str(tmp_path / "copy.db"), "--tz", "Europe/London", "import", "csv", folder],
    ):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, json.dumps(argv)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert (result["rc"], result["heavy"]) == (0, [])


def _python_files() -> list[Path]:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 20
    return files


def _calls(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = func.value
                owner_name = (
                    owner.id
                    if isinstance(owner, ast.Name)
                    else owner.attr
                    if isinstance(owner, ast.Attribute)
                    else ""
                )
                found.append((f"{owner_name}.{func.attr}", node.lineno))
            elif isinstance(func, ast.Name):
                found.append((func.id, node.lineno))
    return found


def test_only_clock_reads_the_wall_clock():
    """RELIABILITY C13."""
    banned = {
        "datetime.now",
        "date.today",
        "time.time",
        "datetime.utcnow",
        "datetime.today",
        "time.monotonic",
    }
    offenders = []
    for path in _python_files():
        if path.name == "clock.py" and path.parent == SRC:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, line in _calls(tree):
            if name in banned or name.endswith(".utcnow"):
                offenders.append(f"{path.relative_to(SRC)}:{line} {name}()")
    assert offenders == []


def test_no_network_modules_in_src():
    """RELIABILITY F3."""
    banned = {"socket", "urllib", "http", "requests", "httpx", "aiohttp", "urllib3", "ftplib", "smtplib"}
    offenders = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)} {n}"
                for n in names
                if n.split(".")[0] in banned
                # the keyring reader's Unix socket to the session bus (#17; tests/test_privacy.py checks it)
                and not (n == "socket" and path == SRC / "store" / "secret_service.py")
            ]
    assert offenders == []


def test_every_write_transaction_goes_through_write_txn():
    """RELIABILITY A3: no executescript, .atomic(, .begin(, no raw BEGIN outside store/db.py's write_txn."""
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed: set[int] = set()
        if path == SRC / "store" / "db.py":
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name == "write_txn":
                    allowed = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        for name, line in _calls(tree):
            if name.split(".")[-1] in ("executescript", "atomic", "begin"):
                offenders.append(f"{path.relative_to(SRC)}:{line} {name}()")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.strip().upper().startswith("BEGIN")
                and node.lineno not in allowed
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} {node.value!r}")
    assert offenders == []


def test_the_scan_would_catch_an_offender():
    """The AST helpers are not vacuous: they see the calls they look for."""
    tree = ast.parse("import datetime\ndatetime.datetime.now()\nconn.executescript('BEGIN; x')\n")
    assert [n for n, _ in _calls(tree)] == ["datetime.now", "conn.executescript"]


def _imports_dataclasses(tree: ast.AST) -> list[int]:
    def names_it(node: ast.AST) -> bool:
        if isinstance(node, ast.Import):
            return any(a.name == "dataclasses" for a in node.names)
        return isinstance(node, ast.ImportFrom) and node.module == "dataclasses"

    return [node.lineno for node in ast.walk(tree) if names_it(node) and isinstance(node, ast.stmt)]


def test_app_classes_are_records_not_dataclasses():
    """Every class of the app is a `record` (domain/records.py): `dataclasses.replace` refuses a record, and
    importing dataclasses costs the quick commands about 9 ms, so only records.py may name it."""
    offenders = [
        f"{path.relative_to(SRC)}:{line}"
        for path in _python_files()
        if path.name != "records.py"
        for line in _imports_dataclasses(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []
    assert _imports_dataclasses(ast.parse("from dataclasses import replace\nimport dataclasses")) == [1, 2]
