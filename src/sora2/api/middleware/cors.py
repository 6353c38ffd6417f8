"""CORS for the REST API and /mcp, from the allow-list Socket.IO uses (SORA2_CORS_ORIGINS).

Only listed origins get `Access-Control-Allow-Origin` (their own, never `*`), and never
credentials: the API authenticates with bearer tokens, not cookies. A preflight is answered
here (204, or 403 for an origin not listed) and never reaches a route. /mcp also refuses an
actual request from a foreign origin, as the MCP transport specification asks. Socket.IO
answers its own CORS (realtime/origins.py, the same policy): its path is passed through.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sora2.api.errors import error_response
from sora2.realtime.origins import OriginPolicy

ALLOW_METHODS: Final = "GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS: Final = frozenset(
    {
        "authorization",
        "content-type",
        "range",
        "if-none-match",
        "if-range",
        "mcp-protocol-version",
        "mcp-session-id",
        "last-event-id",
    }
)
EXPOSE_HEADERS: Final = (
    "Content-Disposition, Content-Range, Accept-Ranges, Content-Length, ETag, Retry-After, "
    "WWW-Authenticate, Location, Mcp-Session-Id"
)
MAX_AGE: Final = "600"
FOREIGN_ORIGIN = "requests from this origin are not allowed; see SORA2_CORS_ORIGINS"


class Cors:
    """ASGI middleware. `skip` paths (Socket.IO) handle CORS themselves; `strict` paths refuse
    a foreign Origin outright."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        policy: OriginPolicy,
        skip: tuple[str, ...] = (),
        strict: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.policy = policy
        self.skip = skip
        self.strict = strict

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _under(scope["path"], self.skip):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:  # not a cross-origin browser request
            await self.app(scope, receive, send)
            return
        allowed = self.policy(origin, {"HTTP_HOST": headers.get("host", "")})
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(scope, receive, send, origin, allowed, headers)
            return
        if not allowed and _under(scope["path"], self.strict):
            await error_response(403, FOREIGN_ORIGIN)(scope, receive, send)
            return
        if not allowed:
            await self.app(scope, receive, send)  # no CORS headers: the browser hides the answer
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                response_headers = MutableHeaders(scope=message)
                response_headers["Access-Control-Allow-Origin"] = origin
                response_headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
                response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        origin: str,
        allowed: bool,
        headers: Headers,
    ) -> None:
        if not allowed:
            await error_response(403, FOREIGN_ORIGIN, {"Vary": "Origin"})(scope, receive, send)
            return
        requested = {
            name.strip().lower()
            for name in headers.get("access-control-request-headers", "").split(",")
            if name.strip()
        }
        refused = sorted(requested - ALLOW_HEADERS)
        if refused:
            message = f"request headers not allowed: {', '.join(refused)}"
            await error_response(403, message, {"Vary": "Origin"})(scope, receive, send)
            return
        response = Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": ", ".join(sorted(ALLOW_HEADERS)),
                "Access-Control-Max-Age": MAX_AGE,
                "Vary": "Origin",
            },
        )
        await response(scope, receive, send)


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)
