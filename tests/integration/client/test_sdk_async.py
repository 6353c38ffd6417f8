"""`AsyncSora2Client` against a live platform: the same methods as the sync client, awaited."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import pytest

from sora2.client import (
    AsyncSora2Client,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    Video,
    VideoFailedError,
    VideoStatus,
)
from tests.integration.client.conftest import AsyncForwardingTransport, png_bytes
from tests.support.media import probe
from tests.support.processes import free_port
from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server


async def test_login_on_enter_or_on_first_use(server: LiveServer) -> None:
    async with AsyncSora2Client(server.url, "admin", "admin") as client:
        assert client.token and (await client.me()).username == "admin"
    lazy = AsyncSora2Client(server.url, "admin", "admin")
    try:
        assert lazy.token is None
        assert (await lazy.me()).is_admin and lazy.token
        token = lazy.token
    finally:
        await lazy.aclose()
    async with AsyncSora2Client.from_token(server.url, token) as client:
        assert client.headers() == {"Authorization": f"Bearer {token}"}
        assert (await client.login("admin", "admin")).username == "admin"
    with pytest.raises(AuthenticationError, match="invalid username or password"):
        async with AsyncSora2Client(server.url, "admin", "wrong-password"):
            pass


async def test_create_wait_download(async_sdk: AsyncSora2Client, tmp_path: Path) -> None:
    video = await async_sdk.create_video(
        "A train at night", "sora-2", "720x1280", 4, input_reference=png_bytes()
    )
    assert (await async_sdk.get_video_status(video)).id == video.id

    seen: list[Video] = []
    done = await async_sdk.wait_for_completion(video.id, poll_interval=0.2, on_update=seen.append)

    assert done.is_completed and seen[-1] == done
    path = await async_sdk.download_video(video.id, tmp_path / "train.mp4")
    info = probe(path)
    assert (info.width, info.height) == (720, 1280)
    sizes: list[int] = []
    thumb = await async_sdk.download(
        video.id, tmp_path, "thumbnail", on_progress=lambda n, _: sizes.append(n)
    )
    assert thumb.name == f"{video.id}.webp" and sizes[-1] == thumb.stat().st_size


async def test_list_iterate_remix_delete_models(async_sdk: AsyncSora2Client) -> None:
    ids = [(await async_sdk.create_video(f"Clip {n}", seconds=4)).id for n in range(3)]
    page = await async_sdk.list_videos(limit=2)
    assert [video.id for video in page.videos] == ids[::-1][:2]
    assert [video.id async for video in async_sdk.iter_videos(page_size=2)] == ids[::-1]

    with pytest.raises(ConflictError, match="only a completed video"):  # only just started
        await async_sdk.remix_video(ids[-1], "Again")
    await async_sdk.wait_for_completion(ids[0], poll_interval=0.2)
    remix = await async_sdk.remix_video(ids[0], "Clip 0, in colour")
    assert remix.remixed_from == ids[0]
    await async_sdk.delete_video(remix)
    with pytest.raises(NotFoundError):
        await async_sdk.get_video_status(remix.id)

    assert {model.id for model in await async_sdk.models()} == {"sora-2", "sora-2-pro"}


async def test_watch_uses_live_updates(async_sdk: AsyncSora2Client) -> None:
    video = await async_sdk.create_video("A hot-air balloon", seconds=4)
    started = time.monotonic()
    updates = [update async for update in async_sdk.watch(video.id, poll_interval=60)]
    assert time.monotonic() - started < 45  # well before the first poll (60 s), even when busy
    assert updates[-1].status is VideoStatus.COMPLETED
    assert [u.progress for u in updates] == sorted(u.progress for u in updates)


async def test_watch_polls_when_the_socket_cannot_connect(server: LiveServer) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # the socket goes there, REST to the server
    transport = AsyncForwardingTransport(server.url)
    async with AsyncSora2Client(nowhere, "admin", "admin", transport=transport) as client:
        video = await client.create_video("A fox in the snow", seconds=4)
        updates = [u async for u in client.watch(video.id, poll_interval=0.1, timeout=120)]
    assert updates[-1].is_completed
    assert any(0 < update.progress < 100 for update in updates)


async def test_polling_only_when_asked(server: LiveServer) -> None:
    async with AsyncSora2Client(server.url, "admin", "admin", realtime=False) as client:
        video = await client.create_video("A windmill", seconds=4)
        assert (
            await client.wait_for_completion(video, poll_interval=0.1, timeout=120)
        ).is_completed


async def test_a_failed_video_and_a_deleted_one(async_sdk: AsyncSora2Client) -> None:
    failing = await async_sdk.create_video("[fail] something forbidden", seconds=4)
    with pytest.raises(VideoFailedError) as caught:
        await async_sdk.wait_for_completion(failing.id, poll_interval=0.2)
    assert caught.value.video.status is VideoStatus.FAILED
    assert caught.value.error_message and "moderation" in caught.value.error_message.lower()

    doomed = await async_sdk.create_video("Soon gone", seconds=12)
    waiting = asyncio.create_task(async_sdk.wait_for_completion(doomed.id, poll_interval=0.2))
    await asyncio.sleep(0.3)
    await async_sdk.delete_video(doomed.id)
    with pytest.raises(NotFoundError):
        await asyncio.wait_for(waiting, 60)


async def test_leaving_watch_early_closes_it(async_sdk: AsyncSora2Client) -> None:
    video = await async_sdk.create_video("A slow sunrise", seconds=12)
    async with contextlib.aclosing(async_sdk.watch(video.id, poll_interval=0.2)) as updates:
        async for update in updates:
            assert update.id == video.id
            break
