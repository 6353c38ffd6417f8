"""SIGTERM: a `sora2 serve` process stops taking work, hands back what it could not finish, closes
live sockets and exits 0 in time; the next start finishes every video, each created once."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sora2.db import SqlVideoStore, create_engine
from tests.support.crashes import Upstream, client_for, platform, standalone_simulator
from tests.support.processes import Process
from tests.support.server import wait_for_status
from tests.support.sockets import SocketRecorder
from tests.support.waiting import wait_until_async

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[Upstream]:
    with standalone_simulator(tmp_path, job_seconds=1) as running:
        yield running


def terminate(server: Process) -> tuple[int, float]:
    """SIGTERM; the exit status and how long the exit took."""
    assert server.proc is not None
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(timeout=60)
    return code, time.monotonic() - started


async def connect_sockets(base: str, token: str) -> list[SocketRecorder]:
    """One client on a websocket, one on HTTP long-polling (a request held by the server)."""
    clients = []
    for transports in (["websocket"], ["polling"]):
        recorder = SocketRecorder()
        await recorder.client.connect(
            base, auth={"token": token}, transports=transports, wait_timeout=10
        )
        clients.append(recorder)
    return clients


async def test_sigterm_with_five_jobs_in_flight_exits_0_then_all_complete_once(
    tmp_path: Path, database_url: str, upstream: Upstream
) -> None:
    server = platform(
        tmp_path,
        database_url,
        {
            **upstream.platform_env(),
            "SORA2_SHUTDOWN_GRACE_SECONDS": "3",
            # Long enough that only a handed-back lease lets the next start go on at once.
            "SORA2_TRACKER_LEASE_SECONDS": "120",
            "SORA2_OPENAI_TIMEOUT_SECONDS": "30",
        },
    )
    await asyncio.to_thread(server.start, 180)
    base = server.ready_url.removesuffix("/health")
    with client_for(server) as client:
        token = str(client.headers["Authorization"]).removeprefix("Bearer ")
        # The sweep reading the four jobs hangs upstream (one list request), then one create
        # whose answer hangs after the job was made: the tracker's sweep, holding four leases,
        # and an inline submit are in flight when SIGTERM lands.
        upstream.inject({"operation": "list", "delay": 300})
        ids = [
            client.post("/api/videos", data={"prompt": f"in flight {n}", "seconds": "4"}).json()[
                "id"
            ]
            for n in range(4)
        ]
        upstream.inject({"operation": "create", "delay": 300})
        async with httpx.AsyncClient(base_url=base, headers=client.headers, timeout=60) as http:
            hung_create = asyncio.create_task(
                http.post("/api/videos", data={"prompt": "in flight 4", "seconds": "4"})
            )
            await wait_until_async(
                lambda: upstream.pending_faults() == [], message="the faults were never taken"
            )
            sockets = await connect_sockets(base, token)
            code, took = await asyncio.to_thread(terminate, server)
            # Cut short after the grace period, never answered with a video: it is on record
            # all the same, and the next start finds its upstream job instead of making another.
            assert (await hung_create).status_code == 500
        for recorder in sockets:
            await recorder.close()
    assert code == 0, server.log.read_text()[-3000:]
    assert took < 25
    log = server.log.read_text()
    assert "cut short by the shutdown" in log

    engine = create_engine(database_url)
    try:
        rows = [await SqlVideoStore(engine).get(video_id) for video_id in ids]
    finally:
        await engine.dispose()
    assert all(row is not None and row.lease_owner is None for row in rows)

    await asyncio.to_thread(server.start, 180)
    try:
        with client_for(server) as client:
            videos = client.get("/api/videos").json()["videos"]
            assert len(videos) == 5
            for video in videos:
                done = await asyncio.to_thread(
                    wait_for_status, client, video["id"], {"completed", "failed"}, 120
                )
                assert done["status"] == "completed", done
    finally:
        server.stop()
    assert upstream.stats()["creates"] == 5


async def test_sigterm_closes_live_sockets_at_once(
    tmp_path: Path, database_url: str, upstream: Upstream
) -> None:
    # A long grace: a held long-poll would keep the exit waiting for Engine.IO's ping interval
    # (25 s); only closing the sockets at once makes it quick.
    server = platform(
        tmp_path,
        database_url,
        {**upstream.platform_env(), "SORA2_SHUTDOWN_GRACE_SECONDS": "60"},
    )
    await asyncio.to_thread(server.start, 180)
    base = server.ready_url.removesuffix("/health")
    with client_for(server) as client:
        token = str(client.headers["Authorization"]).removeprefix("Bearer ")
    sockets = await connect_sockets(base, token)
    try:
        code, took = await asyncio.to_thread(terminate, server)
    finally:
        for recorder in sockets:
            await recorder.close()
    assert code == 0
    assert took < 20, server.log.read_text()[-3000:]
