"""The `veo` provider: the real google-genai SDK against a fake of Google's endpoints over HTTP."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from collections.abc import AsyncIterator

import av
import pytest
from PIL import Image

from sora2.domain import TERMINAL, Asset, VideoStatus
from sora2.errors import ProviderRateLimited, ProviderRejected, ProviderUnavailable
from sora2.ports import ReferenceImage, UpstreamJob
from sora2.providers.google_veo import GoogleVeoProvider
from sora2.providers.simulator import RunningSimulator, start_in_process
from tests.support.fake_veo import API_KEY, FakeVeo

MODEL = "veo-3.1-generate-001"


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeVeo, RunningSimulator]]:
    veo = FakeVeo(job_seconds=0.3)
    running = await start_in_process(veo.app())
    yield veo, running
    await running.stop()


@pytest.fixture
async def provider(
    fake: tuple[FakeVeo, RunningSimulator],
) -> AsyncIterator[GoogleVeoProvider]:
    _veo, running = fake
    veo = GoogleVeoProvider(
        api_key=API_KEY, base_url=f"http://127.0.0.1:{running.port}/", timeout=10
    )
    yield veo
    await veo.aclose()


async def _create(provider: GoogleVeoProvider, prompt: str, **changes: object) -> UpstreamJob:
    params: dict[str, object] = {
        "prompt": prompt,
        "model": MODEL,
        "size": "1280x720",
        "seconds": 4,
        "input_reference": None,
        "idempotency_key": "00000000-0000-0000-0000-000000000001",
    }
    return await provider.create(**(params | changes))  # type: ignore[arg-type]


async def _finish(provider: GoogleVeoProvider, job_id: str) -> list[UpstreamJob]:
    seen: list[UpstreamJob] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        seen.append(await provider.retrieve(job_id))
        if seen[-1].status in TERMINAL:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"{job_id} did not finish")


async def _download(provider: GoogleVeoProvider, job_id: str) -> bytes:
    async with provider.download(job_id, Asset.VIDEO) as chunks:
        return b"".join([chunk async for chunk in chunks])


async def test_text_to_video_runs_the_operation_and_returns_an_mp4(
    provider: GoogleVeoProvider, fake: tuple[FakeVeo, RunningSimulator]
) -> None:
    veo, _ = fake
    job = await _create(provider, "a lighthouse at dusk", size="720x1280", seconds=6)
    assert job.status is VideoStatus.IN_PROGRESS
    assert job.id.startswith(f"publishers/google/models/{MODEL}/operations/")

    seen = await _finish(provider, job.id)
    assert seen[-1].status is VideoStatus.COMPLETED and seen[-1].progress == 100
    progress = [observed.progress for observed in seen]
    assert progress == sorted(progress)

    data = await _download(provider, job.id)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.width < stream.height  # 9:16
        assert float(container.duration / av.time_base) == pytest.approx(6, abs=0.2)
    assert veo.requests == [
        {
            "instances": [{"prompt": "a lighthouse at dusk"}],
            "parameters": {
                "sampleCount": 1,
                "durationSeconds": 6,
                "aspectRatio": "9:16",
                "resolution": "720p",
                "generateAudio": True,
            },
        }
    ]
    # Downloaded again (a second tracker step, another process): fetched from the operation.
    assert await _download(provider, job.id) == data


async def test_image_to_video_sends_the_first_frame(
    provider: GoogleVeoProvider, fake: tuple[FakeVeo, RunningSimulator]
) -> None:
    veo, _ = fake
    buffer = io.BytesIO()
    Image.new("RGB", (1280, 720), (200, 30, 30)).save(buffer, format="PNG")
    reference = ReferenceImage(data=buffer.getvalue(), media_type="image/png", filename="r.png")
    job = await _create(provider, "the red wall cracks", input_reference=reference)
    assert (await _finish(provider, job.id))[-1].status is VideoStatus.COMPLETED
    image = veo.requests[0]["instances"][0]["image"]
    assert image["mimeType"] == "image/png"
    assert base64.b64decode(image["bytesBase64Encoded"]) == reference.data


async def test_a_safety_block_and_a_failure_are_readable(provider: GoogleVeoProvider) -> None:
    blocked = await _create(provider, "something [unsafe]")
    failed = await _create(provider, "something [error]")
    blocked_end = (await _finish(provider, blocked.id))[-1]
    failed_end = (await _finish(provider, failed.id))[-1]
    assert blocked_end.status is VideoStatus.FAILED
    assert blocked_end.error_message == (
        "Blocked by Google's safety filters: "
        "The video could not be generated because it violates the usage guidelines."
    )
    assert failed_end.status is VideoStatus.FAILED
    assert failed_end.error_message == (
        "Veo could not make the video: Video generation failed due to an internal error."
    )


async def test_errors_map_to_the_platform_tree(
    provider: GoogleVeoProvider, fake: tuple[FakeVeo, RunningSimulator]
) -> None:
    with pytest.raises(ProviderRateLimited) as busy:
        await _create(provider, "too much [busy]")
    assert busy.value.retry_after == 7
    with pytest.raises(ProviderRejected) as unknown:
        await _create(provider, "x", model="veo-9")
    assert unknown.value.status == 404 and "veo-9" in unknown.value.message
    with pytest.raises(ProviderRejected, match="Veo makes 1280x720"):
        await _create(provider, "x", size="1024x1792")
    with pytest.raises(ProviderRejected, match="cannot remix"):
        await provider.remix("anything", prompt="x", idempotency_key="k")
    job = await _create(provider, "stills")
    with pytest.raises(ProviderRejected, match="no thumbnail"):
        async with provider.download(job.id, Asset.THUMBNAIL):
            pass
    assert await provider.list_recent() == []

    _veo, running = fake
    wrong_key = GoogleVeoProvider(
        api_key="not-the-key", base_url=f"http://127.0.0.1:{running.port}/", timeout=10
    )
    try:
        with pytest.raises(ProviderRejected) as refused:
            await _create(wrong_key, "x")
        assert refused.value.status == 401
    finally:
        await wrong_key.aclose()


async def test_an_unreachable_google_is_unavailable() -> None:
    veo = GoogleVeoProvider(api_key=API_KEY, base_url="http://127.0.0.1:9/", timeout=2)
    try:
        with pytest.raises(ProviderUnavailable):
            await veo.retrieve(f"publishers/google/models/{MODEL}/operations/x")
    finally:
        await veo.aclose()
