"""Videos: the business rules of making, reading, remixing and deleting them.

Every method takes the acting user and only ever touches that user's videos: another user's id
is answered exactly like a missing one, so ids leak nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sora2.domain import Asset, User, Video, VideoStatus, public_view, validate_request
from sora2.domain.catalogue import ModelSpec
from sora2.errors import Conflict, InvalidInput, NotFound, ProviderError
from sora2.events import VideoUpdate
from sora2.ports import BlobInfo, BlobStore, EventPublisher, VideoRepository
from sora2.services.images import prepare_reference_image
from sora2.services.jobs import JobRunner, reference_key, video_prefix

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VideoLimits:
    max_upload_bytes: int
    max_image_pixels: int
    page_size_max: int


@dataclass(frozen=True, slots=True)
class VideoPage:
    videos: Sequence[Video]
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Content:
    store: BlobStore
    info: BlobInfo
    variant: Asset
    video: Video


class VideoService:
    def __init__(
        self,
        *,
        videos: VideoRepository,
        blobs: BlobStore,
        events: EventPublisher,
        jobs: JobRunner,
        limits: VideoLimits,
        provider_name: str,
    ) -> None:
        self._videos = videos
        self._blobs = blobs
        self._events = events
        self._jobs = jobs
        self._limits = limits
        self._provider_name = provider_name

    @property
    def upload_limit(self) -> int:
        return self._limits.max_upload_bytes

    async def create(
        self,
        user: User,
        *,
        prompt: str,
        model: str | None = None,
        size: str | None = None,
        seconds: str | None = None,
        input_reference: bytes | None = None,
    ) -> Video:
        """Record a new video and send it to the provider."""
        prompt, spec, size, duration = validate_request(
            prompt=prompt, model=model, size=size, seconds=seconds
        )
        video = self._new_video(user, prompt=prompt, spec=spec, size=size, seconds=duration)
        if input_reference is not None:
            image = await asyncio.to_thread(
                prepare_reference_image,
                input_reference,
                width=video.width,
                height=video.height,
                max_bytes=self._limits.max_upload_bytes,
                max_pixels=self._limits.max_image_pixels,
            )
            video.input_reference_key = reference_key(video.id)
            await self._blobs.write_bytes(video.input_reference_key, image.data)
        return await self._start(video)

    async def remix(self, user: User, video_id: str, *, prompt: str) -> Video:
        """Make a new video from a completed one and a new prompt."""
        source = await self.get(user, video_id)
        if source.status is not VideoStatus.COMPLETED:
            raise Conflict(
                f"only a completed video can be remixed; this one is {source.status.value}"
            )
        prompt, spec, size, duration = validate_request(
            prompt=prompt, model=source.model, size=source.size, seconds=source.seconds
        )
        if not spec.supports_remix:
            raise InvalidInput(f"model {spec.id} cannot remix videos")
        video = self._new_video(user, prompt=prompt, spec=spec, size=size, seconds=duration)
        video.remixed_from = source.id
        return await self._start(video)

    async def get(self, user: User, video_id: str) -> Video:
        video = await self._videos.get(_video_id(video_id), user_id=user.id)
        if video is None:
            raise NotFound("video not found")
        return video

    async def list(self, user: User, *, limit: int = 50, offset: int = 0) -> VideoPage:
        """The user's videos, newest first; `limit` is capped at the configured page size."""
        if limit < 1:
            raise InvalidInput("limit must be at least 1")
        if offset < 0:
            raise InvalidInput("offset must not be negative")
        limit = min(limit, self._limits.page_size_max)
        videos = await self._videos.list_for_user(user.id, limit=limit, offset=offset)
        return VideoPage(videos=videos, limit=limit, offset=offset)

    async def delete(self, user: User, video_id: str) -> None:
        """Remove the video's row, its files, and the provider's copy."""
        if not await self._delete(await self.get(user, video_id)):
            raise NotFound("video not found")

    async def _delete(self, video: Video) -> bool:
        deleted = await self._videos.delete(video.id)
        if deleted is None:
            return False
        await self._blobs.delete_prefix(video_prefix(video.id))
        await self._events.publish(
            VideoUpdate(user_id=video.user_id, video_id=video.id, updates={"deleted": True})
        )
        if deleted.upstream_id is not None:
            try:
                await self._jobs.delete_upstream(deleted.upstream_id)
            except ProviderError as exc:
                # Our copy is gone either way; the provider expires its own copy in time.
                log.warning("video %s: could not delete upstream: %s", video.id, exc)
        return True

    async def content(self, user: User, video_id: str, *, variant: str | None) -> Content:
        """The stored file of one variant of a completed video."""
        try:
            asset = Asset(variant or Asset.VIDEO.value)
        except ValueError:
            raise InvalidInput(
                f"variant must be one of: {', '.join(a.value for a in Asset)}"
            ) from None
        video = await self.get(user, video_id)
        if video.status is VideoStatus.FAILED:
            raise Conflict(f"this video failed and has no content: {video.error_message}")
        if video.status is not VideoStatus.COMPLETED:
            raise Conflict(
                f"video is not ready yet (status {video.status.value}, {video.progress}%)"
            )
        key = video.assets.get(asset)
        info = await self._blobs.stat(key) if key else None
        if info is None:
            raise NotFound(f"this video has no {asset.value}")
        return Content(store=self._blobs, info=info, variant=asset, video=video)

    async def purge_user(self, user_id: str) -> int:
        """Delete every video of a user who is being removed (rows, files, upstream copies)."""
        count = 0
        while batch := await self._videos.list_for_user(user_id, limit=100, offset=0):
            for video in batch:
                count += await self._delete(video)
        return count

    # ------------------------------------------------------------------ internals

    def _new_video(
        self, user: User, *, prompt: str, spec: ModelSpec, size: str, seconds: int
    ) -> Video:
        now = time.time()
        return Video(
            id=str(uuid.uuid4()),
            user_id=user.id,
            prompt=prompt,
            model=spec.id,
            size=size,
            seconds=seconds,
            status=VideoStatus.QUEUED,
            progress=0,
            created_at=now,
            provider=self._provider_name,
            next_due_at=now,
            # Held by this process while it submits; if it dies, the lease runs out and the
            # tracker picks the row up.
            lease_owner=self._jobs.owner,
            lease_until=now + self._jobs.timing.lease_seconds,
        )

    async def _start(self, video: Video) -> Video:
        await self._videos.add(video)
        await self._events.publish(
            VideoUpdate(user_id=video.user_id, video_id=video.id, updates=public_view(video))
        )
        submitted = await self._jobs.submit(video)
        return submitted or video


def _video_id(raw: str) -> str:
    """Normalise a client-given id; anything that is not a UUID cannot name a video."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound("video not found") from None
