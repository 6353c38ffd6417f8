"""The MCP server over stdio (`sora2 mcp`): one user, a platform reached over HTTP by the SDK.

stdout carries the protocol and nothing else; logs go to stderr.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sora2.client import AsyncSora2Client, AuthenticationError, Sora2Error
from sora2.mcp.host import ToolHost
from sora2.mcp.sdk_backend import SdkBackend
from sora2.mcp.server import build_server

log = logging.getLogger(__name__)


class StdioSetupError(Exception):
    """The server cannot serve as configured (bad credentials, bad URL); the message says why."""


@dataclass(frozen=True, slots=True)
class StdioConfig:
    """Where the platform is and who to be there: a username and password, or a token."""

    url: str
    username: str | None = None
    password: str | None = None
    token: str | None = None


async def serve_stdio(config: StdioConfig) -> None:
    """Serve MCP on stdin/stdout until the client closes stdin."""
    try:
        client = AsyncSora2Client(config.url, config.username, config.password, token=config.token)
    except ValueError as exc:
        raise StdioSetupError(str(exc)) from None
    try:
        await _check(client)
        server = build_server(ToolHost.local(SdkBackend(client)))
        await server.run_stdio_async()
    finally:
        await client.aclose()


async def _check(client: AsyncSora2Client) -> None:
    """Refuse to start with credentials the platform refuses; start anyway if it is down or
    busy (an assistant may start this server before the platform, and tools report it)."""
    try:
        user = await client.me()
    except AuthenticationError as exc:
        raise StdioSetupError(f"{client.base_url} refused the credentials: {exc.message}") from None
    except Sora2Error as exc:  # unreachable, restarting, busy: tools will say so meanwhile
        log.warning("%s; serving anyway", exc.message)
        return
    log.info("serving MCP over stdio for %s at %s", user.username, client.base_url)
