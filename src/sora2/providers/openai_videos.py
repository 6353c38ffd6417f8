"""The `openai` SDK adapter: any OpenAI-compatible Videos API, and the built-in simulator.

Creates and remixes are sent once (SDK retries off) with an `Idempotency-Key`: after a timeout the
outcome is unknown, and the caller decides (replay the key, or look for the job in `list_recent`).
Reads may retry inside the SDK, which honours `Retry-After`.
"""

from __future__ import annotations

import contextlib
import email.utils
import time
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import httpx2
import openai

from sora2.domain import Asset, VideoStatus
from sora2.errors import ProviderRateLimited, ProviderRejected, ProviderUnavailable
from sora2.ports import ReferenceImage, UpstreamJob

if TYPE_CHECKING:
    from openai import AsyncAPIResponse
    from openai.types import Video, VideoSeconds, VideoSize

P = ParamSpec("P")
R = TypeVar("R")

NO_API_KEY = "sk-none"  # sent when no key is configured (see __init__)
POLL_AFTER_HEADER = "openai-poll-after-ms"
# openai 3.x marks every videos method deprecated since OpenAI's own Sora API shut down; the
# protocol lives on in compatible gateways and the simulator, so the warning is noise here.
_SORA_DEPRECATION = "The Sora API is scheduled to permanently shut down"

_STATUSES = {
    "queued": VideoStatus.QUEUED,
    "pending": VideoStatus.QUEUED,
    "in_progress": VideoStatus.IN_PROGRESS,
    "processing": VideoStatus.IN_PROGRESS,
    "completed": VideoStatus.COMPLETED,
    "succeeded": VideoStatus.COMPLETED,
    "failed": VideoStatus.FAILED,
    "cancelled": VideoStatus.FAILED,
    "canceled": VideoStatus.FAILED,
    "expired": VideoStatus.FAILED,
}


def map_status(upstream: str) -> VideoStatus:
    """The one place an upstream status becomes ours."""
    status = _STATUSES.get(upstream.strip().lower())
    if status is None:
        raise ProviderUnavailable(f"the provider answered an unknown video status {upstream!r}")
    return status


class OpenAIVideosProvider:
    """`VideoProvider` over the official SDK (`AsyncOpenAI`), for any compatible base URL."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: float,
        name: str = "openai",
        max_retries: int = 2,
    ) -> None:
        self.name = name
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            # The SDK refuses an empty key; a keyless gateway (or a simulator without --api-key)
            # ignores whatever is sent. Never let it fall back to the OPENAI_API_KEY environment
            # variable: that would hand a real OpenAI key to whatever base_url points at.
            api_key=api_key or NO_API_KEY,
            timeout=timeout,
            max_retries=max_retries,
        )
        # A POST the server may have received is never re-sent blindly (same connection pool).
        self._once = self._client.with_options(max_retries=0)

    async def create(
        self,
        *,
        prompt: str,
        model: str,
        size: str,
        seconds: int,
        input_reference: ReferenceImage | None,
        idempotency_key: str,
    ) -> UpstreamJob:
        extra: dict[str, Any] = {}
        if input_reference is not None:
            ref = input_reference
            extra["input_reference"] = (ref.filename, ref.data, ref.media_type)
        with _provider_errors():
            request = _quietly(
                self._once.videos.with_streaming_response.create,
                prompt=prompt,
                model=model,
                size=cast("VideoSize", size),
                seconds=cast("VideoSeconds", str(seconds)),
                extra_headers={"Idempotency-Key": idempotency_key},
                **extra,
            )
            async with request as response:
                return await _job_from(response)

    async def remix(self, upstream_id: str, *, prompt: str, idempotency_key: str) -> UpstreamJob:
        with _provider_errors():
            request = _quietly(
                self._once.videos.with_streaming_response.remix,
                upstream_id,
                prompt=prompt,
                extra_headers={"Idempotency-Key": idempotency_key},
            )
            async with request as response:
                return await _job_from(response)

    async def retrieve(self, upstream_id: str) -> UpstreamJob:
        with _provider_errors():
            request = _quietly(self._client.videos.with_streaming_response.retrieve, upstream_id)
            async with request as response:
                return await _job_from(response)

    async def list_recent(
        self, *, limit: int = 100, after: str | None = None
    ) -> Sequence[UpstreamJob]:
        """The provider's newest jobs first, from the one after the job `after` when given."""
        jobs: list[UpstreamJob] = []
        listed = self._client.videos.list
        with _provider_errors():
            if after is None:
                page = await _quietly(listed, limit=min(limit, 100), order="desc")
            else:
                page = await _quietly(listed, limit=min(limit, 100), order="desc", after=after)
            while True:
                jobs.extend(to_upstream_job(video) for video in page.data[: limit - len(jobs)])
                if len(jobs) >= limit or not page.has_next_page():
                    return jobs
                page = await page.get_next_page()

    async def delete(self, upstream_id: str) -> None:
        """Delete upstream; a job the provider no longer knows counts as deleted."""
        with _provider_errors():
            try:
                await _quietly(self._client.videos.delete, upstream_id)
            except openai.NotFoundError:
                return

    @contextlib.asynccontextmanager
    async def download(
        self, upstream_id: str, variant: Asset
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Stream one asset in constant memory: `async with provider.download(id, v) as chunks`."""
        with _provider_errors():
            request = _quietly(
                self._client.videos.with_streaming_response.download_content,
                upstream_id,
                variant=variant.value,
            )
            async with request as response:
                # As they arrive (about 64 KiB each): re-chunking to a fixed size cost httpx three
                # copies of every byte on the event loop; the blob store batches the writes.
                chunks = _chunks(response.iter_bytes())
                try:
                    yield chunks
                finally:
                    await chunks.aclose()  # a reader that stops early leaves no generator behind

    async def aclose(self) -> None:
        await self._client.close()


def to_upstream_job(video: Video, *, poll_after: float | None = None) -> UpstreamJob:
    status = map_status(video.status)
    error_message = None
    if status is VideoStatus.FAILED:
        error_message = _failure_message(video)
    return UpstreamJob(
        id=video.id,
        status=status,
        progress=max(0, min(100, int(video.progress or 0))),
        created_at=float(video.created_at),
        completed_at=None if video.completed_at is None else float(video.completed_at),
        expires_at=None if video.expires_at is None else float(video.expires_at),
        error_message=error_message,
        prompt=video.prompt,
        model=video.model,
        size=video.size,
        seconds=str(video.seconds),
        remixed_from=video.remixed_from_video_id,
        poll_after=poll_after,
    )


async def _job_from(response: AsyncAPIResponse[Video]) -> UpstreamJob:
    video = await response.parse()
    return to_upstream_job(video, poll_after=_poll_after(response.headers))


def _failure_message(video: Video) -> str:
    error = video.error
    if error is None or not (error.message or "").strip():
        return "The provider reported that the video failed, without a reason."
    message = error.message.strip()
    if "moderation" in (error.code or "") and "moderation" not in message.lower():
        return f"Blocked by moderation: {message}"
    return message


def _poll_after(headers: httpx2.Headers) -> float | None:
    raw = headers.get(POLL_AFTER_HEADER)
    try:
        millis = float(raw) if raw is not None else None
    except ValueError:
        return None
    return None if millis is None or millis < 0 else millis / 1000


def _retry_after(headers: httpx2.Headers) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `retry-after` (seconds or an HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        with contextlib.suppress(ValueError):
            return max(0.0, float(raw_ms) / 1000)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(raw))
    with contextlib.suppress(TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(raw)
        return max(0.0, when.timestamp() - time.time())
    return None


def _quietly(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Call an SDK videos method without its deprecation warning.

    The SDK warns when the method is *called*; the request runs later, when the returned
    coroutine or context manager is awaited. So the filter spans no `await`: concurrent tasks can
    never see each other's warning filters (`catch_warnings` is process-global)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_SORA_DEPRECATION, category=DeprecationWarning)
        return fn(*args, **kwargs)


async def _chunks(source: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
    with _provider_errors():
        async for chunk in source:
            yield chunk


@contextlib.contextmanager
def _provider_errors() -> Iterator[None]:
    """Translate SDK and transport errors into the platform's `Provider*` errors."""
    try:
        yield
    except openai.APIStatusError as exc:
        message = _upstream_message(exc)
        if exc.status_code == 429 and exc.code == "insufficient_quota":
            # Out of credit, not busy: waiting does not help, and retrying would only hammer.
            raise ProviderRejected(message, code=exc.code, status=429) from exc
        if exc.status_code == 429:
            retry_after = _retry_after(exc.response.headers)
            raise ProviderRateLimited(message, retry_after=retry_after) from exc
        if exc.status_code >= 500 or exc.status_code == 408:
            raise ProviderUnavailable(message) from exc
        raise ProviderRejected(message, code=exc.code, status=exc.status_code) from exc
    except openai.APIConnectionError as exc:  # includes timeouts
        raise ProviderUnavailable(f"the video provider is unreachable: {exc.message}") from exc
    except openai.APIResponseValidationError as exc:
        raise ProviderUnavailable(f"the video provider sent an unexpected answer: {exc}") from exc
    except httpx2.TransportError as exc:  # raised while streaming a body
        raise ProviderUnavailable(f"the download from the video provider broke off: {exc}") from exc


def _upstream_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    return f"the video provider answered HTTP {exc.status_code}"
