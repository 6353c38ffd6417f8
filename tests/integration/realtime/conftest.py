"""Fixtures for the Socket.IO tests: accounts with known passwords, recording socket clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.support.server import LiveServer
from tests.support.sockets import SocketRecorder

RecorderFactory = Callable[..., Awaitable[SocketRecorder]]


@pytest.fixture
async def recorders(server: LiveServer) -> AsyncIterator[RecorderFactory]:
    """Connect a recording socket to the live server with a token; all are closed afterwards."""
    made: list[SocketRecorder] = []

    async def connect(token: str, **options: Any) -> SocketRecorder:
        recorder = SocketRecorder(**options)
        made.append(recorder)
        await recorder.connect(server.url, token)
        return recorder

    yield connect
    for recorder in made:
        await recorder.close()


def create_video(client: httpx.Client, prompt: str = "A lighthouse in a storm") -> dict[str, Any]:
    response = client.post("/api/videos", data={"prompt": prompt, "seconds": "4"})
    assert response.status_code == 201, response.text
    video: dict[str, Any] = response.json()
    return video


def token_of(client: httpx.Client) -> str:
    return client.headers["Authorization"].removeprefix("Bearer ")
