"""Webhooks end to end: the built-in simulator signs them, the platform verifies them with the
`openai` SDK, and a verified `video.completed` finishes the video at once."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from sora2.providers.simulator.webhooks import new_secret, sign
from tests.support.server import LiveServer, wait_for_status
from tests.support.waiting import wait_until

SECRET = new_secret()
ROUTE = "/api/webhooks/openai"


def _delivery(
    body: dict[str, Any], *, webhook_id: str, age: float = 0, secret: str = SECRET
) -> tuple[bytes, dict[str, str]]:
    payload = json.dumps(body).encode()
    timestamp = int(time.time() - age)
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id=webhook_id, timestamp=timestamp, body=payload),
    }
    return payload, headers


def _event(kind: str, video_id: str) -> dict[str, Any]:
    return {
        "id": "evt_1",
        "object": "event",
        "created_at": 1,
        "type": kind,
        "data": {"id": video_id},
    }


hooked = pytest.mark.server_settings(
    openai_webhook_secret=SECRET,
    # Once webhooks arrive, polling all but stops: only a webhook can finish a video fast.
    webhook_poll_interval_seconds=60.0,
    simulator_job_seconds=0.8,
)


def _simulator_stats(server: LiveServer) -> dict[str, int]:
    access = server.container.simulator
    response = httpx.get(
        f"{access.base_url}/simulator/stats", headers={"Authorization": f"Bearer {access.api_key}"}
    )
    stats: dict[str, int] = response.json()
    return stats


@hooked
def test_signed_webhooks_finish_videos_while_polling_slows_down(
    server: LiveServer, admin: httpx.Client
) -> None:
    first = admin.post("/api/videos", data={"prompt": "first", "seconds": "4"}).json()
    assert wait_for_status(admin, first["id"], {"completed"})["status"] == "completed"
    wait_until(lambda: _simulator_stats(server)["webhooks_sent"] >= 1)

    # Webhooks are arriving: this one is polled once a minute, yet finishes at once.
    before = _simulator_stats(server)["requests"]
    started = time.monotonic()
    second = admin.post("/api/videos", data={"prompt": "second", "seconds": "4"}).json()
    done = wait_for_status(admin, second["id"], {"completed", "failed"}, timeout=50)
    assert done["status"] == "completed"
    assert time.monotonic() - started < 45  # well before its first poll (60 s), even when busy
    stats = _simulator_stats(server)
    assert stats["webhooks_sent"] >= 2
    # create, one early poll, the webhook's confirming retrieve, the final retrieve and
    # three downloads; polling every 0.15 s, as without webhooks, would be dozens.
    assert stats["requests"] - before <= 9, stats["requests"] - before


@hooked
def test_bad_stale_replayed_and_duplicate_deliveries(server: LiveServer) -> None:
    with server.client() as anonymous:
        payload, headers = _delivery(_event("video.completed", "video_unknown"), webhook_id="m1")
        assert anonymous.post(ROUTE, content=payload, headers=headers).json() == {
            "status": "ignored"
        }
        # The same delivery again (a retry, or a replay inside the window): nothing happens.
        duplicate = anonymous.post(ROUTE, content=payload, headers=headers)
        assert (duplicate.status_code, duplicate.json()) == (200, {"status": "duplicate"})

        forged = dict(headers, **{"webhook-id": "m2"})  # signature made for another id
        refused = anonymous.post(ROUTE, content=payload, headers=forged)
        assert refused.status_code == 400
        assert refused.json()["error"] == (
            "webhook refused: The given webhook signature does not match the expected signature"
        )
        _, wrong_key = _delivery(_event("video.failed", "x"), webhook_id="m3", secret=new_secret())
        assert anonymous.post(ROUTE, content=payload, headers=wrong_key).status_code == 400

        old_payload, old_headers = _delivery(
            _event("video.completed", "video_unknown"), webhook_id="m4", age=3600
        )
        stale = anonymous.post(ROUTE, content=old_payload, headers=old_headers)
        assert stale.status_code == 400
        assert stale.json()["error"] == "webhook refused: Webhook timestamp is too old"

        unsigned = anonymous.post(ROUTE, content=payload, headers={"webhook-id": "m5"})
        assert unsigned.status_code == 400
        assert "webhook-signature" in unsigned.json()["error"]


@pytest.mark.server_settings(openai_webhook_secret=SECRET, simulator_job_seconds=30.0)
def test_a_webhook_is_confirmed_with_the_provider_before_it_counts(admin: httpx.Client) -> None:
    video = admin.post("/api/videos", data={"prompt": "slow", "seconds": "4"}).json()
    # Validly signed, but the provider says the job is still running: not believed.
    payload, headers = _delivery(
        _event("video.completed", video["openai_video_id"]), webhook_id="early"
    )
    answer = admin.post(ROUTE, content=payload, headers=headers)
    assert answer.json() == {"status": "ignored"}
    assert admin.get(f"/api/videos/{video['id']}").json()["status"] in {
        "queued",
        "in_progress",
    }


def test_webhooks_are_off_without_a_secret(server: LiveServer) -> None:
    payload, headers = _delivery(_event("video.completed", "v"), webhook_id="m1")
    with server.client() as anonymous:
        response = anonymous.post(ROUTE, content=payload, headers=headers)
    assert response.status_code == 404
    assert response.json()["error"] == (
        "webhooks are not configured (set SORA2_OPENAI_WEBHOOK_SECRET)"
    )
