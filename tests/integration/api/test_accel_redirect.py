"""SORA2_ACCEL_REDIRECT_PREFIX: downloads are authorised by the platform, served by nginx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.api.test_media_urls import completed_video, media_url
from tests.support.nginx import nginx_path, running_nginx
from tests.support.server import LiveServer

PREFIX = "/_protected"


pytestmark = [
    pytest.mark.shared_server,
    pytest.mark.server_settings(accel_redirect_prefix=PREFIX + "/"),
]


def stored_file(server: LiveServer, redirect: str) -> Path:
    key = redirect.removeprefix(PREFIX + "/")
    return Path(server.settings.data_dir) / "media" / key


def test_content_answers_with_an_accel_redirect_to_the_stored_file(
    server: LiveServer, admin: httpx.Client
) -> None:
    video = completed_video(admin)
    response = admin.get(f"/api/videos/{video['id']}/content")
    assert response.status_code == 200
    assert response.content == b""
    redirect = response.headers["x-accel-redirect"]
    assert redirect.startswith(PREFIX + "/") and ".." not in redirect
    assert stored_file(server, redirect).is_file()
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-disposition"] == f'attachment; filename="{video["id"]}.mp4"'

    thumbnail = admin.get(f"/api/videos/{video['id']}/content", params={"variant": "thumbnail"})
    assert thumbnail.headers["content-type"] == "image/webp"
    assert thumbnail.headers["x-accel-redirect"].endswith(".webp")

    # The signed media links take the same road, without an attachment name.
    link = admin.get(media_url(admin, video["id"])["url"])
    assert link.status_code == 200 and link.headers["x-accel-redirect"] == redirect
    assert "content-disposition" not in link.headers


def test_no_redirect_without_authorisation(server: LiveServer, admin: httpx.Client) -> None:
    video = completed_video(admin)
    with server.client() as anonymous:
        response = anonymous.get(f"/api/videos/{video['id']}/content")
    assert response.status_code == 401
    assert "x-accel-redirect" not in response.headers
    with server.client("not-a-token") as forged:
        response = forged.get(f"/api/videos/{video['id']}/content")
    assert response.status_code == 401 and "x-accel-redirect" not in response.headers


def test_a_bad_prefix_is_refused(tmp_path: Path) -> None:
    from sora2.config import Settings

    for bad in ("_protected", "/a b", "/x?y"):
        with pytest.raises(ValueError, match="SORA2_ACCEL_REDIRECT_PREFIX"):
            Settings(_env_file=None, data_dir=tmp_path, accel_redirect_prefix=bad)  # type: ignore[call-arg]


def nginx_front(server: LiveServer) -> str:
    media = Path(server.settings.data_dir).resolve() / "media"
    return f"""
        location {PREFIX}/ {{
            internal;
            alias {media}/;
        }}
        location / {{
            proxy_pass {server.url};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
        }}
"""


@pytest.mark.skipif(nginx_path() is None, reason="nginx is not installed (make bench installs it)")
def test_a_real_nginx_serves_the_bytes_with_ranges(
    server: LiveServer, admin: httpx.Client, tmp_path: Path
) -> None:
    video = completed_video(admin)
    path = f"/api/videos/{video['id']}/content"
    redirect = admin.get(path).headers["x-accel-redirect"]
    expected = stored_file(server, redirect).read_bytes()
    token = admin.headers["authorization"]
    with running_nginx(tmp_path / "nginx", nginx_front(server)) as url:
        headers: dict[str, Any] = {"Authorization": token}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            full = client.get(path)
            assert full.status_code == 200 and full.content == expected
            assert full.headers["content-type"] == "video/mp4"
            assert "attachment" in full.headers["content-disposition"]
            part = client.get(path, headers={"Range": "bytes=100-199"})
            assert part.status_code == 206 and part.content == expected[100:200]
            past = client.get(path, headers={"Range": f"bytes={len(expected)}-"})
            assert past.status_code == 416
            assert client.get(path, headers={"Authorization": ""}).status_code == 401
            assert client.get(redirect).status_code == 404  # internal: never reachable directly
