"""The status sweep (ADR 11): many submitted videos read in few requests, written in one batch.

The tracker leases every submitted video that is due, with the ones due within a poll interval
riding along, and hands them over at once. Per provider, `JobRefresher.read_many` reads them from
the list endpoint; the due ones the list did not show are retrieved one by one, the riders it did
not show are handed back untouched. What changed is written in one `VideoRepository.apply_many`
(under our lease, like every write), then published. The completed ones are returned, still
leased, for the download; the listed ones fall due again after `Timing.sweep_interval`, all at
the same time, so that they are read together again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sora2.domain import Video, VideoStatus
from sora2.errors import ProviderRateLimited, ProviderRejected
from sora2.ports import UpstreamJob, VideoChanges
from sora2.services.refresh import JobRefresher
from sora2.services.registry import ProviderRegistry
from sora2.services.timing import Timing
from sora2.services.webhooks import WebhookActivity

log = logging.getLogger(__name__)

Write = Callable[[Sequence[tuple[Video, VideoChanges]]], Awaitable[list[Video]]]


@dataclass(frozen=True, slots=True)
class Swept:
    """What a sweep leaves to do: the completed videos (still leased), and when the earliest
    of the videos it wrote falls due again."""

    completed: list[tuple[Video, UpstreamJob]]
    next_due: float | None


def failure(message: str) -> VideoChanges:
    return VideoChanges(status=VideoStatus.FAILED, error_message=message, release_lease=True)


class StatusSweep:
    def __init__(
        self,
        *,
        providers: ProviderRegistry,
        refresher: JobRefresher,
        timing: Timing,
        webhooks: WebhookActivity | None,
        write: Write,
    ) -> None:
        self._providers = providers
        self._refresher = refresher
        self._timing = timing
        self._webhooks = webhooks
        self._write = write
        # When each video of the last sweeps had its progress written (see `_progress`).
        self._progress_at: dict[str, float] = {}

    async def run(self, videos: Sequence[Video], *, concurrency: int) -> Swept:
        """Read these leased, submitted videos and write what changed; see the module."""
        now = time.time()
        writes: list[tuple[Video, VideoChanges]] = []
        completed: list[tuple[Video, UpstreamJob]] = []
        groups: dict[str, list[Video]] = {}
        for video in videos:
            if video.upstream_id is not None:
                groups.setdefault(video.provider, []).append(video)
        for name, group in groups.items():
            try:
                provider = self._providers.get(name)
            except ProviderRejected as exc:
                writes += [(video, failure(exc.message)) for video in group]
                continue
            due = [v.upstream_id for v in group if v.upstream_id and (v.next_due_at or 0) <= now]
            reading = await self._refresher.read_many(
                provider,
                [video.upstream_id for video in group if video.upstream_id is not None],
                retrieve=due,
                concurrency=concurrency,
            )
            slow = self._webhooks is not None and await self._webhooks.recent(
                self._providers.names_for(name)[0]
            )
            interval = self._timing.sweep_interval(listed=len(reading.listed), pages=reading.pages)
            spread = random.uniform(-1.0, 1.0)  # one draw: the sweep's jobs stay due together
            for video in group:
                assert video.upstream_id is not None
                job = reading.jobs.get(video.upstream_id)
                error = reading.errors.get(video.upstream_id)
                if job is None and error is None:  # not due, and the list did not show it
                    writes.append((video, VideoChanges(release_lease=True)))
                elif job is None:
                    writes.append((video, self._read_failed(video, error)))
                elif job.status is VideoStatus.COMPLETED:
                    completed.append((video, job))
                elif job.status is VideoStatus.FAILED:
                    message = job.error_message or "the provider reported a failure"
                    log.info("video %s failed: %s", video.id, message)
                    writes.append((video, failure(message)))
                else:
                    listed = video.upstream_id in reading.listed
                    next_due = self._timing.next_poll(
                        now,
                        job.poll_after,
                        slow=slow,
                        interval=interval if listed else None,
                        spread=spread if listed else None,
                    )
                    changes = VideoChanges(
                        status=job.status,
                        progress=self._progress(video, job, now),
                        next_due_at=next_due,
                        attempts=0,
                        release_lease=True,
                    )
                    writes.append((video, changes))
        seen = {video.id for video, _changes in writes}
        self._progress_at = {k: v for k, v in self._progress_at.items() if k in seen}
        await self._write(writes)
        dues = [changes.next_due_at for _video, changes in writes if changes.next_due_at]
        return Swept(completed=completed, next_due=min(dues, default=None))

    def _progress(self, video: Video, job: UpstreamJob, now: float) -> int | None:
        """The progress to write, or None. A sweep may read a job four times per poll interval:
        a new status is written at once, but a mere progress step at most once per interval, as
        when each job was polled alone (a quarter of the writes and of the events to fan out)."""
        progress = max(video.progress, min(job.progress, 99))
        if progress == video.progress:
            return None
        last = self._progress_at.get(video.id)
        recent = last is not None and now - last < self._timing.poll_interval
        if recent and job.status is video.status:
            return None
        self._progress_at[video.id] = now
        return progress

    def _read_failed(self, video: Video, exc: Exception | None) -> VideoChanges:
        if isinstance(exc, ProviderRejected) and exc.status == 404:
            log.info("video %s failed: the provider no longer knows this job", video.id)
            return failure("the provider no longer knows this job")
        attempts = video.attempts + 1
        retry_after = exc.retry_after if isinstance(exc, ProviderRateLimited) else None
        log.warning("video %s: %s; retry #%d later", video.id, exc, attempts)
        return VideoChanges(
            attempts=attempts,
            next_due_at=self._timing.backoff(time.time(), attempts, retry_after),
            release_lease=True,
        )
