"""Request body caps, enforced while the body is read, for every route.

A declared Content-Length above the cap is answered 413 at once, before a byte of the body is
read. A body without one (chunked) is counted as it arrives: the read that passes the cap
fails, whatever the app was doing with it (parsing JSON, spooling a multipart file) is
abandoned, and the client gets 413 instead of the app's answer. So no upload is ever buffered
or spooled beyond its cap. Headers are capped too (431): uvicorn's httptools parser has no limit.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sora2.api.errors import error_response

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MAX_HEADER_BYTES = 32 * 1024  # as nginx's default buffers: far above any real client's
HEADERS_TOO_LARGE = "request headers too large (the limit is 32 KiB)"


class BodyTooLarge(HTTPException):
    """Raised by `receive` when the body passes its cap (an HTTPException, so that the
    frameworks in between pass it on rather than call it a parsing error)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit))
        self.limit = limit


class BodyLimit:
    """ASGI middleware; `limit_for(scope)` is the cap, in bytes, of that request's body."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if sum(len(name) + len(value) for name, value in scope["headers"]) > MAX_HEADER_BYTES:
            await error_response(431, HEADERS_TOO_LARGE, {"Connection": "close"})(
                scope, receive, send
            )
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a body it could not read: ours replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await _refuse(scope, receive, send, limit)


def form_aware_limit(
    *, json_bytes: int, form_bytes: int, special: dict[str, int] | None = None
) -> Callable[[Scope], int]:
    """Forms (uploads) get `form_bytes`, other bodies `json_bytes`; a path starting with one
    of `special`'s keys gets that cap whatever its type."""
    prefixes = sorted((special or {}).items(), key=lambda item: -len(item[0]))

    def limit_for(scope: Scope) -> int:
        path: str = scope["path"]
        for prefix, limit in prefixes:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limit
        content_type = Headers(scope=scope).get("content-type", "").lower()
        if content_type.startswith(FORM_TYPES):
            return form_bytes
        return json_bytes

    return limit_for


def too_large_message(limit: int) -> str:
    return f"request body too large: the limit here is {_size(limit)}"


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    # The rest of the body is never read: the connection cannot be reused.
    response = error_response(413, too_large_message(limit), {"Connection": "close"})
    await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _size(limit: int) -> str:
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    return f"{limit} bytes"
