"""Costs and per-user limits: what videos cost, and who may start another one.

A video's cost is its catalogue price x seconds: estimated when it is created, final when it
completes; a failed video costs nothing. Limits are checked before a video is recorded:
`RateLimited` when a user has too many videos in progress, `QuotaExceeded` when the day's
spending limit (UTC day) would be passed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sora2.domain import User
from sora2.errors import InvalidInput, QuotaExceeded, RateLimited
from sora2.ports import Clock, JobQueue, SpendLedger

DAY = 86_400
MAX_DAYS = 366
# A user at the concurrency limit is told to retry after about this long.
ACTIVE_RETRY_AFTER_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class UserLimits:
    max_active_videos: int = 0  # 0: no limit
    daily_spend: float = 0.0  # USD; 0: no limit


@dataclass(frozen=True, slots=True)
class DayCost:
    date: str  # YYYY-MM-DD (UTC)
    total: float
    count: int


@dataclass(frozen=True, slots=True)
class CostStats:
    user_total: float
    user_count: int
    platform_total: float | None  # admins only
    platform_count: int | None
    days: list[DayCost]


class CostService:
    def __init__(
        self, *, queue: JobQueue, ledger: SpendLedger, limits: UserLimits, clock: Clock
    ) -> None:
        self._queue = queue
        self._ledger = ledger
        self.limits = limits
        self._clock = clock

    async def check(self, user: User, *, estimated_cost: float) -> None:
        """Refuse a new video that would pass one of the user's limits."""
        limit = self.limits.max_active_videos
        if limit and await self._queue.count_active(user.id) >= limit:
            raise RateLimited(
                f"you already have {limit} videos queued or in progress (the limit); "
                "wait for one to finish",
                retry_after=ACTIVE_RETRY_AFTER_SECONDS,
            )
        budget = self.limits.daily_spend
        if budget:
            now = self._clock.now()
            midnight = math.floor(now / DAY) * DAY
            spent, _count = await self._ledger.spend(user_id=user.id, since=midnight)
            if spent + estimated_cost > budget + 1e-9:
                raise QuotaExceeded(
                    f"daily spending limit reached: ${spent:.2f} of ${budget:.2f} used today, "
                    f"and this video would cost ${estimated_cost:.2f}; the limit resets at "
                    "00:00 UTC",
                    retry_after=midnight + DAY - now,
                )

    async def stats(self, user: User, *, days: int = 30) -> CostStats:
        """The user's spend (and the platform's, for admins), with the last `days` by day."""
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"days must be between 1 and {MAX_DAYS}")
        user_total, user_count = await self._ledger.spend(user_id=user.id)
        platform_total: float | None = None
        platform_count: int | None = None
        if user.is_admin:
            platform_total, platform_count = await self._ledger.spend(user_id=None)
        first_day = math.floor(self._clock.now() / DAY) - days + 1
        by_day: dict[int, tuple[float, int]] = {}
        for created_at, amount in await self._ledger.spend_by_video(user.id, since=first_day * DAY):
            total, count = by_day.get(int(created_at // DAY), (0.0, 0))
            by_day[int(created_at // DAY)] = (total + amount, count + 1)
        return CostStats(
            user_total=round(user_total, 4),
            user_count=user_count,
            platform_total=None if platform_total is None else round(platform_total, 4),
            platform_count=platform_count,
            days=[
                DayCost(date=_date(day), total=round(total, 4), count=count)
                for day, (total, count) in sorted(by_day.items())
            ],
        )


def _date(day: int) -> str:
    return datetime.fromtimestamp(day * DAY, tz=UTC).strftime("%Y-%m-%d")
