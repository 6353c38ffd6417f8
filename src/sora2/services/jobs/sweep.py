"""A sweep: read every submitted video the tracker leased, in few requests, and write back.

The tracker leases the due submitted videos (with those due soon riding along) and hands them
here at once (ADR 11). Per provider, `StatusReader` reads them from list pages and retrieves the
due ones the list did not show; `judge` says what each answer means; the changes are written in
one batch. The finished ones come back, still leased, for the `Finisher`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sora2.domain import Video
from sora2.errors import ProviderRejected
from sora2.ports import Clock, UpstreamJob, VideoChanges
from sora2.services.jobs.reading import StatusReader
from sora2.services.jobs.registry import ProviderRegistry
from sora2.services.jobs.timing import Pace, Timing, draw
from sora2.services.jobs.verdict import Asked, failure, judge
from sora2.services.jobs.webhooks import WebhookActivity
from sora2.services.jobs.writer import JobWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Swept:
    """What a sweep leaves to do: the completed videos (still leased), and when the earliest
    of the videos it wrote falls due again."""

    completed: list[tuple[Video, UpstreamJob]]
    next_due: float | None


class StatusSweep:
    def __init__(
        self,
        *,
        providers: ProviderRegistry,
        reader: StatusReader,
        timing: Timing,
        webhooks: WebhookActivity | None,
        writer: JobWriter,
        clock: Clock,
    ) -> None:
        self._providers = providers
        self._reader = reader
        self._timing = timing
        self._webhooks = webhooks
        self._writer = writer
        self._clock = clock
        # When each video of the last sweeps had its progress written (a mere progress step is
        # written at most once per poll interval, as when each job was polled alone).
        self._progress_at: dict[str, float] = {}

    async def run(self, videos: Sequence[Video], *, concurrency: int) -> Swept:
        """Read these leased, submitted videos and write what changed; see the module."""
        now = self._clock.now()
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
            ids = [video.upstream_id for video in group if video.upstream_id is not None]
            due = [v.upstream_id for v in group if v.upstream_id and (v.next_due_at or 0) <= now]
            reading = await self._reader.read_many(
                provider, ids, retrieve=due, concurrency=concurrency
            )
            slow = self._webhooks is not None and await self._webhooks.recent(
                self._providers.names_for(name)[0]
            )
            interval = self._timing.sweep_interval(listed=len(reading.listed), pages=reading.pages)
            spread = draw()  # one draw: the sweep's jobs stay due together
            for video in group:
                assert video.upstream_id is not None
                listed = video.upstream_id in reading.listed
                verdict = judge(
                    video,
                    reading.jobs.get(video.upstream_id) or reading.errors.get(video.upstream_id),
                    asked=Asked.READ,
                    now=now,
                    timing=self._timing,
                    pace=Pace(interval=interval, slow=slow, spread=spread)
                    if listed
                    else Pace(slow=slow, spread=draw()),
                    progress_written_at=self._progress_at.get(video.id),
                )
                if verdict.finished is not None:
                    completed.append((video, verdict.finished))
                    continue
                assert verdict.changes is not None
                if verdict.fails:
                    log.info("video %s failed: %s", video.id, verdict.reason)
                elif verdict.reason is not None:
                    log.warning("video %s: %s", video.id, verdict.reason)
                if verdict.changes.progress is not None:
                    self._progress_at[video.id] = now
                writes.append((video, verdict.changes))
        seen = {video.id for video, _changes in writes}
        self._progress_at = {k: v for k, v in self._progress_at.items() if k in seen}
        await self._writer.write_many(writes)
        dues = [changes.next_due_at for _video, changes in writes if changes.next_due_at]
        return Swept(completed=completed, next_due=min(dues, default=None))
