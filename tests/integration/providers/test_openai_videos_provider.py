"""`OpenAIVideosProvider` (the real SDK) against the simulator over real loopback HTTP."""

from __future__ import annotations

import asyncio
import io
import warnings
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from PIL import Image

from sora2.domain import Asset, VideoStatus
from sora2.errors import ProviderRejected, ProviderUnavailable
from sora2.ports import ReferenceImage
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.providers.simulator import RunningSimulator, build_simulator_app, start_in_process
from tests.integration.providers.conftest import stats
from tests.support.media import probe

API_KEY = "sk-simulator-test-key"  # the same as conftest's


async def test_create_progresses_completes_and_downloads_every_variant(
    videos: Any, tmp_path: Path
) -> None:
    created = await videos.create("a red kite over green hills")
    assert created.id.startswith("video_")
    assert created.status is VideoStatus.QUEUED
    assert (created.model, created.size, created.seconds) == ("sora-2", "1280x720", "4")
    assert created.poll_after is not None
    assert created.poll_after >= 0.1

    seen = await videos.wait_until_done(created.id)
    progress = [job.progress for job in seen]
    assert progress == sorted(progress), "progress went backwards"
    order = [VideoStatus.QUEUED, VideoStatus.IN_PROGRESS, VideoStatus.COMPLETED]
    assert [order.index(job.status) for job in seen] == sorted(order.index(j.status) for j in seen)
    done = seen[-1]
    assert (done.status, done.progress) == (VideoStatus.COMPLETED, 100)
    assert done.completed_at is not None
    assert done.expires_at is not None
    assert done.created_at is not None
    assert done.completed_at >= done.created_at
    assert done.prompt == "a red kite over green hills"

    mp4 = tmp_path / "video.mp4"
    mp4.write_bytes(await videos.download(created.id, Asset.VIDEO))
    info = probe(mp4)
    assert (info.width, info.height, info.frames) == (1280, 720, 96)
    assert info.audio_codec == "aac"
    thumbnail = await videos.download(created.id, Asset.THUMBNAIL)
    assert thumbnail[:4] == b"RIFF"
    assert thumbnail[8:12] == b"WEBP"
    spritesheet = await videos.download(created.id, Asset.SPRITESHEET)
    assert spritesheet[:3] == b"\xff\xd8\xff"
    async with videos.provider.download(created.id, Asset.VIDEO) as chunks:
        # A reader may stop early; nothing is left dangling.
        first = await anext(aiter(chunks))
    assert first[4:8] == b"ftyp"


async def test_fail_marker_fails_with_a_readable_moderation_message(videos: Any) -> None:
    created = await videos.create("a storm [fail] at sea")
    done = (await videos.wait_until_done(created.id))[-1]
    assert done.status is VideoStatus.FAILED
    assert done.error_message is not None
    assert done.error_message.startswith("Blocked by moderation")


async def test_remix_makes_a_new_video_from_a_completed_one(
    videos: Any, simulator: RunningSimulator, tmp_path: Path
) -> None:
    source = await videos.create("a quiet forest", size="720x1280")
    with pytest.raises(ProviderRejected) as early:
        await videos.provider.remix(source.id, prompt="too early", idempotency_key="r0")
    assert early.value.status == 400
    assert "only completed videos can be remixed" in early.value.message
    await videos.wait_until_done(source.id)

    remix = await videos.provider.remix(
        source.id, prompt="the same forest in autumn", idempotency_key="r1"
    )
    assert remix.id != source.id
    assert remix.remixed_from == source.id
    assert (remix.model, remix.size, remix.seconds) == ("sora-2", "720x1280", "4")
    assert remix.prompt == "the same forest in autumn"
    done = (await videos.wait_until_done(remix.id))[-1]
    assert done.status is VideoStatus.COMPLETED
    mp4 = tmp_path / "remix.mp4"
    mp4.write_bytes(await videos.download(remix.id, Asset.VIDEO))
    assert (probe(mp4).width, probe(mp4).height) == (720, 1280)
    assert (await stats(simulator))["remixes"] == 1


async def test_delete_then_retrieve_is_a_404_and_a_second_delete_is_fine(
    videos: Any, data_dir: Path
) -> None:
    created = await videos.create("gone soon")
    await videos.provider.delete(created.id)  # while it renders: the render is abandoned
    with pytest.raises(ProviderRejected) as missing:
        await videos.provider.retrieve(created.id)
    assert missing.value.status == 404
    assert created.id in missing.value.message
    await videos.provider.delete(created.id)  # already gone counts as deleted
    for _ in range(200):  # the abandoned render notices within a frame, then cleans up
        if not (data_dir / "media" / created.id).exists():
            break
        await asyncio.sleep(0.01)
    assert not (data_dir / "media" / created.id).exists()

    finished = await videos.create("finished, then deleted")
    await videos.wait_until_done(finished.id)
    assert (data_dir / "media" / finished.id / "video.mp4").is_file()
    await videos.provider.delete(finished.id)
    assert not (data_dir / "media" / finished.id).exists()
    with pytest.raises(ProviderRejected):
        await videos.download(finished.id, Asset.VIDEO)


async def test_list_recent_is_newest_first_and_pages_past_100(videos: Any) -> None:
    # Failing prompts need no render, which keeps a hundred jobs cheap.
    ids = [(await videos.create(f"[fail] clip {n}")).id for n in range(103)]
    recent = await videos.provider.list_recent(limit=3)
    assert [job.id for job in recent] == ids[::-1][:3]
    everything = await videos.provider.list_recent(limit=150)
    assert [job.id for job in everything] == ids[::-1]
    assert len(await videos.provider.list_recent()) == 100


async def test_an_idempotency_key_creates_one_job_only(
    videos: Any, simulator: RunningSimulator
) -> None:
    first = await videos.create("only once", key="same-key")
    again = await videos.create("only once", key="same-key")
    assert again.id == first.id
    other = await videos.create("only once", key="other-key")
    assert other.id != first.id
    counts = await stats(simulator)
    assert counts["creates"] == 2
    assert counts["requests"] >= 3


async def test_an_input_reference_is_the_first_frame(videos: Any, tmp_path: Path) -> None:
    image = Image.new("RGB", (1280, 720), (20, 60, 220))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    reference = ReferenceImage(data=buffer.getvalue(), media_type="image/png", filename="ref.png")
    created = await videos.create("from a blue card", input_reference=reference)
    assert (await videos.wait_until_done(created.id))[-1].status is VideoStatus.COMPLETED
    mp4 = tmp_path / "ref.mp4"
    mp4.write_bytes(await videos.download(created.id, Asset.VIDEO))
    with av.open(str(mp4)) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert np.abs(first.astype(int) - np.array([20, 60, 220])).mean() < 12


async def test_invalid_requests_are_rejected_with_openai_messages(videos: Any) -> None:
    with pytest.raises(ProviderRejected) as size:
        await videos.create(size="1792x1024")  # a sora-2-pro size
    assert (size.value.status, size.value.code) == (400, "invalid_value")
    assert "sora-2-pro" in size.value.message
    with pytest.raises(ProviderRejected) as seconds:
        await videos.create(seconds=5)
    assert "Supported values are: '4', '8', and '12'" in seconds.value.message
    with pytest.raises(ProviderRejected) as bad_image:
        await videos.create(
            input_reference=ReferenceImage(
                data=b"not an image", media_type="image/png", filename="x"
            )
        )
    assert bad_image.value.code == "invalid_image"
    pro = await videos.create(model="sora-2-pro", size="1024x1792", prompt="[fail] tall")
    assert pro.size == "1024x1792"


async def test_wrong_api_key_is_rejected_with_401(simulator: RunningSimulator) -> None:
    wrong = OpenAIVideosProvider(base_url=simulator.base_url, api_key="sk-wrong-key", timeout=5)
    try:
        with pytest.raises(ProviderRejected) as refused:
            await wrong.list_recent()
        assert refused.value.status == 401
        assert "Incorrect API key" in refused.value.message
    finally:
        await wrong.aclose()


async def test_unknown_ids_are_404(videos: Any) -> None:
    for call in (
        videos.provider.retrieve("video_does_not_exist"),
        videos.provider.remix("video_does_not_exist", prompt="x", idempotency_key="k"),
        videos.download("video_does_not_exist", Asset.THUMBNAIL),
    ):
        with pytest.raises(ProviderRejected) as missing:
            await call
        assert missing.value.status == 404


async def test_a_restart_keeps_jobs_and_resumes_their_renders(
    start_simulator: Any, data_dir: Path, tmp_path: Path
) -> None:
    first = await start_simulator()
    provider = OpenAIVideosProvider(base_url=first.base_url, api_key=API_KEY, timeout=10)
    created = await provider.create(
        prompt="survives a restart",
        model="sora-2",
        size="1280x720",
        seconds=4,
        input_reference=None,
        idempotency_key="restart-key",
    )
    await provider.aclose()
    await first.stop()  # mid-render: the render is cut short and must start again
    assert not (data_dir / "media" / created.id / "video.mp4").exists()

    second = await start_simulator()
    provider = OpenAIVideosProvider(base_url=second.base_url, api_key=API_KEY, timeout=10)
    try:
        from_list = await provider.list_recent()
        assert [job.id for job in from_list] == [created.id]
        again = await provider.create(
            prompt="survives a restart",
            model="sora-2",
            size="1280x720",
            seconds=4,
            input_reference=None,
            idempotency_key="restart-key",
        )
        assert again.id == created.id  # idempotency keys survive restarts too
        done = await provider.retrieve(created.id)
        while done.status is not VideoStatus.COMPLETED:
            assert done.status is VideoStatus.IN_PROGRESS
            await asyncio.sleep(0.05)
            done = await provider.retrieve(created.id)
        async with provider.download(created.id, Asset.VIDEO) as chunks:
            (tmp_path / "restarted.mp4").write_bytes(b"".join([c async for c in chunks]))
        assert abs(probe(tmp_path / "restarted.mp4").duration - 4) <= 1 / 24
    finally:
        await provider.aclose()
    async with httpx.AsyncClient() as client:
        counts = (
            await client.get(
                f"{second.base_url}/simulator/stats",
                headers={"Authorization": f"Bearer {API_KEY}"},
            )
        ).json()
    assert counts["creates"] == 1


async def test_a_stopped_simulator_is_unavailable(simulator: RunningSimulator) -> None:
    base_url = simulator.base_url
    await simulator.stop()
    gone = OpenAIVideosProvider(base_url=base_url, api_key=API_KEY, timeout=2, max_retries=0)
    try:
        with pytest.raises(ProviderUnavailable):
            await gone.retrieve("video_x")
        with pytest.raises(ProviderUnavailable):
            await gone.create(
                prompt="x",
                model="sora-2",
                size="1280x720",
                seconds=4,
                input_reference=None,
                idempotency_key="k",
            )
    finally:
        await gone.aclose()


async def test_the_sdk_deprecation_warning_never_reaches_callers(videos: Any) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        created = await videos.create("[fail] quiet please")
        await videos.provider.retrieve(created.id)
        await videos.provider.list_recent(limit=5)
        await videos.provider.delete(created.id)
    assert [str(w.message) for w in caught] == []


async def test_a_keyless_simulator_works_with_an_empty_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty key must not make the SDK reach for a real key in the environment.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-key-that-must-not-leak")
    seen: list[str | None] = []
    app = build_simulator_app(data_dir=tmp_path / "keyless", api_key=None, job_seconds=1)
    app.add_middleware(_RecordAuthorization, seen=seen)
    running = await start_in_process(app)
    provider = OpenAIVideosProvider(base_url=running.base_url, api_key="", timeout=5)
    try:
        assert await provider.list_recent() == []
    finally:
        await provider.aclose()
        await running.stop()
    assert seen
    assert all("sk-real-key" not in (value or "") for value in seen)


class _RecordAuthorization:
    """Pure ASGI middleware that notes each request's Authorization header."""

    def __init__(self, app: Any, *, seen: list[str | None]) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            value = headers.get(b"authorization")
            self.seen.append(None if value is None else value.decode())
        await self.app(scope, receive, send)
