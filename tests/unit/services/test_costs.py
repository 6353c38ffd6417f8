"""CostService: per-user limits on active videos and daily spend, and spend by day."""

from __future__ import annotations

import pytest

from sora2.domain import VideoStatus
from sora2.errors import QuotaExceeded, RateLimited
from tests.support.world import PASSWORD, WorldFactory

DAY = 86_400.0
# FakeClock's default start, 2023-11-14 22:13:20 UTC: 6,400 s before the next UTC midnight.
MIDNIGHT = 1_700_006_400.0


async def test_too_many_active_videos_is_rate_limited_until_one_ends(
    make_world: WorldFactory,
) -> None:
    world = await make_world(user_max_active_videos=2)
    first = await world.create("one")
    await world.create("two")

    with pytest.raises(RateLimited) as refused:
        await world.create("three")
    assert type(refused.value) is RateLimited
    assert "you already have 2 videos queued or in progress" in refused.value.message
    assert refused.value.retry_after == 10.0
    assert len(world.table) == 2
    await world.create("for another user", user=world.other)  # per user

    await world.set_status(first.id, VideoStatus.FAILED)
    await world.create("three")


async def test_the_daily_spend_limit_refuses_until_utc_midnight(
    make_world: WorldFactory,
) -> None:
    world = await make_world(user_daily_spend_limit=1.0)
    assert world.clock.now() == MIDNIGHT - 6_400
    first = await world.create("one")  # $0.40 each (sora-2, 4 s)
    await world.create("two")
    world.clock.advance(400)

    with pytest.raises(QuotaExceeded) as refused:
        await world.create("three")
    assert refused.value.message == (
        "daily spending limit reached: $0.80 of $1.00 used today, and this video would cost "
        "$0.40; the limit resets at 00:00 UTC"
    )
    assert refused.value.retry_after == 6_000.0

    await world.set_status(first.id, VideoStatus.FAILED)  # a failed video costs nothing
    await world.create("three")
    with pytest.raises(QuotaExceeded):
        await world.create("four")

    world.clock.set(MIDNIGHT)
    await world.create("four")  # a new day


async def test_stats_add_up_the_spend_by_day_and_the_platforms_for_admins(
    make_world: WorldFactory,
) -> None:
    world = await make_world()
    await world.completed("yesterday", seconds="8")  # $0.80, 2023-11-14
    world.clock.set(MIDNIGHT + 3_600)
    await world.create("today")  # $0.40, unfinished: its estimate counts
    failed = await world.create("failed today")
    await world.set_status(failed.id, VideoStatus.FAILED)
    await world.create("bob's", user=world.other)

    stats = await world.costs.stats(world.user, days=30)
    assert (stats.user_total, stats.user_count) == (1.2, 2)
    assert (stats.platform_total, stats.platform_count) == (None, None)
    assert [(d.date, d.total, d.count) for d in stats.days] == [
        ("2023-11-14", 0.8, 1),
        ("2023-11-15", 0.4, 1),
    ]
    assert [d.date for d in (await world.costs.stats(world.user, days=1)).days] == ["2023-11-15"]

    admin = await world.auth.add_user(username="root", password=PASSWORD, is_admin=True)
    platform = await world.costs.stats(admin)
    assert (platform.platform_total, platform.platform_count) == (1.6, 3)
    assert (platform.user_total, platform.days) == (0.0, [])
