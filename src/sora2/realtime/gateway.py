"""The Socket.IO server's handlers: who may connect, which room they join, status requests.

Wire contract (docs/realtime.md):
- connect with `auth: {token}` (the REST API's JWT); refused with `connect_error` otherwise;
- server -> client `video_update` `{video_id, updates}`;
- client -> server `request_video_status` `{video_id}`: answered with a `video_update` holding
  the video's full state, also returned as the acknowledgement; errors as `{"error": ...}` (ack
  and an `error` event).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import socketio
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from sora2.config import Settings
from sora2.domain import User
from sora2.errors import AuthenticationFailed, InvalidInput, Sora2Error
from sora2.events import InProcessEventBus, VideoUpdate
from sora2.realtime.limits import TOO_MANY_EVENTS, EventRateLimiter, Verdict
from sora2.realtime.managers import close_client_manager, create_client_manager
from sora2.realtime.origins import OriginPolicy
from sora2.realtime.relay import NAMESPACE, EventRelay, user_room
from sora2.realtime.sessions import RevocationChannel, SessionEnder
from sora2.services.auth.service import AuthService
from sora2.services.videos import VideoService
from sora2.wire import video_fields

log = logging.getLogger(__name__)

SOCKETIO_PATH = "socket.io"
MISSING_TOKEN = "missing token: connect with auth {token} from POST /api/auth/login"  # noqa: S105
BAD_REQUEST = 'request_video_status expects {"video_id": "<id>"}'
INTERNAL_ERROR = "internal server error"


@dataclass(frozen=True, slots=True)
class _Session:
    user_id: str
    token: str


class RealtimeGateway:
    """Registers its handlers on `server`; the server's manager decides where emits go."""

    def __init__(
        self,
        *,
        server: Any,
        auth: AuthService,
        videos: VideoService,
        limiter: EventRateLimiter | None = None,
    ) -> None:
        self.server = server
        self._auth = auth
        self._videos = videos
        self._limiter = limiter or EventRateLimiter(rate=10.0, burst=30)
        server.on("connect", self._on_connect, namespace=NAMESPACE)
        server.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        server.on("request_video_status", self._on_request_video_status, namespace=NAMESPACE)
        server.on("*", self._on_other_event, namespace=NAMESPACE)

    async def disconnect_all(self) -> None:
        """Close every client's socket now (a shutdown): a held long-poll or websocket must not
        keep the HTTP server waiting; clients reconnect to whichever server is up."""
        if self.server.eio.sockets:
            await self.server.eio.disconnect()

    async def _on_connect(self, sid: str, environ: Mapping[str, Any], auth: object) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise SocketRefused(MISSING_TOKEN)
        try:
            user = await self._auth.authenticate(token)
        except AuthenticationFailed as exc:
            raise SocketRefused(exc.message) from None
        except Sora2Error as exc:
            log.warning("socket %s refused: %s", sid, exc.message)
            raise SocketRefused("the server cannot check tokens right now; retry later") from None
        except Exception:
            # The socket equivalent of an HTTP 500: logged, and the client told, not left waiting.
            log.exception("socket %s: connect failed", sid)
            raise SocketRefused(INTERNAL_ERROR) from None
        await self.server.save_session(sid, _Session(user_id=user.id, token=token))
        await self.server.enter_room(sid, user_room(user.id), namespace=NAMESPACE)

    async def _on_disconnect(self, sid: str, *args: object) -> None:
        self._limiter.forget(sid)

    async def _on_other_event(self, event: str, sid: str, *args: object) -> None:
        """Events nobody listens to are dropped, but they count against the socket's rate."""
        await self._over_rate(sid)

    async def _over_rate(self, sid: str) -> dict[str, Any] | None:
        """None if the socket may send this event; else the error it was told (and a socket
        that keeps on after being told is disconnected)."""
        verdict = self._limiter.check(sid)
        if verdict is Verdict.ALLOW:
            return None
        reply: dict[str, Any] = {"error": TOO_MANY_EVENTS}
        await self._reply(sid, "error", reply)
        if verdict is Verdict.DISCONNECT:
            log.warning("socket %s disconnected: too many events", sid)
            await self.server.disconnect(sid, namespace=NAMESPACE)
        return reply

    async def _on_request_video_status(self, sid: str, *args: object) -> dict[str, Any]:
        """Answer the asking socket only; the reply is also the acknowledgement."""
        if refused := await self._over_rate(sid):
            return refused
        try:
            user = await self._session_user(sid)
            video = await self._videos.get(user, _requested_id(args))
        except Sora2Error as exc:
            reply: dict[str, Any] = {"error": exc.message}
            await self._reply(sid, "error", reply)
            return reply
        except Exception:
            log.exception("socket %s: request_video_status failed", sid)
            reply = {"error": INTERNAL_ERROR}
            await self._reply(sid, "error", reply)
            return reply
        update = VideoUpdate(user_id=user.id, video_id=video.id, updates=video_fields(video))
        reply = update.payload()
        await self._reply(sid, update.wire_name, reply)
        return reply

    async def _session_user(self, sid: str) -> User:
        """Re-check the socket's token on every request. A socket whose token was revoked, or
        whose user was deleted, leaves its user's room: it gets nothing more but errors."""
        try:
            session: _Session = await self.server.get_session(sid, namespace=NAMESPACE)
        except KeyError:  # the socket disconnected while its request was on the way
            raise AuthenticationFailed("this socket is not connected") from None
        try:
            return await self._auth.authenticate(session.token)
        except AuthenticationFailed:
            await self.server.leave_room(sid, user_room(session.user_id), namespace=NAMESPACE)
            raise

    async def _reply(self, sid: str, event: str, data: dict[str, Any]) -> None:
        # The asking socket is served by this process: no need to go through Redis.
        await self.server.emit(event, data, to=sid, namespace=NAMESPACE, ignore_queue=True)


def _requested_id(args: tuple[object, ...]) -> str:
    match args:
        case ({"video_id": str(video_id)},) if video_id:
            return video_id
        case _:
            raise InvalidInput(BAD_REQUEST)


def create_server(settings: Settings, manager: Any) -> Any:
    """A python-socketio ASGI server speaking Engine.IO 4 / Socket.IO 5 (socket.io-client 4.x)."""
    return socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        cors_allowed_origins=OriginPolicy(settings.cors_origins),
        cors_credentials=False,
        max_http_buffer_size=settings.socketio_max_message_bytes,
        logger=False,
        engineio_logger=False,
    )


@asynccontextmanager
async def open_gateway(
    settings: Settings, *, auth: AuthService, videos: VideoService, events: InProcessEventBus
) -> AsyncIterator[RealtimeGateway]:
    """The Socket.IO server, relaying this process's events, for the life of the context."""
    manager = create_client_manager(settings)
    server = create_server(settings, manager)
    limiter = EventRateLimiter(
        rate=settings.socketio_events_per_second, burst=settings.socketio_event_burst
    )
    gateway = RealtimeGateway(server=server, auth=auth, videos=videos, limiter=limiter)
    # Start the manager (its Redis listener) now rather than at the first connection, so a
    # socket that has connected can rely on receiving every later event.
    server.manager_initialized = True
    manager.initialize()
    revocations = RevocationChannel(
        redis_url=settings.redis_url,
        channel=settings.redis_channel,
        deliver=SessionEnder(server=server, auth=auth).end,
    )
    relay = EventRelay(events=events, emitter=server, on_revoked=revocations.publish)
    try:
        await revocations.start()
        await relay.start()
        yield gateway
    finally:
        await relay.stop()
        await revocations.stop()
        await server.shutdown()
        await close_client_manager(manager)
