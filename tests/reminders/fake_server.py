"""A fake org.freedesktop.Notifications server for the tests (NOTIFICATIONS.md recipe B).

Run on a private session bus: `python fake_server.py LOG [--auto-press LABEL] [--no-actions]`. Each Notify
call is appended to LOG as one JSON line (app_name, summary, body, actions, urgency, expire_timeout, id,
replaces_id); each CloseNotification to LOG.closed (the id). With --auto-press, 0.2 s after a Notify whose
actions include a button labelled LABEL it emits ActionInvoked for that button, as if she had pressed it.
Like dunst, a replaces_id changes that notification in place (and one no longer open comes back under that
id). The test-only interface org.rpltrack.FakeServer has Press(id, label): the button labelled `label` of
open notification `id` is pressed (ActionInvoked, then closed), if it has one; it returns whether it had.
It prints "ready" once it owns the name.
"""

import argparse
import asyncio
import json
from typing import Annotated, Any

from dbus_fast import BusType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusDict, DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, method, signal

DBusStrings = Annotated[list[str], DBusSignature("as")]
DBusServerInfo = Annotated[list[str], DBusSignature("ssss")]
DBusClosed = Annotated[list[Any], DBusSignature("uu")]
DBusAction = Annotated[list[Any], DBusSignature("us")]


class Notifications(ServiceInterface):
    def __init__(self, log: str, press: str | None, actions: bool) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.log = log
        self.press = press
        self.actions = actions
        self.next_id = 0
        self.open: dict[int, list[str]] = {}  # id -> actions of each notification still on screen
        self.tasks: set[asyncio.Task[None]] = set()

    @method()
    def Notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: DBusStrings,
        hints: DBusDict,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        if replaces_id:
            ident = replaces_id
        else:
            self.next_id += 1
            ident = self.next_id
        self.open[ident] = list(actions)
        urgency = hints.get("urgency")
        record = {
            "id": ident,
            "replaces_id": replaces_id,
            "app_name": app_name,
            "summary": summary,
            "body": body,
            "actions": list(actions),
            "urgency": urgency.value if isinstance(urgency, Variant) else None,
            "expire_timeout": expire_timeout,
        }
        with open(self.log, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        if self.press is not None:
            pairs = dict(zip(actions[1::2], actions[0::2], strict=False))
            key = pairs.get(self.press)
            if key is not None:
                task = asyncio.get_running_loop().create_task(self._press(ident, key))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        return ident

    async def _press(self, ident: int, key: str) -> None:
        await asyncio.sleep(0.2)
        self.press_now(ident, key)

    def press_now(self, ident: int, key: str) -> None:
        self.ActionInvoked(ident, key)
        self.open.pop(ident, None)
        self.NotificationClosed(ident, 2)

    @method()
    def GetCapabilities(self) -> DBusStrings:
        return ["body", "actions"] if self.actions else ["body"]

    @method()
    def GetServerInformation(self) -> DBusServerInfo:
        return ["rpltrack-fake", "rpltrack tests", "1.0", "1.2"]

    @method()
    def CloseNotification(self, ident: DBusUInt32) -> None:
        with open(f"{self.log}.closed", "a", encoding="utf-8") as out:
            out.write(f"{ident}\n")
        if self.open.pop(ident, None) is not None:
            self.NotificationClosed(ident, 3)

    @signal()
    def NotificationClosed(self, ident: int, reason: int) -> DBusClosed:
        return [ident, reason]

    @signal()
    def ActionInvoked(self, ident: int, key: str) -> DBusAction:
        return [ident, key]


class Control(ServiceInterface):
    """What a test does to the server's notifications, as she would with the mouse."""

    def __init__(self, server: Notifications) -> None:
        super().__init__("org.rpltrack.FakeServer")
        self.server = server

    @method()
    def Press(self, ident: DBusUInt32, label: DBusStr) -> DBusBool:
        actions = self.server.open.get(ident, [])
        pairs = dict(zip(actions[1::2], actions[0::2], strict=False))
        key = pairs.get(label)
        if key is None:
            return False
        self.server.press_now(ident, key)
        return True


async def serve(args: argparse.Namespace) -> None:
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    server = Notifications(args.log, args.auto_press, not args.no_actions)
    bus.export("/org/freedesktop/Notifications", server)
    bus.export("/org/freedesktop/Notifications", Control(server))
    await bus.request_name("org.freedesktop.Notifications")
    print("ready", flush=True)
    await bus.wait_for_disconnect()  # type: ignore[no-untyped-call]  # dbus-fast leaves it untyped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--auto-press", default=None)
    parser.add_argument("--no-actions", action="store_true")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
