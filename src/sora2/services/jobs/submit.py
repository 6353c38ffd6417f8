"""Sending a queued video upstream, at most once.

A video that has never been sent waits for a free slot at its provider (`Admission`). A create
whose outcome is unknown (the process died, or the answer was lost, after it was sent) is first
looked for among the provider's recent jobs, and the provider gets our id as its idempotency
key; only once no listing shows it and the create has settled is it sent again.
"""

from __future__ import annotations

import logging

from sora2.domain import Video
from sora2.errors import ProviderError, ProviderRejected
from sora2.ports import (
    BlobStore,
    Clock,
    ReferenceImage,
    UpstreamJob,
    VideoChanges,
    VideoProvider,
    VideoStore,
)
from sora2.services.jobs.admission import Admission
from sora2.services.jobs.registry import ProviderRegistry
from sora2.services.jobs.timing import Pace, Timing, draw
from sora2.services.jobs.verdict import Asked, Verdict, judge
from sora2.services.jobs.writer import JobWriter

log = logging.getLogger(__name__)

# How far apart our clock and the provider's may be when matching a create of unknown outcome.
RECONCILE_SLACK_SECONDS = 120.0
# How many of the provider's newest jobs are looked through for a lost create.
RECONCILE_WINDOW = 100


class Submitter:
    def __init__(
        self,
        *,
        store: VideoStore,
        providers: ProviderRegistry,
        blobs: BlobStore,
        admission: Admission,
        writer: JobWriter,
        timing: Timing,
        clock: Clock,
    ) -> None:
        self._store = store
        self._providers = providers
        self._blobs = blobs
        self._admission = admission
        self._writer = writer
        self._timing = timing
        self._clock = clock

    async def submit(self, video: Video) -> Video | None:
        """Send a video this process leases upstream; the video as written, or None when the
        lease was lost (or the video deleted) meanwhile."""
        now = self._clock.now()
        try:
            provider = self._providers.get(video.provider)
        except ProviderRejected as exc:
            return await self._apply(video, exc)
        if video.submit_started_at is not None:
            try:
                adopted = await self._find_lost_create(provider, video)
            except ProviderError as exc:
                return await self._apply(video, exc, asked=Asked.FIND)
            if adopted is not None:
                log.info("video %s: adopted upstream job %s", video.id, adopted.id)
                return await self._apply(video, adopted)
            settled = video.submit_started_at + self._timing.create_settle
            if now < settled:
                return await self._wait(video, until=settled)
            marked = await self._store.apply(
                video.id, VideoChanges(submit_started_at=now), owner=self._writer.owner
            )
        else:
            blocked = self._admission.blocked_for(video.provider, now=now)
            if blocked > 0:
                return await self._wait(video, until=now + blocked)
            marked = await self._admission.admit(video, owner=self._writer.owner, now=now)
            if marked is None:  # no free slot, or older videos wait first
                return await self._wait(video, until=now + self._timing.poll_interval)
        if marked is None:
            return None
        try:
            job = await self._send(provider, marked)
        except ProviderError as exc:
            return await self._apply(marked, exc)
        return await self._apply(marked, job)

    async def _apply(
        self, video: Video, answer: UpstreamJob | Exception, *, asked: Asked = Asked.CREATE
    ) -> Video | None:
        verdict = judge(
            video,
            answer,
            asked=asked,
            now=self._clock.now(),
            timing=self._timing,
            pace=Pace(spread=draw()),
        )
        _log(video, verdict)
        if verdict.blocked_until is not None:
            self._admission.back_off(video.provider, until=verdict.blocked_until)
        assert verdict.changes is not None  # a create's answer always changes the row
        return await self._writer.write(video, verdict.changes)

    async def _wait(self, video: Video, *, until: float) -> Video | None:
        """Leave a video in the platform's queue until `until` (its provider has no free slot)."""
        return await self._writer.write(video, VideoChanges(next_due_at=until, release_lease=True))

    async def _send(self, provider: VideoProvider, video: Video) -> UpstreamJob:
        # A "reprompt" remix is a plain create: its prompt already joins both prompts.
        if video.remixed_from is not None and video.remix_strategy != "reprompt":
            source = await self._store.get(video.remixed_from)
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
        """The provider's job made by a create of ours whose answer never arrived: the oldest
        recent job with this video's request that no other video records."""
        assert video.submit_started_at is not None
        since = video.submit_started_at - RECONCILE_SLACK_SECONDS
        candidates = [
            job
            for job in await provider.list_recent(limit=RECONCILE_WINDOW)
            if job.prompt == video.prompt
            and job.model in (None, video.model, video.upstream_model)
            and job.size in (None, video.size)
            and job.seconds in (None, str(video.seconds))
            and (job.created_at is None or job.created_at >= since)
        ]
        if not candidates:
            return None
        taken = await self._store.upstream_ids_in_use([job.id for job in candidates])
        free = [job for job in candidates if job.id not in taken]
        return min(free, key=lambda job: job.created_at or 0.0) if free else None


def _log(video: Video, verdict: Verdict) -> None:
    if verdict.fails:
        log.info("video %s failed: %s", video.id, verdict.reason)
    elif verdict.reason is not None:
        log.warning("video %s: %s", video.id, verdict.reason)
