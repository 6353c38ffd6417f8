"""Admission control, provider rate limits and quota, through the real SDK and simulator."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sora2.domain import VideoStatus
from tests.support.rig import open_rig


async def test_jobs_beyond_the_limit_wait_and_go_in_order(
    database_url: str, tmp_path: Path
) -> None:
    async with open_rig(database_url, tmp_path, max_concurrent=1) as rig:
        made = [
            await rig.videos.create(rig.user, prompt=f"queue {n}", size="720x1280", seconds="4")
            for n in range(3)
        ]
        # The first went straight upstream; the others wait in our own queue.
        assert made[0].upstream_id is not None
        assert [v.upstream_id for v in made[1:]] == [None, None]
        assert {v.status for v in made} == {VideoStatus.QUEUED}
        done = [await rig.wait_done(video.id, timeout=60) for video in made]
        assert {video.status for video in done} == {VideoStatus.COMPLETED}
        stats = await rig.simulator_stats()
        assert stats["creates"] == 3 and stats["peak_active"] == 1
        upstream = [
            job.id
            for job in reversed(await rig.container.providers.get("openai").list_recent(limit=3))
        ]
        assert upstream == [video.upstream_id for video in done]  # sent in creation order


async def test_insufficient_quota_fails_the_job_at_once_without_retries(
    database_url: str, tmp_path: Path
) -> None:
    async with open_rig(database_url, tmp_path) as rig:
        video = await rig.videos.create(rig.user, prompt="no money left [no-quota]", seconds="4")
        assert video.status is VideoStatus.FAILED
        assert video.error_message is not None
        assert video.error_message.startswith(
            "the provider's account has run out of quota (insufficient_quota); "
            "an administrator must add credit: You exceeded your current quota"
        )
        await asyncio.sleep(0.3)
        stats = await rig.simulator_stats()
        assert stats["create_requests"] == 1 and stats["creates"] == 0


async def test_a_429_at_create_requeues_and_backs_the_provider_off(
    database_url: str, tmp_path: Path
) -> None:
    async with open_rig(database_url, tmp_path) as rig:
        await rig.inject("create", status=429, retry_after=0.5)
        started = time.monotonic()
        first = await rig.videos.create(rig.user, prompt="rate limited", seconds="4")
        assert first.status is VideoStatus.QUEUED and first.upstream_id is None
        row = await rig.store.get(first.id)
        assert row is not None and row.submit_started_at is None and row.attempts == 1
        # While the provider is backed off, a new video is not sent either.
        second = await rig.videos.create(rig.user, prompt="right behind", seconds="4")
        assert second.upstream_id is None
        assert (await rig.simulator_stats())["create_requests"] == 1
        done = [await rig.wait_done(video.id) for video in (first, second)]
        assert {video.status for video in done} == {VideoStatus.COMPLETED}
        assert time.monotonic() - started >= 0.5  # Retry-After honoured
        stats = await rig.simulator_stats()
        assert stats["create_requests"] == 3 and stats["creates"] == 2
