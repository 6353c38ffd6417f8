"""Password rules at the API: NIST 800-63B checks on every password set, clear 400 messages."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server


def test_new_users_get_the_rules(admin: httpx.Client) -> None:
    def create(name: str, password: str) -> httpx.Response:
        return admin.post("/api/users", json={"username": name, "password": password})

    name = f"user-{uuid.uuid4().hex[:8]}"
    refused = {
        # Too short anyway: the request schema says so before the policy's own "not allowed".
        "admin": "password",
        "short": "at least 8 characters",
        "x" * 257: "at most 256 characters",
        "password1": "commonly used or breached",
        name.upper(): "must not be the username",
    }
    for password, reason in refused.items():
        response = create(name, password)
        assert response.status_code == 400, password
        assert reason in response.json()["error"]
    assert create(name, "any chars go: ünïcödé 🦊").status_code == 201


def test_password_changes_and_resets_get_the_rules(server: LiveServer, admin: httpx.Client) -> None:
    name, password = f"user-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    user_id = admin.post("/api/users", json={"username": name, "password": password}).json()["id"]
    with server.client(server.login(name, password)) as user:
        own = user.post(
            "/api/auth/password", json={"current_password": password, "new_password": "iloveyou"}
        )
        # Refused before anything changed: the token still works.
        assert user.get("/api/auth/me").status_code == 200
    reset = admin.put(f"/api/users/{user_id}/password", json={"password": "admin"})

    assert own.status_code == 400 and "commonly used" in own.json()["error"]
    assert reset.status_code == 400 and "password" in reset.json()["error"]
    assert server.login(name, password)  # unchanged


def test_the_loopback_default_admin_still_logs_in(server: LiveServer) -> None:
    # Existing passwords are never re-checked: only new ones follow the rules.
    assert server.login("admin", "admin")
