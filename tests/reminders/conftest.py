"""Real notification servers for the reminder tests (NOTIFICATIONS.md recipes A and B).

`session_bus`: a private dbus-daemon from busconf.xml (no service activation). `fake_server`: recipe B, the
dbus-fast server in fake_server.py that records every Notify and can press a button. `dunst`: recipe A, dunst
on Xvfb, read back with `dunstctl history`. Every process is started inside try/finally and terminated and
reaped, so a failed setup leaves nothing running. A missing tool skips the test with a message, and fails it
in CI (CI set), where .ci/run installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
BUSCONF = HERE / "busconf.xml"
FAKE_SERVER = HERE / "fake_server.py"
APT = "apt-get install -y dbus xvfb dunst libnotify-bin"
READY_TIMEOUT = 10.0


@pytest.fixture(autouse=True)
def _no_desktop_of_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here reaches the developer's own desktop: the session bus is only ever the private one that
    `session_bus` starts (which sets the variable again), never one found in /run/user."""
    from rpltrack.reminders import notify

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "no-runtime-dir"))
    monkeypatch.setattr(notify, "USER_RUN_DIR", str(tmp_path / "no-run-user"))


def need(*tools: str) -> None:
    """Skip (locally) or fail (in CI) when a tool the test needs is missing."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    message = f"needs {', '.join(missing)} on PATH (Debian: {APT})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must install it")
    pytest.skip(message)


def _stop(procs: list[subprocess.Popen[Any]]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(procs):
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_until(check: Callable[[], bool], what: str, timeout: float = READY_TIMEOUT) -> None:
    """Poll an outside process's state (a server's log, a name on the bus) until `check` holds."""
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def session_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private session bus; DBUS_SESSION_BUS_ADDRESS points at it for the test and its children."""
    need("dbus-daemon")
    procs: list[subprocess.Popen[str]] = []
    try:
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={BUSCONF}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        assert address.startswith("unix:"), (
            f"dbus-daemon did not start: {bus.stderr.read() if bus.stderr else ''}"
        )
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        _stop(procs)


def name_has_owner(name: str = "org.freedesktop.Notifications") -> bool:
    """Asks the bus without ever activating anything (NOTIFICATIONS.md 2.2, pitfall 1)."""
    done = subprocess.run(
        [
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            f"string:{name}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return "boolean true" in done.stdout


@dataclass
class FakeServer:
    """Recipe B: what the server was asked to show, one dict per Notify call."""

    log: Path

    def records(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]

    def wait_for(self, count: int) -> list[dict[str, Any]]:
        wait_until(lambda: len(self.records()) >= count, f"{count} notification(s) at the fake server")
        return self.records()

    def closed(self) -> list[int]:
        """The ids that CloseNotification was called with."""
        path = self.log.with_name(f"{self.log.name}.closed")
        return [int(line) for line in path.read_text().split()] if path.exists() else []

    def press(self, ident: int, label: str) -> bool:
        """Press the button labelled `label` of notification `ident`; False when it has no such button."""
        done = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.Notifications",
                "/org/freedesktop/Notifications",
                "org.rpltrack.FakeServer.Press",
                f"uint32:{ident}",
                f"string:{label}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return "boolean true" in done.stdout


@pytest.fixture
def fake_server(session_bus: str, tmp_path: Path) -> Iterator[Callable[..., FakeServer]]:
    """Start the fake server on the private bus: `fake_server(auto_press="Taken", actions=True)`."""
    procs: list[subprocess.Popen[str]] = []

    def start(auto_press: str | None = None, actions: bool = True) -> FakeServer:
        log = tmp_path / f"notify-{len(procs)}.jsonl"
        argv = [sys.executable, str(FAKE_SERVER), str(log)]
        if auto_press:
            argv += ["--auto-press", auto_press]
        if not actions:
            argv.append("--no-actions")
        server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(server)
        assert server.stdout is not None
        line = server.stdout.readline().strip()
        assert line == "ready", (
            f"the fake server did not start: {server.stderr.read() if server.stderr else ''}"
        )
        return FakeServer(log)

    try:
        yield start
    finally:
        _stop(procs)


@dataclass
class Dunst:
    """Recipe A: dunst on Xvfb; `history()` is what it showed, newest first."""

    def history(self) -> list[dict[str, str]]:
        subprocess.run(["dunstctl", "close-all"], check=True, capture_output=True)
        done = subprocess.run(["dunstctl", "history"], check=True, capture_output=True, text=True)
        found = json.loads(done.stdout)["data"][0]
        return [{key: str(item[key]["data"]) for key in ("appname", "summary", "body")} for item in found]


@pytest.fixture
def dunstrc_extra() -> str:
    """More dunstrc for the `dunst` fixture (a test module overrides it)."""
    return ""


@pytest.fixture
def dunst(
    session_bus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dunstrc_extra: str
) -> Iterator[Dunst]:
    need("Xvfb", "dunst", "dunstctl", "dbus-send")
    procs: list[subprocess.Popen[bytes]] = []
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    try:
        read_end, write_end = os.pipe()
        try:
            xvfb = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                pass_fds=(write_end,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(xvfb)
            os.close(write_end)
            # Xvfb writes the number and the newline in two writes: read up to the newline (pitfall 2).
            display = b""
            while not display.endswith(b"\n"):
                chunk = os.read(read_end, 16)
                if not chunk:
                    break
                display += chunk
        finally:
            os.close(read_end)
        assert display.strip(), "Xvfb did not report a display"
        monkeypatch.setenv("DISPLAY", f":{display.decode().strip()}")
        rc = tmp_path / "dunstrc"
        rc.write_text("[global]\n    history_length = 100\n" + dunstrc_extra, encoding="utf-8")
        procs.append(
            subprocess.Popen(
                ["dunst", "-config", str(rc)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
        wait_until(name_has_owner, "dunst to own org.freedesktop.Notifications")
        yield Dunst()
    finally:
        _stop(procs)
