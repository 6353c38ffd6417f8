"""Typed events: the only road from services to Socket.IO, MCP progress and CLI progress.

Each event is a pydantic model with its wire name; `payload()` is exactly what a client receives.
`InProcessEventBus` fans events out to in-process subscribers (the realtime gateway, tests, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

log = logging.getLogger(__name__)


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    wire_name: ClassVar[str]
    # Who may see the event: it is delivered to this user's sockets only.
    user_id: str

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"user_id"})


class VideoUpdate(Event):
    """`video_update`: a video changed (created, progressed, finished, failed or deleted)."""

    wire_name: ClassVar[str] = "video_update"
    video_id: str
    updates: dict[str, Any]


class SessionsRevoked(Event):
    """`session_revoked`: the user's tokens issued before `token_version` are dead (logout,
    password change or reset, account removed). Every process disconnects that user's sockets
    still holding an older token; each is told `reason` first."""

    wire_name: ClassVar[str] = "session_revoked"
    token_version: int  # sockets whose token carries an older version are ended
    reason: str

    def payload(self) -> dict[str, Any]:
        return {"reason": self.reason}


class InProcessEventBus:
    """Fan-out to subscribers in this process. A slow subscriber drops its oldest events."""

    def __init__(self, *, queue_size: int = 1024) -> None:
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue[Event]] = set()

    async def publish(self, event: Event) -> None:
        for queue in tuple(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                log.warning("event subscriber is slow; dropped its oldest event")
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
