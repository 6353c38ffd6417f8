"""`SdkBackend`: the tools' port over HTTP, through the async Python SDK (for `sora2 mcp`)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path

from sora2.client import (
    AsyncSora2Client,
    AuthenticationError,
    Model,
    NotFoundError,
    Sora2Error,
    Video,
    VideoPage,
    WaitTimeoutError,
)
from sora2.mcp.port import BackendError, VideoNotFound

# How often a wait polls when the platform's live updates (Socket.IO) cannot be reached.
POLL_SECONDS = 2.0


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """The SDK's errors as the port's, keeping the server's own words."""
    try:
        yield
    except NotFoundError as exc:
        raise VideoNotFound(exc.message) from exc
    except AuthenticationError as exc:
        raise BackendError(
            f"{exc.message} (check SORA2_TOKEN, or SORA2_USERNAME and SORA2_PASSWORD, "
            "in this MCP server's configuration)"
        ) from exc
    except Sora2Error as exc:
        raise BackendError(exc.message) from exc


class SdkBackend:
    """One user's platform, reached with an `AsyncSora2Client` the caller opens and closes."""

    def __init__(self, client: AsyncSora2Client) -> None:
        self._client = client

    async def create_video(
        self,
        *,
        prompt: str,
        model: str | None,
        size: str | None,
        seconds: str | None,
        image: bytes | None,
    ) -> Video:
        with _translated():
            if model is None or size is None or seconds is None:
                # The SDK sends every field; the defaults are the model's, as the server's are.
                spec = await self._model(model)
                model = spec.id
                size = size or spec.default_size
                seconds = seconds or spec.default_seconds
            return await self._client.create_video(
                prompt, model, size, seconds, input_reference=image
            )

    async def get_video(self, video_id: str) -> Video:
        with _translated():
            return await self._client.get_video_status(video_id)

    async def list_videos(
        self, *, limit: int, offset: int, status: str | None, query: str | None
    ) -> VideoPage:
        with _translated():
            return await self._client.list_videos(limit, offset, status=status, query=query)

    async def remix_video(self, video_id: str, *, prompt: str) -> Video:
        with _translated():
            return await self._client.remix_video(video_id, prompt)

    async def delete_video(self, video_id: str) -> None:
        with _translated():
            await self._client.delete_video(video_id)

    async def models(self) -> list[Model]:
        with _translated():
            return await self._client.models()

    async def watch(self, video_id: str, *, max_seconds: float) -> AsyncGenerator[Video, None]:
        # The SDK's own deadline ends the watch between two waits, so its socket is closed
        # properly (a cancellation could interrupt that).
        with _translated():
            try:
                async with contextlib.aclosing(
                    self._client.watch(video_id, poll_interval=POLL_SECONDS, timeout=max_seconds)
                ) as states:
                    async for state in states:
                        yield state
            except WaitTimeoutError:
                return

    @contextlib.asynccontextmanager
    async def local_file(self, video_id: str, variant: str) -> AsyncIterator[Path]:
        with tempfile.TemporaryDirectory(prefix="sora2-mcp-") as folder:
            with _translated():
                path = await self._client.download(video_id, Path(folder), variant)
            yield path

    async def save(self, video_id: str, variant: str, target: Path) -> Path:
        with _translated():
            return await self._client.download(video_id, target, variant)

    async def _model(self, name: str | None) -> Model:
        offered = await self._client.models()
        if not offered:
            raise BackendError("the platform offers no models")
        if name is None:
            return next((m for m in offered if m.id == "sora-2"), offered[0])
        for model in offered:
            if model.id == name:
                return model
        raise BackendError(
            f"unknown model {name!r}; choose one of: {', '.join(m.id for m in offered)}"
        )
