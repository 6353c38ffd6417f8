"""The tracker and its job steps, on a real database and the real simulator behind the SDK.

The only fake is `FlakyProvider`: it stands for the network between us and the provider, and
breaks calls the way real networks and providers do (5xx, 429, lost responses).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from sora2.db import SqlUserRepository, SqlVideoRepository, create_engine, migrate
from sora2.domain import Asset, User, Video, VideoStatus
from sora2.errors import ProviderRateLimited, ProviderUnavailable
from sora2.events import InProcessEventBus, VideoUpdate
from sora2.ports import ReferenceImage, UpstreamJob
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.providers.simulator import build_simulator_app, start_in_process
from sora2.services.jobs import JobRunner, Timing
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

    async def list_recent(self, *, limit: int = 100) -> Sequence[UpstreamJob]:
        return await self.inner.list_recent(limit=limit)

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

    async def wait_done(self, video_id: str, timeout: float = 30) -> Video:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            video = await self.repo.get(video_id)
            assert video is not None
            if video.status in (VideoStatus.COMPLETED, VideoStatus.FAILED):
                return video
            await asyncio.sleep(0.05)
        raise AssertionError(f"video {video_id} did not finish")

    async def simulator_creates(self) -> int:
        async with httpx.AsyncClient() as client:
            response = await client.get(
                f"{self.simulator_url}/simulator/stats", headers={"Authorization": f"Bearer {KEY}"}
            )
        return int(response.json()["creates"])


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    await migrate(database_url)
    engine = create_engine(database_url)
    simulator = await start_in_process(
        build_simulator_app(data_dir=tmp_path / "simulator", api_key=KEY, job_seconds=0.5)
    )
    provider = FlakyProvider(
        OpenAIVideosProvider(base_url=simulator.base_url, api_key=KEY, timeout=10)
    )
    users = SqlUserRepository(engine)
    user = User(id="11111111-1111-1111-1111-111111111111", username="u", password_hash="x",
                is_admin=False, created_at=time.time())  # fmt: skip
    await users.add(user)
    repo = SqlVideoRepository(engine)
    events = InProcessEventBus()
    blobs = LocalBlobStore(tmp_path / "media")
    runner = JobRunner(
        videos=repo,
        provider=provider,
        blobs=blobs,
        events=events,
        timing=Timing(poll_interval=0.05, jitter=0.1, lease_seconds=5),
        owner="test-owner",
    )
    service = VideoService(
        videos=repo,
        blobs=blobs,
        events=events,
        jobs=runner,
        limits=VideoLimits(max_upload_bytes=1 << 20, max_image_pixels=10**7, page_size_max=100),
        provider_name=provider.name,
    )
    tracker = Tracker(videos=repo, runner=runner, concurrency=4, tick=0.02)
    tracker.start()
    try:
        yield Rig(service, repo, provider, tracker, events, user, simulator.base_url,
                  tmp_path / "media")  # fmt: skip
    finally:
        await tracker.stop()
        await provider.aclose()
        await simulator.stop()
        await engine.dispose()


async def test_every_change_is_published_in_order(rig: Rig) -> None:
    async with rig.events.subscribe() as queue:
        video = await rig.videos.create(rig.user, prompt="watch me", seconds="4")
        done = await rig.wait_done(video.id)
        assert done.status is VideoStatus.COMPLETED
        events: list[VideoUpdate] = []
        while not queue.empty():
            event = queue.get_nowait()
            assert isinstance(event, VideoUpdate)
            events.append(event)
    assert all(e.video_id == video.id and e.user_id == rig.user.id for e in events)
    assert events[0].updates["status"] == "queued" and events[0].updates["prompt"] == "watch me"
    final = events[-1].updates
    assert final["status"] == "completed" and final["progress"] == 100
    assert final["completed_at"] is not None and final["openai_video_id"] == done.upstream_id
    progress = [e.updates["progress"] for e in events if "progress" in e.updates]
    assert progress == sorted(progress)


async def test_read_failures_are_retried_and_the_video_completes(rig: Rig) -> None:
    rig.provider.retrieve_faults = [
        ProviderUnavailable("502 from the gateway"),
        ProviderRateLimited("slow down", retry_after=0.2),
        ProviderUnavailable("timed out"),
    ]
    video = await rig.videos.create(rig.user, prompt="flaky network", seconds="4")
    done = await rig.wait_done(video.id)
    assert done.status is VideoStatus.COMPLETED and done.attempts == 0
    assert rig.provider.retrieve_faults == []
    assert (rig.media / "videos" / video.id / "video.mp4").stat().st_size > 0


async def test_a_rate_limit_is_honoured(rig: Rig) -> None:
    rig.provider.retrieve_faults = [ProviderRateLimited("slow down", retry_after=30)]
    video = await rig.videos.create(rig.user, prompt="patience", seconds="4")
    deadline = time.monotonic() + 5
    while rig.provider.retrieve_faults and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    row = await rig.repo.get(video.id)
    assert row is not None and row.attempts == 1
    assert row.next_due_at is not None and row.next_due_at >= time.time() + 25


async def test_a_provider_outage_at_create_keeps_the_video_queued(rig: Rig) -> None:
    rig.provider.create_faults = [ProviderUnavailable("connection refused")]
    video = await rig.videos.create(rig.user, prompt="later", seconds="4")
    assert video.status is VideoStatus.QUEUED and video.upstream_id is None
    done = await rig.wait_done(video.id)
    assert done.status is VideoStatus.COMPLETED and done.upstream_id is not None
    assert await rig.simulator_creates() == 1


async def test_a_create_of_unknown_outcome_is_found_not_repeated(rig: Rig) -> None:
    rig.provider.lose_create_responses = 1
    video = await rig.videos.create(rig.user, prompt="sent once", seconds="4")
    assert video.upstream_id is None  # we do not know it was received
    done = await rig.wait_done(video.id)
    assert done.status is VideoStatus.COMPLETED
    assert await rig.simulator_creates() == 1


async def test_a_refused_create_fails_the_video_readably(rig: Rig) -> None:
    from sora2.errors import ProviderRejected

    rig.provider.create_faults = [ProviderRejected("billing hard limit reached", status=400)]
    video = await rig.videos.create(rig.user, prompt="no money", seconds="4")
    assert video.status is VideoStatus.FAILED
    assert video.error_message == "the provider refused the job: billing hard limit reached"


async def test_a_video_deleted_while_running_leaves_no_files(rig: Rig) -> None:
    video = await rig.videos.create(rig.user, prompt="short-lived", seconds="4")
    await rig.videos.delete(rig.user, video.id)
    await asyncio.sleep(1.0)
    assert await rig.repo.get(video.id) is None
    assert not (rig.media / "videos" / video.id).exists()


async def test_many_videos_share_a_bounded_tracker(rig: Rig) -> None:
    ids = [
        (await rig.videos.create(rig.user, prompt=f"batch {n}", seconds="4")).id for n in range(12)
    ]
    finished = [await rig.wait_done(video_id, timeout=60) for video_id in ids]
    assert {video.status for video in finished} == {VideoStatus.COMPLETED}
