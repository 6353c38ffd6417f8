"""MCP sessions with the SDK's own client: over streamable HTTP at `/mcp`, and over stdio with
`python -m sora2 mcp` spawned as a desktop assistant would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, TextContent

from tests.conftest import Account
from tests.support.mcp_session import Recorder, recording, stdio_transport
from tests.support.server import LiveServer


@dataclass
class Progress:
    """What a progress callback received: (progress, total, message) in order."""

    updates: list[tuple[float, float | None, str | None]] = field(default_factory=list)

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.updates.append((progress, total, message))


@asynccontextmanager
async def http_session(
    server: LiveServer, token: str, *, mode: str = "auto"
) -> AsyncIterator[Client]:
    """An MCP client of the platform's `/mcp`, with a bearer token. `mode="legacy"` speaks the
    initialize handshake (protocol 2025-11-25, what desktop assistants speak today); "auto"
    negotiates the newest protocol (2026-07-28, one self-contained POST per request)."""
    async with (
        httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(30, read=300)
        ) as http,
        Client(streamable_http_client(f"{server.url}/mcp", http_client=http), mode=mode) as client,
    ):
        yield client


@asynccontextmanager
async def stdio_session(
    url: str, env: dict[str, str], tmp_path: Path, recorder: Recorder | None = None
) -> AsyncIterator[Client]:
    """`sora2 mcp --url URL` spawned over stdio (see `stdio_transport`), its stderr kept in
    `tmp_path/mcp-stderr.log`, every message added to `recorder` if given."""
    with (tmp_path / "mcp-stderr.log").open("w") as errlog:
        transport = stdio_transport(url, env, tmp_path, errlog)
        if recorder is not None:
            transport = recording(transport, recorder)
        async with Client(transport) as client:
            yield client


def stdio_client_for(
    server: LiveServer, account: Account, tmp_path: Path, recorder: Recorder | None = None
) -> AbstractAsyncContextManager[Client]:
    env = {"SORA2_USERNAME": account.username, "SORA2_PASSWORD": account.password}
    return stdio_session(server.url, env, tmp_path, recorder)


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def data(result: CallToolResult) -> Any:
    """The structured result of a successful tool call."""
    assert not result.is_error, text_of(result)
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(text_of(result))
