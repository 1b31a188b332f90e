"""A real OS keyring for the tests (KEYRING.md): gnome-keyring-daemon's Secret Service on a private D-Bus,
started once per test session (per xdist worker), unlocked, in folders of its own. `os_keyring` points the
test (and its subprocesses) at it; without it no test reaches any keyring at all. A missing component
skips the test locally and fails it in CI (CI set), where .ci/run installs gnome-keyring and dbus.

Also here: every test starts with no journal key kept in the process's memory (store.crypto).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rpltrack.store import crypto

BUSCONF = Path(__file__).resolve().parent / "reminders" / "busconf.xml"
APT = "apt-get install -y gnome-keyring dbus"


@dataclass(frozen=True)
class OsKeyring:
    """Where the private Secret Service is: the environment that reaches it."""

    env: dict[str, str]

    def apply(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)


def _need(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    message = f"needs {', '.join(missing)} on PATH (Debian: {APT})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must install it")
    pytest.skip(message)


def _wait_for_secret_service(address: str, timeout: float = 10.0) -> int:
    """Until gnome-keyring owns org.freedesktop.secrets on the bus (it registers after daemonizing); returns
    its process id (it prints none when started with --unlock), so the fixture can stop it."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    bus = DBusAddress(
        "/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus"
    )
    conn = open_dbus_connection(bus=address)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = conn.send_and_get_reply(
                new_method_call(bus, "NameHasOwner", "s", ("org.freedesktop.secrets",))
            )
            if reply.body[0]:
                owner = conn.send_and_get_reply(
                    new_method_call(bus, "GetConnectionUnixProcessID", "s", ("org.freedesktop.secrets",))
                )
                return int(owner.body[0])
            time.sleep(0.05)
    finally:
        conn.close()
    raise AssertionError("gnome-keyring-daemon did not register the Secret Service on the test bus")


@pytest.fixture(scope="session")
def _keyring_daemon() -> Iterator[OsKeyring]:
    _need("dbus-daemon", "gnome-keyring-daemon")
    root = Path(tempfile.mkdtemp(prefix="rpltrack-keyring-"))
    procs: list[subprocess.Popen[str]] = []
    keyring_pid: int | None = None
    try:
        runtime, home = root / "run", root / "home"
        runtime.mkdir(mode=0o700)
        home.mkdir(mode=0o700)
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={BUSCONF}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        assert address.startswith("unix:"), "dbus-daemon did not start"
        env = {
            "DBUS_SESSION_BUS_ADDRESS": address,
            "XDG_RUNTIME_DIR": str(runtime),
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CONFIG_HOME": str(home / ".config"),
        }
        started = subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"],
            input="test-login-password\n",
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=30,
            check=True,
        )
        assert started.returncode == 0
        keyring_pid = _wait_for_secret_service(address)
        yield OsKeyring({"DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": str(runtime)})
    finally:
        if keyring_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(keyring_pid, 15)
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def os_keyring(_keyring_daemon: OsKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[OsKeyring]:
    """The real keyring for this test (and the subprocesses it starts): `keyring` picks the Secret Service
    afresh, and rpltrack reads it through its own fast path too."""
    import keyring
    import keyring.core

    _keyring_daemon.apply(monkeypatch)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    keyring.core._keyring_backend = None  # choose again, now that a Secret Service is there
    keyring.set_keyring(keyring.core.load_keyring("keyring.backends.SecretService.Keyring"))
    yield _keyring_daemon
    keyring.core._keyring_backend = None


@pytest.fixture(autouse=True)
def _no_keys_kept_in_memory() -> Iterator[None]:
    """Each test starts (and leaves) with no journal key in the process's memory."""
    crypto.forget_in_process()
    yield
    crypto.forget_in_process()


@pytest.fixture
def unique_name() -> str:
    return uuid.uuid4().hex
