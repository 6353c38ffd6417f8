"""The MCP server at `/mcp` on the platform, driven by the MCP SDK's streamable HTTP client."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Callable

import httpx
import pytest
from mcp_types import ImageContent, ResourceLink, TextContent
from PIL import Image

from tests.conftest import Account
from tests.integration.mcp.conftest import Progress, data, http_session, text_of
from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server

TOOLS = {
    "create_video",
    "wait_for_video",
    "get_video",
    "list_videos",
    "remix_video",
    "delete_video",
    "list_models",
    "get_video_frames",
    "download_video",
}


def test_without_a_valid_token_the_endpoint_answers_401_json(server: LiveServer) -> None:
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    with server.client() as anonymous:
        missing = anonymous.post("/mcp", json=initialize, headers=headers)
        wrong = anonymous.post(
            "/mcp", json=initialize, headers={**headers, "Authorization": "Bearer not-a-token"}
        )
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert set(response.json()) == {"error"} and response.json()["error"]
    assert "bearer token" in missing.json()["error"]
    # And the route is not part of the REST API's schema.
    with server.client() as anonymous:
        assert "/mcp" not in anonymous.get("/api/openapi.json").json()["paths"]


async def test_first_sessions_arriving_together_are_both_served(
    server: LiveServer, account: Callable[[], Account]
) -> None:
    # The endpoint (and the MCP SDK under it) is built by the first request to /mcp; a request
    # arriving meanwhile waits for that one endpoint.
    me = account()

    async def tool_names() -> set[str]:
        async with http_session(server, me.token, mode="auto") as mcp:
            return {tool.name for tool in (await mcp.list_tools()).tools}

    first, second = await asyncio.gather(tool_names(), tool_names())
    assert first == second == TOOLS


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_create_wait_look_download_remix_delete(
    server: LiveServer, account: Callable[[], Account], mode: str
) -> None:
    me = account()
    async with http_session(server, me.token, mode=mode) as mcp:
        assert mcp.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
        assert set(tools) == TOOLS
        assert all(tool.description for tool in tools.values())
        assert "prompt" in tools["create_video"].input_schema["required"]
        assert "path" not in tools["download_video"].input_schema["properties"]

        models = data(await mcp.call_tool("list_models", {}))["models"]
        assert {"sora-2", "sora-2-pro"} <= {model["id"] for model in models}
        assert all(model["price_per_second"] for model in models)

        created = data(
            await mcp.call_tool("create_video", {"prompt": "A paper boat on a river", "seconds": 4})
        )
        assert created["status"] == "queued" and created["seconds"] == "4"
        video_id = created["id"]

        progress = Progress()
        waited = data(
            await mcp.call_tool(
                "wait_for_video", {"video_id": video_id}, progress_callback=progress
            )
        )
        assert waited["finished"] is True and waited["video"]["status"] == "completed"
        assert "get_video_frames" in waited["next_step"]
        values = [value for value, _, _ in progress.updates]
        assert values and values == sorted(set(values)), progress.updates
        assert values[-1] == 100 and all(total == 100 for _, total, _ in progress.updates)
        assert any(message and "%" in message for _, _, message in progress.updates)

        frames = await mcp.call_tool("get_video_frames", {"video_id": video_id, "count": 3})
        assert not frames.is_error, text_of(frames)
        images = [block for block in frames.content if isinstance(block, ImageContent)]
        assert len(images) == 3 and all(image.mime_type == "image/jpeg" for image in images)
        first = Image.open(io.BytesIO(base64.b64decode(images[0].data)))
        assert first.size == (512, 288)  # a 1280x720 video, scaled down for the assistant
        thumbnail = await mcp.call_tool(
            "get_video_frames", {"video_id": video_id, "source": "thumbnail"}
        )
        assert [type(block) for block in thumbnail.content] == [TextContent, ImageContent]

        download = await mcp.call_tool("download_video", {"video_id": video_id})
        links = [block for block in download.content if isinstance(block, ResourceLink)]
        assert len(links) == 1 and links[0].mime_type == "video/mp4"
        url = str(links[0].uri)
        assert url.startswith(f"{server.url}/api/media/") and url in text_of(download)
        with httpx.Client() as anonymous:  # the link needs no token
            mp4 = anonymous.get(url)
        assert mp4.status_code == 200 and mp4.headers["content-type"] == "video/mp4"

        metadata = await mcp.read_resource(f"video://{video_id}")
        assert json.loads(metadata.contents[0].text)["status"] == "completed"  # type: ignore[union-attr]
        thumb = await mcp.read_resource(f"video://{video_id}/thumbnail")
        assert thumb.contents[0].mime_type == "image/webp"

        remix = data(
            await mcp.call_tool(
                "remix_video", {"video_id": video_id, "prompt": "Make the boat red"}
            )
        )
        assert remix["remixed_from"] == video_id
        remixed = data(await mcp.call_tool("wait_for_video", {"video_id": remix["id"]}))
        assert remixed["video"]["status"] == "completed"

        listed = data(await mcp.call_tool("list_videos", {"limit": 1}))
        assert [v["id"] for v in listed["videos"]] == [remix["id"]]
        assert listed["next_offset"] == 1
        rest = data(await mcp.call_tool("list_videos", {"limit": 1, "offset": 1}))
        assert [v["id"] for v in rest["videos"]] == [video_id]

        assert data(await mcp.call_tool("delete_video", {"video_id": video_id}))["deleted"]
        gone = await mcp.call_tool("get_video", {"video_id": video_id})
        assert gone.is_error and "video not found" in text_of(gone)


async def test_wait_returns_the_current_state_when_its_time_is_up(
    server: LiveServer, account: Callable[[], Account]
) -> None:
    async with http_session(server, account().token) as mcp:
        created = data(await mcp.call_tool("create_video", {"prompt": "A slow sunrise"}))
        waited = data(
            await mcp.call_tool("wait_for_video", {"video_id": created["id"], "timeout_seconds": 1})
        )
    assert waited["finished"] is False
    assert waited["video"]["status"] in ("queued", "in_progress")
    assert "wait_for_video again" in waited["next_step"]
    assert 0.9 <= waited["waited_seconds"] < 5


async def test_one_users_session_cannot_see_anothers_videos(
    server: LiveServer, account: Callable[[], Account]
) -> None:
    alice, bob = account(), account()
    async with http_session(server, alice.token) as mcp:
        video_id = data(await mcp.call_tool("create_video", {"prompt": "Alice's secret garden"}))[
            "id"
        ]
        data(await mcp.call_tool("wait_for_video", {"video_id": video_id}))
    async with http_session(server, bob.token) as mcp:
        assert data(await mcp.call_tool("list_videos", {}))["videos"] == []
        for tool, arguments in {
            "get_video": {},
            "wait_for_video": {},
            "get_video_frames": {},
            "download_video": {},
            "remix_video": {"prompt": "mine now"},
            "delete_video": {},
        }.items():
            result = await mcp.call_tool(tool, {"video_id": video_id, **arguments})
            assert result.is_error, tool
            assert "video not found" in text_of(result), (tool, text_of(result))
        with pytest.raises(Exception, match="video not found"):
            await mcp.read_resource(f"video://{video_id}")
    with server.client(alice.token) as rest:
        assert rest.get(f"/api/videos/{video_id}").json()["status"] == "completed"


async def test_errors_are_readable_tool_errors(
    server: LiveServer, account: Callable[[], Account]
) -> None:
    async with http_session(server, account().token) as mcp:
        unknown = await mcp.call_tool("create_video", {"prompt": "x", "model": "no-such-model"})
        assert unknown.is_error and "unknown model 'no-such-model'" in text_of(unknown)
        bad_size = await mcp.call_tool("create_video", {"prompt": "x", "size": "3x3"})
        assert bad_size.is_error and "size '3x3' is not available" in text_of(bad_size)
        local = await mcp.call_tool("create_video", {"prompt": "x", "image_path": "/etc/passwd"})
        assert local.is_error and "image_base64" in text_of(local)
        not_base64 = await mcp.call_tool("create_video", {"prompt": "x", "image_base64": "@@"})
        assert not_base64.is_error and "not valid base64" in text_of(not_base64)
        not_ready = data(await mcp.call_tool("create_video", {"prompt": "A long take"}))
        early = await mcp.call_tool("get_video_frames", {"video_id": not_ready["id"]})
        assert early.is_error and "not ready yet" in text_of(early)
        # The server is still serving after all of that.
        assert data(await mcp.call_tool("get_video", {"video_id": not_ready["id"]}))["id"]
