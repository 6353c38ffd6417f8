"""Finishing a video: copy every file of the finished job into storage, then mark it completed.

Each file is written atomically; a provider that offers no thumbnail or spritesheet gets them
made here from the MP4. A download that fails is tried again later (`judge`, asked FETCH); a
video deleted while its files were downloading leaves none behind.
"""

from __future__ import annotations

import logging

from sora2.domain import Asset, Video
from sora2.errors import ProviderError, ProviderRejected
from sora2.ports import Clock, UpstreamJob, VideoStore
from sora2.services.jobs.registry import ProviderRegistry
from sora2.services.jobs.timing import Pace, Timing, draw
from sora2.services.jobs.verdict import Asked, Verdict, completed, judge
from sora2.services.jobs.writer import JobWriter
from sora2.services.media.files import VideoFiles

log = logging.getLogger(__name__)


class Finisher:
    def __init__(
        self,
        *,
        store: VideoStore,
        providers: ProviderRegistry,
        files: VideoFiles,
        writer: JobWriter,
        timing: Timing,
        clock: Clock,
    ) -> None:
        self._store = store
        self._providers = providers
        self._files = files
        self._writer = writer
        self._timing = timing
        self._clock = clock

    async def finish(self, video: Video, job: UpstreamJob) -> Video | None:
        """Fetch the files of a finished job for a video this process leases; the video as
        written, or None when nothing was (lease lost, or deleted meanwhile)."""
        assert video.upstream_id is not None
        try:
            provider = self._providers.get(video.provider)
        except ProviderRejected as exc:
            return await self._apply(video, self._judge(video, exc))
        # A predecessor killed mid-download left its temporary files; we hold the lease now.
        if await self._files.discard_partial(video.id):
            log.info("video %s: removed the partial files of an interrupted download", video.id)
        assets: dict[Asset, str] = {}
        missing: list[Asset] = []
        for variant in Asset:
            try:
                async with provider.download(video.upstream_id, variant) as chunks:
                    assets[variant] = await self._files.save(video.id, variant, chunks)
            except ProviderRejected as exc:
                if variant is Asset.VIDEO:
                    return await self._apply(video, self._judge(video, exc))
                log.info("video %s: no %s from the provider (%s)", video.id, variant, exc)
                missing.append(variant)
            except (ProviderError, OSError) as exc:
                return await self._apply(video, self._judge(video, exc))
        try:
            assets |= await self._files.make_stills(video.id, missing)
        except OSError as exc:  # a full disk, most likely: the download is tried again later
            return await self._apply(video, self._judge(video, exc))
        return await self._apply(video, completed(video, job, assets=assets, now=self._clock.now()))

    def _judge(self, video: Video, exc: Exception) -> Verdict:
        return judge(
            video,
            exc,
            asked=Asked.FETCH,
            now=self._clock.now(),
            timing=self._timing,
            pace=Pace(spread=draw()),
        )

    async def _apply(self, video: Video, verdict: Verdict) -> Video | None:
        if verdict.fails:
            log.info("video %s failed: %s", video.id, verdict.reason)
        elif verdict.reason is not None:
            log.warning("video %s: %s", video.id, verdict.reason)
        assert verdict.changes is not None
        written = await self._writer.write(video, verdict.changes)
        # Deleted while downloading: whatever was stored after the delete goes too, whichever
        # way the download ended (a later file 404s once the provider's copy is gone).
        if written is None and await self._store.get(video.id) is None:
            await self._files.delete(video.id)
        return written
