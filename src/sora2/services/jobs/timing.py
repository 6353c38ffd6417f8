"""When the tracker looks at a video next: the poll interval, back-off, and the sweep's cadence.

A video is polled every `poll_interval` (P), or as the provider hints (`openai-poll-after-ms`), or
at the slower webhook interval while the provider's webhooks arrive. A sweep (ADR 11) reads many
jobs with a few list requests, so it may read them more often within a far smaller request budget:
its jobs are next due after `clamp(P * pages / listed, P / SWEEP_FASTEST, P)`, where `listed` jobs
were seen in `pages` list requests. Per job that is never more requests than polling it alone every
P, and never more often than SWEEP_FASTEST times per P; a lone job keeps P.

Nothing here draws a random number: the jitter comes in as a `Pace.spread` the caller drew (one
per sweep, so that the sweep's jobs stay due together), which keeps the verdicts reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MAX_BACKOFF_SECONDS = 300.0
# A listed job is read at most this many times per poll interval.
SWEEP_FASTEST = 4.0


@dataclass(frozen=True, slots=True)
class Pace:
    """How one read was made, which sets when the job is read next."""

    # The sweep's interval for a job its list showed (None: the poll interval).
    interval: float | None = None
    # The provider's webhooks are arriving: poll at the slower webhook interval.
    slow: bool = False
    # A jitter draw in [-1, 1] (0: none).
    spread: float = 0.0


STEADY = Pace()


def draw() -> float:
    """A fresh jitter draw for `Pace.spread`."""
    return random.uniform(-1.0, 1.0)


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

    def next_poll(self, now: float, hint: float | None = None, pace: Pace = STEADY) -> float:
        """When to read a job next: after the pace's interval (default: the poll interval) or
        the provider's hint, whichever is longer, jittered by the pace's spread."""
        interval = max(self.poll_interval if pace.interval is None else pace.interval, hint or 0.0)
        if pace.slow and self.webhook_poll_interval is not None:
            interval = max(interval, self.webhook_poll_interval)
        return now + interval * (1 + self.jitter * pace.spread)

    def sweep_interval(self, *, listed: int, pages: int) -> float:
        """The read interval of jobs a sweep saw: `listed` of them in `pages` list requests."""
        if listed <= 0 or pages <= 0:
            return self.poll_interval
        share = self.poll_interval * pages / listed
        return min(self.poll_interval, max(self.poll_interval / SWEEP_FASTEST, share))

    def backoff(
        self, now: float, attempts: int, retry_after: float | None = None, spread: float = 0.0
    ) -> float:
        """When to try again after `attempts` failures in a row (doubling, capped), never before
        the provider's `Retry-After`; `spread` in [-1, 1] adds up to `jitter` of the delay."""
        delay = min(MAX_BACKOFF_SECONDS, self.poll_interval * 2.0 ** min(attempts, 16))
        delay = max(delay, retry_after or 0.0)
        return now + delay * (1 + self.jitter * (spread + 1) / 2)
