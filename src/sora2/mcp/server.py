"""The MCP server itself: one `MCPServer` with the tools, resources and prompt, for a host."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from mcp.server.mcpserver import MCPServer

import sora2
from sora2.mcp.host import ToolHost
from sora2.mcp.resources import register_resources
from sora2.mcp.tools import register_tools

SERVER_NAME = "sora2"
INSTRUCTIONS = """\
Make videos from text prompts on a Sora2 video platform, as the user this server is logged in as.
Video jobs take minutes: create_video (or remix_video) returns at once with an id; then call
wait_for_video with it, again until the video is completed or failed; then look at it with
get_video_frames. list_models gives the models, sizes, lengths and prices (USD per second).
Videos are also readable as resources: video://{id} (details) and video://{id}/thumbnail."""


def build_server(host: ToolHost) -> MCPServer[ToolHost]:
    """A server whose tools act through `host` (stdio: one user's SDK client; HTTP: the
    platform's services, as each request's user)."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[ToolHost]) -> AsyncIterator[ToolHost]:
        yield host

    with _logging_left_alone():
        server: MCPServer[ToolHost] = MCPServer(
            SERVER_NAME,
            title="Sora2 Platform",
            version=sora2.__version__,
            instructions=INSTRUCTIONS,
            lifespan=lifespan,
        )
    register_tools(server, local_files=host.local_files)
    register_resources(server)
    return server


@contextmanager
def _logging_left_alone() -> Iterator[None]:
    """`MCPServer()` calls `logging.basicConfig()`, which installs its own root handler and level
    when nobody configured logging yet; logging is the process's choice (`sora2 serve`, `sora2
    mcp`, an embedding app), so the root logger looks configured while the server is built."""
    root = logging.getLogger()
    if root.handlers:
        yield
        return
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    try:
        yield
    finally:
        root.removeHandler(placeholder)
