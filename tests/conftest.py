"""Shared fixtures: a fresh database per test (SQLite and PostgreSQL), a live server, users.

The live server is defined once, here, for every test that asks for `server` (or for `admin`,
`make_user`, `account`, which log in to it):

- its settings are tests/support/server.py's FAST timings, then the module's `server_settings`
  fixture (redefine it in a module, with any scope, e.g. to point the server at an upstream), then
  the test's `@pytest.mark.server_settings(name=value, ...)` markers;
- it runs on each backend (`@pytest.mark.backends("sqlite")` narrows that down);
- by default each test gets its own server on its own new database; a module marked
  `pytest.mark.shared_server` shares one per backend (and per settings) between its tests, each of
  which finds it as new: what a test made (users, videos) is removed after it, and a server whose
  test failed is dropped. A test there that changes what others would see (logins refused by the
  throttle, the audit log, the admin's password) is marked `own_server`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.databases import BACKENDS, fresh_database_sync
from tests.support.server import LiveServer, ServerPool, live_server

ADMIN_PASSWORD = "admin"  # the loopback-only default the server creates


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether a test failed, for the shared server's teardown."""
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


FAILED = pytest.StashKey[bool]()


# Module scope, so that a module's shared server serves all its tests on one backend.
@pytest.fixture(params=BACKENDS, scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`@pytest.mark.backends("sqlite")`: the tests that use a database run on those only.

    As a `parametrize` mark, before pytest reads those marks (and the fixture's own params)."""
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None and "backend" in metafunc.fixturenames:
        metafunc.definition.add_marker(
            pytest.mark.parametrize("backend", marker.args, indirect=True, scope="module")
        )


def _shares_server(node: pytest.Item) -> bool:
    return (
        node.get_closest_marker("shared_server") is not None
        and node.get_closest_marker("own_server") is None
    )


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    """A new empty database; in a `shared_server` module, the shared server's."""
    if _shares_server(request.node):
        server: LiveServer = request.getfixturevalue("server")
        yield server.settings.resolved_database_url
        return
    with fresh_database_sync(backend, tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def server_settings() -> dict[str, Any]:
    """A module's overrides of the live server's settings: redefine this fixture to set them."""
    return {}


def _marked_settings(node: pytest.Item) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    # iter_markers yields the closest first: apply the module's, then the class's, the test's.
    for marker in reversed(list(node.iter_markers("server_settings"))):
        overrides.update(marker.kwargs)
    return overrides


@pytest.fixture(scope="module")
def server_pool(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    """The module's shared servers (one per set of settings), on one database of `backend`."""
    pool = ServerPool(backend, tmp_path_factory.mktemp("shared"))
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def server(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, server_settings: dict[str, Any]
) -> Iterator[LiveServer]:
    overrides = {**server_settings, **_marked_settings(request.node)}
    if _shares_server(request.node):
        pool: ServerPool = request.getfixturevalue("server_pool")
        running = pool.get(overrides)
        yield running
        pool.release(running, keep=not request.node.stash.get(FAILED, False))
        return
    database_url = request.getfixturevalue("database_url")
    with live_server(tmp_path / "data", database_url, **overrides) as running:
        yield running


@pytest.fixture
def admin_token(server: LiveServer) -> str:
    """A token of the initial admin."""
    return server.admin_token(ADMIN_PASSWORD)


@pytest.fixture
def admin(server: LiveServer, admin_token: str) -> Iterator[httpx.Client]:
    """An HTTP client logged in as the initial admin."""
    with server.client(admin_token) as client:
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
