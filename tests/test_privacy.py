"""RELIABILITY F3 and C13 by scanning the source: no network code, no clock read outside rpltrack.clock."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "rpltrack"
NETWORK_MODULES = {"urllib", "http", "requests", "httpx", "socket", "ftplib", "smtplib", "aiohttp", "urllib3"}


def modules_imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_f3_no_network_ever() -> None:
    """F3: no module of rpltrack imports networking code (the suite's autouse fixture also refuses every
    socket connection but local unix sockets, so a connection attempt anywhere fails its test)."""
    offenders = {
        str(path.relative_to(SRC)): sorted(modules_imported(path) & NETWORK_MODULES)
        for path in SRC.rglob("*.py")
    }
    # The one exception (#17): the keyring reader speaks D-Bus over the session bus's Unix socket, and only
    # ever makes an AF_UNIX socket (test_the_keyring_reader_makes_only_unix_sockets).
    offenders.pop("store/secret_service.py", None)
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_keyring_reader_makes_only_unix_sockets() -> None:
    """store/secret_service.py, the one module that imports socket, creates sockets only of the AF_UNIX
    family (the local session bus), never an internet one."""
    tree = ast.parse((SRC / "store" / "secret_service.py").read_text(encoding="utf-8"))
    made = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "socket"
    ]
    assert made
    for call in made:
        family = call.args[0] if call.args else None
        assert isinstance(family, ast.Attribute)
        assert family.attr == "AF_UNIX"


def test_f3_the_suite_refuses_a_network_connection() -> None:
    """The guard itself works: an internet connection attempt fails the test that makes it."""
    with pytest.raises(AssertionError, match="network"):
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)


def _clock_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    calls: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else ""
            )
            if (name, node.func.attr) in {
                ("datetime", "now"),
                ("datetime", "utcnow"),
                ("date", "today"),
                ("time", "time"),
            }:
                calls.append(f"{path.relative_to(SRC)}:{node.lineno} {name}.{node.func.attr}()")
    return calls


def test_c13_no_direct_clock_calls() -> None:
    """C13: the wall clock is read only in rpltrack/clock.py; everything else takes `now` or a Clock."""
    calls = [c for path in SRC.rglob("*.py") if path.name != "clock.py" for c in _clock_calls(path)]
    assert calls == []
