"""The test Redis, and waiting until a channel has its subscribers (instead of sleeping while a
listener subscribes)."""

from __future__ import annotations

import redis
import redis.asyncio

from tests.support.waiting import PATIENCE, wait_until, wait_until_async

REDIS_URL = "redis://127.0.0.1:6379/0"


def wait_for_subscribers(channel: str, count: int, timeout: float = PATIENCE) -> None:
    with redis.Redis.from_url(REDIS_URL) as client:

        def subscribed() -> bool:
            return int(dict(client.pubsub_numsub(channel)).get(channel.encode(), 0)) >= count

        wait_until(subscribed, timeout, message=f"{count} listeners never subscribed to {channel}")


async def wait_for_subscribers_async(channel: str, count: int, timeout: float = PATIENCE) -> None:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:

        async def subscribed() -> bool:
            numsub = dict(await client.pubsub_numsub(channel))
            return int(numsub.get(channel.encode(), 0)) >= count

        await wait_until_async(
            subscribed, timeout, message=f"{count} listeners never subscribed to {channel}"
        )
    finally:
        await client.aclose()
