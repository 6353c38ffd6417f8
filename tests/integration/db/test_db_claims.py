"""The tracker's leases: claim_due hands each due, active video to one owner at a time."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db.engine import create_engine
from sora2.db.repositories import SqlVideoRepository
from sora2.domain import User, Video, VideoStatus
from sora2.ports import VideoChanges

NOW = 1_000.0


async def test_only_due_active_unleased_videos_are_claimed(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    claimable = [
        make_video(owner.id, next_due_at=NOW - 5),
        make_video(owner.id, next_due_at=NOW, status=VideoStatus.IN_PROGRESS),
        make_video(owner.id, next_due_at=NOW - 1, lease_owner="crashed", lease_until=NOW - 0.5),
    ]
    not_claimable = [
        make_video(owner.id, next_due_at=NOW + 1),  # not due yet
        make_video(owner.id, next_due_at=None),  # never scheduled
        make_video(owner.id, next_due_at=NOW - 9, status=VideoStatus.COMPLETED),
        make_video(owner.id, next_due_at=NOW - 9, status=VideoStatus.FAILED),
        make_video(owner.id, next_due_at=NOW - 9, lease_owner="busy", lease_until=NOW + 30),
    ]
    for video in claimable + not_claimable:
        await videos.add(video)

    claimed = await videos.claim_due(owner="worker-a", now=NOW, lease_seconds=60, limit=10)

    # Most overdue first.
    assert [video.id for video in claimed] == [claimable[0].id, claimable[2].id, claimable[1].id]
    assert {(video.lease_owner, video.lease_until) for video in claimed} == {("worker-a", NOW + 60)}
    for video in not_claimable:
        assert await videos.get(video.id) == video


async def test_limit_takes_the_most_overdue(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    due = [make_video(owner.id, next_due_at=NOW - n) for n in range(5)]
    for video in due:
        await videos.add(video)

    first = await videos.claim_due(owner="w", now=NOW, lease_seconds=60, limit=2)
    rest = await videos.claim_due(owner="w", now=NOW, lease_seconds=60, limit=10)

    assert [video.id for video in first] == [due[4].id, due[3].id]
    assert [video.id for video in rest] == [due[2].id, due[1].id, due[0].id]
    assert await videos.claim_due(owner="w", now=NOW, lease_seconds=60, limit=0) == []


async def test_a_lease_keeps_others_away_until_it_runs_out(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, next_due_at=NOW)
    await videos.add(video)

    mine = await videos.claim_due(owner="worker-a", now=NOW, lease_seconds=30, limit=5)
    during = await videos.claim_due(owner="worker-b", now=NOW + 29, lease_seconds=30, limit=5)
    after = await videos.claim_due(owner="worker-b", now=NOW + 31, lease_seconds=30, limit=5)

    assert [v.id for v in mine] == [video.id]
    assert during == []
    assert [(v.id, v.lease_owner, v.lease_until) for v in after] == [
        (video.id, "worker-b", NOW + 61)
    ]


async def test_concurrent_claimers_never_share_a_video(
    database_url: str,
    engine: AsyncEngine,
    videos: SqlVideoRepository,
    owner: User,
    make_video: Callable[..., Video],
) -> None:
    total = 200
    for n in range(total):
        await videos.add(make_video(owner.id, next_due_at=NOW - n % 7))
    # Several engines (like several worker processes) with several tasks each.
    engines = [engine] + [create_engine(database_url) for _ in range(3)]
    claims: list[tuple[str, str]] = []

    async def worker(name: str, repository: SqlVideoRepository) -> None:
        while batch := await repository.claim_due(owner=name, now=NOW, lease_seconds=60, limit=7):
            assert {video.lease_owner for video in batch} == {name}
            claims.extend((video.id, name) for video in batch)

    try:
        await asyncio.gather(
            *(
                worker(f"worker-{e}-{t}", SqlVideoRepository(engines[e]))
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
    backend: str, engine: AsyncEngine, videos: SqlVideoRepository
) -> None:
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statements.append((args[2], args[3]))  # (conn, cursor, statement, parameters, ...)

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await videos.claim_due(owner="w", now=NOW, lease_seconds=60, limit=5)
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


async def test_claims_split_submitted_rows_from_unsubmitted_and_take_rows_due_soon(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    fresh = make_video(owner.id, next_due_at=NOW - 1)
    sent = make_video(owner.id, next_due_at=NOW - 1, upstream_id="video_sent")
    soon = make_video(owner.id, next_due_at=NOW + 0.5, upstream_id="video_soon")
    later = make_video(owner.id, next_due_at=NOW + 5, upstream_id="video_later")
    for video in (fresh, sent, soon, later):
        await videos.add(video)

    reads = await videos.claim_due(owner="w", now=NOW, lease_seconds=60, limit=9, submitted=True)
    riders = await videos.claim_due(
        owner="w", now=NOW, lease_seconds=60, limit=9, submitted=True, due_by=NOW + 1
    )
    steps = await videos.claim_due(owner="w", now=NOW, lease_seconds=60, limit=9, submitted=False)

    assert [video.id for video in reads] == [sent.id]
    assert [video.id for video in riders] == [soon.id]
    assert [video.id for video in steps] == [fresh.id]


async def test_a_batch_write_refuses_rows_whose_lease_was_lost_or_status_cannot_move(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    rows = [make_video(owner.id, next_due_at=NOW - 1, upstream_id=f"video_{n}") for n in range(4)]
    for video in rows:
        await videos.add(video)
    await videos.claim_due(owner="w", now=NOW, lease_seconds=60, limit=9)
    # Another worker took row 1 over (our lease on it was lost); row 3 finished meanwhile.
    await videos.apply(rows[1].id, VideoChanges(release_lease=True))
    taken = await videos.claim_due(owner="other", now=NOW, lease_seconds=60, limit=9)
    assert [video.id for video in taken] == [rows[1].id]
    await videos.apply(rows[3].id, VideoChanges(status=VideoStatus.COMPLETED, progress=100))

    written = await videos.apply_many(
        [
            (rows[0].id, _progress(10)),
            (rows[1].id, _progress(20)),
            (
                rows[2].id,
                VideoChanges(
                    status=VideoStatus.FAILED, error_message="refused", release_lease=True
                ),
            ),
            (rows[3].id, _progress(40)),
        ],
        owner="w",
    )

    assert sorted(video.id for video in written) == sorted([rows[0].id, rows[2].id])
    after = [await videos.get(video.id) for video in rows]
    assert [video.progress if video else None for video in after] == [10, 0, 0, 100]
    assert after[0] is not None and after[0].lease_owner is None
    assert after[0].status is VideoStatus.IN_PROGRESS and after[0].next_due_at == NOW + 1
    assert after[1] is not None and after[1].lease_owner == "other"
    assert after[2] is not None and after[2].status is VideoStatus.FAILED
    assert after[3] is not None and after[3].status is VideoStatus.COMPLETED


def _progress(progress: int) -> VideoChanges:
    return VideoChanges(
        status=VideoStatus.IN_PROGRESS, progress=progress, next_due_at=NOW + 1, release_lease=True
    )
