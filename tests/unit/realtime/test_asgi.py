"""One port: `/socket.io/...` goes to the Socket.IO server, everything else to the API."""

from __future__ import annotations

from typing import Any

import pytest

from sora2.realtime.asgi import SocketIORoute


class Recorder:
    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])

    async def handle_request(self, scope: Any, receive: Any, send: Any) -> None:
        await self(scope, receive, send)


@pytest.mark.parametrize(
    ("scope_type", "path", "to_socketio"),
    [
        ("http", "/socket.io/", True),
        ("http", "/socket.io", True),
        ("websocket", "/socket.io/", True),
        ("http", "/socket.iox/", False),
        ("http", "/api/videos", False),
        ("lifespan", "/socket.io/", False),
    ],
)
async def test_dispatch(scope_type: str, path: str, to_socketio: bool) -> None:
    api, sio = Recorder(), Recorder()
    route = SocketIORoute(api, server=lambda: sio, path="socket.io")

    async def nothing() -> Any:
        return {}

    async def ignore(message: Any) -> None:
        return None

    await route({"type": scope_type, "path": path}, nothing, ignore)

    assert (sio.paths, api.paths) == (([path], []) if to_socketio else ([], [path]))
