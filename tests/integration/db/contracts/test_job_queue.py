"""`JobQueue`: leases of due videos, upstream slots and counts, the same on every
implementation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sora2.domain import User, Video, VideoStatus
from sora2.ports import JobQueue, UserRepository, VideoChanges, VideoStore

NOW = 1_000.0
OWNER = "worker-1"


async def test_only_due_active_unleased_videos_are_claimed(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
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
        await store.add(video)

    claimed = await queue.claim_due(owner="worker-a", now=NOW, lease_seconds=60, limit=10)

    # Most overdue first.
    assert [video.id for video in claimed] == [claimable[0].id, claimable[2].id, claimable[1].id]
    assert {(video.lease_owner, video.lease_until) for video in claimed} == {("worker-a", NOW + 60)}
    for video in claimed:
        assert await store.get(video.id) == video
    for video in not_claimable:
        assert await store.get(video.id) == video


async def test_limit_takes_the_most_overdue(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    due = [make_video(owner.id, next_due_at=NOW - n) for n in range(5)]
    for video in due:
        await store.add(video)

    first = await queue.claim_due(owner="w", now=NOW, lease_seconds=60, limit=2)
    rest = await queue.claim_due(owner="w", now=NOW, lease_seconds=60, limit=10)

    assert [video.id for video in first] == [due[4].id, due[3].id]
    assert [video.id for video in rest] == [due[2].id, due[1].id, due[0].id]
    assert await queue.claim_due(owner="w", now=NOW, lease_seconds=60, limit=0) == []


async def test_videos_due_at_the_same_time_are_claimed_in_id_order(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    ids = [f"00000000-0000-4000-8000-00000000000{n}" for n in (3, 1, 4, 2)]
    for video_id in ids:
        await store.add(make_video(owner.id, id=video_id, next_due_at=NOW))

    first = await queue.claim_due(owner="w", now=NOW, lease_seconds=60, limit=3)

    assert [video.id for video in first] == sorted(ids)[:3]


async def test_a_lease_keeps_others_away_until_it_runs_out(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, next_due_at=NOW)
    await store.add(video)

    mine = await queue.claim_due(owner="worker-a", now=NOW, lease_seconds=30, limit=5)
    during = await queue.claim_due(owner="worker-b", now=NOW + 29, lease_seconds=30, limit=5)
    at_its_end = await queue.claim_due(owner="worker-b", now=NOW + 30, lease_seconds=30, limit=5)
    after = await queue.claim_due(owner="worker-b", now=NOW + 31, lease_seconds=30, limit=5)

    assert [v.id for v in mine] == [video.id]
    assert during == []
    assert at_its_end == []
    assert [(v.id, v.lease_owner, v.lease_until) for v in after] == [
        (video.id, "worker-b", NOW + 61)
    ]


async def test_claims_split_submitted_rows_from_unsubmitted_and_take_rows_due_soon(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    fresh = make_video(owner.id, next_due_at=NOW - 1)
    sent = make_video(owner.id, next_due_at=NOW - 1, upstream_id="video_sent")
    soon = make_video(owner.id, next_due_at=NOW + 0.5, upstream_id="video_soon")
    later = make_video(owner.id, next_due_at=NOW + 5, upstream_id="video_later")
    for video in (fresh, sent, soon, later):
        await store.add(video)

    reads = await queue.claim_due(owner="w", now=NOW, lease_seconds=60, limit=9, submitted=True)
    riders = await queue.claim_due(
        owner="w", now=NOW, lease_seconds=60, limit=9, submitted=True, due_by=NOW + 1
    )
    steps = await queue.claim_due(owner="w", now=NOW, lease_seconds=60, limit=9, submitted=False)

    assert [video.id for video in reads] == [sent.id]
    assert [video.id for video in riders] == [soon.id]
    assert [video.id for video in steps] == [fresh.id]


async def test_release_leases_frees_the_rows_of_the_given_owners_only(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    rows = {
        name: make_video(owner.id, next_due_at=NOW - 1, lease_owner=name, lease_until=NOW + 60)
        for name in ("dead-1", "dead-2", "alive")
    }
    also_dead = make_video(owner.id, next_due_at=NOW - 1, lease_owner="dead-1", lease_until=NOW)
    for video in (*rows.values(), also_dead):
        await store.add(video)

    assert await queue.release_leases(owners=[]) == 0
    assert await queue.release_leases(owners=["dead-1", "dead-2", "dead-1", "unknown"]) == 3
    assert await queue.release_leases(owners=["dead-1"]) == 0

    claimed = await queue.claim_due(owner="survivor", now=NOW, lease_seconds=60, limit=9)
    assert sorted(v.id for v in claimed) == sorted(
        [rows["dead-1"].id, rows["dead-2"].id, also_dead.id]
    )
    alive = await store.get(rows["alive"].id)
    assert alive is not None and (alive.lease_owner, alive.lease_until) == ("alive", NOW + 60)


async def test_admit_keeps_the_limit_and_the_order_under_concurrency(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    queued = [make_video(owner.id, provider="openai", lease_owner=OWNER) for _ in range(10)]
    for video in queued:
        await store.add(video)
    # An older video of another provider, and one already in flight under an old name.
    await store.add(make_video(owner.id, provider="veo", created_at=1.0, lease_owner=OWNER))
    busy = make_video(owner.id, provider="simulator", submit_started_at=5.0, upstream_id="u1")
    await store.add(busy)

    async def admit(video: Video) -> Video | None:
        return await queue.admit(
            video.id, owner=OWNER, providers=("openai", "simulator"), limit=3, now=100.0
        )

    # Everyone asks at once, youngest first: only the head of the queue can get in at a time.
    first = [v for v in await asyncio.gather(*map(admit, reversed(queued))) if v]
    assert first and {v.id for v in first} <= {queued[0].id, queued[1].id}
    # Asked again, in any order: one slot is taken already, the two oldest get the others.
    for video in reversed(queued):
        await admit(video)
    for video in queued:
        await admit(video)
    stored = [await store.get(video.id) for video in queued]
    started = [v.id for v in stored if v is not None and v.submit_started_at is not None]
    assert started == [queued[0].id, queued[1].id]
    assert {v.submit_started_at for v in stored if v and v.submit_started_at} == {100.0}

    # A finished job frees its slot for the next in line, not for a younger one.
    await store.apply(queued[0].id, VideoChanges(status=VideoStatus.COMPLETED))
    assert await admit(queued[5]) is None
    assert await admit(queued[2]) is not None
    # Without a limit there is no queue.
    assert (
        await queue.admit(queued[9].id, owner=OWNER, providers=("openai",), limit=None, now=1.0)
        is not None
    )
    # Someone else's lease: no admission.
    assert (
        await queue.admit(queued[3].id, owner="other", providers=("openai",), limit=None, now=1.0)
        is None
    )


async def test_admit_takes_only_a_queued_never_submitted_video_under_the_owners_lease(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    def leased(**fields: object) -> Video:
        return make_video(owner.id, provider="openai", lease_owner=OWNER, **fields)

    refused = {
        "in progress": leased(status=VideoStatus.IN_PROGRESS),
        "finished": leased(status=VideoStatus.COMPLETED),
        "sent": leased(upstream_id="video_1"),
        "admitted": leased(submit_started_at=50.0),
        "unleased": make_video(owner.id, provider="openai"),
    }
    for video in refused.values():
        await store.add(video)

    for why, video in refused.items():
        admitted = await queue.admit(
            video.id, owner=OWNER, providers=("openai",), limit=None, now=100.0
        )
        assert admitted is None, why
        assert await store.get(video.id) == video, why
    missing = await queue.admit("no-such-id", owner=OWNER, providers=("openai",), limit=9, now=1)
    assert missing is None


async def test_admit_counts_the_active_submitted_videos_of_its_providers(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    # Older, but not in flight (finished, or another provider's) and not waiting either.
    for provider, status, upstream_id in (
        ("openai", VideoStatus.COMPLETED, "u1"),
        ("openai", VideoStatus.FAILED, None),
        ("veo", VideoStatus.IN_PROGRESS, "u2"),
    ):
        await store.add(
            make_video(
                owner.id,
                provider=provider,
                status=status,
                upstream_id=upstream_id,
                submit_started_at=1.0,
                created_at=1.0,
            )
        )
    # Sent upstream with no slot taken (a row made before admission control): neither in
    # flight nor waiting.
    await store.add(make_video(owner.id, provider="openai", upstream_id="u0", created_at=1.0))
    head = make_video(owner.id, provider="openai", lease_owner=OWNER, created_at=10.0)
    second = make_video(owner.id, provider="openai", lease_owner=OWNER, created_at=20.0)
    await store.add(head)
    await store.add(second)

    async def admit(video: Video) -> Video | None:
        return await queue.admit(video.id, owner=OWNER, providers=("openai",), limit=1, now=50.0)

    assert await admit(second) is None  # the head waits longer
    admitted = await admit(head)
    assert admitted is not None and admitted.submit_started_at == 50.0
    assert await admit(second) is None  # the one slot is taken
    # In flight while active, whether or not the provider has answered yet.
    await store.apply(head.id, VideoChanges(upstream_id="u3", status=VideoStatus.IN_PROGRESS))
    assert await admit(second) is None
    await store.apply(head.id, VideoChanges(status=VideoStatus.FAILED))
    assert await admit(second) is not None


async def test_count_active_counts_a_users_queued_and_in_progress_videos(
    users: UserRepository,
    store: VideoStore,
    queue: JobQueue,
    owner: User,
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    stranger = make_user()
    await users.add(stranger)
    for status in (*VideoStatus, VideoStatus.QUEUED):
        await store.add(make_video(owner.id, status=status))
    await store.add(make_video(stranger.id))

    assert await queue.count_active(owner.id) == 3
    assert await queue.count_active(stranger.id) == 1
    assert await queue.count_active("no-such-user") == 0
