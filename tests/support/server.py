"""A real platform server on a loopback port, in a thread of the test process.

Real HTTP, real database, real simulator (served by the platform on its own private port), with
short timings so a simulated video finishes in about a second.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from sora2.api.app import create_app
from sora2.config import Settings

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


def wait_for_status(
    client: httpx.Client, video_id: str, statuses: set[str], timeout: float = 30
) -> dict[str, Any]:
    """Poll a video until its status is one of `statuses`; return it."""
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
