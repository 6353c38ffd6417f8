"""kill -9 of the server at each tracker step (submit, poll, download, finalise), on SQLite and
PostgreSQL: no video is lost, none is created upstream twice, none is left half-downloaded.

The kill lands at each step on cue: the simulator holds the answer of that step's request
(`/v1/simulator/faults`) and the server is killed while the requests are in flight. A round holds
one video at every step at once, so one kill covers the four steps; the platform then restarts on
the same database and data folder and retakes its dead predecessor's leases at once (ADR 0009):
the lease here is far longer than the test. The simulator is a separate process and outlives every
crash. `SORA2_TEST_KILL_ROUNDS=N` repeats the round N times in one run (a soak; default 1).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.crashes import Upstream, client_for, platform, standalone_simulator
from tests.support.media import probe
from tests.support.processes import Process
from tests.support.server import wait_for_status
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

HOLD = 300  # seconds the simulator would hold an answer: far past the kill
STEPS: dict[str, dict[str, Any]] = {
    # The create was made upstream; its answer never reaches us.
    "submit": {"operation": "create", "delay": HOLD},
    "poll": {"operation": "retrieve", "delay": HOLD},
    "download": {"operation": "content", "variant": "video", "delay": HOLD},
    # The last asset is all but written: the kill lands just before the video is completed.
    "finalise": {"operation": "content", "variant": "spritesheet", "stall": True, "delay": HOLD},
}
ROUNDS = int(os.environ.get("SORA2_TEST_KILL_ROUNDS", "1"))  # x 4 steps: kills at a step


def held(upstream: Upstream, step: str) -> None:
    """Wait until the simulator is holding the injected request (it took the fault)."""
    wait_until(lambda: upstream.pending_faults() == [], 120, message=f"nothing reached {step}")


def post_in_background(server: Process, prompt: str) -> None:
    """POST a video whose create hangs upstream; the answer is lost with the server."""
    base = server.ready_url.removesuffix("/health")

    def post() -> None:
        try:
            with client_for(server) as client:
                client.post(f"{base}/api/videos", data={"prompt": prompt, "seconds": "4"})
        except httpx.TransportError:
            pass  # the server was killed under it, as intended

    threading.Thread(target=post, daemon=True).start()


def test_kill_9_at_every_step_loses_nothing_and_creates_once(
    tmp_path: Path, database_url: str
) -> None:
    with standalone_simulator(tmp_path, job_seconds=0.5) as upstream:
        server = platform(
            tmp_path,
            database_url,
            {
                **upstream.platform_env(),
                "SORA2_TRACKER_LEASE_SECONDS": "600",
                "SORA2_POLL_INTERVAL_SECONDS": "0.1",
                "SORA2_OPENAI_TIMEOUT_SECONDS": "30",
            },
        )
        server.start(timeout=180)
        try:
            for round_ in range(ROUNDS):
                # The later steps first: each held video keeps its step for the whole round.
                for step in reversed(STEPS):
                    upstream.inject(STEPS[step])
                    prompt = f"round {round_}, killed at {step}"
                    if step == "submit":
                        post_in_background(server, prompt)
                    else:
                        with client_for(server) as client:
                            client.post("/api/videos", data={"prompt": prompt, "seconds": "4"})
                    held(upstream, step)
                server.kill()
                server.start(timeout=180)
            with client_for(server) as client:
                videos = client.get("/api/videos", params={"limit": 100}).json()["videos"]
                assert len(videos) == 4 * ROUNDS
                for video in videos:
                    done = wait_for_status(client, video["id"], {"completed", "failed"}, 120)
                    assert done["status"] == "completed", done
                sample = tmp_path / "sample.mp4"
                sample.write_bytes(client.get(f"/api/videos/{videos[0]['id']}/content").content)
                assert abs(probe(sample).duration - 4) <= 1 / 24
        finally:
            server.stop()
        stats = upstream.stats()
    assert stats["creates"] == 4 * ROUNDS
    media = tmp_path / "data" / "media"
    assert list(media.rglob("*.part")) == []
    for video in videos:
        assert sorted(p.name for p in (media / "videos" / video["id"]).iterdir()) == [
            "spritesheet.jpg",
            "thumbnail.webp",
            "video.mp4",
        ]
