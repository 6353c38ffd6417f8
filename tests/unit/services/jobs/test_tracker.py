"""The Tracker's loop over the fakes: it moves a queued video to completed, and stops cleanly."""

from __future__ import annotations

import uuid

from sora2.domain import Video, VideoStatus
from sora2.wire import video_fields
from tests.support.world import POLL, World, eventually


async def _left_queued(world: World) -> Video:
    """A video whose request died before its inline submit: queued, unleased, due now."""
    now = world.clock.now()
    video = Video(
        id=str(uuid.uuid4()),
        user_id=world.user.id,
        prompt="a paper boat on a river",
        model="sora-2",
        size="1280x720",
        seconds=4,
        status=VideoStatus.QUEUED,
        progress=0,
        created_at=now,
        provider="simulator",  # an older row's name of the same provider
        upstream_model="sora-2",
        estimated_cost=0.4,
        next_due_at=now,
    )
    await world.store.add(video)
    return video


async def test_the_tracker_takes_a_queued_video_to_completed(world: World) -> None:
    video = await _left_queued(world)
    world.tracker.start()
    try:
        await eventually(lambda: world.provider.jobs)
        [upstream_id] = world.provider.jobs
        await eventually(lambda: world.table[video.id].upstream_id == upstream_id)

        world.provider.progress(upstream_id, 40)
        world.clock.advance(POLL)
        world.tracker.poke()
        await eventually(lambda: world.table[video.id].progress == 40)

        world.provider.complete(upstream_id)
        world.clock.advance(POLL)
        world.tracker.poke()
        await eventually(lambda: world.table[video.id].status is VideoStatus.COMPLETED)
    finally:
        await world.tracker.stop(grace=1.0)

    done = await world.video(video.id)
    assert done.progress == 100
    assert await world.videos.content(world.user, video.id, variant="video")
    assert world.events.updates(video.id) == [
        {"openai_video_id": upstream_id},
        {"status": "in_progress", "progress": 40},
        video_fields(done),
    ]
    assert len(world.provider.calls_to("create")) == 1


async def test_stop_hands_back_the_leases_of_steps_cut_short(world: World) -> None:
    video = await _left_queued(world)
    world.provider.hold("create")  # the create hangs: the step holds its lease
    world.tracker.start()
    await eventually(lambda: world.provider.calls_to("create"))
    assert world.table[video.id].lease_owner == world.tracker.owner

    await world.tracker.stop(grace=0.01)

    stored = await world.video(video.id)
    assert (stored.lease_owner, stored.lease_until) == (None, None)
    assert stored.status is VideoStatus.QUEUED
    # Another process takes it up at once, without waiting for a lease to run out.
    [retaken] = await world.queue.claim_due(
        owner="next-process", now=world.clock.now(), lease_seconds=60, limit=10
    )
    assert retaken.id == video.id
