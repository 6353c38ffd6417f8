"""Admission control: at most `max_concurrent` jobs in flight at a provider, the rest queued.

A video waits in the platform's own queue (status `queued`, no provider id) until its provider
has a free slot and no older video of that provider waits; taking the slot is one atomic
statement in the database (`JobQueue.admit`), so every process agrees. A provider that
answered 429 is left alone until its `Retry-After` has passed.
"""

from __future__ import annotations

import logging

from sora2.domain import Video
from sora2.ports import Clock, JobQueue
from sora2.services.jobs.registry import ProviderRegistry

log = logging.getLogger(__name__)


class Admission:
    def __init__(self, *, queue: JobQueue, providers: ProviderRegistry, clock: Clock) -> None:
        self._queue = queue
        self._providers = providers
        self._clock = clock
        # Per process: each process learns of a provider's 429 on its own first attempt.
        self._blocked_until: dict[str, float] = {}

    def blocked_for(self, provider: str, *, now: float) -> float:
        """Seconds until this provider may be sent new jobs again (0: now)."""
        until = self._blocked_until.get(self._providers.names_for(provider)[0], 0.0)
        return max(0.0, until - now)

    def back_off(self, provider: str, *, until: float) -> None:
        name = self._providers.names_for(provider)[0]
        if until > self._blocked_until.get(name, 0.0):
            wait = until - self._clock.now()
            log.warning("provider %s is rate limited; no new jobs for %.1fs", name, wait)
            self._blocked_until[name] = until

    async def admit(self, video: Video, *, owner: str, now: float) -> Video | None:
        """The video with an upstream slot taken (`submit_started_at` set), or None: wait."""
        entry = self._providers.entry(video.provider)
        return await self._queue.admit(
            video.id,
            owner=owner,
            providers=self._providers.names_for(video.provider),
            limit=entry.max_concurrent,
            now=now,
        )
