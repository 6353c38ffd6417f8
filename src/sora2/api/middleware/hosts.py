"""The Host-header allow-list: a request must name this server, which defeats DNS rebinding.

A page at `http://evil.example` whose name is re-pointed at 127.0.0.1 makes the browser send
`Host: evil.example` to the platform; that name is not on the list, so the request is refused
(400 over HTTP; a WebSocket is closed before it opens). An IP address in the Host header is
never the result of a rebinding (the browser was pointed at the address itself), so beyond
loopback any IP address is accepted by default, while names must be listed.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import Final

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from sora2.api.errors import error_response
from sora2.config import Settings

log = logging.getLogger(__name__)

LOOPBACK_NAMES: Final = ("localhost", "127.0.0.1", "[::1]")
WRONG_HOST = "this server does not answer to that Host; see SORA2_ALLOWED_HOSTS"
MISSING_HOST = "a Host header is required"


class HostPolicy:
    """Which Host header values are accepted: exact names, `*.domain`, `*`, IP addresses."""

    def __init__(self, names: Iterable[str], *, any_ip_address: bool = False) -> None:
        entries = [name.lower().rstrip(".") for name in names]
        self.allow_all = "*" in entries
        self.any_ip_address = any_ip_address
        self._exact = frozenset(_bare(name) for name in entries if not name.startswith("*"))
        self._suffixes = tuple(name[1:] for name in entries if name.startswith("*."))

    @classmethod
    def from_settings(cls, settings: Settings) -> HostPolicy:
        """The configured list; else loopback names (plus any IP address beyond loopback)."""
        if settings.allowed_hosts:
            return cls(settings.allowed_hosts)
        if settings.listens_on_loopback:
            return cls(LOOPBACK_NAMES)
        names = [*LOOPBACK_NAMES]
        if not _is_ip_address(settings.host) and settings.host not in ("", "*"):
            names.append(settings.host)  # a name to listen on is a name clients use
        return cls(names, any_ip_address=True)

    def describe(self) -> str:
        if self.allow_all:
            return "any Host (SORA2_ALLOWED_HOSTS=*): the proxy in front must check it"
        names = sorted(self._exact) + [f"*{suffix}" for suffix in self._suffixes]
        extra = " and any IP address" if self.any_ip_address else ""
        return f"requests addressed to {', '.join(names)}{extra}"

    def allows(self, host_header: str | None) -> bool:
        if self.allow_all:
            return True
        if not host_header:
            return False
        host = _bare(_strip_port(host_header.strip().lower()))
        if host in self._exact:
            return True
        if self.any_ip_address and _is_ip_address(host):
            return True
        return any(host.endswith(suffix) and len(host) > len(suffix) for suffix in self._suffixes)


class HostAllowList:
    """ASGI middleware refusing requests (HTTP and WebSocket) whose Host is not allowed."""

    def __init__(self, app: ASGIApp, *, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        if self.policy.allows(host):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            # Closing before accepting: the server answers the handshake with 403.
            await send({"type": "websocket.close", "code": 1008})
            return
        message = WRONG_HOST if host else MISSING_HOST
        await error_response(400, message)(scope, receive, send)


def log_host_policy(settings: Settings, policy: HostPolicy) -> None:
    """One line at startup saying which Host names are answered, loudly when exposed."""
    if settings.listens_on_loopback or settings.allowed_hosts:
        log.info("answering %s", policy.describe())
        return
    log.warning(
        "listening on %s without SORA2_ALLOWED_HOSTS: answering only %s. To serve a name "
        "(https://videos.example.com), set SORA2_ALLOWED_HOSTS=videos.example.com",
        settings.host,
        policy.describe(),
    )


def _strip_port(host: str) -> str:
    if host.startswith("["):  # [v6]:port
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    name, _, port = host.rpartition(":")
    return name if name and port.isdigit() and ":" not in name else host


def _bare(host: str) -> str:
    """The comparable form: no trailing dot; an IPv6 address always in brackets."""
    host = host.rstrip(".")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            return host
    return host


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
