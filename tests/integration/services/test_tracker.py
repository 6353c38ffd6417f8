"""The tracker and its job steps as production wires them, on a real database and the real
simulator behind the SDK; the simulator misbehaves on cue (tests/support/rig.py)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sora2.domain import VideoStatus
from sora2.events import VideoUpdate
from tests.support.rig import Rig, open_rig


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    async with open_rig(database_url, tmp_path) as running:
        yield running


async def test_every_change_is_published_in_order(rig: Rig) -> None:
    async with rig.events.subscribe() as queue:
        video = await rig.videos.create(rig.user, prompt="watch me", seconds="4")
        done = await rig.wait_done(video.id)
        assert done.status is VideoStatus.COMPLETED
        # The row is written first and its event published right after: read up to that event.
        events: list[VideoUpdate] = []
        while not events or events[-1].updates.get("status") != "completed":
            event = await asyncio.wait_for(queue.get(), timeout=10)
            assert isinstance(event, VideoUpdate)
            events.append(event)
        assert queue.empty()  # nothing comes after the completion
    assert all(e.video_id == video.id and e.user_id == rig.user.id for e in events)
    assert events[0].updates["status"] == "queued" and events[0].updates["prompt"] == "watch me"
    final = events[-1].updates
    assert final["status"] == "completed" and final["progress"] == 100
    assert final["completed_at"] is not None and final["openai_video_id"] == done.upstream_id
    progress = [e.updates["progress"] for e in events if "progress" in e.updates]
    assert progress == sorted(progress)


async def test_read_failures_are_retried_and_the_video_completes(rig: Rig) -> None:
    await rig.inject("retrieve", status=502)
    await rig.inject("retrieve", status=429, retry_after=0.2)
    await rig.inject("retrieve", status=503)
    await rig.inject("list", status=502, times=1000)  # every sweep reads job by job
    video = await rig.videos.create(rig.user, prompt="flaky network", seconds="4")
    done = await rig.wait_done(video.id)
    assert done.status is VideoStatus.COMPLETED and done.attempts == 0
    assert [f for f in await rig.pending_faults() if f["operation"] == "retrieve"] == []
    assert (rig.media / "videos" / video.id / "video.mp4").stat().st_size > 0


async def test_a_provider_outage_at_create_keeps_the_video_queued(rig: Rig) -> None:
    await rig.inject("create", status=503)
    video = await rig.videos.create(rig.user, prompt="later", seconds="4")
    assert video.status is VideoStatus.QUEUED and video.upstream_id is None
    done = await rig.wait_done(video.id)
    assert done.status is VideoStatus.COMPLETED and done.upstream_id is not None
    assert await rig.simulator_creates() == 1


async def test_a_create_of_unknown_outcome_is_found_not_repeated(rig: Rig) -> None:
    await rig.inject("create", drop=True)  # made upstream, the answer lost on the way
    video = await rig.videos.create(rig.user, prompt="sent once", seconds="4")
    assert video.upstream_id is None  # we do not know it was received
    done = await rig.wait_done(video.id)
    assert done.status is VideoStatus.COMPLETED
    assert await rig.simulator_creates() == 1


async def test_a_create_that_may_still_be_on_its_way_is_not_sent_again_too_soon(
    database_url: str, tmp_path: Path
) -> None:
    # A create whose request may still reach the provider (cut by a timeout, a crash, a
    # shutdown) and that no listing shows yet: sent again only once it cannot land any more.
    # (The settle is the provider's request timeout.)
    async with open_rig(database_url, tmp_path, openai_timeout_seconds=3.0) as rig:
        await rig.inject("create", status=503)  # the answer never came: outcome unknown
        video = await rig.videos.create(rig.user, prompt="patient", seconds="4")
        assert video.upstream_id is None
        assert (await rig.simulator_stats())["create_requests"] == 1
        await asyncio.sleep(1.0)
        assert (await rig.simulator_stats())["create_requests"] == 1
        done = await rig.wait_done(video.id)
        assert done.status is VideoStatus.COMPLETED
        stats = await rig.simulator_stats()
        assert stats["create_requests"] == 2 and stats["creates"] == 1


async def test_a_refused_create_fails_the_video_readably(rig: Rig) -> None:
    await rig.inject("create", status=400, message="billing hard limit reached")
    video = await rig.videos.create(rig.user, prompt="no money", seconds="4")
    assert video.status is VideoStatus.FAILED
    assert video.error_message == "the provider refused the job: billing hard limit reached"


async def test_a_video_deleted_while_running_leaves_no_files(rig: Rig) -> None:
    video = await rig.videos.create(rig.user, prompt="short-lived", seconds="4")
    await rig.videos.delete(rig.user, video.id)
    await asyncio.sleep(1.0)
    assert await rig.store.get(video.id) is None
    assert not (rig.media / "videos" / video.id).exists()


async def test_many_videos_share_a_bounded_tracker(database_url: str, tmp_path: Path) -> None:
    # Three times as many videos as the tracker runs steps at once (each render costs CPU).
    async with open_rig(database_url, tmp_path, tracker_concurrency=2) as rig:
        ids = [
            (await rig.videos.create(rig.user, prompt=f"batch {n}", seconds="4")).id
            for n in range(6)
        ]
        finished = [await rig.wait_done(video_id, timeout=120) for video_id in ids]
        assert {video.status for video in finished} == {VideoStatus.COMPLETED}


async def test_videos_in_flight_together_are_read_through_the_list(
    database_url: str, tmp_path: Path
) -> None:
    # `[fail]` jobs end upstream at half time without rendering: only the reading is exercised.
    # They last long enough to be in flight together however slowly the machine creates them.
    async with open_rig(database_url, tmp_path, job_seconds=8) as rig:
        made = [
            await rig.videos.create(rig.user, prompt=f"[fail] a swallow, take {n}", seconds="4")
            for n in range(8)
        ]
        done = [await rig.wait_done(video.id) for video in made]
        assert {video.status for video in done} == {VideoStatus.FAILED}
        # Read by the sweep's list pages (the last ones, alone in flight, are retrieved alone).
        assert (await rig.simulator_stats())["list_requests"] > 0


async def test_a_provider_that_cannot_list_still_progresses_job_by_job(rig: Rig) -> None:
    await rig.inject("list", status=404, message="no such route", times=1000)
    made = [
        await rig.videos.create(rig.user, prompt=f"a heron, take {n}", seconds="4")
        for n in range(5)
    ]
    done = [await rig.wait_done(video.id) for video in made]
    assert {video.status for video in done} == {VideoStatus.COMPLETED}
    assert (await rig.simulator_stats())["retrieve_requests"] >= len(made)


async def test_a_sweep_sees_new_statuses_often_but_writes_progress_once_per_interval(
    database_url: str, tmp_path: Path
) -> None:
    poll = 0.5
    async with open_rig(database_url, tmp_path, job_seconds=4, poll_interval=poll) as rig:
        received: list[tuple[float, VideoUpdate]] = []
        async with rig.events.subscribe() as queue:
            made = [
                await rig.videos.create(rig.user, prompt=f"[fail] a gale, take {n}", seconds="4")
                for n in range(5)
            ]
            ids = {video.id for video in made}
            while (
                len({e.video_id for _t, e in received if e.updates.get("status") == "failed"}) < 5
            ):
                event = await asyncio.wait_for(queue.get(), timeout=30)
                assert isinstance(event, VideoUpdate)
                if event.video_id in ids:
                    received.append((time.monotonic(), event))
    steps = 0
    for video_id in ids:
        mine = [(at, e.updates) for at, e in received if e.video_id == video_id]
        assert mine[-1][1]["status"] == "failed"
        progress_only = [at for at, updates in mine if set(updates) == {"progress"}]
        steps += len(progress_only)
        gaps = [b - a for a, b in itertools.pairwise(progress_only)]
        # Jitter and scheduling aside, never two mere progress steps within one interval.
        assert all(gap > poll * 0.7 for gap in gaps), gaps
    assert steps > 0
