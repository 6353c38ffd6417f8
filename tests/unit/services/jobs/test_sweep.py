"""A sweep reads every due submitted video in few requests and writes what changed."""

from __future__ import annotations

from sora2.domain import VideoStatus
from sora2.services.jobs.verdict import GONE_MESSAGE
from sora2.wire import video_fields
from tests.support.world import OWNER, POLL, World


async def test_many_videos_are_read_with_one_list_call_and_their_progress_written(
    world: World,
) -> None:
    videos = [await world.create(f"video {n}") for n in range(5)]
    for n, video in enumerate(videos):
        assert video.upstream_id is not None
        world.provider.progress(video.upstream_id, 10 * (n + 1))
    world.events.clear()

    world.clock.advance(POLL)
    swept = await world.sweep()

    assert len(world.provider.calls_to("list_recent")) == 1
    assert world.provider.calls_to("retrieve") == []
    assert swept.completed == []
    for n, video in enumerate(videos):
        stored = await world.video(video.id)
        assert (stored.status, stored.progress) == (VideoStatus.IN_PROGRESS, 10 * (n + 1))
        assert stored.lease_owner is None
        assert world.events.updates(video.id) == [
            {"status": "in_progress", "progress": 10 * (n + 1)}
        ]


async def test_a_mere_progress_step_is_written_at_most_once_per_poll_interval(
    world: World,
) -> None:
    videos = [await world.create(f"video {n}") for n in range(3)]
    upstream = [video.upstream_id for video in videos]
    assert None not in upstream
    for upstream_id in upstream:
        world.provider.progress(str(upstream_id), 10)
    world.clock.advance(POLL)
    await world.sweep()
    world.events.clear()

    # Listed jobs are read again sooner than a poll interval (ADR 11) ...
    due = (await world.video(videos[0].id)).next_due_at
    assert due is not None and due < world.clock.now() + POLL
    world.provider.progress(str(upstream[0]), 30)
    world.clock.set(due)
    await world.sweep()
    # ... but their progress is written no oftener than a poll interval: held back for now.
    assert (await world.video(videos[0].id)).progress == 10
    assert world.events.updates() == []

    world.clock.advance(POLL)
    await world.sweep()
    assert (await world.video(videos[0].id)).progress == 30
    assert world.events.updates(videos[0].id) == [{"progress": 30}]


async def test_status_changes_are_announced_before_progress_steps(world: World) -> None:
    videos = [await world.create(f"video {n}") for n in range(4)]
    # The sweep reads them in id order (all due together): the failing one comes last.
    videos.sort(key=lambda video: video.id)
    for video in videos:
        world.provider.progress(str(video.upstream_id), 10)
    world.clock.advance(POLL)
    await world.sweep()
    world.events.clear()

    for video in videos[:3]:
        world.provider.progress(str(video.upstream_id), 50)
    world.provider.fail(str(videos[3].upstream_id), "the render crashed")
    world.clock.advance(POLL)
    await world.sweep()

    failed = await world.video(videos[3].id)
    assert failed.status is VideoStatus.FAILED
    assert failed.error_message == "the render crashed"
    updates = world.events.updates()
    assert updates[0] == video_fields(failed)  # first, and whole
    assert updates[1:] == [{"progress": 50}] * 3


async def test_a_job_the_provider_no_longer_knows_fails_the_video(world: World) -> None:
    video = await world.create()
    assert video.upstream_id is not None
    world.provider.forget(video.upstream_id)

    world.clock.advance(POLL)
    await world.sweep()

    stored = await world.video(video.id)
    assert stored.status is VideoStatus.FAILED
    assert stored.error_message == GONE_MESSAGE == "the provider no longer knows this job"
    assert world.provider.calls_to("retrieve") == [{"upstream_id": video.upstream_id}]
    assert world.events.updates(video.id)[-1]["status"] == "failed"


async def test_a_completed_job_is_left_leased_for_the_finisher_not_completed_yet(
    world: World,
) -> None:
    video = await world.create()
    assert video.upstream_id is not None
    job = world.provider.complete(video.upstream_id)
    world.events.clear()

    world.clock.advance(POLL)
    swept = await world.sweep()

    [(leased, finished)] = swept.completed
    assert (leased.id, finished) == (video.id, job)
    stored = await world.video(video.id)
    # Completed for users only once its files are stored: still queued, held for the finisher.
    assert stored.status is VideoStatus.QUEUED
    assert stored.lease_owner == OWNER
    assert world.events.updates() == []


async def test_videos_not_due_ride_along_unread_and_are_released(world: World) -> None:
    video = await world.create()
    [claimed] = await world.queue.claim_due(
        owner=OWNER,
        now=world.clock.now(),
        lease_seconds=60,
        limit=10,
        due_by=world.clock.now() + POLL,
    )
    swept = await world.jobs.sweep.run([claimed], concurrency=4)

    assert swept.completed == []
    assert world.provider.calls_to("retrieve") == []  # not due: a single read is not worth it
    stored = await world.video(video.id)
    assert stored.lease_owner is None
    assert stored.next_due_at == claimed.next_due_at
