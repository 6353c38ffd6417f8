"""Where Socket.IO emits go: this process's sockets, or every process's through Redis.

With `SORA2_REDIS_URL` set, every emit is published on `SORA2_REDIS_CHANNEL`, and each API
process delivers it to the sockets it serves. A process that serves no sockets (a worker) emits
through a write-only manager. Each event must be emitted once, by the process that made the
change: the shared channel is what carries it to the others.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import socketio

from sora2.config import Settings
from sora2.errors import InvalidInput


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
        return socketio.AsyncManager()
    return socketio.AsyncRedisManager(
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
