"""VideoService: making, listing, reading, deleting, remixing and continuing videos."""

from __future__ import annotations

import uuid

import pytest

from sora2.domain import Asset, AuditAction, VideoStatus
from sora2.errors import Conflict, InvalidInput, NotFound, ProviderUnavailable
from sora2.services.videos import reprompt
from sora2.storage.keys import asset_key
from tests.support.world import World, WorldFactory


async def test_create_records_the_video_for_its_user_and_sends_it(world: World) -> None:
    video = await world.create("a fox in the snow", seconds="8")

    assert video.user_id == world.user.id
    assert (video.status, video.progress) == (VideoStatus.QUEUED, 0)
    assert (video.model, video.size, video.seconds) == ("sora-2", "1280x720", 8)
    assert video.estimated_cost == 0.8
    assert video.upstream_id is not None
    assert await world.videos.get(world.user, video.id) == await world.video(video.id)


async def test_create_refuses_a_request_the_catalogue_does_not_offer(world: World) -> None:
    with pytest.raises(InvalidInput):
        await world.create(seconds="5")
    with pytest.raises(InvalidInput):
        await world.create(model="no-such-model")
    assert world.table == {}
    assert world.provider.calls == []


async def test_another_users_video_is_answered_like_a_missing_one(world: World) -> None:
    video = await world.create()
    for video_id in (video.id, str(uuid.uuid4()), "not-a-uuid"):
        with pytest.raises(NotFound, match="video not found"):
            await world.videos.get(world.other, video_id)
    with pytest.raises(NotFound):
        await world.videos.delete(world.other, video.id)
    assert (await world.video(video.id)).status is VideoStatus.QUEUED
    assert (await world.videos.list(world.other)).videos == []


async def test_list_pages_newest_first_and_filters(world: World) -> None:
    made = []
    for prompt in ("A red car", "a blue car", "a green tree", "a RED balloon", "a dog"):
        made.append(await world.create(prompt))
        world.clock.advance(1)
    newest_first = [video.id for video in reversed(made)]

    first = await world.videos.list(world.user, limit=2)
    second = await world.videos.list(world.user, limit=2, offset=2)
    last = await world.videos.list(world.user, limit=2, offset=4)
    assert [v.id for page in (first, second, last) for v in page.videos] == newest_first
    assert (second.limit, second.offset) == (2, 2)

    red = await world.videos.list(world.user, query="  red ")
    assert [v.prompt for v in red.videos] == ["a RED balloon", "A red car"]
    await world.set_status(made[4].id, VideoStatus.FAILED, error_message="boom")
    failed = await world.videos.list(world.user, status="failed")
    assert [v.id for v in failed.videos] == [made[4].id]

    with pytest.raises(InvalidInput, match="status must be one of"):
        await world.videos.list(world.user, status="done")
    with pytest.raises(InvalidInput, match="limit must be at least 1"):
        await world.videos.list(world.user, limit=0)
    with pytest.raises(InvalidInput, match="offset must not be negative"):
        await world.videos.list(world.user, offset=-1)


async def test_list_caps_the_limit_at_the_configured_page_size(make_world: WorldFactory) -> None:
    world = await make_world(page_size_max=3)
    for n in range(4):
        await world.create(f"video {n}")
    page = await world.videos.list(world.user, limit=1000)
    assert page.limit == 3
    assert len(page.videos) == 3


async def test_list_shows_the_remixes_of_one_video(world: World) -> None:
    source = await world.completed("a red car")
    remix = await world.videos.remix(world.user, source.id, prompt="blue")
    await world.create("unrelated")
    page = await world.videos.list(world.user, remixed_from=source.id)
    assert [v.id for v in page.videos] == [remix.id]
    with pytest.raises(InvalidInput, match="remixed_from must be a video id"):
        await world.videos.list(world.user, remixed_from="nope")


async def test_delete_removes_the_row_the_files_and_the_upstream_copy(world: World) -> None:
    video = await world.completed()
    assert await world.blobs.stat(asset_key(video.id, Asset.VIDEO)) is not None
    world.events.clear()

    await world.videos.delete(world.user, video.id, client="203.0.113.9")

    assert await world.store.get(video.id) is None
    for variant in Asset:
        assert await world.blobs.stat(asset_key(video.id, variant)) is None
    assert world.provider.calls_to("delete") == [{"upstream_id": video.upstream_id}]
    assert video.upstream_id not in world.provider.jobs
    assert world.events.updates(video.id) == [{"deleted": True}]
    entries, _total = await world.audit.page(limit=10, offset=0, action=AuditAction.VIDEO_DELETED)
    assert [(e.target, e.client) for e in entries] == [(video.id, "203.0.113.9")]
    with pytest.raises(NotFound):
        await world.videos.delete(world.user, video.id)


async def test_an_active_video_can_be_deleted_and_the_provider_failing_to_delete_is_no_error(
    world: World,
) -> None:
    video = await world.create()
    world.provider.fail_next("delete", ProviderUnavailable("down"))
    await world.videos.delete(world.user, video.id)
    assert await world.store.get(video.id) is None


@pytest.mark.parametrize(
    "status", [VideoStatus.QUEUED, VideoStatus.IN_PROGRESS, VideoStatus.FAILED]
)
async def test_remix_and_continue_refuse_a_video_that_is_not_completed(
    world: World, status: VideoStatus
) -> None:
    video = await world.create()
    await world.set_status(video.id, status)

    with pytest.raises(Conflict) as remixing:
        await world.videos.remix(world.user, video.id, prompt="at night")
    assert remixing.value.message == (
        f"only a completed video can be remixed; this one is {status.value}"
    )
    with pytest.raises(Conflict) as continuing:
        await world.videos.continue_video(world.user, video.id, prompt="and then")
    assert continuing.value.message == (
        f"only a completed video can be continued; this one is {status.value}"
    )
    assert len(world.table) == 1


async def test_a_model_that_cannot_remix_gets_a_new_job_from_both_prompts(world: World) -> None:
    source = await world.completed("a lighthouse at dusk", model="veo-3.1")
    remix = await world.videos.remix(world.user, source.id, prompt="in a storm")

    assert remix.remix_strategy == "reprompt"
    assert remix.remixed_from == source.id
    assert remix.prompt == reprompt("a lighthouse at dusk", "in a storm")
    assert "a lighthouse at dusk" in remix.prompt and "in a storm" in remix.prompt
    assert world.veo.calls_to("remix") == []
    assert [c["prompt"] for c in world.veo.calls_to("create")] == [source.prompt, remix.prompt]
    assert remix.upstream_id is not None


async def test_content_of_an_unfinished_or_failed_video_says_why(world: World) -> None:
    video = await world.create()
    with pytest.raises(Conflict, match=r"not ready yet \(status queued, 0%\)"):
        await world.videos.content(world.user, video.id, variant=None)
    await world.set_status(video.id, VideoStatus.FAILED, error_message="the render crashed")
    with pytest.raises(Conflict, match="this video failed and has no content: the render crashed"):
        await world.videos.content(world.user, video.id, variant="video")
    with pytest.raises(InvalidInput, match="variant must be one of"):
        await world.videos.content(world.user, video.id, variant="gif")
