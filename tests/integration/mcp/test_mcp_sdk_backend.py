"""The stdio server's backend (the SDK over HTTP) in process, against a live platform: the
model defaults it fills in, waits, files, and the errors it translates."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import aclosing
from pathlib import Path

import pytest
from mcp import Client

from sora2.client import AsyncSora2Client
from sora2.mcp.host import ToolHost
from sora2.mcp.sdk_backend import SdkBackend
from sora2.mcp.server import build_server
from sora2.mcp.stdio import StdioSetupError, _check
from tests.conftest import Account
from tests.integration.mcp.conftest import data, text_of
from tests.support.processes import free_port
from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server


async def test_tools_on_the_sdk(
    server: LiveServer, account: Callable[[], Account], tmp_path: Path
) -> None:
    me = account()
    async with (
        AsyncSora2Client(server.url, me.username, me.password) as sdk,
        Client(build_server(ToolHost.local(SdkBackend(sdk)))) as mcp,
    ):
        # What the SDK must send, the adapter fills in from the catalogue: the default model,
        # then that model's size and length.
        defaults = data(await mcp.call_tool("create_video", {"prompt": "A heron"}))
        assert (defaults["model"], defaults["size"], defaults["seconds"]) == (
            "sora-2",
            "1280x720",
            "8",
        )
        data(await mcp.call_tool("delete_video", {"video_id": defaults["id"]}))
        plain = data(
            await mcp.call_tool(
                "create_video", {"prompt": "A heron", "size": "720x1280", "seconds": 4}
            )
        )
        assert (plain["model"], plain["size"], plain["seconds"]) == ("sora-2", "720x1280", "4")
        unknown = await mcp.call_tool("create_video", {"prompt": "x", "model": "sora-9"})
        assert unknown.is_error and "unknown model 'sora-9'; choose one of:" in text_of(unknown)

        waited = data(await mcp.call_tool("wait_for_video", {"video_id": plain["id"]}))
        assert waited["video"]["status"] == "completed"
        frames = await mcp.call_tool("get_video_frames", {"video_id": plain["id"], "count": 1})
        assert not frames.is_error and "1 frame(s)" in text_of(frames)
        saved = data(
            await mcp.call_tool(
                "download_video",
                {"video_id": plain["id"], "path": str(tmp_path), "variant": "spritesheet"},
            )
        )
        assert Path(saved["path"]).read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG

        missing = await mcp.call_tool("get_video", {"video_id": "nope"})
        assert missing.is_error and "video not found" in text_of(missing)

    async with (
        AsyncSora2Client.from_token(server.url, "not-a-token") as sdk,
        Client(build_server(ToolHost.local(SdkBackend(sdk)))) as mcp,
    ):
        refused = await mcp.call_tool("list_videos", {})
    assert refused.is_error and "check SORA2_TOKEN" in text_of(refused)


async def test_startup_refuses_bad_credentials_but_not_a_platform_that_is_down(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Not `async with`, which would log in at once: startup checks the login itself.
    async with aclosing(AsyncSora2Client(server.url, "admin", "wrong")) as sdk:
        with pytest.raises(StdioSetupError, match="refused the credentials"):
            await _check(sdk)
    down = f"http://127.0.0.1:{free_port()}"
    async with AsyncSora2Client.from_token(down, "a-token") as sdk:
        with caplog.at_level(logging.WARNING, logger="sora2.mcp.stdio"):
            await _check(sdk)
    assert "serving anyway" in caplog.text
