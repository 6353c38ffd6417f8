"""The tracker's leases across connections and processes, and the plan of the due scan: what
only a database shows (the behaviour every `JobQueue` shares is in contracts/test_job_queue.py)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db.engine import create_engine
from sora2.db.repositories import SqlJobQueue, SqlVideoStore
from sora2.domain import User, Video

NOW = 1_000.0


async def test_concurrent_claimers_never_share_a_video(
    database_url: str,
    engine: AsyncEngine,
    videos: SqlVideoStore,
    owner: User,
    make_video: Callable[..., Video],
) -> None:
    total = 200
    for n in range(total):
        await videos.add(make_video(owner.id, next_due_at=NOW - n % 7))
    # Several engines (like several worker processes) with several tasks each.
    engines = [engine] + [create_engine(database_url) for _ in range(3)]
    claims: list[tuple[str, str]] = []

    async def worker(name: str, queue: SqlJobQueue) -> None:
        while batch := await queue.claim_due(owner=name, now=NOW, lease_seconds=60, limit=7):
            assert {video.lease_owner for video in batch} == {name}
            claims.extend((video.id, name) for video in batch)

    try:
        await asyncio.gather(
            *(
                worker(f"worker-{e}-{t}", SqlJobQueue(engines[e]))
                for e in range(len(engines))
                for t in range(4)
            )
        )
    finally:
        for extra in engines[1:]:
            await extra.dispose()

    times_claimed = Counter(video_id for video_id, _ in claims)
    assert len(times_claimed) == total
    assert set(times_claimed.values()) == {1}
    # Every row records the owner that was told it won.
    for video_id, name in claims[:: total // 20]:
        stored = await videos.get(video_id)
        assert stored is not None
        assert stored.lease_owner == name


async def test_the_due_scan_can_use_its_partial_index(
    backend: str, engine: AsyncEngine, queue: SqlJobQueue
) -> None:
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statements.append((args[2], args[3]))  # (conn, cursor, statement, parameters, ...)

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await queue.claim_due(owner="w", now=NOW, lease_seconds=60, limit=5)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    [(statement, parameters)] = [s for s in statements if s[0].lstrip().startswith("UPDATE")]

    async with engine.connect() as connection:
        if backend == "sqlite":
            explain = "EXPLAIN QUERY PLAN "
        else:
            explain = "EXPLAIN "
            # A near-empty table is cheapest to scan: ask whether the index is usable at all.
            await connection.exec_driver_sql("SET enable_seqscan = off")
        plan = (await connection.exec_driver_sql(explain + statement, parameters)).all()

    assert "ix_videos_due" in str(plan)
