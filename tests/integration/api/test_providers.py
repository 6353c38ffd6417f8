"""Several providers behind one API: Veo (real SDK, fake Google) beside the simulator.

Each test runs a real server on SQLite and PostgreSQL, with `SORA2_GOOGLE_API_KEY` pointing the
`veo` provider at a fake of Google's endpoints over loopback HTTP.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import ADMIN_PASSWORD
from tests.support.exposure import sqlite_server
from tests.support.fake_veo import API_KEY, FakeVeo, serve_fake_veo
from tests.support.server import LiveServer, live_server, wait_for_status

DONE = {"completed", "failed"}


@pytest.fixture
def veo() -> Iterator[tuple[FakeVeo, str]]:
    with serve_fake_veo(job_seconds=0.5) as running:
        yield running


def _veo_settings(veo: tuple[FakeVeo, str], **overrides: Any) -> dict[str, Any]:
    return {"google_api_key": API_KEY, "google_base_url": veo[1], **overrides}


@pytest.fixture
def server_settings(veo: tuple[FakeVeo, str]) -> dict[str, Any]:
    """The module's servers have the `veo` provider beside the simulator."""
    return _veo_settings(veo, google_max_concurrent=2)


def _create(client: httpx.Client, **fields: str) -> dict[str, Any]:
    response = client.post("/api/videos", data=fields)
    assert response.status_code == 201, response.text
    video: dict[str, Any] = response.json()
    return video


def test_models_list_only_the_providers_configured(admin: httpx.Client, tmp_path: Path) -> None:
    # A server of its own without a Google key, beside this module's.
    with (
        sqlite_server(tmp_path / "plain") as plain,
        plain.client(plain.admin_token()) as plain_admin,
    ):
        plain_models = [model["id"] for model in plain_admin.get("/api/models").json()["models"]]
        refused = plain_admin.post("/api/videos", data={"prompt": "x", "model": "veo-3.1"})
    assert plain_models == ["sora-2", "sora-2-pro"]
    with_veo = {model["id"]: model for model in admin.get("/api/models").json()["models"]}
    assert list(with_veo) == ["sora-2", "sora-2-pro", "veo-3.1", "veo-3.1-fast"]
    assert with_veo["veo-3.1"]["provider"] == "veo"
    assert with_veo["veo-3.1"]["seconds"] == ["4", "6", "8"]
    assert refused.status_code == 400
    assert refused.json()["error"] == "unknown model 'veo-3.1'; choose one of: sora-2, sora-2-pro"


def test_a_veo_video_is_made_remixed_and_continued(
    admin: httpx.Client, veo: tuple[FakeVeo, str]
) -> None:
    fake, _ = veo
    video = _create(admin, prompt="a kite over the dunes", model="veo-3.1", seconds="4")
    assert video["openai_video_id"].startswith("publishers/google/models/veo-3.1-generate-001/")
    assert video["estimated_cost"] == pytest.approx(1.6) and video["cost"] is None
    done = wait_for_status(admin, video["id"], DONE)
    assert done["status"] == "completed", done["error_message"]
    assert done["cost"] == pytest.approx(1.6)

    mp4 = admin.get(f"/api/videos/{video['id']}/content")
    assert mp4.headers["content-type"] == "video/mp4" and mp4.content[4:8] == b"ftyp"
    # Veo sends only the MP4: the stills were made here.
    thumbnail = admin.get(f"/api/videos/{video['id']}/content", params={"variant": "thumbnail"})
    assert thumbnail.headers["content-type"] == "image/webp"
    sheet = admin.get(f"/api/videos/{video['id']}/content", params={"variant": "spritesheet"})
    with Image.open(io.BytesIO(sheet.content)) as image:
        assert image.format == "JPEG"

    # Veo cannot remix: a new job from both prompts, and the video says so.
    remix = admin.post(f"/api/videos/{video['id']}/remix", json={"prompt": "at night"})
    assert remix.status_code == 201, remix.text
    assert remix.json()["remix_strategy"] == "reprompt"
    assert remix.json()["remixed_from"] == video["id"]
    assert remix.json()["prompt"] == (
        "a kite over the dunes\n\nSame scene, with this change: at night"
    )
    assert fake.requests[-1]["instances"][0]["prompt"] == remix.json()["prompt"]

    # Continue: the last frame of the first video is the first frame of the next one.
    follow = admin.post(
        f"/api/videos/{video['id']}/continue",
        json={"prompt": "the kite lands", "model": "veo-3.1-fast", "seconds": "6"},
    )
    assert follow.status_code == 201, follow.text
    assert follow.json()["continued_from"] == video["id"]
    assert (follow.json()["model"], follow.json()["seconds"]) == ("veo-3.1-fast", "6")
    sent = fake.requests[-1]["instances"][0]
    assert sent["prompt"] == "the kite lands" and sent["image"]["mimeType"] == "image/png"
    for made in (remix.json(), follow.json()):
        assert wait_for_status(admin, made["id"], DONE)["status"] == "completed"


def test_continue_needs_a_model_that_takes_an_image_and_a_finished_video(
    admin: httpx.Client,
) -> None:
    video = _create(admin, prompt="not yet", model="veo-3.1", seconds="4")
    early = admin.post(f"/api/videos/{video['id']}/continue", json={"prompt": "more"})
    assert early.status_code == 409
    assert early.json()["error"].startswith("only a completed video can be continued")
    wait_for_status(admin, video["id"], DONE)
    wrong = admin.post(
        f"/api/videos/{video['id']}/continue", json={"prompt": "more", "seconds": "12"}
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"].startswith("seconds '12' is not available for veo-3.1")


def test_ten_jobs_under_a_limit_of_two_never_exceed_it_and_keep_their_order(
    admin: httpx.Client, veo: tuple[FakeVeo, str]
) -> None:
    fake, _ = veo
    made = [_create(admin, prompt=f"job {n}", model="veo-3.1-fast", seconds="4") for n in range(10)]
    # Beyond the limit, the create answers at once, with no provider id yet.
    assert [video["openai_video_id"] is None for video in made] == [False] * 2 + [True] * 8
    done = [wait_for_status(admin, video["id"], DONE, timeout=120) for video in made]
    assert [video["status"] for video in done] == ["completed"] * 10
    assert fake.creates == 10 and fake.peak_running <= 2
    assert [body["instances"][0]["prompt"] for body in fake.requests] == [
        f"job {n}" for n in range(10)
    ]


def test_a_catalogue_file_can_remap_sora_2_to_veo(
    database_url: str, tmp_path: Path, veo: tuple[FakeVeo, str]
) -> None:
    models = tmp_path / "models.toml"
    models.write_text(
        '[models."sora-2"]\nprovider = "veo"\nprovider_model = "veo-3.1-fast-generate-001"\n'
        'sizes = ["1280x720", "720x1280"]\nseconds = [4, 8]\nremix = "reprompt"\n'
        "price_per_second = 0.15\n"
    )
    settings = _veo_settings(veo, models_file=models)
    with (
        live_server(tmp_path / "data", database_url, **settings) as server,
        server.client(server.login("admin", ADMIN_PASSWORD)) as client,
    ):
        # The guide's client: form fields, model sora-2, seconds as a string.
        video = _create(client, prompt="a guide client", model="sora-2", seconds="8")
        assert video["model"] == "sora-2"
        assert video["openai_video_id"].startswith(
            "publishers/google/models/veo-3.1-fast-generate-001/operations/"
        )
        assert video["estimated_cost"] == pytest.approx(1.2)
        assert wait_for_status(client, video["id"], DONE)["status"] == "completed"
        assert veo[0].creates == 1


@pytest.mark.server_settings(
    google_max_concurrent=0, user_max_active_videos=2, user_daily_spend_limit=1.5
)
def test_per_user_limits_answer_429_and_costs_add_up(
    server: LiveServer, admin: httpx.Client
) -> None:
    fast = {"model": "veo-3.1-fast", "seconds": "4"}  # $0.60 each
    password = "pw-limits-user"
    created = admin.post("/api/users", json={"username": "bob", "password": password})
    assert created.status_code == 201
    with server.client(server.login("bob", password)) as bob:
        first = _create(bob, prompt="one", **fast)
        second = _create(bob, prompt="two", **fast)
        busy = bob.post("/api/videos", data={"prompt": "three", **fast})
        assert busy.status_code == 429
        assert busy.json()["error"] == (
            "you already have 2 videos queued or in progress (the limit); wait for one to finish"
        )
        assert int(busy.headers["retry-after"]) > 0
        for video in (first, second):
            assert wait_for_status(bob, video["id"], DONE)["status"] == "completed"
        broke = bob.post("/api/videos", data={"prompt": "three", **fast})
        assert broke.status_code == 429
        assert broke.json()["error"].startswith(
            "daily spending limit reached: $1.20 of $1.50 used today, and this video "
            "would cost $0.60"
        )
        assert 0 < int(broke.headers["retry-after"]) <= 86_400

        mine = bob.get("/api/videos/stats/costs").json()
        assert mine["user_total"] == pytest.approx(1.2) and mine["user_count"] == 2
        assert (mine["platform_total"], mine["platform_count"]) == (None, None)
        assert [(day["total"], day["count"]) for day in mine["days"]] == [(1.2, 2)]
    _create(admin, prompt="the admin's own", **fast)
    everyone = admin.get("/api/videos/stats/costs", params={"days": 7}).json()
    assert (everyone["user_total"], everyone["user_count"]) == (0.6, 1)
    assert everyone["platform_total"] == pytest.approx(1.8)
    assert everyone["platform_count"] == 3
    assert admin.get("/api/videos/stats/costs", params={"days": 0}).status_code == 400
