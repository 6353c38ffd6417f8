"""Admin routes for users, and the roles that may use them."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import UserFactory
from tests.integration.api.test_videos import create
from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server


def test_admin_lists_adds_and_removes_users(admin: httpx.Client, server: LiveServer) -> None:
    created = admin.post("/api/users", json={"username": "dave", "password": "dave-password"})
    assert created.status_code == 201
    dave = created.json()
    assert dave["username"] == "dave" and dave["is_admin"] is False
    names = {u["username"] for u in admin.get("/api/users").json()["users"]}
    assert names == {"admin", "dave"}
    assert server.login("dave", "dave-password")
    assert admin.delete(f"/api/users/{dave['id']}").status_code == 204
    assert admin.delete(f"/api/users/{dave['id']}").status_code == 404
    with server.client() as client:
        response = client.post(
            "/api/auth/login", json={"username": "dave", "password": "dave-password"}
        )
        assert response.status_code == 401


def test_duplicate_and_invalid_users_are_refused(admin: httpx.Client) -> None:
    assert admin.post("/api/users", json={"username": "erin", "password": "erin-pass"}).is_success
    duplicate = admin.post("/api/users", json={"username": "erin", "password": "erin-pass2"})
    assert duplicate.status_code == 409
    assert "taken" in duplicate.json()["error"] or "exists" in duplicate.json()["error"]
    bad_name = admin.post("/api/users", json={"username": "no spaces", "password": "long-enough"})
    assert bad_name.status_code == 400
    extra = admin.post(
        "/api/users", json={"username": "frank", "password": "long-enough", "id": "mine"}
    )
    assert extra.status_code == 400


def test_non_admins_get_403_on_admin_routes(make_user: UserFactory, admin: httpx.Client) -> None:
    bob = make_user()
    admin_id = next(u["id"] for u in admin.get("/api/users").json()["users"])
    for method, path, body in [
        ("GET", "/api/users", None),
        ("POST", "/api/users", {"username": "x", "password": "long-enough"}),
        ("DELETE", f"/api/users/{admin_id}", None),
        ("PUT", f"/api/users/{admin_id}/password", {"password": "long-enough"}),
    ]:
        response = bob.request(method, path, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json() == {"error": "this route is for admins only"}


def test_admin_cannot_remove_themselves(admin: httpx.Client) -> None:
    me = admin.get("/api/auth/me").json()
    response = admin.delete(f"/api/users/{me['id']}")
    assert response.status_code == 409


def test_removing_a_user_removes_their_videos(
    admin: httpx.Client, make_user: UserFactory, server: LiveServer
) -> None:
    bob = make_user("bob")
    video = create(bob).json()
    bob_id = bob.get("/api/auth/me").json()["id"]
    assert admin.delete(f"/api/users/{bob_id}").status_code == 204
    assert not (server.settings.data_dir / "media" / "videos" / video["id"]).exists()
    assert bob.get("/api/videos").status_code == 401
