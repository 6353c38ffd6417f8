"""Several processes share live updates through Redis (SORA2_REDIS_URL).

Each process's event bus only sees the changes it makes; the shared Redis channel carries every
emit to the sockets of every process, so each event is emitted once and reaches everyone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sora2.events import InProcessEventBus, VideoUpdate
from sora2.realtime.relay import open_event_relay
from tests.integration.realtime.conftest import create_video
from tests.support.processes import Process, free_port
from tests.support.pubsub import REDIS_URL, wait_for_subscribers
from tests.support.server import live_server
from tests.support.sockets import SocketRecorder, assert_full_sequence

SIMULATOR_KEY = "test-simulator-key"


@pytest.fixture
def channel() -> str:
    """A channel of this test's own, so parallel runs on one Redis never cross."""
    return f"sora2-test-{uuid.uuid4().hex}"


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[str]:
    """One provider for both platform processes, whichever of them polls a video."""
    port = free_port()
    proc = Process(
        ["simulator", "--port", str(port), "--data-dir", str(tmp_path / "simulator"),
         "--api-key", SIMULATOR_KEY, "--job-seconds", "2"],
        {},
        tmp_path / "simulator.log",
        f"http://127.0.0.1:{port}/v1/simulator/stats",
    )  # fmt: skip
    proc.start()
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.stop()


def platform(tmp_path: Path, name: str, database_url: str, simulator: str, channel: str) -> Process:
    port = free_port()
    env = {
        "SORA2_PORT": str(port),
        "SORA2_DATA_DIR": str(tmp_path / "data"),  # shared: the same JWT secret
        "SORA2_DATABASE_URL": database_url,
        "SORA2_OPENAI_BASE_URL": simulator,
        "SORA2_OPENAI_API_KEY": SIMULATOR_KEY,
        "SORA2_POLL_INTERVAL_SECONDS": "0.2",
        "SORA2_TRACKER_LEASE_SECONDS": "5",
        "SORA2_REDIS_URL": REDIS_URL,
        "SORA2_REDIS_CHANNEL": channel,
        "SORA2_LOG_LEVEL": "warning",
    }
    return Process(["serve"], env, tmp_path / f"{name}.log", f"http://127.0.0.1:{port}/health")


def base_url(proc: Process) -> str:
    return proc.ready_url.removesuffix("/health")


@pytest.mark.slow
async def test_a_client_of_one_process_sees_changes_made_through_another(
    tmp_path: Path, database_url: str, simulator: str, channel: str
) -> None:
    a = platform(tmp_path, "a", database_url, simulator, channel)
    b = platform(tmp_path, "b", database_url, simulator, channel)
    a.start()  # first alone: it migrates the database and creates the admin
    b.start()
    recorder = SocketRecorder()
    try:
        wait_for_subscribers(channel, 2)
        token = httpx.post(
            f"{base_url(b)}/api/auth/login", json={"username": "admin", "password": "admin"}
        ).json()["token"]  # a token from B works on A: one secret
        await recorder.connect(base_url(a), token)
        with httpx.Client(
            base_url=base_url(b), headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as through_b:
            video = create_video(through_b)
            updates = await recorder.wait_until_finished(video["id"])
            assert through_b.delete(f"/api/videos/{video['id']}").is_success
        await recorder.wait_for(lambda: {"deleted": True} in recorder.updates_for(video["id"]))
    finally:
        await recorder.close()
        a.stop()
        b.stop()

    assert_full_sequence(updates, final="completed")
    full_views = [u for u in recorder.updates_for(video["id"]) if "prompt" in u]
    assert len(full_views) == 2  # created and completed, each emitted exactly once
    assert recorder.updates_for(video["id"]).count({"deleted": True}) == 1


async def test_a_process_without_sockets_emits_through_a_write_only_manager(
    tmp_path: Path, database_url: str, channel: str
) -> None:
    with live_server(
        tmp_path / "data", database_url, redis_url=REDIS_URL, redis_channel=channel
    ) as server:
        token = server.login("admin", "admin")
        with server.client(token) as client:
            admin_id = client.get("/api/auth/me").json()["id"]
        recorder = SocketRecorder()
        try:
            await recorder.connect(server.url, token)
            wait_for_subscribers(channel, 1)
            events = InProcessEventBus()  # a worker's own bus, in this test's process
            async with open_event_relay(server.settings, events):
                for progress in range(0, 101, 10):
                    updates: dict[str, Any] = {"progress": progress}
                    await events.publish(
                        VideoUpdate(user_id="somebody-else", video_id="v0", updates=updates)
                    )
                    await events.publish(
                        VideoUpdate(user_id=admin_id, video_id="v1", updates=updates)
                    )
                await recorder.wait_for(lambda: len(recorder.updates) == 11)
        finally:
            await recorder.close()

    assert [u["updates"]["progress"] for u in recorder.updates] == list(range(0, 101, 10))
    assert {u["video_id"] for u in recorder.updates} == {"v1"}
