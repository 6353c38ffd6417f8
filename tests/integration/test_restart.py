"""Durability: kill -9 the server mid-generation, start it again, and every video finishes once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.crashes import (
    SIMULATOR_KEY,
    client_for,
    platform,
    standalone_simulator,
    wait_until_progressing,
)
from tests.support.media import probe
from tests.support.server import wait_for_status

pytestmark = pytest.mark.slow


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[str]:
    """A standalone simulator process that outlives the platform's crashes."""
    with standalone_simulator(tmp_path) as upstream:
        yield upstream.url


def test_kill_9_mid_generation_then_restart_finishes_every_video(
    tmp_path: Path, database_url: str
) -> None:
    server = platform(tmp_path, database_url)
    server.start()
    try:
        with client_for(server) as client:
            ids = [
                client.post(
                    "/api/videos", data={"prompt": f"crash test {n}", "seconds": "4"}
                ).json()["id"]
                for n in range(3)
            ]
            wait_until_progressing(client, ids[0])
        server.kill()
        server.start()
        with client_for(server) as client:
            for video_id in ids:
                assert (
                    wait_for_status(client, video_id, {"completed", "failed"}, 120)["status"]
                    == "completed"
                )
            assert len(client.get("/api/videos").json()["videos"]) == 3
            response = client.get(f"/api/videos/{ids[0]}/content")
            output = tmp_path / "after-crash.mp4"
            output.write_bytes(response.content)
            assert abs(probe(output).duration - 4) <= 1 / 24
    finally:
        server.stop()
    leftovers = list((tmp_path / "data" / "media").rglob("*.part"))
    assert leftovers == []


def test_no_video_is_submitted_twice_across_crashes(
    tmp_path: Path, database_url: str, simulator: str
) -> None:
    server = platform(
        tmp_path,
        database_url,
        {"SORA2_OPENAI_BASE_URL": simulator, "SORA2_OPENAI_API_KEY": SIMULATOR_KEY},
    )
    server.start()
    try:
        with client_for(server) as client:
            video = client.post("/api/videos", data={"prompt": "only once", "seconds": "4"}).json()
            assert video["openai_video_id"]
            wait_until_progressing(client, video["id"])
        server.kill()
        server.start()
        with client_for(server) as client:
            done = wait_for_status(client, video["id"], {"completed", "failed"}, 120)
            assert done["status"] == "completed"
            assert done["openai_video_id"] == video["openai_video_id"]
        server.kill()  # and once more after completion: nothing is redone
        server.start()
        with client_for(server) as client:
            assert client.get(f"/api/videos/{video['id']}").json()["status"] == "completed"
    finally:
        server.stop()
    stats = httpx.get(
        f"{simulator}/simulator/stats", headers={"Authorization": f"Bearer {SIMULATOR_KEY}"}
    ).json()
    assert stats["creates"] == 1
