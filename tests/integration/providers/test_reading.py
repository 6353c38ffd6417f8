"""Many jobs' states in few requests: a sweep's reads made through the list endpoint."""

from __future__ import annotations

from pathlib import Path

import httpx

from sora2.domain import VideoStatus
from sora2.errors import ProviderRejected
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.providers.simulator import RunningSimulator, build_simulator_app, start_in_process
from sora2.services.jobs.reading import StatusReader
from tests.integration.providers.conftest import API_KEY, Videos, stats


async def test_a_finished_job_is_seen_finished_through_the_list(
    videos: Videos, provider: OpenAIVideosProvider
) -> None:
    created = [await videos.create(f"a kite number {n}") for n in range(3)]
    for job in created:
        await videos.wait_until_done(job.id)
    ids = [job.id for job in created]

    reading = await StatusReader().read_many(provider, ids, retrieve=ids, concurrency=2)

    assert reading.listed == set(ids)
    assert {job.status for job in reading.jobs.values()} == {VideoStatus.COMPLETED}
    assert all(job.progress == 100 for job in reading.jobs.values())


async def test_a_sweep_of_more_than_a_page_reads_them_in_one_list_request_per_page(
    videos: Videos, provider: OpenAIVideosProvider, simulator: RunningSimulator
) -> None:
    created = [await videos.create(f"[fail] a starling number {n}") for n in range(150)]
    ids = [job.id for job in created]
    refresher = StatusReader()
    before = (await stats(simulator))["requests"]

    reading = await refresher.read_many(provider, ids, retrieve=ids, concurrency=4)

    assert (await stats(simulator))["requests"] - before == 2  # ceil(150 / 100) pages
    assert reading.pages == 2 and reading.listed == set(ids) and set(reading.jobs) == set(ids)
    assert reading.errors == {}


async def test_a_sweep_retrieves_only_the_due_jobs_the_list_did_not_show(
    videos: Videos, provider: OpenAIVideosProvider
) -> None:
    created = [await videos.create(f"a wren number {n}") for n in range(3)]
    ids = [job.id for job in created]
    refresher = StatusReader()

    reading = await refresher.read_many(
        provider,
        [*ids, "video_gone_and_due", "video_gone_not_due"],
        retrieve=[*ids, "video_gone_and_due"],
        concurrency=2,
    )

    assert reading.listed == set(ids) and set(reading.jobs) == set(ids)
    assert set(reading.errors) == {"video_gone_and_due"}
    assert isinstance(reading.errors["video_gone_and_due"], ProviderRejected)
    assert reading.errors["video_gone_and_due"].status == 404


async def test_a_provider_that_refuses_to_list_is_read_job_by_job(tmp_path: Path) -> None:
    simulator = await start_in_process(
        build_simulator_app(data_dir=tmp_path, api_key=API_KEY, job_seconds=5, faults=True)
    )
    provider = OpenAIVideosProvider(base_url=simulator.base_url, api_key=API_KEY, timeout=10)
    try:
        ids = [(await Videos(provider).create(f"a finch number {n}")).id for n in range(4)]
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{simulator.base_url}/simulator/faults",
                headers={"Authorization": f"Bearer {API_KEY}"},
                json={"operation": "list", "status": 404, "message": "no such route"},
            )
        response.raise_for_status()
        refresher = StatusReader()

        first = await refresher.read_many(provider, ids, retrieve=ids, concurrency=2)
        before = (await stats(simulator))["requests"]
        second = await refresher.read_many(provider, ids, retrieve=ids, concurrency=2)

        assert set(first.jobs) == set(second.jobs) == set(ids)
        assert first.listed == second.listed == frozenset()
        assert (await stats(simulator))["requests"] - before == len(ids)  # no list tried again
    finally:
        await provider.aclose()
        await simulator.stop()
