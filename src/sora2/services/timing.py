"""When the tracker looks at a video next: the poll interval, back-off, and the sweep's cadence.

A video is polled every `poll_interval` (P), or as the provider hints (`openai-poll-after-ms`), or
at the slower webhook interval while the provider's webhooks arrive. A sweep (ADR 11) reads many
jobs with a few list requests, so it may read them more often within a far smaller request budget:
its jobs are next due after `clamp(P * pages / listed, P / SWEEP_FASTEST, P)`, where `listed` jobs
were seen in `pages` list requests. Per job that is never more requests than polling it alone every
P, and never more often than SWEEP_FASTEST times per P; a lone job keeps P.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MAX_BACKOFF_SECONDS = 300.0
# A listed job is read at most this many times per poll interval.
SWEEP_FASTEST = 4.0


@dataclass(frozen=True, slots=True)
class Timing:
    poll_interval: float
    jitter: float
    lease_seconds: float
    # The poll interval while the provider's webhooks are arriving (a safety net only).
    webhook_poll_interval: float | None = None
    # How long a create may still be on its way to the provider after it was sent (the
    # provider's request timeout): a create of unknown outcome that no listing shows yet is
    # sent again only after this, so one cut short by a crash or a shutdown is never doubled.
    create_settle: float = 0.0

    def next_poll(
        self,
        now: float,
        hint: float | None = None,
        *,
        slow: bool = False,
        interval: float | None = None,
        spread: float | None = None,
    ) -> float:
        """When to read a job next: after `interval` (default: the poll interval) or the
        provider's hint, whichever is longer; `spread` is a jitter draw in [-1, 1] (a fresh one
        when None; a sweep shares one so that its jobs stay due together)."""
        interval = max(self.poll_interval if interval is None else interval, hint or 0.0)
        if slow and self.webhook_poll_interval is not None:
            interval = max(interval, self.webhook_poll_interval)
        draw = random.uniform(-1.0, 1.0) if spread is None else spread
        return now + interval * (1 + self.jitter * draw)

    def sweep_interval(self, *, listed: int, pages: int) -> float:
        """The read interval of jobs a sweep saw: `listed` of them in `pages` list requests."""
        if listed <= 0 or pages <= 0:
            return self.poll_interval
        share = self.poll_interval * pages / listed
        return min(self.poll_interval, max(self.poll_interval / SWEEP_FASTEST, share))

    def backoff(self, now: float, attempts: int, retry_after: float | None = None) -> float:
        delay = min(MAX_BACKOFF_SECONDS, self.poll_interval * 2.0 ** min(attempts, 16))
        delay = max(delay, retry_after or 0.0)
        return now + delay * (1 + random.uniform(0, self.jitter))
