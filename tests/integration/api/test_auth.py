"""Logging in, tokens, and the admin user's first password, over real HTTP."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import httpx
import jwt
import pytest

from tests.support.server import LiveServer, live_server

pytestmark = pytest.mark.shared_server


def test_login_returns_a_token_and_the_user(server: LiveServer) -> None:
    with server.client() as client:
        response = client.post("/api/auth/login", json={"username": "admin", "password": "admin"})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "admin" and body["user"]["id"]
    header = jwt.get_unverified_header(body["token"])
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert header["alg"] == "HS256"
    assert claims["exp"] - claims["iat"] == 7 * 24 * 3600
    assert claims["sub"] == body["user"]["id"]


@pytest.mark.parametrize(
    ("username", "password"), [("admin", "wrong-password"), ("nobody", "admin")]
)
def test_bad_credentials_are_401_with_one_message(
    server: LiveServer, username: str, password: str
) -> None:
    with server.client() as client:
        response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid username or password"}


def test_login_needs_both_fields(server: LiveServer) -> None:
    with server.client() as client:
        response = client.post("/api/auth/login", json={"username": "admin"})
        assert response.status_code == 400
        assert response.json() == {"error": "password is required"}
        assert client.post("/api/auth/login", content=b"{not json").status_code == 400


def test_routes_need_a_valid_token(server: LiveServer) -> None:
    secret = (server.settings.data_dir / "jwt_secret").read_text().strip()
    now = int(time.time())
    expired = jwt.encode(
        {"sub": "x", "iat": now - 100, "exp": now - 10, "jti": "j"}, secret, algorithm="HS256"
    )
    forged = jwt.encode(
        {"sub": "x", "iat": now, "exp": now + 100, "jti": "j"}, "another-secret" * 4, "HS256"
    )
    unsigned = jwt.encode({"sub": "x", "iat": now, "exp": now + 100, "jti": "j"}, None, "none")
    cases = {
        None: "missing bearer token",
        "garbage": "invalid token",
        expired: "expired",
        forged: "invalid token",
        unsigned: "invalid token",
    }
    for token, message in cases.items():
        with server.client(token) as client:
            for path in ["/api/videos", "/api/models", "/api/users", "/api/auth/me"]:
                response = client.get(path)
                assert response.status_code == 401, (token, path)
                assert message in response.json()["error"]
                assert response.headers["www-authenticate"] == "Bearer"


def test_password_change_revokes_older_tokens(server: LiveServer, admin: httpx.Client) -> None:
    created = admin.post("/api/users", json={"username": "alice", "password": "first-password"})
    assert created.status_code == 201
    first = server.login("alice", "first-password")
    with server.client(first) as alice:
        wrong = alice.post(
            "/api/auth/password", json={"current_password": "nope", "new_password": "second-pw"}
        )
        assert wrong.status_code == 401
        changed = alice.post(
            "/api/auth/password",
            json={"current_password": "first-password", "new_password": "second-password"},
        )
        assert changed.status_code == 200
        assert alice.get("/api/videos").status_code == 401  # the old token is revoked
    with server.client(changed.json()["token"]) as alice:
        assert alice.get("/api/videos").status_code == 200
        reset = admin.put(
            f"/api/users/{created.json()['id']}/password", json={"password": "third-password"}
        )
        assert reset.status_code == 204
        assert alice.get("/api/videos").status_code == 401  # an admin reset revokes too
    assert server.login("alice", "third-password")


def test_weak_new_passwords_are_refused(admin: httpx.Client) -> None:
    for password in ["short", "admin", "ADMIN"]:
        response = admin.post("/api/users", json={"username": "carol", "password": password})
        assert response.status_code == 400, password


def test_secret_and_data_files_are_private(server: LiveServer) -> None:
    secret = server.settings.data_dir / "jwt_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().strip()) >= 64


@pytest.mark.own_server
def test_admin_admin_never_logs_in_beyond_loopback(database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with live_server(data, database_url) as loopback:
        assert loopback.login("admin", "admin")
    with live_server(data, database_url, host="0.0.0.0") as exposed, exposed.client() as client:
        response = client.post("/api/auth/login", json={"username": "admin", "password": "admin"})
    assert response.status_code == 403
    assert "sora2 users passwd admin" in response.json()["error"]


@pytest.mark.own_server
def test_first_start_beyond_loopback_makes_a_random_password(
    database_url: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with live_server(data, database_url, host="0.0.0.0") as server:
        password_file = data / "initial_admin_password"
        assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
        password = password_file.read_text().strip()
        assert password != "admin" and len(password) >= 12
        assert server.login("admin", password)


@pytest.mark.own_server
def test_configured_admin_password_is_used(database_url: str, tmp_path: Path) -> None:
    with (
        live_server(tmp_path / "data", database_url, admin_password="configured-secret") as server,
        server.client() as client,
    ):
        assert server.login("admin", "configured-secret")
        response = client.post("/api/auth/login", json={"username": "admin", "password": "admin"})
        assert response.status_code == 401
