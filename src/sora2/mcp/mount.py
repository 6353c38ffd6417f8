"""`/mcp` on the platform's app, with the MCP SDK loaded by the first request to it.

The SDK and the tool server built on it hold about 15 MiB that most servers never use, so the
endpoint (`http.McpHttpEndpoint`) is built when `/mcp` is first asked for: imported in a worker
thread (the event loop keeps serving meanwhile), then run in a task of its own until shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from starlette.types import Receive, Scope, Send

if TYPE_CHECKING:
    from sora2.container import Container
    from sora2.mcp.http import McpHttpEndpoint

MCP_PATH = "/mcp"

EndpointOpener = Callable[["Container"], AbstractAsyncContextManager["McpHttpEndpoint"]]


def _load_opener() -> EndpointOpener:
    from sora2.mcp.http import open_mcp_endpoint

    return open_mcp_endpoint


class McpMount:
    """Owns the `/mcp` endpoint: built on the first request, stopped by `aclose`."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._ready: asyncio.Future[McpHttpEndpoint] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def endpoint(self) -> McpHttpEndpoint:
        """The running endpoint, built (once) for the first caller; later ones wait for it."""
        if self._ready is None:
            if self._stop.is_set():
                raise RuntimeError("the MCP endpoint is shut down")
            self._ready = asyncio.get_running_loop().create_future()
            self._runner = asyncio.create_task(self._run(self._ready), name="sora2-mcp")
        # Shielded: a caller that goes away does not cancel the start for the others.
        return await asyncio.shield(self._ready)

    async def _run(self, ready: asyncio.Future[McpHttpEndpoint]) -> None:
        # The SDK's session manager runs a task group, entered and left in this one task.
        try:
            opener = await asyncio.to_thread(_load_opener)
            async with opener(self._container) as endpoint:
                ready.set_result(endpoint)
                await self._stop.wait()
        except BaseException as exc:
            if ready.done():
                raise
            self._ready = None  # the next request tries again
            if isinstance(exc, asyncio.CancelledError):
                ready.cancel()
                raise
            ready.set_exception(exc)  # raised to the requests waiting for it

    async def aclose(self) -> None:
        """Stop the endpoint if it was started; later requests are refused."""
        self._stop.set()
        if self._runner is not None:
            await self._runner


class McpRoute:
    """The ASGI app at `/mcp`. The mount is made with the container, at startup, after the
    routes: `mount()` returns it when a request arrives."""

    def __init__(self, mount: Callable[[], McpMount]) -> None:
        self._mount = mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = await self._mount().endpoint()
        await endpoint(scope, receive, send)
