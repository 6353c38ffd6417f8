"""What the MCP tools need from a platform: one small port, two adapters.

- `SdkBackend` (stdio, `sora2 mcp`): a platform somewhere, over HTTP, through the Python SDK.
- `ServiceBackend` (streamable HTTP at `/mcp`): the platform's own services, in process, acting
  as the user whose bearer token came with the request.

The tools are written once against `VideoBackend`. Records are the SDK's (`Video`, `VideoPage`,
`Model`): the REST API's JSON, typed, whichever adapter produced them. Failures the user should
read are `BackendError`s, whatever their origin.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sora2.client import Model, Video, VideoPage

__all__ = [
    "BackendError",
    "LinkingBackend",
    "MediaLink",
    "SavingBackend",
    "VideoBackend",
    "VideoNotFound",
]


class BackendError(Exception):
    """A failure worth telling the assistant as it is (`message`): not found, not ready,
    invalid input, a limit, the platform unreachable, ..."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class VideoNotFound(BackendError):
    """No such video for this user (another user's video is answered the same way)."""


@dataclass(frozen=True, slots=True)
class MediaLink:
    """A short-lived URL that downloads one file of a video without a bearer token."""

    url: str
    expires_at: int


class VideoBackend(Protocol):
    """The calling user's view of a platform."""

    async def create_video(
        self,
        *,
        prompt: str,
        model: str | None,
        size: str | None,
        seconds: str | None,
        image: bytes | None,
    ) -> Video:
        """Start a video job (None: the model's default); returns at once."""
        ...

    async def get_video(self, video_id: str) -> Video: ...

    async def list_videos(
        self, *, limit: int, offset: int, status: str | None, query: str | None
    ) -> VideoPage: ...

    async def remix_video(self, video_id: str, *, prompt: str) -> Video: ...

    async def delete_video(self, video_id: str) -> None: ...

    async def models(self) -> list[Model]: ...

    def watch(self, video_id: str, *, max_seconds: float) -> AsyncGenerator[Video, None]:
        """The video now, then each time it changes, until it is completed or failed; stops
        (without an error) once `max_seconds` have passed."""
        ...

    def local_file(self, video_id: str, variant: str) -> AbstractAsyncContextManager[Path]:
        """A local path to one file of a completed video (`video`, `thumbnail`, `spritesheet`),
        valid inside the context."""
        ...


class SavingBackend(VideoBackend, Protocol):
    """A backend on the user's own machine: it can write files where the user says."""

    async def save(self, video_id: str, variant: str, target: Path) -> Path:
        """Write one file of a completed video to `target` (a file, or a folder for
        `<id>.<ext>`); return the path written."""
        ...


class LinkingBackend(VideoBackend, Protocol):
    """A backend on a server: it hands out links instead of writing files."""

    async def link(self, video_id: str, variant: str) -> MediaLink: ...
