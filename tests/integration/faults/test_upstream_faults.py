"""A misbehaving provider, seen through the platform's REST API: 500, 429 with Retry-After, a
request that hangs, `insufficient_quota`, and a create whose answer is lost after it was made.

The provider is the simulator in its own process, told what to do next over
`/v1/simulator/faults`; the platform is a live server that counts on it. The database backend
plays no part here, so these run on SQLite only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.crashes import SIMULATOR_KEY, Upstream, standalone_simulator
from tests.support.server import wait_for_status
from tests.support.waiting import wait_until

TIMEOUT = 1.5  # SORA2_OPENAI_TIMEOUT_SECONDS: a hung request gives up after this

# Generous: these wait on real retries, which a loaded CI machine slows down.
pytestmark = [pytest.mark.timeout(300), pytest.mark.backends("sqlite")]


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    with standalone_simulator(tmp_path_factory.mktemp("upstream"), job_seconds=0.5) as running:
        yield running


@pytest.fixture(scope="module")
def server_settings(upstream: Upstream) -> dict[str, Any]:
    """The module's servers count on the standalone simulator."""
    return {
        "openai_base_url": upstream.url,
        "openai_api_key": SIMULATOR_KEY,
        "openai_timeout_seconds": TIMEOUT,
    }


@pytest.fixture(autouse=True)
def no_faults_left(upstream: Upstream) -> None:
    upstream_clear(upstream)


def upstream_clear(upstream: Upstream) -> None:
    httpx.delete(
        f"{upstream.url}/simulator/faults", headers={"Authorization": f"Bearer {SIMULATOR_KEY}"}
    ).raise_for_status()


def create(client: httpx.Client, prompt: str) -> dict[str, Any]:
    response = client.post("/api/videos", data={"prompt": prompt, "seconds": "4"})
    assert response.status_code == 201, response.text
    video: dict[str, Any] = response.json()
    return video


def jobs_for(upstream: Upstream, prompt: str) -> list[dict[str, Any]]:
    return [job for job in upstream.jobs() if job["prompt"] == prompt]


def test_a_500_on_create_keeps_the_video_queued_then_it_completes(
    admin: httpx.Client, upstream: Upstream
) -> None:
    upstream.inject({"operation": "create", "status": 500})
    video = create(admin, "five hundred")
    assert video["status"] == "queued" and video["openai_video_id"] is None
    done = wait_for_status(admin, video["id"], {"completed", "failed"}, 90)
    assert done["status"] == "completed"
    assert len(jobs_for(upstream, "five hundred")) == 1


def test_a_429_with_retry_after_is_honoured(admin: httpx.Client, upstream: Upstream) -> None:
    upstream.inject({"operation": "create", "status": 429, "retry_after": 3})
    started = time.monotonic()
    video = create(admin, "slow down")
    assert video["status"] == "queued"
    done = wait_for_status(admin, video["id"], {"completed", "failed"}, 90)
    assert done["status"] == "completed"
    # Not asked again before the provider's Retry-After passed.
    first = min(job["created_at"] for job in jobs_for(upstream, "slow down"))
    assert first >= time.time() - (time.monotonic() - started) + 3 - 1  # 1 s: unix seconds
    assert len(jobs_for(upstream, "slow down")) == 1


def test_a_poll_that_hangs_times_out_and_is_retried_later(
    admin: httpx.Client, upstream: Upstream
) -> None:
    video = create(admin, "hanging poll")
    # Every try of one tracker step hangs (the SDK retries reads twice).
    upstream.inject({"operation": "retrieve", "delay": 300, "times": 3})

    def given_up() -> bool:
        assert admin.get(f"/api/videos/{video['id']}").json()["status"] != "failed"
        return not upstream.pending_faults()

    wait_until(given_up, 120, interval=0.1, message="the hung polls were never given up")
    done = wait_for_status(admin, video["id"], {"completed", "failed"}, 90)
    assert done["status"] == "completed"


def test_insufficient_quota_fails_readably_without_a_retry(
    admin: httpx.Client, upstream: Upstream
) -> None:
    requests_before = upstream.stats()["requests"]
    upstream.inject(
        {
            "operation": "create",
            "status": 429,
            "code": "insufficient_quota",
            "message": "You exceeded your current quota, please check your plan.",
        }
    )
    video = create(admin, "no credit")
    assert video["status"] == "failed"
    assert "insufficient_quota" in video["error_message"]
    assert "You exceeded your current quota" in video["error_message"]
    time.sleep(1)
    assert upstream.stats()["requests"] == requests_before + 1  # the one refused create
    assert jobs_for(upstream, "no credit") == []


@pytest.mark.parametrize("fault", [{"drop": True}, {"delay": 300}], ids=["dropped", "hung"])
def test_a_create_of_unknown_outcome_is_matched_not_repeated(
    admin: httpx.Client, upstream: Upstream, fault: dict[str, Any]
) -> None:
    prompt = f"made once ({next(iter(fault))})"
    upstream.inject({"operation": "create", **fault})
    video = create(admin, prompt)
    assert video["status"] == "queued" and video["openai_video_id"] is None
    done = wait_for_status(admin, video["id"], {"completed", "failed"}, 90)
    assert done["status"] == "completed"
    (job,) = jobs_for(upstream, prompt)
    assert done["openai_video_id"] == job["id"]
