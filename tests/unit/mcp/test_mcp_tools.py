"""The tools, resources and prompt, in process (the SDK's in-memory client) on a fake backend:
what each transport offers, progress, bounded waits, inputs, and errors as tool errors."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult, ImageContent, ResourceLink, TextContent
from PIL import Image

from sora2.client import Model, Video, VideoPage
from sora2.mcp.host import ToolHost
from sora2.mcp.port import BackendError, MediaLink, VideoNotFound
from sora2.mcp.server import build_server
from sora2.providers.simulator.renderer import RenderSpec, render


def _video(**fields: Any) -> Video:
    base: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "user_id": "u1",
        "prompt": "A fox",
        "model": "sora-2",
        "size": "1280x720",
        "seconds": "4",
        "status": "queued",
        "progress": 0,
        "created_at": int(time.time()),
    }
    return Video.model_validate(base | fields)


class FakeBackend:
    """One user's videos in memory; `script` is how a watched video moves, one state per tick."""

    def __init__(self, files: Path) -> None:
        self.videos: dict[str, Video] = {}
        self.script: list[tuple[str, int]] = [("completed", 100)]
        self.tick = 0.01
        self.created: list[dict[str, Any]] = []
        self.saved: list[tuple[str, str, Path]] = []
        self.crash: Exception | None = None
        self.files = files

    def _get(self, video_id: str) -> Video:
        if self.crash is not None:
            raise self.crash
        if video_id not in self.videos:
            raise VideoNotFound("video not found")
        return self.videos[video_id]

    async def create_video(self, **fields: Any) -> Video:
        self.created.append(fields)
        if fields["model"] == "no-such-model":
            raise BackendError("unknown model 'no-such-model'; choose one of: sora-2")
        video = _video(prompt=fields["prompt"])
        self.videos[video.id] = video
        return video

    async def get_video(self, video_id: str) -> Video:
        return self._get(video_id)

    async def list_videos(
        self, *, limit: int, offset: int, status: str | None, query: str | None
    ) -> VideoPage:
        videos = list(self.videos.values())[offset : offset + limit]
        return VideoPage(videos=videos, limit=limit, offset=offset)

    async def remix_video(self, video_id: str, *, prompt: str) -> Video:
        self._get(video_id)
        remix = _video(prompt=prompt, remixed_from=video_id)
        self.videos[remix.id] = remix
        return remix

    async def delete_video(self, video_id: str) -> None:
        self._get(video_id)
        del self.videos[video_id]

    async def models(self) -> list[Model]:
        return [
            Model(
                id="sora-2",
                sizes=["1280x720"],
                seconds=["4", "8", "12"],
                default_size="1280x720",
                default_seconds="4",
                price_per_second={"1280x720": 0.1},
            )
        ]

    async def watch(self, video_id: str, *, max_seconds: float) -> AsyncGenerator[Video, None]:
        deadline = time.monotonic() + max_seconds
        state = self._get(video_id)
        yield state
        for status, progress in self.script:
            if state.is_finished:
                return
            await asyncio.sleep(min(self.tick, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                return
            state = self.videos[video_id] = Video.model_validate(
                state.to_dict() | {"status": status, "progress": progress}
            )
            yield state

    @asynccontextmanager
    async def local_file(self, video_id: str, variant: str) -> AsyncIterator[Path]:
        video = self._get(video_id)
        if not video.is_completed:
            raise BackendError("video is not ready yet (status queued, 0%)")
        yield self.files / {"video": "video.mp4", "thumbnail": "thumbnail.webp"}[variant]

    async def save(self, video_id: str, variant: str, target: Path) -> Path:
        self._get(video_id)
        self.saved.append((video_id, variant, target))
        target.write_bytes(b"mp4")
        return target

    async def link(self, video_id: str, variant: str) -> MediaLink:
        self._get(video_id)
        return MediaLink(url=f"http://platform/api/media/{video_id}-{variant}", expires_at=0)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    spec = RenderSpec(prompt="fox", width=320, height=180, seconds=1, seed=1)
    render(spec, folder, should_stop=lambda: False)
    return folder


@pytest.fixture
def backend(files: Path) -> FakeBackend:
    return FakeBackend(files)


@asynccontextmanager
async def connected(backend: FakeBackend, *, local: bool) -> AsyncIterator[Client]:
    host = ToolHost.local(backend) if local else ToolHost.remote(lambda _: backend)
    async with Client(build_server(host)) as client:
        yield client


def _text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def _data(result: CallToolResult) -> Any:
    assert not result.is_error, _text(result)
    return result.structured_content


async def test_each_transport_offers_its_own_download(backend: FakeBackend) -> None:
    async with connected(backend, local=True) as mcp:
        local = {tool.name: tool for tool in (await mcp.list_tools()).tools}
    async with connected(backend, local=False) as mcp:
        remote = {tool.name: tool for tool in (await mcp.list_tools()).tools}
    assert set(local) == set(remote)
    assert "path" in local["download_video"].input_schema["properties"]
    assert "path" not in remote["download_video"].input_schema["properties"]
    assert remote["delete_video"].annotations is not None
    assert remote["delete_video"].annotations.destructive_hint is True
    assert remote["get_video"].annotations is not None
    assert remote["get_video"].annotations.read_only_hint is True


async def test_wait_reports_progress_that_only_goes_up(backend: FakeBackend) -> None:
    video = _video()
    backend.videos[video.id] = video
    backend.script = [
        ("in_progress", 0),  # same value as queued 0%: not reported again
        ("in_progress", 30),
        ("in_progress", 30),
        ("in_progress", 75),
        ("completed", 100),
    ]
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with connected(backend, local=False) as mcp:
        result = await mcp.call_tool(
            "wait_for_video", {"video_id": video.id}, progress_callback=on_progress
        )
    waited = _data(result)
    assert waited["finished"] is True and waited["video"]["status"] == "completed"
    assert seen == [
        (0, 100, "queued 0%"),
        (30, 100, "in progress 30%"),
        (75, 100, "in progress 75%"),
        (100, 100, "completed 100%"),
    ]


async def test_wait_gives_up_on_time_and_says_what_to_do(backend: FakeBackend) -> None:
    video = _video()
    backend.videos[video.id] = video
    backend.script = [("in_progress", 10), ("in_progress", 20), ("completed", 100)]
    backend.tick = 0.8
    async with connected(backend, local=False) as mcp:
        waited = _data(
            await mcp.call_tool("wait_for_video", {"video_id": video.id, "timeout_seconds": 1})
        )
        too_long = await mcp.call_tool(
            "wait_for_video", {"video_id": video.id, "timeout_seconds": 3600}
        )
    assert waited["finished"] is False and waited["video"]["progress"] == 10
    assert waited["next_step"] == (
        "Still in progress at 10%: call wait_for_video again to keep waiting."
    )
    assert too_long.is_error and "timeout_seconds" in _text(too_long)


async def test_a_failed_video_says_why(backend: FakeBackend) -> None:
    video = _video(status="failed", progress=0, error_message="content policy")
    backend.videos[video.id] = video
    async with connected(backend, local=False) as mcp:
        waited = _data(await mcp.call_tool("wait_for_video", {"video_id": video.id}))
    assert waited["finished"] is True
    assert "failed (content policy)" in waited["next_step"]


async def test_images_come_as_a_local_path_or_base64(backend: FakeBackend, tmp_path: Path) -> None:
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, format="PNG")
    image = tmp_path / "frame.png"
    image.write_bytes(png.getvalue())
    encoded = base64.b64encode(png.getvalue()).decode()
    async with connected(backend, local=True) as mcp:
        _data(await mcp.call_tool("create_video", {"prompt": "a", "image_path": str(image)}))
        _data(
            await mcp.call_tool(
                "create_video", {"prompt": "b", "image_base64": f"data:image/png;base64,{encoded}"}
            )
        )
        both = await mcp.call_tool(
            "create_video", {"prompt": "c", "image_path": str(image), "image_base64": encoded}
        )
        missing = await mcp.call_tool(
            "create_video", {"prompt": "d", "image_path": str(tmp_path / "nope.png")}
        )
    assert [c["image"] for c in backend.created] == [png.getvalue(), png.getvalue()]
    assert backend.created[0]["seconds"] is None and backend.created[0]["model"] is None
    assert both.is_error and "not both" in _text(both)
    assert missing.is_error and "cannot read" in _text(missing)

    async with connected(backend, local=False) as mcp:
        remote = await mcp.call_tool("create_video", {"prompt": "e", "image_path": str(image)})
        junk = await mcp.call_tool("create_video", {"prompt": "f", "image_base64": "***"})
        seconds = _data(await mcp.call_tool("create_video", {"prompt": "g", "seconds": "8"}))
    assert remote.is_error and "send the image as image_base64" in _text(remote)
    assert junk.is_error and "not valid base64" in _text(junk)
    assert seconds["id"] and backend.created[-1]["seconds"] == "8"


async def test_platform_errors_are_tool_errors_and_crashes_stay_private(
    backend: FakeBackend,
) -> None:
    async with connected(backend, local=False) as mcp:
        unknown = await mcp.call_tool("get_video", {"video_id": "nope"})
        model = await mcp.call_tool("create_video", {"prompt": "x", "model": "no-such-model"})
        backend.crash = RuntimeError("a secret detail")
        crashed = await mcp.call_tool("get_video", {"video_id": "nope"})
        backend.crash = None
        after = _data(await mcp.call_tool("list_videos", {}))
    assert unknown.is_error and _text(unknown).endswith("video not found")
    assert model.is_error and "unknown model 'no-such-model'" in _text(model)
    assert crashed.is_error and "secret" not in _text(crashed)
    assert after["videos"] == []


async def test_frames_and_thumbnail_are_images(backend: FakeBackend) -> None:
    video = _video(status="completed", progress=100)
    backend.videos[video.id] = video
    waiting = _video()
    backend.videos[waiting.id] = waiting
    async with connected(backend, local=False) as mcp:
        stills = await mcp.call_tool("get_video_frames", {"video_id": video.id, "count": 2})
        thumb = await mcp.call_tool(
            "get_video_frames", {"video_id": video.id, "source": "thumbnail"}
        )
        early = await mcp.call_tool("get_video_frames", {"video_id": waiting.id})
    assert [type(block) for block in stills.content] == [TextContent, ImageContent, ImageContent]
    assert "2 frame(s)" in _text(stills)
    assert [type(block) for block in thumb.content] == [TextContent, ImageContent]
    assert early.is_error and "not ready yet" in _text(early)


async def test_downloads_save_files_locally_or_hand_out_links(
    backend: FakeBackend, tmp_path: Path
) -> None:
    video = _video(status="completed", progress=100)
    backend.videos[video.id] = video
    async with connected(backend, local=True) as mcp:
        target = tmp_path / "new" / "fox.mp4"
        saved = _data(
            await mcp.call_tool("download_video", {"video_id": video.id, "path": str(target)})
        )
        relative = await mcp.call_tool("download_video", {"video_id": video.id, "path": "f.mp4"})
    assert saved == {"path": str(target), "bytes": 3, "variant": "video"}
    assert relative.is_error and "absolute path" in _text(relative)

    async with connected(backend, local=False) as mcp:
        linked = await mcp.call_tool(
            "download_video", {"video_id": video.id, "variant": "thumbnail"}
        )
    links = [block for block in linked.content if isinstance(block, ResourceLink)]
    assert [str(link.uri) for link in links] == [f"http://platform/api/media/{video.id}-thumbnail"]
    assert links[0].mime_type == "image/webp" and links[0].name == f"{video.id}.webp"


async def test_paging_remix_delete_and_models(backend: FakeBackend) -> None:
    first, second = _video(status="completed", progress=100), _video()
    backend.videos = {first.id: first, second.id: second}
    async with connected(backend, local=False) as mcp:
        page = _data(await mcp.call_tool("list_videos", {"limit": 1}))
        last = _data(await mcp.call_tool("list_videos", {"limit": 5, "offset": 1}))
        remix = _data(await mcp.call_tool("remix_video", {"video_id": first.id, "prompt": "red"}))
        deleted = _data(await mcp.call_tool("delete_video", {"video_id": first.id}))
        models = _data(await mcp.call_tool("list_models", {}))
    assert page["next_offset"] == 1 and len(page["videos"]) == 1
    assert last["next_offset"] is None and len(last["videos"]) == 1
    assert remix["remixed_from"] == first.id
    assert deleted == {"id": first.id, "deleted": True} and first.id not in backend.videos
    assert models["models"][0]["price_per_second"] == {"1280x720": 0.1}


async def test_resources_and_the_prompt(backend: FakeBackend) -> None:
    video = _video(status="completed", progress=100)
    backend.videos[video.id] = video
    async with connected(backend, local=False) as mcp:
        listed = await mcp.list_resource_templates()
        templates = {template.uri_template for template in listed.resource_templates}
        metadata = await mcp.read_resource(f"video://{video.id}")
        thumbnail = await mcp.read_resource(f"video://{video.id}/thumbnail")
        with pytest.raises(Exception, match="video not found"):
            await mcp.read_resource(f"video://{uuid.uuid4()}")
        prompts = [prompt.name for prompt in (await mcp.list_prompts()).prompts]
        prompt = await mcp.get_prompt("make_short_video", {"topic": "otters", "seconds": "8"})
    assert templates == {"video://{video_id}", "video://{video_id}/thumbnail"}
    assert json.loads(metadata.contents[0].text)["id"] == video.id  # type: ignore[union-attr]
    assert thumbnail.contents[0].mime_type == "image/webp"
    assert prompts == ["make_short_video"]
    text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert "otters" in text and "seconds=8" in text
    for tool in ("create_video", "wait_for_video", "get_video_frames"):
        assert tool in text
