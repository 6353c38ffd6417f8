"""Fixtures for the SDK and CLI tests: clients logged in to a live server on the simulator."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from sora2.client import AsyncSora2Client, Sora2Client
from tests.support.server import LiveServer


@pytest.fixture
def sdk(server: LiveServer) -> Iterator[Sora2Client]:
    with Sora2Client(server.url, "admin", "admin") as client:
        yield client


@pytest.fixture
async def async_sdk(server: LiveServer) -> AsyncIterator[AsyncSora2Client]:
    async with AsyncSora2Client(server.url, "admin", "admin") as client:
        yield client


def png_bytes(size: tuple[int, int] = (64, 36), colour: str = "orange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    path = tmp_path / "first-frame.png"
    path.write_bytes(png_bytes())
    return path


class ForwardingTransport(httpx.HTTPTransport):
    """Sends every REST request to `target` whatever host the client was given: the client's
    base URL (where its socket goes) can then name a port where nothing listens."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self._target = httpx.URL(target)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host=self._target.host, port=self._target.port)
        request.headers["Host"] = f"{self._target.host}:{self._target.port}"
        return super().handle_request(request)


class AsyncForwardingTransport(httpx.AsyncHTTPTransport):
    """`ForwardingTransport` for the async client."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self._target = httpx.URL(target)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host=self._target.host, port=self._target.port)
        request.headers["Host"] = f"{self._target.host}:{self._target.port}"
        return await super().handle_async_request(request)


class BreakingTransport(httpx.HTTPTransport):
    """A real transport whose downloads break after their first chunk (a reset connection)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if not request.url.path.endswith("/content") or response.status_code != 200:
            return response
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_BreakingStream(response.stream),
            extensions=response.extensions,
        )


class _BreakingStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        yield next(chunks)
        raise httpx.ReadError("connection reset by peer")

    def close(self) -> None:
        self._inner.close()
