"""Reading one secret from the Secret Service (the OS keyring on Linux) in a few milliseconds.

`keyring` finds its backend by loading every installed one (about 80 ms of imports) and opens a fresh D-Bus
connection per call (20 to 100 ms more): several times what `rpltrack today` takes in all, and the journal's
key is read on every open. Even jeepney, the D-Bus library under secretstorage, costs 10 ms to import (it
brings typing). So the key is read here over the session bus with the little of D-Bus it needs: connect to
the bus's Unix socket, authenticate as this user (EXTERNAL), Hello, then three calls of the Secret Service
API: OpenSession("plain"), SearchItems on the default collection with the attributes `keyring` writes
({service, username}), GetSecret. Writing and deleting stay with `keyring` (crypto.py), and anything this
reader does not understand (another kind of bus address, an unexpected answer) is reported as unavailable,
so the caller asks `keyring` itself.

The secret travels over the user's own session bus with the Secret Service's "plain" algorithm, as
secretstorage does when it has no cryptography library: the bus is a local socket only this user reaches.
Nothing here asks for anything: a locked keyring is reported, never unlocked with a prompt.
"""

from __future__ import annotations

import os
import struct

BUS_NAME = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
DEFAULT_COLLECTION = "/org/freedesktop/secrets/aliases/default"
TIMEOUT_S = 2.0  # a Secret Service that is activatable but never starts must not hold a command
METHOD_CALL, METHOD_RETURN, ERROR = 1, 2, 3
PATH, INTERFACE, MEMBER, ERROR_NAME, REPLY_SERIAL, DESTINATION, SIGNATURE = 1, 2, 3, 4, 5, 6, 8
ALIGN = {"y": 1, "g": 1, "b": 4, "i": 4, "u": 4, "n": 2, "q": 2, "x": 8, "t": 8, "d": 8, "s": 4, "o": 4}
FIXED = {"y": "B", "b": "I", "i": "i", "u": "I", "n": "h", "q": "H", "x": "q", "t": "Q", "d": "d"}


class SecretServiceUnavailable(Exception):
    """No session bus, no Secret Service, or its collection or item is locked (the message says which)."""

    def __init__(self, reason: str, *, locked: bool = False) -> None:
        super().__init__(reason)
        self.locked = locked


# -- the wire format (the D-Bus specification, "Message Protocol") ------------------------------------------


class _Writer:
    """Marshals values little-endian, aligned from the start of what it writes."""

    def __init__(self) -> None:
        self.data = bytearray()

    def pad(self, size: int) -> None:
        self.data += b"\0" * (-len(self.data) % size)

    def u32(self, value: int) -> None:
        self.pad(4)
        self.data += struct.pack("<I", value)

    def string(self, text: str) -> None:  # s and o
        raw = text.encode("utf-8")
        self.u32(len(raw))
        self.data += raw + b"\0"

    def signature(self, text: str) -> None:  # g
        raw = text.encode("ascii")
        self.data += bytes([len(raw)]) + raw + b"\0"


def _end_of_type(sig: str, at: int) -> int:
    """The index just past the single complete type starting at sig[at]."""
    if sig[at] == "a":
        return _end_of_type(sig, at + 1)
    if sig[at] in "({":
        close, depth, i = {"(": ")", "{": "}"}[sig[at]], 0, at
        while True:
            if sig[i] in "({":
                depth += 1
            elif sig[i] in ")}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
            if i >= len(sig):
                raise ValueError(f"unbalanced signature {sig!r} (wanted {close})")
    return at + 1


class _Reader:
    """Unmarshals a body (or a header) by its signature."""

    def __init__(self, data: bytes, order: str) -> None:
        self.data, self.order, self.at = data, order, 0

    def pad(self, size: int) -> None:
        self.at += -self.at % size

    def take(self, sig: str) -> list[object]:
        values, i = [], 0
        while i < len(sig):
            end = _end_of_type(sig, i)
            values.append(self.one(sig[i:end]))
            i = end
        return values

    def one(self, sig: str) -> object:
        code = sig[0]
        if code in FIXED:
            fmt = FIXED[code]
            self.pad(ALIGN[code])
            (value,) = struct.unpack_from(self.order + fmt, self.data, self.at)
            self.at += struct.calcsize(fmt)
            return value
        if code in "so":
            length = self.u32()
            text = self.data[self.at : self.at + length].decode("utf-8")
            self.at += length + 1
            return text
        if code == "g":
            length = self.data[self.at]
            text = self.data[self.at + 1 : self.at + 1 + length].decode("ascii")
            self.at += length + 2
            return text
        if code == "v":
            return self.one(str(self.one("g")))
        if code == "a":
            length = self.u32()
            inner = sig[1:]
            self.pad(8 if inner[0] in "({xtd" else ALIGN.get(inner[0], 1))
            end, items = self.at + length, []
            while self.at < end:
                items.append(self.one(inner))
            if inner == "y":
                return bytes(b for b in items if isinstance(b, int))
            return items
        if code in "({":
            self.pad(8)
            return tuple(self.take(sig[1:-1]))
        raise ValueError(f"cannot read D-Bus type {code!r}")

    def u32(self) -> int:
        self.pad(4)
        (value,) = struct.unpack_from(self.order + "I", self.data, self.at)
        self.at += 4
        return int(value)


def _message(
    serial: int, destination: str, path: str, interface: str, member: str, sig: str, body: bytes
) -> bytes:
    header = _Writer()
    header.data += b"l" + bytes([METHOD_CALL, 0, 1]) + struct.pack("<II", len(body), serial)
    header.u32(0)  # the header fields' length, set below
    fields = [
        (PATH, "o", path),
        (INTERFACE, "s", interface),
        (MEMBER, "s", member),
        (DESTINATION, "s", destination),
    ]
    if sig:
        fields.append((SIGNATURE, "g", sig))
    for code, kind, value in fields:
        header.pad(8)
        header.data.append(code)
        header.signature(kind)
        if kind == "g":
            header.signature(value)
        else:
            header.string(value)
    header.data[12:16] = struct.pack("<I", len(header.data) - 16)
    header.pad(8)
    return bytes(header.data) + body


class _Bus:
    """One connection to the session bus: authenticated, said Hello, calls answered in turn."""

    def __init__(self) -> None:
        # heavy: socket
        import socket

        self.serial = 0
        address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
        target = _unix_target(address)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT_S)
        try:
            self.sock.connect(target)
            uid = str(os.getuid()).encode().hex()
            self.sock.sendall(b"\0AUTH EXTERNAL " + uid.encode() + b"\r\n")
            if not self._line().startswith(b"OK "):
                raise SecretServiceUnavailable("the session bus did not accept this user")
            self.sock.sendall(b"BEGIN\r\n")
            self.call(
                "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", "", b""
            )
        except BaseException:
            self.sock.close()
            raise

    def _line(self) -> bytes:
        """The bus's answer to AUTH: one line, and nothing after it until BEGIN is sent."""
        line = b""
        while not line.endswith(b"\r\n"):
            chunk = self.sock.recv(512)
            if not chunk:
                raise SecretServiceUnavailable("the session bus closed the connection")
            line += chunk
        return line

    def _exactly(self, size: int) -> bytes:
        parts, left = [], size
        while left:
            chunk = self.sock.recv(left)
            if not chunk:
                raise SecretServiceUnavailable("the session bus closed the connection")
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    def call(
        self, destination: str, path: str, interface: str, member: str, sig: str, body: bytes
    ) -> list[object]:
        """Call a method and return its answer's values; an error answer raises SecretServiceUnavailable."""
        self.serial += 1
        self.sock.sendall(_message(self.serial, destination, path, interface, member, sig, body))
        while True:  # signals (NameAcquired) may come first
            fixed = self._exactly(16)
            order = "<" if fixed[:1] == b"l" else ">"
            kind = fixed[1]
            body_length, _, fields_length = struct.unpack_from(order + "III", fixed, 4)
            rest = self._exactly(fields_length + (-(16 + fields_length) % 8) + body_length)
            header = _Reader(fixed + rest[:fields_length], order)
            header.at = 12  # the header fields: an a(yv) aligned from the message's start
            found = header.one("a(yv)")
            assert isinstance(found, list)
            fields: dict[int, object] = {}
            for entry in found:
                assert isinstance(entry, tuple)
                fields[int(str(entry[0]))] = entry[1]
            if kind not in (METHOD_RETURN, ERROR) or fields.get(REPLY_SERIAL) != self.serial:
                continue
            if kind == ERROR:
                name = str(fields.get(ERROR_NAME, ""))
                raise SecretServiceUnavailable(
                    f"the Secret Service said {name}", locked=name.endswith("IsLocked")
                )
            start = fields_length + (-(16 + fields_length) % 8)
            return _Reader(rest[start:], order).take(str(fields.get(SIGNATURE, "")))

    def close(self) -> None:
        self.sock.close()


def _unquote(text: str) -> bytes:
    """A D-Bus address value with its %XX escapes undone (urllib.parse would cost milliseconds to import)."""
    raw, i = bytearray(), 0
    while i < len(text):
        if text[i] == "%" and i + 2 < len(text):
            raw.append(int(text[i + 1 : i + 3], 16))
            i += 3
        else:
            raw += text[i].encode()
            i += 1
    return bytes(raw)


def _unix_target(address: str) -> str | bytes:
    """Where a bus address's first Unix socket is: a path, or an abstract name (b"\\0…")."""
    for entry in address.split(";"):
        transport, _, options = entry.partition(":")
        if transport != "unix":
            continue
        found = dict(option.partition("=")[::2] for option in options.split(",") if option)
        if "path" in found:
            return _unquote(found["path"]).decode()
        if "abstract" in found:
            return b"\0" + _unquote(found["abstract"])
    raise SecretServiceUnavailable(
        "no Unix socket in the session bus address" if address else "no session bus"
    )


def lookup(service: str, username: str) -> str | None:
    """The secret kept for (service, username) in the default collection, or None when there is none.
    Raises SecretServiceUnavailable when the keyring cannot be asked (no bus, no service) or is locked."""
    try:
        bus = _Bus()
    except SecretServiceUnavailable:
        raise
    except (OSError, ValueError, struct.error) as exc:
        raise SecretServiceUnavailable(f"the session bus cannot be reached ({type(exc).__name__})") from None
    try:
        opened = _Writer()
        opened.string("plain")
        opened.signature("s")
        opened.string("")
        session = str(
            bus.call(
                BUS_NAME,
                SERVICE_PATH,
                "org.freedesktop.Secret.Service",
                "OpenSession",
                "sv",
                bytes(opened.data),
            )[1]
        )
        query = _Writer()
        query.u32(0)
        query.pad(8)
        start = len(query.data)
        for key, value in (("service", service), ("username", username)):
            query.pad(8)
            query.string(key)
            query.string(value)
        query.data[0:4] = struct.pack("<I", len(query.data) - start)
        items = bus.call(
            BUS_NAME,
            DEFAULT_COLLECTION,
            "org.freedesktop.Secret.Collection",
            "SearchItems",
            "a{ss}",
            bytes(query.data),
        )[0]
        assert isinstance(items, list)
        for item in items:
            asked = _Writer()
            asked.string(session)
            secret = bus.call(
                BUS_NAME, str(item), "org.freedesktop.Secret.Item", "GetSecret", "o", bytes(asked.data)
            )[0]
            assert isinstance(secret, tuple)
            assert isinstance(secret[2], bytes)
            return secret[2].decode("utf-8")
        return None
    except SecretServiceUnavailable:
        raise
    except Exception as exc:  # a timeout, a bus that went away, an answer of another shape
        raise SecretServiceUnavailable(f"the Secret Service did not answer ({type(exc).__name__})") from None
    finally:
        bus.close()
