"""Health, docs, and the error shape of unknown routes."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server


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


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_locked_database_answers_503_with_retry_after(
    admin: httpx.Client, server: LiveServer
) -> None:
    database = server.settings.resolved_database_url.split(":///", 1)[1]
    blocker = sqlite3.connect(database, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
        response = admin.post("/api/videos", data={"prompt": "blocked"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert "error" in response.json() and "Traceback" not in response.text
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert admin.post("/api/videos", data={"prompt": "free again"}).status_code == 201
