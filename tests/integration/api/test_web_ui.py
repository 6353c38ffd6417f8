"""How the server serves the web UI's build, over real HTTP: files, client routes, headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from sora2.api.web import CONTENT_SECURITY_POLICY
from tests.support.server import LiveServer, live_server

pytestmark = [
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
    pytest.mark.shared_server,
]

INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script>'


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for `npm run build`'s output."""
    root = tmp_path_factory.mktemp("web") / "static"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX + "</head><body></body></html>")
    (root / "assets" / "app-1a2b3c.js").write_text("console.log('app')")
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return root


@pytest.fixture(scope="module")
def server_settings(build: Path) -> dict[str, Any]:
    return {"web_ui_dir": build}


def assert_html_headers(headers: httpx.Headers) -> None:
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_the_app_is_served_at_the_root_and_for_client_routes(server: LiveServer) -> None:
    with server.client() as browser:
        for path in ["/", "/index.html", "/videos/550e8400-e29b-41d4-a716-446655440000", "/users"]:
            response = browser.get(path)
            assert response.status_code == 200, path
            assert response.text.startswith(INDEX)
            assert response.headers["content-type"].startswith("text/html")
            assert response.headers["cache-control"] == "no-cache"
            assert_html_headers(response.headers)
        assert browser.head("/library").status_code == 200
        revalidated = browser.get("/", headers={"If-None-Match": browser.get("/").headers["etag"]})
        assert revalidated.status_code == 304


def test_hashed_assets_are_cached_for_long_and_missing_ones_are_404(server: LiveServer) -> None:
    with server.client() as browser:
        script = browser.get("/assets/app-1a2b3c.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert script.headers["x-content-type-options"] == "nosniff"
        icon = browser.get("/favicon.svg")
        assert icon.status_code == 200 and icon.headers["cache-control"] == "public, max-age=3600"
        missing = browser.get("/assets/app-000000.js")
        assert missing.status_code == 404 and missing.json() == {"error": "not found"}
        for sneaky in ["/assets/../../../../etc/passwd", "/..%2f..%2f..%2f..%2fetc/passwd"]:
            assert "root:" not in browser.get(sneaky).text


def test_api_paths_keep_their_json_errors(server: LiveServer) -> None:
    with server.client() as browser:
        for path in ["/api/nothing-here", "/api", "/health/x"]:
            response = browser.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"error": "not found"}
        for path in ["/mcp", "/mcp/nothing-here", "/socket.io/nothing-here"]:
            # Their own servers answer (the MCP endpoint, Socket.IO), never the UI's HTML.
            assert "text/html" not in browser.get(path).headers.get("content-type", ""), path
        assert browser.post("/api/nothing-here").status_code == 404
        assert browser.post("/somewhere").status_code == 405
        # The API's own pages stay outside the UI's policy (Swagger UI needs a CDN): their own.
        docs = browser.get("/api/docs")
        assert docs.status_code == 200
        assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
        assert browser.get("/health").json()["status"] == "ok"


@pytest.mark.own_server
def test_without_a_build_the_root_says_how_to_build(database_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with live_server(tmp_path / "data", database_url, web_ui_dir=missing) as server:
        token = server.login("admin", "admin")
        with server.client() as browser, server.client(token) as api:
            root = browser.get("/")
            assert root.status_code == 200
            assert "make install" in root.text and "npm run build" in root.text
            assert_html_headers(root.headers)
            assert browser.get("/videos/x").status_code == 404
            assert browser.get("/api/nothing-here").json() == {"error": "not found"}
            # The API works all the same.
            assert api.get("/api/videos").status_code == 200
