"""The simulator's wire format, checked with a plain HTTP client (what a non-SDK caller sees)."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from sora2.providers.simulator import RunningSimulator, build_simulator_app, start_in_process

API_KEY = "sk-simulator-test-key"  # the same as conftest's


@pytest.fixture
async def http(simulator: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=simulator.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
    ) as client:
        yield client


def assert_openai_error(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str)
    assert error["message"]
    return dict(error)


async def wait_completed(http: httpx.AsyncClient, video_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        video = (await http.get(f"/videos/{video_id}")).json()
        if video["status"] == "completed":
            return dict(video)
        await asyncio.sleep(0.05)
    raise AssertionError("never completed")


async def test_json_create_with_defaults_and_the_poll_hint(http: httpx.AsyncClient) -> None:
    response = await http.post("/videos", json={"prompt": "[fail] json body"})
    assert response.status_code == 200
    video = response.json()
    assert video["object"] == "video"
    assert (video["model"], video["seconds"], video["size"]) == ("sora-2", "4", "720x1280")
    assert video["status"] == "queued"
    assert video["progress"] == 0
    assert video["error"] is None
    assert video["remixed_from_video_id"] is None
    assert isinstance(video["created_at"], int)
    retrieved = await http.get(f"/videos/{video['id']}")
    assert int(retrieved.headers["openai-poll-after-ms"]) >= 100
    assert retrieved.headers["x-request-id"].startswith("req_")


async def test_multipart_and_urlencoded_forms_are_accepted(http: httpx.AsyncClient) -> None:
    form = {"prompt": "[fail] urlencoded", "seconds": "8", "size": "1280x720"}
    urlencoded = await http.post("/videos", data=form)
    assert urlencoded.status_code == 200, urlencoded.text
    assert urlencoded.json()["seconds"] == "8"
    buffer = io.BytesIO()
    Image.new("RGB", (72, 128), "white").save(buffer, format="JPEG")
    multipart = await http.post(
        "/videos",
        data={"prompt": "[fail] multipart", "model": "sora-2-pro", "size": "1792x1024"},
        files={"input_reference": ("ref.jpg", buffer.getvalue(), "image/jpeg")},
    )
    assert multipart.status_code == 200, multipart.text
    assert (multipart.json()["model"], multipart.json()["size"]) == ("sora-2-pro", "1792x1024")


async def test_json_input_reference_as_a_data_url(http: httpx.AsyncClient) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(buffer, format="WEBP")
    url = "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()
    ok = await http.post(
        "/videos", json={"prompt": "[fail] data url", "input_reference": {"image_url": url}}
    )
    assert ok.status_code == 200, ok.text
    remote = await http.post(
        "/videos",
        json={"prompt": "x", "input_reference": {"image_url": "https://example.com/a.png"}},
    )
    assert assert_openai_error(remote, 400)["param"] == "input_reference"


async def test_validation_errors_name_the_parameter(http: httpx.AsyncClient) -> None:
    missing = assert_openai_error(await http.post("/videos", json={}), 400)
    assert (missing["param"], missing["code"]) == ("prompt", "missing_required_parameter")
    assert missing["type"] == "invalid_request_error"
    model = assert_openai_error(await http.post("/videos", json={"prompt": "x", "model": "m"}), 400)
    assert (model["param"], model["code"]) == ("model", "invalid_value")
    size = assert_openai_error(await http.post("/videos", json={"prompt": "x", "size": "1x1"}), 400)
    assert size["param"] == "size"
    text = await http.post("/videos", content=b"prompt", headers={"content-type": "text/plain"})
    assert_openai_error(text, 400)


async def test_auth_is_required_when_a_key_is_set(simulator: RunningSimulator) -> None:
    async with httpx.AsyncClient(base_url=simulator.base_url) as anonymous:
        missing = assert_openai_error(await anonymous.get("/videos"), 401)
        assert "didn't provide an API key" in str(missing["message"])
        wrong = await anonymous.get("/videos", headers={"Authorization": "Bearer sk-nope-nope"})
        assert assert_openai_error(wrong, 401)["code"] == "invalid_api_key"
        assert "sk-nope-nope" not in wrong.text  # the key is never echoed in full


async def test_unknown_routes_and_ids_answer_in_openai_shape(http: httpx.AsyncClient) -> None:
    route = assert_openai_error(await http.get("/nothing-here"), 404)
    assert route["message"] == "Invalid URL (GET /v1/nothing-here)"
    video = assert_openai_error(await http.get("/videos/video_nope"), 404)
    assert "video_nope" in str(video["message"])
    assert_openai_error(await http.delete("/videos/video_nope"), 404)
    assert_openai_error(await http.get("/videos/video_nope/content"), 404)


async def test_content_before_completion_then_each_variant_type(http: httpx.AsyncClient) -> None:
    video = (await http.post("/videos", json={"prompt": "content", "size": "1280x720"})).json()
    early = assert_openai_error(await http.get(f"/videos/{video['id']}/content"), 400)
    assert early["code"] == "video_not_ready"
    await wait_completed(http, video["id"])
    for variant, media_type in (
        ("video", "video/mp4"),
        ("thumbnail", "image/webp"),
        ("spritesheet", "image/jpeg"),
    ):
        response = await http.get(f"/videos/{video['id']}/content", params={"variant": variant})
        assert response.status_code == 200
        assert response.headers["content-type"] == media_type
        assert int(response.headers["content-length"]) == len(response.content) > 1000
    ranged = await http.get(f"/videos/{video['id']}/content", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206
    assert len(ranged.content) == 100
    bad = await http.get(f"/videos/{video['id']}/content", params={"variant": "gif"})
    assert assert_openai_error(bad, 400)["param"] == "variant"


async def test_list_is_a_cursor_page_in_both_orders(http: httpx.AsyncClient) -> None:
    ids = [
        (await http.post("/videos", json={"prompt": f"[fail] {n}"})).json()["id"] for n in range(5)
    ]
    page = (await http.get("/videos", params={"limit": 2})).json()
    assert page["object"] == "list"
    assert [v["id"] for v in page["data"]] == [ids[4], ids[3]]
    assert (page["first_id"], page["last_id"], page["has_more"]) == (ids[4], ids[3], True)
    rest = (await http.get("/videos", params={"limit": 10, "after": page["last_id"]})).json()
    assert [v["id"] for v in rest["data"]] == [ids[2], ids[1], ids[0]]
    assert rest["has_more"] is False
    ascending = (await http.get("/videos", params={"order": "asc", "after": ids[1]})).json()
    assert [v["id"] for v in ascending["data"]] == ids[2:]
    empty = (await http.get("/videos", params={"after": "video_unknown"})).json()
    assert (empty["data"], empty["first_id"], empty["has_more"]) == ([], None, False)
    assert_openai_error(await http.get("/videos", params={"limit": 101}), 400)
    assert_openai_error(await http.get("/videos", params={"order": "up"}), 400)


async def test_delete_answers_the_deleted_object_in_any_state(http: httpx.AsyncClient) -> None:
    video = (await http.post("/videos", json={"prompt": "delete me while queued"})).json()
    response = await http.delete(f"/videos/{video['id']}")
    assert response.json() == {"id": video["id"], "object": "video.deleted", "deleted": True}


async def test_remix_replays_its_idempotency_key(http: httpx.AsyncClient) -> None:
    video = (await http.post("/videos", json={"prompt": "source"})).json()
    await wait_completed(http, video["id"])
    headers = {"Idempotency-Key": "remix-key"}
    first = await http.post(f"/videos/{video['id']}/remix", json={"prompt": "x"}, headers=headers)
    second = await http.post(f"/videos/{video['id']}/remix", json={"prompt": "x"}, headers=headers)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["remixed_from_video_id"] == video["id"]
    await http.delete(f"/videos/{first.json()['id']}")
    replay = await http.post(f"/videos/{video['id']}/remix", json={"prompt": "x"}, headers=headers)
    assert assert_openai_error(replay, 409)["code"] == "idempotency_key_reused"
    stats = (await http.get("/simulator/stats")).json()
    assert (stats["creates"], stats["remixes"]) == (1, 1)


async def test_zero_job_seconds_without_a_key_completes_as_soon_as_rendered(
    tmp_path: Path,
) -> None:
    app = build_simulator_app(data_dir=tmp_path / "instant", api_key=None, job_seconds=0)
    running = await start_in_process(app)
    try:
        async with httpx.AsyncClient(base_url=running.base_url, timeout=10) as http:
            video = (await http.post("/videos", json={"prompt": "instant"})).json()
            assert video["status"] == "in_progress"  # rendering, not yet on disk
            done = await wait_completed(http, video["id"])
            assert done["progress"] == 100
            assert (await http.get(f"/videos/{video['id']}/content")).status_code == 200
    finally:
        await running.stop()
