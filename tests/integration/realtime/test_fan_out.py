"""The client managers' fan-out: every socket of a room gets every event, in emit order.

A bare python-socketio server with the platform's manager, on a real port, and real
python-socketio clients; with Redis, the event is emitted by one server and delivered by another.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.metadata import version
from typing import Any

import engineio
import socketio
import uvicorn
from socketio.async_pubsub_manager import AsyncPubSubManager

from sora2.config import Settings
from sora2.realtime.managers import (
    InOrderManager,
    InOrderRedisManager,
    close_client_manager,
    create_client_manager,
)
from tests.support.pubsub import REDIS_URL, wait_for_subscribers_async
from tests.support.server import bound_socket

ROOM = "fans"
EVENTS = 200


@asynccontextmanager
async def serving(manager: Any) -> AsyncIterator[tuple[str, Any]]:
    """A Socket.IO server with `manager` on a loopback port; every socket joins ROOM."""
    server = socketio.AsyncServer(async_mode="asgi", client_manager=manager)

    async def connect(sid: str, environ: Any, auth: Any) -> None:
        await server.enter_room(sid, ROOM)

    server.on("connect", connect)
    sock = bound_socket()
    port = sock.getsockname()[1]
    web = uvicorn.Server(uvicorn.Config(socketio.ASGIApp(server), log_level="warning"))
    serve = asyncio.create_task(web.serve(sockets=[sock]))
    try:
        while not web.started:
            await asyncio.sleep(0.01)
        server.manager_initialized = True
        manager.initialize()
        yield f"http://127.0.0.1:{port}", server
    finally:
        web.should_exit = True
        await serve
        await close_client_manager(manager)
        sock.close()


class Fan:
    """A real client that records every `tick` it receives."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.ticks: list[Any] = []
        self.client.on("tick", self.ticks.append)
        self.client.on("blob", self.ticks.append)


@asynccontextmanager
async def fans(url: str, count: int) -> AsyncIterator[list[Fan]]:
    async with AsyncExitStack() as stack:
        made = [Fan() for _ in range(count)]
        for fan in made:
            await fan.client.connect(url, transports=["websocket"], wait_timeout=10)
            stack.push_async_callback(fan.client.shutdown)
        yield made


async def wait_for(predicate: Callable[[], bool], timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_every_socket_of_a_room_gets_every_event_in_order() -> None:
    manager = create_client_manager(Settings(_env_file=None))
    async with serving(manager) as (url, server), fans(url, 5) as made:
        for n in range(EVENTS):
            await server.emit("tick", {"n": n}, room=ROOM)
        await wait_for(lambda: all(len(fan.ticks) == EVENTS for fan in made))

    for fan in made:
        assert fan.ticks == [{"n": n} for n in range(EVENTS)]


async def test_a_long_burst_to_a_room_lets_the_rest_of_the_server_run() -> None:
    burst = 2000  # 6,000 deliveries to 3 sockets: more than one slice between yields
    emitted = 0
    seen_after: list[int] = []

    async def other_work() -> None:
        seen_after.append(emitted)

    async with serving(InOrderManager()) as (url, server), fans(url, 3) as made:
        other = asyncio.create_task(other_work())
        for n in range(burst):
            await server.emit("tick", {"n": n}, room=ROOM)
            emitted += 1
        await other
        await wait_for(lambda: all(len(fan.ticks) == burst for fan in made))

    assert seen_after[0] < burst
    for fan in made:
        assert fan.ticks == [{"n": n} for n in range(burst)]


async def test_skip_sid_binary_payloads_and_acknowledged_emits_still_work() -> None:
    async with serving(InOrderManager()) as (url, server), fans(url, 3) as made:
        skipped = made[0].client.get_sid()
        await server.emit("tick", {"n": 0}, room=ROOM, skip_sid=skipped)
        # Binary data travels as several Engine.IO packets: they must stay together.
        await server.emit("blob", {"bytes": b"\x00\x01frame"}, room=ROOM)
        made[1].client.on("ask", lambda: "yes")
        answer = await server.call("ask", to=made[1].client.get_sid(), timeout=10)
        await wait_for(lambda: [len(fan.ticks) for fan in made] == [1, 2, 2])

    assert made[0].ticks == [{"bytes": b"\x00\x01frame"}]
    assert made[1].ticks == made[2].ticks == [{"n": 0}, {"bytes": b"\x00\x01frame"}]
    assert answer == "yes"


async def test_through_redis_another_server_delivers_every_event_in_order() -> None:
    channel = f"sora2-fan-out-{uuid.uuid4().hex}"
    settings = Settings(_env_file=None, redis_url=REDIS_URL, redis_channel=channel)
    async with (
        serving(create_client_manager(settings)) as (url, _),
        fans(url, 4) as made,
    ):
        emitter = create_client_manager(settings, write_only=True)
        try:
            await wait_for_subscribers_async(channel, 1)  # the receiving server's listener
            for n in range(EVENTS):
                await emitter.emit("tick", {"n": n}, namespace="/", room=ROOM)
            await wait_for(lambda: all(len(fan.ticks) == EVENTS for fan in made))
        finally:
            await close_client_manager(emitter)

    for fan in made:
        assert fan.ticks == [{"n": n} for n in range(EVENTS)]


def test_the_python_socketio_internals_the_managers_rely_on() -> None:
    """Pinned, so that an upgrade that changes them fails here rather than silently."""
    assert version("python-socketio").startswith("5.")
    # The Redis manager hands what it receives (and its own local delivery) to `super().emit`,
    # which in InOrderRedisManager's method order is InOrderManager.emit.
    assert "await super().emit(" in inspect.getsource(AsyncPubSubManager._handle_emit)
    manager = InOrderRedisManager(REDIS_URL, write_only=True)
    assert super(AsyncPubSubManager, manager).emit.__func__ is InOrderManager.emit  # type: ignore[attr-defined]
    assert type(manager).emit is socketio.AsyncRedisManager.emit
    # The signature InOrderManager.emit overrides, and the Engine.IO call it makes per socket.
    assert list(inspect.signature(socketio.AsyncManager.emit).parameters) == [
        "self", "event", "data", "namespace", "room", "skip_sid", "callback", "to", "kwargs",
    ]  # fmt: skip
    assert list(inspect.signature(engineio.AsyncServer.send_packet).parameters) == [
        "self",
        "sid",
        "pkt",
    ]
