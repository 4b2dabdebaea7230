"""Live fan-out: ONE producer per topic per worker pushes the same small delta to every tab watching that topic.

Why Socket.IO rooms and not `rx.SharedState`: a shared state re-enters `app.modify_state` once per linked client
on every change (state lock, load, serialise, store — on Redis a round trip each), so an update costs
O(clients × state); measured at 1000 tabs that is 8.5 s per update. Here a tab's `open` handler puts its socket
(`router.session.session_id`) into the room `live:<channel>:<topic>` of the worker that holds the socket, and the
worker's one producer builds the values once, keeps only what changed since its previous build, and emits ONE
pre-encoded Reflex update (`{"delta": {state: {var_rx_state_: value}}}`) to the room — python-socketio encodes the
packet once and writes it to each socket: O(clients), nothing per client but the write.

- Several workers: each worker has its own rooms and its own producer reading the shared snapshot (the database);
  nothing crosses workers.
- A tab that goes away: Socket.IO drops its socket from every room on disconnect; a page left inside the app calls
  `leave` (`on_unmount`). A producer whose room is empty ends; no per-tab loop exists at any time.
- The backend copy of a tab's state keeps the values of its last `open`: pushed vars are display-only (nothing on
  the server reads them back) and `open` re-seeds them from the producer's latest build after a reconnect.
- A session that ends (sign-out, expiry, disabled account, password reset) ends its pushes: `join` records the
  session cookie of the tab's websocket, and before each push the producer asks the channel's `admit` which
  members may still see it — ONE call (one query) for the whole room, not one per socket. The others leave the
  room and are sent to `/login` (`leave_to`), before the push goes out.

`Channel` says what to build (`build(topic)`, run in a thread), for which state, how often (`interval()`), which
change-feed topic wakes it early (`wake`), and who may stay in a room (`admit`, run in a thread). `FanOut(channel, rooms)` runs it;
`rooms` is `SocketIORooms` (the app's event namespace) or, in tests and benchmarks, any object with the same
methods.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import reflex as rx
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.event import Event

from resync_app.events import feed

logger = logging.getLogger("resync.live")
EVENT = "event"  # Reflex's Socket.IO event for state updates
MIN_GAP_S = 0.5  # two pushes of one producer are at least this far apart (a burst of polls costs one build)


class Rooms(Protocol):
    async def enter(self, sid: str, room: str) -> None: ...
    async def leave(self, sid: str, room: str) -> None: ...
    def members(self, room: str) -> int: ...
    def sids(self, room: str) -> list[str]: ...
    async def emit(self, room: str, data: dict[str, Any]) -> None: ...


class SocketIORooms:
    """Rooms of the Socket.IO namespace Reflex's events use (`/_event`), in this worker."""

    def __init__(self, namespace) -> None:  # noqa: ANN001 - reflex.app.EventNamespace
        self.namespace = namespace

    async def enter(self, sid: str, room: str) -> None:
        await self.namespace.enter_room(sid, room)

    async def leave(self, sid: str, room: str) -> None:
        await self.namespace.leave_room(sid, room)

    def members(self, room: str) -> int:
        return len(self.sids(room))

    def sids(self, room: str) -> list[str]:
        server = self.namespace.server
        return list(server.manager.rooms.get(self.namespace.namespace, {}).get(room, {})) if server else []

    async def emit(self, room: str, data: dict[str, Any]) -> None:
        """To a room, or to one socket (its sid is a room of its own)."""
        await self.namespace.emit(EVENT, data, room=room)


def app_rooms() -> Rooms | None:
    """The running app's rooms (None outside a Reflex server, e.g. in unit tests)."""
    from resync_app.state.guard import _event_namespace

    namespace = _event_namespace()
    return SocketIORooms(namespace) if namespace is not None else None


def to_wire(value: Any) -> Any:
    """A var's value as the browser receives it (dataclasses as dicts, Plotly figures as their JSON dict)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    if hasattr(value, "to_plotly_json"):
        from reflex_base.utils.serializers import serialize

        return serialize(value)
    return value


@dataclasses.dataclass
class Channel:
    name: str
    state_name: str  # full name of the Reflex state whose vars the delta sets
    build: Callable[[str], dict[str, Any]]  # topic → {var: value}; runs in a worker thread
    interval: Callable[[], float]  # seconds between two builds
    wake: str | None = None  # a change-feed topic that triggers a build before the interval is over
    admit: Callable[[dict[str, str | None]], set[str]] | None = None  # {sid: session cookie} -> the sids that stay
    leave_to: str = "/login"  # where a socket whose session ended is sent


@dataclasses.dataclass
class Producer:
    topic: str
    room: str
    values: dict[str, Any]  # the latest build (Python values, what `open` assigns)
    wire: dict[str, Any]  # the same, as sent
    task: asyncio.Task | None = None
    builds: int = 0
    pushes: int = 0
    last_push_at: float = 0.0
    cookies: dict[str, str | None] = dataclasses.field(default_factory=dict)  # sid -> its handshake's session
    dropped: int = 0  # sockets sent away because their session ended


class FanOut:
    """One channel in this worker: rooms per topic, one producer per non-empty room."""

    def __init__(self, channel: Channel, rooms: Rooms | Callable[[], Rooms | None]) -> None:
        self.channel = channel
        self._rooms = rooms
        self.producers: dict[str, Producer] = {}
        self._lock = asyncio.Lock()

    @property
    def rooms(self) -> Rooms | None:
        return self._rooms() if callable(self._rooms) else self._rooms

    def room(self, topic: str) -> str:
        return f"live:{self.channel.name}:{topic}"

    async def _build(self, topic: str) -> tuple[dict[str, Any], dict[str, Any]]:
        values = await asyncio.to_thread(self.channel.build, topic)
        return values, {key: to_wire(value) for key, value in values.items()}

    async def join(self, sid: str, topic: str, cookie: str | None = None) -> dict[str, Any]:
        """Put this socket in the topic's room and return the latest values for the tab's state (built now when
        no producer runs yet); the producer (started if needed) pushes every change from then on, while the
        channel's `admit` lets the session `cookie` of the socket's handshake stay."""
        rooms = self.rooms
        async with self._lock:
            producer = self.producers.get(topic)
            if producer is None or producer.task is None or producer.task.done():
                seen = feed.seq(self.channel.wake) if self.channel.wake else 0  # before the build: no poll missed
                values, wire = await self._build(topic)
                producer = Producer(topic, self.room(topic), values, wire, builds=1)
                self.producers[topic] = producer
                if rooms is not None:
                    producer.task = asyncio.get_running_loop().create_task(self._run(producer, seen))
            if rooms is not None and sid:
                producer.cookies[sid] = cookie
                await rooms.enter(sid, producer.room)
            return producer.values

    async def leave(self, sid: str, topic: str) -> None:
        rooms = self.rooms
        if rooms is None or not sid:
            return
        producer = self.producers.get(topic)
        await rooms.leave(sid, self.room(topic))
        if producer is not None:
            producer.cookies.pop(sid, None)
        if producer is not None and rooms.members(producer.room) == 0 and producer.task is not None:
            producer.task.cancel()

    def latest(self, topic: str) -> dict[str, Any] | None:
        producer = self.producers.get(topic)
        return producer.values if producer is not None else None

    def running(self) -> list[str]:
        return [t for t, p in self.producers.items() if p.task is not None and not p.task.done()]

    async def _run(self, producer: Producer, seen: int) -> None:
        try:
            while True:
                interval = max(MIN_GAP_S, float(self.channel.interval()))
                if self.channel.wake:
                    seen = await feed.wait_for(self.channel.wake, seen, interval)
                else:
                    await asyncio.sleep(interval)
                gap = MIN_GAP_S - (time.monotonic() - producer.last_push_at)
                if gap > 0:
                    await asyncio.sleep(gap)
                rooms = self.rooms
                if rooms is None or rooms.members(producer.room) == 0:
                    return  # nobody watches: the producer ends (the next `join` starts another)
                await self._tick(producer, rooms)
                if rooms.members(producer.room) == 0:
                    return  # every member's session ended
        except asyncio.CancelledError:
            pass
        except Exception:
            logger.exception("live producer %s ended unexpectedly", producer.room)
        finally:
            if self.producers.get(producer.topic) is producer:
                self.producers.pop(producer.topic, None)

    async def _tick(self, producer: Producer, rooms: Rooms) -> None:
        try:
            values, wire = await self._build(producer.topic)
        except Exception:
            logger.exception("live build of %s failed; the tabs keep the previous values", producer.room)
            return
        producer.builds += 1
        changed = {key: value for key, value in wire.items() if producer.wire.get(key) != value}
        if changed and not await self._drop_ended(producer, rooms):
            return  # the members could not be checked: no push now (the next tick pushes these changes)
        producer.values, producer.wire = values, wire
        if not changed or rooms.members(producer.room) == 0:
            return
        await rooms.emit(producer.room,
                         {"delta": {self.channel.state_name: {k + FIELD_MARKER: v for k, v in changed.items()}}})
        producer.pushes += 1
        producer.last_push_at = time.monotonic()

    async def _drop_ended(self, producer: Producer, rooms: Rooms) -> bool:
        """Before a push: the members that `admit` refuses (one call for the whole room) leave it and are sent to
        `leave_to`. False when the check itself failed (e.g. the database is unreachable): then nobody is
        dropped and nothing is pushed."""
        sids = rooms.sids(producer.room)
        producer.cookies = {sid: producer.cookies.get(sid) for sid in sids}  # forget sockets that disconnected
        if self.channel.admit is None or not sids:
            return True
        try:
            allowed = await asyncio.to_thread(self.channel.admit, dict(producer.cookies))
        except Exception:
            logger.exception("live room %s: the members' sessions could not be checked; no push", producer.room)
            return False
        ended = [sid for sid in sids if sid not in allowed]
        for sid in ended:
            await rooms.leave(sid, producer.room)
            producer.cookies.pop(sid, None)
            await rooms.emit(sid, {"events": [redirect(self.channel.leave_to)]})
        if ended:
            producer.dropped += len(ended)
            logger.info("live room %s: %d socket(s) left, their session ended", producer.room, len(ended))
        return True


def redirect(path: str) -> dict[str, Any]:
    """A client-side redirect to put in an update's `events` (the event `rx.redirect` makes)."""
    return dataclasses.asdict(Event.from_event_type(rx.redirect(path))[0])
