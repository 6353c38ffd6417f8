"""Provider webhooks: a verified `video.completed`/`video.failed` makes its video due now.

A delivery is checked (signature, age), remembered by its `webhook-id` in the database so a
duplicate or a replay inside the tolerance window does nothing, and confirmed with a retrieve
before the video is touched: the tracker then finishes it at once. While webhooks arrive, the
tracker polls that provider's videos rarely (`WebhookActivity`); polling never stops, so a lost
webhook only delays a video.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from enum import StrEnum

from sora2.domain import TERMINAL
from sora2.errors import ProviderError
from sora2.ports import (
    Clock,
    VideoChanges,
    VideoStore,
    WebhookDeliveryRepository,
    WebhookVerifier,
)
from sora2.services.jobs.registry import ProviderRegistry

log = logging.getLogger(__name__)

VIDEO_EVENTS = frozenset({"video.completed", "video.failed"})


class WebhookOutcome(StrEnum):
    ACCEPTED = "accepted"  # a video of ours was made due
    DUPLICATE = "duplicate"  # this webhook-id was seen before: nothing done
    IGNORED = "ignored"  # not about one of our active videos


class WebhookActivity:
    """Whether a provider's webhooks arrived lately, read from the deliveries every process
    records (cached briefly: the tracker asks once per poll)."""

    def __init__(
        self,
        *,
        deliveries: WebhookDeliveryRepository,
        window: float,
        clock: Clock,
        cache_seconds: float = 2.0,
    ) -> None:
        self._deliveries = deliveries
        self._clock = clock
        self._window = window
        self._cache_seconds = cache_seconds
        self._last: dict[str, tuple[float, float | None]] = {}  # provider -> (asked at, last)

    async def recent(self, provider: str) -> bool:
        now = self._clock.now()
        asked_at, last = self._last.get(provider, (0.0, None))
        if now - asked_at > self._cache_seconds:
            last = await self._deliveries.last_received(provider)
            self._last[provider] = (now, last)
        return last is not None and now - last < self._window

    def note(self, provider: str, when: float) -> None:
        self._last[provider] = (when, when)


class WebhookService:
    def __init__(
        self,
        *,
        provider: str,
        verifier: WebhookVerifier,
        deliveries: WebhookDeliveryRepository,
        store: VideoStore,
        providers: ProviderRegistry,
        activity: WebhookActivity,
        on_due: Callable[[], None],
        clock: Clock,
    ) -> None:
        self.provider = provider
        self._verifier = verifier
        self._deliveries = deliveries
        self._store = store
        self._clock = clock
        self._providers = providers
        self._activity = activity
        self._on_due = on_due

    async def receive(self, payload: bytes, headers: Mapping[str, str]) -> WebhookOutcome:
        """Handle one delivery; raises `InvalidInput` when its signature or age is wrong."""
        event = self._verifier.verify(payload, headers)
        now = self._clock.now()
        fresh = await self._deliveries.remember(
            event.delivery_id,
            provider=self.provider,
            now=now,
            # Kept for twice the tolerance: a timestamp may be that far from our clock, either way.
            forget_before=now - 2 * self._verifier.tolerance,
        )
        if not fresh:
            log.info("webhook %s: already received; ignored", event.delivery_id)
            return WebhookOutcome.DUPLICATE
        self._activity.note(self.provider, now)
        if event.type not in VIDEO_EVENTS or event.object_id is None:
            return WebhookOutcome.IGNORED
        video = await self._store.find_by_upstream_id(
            event.object_id, providers=self._providers.names_for(self.provider)
        )
        if video is None or not video.is_active:
            return WebhookOutcome.IGNORED
        try:
            job = await self._providers.get(video.provider).retrieve(event.object_id)
        except ProviderError as exc:
            # The tracker retrieves it again anyway; making it due costs one early poll.
            log.warning("webhook %s: could not confirm %s: %s", event.delivery_id, video.id, exc)
        else:
            if job.status not in TERMINAL:
                log.warning(
                    "webhook %s says %s but the provider says %s; left to polling",
                    event.delivery_id,
                    event.type,
                    job.status.value,
                )
                return WebhookOutcome.IGNORED
        await self._store.apply(video.id, VideoChanges(next_due_at=now))
        self._on_due()
        return WebhookOutcome.ACCEPTED
