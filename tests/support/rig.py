"""The services wired as the container wires them, on a real database and a real simulator.

The only fake is `FlakyProvider`: it stands for the network between us and the provider, and
breaks calls the way real networks and providers do (5xx, 429, lost responses).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sora2.config import Settings
from sora2.container import load_catalogue
from sora2.db import SqlUserRepository, SqlVideoRepository, create_engine, migrate
from sora2.domain import Asset, User, Video, VideoStatus
from sora2.errors import ProviderUnavailable
from sora2.events import InProcessEventBus
from sora2.ports import ReferenceImage, UpstreamJob
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.providers.simulator import build_simulator_app, start_in_process
from sora2.services.costs import CostService, UserLimits
from sora2.services.jobs import JobRunner
from sora2.services.registry import ProviderRegistry
from sora2.services.timing import Timing
from sora2.services.tracker import Tracker
from sora2.services.videos import VideoLimits, VideoService
from sora2.storage.local import LocalBlobStore

KEY = "tracker-test-key"


@dataclass
class FlakyProvider:
    """The real provider, with faults injected in front of chosen calls."""

    inner: OpenAIVideosProvider
    name: str = "flaky"
    retrieve_faults: list[Exception] = field(default_factory=list)
    create_faults: list[Exception] = field(default_factory=list)
    lose_create_responses: int = 0
    retrieves: int = 0
    create_attempts: int = 0
    # Stands for a provider that cannot list its jobs (Veo): every listing comes back empty.
    cannot_list: bool = False
    lists: int = 0

    async def create(
        self,
        *,
        prompt: str,
        model: str,
        size: str,
        seconds: int,
        input_reference: ReferenceImage | None,
        idempotency_key: str,
    ) -> UpstreamJob:
        self.create_attempts += 1
        if self.create_faults:
            raise self.create_faults.pop(0)
        job = await self.inner.create(
            prompt=prompt,
            model=model,
            size=size,
            seconds=seconds,
            input_reference=input_reference,
            idempotency_key=idempotency_key,
        )
        if self.lose_create_responses:
            self.lose_create_responses -= 1
            raise ProviderUnavailable("connection lost after the request was sent")
        return job

    async def remix(self, upstream_id: str, *, prompt: str, idempotency_key: str) -> UpstreamJob:
        return await self.inner.remix(upstream_id, prompt=prompt, idempotency_key=idempotency_key)

    async def retrieve(self, upstream_id: str) -> UpstreamJob:
        self.retrieves += 1
        if self.retrieve_faults:
            raise self.retrieve_faults.pop(0)
        return await self.inner.retrieve(upstream_id)

    async def list_recent(
        self, *, limit: int = 100, after: str | None = None
    ) -> Sequence[UpstreamJob]:
        self.lists += 1
        if self.cannot_list:
            return []
        return await self.inner.list_recent(limit=limit, after=after)

    async def delete(self, upstream_id: str) -> None:
        await self.inner.delete(upstream_id)

    def download(
        self, upstream_id: str, variant: Asset
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        return self.inner.download(upstream_id, variant)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Rig:
    videos: VideoService
    repo: SqlVideoRepository
    provider: FlakyProvider
    tracker: Tracker
    events: InProcessEventBus
    user: User
    simulator_url: str
    media: Path
    registry: ProviderRegistry

    async def wait_done(self, video_id: str, timeout: float = 30) -> Video:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            video = await self.repo.get(video_id)
            assert video is not None
            if video.status in (VideoStatus.COMPLETED, VideoStatus.FAILED):
                return video
            await asyncio.sleep(0.05)
        raise AssertionError(f"video {video_id} did not finish")

    async def simulator_stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            response = await client.get(
                f"{self.simulator_url}/simulator/stats", headers={"Authorization": f"Bearer {KEY}"}
            )
        stats: dict[str, Any] = response.json()
        return stats

    async def simulator_creates(self) -> int:
        return int((await self.simulator_stats())["creates"])


@asynccontextmanager
async def open_rig(
    database_url: str,
    tmp_path: Path,
    *,
    max_concurrent: int | None = None,
    limits: UserLimits | None = None,
    job_seconds: float = 0.5,
    tracker_concurrency: int = 4,
    blobs: LocalBlobStore | None = None,
    create_settle: float = 0.0,
    poll_interval: float = 0.05,
) -> AsyncIterator[Rig]:
    """`blobs` keeps its files in `tmp_path / "media"` (default: a `LocalBlobStore` there)."""
    await migrate(database_url)
    engine = create_engine(database_url)
    simulator = await start_in_process(
        build_simulator_app(
            data_dir=tmp_path / "simulator", api_key=KEY, job_seconds=job_seconds, render_workers=2
        )
    )
    provider = FlakyProvider(
        OpenAIVideosProvider(base_url=simulator.base_url, api_key=KEY, timeout=10)
    )
    registry = ProviderRegistry()
    registry.add("openai", provider, max_concurrent=max_concurrent)
    users = SqlUserRepository(engine)
    user = User(id="11111111-1111-1111-1111-111111111111", username="u", password_hash="x",
                is_admin=False, created_at=time.time())  # fmt: skip
    await users.add(user)
    repo = SqlVideoRepository(engine)
    events = InProcessEventBus()
    blobs = blobs or LocalBlobStore(tmp_path / "media")
    runner = JobRunner(
        videos=repo,
        providers=registry,
        blobs=blobs,
        events=events,
        timing=Timing(
            poll_interval=poll_interval, jitter=0.1, lease_seconds=5, create_settle=create_settle
        ),
        owner="test-owner",
    )
    service = VideoService(
        videos=repo,
        blobs=blobs,
        events=events,
        jobs=runner,
        limits=VideoLimits(max_upload_bytes=1 << 20, max_image_pixels=10**7, page_size_max=100),
        catalogue=load_catalogue(Settings(_env_file=None)).offered_by(registry.names),
        costs=CostService(videos=repo, limits=limits or UserLimits()),
    )
    tracker = Tracker(videos=repo, runner=runner, concurrency=tracker_concurrency, tick=0.02)
    tracker.start()
    try:
        yield Rig(service, repo, provider, tracker, events, user, simulator.base_url,
                  tmp_path / "media", registry)  # fmt: skip
    finally:
        await tracker.stop()
        await registry.aclose()
        await simulator.stop()
        await engine.dispose()
