"""The event relay: every event of the bus, to its user's room, one at a time and in order."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from sora2.config import Settings
from sora2.errors import InvalidInput
from sora2.events import InProcessEventBus, VideoUpdate
from sora2.realtime.managers import (
    InOrderManager,
    InOrderRedisManager,
    close_client_manager,
    create_client_manager,
)
from sora2.realtime.relay import EventRelay, open_event_relay, user_room


class SlowEmitter:
    """Takes a random while per emit, as a network would; remembers what it was given."""

    def __init__(self, *, fail_on: int | None = None) -> None:
        self.emitted: list[tuple[str, Any, str, str]] = []
        self.in_flight = 0
        self.fail_on = fail_on

    async def emit(self, event: str, data: Any, *, namespace: str, room: str) -> None:
        self.in_flight += 1
        assert self.in_flight == 1, "emits overlapped"
        try:
            await asyncio.sleep(random.uniform(0, 0.001))
            if data["updates"].get("progress") == self.fail_on:
                raise ConnectionError("redis went away")
            self.emitted.append((event, data, namespace, room))
        finally:
            self.in_flight -= 1


async def wait_until(predicate: Any) -> None:
    for _ in range(2000):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("timed out")


async def test_a_thousand_events_are_emitted_in_order_one_at_a_time() -> None:
    bus, emitter = InProcessEventBus(queue_size=2000), SlowEmitter()
    relay = EventRelay(events=bus, emitter=emitter)
    await relay.start()
    try:
        for n in range(1000):
            await bus.publish(
                VideoUpdate(user_id=f"u{n % 2}", video_id="v", updates={"progress": n})
            )
        await wait_until(lambda: len(emitter.emitted) == 1000)
    finally:
        await relay.stop()

    assert [data["updates"]["progress"] for _, data, _, _ in emitter.emitted] == list(range(1000))
    event, data, namespace, room = emitter.emitted[1]
    assert (event, namespace, room) == ("video_update", "/", user_room("u1"))
    assert data == {"video_id": "v", "updates": {"progress": 1}}  # no user_id on the wire


async def test_one_failed_emit_does_not_end_the_relay(caplog: pytest.LogCaptureFixture) -> None:
    bus, emitter = InProcessEventBus(), SlowEmitter(fail_on=1)
    relay = EventRelay(events=bus, emitter=emitter)
    await relay.start()
    try:
        for n in range(3):
            await bus.publish(VideoUpdate(user_id="u", video_id="v", updates={"progress": n}))
        await wait_until(lambda: len(emitter.emitted) == 2)
    finally:
        await relay.stop()

    assert [data["updates"]["progress"] for _, data, _, _ in emitter.emitted] == [0, 2]
    assert "could not emit video_update" in caplog.text


async def test_events_published_after_start_are_never_missed() -> None:
    bus, emitter = InProcessEventBus(), SlowEmitter()
    relay = EventRelay(events=bus, emitter=emitter)
    await relay.start()  # subscribed here, before its task first runs
    await bus.publish(VideoUpdate(user_id="u", video_id="v", updates={"progress": 0}))
    await wait_until(lambda: emitter.emitted)
    await relay.stop()
    await relay.stop()  # idempotent


def test_user_rooms_are_per_user() -> None:
    assert user_room("42") == "user:42"


async def test_without_redis_the_manager_is_in_process() -> None:
    settings = Settings(_env_file=None)
    manager = create_client_manager(settings)

    assert type(manager) is InOrderManager
    await close_client_manager(manager)
    with pytest.raises(InvalidInput, match="SORA2_REDIS_URL"):
        create_client_manager(settings, write_only=True)
    with pytest.raises(InvalidInput, match="SORA2_REDIS_URL"):
        async with open_event_relay(settings, InProcessEventBus()):
            pass


async def test_with_redis_the_manager_shares_one_channel() -> None:
    import socketio

    settings = Settings(
        _env_file=None, redis_url="redis://127.0.0.1:6379/0", redis_channel="sora2-unit"
    )
    manager = create_client_manager(settings, write_only=True)

    assert isinstance(manager, socketio.AsyncRedisManager)
    assert isinstance(manager, InOrderRedisManager)
    assert (manager.channel, manager.write_only) == ("sora2-unit", True)
    assert create_client_manager(settings).write_only is False
    await close_client_manager(manager)
