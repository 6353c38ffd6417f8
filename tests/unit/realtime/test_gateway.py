"""The gateway's handlers with fakes around them: the failures a live server rarely shows."""

from __future__ import annotations

from typing import Any

import pytest
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from sora2.domain import User
from sora2.errors import AuthenticationFailed, ServiceUnavailable
from sora2.realtime.gateway import INTERNAL_ERROR, RealtimeGateway

ALICE = User(id="u1", username="alice", password_hash="x", is_admin=False, created_at=0.0)


class FakeServer:
    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}
        self.sessions: dict[str, Any] = {}
        self.rooms: dict[str, set[str]] = {}
        self.emitted: list[tuple[str, Any, str]] = []

    def on(self, event: str, handler: Any, namespace: str) -> None:
        self.handlers[event] = handler

    async def save_session(self, sid: str, session: Any) -> None:
        self.sessions[sid] = session

    async def get_session(self, sid: str, namespace: str) -> Any:
        return self.sessions[sid]

    async def enter_room(self, sid: str, room: str, namespace: str) -> None:
        self.rooms.setdefault(room, set()).add(sid)

    async def leave_room(self, sid: str, room: str, namespace: str) -> None:
        self.rooms[room].discard(sid)

    async def emit(self, event: str, data: Any, *, to: str, namespace: str, **_: Any) -> None:
        self.emitted.append((event, data, to))


class FakeAuth:
    def __init__(self) -> None:
        self.failure: Exception | None = None

    async def authenticate(self, token: str) -> User:
        if self.failure is not None:
            raise self.failure
        return ALICE


class BrokenVideos:
    async def get(self, user: User, video_id: str) -> Any:
        raise RuntimeError("the database driver blew up")


@pytest.fixture
def parts() -> tuple[FakeServer, FakeAuth]:
    server, auth = FakeServer(), FakeAuth()
    RealtimeGateway(server=server, auth=auth, videos=BrokenVideos())
    return server, auth


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (AuthenticationFailed("token has expired; log in again"), "token has expired"),
        (ServiceUnavailable("database is busy"), "cannot check tokens right now"),
        (RuntimeError("boom"), INTERNAL_ERROR),
    ],
)
async def test_connect_refusals_say_why(
    parts: tuple[FakeServer, FakeAuth], failure: Exception, message: str
) -> None:
    server, auth = parts
    auth.failure = failure

    with pytest.raises(SocketRefused) as refused:
        await server.handlers["connect"]("sid", {}, {"token": "t"})

    assert message in str(refused.value.error_args["message"])
    assert server.rooms == {}


@pytest.mark.parametrize("auth_payload", [None, {}, {"token": ""}, {"token": 42}, "t"])
async def test_connect_without_a_token_is_refused(
    parts: tuple[FakeServer, FakeAuth], auth_payload: object
) -> None:
    server, _ = parts

    with pytest.raises(SocketRefused, match="missing token"):
        await server.handlers["connect"]("sid", {}, auth_payload)


async def test_an_unexpected_failure_is_an_error_reply_not_silence(
    parts: tuple[FakeServer, FakeAuth], caplog: pytest.LogCaptureFixture
) -> None:
    server, _ = parts
    await server.handlers["connect"]("sid", {}, {"token": "t"})

    reply = await server.handlers["request_video_status"]("sid", {"video_id": "v"})

    assert reply == {"error": INTERNAL_ERROR}
    assert server.emitted == [("error", reply, "sid")]
    assert "the database driver blew up" in caplog.text


async def test_a_request_from_a_socket_gone_meanwhile_is_answered(
    parts: tuple[FakeServer, FakeAuth],
) -> None:
    server, _ = parts

    reply = await server.handlers["request_video_status"]("gone", {"video_id": "v"})

    assert reply == {"error": "this socket is not connected"}


async def test_a_revoked_socket_leaves_its_room(parts: tuple[FakeServer, FakeAuth]) -> None:
    server, auth = parts
    await server.handlers["connect"]("sid", {}, {"token": "t"})
    assert server.rooms == {"user:u1": {"sid"}}
    auth.failure = AuthenticationFailed("token has been revoked; log in again")

    reply = await server.handlers["request_video_status"]("sid", {"video_id": "v"})

    assert reply == {"error": "token has been revoked; log in again"}
    assert server.rooms == {"user:u1": set()}
