"""Mass assignment: fields a client must not set (owner, status, id, progress, admin rights...)
sent to every route that creates or changes something. Each is either refused (400, nothing
made) or ignored (made as if the field were absent); never applied."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.attack import Tenant, completed, create_video, tenants
from tests.support.server import LiveServer

pytestmark = [
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
    pytest.mark.shared_server,
]

FORGED_ID = str(uuid.uuid4())


def hostile(victim: Tenant, victim_video: str) -> dict[str, Any]:
    """What an attacker would like to decide: whose, which id, how far, how cheap, how admin."""
    return {
        "user_id": victim.id,
        "owner": victim.id,
        "owner_id": victim.id,
        "id": FORGED_ID,
        "video_id": FORGED_ID,
        "status": "completed",
        "progress": 100,
        "is_admin": True,
        "admin": True,
        "role": "admin",
        "openai_video_id": "video_forged",
        "upstream_id": "video_forged",
        "cost": 0,
        "estimated_cost": 0,
        "created_at": 1,
        "completed_at": 1,
        "expires_at": 4102444800,
        "remixed_from": victim_video,
        "continued_from": victim_video,
        "error_message": "forged",
        "token_version": 0,
        "username": "admin",
        "provider": "openai",
        "input_reference_key": "../../jwt_secret",
    }


def as_form(fields: dict[str, Any]) -> dict[str, str]:
    return {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in fields.items()
    }


def not_applied(route: str, video: dict[str, Any], caller: Tenant, victim_video: str) -> list[str]:
    """What of the hostile fields a video made by `caller` shows."""
    problems = []
    if video["user_id"] != caller.id:
        problems.append(f"user_id is {video['user_id']}")
    if video["id"] == FORGED_ID:
        problems.append("the client chose the id")
    if video["status"] not in ("queued", "in_progress") or video["progress"] == 100:
        problems.append(f"status {video['status']} at {video['progress']}%")
    if video["openai_video_id"] == "video_forged":
        problems.append("the client chose the provider's id")
    if video["created_at"] == 1 or video["completed_at"] == 1:
        problems.append("the client chose the timestamps")
    if video["error_message"] == "forged" or video.get("expires_at") == 4102444800:
        problems.append("the client chose error_message/expires_at")
    if victim_video in (video.get("remixed_from"), video.get("continued_from")):
        problems.append("linked to the victim's video")
    if video.get("estimated_cost") == 0:
        problems.append("the client chose the cost")
    return [f"{route}: {problem}" for problem in problems]


def test_video_routes_ignore_or_refuse_fields_a_client_must_not_set(
    server: LiveServer, admin: httpx.Client
) -> None:
    with tenants(server, admin, 2) as (alice, bob):
        alice_video = create_video(alice.http, "Alice's")["id"]
        fields = hostile(alice, alice_video)
        own = completed(bob.http, create_video(bob.http, "Bob's first"))
        made: dict[str, httpx.Response] = {
            "POST /api/videos (multipart)": bob.http.post(
                "/api/videos",
                files={k: (None, v) for k, v in as_form({**fields, "prompt": "p1"}).items()},
            ),
            "POST /api/videos (urlencoded, and in the query)": bob.http.post(
                "/api/videos", data=as_form({**fields, "prompt": "p2"}), params=as_form(fields)
            ),
            "POST /api/videos/{id}/remix": bob.http.post(
                f"/api/videos/{own['id']}/remix", json={**fields, "prompt": "p3"}
            ),
            "POST /api/videos/{id}/continue": bob.http.post(
                f"/api/videos/{own['id']}/continue", json={**fields, "prompt": "p4"}
            ),
        }
        problems = []
        accepted = []
        for route, response in made.items():
            if response.status_code == 201:
                video = response.json()
                accepted.append(video["id"])
                problems += not_applied(route, video, bob, alice_video)
                stored = bob.http.get(f"/api/videos/{video['id']}").json()
                problems += not_applied(f"{route} (as stored)", stored, bob, alice_video)
            elif response.status_code != 400:
                problems.append(f"{route}: {response.status_code} {response.text}")
        assert not problems, "a client set what only the server may:\n" + "\n".join(problems)

        # Remixes and continuations name the source in the URL, not in a body field.
        for route in ("remix", "continue"):
            response = made[f"POST /api/videos/{{id}}/{route}"]
            if response.status_code == 201:
                field = "remixed_from" if route == "remix" else "continued_from"
                assert response.json()[field] == own["id"], route
        # Nothing was made for, or changed of, Alice.
        assert [v["id"] for v in alice.http.get("/api/videos").json()["videos"]] == [alice_video]
        assert alice.http.get(f"/api/videos/{FORGED_ID}").status_code == 404
        assert bob.http.get(f"/api/videos/{FORGED_ID}").status_code == 404
        mine = {v["id"] for v in bob.http.get("/api/videos").json()["videos"]}
        assert mine == {own["id"], *accepted}
        assert bob.http.get("/api/auth/me").json()["is_admin"] is False
        assert bob.http.get("/api/users").status_code == 403


def test_account_routes_ignore_or_refuse_fields_a_client_must_not_set(
    server: LiveServer, admin: httpx.Client
) -> None:
    with tenants(server, admin, 2) as (alice, bob):
        fields = hostile(alice, FORGED_ID)
        problems = []

        # Logging in with extras: the account is what it is.
        login = bob.http.post(
            "/api/auth/login", json={**fields, "username": bob.username, "password": bob.password}
        )
        if login.status_code == 200:
            user = login.json()["user"]
            if user["is_admin"] or user["id"] != bob.id:
                problems.append(f"POST /api/auth/login: {user}")
        elif login.status_code != 400:
            problems.append(f"POST /api/auth/login: {login.status_code} {login.text}")

        # Changing my password with extras: my password only, nothing else of mine or anyone's.
        new_password = f"pw-{uuid.uuid4().hex}"
        change = bob.http.post(
            "/api/auth/password",
            json={**fields, "current_password": bob.password, "new_password": new_password},
        )
        if change.status_code == 200:
            user = change.json()["user"]
            if user["is_admin"] or user["id"] != bob.id or user["username"] != bob.username:
                problems.append(f"POST /api/auth/password: {user}")
            bob.password = new_password
        elif change.status_code != 400:
            problems.append(f"POST /api/auth/password: {change.status_code} {change.text}")

        # An admin's password reset with extras: the password only.
        reset_password = f"pw-{uuid.uuid4().hex}"
        reset = admin.put(
            f"/api/users/{bob.id}/password", json={**fields, "password": reset_password}
        )
        if reset.status_code == 204:
            bob.password = reset_password
        elif reset.status_code != 400:
            problems.append(f"PUT /api/users/{{id}}/password: {reset.status_code} {reset.text}")

        # Creating a user with extras (the admin route has `is_admin` on purpose; not the rest).
        name = f"user-{uuid.uuid4().hex[:8]}"
        create = admin.post(
            "/api/users",
            json={**fields, "username": name, "password": "pw-long-enough-1", "is_admin": False},
        )
        if create.status_code == 201:
            user = create.json()
            if user["id"] in (FORGED_ID, alice.id) or user["is_admin"] or user["created_at"] == 1:
                problems.append(f"POST /api/users: {user}")
        elif create.status_code != 400:
            problems.append(f"POST /api/users: {create.status_code} {create.text}")
        assert not problems, "a client set what only the server may:\n" + "\n".join(problems)

        users = {user["username"]: user for user in admin.get("/api/users").json()["users"]}
        assert not users[bob.username]["is_admin"] and users[bob.username]["id"] == bob.id
        assert not users[alice.username]["is_admin"] and users[alice.username]["id"] == alice.id
        assert "admin" in users and users["admin"]["is_admin"]
        assert FORGED_ID not in {user["id"] for user in users.values()}
        if create.status_code == 400:
            assert name not in users, "POST /api/users refused the request but made the user"
        # Bob's credentials are the last ones set; Alice's are untouched.
        assert server.login(bob.username, bob.password)
        assert server.login(alice.username, alice.password)
