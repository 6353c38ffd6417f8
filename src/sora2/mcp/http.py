"""The MCP server over streamable HTTP, served by the platform itself at `/mcp`.

Every request must carry the platform's bearer token (the one `POST /api/auth/login` returns);
without a valid one the answer is the API's own `401 {"error": ...}`. The tools then act as
that user, in process, through the container's services (`ServiceBackend`).

Stateless: each POST is served on its own (no session kept in memory), so any of several API
processes can answer any request, and every request is authenticated. Progress notifications of
a tool call travel on that call's own response stream (SSE).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from sora2.container import Container
from sora2.domain import User
from sora2.errors import AuthenticationFailed, RateLimited, ServiceUnavailable, Sora2Error
from sora2.mcp.host import RequestContext, ToolHost
from sora2.mcp.mount import MCP_PATH
from sora2.mcp.port import BackendError
from sora2.mcp.server import build_server
from sora2.mcp.service_backend import ServiceBackend

MEDIA_PATH = "/api/media/"  # the signed media route (api/routes/media.py)
MISSING_TOKEN = "missing bearer token; log in at POST /api/auth/login"  # noqa: S105
_USER = "sora2.user"  # where an authenticated request's user travels in the ASGI scope


class McpHttpEndpoint:
    """The ASGI app behind `/mcp`: authenticate, then hand the request to the MCP SDK."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self.server = build_server(ToolHost.remote(self._backend_for))
        # Only the session manager is used: it is built with the app the SDK returns, which
        # is not mounted (the platform routes `/mcp` here itself).
        self.server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            stateless_http=True,
            # Room for a first-frame image as base64 (4/3 of its bytes) in a tool call.
            max_request_body_size=container.settings.max_upload_bytes * 4 // 3 + (1 << 20),
            # The SDK's Host/Origin check stays off: the platform's own middleware checks every
            # request first, /mcp included, with one policy (api/middleware: hosts.py for
            # SORA2_ALLOWED_HOSTS, which the SDK's list could not express (`*.example.com`),
            # and cors.py, which refuses a foreign Origin on /mcp).
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            user = await self._authenticate(Headers(scope=scope))
        except Sora2Error as exc:
            await _error(scope, receive, send, exc)
            return
        await self.server.session_manager.handle_request({**scope, _USER: user}, receive, send)

    async def _authenticate(self, headers: Headers) -> User:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed(MISSING_TOKEN)
        return await self._container.auth.authenticate(token.strip())

    def _backend_for(self, context: RequestContext) -> ServiceBackend:
        request = context.request
        user = request.scope.get(_USER) if isinstance(request, Request) else None
        if not isinstance(request, Request) or not isinstance(user, User):
            # Cannot happen: every request is authenticated before it reaches the SDK.
            raise BackendError("this request is not authenticated")
        base = str(request.base_url).rstrip("/")
        container = self._container
        return ServiceBackend(
            user=user,
            videos=container.videos,
            events=container.events,
            catalogue=container.catalogue,
            media_urls=container.media_urls,
            link_url=lambda token: f"{base}{MEDIA_PATH}{token}?download=true",
        )


async def _error(scope: Scope, receive: Receive, send: Send, exc: Sora2Error) -> None:
    """The API's error shape (`{"error": ...}`, api/errors.py), for requests refused here."""
    headers = [(b"content-type", b"application/json")]
    if isinstance(exc, AuthenticationFailed):
        headers.append((b"www-authenticate", b"Bearer"))
    if isinstance(exc, ServiceUnavailable | RateLimited):
        retry = max(1, math.ceil(exc.retry_after or 1))
        headers.append((b"retry-after", str(retry).encode()))
    body = json.dumps({"error": exc.message}).encode()
    await send({"type": "http.response.start", "status": exc.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def open_mcp_endpoint(container: Container) -> AsyncIterator[McpHttpEndpoint]:
    """The endpoint, running (its session manager's task group) until the context exits."""
    endpoint = McpHttpEndpoint(container)
    async with endpoint.server.session_manager.run():
        yield endpoint
