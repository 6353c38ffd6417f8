"""Socket.IO caps: a message size, and a per-socket event rate (refusals, then disconnection)."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.server import LiveServer
from tests.support.sockets import SocketRecorder

BURST = 3
TOO_MANY = {"error": "too many events: slow down"}


pytestmark = [
    pytest.mark.backends("sqlite"),
    pytest.mark.shared_server,
    pytest.mark.server_settings(
        socketio_max_message_bytes=4096,
        # Slow enough that the bucket does not refill noticeably while a test runs.
        socketio_events_per_second=0.01,
        socketio_event_burst=BURST,
    ),
]


async def test_events_beyond_the_burst_are_refused_then_the_socket_is_dropped(
    server: LiveServer, admin_token: str
) -> None:
    socket = SocketRecorder()
    await socket.connect(server.url, admin_token)
    try:
        answers = [await socket.request_status({"video_id": "nope"}) for _ in range(BURST + 1)]
        assert answers[:BURST] == [{"error": "video not found"}] * BURST
        assert answers[BURST] == TOO_MANY
        await socket.wait_for(lambda: TOO_MANY in socket.errors, timeout=10)
        # It keeps on, whatever it is told: after a burst's worth of refusals it is dropped.
        for _ in range(BURST + 2):
            if not socket.client.connected:
                break
            await socket.client.emit("request_video_status", {"video_id": "nope"})
            await asyncio.sleep(0.05)
        await socket.wait_for(lambda: not socket.client.connected, timeout=10)
    finally:
        await socket.close()


async def test_unknown_events_count_against_the_rate(server: LiveServer, admin_token: str) -> None:
    socket = SocketRecorder()
    await socket.connect(server.url, admin_token)
    try:
        for _ in range(BURST + 1):
            await socket.client.emit("no_such_event", {"x": 1})
        await socket.wait_for(lambda: TOO_MANY in socket.errors, timeout=10)
    finally:
        await socket.close()


async def test_a_fresh_socket_has_its_own_budget(server: LiveServer, admin_token: str) -> None:
    socket = SocketRecorder()
    await socket.connect(server.url, admin_token)
    try:
        assert await socket.request_status({"video_id": "nope"}) == {"error": "video not found"}
    finally:
        await socket.close()


async def test_a_message_above_the_size_cap_closes_the_socket(
    server: LiveServer, admin_token: str
) -> None:
    socket = SocketRecorder()
    await socket.client.connect(
        server.url, auth={"token": admin_token}, transports=["websocket"], wait_timeout=10
    )
    try:
        await socket.client.emit("request_video_status", {"video_id": "x" * 8192})
        await socket.wait_for(lambda: not socket.client.connected, timeout=10)
    finally:
        await socket.close()
    # The server itself carries on.
    again = SocketRecorder()
    await again.connect(server.url, admin_token)
    try:
        assert await again.request_status({"video_id": "nope"}) == {"error": "video not found"}
    finally:
        await again.close()
