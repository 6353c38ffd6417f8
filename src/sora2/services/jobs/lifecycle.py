"""The two ends of a job's life that a request starts: a new video, and a deleted one.

`VideoService` decides what may be made or deleted; `JobLifecycle` records a new video leased to
this process and sends it upstream at once (if the process dies first, the lease runs out and
the tracker sends it), and removes a video everywhere: its row, its files, the provider's copy.
"""

from __future__ import annotations

import logging

from sora2.domain import Video
from sora2.errors import ProviderError
from sora2.ports import VideoStore
from sora2.services.jobs.registry import ProviderRegistry
from sora2.services.jobs.submit import Submitter
from sora2.services.jobs.timing import Timing
from sora2.services.jobs.writer import JobWriter
from sora2.services.media.files import VideoFiles

log = logging.getLogger(__name__)


class JobLifecycle:
    def __init__(
        self,
        *,
        store: VideoStore,
        providers: ProviderRegistry,
        files: VideoFiles,
        submitter: Submitter,
        writer: JobWriter,
        timing: Timing,
    ) -> None:
        self._store = store
        self._providers = providers
        self._files = files
        self._submitter = submitter
        self._writer = writer
        self._timing = timing

    def lease(self, video: Video, *, now: float) -> None:
        """Lease a new video to this process while it submits it."""
        video.next_due_at = now
        video.lease_owner = self._writer.owner
        video.lease_until = now + self._timing.lease_seconds

    async def start(self, video: Video) -> Video:
        """Record a new (leased) video, tell its owner, and send it upstream."""
        await self._store.add(video)
        await self._writer.announce(video)
        submitted = await self._submitter.submit(video)
        return submitted or video

    async def discard(self, video: Video) -> bool:
        """Delete a video's row, its files and the provider's copy; False when it was gone."""
        deleted = await self._store.delete(video.id)
        if deleted is None:
            return False
        await self._files.delete(video.id)
        await self._writer.announce_deleted(video)
        if deleted.upstream_id is not None:
            try:
                await self._providers.get(deleted.provider).delete(deleted.upstream_id)
            except ProviderError as exc:
                # Our copy is gone either way; the provider expires its own copy in time.
                log.warning("video %s: could not delete upstream: %s", video.id, exc)
        return True
