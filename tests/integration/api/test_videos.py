"""The videos API over real HTTP, on both databases, with the built-in simulator."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.conftest import UserFactory
from tests.support.server import LiveServer, wait_for_status

pytestmark = pytest.mark.shared_server

DONE = {"completed", "failed"}
GUIDE_FIELDS = {
    "id", "user_id", "openai_video_id", "prompt", "model", "size", "seconds", "status",
    "progress", "created_at", "completed_at", "expires_at", "error_message", "remixed_from",
}  # fmt: skip


def png(width: int = 64, height: int = 48, color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def create(client: httpx.Client, **fields: str) -> httpx.Response:
    data = {"prompt": "A cat riding a motorcycle through a neon city", "seconds": "4", **fields}
    return client.post("/api/videos", files={k: (None, v) for k, v in data.items()})


def test_create_returns_201_with_every_guide_field(admin: httpx.Client) -> None:
    response = create(admin, model="sora-2", size="1280x720", seconds="8")
    assert response.status_code == 201
    video = response.json()
    assert set(video) >= GUIDE_FIELDS
    assert video["status"] in {"queued", "in_progress"}
    assert video["seconds"] == "8" and video["model"] == "sora-2" and video["size"] == "1280x720"
    assert video["openai_video_id"].startswith("video_")
    assert isinstance(video["created_at"], int) and video["progress"] >= 0
    assert len(video["id"]) == 36 and video["remixed_from"] is None


def test_defaults_follow_the_guide(admin: httpx.Client) -> None:
    response = admin.post("/api/videos", files={"prompt": (None, "Just a prompt")})
    assert response.status_code == 201, response.text
    video = response.json()
    assert (video["model"], video["size"], video["seconds"]) == ("sora-2", "1280x720", "8")


def test_form_urlencoded_create_is_accepted(admin: httpx.Client) -> None:
    response = admin.post(
        "/api/videos",
        data={"prompt": "Sent like requests' data=", "model": "sora-2-pro", "seconds": "4"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["model"] == "sora-2-pro"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prompt": "   "}, "prompt must not be empty"),
        ({"model": "sora-3"}, "unknown model"),
        ({"size": "1792x1024"}, "size '1792x1024' is not available for sora-2"),
        ({"size": "640x480", "model": "sora-2-pro"}, "not available for sora-2-pro"),
        ({"seconds": "5"}, "seconds '5' is not available"),
    ],
)
def test_invalid_input_is_400_with_a_clear_error(
    admin: httpx.Client, fields: dict[str, str], message: str
) -> None:
    response = create(admin, **fields)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_missing_prompt_is_400(admin: httpx.Client) -> None:
    response = admin.post("/api/videos", data={"model": "sora-2"})
    assert response.status_code == 400
    assert response.json() == {"error": "prompt is required"}


def test_pro_sizes_are_allowed_for_pro(admin: httpx.Client) -> None:
    response = create(admin, model="sora-2-pro", size="1024x1792")
    assert response.status_code == 201, response.text


def test_video_completes_and_all_variants_download(admin: httpx.Client) -> None:
    video = create(admin).json()
    done = wait_for_status(admin, video["id"], DONE)
    assert done["status"] == "completed" and done["progress"] == 100
    assert done["completed_at"] >= done["created_at"]
    for variant, media_type, magic in [
        (None, "video/mp4", b"ftyp"),
        ("video", "video/mp4", b"ftyp"),
        ("thumbnail", "image/webp", b"WEBP"),
        ("spritesheet", "image/jpeg", b"\xff\xd8\xff"),
    ]:
        params = {"variant": variant} if variant else {}
        response = admin.get(f"/api/videos/{video['id']}/content", params=params)
        assert response.status_code == 200
        assert response.headers["content-type"] == media_type
        assert magic in response.content[:16]
        assert response.headers["accept-ranges"] == "bytes"


def test_content_before_completion_is_409(admin: httpx.Client) -> None:
    video = create(admin).json()
    response = admin.get(f"/api/videos/{video['id']}/content")
    assert response.status_code == 409
    assert "not ready" in response.json()["error"]


def test_unknown_variant_is_400(admin: httpx.Client) -> None:
    video = create(admin).json()
    response = admin.get(f"/api/videos/{video['id']}/content", params={"variant": "gif"})
    assert response.status_code == 400
    assert "variant must be one of" in response.json()["error"]


def test_range_requests_let_players_seek(admin: httpx.Client) -> None:
    video = create(admin).json()
    wait_for_status(admin, video["id"], DONE)
    url = f"/api/videos/{video['id']}/content"
    whole = admin.get(url).content
    size = len(whole)
    part = admin.get(url, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1123/{size}"
    assert part.content == whole[100:1124]
    tail = admin.get(url, headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == whole[-500:]
    beyond = admin.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    stale = admin.get(url, headers={"Range": "bytes=0-9", "If-Range": '"not-the-etag"'})
    assert stale.status_code == 200 and stale.content == whole


def test_failed_generation_has_a_readable_reason(admin: httpx.Client) -> None:
    video = create(admin, prompt="Something forbidden [fail]").json()
    done = wait_for_status(admin, video["id"], DONE)
    assert done["status"] == "failed"
    assert done["error_message"] and "moderation" in done["error_message"].lower()
    response = admin.get(f"/api/videos/{video['id']}/content")
    assert response.status_code == 409


def test_remix_of_a_completed_video(admin: httpx.Client) -> None:
    source = create(admin).json()
    early = admin.post(f"/api/videos/{source['id']}/remix", json={"prompt": "Make it red"})
    assert early.status_code == 409
    wait_for_status(admin, source["id"], DONE)
    response = admin.post(f"/api/videos/{source['id']}/remix", json={"prompt": "Make it red"})
    assert response.status_code == 201, response.text
    remix = response.json()
    assert remix["remixed_from"] == source["id"]
    assert remix["prompt"] == "Make it red" and remix["size"] == source["size"]
    assert wait_for_status(admin, remix["id"], DONE)["status"] == "completed"


def test_remix_needs_a_prompt(admin: httpx.Client) -> None:
    video = create(admin).json()
    response = admin.post(f"/api/videos/{video['id']}/remix", json={})
    assert response.status_code == 400
    assert response.json() == {"error": "prompt is required"}


def test_delete_removes_row_files_and_upstream(admin: httpx.Client, server: LiveServer) -> None:
    video = create(admin).json()
    wait_for_status(admin, video["id"], DONE)
    media = server.settings.data_dir / "media" / "videos" / video["id"]
    assert media.is_dir()
    response = admin.delete(f"/api/videos/{video['id']}")
    assert response.status_code == 200
    assert admin.get(f"/api/videos/{video['id']}").status_code == 404
    assert not media.exists()
    simulator = server.container.simulator
    upstream = httpx.get(
        f"{simulator.base_url}/videos/{video['openai_video_id']}",
        headers={"Authorization": f"Bearer {simulator.api_key}"},
    )
    assert upstream.status_code == 404
    assert admin.delete(f"/api/videos/{video['id']}").status_code == 404


def test_list_is_newest_first_with_paging(admin: httpx.Client) -> None:
    ids = [create(admin, prompt=f"video {n}").json()["id"] for n in range(3)]
    page = admin.get("/api/videos", params={"limit": 2, "offset": 0}).json()
    assert page["limit"] == 2 and page["offset"] == 0
    assert [v["id"] for v in page["videos"]] == ids[::-1][:2]
    rest = admin.get("/api/videos", params={"limit": 2, "offset": 2}).json()
    assert [v["id"] for v in rest["videos"]] == ids[:1]
    default = admin.get("/api/videos").json()
    assert default["limit"] == 50 and default["offset"] == 0 and len(default["videos"]) == 3


def test_list_limit_is_capped_and_checked(admin: httpx.Client) -> None:
    assert admin.get("/api/videos", params={"limit": 10_000}).json()["limit"] == 100
    assert admin.get("/api/videos", params={"limit": 0}).status_code == 400
    assert admin.get("/api/videos", params={"offset": -1}).status_code == 400
    assert admin.get("/api/videos", params={"limit": "many"}).status_code == 400


def test_unknown_and_malformed_ids_are_404(admin: httpx.Client) -> None:
    for video_id in ["550e8400-e29b-41d4-a716-446655440000", "not-a-uuid"]:
        response = admin.get(f"/api/videos/{video_id}")
        assert response.status_code == 404
        assert response.json() == {"error": "video not found"}


def test_reference_image_is_accepted_by_content(admin: httpx.Client, server: LiveServer) -> None:
    response = admin.post(
        "/api/videos",
        data={"prompt": "From this frame", "size": "720x1280", "seconds": "4"},
        files={"input_reference": ("../../etc/passwd.png", png(), "image/png")},
    )
    assert response.status_code == 201, response.text
    video = response.json()
    stored = server.settings.data_dir / "media" / "videos" / video["id"] / "reference.png"
    with Image.open(stored) as image:
        assert image.size == (720, 1280)
    assert not (server.settings.data_dir / "etc").exists()
    assert wait_for_status(admin, video["id"], DONE)["status"] == "completed"


@pytest.mark.parametrize(
    "payload",
    [b"GIF89a" + b"\x00" * 100, b"just some text", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10],
)
def test_bad_images_are_400(admin: httpx.Client, payload: bytes) -> None:
    response = admin.post(
        "/api/videos",
        data={"prompt": "From this frame"},
        files={"input_reference": ("frame.png", payload, "image/png")},
    )
    assert response.status_code == 400
    assert "input_reference" in response.json()["error"]


def test_oversize_upload_is_413(admin: httpx.Client) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024 + 10)
    response = admin.post(
        "/api/videos",
        data={"prompt": "From this frame"},
        files={"input_reference": ("frame.png", big, "image/png")},
    )
    assert response.status_code == 413
    assert "larger than 10 MiB" in response.json()["error"]


def test_models_lists_the_catalogue(admin: httpx.Client) -> None:
    models = {m["id"]: m for m in admin.get("/api/models").json()["models"]}
    assert set(models) == {"sora-2", "sora-2-pro"}
    assert models["sora-2"]["sizes"] == ["720x1280", "1280x720"]
    assert set(models["sora-2-pro"]["sizes"]) >= {"1024x1792", "1792x1024"}
    assert models["sora-2"]["seconds"] == ["4", "8", "12"]
    assert models["sora-2"]["default_size"] == "1280x720"
    assert models["sora-2-pro"]["price_per_second"]["1280x720"] > 0


def test_another_users_videos_are_invisible_on_every_route(
    admin: httpx.Client, make_user: UserFactory
) -> None:
    video = create(admin).json()
    wait_for_status(admin, video["id"], DONE)
    bob = make_user()
    vid = video["id"]
    for method, path, kwargs in [
        ("GET", f"/api/videos/{vid}", {}),
        ("GET", f"/api/videos/{vid}/content", {}),
        ("GET", f"/api/videos/{vid}/content?variant=thumbnail", {}),
        ("HEAD", f"/api/videos/{vid}/content", {}),
        ("POST", f"/api/videos/{vid}/remix", {"json": {"prompt": "mine now"}}),
        ("DELETE", f"/api/videos/{vid}", {}),
    ]:
        response = bob.request(method, path, **kwargs)
        assert response.status_code == 404, (method, path)
        if method != "HEAD":
            assert response.json() == {"error": "video not found"}
    assert bob.get("/api/videos").json()["videos"] == []
    assert admin.get(f"/api/videos/{vid}").json()["status"] == "completed"
    assert admin.get(f"/api/videos/{vid}/content").status_code == 200
