"""`admit`, costs and webhook deliveries in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db.repositories import SqlVideoRepository, SqlWebhookDeliveryRepository
from sora2.domain import User, Video, VideoStatus
from sora2.ports import VideoChanges

OWNER = "worker-1"


async def test_admit_keeps_the_limit_and_the_order_under_concurrency(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    queued = [make_video(owner.id, provider="openai", lease_owner=OWNER) for _ in range(10)]
    for video in queued:
        await videos.add(video)
    # An older video of another provider, and one already in flight under an old name.
    await videos.add(make_video(owner.id, provider="veo", created_at=1.0, lease_owner=OWNER))
    busy = make_video(owner.id, provider="simulator", submit_started_at=5.0, upstream_id="u1")
    await videos.add(busy)

    async def admit(video: Video) -> Video | None:
        return await videos.admit(
            video.id, owner=OWNER, providers=("openai", "simulator"), limit=3, now=100.0
        )

    # Everyone asks at once, youngest first: only the head of the queue can get in at a time.
    first = [v for v in await asyncio.gather(*map(admit, reversed(queued))) if v]
    assert first and {v.id for v in first} <= {queued[0].id, queued[1].id}
    # Asked again, in any order: one slot is taken already, the two oldest get the others.
    for video in reversed(queued):
        await admit(video)
    for video in queued:
        await admit(video)
    stored = [await videos.get(video.id) for video in queued]
    started = [v.id for v in stored if v is not None and v.submit_started_at is not None]
    assert started == [queued[0].id, queued[1].id]

    # A finished job frees its slot for the next in line, not for a younger one.
    await videos.apply(queued[0].id, VideoChanges(status=VideoStatus.COMPLETED))
    assert await admit(queued[5]) is None
    assert await admit(queued[2]) is not None
    # Without a limit there is no queue.
    assert (
        await videos.admit(queued[9].id, owner=OWNER, providers=("openai",), limit=None, now=1.0)
        is not None
    )
    # Someone else's lease: no admission.
    assert (
        await videos.admit(queued[3].id, owner="other", providers=("openai",), limit=None, now=1.0)
        is None
    )


async def test_a_rate_limited_create_gives_its_slot_back(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, provider="openai", submit_started_at=3.0)
    await videos.add(video)
    updated = await videos.apply(video.id, VideoChanges(clear_submit=True, attempts=1))
    assert updated is not None
    assert updated.submit_started_at is None and updated.attempts == 1


async def test_spend_counts_final_or_estimated_costs_but_not_failures(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    await videos.add(make_video(owner.id, estimated_cost=0.8, cost=0.8, created_at=10.0,
                                status=VideoStatus.COMPLETED))  # fmt: skip
    await videos.add(make_video(owner.id, estimated_cost=1.2, created_at=20.0))
    await videos.add(make_video(owner.id, estimated_cost=5.0, created_at=30.0,
                                status=VideoStatus.FAILED))  # fmt: skip
    await videos.add(make_video(owner.id, created_at=40.0))  # made before costs were recorded

    assert await videos.spend(user_id=owner.id) == (2.0, 3)
    assert await videos.spend(user_id=owner.id, since=15.0) == (1.2, 2)
    assert await videos.spend(user_id=None) == (2.0, 3)
    assert await videos.spend(user_id="someone-else") == (0.0, 0)
    assert sorted(await videos.spend_by_video(owner.id, since=0)) == [
        (10.0, 0.8),
        (20.0, 1.2),
        (40.0, 0.0),
    ]
    assert await videos.count_active(owner.id) == 2


async def test_find_by_upstream_id_is_scoped_to_the_provider(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, provider="openai", upstream_id="video_1")
    await videos.add(video)
    found = await videos.find_by_upstream_id("video_1", providers=("openai",))
    assert found is not None and found.id == video.id
    assert await videos.find_by_upstream_id("video_1", providers=("veo",)) is None


async def test_webhook_deliveries_are_remembered_once(engine: AsyncEngine) -> None:
    deliveries = SqlWebhookDeliveryRepository(engine)
    assert await deliveries.last_received("openai") is None
    assert await deliveries.remember("msg_1", provider="openai", now=100.0, forget_before=0.0)
    assert not await deliveries.remember("msg_1", provider="openai", now=101.0, forget_before=0.0)
    assert await deliveries.last_received("openai") == 100.0
    # Old ids are forgotten (their timestamps would be refused as stale anyway).
    assert await deliveries.remember("msg_2", provider="openai", now=900.0, forget_before=500.0)
    assert await deliveries.remember("msg_1", provider="openai", now=901.0, forget_before=500.0)
