"""Imports inside functions stay only where they pay for themselves (#19).

Outside the TUI, a function-level import of anything but a heavy or optional library needs a reason comment
on the line directly above it: `# cycle: ...` (hoisting it would make an import cycle), `# quick path: ...`
(a quick command would import something it does not import now), or `# platform: ...`. The reasons are
checked too: a cycle claim names a module that really imports this one at module level, and a quick-path
claim names a command that really does not import the module today.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rpltrack.cli.main import main

SRC = Path(__file__).resolve().parents[1] / "src" / "rpltrack"

# Libraries whose import costs a quick command real time, or that may be missing (an optional extra): a
# function-level import of these needs no reason (a comment saying "heavy: ..." is still the custom).
HEAVY = frozenset(
    {
        "textual",
        "rich",
        "sqlite_utils",
        "icalendar",
        "desktop_notifier",
        "dbus_fast",
        "jeepney",
        "dateutil",
        # standard library modules that are slow to import and off the quick path
        "asyncio",
        "subprocess",
        "tempfile",
        "shutil",
        "inspect",
        "traceback",
        "socket",
        "hashlib",
        "plistlib",
        "shlex",
        "dataclasses",
        "secrets",
        "getpass",
        "textwrap",
    }
)
OPTIONAL = frozenset({"keyring", "sqlcipher3", "zxcvbn"})  # the `encrypted` extra
PLATFORM_ONLY = frozenset({"fcntl", "msvcrt", "winreg", "termios"})
EXEMPT = HEAVY | OPTIONAL | PLATFORM_ONLY

REASON = re.compile(r"#\s*(cycle|quick path|platform):\s*\S")
CYCLE = re.compile(r"#\s*cycle:\s*([\w.]+) imports ([\w.]+) at module level")
QUICK = re.compile(r"#\s*quick path:\s*`([^`]+)`.*?would import ([\w.]+)")
PACKAGES = ("cli", "clock", "domain", "export", "flags", "paths", "reminders", "store", "tui")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, *, in_functions: bool) -> list[ast.Import | ast.ImportFrom]:
    """The import statements inside function bodies (in_functions) or outside them, never those under
    `if TYPE_CHECKING:` (they do not run)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for other in node.orelse:
                walk(other, in_function)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if in_function == in_functions:
                found.append(node)
        else:
            inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            for child in ast.iter_child_nodes(node):
                walk(child, inner)

    walk(tree, False)
    return found


def _imported(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The modules an import statement loads (absolute), without the names taken from them."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".")[: -node.level]
        base = ".".join([*package, base] if base else package)
    return [base]


def _targets(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The modules an import statement names: those it loads, and for `from pkg import name`, pkg.name
    (a submodule, when it is one)."""
    if isinstance(node, ast.Import):
        return _imported(node, module)
    base = _imported(node, module)[0]
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _full_name(short: str) -> str:
    return f"rpltrack.{short}" if short.split(".")[0] in PACKAGES else short


def _sources() -> list[tuple[str, str]]:
    files = [p for p in sorted(SRC.rglob("*.py")) if "tui" not in p.relative_to(SRC).parts]
    assert len(files) > 50
    return [(_module_name(p), p.read_text(encoding="utf-8")) for p in files]


def deferred_without_reason(module: str, source: str) -> list[str]:
    """`module:line statement` for each function-level import in `source` that is not exempt and has no
    reason comment on the line directly above it."""
    lines = source.splitlines()
    offenders = []
    for node in _imports(ast.parse(source), in_functions=True):
        if all(name.split(".")[0] in EXEMPT for name in _imported(node, module)):
            continue
        above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
        if not REASON.match(above):
            offenders.append(f"{module}:{node.lineno} {ast.unparse(node)}")
    return offenders


def reason_comments(module: str, source: str) -> list[tuple[str, ast.Import | ast.ImportFrom]]:
    """(comment, import) for each function-level import with a reason comment directly above it."""
    lines = source.splitlines()
    found = []
    for node in _imports(ast.parse(source), in_functions=True):
        above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
        if REASON.match(above):
            found.append((above, node))
    return found


def test_every_deferred_import_is_heavy_or_says_why():
    offenders = [line for module, source in _sources() for line in deferred_without_reason(module, source)]
    assert offenders == [], "hoist these to module level, or say why on the line above (see this test)"


def test_the_check_would_catch_an_unexplained_deferred_import():
    """Not vacuous: an uncommented or vaguely commented deferred import fails; heavy ones, explained ones,
    module-level ones and those under TYPE_CHECKING pass."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "import json\n"
        "if TYPE_CHECKING:\n"
        "    from rpltrack.store.journal import Journal\n"
        "def f():\n"
        "    import asyncio\n"
        "    from icalendar import Event\n"
        "    import keyring.errors\n"
        "    # quick path: `today` would import domain.medspec (+1 ms)\n"
        "    from rpltrack.domain.medspec import parse_date\n"
        "    # cycle: store.crypto imports store.db at module level\n"
        "    from rpltrack.store.crypto import WrongKey\n"
        "    if TYPE_CHECKING:\n"
        "        from rpltrack.store.doses import HistoryEntry\n"
        "    from rpltrack.domain.labs import day_words\n"
        "    # lazy, for speed\n"
        "    import re\n"
        "    def g():\n"
        "        from . import sibling\n"
    )
    assert deferred_without_reason("rpltrack.store.m", source) == [
        "rpltrack.store.m:15 from rpltrack.domain.labs import day_words",
        "rpltrack.store.m:17 import re",
        "rpltrack.store.m:19 from . import sibling",
    ]


def test_every_cycle_reason_names_a_real_module_level_import():
    """`# cycle: A imports B at module level` above an import of A in module B: A really imports B (or a
    module inside it) outside functions, so hoisting would close the loop."""
    sources = dict(_sources())
    claims = []
    for module, source in sources.items():
        for comment, node in reason_comments(module, source):
            if comment.startswith("# cycle:"):
                match = CYCLE.match(comment)
                assert match, f"{module}:{node.lineno}: write `# cycle: A imports B at module level`"
                claims.append((module, node, _full_name(match[1]), _full_name(match[2])))
    assert claims, "the scan finds the cycle reasons"
    for module, node, importer, imported in claims:
        assert imported == module, f"{module}:{node.lineno}: the cycle names {imported}, not this module"
        assert importer in _targets(node, module), f"{module}:{node.lineno}: the import is not of {importer}"
        top = _imports(ast.parse(sources[importer]), in_functions=False)
        named = {name for other in top for name in _targets(other, importer)}
        assert module in named, (
            f"{importer} no longer imports {module} at module level: hoist {module}'s import"
        )


QUICK_COMMANDS = {
    "today": ["today"],
    "today --json": ["today", "--json"],
    "take": ["take", "paracetamol"],
    "med list": ["med", "list"],
    "log": ["log"],
    "log --json": ["log", "--json"],
    "remind --once": ["remind", "--once", "--wait", "0"],
    "export csv": ["export", "csv", "--out", "{export}"],
    "import csv": ["import", "csv", "{export}"],
}
# The command's own arguments follow the probe's; it imports nothing itself (not even json) before the modules
# are listed, so that what the command imports is all that shows.
PROBE = """
import sys
from rpltrack.cli.main import main
rc = main(sys.argv[1:])
modules = sorted(sys.modules)
print("--- modules", rc)
print("\\n".join(modules))
"""


def _modules_after(argv: list[str], env: dict[str, str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("--- modules ", 1)[1].splitlines()
    assert listed[0] == "0", done.stdout
    return set(listed[1:])


@pytest.fixture(scope="module")
def quick_modules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """The modules each quick command has imported when it is done, run as a user would on a small journal."""
    tmp_path = tmp_path_factory.mktemp("quick")
    journal, export = tmp_path / "journal.db", tmp_path / "export"
    for args in (
        ["med", "add", "aspirin", "--dose", "81 mg", "--times", "08:00", "--start", "2026-01-01"],
        ["med", "add", "paracetamol", "--dose", "500 mg", "--prn"],
    ):
        assert main(["--db", str(journal), "--tz", "Europe/London", *args]) == 0
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(PYTHONDONTWRITEBYTECODE="1", XDG_RUNTIME_DIR=str(tmp_path))  # never a real desktop
    found = {}
    for command in sorted(QUICK_COMMANDS, key=lambda c: c == "import csv"):  # import csv reads export csv's
        db = tmp_path / "imported.db" if command == "import csv" else journal
        words = [w.format(export=export) for w in QUICK_COMMANDS[command]]
        found[command] = _modules_after(["--db", str(db), "--tz", "Europe/London", *words], env)
    return found


def test_every_quick_path_reason_names_a_module_the_command_does_not_import(quick_modules):
    """`# quick path: \\`cmd\\` would import X ...` above an import of X: `rpltrack cmd` really runs
    without X. Once a quick command imports X anyway, the deferral buys nothing and the import is hoisted."""
    claims: dict[str, list[tuple[str, str]]] = {}
    for module, source in _sources():
        for comment, node in reason_comments(module, source):
            match = QUICK.match(comment)
            if match is None:
                continue
            command, first = match[1], _full_name(match[2])
            assert command in QUICK_COMMANDS, f"{module}:{node.lineno}: {command!r} is not a quick command"
            assert first in _targets(node, module), f"{module}:{node.lineno}: the import is not of {first}"
            claims.setdefault(command, []).append((f"{module}:{node.lineno}", first))
    assert {"today", "take", "remind --once", "export csv"} <= set(claims)
    stale = [
        f"{where}: `{command}` imports {name} already"
        for command, named in claims.items()
        for where, name in named
        if name in quick_modules[command]
    ]
    assert stale == []


def test_typing_stays_out_of_the_quick_commands_and_the_trick_only_where_it_pays(quick_modules):
    """typing costs 2 to 3 ms to import (0.2 to 0.3 of `python -c pass`), so a module some quick command
    imports says `TYPE_CHECKING = False` (mypy reads it as typing's); every other module imports
    TYPE_CHECKING from typing, so the trick cannot spread past where it is measured to pay."""
    for command, modules in quick_modules.items():
        assert "typing" not in modules, f"`{command}` imports typing"
    quick = set().union(*quick_modules.values())
    tricked = {module for module, source in _sources() if "\nTYPE_CHECKING = False\n" in source}
    assert tricked, "the scan finds the modules that keep typing out"
    assert sorted(tricked - quick) == [], "no quick command imports these: `from typing import TYPE_CHECKING`"
