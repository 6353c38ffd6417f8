"""Health, docs, and the error shape of unknown routes."""

from __future__ import annotations

import httpx
from tests.support.server import LiveServer


def test_health(server: LiveServer) -> None:
    with server.client() as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_docs_are_served(server: LiveServer) -> None:
    with server.client() as client:
        assert client.get("/api/docs").status_code == 200
        spec = client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/auth/login", "/api/videos", "/api/videos/{video_id}/content"} <= paths
    assert "/api/videos/{video_id}/remix" in paths and "/api/models" in paths


def test_unknown_routes_answer_json_errors(admin: httpx.Client) -> None:
    response = admin.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": "not found"}
    wrong_method = admin.put("/api/videos")
    assert wrong_method.status_code == 405
    assert "error" in wrong_method.json()
