"""A misbehaving provider, seen through the platform's REST API: 500, 429 with Retry-After, a
request that hangs, `insufficient_quota`, and a create whose answer is lost after it was made.

The provider is the simulator in its own process, told what to do next over
`/v1/simulator/faults`; the platform is a live server that counts on it. The database backend
plays no part here, so these run on SQLite only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.crashes import SIMULATOR_KEY, Upstream, standalone_simulator
from tests.support.databases import fresh_database_sync
from tests.support.server import live_server, wait_for_status

TIMEOUT = 1.5  # SORA2_OPENAI_TIMEOUT_SECONDS: a hung request gives up after this

# Generous: these wait on real retries, which a loaded CI machine slows down.
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    with standalone_simulator(tmp_path_factory.mktemp("upstream"), job_seconds=0.5) as running:
        yield running


@pytest.fixture
def client(upstream: Upstream, tmp_path: Path) -> Iterator[httpx.Client]:
    upstream_clear(upstream)
    with (
        fresh_database_sync("sqlite", tmp_path) as url,
        live_server(
            tmp_path / "data",
            url,
            openai_base_url=upstream.url,
            openai_api_key=SIMULATOR_KEY,
            openai_timeout_seconds=TIMEOUT,
        ) as server,
        server.client(server.login("admin", "admin")) as logged_in,
    ):
        yield logged_in


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
    client: httpx.Client, upstream: Upstream
) -> None:
    upstream.inject({"operation": "create", "status": 500})
    video = create(client, "five hundred")
    assert video["status"] == "queued" and video["openai_video_id"] is None
    done = wait_for_status(client, video["id"], {"completed", "failed"}, 90)
    assert done["status"] == "completed"
    assert len(jobs_for(upstream, "five hundred")) == 1


def test_a_429_with_retry_after_is_honoured(client: httpx.Client, upstream: Upstream) -> None:
    upstream.inject({"operation": "create", "status": 429, "retry_after": 3})
    started = time.monotonic()
    video = create(client, "slow down")
    assert video["status"] == "queued"
    done = wait_for_status(client, video["id"], {"completed", "failed"}, 90)
    assert done["status"] == "completed"
    # Not asked again before the provider's Retry-After passed.
    first = min(job["created_at"] for job in jobs_for(upstream, "slow down"))
    assert first >= time.time() - (time.monotonic() - started) + 3 - 1  # 1 s: unix seconds
    assert len(jobs_for(upstream, "slow down")) == 1


def test_a_poll_that_hangs_times_out_and_is_retried_later(
    client: httpx.Client, upstream: Upstream
) -> None:
    video = create(client, "hanging poll")
    # Every try of one tracker step hangs (the SDK retries reads twice).
    upstream.inject({"operation": "retrieve", "delay": 300, "times": 3})
    deadline = time.monotonic() + 30
    while upstream.pending_faults():
        assert time.monotonic() < deadline, "the hung polls were never given up"
        assert client.get(f"/api/videos/{video['id']}").json()["status"] != "failed"
        time.sleep(0.1)
    done = wait_for_status(client, video["id"], {"completed", "failed"}, 90)
    assert done["status"] == "completed"


def test_insufficient_quota_fails_readably_without_a_retry(
    client: httpx.Client, upstream: Upstream
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
    video = create(client, "no credit")
    assert video["status"] == "failed"
    assert "insufficient_quota" in video["error_message"]
    assert "You exceeded your current quota" in video["error_message"]
    time.sleep(1)
    assert upstream.stats()["requests"] == requests_before + 1  # the one refused create
    assert jobs_for(upstream, "no credit") == []


@pytest.mark.parametrize("fault", [{"drop": True}, {"delay": 300}], ids=["dropped", "hung"])
def test_a_create_of_unknown_outcome_is_matched_not_repeated(
    client: httpx.Client, upstream: Upstream, fault: dict[str, Any]
) -> None:
    prompt = f"made once ({next(iter(fault))})"
    upstream.inject({"operation": "create", **fault})
    video = create(client, prompt)
    assert video["status"] == "queued" and video["openai_video_id"] is None
    done = wait_for_status(client, video["id"], {"completed", "failed"}, 90)
    assert done["status"] == "completed"
    (job,) = jobs_for(upstream, prompt)
    assert done["openai_video_id"] == job["id"]
