"""Error translation and retry policy, against a tiny misbehaving upstream on a real port.

The simulator never rate-limits or crashes on purpose, so these cases get their own fake upstream:
a few Starlette routes that answer what a struggling gateway would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sora2.errors import ProviderRateLimited, ProviderRejected, ProviderUnavailable
from sora2.providers.openai_videos import OpenAIVideosProvider, map_status
from sora2.providers.simulator import RunningSimulator, start_in_process


def error(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
    return JSONResponse(body, status_code=status, headers=headers)


class Upstream:
    def __init__(self) -> None:
        self.hits: list[tuple[str, str, str | None]] = []

    def app(self) -> Starlette:
        async def create(request: Request) -> Response:
            self.record(request)
            return error("the gateway fell over", 500, {"retry-after-ms": "1"})

        async def retrieve(request: Request) -> Response:
            self.record(request)
            video_id = request.path_params["video_id"]
            if video_id == "video_strange":
                return JSONResponse(
                    {
                        "id": video_id,
                        "object": "video",
                        "created_at": 1,
                        "model": "sora-2",
                        "progress": 5,
                        "seconds": "4",
                        "size": "1280x720",
                        "status": "exploded",
                    }
                )
            return error("the gateway fell over", 503, {"retry-after-ms": "1"})

        async def listing(request: Request) -> Response:
            self.record(request)
            return error("Rate limit reached for videos per minute.", 429, {"retry-after": "7"})

        async def remix(request: Request) -> Response:
            self.record(request)
            return error("slow down", 429, {"retry-after-ms": "2500"})

        return Starlette(
            routes=[
                Route("/v1/videos", create, methods=["POST"]),
                Route("/v1/videos", listing, methods=["GET"]),
                Route("/v1/videos/{video_id}", retrieve, methods=["GET"]),
                Route("/v1/videos/{video_id}/remix", remix, methods=["POST"]),
            ]
        )

    def record(self, request: Request) -> None:
        self.hits.append((request.method, request.url.path, request.headers.get("idempotency-key")))


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
async def running(upstream: Upstream) -> AsyncIterator[RunningSimulator]:
    server = await start_in_process(upstream.app())
    yield server
    await server.stop()


@pytest.fixture
async def provider(running: RunningSimulator) -> AsyncIterator[OpenAIVideosProvider]:
    client = OpenAIVideosProvider(base_url=running.base_url, api_key="k", timeout=5, max_retries=2)
    yield client
    await client.aclose()


async def test_create_is_sent_once_even_on_a_5xx(
    provider: OpenAIVideosProvider, upstream: Upstream
) -> None:
    with pytest.raises(ProviderUnavailable) as failed:
        await provider.create(
            prompt="x",
            model="sora-2",
            size="1280x720",
            seconds=4,
            input_reference=None,
            idempotency_key="once-123",
        )
    assert failed.value.message == "the gateway fell over"
    assert upstream.hits == [("POST", "/v1/videos", "once-123")]


async def test_reads_are_retried_then_reported_unavailable(
    provider: OpenAIVideosProvider, upstream: Upstream
) -> None:
    with pytest.raises(ProviderUnavailable):
        await provider.retrieve("video_abc")
    assert len(upstream.hits) == 3  # the first try and two retries


async def test_429_is_rate_limited_with_retry_after(running: RunningSimulator) -> None:
    impatient = OpenAIVideosProvider(
        base_url=running.base_url, api_key="k", timeout=5, max_retries=0
    )
    try:
        with pytest.raises(ProviderRateLimited) as limited:
            await impatient.list_recent()
        assert limited.value.retry_after == 7
        assert "Rate limit reached" in limited.value.message
        with pytest.raises(ProviderRateLimited) as remix:
            await impatient.remix("video_abc", prompt="p", idempotency_key="k")
        assert remix.value.retry_after == 2.5
    finally:
        await impatient.aclose()


async def test_an_unknown_status_is_not_guessed(provider: OpenAIVideosProvider) -> None:
    with pytest.raises(ProviderUnavailable, match="exploded"):
        await provider.retrieve("video_strange")


def test_status_mapping() -> None:
    assert [map_status(s).value for s in ("queued", "in_progress", "completed", "failed")] == [
        "queued",
        "in_progress",
        "completed",
        "failed",
    ]
    with pytest.raises(ProviderUnavailable):
        map_status("teleported")
    assert not issubclass(ProviderRejected, ProviderUnavailable)
