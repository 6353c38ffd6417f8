"""Feeds of one video's `video_update` events: over Socket.IO, or none (then the caller polls).

The socket joins with `auth={"token": ...}` (read again on every reconnection, so a refreshed
token is used) and, on every (re)connection, asks `request_video_status`: the answer carries
the whole state, which covers whatever happened while it was not connected.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import time
from collections.abc import Callable
from typing import Any, Protocol

import socketio

from sora2.client._base import socketio_address
from sora2.client._watch import event_updates

log = logging.getLogger("sora2.client.socketio")
log.addHandler(logging.NullHandler())

TokenSource = Callable[[], "str | None"]

# Socket.IO's own reconnection: quick at first, then every few seconds.
_SOCKET_OPTIONS: dict[str, Any] = {
    "reconnection": True,
    "reconnection_delay": 0.5,
    "reconnection_delay_max": 3,
    "randomization_factor": 0.3,
    "handle_sigint": False,  # a library leaves the application's signal handlers alone
    "logger": log,
    "engineio_logger": log,
}


class Feed(Protocol):
    @property
    def connected(self) -> bool: ...

    def get(self, timeout: float) -> dict[str, Any] | None:
        """The next event's `updates`, or None after `timeout` (or when the socket drops)."""
        ...

    def close(self) -> None: ...


class AsyncFeed(Protocol):
    @property
    def connected(self) -> bool: ...

    async def get(self, seconds: float) -> dict[str, Any] | None: ...

    async def close(self) -> None: ...


class NoFeed:
    """No socket: every wait ends in a poll."""

    connected = False

    def get(self, timeout: float) -> dict[str, Any] | None:
        time.sleep(timeout)
        return None

    def close(self) -> None:
        return None


class AsyncNoFeed:
    connected = False

    async def get(self, seconds: float) -> dict[str, Any] | None:
        await asyncio.sleep(seconds)
        return None

    async def close(self) -> None:
        return None


class SocketFeed:
    """A python-socketio `Client` (its own threads) putting one video's updates in a queue."""

    def __init__(self, sio: Any, video_id: str) -> None:
        self._sio = sio
        self._video_id = video_id
        # None wakes the reader up to poll: the socket dropped and events may be lost.
        self._queue: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        sio.on("connect", self._on_connect)
        sio.on("disconnect", self._on_disconnect)
        sio.on("video_update", self._on_update)

    @property
    def connected(self) -> bool:
        return bool(self._sio.connected)

    def _on_connect(self) -> None:
        # No acknowledgement asked: waiting for one here would block the socket's reader.
        self._sio.emit("request_video_status", {"video_id": self._video_id})

    def _on_disconnect(self, *_reason: object) -> None:
        _release_transport(self._sio.eio)
        self._queue.put(None)

    def _on_update(self, data: object) -> None:
        updates = event_updates(data, self._video_id)
        if updates is not None:
            self._queue.put(updates)

    def get(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        _shutdown(self._sio)


class AsyncSocketFeed:
    """A python-socketio `AsyncClient` putting one video's updates in a queue."""

    def __init__(self, sio: Any, video_id: str) -> None:
        self._sio = sio
        self._video_id = video_id
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        sio.on("connect", self._on_connect)
        sio.on("disconnect", self._on_disconnect)
        sio.on("video_update", self._on_update)

    @property
    def connected(self) -> bool:
        return bool(self._sio.connected)

    async def _on_connect(self) -> None:
        await self._sio.emit("request_video_status", {"video_id": self._video_id})

    def _on_disconnect(self, *_reason: object) -> None:
        self._queue.put_nowait(None)

    def _on_update(self, data: object) -> None:
        updates = event_updates(data, self._video_id)
        if updates is not None:
            self._queue.put_nowait(updates)

    async def get(self, seconds: float) -> dict[str, Any] | None:
        try:
            return await asyncio.wait_for(self._queue.get(), seconds)
        except TimeoutError:
            return None

    async def close(self) -> None:
        await _shutdown_async(self._sio)


def _release_transport(eio: Any) -> None:
    """When a connection ends, engineio's threaded client drops its HTTP session, and a
    websocket the server closed, without closing them: close them, or their sockets leak.
    (Called from the disconnect event, which comes before engineio lets go of them.)"""
    ws = getattr(eio, "ws", None)
    if ws is not None and not ws.connected:
        ws.shutdown()
    http = getattr(eio, "http", None)
    if http is not None and not getattr(eio, "external_http", False):
        http.close()


def _shutdown(sio: Any) -> None:
    sio.shutdown()
    _release_transport(sio.eio)  # a refused handshake ends without a disconnect event


async def _shutdown_async(sio: Any) -> None:
    await sio.shutdown()
    http = getattr(sio.eio, "http", None)
    if http is not None and not http.closed:
        await http.close()


def _auth(token: TokenSource) -> Callable[[], dict[str, str]]:
    return lambda: {"token": token() or ""}


def open_feed(*, base_url: str, token: TokenSource, video_id: str, timeout: float) -> Feed:
    """A connected socket feed, or `NoFeed` if the socket cannot connect."""
    url, path = socketio_address(base_url)
    sio = socketio.Client(request_timeout=timeout, **_SOCKET_OPTIONS)
    feed = SocketFeed(sio, video_id)
    try:
        sio.connect(url, auth=_auth(token), socketio_path=path, wait_timeout=timeout)
    except socketio.exceptions.ConnectionError as exc:
        log.info("no live updates from %s (%s): polling instead", base_url, exc)
        _shutdown(sio)
        return NoFeed()
    return feed


async def open_async_feed(
    *, base_url: str, token: TokenSource, video_id: str, connect_timeout: float
) -> AsyncFeed:
    """A connected socket feed, or `AsyncNoFeed` if the socket cannot connect."""
    url, path = socketio_address(base_url)
    sio = socketio.AsyncClient(request_timeout=connect_timeout, **_SOCKET_OPTIONS)
    feed = AsyncSocketFeed(sio, video_id)
    try:
        await sio.connect(url, auth=_auth(token), socketio_path=path, wait_timeout=connect_timeout)
    except socketio.exceptions.ConnectionError as exc:
        log.info("no live updates from %s (%s): polling instead", base_url, exc)
        await _shutdown_async(sio)
        return AsyncNoFeed()
    return feed
