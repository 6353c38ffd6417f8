"""The services as production builds them (`build_container`), on a real database and the real
built-in simulator behind the `openai` SDK, without an HTTP server in front.

Nothing is faked: a misbehaving provider is the simulator itself, told to misbehave on cue
(`Rig.inject`: errors, 429s with Retry-After, hangs, answers lost after the work was done).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sora2.config import Settings
from sora2.container import Container, build_container
from sora2.domain import User, Video, VideoStatus
from sora2.ports import BlobStore, VideoStore
from sora2.services.videos import VideoService

PASSWORD = "rig-password-9f3k"


@dataclass
class Rig:
    container: Container
    user: User
    media: Path

    @property
    def videos(self) -> VideoService:
        return self.container.videos

    @property
    def store(self) -> VideoStore:
        return self.container.store

    @property
    def events(self) -> Any:
        return self.container.events

    async def wait_done(self, video_id: str, timeout: float = 60) -> Video:
        """The video once completed or failed (its row: what a client would read)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            video = await self.store.get(video_id)
            assert video is not None
            if video.status in (VideoStatus.COMPLETED, VideoStatus.FAILED):
                return video
            await asyncio.sleep(0.05)
        raise AssertionError(f"video {video_id} did not finish in {timeout} s")

    async def wait_for(self, video_id: str, check: Any, timeout: float = 60) -> Video:
        """The video once `check(video)` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            video = await self.store.get(video_id)
            assert video is not None
            if check(video):
                return video
            await asyncio.sleep(0.02)
        raise AssertionError(f"video {video_id} never reached the expected state")

    async def _simulator(self, method: str, path: str, body: object = None) -> Any:
        access = self.container.simulator
        assert access is not None
        async with httpx.AsyncClient(base_url=access.base_url) as client:
            response = await client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {access.api_key}"}
            )
        response.raise_for_status()
        return response.json()

    async def simulator_stats(self) -> dict[str, int]:
        stats: dict[str, int] = await self._simulator("GET", "/simulator/stats")
        return stats

    async def simulator_creates(self) -> int:
        return (await self.simulator_stats())["creates"]

    async def inject(self, operation: str, *, times: int = 1, **fault: Any) -> None:
        """Queue a fault for the next `times` requests of an operation (see the simulator's
        faults.py: status, code, message, retry_after, delay, drop, stall)."""
        await self._simulator(
            "POST", "/simulator/faults", {"operation": operation, "times": times, **fault}
        )

    async def pending_faults(self) -> list[dict[str, Any]]:
        pending: list[dict[str, Any]] = (await self._simulator("GET", "/simulator/faults"))[
            "pending"
        ]
        return pending


@asynccontextmanager
async def open_rig(
    database_url: str,
    tmp_path: Path,
    *,
    max_concurrent: int | None = None,
    job_seconds: float = 0.5,
    tracker_concurrency: int = 4,
    blobs: BlobStore | None = None,
    poll_interval: float = 0.05,
    **settings: Any,
) -> AsyncIterator[Rig]:
    """`blobs` keeps its files in `tmp_path / "media"` (default: the local store there)."""
    config = Settings(
        _env_file=None,
        data_dir=tmp_path,
        database_url=database_url,
        simulator_job_seconds=job_seconds,
        simulator_faults=True,
        poll_interval_seconds=poll_interval,
        poll_jitter=0.1,
        tracker_lease_seconds=5,
        tracker_concurrency=tracker_concurrency,
        openai_max_concurrent=max_concurrent or 0,
        # Also how long a create of unknown outcome settles before it is sent again.
        **{"openai_timeout_seconds": 10.0, **settings},
    )
    async with build_container(config, blobs=blobs) as container:
        user = await container.auth.add_user(username="rig-user", password=PASSWORD)
        async with container.tracking():
            yield Rig(container=container, user=user, media=tmp_path / "media")
