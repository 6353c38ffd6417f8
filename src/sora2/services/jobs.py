"""One step of a video's life upstream: submit it, poll it, fetch its files, finish it.

`JobRunner` is called for a row this process holds the lease of (see ARCHITECTURE.md §5); every
write goes through `VideoRepository.apply(..., owner=...)`, so a step whose lease was lost, or
whose video was deleted meanwhile, writes nothing. Each row names its provider; a new row is
sent upstream only when `Admission` gives it a slot, and waits in the queue otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from sora2.domain import ACTIVE, Asset, Video, VideoStatus
from sora2.errors import ProviderError, ProviderRateLimited, ProviderRejected, ProviderUnavailable
from sora2.events import VideoUpdate
from sora2.ports import (
    BlobStore,
    EventPublisher,
    ReferenceImage,
    UpstreamJob,
    VideoChanges,
    VideoProvider,
    VideoRepository,
)
from sora2.services import frames
from sora2.services.admission import Admission
from sora2.services.refresh import JobRefresher
from sora2.services.registry import ProviderRegistry
from sora2.services.sweep import StatusSweep, Swept, failure
from sora2.services.timing import Timing
from sora2.services.webhooks import WebhookActivity
from sora2.wire import video_fields

log = logging.getLogger(__name__)

# How far apart our clock and the provider's may be when matching a create of unknown outcome.
RECONCILE_SLACK_SECONDS = 120.0
QUOTA_MESSAGE = (
    "the provider's account has run out of quota (insufficient_quota); "
    "an administrator must add credit: {}"
)
# Variants a provider may not offer; they are then made here from the video.
DERIVED = (Asset.THUMBNAIL, Asset.SPRITESHEET)


def asset_key(video_id: str, variant: Asset) -> str:
    return f"videos/{video_id}/{variant.value}.{variant.extension}"


def reference_key(video_id: str) -> str:
    return f"videos/{video_id}/reference.png"


def video_prefix(video_id: str) -> str:
    return f"videos/{video_id}/"


class JobRunner:
    def __init__(
        self,
        *,
        videos: VideoRepository,
        providers: ProviderRegistry,
        blobs: BlobStore,
        events: EventPublisher,
        timing: Timing,
        owner: str,
        webhooks: WebhookActivity | None = None,
        refresher: JobRefresher | None = None,
    ) -> None:
        self._videos = videos
        self._refresher = refresher or JobRefresher()
        self._providers = providers
        self._admission = Admission(videos=videos, providers=providers)
        self._blobs = blobs
        self._events = events
        self._webhooks = webhooks
        self.timing = timing
        self.owner = owner
        self._sweeper = StatusSweep(
            providers=providers,
            refresher=self._refresher,
            timing=timing,
            webhooks=webhooks,
            write=self.write_many,
        )

    async def delete_upstream(self, video: Video) -> None:
        if video.upstream_id is not None:
            await self._providers.get(video.provider).delete(video.upstream_id)

    async def advance(self, video: Video) -> Video | None:
        """Do the next step for a video this runner holds the lease of."""
        if video.upstream_id is None:
            return await self.submit(video)
        try:
            provider = self._providers.get(video.provider)
        except ProviderRejected as exc:
            return await self._fail(video, exc.message)
        try:
            job = await self._refresher.retrieve(provider, video.upstream_id)
        except ProviderRejected as exc:
            if exc.status == 404:
                return await self._fail(video, "the provider no longer knows this job")
            return await self._retry_later(video, exc)
        except ProviderUnavailable as exc:
            return await self._retry_later(video, exc)
        if job.status is VideoStatus.COMPLETED:
            return await self.finish(video, job)
        if job.status is VideoStatus.FAILED:
            return await self._fail(video, job.error_message or "the provider reported a failure")
        slow = self._webhooks is not None and await self._webhooks.recent(
            self._providers.names_for(video.provider)[0]
        )
        return await self._write(
            video,
            VideoChanges(
                status=job.status,
                progress=max(video.progress, min(job.progress, 99)),
                next_due_at=self.timing.next_poll(time.time(), job.poll_after, slow=slow),
                attempts=0,
                release_lease=True,
            ),
        )

    async def sweep(self, videos: Sequence[Video], *, concurrency: int) -> Swept:
        """Read many submitted videos this runner leases in few requests and write what changed
        in one batch (see `StatusSweep`); the completed ones come back, still leased, for
        `finish` (with the job just read: no second retrieve)."""
        return await self._sweeper.run(videos, concurrency=concurrency)

    async def hand_back(self, videos: Sequence[Video]) -> None:
        """Release these leased videos, due at once: another step, or process, takes them."""
        changes = VideoChanges(next_due_at=time.time(), release_lease=True)
        await self.write_many([(video, changes) for video in videos])

    async def write_many(self, writes: Sequence[tuple[Video, VideoChanges]]) -> list[Video]:
        """`_write` for many videos: one batched write under our lease, then their events."""
        if not writes:
            return []
        before = {video.id: (video, changes) for video, changes in writes}
        updated = await self._videos.apply_many(
            [(video.id, changes) for video, changes in writes], owner=self.owner
        )
        # A status change is what a user waits for: its event goes out before progress ones
        # (each video still gets its events in order: one per batch).
        for video in sorted(updated, key=lambda v: v.status is before[v.id][0].status):
            old, changes = before[video.id]
            await self._publish(old, video, full=changes.status is VideoStatus.FAILED)
        return list(updated)

    async def submit(self, video: Video) -> Video | None:
        """Send a queued video upstream, at most once: a create whose outcome is unknown is
        first looked for upstream, and the provider gets our id as its idempotency key. A video
        that has never been sent waits for a free slot at its provider (admission control)."""
        now = time.time()
        try:
            provider = self._providers.get(video.provider)
        except ProviderRejected as exc:
            return await self._fail(video, exc.message)
        if video.submit_started_at is not None:
            try:
                adopted = await self._find_lost_create(provider, video)
            except ProviderError as exc:
                return await self._retry_later(video, exc)
            if adopted is not None:
                log.info("video %s: adopted upstream job %s", video.id, adopted.id)
                return await self._record_submission(video, adopted)
            settled = video.submit_started_at + self.timing.create_settle
            if now < settled:
                return await self._wait(video, until=settled)
            marked = await self._videos.apply(
                video.id, VideoChanges(submit_started_at=now), owner=self.owner
            )
        else:
            blocked = self._admission.blocked_for(video.provider, now=now)
            if blocked > 0:
                return await self._wait(video, until=now + blocked)
            marked = await self._admission.admit(video, owner=self.owner, now=now)
            if marked is None:  # no free slot, or older videos wait first
                return await self._wait(video, until=now + self.timing.poll_interval)
        if marked is None:
            return None
        try:
            job = await self._send(provider, marked)
        except ProviderRejected as exc:
            if exc.code == "insufficient_quota":
                return await self._fail(marked, QUOTA_MESSAGE.format(exc.message))
            return await self._fail(marked, f"the provider refused the job: {exc.message}")
        except ProviderRateLimited as exc:
            return await self._requeue(marked, exc)
        except ProviderError as exc:
            return await self._retry_later(marked, exc)
        return await self._record_submission(marked, job)

    async def _send(self, provider: VideoProvider, video: Video) -> UpstreamJob:
        # A "reprompt" remix is a plain create: its prompt already joins both prompts.
        if video.remixed_from is not None and video.remix_strategy != "reprompt":
            source = await self._videos.get(video.remixed_from)
            if source is None or source.upstream_id is None:
                raise ProviderRejected("the video this remixes was deleted before it was sent")
            return await provider.remix(
                source.upstream_id, prompt=video.prompt, idempotency_key=video.id
            )
        reference = None
        if video.input_reference_key is not None:
            data = b"".join([chunk async for chunk in self._blobs.read(video.input_reference_key)])
            reference = ReferenceImage(data=data, media_type="image/png", filename="reference.png")
        return await provider.create(
            prompt=video.prompt,
            model=video.upstream_model or video.model,
            size=video.size,
            seconds=video.seconds,
            input_reference=reference,
            idempotency_key=video.id,
        )

    async def _find_lost_create(self, provider: VideoProvider, video: Video) -> UpstreamJob | None:
        assert video.submit_started_at is not None
        since = video.submit_started_at - RECONCILE_SLACK_SECONDS
        candidates = [
            job
            for job in await provider.list_recent(limit=100)
            if job.prompt == video.prompt
            and job.model in (None, video.model, video.upstream_model)
            and job.size in (None, video.size)
            and job.seconds in (None, str(video.seconds))
            and (job.created_at is None or job.created_at >= since)
        ]
        if not candidates:
            return None
        taken = await self._videos.upstream_ids_in_use([job.id for job in candidates])
        free = [job for job in candidates if job.id not in taken]
        return min(free, key=lambda job: job.created_at or 0.0) if free else None

    async def _record_submission(self, video: Video, job: UpstreamJob) -> Video | None:
        now = time.time()
        updated = await self._write(
            video,
            VideoChanges(
                upstream_id=job.id,
                status=job.status if job.status in ACTIVE else None,
                progress=min(job.progress, 99),
                attempts=0,
                # A job that is already finished is fetched on the very next tick.
                next_due_at=self.timing.next_poll(now, job.poll_after)
                if job.status in ACTIVE
                else now,
                release_lease=True,
            ),
        )
        if updated is not None and job.status is VideoStatus.FAILED:
            return await self._fail(updated, job.error_message or "the provider refused the job")
        return updated

    async def finish(self, video: Video, job: UpstreamJob) -> Video | None:
        """Copy every asset into storage (each atomically), then mark the video completed.

        A provider that offers no thumbnail or spritesheet gets them made here from the MP4."""
        assert video.upstream_id is not None
        provider = self._providers.get(video.provider)
        assets: dict[Asset, str] = {}
        missing: list[Asset] = []
        # A predecessor killed mid-download left its temporary files; we hold the lease now.
        if await self._blobs.discard_partial(video_prefix(video.id)):
            log.info("video %s: removed the partial files of an interrupted download", video.id)
        for variant in Asset:
            key = asset_key(video.id, variant)
            try:
                async with provider.download(video.upstream_id, variant) as chunks:
                    await self._blobs.write(key, chunks)
            except ProviderRejected as exc:
                if variant is Asset.VIDEO:
                    return await self._fail(video, f"the video file could not be fetched: {exc}")
                log.info("video %s: no %s from the provider (%s)", video.id, variant, exc)
                missing.append(variant)
                continue
            except (ProviderError, OSError) as exc:
                return await self._retry_later(video, exc)
            assets[variant] = key
        try:
            assets |= await self._derive(video, missing)
        except OSError as exc:  # a full disk, most likely: the download is tried again later
            return await self._retry_later(video, exc)
        finished = await self._write(
            video,
            VideoChanges(
                status=VideoStatus.COMPLETED,
                progress=100,
                completed_at=job.completed_at or time.time(),
                assets=assets,
                attempts=0,
                cost=video.estimated_cost,
                release_lease=True,
            ),
            full=True,
        )
        if finished is None and await self._videos.get(video.id) is None:
            await self._blobs.delete_prefix(video_prefix(video.id))  # deleted while downloading
        return finished

    async def _derive(self, video: Video, variants: list[Asset]) -> dict[Asset, str]:
        """Make the thumbnail and spritesheet from the stored MP4 (PyAV, in a thread)."""
        if not variants:
            return {}
        key = asset_key(video.id, Asset.VIDEO)
        source: frames.Source | None = self._blobs.local_path(key)
        if source is None:
            source = b"".join([chunk async for chunk in self._blobs.read(key)])
        try:
            thumbnail, spritesheet = await asyncio.to_thread(frames.preview_images, source)
        except frames.UnreadableVideo as exc:
            log.warning("video %s: no stills could be made: %s", video.id, exc)
            return {}
        made = {Asset.THUMBNAIL: thumbnail, Asset.SPRITESHEET: spritesheet}
        keys: dict[Asset, str] = {}
        for variant in variants:
            if variant in made:
                keys[variant] = asset_key(video.id, variant)
                await self._blobs.write_bytes(keys[variant], made[variant])
        return keys

    async def _fail(self, video: Video, message: str) -> Video | None:
        log.info("video %s failed: %s", video.id, message)
        return await self._write(video, failure(message), full=True)

    async def _retry_later(self, video: Video, exc: Exception) -> Video | None:
        attempts = video.attempts + 1
        retry_after = exc.retry_after if isinstance(exc, ProviderRateLimited) else None
        log.warning("video %s: %s; retry #%d later", video.id, exc, attempts)
        return await self._write(
            video,
            VideoChanges(
                attempts=attempts,
                next_due_at=self.timing.backoff(time.time(), attempts, retry_after),
                release_lease=True,
            ),
        )

    async def _requeue(self, video: Video, exc: ProviderRateLimited) -> Video | None:
        """The provider refused a create with 429: nothing was made upstream. The video gives
        its slot back and waits; the provider gets no new job until its Retry-After passes."""
        now = time.time()
        attempts = video.attempts + 1
        until = self.timing.backoff(now, attempts, exc.retry_after)
        self._admission.back_off(video.provider, until=until)
        log.warning("video %s: %s; back in the queue (retry #%d)", video.id, exc, attempts)
        return await self._write(
            video,
            VideoChanges(
                attempts=attempts, next_due_at=until, clear_submit=True, release_lease=True
            ),
        )

    async def _wait(self, video: Video, *, until: float) -> Video | None:
        """Leave a video in the platform's queue until `until` (its provider has no free slot)."""
        return await self._write(video, VideoChanges(next_due_at=until, release_lease=True))

    async def _write(
        self, video: Video, changes: VideoChanges, *, full: bool = False
    ) -> Video | None:
        """Apply changes under our lease and tell the owner what a client would see change."""
        updated = await self._videos.apply(video.id, changes, owner=self.owner)
        if updated is None:
            return None
        await self._publish(video, updated, full=full)
        return updated

    async def _publish(self, video: Video, updated: Video, *, full: bool) -> None:
        before, after = video_fields(video), video_fields(updated)
        diff = {key: value for key, value in after.items() if before[key] != value}
        if full and diff:
            diff = after
        if diff:
            await self._events.publish(
                VideoUpdate(user_id=updated.user_id, video_id=updated.id, updates=diff)
            )
