"""The simulator on a real loopback port, driven through the real `openai` SDK."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from sora2.domain import TERMINAL, Asset
from sora2.ports import UpstreamJob
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.providers.simulator import RunningSimulator, build_simulator_app, start_in_process

API_KEY = "sk-simulator-test-key"
JOB_SECONDS = 0.5

StartSimulator = Callable[[], Awaitable[RunningSimulator]]


async def stats(simulator: RunningSimulator) -> dict[str, int]:
    """The simulator's counters: creates, remixes, requests, ..."""
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{simulator.base_url}/simulator/stats",
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
    response.raise_for_status()
    return dict(response.json())


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "simulator"


@pytest.fixture
async def start_simulator(data_dir: Path) -> AsyncIterator[StartSimulator]:
    """Start a simulator on `data_dir` (again and again: restarts keep the same folder)."""
    started: list[RunningSimulator] = []

    async def start() -> RunningSimulator:
        app = build_simulator_app(
            data_dir=data_dir, api_key=API_KEY, job_seconds=JOB_SECONDS, render_workers=2
        )
        running = await start_in_process(app)
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()


@pytest.fixture
async def simulator(start_simulator: StartSimulator) -> RunningSimulator:
    return await start_simulator()


@pytest.fixture
async def provider(simulator: RunningSimulator) -> AsyncIterator[OpenAIVideosProvider]:
    client = OpenAIVideosProvider(base_url=simulator.base_url, api_key=API_KEY, timeout=10)
    yield client
    await client.aclose()


class Videos:
    """Small conveniences over a provider, so tests read as the steps a user takes."""

    def __init__(self, provider: OpenAIVideosProvider) -> None:
        self.provider = provider

    async def create(
        self,
        prompt: str = "a paper boat on a rainy street",
        *,
        key: str | None = None,
        **changes: object,
    ) -> UpstreamJob:
        params: dict[str, object] = {
            "prompt": prompt,
            "model": "sora-2",
            "size": "1280x720",
            "seconds": 4,
            "input_reference": None,
            "idempotency_key": key or f"key-{time.monotonic_ns()}",
        }
        params.update(changes)
        return await self.provider.create(**params)  # type: ignore[arg-type]

    async def wait_until_done(self, upstream_id: str, *, timeout: float = 90) -> list[UpstreamJob]:
        """Poll until a terminal status; return every observation, in order."""
        seen: list[UpstreamJob] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = await self.provider.retrieve(upstream_id)
            seen.append(job)
            if job.status in TERMINAL:
                return seen
            await asyncio.sleep(0.05)
        raise AssertionError(f"{upstream_id} did not finish: {seen[-1] if seen else None}")

    async def download(self, upstream_id: str, variant: Asset) -> bytes:
        parts: list[bytes] = []
        async with self.provider.download(upstream_id, variant) as chunks:
            async for chunk in chunks:
                parts.append(chunk)
        return b"".join(parts)


@pytest.fixture
def videos(provider: OpenAIVideosProvider) -> Videos:
    return Videos(provider)
