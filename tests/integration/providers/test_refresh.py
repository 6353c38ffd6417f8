"""Many jobs' states in few requests: the tracker's reads coalesced into list calls."""

from __future__ import annotations

import asyncio

from sora2.domain import VideoStatus
from sora2.errors import ProviderRejected
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.providers.simulator import RunningSimulator
from sora2.services.refresh import JobRefresher
from tests.integration.providers.conftest import Videos, stats


async def test_asks_arriving_together_are_answered_by_one_list_call(
    videos: Videos, provider: OpenAIVideosProvider, simulator: RunningSimulator
) -> None:
    created = [await videos.create(f"a lantern number {n}") for n in range(12)]
    refresher = JobRefresher()
    before = (await stats(simulator))["requests"]

    jobs = await asyncio.gather(*(refresher.retrieve(provider, job.id) for job in created))

    assert [job.id for job in jobs] == [job.id for job in created]
    assert all(job.status in (VideoStatus.QUEUED, VideoStatus.IN_PROGRESS) for job in jobs)
    assert (await stats(simulator))["requests"] - before == 1


async def test_a_lone_ask_is_a_plain_retrieve(
    videos: Videos, provider: OpenAIVideosProvider, simulator: RunningSimulator
) -> None:
    created = await videos.create()
    refresher = JobRefresher()
    before = (await stats(simulator))["requests"]

    job = await refresher.retrieve(provider, created.id)

    assert job.id == created.id
    assert (await stats(simulator))["requests"] - before == 1


async def test_jobs_the_list_does_not_show_are_retrieved_and_errors_reach_their_asker(
    videos: Videos, provider: OpenAIVideosProvider
) -> None:
    created = [await videos.create(f"a heron number {n}") for n in range(4)]
    refresher = JobRefresher()

    results = await asyncio.gather(
        *(refresher.retrieve(provider, job.id) for job in created),
        refresher.retrieve(provider, "video_does_not_exist"),
        return_exceptions=True,
    )

    assert [getattr(job, "id", None) for job in results[:4]] == [job.id for job in created]
    assert isinstance(results[4], ProviderRejected)
    assert results[4].status == 404


async def test_the_same_job_asked_twice_in_a_batch_is_read_once(
    videos: Videos, provider: OpenAIVideosProvider, simulator: RunningSimulator
) -> None:
    created = await videos.create()
    refresher = JobRefresher()
    before = (await stats(simulator))["requests"]

    first, second = await asyncio.gather(
        refresher.retrieve(provider, created.id), refresher.retrieve(provider, created.id)
    )

    assert first == second
    assert (await stats(simulator))["requests"] - before == 1


async def test_a_finished_job_is_seen_finished_through_the_list(
    videos: Videos, provider: OpenAIVideosProvider
) -> None:
    created = [await videos.create(f"a kite number {n}") for n in range(3)]
    for job in created:
        await videos.wait_until_done(job.id)
    refresher = JobRefresher()

    jobs = await asyncio.gather(*(refresher.retrieve(provider, job.id) for job in created))

    assert {job.status for job in jobs} == {VideoStatus.COMPLETED}
    assert all(job.progress == 100 for job in jobs)
