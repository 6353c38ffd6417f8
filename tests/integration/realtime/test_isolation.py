"""Each user's sockets see their own videos and nothing of anybody else's."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import AccountFactory
from tests.integration.realtime.conftest import (
    RecorderFactory,
    create_video,
    token_of,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server


async def test_users_see_only_their_own_updates(
    server: LiveServer, admin: httpx.Client, account: AccountFactory, recorders: RecorderFactory
) -> None:
    alice, bob = account(), account()
    alice_socket = await recorders(alice.token)
    alice_second_tab = await recorders(alice.token)
    bob_socket = await recorders(bob.token)
    admin_socket = await recorders(token_of(admin))

    with server.client(alice.token) as client:
        video = create_video(client)
        await alice_socket.wait_until_finished(video["id"])
        await alice_second_tab.wait_until_finished(video["id"])
        assert client.delete(f"/api/videos/{video['id']}").is_success
    await alice_socket.wait_for(lambda: {"deleted": True} in alice_socket.updates_for(video["id"]))

    ack = await bob_socket.request_status({"video_id": video["id"]})
    assert ack == {"error": "video not found"}
    await bob_socket.wait_for(lambda: bob_socket.errors)
    assert bob_socket.errors == [ack]
    assert bob_socket.updates == []
    assert admin_socket.updates == []  # admins are users too: no one else's events


async def test_another_users_video_is_answered_like_a_missing_one(
    server: LiveServer, account: AccountFactory, recorders: RecorderFactory
) -> None:
    alice, bob = account(), account()
    with server.client(alice.token) as client:
        video = create_video(client)
    bob_socket = await recorders(bob.token)

    ack = await bob_socket.request_status({"video_id": video["id"]})

    assert ack == {"error": "video not found"}
    assert bob_socket.updates == []
