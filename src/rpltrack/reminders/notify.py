"""Delivering a reminder to the desktop, with a receipt: desktop-notifier first, then fallbacks.

desktop-notifier talks to the notification server over the session D-Bus (Linux), Notification Center (a
signed macOS app bundle) or WinRT; its dispatch callback is the receipt (its `send` never raises, so no
callback means not delivered). Fallbacks in order: notify-send, osascript on macOS, a terminal bell with a
log line (a receipt only when a terminal is there to see it). Timers and cron start us without
DBUS_SESSION_BUS_ADDRESS: `find_session_bus` locates the user's bus socket first.

Buttons ("Taken", "Snooze") work while this process keeps its event loop turning: `Outbox.wait` after a
one-shot run, `Outbox.idle` between the daemon's checks. A button exists only while something answers it:
when this process stops listening (`Outbox.release`, on every exit path it can catch), each notification it
showed with buttons that is still open is replaced in place (same server id: D-Bus `replaces_id`) by a copy
without buttons that says to open rpltrack to log it. Where each one is on screen (bus, server, listener, id)
goes into the reminder ledger; if a listener was killed before it could do that, the next run closes its
notifications (`withdraw_stale`).
"""

from __future__ import annotations

import abc
import contextlib
import logging
import os
import stat
import sys
import time
from typing import TYPE_CHECKING

from rpltrack.domain.reminder_words import Notice, Urgency

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
    from typing import Any, TextIO

    from desktop_notifier import DesktopNotifier

    # Called when a button is pressed: (the notice, 'taken' | 'snooze') -> a confirmation to show, or None.
    OnAction = Callable[[Notice, str], str | None]

APP_NAME = "rpltrack"
DISCREET_APP_NAME = "Reminder"
# The line a notification's buttons give way to when nothing answers them any more.
RELEASED = "Open rpltrack to log it."
DISCREET_RELEASED = "Open your tracker to log it."
BUS_NAME = "org.freedesktop.Notifications"
BUS_PATH = "/org/freedesktop/Notifications"
SEND_TIMEOUT = 5.0  # seconds a server may take to accept a notification before it counts as failed
USER_RUN_DIR = "/run/user"  # where systemd-logind puts each user's runtime dir (and session bus socket)


def find_session_bus(env: MutableMapping[str, str] | None = None) -> str | None:
    """The session bus address. When DBUS_SESSION_BUS_ADDRESS is unset (cron, some timers) and the user's bus
    socket exists ($XDG_RUNTIME_DIR/bus, else /run/user/UID/bus), the variable is set to it, as libnotify
    would find it; dbus-fast (under desktop-notifier) does not look there itself."""
    env = os.environ if env is None else env
    address = env.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    places = []
    if env.get("XDG_RUNTIME_DIR"):
        places.append(os.path.join(env["XDG_RUNTIME_DIR"], "bus"))
    if hasattr(os, "getuid"):
        places.append(os.path.join(USER_RUN_DIR, str(os.getuid()), "bus"))

    for place in places:
        try:
            if stat.S_ISSOCK(os.stat(place).st_mode):
                env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={place}"
                return env["DBUS_SESSION_BUS_ADDRESS"]
        except OSError:
            continue
    return None


class Backend(abc.ABC):
    """One way to show a notification. `deliver` returns True only on a receipt."""

    name = "backend"

    def __init__(self) -> None:
        self.problems: list[str] = []  # why deliveries failed (the outbox shares one list among its backends)

    def available(self) -> bool:
        return True

    @abc.abstractmethod
    def deliver(self, notice: Notice) -> bool:
        """Show `notice`; True only once the server confirmed it (the delivery receipt)."""

    def idle(self, seconds: float) -> None:
        """Let `seconds` pass, handling button presses meanwhile where the backend can."""
        time.sleep(seconds)

    def close(self) -> None:  # noqa: B027  # most backends hold no connection: nothing to release
        """Release the connection to the notification server, if any."""


class DesktopBackend(Backend):
    """desktop-notifier, with its own asyncio event loop kept between calls so button presses arrive."""

    name = "desktop-notifier"

    def __init__(self, on_action: OnAction | None = None) -> None:
        super().__init__()
        self.on_action = on_action
        self.outstanding: set[str] = set()  # notifications with buttons still on screen
        self._runner: asyncio.Runner | None = None
        self._notifiers: dict[str, DesktopNotifier] = {}
        self._idents: dict[Notice, str] = {}
        self._where: dict[Notice, dict[str, str | int]] = {}  # on screen with buttons, as the ledger keeps it
        self._tasks: set[asyncio.Task[bool]] = set()
        self.stopping = False  # a signal asked this process to end: stop waiting for presses

    def available(self) -> bool:
        if sys.platform.startswith("linux") or "bsd" in sys.platform:
            return find_session_bus() is not None
        try:
            # heavy: desktop_notifier
            from desktop_notifier.main import get_backend_class
        except ImportError:
            return False
        with _collecting(self.problems):
            # Outside a signed app bundle on macOS this is a dummy that shows nothing.
            return get_backend_class().__name__ != "DummyNotificationCenter"

    def _loop(self) -> asyncio.Runner:
        if self._runner is None:
            # heavy: asyncio
            import asyncio

            self._runner = asyncio.Runner()
        return self._runner

    def _notifier(self, app_name: str) -> DesktopNotifier:
        found = self._notifiers.get(app_name)
        if found is None:
            # heavy: desktop_notifier
            from desktop_notifier import DesktopNotifier

            found = DesktopNotifier(app_name=app_name, app_icon=None)
            self._notifiers[app_name] = found
        return found

    def deliver(self, notice: Notice) -> bool:
        with _collecting(self.problems):
            try:
                delivered = self._loop().run(self._send(notice))
            except Exception as exc:
                self.problems.append(f"desktop-notifier: {type(exc).__name__}: {exc}")
                delivered = False
        if not delivered:
            self._disconnect()  # connect afresh next time (the session bus may have restarted)
        return delivered

    async def _send(self, notice: Notice) -> bool:
        # heavy: asyncio
        import asyncio

        # heavy: desktop_notifier
        from desktop_notifier import Button, Capability

        # heavy: desktop_notifier
        from desktop_notifier import Urgency as Level

        notifier = self._notifier(DISCREET_APP_NAME if notice.discreet else APP_NAME)
        capabilities = await asyncio.wait_for(notifier.get_capabilities(), SEND_TIMEOUT)
        can_press = Capability.BUTTONS in capabilities and self.on_action is not None
        buttons = [
            Button(label, on_pressed=self._pressed(notice, action)) for action, label in notice.buttons
        ]
        received: list[str] = []
        ident = await asyncio.wait_for(
            notifier.send(
                notice.title,
                notice.text(with_buttons=can_press and bool(buttons)),
                urgency={
                    Urgency.LOW: Level.Low,
                    Urgency.NORMAL: Level.Normal,
                    Urgency.CRITICAL: Level.Critical,
                }[notice.urgency],
                buttons=buttons if can_press else (),
                on_dispatched=lambda: received.append("dispatched"),
                on_dismissed=self._closed(notice),
                on_clicked=self._closed(notice),
            ),
            SEND_TIMEOUT,
        )
        if received and can_press and buttons:
            self.outstanding.add(ident)
            self._idents[notice] = ident
            where = await _where_shown(notifier, ident)
            if where is not None:
                self._where[notice] = where
        return bool(received)

    def shown_at(self, notice: Notice) -> dict[str, str | int] | None:
        """Where `notice` is on screen with its buttons (D-Bus only): for the ledger."""
        return self._where.get(notice)

    def _forget(self, notice: Notice) -> None:
        ident = self._idents.pop(notice, None)
        if ident is not None:
            self.outstanding.discard(ident)

    def _still_open(self, notice: Notice) -> bool:
        """Shown with buttons, not answered, and (as far as the server said) not closed."""
        ident = self._idents.get(notice)
        if ident is None:
            return False
        notifier = self._notifiers.get(DISCREET_APP_NAME if notice.discreet else APP_NAME)
        if notifier is None:
            # Its connection was dropped (a later delivery failed): nothing answers it now; the ledger's
            # record lets withdraw_stale close it.
            self._forget(notice)
            return False
        ids = _server_ids(notifier)
        if ids is not None and ident not in ids.inverse:
            self._forget(notice)  # the server closed it (expired, dismissed, closed by another program)
            return False
        return True

    @property
    def awaiting(self) -> bool:
        """Notifications with buttons are still open."""
        return any(self._still_open(notice) for notice in list(self._idents))

    def release(self) -> list[Notice]:
        """This process stops answering buttons: each notification it showed with buttons that is still open
        is replaced by a copy without them that says to open rpltrack to log it. Returns those replaced."""
        if self._runner is None or not self._idents:
            return []
        with _collecting(self.problems):
            try:
                return self._runner.run(self._release())
            except Exception as exc:
                self.problems.append(f"buttons could not be taken back: {type(exc).__name__}: {exc}")
                return []

    async def _release(self) -> list[Notice]:
        # heavy: asyncio
        import asyncio

        replaced = []
        for notice in list(self._idents):
            if not self._still_open(notice):
                continue
            ident = self._idents[notice]
            notifier = self._notifier(DISCREET_APP_NAME if notice.discreet else APP_NAME)
            try:
                await asyncio.wait_for(_replace_without_buttons(notifier, ident, notice), SEND_TIMEOUT)
            except Exception as exc:
                self.problems.append(f"buttons could not be taken back: {type(exc).__name__}: {exc}")
                continue
            self._forget(notice)
            replaced.append(notice)
        return replaced

    def _closed(self, notice: Notice) -> Callable[[], None]:
        return lambda: self._forget(notice)

    def _pressed(self, notice: Notice, action: str) -> Callable[[], None]:
        def pressed() -> None:
            self._forget(notice)
            if self.on_action is None:
                return
            try:
                confirmation = self.on_action(notice, action)
            except Exception as exc:
                self.problems.append(f"the {action} button could not be saved: {exc}")
                confirmation = f"Not saved: {exc}"
            if confirmation:
                # heavy: asyncio
                import asyncio

                done = Notice(confirmation, "", Urgency.LOW, notice.covers, discreet=notice.discreet)
                task = asyncio.get_running_loop().create_task(self._send(done))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        return pressed

    def wait(self, seconds: float) -> None:
        """Handle button presses until every notification with buttons is answered or closed, or `seconds`
        have passed."""
        if self._runner is None or seconds <= 0:
            return
        self._runner.run(self._wait(seconds, until_answered=True))

    def idle(self, seconds: float) -> None:
        if self._runner is None:
            super().idle(seconds)
            return
        self._runner.run(self._wait(seconds, until_answered=False))

    async def _wait(self, seconds: float, *, until_answered: bool) -> None:
        """The event loop turns (button presses arrive) for `seconds`, or until nothing awaits an answer."""
        # heavy: asyncio
        import asyncio

        # The daemon idles in longer steps (fewer wake-ups), still stopping promptly when asked.
        step = min(0.05 if until_answered else 0.25, max(seconds, 0.001))
        for _ in range(max(1, round(seconds / step))):
            if self.stopping or (until_answered and not self.awaiting and not self._tasks):
                break
            await asyncio.sleep(step)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=SEND_TIMEOUT)

    def _disconnect(self) -> None:
        for notifier in self._notifiers.values():
            # desktop-notifier keeps its D-Bus connection on the backend; it has no public close.
            bus = getattr(getattr(notifier, "_backend", None), "bus", None)
            if bus is not None:
                bus.disconnect()
        self._notifiers.clear()

    def close(self) -> None:
        self._disconnect()
        if self._runner is not None:
            self._runner.close()
            self._runner = None


@contextlib.contextmanager
def _collecting(problems: list[str]) -> Iterator[None]:
    """While in the block, desktop-notifier's log (its "Notification failed" warnings) goes to `problems`
    instead of stderr."""
    handler, log = _Collect(problems), logging.getLogger("desktop_notifier")
    log.addHandler(handler)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)


class _Collect(logging.Handler):
    """Keeps desktop-notifier's warnings ("Notification failed") as problems instead of printing them."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.problems = problems

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}: {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.problems.append(f"desktop-notifier: {message}")


def released_text(notice: Notice) -> str:
    """The body of a notification whose buttons nobody answers any more."""
    line = DISCREET_RELEASED if notice.discreet else RELEASED
    return f"{notice.body}\n{line}" if notice.body else line


def _server_ids(notifier: DesktopNotifier | None) -> Any:
    """desktop-notifier's D-Bus backend's map of server ids to its own identifiers (a bidict), or None
    on other backends. desktop-notifier 6 offers no public way to reach the server's id."""
    backend = getattr(notifier, "_backend", None)
    return getattr(backend, "_platform_to_interface_notification_identifier", None)


async def _bus_call(bus: Any, member: str, *args: str) -> Any:
    """A call to the bus itself (org.freedesktop.DBus): GetId, GetNameOwner, NameHasOwner."""
    # heavy: dbus_fast
    from dbus_fast import Message, MessageType

    reply = await bus.call(
        Message(
            destination="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus",
            member=member,
            signature="s" * len(args),
            body=list(args),
        )
    )
    if reply is None or reply.message_type is MessageType.ERROR:
        return None
    return reply.body[0]


async def _where_shown(notifier: DesktopNotifier, ident: str) -> dict[str, str | int] | None:
    """Where a notification just shown is (D-Bus only): the bus instance, the server's and our connection's
    unique names, and the server's id for it. A later run uses it to withdraw the notification if this
    process died with its buttons on screen."""
    ids = _server_ids(notifier)
    bus = getattr(getattr(notifier, "_backend", None), "bus", None)
    if ids is None or bus is None or ident not in ids.inverse:
        return None
    try:
        bus_id = await _bus_call(bus, "GetId")
        server = await _bus_call(bus, "GetNameOwner", BUS_NAME)
    except Exception:
        return None
    if not bus_id or not server:
        return None
    return {"bus": bus_id, "server": server, "listener": bus.unique_name, "id": int(ids.inverse[ident])}


async def _replace_without_buttons(notifier: DesktopNotifier, ident: str, notice: Notice) -> None:
    """Show `notice` without buttons in place of the notification `ident`: on D-Bus, Notify with its
    replaces_id (the same notification, changed in place); elsewhere clear it and send the copy."""
    # heavy: desktop_notifier
    from desktop_notifier import Urgency as Level

    level = {Urgency.LOW: Level.Low, Urgency.NORMAL: Level.Normal, Urgency.CRITICAL: Level.Critical}
    ids = _server_ids(notifier)
    interface = getattr(getattr(notifier, "_backend", None), "interface", None)
    if ids is None or interface is None:
        await notifier.clear(ident)
        await notifier.send(notice.title, released_text(notice), urgency=level[notice.urgency])
        return
    # heavy: dbus_fast
    from dbus_fast import Variant

    # heavy: desktop_notifier
    from desktop_notifier.backends.dbus import get_hints_signature

    urgency = {Urgency.LOW: 0, Urgency.NORMAL: 1, Urgency.CRITICAL: 2}[notice.urgency]
    hints: dict[str, Any] = {}
    signature = get_hints_signature(interface)
    if signature == "a{sv}":
        hints = {"urgency": Variant("y", urgency)}
    elif signature == "a{ss}":
        hints = {"urgency": str(urgency)}
    await interface.call_notify(
        notifier.app_name,
        int(ids.inverse[ident]),
        "",
        notice.title,
        released_text(notice),
        [],
        hints,
        -1,
    )


def withdraw_stale(shown: Sequence[dict[str, Any]], problems: list[str] | None = None) -> list[int]:
    """Close the notifications with buttons that a listener left on screen when it died (killed before
    it could take its buttons back). `shown` are the ledger's records of where each one is; one is closed
    only when it is on this very bus and server instance and its listener's connection is gone (a D-Bus
    unique name is never reused while the bus runs). Returns the indexes into `shown` that need no more
    care: closed, or gone with their bus or server."""
    if not shown or find_session_bus() is None:
        return []
    # heavy: asyncio
    import asyncio

    try:
        return asyncio.run(asyncio.wait_for(_withdraw(shown), SEND_TIMEOUT))
    except Exception as exc:
        if problems is not None:
            problems.append(f"stale buttons could not be withdrawn: {type(exc).__name__}: {exc}")
        return []


async def _withdraw(shown: Sequence[dict[str, Any]]) -> list[int]:
    # heavy: dbus_fast
    from dbus_fast import Message

    # heavy: dbus_fast
    from dbus_fast.aio import MessageBus

    bus = await MessageBus().connect()
    try:
        bus_id = await _bus_call(bus, "GetId")
        server = await _bus_call(bus, "GetNameOwner", BUS_NAME)
        settled = []
        for index, where in enumerate(shown):
            if where.get("bus") != bus_id or where.get("server") != server:
                settled.append(index)  # its bus or its server is gone, and the notification with it
                continue
            if await _bus_call(bus, "NameHasOwner", str(where.get("listener", ""))):
                continue  # its listener is alive and answers it (or takes it back itself)
            await bus.call(
                Message(
                    destination=BUS_NAME,
                    path=BUS_PATH,
                    interface=BUS_NAME,
                    member="CloseNotification",
                    signature="u",
                    body=[int(where.get("id", 0))],
                )
            )
            settled.append(index)
        return settled
    finally:
        bus.disconnect()


class NotifySendBackend(Backend):
    """libnotify's notify-send: finds the session bus by itself; no buttons (they would block it)."""

    name = "notify-send"

    def available(self) -> bool:
        # heavy: shutil
        import shutil

        return shutil.which("notify-send") is not None and (
            not sys.platform.startswith("linux") or find_session_bus() is not None
        )

    def deliver(self, notice: Notice) -> bool:
        # heavy: subprocess
        import subprocess

        urgency = {Urgency.LOW: "low", Urgency.NORMAL: "normal", Urgency.CRITICAL: "critical"}[notice.urgency]
        app = DISCREET_APP_NAME if notice.discreet else APP_NAME
        argv = ["notify-send", f"--app-name={app}", f"--urgency={urgency}", "--", notice.title]
        argv.append(notice.text(with_buttons=False))
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.problems.append(f"notify-send: {exc}")
            return False
        if done.returncode != 0:
            self.problems.append(f"notify-send: {done.stderr.strip() or f'exit status {done.returncode}'}")
        return done.returncode == 0


class OsascriptBackend(Backend):
    """macOS Notification Center through AppleScript (the text passed as arguments, never quoted into the
    script); attributed to Script Editor or the terminal, without buttons."""

    name = "osascript"

    def available(self) -> bool:
        # heavy: shutil
        import shutil

        return sys.platform == "darwin" and shutil.which("osascript") is not None

    def deliver(self, notice: Notice) -> bool:
        # heavy: subprocess
        import subprocess

        script = [
            "-e",
            "on run argv",
            "-e",
            'display notification (item 2 of argv) with title (item 1 of argv) sound name "default"',
            "-e",
            "end run",
        ]
        argv = ["osascript", *script, notice.title, notice.text(with_buttons=False)]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.problems.append(f"osascript: {exc}")
            return False
        return done.returncode == 0


class BellBackend(Backend):
    """The last resort: a terminal bell and a line on stderr. A receipt only when stderr is a terminal
    someone can see; under a timer a line without the reminder's words goes to the log and the reminder
    stays pending."""

    name = "terminal"

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream

    def deliver(self, notice: Notice) -> bool:
        stream = self.stream if self.stream is not None else sys.stderr
        text = notice.text(with_buttons=False).replace("\n", " ")
        app = DISCREET_APP_NAME if notice.discreet else APP_NAME
        try:
            if not stream.isatty():
                # A log, not a person: say that something was due, never what (no health data in logs).
                stream.write(f"{app}: a reminder is due and no notification server could show it\n")
                return False
            stream.write(f"\a{app}: {notice.title}" + (f" — {text}\n" if text else "\n"))
            stream.flush()
            return True
        except (OSError, ValueError):
            return False


class Outbox:
    """Delivers notices through the first backend that gives a receipt, and keeps the desktop connection
    (and its button callbacks) until closed."""

    def __init__(
        self,
        on_action: OnAction | None = None,
        backends: Sequence[Backend] | None = None,
    ) -> None:
        self.problems: list[str] = []
        self.desktop = DesktopBackend(on_action)
        self.backends: list[Backend] = (
            list(backends)
            if backends is not None
            else [self.desktop, NotifySendBackend(), OsascriptBackend(), BellBackend()]
        )
        for backend in self.backends:
            backend.problems = self.problems
            if isinstance(backend, DesktopBackend):
                self.desktop = backend

    def deliver(self, notice: Notice) -> str | None:
        for backend in self.backends:
            try:
                if backend.available() and backend.deliver(notice):
                    return backend.name
            except Exception as exc:
                self.problems.append(f"{backend.name}: {type(exc).__name__}: {exc}")
        return None

    def wait(self, seconds: float) -> None:
        """After a one-shot run: keep answering buttons for up to `seconds` (less if all were answered)."""
        if self.desktop in self.backends:
            self.desktop.wait(seconds)

    @property
    def waiting(self) -> bool:
        """Notifications with buttons are on screen and this process is the one that hears them."""
        return self.desktop in self.backends and self.desktop.awaiting

    def shown_at(self, notice: Notice) -> dict[str, str | int] | None:
        """Where `notice` is on screen with buttons (for the ledger), or None."""
        return self.desktop.shown_at(notice) if self.desktop in self.backends else None

    def stop(self) -> None:
        """Stop waiting for button presses (a signal asked the process to end); see `release`."""
        self.desktop.stopping = True

    def release(self) -> list[Notice]:
        """Stop answering buttons: those still on screen are replaced by copies without buttons."""
        return self.desktop.release() if self.desktop in self.backends else []

    def idle(self, seconds: float) -> None:
        """The daemon's pause between clock readings: button presses are handled meanwhile."""
        if self.desktop in self.backends:
            self.desktop.idle(seconds)
        else:
            time.sleep(seconds)

    def close(self) -> None:
        for backend in self.backends:
            backend.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def environment_report(env: Mapping[str, str] | None = None) -> str:
    """One line on where notifications would go: the bus address, or why there is none."""
    env = os.environ if env is None else env
    address = env.get("DBUS_SESSION_BUS_ADDRESS")
    return f"session bus: {address}" if address else "no session bus found"
