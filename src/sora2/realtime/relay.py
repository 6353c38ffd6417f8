"""The one consumer of this process's event bus: each event goes to its user's room, in order.

Emits are awaited one at a time. Firing many at once (one task per event) reorders them, and
through the Redis manager it loses some: a progress bar must never go backwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Protocol

from sora2.config import Settings
from sora2.events import Event, InProcessEventBus, SessionsRevoked
from sora2.realtime.managers import close_client_manager, create_client_manager

log = logging.getLogger(__name__)

NAMESPACE = "/"


def user_room(user_id: str) -> str:
    """The room every socket of one user joins; a user's events go there and nowhere else."""
    return f"user:{user_id}"


class Emitter(Protocol):
    """A python-socketio server or client manager: both emit to a room by name."""

    async def emit(self, event: str, data: Any, *, namespace: str, room: str) -> Any: ...


class EventRelay:
    """Subscribes to the bus on `start()` (so nothing published afterwards is missed) and emits
    every event to `user:<id>` from a single task until `stop()`. A revocation is not emitted
    to the room: it goes to `on_revoked`, which ends the user's sockets (realtime/sessions.py)."""

    def __init__(
        self,
        *,
        events: InProcessEventBus,
        emitter: Emitter,
        on_revoked: Callable[[SessionsRevoked], Awaitable[None]] | None = None,
    ) -> None:
        self._events = events
        self._emitter = emitter
        self._on_revoked = on_revoked
        self._stack = AsyncExitStack()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        queue = await self._stack.enter_async_context(self._events.subscribe())
        self._task = asyncio.create_task(self._run(queue), name="sora2-event-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._stack.aclose()

    async def _run(self, queue: asyncio.Queue[Event]) -> None:
        while True:
            event = await queue.get()
            try:
                await self.emit(event)
            except Exception:
                # One undeliverable event must not end live updates for everyone.
                log.exception("could not emit %s to user %s", event.wire_name, event.user_id)

    async def emit(self, event: Event) -> None:
        if isinstance(event, SessionsRevoked):
            if self._on_revoked is not None:
                await self._on_revoked(event)
            return
        await self._emitter.emit(
            event.wire_name, event.payload(), namespace=NAMESPACE, room=user_room(event.user_id)
        )


@asynccontextmanager
async def open_event_relay(settings: Settings, events: InProcessEventBus) -> AsyncIterator[None]:
    """For a process that changes videos without serving sockets (a worker): relay its events
    through a write-only Redis manager to the clients of every API process."""
    manager = create_client_manager(settings, write_only=True)
    relay = EventRelay(events=events, emitter=manager)
    try:
        await relay.start()
        yield
    finally:
        await relay.stop()
        await close_client_manager(manager)
