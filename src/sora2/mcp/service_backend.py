"""`ServiceBackend`: the tools' port in process, on the platform's services, as one user.

Used by the streamable HTTP endpoint at `/mcp`: no second HTTP hop, no token passed around, and
the same business rules (and per-user scoping) as the REST routes, because it calls the same
service methods they call.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from pathlib import Path

from sora2.client import Model, Video, VideoPage
from sora2.domain import Catalogue, ModelSpec, User
from sora2.domain import Video as DomainVideo
from sora2.errors import NotFound, Sora2Error
from sora2.events import Event, InProcessEventBus, VideoUpdate
from sora2.mcp.port import BackendError, MediaLink, VideoNotFound
from sora2.services.media.links import MediaUrlService
from sora2.services.videos import VideoService
from sora2.wire import ModelPublic, video_fields

# Events carry the changes; a re-read this often covers a tracker in another process (whose
# events do not reach this process's bus) and any event dropped on the way.
RECHECK_SECONDS = 2.0


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """The platform's errors as the port's, keeping their messages."""
    try:
        yield
    except NotFound as exc:
        raise VideoNotFound(exc.message) from exc
    except Sora2Error as exc:
        raise BackendError(exc.message) from exc


# The tools see the SDK's records (the port's), made from the same wire shape the API sends.
def _record(video: DomainVideo) -> Video:
    return Video.model_validate(video_fields(video))


def _model(spec: ModelSpec) -> Model:
    return Model.model_validate(ModelPublic.of(spec).model_dump(mode="json"))


class ServiceBackend:
    """The platform's services, scoped to `user`. `link_url` turns a media token into the
    absolute URL the caller can fetch."""

    def __init__(
        self,
        *,
        user: User,
        videos: VideoService,
        events: InProcessEventBus,
        catalogue: Catalogue,
        media_urls: MediaUrlService,
        link_url: Callable[[str], str],
    ) -> None:
        self.user = user
        self._videos = videos
        self._events = events
        self._catalogue = catalogue
        self._media_urls = media_urls
        self._link_url = link_url

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
            if image is not None and len(image) > self._videos.upload_limit:
                raise BackendError(
                    f"the image is larger than {self._videos.upload_limit // (1024 * 1024)} MiB"
                )
            video = await self._videos.create(
                self.user,
                prompt=prompt,
                model=model,
                size=size,
                seconds=seconds,
                input_reference=image,
            )
            return _record(video)

    async def get_video(self, video_id: str) -> Video:
        with _translated():
            return _record(await self._videos.get(self.user, video_id))

    async def list_videos(
        self, *, limit: int, offset: int, status: str | None, query: str | None
    ) -> VideoPage:
        with _translated():
            page = await self._videos.list(
                self.user, limit=limit, offset=offset, status=status, query=query
            )
        return VideoPage(
            videos=[_record(video) for video in page.videos], limit=page.limit, offset=page.offset
        )

    async def remix_video(self, video_id: str, *, prompt: str) -> Video:
        with _translated():
            return _record(await self._videos.remix(self.user, video_id, prompt=prompt))

    async def delete_video(self, video_id: str) -> None:
        with _translated():
            await self._videos.delete(self.user, video_id)

    async def models(self) -> list[Model]:
        return [_model(spec) for spec in self._catalogue]

    async def watch(self, video_id: str, *, max_seconds: float) -> AsyncGenerator[Video, None]:
        deadline = time.monotonic() + max_seconds
        # Subscribed before the first read, so no change between the two is missed.
        async with self._events.subscribe() as queue:
            state = await self.get_video(video_id)
            yield state
            while not state.is_finished and (left := deadline - time.monotonic()) > 0:
                # After an event about it, or a quiet spell (see RECHECK_SECONDS): re-read.
                await self._next_event(queue, state.id, min(left, RECHECK_SECONDS))
                newer = await self.get_video(state.id)
                if (newer.status, newer.progress) != (state.status, state.progress):
                    state = newer
                    yield state

    async def _next_event(self, queue: asyncio.Queue[Event], video_id: str, wait: float) -> None:
        """Wait for an event about this video, or `wait` seconds."""
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = await asyncio.wait_for(queue.get(), timeout=left)
            except TimeoutError:
                return
            if (
                isinstance(event, VideoUpdate)
                and event.video_id == video_id
                and event.user_id == self.user.id
            ):
                if event.updates.get("deleted"):
                    raise VideoNotFound(f"video {video_id} was deleted")
                return

    @contextlib.asynccontextmanager
    async def local_file(self, video_id: str, variant: str) -> AsyncIterator[Path]:
        with _translated():
            content = await self._videos.content(self.user, video_id, variant=variant)
        path = content.store.local_path(content.info.key)
        if path is not None:
            yield path
            return
        # A remote store (S3): a private temporary copy.
        with tempfile.TemporaryDirectory(prefix="sora2-mcp-") as folder:
            copy = Path(folder) / f"{content.video.id}.{content.variant.extension}"
            with copy.open("wb") as out:
                async for chunk in content.store.read(content.info.key):
                    out.write(chunk)
            yield copy

    async def link(self, video_id: str, variant: str) -> MediaLink:
        with _translated():
            link = await self._media_urls.issue(self.user, video_id, variant=variant)
        return MediaLink(url=self._link_url(link.token), expires_at=link.expires_at)
