"""Shared fixtures: a fresh database per test (SQLite and PostgreSQL), a live server, users."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.databases import BACKENDS, fresh_database_sync
from tests.support.server import LiveServer, live_server

ADMIN_PASSWORD = "admin"  # the loopback-only default the server creates


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database_sync(backend, tmp_path) as url:
        yield url


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path / "data", database_url) as running:
        yield running


@pytest.fixture
def admin(server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client logged in as the initial admin."""
    with server.client(server.login("admin", ADMIN_PASSWORD)) as client:
        yield client


UserFactory = Callable[..., httpx.Client]


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    password: str
    token: str


AccountFactory = Callable[[], Account]


@pytest.fixture
def account(server: LiveServer, admin: httpx.Client) -> AccountFactory:
    """Make a (non-admin) user through the admin API; return their id, password and a token."""

    def make() -> Account:
        name, password = f"user-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
        created = admin.post("/api/users", json={"username": name, "password": password})
        assert created.status_code == 201, created.text
        return Account(created.json()["id"], name, password, server.login(name, password))

    return make


@pytest.fixture
def make_user(server: LiveServer, admin: httpx.Client) -> Iterator[UserFactory]:
    """Create a user through the admin API and return a client logged in as them."""
    clients: list[httpx.Client] = []

    def make(username: str | None = None, *, is_admin: bool = False) -> httpx.Client:
        name = username or f"user-{uuid.uuid4().hex[:8]}"
        password = f"pw-{uuid.uuid4().hex}"
        response = admin.post(
            "/api/users", json={"username": name, "password": password, "is_admin": is_admin}
        )
        assert response.status_code == 201, response.text
        client = server.client(server.login(name, password))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
