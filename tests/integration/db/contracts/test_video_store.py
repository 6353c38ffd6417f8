"""`VideoStore`: reads, writes and guarded updates, the same on every implementation."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sora2.domain import Asset, User, Video, VideoStatus, can_transition
from sora2.ports import JobQueue, UserRepository, VideoChanges, VideoStore

NOW = 1_000.0


async def test_a_video_reads_back_with_every_field(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(
        owner.id,
        upstream_id="video_123",
        status=VideoStatus.COMPLETED,
        progress=100,
        created_at=1_700_000_000.987654,
        completed_at=1_700_000_060.5,
        expires_at=1_700_086_400.25,
        error_message=None,
        remixed_from="3f1c2b9e-0000-4000-8000-000000000000",
        input_reference_key="inputs/abc.png",
        assets={Asset.VIDEO: "videos/x/video.mp4", Asset.THUMBNAIL: "videos/x/thumbnail.webp"},
        next_due_at=1_700_000_100.0,
        lease_owner="worker-1",
        lease_until=1_700_000_200.0,
        attempts=3,
        submit_started_at=1_700_000_000.5,
        prompt="a cat 🐈 on a skateboard, \"quoted\" and 'single'",
        upstream_model="sora-2-2025-10-06",
        remix_strategy="native",
        continued_from="3f1c2b9e-0000-4000-8000-000000000001",
        estimated_cost=0.4,
        cost=0.8,
    )

    await store.add(video)
    stored = await store.get(video.id)

    assert stored == video
    assert stored is not None
    assert isinstance(stored.status, VideoStatus)
    assert all(isinstance(variant, Asset) for variant in stored.assets)


async def test_a_returned_video_is_a_copy(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, assets={Asset.VIDEO: "videos/v.mp4"})
    await store.add(video)
    video.progress = 99  # the caller's object is not the stored row

    read = await store.get(video.id)
    assert read is not None
    read.assets[Asset.THUMBNAIL] = "changed"
    read.status = VideoStatus.FAILED

    listed = await store.list_for_user(owner.id, limit=1, offset=0)
    listed[0].progress = 98

    again = await store.get(video.id)
    assert again is not None
    assert (again.progress, again.status, again.assets) == (
        0,
        VideoStatus.QUEUED,
        {Asset.VIDEO: "videos/v.mp4"},
    )


async def test_get_scoped_to_a_user_hides_other_peoples_videos(
    users: UserRepository,
    store: VideoStore,
    owner: User,
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    stranger = make_user()
    await users.add(stranger)
    video = make_video(owner.id)
    await store.add(video)

    assert await store.get(video.id, user_id=owner.id) == video
    assert await store.get(video.id, user_id=stranger.id) is None
    assert await store.get("no-such-id", user_id=owner.id) is None
    assert await store.get("no-such-id") is None


async def test_list_for_user_is_newest_first_and_pages(
    users: UserRepository,
    store: VideoStore,
    owner: User,
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    stranger = make_user()
    await users.add(stranger)
    ids = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(5)]
    # Two share a creation time: the id breaks the tie, so paging never repeats or skips one.
    for video_id, created_at in zip(ids, (10.0, 20.0, 20.0, 30.0, 40.0), strict=True):
        await store.add(make_video(owner.id, id=video_id, created_at=created_at))
    await store.add(make_video(stranger.id, created_at=50.0))

    everything = await store.list_for_user(owner.id, limit=100, offset=0)
    pages = [
        [video.id for video in await store.list_for_user(owner.id, limit=2, offset=offset)]
        for offset in (0, 2, 4, 6)
    ]

    assert [video.id for video in everything] == [ids[4], ids[3], ids[2], ids[1], ids[0]]
    assert pages == [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]], []]
    assert await store.list_for_user("no-such-user", limit=10, offset=0) == []


async def test_list_for_user_filters_by_status_prompt_and_source(
    users: UserRepository,
    store: VideoStore,
    owner: User,
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    stranger = make_user()
    await users.add(stranger)
    source = "00000000-0000-4000-8000-0000000000aa"
    rows = {
        "fox": make_video(owner.id, prompt="A red FOX in the snow", created_at=1.0),
        "percent": make_video(
            owner.id, prompt="100% orange", status=VideoStatus.FAILED, created_at=2.0
        ),
        "digits": make_video(owner.id, prompt="1000 oranges", created_at=3.0),
        "remix": make_video(owner.id, prompt="redder", remixed_from=source, created_at=4.0),
    }
    for video in rows.values():
        await store.add(video)
    await store.add(make_video(stranger.id, prompt="red fox", remixed_from=source))

    async def ids(**filters: Any) -> list[str]:
        found = await store.list_for_user(owner.id, limit=10, offset=0, **filters)
        return [video.id for video in found]

    assert await ids(prompt_contains="red fox") == [rows["fox"].id]
    assert await ids(prompt_contains="RED") == [rows["remix"].id, rows["fox"].id]
    # LIKE's wildcards are matched literally.
    assert await ids(prompt_contains="100%") == [rows["percent"].id]
    assert await ids(prompt_contains="_") == []
    # An empty text filters nothing out.
    assert len(await ids(prompt_contains="")) == 4
    assert await ids(status=VideoStatus.FAILED) == [rows["percent"].id]
    assert await ids(remixed_from=source) == [rows["remix"].id]
    assert await ids(status=VideoStatus.FAILED, prompt_contains="fox") == []
    assert await ids(status=VideoStatus.QUEUED, prompt_contains="orange") == [rows["digits"].id]


async def test_delete_returns_what_the_row_held(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, assets={Asset.VIDEO: "videos/v.mp4"})
    await store.add(video)

    assert await store.delete(video.id) == video
    assert await store.delete(video.id) is None
    assert await store.get(video.id) is None


async def test_deleting_a_source_keeps_its_remixes(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    source = make_video(owner.id, status=VideoStatus.COMPLETED, progress=100)
    remix = make_video(owner.id, remixed_from=source.id)
    await store.add(source)
    await store.add(remix)

    await store.delete(source.id)

    assert await store.get(remix.id) == remix


async def test_apply_writes_only_the_fields_it_is_given(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, upstream_id="video_1", next_due_at=5.0, attempts=2)
    await store.add(video)

    updated = await store.apply(
        video.id, VideoChanges(status=VideoStatus.IN_PROGRESS, progress=40, next_due_at=9.5)
    )

    assert updated is not None
    assert (updated.status, updated.progress, updated.next_due_at) == (
        VideoStatus.IN_PROGRESS,
        40,
        9.5,
    )
    assert (updated.upstream_id, updated.attempts, updated.prompt) == ("video_1", 2, video.prompt)
    assert await store.get(video.id) == updated


async def test_apply_replaces_the_assets_and_records_completion(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, status=VideoStatus.IN_PROGRESS, assets={Asset.VIDEO: "old"})
    await store.add(video)
    assets = {Asset.THUMBNAIL: "videos/a/thumbnail.webp", Asset.SPRITESHEET: "videos/a/s.jpg"}

    updated = await store.apply(
        video.id,
        VideoChanges(status=VideoStatus.COMPLETED, progress=100, completed_at=100.0, assets=assets),
    )

    assert updated is not None
    # Replaced, not merged: the old video asset is gone.
    assert updated.assets == assets
    assert (updated.status, updated.completed_at) == (VideoStatus.COMPLETED, 100.0)
    assert await store.get(video.id) == updated


async def test_apply_moves_a_status_only_forwards(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    for current, new in itertools.product(VideoStatus, repeat=2):
        video = make_video(owner.id, status=current, progress=50)
        await store.add(video)

        written = await store.apply(video.id, VideoChanges(status=new, progress=10))

        if can_transition(current, new):
            assert written is not None, (current, new)
            assert (written.status, written.progress) == (new, 10)
        else:  # backwards (completed -> in_progress, failed -> queued, ...): nothing written
            assert written is None, (current, new)
            assert await store.get(video.id) == video


async def test_apply_without_the_lease_writes_nothing(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, lease_owner="worker-a", lease_until=100.0)
    unleased = make_video(owner.id)
    await store.add(video)
    await store.add(unleased)

    refused = await store.apply(video.id, VideoChanges(progress=50), owner="worker-b")
    accepted = await store.apply(video.id, VideoChanges(progress=60), owner="worker-a")

    assert refused is None
    assert accepted is not None
    assert accepted.progress == 60
    assert await store.apply(unleased.id, VideoChanges(progress=1), owner="worker-a") is None
    # Without an owner, the lease is not asked about.
    written = await store.apply(video.id, VideoChanges(progress=70))
    assert written is not None and (written.progress, written.lease_owner) == (70, "worker-a")


async def test_a_lease_past_its_end_is_held_until_another_worker_claims_the_row(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, next_due_at=NOW, upstream_id="video_1")
    await store.add(video)
    await queue.claim_due(owner="worker-a", now=NOW, lease_seconds=10, limit=1)

    # Late, but nobody took the row over: the write goes through.
    late = await store.apply(video.id, VideoChanges(progress=10), owner="worker-a")
    taken = await queue.claim_due(owner="worker-b", now=NOW + 11, lease_seconds=10, limit=1)
    lost = await store.apply(video.id, VideoChanges(progress=20), owner="worker-a")

    assert late is not None and late.progress == 10
    assert [v.id for v in taken] == [video.id]
    assert lost is None
    stored = await store.get(video.id)
    assert stored is not None and (stored.progress, stored.lease_owner) == (10, "worker-b")


async def test_release_lease_clears_the_lease(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, lease_owner="worker-a", lease_until=100.0)
    await store.add(video)

    released = await store.apply(
        video.id, VideoChanges(next_due_at=50.0, release_lease=True), owner="worker-a"
    )

    assert released is not None
    assert (released.lease_owner, released.lease_until, released.next_due_at) == (
        None,
        None,
        50.0,
    )
    # The lease is gone, so its former holder can no longer write.
    assert await store.apply(video.id, VideoChanges(progress=5), owner="worker-a") is None


async def test_apply_with_nothing_to_write_reports_whether_it_would_be_accepted(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, lease_owner="worker-a", lease_until=100.0)
    await store.add(video)

    assert await store.apply(video.id, VideoChanges(), owner="worker-a") == video
    assert await store.apply(video.id, VideoChanges(), owner="worker-b") is None
    assert await store.apply("no-such-id", VideoChanges()) is None
    assert await store.apply("no-such-id", VideoChanges(progress=1)) is None


async def test_a_rate_limited_create_gives_its_slot_back(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, provider="openai", submit_started_at=3.0)
    await store.add(video)
    updated = await store.apply(video.id, VideoChanges(clear_submit=True, attempts=1))
    assert updated is not None
    assert updated.submit_started_at is None and updated.attempts == 1
    # Clearing wins over a start time given in the same changes.
    again = await store.apply(video.id, VideoChanges(submit_started_at=9.0, clear_submit=True))
    assert again is not None and again.submit_started_at is None


async def test_a_batch_write_refuses_rows_whose_lease_was_lost_or_status_cannot_move(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    rows = [make_video(owner.id, next_due_at=NOW - 1, upstream_id=f"video_{n}") for n in range(4)]
    for video in rows:
        await store.add(video)
    await queue.claim_due(owner="w", now=NOW, lease_seconds=60, limit=9)
    # Another worker took row 1 over (our lease on it was lost); row 3 finished meanwhile.
    await store.apply(rows[1].id, VideoChanges(release_lease=True))
    taken = await queue.claim_due(owner="other", now=NOW, lease_seconds=60, limit=9)
    assert [video.id for video in taken] == [rows[1].id]
    await store.apply(rows[3].id, VideoChanges(status=VideoStatus.COMPLETED, progress=100))

    written = await store.apply_many(
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
    after = [await store.get(video.id) for video in rows]
    assert {video.id: video for video in written} == {
        video.id: video for video in after if video and video.id in {rows[0].id, rows[2].id}
    }
    assert [video.progress if video else None for video in after] == [10, 0, 0, 100]
    assert after[0] is not None and after[0].lease_owner is None
    assert after[0].status is VideoStatus.IN_PROGRESS and after[0].next_due_at == NOW + 1
    assert after[1] is not None and after[1].lease_owner == "other"
    assert after[2] is not None and after[2].status is VideoStatus.FAILED
    assert after[3] is not None and after[3].status is VideoStatus.COMPLETED


async def test_a_batch_write_gives_each_row_its_own_values_and_skips_empty_changes(
    store: VideoStore, queue: JobQueue, owner: User, make_video: Callable[..., Video]
) -> None:
    rows = [make_video(owner.id, next_due_at=NOW - 1) for _ in range(3)]
    for video in rows:
        await store.add(video)
    await queue.claim_due(owner="w", now=NOW, lease_seconds=60, limit=9)

    written = await store.apply_many(
        [
            (rows[0].id, VideoChanges(progress=5, next_due_at=NOW + 5)),
            (rows[1].id, VideoChanges(progress=7, next_due_at=NOW + 5)),
            (rows[2].id, VideoChanges()),  # writes nothing, so it is not reported
            ("no-such-id", VideoChanges(progress=9)),
        ],
        owner="w",
    )

    assert sorted((v.id, v.progress, v.next_due_at) for v in written) == sorted(
        [(rows[0].id, 5, NOW + 5), (rows[1].id, 7, NOW + 5)]
    )
    untouched = await store.get(rows[2].id)
    assert untouched is not None and (untouched.progress, untouched.lease_owner) == (0, "w")
    assert await store.apply_many([], owner="w") == []


async def test_upstream_ids_in_use(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    await store.add(make_video(owner.id, upstream_id="video_a"))
    await store.add(make_video(owner.id, upstream_id="video_b"))
    await store.add(make_video(owner.id, upstream_id=None))

    assert await store.upstream_ids_in_use(["video_a", "video_c", "video_a"]) == {"video_a"}
    assert await store.upstream_ids_in_use([]) == set()
    many = [f"video_{n}" for n in range(1200)] + ["video_b"]
    assert await store.upstream_ids_in_use(many) == {"video_b"}


async def test_find_by_upstream_id_is_scoped_to_the_provider_and_its_aliases(
    store: VideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, provider="openai", upstream_id="video_1")
    # The same upstream id at another provider is another job.
    elsewhere = make_video(owner.id, provider="veo", upstream_id="video_2")
    await store.add(video)
    await store.add(elsewhere)

    found = await store.find_by_upstream_id("video_1", providers=("openai",))
    assert found is not None and found.id == video.id
    # A provider known under several names (an old one kept for existing rows) finds its rows.
    aliased = await store.find_by_upstream_id("video_1", providers=("simulator", "openai"))
    assert aliased == video
    assert await store.find_by_upstream_id("video_1", providers=("veo",)) is None
    assert await store.find_by_upstream_id("video_2", providers=("openai", "simulator")) is None
    assert await store.find_by_upstream_id("video_3", providers=("openai",)) is None


def _progress(progress: int) -> VideoChanges:
    return VideoChanges(
        status=VideoStatus.IN_PROGRESS, progress=progress, next_due_at=NOW + 1, release_lease=True
    )
