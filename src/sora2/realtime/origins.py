"""Which browser origins may open a Socket.IO connection: the server's own, plus an allow-list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit


class OriginPolicy:
    """A `cors_allowed_origins` callable for python-socketio: `policy(origin, environ)`.

    Same-origin means the Origin header names the host (and port) the request was sent to, as
    its Host header says; the scheme is not compared, so a TLS-terminating proxy in front of a
    plain-HTTP server still counts as the same origin. Clients that send no Origin (programs,
    not browsers) never reach this check.
    """

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self._allowed = frozenset(_normalise(origin) for origin in allowed)

    def __call__(self, origin: str | None, environ: Mapping[str, object] | None = None) -> bool:
        if not origin:
            return True
        if _normalise(origin) in self._allowed:
            return True
        host = (environ or {}).get("HTTP_HOST")
        netloc = urlsplit(origin).netloc
        return isinstance(host, str) and bool(netloc) and netloc.lower() == host.strip().lower()


def _normalise(origin: str) -> str:
    return origin.strip().rstrip("/").lower()
