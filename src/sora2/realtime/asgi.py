"""Route `/socket.io/` to the Socket.IO server and everything else to the API, on one port."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


class SocketIORoute:
    """ASGI middleware. The Socket.IO server is built at startup (with the rest of the
    container), after this middleware: `server()` returns it when a request arrives."""

    def __init__(
        self, app: ASGIApp, *, server: Callable[[], Any], path: str = "/socket.io"
    ) -> None:
        self._app = app
        self._server = server
        self._path = "/" + path.strip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self._matches(scope["path"]):
            await self._server().handle_request(scope, receive, send)
            return
        await self._app(scope, receive, send)

    def _matches(self, path: str) -> bool:
        return path == self._path or path.startswith(self._path + "/")
