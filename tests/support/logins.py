"""Logins from chosen client addresses: Linux routes all of 127.0.0.0/8 to loopback, so a client
bound to 127.0.0.N reaches a test server on 127.0.0.1 and is seen as coming from 127.0.0.N
(no proxy header involved)."""

from __future__ import annotations

import itertools
import os

import httpx

from tests.support.server import LiveServer

# A whole MCP request on its own (the platform's `/mcp` is stateless): 200 with a valid token.
MCP_INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "jwt-tests", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}

# Distinct per xdist worker and per call, so tests running side by side never share an address.
_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_hosts = itertools.count(2)


def fresh_address() -> str:
    """A loopback address no other test of this run uses (127.<10 + worker>.x.y)."""
    n = next(_hosts)
    return f"127.{10 + _worker % 240}.{n // 250 % 250}.{n % 250 + 1}"


def client_from(server: LiveServer, address: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(
        base_url=server.url,
        headers=headers,
        timeout=30,
        transport=httpx.HTTPTransport(local_address=address),
    )


def attempt_login(
    server: LiveServer, username: str, password: str, *, address: str
) -> httpx.Response:
    with client_from(server, address) as client:
        return client.post("/api/auth/login", json={"username": username, "password": password})
