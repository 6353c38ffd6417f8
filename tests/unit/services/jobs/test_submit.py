"""Sending a queued video upstream (Submitter), at most once, through the production wiring."""

from __future__ import annotations

import asyncio

from sora2.domain import VideoStatus
from sora2.errors import ProviderRateLimited, ProviderRejected
from sora2.services.jobs.verdict import REFUSED_MESSAGE
from sora2.wire import video_fields
from tests.support.world import CREATE_SETTLE, POLL, World, WorldFactory, eventually


async def test_a_new_video_is_sent_at_once_and_records_the_providers_id(world: World) -> None:
    start = world.clock.now()
    video = await world.create("a fox in the snow")

    assert video.upstream_id == "video_0001"
    stored = await world.video(video.id)
    assert stored.status is VideoStatus.QUEUED
    assert stored.upstream_id == "video_0001"
    assert stored.lease_owner is None  # handed back: the tracker reads it from now on
    assert stored.next_due_at == start + POLL
    [create] = world.provider.calls_to("create")
    assert create["prompt"] == "a fox in the snow"
    assert (create["model"], create["size"], create["seconds"]) == ("sora-2", "1280x720", 4)
    assert create["idempotency_key"] == video.id
    # The owner saw the new video whole, then its provider id arrive.
    assert world.events.updates(video.id) == [
        {**video_fields(stored), "openai_video_id": None},
        {"openai_video_id": "video_0001"},
    ]


async def test_admission_holds_videos_past_the_limit_and_sends_them_oldest_first(
    make_world: WorldFactory,
) -> None:
    world = await make_world(max_concurrent=1)
    first = await world.create("one")
    world.clock.advance(1)
    second = await world.create("two")
    world.clock.advance(1)
    third = await world.create("three")

    assert first.upstream_id is not None
    for waiting in (second, third):
        stored = await world.video(waiting.id)
        assert (stored.status, stored.upstream_id) == (VideoStatus.QUEUED, None)
        assert stored.lease_owner is None
    assert [c["prompt"] for c in world.provider.calls_to("create")] == ["one"]

    world.provider.complete(first.upstream_id)
    world.clock.advance(POLL)
    await world.finish_due()
    assert (await world.video(first.id)).status is VideoStatus.COMPLETED

    # The tracker's claim: the youngest is tried first on purpose, and still waits its turn.
    claimed = {video.id: video for video in await world.claim(submitted=False)}
    assert set(claimed) == {second.id, third.id}
    assert await world.jobs.submitter.submit(claimed[third.id]) is not None
    assert (await world.video(third.id)).upstream_id is None
    sent = await world.jobs.submitter.submit(claimed[second.id])
    assert sent is not None and sent.upstream_id == "video_0002"
    assert [c["prompt"] for c in world.provider.calls_to("create")] == ["one", "two"]


async def test_a_429_on_create_gives_the_slot_back_and_blocks_the_provider_until_retry_after(
    make_world: WorldFactory,
) -> None:
    world = await make_world(max_concurrent=1)
    start = world.clock.now()
    world.provider.fail_next("create", ProviderRateLimited("slow down", retry_after=30))
    first = await world.create("one")

    stored = await world.video(first.id)
    assert (stored.status, stored.upstream_id) == (VideoStatus.QUEUED, None)
    assert stored.submit_started_at is None  # nothing was made upstream: the slot is free
    assert stored.attempts == 1
    assert stored.next_due_at == start + 30
    assert world.events.updates(first.id)[1:] == []  # nothing a user sees changed

    world.clock.advance(1)
    second = await world.create("two")  # the provider is left alone meanwhile
    assert (await world.video(second.id)).next_due_at == start + 30
    world.clock.advance(28)
    assert await world.claim(submitted=False) == []
    assert len(world.provider.calls_to("create")) == 1

    world.clock.advance(1)
    claimed = {video.id: video for video in await world.claim(submitted=False)}
    await world.jobs.submitter.submit(claimed[second.id])
    await world.jobs.submitter.submit(claimed[first.id])
    assert (await world.video(first.id)).upstream_id == "video_0001"
    assert (await world.video(second.id)).upstream_id is None  # the one slot is the first's
    assert [c["prompt"] for c in world.provider.calls_to("create")] == ["one", "one"]


async def test_a_create_whose_answer_was_lost_is_found_upstream_and_never_sent_twice(
    world: World,
) -> None:
    world.provider.lose_next_answer("create")
    video = await world.create("a lighthouse at dusk")

    stored = await world.video(video.id)
    assert stored.upstream_id is None
    assert stored.submit_started_at is not None  # the create may have arrived
    assert list(world.provider.jobs) == ["video_0001"]  # ... and it did

    world.clock.advance(2 * POLL)  # the retry after one failure
    [claimed] = await world.claim(submitted=False)
    adopted = await world.jobs.submitter.submit(claimed)

    assert adopted is not None and adopted.upstream_id == "video_0001"
    assert adopted.attempts == 0
    assert len(world.provider.calls_to("create")) == 1
    assert len(world.provider.calls_to("list_recent")) == 1
    assert world.events.updates(video.id)[-1] == {"openai_video_id": "video_0001"}


async def test_a_provider_that_cannot_list_is_sent_the_create_again_only_once_it_settled(
    make_world: WorldFactory,
) -> None:
    world = await make_world(unlisted=True)
    start = world.clock.now()
    world.provider.lose_next_answer("create")
    video = await world.create("a lighthouse at dusk")

    world.clock.advance(2 * POLL)
    [claimed] = await world.claim(submitted=False)
    waited = await world.jobs.submitter.submit(claimed)
    assert waited is not None and waited.upstream_id is None
    assert waited.next_due_at == start + CREATE_SETTLE  # not before the create has settled
    assert len(world.provider.calls_to("create")) == 1
    assert world.provider.calls_to("list_recent") == [{"limit": 100, "after": None}]

    world.clock.set(start + CREATE_SETTLE)
    [claimed] = await world.claim(submitted=False)
    sent = await world.jobs.submitter.submit(claimed)
    assert sent is not None and sent.upstream_id is not None
    keys = {create["idempotency_key"] for create in world.provider.calls_to("create")}
    assert keys == {video.id}


async def test_a_refused_create_fails_the_video_with_the_providers_reason(world: World) -> None:
    world.provider.fail_next(
        "create", ProviderRejected("the prompt was flagged by moderation", status=400)
    )
    video = await world.create("something forbidden")

    stored = await world.video(video.id)
    assert stored.status is VideoStatus.FAILED
    assert stored.error_message == f"{REFUSED_MESSAGE}: the prompt was flagged by moderation"
    # A failure is sent whole, so a client has the message with the status.
    last = world.events.updates(video.id)[-1]
    assert last == video_fields(stored)


async def test_a_provider_out_of_quota_says_an_administrator_must_add_credit(
    world: World,
) -> None:
    world.provider.fail_next(
        "create",
        ProviderRejected("You exceeded your current quota", code="insufficient_quota", status=429),
    )
    video = await world.create()

    stored = await world.video(video.id)
    assert stored.status is VideoStatus.FAILED
    assert stored.error_message is not None
    assert "insufficient_quota" in stored.error_message
    assert "an administrator must add credit" in stored.error_message
    assert "You exceeded your current quota" in stored.error_message


async def test_a_remix_asks_the_provider_to_remix_the_sources_job(world: World) -> None:
    source = await world.completed("a red car")
    remix = await world.videos.remix(world.user, source.id, prompt="now the car is blue")

    assert remix.remixed_from == source.id
    assert remix.remix_strategy == "native"
    assert world.provider.calls_to("remix") == [
        {
            "upstream_id": source.upstream_id,
            "prompt": "now the car is blue",
            "idempotency_key": remix.id,
        }
    ]
    assert len(world.provider.calls_to("create")) == 1  # only the source's
    assert remix.upstream_id is not None
    assert world.provider.jobs[remix.upstream_id].remixed_from == source.upstream_id


async def test_a_remix_whose_source_was_deleted_before_it_was_sent_fails_readably(
    world: World,
) -> None:
    source = await world.completed("a red car")
    world.provider.fail_next("remix", ProviderRateLimited("slow down", retry_after=30))
    remix = await world.videos.remix(world.user, source.id, prompt="now it is blue")
    assert (await world.video(remix.id)).status is VideoStatus.QUEUED  # back in the queue
    await world.videos.delete(world.user, source.id)

    world.clock.advance(30)
    [claimed] = await world.claim(submitted=False)
    await world.jobs.submitter.submit(claimed)

    stored = await world.video(remix.id)
    assert stored.status is VideoStatus.FAILED
    assert stored.error_message == (
        f"{REFUSED_MESSAGE}: the video this remixes was deleted before it was sent"
    )
    assert len(world.provider.calls_to("remix")) == 1


async def test_a_step_that_lost_its_lease_writes_nothing(world: World) -> None:
    gate = world.provider.hold("create")
    creating = asyncio.create_task(world.create("a slow create"))
    await eventually(lambda: world.provider.calls_to("create"))
    [video_id] = list(world.table)
    world.take_lease(video_id)  # our lease ran out; another process claimed the row
    gate.set()
    returned = await creating

    stored = await world.video(video_id)
    assert stored.upstream_id is None  # the other holder finds the job upstream, not us
    assert stored.lease_owner == "another-process"
    assert returned.upstream_id is None
    assert world.events.updates(video_id) == [video_fields(returned)]  # only its creation
