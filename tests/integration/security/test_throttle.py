"""The login throttle: 5 failures in 5 minutes per username and per client address -> 429 with
Retry-After; unknown names alike; other users and addresses unaffected; the window passes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.logins import attempt_login, fresh_address
from tests.support.server import LiveServer, live_server

THROTTLED = {"error": "too many failed logins; try again later"}
INVALID = {"error": "invalid username or password"}

# Each test fails logins for its own new users, from addresses of its own.
pytestmark = pytest.mark.shared_server

NewUser = Callable[[], tuple[str, str]]


@pytest.fixture
def new_user(admin: httpx.Client) -> NewUser:
    def make() -> tuple[str, str]:
        name, password = f"user-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
        created = admin.post("/api/users", json={"username": name, "password": password})
        assert created.status_code == 201, created.text
        return name, password

    return make


def fail(server: LiveServer, username: str, times: int, *, address: str) -> None:
    for _ in range(times):
        response = attempt_login(server, username, "wrong-password-123", address=address)
        assert response.status_code == 401 and response.json() == INVALID


def assert_throttled(response: httpx.Response, *, window: float = 300) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == THROTTLED
    assert 1 <= int(response.headers["retry-after"]) <= window


def test_five_failures_for_a_name_lock_it_everywhere_but_not_other_users(
    server: LiveServer, new_user: NewUser
) -> None:
    alice, alice_pw = new_user()
    bob, bob_pw = new_user()
    fail(server, alice, 5, address=fresh_address())

    # Even the right password, even from elsewhere: the name is locked.
    assert_throttled(attempt_login(server, alice, alice_pw, address=fresh_address()))
    assert_throttled(attempt_login(server, alice.upper(), alice_pw, address=fresh_address()))
    # Bob is not.
    assert attempt_login(server, bob, bob_pw, address=fresh_address()).status_code == 200


def test_four_failures_are_not_enough(server: LiveServer, new_user: NewUser) -> None:
    alice, alice_pw = new_user()
    fail(server, alice, 4, address=fresh_address())

    assert attempt_login(server, alice, alice_pw, address=fresh_address()).status_code == 200


def test_five_failures_from_an_address_lock_that_address_only(
    server: LiveServer, new_user: NewUser
) -> None:
    bob, bob_pw = new_user()
    spraying = fresh_address()
    for _ in range(5):  # password spraying: a different name each time
        fail(server, f"guess-{uuid.uuid4().hex[:6]}", 1, address=spraying)

    assert_throttled(attempt_login(server, bob, bob_pw, address=spraying))
    assert attempt_login(server, bob, bob_pw, address=fresh_address()).status_code == 200


def test_an_unknown_name_is_throttled_exactly_like_a_known_one(
    server: LiveServer, new_user: NewUser
) -> None:
    known, _ = new_user()
    unknown = f"nobody-{uuid.uuid4().hex[:8]}"
    answers: dict[str, list[tuple[int, object]]] = {}
    for name in (known, unknown):
        address = fresh_address()
        replies = [
            attempt_login(server, name, "not-the-password", address=address) for _ in range(7)
        ]
        answers[name] = [(r.status_code, r.json()) for r in replies]

    assert answers[known] == answers[unknown]
    assert [status for status, _ in answers[known]] == [401] * 5 + [429] * 2


def test_a_success_clears_the_names_count(server: LiveServer, new_user: NewUser) -> None:
    alice, alice_pw = new_user()
    fail(server, alice, 4, address=fresh_address())
    assert attempt_login(server, alice, alice_pw, address=fresh_address()).status_code == 200
    fail(server, alice, 4, address=fresh_address())

    assert attempt_login(server, alice, alice_pw, address=fresh_address()).status_code == 200


def test_throttled_attempts_are_audited_but_answer_alike(
    server: LiveServer, admin: httpx.Client, new_user: NewUser
) -> None:
    alice, _ = new_user()
    address = fresh_address()
    fail(server, alice, 5, address=address)
    assert_throttled(attempt_login(server, alice, "whatever-else-1", address=address))

    entries = admin.get("/api/audit", params={"action": "login.failed", "user": alice}).json()
    reasons = [entry["reason"] for entry in entries["entries"]]
    assert reasons == ["throttled"] + ["wrong_password"] * 5
    assert {entry["client"] for entry in entries["entries"]} == {address}


# The admin's name is locked for a while: a server of its own. The window is long enough for
# the three failures to fall inside it on a busy machine (each costs an argon2 hash).
@pytest.mark.own_server
@pytest.mark.server_settings(login_window_seconds=12, login_max_failures=3)
def test_the_lock_ends_when_the_window_has_passed(server: LiveServer) -> None:
    address = fresh_address()
    fail(server, "admin", 3, address=address)
    refused = attempt_login(server, "admin", "admin", address=address)
    assert_throttled(refused, window=12)

    time.sleep(int(refused.headers["retry-after"]) + 0.1)
    assert attempt_login(server, "admin", "admin", address=address).status_code == 200


@pytest.mark.own_server
def test_the_counts_survive_a_restart(database_url: str, tmp_path: Path) -> None:
    address = fresh_address()
    with live_server(tmp_path / "data", database_url) as first:
        fail(first, "admin", 5, address=address)
    with live_server(tmp_path / "data", database_url) as second:
        assert_throttled(attempt_login(second, "admin", "admin", address=fresh_address()))


def test_guessing_the_current_password_with_a_token_is_throttled_like_logins(
    server: LiveServer, new_user: NewUser
) -> None:
    alice, alice_pw = new_user()
    with server.client(server.login(alice, alice_pw)) as client:
        for _ in range(5):
            wrong = client.post(
                "/api/auth/password",
                json={"current_password": "a-wrong-guess-42", "new_password": "n3w-passphrase"},
            )
            assert wrong.status_code == 401, wrong.text

        # Now even the right current password waits, and so does the login form.
        right = client.post(
            "/api/auth/password",
            json={"current_password": alice_pw, "new_password": "n3w-passphrase"},
        )
        assert_throttled(right)
    assert_throttled(attempt_login(server, alice, alice_pw, address=fresh_address()))
