"""The services wired as in production, over in-memory fakes and a `FakeProvider`.

`build_world` calls the production wiring (`sora2.container.wiring.wire`) with the fakes of every
port, so a unit test drives the very objects the server runs, at the speed of a dict:

    world = await build_world(stack, tmp_path)
    video = await world.create("a fox")            # VideoService.create, inline submit
    world.provider.complete(video.upstream_id)     # the provider finishes the job
    world.clock.advance(world.poll)                # time passes without sleeping
    await world.sweep(video)                       # one sweep over the due video

tests/unit/services/conftest.py exposes it as the `world` fixture (and `make_world` for other
settings).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora2.config import Settings
from sora2.container import load_catalogue
from sora2.container.wiring import Adapters, Container, JobParts, wire, wire_accounts
from sora2.domain import User, Video, VideoStatus
from sora2.events import Event, InProcessEventBus, VideoUpdate
from sora2.ports import UpstreamJob, WebhookVerifier
from sora2.services.auth.passwords import Passwords
from sora2.services.auth.policy import PasswordPolicy
from sora2.services.auth.service import AuthService
from sora2.services.costs import CostService
from sora2.services.jobs.registry import ProviderRegistry
from sora2.services.jobs.sweep import Swept
from sora2.services.jobs.tracker import Tracker
from sora2.services.videos import VideoService
from tests.support.fake_provider import FakeProvider
from tests.support.fakes import (
    FakeClock,
    MemoryAuditRepository,
    MemoryBlobStore,
    MemoryJobQueue,
    MemorySpendLedger,
    MemoryUserRepository,
    MemoryVideoStore,
    MemoryWebhookDeliveries,
    VideoTable,
)

OWNER = "this-process"
PASSWORD = "correct horse battery staple"
POLL = 5.0
CREATE_SETTLE = 30.0


class EventLog:
    """What the event bus carried since the world was built, in order."""

    def __init__(self, queue: asyncio.Queue[Event]) -> None:
        self._queue = queue
        self._seen: list[Event] = []

    @property
    def all(self) -> list[Event]:
        while not self._queue.empty():
            self._seen.append(self._queue.get_nowait())
        return list(self._seen)

    def updates(self, video_id: str | None = None) -> list[dict[str, Any]]:
        """The `updates` of every `video_update` (of one video), in order."""
        return [
            event.updates
            for event in self.all
            if isinstance(event, VideoUpdate) and video_id in (None, event.video_id)
        ]

    def clear(self) -> None:
        _ = self.all
        self._seen.clear()


@dataclass
class World:
    settings: Settings
    clock: FakeClock
    container: Container
    provider: FakeProvider  # "openai" (alias "simulator")
    veo: FakeProvider  # "veo": a provider whose models remix by reprompting
    table: VideoTable
    store: MemoryVideoStore
    queue: MemoryJobQueue
    ledger: MemorySpendLedger
    blobs: MemoryBlobStore
    users: MemoryUserRepository
    audit: MemoryAuditRepository
    deliveries: MemoryWebhookDeliveries
    events: EventLog
    user: User
    other: User  # a second user, whose videos the first never sees

    @property
    def videos(self) -> VideoService:
        return self.container.videos

    @property
    def jobs(self) -> JobParts:
        return self.container.jobs

    @property
    def tracker(self) -> Tracker:
        return self.container.tracker

    @property
    def costs(self) -> CostService:
        return self.container.costs

    @property
    def auth(self) -> AuthService:
        return self.container.auth

    @property
    def bus(self) -> InProcessEventBus:
        return self.container.events

    @property
    def poll(self) -> float:
        return self.settings.poll_interval_seconds

    async def create(self, prompt: str = "a fox in the snow", **fields: Any) -> Video:
        """A new video of the world's user, made by the service (and sent upstream inline)."""
        fields.setdefault("model", "sora-2")
        fields.setdefault("size", "1280x720")
        fields.setdefault("seconds", "4")
        return await self.videos.create(fields.pop("user", self.user), prompt=prompt, **fields)

    async def video(self, video_id: str) -> Video:
        """The row as stored now."""
        video = await self.store.get(video_id)
        assert video is not None, f"video {video_id} is gone"
        return video

    def job(self, video: Video) -> UpstreamJob:
        """The provider's job behind a video."""
        assert video.upstream_id is not None, "the video was never sent"
        return self.provider.jobs[video.upstream_id]

    async def claim(self, *, submitted: bool | None = None, limit: int = 100) -> list[Video]:
        """Lease the due videos as the tracker would."""
        return list(
            await self.queue.claim_due(
                owner=OWNER,
                now=self.clock.now(),
                lease_seconds=self.settings.tracker_lease_seconds,
                limit=limit,
                submitted=submitted,
            )
        )

    async def sweep(self) -> Swept:
        """Lease every due submitted video and read them in one sweep."""
        return await self.jobs.sweep.run(await self.claim(submitted=True), concurrency=4)

    async def finish_due(self) -> list[Video | None]:
        """One sweep, then the finisher for every job it found completed (a tracker tick)."""
        swept = await self.sweep()
        return [await self.jobs.finisher.finish(video, job) for video, job in swept.completed]

    async def completed(self, prompt: str = "a fox in the snow", **fields: Any) -> Video:
        """A video made, finished upstream and stored: completed for its user."""
        video = await self.create(prompt, **fields)
        provider = self.veo if fields.get("model", "sora-2").startswith("veo") else self.provider
        assert video.upstream_id is not None
        provider.complete(video.upstream_id)
        self.clock.advance(self.poll)
        await self.finish_due()
        done = await self.video(video.id)
        assert done.status is VideoStatus.COMPLETED, done
        return done

    def take_lease(self, video_id: str, *, owner: str = "another-process") -> None:
        """Another process holds this video now (ours ran out and it claimed the row)."""
        video = self.table[video_id]
        self.table[video_id] = dataclasses.replace(
            video, lease_owner=owner, lease_until=self.clock.now() + 60
        )

    async def set_status(self, video_id: str, status: VideoStatus, **fields: Any) -> Video:
        """Plant a row's state directly (e.g. a completed source for a remix)."""
        video = dataclasses.replace(self.table[video_id], status=status, **fields)
        self.table[video_id] = video
        return video


async def build_world(
    stack: contextlib.AsyncExitStack,
    tmp_path: Path,
    *,
    max_concurrent: int | None = None,
    unlisted: bool = False,
    verifiers: dict[str, WebhookVerifier] | None = None,
    **settings: Any,
) -> World:
    """A world whose event subscription lives as long as `stack`."""
    options: dict[str, Any] = {
        "data_dir": tmp_path,
        "poll_interval_seconds": POLL,
        "poll_jitter": 0.0,
        "tracker_lease_seconds": 60.0,
        "tracker_concurrency": 4,
        "login_max_failures": 3,
        "login_window_seconds": 300.0,
        "jwt_expiry_seconds": 3600,
    }
    options.update(settings)
    config = Settings(_env_file=None, **options)
    clock = FakeClock()
    table = VideoTable()
    store, queue, ledger = MemoryVideoStore(table), MemoryJobQueue(table), MemorySpendLedger(table)
    users, audit = MemoryUserRepository(table), MemoryAuditRepository()
    deliveries, blobs = MemoryWebhookDeliveries(), MemoryBlobStore(clock)
    provider = FakeProvider(name="openai", clock=clock, unlisted=unlisted)
    veo = FakeProvider(name="veo", clock=clock, unlisted=True)
    registry = ProviderRegistry()
    registry.add("openai", provider, max_concurrent=max_concurrent, aliases=("simulator",))
    registry.add("veo", veo, max_concurrent=max_concurrent)
    accounts = wire_accounts(
        config,
        users=users,
        audit=audit,
        secret="a-test-secret-of-at-least-32-characters",
        clock=clock,
        # Cheap hashing: argon2's floor (memory >= 8 KiB per lane, 4 lanes).
        passwords=Passwords(policy=PasswordPolicy(blocklist=[]), time_cost=1, memory_cost=32),
    )
    container = wire(
        config,
        accounts=accounts,
        adapters=Adapters(
            store=store,
            queue=queue,
            ledger=ledger,
            deliveries=deliveries,
            blobs=blobs,
            providers=registry,
            catalogue=load_catalogue(config).offered_by(registry.names),
            verifiers=verifiers or {},
        ),
        owner=OWNER,
        media_key=b"m" * 32,
        create_settle=CREATE_SETTLE,
    )
    queue_of_events = await stack.enter_async_context(container.events.subscribe())
    user = await container.auth.add_user(username="alice", password=PASSWORD)
    other = await container.auth.add_user(username="bob", password=PASSWORD)
    return World(
        settings=config,
        clock=clock,
        container=container,
        provider=provider,
        veo=veo,
        table=table,
        store=store,
        queue=queue,
        ledger=ledger,
        blobs=blobs,
        users=users,
        audit=audit,
        deliveries=deliveries,
        events=EventLog(queue_of_events),
        user=user,
        other=other,
    )


async def eventually(condition: Callable[[], Any], *, within: float = 2.0) -> None:
    """Yield to the loop until `condition()` holds (a real-time deadline only as a safety net:
    over fakes each step takes a few turns of the loop)."""
    deadline = time.monotonic() + within
    while not await _holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {within}s: {condition}")
        await asyncio.sleep(0)


async def _holds(condition: Callable[[], Any]) -> bool:
    result = condition()
    if asyncio.iscoroutine(result):
        result = await result
    return bool(result)


WorldFactory = Callable[..., Awaitable[World]]
