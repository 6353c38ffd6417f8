"""docs/mcp.md stays honest: every tool, resource and prompt described, a recorded session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client

from sora2.mcp.host import ToolHost
from sora2.mcp.server import build_server

DOC = Path(__file__).resolve().parents[3] / "docs" / "mcp.md"


async def test_every_tool_resource_and_prompt_is_in_docs_mcp() -> None:
    text = DOC.read_text()
    unused: Any = object()  # listing calls no backend
    for host in (ToolHost.local(unused), ToolHost.remote(lambda _: unused)):
        async with Client(build_server(host)) as mcp:
            tools = [tool.name for tool in (await mcp.list_tools()).tools]
            templates = (await mcp.list_resource_templates()).resource_templates
            prompts = [prompt.name for prompt in (await mcp.list_prompts()).prompts]
        for name in tools:
            assert f"| `{name}` |" in text, name
        for template in templates:
            assert f"`{template.uri_template.replace('video_id', 'id')}`" in text
        for name in prompts:
            assert f"`{name}`" in text


def test_the_recorded_session_is_there() -> None:
    session = DOC.read_text().split("<!-- transcript:start -->", 1)[1]
    session = session.split("<!-- transcript:end -->", 1)[0]
    for step in ("`initialize`", "`tools/list`", "`notifications/progress`", "`resources/read`"):
        assert step in session
    for tool in ("create_video", "wait_for_video", "get_video_frames", "download_video"):
        assert f'"name": "{tool}"' in session
