"""The `veo` provider: Google Veo through the official `google-genai` SDK (async client).

google-genai 3.x runs `generate_videos` on the Gemini Enterprise Agent Platform (Vertex AI)
endpoints only; with an API key alone that is Vertex AI *express mode*
(`https://aiplatform.googleapis.com/`). A job is a long-running operation: created with
`predictLongRunning`, polled with `fetchPredictOperation` (`client.aio.operations.get`), and
its result carries the MP4 inline (base64). Veo makes no thumbnail or spritesheet: `download`
refuses those variants and the tracker makes them from the MP4. Veo cannot remix, list or
delete jobs; the catalogue marks its models `remix = "reprompt"`.

Requests are sent once (SDK retries off): the tracker decides when to try again.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import httpx2
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from sora2.domain import Asset, VideoStatus
from sora2.errors import ProviderRateLimited, ProviderRejected, ProviderUnavailable
from sora2.ports import ReferenceImage, UpstreamJob

log = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 20
_RESULT_CACHE = 8  # finished videos kept between `retrieve` and `download`
# Veo's shapes: 16:9 or 9:16, at 720p or 1080p.
_SHAPES = {
    "1280x720": ("16:9", "720p"),
    "720x1280": ("9:16", "720p"),
    "1920x1080": ("16:9", "1080p"),
    "1080x1920": ("9:16", "1080p"),
}
_SAFETY_WORDS = ("responsible ai", "safety", "sensitive", "rai ", "blocked", "policy")
_TRANSPORT_ERRORS = (httpx2.TransportError, asyncio.TimeoutError, ConnectionError)


class GoogleVeoProvider:
    """`VideoProvider` for Veo models (`veo-3.1-generate-001`, ...)."""

    def __init__(
        self, *, api_key: str, base_url: str | None, timeout: float, name: str = "veo"
    ) -> None:
        self.name = name
        # Our own httpx2 pool (the `openai` SDK's transport too): without it the SDK picks
        # aiohttp whenever it is installed, which retries connection errors on its own.
        self._http = httpx2.AsyncClient(timeout=timeout)
        options = types.HttpOptions(
            base_url=base_url,
            timeout=int(timeout * 1000),  # milliseconds
            retry_options=types.HttpRetryOptions(attempts=1),
            httpx_async_client=self._http,
        )
        self._client = genai.Client(vertexai=True, api_key=api_key, http_options=options)
        self._results: OrderedDict[str, bytes] = OrderedDict()

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
        shape = _SHAPES.get(size)
        if shape is None:
            raise ProviderRejected(
                f"Veo makes {', '.join(_SHAPES)} videos, not {size}", code="invalid_size"
            )
        aspect_ratio, resolution = shape
        image = None
        if input_reference is not None:
            image = types.Image(
                image_bytes=input_reference.data, mime_type=input_reference.media_type
            )
        config = types.GenerateVideosConfig(
            number_of_videos=1,
            duration_seconds=seconds,
            aspect_ratio=aspect_ratio,
            resolution=resolution,
            generate_audio=True,
        )
        with _provider_errors():
            operation = await self._client.aio.models.generate_videos(
                model=model,
                source=types.GenerateVideosSource(prompt=prompt, image=image),
                config=config,
            )
        log.debug("veo job %s made for video %s", operation.name, idempotency_key)
        job = self._job(operation)
        return UpstreamJob(
            id=job.id,
            status=job.status,
            progress=job.progress,
            created_at=time.time(),
            error_message=job.error_message,
            prompt=prompt,
            model=model,
            size=size,
            seconds=str(seconds),
        )

    async def remix(self, upstream_id: str, *, prompt: str, idempotency_key: str) -> UpstreamJob:
        raise ProviderRejected("Veo cannot remix a video", code="unsupported", status=400)

    async def retrieve(self, upstream_id: str) -> UpstreamJob:
        with _provider_errors():
            operation = await self._client.aio.operations.get(
                types.GenerateVideosOperation.model_validate({"name": upstream_id})
            )
        return self._job(operation)

    async def list_recent(
        self, *, limit: int = 100, after: str | None = None
    ) -> Sequence[UpstreamJob]:
        """Veo cannot list its operations: a create whose answer was lost cannot be found."""
        return []

    async def delete(self, upstream_id: str) -> None:
        """Veo keeps no deletable copy: its inline result is gone once the operation expires."""
        self._results.pop(upstream_id, None)

    @contextlib.asynccontextmanager
    async def download(
        self, upstream_id: str, variant: Asset
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        if variant is not Asset.VIDEO:
            raise ProviderRejected(f"Veo makes no {variant.value}", code="no_variant", status=404)
        data = self._results.pop(upstream_id, None)
        if data is None:
            job = await self.retrieve(upstream_id)
            if job.status is not VideoStatus.COMPLETED:
                raise ProviderRejected(f"Veo job {upstream_id} has no video", status=404)
            data = self._results.pop(upstream_id, b"")
        yield _chunks(data)

    async def aclose(self) -> None:
        self._results.clear()
        await self._client.aio.aclose()
        self._client.close()
        await self._http.aclose()

    def _job(self, operation: types.GenerateVideosOperation) -> UpstreamJob:
        if not operation.name:
            raise ProviderUnavailable("Veo answered an operation without a name")
        if not operation.done:
            return UpstreamJob(
                id=operation.name,
                status=VideoStatus.IN_PROGRESS,
                progress=_progress(operation.metadata),
                poll_after=None,
            )
        if operation.error:
            return _failed(operation.name, _error_message(operation.error))
        result = operation.result or operation.response
        videos = (result.generated_videos if result else None) or []
        video = videos[0].video if videos else None
        if video is None or not (video.video_bytes or video.uri):
            return _failed(operation.name, _filtered_message(result))
        if not video.video_bytes:
            return _failed(
                operation.name,
                f"Veo stored the video at {video.uri}, which this platform cannot read; "
                "configure no output storage URI",
            )
        self._remember(operation.name, video.video_bytes)
        return UpstreamJob(
            id=operation.name, status=VideoStatus.COMPLETED, progress=100, completed_at=time.time()
        )

    def _remember(self, name: str, data: bytes) -> None:
        self._results[name] = data
        self._results.move_to_end(name)
        while len(self._results) > _RESULT_CACHE:
            self._results.popitem(last=False)


def _failed(name: str, message: str) -> UpstreamJob:
    return UpstreamJob(id=name, status=VideoStatus.FAILED, progress=0, error_message=message)


def _progress(metadata: dict[str, Any] | None) -> int:
    raw = (metadata or {}).get("progressPercent")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return max(0, min(99, int(raw)))
    return 0


def _error_message(error: dict[str, Any]) -> str:
    message = str(error.get("message") or "").strip() or "Veo reported a failure without a reason"
    if any(word in message.lower() for word in _SAFETY_WORDS):
        return f"Blocked by Google's safety filters: {message}"
    return f"Veo could not make the video: {message}"


def _filtered_message(result: types.GenerateVideosResponse | None) -> str:
    if result is not None and (result.rai_media_filtered_count or 0) > 0:
        reasons = "; ".join(result.rai_media_filtered_reasons or []) or "no reason given"
        return f"Blocked by Google's safety filters: {reasons}"
    return "Veo finished without a video"


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), CHUNK_SIZE):
        yield data[start : start + CHUNK_SIZE]


@contextlib.contextmanager
def _provider_errors() -> Iterator[None]:
    """Translate SDK and transport errors into the platform's `Provider*` errors."""
    try:
        yield
    except genai_errors.APIError as exc:
        message = exc.message or f"Google answered HTTP {exc.code}"
        if exc.code == 429:
            retry_after = _retry_after(exc.response)
            raise ProviderRateLimited(f"Veo: {message}", retry_after=retry_after) from exc
        if exc.code >= 500 or exc.code == 408:
            raise ProviderUnavailable(f"Veo: {message}") from exc
        raise ProviderRejected(f"Veo: {message}", code=exc.status, status=exc.code) from exc
    except _TRANSPORT_ERRORS as exc:
        raise ProviderUnavailable(f"Google is unreachable: {exc!r}") from exc


def _retry_after(response: object) -> float | None:
    headers = getattr(response, "headers", None)
    raw = headers.get("retry-after") if headers is not None else None
    if raw is None:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(raw))
    with contextlib.suppress(TypeError, ValueError):
        return max(0.0, email.utils.parsedate_to_datetime(raw).timestamp() - time.time())
    return None
