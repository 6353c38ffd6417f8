"""Where Socket.IO emits go: this process's sockets, or every process's through Redis.

With `SORA2_REDIS_URL` set, every emit is published on `SORA2_REDIS_CHANNEL`, and each API
process delivers it to the sockets it serves. A process that serves no sockets (a worker) emits
through a write-only manager. Each event must be emitted once, by the process that made the
change: the shared channel is what carries it to the others.

Both managers deliver an emit to this process's sockets in one pass: the packet is encoded once
and queued on each recipient's Engine.IO socket in turn (each socket's writer task sends it).
python-socketio's own `AsyncManager.emit` starts one task per recipient per emit and waits for
them all; with a thousand sockets in a room that task churn cost more than the sends
(docs/performance.md, B5). Queuing in turn also keeps every socket's events in emit order.
tests/integration/realtime/test_fan_out.py pins the python-socketio internals this relies on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import socketio
from engineio import packet as engineio_packet
from engineio.exceptions import SocketIsClosedError
from socketio import packet

from sora2.config import Settings
from sora2.errors import InvalidInput

log = logging.getLogger(__name__)

# Deliveries queued, across emits, between two yields to the event loop. Between yields the
# queued events of each socket are sent together by its writer (fewer wake-ups than one by one).
FAN_OUT_SLICE = 4096


class InOrderManager(socketio.AsyncManager):  # type: ignore[misc]  # python-socketio is untyped
    """An in-process manager whose emits queue one shared packet on each recipient in turn."""

    _queued = 0  # deliveries queued since the last yield to the event loop

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:
            # Acknowledged emits need one packet per recipient (each its own ack id).
            await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to
            )
            return
        room = to or room
        if namespace not in self.rooms:
            return
        if isinstance(data, tuple):
            args = list(data)
        elif data is not None:
            args = [data]
        else:
            args = []
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *args]
        ).encode()
        # A binary payload encodes to several packets, sent back to back to each socket.
        parts = encoded if isinstance(encoded, list) else [encoded]
        eio = self.server.eio
        eio_packets = [_message_packet(part) for part in parts]
        for sid, eio_sid in self.get_participants(namespace, room):  # a snapshot
            if sid in skip:
                continue
            for pkt in eio_packets:
                try:
                    # Does not wait: the socket's queue is unbounded.
                    await eio.send_packet(eio_sid, pkt)
                except SocketIsClosedError:
                    break  # it closed meanwhile: its disconnect handler cleans up
                except Exception:
                    # One broken socket must not cost the rest of the room their event.
                    log.exception("could not queue %s for socket %s", event, sid)
                    break
            self._queued += 1
            if self._queued >= FAN_OUT_SLICE:
                # Let the writers send (and the rest of the server run) now and then: a burst
                # of events to a big room must not hold the event loop for its whole length.
                self._queued = 0
                await asyncio.sleep(0)


class InOrderRedisManager(socketio.AsyncRedisManager, InOrderManager):  # type: ignore[misc]
    """The Redis manager, delivering what it receives (and its own emits) like `InOrderManager`.

    In this method order `AsyncPubSubManager._handle_emit`'s `super().emit` is
    `InOrderManager.emit`; the Redis manager's own `emit` (publish) stays in front."""


def _message_packet(encoded: Any) -> Any:
    """An Engine.IO MESSAGE packet carrying one encoded Socket.IO packet."""
    return engineio_packet.Packet(engineio_packet.MESSAGE, encoded)


def create_client_manager(settings: Settings, *, write_only: bool = False) -> Any:
    """The python-socketio client manager the settings call for (not yet started).

    `write_only=True` is for a process that emits without serving sockets; it needs Redis,
    since without it there is no road to sockets served by another process.
    """
    if settings.redis_url is None:
        if write_only:
            raise InvalidInput(
                "a process that emits live updates without serving sockets needs SORA2_REDIS_URL"
            )
        return InOrderManager()
    return InOrderRedisManager(
        settings.redis_url, channel=settings.redis_channel, write_only=write_only
    )


async def close_client_manager(manager: Any) -> None:
    """Stop a manager's Redis listener (if it has one) and close its connections."""
    listener: asyncio.Task[None] | None = getattr(manager, "thread", None)
    if listener is not None:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    for resource in (getattr(manager, "pubsub", None), getattr(manager, "redis", None)):
        if resource is not None:
            await resource.aclose()
