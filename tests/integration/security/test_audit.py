"""The audit log: logins, failed logins, logouts, password and user changes and deletions are
recorded (table and `sora2.audit` log lines) and readable by admins at `GET /api/audit`."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import httpx
import pytest

from tests.integration.realtime.conftest import create_video
from tests.support.logins import attempt_login, client_from, fresh_address
from tests.support.server import LiveServer


def entries(admin: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = admin.get("/api/audit", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["entries"]
    return found


def test_a_users_life_is_recorded_newest_first(
    server: LiveServer, admin: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sora2.audit")
    admin_id = admin.get("/api/auth/me").json()["id"]
    name, password = f"user-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    address = fresh_address()

    created = admin.post("/api/users", json={"username": name, "password": password})
    user_id = created.json()["id"]
    assert attempt_login(server, name, "not-the-password", address=address).status_code == 401
    assert attempt_login(server, "nobody-" + name, password, address=address).status_code == 401
    token = attempt_login(server, name, password, address=address).json()["token"]
    with client_from(server, address, token) as alice:
        video = create_video(alice)
        assert alice.delete(f"/api/videos/{video['id']}").status_code == 200
        changed = alice.post(
            "/api/auth/password",
            json={"current_password": password, "new_password": "a-fresh-passphrase"},
        )
    with client_from(server, address, changed.json()["token"]) as alice:
        assert alice.post("/api/auth/logout").status_code == 204
    assert admin.put(f"/api/users/{user_id}/password", json={"password": "set-by-admin"}).is_success
    assert admin.delete(f"/api/users/{user_id}").status_code == 204

    trail = [e for e in entries(admin, limit=100) if user_id in (e["actor_id"], e["target"])]
    trail += entries(admin, user="nobody-" + name)
    summary = sorted(((e["id"], e["action"], e["actor"], e["reason"]) for e in trail), reverse=True)
    assert [(action, actor, reason) for _, action, actor, reason in summary] == [
        ("user.removed", "admin", None),
        ("password.reset", "admin", None),
        ("logout", name, None),
        ("password.changed", name, None),
        ("video.deleted", name, None),
        ("login.succeeded", name, None),
        ("login.failed", "nobody-" + name, "unknown_user"),
        ("login.failed", name, "wrong_password"),
        ("user.created", "admin", None),
    ]
    by_action = {e["action"]: e for e in trail}
    assert by_action["user.created"]["actor_id"] == admin_id
    assert by_action["user.created"]["details"] == {"username": name, "is_admin": False}
    assert by_action["video.deleted"]["target"] == video["id"]
    assert by_action["logout"]["client"] == address
    assert by_action["login.failed"]["client"] == address
    # The newest-first order of the route itself.
    times = [e["at"] for e in entries(admin, limit=100)]
    assert times == sorted(times, reverse=True)

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "sora2.audit"]
    logged = [line for line in lines if line.get("target") == user_id or line.get("actor") == name]
    assert {"user.created", "login.failed", "login.succeeded", "logout"} <= {
        line["action"] for line in logged
    }
    failed = next(line for line in logged if line["action"] == "login.failed")
    assert failed["event"] == "audit" and failed["client"] == address
    assert failed["reason"] == "wrong_password"


def test_filters_paging_and_bad_queries(server: LiveServer, admin: httpx.Client) -> None:
    address = fresh_address()
    for _ in range(3):
        attempt_login(server, "mallory", "guessing-away", address=address)

    failed = entries(admin, action="login.failed", user="mallory")
    assert len(failed) == 3 and {e["actor"] for e in failed} == {"mallory"}
    page = admin.get("/api/audit", params={"action": "login.failed", "limit": 2, "offset": 2})
    assert page.json()["total"] == 3 and len(page.json()["entries"]) == 1
    capped = admin.get("/api/audit", params={"limit": 10_000}).json()
    assert capped["limit"] == server.settings.page_size_max
    assert entries(admin, user="someone-who-never-was") == []

    unknown = admin.get("/api/audit", params={"action": "login.guessed"})
    assert unknown.status_code == 400 and "login.failed" in unknown.json()["error"]
    for bad in ({"limit": 0}, {"offset": -1}, {"limit": "many"}):
        response = admin.get("/api/audit", params=bad)
        assert response.status_code == 400 and set(response.json()) == {"error"}


def test_only_admins_read_the_audit_log(server: LiveServer, admin: httpx.Client) -> None:
    name, password = f"user-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    assert admin.post("/api/users", json={"username": name, "password": password}).is_success
    with server.client(server.login(name, password)) as user:
        forbidden = user.get("/api/audit")
    with server.client() as anonymous:
        missing = anonymous.get("/api/audit")

    assert forbidden.status_code == 403 and set(forbidden.json()) == {"error"}
    assert missing.status_code == 401 and set(missing.json()) == {"error"}
