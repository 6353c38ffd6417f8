"""CORS: only SORA2_CORS_ORIGINS (and the server's own origin) may read the API from a page."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.exposure import sqlite_server
from tests.support.server import LiveServer

ALLOWED = "https://app.example.com"
FOREIGN = "https://evil.example.com"


pytestmark = [
    pytest.mark.backends("sqlite"),
    pytest.mark.shared_server,
    pytest.mark.server_settings(cors_origins=ALLOWED),
]


def preflight(client: httpx.Client, origin: str, path: str = "/api/videos") -> httpx.Response:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_a_listed_origin_gets_its_preflight_answered(admin: httpx.Client) -> None:
    response = preflight(admin, ALLOWED)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_a_foreign_origin_gets_no_preflight(admin: httpx.Client) -> None:
    response = preflight(admin, FOREIGN)
    assert response.status_code == 403
    assert "SORA2_CORS_ORIGINS" in response.json()["error"]
    assert "access-control-allow-origin" not in response.headers


def test_a_preflight_asking_for_other_headers_is_refused(admin: httpx.Client) -> None:
    response = admin.options(
        "/api/videos",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-evil",
        },
    )
    assert response.status_code == 403
    assert response.json() == {"error": "request headers not allowed: x-evil"}


def test_answers_are_readable_by_listed_origins_only(admin: httpx.Client) -> None:
    allowed = admin.get("/api/videos", headers={"Origin": ALLOWED})
    foreign = admin.get("/api/videos", headers={"Origin": FOREIGN})
    plain = admin.get("/api/videos")
    assert allowed.status_code == foreign.status_code == plain.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "content-disposition" in allowed.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in foreign.headers
    assert "access-control-allow-origin" not in plain.headers
    # Errors too: a listed page must be able to show the API's message.
    missing = admin.get("/api/videos/nope", headers={"Origin": ALLOWED})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == ALLOWED


def test_the_server_s_own_origin_is_always_allowed(server: LiveServer, admin: httpx.Client) -> None:
    response = preflight(admin, server.url)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == server.url


def test_mcp_refuses_requests_from_a_foreign_origin(admin: httpx.Client) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream", "Origin": FOREIGN}
    response = admin.post("/mcp", json=body, headers=headers)
    assert response.status_code == 403
    assert "SORA2_CORS_ORIGINS" in response.json()["error"]
    listed = admin.post("/mcp", json=body, headers={**headers, "Origin": ALLOWED})
    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == ALLOWED


def test_a_wildcard_origin_is_refused_at_startup(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="may not be"), sqlite_server(tmp_path, cors_origins="*"):
        pass
