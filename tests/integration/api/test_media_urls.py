"""Signed media URLs over real HTTP, on both databases: what a `<video>` or `<img>` may load."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, UserFactory
from tests.integration.api.test_videos import DONE, create
from tests.support.server import LiveServer, live_server, wait_for_status

pytestmark = pytest.mark.shared_server


def completed_video(client: httpx.Client, **fields: str) -> dict[str, Any]:
    video = create(client, **fields).json()
    done = wait_for_status(client, video["id"], DONE)
    assert done["status"] == "completed"
    return done


def media_url(client: httpx.Client, video_id: str, variant: str | None = None) -> dict[str, Any]:
    params = {"variant": variant} if variant else {}
    response = client.get(f"/api/videos/{video_id}/media-url", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def anonymous(server: LiveServer) -> httpx.Client:
    return server.client()  # no Authorization header: what a media element sends


def reforged(url: str, **changes: Any) -> str:
    """The same signature over a different payload: what an attacker can make."""
    token = url.rsplit("/", 1)[1]
    body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(changes)
    raw = json.dumps(claims, separators=(",", ":")).encode()
    forged = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return f"/api/media/{forged}.{signature}"


def assert_refused(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert message in response.json()["error"]


def test_a_signed_url_serves_the_file_with_ranges_and_no_bearer(
    admin: httpx.Client, server: LiveServer
) -> None:
    video = completed_video(admin)
    link = media_url(admin, video["id"])
    assert link["url"].startswith("/api/media/")
    assert admin.headers["authorization"].split()[1] not in link["url"]
    assert time.time() + 800 < link["expires_at"] <= time.time() + 901
    whole = admin.get(f"/api/videos/{video['id']}/content").content

    with anonymous(server) as browser:
        full = browser.get(link["url"])
        assert full.status_code == 200
        assert full.headers["content-type"] == "video/mp4"
        assert full.headers["accept-ranges"] == "bytes"
        assert "content-disposition" not in full.headers  # plays inline
        assert full.content == whole
        part = browser.get(link["url"], headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 1000-1999/{len(whole)}"
        assert part.content == whole[1000:2000]
        head = browser.head(link["url"])
        assert head.status_code == 200 and head.headers["content-length"] == str(len(whole))
        saved = browser.get(link["url"], params={"download": "true"})
        assert saved.headers["content-disposition"] == f'attachment; filename="{video["id"]}.mp4"'

        for variant, media_type in [("thumbnail", "image/webp"), ("spritesheet", "image/jpeg")]:
            response = browser.get(media_url(admin, video["id"], variant)["url"])
            assert response.status_code == 200
            assert response.headers["content-type"] == media_type


def test_asking_for_a_url_follows_the_content_rules(
    admin: httpx.Client, server: LiveServer, make_user: UserFactory
) -> None:
    video = completed_video(admin)
    bob = make_user()
    assert_refused(bob.get(f"/api/videos/{video['id']}/media-url"), 404, "video not found")
    with anonymous(server) as browser:
        assert browser.get(f"/api/videos/{video['id']}/media-url").status_code == 401
    bad = admin.get(f"/api/videos/{video['id']}/media-url", params={"variant": "gif"})
    assert_refused(bad, 400, "variant must be one of")
    pending = create(admin).json()
    assert_refused(admin.get(f"/api/videos/{pending['id']}/media-url"), 409, "not ready")


def test_tampered_and_foreign_tokens_are_403(admin: httpx.Client, server: LiveServer) -> None:
    video = completed_video(admin)
    url = media_url(admin, video["id"], "thumbnail")["url"]
    login_token = admin.headers["authorization"].split()[1]
    with anonymous(server) as browser:
        assert browser.get(url).status_code == 200
        forged = [
            reforged(url, a="video"),  # another variant of the same video
            reforged(url, e=int(time.time()) + 10**6),  # a longer life
            reforged(url, t=0, a="spritesheet"),
            url[:-2] + ("AA" if not url.endswith("AA") else "BB"),  # another signature
            url + "x",
            "/api/media/not-a-token",
            "/api/media/" + login_token,
        ]
        for bad in forged:
            assert_refused(browser.get(bad), 403, "invalid media link")
    # A media token is no login token either.
    with server.client(url.rsplit("/", 1)[1]) as impostor:
        assert impostor.get("/api/videos").status_code == 401


def test_a_deleted_video_is_404(admin: httpx.Client, server: LiveServer) -> None:
    video = completed_video(admin)
    url = media_url(admin, video["id"])["url"]
    assert admin.delete(f"/api/videos/{video['id']}").status_code == 200
    with anonymous(server) as browser:
        assert_refused(browser.get(url), 404, "video not found")


@pytest.mark.own_server  # changes the admin's password
def test_a_password_change_revokes_every_link(
    admin: httpx.Client, server: LiveServer, make_user: UserFactory
) -> None:
    carol = make_user()
    carol_id = carol.get("/api/auth/me").json()["id"]
    video = completed_video(admin)
    url = media_url(admin, video["id"])["url"]
    # An admin's reset of somebody's password revokes their links too.
    own = completed_video(carol)
    link = media_url(carol, own["id"], "thumbnail")["url"]
    reset = admin.put(f"/api/users/{carol_id}/password", json={"password": "reset-by-the-admin"})
    assert reset.status_code == 204
    changed = admin.post(
        "/api/auth/password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "a-much-longer-password"},
    )
    assert changed.status_code == 200, changed.text

    with anonymous(server) as browser:
        assert_refused(browser.get(link), 403, "revoked")
        assert_refused(browser.get(url), 403, "revoked")
        with server.client(changed.json()["token"]) as again:
            assert browser.get(media_url(again, video["id"])["url"]).status_code == 200


@pytest.mark.own_server
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_expired_link_is_403(database_url: str, tmp_path: Path) -> None:
    with live_server(tmp_path / "data", database_url, media_url_ttl_seconds=2) as server:
        with server.client(server.login("admin", ADMIN_PASSWORD)) as admin:
            video = completed_video(admin, seconds="4")
            link = media_url(admin, video["id"], "thumbnail")
        with anonymous(server) as browser:
            assert browser.get(link["url"]).status_code == 200
            time.sleep(max(0.0, link["expires_at"] - time.time()) + 0.05)
            assert_refused(browser.get(link["url"]), 403, "expired")
