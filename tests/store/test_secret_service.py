"""The Secret Service reader (store/secret_service.py) against a real gnome-keyring on a private bus: it finds
what `keyring` wrote, says None for what it did not, and reports (never prompts) when it cannot ask."""

from __future__ import annotations

import sys

import keyring
import pytest

from rpltrack.store import crypto
from rpltrack.store.secret_service import SecretServiceUnavailable, _unix_target, lookup
from tests.keyring_fixture import OsKeyring


def test_it_reads_what_keyring_wrote_and_nothing_else(os_keyring: OsKeyring, unique_name: str) -> None:
    keyring.set_password("rpltrack", unique_name, "a" * 64)
    keyring.set_password("rpltrack", unique_name + "-other", "b" * 64)
    keyring.set_password("another service", unique_name, "c" * 64)
    assert lookup("rpltrack", unique_name) == "a" * 64
    assert lookup("rpltrack", unique_name + "-missing") is None
    keyring.delete_password("rpltrack", unique_name)
    assert lookup("rpltrack", unique_name) is None


def test_a_key_in_the_keyring_is_found_without_the_keyring_library(
    os_keyring: OsKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path alone finds the journal's key (the `keyring` module is made unimportable)."""
    key = crypto.JournalKey(bytes(range(32)), bytes(range(16)))
    assert crypto.store_key(key) == ""
    crypto.forget_in_process()
    with monkeypatch.context() as patched:
        patched.setitem(sys.modules, "keyring", None)
        assert crypto.stored_key(key.salt) == key
    assert crypto.delete_stored_key(key.salt)
    assert crypto.stored_key(key.salt) is None


def test_without_a_bus_or_a_service_it_says_unavailable(
    monkeypatch: pytest.MonkeyPatch, os_keyring: OsKeyring
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    with pytest.raises(SecretServiceUnavailable, match="no session bus"):
        lookup("rpltrack", "x")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    with pytest.raises(SecretServiceUnavailable, match="cannot be reached"):
        lookup("rpltrack", "x")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "tcp:host=localhost,port=1")
    with pytest.raises(SecretServiceUnavailable, match="no Unix socket"):
        lookup("rpltrack", "x")


def test_bus_addresses_are_read_as_dbus_writes_them() -> None:
    assert _unix_target("unix:path=/run/user/1000/bus") == "/run/user/1000/bus"
    assert _unix_target("unix:abstract=/tmp/dbus-AbC,guid=12") == b"\0/tmp/dbus-AbC"
    assert _unix_target("tcp:host=x,port=1;unix:path=/tmp/a%20b") == "/tmp/a b"
