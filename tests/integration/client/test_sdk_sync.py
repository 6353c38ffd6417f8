"""`Sora2Client` against a live platform on the simulator: every method, as a program uses it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sora2.client import NotFoundError, Sora2Client, User, Video, VideoPage, VideoStatus
from tests.integration.client.conftest import ForwardingTransport, png_bytes
from tests.support.media import probe
from tests.support.processes import free_port
from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server


def test_logs_in_at_construction_and_knows_who_it_is(sdk: Sora2Client) -> None:
    assert sdk.token
    assert sdk.headers() == {"Authorization": f"Bearer {sdk.token}"}
    me = sdk.me()
    assert isinstance(me, User) and me.username == "admin" and me.is_admin


def test_a_token_client_and_an_explicit_login(server: LiveServer) -> None:
    token = server.login("admin", "admin")
    with Sora2Client.from_token(server.url, token) as client:
        assert client.me().username == "admin"
    with Sora2Client(f"{server.url}/api/") as client:  # the API's own base URL works too
        assert client.token is None
        user = client.login("admin", "admin")
        assert user.username == "admin" and client.token
        assert client.models()


def test_create_then_follow_then_download_every_variant(sdk: Sora2Client, tmp_path: Path) -> None:
    video = sdk.create_video("A lighthouse in a storm", model="sora-2-pro", seconds=4)
    assert isinstance(video, Video)
    assert video.status in {VideoStatus.QUEUED, VideoStatus.IN_PROGRESS}
    assert (video.model, video.size, video.seconds) == ("sora-2-pro", "1280x720", "4")
    assert video["id"] == video.id and video.get("nope", 1) == 1  # reads like the guide's dicts
    assert sdk.get_video_status(video.id).id == video.id

    seen: list[Video] = []
    done = sdk.wait_for_completion(video, poll_interval=0.2, on_update=seen.append)

    assert done.status is VideoStatus.COMPLETED and done.progress == 100 and done.completed_at
    assert seen[-1] == done
    progress = [update.progress for update in seen]
    assert progress == sorted(progress)

    mp4 = sdk.download_video(video.id, tmp_path / "out.mp4")
    info = probe(mp4)
    assert (info.width, info.height) == (1280, 720) and abs(info.duration - 4) <= 1 / 24

    received: list[tuple[int, int | None]] = []
    thumbnail = sdk.download(
        video.id, tmp_path, "thumbnail", on_progress=lambda n, t: received.append((n, t))
    )
    assert thumbnail == tmp_path / f"{video.id}.webp"
    data = thumbnail.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert received[-1] == (len(data), len(data))

    sheet = sdk.download(video, tmp_path / "sheet.jpg", variant="spritesheet")
    assert sheet.read_bytes()[:3] == b"\xff\xd8\xff"
    assert not list(tmp_path.glob(".*.part"))


def test_input_reference_from_a_path_or_bytes(sdk: Sora2Client, png_file: Path) -> None:
    from_path = sdk.create_video("A red door", seconds=4, input_reference=png_file)
    from_bytes = sdk.create_video(
        "A blue door", size="720x1280", seconds="4", input_reference=png_bytes(colour="blue")
    )
    with png_file.open("rb") as handle:
        from_file = sdk.create_video("A green door", seconds=4, input_reference=handle)
    for video in (from_path, from_bytes, from_file):
        assert sdk.wait_for_completion(video.id, poll_interval=0.2).is_completed


def test_list_pages_and_iterate_over_all(sdk: Sora2Client) -> None:
    ids = [sdk.create_video(f"Video number {n}", seconds=4).id for n in range(5)]

    page = sdk.list_videos(limit=2, offset=1)
    assert isinstance(page, VideoPage) and (page.limit, page.offset) == (2, 1)
    assert [video.id for video in page.videos] == ids[::-1][1:3]  # newest first

    assert [video.id for video in sdk.iter_videos(page_size=2)] == ids[::-1]
    assert [video.id for video in sdk.iter_videos()] == ids[::-1]


def test_list_filters(sdk: Sora2Client) -> None:
    failing = sdk.create_video("[fail] a forbidden scene", seconds=4)
    kept = sdk.create_video("A quiet harbour", seconds=4)
    sdk.wait_for_completion(kept, poll_interval=0.2)
    assert sdk.get_video_status(failing).status in {"failed", "in_progress", "queued"}

    assert [v.id for v in sdk.list_videos(query="harbour").videos] == [kept.id]
    assert [v.id for v in sdk.iter_videos(status="completed")] == [kept.id]
    remix = sdk.remix_video(kept, "A stormy harbour")
    assert [v.id for v in sdk.list_videos(remixed_from=kept).videos] == [remix.id]


def test_remix_and_delete(sdk: Sora2Client) -> None:
    source = sdk.wait_for_completion(sdk.create_video("A calm sea", seconds=4), poll_interval=0.2)

    remix = sdk.remix_video(source.id, "A rough sea")
    assert remix.remixed_from == source.id and remix.prompt == "A rough sea"
    assert (remix.model, remix.size, remix.seconds) == (source.model, source.size, source.seconds)
    assert sdk.wait_for_completion(remix.id, poll_interval=0.2).is_completed

    assert sdk.delete_video(remix.id) is None
    with pytest.raises(NotFoundError):
        sdk.get_video_status(remix.id)
    assert [video.id for video in sdk.iter_videos()] == [source.id]


def test_models(sdk: Sora2Client) -> None:
    models = {model.id: model for model in sdk.models()}
    assert set(models) == {"sora-2", "sora-2-pro"}
    assert "1792x1024" in models["sora-2-pro"].sizes and "1792x1024" not in models["sora-2"].sizes
    assert models["sora-2"].seconds == ["4", "8", "12"]
    assert models["sora-2-pro"].price_per_second["1280x720"] > 0


def test_watch_uses_live_updates(sdk: Sora2Client) -> None:
    """With a poll every minute, only Socket.IO events can bring the video in seconds."""
    video = sdk.create_video("A paper boat", seconds=4)
    started = time.monotonic()

    updates = list(sdk.watch(video.id, poll_interval=60))

    assert time.monotonic() - started < 45  # well before the first poll (60 s), even when busy
    assert updates[-1].is_completed and len(updates) >= 3
    statuses = [update.status for update in updates]
    assert VideoStatus.IN_PROGRESS in statuses
    progress = [update.progress for update in updates]
    assert progress == sorted(progress)
    assert list(sdk.watch(video.id)) == [updates[-1]]  # a finished video: one state, at once


def test_watch_falls_back_to_polling_when_the_socket_cannot_connect(server: LiveServer) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # the socket goes there, REST to the server
    with Sora2Client(nowhere, "admin", "admin", transport=ForwardingTransport(server.url)) as sdk:
        video = sdk.create_video("A kite on a beach", seconds=4)
        updates = list(sdk.watch(video.id, poll_interval=0.1, timeout=120))
    assert updates[-1].is_completed
    assert any(0 < update.progress < 100 for update in updates)


def test_polling_only_when_asked(server: LiveServer) -> None:
    with Sora2Client(server.url, "admin", "admin", realtime=False) as sdk:
        video = sdk.create_video("A windmill", seconds=4)
        assert sdk.wait_for_completion(video.id, poll_interval=0.1, timeout=120).is_completed
