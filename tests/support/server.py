"""A real platform server on a loopback port, in a thread of the test process.

Real HTTP, real database, real simulator (served by the platform on its own private port), with
short timings so a simulated video finishes in about a second.

`ServerPool` keeps servers running for a whole test module (tests/conftest.py, marker
`shared_server`): after each test it removes what the test made (every user but the initial
admin, with their videos, and the admin's videos), and it drops a server it cannot bring back to
that state, or whose test failed, so one test never sees another's leftovers.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from sora2.api.app import create_app
from sora2.config import Settings
from tests.support.databases import fresh_database_sync

FAST = {
    "simulator_job_seconds": 1.0,
    "poll_interval_seconds": 0.15,
    "poll_jitter": 0.1,
    "tracker_lease_seconds": 5.0,
}


class LiveServer:
    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        self.settings = settings
        self._sock = sock
        self._admin_token: str | None = None
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self._server = uvicorn.Server(
            uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()

    @property
    def container(self) -> Any:
        return self._server.config.app.state.container

    @property
    def realtime(self) -> Any:
        """The Socket.IO gateway the app's lifespan opened."""
        return self._server.config.app.state.realtime

    def admin_token(self, password: str = "admin") -> str:
        """A token of the initial admin: logged in once per server (a login costs an argon2
        verification), again only if a test logged the admin out or changed its password."""
        token = self._admin_token
        if token is not None:
            with self.client(token) as client:
                if client.get("/api/auth/me").status_code == 200:
                    return token
        self._admin_token = self.login("admin", password)
        return self._admin_token

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def login(self, username: str, password: str) -> str:
        with self.client() as client:
            response = client.post(
                "/api/auth/login", json={"username": username, "password": password}
            )
            response.raise_for_status()
            return str(response.json()["token"])


def bound_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@contextmanager
def live_server(
    data_dir: Path, database_url: str, *, port: int = 0, **overrides: Any
) -> Iterator[LiveServer]:
    """`port=N` serves on a given port: to restart a server where its clients expect it."""
    sock = bound_socket(port)
    # `host` may claim a non-loopback address while the socket stays on loopback: the server
    # then behaves as if exposed, without being exposed.
    fields: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": sock.getsockname()[1],
        "data_dir": data_dir,
        "database_url": database_url,
        **FAST,
        **overrides,
    }
    try:
        settings = Settings(_env_file=None, **fields)
    except BaseException:
        sock.close()
        raise
    server = LiveServer(settings, sock)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class ServerPool:
    """Live servers shared by the tests of one module, one per set of setting overrides, all on
    one database of `backend`; `close` stops them and removes the databases."""

    def __init__(self, backend: str, folder: Path) -> None:
        self._backend = backend
        self._folder = folder
        self._servers: dict[str, tuple[LiveServer, ExitStack]] = {}

    def get(self, overrides: dict[str, Any]) -> LiveServer:
        key = repr(sorted(overrides.items()))
        if key not in self._servers:
            stack = ExitStack()
            try:
                folder = self._folder / f"server-{len(self._servers)}-{time.monotonic_ns()}"
                folder.mkdir(parents=True)
                url = stack.enter_context(fresh_database_sync(self._backend, folder))
                server = stack.enter_context(live_server(folder / "data", url, **overrides))
            except BaseException:
                stack.close()
                raise
            self._servers[key] = (server, stack)
        return self._servers[key][0]

    def release(self, server: LiveServer, *, keep: bool) -> None:
        """After a test: bring `server` back to its first state, or stop it (not `keep`, or
        when that fails) so that the next test gets a new one."""
        if keep:
            try:
                reset(server)
                return
            except (AssertionError, httpx.HTTPError):
                pass
        for key, (running, stack) in list(self._servers.items()):
            if running is server:
                del self._servers[key]
                stack.close()

    def close(self) -> None:
        for _, stack in self._servers.values():
            stack.close()
        self._servers.clear()


def reset(server: LiveServer) -> None:
    """Remove every user but the initial admin (with their videos) and the admin's videos."""
    with server.client(server.admin_token()) as admin:
        me = admin.get("/api/auth/me")
        assert me.status_code == 200 and me.json()["username"] == "admin", me.text
        for user in admin.get("/api/users").raise_for_status().json()["users"]:
            if user["id"] != me.json()["id"]:
                assert admin.delete(f"/api/users/{user['id']}").status_code in (200, 204, 404)
        while videos := admin.get("/api/videos", params={"limit": 100}).json()["videos"]:
            for video in videos:
                assert admin.delete(f"/api/videos/{video['id']}").status_code in (200, 404)


def wait_for_status(
    client: httpx.Client, video_id: str, statuses: set[str], timeout: float = 90
) -> dict[str, Any]:
    """Poll a video until its status is one of `statuses`; return it. The deadline is roomy:
    only a video that never gets there should fail a test, not a slow machine."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/videos/{video_id}")
        response.raise_for_status()
        video: dict[str, Any] = response.json()
        if video["status"] in statuses:
            return video
        if time.monotonic() > deadline:
            raise AssertionError(f"video {video_id} still {video['status']} after {timeout}s")
        time.sleep(0.05)
