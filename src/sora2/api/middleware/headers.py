"""Security headers on every HTTP response: API JSON, media, errors, 404s and the web UI.

A response that set its own Content-Security-Policy (the UI's HTML, the API docs page) keeps
it; JSON gets `default-src 'none'`, and other bodies (media, files) a policy that lets the
browser show an image or play a video but never run anything. HSTS is only sent on a request
that arrived over TLS (the scheme uvicorn takes from a trusted proxy's X-Forwarded-Proto):
over plain HTTP it would be ignored anyway, and on localhost it would pin a developer's machine.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_CSP: Final = "default-src 'none'; frame-ancestors 'none'"
CONTENT_CSP: Final = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; sandbox"
)
HSTS: Final = "max-age=31536000"
ALWAYS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware adding the headers to each response start, keeping any already set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                _add(MutableHeaders(scope=message), tls=tls)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _add(headers: MutableHeaders, *, tls: bool) -> None:
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    json = content_type == "application/json" or content_type.endswith("+json")
    if "content-security-policy" not in headers:
        headers["Content-Security-Policy"] = JSON_CSP if json or not content_type else CONTENT_CSP
    if json and "cache-control" not in headers:
        # API answers carry tokens and private data: never kept by a browser or a proxy.
        headers["Cache-Control"] = "no-store"
    if tls:
        headers.setdefault("Strict-Transport-Security", HSTS)
