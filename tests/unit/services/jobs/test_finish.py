"""The Finisher copies a finished job's files into storage, then completes the video."""

from __future__ import annotations

from sora2.domain import Asset, VideoStatus
from sora2.errors import ProviderRejected, ProviderUnavailable
from sora2.storage.keys import asset_key
from sora2.wire import video_fields
from tests.support.fake_provider import DEFAULT_FILES
from tests.support.world import POLL, World


async def _stored(world: World, key: str) -> bytes | None:
    if await world.blobs.stat(key) is None:
        return None
    return b"".join([chunk async for chunk in world.blobs.read(key)])


async def test_the_files_are_stored_and_the_video_completed_at_its_estimate(
    world: World,
) -> None:
    video = await world.create(seconds="8")
    assert video.upstream_id is not None
    world.provider.complete(video.upstream_id)
    world.clock.advance(POLL)
    world.events.clear()

    [finished] = await world.finish_due()

    assert finished is not None
    assert finished.status is VideoStatus.COMPLETED
    assert finished.progress == 100
    assert finished.cost == finished.estimated_cost == 0.8
    assert finished.lease_owner is None
    for variant in Asset:
        key = asset_key(video.id, variant)
        assert key.startswith(f"videos/{video.id}/")
        assert finished.assets[variant] == key
        assert await _stored(world, key) == DEFAULT_FILES[variant]
    assert world.events.updates(video.id) == [video_fields(finished)]  # one event, whole
    assert await world.videos.content(world.user, video.id, variant="video")


async def test_a_video_deleted_while_its_files_download_leaves_none_behind(
    world: World,
) -> None:
    video = await world.create()
    assert video.upstream_id is not None
    world.provider.complete(video.upstream_id)

    async def delete_midway(_upstream_id: str, variant: Asset) -> None:
        if variant is Asset.THUMBNAIL:  # the MP4 is stored already
            await world.videos.delete(world.user, video.id)

    world.provider.on_download = delete_midway
    world.clock.advance(POLL)
    assert await world.finish_due() == [None]

    assert await world.store.get(video.id) is None
    for variant in Asset:
        assert await world.blobs.stat(asset_key(video.id, variant)) is None
    assert world.events.updates(video.id)[-1] == {"deleted": True}


async def test_a_failed_download_is_tried_again_later(world: World) -> None:
    video = await world.create()
    assert video.upstream_id is not None
    world.provider.complete(video.upstream_id)
    world.provider.fail_next("download", ProviderUnavailable("connection reset"))
    world.clock.advance(POLL)
    world.events.clear()

    await world.finish_due()

    waiting = await world.video(video.id)
    assert waiting.status is VideoStatus.QUEUED
    assert waiting.attempts == 1
    assert waiting.lease_owner is None
    assert waiting.next_due_at == world.clock.now() + 2 * POLL  # backed off
    assert world.events.updates() == []

    world.clock.advance(2 * POLL)
    [finished] = await world.finish_due()
    assert finished is not None and finished.status is VideoStatus.COMPLETED
    assert finished.attempts == 0


async def test_a_provider_refusing_the_mp4_fails_the_video(world: World) -> None:
    video = await world.create()
    assert video.upstream_id is not None
    world.provider.complete(video.upstream_id)
    world.provider.fail_next("download", ProviderRejected("the content has expired", status=410))
    world.clock.advance(POLL)

    await world.finish_due()

    stored = await world.video(video.id)
    assert stored.status is VideoStatus.FAILED
    assert stored.error_message == "the video file could not be fetched: the content has expired"
    assert await world.blobs.stat(asset_key(video.id, Asset.VIDEO)) is None
