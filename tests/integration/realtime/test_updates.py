"""Live updates of one's own videos over a real python-socketio client, on both databases."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.realtime.conftest import RecorderFactory, create_video, token_of
from tests.support.server import wait_for_status
from tests.support.sockets import assert_full_sequence

pytestmark = pytest.mark.shared_server


async def test_a_completed_video_arrives_in_order(
    admin: httpx.Client, recorders: RecorderFactory
) -> None:
    socket = await recorders(token_of(admin))
    video = create_video(admin)

    updates = await socket.wait_until_finished(video["id"])

    state = assert_full_sequence(updates, final="completed")
    assert updates[0] == video | {"status": "queued", "progress": 0, "openai_video_id": None}
    assert any(0 < u.get("progress", 0) < 100 for u in updates), "no progress step arrived"
    assert state["progress"] == 100 and state["completed_at"] and state["error_message"] is None
    final = admin.get(f"/api/videos/{video['id']}").json()
    assert updates[-1] == {key: final[key] for key in updates[-1]}
    assert socket.errors == []


async def test_a_failed_video_carries_its_error_message(
    admin: httpx.Client, recorders: RecorderFactory
) -> None:
    socket = await recorders(token_of(admin))
    video = create_video(admin, prompt="[fail] a forbidden scene")

    updates = await socket.wait_until_finished(video["id"])

    state = assert_full_sequence(updates, final="failed")
    assert state["error_message"], updates[-1]
    assert state["completed_at"] is None


async def test_a_deleted_video_says_so(admin: httpx.Client, recorders: RecorderFactory) -> None:
    socket = await recorders(token_of(admin))
    video = create_video(admin)
    await socket.wait_until_finished(video["id"])

    assert admin.delete(f"/api/videos/{video['id']}").is_success

    await socket.wait_for(lambda: {"deleted": True} in socket.updates_for(video["id"]))
    assert socket.updates_for(video["id"])[-1] == {"deleted": True}


async def test_request_video_status_answers_with_event_and_ack(
    admin: httpx.Client, recorders: RecorderFactory
) -> None:
    video = create_video(admin)
    wait_for_status(admin, video["id"], {"completed"})
    socket = await recorders(token_of(admin))

    ack = await socket.request_status({"video_id": video["id"]})

    current = admin.get(f"/api/videos/{video['id']}").json()
    assert ack["video_id"] == video["id"]
    assert ack["updates"] == {key: current[key] for key in ack["updates"]}
    assert ack["updates"]["status"] == "completed" and "prompt" in ack["updates"]
    await socket.wait_for(lambda: socket.updates)
    assert socket.updates == [ack]


async def test_request_video_status_without_ack_still_gets_the_event(
    admin: httpx.Client, recorders: RecorderFactory
) -> None:
    video = create_video(admin)
    socket = await recorders(token_of(admin))
    socket.updates.clear()

    await socket.client.emit("request_video_status", {"video_id": video["id"]})

    await socket.wait_for(lambda: any("prompt" in u for u in socket.updates_for(video["id"])))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (None, "expects"),
        ("a-video-id", "expects"),
        ({}, "expects"),
        ({"video_id": 5}, "expects"),
        ({"video_id": ""}, "expects"),
        ({"id": "x"}, "expects"),
        (({"video_id": "x"}, "extra"), "expects"),
        ({"video_id": "not-a-uuid"}, "video not found"),
        ({"video_id": str(uuid.uuid4())}, "video not found"),
    ],
)
async def test_bad_requests_get_an_error_and_the_socket_lives_on(
    admin: httpx.Client, recorders: RecorderFactory, payload: Any, message: str
) -> None:
    socket = await recorders(token_of(admin))

    ack = await socket.request_status(payload)

    assert set(ack) == {"error"} and message in ack["error"]
    await socket.wait_for(lambda: socket.errors)
    assert socket.errors == [ack]
    assert socket.updates == []
    video = create_video(admin)  # the same socket still works
    assert "updates" in await socket.request_status({"video_id": video["id"]})
