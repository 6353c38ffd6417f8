"""Logout, password change, admin reset and removal revoke a user's tokens at once: REST and
MCP refuse them, and already-connected Socket.IO clients are told and disconnected at once (well
within a second on an idle machine), in every server process (through Redis)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Account, AccountFactory
from tests.support.logins import MCP_HEADERS, MCP_INITIALIZE
from tests.support.pubsub import REDIS_URL
from tests.support.server import LiveServer, live_server
from tests.support.sockets import SocketRecorder

# Seconds from the revoking response to the socket's disconnection. Pushed by the server, it takes
# milliseconds; the limit is roomy for a busy machine, and still far below Engine.IO's ping
# interval (25 s), the only other way a socket would learn of it.
DEADLINE = 5.0

pytestmark = pytest.mark.shared_server


class LiveSocket(SocketRecorder):
    """A recorder that also keeps `session_revoked` messages and notices its disconnection."""

    def __init__(self) -> None:
        super().__init__()
        self.revoked: list[dict[str, Any]] = []
        self.disconnected_at: float | None = None
        self.client.on("session_revoked", self.revoked.append)
        self.client.on("disconnect", self._gone)

    def _gone(self, *args: object) -> None:
        self.disconnected_at = time.monotonic()

    async def wait_disconnected(self, since: float, deadline: float = DEADLINE) -> float:
        """Seconds from `since` until the server ended this socket; fails past the deadline."""
        limit = since + max(deadline, 0.0) + 5  # wait longer, to report how late it was
        while self.disconnected_at is None and time.monotonic() < limit:
            await asyncio.sleep(0.01)
        assert self.disconnected_at is not None, "the socket was never disconnected"
        assert not self.client.connected
        return self.disconnected_at - since


async def connected(url: str, token: str) -> LiveSocket:
    socket = LiveSocket()
    await socket.connect(url, token)
    return socket


def mcp_status(server: LiveServer, token: str) -> int:
    with server.client(token) as client:
        return client.post("/mcp", json=MCP_INITIALIZE, headers=MCP_HEADERS).status_code


def me_status(server: LiveServer, token: str) -> int:
    with server.client(token) as client:
        return client.get("/api/auth/me").status_code


def test_logout_kills_every_token_of_the_user_and_no_other(
    server: LiveServer, account: AccountFactory
) -> None:
    alice, bob = account(), account()
    second = server.login(alice.username, alice.password)
    assert mcp_status(server, alice.token) == 200

    with server.client(alice.token) as client:
        assert client.post("/api/auth/logout").status_code == 204
        again = client.get("/api/auth/me")

    assert again.status_code == 401 and "revoked" in again.json()["error"]
    assert me_status(server, second) == 401
    assert mcp_status(server, alice.token) == 401
    assert mcp_status(server, second) == 401
    assert me_status(server, bob.token) == 200
    assert me_status(server, server.login(alice.username, alice.password)) == 200


def test_logout_needs_a_valid_token(server: LiveServer) -> None:
    with server.client() as anonymous:
        response = anonymous.post("/api/auth/logout")
    assert response.status_code == 401 and set(response.json()) == {"error"}


def change_own_password(server: LiveServer, account: Account) -> str:
    with server.client(account.token) as client:
        changed = client.post(
            "/api/auth/password",
            json={"current_password": account.password, "new_password": "a-fresh-passphrase"},
        )
    assert changed.status_code == 200, changed.text
    return str(changed.json()["token"])


def test_a_password_change_kills_old_tokens_on_rest_and_mcp(
    server: LiveServer, account: AccountFactory
) -> None:
    alice = account()
    new_token = change_own_password(server, alice)

    assert me_status(server, alice.token) == 401
    assert mcp_status(server, alice.token) == 401
    assert me_status(server, new_token) == 200
    assert mcp_status(server, new_token) == 200


def test_an_admin_reset_kills_the_users_tokens(
    server: LiveServer, admin: httpx.Client, account: AccountFactory
) -> None:
    alice = account()
    reset = admin.put(f"/api/users/{alice.id}/password", json={"password": "set-by-the-admin"})
    assert reset.status_code == 204

    assert me_status(server, alice.token) == 401
    assert mcp_status(server, alice.token) == 401


Revoke = Callable[[LiveServer, httpx.Client, Account], str | None]


def by_logout(server: LiveServer, admin: httpx.Client, alice: Account) -> str | None:
    with server.client(alice.token) as client:
        assert client.post("/api/auth/logout").status_code == 204
    return None


def by_password_change(server: LiveServer, admin: httpx.Client, alice: Account) -> str | None:
    return change_own_password(server, alice)


def by_admin_reset(server: LiveServer, admin: httpx.Client, alice: Account) -> str | None:
    reset = admin.put(f"/api/users/{alice.id}/password", json={"password": "set-by-the-admin"})
    assert reset.status_code == 204
    return None


def by_removal(server: LiveServer, admin: httpx.Client, alice: Account) -> str | None:
    assert admin.delete(f"/api/users/{alice.id}").status_code == 204
    return None


@pytest.mark.parametrize(
    ("revoke", "reason"),
    [
        (by_logout, "logged out"),
        (by_password_change, "password changed"),
        (by_admin_reset, "password reset"),
        (by_removal, "account removed"),
    ],
    ids=["logout", "password-change", "admin-reset", "removal"],
)
async def test_connected_sockets_are_told_and_disconnected_within_a_second(
    server: LiveServer,
    admin: httpx.Client,
    account: AccountFactory,
    revoke: Revoke,
    reason: str,
) -> None:
    alice, bob = account(), account()
    alices = [await connected(server.url, alice.token) for _ in range(2)]
    bobs = await connected(server.url, bob.token)
    try:
        new_token = await asyncio.to_thread(revoke, server, admin, alice)
        since = time.monotonic()
        for socket in alices:
            assert await socket.wait_disconnected(since) <= DEADLINE
            assert socket.revoked == [{"reason": reason}]
        if new_token is not None:
            # The token the password change returned opens a socket that stays up.
            fresh = await connected(server.url, new_token)
            answer = await fresh.request_status({"video_id": "nope"})  # served after the revocation
            assert answer["error"] == "video not found" and fresh.client.connected
            await fresh.close()
        assert bobs.client.connected and bobs.revoked == []
        assert (await bobs.request_status({"video_id": "nope"}))["error"] == "video not found"
    finally:
        for socket in (*alices, bobs):
            await socket.close()


@pytest.fixture
def two_processes(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers on one database and one Redis channel, like two API processes."""
    channel = f"sora2-test-{uuid.uuid4().hex}"
    shared = {
        "redis_url": REDIS_URL,
        "redis_channel": channel,
        "jwt_secret": "s" * 48,
    }
    with (
        live_server(tmp_path / "a", database_url, **shared) as a,
        live_server(tmp_path / "b", database_url, **shared) as b,
    ):
        yield a, b


@pytest.mark.own_server
async def test_a_logout_on_one_process_disconnects_sockets_on_another(
    two_processes: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_processes
    token = b.login("admin", "admin")
    on_a = await connected(a.url, token)
    on_b = await connected(b.url, token)
    try:
        with b.client(token) as client:
            assert client.post("/api/auth/logout").status_code == 204
        since = time.monotonic()
        assert await on_a.wait_disconnected(since) <= DEADLINE
        assert await on_b.wait_disconnected(since) <= DEADLINE
        assert on_a.revoked == on_b.revoked == [{"reason": "logged out"}]
        assert me_status(a, token) == 401
    finally:
        await on_a.close()
        await on_b.close()


CACHE_SECONDS = 0.5  # SORA2_USER_CACHE_SECONDS of the two processes below


@pytest.fixture
def two_processes_without_redis(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers on one database and nothing between them: neither hears of the other's
    revocations, so the user rows they keep in memory expire after CACHE_SECONDS."""
    shared = {"jwt_secret": "s" * 48, "user_cache_seconds": CACHE_SECONDS}
    with (
        live_server(tmp_path / "a", database_url, **shared) as a,
        live_server(tmp_path / "b", database_url, **shared) as b,
    ):
        yield a, b


def last_accepted(server: LiveServer, token: str, *, since: float, limit: float = 60.0) -> float:
    """Poll `server` with `token` until it is refused; return when the last request that was
    still accepted was sent, in seconds after `since`. A request sent at that time was answered
    no earlier, so however slow the machine, a revocation that applies within N seconds keeps
    this value at or below N."""
    last = 0.0
    while True:
        sent = time.monotonic()
        if me_status(server, token) != 200:
            return last
        last = sent - since
        assert sent - since < limit, "the revoked token kept working"
        time.sleep(0.02)


@pytest.mark.own_server
def test_a_logout_another_process_cannot_hear_of_applies_within_the_cache_time(
    two_processes_without_redis: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_processes_without_redis
    token = b.login("admin", "admin")
    assert me_status(a, token) == 200  # a now remembers the user
    remembered = time.monotonic()  # no earlier than when a read the row

    with b.client(token) as client:
        assert client.post("/api/auth/logout").status_code == 204
    assert me_status(b, token) == 401  # at once where it was made

    # a read the row before `remembered`: it may serve it for CACHE_SECONDS, no longer.
    assert last_accepted(a, token, since=remembered) <= CACHE_SECONDS + 0.05


@pytest.mark.own_server
def test_the_new_token_of_a_password_change_works_at_once_on_another_process(
    two_processes_without_redis: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_processes_without_redis
    old = b.login("admin", "admin")
    assert me_status(a, old) == 200
    with b.client(old) as client:
        changed = client.post(
            "/api/auth/password",
            json={"current_password": "admin", "new_password": "a-fresh-passphrase"},
        )
    assert changed.status_code == 200, changed.text

    # a's remembered row is older than the new token: a reads the row again.
    assert me_status(a, changed.json()["token"]) == 200
    assert me_status(a, old) == 401
