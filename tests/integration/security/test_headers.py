"""Security headers on every response; HSTS only over TLS; /api/docs with its own CSP, or off."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from tests.support.attack import completed, create_video
from tests.support.server import LiveServer

EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


pytestmark = [pytest.mark.backends("sqlite"), pytest.mark.shared_server]


def assert_protected(response: httpx.Response) -> None:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (response.url, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # plain HTTP


def test_api_answers_and_errors_carry_the_headers_and_are_never_cached(
    admin: httpx.Client,
) -> None:
    answers = [
        admin.get("/api/videos"),
        admin.get("/api/videos/nope"),
        admin.patch("/api/videos"),
        admin.get("/api/nothing-here"),
        admin.get("/health"),
        admin.post(
            "/api/videos/x/remix", content=b"{", headers={"content-type": "application/json"}
        ),
        httpx.get(f"{str(admin.base_url).rstrip('/')}/api/videos"),  # 401
    ]
    assert [a.status_code for a in answers] == [200, 404, 405, 404, 200, 400, 401]
    for answer in answers:
        assert_protected(answer)
        assert answer.headers["content-security-policy"] == API_CSP
        assert answer.headers["cache-control"] == "no-store"


def test_media_may_be_shown_but_never_run(admin: httpx.Client) -> None:
    video = completed(admin, create_video(admin, "headers on media"))
    for variant in ("video", "thumbnail"):
        response = admin.get(f"/api/videos/{video['id']}/content", params={"variant": variant})
        assert response.status_code == 200
        assert_protected(response)
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "sandbox" in policy
        assert "script-src" not in policy


def test_the_web_ui_keeps_its_own_policy_and_still_loads(server: LiveServer) -> None:
    with server.client() as browserless:
        page = browserless.get("/")
        assert page.status_code == 200
        assert_protected(page)
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text)
        assert assets, page.text
        for asset in assets:
            response = browserless.get(asset)
            assert response.status_code == 200, asset
            assert_protected(response)
        assert browserless.get("/videos/some-client-route").status_code == 200


def test_the_docs_page_allows_exactly_its_inline_script(admin: httpx.Client) -> None:
    page = admin.get("/api/docs")
    assert page.status_code == 200
    assert_protected(page)
    policy = page.headers["content-security-policy"]
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert admin.get("/api/openapi.json").status_code == 200


def test_hsts_only_when_the_request_came_over_tls(admin: httpx.Client) -> None:
    # The test server trusts X-Forwarded-Proto from 127.0.0.1 (SORA2_FORWARDED_ALLOW_IPS).
    over_tls = admin.get("/api/videos", headers={"X-Forwarded-Proto": "https"})
    assert over_tls.headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in admin.get("/api/videos").headers


@pytest.mark.server_settings(api_docs=False)
def test_the_docs_can_be_switched_off(server: LiveServer) -> None:
    with server.client() as client:
        for path in ("/api/docs", "/api/openapi.json", "/api/redoc"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"error": "not found"}
        assert client.get("/health").status_code == 200
