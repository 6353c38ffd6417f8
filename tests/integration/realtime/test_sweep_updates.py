"""Many videos in flight at once are read by the tracker's sweep (ADR 11) and written back in
one batch; every client still sees each of its videos' updates, complete and in order."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.integration.realtime.conftest import RecorderFactory, create_video, token_of
from tests.support.sockets import assert_full_sequence

pytestmark = pytest.mark.shared_server


async def test_videos_read_together_each_reach_the_client_in_order(
    admin: httpx.Client, recorders: RecorderFactory
) -> None:
    socket = await recorders(token_of(admin))
    failing = [create_video(admin, prompt=f"[fail] a storm, take {n}") for n in range(4)]
    working = [create_video(admin, prompt=f"a calm sea, take {n}") for n in range(3)]

    finished = await asyncio.gather(
        *(socket.wait_until_finished(video["id"], timeout=120) for video in failing + working)
    )

    for updates in finished[: len(failing)]:
        state = assert_full_sequence(updates, final="failed")
        assert state["error_message"]
    for video, updates in zip(working, finished[len(failing) :], strict=True):
        state = assert_full_sequence(updates, final="completed")
        stored = admin.get(f"/api/videos/{video['id']}").json()
        assert state == {key: stored[key] for key in state}
    assert socket.errors == []
