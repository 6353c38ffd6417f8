"""A per-socket cap on the events a client sends: a token bucket, with strikes for abuse.

Each socket may send `rate` events per second on average and `burst` at once. An event over
the cap is refused (answered with an `error`); each refusal is a strike, and strikes fade at
one per second. A socket whose strikes pass `burst` keeps on hammering whatever it is told,
and is disconnected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

STRIKES_FADE_PER_SECOND = 1.0
TOO_MANY_EVENTS = "too many events: slow down"


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE = "refuse"
    DISCONNECT = "disconnect"


@dataclass(slots=True)
class _Bucket:
    tokens: float
    strikes: float = 0.0
    updated: float = field(default=0.0)


class EventRateLimiter:
    """Verdicts per socket id; `forget(sid)` when a socket leaves."""

    def __init__(
        self, *, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def check(self, sid: str) -> Verdict:
        now = self._clock()
        bucket = self._buckets.get(sid)
        if bucket is None:
            bucket = self._buckets[sid] = _Bucket(tokens=self._burst, updated=now)
        elapsed = max(0.0, now - bucket.updated)
        bucket.updated = now
        bucket.tokens = min(self._burst, bucket.tokens + elapsed * self._rate)
        bucket.strikes = max(0.0, bucket.strikes - elapsed * STRIKES_FADE_PER_SECOND)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Verdict.ALLOW
        bucket.strikes += 1
        return Verdict.DISCONNECT if bucket.strikes > self._burst else Verdict.REFUSE

    def forget(self, sid: str) -> None:
        self._buckets.pop(sid, None)
