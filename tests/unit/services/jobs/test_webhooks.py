"""A provider's webhook makes its video due now, once, and only when a read confirms it."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from sora2.domain import Video, VideoStatus
from sora2.errors import InvalidInput
from sora2.ports import VideoChanges, WebhookEvent
from sora2.services.jobs.webhooks import WebhookOutcome, WebhookService
from tests.support.world import POLL, World, WorldFactory


class FakeVerifier:
    """`WebhookVerifier`: a delivery is signed when its `webhook-signature` header says "ok"."""

    tolerance = 300.0

    def verify(self, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        if headers.get("webhook-signature") != "ok":
            raise InvalidInput("bad webhook signature")
        body = json.loads(payload)
        return WebhookEvent(
            delivery_id=headers["webhook-id"], type=body["type"], object_id=body["data"]["id"]
        )


def delivery(delivery_id: str, kind: str, object_id: str) -> tuple[bytes, dict[str, str]]:
    payload = json.dumps({"type": kind, "data": {"id": object_id}}).encode()
    return payload, {"webhook-id": delivery_id, "webhook-signature": "ok"}


@pytest.fixture
async def hooked(make_world: WorldFactory) -> World:
    return await make_world(verifiers={"openai": FakeVerifier()})


def service(world: World) -> WebhookService:
    return world.container.webhooks["openai"]


async def _sent(world: World) -> tuple[Video, str]:
    video = await world.create()
    assert video.upstream_id is not None
    return video, video.upstream_id


async def test_a_verified_delivery_makes_its_video_due_now(hooked: World) -> None:
    video, upstream_id = await _sent(hooked)
    assert (await hooked.video(video.id)).next_due_at == hooked.clock.now() + POLL
    hooked.provider.complete(upstream_id)

    outcome = await service(hooked).receive(*delivery("wh_1", "video.completed", upstream_id))

    assert outcome is WebhookOutcome.ACCEPTED
    assert hooked.provider.calls_to("retrieve") == [{"upstream_id": upstream_id}]  # confirmed
    assert (await hooked.video(video.id)).next_due_at == hooked.clock.now()
    # So the next tick finishes it without waiting for its poll.
    await hooked.finish_due()
    assert (await hooked.video(video.id)).status is VideoStatus.COMPLETED


async def test_a_duplicate_delivery_is_ignored(hooked: World) -> None:
    video, upstream_id = await _sent(hooked)
    hooked.provider.complete(upstream_id)
    first = delivery("wh_1", "video.completed", upstream_id)
    assert await service(hooked).receive(*first) is WebhookOutcome.ACCEPTED
    await hooked.store.apply(video.id, VideoChanges(next_due_at=hooked.clock.now() + POLL))

    assert await service(hooked).receive(*first) is WebhookOutcome.DUPLICATE
    assert len(hooked.provider.calls_to("retrieve")) == 1
    assert (await hooked.video(video.id)).next_due_at == hooked.clock.now() + POLL


async def test_a_delivery_the_provider_does_not_confirm_is_left_to_polling(
    hooked: World,
) -> None:
    video, upstream_id = await _sent(hooked)
    hooked.provider.progress(upstream_id, 50)  # still running, whatever the webhook says
    due = (await hooked.video(video.id)).next_due_at

    outcome = await service(hooked).receive(*delivery("wh_1", "video.completed", upstream_id))

    assert outcome is WebhookOutcome.IGNORED
    assert (await hooked.video(video.id)).next_due_at == due


async def test_deliveries_about_nothing_of_ours_are_ignored(hooked: World) -> None:
    video, upstream_id = await _sent(hooked)
    receive = service(hooked).receive
    assert await receive(*delivery("wh_1", "video.completed", "video_9999")) is (
        WebhookOutcome.IGNORED
    )
    assert await receive(*delivery("wh_2", "batch.completed", upstream_id)) is (
        WebhookOutcome.IGNORED
    )
    await hooked.set_status(video.id, VideoStatus.FAILED)
    assert await receive(*delivery("wh_3", "video.failed", upstream_id)) is (WebhookOutcome.IGNORED)
    assert hooked.provider.calls_to("retrieve") == []


async def test_a_delivery_with_a_bad_signature_is_refused_and_not_remembered(
    hooked: World,
) -> None:
    _video, upstream_id = await _sent(hooked)
    payload, headers = delivery("wh_1", "video.completed", upstream_id)
    with pytest.raises(InvalidInput, match="bad webhook signature"):
        await service(hooked).receive(payload, {**headers, "webhook-signature": "forged"})
    assert await hooked.deliveries.last_received("openai") is None
