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

from sora2.domain import (
    Asset,
    AuditAction,
    Catalogue,
    User,
    ValidRequest,
    Video,
    VideoStatus,
)
from sora2.domain.catalogue import MAX_PROMPT_CHARS, check_prompt
from sora2.errors import Conflict, InvalidInput, NotFound, ProviderError
from sora2.events import VideoUpdate
from sora2.ports import BlobInfo, BlobStore, EventPublisher, VideoRepository
from sora2.services import frames
from sora2.services.audit import AuditLog
from sora2.services.costs import CostService
from sora2.services.images import prepare_reference_image
from sora2.services.jobs import JobRunner, asset_key, reference_key, video_prefix
from sora2.wire import video_fields

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
        catalogue: Catalogue,
        costs: CostService,
        audit: AuditLog | None = None,
    ) -> None:
        self._videos = videos
        self._blobs = blobs
        self._events = events
        self._jobs = jobs
        self._limits = limits
        self._catalogue = catalogue
        self._costs = costs
        self._audit = audit

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
        """Record a new video and send it to its model's provider."""
        request = self._catalogue.validate(prompt=prompt, model=model, size=size, seconds=seconds)
        if input_reference is not None and not request.spec.supports_input_reference:
            raise InvalidInput(f"model {request.spec.id} does not take an input_reference image")
        await self._costs.check(user, estimated_cost=request.estimated_cost)
        video = self._new_video(user, request)
        if input_reference is not None:
            await self._store_reference(video, input_reference)
        return await self._start(video)

    async def continue_video(
        self,
        user: User,
        video_id: str,
        *,
        prompt: str,
        model: str | None = None,
        seconds: str | None = None,
    ) -> Video:
        """Make a new video whose first frame is the last frame of a completed one."""
        source = await self._completed(user, video_id, action="continued")
        spec = self._catalogue.spec(model or source.model)
        if not spec.supports_input_reference:
            raise InvalidInput(
                f"model {spec.id} does not take a first-frame image, so it cannot continue a "
                "video; choose a model that does"
            )
        size = source.size if source.size in spec.sizes else spec.default_size
        request = self._catalogue.validate(prompt=prompt, model=spec.id, size=size, seconds=seconds)
        await self._costs.check(user, estimated_cost=request.estimated_cost)
        frame = await self._last_frame(source)
        video = self._new_video(user, request)
        video.continued_from = source.id
        await self._store_reference(video, frame)
        return await self._start(video)

    async def remix(self, user: User, video_id: str, *, prompt: str) -> Video:
        """Make a new video from a completed one and a new prompt.

        A model whose provider cannot remix ("reprompt" in the catalogue) gets a new job from
        the source's prompt and the new one; the video says so in `remix_strategy`."""
        source = await self._completed(user, video_id, action="remixed")
        spec = self._catalogue.spec(source.model)
        if not spec.supports_remix:
            raise InvalidInput(f"model {spec.id} cannot remix videos")
        prompt = check_prompt(prompt)
        if spec.remix == "reprompt":
            prompt = reprompt(source.prompt, prompt)
        request = self._catalogue.validate(
            prompt=prompt, model=spec.id, size=source.size, seconds=source.seconds
        )
        await self._costs.check(user, estimated_cost=request.estimated_cost)
        video = self._new_video(user, request)
        video.remixed_from = source.id
        video.remix_strategy = spec.remix
        return await self._start(video)

    async def get(self, user: User, video_id: str) -> Video:
        video = await self._videos.get(_video_id(video_id), user_id=user.id)
        if video is None:
            raise NotFound("video not found")
        return video

    async def list(
        self,
        user: User,
        *,
        limit: int = 50,
        offset: int = 0,
        status: str | None = None,
        query: str | None = None,
        remixed_from: str | None = None,
    ) -> VideoPage:
        """The user's videos, newest first; `limit` is capped at the configured page size.

        Optional filters: one `status`, prompts containing `query` (case-insensitive), the
        remixes of the video `remixed_from`."""
        if limit < 1:
            raise InvalidInput("limit must be at least 1")
        if offset < 0:
            raise InvalidInput("offset must not be negative")
        limit = min(limit, self._limits.page_size_max)
        videos = await self._videos.list_for_user(
            user.id,
            limit=limit,
            offset=offset,
            status=_status_filter(status),
            prompt_contains=_query_filter(query),
            remixed_from=_remixed_from_filter(remixed_from),
        )
        return VideoPage(videos=videos, limit=limit, offset=offset)

    async def delete(self, user: User, video_id: str, *, client: str | None = None) -> None:
        """Remove the video's row, its files, and the provider's copy (audited)."""
        video = await self.get(user, video_id)
        if not await self._delete(video):
            raise NotFound("video not found")
        if self._audit is not None:
            await self._audit.record(
                AuditAction.VIDEO_DELETED,
                actor=user,
                target=video.id,
                client=client,
                details={"owner_id": video.user_id},
            )

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
                await self._jobs.delete_upstream(deleted)
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

    async def _completed(self, user: User, video_id: str, *, action: str) -> Video:
        source = await self.get(user, video_id)
        if source.status is not VideoStatus.COMPLETED:
            raise Conflict(
                f"only a completed video can be {action}; this one is {source.status.value}"
            )
        return source

    async def _last_frame(self, video: Video) -> bytes:
        key = video.assets.get(Asset.VIDEO, asset_key(video.id, Asset.VIDEO))
        source: frames.Source | None = self._blobs.local_path(key)
        if source is None:
            source = b"".join([chunk async for chunk in self._blobs.read(key)])
        try:
            return await asyncio.to_thread(frames.last_frame, source)
        except (frames.UnreadableVideo, OSError) as exc:
            raise Conflict(f"the last frame of this video could not be read: {exc}") from None

    async def _store_reference(self, video: Video, data: bytes) -> None:
        image = await asyncio.to_thread(
            prepare_reference_image,
            data,
            width=video.width,
            height=video.height,
            max_bytes=self._limits.max_upload_bytes,
            max_pixels=self._limits.max_image_pixels,
        )
        video.input_reference_key = reference_key(video.id)
        await self._blobs.write_bytes(video.input_reference_key, image.data)

    def _new_video(self, user: User, request: ValidRequest) -> Video:
        now = time.time()
        spec = request.spec
        return Video(
            id=str(uuid.uuid4()),
            user_id=user.id,
            prompt=request.prompt,
            model=spec.id,
            size=request.size,
            seconds=request.seconds,
            status=VideoStatus.QUEUED,
            progress=0,
            created_at=now,
            provider=spec.provider,
            upstream_model=spec.provider_model,
            estimated_cost=request.estimated_cost,
            next_due_at=now,
            # Held by this process while it submits; if it dies, the lease runs out and the
            # tracker picks the row up.
            lease_owner=self._jobs.owner,
            lease_until=now + self._jobs.timing.lease_seconds,
        )

    async def _start(self, video: Video) -> Video:
        await self._videos.add(video)
        await self._events.publish(
            VideoUpdate(user_id=video.user_id, video_id=video.id, updates=video_fields(video))
        )
        submitted = await self._jobs.submit(video)
        return submitted or video


def reprompt(source_prompt: str, change: str) -> str:
    """One prompt for a provider that cannot remix: the source's scene with the change applied,
    cut to the prompt limit (the source's text gives way first)."""
    template = "{source}\n\nSame scene, with this change: {change}"
    room = MAX_PROMPT_CHARS - len(template.format(source="", change=change))
    if room <= 0:
        return change
    return template.format(source=source_prompt[:room].rstrip(), change=change)


def _status_filter(raw: str | None) -> VideoStatus | None:
    if not raw:
        return None
    try:
        return VideoStatus(raw)
    except ValueError:
        raise InvalidInput(
            f"status must be one of: {', '.join(status.value for status in VideoStatus)}"
        ) from None


def _query_filter(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if len(text) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"q is too long (at most {MAX_PROMPT_CHARS} characters)")
    return text or None


def _remixed_from_filter(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise InvalidInput("remixed_from must be a video id") from None


def _video_id(raw: str) -> str:
    """Normalise a client-given id; anything that is not a UUID cannot name a video."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound("video not found") from None
