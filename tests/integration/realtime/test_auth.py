"""Who may connect: the REST API's token, checked on connect and on every request."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tests.conftest import AccountFactory
from tests.integration.realtime.conftest import (
    RecorderFactory,
    create_video,
    token_of,
)
from tests.support.server import LiveServer, wait_for_status
from tests.support.sockets import SocketRecorder

pytestmark = pytest.mark.shared_server


async def refusal(server: LiveServer, token: str | None) -> str:
    recorder = SocketRecorder()
    try:
        reason = await recorder.refused(server.url, token)
    finally:
        await recorder.close()
    assert not recorder.client.connected
    return reason


async def test_missing_and_invalid_tokens_are_refused(server: LiveServer) -> None:
    secret = (server.settings.data_dir / "jwt_secret").read_text().strip()
    now = int(time.time())
    forged = jwt.encode({"sub": "x", "iat": now, "exp": now + 60, "jti": "j"}, "x" * 40, "HS256")

    assert "missing token" in await refusal(server, None)
    assert "missing token" in await refusal(server, "")
    assert await refusal(server, "garbage") == "invalid token"
    assert await refusal(server, forged) == "invalid token"
    claims = {"sub": "x", "iat": now - 100, "exp": now - 10, "jti": "j"}
    assert "expired" in await refusal(server, jwt.encode(claims, secret, "HS256"))


async def test_an_expired_token_of_a_real_user_is_refused(
    server: LiveServer, admin: httpx.Client
) -> None:
    secret = (server.settings.data_dir / "jwt_secret").read_text().strip()
    claims = jwt.decode(token_of(admin), secret, algorithms=["HS256"])
    claims |= {"iat": claims["iat"] - 3600, "exp": int(time.time()) - 1}

    assert "expired" in await refusal(server, jwt.encode(claims, secret, "HS256"))


async def test_a_revoked_token_is_refused(server: LiveServer, account: AccountFactory) -> None:
    alice = account()
    with server.client(alice.token) as client:
        changed = client.post(
            "/api/auth/password",
            json={"current_password": alice.password, "new_password": "a-new-password"},
        )
        assert changed.status_code == 200

    assert "revoked" in await refusal(server, alice.token)
    assert "revoked" not in await refusal(server, "garbage")
    socket = SocketRecorder()
    await socket.connect(server.url, changed.json()["token"])  # the new token works
    await socket.close()


async def test_a_deleted_users_token_is_refused(
    server: LiveServer, admin: httpx.Client, account: AccountFactory
) -> None:
    bob = account()
    assert admin.delete(f"/api/users/{bob.id}").status_code == 204

    assert "no longer exists" in await refusal(server, bob.token)


async def test_a_socket_whose_token_is_revoked_is_disconnected_and_gets_no_more_updates(
    server: LiveServer, account: AccountFactory, recorders: RecorderFactory
) -> None:
    carol = account()
    socket = await recorders(carol.token)
    with server.client(carol.token) as client:
        before = create_video(client)
        await socket.wait_until_finished(before["id"])
        changed = client.post(
            "/api/auth/password",
            json={"current_password": carol.password, "new_password": "another-password"},
        )
        assert changed.status_code == 200

    # Pushed out by the server (tests/integration/security/test_revocation.py has the details).
    await socket.wait_for(lambda: not socket.client.connected, timeout=30)
    with server.client(changed.json()["token"]) as client:
        after = create_video(client)
        wait_for_status(client, after["id"], {"completed"})
    assert socket.updates_for(after["id"]) == []
