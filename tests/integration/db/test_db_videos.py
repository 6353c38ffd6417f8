"""SqlVideoRepository reads, writes and guarded updates against SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc

from sora2.db.repositories import SqlUserRepository, SqlVideoRepository
from sora2.domain import Asset, User, Video, VideoStatus
from sora2.ports import VideoChanges


async def test_a_video_reads_back_with_every_field(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
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
    )

    await videos.add(video)
    stored = await videos.get(video.id)

    assert stored == video
    assert stored is not None
    assert isinstance(stored.status, VideoStatus)
    assert all(isinstance(variant, Asset) for variant in stored.assets)


async def test_get_scoped_to_a_user_hides_other_peoples_videos(
    users: SqlUserRepository,
    videos: SqlVideoRepository,
    owner: User,
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    stranger = make_user()
    await users.add(stranger)
    video = make_video(owner.id)
    await videos.add(video)

    assert await videos.get(video.id, user_id=owner.id) == video
    assert await videos.get(video.id, user_id=stranger.id) is None
    assert await videos.get("no-such-id", user_id=owner.id) is None


async def test_a_video_of_an_unknown_user_is_refused_loudly(
    videos: SqlVideoRepository, make_video: Callable[..., Video]
) -> None:
    with pytest.raises(sa_exc.IntegrityError):
        await videos.add(make_video("no-such-user"))


async def test_list_for_user_is_newest_first_and_pages(
    users: SqlUserRepository,
    videos: SqlVideoRepository,
    owner: User,
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    stranger = make_user()
    await users.add(stranger)
    ids = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(5)]
    # Two share a creation time: the id breaks the tie, so paging never repeats or skips one.
    for video_id, created_at in zip(ids, (10.0, 20.0, 20.0, 30.0, 40.0), strict=True):
        await videos.add(make_video(owner.id, id=video_id, created_at=created_at))
    await videos.add(make_video(stranger.id, created_at=50.0))

    everything = await videos.list_for_user(owner.id, limit=100, offset=0)
    pages = [
        [video.id for video in await videos.list_for_user(owner.id, limit=2, offset=offset)]
        for offset in (0, 2, 4, 6)
    ]

    assert [video.id for video in everything] == [ids[4], ids[3], ids[2], ids[1], ids[0]]
    assert pages == [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]], []]
    assert await videos.list_for_user("no-such-user", limit=10, offset=0) == []


async def test_list_for_user_filters_in_one_statement(
    users: SqlUserRepository,
    videos: SqlVideoRepository,
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
        await videos.add(video)
    await videos.add(make_video(stranger.id, prompt="red fox", remixed_from=source))

    async def ids(**filters: Any) -> list[str]:
        found = await videos.list_for_user(owner.id, limit=10, offset=0, **filters)
        return [video.id for video in found]

    assert await ids(prompt_contains="red fox") == [rows["fox"].id]
    assert await ids(prompt_contains="RED") == [rows["remix"].id, rows["fox"].id]
    # LIKE's wildcards are matched literally.
    assert await ids(prompt_contains="100%") == [rows["percent"].id]
    assert await ids(prompt_contains="_") == []
    assert await ids(status=VideoStatus.FAILED) == [rows["percent"].id]
    assert await ids(remixed_from=source) == [rows["remix"].id]
    assert await ids(status=VideoStatus.FAILED, prompt_contains="fox") == []
    assert await ids(status=VideoStatus.QUEUED, prompt_contains="orange") == [rows["digits"].id]


async def test_delete_returns_what_the_row_held(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, assets={Asset.VIDEO: "videos/v.mp4"})
    await videos.add(video)

    assert await videos.delete(video.id) == video
    assert await videos.delete(video.id) is None
    assert await videos.get(video.id) is None


async def test_deleting_a_source_keeps_its_remixes(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    source = make_video(owner.id, status=VideoStatus.COMPLETED, progress=100)
    remix = make_video(owner.id, remixed_from=source.id)
    await videos.add(source)
    await videos.add(remix)

    await videos.delete(source.id)

    assert await videos.get(remix.id) == remix


async def test_apply_writes_only_the_fields_it_is_given(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, upstream_id="video_1", next_due_at=5.0, attempts=2)
    await videos.add(video)

    updated = await videos.apply(
        video.id, VideoChanges(status=VideoStatus.IN_PROGRESS, progress=40, next_due_at=9.5)
    )

    assert updated is not None
    assert (updated.status, updated.progress, updated.next_due_at) == (
        VideoStatus.IN_PROGRESS,
        40,
        9.5,
    )
    assert (updated.upstream_id, updated.attempts, updated.prompt) == ("video_1", 2, video.prompt)
    assert await videos.get(video.id) == updated


async def test_apply_replaces_the_assets_and_records_completion(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, status=VideoStatus.IN_PROGRESS, assets={Asset.VIDEO: "old"})
    await videos.add(video)
    assets = {Asset.VIDEO: "videos/a/video.mp4", Asset.SPRITESHEET: "videos/a/sprites.jpg"}

    updated = await videos.apply(
        video.id,
        VideoChanges(status=VideoStatus.COMPLETED, progress=100, completed_at=100.0, assets=assets),
    )

    assert updated is not None
    assert updated.assets == assets
    assert (updated.status, updated.completed_at) == (VideoStatus.COMPLETED, 100.0)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (VideoStatus.COMPLETED, VideoStatus.IN_PROGRESS),
        (VideoStatus.COMPLETED, VideoStatus.FAILED),
        (VideoStatus.FAILED, VideoStatus.QUEUED),
        (VideoStatus.IN_PROGRESS, VideoStatus.QUEUED),
    ],
)
async def test_apply_refuses_to_move_a_video_backwards(
    videos: SqlVideoRepository,
    owner: User,
    make_video: Callable[..., Video],
    current: VideoStatus,
    new: VideoStatus,
) -> None:
    video = make_video(owner.id, status=current, progress=50)
    await videos.add(video)

    assert await videos.apply(video.id, VideoChanges(status=new, progress=10)) is None
    assert await videos.get(video.id) == video


async def test_apply_without_the_lease_writes_nothing(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, lease_owner="worker-a", lease_until=100.0)
    await videos.add(video)

    refused = await videos.apply(video.id, VideoChanges(progress=50), owner="worker-b")
    accepted = await videos.apply(video.id, VideoChanges(progress=60), owner="worker-a")

    assert refused is None
    assert accepted is not None
    assert accepted.progress == 60


async def test_release_lease_clears_the_lease(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, lease_owner="worker-a", lease_until=100.0)
    await videos.add(video)

    released = await videos.apply(
        video.id, VideoChanges(next_due_at=50.0, release_lease=True), owner="worker-a"
    )

    assert released is not None
    assert (released.lease_owner, released.lease_until, released.next_due_at) == (
        None,
        None,
        50.0,
    )
    # The lease is gone, so its former holder can no longer write.
    assert await videos.apply(video.id, VideoChanges(progress=5), owner="worker-a") is None


async def test_apply_with_nothing_to_write_reports_whether_it_would_be_accepted(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    video = make_video(owner.id, lease_owner="worker-a", lease_until=100.0)
    await videos.add(video)

    assert await videos.apply(video.id, VideoChanges(), owner="worker-a") == video
    assert await videos.apply(video.id, VideoChanges(), owner="worker-b") is None
    assert await videos.apply("no-such-id", VideoChanges()) is None
    assert await videos.apply("no-such-id", VideoChanges(progress=1)) is None


async def test_upstream_ids_in_use(
    videos: SqlVideoRepository, owner: User, make_video: Callable[..., Video]
) -> None:
    await videos.add(make_video(owner.id, upstream_id="video_a"))
    await videos.add(make_video(owner.id, upstream_id="video_b"))
    await videos.add(make_video(owner.id, upstream_id=None))

    assert await videos.upstream_ids_in_use(["video_a", "video_c", "video_a"]) == {"video_a"}
    assert await videos.upstream_ids_in_use([]) == set()
    many = [f"video_{n}" for n in range(1200)] + ["video_b"]
    assert await videos.upstream_ids_in_use(many) == {"video_b"}
