"""Ending a user's live sockets when their tokens are revoked, in every API process at once.

`SessionsRevoked` (events.py) is published by the process that revoked (logout, password change
or reset, account removal). The relay hands it to `RevocationChannel.publish`; with Redis it goes
out on `<SORA2_REDIS_CHANNEL>.sessions` and every API process (the publisher included) ends its
own sockets of that user; without Redis this process is the only one and ends them directly.

A socket is ended only if its token is older than the event (`token_version`): the new token a
password change returns may already hold a fresh socket, which must survive. Each ended socket
is sent `session_revoked {reason}` first, then disconnected by the server (no reconnection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from pydantic import ValidationError

from sora2.events import SessionsRevoked
from sora2.realtime.relay import NAMESPACE, user_room
from sora2.services.auth.service import AuthService

log = logging.getLogger(__name__)

Deliver = Callable[[SessionsRevoked], Awaitable[None]]
RETRY_SECONDS = 1.0


class SessionEnder:
    """Ends this process's sockets of a user whose tokens were revoked."""

    def __init__(self, *, server: Any, auth: AuthService) -> None:
        self._server = server
        self._auth = auth

    async def end(self, event: SessionsRevoked) -> None:
        # This process's requests must not accept the revoked tokens on a cached user row.
        self._auth.forget_user(event.user_id)
        room = user_room(event.user_id)
        for sid, _ in list(self._server.manager.get_participants(NAMESPACE, room)):
            if not await self._outdated(sid, event.token_version):
                continue
            log.info("ending socket %s of user %s: %s", sid, event.user_id, event.reason)
            await self._server.emit(
                event.wire_name, event.payload(), to=sid, namespace=NAMESPACE, ignore_queue=True
            )
            await self._server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)

    async def _outdated(self, sid: str, token_version: int) -> bool:
        try:
            session = await self._server.get_session(sid, namespace=NAMESPACE)
        except KeyError:  # gone meanwhile
            return False
        token = getattr(session, "token", None)
        version = self._auth.token_version(token) if isinstance(token, str) else None
        return version is None or version < token_version


class RevocationChannel:
    """Carries `SessionsRevoked` to every API process: Redis pub/sub when `redis_url` is set,
    else a direct call. `start()` subscribes before returning."""

    def __init__(self, *, redis_url: str | None, channel: str, deliver: Deliver) -> None:
        self._url = redis_url
        self._channel = f"{channel}.sessions"
        self._deliver = deliver
        self._redis: aioredis.Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        if self._url is None:
            return
        self._redis = aioredis.Redis.from_url(self._url)
        self._task = asyncio.create_task(self._listen(), name="sora2-session-revocations")
        with contextlib.suppress(TimeoutError):
            # If Redis is down now, the listener keeps trying; local revocations still work.
            await asyncio.wait_for(self._subscribed.wait(), timeout=5)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def publish(self, event: SessionsRevoked) -> None:
        if self._redis is None:
            await self._deliver(event)
            return
        try:
            await self._redis.publish(self._channel, event.model_dump_json())
        except Exception:
            # Other processes cannot be told; this one's sockets are ended at least.
            log.exception("could not publish a revocation through Redis; ending local sockets")
            await self._deliver(event)

    async def _listen(self) -> None:
        assert self._redis is not None
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            await self._handle(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("revocation channel lost; resubscribing", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)

    async def _handle(self, data: bytes | str) -> None:
        try:
            event = SessionsRevoked.model_validate_json(data)
        except ValidationError:
            log.warning("ignored a malformed message on %s", self._channel)
            return
        try:
            await self._deliver(event)
        except Exception:
            log.exception("could not end the sockets of user %s", event.user_id)
