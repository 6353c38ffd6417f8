"""`sora2 mcp` over stdio, spawned by the MCP SDK's client as a desktop assistant spawns it."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from mcp_types import ImageContent
from PIL import Image

from tests.conftest import Account
from tests.integration.mcp.conftest import (
    Progress,
    data,
    stdio_client_for,
    stdio_session,
    text_of,
)
from tests.support.mcp_session import Recorder, render
from tests.support.media import probe
from tests.support.processes import free_port
from tests.support.server import LiveServer, wait_for_status

pytestmark = pytest.mark.shared_server


def _png(colour: str = "orange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_create_wait_look_download_remix_delete(
    server: LiveServer, account: Callable[[], Account], admin: httpx.Client, tmp_path: Path
) -> None:
    me = account()
    # Somebody else's video, which this session must not see.
    other = admin.post("/api/videos", data={"prompt": "The admin's video", "seconds": "4"})
    assert other.status_code == 201
    first_frame = tmp_path / "first-frame.png"
    first_frame.write_bytes(_png())

    recorder = Recorder()
    async with stdio_client_for(server, me, tmp_path, recorder) as mcp:
        tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
        assert "path" in tools["download_video"].input_schema["required"]

        created = data(
            await mcp.call_tool(
                "create_video",
                {"prompt": "An orange sunrise", "seconds": 4, "image_path": str(first_frame)},
            )
        )
        assert created["status"] == "queued"
        video_id = created["id"]

        progress = Progress()
        waited = data(
            await mcp.call_tool(
                "wait_for_video", {"video_id": video_id}, progress_callback=progress
            )
        )
        assert waited["video"]["status"] == "completed", waited
        values = [value for value, _, _ in progress.updates]
        assert values and values == sorted(set(values)) and values[-1] == 100, progress.updates

        frames = await mcp.call_tool("get_video_frames", {"video_id": video_id, "count": 2})
        images = [block for block in frames.content if isinstance(block, ImageContent)]
        assert len(images) == 2, text_of(frames)
        assert "frame(s) of video" in text_of(frames)

        target = tmp_path / "out" / "sunrise.mp4"  # the folder does not exist yet
        saved = data(
            await mcp.call_tool("download_video", {"video_id": video_id, "path": str(target)})
        )
        assert saved["path"] == str(target) and saved["bytes"] == target.stat().st_size
        assert probe(target).video_codec == "h264"
        thumb = data(
            await mcp.call_tool(
                "download_video",
                {"video_id": video_id, "path": str(tmp_path), "variant": "thumbnail"},
            )
        )
        assert Path(thumb["path"]) == tmp_path / f"{video_id}.webp"
        relative = await mcp.call_tool("download_video", {"video_id": video_id, "path": "x.mp4"})
        assert relative.is_error and "absolute path" in text_of(relative)

        remix = data(
            await mcp.call_tool("remix_video", {"video_id": video_id, "prompt": "At dusk"})
        )
        assert remix["remixed_from"] == video_id
        assert data(await mcp.call_tool("wait_for_video", {"video_id": remix["id"]}))["finished"]

        listed = data(await mcp.call_tool("list_videos", {}))
        assert {v["id"] for v in listed["videos"]} == {video_id, remix["id"]}
        hidden = await mcp.call_tool("get_video", {"video_id": other.json()["id"]})
        assert hidden.is_error and "video not found" in text_of(hidden)

        assert data(await mcp.call_tool("delete_video", {"video_id": remix["id"]}))["deleted"]
        again = await mcp.call_tool("delete_video", {"video_id": remix["id"]})
        assert again.is_error and "video not found" in text_of(again)

        prompt = await mcp.get_prompt("make_short_video", {"topic": "a lighthouse in a storm"})
        text = prompt.messages[0].content.text  # type: ignore[union-attr]
        assert "a lighthouse in a storm" in text and "wait_for_video" in text

    log = (tmp_path / "mcp-stderr.log").read_text()
    assert f"serving MCP over stdio for {me.username}" in log  # logs go to stderr

    # On the wire: progress notifications for the first wait's progress token, in order.
    wait = next(
        message
        for sender, message in recorder.messages
        if sender == "client" and message.get("params", {}).get("name") == "wait_for_video"
    )
    token = wait["params"]["_meta"]["progressToken"]
    notes = [
        message["params"]
        for sender, message in recorder.messages
        if sender == "server" and message.get("method") == "notifications/progress"
    ]
    mine = [note["progress"] for note in notes if note["progressToken"] == token]
    assert mine == values
    transcript = render(recorder)
    assert "notifications/progress" in transcript and "characters)" in transcript


async def test_a_token_works_and_images_may_come_as_base64(
    server: LiveServer, account: Callable[[], Account], tmp_path: Path
) -> None:
    me = account()
    image = base64.b64encode(_png("blue")).decode()
    async with stdio_session(server.url, {"SORA2_TOKEN": me.token}, tmp_path) as mcp:
        created = data(
            await mcp.call_tool(
                "create_video",
                {"prompt": "Blue", "seconds": 4, "image_base64": f"data:image/png;base64,{image}"},
            )
        )
    with server.client(me.token) as rest:
        assert created["user_id"] == rest.get("/api/auth/me").json()["id"]
        video = wait_for_status(rest, created["id"], {"completed", "failed"})
    assert video["status"] == "completed"


def test_bad_credentials_stop_it_with_one_line_on_stderr_and_nothing_on_stdout(
    server: LiveServer, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SORA2_")}
    env |= {"SORA2_USERNAME": "admin", "SORA2_PASSWORD": "wrong", "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "sora2", "mcp", "--url", server.url],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == b""
    assert b"refused the credentials" in result.stderr


async def test_an_unreachable_platform_makes_readable_tool_errors(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    async with stdio_session(down, {"SORA2_TOKEN": "a-token"}, tmp_path) as mcp:
        result = await mcp.call_tool("list_videos", {})
    assert result.is_error and f"cannot reach {down}" in text_of(result)
